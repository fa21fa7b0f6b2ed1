"""Tests for course_utils.mlp: the hand-written backward pass and the lesson-02 numbers.

The claims lesson 02 states are measured here with the package's own seeded code
(depth 50, width 64, batch 32, seed 0) and asserted as ranges.
"""

import warnings

import numpy as np
import pytest
from helpers import assert_close

from course_utils.gradcheck import check_gradient, relative_error
from course_utils.mlp import (
    backward,
    dense_backward,
    forward,
    init_weights,
    layer_gradient_norms,
    random_network,
)

ACTIVATIONS = ["sigmoid", "tanh", "relu", "leaky_relu"]
WIDTHS = [5, 7, 6, 3]


def _torch_net(x, params, activation):
    """The same net in torch float64; returns (x, [(W, b)], out) as leaf tensors + output."""
    import torch

    torch.set_num_threads(1)
    phi = {
        "sigmoid": torch.sigmoid,
        "tanh": torch.tanh,
        "relu": torch.relu,
        "leaky_relu": lambda t: torch.nn.functional.leaky_relu(t, 0.01),
    }[activation]
    xt = torch.tensor(x, requires_grad=True)
    tparams = [
        (torch.tensor(W, requires_grad=True), torch.tensor(b, requires_grad=True))
        for W, b in params
    ]
    h = xt
    for W, b in tparams:
        h = phi(h @ W + b)
    return xt, tparams, h


def _tiny_problem(seed=1):
    rng = np.random.default_rng(seed)
    params = init_weights(WIDTHS, "glorot", scale=1.5, seed=rng)
    params = [(W, 0.1 * rng.standard_normal(b.shape)) for W, b in params]  # non-zero biases
    x = rng.standard_normal((4, WIDTHS[0]))
    r = rng.standard_normal((4, WIDTHS[-1]))
    return x, params, r


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_backward_matches_torch_autograd(activation):
    import torch

    x, params, r = _tiny_problem()
    out, cache = forward(x, params, activation)
    grads, dx = backward(r, params, cache, activation)

    xt, tparams, out_t = _torch_net(x, params, activation)
    (out_t * torch.tensor(r)).sum().backward()
    assert_close(out, out_t.detach().numpy(), rtol=1e-13)
    assert relative_error(dx, xt.grad.numpy()) < 1e-7
    for (dW, db), (W, b) in zip(grads, tparams, strict=True):
        assert relative_error(dW, W.grad.numpy()) < 1e-7
        assert relative_error(db, b.grad.numpy()) < 1e-7


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_backward_matches_central_differences(activation):
    x, params, r = _tiny_problem()

    def loss_of_layer_2_weights(W):
        new = [p if i != 1 else (W, p[1]) for i, p in enumerate(params)]
        return np.sum(forward(x, new, activation)[0] * r)

    def grad_of_layer_2_weights(W):
        new = [p if i != 1 else (W, p[1]) for i, p in enumerate(params)]
        _, cache = forward(x, new, activation)
        return backward(r, new, cache, activation)[0][1][0]

    result = check_gradient(loss_of_layer_2_weights, grad_of_layer_2_weights, params[1][0])
    assert result.ok, result.relative_error

    def loss_of_input(v):
        return np.sum(forward(v, params, activation)[0] * r)

    def grad_of_input(v):
        _, cache = forward(v, params, activation)
        return backward(r, params, cache, activation)[1]

    assert check_gradient(loss_of_input, grad_of_input, x).ok


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_dense_backward_matches_torch_autograd(activation):
    import torch

    x, params, r = _tiny_problem()
    W, b = params[0]
    a = x @ W + b
    dout = np.random.default_rng(2).standard_normal(a.shape)
    dx, dW, db = dense_backward(dout, x, W, a, activation)

    xt, [(tW, tb)], y = _torch_net(x, [(W, b)], activation)
    (y * torch.tensor(dout)).sum().backward()
    assert (dx.shape, dW.shape, db.shape) == (x.shape, W.shape, b.shape)
    assert relative_error(dx, xt.grad.numpy()) < 1e-7
    assert relative_error(dW, tW.grad.numpy()) < 1e-7
    assert relative_error(db, tb.grad.numpy()) < 1e-7


