"""Tests for course_utils.normalization: BN and LN vs torch in float64, BN rescuing a deep
sigmoid MLP, and LN leaving the gradient through time a vanishing product."""

import numpy as np
import pytest
import torch
from helpers import assert_close

from course_utils.normalization import (
    batchnorm_forward,
    layernorm_forward,
    mlp_layer_grad_norms,
    rnn_lag_gradients,
)
from course_utils.rnn import decay_rate

torch.set_num_threads(1)


def bn_inputs(seed=0, batch=8, features=5):
    rng = np.random.default_rng(seed)
    return (
        3 + 2 * rng.standard_normal((batch, features)),
        rng.uniform(0.5, 2, features),
        rng.standard_normal(features),
        rng.standard_normal(features),
        rng.uniform(0.5, 2, features),
    )


def torch_bn(gamma, beta, mean, var, momentum):
    bn = torch.nn.BatchNorm1d(len(gamma), momentum=momentum, dtype=torch.float64)
    with torch.no_grad():
        bn.weight.copy_(torch.tensor(gamma))
        bn.bias.copy_(torch.tensor(beta))
        bn.running_mean.copy_(torch.tensor(mean))
        bn.running_var.copy_(torch.tensor(var))
    return bn


@pytest.mark.parametrize("momentum", [0.1, 0.3])
def test_batchnorm_training_matches_torch(momentum):
    x, gamma, beta, mean, var = bn_inputs()
    copies = [a.copy() for a in (x, gamma, beta, mean, var)]
    out = batchnorm_forward(x, gamma, beta, mean, var, momentum=momentum, training=True)
    bn = torch_bn(gamma, beta, mean, var, momentum).train()
    with torch.no_grad():
        y = bn(torch.tensor(x)).numpy()
    np.testing.assert_allclose(out.y, y, rtol=1e-12, atol=1e-13)
    assert_close(out.running_mean, bn.running_mean.numpy(), rtol=1e-13)
    assert_close(out.running_var, bn.running_var.numpy(), rtol=1e-13)
    for before, after in zip(copies, (x, gamma, beta, mean, var), strict=True):
        np.testing.assert_array_equal(before, after)  # pure: nothing mutated


def test_batchnorm_uses_biased_variance_to_normalise_and_unbiased_to_track():
    x, gamma, beta, mean, var = bn_inputs(batch=4, features=3)
    out = batchnorm_forward(x, np.ones(3), np.zeros(3), mean, var, momentum=1.0)
    np.testing.assert_allclose(out.y.var(axis=0), x.var(axis=0) / (x.var(axis=0) + 1e-5))
    np.testing.assert_allclose(out.running_var, x.var(axis=0, ddof=1))


def test_batchnorm_eval_matches_torch_and_keeps_stats():
    x, gamma, beta, mean, var = bn_inputs(1)
    out = batchnorm_forward(x, gamma, beta, mean, var, training=False)
    bn = torch_bn(gamma, beta, mean, var, 0.1).eval()
    with torch.no_grad():
        y = bn(torch.tensor(x)).numpy()
    np.testing.assert_allclose(out.y, y, rtol=1e-12, atol=1e-13)
    np.testing.assert_array_equal(out.running_mean, mean)
    np.testing.assert_array_equal(out.running_var, var)
    assert out.running_mean is not mean


def test_batchnorm_training_needs_two_examples():
    x, gamma, beta, mean, var = bn_inputs(batch=1)
    with pytest.raises(ValueError):
        batchnorm_forward(x, gamma, beta, mean, var)


@pytest.mark.parametrize("shape", [(5, 7), (2, 3, 7)])
def test_layernorm_matches_torch(shape):
    rng = np.random.default_rng(2)
    x = 1 + 3 * rng.standard_normal(shape)
    gamma, beta = rng.uniform(0.5, 2, 7), rng.standard_normal(7)
    ln = torch.nn.LayerNorm(7, dtype=torch.float64)
    with torch.no_grad():
        ln.weight.copy_(torch.tensor(gamma))
        ln.bias.copy_(torch.tensor(beta))
        y = ln(torch.tensor(x)).numpy()
    np.testing.assert_allclose(layernorm_forward(x, gamma, beta), y, rtol=1e-12, atol=1e-13)


def test_batchnorm_rescues_deep_sigmoid_mlp():
    """Layer 1 / layer 10, measured over seeds 0-4: sigmoid 4e-9..6e-8; sigmoid + BN 0.37..0.68."""
    for seed in range(3):
        plain = mlp_layer_grad_norms("sigmoid", batchnorm=False, seed=seed)
        normed = mlp_layer_grad_norms("sigmoid", batchnorm=True, seed=seed)
        assert plain[0] / plain[-1] < 1e-6
        assert 0.2 < normed[0] / normed[-1] < 2


def test_mlp_layer_grad_norms_shape_and_determinism():
    a = mlp_layer_grad_norms("tanh", batchnorm=True, depth=4, width=16, seed=1)
    assert a.shape == (4,) and np.all(a > 0)
    np.testing.assert_array_equal(a, mlp_layer_grad_norms("tanh", True, 4, 16, seed=1))
    state = torch.get_rng_state()
    mlp_layer_grad_norms(depth=2, width=8)
    assert torch.equal(state, torch.get_rng_state())  # the caller's RNG is untouched


def test_layernorm_rnn_gradient_still_vanishes_with_lag():
    """Gain 1, T = 100, H = 16, seeds 0-2 (measured slopes -0.77 / -0.54 / -0.65 with LN,
    -0.61 / -0.49 / -0.61 without; ||dL/dh_{T-50}|| 6e-14 with LN at seed 0)."""
    for seed in range(3):
        norms = rnn_lag_gradients(layernorm=True, seed=seed)
        assert norms.shape == (100,)
        assert norms[0] == pytest.approx(1.0)
        assert norms[50] < 1e-8
        assert decay_rate(np.arange(100), norms) < -0.4


def test_layernorm_stops_explosion_but_not_decay():
    """Gain 4: without LN the gradient explodes (2e8 at lag 99); with LN it does not, yet
    it still ends far below its lag-0 value (5e-3)."""
    plain = rnn_lag_gradients(layernorm=False, gain=4.0)
    normed = rnn_lag_gradients(layernorm=True, gain=4.0)
    assert plain[-1] > 1e6
    assert normed.max() < 3 and normed[-1] < 0.05
