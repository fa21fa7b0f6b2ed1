"""Lesson 08's exercise checkers: the context vector of additive attention, and reading an
alignment heatmap."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from course_utils import seq2seq as s2s
from course_utils.attention import softmax
from course_utils.checks import CheckResult, Mistake, Status, check_function, finish, is_stub

# --- exercise 1: the context vector --------------------------------------------------------------

reference_context = s2s.additive_context


def _context(S, H, W, U, v, *, axis=-1, normalise=True, squash=True, out="context"):
    """additive_context with one typical mistake switched on."""
    pre = (S @ W)[:, None, :] + (H @ U)[None, :, :]
    scores = (np.tanh(pre) if squash else pre) @ v
    if normalise == "none":
        weights = scores
    elif normalise == "exp":
        weights = np.exp(scores)
    else:
        weights = softmax(scores, axis=axis)
    if out == "weights":
        return weights
    if out == "transposed":
        return H.T @ weights.T
    return weights @ H


def _case(n: int, T: int, d_s: int, d_h: int, a: int, seed: int):
    """Random S (n, d_s), H (T, d_h), W (d_s, a), U (d_h, a), v (a,) in float64."""
    rng = np.random.default_rng(seed)
    return (
        rng.standard_normal((n, d_s)),
        rng.standard_normal((T, d_h)),
        rng.standard_normal((d_s, a)),
        rng.standard_normal((d_h, a)),
        rng.standard_normal(a),
    )


# Case 1: n = 3 target steps, T = 4 source words, d_h = 6: every mistake gives its own shape or
# values (the weights are (3, 4), the transposed context (6, 3)). Case 2: n = T = d_h = 5, square,
# so only the values tell the mistakes apart.
CONTEXT_CASES = [_case(3, 4, 5, 6, 7, seed=0), _case(5, 5, 4, 5, 3, seed=1)]

CONTEXT_MISTAKES = [
    Mistake(
        lambda *a: _context(*a, axis=0),
        "The softmax runs over the wrong axis: row i holds target step i's scores over the "
        "SOURCE words, and it is each row that must sum to 1 (softmax over axis=-1).",
    ),
    Mistake(
        lambda *a: _context(*a, normalise="none"),
        "The scores go straight into the weighted sum: turn them into weights with a softmax "
        "over the source words first.",
    ),
    Mistake(
        lambda *a: _context(*a, normalise="exp"),
        "The weights are exp(scores) without the division: each row must sum to 1, so divide "
        "by the row's sum (that is the softmax).",
    ),
    Mistake(
        lambda *a: _context(*a, squash=False),
        "The tanh is missing: score = v . tanh(s W + h U). Without it the score is linear, "
        "and the s W part is the same for every source word, so it cancels in the softmax.",
    ),
    Mistake(
        lambda *a: _context(*a, out="weights"),
        "You return the attention weights (n, T); return the context vectors weights @ H, "
        "shape (n, d_h).",
    ),
    Mistake(
        lambda *a: _context(*a, out="transposed"),
        "Transposed: with one row per target step, the context is weights @ H, shape (n, d_h), "
        "not H.T @ weights.T.",
    ),
]


def check_context(fn) -> CheckResult:
    """Check ``fn(S, H, W, U, v) -> context (n, d_h)`` against ``seq2seq.additive_context``."""
    return check_function(
        fn,
        reference_context,
        CONTEXT_CASES,
        exercise="context vectors",
        mistakes=CONTEXT_MISTAKES,
        hint="scores = np.tanh((S @ W)[:, None, :] + (H @ U)[None, :, :]) @ v (shape (n, T)); "
        "weights = softmax of each row; context = weights @ H.",
    )


# --- exercise 2: read an alignment ---------------------------------------------------------------


class Reading(NamedTuple):
    """A heatmap to read: source and target words, weights (len(target), len(source)), and
    the target word the learner is asked about (its row index)."""

    source: tuple[str, ...]
    target: tuple[str, ...]
    weights: np.ndarray
    row: int

    @property
    def word(self) -> str:
        return self.target[self.row]

    def answer(self) -> str:
        """The source word with the largest weight in the asked row."""
        return self.source[int(np.argmax(self.weights[self.row]))]


def reading_text(r: Reading) -> str:
    """The weights as a table: one row per French word, one column per English word."""
    width = max(map(len, r.source + r.target)) + 1
    head = " " * width + "".join(f"{w:>{width}}" for w in r.source)
    rows = [
        f"{t:>{width}}" + "".join(f"{x:>{width}.2f}" for x in row)
        for t, row in zip(r.target, r.weights, strict=True)
    ]
    return "\n".join([head, *rows])


def check_alignment(answer, r: Reading) -> CheckResult:
    """Is ``answer`` the English word that the French word ``r.word`` attends to most?"""

    def result(status: Status, message: str) -> CheckResult:
        return finish(CheckResult(f"which word does '{r.word}' look at?", status, message))

    if is_stub(answer):
        return result(Status.NOT_ATTEMPTED, "Replace the `...` with an English word, in quotes.")
    if not isinstance(answer, str):
        return result(Status.WRONG_TYPE, f"answer with a word in quotes, got {answer!r}.")
    word = answer.strip().lower()
    right = r.answer()
    weights = r.weights[r.row]
    if word == right:
        return result(
            Status.CORRECT,
            f"Right: the row of '{r.word}' peaks on '{right}' ({weights.max():.2f}).",
        )
    if word not in r.source:
        return result(
            Status.WRONG_VALUES,
            f"'{answer}' is not a word of the English sentence: {' '.join(r.source)}.",
        )
    j = r.source.index(word)
    if r.row < len(r.source) and word == r.source[r.row]:
        hint = (
            f"'{word}' sits at the same position in the English ({r.row}) as '{r.word}' in "
            "the French: that is the monotone guess, and French moved the adjective after "
            "the noun. Read the row, not the position."
        )
    else:
        hint = f"Read the row of '{r.word}' from left to right and find its largest entry."
    return result(
        Status.WRONG_VALUES,
        f"the row of '{r.word}' gives '{word}' only {weights[j]:.2f}.\nHint: {hint}",
    )
