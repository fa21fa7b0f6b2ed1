"""Checkers for lesson 02: backward through one dense layer, and predict-then-measure."""

from __future__ import annotations

import numpy as np

from course_utils.activations import get_activation
from course_utils.checks import CheckResult, Mistake, check_estimate, check_function
from course_utils.i18n import _
from course_utils.lessons import lesson02 as lesson
from course_utils.mlp import dense_backward, layer_gradient_norms


def _case(batch: int, n_in: int, n_out: int, activation: str, seed: int) -> tuple:
    """(dout, x, W, a, activation) for one layer y = phi(x @ W + b) with random b."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((batch, n_in))
    W = rng.standard_normal((n_in, n_out)) / np.sqrt(n_in)
    b = 0.1 * rng.standard_normal(n_out)
    a = x @ W + b
    dout = rng.standard_normal((batch, n_out))
    return dout, x, W, a, activation


# The square case comes first: there, forgetting to transpose W (dx = da @ W) or computing
# dW = da.T @ x gives arrays of the right shape but wrong values, which the hints can name.
# The non-square cases then catch shape slips (and code that only works for square W).
# sigmoid and tanh make phi' differ from 1 and from phi, so missing or wrong phi' shows.
CASES = [
    _case(3, 4, 4, "sigmoid", 0),
    _case(4, 5, 3, "tanh", 1),
    _case(2, 3, 6, "sigmoid", 2),
    _case(5, 6, 2, "relu", 3),
]


# One small function per typical slip, each named for it.


def _da(dout, a, activation):
    """dL/da = dL/dy * phi'(a), the right first step."""
    return dout * get_activation(activation).df(a)


def without_phi_prime(dout, x, W, a, activation):
    return dout @ W.T, x.T @ dout, dout.sum(axis=0)


def times_phi_not_phi_prime(dout, x, W, a, activation):
    da = dout * get_activation(activation).f(a)
    return da @ W.T, x.T @ da, da.sum(axis=0)


def dx_without_transpose(dout, x, W, a, activation):
    da = _da(dout, a, activation)
    return da @ W, x.T @ da, da.sum(axis=0)


def dW_transposed(dout, x, W, a, activation):
    da = _da(dout, a, activation)
    return da @ W.T, da.T @ x, da.sum(axis=0)


def db_not_summed(dout, x, W, a, activation):
    da = _da(dout, a, activation)
    return da @ W.T, x.T @ da, da


def db_keeps_dims(dout, x, W, a, activation):
    da = _da(dout, a, activation)
    return da @ W.T, x.T @ da, da.sum(axis=0, keepdims=True)


def db_averaged(dout, x, W, a, activation):
    da = _da(dout, a, activation)
    return da @ W.T, x.T @ da, da.mean(axis=0)


def db_summed_over_everything(dout, x, W, a, activation):
    da = _da(dout, a, activation)
    return da @ W.T, x.T @ da, da.sum()


def dx_without_phi_prime(dout, x, W, a, activation):
    da = _da(dout, a, activation)
    return dout @ W.T, x.T @ da, da.sum(axis=0)


MISTAKES = [
    Mistake(
        without_phi_prime,
        _(
            "The activation's derivative is missing: y = phi(a), so by the chain rule "
            "dL/da = dL/dy * phi'(a) (elementwise), and every gradient goes through dL/da."
        ),
    ),
    Mistake(
        times_phi_not_phi_prime,
        _(
            "You multiplied by phi(a), the activation itself. The chain rule needs its "
            "derivative phi'(a): get_activation(activation).df(a)."
        ),
    ),
    Mistake(
        dx_without_transpose,
        _(
            "dx: W is not transposed. dL/dx_ki = sum_j dL/da_kj W_ij sums over W's second index "
            "j, so dx = da @ W.T (shapes: (batch, n_out) @ (n_out, n_in) -> (batch, n_in))."
        ),
    ),
    Mistake(
        dW_transposed,
        _(
            "dW is transposed: da.T @ x has shape (n_out, n_in), but dW must have W's shape "
            "(n_in, n_out). dL/dW_ij = sum_k x_ki dL/da_kj, that is x.T @ da."
        ),
    ),
    Mistake(
        db_not_summed,
        _(
            "db must have b's shape (n_out,): b is added to every row of the batch, so its "
            "gradient is the sum over the batch, da.sum(axis=0)."
        ),
    ),
    Mistake(
        db_keeps_dims,
        _("db has shape (1, n_out) but must have b's shape (n_out,): sum without keepdims."),
    ),
    Mistake(
        db_averaged,
        _(
            "db is averaged over the batch, but the loss sums over the batch: b is added to "
            "every row, so db = da.sum(axis=0) (x.T @ da sums over the batch in the same way)."
        ),
    ),
    Mistake(
        db_summed_over_everything,
        _(
            "db is summed over everything: sum over the batch only, da.sum(axis=0), so that "
            "there is one gradient per bias."
        ),
    ),
    Mistake(
        dx_without_phi_prime,
        _(
            "dx misses the activation's derivative: dx = (dout * phi'(a)) @ W.T, the same "
            "da = dL/da as in dW and db."
        ),
    ),
]


def check_layer_backward(fn) -> CheckResult:
    """Check `fn(dout, x, W, a, activation) -> (dx, dW, db)` against mlp.dense_backward."""
    return check_function(
        fn,
        dense_backward,
        CASES,
        exercise="layer_backward",
        mistakes=MISTAKES,
        hint=_(
            "Compute da = dout * phi'(a) first, then write each index formula of the lesson "
            "as one matrix product or sum, and check every shape against the docstring."
        ),
    )


# ----------------------------------------------------------------------------- predict

#: The configuration of the predict-then-measure exercise.
PREDICTION = {"depth": 50, "activation": "sigmoid", "scheme": "glorot"}
PREDICTION_FACTOR = 30.0


def measured_ratio() -> float:
    """||dL/dh_1|| / ||dL/dh_50|| of the 50-layer sigmoid network with Glorot init."""
    return layer_gradient_norms(**PREDICTION).signal_ratio


def explain_ratio() -> str:
    """Why the measured ratio is what it is, with the numbers of factor_breakdown."""
    depth = PREDICTION["depth"]
    ratio = measured_ratio()
    b = lesson.factor_breakdown(**PREDICTION)
    bound = 0.25 ** (depth - 1)
    return _(
        "Why: between h_{depth} and h_1 the gradient passes {layers} layers. Each "
        "multiplies it by phi'(a) (sigmoid: at most 0.25; here typically {slope:.3f}, "
        "since the pre-activations stay near 0, where sigma' is largest) and then by W^T "
        "(Glorot's weights have gain {gain:.2f}). Measured per layer: "
        "x{per_layer:.3f}, and {per_layer:.3f}^{layers} = {ratio:.2g}. The slope "
        "bound alone, 0.25^{layers} = {bound:.2g}, is {times:.0f} times larger: "
        "a factor {of_bound:.2f} of the bound per layer, compounded "
        "{layers} times."
    ).format(
        depth=depth,
        layers=depth - 1,
        slope=b.slope,
        gain=b.gain,
        per_layer=b.per_layer,
        ratio=ratio,
        bound=bound,
        times=bound / ratio,
        of_bound=b.per_layer / 0.25,
    )


def check_ratio_guess(guess) -> CheckResult:
    """Predict-then-measure: is `guess` within a factor of 30 of the measured ratio?"""
    return check_estimate(
        guess,
        measured_ratio(),
        exercise=_("predict the gradient ratio"),
        factor=PREDICTION_FACTOR,
        explanation=explain_ratio(),
    )
