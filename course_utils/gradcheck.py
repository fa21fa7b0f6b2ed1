"""Gradient checking: finite differences, relative error, and comparison with autograd.

``relative_error`` is the one measure the course compares two arrays with. The central
difference (f(x + h) - f(x - h)) / (2h) has truncation error ~ h^2 |f'''| / 6
and round-off error ~ eps |f| / h, so its error is smallest near h ~ eps^(1/3)
(about 1e-5 in float64).
"""

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

Array = np.ndarray


def central_difference(f: Callable[[Array], float], x, h: float = 1e-5) -> Array:
    """Numerical gradient of a scalar-valued f at x, same shape as x, float64.

    Entry i is (f(x + h e_i) - f(x - h e_i)) / (2h), where e_i is the i-th unit array.
    f is called 2 * x.size times on a float64 copy of x (the caller's x is never touched).
    """
    x = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        f_plus = float(f(x))
        x[i] = old - h
        f_minus = float(f(x))
        x[i] = old
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad


def parameter_gradients(
    loss: Callable[[dict[str, Array]], float], params: dict[str, Array], names
) -> dict[str, Array]:
    """``central_difference`` of loss(params) with respect to each named parameter (the others
    held at their values): {name: array of the parameter's shape}."""
    return {n: central_difference(lambda v, n=n: loss({**params, n: v}), params[n]) for n in names}


def derivative_central(f: Callable[[Array], Array], x, h: float = 1e-5) -> Array:
    """Derivative of an elementwise function f: R -> R at every entry of x, same shape as x.

    Computes (f(x + h) - f(x - h)) / (2h) in one vectorised call each way. Float inputs keep
    their dtype (so float32 shows its larger round-off); other inputs become float64.
    """
    x = np.asarray(x)
    if not np.issubdtype(x.dtype, np.floating):
        x = x.astype(np.float64)
    h = x.dtype.type(h)  # so that a float64 h does not promote float32 x
    return (f(x + h) - f(x - h)) / (2 * h)


def relative_error(a, b) -> float:
    """Relative error ||a - b|| / (||a|| + ||b||) of two arrays of the same shape.

    ||.|| is the Euclidean norm over all entries. The result lies in [0, 1], is symmetric
    and scale-invariant, is 0 iff a == b (two zero arrays give 0.0), and is 1 when one is 0
    and the other is not. Rule of thumb in float64: < 1e-7 is a correct gradient, > 1e-3 a
    bug. Both arrays are divided by their largest |entry| first, so huge values cannot
    overflow. NaN or inf anywhere gives nan.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"shapes differ: {a.shape} vs {b.shape}")
    largest = max(np.max(np.abs(a), initial=0.0), np.max(np.abs(b), initial=0.0))
    if largest == 0:
        return 0.0
    if not np.isfinite(largest):
        return float("nan")
    a, b = a / largest, b / largest
    return float(np.linalg.norm(a - b) / (np.linalg.norm(a) + np.linalg.norm(b)))


def autograd_gradient(f_torch: Callable, x) -> Array:
    """Gradient of a scalar-valued torch function at x by autograd, float64, shape of x.

    f_torch takes a float64 torch tensor and returns a 0-dim tensor. Imports torch lazily.
    """
    import torch

    xt = torch.tensor(np.asarray(x, dtype=np.float64), requires_grad=True)
    f_torch(xt).backward()
    return xt.grad.numpy()


class GradCheck(NamedTuple):
    """Result of ``check_gradient``: the error, whether it passed, and both gradients."""

    relative_error: float
    ok: bool
    numerical: Array
    analytical: Array


def check_gradient(
    f: Callable[[Array], float],
    grad_f: Callable[[Array], Array],
    x,
    h: float = 1e-6,
    tol: float = 1e-7,
) -> GradCheck:
    """Compare grad_f(x) with the central-difference gradient of f at x (float64).

    ok is relative_error(numerical, analytical) < tol. Shapes: both gradients like x.
    """
    numerical = central_difference(f, x, h)
    analytical = np.asarray(grad_f(np.array(x, dtype=np.float64)), dtype=np.float64)
    err = relative_error(numerical, analytical)
    return GradCheck(err, err < tol, numerical, analytical)
