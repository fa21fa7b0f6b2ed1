"""Checkers for lesson 06: the agreement task's labels, and the forget-gate bias that lets an
LSTM learn a 40-word dependency.

Exercise 1's typical mistakes are complete wrong functions (``LABEL_MISTAKES``), chosen so that
on the first test case each gives a different output from the right one and from each other.
Exercise 2's checker reads the shipped table of ``lessons.lesson06.forget_bias_table`` (10
seeds per bias) instead of training: one live run's outcome depends on the CPU.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np

from course_utils.activations import sigmoid
from course_utils.checks import (
    CheckResult,
    Mistake,
    Status,
    check_function,
    describe,
    finish,
    is_stub,
    with_hint,
)
from course_utils.i18n import _
from course_utils.lessons import lesson06 as lesson
from course_utils.tasks import (
    PAD,
    PLURAL_NOUNS,
    SINGULAR_NOUNS,
    VERB_SLOT,
    agreement_batch,
    decode,
)

# ============================================================================ exercise 1

NOUNS = set(SINGULAR_NOUNS) | set(PLURAL_NOUNS)


class Sentences(list):
    """A list of sentences (lists of words) that prints as numbered lines in a check report."""

    def __repr__(self) -> str:
        lines = [f"  [{k}] {' '.join(words)}" for k, words in enumerate(self[:8])]
        more = ["  " + _("... ({count} more)").format(count=len(self) - 8)] if len(self) > 8 else []
        return "\n".join([_("{count} sentences:").format(count=len(self)), *lines, *more])


def _padded(sentences: list[str]) -> Sentences:
    """Left-pad word strings with PAD to one length, as agreement_batch does."""
    split = [s.split() for s in sentences]
    length = max(map(len, split))
    return Sentences([[PAD] * (length - len(w)) + w for w in split])


# Six sentences on which every mistake below gives its own output (see the tests):
#                      right  inverted  last noun  before verb  words[1]  ends in "s"
#   [0] dogs ... bowl    1       0          0          0           1          1
#   [1] mice ... dog     1       0          0          0           0          0
#   [2] cat              0       1          0          0           0          0
#   [3] bowl ... birds   0       1          1          0           0          0
#   [4] birds ... milk   1       0          1          0           0          1
#   [5] cat ... birds    0       1          1          1           0          0
HAND_CASE = _padded(
    [
        f"the dogs that chased the cat near a bowl {VERB_SLOT}",
        f"the mice which saw a dog {VERB_SLOT}",
        f"the cat {VERB_SLOT}",
        f"the bowl that the birds ate {VERB_SLOT}",
        f"the birds which already ate milk {VERB_SLOT}",
        f"the cat that saw the birds {VERB_SLOT}",
    ]
)
# Then task sequences with every clause noun an attractor (of the other number).
RANDOM_CASE = Sentences(decode(agreement_batch(11, 12, (1, 10), attractors=1.0).tokens))
LABEL_CASES = [(HAND_CASE,), (RANDOM_CASE,)]


def _number(word: str) -> int:
    return 1 if word in PLURAL_NOUNS else 0


def reference_labels(sentences) -> np.ndarray:
    """The subject is the first noun (the word after the sentence's first "the")."""
    return np.array([_number(next(w for w in s if w in NOUNS)) for s in sentences])


def _last_noun(sentences):
    return np.array([_number([w for w in s if w in NOUNS][-1]) for s in sentences])


LABEL_MISTAKES = [
    Mistake(
        lambda s: 1 - reference_labels(s),
        _(
            "Your labels are inverted: 0 means singular (the verb must be 'was'), 1 means plural "
            "('were')."
        ),
    ),
    Mistake(
        lambda s: np.zeros(len(s), dtype=int),
        _(
            "Every label you return is 0: the word you read is never a noun. Perhaps the verb "
            "slot, {slot}, the last word: it marks where the model must answer and "
            "carries no number. Or a neighbour of the subject, off by one: 'the' just before it "
            "or 'that'/'which' just after it. The subject is the word right after the first "
            "'the' (the first noun of the sentence)."
        ).format(slot=repr(VERB_SLOT)),
    ),
    Mistake(
        lambda s: np.ones(len(s), dtype=int),
        _(
            "Every label you return is 1: the word you read is never a singular noun (is a "
            "non-noun counted as plural?). Read the subject, the word right after the first 'the', "
            "and give 1 only if it is in PLURAL_NOUNS."
        ),
    ),
    Mistake(
        _last_noun,
        _(
            "You labelled by the LAST noun before the verb slot. In 'the cat that saw the birds "
            "<verb>' the verb agrees with 'cat', the subject, not with 'birds', a noun of the "
            "relative clause: an attractor. The subject is the first noun."
        ),
    ),
    Mistake(
        lambda s: np.array([_number(w[-2]) for w in s]),
        _(
            "You labelled by the word just before the verb slot. The verb agrees with the subject, "
            "which can be many words earlier: the first noun of the sentence."
        ),
    ),
    Mistake(
        lambda s: np.array([_number(w[1]) for w in s]),
        _(
            "You read the word at position 1 of every sentence. That is the subject only when "
            "the sentence has no padding: shorter sentences start with {pad} tokens. Find the "
            "first 'the' (or the first noun) instead of counting from the start."
        ).format(pad=repr(PAD)),
    ),
    Mistake(
        lambda s: np.array([int(next(w for w in x if w in NOUNS).endswith("s")) for x in s]),
        _(
            "You found the subject but judged its number by a final 's': 'mice' is plural. Test "
            "membership in PLURAL_NOUNS instead."
        ),
    ),
]


def _fresh_copies(fn: Callable) -> Callable:
    """fn called on a fresh copy of the sentences (so edits cannot touch the test inputs),
    with a list or tuple of labels accepted as an array."""
    if is_stub(fn) or not callable(fn):
        return fn

    @functools.wraps(fn)
    def call(sentences):
        value = fn(Sentences([list(words) for words in sentences]))
        if isinstance(value, (list, tuple)):
            array = np.asarray(value)
            if array.ndim == 1 and array.dtype.kind in "biu":
                return array.astype(int)
        return value

    return call


LABEL_HINT = _(
    "The subject is the word right after the first 'the' of each sentence (after the "
    "padding); its label is 1 if it is in PLURAL_NOUNS, else 0. Return np.array(labels)."
)


def _wrong_labels_report(value: np.ndarray, sentences: Sentences) -> str:
    """Which sentences got the wrong label, in words, and the matching mistake's hint."""
    expected = reference_labels(sentences)
    wrong = np.flatnonzero(value != expected)
    k = int(wrong[0])
    words = [w for w in sentences[k] if w != PAD]
    subject = next(w for w in words if w in NOUNS)
    report = "\n".join(
        [
            _(
                "{wrong} of {total} labels are wrong. The first: sentence [{k}], '{sentence}'. "
                "Its subject is '{subject}', {number}, so its label is {label}; you returned "
                "{yours}."
            ).format(
                wrong=len(wrong),
                total=len(sentences),
                k=k,
                sentence=" ".join(words),
                subject=subject,
                number=_("plural") if expected[k] else _("singular"),
                label=expected[k],
                yours=value[k],
            ),
            _("All the sentences:\n{sentences}").format(sentences=repr(sentences)),
            _("Expected labels: {expected}; yours: {yours}.").format(
                expected=expected.tolist(), yours=value.tolist()
            ),
        ]
    )
    for mistake in LABEL_MISTAKES:
        if np.array_equal(mistake.fn(sentences), value):
            return with_hint(report, mistake.hint)
    return with_hint(report, LABEL_HINT)


def check_agreement_labels(fn) -> CheckResult:
    """Check `fn(sentences) -> labels`: 0/1 for a singular/plural subject, one per sentence.

    Errors, stubs and wrong types or shapes are reported by ``checks.check_function``; wrong
    labels by the sentences they belong to, with the matching mistake's hint.
    """
    wrapped = _fresh_copies(fn)
    if callable(wrapped):
        for (sentences,) in LABEL_CASES:
            try:
                value = wrapped(sentences)
            except Exception:  # reported (with the line) by check_function below
                break
            if not isinstance(value, np.ndarray) or value.shape != (len(sentences),):
                break
            if value.dtype.kind not in "biuf":
                break
            if not np.isin(value, (0, 1)).all():
                odd = value[~np.isin(value, (0, 1))][0]
                return finish(
                    CheckResult(
                        "agreement_labels",
                        Status.WRONG_VALUES,
                        with_hint(
                            _(
                                "every label must be 0 (singular) or 1 (plural); you returned "
                                "{odd} among them."
                            ).format(odd=repr(odd)),
                            LABEL_HINT,
                        ),
                    )
                )
            if not np.array_equal(value.astype(int), reference_labels(sentences)):
                report = _wrong_labels_report(value.astype(int), sentences)
                return finish(CheckResult("agreement_labels", Status.WRONG_VALUES, report))
    return check_function(
        wrapped,
        reference_labels,
        LABEL_CASES,
        exercise="agreement_labels",
        mistakes=LABEL_MISTAKES,
        hint=LABEL_HINT,
    )


# ============================================================================ exercise 2

EXERCISE_BIASES = lesson.BIASES


def _describe_row(row: lesson.BiasRow) -> str:
    c = lesson.BIAS_CONFIG
    f = sigmoid(row.bias)  # the forget gate before training (lesson 05)
    kept = f"f ~ {f:.3f}, f^{c['distance']} = {f ** c['distance']:.1e}"
    if row.solved == 0:
        outcome = _("95 % in none of the {seeds} seeds").format(seeds=len(row.steps))
    else:
        outcome = _("95 % in {solved} of {seeds} seeds, by step {step} at the latest").format(
            solved=row.solved, seeds=len(row.steps), step=row.slowest
        )
    return "  " + _("bias {bias:g} ({kept}): {outcome}").format(
        bias=row.bias, kept=kept, outcome=outcome
    )


def bias_explanation() -> str:
    """Why the bias matters here (shown with every answer)."""
    d = lesson.BIAS_CONFIG["distance"]
    return _(
        "Why: in every training sentence the verb slot comes {d} steps after the subject, "
        "so the error signal that teaches the LSTM to store the subject's number must travel "
        "{d} steps back. Along the cell path it is multiplied by the forget gate f_t at every "
        "step (lesson 05), and before training f_t is about sigmoid(bias): the f^{d} column. "
        "With bias 0 or 1 almost nothing of the signal arrives and the network stays at "
        "chance; the larger the bias, the more of it reaches the subject, and with 5 the cell "
        "keeps its contents by default, so training only has to learn what to write there."
    ).format(d=d)


def check_forget_bias(bias) -> CheckResult:
    """Grade a forget-gate bias for exercise 2 by the shipped table (10 seeds, trained with the
    lesson's code): correct if the LSTM reached 95 % at distance 40 within the step budget in
    every seed. The table, not a live run, decides, so the verdict is the same on every CPU."""
    exercise = _("forget-gate bias")
    choices = ", ".join(f"{b:g}" for b in EXERCISE_BIASES)
    if is_stub(bias):
        return finish(
            CheckResult(
                exercise,
                Status.NOT_ATTEMPTED,
                _("Replace the `...` with one of {choices} and run this check again.").format(
                    choices=choices
                ),
            )
        )
    if isinstance(bias, bool) or not isinstance(bias, (int, float, np.integer, np.floating)):
        return finish(
            CheckResult(
                exercise,
                Status.WRONG_TYPE,
                _("the bias should be one number, got {value}.").format(value=describe(bias)),
            )
        )
    rows = lesson.bias_rows(lesson.load_sweep())
    if float(bias) not in rows:
        return finish(
            CheckResult(
                exercise,
                Status.WRONG_VALUES,
                _(
                    "choose one of {choices} (got {bias:g}): the table of trained runs has those "
                    "five."
                ).format(choices=choices, bias=float(bias)),
            )
        )
    mine, c = rows[float(bias)], lesson.BIAS_CONFIG
    table = "\n".join(
        _describe_row(r) + ("   " + _("<- yours") if r is mine else "") for r in rows.values()
    )
    if mine.always:
        status = Status.CORRECT
        head = _(
            "With forget bias {bias:g} the LSTM reached 95 % at distance {distance} "
            "within {steps} steps in every one of the {seeds} seeds."
        ).format(bias=mine.bias, distance=c["distance"], steps=c["steps"], seeds=len(mine.steps))
    else:
        status = Status.WRONG_VALUES
        missed = [s for s, step in zip(mine.seeds, mine.steps, strict=True) if step is None]
        if len(missed) > 1:
            head = _(
                "With forget bias {bias:g} the LSTM reached 95 % at distance {distance} within "
                "{steps} steps in {solved} of the {seeds} seeds: seeds {missed} stayed short of "
                "it. Try a larger bias."
            )
        else:
            head = _(
                "With forget bias {bias:g} the LSTM reached 95 % at distance {distance} within "
                "{steps} steps in {solved} of the {seeds} seeds: seed {missed} stayed short of "
                "it. Try a larger bias."
            )
        head = head.format(
            bias=mine.bias,
            distance=c["distance"],
            steps=c["steps"],
            solved=mine.solved,
            seeds=len(mine.steps),
            missed=", ".join(map(str, missed)),
        )
    seeds = _(
        "The same LSTM with each bias (f ~ sigmoid(bias)), from the table of {seeds} seeds "
        "shipped with the course:"
    ).format(seeds=len(mine.steps))
    message = "\n".join([head, seeds, table, bias_explanation()])
    return finish(CheckResult(exercise, status, message))
