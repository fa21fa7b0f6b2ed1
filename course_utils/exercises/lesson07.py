"""Checkers for lesson 07: a numerically stable softmax, and scaled dot-product attention with
a mask, ``attention(Q, K, V, mask) -> (output, weights)``. Each typical mistake is a small
function of its own, with its hint.
"""

from __future__ import annotations

import numpy as np

from course_utils import attention
from course_utils.checks import CheckResult, Mistake, check_function
from course_utils.i18n import _

# --- exercise 1: a stable softmax -------------------------------------------------------------


def reference_softmax(x):
    """The course's ``attention.softmax`` along the last axis."""
    return attention.softmax(x, axis=-1)


def naive_softmax(x):
    """exp(x) / sum exp(x): right on small logits, NaN once exp overflows or underflows."""
    e = np.exp(x)
    return e / e.sum(axis=-1, keepdims=True)


def _shifted(x, axis=-1):
    """exp(x - max) along ``axis``: every entry <= 1."""
    return np.exp(x - x.max(axis=axis, keepdims=True))


def _softmax(x, axis=-1):
    e = _shifted(x, axis)
    return e / e.sum(axis=axis, keepdims=True)


def one_max_for_the_array(x):
    """The maximum of the whole array subtracted, not each row's."""
    e = np.exp(x - x.max())
    return e / e.sum(axis=-1, keepdims=True)


def softmax_over_axis_0(x):
    return _softmax(x, axis=0)


def softmax_over_axis_1(x):
    return _softmax(x, axis=1)


def not_normalised(x):
    return _shifted(x)


def divided_by_the_total(x):
    """Divided by the sum of the whole array, not of each row."""
    e = _shifted(x)
    return e / e.sum()


# Moderate logits first, in a stack of two 3 x 4 score matrices (one per head): the last
# axis is axis 2, so a softmax over axis 0 or 1 shows, and every mistake except the two
# overflow ones gives wrong values here. Then logits near +1000 and -1000 in the SAME array:
# exp(1000) overflows to inf, exp(-1000) underflows to 0, and one max for the whole array
# leaves the -1000 row with exp(-2000) = 0 everywhere (0/0 = NaN).
SOFTMAX_CASES = [
    (
        np.array(
            [
                [[1.0, 2.0, 0.5, -1.0], [0.0, 0.0, 3.0, 1.0], [-2.0, 1.5, 1.0, 0.0]],
                [[0.3, -1.2, 2.1, 0.0], [1.5, 0.0, -0.7, 0.2], [-2.0, 1.1, 0.4, 0.9]],
            ]
        ),
    ),
    (np.array([[1000.0, 999.0, 998.0], [-1000.0, -1001.0, -1003.0], [0.5, -0.5, 2.0]]),),
]

SOFTMAX_MISTAKES = [
    Mistake(
        naive_softmax,
        _(
            "exp(1000) overflows to inf (and exp(-1000) underflows to 0), so inf/inf and 0/0 give "
            "NaN. Subtract each row's maximum before exp: softmax(x) = softmax(x - c) for any "
            "constant c, and then every exp(.) is <= 1."
        ),
    ),
    Mistake(
        one_max_for_the_array,
        _(
            "You subtract ONE maximum for the whole array. Then the row near -1000 becomes "
            "exp(-2000) = 0 everywhere and 0/0 = NaN. Subtract each ROW's maximum: "
            "x.max(axis=-1, keepdims=True)."
        ),
    ),
    Mistake(
        softmax_over_axis_0,
        _(
            "Your softmax runs over axis 0 (in a 2-D array, your COLUMNS sum to 1). Each query's "
            "scores lie along the LAST axis, so use axis=-1 (with keepdims=True) for both the max "
            "and the sum."
        ),
    ),
    Mistake(
        softmax_over_axis_1,
        _(
            "Your softmax runs over axis 1, which is the last axis only of a 2-D array. In a "
            "stack of score matrices (heads, queries, keys) it normalises over the queries: use "
            "axis=-1 for both the max and the sum."
        ),
    ),
    Mistake(
        not_normalised,
        _(
            "The result is not normalised: you return exp(x - max) without dividing by the row's "
            "sum, so the rows do not sum to 1 (the largest entry is exactly 1 instead)."
        ),
    ),
    Mistake(
        np.exp,
        _(
            "You return exp(x) itself. Divide by the sum of each row, and subtract the row "
            "maximum first so that nothing overflows."
        ),
    ),
    Mistake(
        divided_by_the_total,
        _(
            "You divide by the sum of the WHOLE array, so all entries together sum to 1. Divide "
            "each row by its own sum: e.sum(axis=-1, keepdims=True)."
        ),
    ),
]


