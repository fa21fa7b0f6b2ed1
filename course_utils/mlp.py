"""A deep multilayer perceptron in numpy with a hand-written backward pass (lesson 02).

Every layer is dense + activation: h_l = phi(a_l), a_l = h_{l-1} @ W_l + b_l, with h_0 = x
(shape (batch, n_in)) and W_l of shape (n_in, n_out). Backpropagation applies the chain
rule layer by layer, so the gradient reaching layer 1 is a product of depth - 1 factors
diag(phi'(a_l)) W_l^T: the "chain rule as a product" that makes gradients vanish or explode.
"""

from typing import NamedTuple

import numpy as np

from course_utils.activations import get_activation

Array = np.ndarray
Params = list[tuple[Array, Array]]
Cache = list[tuple[Array, Array]]

SCHEMES = ("standard", "glorot", "he")


def init_weights(
    widths: list[int],
    scheme: str,
    scale: float = 1.0,
    seed: int | np.random.Generator = 0,
    dtype=np.float64,
) -> Params:
    """Weights and biases [(W_1, b_1), ...] for layer widths [n_0, n_1, ..., n_L].

    W_l has shape (n_{l-1}, n_l) and b_l = 0 has shape (n_l,). With n_in = n_{l-1},
    n_out = n_l, the schemes are:
    - "standard": U[-1/sqrt(n_in), 1/sqrt(n_in)], Var = 1/(3 n_in), the common heuristic
      Glorot & Bengio (2010) call "standard" (their eq. 1);
    - "glorot": U[-sqrt(6/(n_in + n_out)), +sqrt(6/(n_in + n_out))], Var = 2/(n_in + n_out),
      Glorot & Bengio's "normalized" initialisation (their eq. 16);
    - "he": N(0, 2/n_in), He, Zhang, Ren & Sun (2015), derived for ReLU.
    Every W is then multiplied by ``scale`` (the slider). seed: int or np.random.Generator;
    layer l's weights do not depend on how many layers follow it.
    """
    if scheme not in SCHEMES:
        raise ValueError(f"unknown scheme {scheme!r}; choose one of {SCHEMES}")
    rng = np.random.default_rng(seed)
    params = []
    for n_in, n_out in zip(widths[:-1], widths[1:], strict=True):
        if scheme == "standard":
            limit = 1 / np.sqrt(n_in)
            W = rng.uniform(-limit, limit, size=(n_in, n_out))
        elif scheme == "glorot":
            limit = np.sqrt(6 / (n_in + n_out))
            W = rng.uniform(-limit, limit, size=(n_in, n_out))
        else:
            W = rng.normal(0.0, np.sqrt(2 / n_in), size=(n_in, n_out))
        params.append(((scale * W).astype(dtype), np.zeros(n_out, dtype=dtype)))
    return params


def forward(x: Array, params: Params, activation: str) -> tuple[Array, Cache]:
    """Run the net: returns the output h_L, shape (batch, n_L), and the cache.

    x: (batch, n_0). The cache holds (h_{l-1}, a_l) for every layer l: the layer's input and
    its pre-activation, which the backward pass needs.
    """
    phi = get_activation(activation).f
    cache = []
    h = x
    for W, b in params:
        a = h @ W + b
        cache.append((h, a))
        h = phi(a)
    return h, cache


def dense_backward(
    dout: Array, x: Array, W: Array, a: Array, activation: str
) -> tuple[Array, Array, Array]:
    """Backward through one layer y = phi(x @ W + b): returns (dx, dW, db).

    dout = dL/dy: (batch, n_out); x: (batch, n_in); W: (n_in, n_out); a = x @ W + b:
    (batch, n_out). Returns dL/dx: (batch, n_in), dL/dW: (n_in, n_out), dL/db: (n_out,).
    """
    # y = phi(a) elementwise, so dL/da = dL/dy * phi'(a)
    da = dout * get_activation(activation).df(a)
    # a = x @ W + b, so dL/dW_ij = sum over the batch of x_bi * dL/da_bj
    dW = x.T @ da
    # b is added to every row of the batch, so its gradient sums over the batch
    db = da.sum(axis=0)
    # dL/dx_bi = sum_j dL/da_bj * W_ij
    dx = da @ W.T
    return dx, dW, db


