"""Tests for course_utils.rnn: forward vs torch.nn.RNN, BPTT vs autograd and finite
differences, the gradient-vs-lag experiment and its bound, overflow, IRNN, orthogonal W, and
the cliff and where its wall stands."""

import contextlib
import warnings

import numpy as np
import pytest
import torch
from helpers import assert_close

from course_utils import rnn as rnn_module
from course_utils.activations import sigmoid, sigmoid_prime
from course_utils.gradcheck import central_difference, relative_error
from course_utils.rnn import (
    decay_rate,
    get_activation,
    gradient_vs_lag,
    identity_init,
    init_rnn,
    jacobian_singular_values,
    loss_cliff,
    orthogonal_init,
    rnn_backward,
    rnn_forward,
    rnn_step_backward,
    saddle_node_biases,
    scale_to_norm,
    scale_to_radius,
    spectral_radius,
    state_and_jacobian_norms,
    wall_bias,
)

torch.set_num_threads(1)

TORCH_PHI = {
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
    "relu": torch.relu,
    "leaky_relu": torch.nn.functional.leaky_relu,
    "linear": lambda a: a,
}
T, BATCH, N_IN, H = 5, 3, 4, 6


def small_problem(seed=0):
    """Random params (with a non-zero bias), inputs, h0 and upstream gradients dhs."""
    rng = np.random.default_rng(seed)
    params = init_rnn(N_IN, H, radius=0.9, seed=rng)
    params["b"] = 0.1 * rng.standard_normal(H)
    x = rng.standard_normal((T, BATCH, N_IN))
    h0 = 0.5 * rng.standard_normal((BATCH, H))
    dhs = rng.standard_normal((T, BATCH, H))
    return params, x, h0, dhs


def torch_forward(x, h0, params, activation):
    """The same recurrence written with torch ops (float64), returning h_1..h_T stacked."""
    phi, h, hs = TORCH_PHI[activation], h0, []
    for t in range(len(x)):
        h = phi(h @ params["W_hh"] + x[t] @ params["W_xh"] + params["b"])
        hs.append(h)
    return torch.stack(hs)


