"""Lesson 10's exercises: a causal sliding-window mask, linear attention in its O(n) order,
and cutting an image into patch tokens.

Each checker picks inputs on which the typical mistakes give different answers (asserted in
tests/unit/test_lesson10.py), and names the mistake it recognises.
"""

from __future__ import annotations

import functools

import numpy as np

from course_utils import attention, complexity
from course_utils import attention_beyond_text as beyond
from course_utils import efficient_attention as efficient
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

# --- exercise 2: linear attention, phi(Q) (phi(K)^T V) with its normaliser ------------------------


def reference_linear_attention(Q, K, V):
    """Non-causal linear attention with phi = elu + 1 (``efficient.linear_attention``)."""
    return efficient.linear_attention(Q, K, V, "elu+1", causal=False, order="kv_first")


def _normalised(fq, fk, V):
    """(fq (fk^T V)) / (fq . sum_j fk_j), row by row, for given features fq, fk."""
    return (fq @ (fk.T @ V)) / (fq @ fk.sum(axis=0))[:, None]


# The mistakes: each linear attention with one piece done wrong.


def no_normaliser(Q, K, V):
    return efficient.elu_plus_one(Q) @ (efficient.elu_plus_one(K).T @ V)


def relu_features(Q, K, V):
    return _normalised(np.maximum(Q, 0.0), np.maximum(K, 0.0), V)


def no_feature_map(Q, K, V):
    return _normalised(Q, K, V)


def phi_on_keys_only(Q, K, V):
    return _normalised(Q, efficient.elu_plus_one(K), V)


def phi_on_queries_only(Q, K, V):
    return _normalised(efficient.elu_plus_one(Q), K, V)


def keys_not_transposed(Q, K, V):
    fq, fk = efficient.elu_plus_one(Q), efficient.elu_plus_one(K)
    return (fq @ (fk @ V)) / (fq @ fk.sum(axis=0))[:, None]


def softmax_attention(Q, K, V):
    return attention.scaled_dot_product_attention(Q, K, V).output


def _case_linear(n, d_k, d_v, seed):
    rng = np.random.default_rng(seed)
    Q, K = rng.standard_normal((2, n, d_k))
    return Q, K, rng.standard_normal((n, d_v))


# Case 1: n = d_k = 4, so phi(K) @ V (no transpose) still runs and gives wrong VALUES; entries
# of both signs, so the relu and identity feature maps differ from elu + 1. Case 2: n = 6,
# d_k = 3, d_v = 2, where the missing transpose fails loudly.
LINEAR_CASES = [_case_linear(4, 4, 3, seed=0), _case_linear(6, 3, 2, seed=1)]

LINEAR_MISTAKES = [
    Mistake(
        no_normaliser,
        _(
            "The normaliser is missing: divide row i by phi(q_i) . z with z = phi(K).sum(axis=0), "
            "so that the weights phi(q_i) . phi(k_j) of each row sum to 1."
        ),
    ),
    Mistake(
        relu_features,
        _(
            "You use relu as the feature map; this lesson's phi is elu(x) + 1 = x + 1 for x > 0 "
            "and exp(x) otherwise (efficient.elu_plus_one): always positive."
        ),
    ),
    Mistake(
        no_feature_map,
        _(
            "No feature map: phi(x) = x can be negative, so the 'weights' phi(q) . phi(k) can be "
            "negative and the normaliser can be 0. Apply phi = efficient.elu_plus_one to Q and K."
        ),
    ),
    Mistake(
        phi_on_keys_only,
        _("phi is applied to K but not to Q: both go through the feature map."),
    ),
    Mistake(
        phi_on_queries_only,
        _("phi is applied to Q but not to K: both go through the feature map."),
    ),
    Mistake(
        keys_not_transposed,
        _(
            "phi(K) is not transposed: the summary is phi(K).T @ V, of shape (d_k, d_v), a sum "
            "over the n tokens. phi(K) @ V only runs here because n happens to equal d_k."
        ),
    ),
    Mistake(
        softmax_attention,
        _(
            "This is softmax attention, softmax(Q K^T / sqrt(d_k)) V: the exercise replaces the "
            "softmax by the kernel phi(q) . phi(k), without the n x n matrix."
        ),
    ),
]


