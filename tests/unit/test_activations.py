"""Tests for course_utils.activations: values, derivatives, stability, and the lesson-01 numbers."""

import math
import warnings

import numpy as np
import pytest

from course_utils import activations as A

NAMES = ["sigmoid", "tanh", "relu", "leaky_relu"]
ELEMENTWISE = [
    A.sigmoid,
    A.tanh,
    A.relu,
    A.leaky_relu,
    A.softplus,
    A.sigmoid_prime,
    A.tanh_prime,
    A.relu_prime,
    A.leaky_relu_prime,
    A.log_sigmoid_prime,
    A.log_tanh_prime,
    A.log_leaky_relu_prime,
]
# 0 exactly, both kinks' sides, moderate values and the saturated tails
X = np.concatenate([np.linspace(-30, 30, 601), [0.0, -1e-9, 1e-9, -1e4, 1e4]])
GRID = np.arange(-5000, 5001) / 1000  # contains 0.0 exactly


def _torch_reference(name, x):
    """phi(x) and phi'(x) from torch in float64, phi' by autograd."""
    import torch

    torch.set_num_threads(1)
    fns = {
        "sigmoid": torch.sigmoid,
        "tanh": torch.tanh,
        "relu": torch.relu,
        "leaky_relu": lambda t: torch.nn.functional.leaky_relu(t, 0.01),
    }
    xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    y = fns[name](xt)
    y.sum().backward()
    return y.detach().numpy(), xt.grad.numpy()


@pytest.mark.parametrize("name", NAMES)
def test_values_and_derivatives_match_torch(name):
    act = A.ACTIVATIONS[name]
    f_ref, df_ref = _torch_reference(name, X)
    np.testing.assert_allclose(act.f(X), f_ref, rtol=1e-14, atol=1e-300)
    # torch computes tanh' as 1 - tanh^2, which cancels to ~1e-16 in the tails: hence atol
    np.testing.assert_allclose(act.df(X), df_ref, rtol=1e-12, atol=1e-15)


def test_relu_derivative_at_zero_is_zero_and_leaky_is_slope():
    assert A.relu_prime(0.0) == 0.0
    assert A.leaky_relu_prime(0.0) == 0.01
    assert A.leaky_relu_prime(0.0, slope=0.2) == 0.2
    assert A.leaky_relu(-3.0, slope=0.2) == pytest.approx(-0.6)


def test_sigmoid_prime_peaks_at_one_quarter_only_at_zero():
    d = A.sigmoid_prime(GRID)
    assert d.max() == 0.25
    assert GRID[np.argmax(d)] == 0.0
    assert np.all(d[GRID != 0] < 0.25)


def test_tanh_prime_reaches_one_only_at_zero():
    d = A.tanh_prime(GRID)
    assert d.max() == 1.0
    assert GRID[np.argmax(d)] == 0.0
    assert np.all(d[GRID != 0] < 1.0)


def test_registry_max_slope_is_the_supremum_of_the_derivative():
    assert {n: A.ACTIVATIONS[n].max_slope for n in NAMES} == {
        "sigmoid": 0.25,
        "tanh": 1.0,
        "relu": 1.0,
        "leaky_relu": 1.0,
    }
    for name in NAMES:
        act = A.ACTIVATIONS[name]
        assert act.name == name
        assert act.df(GRID).max() == act.max_slope


def test_unknown_activation_is_a_clear_error():
    with pytest.raises(ValueError, match="choose one of"):
        A.get_activation("swish")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("fn", ELEMENTWISE, ids=lambda fn: fn.__name__)
def test_stable_and_dtype_preserving_at_extremes(fn, dtype):
    x = np.array([-1e4, -100.0, -1.0, 0.0, 1.0, 100.0, 1e4], dtype=dtype)
    with warnings.catch_warnings(), np.errstate(over="raise", divide="raise", invalid="raise"):
        warnings.simplefilter("error")
        y = fn(x)
    assert y.dtype == dtype
    assert np.all(np.isfinite(y))


def test_limits_at_extremes():
    x = np.array([-1e4, 1e4])
    np.testing.assert_array_equal(A.sigmoid(x), [0.0, 1.0])
    np.testing.assert_array_equal(A.sigmoid_prime(x), [0.0, 0.0])
    np.testing.assert_array_equal(A.tanh_prime(x), [0.0, 0.0])
    np.testing.assert_allclose(A.log_sigmoid_prime(x), [-1e4, -1e4])
    np.testing.assert_allclose(A.log_tanh_prime(x), np.log(4) - 2e4)
    np.testing.assert_allclose(A.softplus(x), [0.0, 1e4])


def test_integer_input_becomes_float64():
    assert A.sigmoid(np.array([0, 1])).dtype == np.float64
    assert A.relu_prime([1, -1]).dtype == np.float64


def test_derivatives_in_the_tails_keep_relative_accuracy():
    # sigma'(40) = e^-40 / (1 + e^-40)^2; the naive s * (1 - s) rounds to 0 there
    assert A.sigmoid_prime(40.0) == pytest.approx(math.exp(-40), rel=1e-12)
    assert A.tanh_prime(20.0) == pytest.approx(4 * math.exp(-40), rel=1e-12)