def check_stable_softmax(fn) -> CheckResult:
    """Check `fn(x) -> softmax of x along the last axis`, on a 3-D stack of score matrices
    and on logits of about +-1000."""
    return check_function(
        fn,
        reference_softmax,
        SOFTMAX_CASES,
        exercise=_("stable softmax"),
        mistakes=SOFTMAX_MISTAKES,
        hint=_(
            "Subtract each row's maximum (axis=-1, keepdims=True), take exp, and divide "
            "by the sum of each row."
        ),
    )


# --- exercise 2: scaled dot-product attention with a mask -------------------------------------


def reference_attention(Q, K, V, mask):
    """(output, weights) from the course's ``scaled_dot_product_attention``."""
    return tuple(attention.scaled_dot_product_attention(Q, K, V, mask))


def _scaled_scores(Q, K):
    return Q @ K.T / np.sqrt(Q.shape[-1])


def _masked(scores, mask):
    """The right masking: -inf where mask is False, before the softmax."""
    return scores if mask is None else np.where(mask, scores, -np.inf)


def _attend(scores, V):
    weights = _softmax(scores)
    return weights @ V, weights


def no_transpose(Q, K, V, mask):
    """Q @ K instead of Q @ K.T."""
    return _attend(_masked(Q @ K / np.sqrt(Q.shape[-1]), mask), V)


def unscaled(Q, K, V, mask):
    """No division by sqrt(d_k)."""
    return _attend(_masked(Q @ K.T, mask), V)


def scale_hard_coded(Q, K, V, mask):
    """Divided by 2 = sqrt(4), whatever d_k."""
    return _attend(_masked(Q @ K.T / 2.0, mask), V)


def divided_by_d_k(Q, K, V, mask):
    """Divided by d_k instead of sqrt(d_k)."""
    return _attend(_masked(Q @ K.T / Q.shape[-1], mask), V)


def softmax_over_queries(Q, K, V, mask):
    """The softmax over axis 0: each column sums to 1."""
    weights = _softmax(_masked(_scaled_scores(Q, K), mask), axis=0)
    return weights @ V, weights


def mask_after_softmax(Q, K, V, mask):
    """The weights zeroed after the softmax: the rows no longer sum to 1."""
    weights = _softmax(_scaled_scores(Q, K))
    if mask is not None:
        weights = weights * mask
    return weights @ V, weights


def mask_inverted(Q, K, V, mask):
    """True taken as "may NOT attend"."""
    return _attend(_masked(_scaled_scores(Q, K), None if mask is None else ~mask), V)


def masked_scores_zeroed(Q, K, V, mask):
    """Disallowed scores set to 0 instead of -inf: exp(0) = 1 still gets weight."""
    scores = _scaled_scores(Q, K)
    return _attend(scores if mask is None else scores * mask, V)


def mask_ignored(Q, K, V, mask):
    """No masking at all."""
    return _attend(_scaled_scores(Q, K), V)


def _case(n_q, n_k, d_k, d_v, seed, mask=None):
    rng = np.random.default_rng(seed)
    Q = 1.5 * rng.standard_normal((n_q, d_k))
    K = 1.5 * rng.standard_normal((n_k, d_k))
    V = rng.standard_normal((n_k, d_v))
    return Q, K, V, mask


