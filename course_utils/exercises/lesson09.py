"""Lesson 09's exercises: the sinusoidal positional encoding, where the LayerNorm goes in a
block, and a prediction of the attention matrix's memory.

Each checker picks inputs on which the typical mistakes give different answers (asserted in
tests/unit/test_lesson09.py), and names the mistake it recognises.
"""

from __future__ import annotations

import numpy as np

from course_utils import complexity, transformer
from course_utils.checks import CheckResult, Mistake, check_estimate, check_function
from course_utils.i18n import _
from course_utils.normalization import layernorm_forward

# --- exercise 1: the sinusoidal positional encoding --------------------------------------------


def reference_encoding(n: int, d_model: int) -> np.ndarray:
    """The (n, d_model) encoding: ``transformer.sinusoidal_encoding``."""
    return transformer.sinusoidal_encoding(n, d_model)


def _interleave(sines: np.ndarray, cosines: np.ndarray) -> np.ndarray:
    """(n, d/2) and (n, d/2) -> (n, d): sines in the even columns, cosines in the odd ones."""
    out = np.empty((sines.shape[0], 2 * sines.shape[1]))
    out[:, 0::2], out[:, 1::2] = sines, cosines
    return out


# The mistakes: each the encoding with one thing done wrong.


def sin_cos_swapped(n, d):
    pe = reference_encoding(n, d)
    return _interleave(pe[:, 1::2], pe[:, 0::2])


def sines_then_cosines(n, d):
    pe = reference_encoding(n, d)
    return np.concatenate([pe[:, 0::2], pe[:, 1::2]], axis=1)


