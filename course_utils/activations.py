"""Activation functions, their derivatives, and how saturated they get (lesson 01).

Every function is elementwise, numerically stable (no overflow for any finite float input)
and keeps the input's float dtype. ``ACTIVATIONS`` maps the names lessons use to an
``Activation`` record. Expectations are over Gaussian pre-activations z ~ N(0, scale^2).
At a kink the derivative is the left one, so relu'(0) = 0 (as PyTorch does) and
leaky_relu'(0) = slope.
"""

import math
from collections.abc import Callable
from typing import NamedTuple

import numpy as np

Array = np.ndarray


def _as_float(x) -> Array:
    """x as a numpy array of floats: float16/32/64 inputs keep their dtype, others -> float64."""
    x = np.asarray(x)
    return x if np.issubdtype(x.dtype, np.floating) else x.astype(np.float64)


# --- the functions ---------------------------------------------------------------------------


def sigmoid(x) -> Array:
    """Logistic sigmoid 1 / (1 + exp(-x)), elementwise, any shape.

    Stable: only exp(-|x|) <= 1 is ever computed, so nothing overflows;
    for x >= 0 it is 1 / (1 + e), for x < 0 it is e / (1 + e), with e = exp(-|x|).
    """
    x = _as_float(x)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def tanh(x) -> Array:
    """Hyperbolic tangent, elementwise, any shape (numpy's tanh is already stable)."""
    return np.tanh(_as_float(x))


def relu(x) -> Array:
    """Rectified linear unit max(x, 0), elementwise, any shape (Nair & Hinton 2010)."""
    return np.maximum(_as_float(x), 0)


def leaky_relu(x, slope: float = 0.01) -> Array:
    """Leaky ReLU: x for x > 0, slope * x otherwise (Maas, Hannun & Ng 2013), any shape."""
    x = _as_float(x)
    return np.where(x > 0, x, slope * x)


def softplus(x) -> Array:
    """Stable softplus log(1 + exp(x)) = max(x, 0) + log1p(exp(-|x|)), elementwise."""
    x = _as_float(x)
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))


# --- their derivatives -----------------------------------------------------------------------


def sigmoid_prime(x) -> Array:
    """sigma'(x) = sigma(x) (1 - sigma(x)) <= 1/4, with equality only at x = 0.

    Computed as e / (1 + e)^2 with e = exp(-|x|) (sigma' is even), which stays accurate in
    the tails where 1 - sigma(x) would round to 0.
    """
    e = np.exp(-np.abs(_as_float(x)))
    return e / (1 + e) ** 2


def tanh_prime(x) -> Array:
    """tanh'(x) = 1 - tanh(x)^2 <= 1, with equality only at x = 0.

    Computed as 4 e / (1 + e)^2 with e = exp(-2|x|), i.e. tanh'(x) = 4 sigma'(2x), which
    follows from tanh(x) = 2 sigma(2x) - 1 and stays accurate in the tails.
    """
    e = np.exp(-2 * np.abs(_as_float(x)))
    return 4 * e / (1 + e) ** 2


def relu_prime(x) -> Array:
    """relu'(x) = 1 for x > 0 and 0 for x <= 0 (we define relu'(0) = 0, like PyTorch)."""
    x = _as_float(x)
    return (x > 0).astype(x.dtype)


def leaky_relu_prime(x, slope: float = 0.01) -> Array:
    """leaky_relu'(x) = 1 for x > 0 and slope for x <= 0 (so leaky_relu'(0) = slope)."""
    x = _as_float(x)
    return np.where(x > 0, 1, slope).astype(x.dtype)


# --- stable log-derivatives (for products of many derivatives) -------------------------------


def log_sigmoid_prime(x) -> Array:
    """log sigma'(x) = log sigma(x) + log sigma(-x) = -softplus(x) - softplus(-x), finite."""
    return -softplus(x) - softplus(-_as_float(x))


def log_tanh_prime(x) -> Array:
    """log tanh'(x) = log 4 + log sigma'(2x), finite for all x (from tanh'(x) = 4 sigma'(2x))."""
    return math.log(4) + log_sigmoid_prime(2 * _as_float(x))


def log_leaky_relu_prime(x, slope: float = 0.01) -> Array:
    """log leaky_relu'(x): 0 for x > 0, log(slope) for x <= 0."""
    x = _as_float(x)
    return np.where(x > 0, 0, np.log(slope)).astype(x.dtype)


# --- the registry ----------------------------------------------------------------------------


