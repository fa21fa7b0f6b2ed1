"""Tests for course_utils.lstm: forward vs torch.nn.LSTM, BPTT vs autograd and finite
differences, the cell path, parameter counts, and the gates over a sentence."""

import numpy as np
import pytest
import torch

from course_utils.activations import sigmoid
from course_utils.gradcheck import central_difference, relative_error
from course_utils.lstm import (
    GATES,
    cell_path_gradient,
    gate_activations,
    gate_slice,
    gru_parameter_count,
    init_lstm,
    lstm_backward,
    lstm_forward,
    lstm_parameter_count,
    lstm_step,
    lstm_step_backward,
    rnn_parameter_count,
    set_forget_bias,
    to_torch_lstm,
)
from course_utils.tasks import AGREEMENT_VOCAB

torch.set_num_threads(1)

T, BATCH, N_IN, H = 5, 3, 4, 6


def small_problem(seed=0):
    """Random params (random biases too), inputs, h0, c0 and upstream gradients dhs."""
    rng = np.random.default_rng(seed)
    params = init_lstm(N_IN, H, forget_bias=1.0, seed=rng)
    params["b"] += 0.3 * rng.standard_normal(4 * H)
    x = rng.standard_normal((T, BATCH, N_IN))
    h0 = 0.5 * rng.standard_normal((BATCH, H))
    c0 = rng.standard_normal((BATCH, H))
    dhs = rng.standard_normal((T, BATCH, H))
    return params, x, h0, c0, dhs


# --- forward -----------------------------------------------------------------------------------