def exponent_i_over_d(n, d):
    angle = np.arange(n)[:, None] / 10_000.0 ** (np.arange(d // 2) / d)
    return _interleave(np.sin(angle), np.cos(angle))


def exponent_per_column(n, d):
    """Each column j uses base^(j / d), so the cosine of pair i gets 2i + 1, not 2i."""
    angle = np.arange(n)[:, None] / 10_000.0 ** (np.arange(d) / d)
    return _interleave(np.sin(angle[:, 0::2]), np.cos(angle[:, 1::2]))


def base_1000(n, d):
    return transformer.sinusoidal_encoding(n, d, base=1000.0)


def positions_from_1(n, d):
    return reference_encoding(n + 1, d)[1:]


# n != d_model, so a transposed array has the wrong shape; n < d_model and n > d_model; and
# d_model = 6, whose d_model / 2 = 3 column pairs are odd in number.
ENCODING_CASES = [(6, 8), (3, 4), (10, 6)]

ENCODING_MISTAKES = [
    Mistake(
        sin_cos_swapped,
        _(
            "sin and cos are swapped: the EVEN columns 2i hold sin(pos / 10000^(2i/d)), the ODD "
            "columns 2i + 1 hold cos of the same angle."
        ),
    ),
    Mistake(
        sines_then_cosines,
        _(
            "The sines and cosines are in two halves ([sin | cos]); the paper interleaves them: "
            "column 2i is a sine, column 2i + 1 the cosine of the same angle (pe[:, 0::2] and "
            "pe[:, 1::2])."
        ),
    ),
    Mistake(
        exponent_i_over_d,
        _(
            "The exponent is i/d; it is 2i/d (i counts the PAIRS of columns, 0..d/2 - 1), so the "
            "wavelengths run from 2 pi up to 10000 x 2 pi."
        ),
    ),
    Mistake(
        exponent_per_column,
        _(
            "The cosine columns use their own column index in the exponent (2i + 1); a sine and "
            "its cosine share ONE angle, pos / 10000^(2i/d)."
        ),
    ),
    Mistake(
        base_1000,
        _("The base is 10000 (Vaswani et al. 2017, section 3.5), not 1000."),
    ),
    Mistake(
        positions_from_1,
        _("Positions start at 0 (row 0 is sin(0) = 0, cos(0) = 1 in every pair), not at 1."),
    ),
]


def check_positional_encoding(fn) -> CheckResult:
    """Check ``fn(n, d_model) -> (n, d_model)`` array against the sinusoidal encoding."""
    return check_function(
        fn,
        reference_encoding,
        ENCODING_CASES,
        exercise=_("positional encoding"),
        mistakes=ENCODING_MISTAKES,
        hint=_(
            "angle = pos / 10000 ** (2i / d_model) for pos = 0..n-1 (rows) and i = 0..d/2-1; "
            "pe[:, 0::2] = sin(angle), pe[:, 1::2] = cos(angle)."
        ),
    )


# --- exercise 2: Post-LN and Pre-LN ------------------------------------------------------------


def layer_norm(x: np.ndarray) -> np.ndarray:
    """LayerNorm over the last axis with gamma = 1, beta = 0 (``layernorm_forward``)."""
    d = x.shape[-1]
    return layernorm_forward(x, np.ones(d), np.zeros(d))


def reference_block(x: np.ndarray, sublayer) -> tuple[np.ndarray, np.ndarray]:
    """(Post-LN, Pre-LN) outputs of one residual sublayer: (LN(x + f(x)), x + f(LN(x)))."""
    return layer_norm(x + sublayer(x)), x + sublayer(layer_norm(x))


def _sublayer(seed: int, d: int):
    """A fixed nonlinear map f(x) = tanh(x W) + 0.5, (n, d) -> (n, d): the checker's sublayer.
    Its outputs are not zero-mean, so dropping or moving a LayerNorm changes the answer."""
    W = np.random.default_rng(seed).standard_normal((d, d)) / np.sqrt(d)
    return lambda x: np.tanh(x @ W) + 0.5


def _case(seed: int, n: int, d: int):
    x = 2.0 + 3.0 * np.random.default_rng(seed + 100).standard_normal((n, d))  # not normalised
    return x, _sublayer(seed, d)


BLOCK_CASES = [_case(0, 4, 6), _case(1, 3, 5)]


# The mistakes: each (post, pre) with one thing done wrong.


def post_and_pre_swapped(x, f):
    post, pre = reference_block(x, f)
    return pre, post


def no_residual(x, f):
    return layer_norm(f(x)), f(layer_norm(x))


def post_without_layer_norm(x, f):
    return x + f(x), x + f(layer_norm(x))


def post_normalises_the_sublayer_only(x, f):
    return x + layer_norm(f(x)), x + f(layer_norm(x))


def pre_adds_the_normalised_input(x, f):
    return layer_norm(x + f(x)), layer_norm(x) + f(layer_norm(x))


BLOCK_MISTAKES = [
    Mistake(
        post_and_pre_swapped,
        _(
            "The two are swapped: Post-LN (2017) normalises AFTER the residual sum, LN(x + f(x)); "
            "Pre-LN normalises the sublayer's INPUT only, x + f(LN(x))."
        ),
    ),
    Mistake(
        no_residual,
        _(
            "The residual connection is missing: add the block's input x to the sublayer's output "
            "(x + f(...)), the identity path that carries the gradient through depth."
        ),
    ),
    Mistake(
        post_without_layer_norm,
        _("Post-LN has no LayerNorm: it is LN(x + f(x)), normalised after the sum."),
    ),
    Mistake(
        post_normalises_the_sublayer_only,
        _("In Post-LN the LayerNorm acts on the SUM x + f(x), not on f(x) alone."),
    ),
    Mistake(
        pre_adds_the_normalised_input,
        _(
            "In Pre-LN the residual carries the ORIGINAL x: x + f(LN(x)). Adding LN(x) instead "
            "normalises the identity path too."
        ),
    ),
]


def check_block(fn) -> CheckResult:
    """Check ``fn(x, sublayer) -> (post, pre)`` on two fixed inputs and sublayers."""
    return check_function(
        fn,
        reference_block,
        BLOCK_CASES,
        exercise=_("Post-LN and Pre-LN"),
        mistakes=BLOCK_MISTAKES,
        hint=_("post = layer_norm(x + sublayer(x)); pre = x + sublayer(layer_norm(x))."),
    )


# --- exercise 3: predict the memory of the attention weights -----------------------------------

MEMORY_N = 4096
# Within 1.5 times: MiB (2^20 bytes) for MB passes; 8 or 2 bytes per number instead of 4, at
# exactly 2 times, does not.
MEMORY_FACTOR = 1.5


def check_memory_prediction(megabytes) -> CheckResult:
    """Predict-then-measure: the size in MB (10^6 bytes) of one float32 attention matrix at
    n = 4096 (one sequence, one head). Measured by allocating it (``complexity``)."""
    measured = complexity.measured_score_bytes(MEMORY_N) / 1e6
    return check_estimate(
        megabytes,
        measured,
        exercise=_("attention-matrix memory"),
        factor=MEMORY_FACTOR,
        explanation=_(
            "n^2 = {weights:,} weights of 4 bytes each: {measured:.1f} MB for ONE head of "
            "ONE sequence in ONE layer. The Transformer base has 8 heads and 6 encoder layers, "
            "and training keeps them all for the backward pass; doubling n multiplies it by 4."
        ).format(weights=MEMORY_N**2, measured=measured),
    )