class Activation(NamedTuple):
    """An activation phi, its derivative, log-derivative and the bound max |phi'| (gamma).

    ``log_df`` is None for relu: its derivative is exactly 0 for x <= 0, so log relu' = -inf.
    ``max_slope`` is the gamma of Pascanu, Mikolov & Bengio (2013): 1/4 sigmoid, 1 otherwise.
    """

    name: str
    f: Callable[[Array], Array]
    df: Callable[[Array], Array]
    log_df: Callable[[Array], Array] | None
    max_slope: float


ACTIVATIONS: dict[str, Activation] = {
    "sigmoid": Activation("sigmoid", sigmoid, sigmoid_prime, log_sigmoid_prime, 0.25),
    "tanh": Activation("tanh", tanh, tanh_prime, log_tanh_prime, 1.0),
    "relu": Activation("relu", relu, relu_prime, None, 1.0),
    "leaky_relu": Activation("leaky_relu", leaky_relu, leaky_relu_prime, log_leaky_relu_prime, 1.0),
}


LINEAR = Activation("linear", lambda a: a, np.ones_like, np.zeros_like, 1.0)
"""phi(a) = a: not in ACTIVATIONS (it is no nonlinearity), but a useful baseline: a linear RNN's
gradient decays or grows exactly like rho(W)^k (lesson 03)."""


def get_activation(name: str) -> Activation:
    """The Activation called ``name`` ("linear" included); a ValueError lists the valid names."""
    if name == "linear":
        return LINEAR
    if name not in ACTIVATIONS:
        valid = sorted([*ACTIVATIONS, "linear"])
        raise ValueError(f"unknown activation {name!r}; choose one of {valid}")
    return ACTIVATIONS[name]


# --- expectations over Gaussian pre-activations ---------------------------------------------


Z_STEP = 1e-3
Z_GRID = (np.arange(-10_000, 10_000) + 0.5) * Z_STEP
"""Midpoints of the 20,000 cells of width Z_STEP that tile [-10, 10], shape (20000,)."""
Z_WEIGHTS = np.exp(-(Z_GRID**2) / 2) / math.sqrt(2 * math.pi) * Z_STEP
"""Probability of each cell under N(0, 1) by the midpoint rule; they sum to 1 (to 1e-15)."""


def gaussian_expectation(g: Callable[[Array], Array], scale: float) -> float:
    """E[g(z)] for z ~ N(0, scale^2), as the sum over cells of g(scale * z_i) P(cell i).

    The midpoint rule on Z_GRID: error < 1e-8 for the smooth functions here at scales up to
    100 (z beyond +-10 has probability 1.5e-23). No grid point sits at 0 and the grid is
    symmetric, so E[relu'(z)] = 1/2 exactly. g must be elementwise; it may return bools.
    """
    return float(Z_WEIGHTS @ g(scale * Z_GRID))


def mean_derivative(name: str, scale: float) -> float:
    """E[phi'(z)] for z ~ N(0, scale^2)."""
    return gaussian_expectation(get_activation(name).df, scale)


def mean_log_derivative(name: str, scale: float) -> float:
    """E[log phi'(z)] for z ~ N(0, scale^2): the per-step growth rate of a long product.

    A product of n derivatives phi'(z_t) with independent z_t is typically about
    exp(n E[log phi'(z)]), its geometric mean (lesson 01); the mean product is larger,
    dominated by rare lucky chains. Undefined for relu (log relu' = -inf on half the
    inputs): raises ValueError.
    """
    act = get_activation(name)
    if act.log_df is None:
        raise ValueError(
            f"{name}: phi'(z) = 0 for z <= 0, so E[log phi'] = -inf and a product of many "
            "derivatives is 0 unless every factor is on the active side (probability 2^-steps)"
        )
    return gaussian_expectation(act.log_df, scale)


def saturation_fraction(name: str, scale: float, threshold: float = 0.01) -> float:
    """P(phi'(z) < threshold) for z ~ N(0, scale^2): the fraction of "saturated" units.

    Computed on the Z_GRID cells, accurate to 4e-4 (a cell is counted whole or not at all).
    Grows with scale for sigmoid and tanh. For relu it is 1/2 at every scale: relu' = 0
    for z <= 0, so half the units are "dead" (pass no gradient) whatever the scale.
    For leaky_relu it is 1/2 if threshold > slope, else 0.
    """
    df = get_activation(name).df
    return gaussian_expectation(lambda z: df(z) < threshold, scale)