# Case 1: n_k = d_k = 5, so Q @ K (K not transposed) still runs and gives wrong VALUES; the
# mask has a True and a False in every row and a True in every column, so neither the wrong
# polarity nor the wrong axis leaves a row or column fully masked. sqrt(5) differs from d_k,
# from 2 = sqrt(4) (the d_k of the other cases: a hard-coded scale shows on one or the
# other) and from the sqrt of every other dimension.
# Case 2: no mask, n_q = 2 != n_k = 3 and d_k = 4 != d_v = 5: a missing K.T fails loudly.
# Case 3: a square causal case, where only the values tell the mistakes apart.
ATTENTION_MASK_1 = np.array(
    [
        [True, False, True, False, True],
        [False, True, True, True, False],
        [True, True, False, False, False],
    ]
)
ATTENTION_CASES = [
    _case(3, 5, 5, 2, seed=0, mask=ATTENTION_MASK_1),
    _case(2, 3, 4, 5, seed=1),
    _case(4, 4, 4, 4, seed=2, mask=attention.causal_mask(4)),
]

ATTENTION_MISTAKES = [
    Mistake(
        no_transpose,
        _(
            "K is not transposed: the scores are Q @ K.T, entry [i, j] = q_i . k_j (shape "
            "(n_q, n_k)). Q @ K only runs here because n_k happens to equal d_k."
        ),
    ),
    Mistake(
        unscaled,
        _(
            "The scores are not scaled: divide Q @ K.T by sqrt(d_k) (d_k = Q.shape[-1]) before "
            "the softmax."
        ),
    ),
    Mistake(
        scale_hard_coded,
        _(
            "The scale is hard-coded: 2 = sqrt(4) is right only when d_k = 4, and here d_k = "
            "Q.shape[-1] = 5. Compute it from the inputs: np.sqrt(Q.shape[-1])."
        ),
    ),
    Mistake(
        divided_by_d_k,
        _(
            "You divide by d_k; the scale is 1/sqrt(d_k), which makes the scores' variance 1 "
            "(the variance of q . k is d_k)."
        ),
    ),
    Mistake(
        softmax_over_queries,
        _(
            "The softmax runs over the wrong axis: each ROW of the scores belongs to one query "
            "and must sum to 1 (axis=-1), not each column."
        ),
    ),
    Mistake(
        mask_after_softmax,
        _(
            "The mask is applied AFTER the softmax, by zeroing weights: the rows then sum to less "
            "than 1. Set the disallowed scores to -inf BEFORE the softmax (np.where(mask, scores, "
            "-np.inf)), so the allowed weights share the whole 1."
        ),
    ),
    Mistake(
        mask_inverted,
        _(
            "The mask is inverted: True means 'may attend', so keep the scores where mask is "
            "True and set the others to -inf: np.where(mask, scores, -np.inf)."
        ),
    ),
    Mistake(
        masked_scores_zeroed,
        _(
            "Masked scores set to 0 are not masked: exp(0) = 1 still gets weight. Set them to "
            "-inf, so that exp(-inf) = 0."
        ),
    ),
    Mistake(
        mask_ignored,
        _("The mask is ignored: set the scores where mask is False to -inf before the softmax."),
    ),
]


def check_attention(fn) -> CheckResult:
    """Check `fn(Q, K, V, mask) -> (output, weights)`; mask is boolean (True = may attend)
    or None."""
    return check_function(
        fn,
        reference_attention,
        ATTENTION_CASES,
        exercise="attention",
        mistakes=ATTENTION_MISTAKES,
        hint=_(
            "scores = Q @ K.T / np.sqrt(d_k); if mask is not None, scores = np.where(mask, "
            "scores, -np.inf); weights = softmax over the last axis; output = weights @ V."
        ),
    )
