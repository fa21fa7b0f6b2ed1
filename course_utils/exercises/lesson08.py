"""Checkers for lesson 08: the context vectors of additive attention, reading an alignment
heatmap, and BLEU's modified n-gram precision. Each typical mistake is a small function of
its own, with its hint."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from course_utils import seq2seq as s2s
from course_utils import translation as tr
from course_utils.attention import softmax
from course_utils.checks import (
    CheckResult,
    Mistake,
    Status,
    check_function,
    finish,
    is_stub,
    with_hint,
)
from course_utils.i18n import _

# --- exercise 1: the context vector --------------------------------------------------------------

reference_context = s2s.additive_context


def softmax_over_targets(S, H, W, U, v):
    """The softmax over axis 0: each column sums to 1."""
    return softmax(s2s.additive_scores(S, H, W, U, v), axis=0) @ H


def scores_as_weights(S, H, W, U, v):
    """No softmax: the scores themselves weight the sum."""
    return s2s.additive_scores(S, H, W, U, v) @ H


def exp_without_division(S, H, W, U, v):
    """exp(scores), not divided by each row's sum."""
    return np.exp(s2s.additive_scores(S, H, W, U, v)) @ H


def no_tanh(S, H, W, U, v):
    """score = v . (s W + h U), without the tanh."""
    scores = ((S @ W)[:, None, :] + (H @ U)[None, :, :]) @ v
    return softmax(scores, axis=-1) @ H


def weights_not_context(S, H, W, U, v):
    """The attention weights (n, T) returned instead of the context vectors."""
    return softmax(s2s.additive_scores(S, H, W, U, v), axis=-1)


def transposed_context(S, H, W, U, v):
    """H.T @ weights.T, shape (d_h, n)."""
    return H.T @ weights_not_context(S, H, W, U, v).T


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
        softmax_over_targets,
        _(
            "The softmax runs over the wrong axis: row i holds target step i's scores over the "
            "SOURCE words, and it is each row that must sum to 1 (softmax over axis=-1)."
        ),
    ),
    Mistake(
        scores_as_weights,
        _(
            "The scores go straight into the weighted sum: turn them into weights with a softmax "
            "over the source words first."
        ),
    ),
    Mistake(
        exp_without_division,
        _(
            "The weights are exp(scores) without the division: each row must sum to 1, so divide "
            "by the row's sum (that is the softmax)."
        ),
    ),
    Mistake(
        no_tanh,
        _(
            "The tanh is missing: score = v . tanh(s W + h U). Without it the score is linear, "
            "and the s W part is the same for every source word, so it cancels in the softmax."
        ),
    ),
    Mistake(
        weights_not_context,
        _(
            "You return the attention weights (n, T); return the context vectors weights @ H, "
            "shape (n, d_h)."
        ),
    ),
    Mistake(
        transposed_context,
        _(
            "Transposed: with one row per target step, the context is weights @ H, shape (n, d_h), "
            "not H.T @ weights.T."
        ),
    ),
]