def test_init_weights_shapes_bounds_and_variances():
    n = 400
    for scheme, var in [("standard", 1 / (3 * n)), ("glorot", 2 / (2 * n)), ("he", 2 / n)]:
        (W, b), (W2, _) = init_weights([n, n, 3], scheme, seed=0)
        assert W.shape == (n, n) and b.shape == (n,) and W2.shape == (n, 3)
        assert W.dtype == np.float64 and not b.any()
        assert W.var() == pytest.approx(var, rel=0.02)
    assert np.abs(init_weights([n, n], "standard")[0][0]).max() <= 1 / np.sqrt(n)
    assert np.abs(init_weights([n, 200], "glorot")[0][0]).max() <= np.sqrt(6 / (n + 200))


def test_init_weights_is_seeded_scaled_and_prefix_stable():
    a = init_weights([8, 8, 8], "he", seed=3)
    b = init_weights([8, 8, 8, 8, 8], "he", scale=2.0, seed=3)
    c = init_weights([8, 8, 8], "he", seed=np.random.default_rng(3))
    for (Wa, _), (Wb, _), (Wc, _) in zip(a, b, c, strict=False):
        np.testing.assert_array_equal(2 * Wa, Wb)
        np.testing.assert_array_equal(Wa, Wc)
    assert init_weights([4, 4], "glorot", dtype=np.float32)[0][0].dtype == np.float32
    with pytest.raises(ValueError, match="choose one of"):
        init_weights([4, 4], "xavier")


def test_forward_shapes_and_float32():
    params = init_weights(WIDTHS, "glorot", dtype=np.float32)
    x = np.ones((2, WIDTHS[0]), dtype=np.float32)
    out, cache = forward(x, params, "tanh")
    assert out.shape == (2, WIDTHS[-1]) and out.dtype == np.float32
    assert [h.shape for h, _ in cache] == [(2, w) for w in WIDTHS[:-1]]
    assert [a.shape for _, a in cache] == [(2, w) for w in WIDTHS[1:]]


def test_layer_gradient_norms_agree_with_backward():
    stats = layer_gradient_norms(6, "tanh", "glorot", width=10, batch=4, seed=5)
    assert all(v.shape == (6,) for v in stats)
    rng = np.random.default_rng(5)
    x, r = rng.standard_normal((4, 10)), rng.standard_normal((4, 10))
    params = init_weights([10] * 7, "glorot", seed=rng)
    out, cache = forward(x, params, "tanh")
    grads, _ = backward(r, params, cache, "tanh")
    np.testing.assert_allclose(stats.grad_norm, [np.linalg.norm(dW) for dW, _ in grads])
    assert stats.signal_norm[-1] == pytest.approx(np.linalg.norm(r))
    assert stats.std[-1] == pytest.approx(out.std())


# --- the claims of lesson 02: depth 50, width 64, batch 32, seed 0 -------------------------


def test_sigmoid_glorot_gradient_vanishes():
    stats = layer_gradient_norms(50, "sigmoid", "glorot")
    ratio, signal = stats.weight_ratio, stats.signal_ratio
    print(f"sigmoid+glorot: dW ratio {ratio:.2e}, signal ratio {signal:.2e}")
    assert 1e-33 < ratio < 1e-29  # measured 3.1e-31, about 0.25^49 = 3.2e-30
    assert 1e-33 < signal < 1e-29  # measured 2.1e-31


def test_relu_he_gradient_is_preserved():
    stats = layer_gradient_norms(50, "relu", "he")
    ratio, signal = stats.weight_ratio, stats.signal_ratio
    print(f"relu+he: dW ratio {ratio:.2f}, signal ratio {signal:.2f}")
    assert 0.1 < ratio < 10  # measured 1.83
    assert 0.1 < signal < 10  # measured 0.91
    seeds = [layer_gradient_norms(50, "relu", "he", seed=s).weight_ratio for s in range(8)]
    print("relu+he dW ratio, seeds 0-7:", np.round(seeds, 2))
    assert all(0.1 < s < 10 for s in seeds)  # measured 0.81-3.8


def test_tanh_glorot_is_in_between_for_the_backward_signal():
    stats = layer_gradient_norms(50, "tanh", "glorot")
    ratio, signal = stats.weight_ratio, stats.signal_ratio
    print(f"tanh+glorot: dW ratio {ratio:.2f}, signal ratio {signal:.3f}")
    # ||dL/dh|| shrinks by 4x over 50 layers: between sigmoid's 1e-31 and relu+he's ~1
    assert 0.05 < signal < 0.8  # measured 0.24
    # ...but ||dW|| does not: the forward activations shrink too (std 0.63 -> 0.11)
    assert 0.5 < ratio < 3  # measured 1.39