@contextlib.contextmanager
def no_warnings():
    """Turn every warning (RuntimeWarning from overflow included) into an error."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


# --- forward -------------------------------------------------------------------------------


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_forward_matches_torch_rnn(activation):
    params, x, h0, _ = small_problem()
    rnn = torch.nn.RNN(N_IN, H, nonlinearity=activation, dtype=torch.float64)
    with torch.no_grad():
        rnn.weight_hh_l0.copy_(torch.tensor(params["W_hh"].T))
        rnn.weight_ih_l0.copy_(torch.tensor(params["W_xh"].T))
        rnn.bias_ih_l0.copy_(torch.tensor(params["b"]))
        rnn.bias_hh_l0.zero_()
        out, h_last = rnn(torch.tensor(x), torch.tensor(h0)[None])
    hs, cache = rnn_forward(x, h0, params, activation)
    assert hs.shape == (T + 1, BATCH, H)
    np.testing.assert_array_equal(hs[0], h0)
    np.testing.assert_allclose(hs[1:], out.numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(hs[-1], h_last[0].numpy(), rtol=1e-12, atol=1e-14)
    assert cache.pre.shape == (T, BATCH, H)


def test_forward_h0_none_is_zeros():
    params, x, _, _ = small_problem()
    hs, _ = rnn_forward(x, None, params)
    np.testing.assert_array_equal(hs, rnn_forward(x, np.zeros((BATCH, H)), params)[0])


# --- backward ------------------------------------------------------------------------------


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu", "leaky_relu", "linear"])
def test_rnn_backward_matches_autograd(activation):
    params, x, h0, dhs = small_problem(1)
    hs, cache = rnn_forward(x, h0, params, activation)
    dx, dh0, grads = rnn_backward(dhs, cache, params)

    tp = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    tx, th0 = torch.tensor(x, requires_grad=True), torch.tensor(h0, requires_grad=True)
    loss = (torch_forward(tx, th0, tp, activation) * torch.tensor(dhs)).sum()
    loss.backward()
    assert relative_error(dx, tx.grad.numpy()) < 1e-12
    assert relative_error(dh0, th0.grad.numpy()) < 1e-12
    assert set(grads) == {"W_hh", "W_xh", "b"}
    for name in grads:
        assert grads[name].shape == params[name].shape
        assert relative_error(grads[name], tp[name].grad.numpy()) < 1e-12


def test_rnn_backward_matches_central_differences():
    params, x, h0, dhs = small_problem(2)

    def loss(**changed):
        p = {**params, **{k: v for k, v in changed.items() if k in params}}
        hs, _ = rnn_forward(changed.get("x", x), changed.get("h0", h0), p, "tanh")
        return float(np.sum(hs[1:] * dhs))

    _, cache = rnn_forward(x, h0, params, "tanh")
    dx, dh0, grads = rnn_backward(dhs, cache, params)
    analytic = {"x": dx, "h0": dh0, **grads}
    values = {"x": x, "h0": h0, **params}
    for name, value in values.items():
        numeric = central_difference(lambda v, name=name: loss(**{name: v}), value, h=1e-5)
        assert relative_error(analytic[name], numeric) < 1e-7, name


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu"])
def test_step_backward_matches_autograd_of_one_step(activation):
    params, x, h0, dhs = small_problem(3)
    W_hh, W_xh, b = (torch.tensor(params[k], requires_grad=True) for k in ("W_hh", "W_xh", "b"))
    tx, th = torch.tensor(x[0], requires_grad=True), torch.tensor(h0, requires_grad=True)
    h = TORCH_PHI[activation](th @ W_hh + tx @ W_xh + b)
    (h * torch.tensor(dhs[0])).sum().backward()

    step = rnn_step_backward(
        dhs[0], h0, h.detach().numpy(), x[0], params["W_hh"], params["W_xh"], activation
    )
    expected = (th.grad, tx.grad, W_hh.grad, W_xh.grad, b.grad)
    for got, want in zip(step, expected, strict=True):
        assert got.shape == want.shape
        assert relative_error(got, want.numpy()) < 1e-12


def test_jacobian_convention_matches_autograd():
    """dh_t/dh_{t-1} = diag(phi'(a_t)) W_hh.T, the papers' diag(phi') W."""
    params, x, h0, _ = small_problem(4)
    _, cache = rnn_forward(x[:1, :1], h0[:1], params, "tanh")
    jac = np.diag(get_activation("tanh").df(cache.pre[0, 0])) @ params["W_hh"].T

    def step(h):
        drive = torch.tensor(x[0, 0] @ params["W_xh"] + params["b"])
        return torch.tanh(h @ torch.tensor(params["W_hh"]) + drive)

    auto = torch.autograd.functional.jacobian(step, torch.tensor(h0[0]))
    np.testing.assert_allclose(jac, auto.numpy(), rtol=1e-12, atol=1e-15)


# --- initialisation ------------------------------------------------------------------------


def test_scaling_and_identity_init():
    W = np.random.default_rng(0).standard_normal((16, 16))
    assert spectral_radius(scale_to_radius(W, 1.3)) == pytest.approx(1.3, rel=1e-12)
    assert np.linalg.norm(scale_to_norm(W, 0.7), 2) == pytest.approx(0.7, rel=1e-12)
    np.testing.assert_array_equal(identity_init(3, 0.5), 0.5 * np.eye(3))
    p = init_rnn(3, 16, radius=2.0, norm="spectral", seed=1)
    assert np.linalg.norm(p["W_hh"], 2) == pytest.approx(2.0, rel=1e-12)
    assert p["W_xh"].shape == (3, 16) and p["b"].shape == (16,)
    q = init_rnn(3, 16, radius=2.0, norm="spectral", seed=1)
    np.testing.assert_array_equal(p["W_hh"], q["W_hh"])
    with pytest.raises(ValueError):
        init_rnn(3, 16, norm="eigen")
    with pytest.raises(ValueError, match="linear"):
        get_activation("softsign")


# --- gradient against lag ------------------------------------------------------------------


@pytest.mark.parametrize("radius", [0.5, 0.9, 1.1, 1.5])
def test_linear_rnn_decay_rate_is_log_radius(radius):
    """Measured: |slope - log rho| <= 0.0025 over seeds 0-7 (second half of T = 100)."""
    for seed in range(5):
        p = gradient_vs_lag(100, radius, "linear", seed=seed)
        assert p.rho == pytest.approx(radius, rel=1e-9)
        assert decay_rate(p.lags, p.norms) == pytest.approx(np.log(radius), abs=0.01)


@pytest.mark.parametrize("norm", ["radius", "spectral"])
@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu", "leaky_relu", "linear"])
def test_pascanu_bound_holds(activation, norm):
    for radius in (0.5, 1.0, 1.5, 3.0):
        p = gradient_vs_lag(60, radius, activation, n_hidden=32, norm=norm)
        assert p.norms[0] == pytest.approx(1.0)
        assert np.all(p.log_norms <= p.log_bound + 1e-9)
        bound_rate = np.log(p.gamma * p.sigma_max)
        assert decay_rate(p.lags, p.norms, start=0) <= bound_rate + 1e-9


def test_tanh_slope_below_log_sigma_max_and_bound_is_loose():
    """tanh, rho = 0.9: sigma_max = 1.77 > 1, so the bound allows growth, yet the
    gradient vanishes (measured slope -0.58): the condition is sufficient, not necessary."""
    p = gradient_vs_lag(100, 0.9, "tanh")
    slope = decay_rate(p.lags, p.norms)
    assert p.sigma_max > 1.5
    assert slope < np.log(p.sigma_max)
    assert -0.7 < slope < -0.45


def test_tanh_can_explode_with_large_weights():
    p = gradient_vs_lag(100, 3.0, "tanh")
    assert decay_rate(p.lags, p.norms) > 0.1
    assert p.norms[-1] > 1e5


def test_sigmoid_vanishes_even_at_radius_three():
    p = gradient_vs_lag(100, 3.0, "sigmoid")
    assert decay_rate(p.lags, p.norms) < -0.5


@pytest.mark.parametrize("norm", ["radius", "spectral"])
def test_extreme_slider_settings_are_finite_without_warnings(norm):
    with no_warnings():
        for activation in ("relu", "tanh", "linear", "sigmoid"):
            p = gradient_vs_lag(200, 3.0, activation, norm=norm)
            assert np.all(np.isfinite(p.norms)) and np.all(np.isfinite(p.log_norms))
            assert not p.overflowed
    p = gradient_vs_lag(200, 3.0, "relu")
    assert p.norms[-1] > 1e60  # measured 1.2e63


def test_gradient_overflow_is_inf_and_flagged():
    """Linear RNN, no input: the state stays 0, the gradient grows like 3^k past 1e308."""
    with no_warnings():
        p = gradient_vs_lag(1000, 3.0, "linear", input_scale=0.0)
    assert p.overflowed
    assert np.isinf(p.norms[-1]) and not np.isnan(p.norms).any()
    assert np.all(np.isfinite(p.log_norms))
    assert p.log_norms[-1] > np.log(np.finfo(float).max)
    assert decay_rate(p.lags, p.norms) == pytest.approx(np.log(3.0), abs=0.01)
    assert np.isinf(p.bound[-1]) and np.isfinite(p.log_bound[-1])


def test_state_overflow_is_flagged_not_silently_zero():
    """ReLU, radius 3, T = 1000: the state itself overflows, the Jacobians are undefined."""
    with no_warnings():
        p = gradient_vs_lag(1000, 3.0, "relu")
    assert p.overflowed
    assert p.norms[0] == pytest.approx(1.0)
    assert np.isnan(p.norms[1:]).all()


def test_decay_rate_needs_two_points():
    with pytest.raises(ValueError):
        decay_rate(np.arange(4), np.array([1.0, 0.0, 0.0, 0.0]), start=0)


def test_profile_slope_is_decay_rate_on_the_log_norms():
    """Where every norm is a float64, LagProfile.slope() is decay_rate; past the range (here
    an underflow to 0 after lag ~700) it still fits every lag."""
    p = gradient_vs_lag(100, 0.9, "tanh")
    assert p.slope() == pytest.approx(decay_rate(p.lags, p.norms), rel=1e-12)
    assert p.slope(start=0) == pytest.approx(decay_rate(p.lags, p.norms, start=0), rel=1e-12)
    with no_warnings():
        q = gradient_vs_lag(1000, 0.5, "tanh")
    assert q.norms[-1] == 0.0 and np.isfinite(q.log_norms[-1])
    assert q.slope() == pytest.approx(np.polyfit(q.lags[500:], q.log_norms[500:], 1)[0])


def test_gradient_vs_lag_is_deterministic():
    a, b = gradient_vs_lag(50, 1.2, "tanh", seed=3), gradient_vs_lag(50, 1.2, "tanh", seed=3)
    np.testing.assert_array_equal(a.norms, b.norms)
    assert not np.array_equal(a.norms, gradient_vs_lag(50, 1.2, "tanh", seed=4).norms)


# --- the Jacobian of T steps: state and gradient, IRNN, orthogonal W --------------------------


def test_state_and_jacobian_norms_match_autograd():
    rng = np.random.default_rng(5)
    params = init_rnn(3, 5, radius=1.2, seed=rng)
    x, h0 = rng.standard_normal((8, 3)), rng.standard_normal(5)
    res = state_and_jacobian_norms(params, x, h0, "tanh")

    def run(h):
        for t in range(len(x)):
            h = torch.tanh(h @ torch.tensor(params["W_hh"]) + torch.tensor(x[t] @ params["W_xh"]))
        return h

    jac = torch.autograd.functional.jacobian(run, torch.tensor(h0)).numpy()
    assert res.jacobian_norm == pytest.approx(np.linalg.norm(jac, 2), rel=1e-10)
    assert res.state_norm == pytest.approx(run(torch.tensor(h0)).norm().item(), rel=1e-12)
    assert not res.overflowed


def test_irnn_with_active_units_has_identity_jacobian():
    H = 8
    params = {"W_hh": identity_init(H), "W_xh": np.eye(H), "b": np.zeros(H)}
    x = np.abs(np.random.default_rng(0).standard_normal((50, H)))
    res = state_and_jacobian_norms(params, x, None, "relu")
    assert res.jacobian_norm == 1.0
    assert res.state_norm == pytest.approx(np.linalg.norm(x.sum(axis=0)), rel=1e-12)


def test_orthogonal_init_preserves_length():
    W = orthogonal_init(32, seed=3)
    np.testing.assert_allclose(W.T @ W, np.eye(32), atol=1e-12)
    np.testing.assert_allclose(np.linalg.svd(W, compute_uv=False), 1.0, atol=1e-12)
    np.testing.assert_allclose(np.abs(np.linalg.eigvals(W)), 1.0, atol=1e-12)
    np.testing.assert_array_equal(W, orthogonal_init(32, seed=3))
    assert not np.allclose(W, orthogonal_init(32, seed=4))


def test_jacobian_singular_values_agree_with_the_product_and_the_norm():
    params = init_rnn(4, 8, radius=1.2, seed=2)
    x = np.random.default_rng(5).standard_normal((30, 4))
    for activation in ("tanh", "relu", "linear"):
        _, cache = rnn_forward(x[:, None, :], None, params, activation)
        product = np.eye(8)
        for a in cache.pre[:, 0, :]:
            d = get_activation(activation).df(a)
            product = d[:, None] * (params["W_hh"].T @ product)
        values = jacobian_singular_values(params, x, None, activation)
        assert_close(values, np.linalg.svd(product, compute_uv=False), rtol=1e-10)
        norm = state_and_jacobian_norms(params, x, None, activation).jacobian_norm
        assert values[0] == pytest.approx(norm, rel=1e-12)


def test_jacobian_singular_values_of_an_orthogonal_linear_rnn_are_all_one():
    params = {"W_hh": orthogonal_init(16, seed=0), "W_xh": np.eye(16), "b": np.zeros(16)}
    x = np.random.default_rng(0).standard_normal((200, 16))
    np.testing.assert_allclose(jacobian_singular_values(params, x, None, "linear"), 1, atol=1e-12)


def test_jacobian_singular_values_after_overflow_are_nan():
    params = init_rnn(4, 8, radius=3.0, seed=0)
    x = np.random.default_rng(0).standard_normal((1000, 4))
    with no_warnings():  # the linear state passes 1e308 and becomes inf, then nan
        values = jacobian_singular_values(params, x, None, "linear")
    assert values.shape == (8,) and np.all(np.isnan(values))


# --- one sigmoid unit: the loss cliff and where its wall stands ------------------------------


def test_loss_cliff_wall_at_w6():
    """Measured: 13.1857 at b = -3.2350, 2.0330 at b = -3.2345."""
    res = loss_cliff([6.0], [-3.2350, -3.2345])
    assert res.loss.shape == (1, 2)
    assert res.loss[0, 0] == pytest.approx(13.19, abs=0.01)
    assert res.loss[0, 1] == pytest.approx(2.03, abs=0.01)
    assert res.loss[0, 0] - res.loss[0, 1] > 5


def test_loss_cliff_wall_only_for_w_above_4():
    b = np.linspace(-8, 2, 2001)
    jumps = np.abs(np.diff(loss_cliff([2.0, 3.0, 4.0, 5.0, 6.0], b).loss, axis=1)).max(axis=1)
    assert np.all(jumps[:3] < 0.5)  # measured 0.087, 0.087, 0.39
    assert np.all(jumps[3:] > 5)  # measured 7.0, 11.1


def test_wall_bias_makes_x0_a_fixed_point():
    """b* = x0 - w sigmoid(x0): the map x -> w sigmoid(x) + b* leaves x0 where it is."""
    for w, x0 in ((6.0, 0.5), (5.0, 0.5), (8.0, -1.0), (4.1, 2.0)):
        b = wall_bias(w, x0)
        assert w * sigmoid(x0) + b == pytest.approx(x0, abs=1e-14)
    assert wall_bias(6.0) == pytest.approx(0.5 - 6.0 * sigmoid(0.5))  # x0 = 0.5 by default
    assert wall_bias(6.0, 0.0) == -3.0  # -w/2 only for x0 = 0
    np.testing.assert_allclose(wall_bias(np.array([5.0, 6.0])), [wall_bias(5.0), wall_bias(6.0)])
    res = loss_cliff([6.0], [wall_bias(6.0)], T=200)  # x_T stays at x0: the loss (0.5 - 0.7)^2
    assert res.loss[0, 0] == pytest.approx(0.04, abs=1e-6)


def test_saddle_node_biases_are_where_a_fixed_point_has_slope_one():
    """At a saddle-node, x - w sigmoid(x) - b touches 0 where w sigmoid'(x) = 1 (x = +-x_c);
    strictly between the two values of b the map has three fixed points, outside one."""
    xs = np.linspace(0, 10, 1_000_001)
    for w in (4.1, 5.0, 6.0, 8.0):
        x_c = xs[np.argmin(np.abs(w * sigmoid_prime(xs) - 1))]
        touching = sorted(x - w * sigmoid(x) for x in (x_c, -x_c))
        np.testing.assert_allclose(saddle_node_biases(w), touching, atol=1e-9)
    low, high = saddle_node_biases(6.0)
    grid = np.linspace(-10, 10, 200_001)
    for b, count in ((low + 0.3 * (high - low), 3), (low - 0.1, 1), (high + 0.1, 1)):
        g = grid - 6.0 * sigmoid(grid) - b
        assert np.sum(np.sign(g[1:]) != np.sign(g[:-1])) == count
    with pytest.raises(ValueError, match="no saddle-node"):
        saddle_node_biases(4.0)


def test_loss_cliff_gradient_matches_central_differences():
    res = loss_cliff([2.0, 5.0], [-1.0, -2.0])
    for i, w in enumerate([2.0, 5.0]):
        for j, b in enumerate([-1.0, -2.0]):
            num = central_difference(lambda v: loss_cliff([v[0]], [v[1]]).loss[0, 0], [w, b])
            got = [res.dloss_dw[i, j], res.dloss_db[i, j]]
            assert relative_error(got, num) < 1e-7


@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid", "linear"])
def test_gradient_vs_lag_from_the_cached_run_equals_a_fresh_run(activation):
    """With an int seed the forward pass comes from a cached longer run; with a Generator it
    is run afresh for T steps. Every array is the same, bit for bit, at lengths on both
    sides of the cached runs' powers of two, overflowing runs included (relu at 4)."""
    for radius in (0.9, 4.0):
        for T in (2, 16, 17, 100, 129, 1000):
            cached = gradient_vs_lag(T, radius, activation, seed=3)
            fresh = gradient_vs_lag(T, radius, activation, seed=np.random.default_rng(3))
            for name, value in cached._asdict().items():
                assert np.array_equal(value, getattr(fresh, name), equal_nan=True), (T, name)
    with pytest.raises(ValueError, match="read-only"):
        rnn_module._run(16, 0.9, activation, 64, 1.0, 3, "radius")[1][0, 0] = 1.0