# The order is checked by memory: at n = 1024 an (n, n) float64 array takes 8.4 MB, while the
# O(n) order needs about 0.1 MB (arrays of n x d_k or n x d_v numbers). The limit, n * n / 2
# bytes, lies far from both; even an (n, n) boolean array exceeds it.
MEMORY_N = 1024
MEMORY_CASE = _case_linear(MEMORY_N, 3, 2, seed=2)
MEMORY_LIMIT = MEMORY_N * MEMORY_N // 2


def check_linear_attention(fn) -> CheckResult:
    """Check `fn(Q, K, V) -> phi(Q) (phi(K)^T V) / (phi(Q) . sum_j phi(k_j))`, phi = elu + 1,
    and that it computes no (n, n) array: its peak memory at n = 1024 (``MEMORY_CASE``)."""
    exercise = _("linear attention")
    result = check_function(
        fn,
        reference_linear_attention,
        [*LINEAR_CASES, MEMORY_CASE],
        exercise=exercise,
        mistakes=LINEAR_MISTAKES,
        hint=_(
            "fq, fk = efficient.elu_plus_one(Q), efficient.elu_plus_one(K); S = fk.T @ V; "
            "z = fk.sum(axis=0); return (fq @ S) / (fq @ z)[:, None]."
        ),
    )
    if not result.passed:
        return result
    n, peak = MEMORY_N, complexity.peak_bytes(fn, *(a.copy() for a in MEMORY_CASE))
    if peak > MEMORY_LIMIT:
        return finish(
            CheckResult(
                exercise,
                Status.WRONG_METHOD,
                _(
                    "Your values are right, but not in the O(n) order: at n = {n} your function "
                    "allocated {peak:.1f} MB at its peak, while one (n, n) matrix of float64 "
                    "takes {square:.1f} MB and the O(n) order needs about 0.1 MB (the "
                    "limit is {limit:.1f} MB). Somewhere an (n, n) array is formed, "
                    "probably phi(Q) @ phi(K).T. Multiply in the other order: S = phi(K).T @ V, "
                    "(d_k, d_v), first, then phi(Q) @ S."
                ).format(n=n, peak=peak / 1e6, square=n * n * 8 / 1e6, limit=MEMORY_LIMIT / 1e6),
            )
        )
    return finish(
        CheckResult(
            exercise,
            Status.CORRECT,
            result.message
            + " "
            + _(
                "At n = {n} your function needed {peak:.2f} MB at its peak: no (n, n) array."
            ).format(n=n, peak=peak / 1e6),
        )
    )


# --- exercise 1: a causal sliding-window mask ----------------------------------------------------


def reference_window_mask(n, window):
    """``efficient.local_attention_mask(n, window)``: True where i - window < j <= i."""
    return efficient.local_attention_mask(n, window)


def _offsets(n):
    return np.arange(n)[:, None] - np.arange(n)[None, :]  # i - j


# The mistakes: each the mask with one thing done wrong.


def one_key_too_many(n, w):
    return (_offsets(n) >= 0) & (_offsets(n) <= w)


def one_key_too_few(n, w):
    return (_offsets(n) >= 0) & (_offsets(n) < w - 1)


def not_causal(n, w):
    return np.abs(_offsets(n)) < w


def no_diagonal(n, w):
    return (_offsets(n) > 0) & (_offsets(n) <= w)


def transposed(n, w):
    return (_offsets(n) <= 0) & (_offsets(n) > -w)


def window_ignored(n, w):
    return _offsets(n) >= 0


WINDOW_MISTAKES = [
    Mistake(
        one_key_too_many,
        _(
            "Off by one: each query sees window + 1 keys. With window w, query i sees itself and "
            "the w - 1 keys before it: 0 <= i - j < w."
        ),
    ),
    Mistake(
        one_key_too_few,
        _(
            "Off by one: each query sees window - 1 keys. With window w, query i sees itself and "
            "the w - 1 keys before it: 0 <= i - j < w."
        ),
    ),
    Mistake(
        not_causal,
        _(
            "Not causal: your band also reaches w - 1 keys into the future (j > i). Keep only "
            "0 <= i - j < w."
        ),
    ),
    Mistake(
        no_diagonal,
        _(
            "The diagonal is missing: a query must be allowed to attend to itself (i - j = 0), or "
            "the first row has no key at all."
        ),
    ),
    Mistake(
        transposed,
        _(
            "Transposed: your band looks at j >= i (the future). Rows are queries i, columns keys "
            "j; allow 0 <= i - j < w."
        ),
    ),
    Mistake(
        window_ignored,
        _("The window is ignored: this is the full causal mask. Also require i - j < window."),
    ),
]