def test_relu_weight_gradient_ratio_ignores_the_scale_but_the_signal_does_not():
    ratios = [layer_gradient_norms(50, "relu", "he", scale=c).weight_ratio for c in (0.5, 1.0, 1.5)]
    signals = [layer_gradient_norms(50, "relu", "he", c).signal_ratio for c in (0.5, 1.5)]
    print("relu+he dW ratio at scale 0.5/1/1.5:", ratios, "signal ratio at 0.5/1.5:", signals)
    assert_close(ratios, ratios[1], rtol=1e-9)  # relu is positively homogeneous
    assert signals[0] < 1e-10 < 1e5 < signals[1]  # measured 1.6e-15 and 3.9e8


def test_glorot_init_makes_relu_signal_vanish_he_init_fixes_it():
    glorot = layer_gradient_norms(50, "relu", "glorot").signal_ratio
    print(f"relu+glorot signal ratio {glorot:.1e}")
    assert 1e-10 < glorot < 1e-6  # measured 2.0e-8, about 2^(-49/2) = 4.2e-8


def test_tanh_glorot_explodes_when_scaled_up():
    ratios = [layer_gradient_norms(50, "tanh", "glorot", scale=c).weight_ratio for c in (1.5, 2.0)]
    print("tanh+glorot dW ratio at scale 1.5 / 2:", np.round(ratios))
    assert 10 < ratios[0] < 100 and 300 < ratios[1] < 1e4  # measured 31 and 1.8e3


def test_layer_statistics_tell_the_story():
    sig = layer_gradient_norms(50, "sigmoid", "glorot")
    tanh = layer_gradient_norms(50, "tanh", "glorot")
    relu = layer_gradient_norms(50, "relu", "he")
    print(f"sigmoid+glorot: mean of h_l in [{sig.mean.min():.2f}, {sig.mean.max():.2f}]")
    print(f"tanh+glorot: std of h_1, h_50: {tanh.std[0]:.2f}, {tanh.std[-1]:.2f}")
    print(f"relu+he: dead fraction {relu.saturated.mean():.3f} (layers 1-50 averaged)")
    assert np.all(np.abs(sig.mean - 0.5) < 0.05)  # sigmoid outputs are not zero-centred
    assert 0.5 < tanh.std[0] < 0.8 and 0.05 < tanh.std[-1] < 0.2  # measured 0.63, 0.11
    assert abs(relu.saturated.mean() - 0.5) < 0.03  # half the relu units are dead (0.501)
    assert np.all(np.abs(relu.saturated - 0.5) < 0.2)  # in every layer (0.39-0.69)


def test_slider_extremes_raise_no_warnings():
    with warnings.catch_warnings(), np.errstate(over="raise", divide="raise", invalid="raise"):
        warnings.simplefilter("error")
        for activation in ACTIVATIONS:
            for scheme in ("standard", "glorot", "he"):
                for depth in (1, 100):
                    for scale in (0.1, 4.0):
                        stats = layer_gradient_norms(depth, activation, scheme, scale, seed=0)
                        assert all(np.all(np.isfinite(v)) for v in stats)


def test_ratios_of_gradients_that_underflow_to_zero_give_no_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        # every sigmoid unit saturates so hard that all gradients underflow to exactly 0
        stats = layer_gradient_norms(3, "sigmoid", "he", scale=1e12)
        assert np.isnan(stats.weight_ratio)
        assert stats.signal_ratio == 0.0


def test_random_network_draws_the_batch_then_the_layers():
    x, r, params = random_network(3, "he", 1.5, width=6, batch=4, seed=2)
    rng = np.random.default_rng(2)
    np.testing.assert_array_equal(x, rng.standard_normal((4, 6)))
    np.testing.assert_array_equal(r, rng.standard_normal((4, 6)))
    for (W, b), (W_ref, b_ref) in zip(params, init_weights([6] * 4, "he", 1.5, rng), strict=True):
        np.testing.assert_array_equal(W, W_ref)
        np.testing.assert_array_equal(b, b_ref)
    deeper = random_network(5, "he", 1.5, width=6, batch=4, seed=2)[2]
    np.testing.assert_array_equal(deeper[2][0], params[2][0])  # depth keeps shared layers