def backward(dout: Array, params: Params, cache: Cache, activation: str) -> tuple[Params, Array]:
    """Backpropagate dout = dL/dh_L, shape (batch, n_L), through the whole net.

    Returns ([(dW_1, db_1), ..., (dW_L, db_L)], dL/dx), each gradient shaped like its
    parameter and dL/dx like x. Walks the layers from last to first: the dL/dx of layer l
    is the dout of layer l - 1 (the chain rule, one factor per layer).
    """
    grads = []
    for (W, _), (h_prev, a) in zip(reversed(params), reversed(cache), strict=True):
        dout, dW, db = dense_backward(dout, h_prev, W, a, activation)
        grads.append((dW, db))
    return grads[::-1], dout


def random_network(
    depth: int,
    scheme: str,
    scale: float = 1.0,
    width: int = 64,
    batch: int = 32,
    seed: int = 0,
) -> tuple[Array, Array, Params]:
    """A fresh depth-layer network of ``width`` units and a batch to run it on (lesson 02).

    Returns (x, r, params): the input x ~ N(0, 1), shape (batch, width); the loss weights
    r ~ N(0, 1) of the same shape, for the stand-in loss L = sum(h_depth * r), so that
    dL/dh_depth = r; and ``init_weights([width] * (depth + 1), scheme, scale)``. x and r are
    drawn first from ``seed``, then the weights layer by layer: changing depth keeps the
    shared layers identical.
    """
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((batch, width))
    r = rng.standard_normal((batch, width))
    return x, r, init_weights([width] * (depth + 1), scheme, scale, rng)


class LayerStats(NamedTuple):
    """Per-layer statistics at initialisation, each of shape (depth,), layer 1 first.

    grad_norm: ||dL/dW_l|| (Frobenius); signal_norm: ||dL/dh_l||, the back-propagated
    gradient arriving at layer l's output; mean, std: of the activations h_l over batch and
    units; saturated: fraction of pre-activations a_l with phi'(a_l) < threshold (for relu:
    the "dead" units, a_l <= 0).

    Since dL/dW_l = h_{l-1}^T (dL/dh_l * phi'(a_l)), grad_norm mixes the forward signal
    h_{l-1} with the backward one: with relu, scaling all weights by c scales every
    grad_norm by c^(depth-1) and leaves their ratios unchanged, while signal_norm shows
    the backward signal shrinking (c < 1) or growing (c > 1) towards layer 1.
    """

    grad_norm: Array
    signal_norm: Array
    mean: Array
    std: Array
    saturated: Array

    @property
    def weight_ratio(self) -> float:
        """||dL/dW_1|| / ||dL/dW_depth||; inf if only the last is 0, nan if both are."""
        return _first_over_last(self.grad_norm)

    @property
    def signal_ratio(self) -> float:
        """||dL/dh_1|| / ||dL/dh_depth||: << 1, the gradient vanishes on its way down; >> 1,
        it explodes."""
        return _first_over_last(self.signal_norm)


def _first_over_last(norms: Array) -> float:
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.float64(norms[0]) / norms[-1])


def layer_gradient_norms(
    depth: int,
    activation: str,
    scheme: str,
    scale: float = 1.0,
    width: int = 64,
    batch: int = 32,
    seed: int = 0,
    threshold: float = 0.01,
) -> LayerStats:
    """Per-layer gradient norms and activation statistics of ``random_network`` (lesson 02).

    Runs the network forward and back (the loop of ``backward``, keeping the norms of
    dL/dh_l and dL/dW_l) and returns a LayerStats of arrays of shape (depth,), layer 1 first.
    """
    x, r, params = random_network(depth, scheme, scale, width, batch, seed)
    out, cache = forward(x, params, activation)
    grad_norm, signal_norm = np.zeros(depth), np.zeros(depth)
    dout = r
    for layer in reversed(range(depth)):
        signal_norm[layer] = np.linalg.norm(dout)
        h_prev, a = cache[layer]
        dout, dW, _ = dense_backward(dout, h_prev, params[layer][0], a, activation)
        grad_norm[layer] = np.linalg.norm(dW)
    pre = np.array([a for _, a in cache])  # a_1..a_L: (depth, batch, width)
    post = np.array([h for h, _ in cache[1:]] + [out])  # h_1..h_L: (depth, batch, width)
    return LayerStats(
        grad_norm=grad_norm,
        signal_norm=signal_norm,
        mean=post.mean(axis=(1, 2)),
        std=post.std(axis=(1, 2)),
        saturated=(get_activation(activation).df(pre) < threshold).mean(axis=(1, 2)),
    )