# A band of 3; window 1 (the diagonal alone); a window longer than the sequence; and the
# boundary window = n, where the band is the whole causal mask, at the largest n.
WINDOW_CASES = [(7, 3), (5, 1), (4, 6), (9, 9)]

WINDOW_HINT = _(
    "offset = np.arange(n)[:, None] - np.arange(n)[None, :]  (i - j); "
    "return (offset >= 0) & (offset < window)."
)


def _as_bool_array(fn):
    """Wrap the learner's mask function so that a 0/1 or bool result compares as integers."""

    @functools.wraps(fn)
    def wrapped(n, window):
        value = fn(n, window)
        array = np.asarray(value)
        if array.dtype.kind not in "biuf":
            return value
        return array.astype(np.int64)

    return wrapped


def _grid(mask) -> str:
    """A small mask as text: one line per query i, '1' where it may attend to key j, '.' not."""
    return "\n".join(" ".join("1" if allowed else "." for allowed in row) for row in mask)


def _mask_report(value, n: int, window: int) -> str:
    """What is wrong with a boolean (n, n) mask, in queries and keys, with both grids."""
    expected = reference_window_mask(n, window)
    lines = [_("For n = {n}, window = {window}:").format(n=n, window=window)]
    for wrong, message in (
        (
            value & ~expected,
            _(
                "{count} entries are allowed (True) where they should be masked; the first is "
                "query i = {i}, key j = {j} (i - j = {offset})."
            ),
        ),
        (
            ~value & expected,
            _(
                "{count} entries are masked (False) where they should be allowed; the first is "
                "query i = {i}, key j = {j} (i - j = {offset})."
            ),
        ),
    ):
        where = np.argwhere(wrong)
        if len(where):
            i, j = (int(v) for v in where[0])
            lines.append(message.format(count=len(where), i=i, j=j, offset=i - j))
    lines.append(
        _("Expected (row i = query, column j = key, 1 = may attend):\n{grid}").format(
            grid=_grid(expected)
        )
    )
    lines.append(_("Yours:\n{grid}").format(grid=_grid(value)))
    hint = next(
        (m.hint for m in WINDOW_MISTAKES if np.array_equal(m.fn(n, window), value)), WINDOW_HINT
    )
    return with_hint("\n".join(lines), hint)


def _wrong_mask(fn) -> CheckResult | None:
    """A mask-specific report for the first case where fn returns a well-shaped but wrong mask;
    None when every case is right or fails in a way ``check_function`` describes better (a
    stub, an exception, a wrong type or shape)."""
    for n, window in WINDOW_CASES:
        try:
            value = np.asarray(fn(n, window))
        except Exception:  # reported, with the learner's line, by check_function
            return None
        if value.shape != (n, n) or value.dtype.kind not in "biuf":
            return None
        if not np.isin(value, (0, 1)).all():
            odd = value[~np.isin(value, (0, 1))][0]
            return CheckResult(
                _("window mask"),
                Status.WRONG_VALUES,
                _(
                    "For n = {n}, window = {window}: a mask holds only True and False (or 1 and "
                    "0); yours holds {odd}. Return the boolean mask itself, not scores: the "
                    "-inf comes later, from np.where(mask, scores, -np.inf)."
                ).format(n=n, window=window, odd=repr(odd.item())),
            )
        if not np.array_equal(value.astype(bool), reference_window_mask(n, window)):
            return CheckResult(
                _("window mask"), Status.WRONG_VALUES, _mask_report(value.astype(bool), n, window)
            )
    return None


