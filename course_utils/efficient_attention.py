"""Attention that costs less than n x n: sparse patterns and linear attention, in numpy.

Full attention builds an n x n matrix of scores (``course_utils.attention``). The variants
here cut that cost (lesson 10), and each gives something up:

- sparse patterns: ``local_attention_mask`` (a band of recent keys) and ``strided_mask`` (the
  band plus every stride-th key), Child et al. (2019); ``two_hop_reach`` checks that the
  strided pattern still joins every pair within two hops. ``local_attention`` and
  ``strided_attention`` compute them without ever holding the n x n matrix;
- linear attention (Katharopoulos et al. 2020): softmax(q . k) replaced by phi(q) . phi(k),
  so phi(Q) (phi(K)^T V) costs O(n); causal, it is a recurrence with a matrix state
  (``linear_attention_step``) or runs in chunks (``linear_attention_chunked``);
- what a sparse pattern loses: ``restrict_to_mask``, ``kept_mass``, ``relative_error``, on
  ``attention_inputs`` that are random or mostly local.

Shapes and masks follow ``course_utils.attention``. Time and memory are measured in
``course_utils.complexity``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from course_utils.attention import _as_float, _check_mask, causal_mask, softmax

Array = np.ndarray

# --- sparse patterns and linear attention --------------------------------------------------------


def local_attention_mask(n: int, window: int, causal: bool = True) -> Array:
    """(n, n) boolean band: query i may attend to the ``window`` most recent keys.

    causal=True: i - window < j <= i (itself and the window - 1 before it), as in the local
    heads of Child et al. (2019). causal=False: |i - j| < window. Cost O(n window), not O(n^2);
    the price is reach: one layer sees only window - 1 steps back.
    """
    offset = np.arange(n)[:, None] - np.arange(n)[None, :]  # i - j
    if causal:
        return (offset >= 0) & (offset < window)
    return np.abs(offset) < window


def strided_mask(n: int, stride: int, causal: bool = True) -> Array:
    """(n, n) boolean strided sparse pattern (Child, Gray, Radford & Sutskever 2019).

    The union of their two strided heads: a local band (i - stride < j <= i) and every
    stride-th earlier position ((i - j) mod stride == 0). About stride + i/stride keys per row,
    ~ 2 sqrt(n) at stride = sqrt(n): O(n sqrt(n)) in all. n = 1024, stride = 32: 47 keys per
    row on average, 9.2 % of the causal entries, and every causal pair is joined within two
    hops (``two_hop_reach`` = 1). causal=False mirrors both parts to the future too.
    """
    offset = np.arange(n)[:, None] - np.arange(n)[None, :]
    if causal:
        return (offset >= 0) & ((offset < stride) | (offset % stride == 0))
    return (np.abs(offset) < stride) | (offset % stride == 0)


def two_hop_reach(mask) -> float:
    """Fraction of causal pairs (j <= i) joined within two attention hops under ``mask``.

    mask: (n, n) boolean, True = query i may attend to key j. A pair is joined if i attends
    to j directly or i attends to some k that attends to j: information from token j can reach
    position i through two layers that use this pattern. The denominator counts the n (n + 1)/2
    pairs with j <= i, the pairs a causal model needs. A full causal mask gives 1.0.
    """
    mask = _check_mask(mask)
    m = mask.astype(np.float32)  # counts <= n are exact in float32; BLAS-fast
    joined = mask | ((m @ m) > 0)
    causal = causal_mask(mask.shape[0])
    return float(np.count_nonzero(joined & causal) / np.count_nonzero(causal))


def elu_plus_one(x) -> Array:
    """phi(x) = elu(x) + 1: x + 1 for x > 0, exp(x) for x <= 0; positive, no overflow.

    The feature map of Katharopoulos et al. (2020).
    """
    x = _as_float(x)
    return np.where(x > 0, x + 1, np.exp(np.minimum(x, 0)))


FEATURE_MAPS: dict[str, Callable[[Array], Array]] = {
    "elu+1": elu_plus_one,
    "relu": lambda x: np.maximum(_as_float(x), 0),
}
"""Named feature maps for ``linear_attention`` (phi must be >= 0 so the weights are)."""


def linear_attention(
    Q,
    K,
    V,
    feature_map: str | Callable[[Array], Array] = "elu+1",
    causal: bool = False,
    order: str = "kv_first",
) -> Array:
    """Kernelised "linear" attention (Katharopoulos, Vyas, Pappas & Fleuret 2020).

    softmax(q . k) is replaced by phi(q) . phi(k) with a positive feature map phi:

        out_i = phi(q_i) S / (phi(q_i) . z),  S = sum_j phi(k_j)^T v_j (d_k, d_v),
                                              z = sum_j phi(k_j)      (d_k,)

    (sums over j <= i if causal). Q, K: (..., n, d_k), V: (..., n, d_v) -> (..., n, d_v).
    order="qk_first" computes (phi(Q) phi(K)^T) V: an n x n matrix, O(n^2 d).
    order="kv_first" computes phi(Q) (phi(K)^T V): O(n d^2), no n x n matrix; the two agree
    to round-off by associativity. Causal kv_first takes running sums,
    S_i = S_{i-1} + phi(k_i)^T v_i, z_i = z_{i-1} + phi(k_i) ("Transformers are RNNs"), here
    all at once with ``np.cumsum`` (an (n, d_k, d_v) array: a reference, not the fast form;
    ``linear_attention_step`` and ``linear_attention_chunked`` keep one state at a time).
    feature_map: "elu+1" (the paper's), "relu", or a function (its values must be >= 0 and
    each row's normaliser phi(q_i) . z_i > 0).
    """
    phi = FEATURE_MAPS[feature_map] if isinstance(feature_map, str) else feature_map
    fq, fk, V = phi(_as_float(Q)), phi(_as_float(K)), _as_float(V)
    if order == "qk_first":
        A = fq @ np.swapaxes(fk, -1, -2)  # (..., n, n)
        if causal:
            A = A * causal_mask(A.shape[-1])
        return (A @ V) / A.sum(axis=-1, keepdims=True)
    if order != "kv_first":
        raise ValueError(f"order must be 'qk_first' or 'kv_first', got {order!r}")
    if not causal:
        S = np.swapaxes(fk, -1, -2) @ V  # (..., d_k, d_v)
        z = fk.sum(axis=-2)  # (..., d_k)
        return (fq @ S) / (fq @ z[..., None])
    S = np.cumsum(fk[..., :, None] * V[..., None, :], axis=-3)  # (..., n, d_k, d_v): S_1..S_n
    z = np.cumsum(fk, axis=-2)  # (..., n, d_k): z_1..z_n
    num = np.einsum("...nk,...nkv->...nv", fq, S)
    return num / np.einsum("...nk,...nk->...n", fq, z)[..., None]


# --- efficient attention without the n x n matrix ------------------------------------------------
#
# ``local_attention_mask`` and ``strided_mask`` above describe WHICH keys each query may see;
# handed to ``scaled_dot_product_attention`` as a dense mask they save nothing (the n x n scores
# are still computed, then mostly thrown away). The functions below compute the same outputs
# while touching only the allowed entries: the sequence is cut into blocks of ``window`` rows,
# each block of queries scores against its own block and the previous one (the band), and for
# the strided pattern also against the keys at the same offset in every earlier block.
# Causal, one sequence (n, d) at a time, float64.


def _blocked(X: Array, size: int) -> Array:
    """(n, d) -> (n_blocks, size, d), zero-padded at the end to a multiple of ``size``."""
    n, d = X.shape
    n_blocks = -(-n // size)
    padded = np.zeros((n_blocks * size, d), dtype=X.dtype)
    padded[:n] = X
    return padded.reshape(n_blocks, size, d)


def _with_previous_block(blocks: Array) -> Array:
    """(n_blocks, w, d) -> (n_blocks, 2 w, d): each block after the one before it (zeros before
    block 0)."""
    previous = np.concatenate([np.zeros_like(blocks[:1]), blocks[:-1]])
    return np.concatenate([previous, blocks], axis=1)


def banded_scores(Q: Array, K: Array, V: Array, window: int) -> tuple[Array, Array]:
    """Scores and values of the causal band i - window < j <= i, block by block.

    Q, K: (n, d_k), V: (n, d_v). The sequence is cut into blocks of ``window`` queries; the keys
    of block b are those of blocks b - 1 and b. Returns (scores (n_blocks, window, 2 window),
    values (n_blocks, 2 window, d_v)), disallowed entries -inf: 2 n window scores in all, never
    n^2.
    """
    w = window
    keys, values = _with_previous_block(_blocked(K, w)), _with_previous_block(_blocked(V, w))
    scores = _blocked(Q, w) @ np.swapaxes(keys, -1, -2) / np.sqrt(Q.shape[-1])  # (n_blocks, w, 2w)
    r, c = np.arange(w)[:, None], np.arange(2 * w)[None, :]
    offset = w + r - c  # i - j for query r of a block and key c of (previous, own) block
    allowed = np.broadcast_to((offset >= 0) & (offset < w), scores.shape).copy()
    allowed[0, :, :w] = False  # block 0 has no previous block
    return np.where(allowed, scores, -np.inf), values


def _check_window(n: int, window: int) -> None:
    if not 1 <= window:
        raise ValueError(f"window must be >= 1, got {window}")
    if n < 1:
        raise ValueError("the sequence must have at least one token")


def local_attention(Q, K, V, window: int) -> Array:
    """Causal sliding-window attention computed on the band only: O(n window d) time and
    O(n window) memory (the local heads of Child et al. 2019; Beltagy et al. 2020).

    Q, K: (n, d_k), V: (n, d_v) -> (n, d_v). Query i attends to keys i - window < j <= i,
    exactly ``scaled_dot_product_attention(Q, K, V, local_attention_mask(n, window))``, but the
    scores are (n / window) blocks of window x 2 window: 2 n window numbers instead of n^2.
    """
    Q, K, V = _as_float(Q), _as_float(K), _as_float(V)
    n = Q.shape[0]
    _check_window(n, window)
    scores, values = banded_scores(Q, K, V, window)
    out = softmax(scores) @ values  # (n_blocks, w, d_v)
    return out.reshape(-1, V.shape[-1])[:n]


def strided_attention(Q, K, V, stride: int) -> Array:
    """Causal strided sparse attention (Child et al. 2019) without the n x n matrix.

    Q, K: (n, d_k), V: (n, d_v) -> (n, d_v). Query i attends to the band i - stride < j <= i
    and to every stride-th earlier key j = i - stride, i - 2 stride, ... in ONE softmax:
    exactly ``scaled_dot_product_attention(Q, K, V, strided_mask(n, stride))``. The band is
    scored block by block (``banded_scores``); the strided keys of query i = b stride + r are
    the keys at position r of the earlier blocks b' < b, so they are scored per offset r as an
    (n_blocks x n_blocks) causal product. 2 n stride + n^2 / stride numbers: O(n sqrt(n)) at
    stride = sqrt(n).
    """
    Q, K, V = _as_float(Q), _as_float(K), _as_float(V)
    n = Q.shape[0]
    _check_window(n, stride)
    band_scores, band_values = banded_scores(Q, K, V, stride)  # (nb, s, 2s), (nb, 2s, d_v)
    nb = band_scores.shape[0]
    # (s, nb, d): row r holds the offset-r token of every block
    Qr, Kr, Vr = (np.swapaxes(_blocked(X, stride), 0, 1) for X in (Q, K, V))
    far = Qr @ np.swapaxes(Kr, -1, -2) / np.sqrt(Q.shape[-1])  # (s, nb, nb): block b vs b'
    earlier = np.tril(np.ones((nb, nb), dtype=bool), k=-1)  # b' < b
    far = np.swapaxes(np.where(earlier, far, -np.inf), 0, 1)  # (nb, s, nb)
    weights = softmax(np.concatenate([band_scores, far], axis=-1))
    near_w, far_w = weights[..., : 2 * stride], weights[..., 2 * stride :]
    out = near_w @ band_values + np.swapaxes(np.swapaxes(far_w, 0, 1) @ Vr, 0, 1)
    return out.reshape(-1, V.shape[-1])[:n]


def linear_attention_chunked(Q, K, V, chunk: int = 64) -> Array:
    """Causal linear attention (Katharopoulos et al. 2020) in chunks: O(n (chunk + d_k) d_v).

    Within a chunk, the causal quadratic form (phi(Q_c) phi(K_c)^T masked) V_c; across chunks,
    the running state S = sum phi(k_j)^T v_j and z = sum phi(k_j) of all earlier chunks, as in
    the recurrent form (``linear_attention_step``). Same result as ``linear_attention(...,
    causal=True)``, with n / chunk vectorised steps instead of n; phi = elu + 1.
    Q, K: (n, d_k), V: (n, d_v) -> (n, d_v).
    """
    fq, fk, V = elu_plus_one(Q), elu_plus_one(K), _as_float(V)
    n, d_k = fq.shape
    out = np.empty((n, V.shape[-1]))
    S, z = np.zeros((d_k, V.shape[-1])), np.zeros(d_k)
    tril = causal_mask(chunk)
    for start in range(0, n, chunk):
        q, k, v = fq[start : start + chunk], fk[start : start + chunk], V[start : start + chunk]
        A = (q @ k.T) * tril[: len(q), : len(q)]
        out[start : start + chunk] = (A @ v + q @ S) / (A.sum(-1) + q @ z)[:, None]
        S, z = S + k.T @ v, z + k.sum(0)
    return out


class LinearState(NamedTuple):
    """The recurrent state of causal linear attention: S = sum phi(k_j)^T v_j (d_k, d_v) and
    z = sum phi(k_j) (d_k,), over the tokens read so far."""

    S: Array
    z: Array


def linear_attention_step(state: LinearState, q, k, v) -> tuple[LinearState, Array]:
    """One step of linear attention as an RNN ("Transformers are RNNs", Katharopoulos et al.
    2020), phi = elu + 1:

        S_t = S_{t-1} + phi(k_t)^T v_t,   z_t = z_{t-1} + phi(k_t),
        out_t = phi(q_t) S_t / (phi(q_t) . z_t)

    q, k: (d_k,), v: (d_v,). Returns (new state, out_t (d_v,)). The state has a fixed size
    whatever t: no key/value cache that grows with the sequence.
    """
    fq, fk = elu_plus_one(q), elu_plus_one(k)
    S = state.S + np.outer(fk, v)
    z = state.z + fk
    return LinearState(S, z), (fq @ S) / (fq @ z)


# --- how far is each variant from full attention? ------------------------------------------------


def relative_error(approx, exact) -> float:
    """||approx - exact||_F / ||exact||_F (the relative Frobenius error of the outputs)."""
    exact = _as_float(exact)
    return float(np.linalg.norm(_as_float(approx) - exact) / np.linalg.norm(exact))


def kept_mass(weights, mask) -> Array:
    """For each query, the share of full attention's weight that falls inside ``mask``.

    weights: (n, n) full (softmax) weights; mask: (n, n) boolean. Returns (n,). Restricting
    the softmax to the mask renormalises these kept weights (``restrict_to_mask``), so a row
    that keeps all its mass is exact and one that keeps little is mostly re-weighted noise.
    """
    return np.sum(np.where(_check_mask(mask), weights, 0.0), axis=-1)


class Restricted(NamedTuple):
    """Result of ``restrict_to_mask``: output (n, d_v) and kept (n,), the share of each
    query's full weight inside the mask."""

    output: Array
    kept: Array


def restrict_to_mask(weights, mask, V) -> Restricted:
    """Sparse attention's output from the FULL weights: renormalise them on the mask.

    softmax restricted to a set of keys = the full weights on that set divided by their sum
    (the factor sum over all keys cancels). So (weights * mask / kept) @ V equals
    ``scaled_dot_product_attention(Q, K, V, mask).output``, with kept = ``kept_mass``.
    weights (n, n), mask (n, n) boolean, V (n, d_v). Each row must keep some weight.
    """
    inside = np.where(_check_mask(mask), weights, 0.0)
    kept = inside.sum(-1)
    return Restricted((inside @ _as_float(V)) / kept[:, None], kept)


def attention_inputs(n: int, d: int = 64, locality: float = 0.0, seed=0) -> tuple:
    """(Q, K, V), each (n, d) float64: random content, plus an optional pull to nearby keys.

    Content: entries ~ N(0, 1), so q . k / sqrt(d) ~ N(0, 1) and the softmax weights are
    diffuse (the worst case for a sparse pattern). locality > 0 adds the same sinusoidal
    position features p_i (Vaswani et al. 2017, section 3.5) to queries and keys, scaled so
    that p_i . p_j / sqrt(d) = locality * mean_f cos(omega_f (i - j)): a bonus of ``locality``
    for a query's own position that falls off with the distance (plus random cross terms).
    Attention is then mostly local, as sparse patterns assume.
    """
    rng = np.random.default_rng(seed)
    Q, K, V = rng.standard_normal((3, n, d))
    if locality:
        from course_utils.transformer import sinusoidal_encoding  # torch, only when needed

        # p_i . p_i = (d / 2) * scale^2 = locality sqrt(d)
        pe = np.sqrt(2 * locality / np.sqrt(d)) * sinusoidal_encoding(n, d)
        Q, K = Q + pe, K + pe
    return Q, K, V