@pytest.mark.parametrize(
    ("log_df", "df"),
    [
        (A.log_sigmoid_prime, A.sigmoid_prime),
        (A.log_tanh_prime, A.tanh_prime),
        (A.log_leaky_relu_prime, A.leaky_relu_prime),
    ],
)
def test_log_derivatives_are_logs_of_derivatives(log_df, df):
    x = np.linspace(-30, 30, 601)
    np.testing.assert_allclose(log_df(x), np.log(df(x)), rtol=1e-12, atol=1e-12)


# Science notes, NB01 Exp 1a: E[phi'(z)], z ~ N(0, s^2), for s = 0.5 / 1 / 2
MEAN_DERIVATIVE = {"tanh": (0.826, 0.605, 0.365), "sigmoid": (0.236, 0.207, 0.151)}


@pytest.mark.parametrize("name", ["tanh", "sigmoid"])
def test_mean_derivative_matches_science_notes(name):
    got = [A.mean_derivative(name, s) for s in (0.5, 1.0, 2.0)]
    print(name, "E[phi'] at scale 0.5/1/2:", np.round(got, 4))
    np.testing.assert_allclose(got, MEAN_DERIVATIVE[name], atol=0.002)


def test_mean_derivative_of_relu_is_one_half_at_every_scale():
    for s in (0.1, 1.0, 10.0):
        assert A.mean_derivative("relu", s) == pytest.approx(0.5, abs=1e-12)


# Typical 50-step products exp(50 E[log phi']): the science notes (sampled) and this
# package's midpoint rule (checked against 4e6 Monte Carlo samples).
TYPICAL_NOTES = {"tanh": (1.2e-5, 5.2e-17, 1.2e-46), "sigmoid": (3.8e-32, 9.7e-36, 4.1e-47)}
TYPICAL_HERE = {"tanh": (1.25e-5, 5.40e-17, 1.29e-46), "sigmoid": (3.79e-32, 9.85e-36, 4.26e-47)}


@pytest.mark.parametrize("name", ["tanh", "sigmoid"])
def test_typical_product_over_50_steps(name):
    got = [np.exp(50 * A.mean_log_derivative(name, s)) for s in (0.5, 1.0, 2.0)]
    print(name, "typical 50-step product at scale 0.5/1/2:", [f"{g:.3g}" for g in got])
    np.testing.assert_allclose(got, TYPICAL_NOTES[name], rtol=0.10)
    np.testing.assert_allclose(got, TYPICAL_HERE[name], rtol=0.01)


def test_gaussian_expectation_of_known_moments():
    for s in (0.01, 0.5, 2.0, 30.0):
        assert A.gaussian_expectation(np.square, s) == pytest.approx(s**2, rel=1e-12)
        assert A.gaussian_expectation(np.abs, s) == pytest.approx(s * math.sqrt(2 / math.pi))
        assert A.gaussian_expectation(np.cos, s) == pytest.approx(math.exp(-(s**2) / 2), abs=1e-12)
    assert A.Z_WEIGHTS.sum() == pytest.approx(1.0, abs=1e-14)


def test_typical_product_is_undefined_for_relu():
    with pytest.raises(ValueError, match="-inf"):
        A.mean_log_derivative("relu", 1.0)
    assert np.exp(50 * A.mean_log_derivative("leaky_relu", 1.0)) == pytest.approx(0.01**25)


def _exact_saturation(name, scale, threshold):
    """P(phi'(z) < t), z ~ N(0, scale^2), from the cut-off c with phi'(c) = t (closed form)."""
    r = math.sqrt(1 - 4 * (threshold if name == "sigmoid" else threshold / 4))
    c = math.log((1 + r) / (1 - r))  # sigma'(c) = t  <=>  sigma(c) = (1 + r) / 2
    if name == "tanh":
        c /= 2  # tanh'(c) = 4 sigma'(2c)
    return math.erfc(c / (scale * math.sqrt(2)))


@pytest.mark.parametrize("name", ["sigmoid", "tanh"])
def test_saturation_fraction_grows_with_scale_and_matches_closed_form(name):
    scales = [0.5, 1.0, 2.0, 3.0, 5.0, 10.0]
    got = [A.saturation_fraction(name, s) for s in scales]
    print(name, "saturated fraction (phi' < 0.01) at scales", scales, np.round(got, 4))
    assert all(a <= b for a, b in zip(got, got[1:], strict=False))
    assert got[0] < 1e-6 and got[-1] > 0.6
    exact = [_exact_saturation(name, s, 0.01) for s in scales]
    np.testing.assert_allclose(got, exact, atol=4e-4)


def test_half_of_relu_units_are_dead_at_every_scale():
    for s in (0.1, 1.0, 10.0, 1e4):
        assert A.saturation_fraction("relu", s) == 0.5
    # leaky relu's slope 0.01 is not below the threshold 0.01, but is below 0.02
    assert A.saturation_fraction("leaky_relu", 1.0) == 0.0
    assert A.saturation_fraction("leaky_relu", 1.0, threshold=0.02) == 0.5