def check_context(fn) -> CheckResult:
    """Check ``fn(S, H, W, U, v) -> context (n, d_h)`` against ``seq2seq.additive_context``."""
    return check_function(
        fn,
        reference_context,
        CONTEXT_CASES,
        exercise=_("context vectors"),
        mistakes=CONTEXT_MISTAKES,
        hint=_(
            "scores = np.tanh((S @ W)[:, None, :] + (H @ U)[None, :, :]) @ v (shape (n, T)); "
            "weights = softmax of each row; context = weights @ H."
        ),
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
        exercise = _("which word does '{word}' look at?").format(word=r.word)
        return finish(CheckResult(exercise, status, message))

    if is_stub(answer):
        return result(Status.NOT_ATTEMPTED, _("Replace the `...` with an English word, in quotes."))
    if not isinstance(answer, str):
        return result(
            Status.WRONG_TYPE,
            _("answer with a word in quotes, got {answer}.").format(answer=repr(answer)),
        )
    word = answer.strip().lower()
    right = r.answer()
    weights = r.weights[r.row]
    if word == right:
        return result(
            Status.CORRECT,
            _("Right: the row of '{word}' peaks on '{right}' ({weight:.2f}).").format(
                word=r.word, right=right, weight=weights.max()
            ),
        )
    if word not in r.source:
        return result(
            Status.WRONG_VALUES,
            _("'{answer}' is not a word of the English sentence: {sentence}.").format(
                answer=answer, sentence=" ".join(r.source)
            ),
        )
    j = r.source.index(word)
    if r.row < len(r.source) and word == r.source[r.row]:
        hint = _(
            "'{answer}' sits at the same position in the English ({row}) as '{word}' in "
            "the French: that is the monotone guess, and French moved the adjective after "
            "the noun. Read the row, not the position."
        ).format(answer=word, row=r.row, word=r.word)
    else:
        hint = _("Read the row of '{word}' from left to right and find its largest entry.").format(
            word=r.word
        )
    message = _("the row of '{word}' gives '{answer}' only {weight:.2f}.").format(
        word=r.word, answer=word, weight=weights[j]
    )
    return result(Status.WRONG_VALUES, with_hint(message, hint))


# --- exercise 3: modified n-gram precision -------------------------------------------------------


def reference_precision(candidate, reference, n):
    """p_n of ``candidate`` against one ``reference`` (``translation.modified_precision``)."""
    return tr.modified_precision(candidate, [reference], n)


def _ratio(matches, total):
    return matches / total if total else 0.0


def unclipped(candidate, reference, n):
    """Every candidate n-gram found in the reference counts, however often it repeats."""
    cand, ref = tr.ngram_counts(candidate, n), tr.ngram_counts(reference, n)
    return _ratio(sum(c for g, c in cand.items() if g in ref), sum(cand.values()))


def counted_as_in_the_reference(candidate, reference, n):
    """Each matched n-gram counted as often as the reference has it."""
    cand, ref = tr.ngram_counts(candidate, n), tr.ngram_counts(reference, n)
    return _ratio(sum(ref[g] for g in cand), sum(cand.values()))


def distinct_ngrams(candidate, reference, n):
    """Sets of n-grams instead of counts."""
    cand, ref = set(tr.ngram_counts(candidate, n)), set(tr.ngram_counts(reference, n))
    return _ratio(len(cand & ref), len(cand))


def recall(candidate, reference, n):
    """Clipped matches over the REFERENCE's n-grams."""
    matches, _ = tr.clipped_matches(candidate, [reference], n)
    return _ratio(matches, sum(tr.ngram_counts(reference, n).values()))


def last_ngram_dropped(candidate, reference, n):
    """range(len(tokens) - n) instead of range(len(tokens) - n + 1), in both sentences."""
    return reference_precision(candidate[:-1], reference[:-1], n)


def always_unigrams(candidate, reference, n):
    """Single words, whatever n."""
    return reference_precision(candidate, reference, 1)


_REF = "le chat s'est assis sur le tapis".split()

# Vary the candidate, the reference (with repeated words and n-grams) and n = 1..4, with exact
# boundaries: a word used exactly as often as in the reference (no clipping), a candidate of
# exactly n words (one n-gram), and one shorter than n (no n-gram at all: 0.0).
# Ordered so that each mistake first fails on a case where no mistake listed before it gives
# the same value (each is then reported with its own hint).
PRECISION_CASES = [
    ("le chat noir s'est assis sur le tapis".split(), _REF, 2),  # 5/7; recall would be 5/6
    ("le chat le chat le chat".split(), "le chat s'est assis".split(), 2),  # 1/5
    (["le"] * 7, _REF, 1),  # Papineni's "the the the ...": 2/7
    ("le tapis".split(), _REF, 1),  # "le" once, twice in the reference: 2/2, not 3/2
    ("sur le tapis".split(), _REF, 3),  # exactly n words: one n-gram, 1/1
    ("le chat".split(), _REF, 3),  # fewer than n words: no n-gram, 0.0
    ("la vache noire voit le chat gris".split(), "la vache noire voit le chien".split(), 4),
]

PRECISION_MISTAKES = [
    Mistake(
        unclipped,
        _(
            "Matches are not clipped: a candidate n-gram counts at most as many times as it occurs "
            "in the reference (min(count in candidate, count in reference)), or 'le le le le' "
            "would score 1."
        ),
    ),
    Mistake(
        counted_as_in_the_reference,
        _(
            "You count each matched n-gram as often as the reference has it; clip instead: "
            "min(count in the candidate, count in the reference)."
        ),
    ),
    Mistake(
        distinct_ngrams,
        _("You count distinct n-grams (a set); count every occurrence (a Counter), then clip."),
    ),
    Mistake(
        recall,
        _(
            "You divide by the reference's n-grams: that is recall. Precision divides by the "
            "number of n-grams in the candidate."
        ),
    ),
    Mistake(
        last_ngram_dropped,
        _(
            "The last n-gram is missing: a sequence of L words has L - n + 1 n-grams, "
            "tokens[i:i + n] for i in range(len(tokens) - n + 1)."
        ),
    ),
    Mistake(
        always_unigrams,
        _("You count single words whatever n is: the n-grams are runs of n consecutive words."),
    ),
]


def check_modified_precision(fn) -> CheckResult:
    """Check ``fn(candidate, reference, n) -> p_n`` against ``translation.modified_precision``."""
    return check_function(
        fn,
        reference_precision,
        PRECISION_CASES,
        exercise=_("modified n-gram precision"),
        mistakes=PRECISION_MISTAKES,
        hint=_(
            "Count the candidate's n-grams and the reference's (collections.Counter of "
            "tuples), add min(candidate count, reference count) over the candidate's n-grams, "
            "and divide by the number of the candidate's n-grams (0.0 if it has none)."
        ),
        check_dtype=False,
    )
