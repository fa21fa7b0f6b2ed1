"""Tests for course_utils.gradcheck: finite differences, relative error, autograd comparison."""

import warnings

import numpy as np
import pytest

from course_utils.activations import sigmoid, sigmoid_prime
from course_utils.gradcheck import (
    autograd_gradient,
    central_difference,
    check_gradient,
    derivative_central,
    parameter_gradients,
    relative_error,
)

RNG = np.random.default_rng(0)
X = RNG.standard_normal((3, 4))


def cubic(x):
    """sum(x^3) + sum(x[0] * x[1]): a scalar with a known gradient, for (2, ...) arrays."""
    return np.sum(x**3) + np.sum(x[0] * x[1])


def cubic_grad(x):
    g = 3 * x**2
    g[0] += x[1]
    g[1] += x[0]
    return g


def test_central_difference_on_a_known_gradient():
    x = X.copy()
    g = central_difference(cubic, x)
    assert g.shape == x.shape and g.dtype == np.float64
    np.testing.assert_allclose(g, cubic_grad(X), rtol=1e-8, atol=1e-8)
    np.testing.assert_array_equal(x, X)  # the caller's array is left alone


def test_central_difference_of_float32_input_is_float64():
    g = central_difference(lambda v: np.sum(v**2), X.astype(np.float32))
    assert g.dtype == np.float64


def test_derivative_central_is_vectorised_and_keeps_dtype():
    x = np.linspace(-3, 3, 7)
    np.testing.assert_allclose(derivative_central(np.sin, x), np.cos(x), atol=1e-10)
    assert derivative_central(np.sin, x.astype(np.float32), h=1e-2).dtype == np.float32
    assert derivative_central(np.sin, np.arange(3)).dtype == np.float64


def test_relative_error_properties():
    a, b = RNG.standard_normal(10), RNG.standard_normal(10)
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert relative_error(a, a) == 0.0
    assert relative_error(a, b) == relative_error(b, a)
    assert relative_error(1e-20 * a, 1e-20 * b) == pytest.approx(relative_error(a, b))
    assert relative_error(a, np.zeros(10)) == 1.0
    assert relative_error(a, -a) == 1.0
    assert 0.0 < relative_error(a, b) < 1.0
    assert relative_error(a, a * (1 + 1e-9)) == pytest.approx(5e-10, rel=1e-3)
    assert relative_error(2.0, 2.0) == 0.0  # scalars work


def test_relative_error_is_safe_with_huge_nan_and_mismatched_inputs():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert relative_error([1e300, 0.0], [1e300, 1e300]) == pytest.approx(1 / (1 + np.sqrt(2)))
        assert np.isnan(relative_error([np.nan], [1.0]))
        assert np.isnan(relative_error([np.inf], [1.0]))
    with pytest.raises(ValueError, match="shapes differ"):
        relative_error(np.zeros(3), np.zeros((3, 1)))


def _central_error(x, steps):
    """|derivative_central(sigmoid) - sigma'| at x (the worst entry), for each step h."""
    exact = sigmoid_prime(np.asarray(x, dtype=np.float64))
    return np.array([np.max(np.abs(derivative_central(sigmoid, x, h) - exact)) for h in steps])


def test_central_difference_error_has_a_v_shape_with_its_bottom_near_1e_5():
    steps = [10.0**k for k in range(-12, 0)]
    err = _central_error(0.7, steps)
    print(
        "sigmoid at 0.7, float64: h, |error|:",
        [f"{h:.0e}:{e:.1e}" for h, e in zip(steps, err, strict=True)],
    )
    assert err.shape == (len(steps),)
    at_1e5 = err[steps.index(1e-5)]
    assert at_1e5 < 1e-9
    assert err[0] > 100 * at_1e5 and err[-1] > 100 * at_1e5
    assert 1e-7 <= steps[np.argmin(err)] <= 1e-3


def test_central_difference_error_in_float32_bottoms_out_at_a_larger_step():
    steps = [10.0**k for k in range(-6, 0)]
    x = np.array([0.7], dtype=np.float32)
    err = _central_error(x, steps)
    print(
        "sigmoid at 0.7, float32: h, |error|:",
        [f"{h:.0e}:{e:.1e}" for h, e in zip(steps, err, strict=True)],
    )
    assert 1e-3 <= steps[np.argmin(err)] <= 1e-1
    assert err.min() > 1e-7  # float32 cannot reach float64's accuracy


def test_autograd_gradient_matches_the_analytic_gradient():
    import torch

    torch.set_num_threads(1)
    g = autograd_gradient(lambda t: (t**3).sum() + (t[0] * t[1]).sum(), X)
    assert g.dtype == np.float64 and g.shape == X.shape
    np.testing.assert_allclose(g, cubic_grad(X), rtol=1e-14)


def test_check_gradient_passes_a_right_gradient_and_fails_wrong_ones():
    right = check_gradient(cubic, cubic_grad, X)
    print("check_gradient on a right gradient: relative error", f"{right.relative_error:.1e}")
    assert right.ok and right.relative_error < 1e-9
    assert right.numerical.shape == right.analytical.shape == X.shape

    slightly_off = check_gradient(cubic, lambda x: 1.001 * cubic_grad(x), X)
    assert not slightly_off.ok and slightly_off.relative_error == pytest.approx(5e-4, rel=1e-2)

    forgot_a_term = check_gradient(cubic, lambda x: 3 * x**2, X)
    assert not forgot_a_term.ok and forgot_a_term.relative_error > 1e-2


def test_parameter_gradients_hold_the_other_parameters_fixed():
    params = {"a": np.array([1.0, -2.0]), "b": np.array([[0.5]])}

    def loss(p):  # d/da = 2 a b, d/db = sum(a^2)
        return float(np.sum(p["a"] ** 2) * p["b"][0, 0])

    grads = parameter_gradients(loss, params, ("a", "b"))
    np.testing.assert_allclose(grads["a"], 2 * params["a"] * 0.5, rtol=1e-9)
    np.testing.assert_allclose(grads["b"], [[5.0]], rtol=1e-9)
    assert params["a"].tolist() == [1.0, -2.0]  # untouched