def check_window_mask(fn) -> CheckResult:
    """Check `fn(n, window) -> (n, n) boolean mask`, True where query i may see key j.

    A wrong mask is described by its wrong (query, key) entries, with the expected and the
    learner's masks drawn as grids and the matching mistake's hint; stubs, exceptions and
    wrong types or shapes are reported by ``checks.check_function``.
    """
    if callable(fn) and not is_stub(fn):
        wrong = _wrong_mask(fn)
        if wrong is not None:
            return finish(wrong)
    as_int = [Mistake(_as_bool_array(m.fn), m.hint) for m in WINDOW_MISTAKES]
    learner = _as_bool_array(fn) if callable(fn) and not is_stub(fn) else fn
    return check_function(
        learner,
        _as_bool_array(reference_window_mask),
        WINDOW_CASES,
        exercise=_("window mask"),
        mistakes=as_int,
        hint=WINDOW_HINT,
    )


# --- exercise 3: patchify ------------------------------------------------------------------------


def reference_patchify(image, p):
    """``beyond.patchify``: (H, W) -> (H/p * W/p, p * p), patches row by row."""
    return beyond.patchify(image, p)


def _blocks(image, p):
    """(H, W) -> (H/p, p, W/p, p): (patch row, pixel row, patch column, pixel column)."""
    H, W = image.shape
    return image.reshape(H // p, p, W // p, p)


# The mistakes: each the patches with one thing done wrong.


def reshaped_without_transpose(image, p):
    return image.reshape(-1, p * p)


def patches_column_by_column(image, p):
    return _blocks(image, p).transpose(2, 0, 1, 3).reshape(-1, p * p)


def each_patch_transposed(image, p):
    return _blocks(image, p).transpose(0, 2, 3, 1).reshape(-1, p * p)


def image_transposed(image, p):
    return _blocks(image.T, p).transpose(0, 2, 1, 3).reshape(-1, p * p)


def patch_size_fixed_at_4(image, p):
    return reference_patchify(image, 4)


PATCH_MISTAKES = [
    Mistake(
        reshaped_without_transpose,
        _(
            "Reshaping without a transpose (image.reshape(-1, p * p), or via (H/p, p, W/p, p) "
            "straight to (-1, p * p): the same thing) cuts runs of p * p consecutive pixels along "
            "each row, not p x p squares. Reshape to (H/p, p, W/p, p), then bring the two "
            "patch-grid axes together with .transpose(0, 2, 1, 3) before flattening."
        ),
    ),
    Mistake(
        patches_column_by_column,
        _(
            "Your patches come column by column. List them row by row: the patch-row axis first, "
            "then the patch-column axis: .transpose(0, 2, 1, 3)."
        ),
    ),
    Mistake(
        each_patch_transposed,
        _(
            "Each patch is flattened column by column (transposed). Flatten it row by row: "
            "(pixel row, pixel column), i.e. .transpose(0, 2, 1, 3)."
        ),
    ),
    Mistake(
        image_transposed,
        _("You transposed the image itself: the rows of the image must stay its rows."),
    ),
    Mistake(
        patch_size_fixed_at_4,
        _(
            "Your patches are 4 x 4 whatever p is: use the argument p (the checker also cuts "
            "patches of 2 x 2 and 3 x 3), not the lesson's 4."
        ),
    ),
]

# A 8 x 12 image of distinct values (not square, so H and W cannot be swapped silently) with
# p = 2, where a p hard-coded as the lesson's 4 gives the wrong shape; a noisy 16 x 16 image
# with p = 4 (the lesson's setting); and a 6 x 9 image with an odd p = 3.
PATCH_CASES = [
    (np.arange(96, dtype=float).reshape(8, 12), 2),
    (np.random.default_rng(0).standard_normal((16, 16)), 4),
    (np.arange(54, dtype=float).reshape(6, 9), 3),
]


def check_patchify(fn) -> CheckResult:
    """Check `fn(image, p) -> (n_patches, p * p)` for p = 2, 4 and 3, on non-square images
    and a noisy one."""
    return check_function(
        fn,
        reference_patchify,
        PATCH_CASES,
        exercise="patchify",
        mistakes=PATCH_MISTAKES,
        hint=_(
            "H, W = image.shape; return image.reshape(H // p, p, W // p, p)"
            ".transpose(0, 2, 1, 3).reshape(-1, p * p)."
        ),
    )
