"""Batch and layer normalisation in numpy, and what they fix and do not fix (lesson 04).

Batch norm (Ioffe & Szegedy 2015) standardises each FEATURE over the BATCH, layer norm (Ba,
Kiros & Hinton 2016) each EXAMPLE over its FEATURES; both then apply a learned scale gamma and
shift beta, so outputs are not forced to mean 0, std 1. The two torch experiments measure a
deep sigmoid MLP's per-layer gradient with and without batch norm (depth), and a tanh RNN's
gradient against the lag with and without layer norm (memory).
"""

from typing import NamedTuple

import numpy as np

Array = np.ndarray


class BatchNormOutput(NamedTuple):
    """Output y (batch, features) and the running statistics after this call (features,)."""

    y: Array
    running_mean: Array
    running_var: Array


def batchnorm_forward(
    x: Array,
    gamma: Array,
    beta: Array,
    running_mean: Array,
    running_var: Array,
    momentum: float = 0.1,
    eps: float = 1e-5,
    training: bool = True,
) -> BatchNormOutput:
    """Batch normalisation of x, shape (batch, features); gamma, beta and stats (features,).

    Training: y = gamma (x - mu_B) / sqrt(var_B + eps) + beta with the batch mean mu_B and
    the BIASED batch variance var_B (divide by n) (Ioffe & Szegedy 2015, Alg. 1); the running
    statistics move towards the batch's, new = (1 - momentum) old + momentum batch, using
    the UNBIASED variance (divide by n - 1) for running_var, as torch.nn.BatchNorm1d does.
    Evaluation: normalise with the running statistics, which are returned unchanged.
    Pure: returns new arrays and never modifies its arguments.
    """
    x = np.asarray(x, dtype=np.float64)
    running_mean = np.array(running_mean, dtype=np.float64)
    running_var = np.array(running_var, dtype=np.float64)
    if not training:
        y = gamma * (x - running_mean) / np.sqrt(running_var + eps) + beta
        return BatchNormOutput(y, running_mean, running_var)
    n = x.shape[0]
    if n < 2:
        raise ValueError("batch norm in training mode needs a batch of at least 2 examples")
    mean, var = x.mean(axis=0), x.var(axis=0)
    y = gamma * (x - mean) / np.sqrt(var + eps) + beta
    return BatchNormOutput(
        y,
        (1 - momentum) * running_mean + momentum * mean,
        (1 - momentum) * running_var + momentum * var * n / (n - 1),
    )


def layernorm_forward(x: Array, gamma: Array, beta: Array, eps: float = 1e-5) -> Array:
    """Layer normalisation over the last axis: x (..., features); gamma, beta (features,).

    y = gamma (x - mu) / sqrt(var + eps) + beta with the mean and biased variance of each
    example's features (Ba, Kiros & Hinton 2016). Same at training and test time, and
    independent of the batch, so it applies to each time step of an RNN as it is.
    """
    x = np.asarray(x, dtype=np.float64)
    mean = x.mean(axis=-1, keepdims=True)
    var = x.var(axis=-1, keepdims=True)
    return gamma * (x - mean) / np.sqrt(var + eps) + beta


# --- what BN fixes: depth ----------------------------------------------------------------


def mlp_layer_grad_norms(
    activation: str = "sigmoid",
    batchnorm: bool = False,
    depth: int = 10,
    width: int = 128,
    n_in: int = 20,
    batch: int = 128,
    seed: int = 0,
) -> Array:
    """||dL/dW_l|| (Frobenius) of each hidden layer l = 1..depth at initialisation, (depth,).

    Network: depth x [Linear(width), optional BatchNorm1d, activation] then Linear(2), with
    PyTorch's default initialisation, float64, BN in training mode (batch statistics).
    Data: x ~ N(0, I_{n_in}), label 1[||x|| > median], cross-entropy loss, one batch.
    Weights come from ``seed`` (the caller's torch RNG is left untouched), data from
    seed + 1.
    """
    import torch

    layer_act = {"sigmoid": torch.nn.Sigmoid, "tanh": torch.nn.Tanh, "relu": torch.nn.ReLU}
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        layers, n = [], n_in
        for _ in range(depth):
            layers.append(torch.nn.Linear(n, width, dtype=torch.float64))
            if batchnorm:
                layers.append(torch.nn.BatchNorm1d(width, dtype=torch.float64))
            layers.append(layer_act[activation]())
            n = width
        net = torch.nn.Sequential(*layers, torch.nn.Linear(n, 2, dtype=torch.float64))
    data = torch.Generator().manual_seed(seed + 1)
    x = torch.randn(batch, n_in, generator=data, dtype=torch.float64)
    radius = x.norm(dim=1)
    labels = (radius > radius.median()).long()
    torch.nn.functional.cross_entropy(net(x), labels).backward()
    hidden = [m for m in net if isinstance(m, torch.nn.Linear)][:depth]
    return np.array([m.weight.grad.norm().item() for m in hidden])


# --- what normalisation does not fix: memory ------------------------------------------------


def rnn_lag_gradients(
    T: int = 100,
    n_hidden: int = 16,
    layernorm: bool = True,
    gain: float = 1.0,
    seed: int = 0,
) -> Array:
    """||dL/dh_{T-k}|| for k = 0..T-1, shape (T,), of a tanh RNN with or without LayerNorm.

    h_t = tanh(LN(h_{t-1} @ W_hh + x_t @ W_xh)) (LN with gamma = 1, beta = 0, on the
    pre-activation, Ba et al. 2016), or h_t = tanh(h_{t-1} @ W_hh + x_t @ W_xh) without it.
    W_hh ~ N(0, gain^2 / H), W_xh ~ N(0, 1/H), x_t ~ N(0, I_H), h_0 = 0, all from ``seed``
    (same draws with and without LN). Loss L = <h_T, r> with a fixed random unit r, so
    entry 0 is 1. Gradients by torch autograd in float64. LN fixes each step's statistics,
    yet dL/dh_{T-k} is still a product of k Jacobians and still shrinks with k.
    """
    import torch

    gen = torch.Generator().manual_seed(seed)
    W_hh = gain * torch.randn(n_hidden, n_hidden, generator=gen, dtype=torch.float64)
    W_xh = torch.randn(n_hidden, n_hidden, generator=gen, dtype=torch.float64)
    W_hh, W_xh = W_hh / n_hidden**0.5, W_xh / n_hidden**0.5
    x = torch.randn(T, n_hidden, generator=gen, dtype=torch.float64)
    r = torch.randn(n_hidden, generator=gen, dtype=torch.float64)
    h, hs = torch.zeros(n_hidden, dtype=torch.float64, requires_grad=True), []
    for t in range(T):
        a = h @ W_hh + x[t] @ W_xh
        h = torch.tanh(torch.nn.functional.layer_norm(a, (n_hidden,)) if layernorm else a)
        h.retain_grad()
        hs.append(h)
    (hs[-1] @ (r / r.norm())).backward()
    return np.array([hs[T - 1 - k].grad.norm().item() for k in range(T)])