def test_forward_matches_torch_lstm():
    params, x, h0, c0, _ = small_problem()
    with torch.no_grad():
        out, (h_last, c_last) = to_torch_lstm(params)(
            torch.tensor(x), (torch.tensor(h0)[None], torch.tensor(c0)[None])
        )
    hs, cs, caches = lstm_forward(x, h0, c0, params)
    assert hs.shape == cs.shape == (T + 1, BATCH, H) and len(caches) == T
    np.testing.assert_array_equal(hs[0], h0)
    np.testing.assert_array_equal(cs[0], c0)
    np.testing.assert_allclose(hs[1:], out.numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(cs[-1], c_last[0].numpy(), rtol=1e-12, atol=1e-14)


def test_gate_order_is_torchs():
    """A large bias in block 1 (f) makes torch's cell keep c_prev: the order really is i,f,g,o."""
    assert GATES == ("i", "f", "g", "o") and gate_slice("g", 3) == slice(6, 9)
    params = init_lstm(2, 3, forget_bias=30.0, seed=0)
    params["b"][gate_slice("i", 3)] = -30.0  # write nothing
    c0 = np.array([[0.3, -0.7, 0.5]])
    _, cs, _ = lstm_forward(np.ones((4, 1, 2)), None, c0, params)
    np.testing.assert_allclose(cs[-1], c0, atol=1e-12)
    with torch.no_grad():
        _, (_, c_last) = to_torch_lstm(params)(
            torch.ones(4, 1, 2, dtype=torch.float64),
            (torch.zeros(1, 1, 3, dtype=torch.float64), torch.tensor(c0)[None]),
        )
    np.testing.assert_allclose(c_last[0].numpy(), c0, atol=1e-12)


def test_init_and_set_forget_bias():
    params = init_lstm(3, 8, forget_bias=2.0, seed=1)
    assert params["W_x"].shape == (3, 32) and params["W_h"].shape == (8, 32)
    np.testing.assert_array_equal(params["b"][8:16], 2.0)
    assert np.count_nonzero(params["b"]) == 8
    assert np.abs(params["W_h"]).max() <= 1 / np.sqrt(8)
    np.testing.assert_array_equal(init_lstm(5, 8, seed=1)["W_h"], params["W_h"])
    lstm = torch.nn.LSTM(3, 8, num_layers=2)
    set_forget_bias(lstm, 3.0)
    for layer in range(2):
        total = getattr(lstm, f"bias_ih_l{layer}") + getattr(lstm, f"bias_hh_l{layer}")
        assert torch.all(total[8:16] == 3.0)


# --- backward ----------------------------------------------------------------------------------


def test_lstm_backward_matches_autograd():
    params, x, h0, c0, dhs = small_problem(1)
    _, _, caches = lstm_forward(x, h0, c0, params)
    dx, dh0, dc0, grads = lstm_backward(dhs, caches, params)

    net = to_torch_lstm(params)
    tx, th0, tc0 = (torch.tensor(a, requires_grad=True) for a in (x, h0[None], c0[None]))
    out, _ = net(tx, (th0, tc0))
    (out * torch.tensor(dhs)).sum().backward()
    assert relative_error(dx, tx.grad.numpy()) < 1e-12
    assert relative_error(dh0, th0.grad[0].numpy()) < 1e-12
    assert relative_error(dc0, tc0.grad[0].numpy()) < 1e-12
    assert relative_error(grads["W_x"], net.weight_ih_l0.grad.numpy().T) < 1e-12
    assert relative_error(grads["W_h"], net.weight_hh_l0.grad.numpy().T) < 1e-12
    assert relative_error(grads["b"], net.bias_ih_l0.grad.numpy()) < 1e-12
    for name in grads:
        assert grads[name].shape == params[name].shape


def test_lstm_backward_matches_central_differences():
    params, x, h0, c0, dhs = small_problem(2)
    values = {"x": x, "h0": h0, "c0": c0, **params}

    def loss(name, value):
        v = {**values, name: value}
        p = {k: v[k] for k in params}
        hs, _, _ = lstm_forward(v["x"], v["h0"], v["c0"], p)
        return float(np.sum(hs[1:] * dhs))

    _, _, caches = lstm_forward(x, h0, c0, params)
    dx, dh0, dc0, grads = lstm_backward(dhs, caches, params)
    analytic = {"x": dx, "h0": dh0, "c0": dc0, **grads}
    for name, value in values.items():
        numeric = central_difference(lambda v, name=name: loss(name, v), value, h=1e-5)
        assert relative_error(analytic[name], numeric) < 1e-7, name


def test_step_backward_with_both_upstream_gradients():
    """One step, with dL/dh_t AND dL/dc_t coming in, against autograd of the same formulas."""
    params, x, h0, c0, dhs = small_problem(3)
    dc = np.random.default_rng(9).standard_normal((BATCH, H))
    _, _, cache = lstm_step(x[0], h0, c0, params)
    step = lstm_step_backward(dhs[0], dc, cache, params)

    tp = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    tx, th, tc = (torch.tensor(a, requires_grad=True) for a in (x[0], h0, c0))
    z = tx @ tp["W_x"] + th @ tp["W_h"] + tp["b"]
    i, f, g, o = (z[:, gate_slice(k, H)] for k in GATES)
    c = torch.sigmoid(f) * tc + torch.sigmoid(i) * torch.tanh(g)
    h = torch.sigmoid(o) * torch.tanh(c)
    ((h * torch.tensor(dhs[0])).sum() + (c * torch.tensor(dc)).sum()).backward()
    expected = (th.grad, tc.grad, tx.grad, tp["W_x"].grad, tp["W_h"].grad, tp["b"].grad)
    for got, want in zip(step, expected, strict=True):
        assert relative_error(got, want.numpy()) < 1e-12


def test_cell_path_derivative_is_the_forget_gate():
    """With no gradient into h, dL/dc_{t-1} = dL/dc_t * f_t exactly."""
    params, x, h0, c0, _ = small_problem(4)
    _, _, cache = lstm_step(x[0], h0, c0, params)
    step = lstm_step_backward(np.zeros((BATCH, H)), np.ones((BATCH, H)), cache, params)
    np.testing.assert_array_equal(step.dc_prev, cache.f)


# --- the cell path and the forget bias ---------------------------------------------


@pytest.mark.parametrize("forget_bias", [0.0, 1.0, 3.0])
def test_cell_path_gradient(forget_bias):
    """Measured (seed 0): mean log f = -0.700, -0.319, -0.050 for b_f = 0, 1, 3, against
    log sigmoid(b_f) = -0.693, -0.313, -0.049; median over units at lag 99: ~1e-30, ~1e-14,
    0.007."""
    path = cell_path_gradient(forget_bias, T=100)
    assert path.log_products.shape == (100, 64) and path.median.shape == (100,)
    np.testing.assert_array_equal(path.log_products[0], 0.0)
    assert np.all(np.diff(path.log_products, axis=0) < 0)  # each f < 1
    assert path.mean_log_f == pytest.approx(np.log(sigmoid(forget_bias)), abs=0.02)
    np.testing.assert_allclose(path.naive, sigmoid(forget_bias) ** np.arange(100), rtol=1e-12)
    assert np.all(path.low <= path.median) and np.all(path.median <= path.high)
    reach = {0.0: (0, 1e-25), 1.0: (1e-16, 1e-12), 3.0: (1e-3, 0.05)}[forget_bias]
    assert reach[0] <= path.median[-1] <= reach[1]


@pytest.mark.parametrize("n_in, n_hidden", [(8, 64), (1, 1), (27, 32)])
def test_parameter_counts_match_torch(n_in, n_hidden):
    def count(module):
        return sum(p.numel() for p in module.parameters())

    assert rnn_parameter_count(n_in, n_hidden) == count(torch.nn.RNN(n_in, n_hidden))
    assert gru_parameter_count(n_in, n_hidden) == count(torch.nn.GRU(n_in, n_hidden))
    assert lstm_parameter_count(n_in, n_hidden) == count(torch.nn.LSTM(n_in, n_hidden))
    one_bias = sum(v.size for v in init_lstm(n_in, n_hidden).values())
    assert lstm_parameter_count(n_in, n_hidden) - one_bias == 4 * n_hidden


# --- gates over a sentence ------------------------------------------------------------------------


def test_gate_activations_are_lstm_forward_over_one_hot_words():
    params = init_lstm(len(AGREEMENT_VOCAB), 3, seed=2)
    words = ["the", "cat", "was", "full"]
    trace = gate_activations(params, words)
    x = np.eye(len(AGREEMENT_VOCAB))[[AGREEMENT_VOCAB.index(w) for w in words]][:, None, :]
    hs, cs, caches = lstm_forward(x, None, None, params)
    assert trace.tokens == words and trace.i.shape == (4, 3)
    np.testing.assert_array_equal(trace.h, hs[1:, 0])
    np.testing.assert_array_equal(trace.c, cs[1:, 0])
    np.testing.assert_array_equal(trace.f, np.concatenate([c.f for c in caches]))
    with pytest.raises(ValueError, match="elephant"):
        gate_activations(params, ["the", "elephant"])


def test_cell_path_from_the_cached_run_equals_a_fresh_run():
    """With an int seed the gates come from a cached longer run; with a Generator they are run
    afresh for T steps: the same, bit for bit, on both sides of the cached runs' lengths."""
    for forget_bias in (-2.0, 1.0, 5.0):
        for T in (1, 16, 17, 100, 129, 200):
            cached = cell_path_gradient(forget_bias, T, seed=2)
            fresh = cell_path_gradient(forget_bias, T, seed=np.random.default_rng(2))
            for name, value in cached._asdict().items():
                assert np.array_equal(value, getattr(fresh, name)), (forget_bias, T, name)
