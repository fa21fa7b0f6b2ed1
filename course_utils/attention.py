"""Scaled dot-product and multi-head attention in numpy, after Vaswani et al. 2017 (lesson 07).

Convention: row vectors, as in ``course_utils.rnn`` and PyTorch code
--------------------------------------------------------------------
A sequence is a matrix whose ROWS are the tokens: X has shape (n, d_model). Queries, keys and
values are row-wise projections (Vaswani et al. 2017, section 3.2):

    Q = X_q @ W_q  (n_q, d_k),    K = X_kv @ W_k  (n_k, d_k),    V = X_kv @ W_v  (n_k, d_v)

    scores  = Q @ K.T / sqrt(d_k)                (n_q, n_k)   entry [i, j]: query i vs key j
    weights = softmax(scores, axis=-1)           (n_q, n_k)   each ROW sums to 1
    output  = weights @ V                        (n_q, d_v)   row i: a weighted mean of values

Leading batch axes (..., n, d) are allowed wherever the shapes broadcast through ``@``.

Masks are boolean arrays with True = "query i may attend to key j", the convention of
``torch.nn.functional.scaled_dot_product_attention``. (``torch.nn.MultiheadAttention`` uses the
OPPOSITE convention for a boolean ``attn_mask``: True = NOT allowed; pass ``~mask`` to it.)
A mask acts BEFORE the softmax: disallowed scores become -inf, so their weights are exactly 0
and each row still sums to 1. Zeroing weights after the softmax is a different (wrong) thing:
the rows no longer sum to 1.

A row with every key masked has nothing to average: its softmax would be 0/0. ``softmax``
raises a ValueError naming the row, instead of returning NaN silently (torch returns NaN or,
in some kernels, zeros). With ``causal_mask`` and ``padding_mask`` (lengths >= 1) every row
keeps at least one key, so this only happens through a bug.

Cheaper variants (sparse, linear) are in ``course_utils.efficient_attention``; the gradient
that reaches a distant token through attention in ``course_utils.gradient_vs_distance``.

Everything is float64 (float32 inputs stay float32 in ``softmax``); everything random takes a
seed (an int or a numpy Generator); torch is imported only inside ``to_torch_multihead``.
"""

from typing import NamedTuple

import numpy as np

Array = np.ndarray
Params = dict[str, Array]


def _as_float(x) -> Array:
    """x as a numpy float array: float16/32/64 inputs keep their dtype, others -> float64."""
    x = np.asarray(x)
    return x if np.issubdtype(x.dtype, np.floating) else x.astype(np.float64)


# --- softmax -----------------------------------------------------------------------------------


def _row_max(scores: Array, axis: int) -> Array:
    """max over ``axis`` (keepdims), after checking that every row can be normalised.

    ValueError for NaN, for +inf and for a row whose entries are all -inf (fully masked).
    """
    m = np.max(scores, axis=axis, keepdims=True)
    if np.isnan(m).any():
        raise ValueError("scores contain NaN")
    if np.isposinf(m).any():
        raise ValueError("scores contain +inf; only -inf (a masked entry) is allowed")
    if np.isneginf(m).any():
        row = tuple(int(i) for i in np.argwhere(np.isneginf(m))[0])
        raise ValueError(
            f"row {row} of the scores is fully masked (every entry -inf): it has no key to "
            "attend to, and its softmax would be 0/0. Check the mask: each query needs at "
            "least one allowed key (True = may attend)."
        )
    return m


def softmax(scores, axis: int = -1) -> Array:
    """softmax(s)_j = exp(s_j) / sum_k exp(s_k) along ``axis``; any shape, same shape out.

    Stable: the row maximum is subtracted first, so every exp(.) is <= 1 and nothing overflows
    (logits of +-1e4, or of +-1e300, give no warning). Entries equal to -inf (masked) get
    weight exactly 0.0. A fully masked row (all -inf), NaN or +inf raises a ValueError rather
    than returning NaN. Float32/float16 input stays in its dtype; anything else -> float64.
    """
    s = _as_float(scores)
    m = _row_max(s, axis)
    with np.errstate(over="ignore", under="ignore"):  # -1e308 - 1e308 = -inf is the right answer
        e = np.exp(s - m)
    return e / np.sum(e, axis=axis, keepdims=True)


def log_softmax(scores: Array, axis: int = -1) -> Array:
    """log softmax(s), computed as s - max - log(sum exp(s - max)); finite for finite s."""
    s = _as_float(scores)
    m = _row_max(s, axis)
    with np.errstate(over="ignore", under="ignore"):
        shifted = s - m
        return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def softmax_backward(p, dp, axis: int = -1) -> Array:
    """Vector-Jacobian product of the softmax: dL/ds from p = softmax(s) and dp = dL/dp.

    The Jacobian is dp_i/ds_j = p_i (delta_ij - p_j), i.e. diag(p) - p p^T for one row, so
    dL/ds = p * (dp - sum_j p_j dp_j), along ``axis``. Same shape as p. Masked entries
    (p = 0) get gradient exactly 0: no gradient flows into a key that was masked out.
    """
    p, dp = np.asarray(p), np.asarray(dp)
    return p * (dp - np.sum(p * dp, axis=axis, keepdims=True))


# --- scores and masks --------------------------------------------------------------------------


def dot_scores(Q, K, scale: bool = True) -> Array:
    """Compatibility scores Q @ K^T / sqrt(d_k) (Vaswani et al. 2017, eq. 1); no scaling if
    ``scale`` is False.

    Q: (..., n_q, d_k), K: (..., n_k, d_k) -> (..., n_q, n_k). Entry [i, j] = q_i . k_j.
    """
    Q, K = _as_float(Q), _as_float(K)
    d_k = Q.shape[-1]
    if K.shape[-1] != d_k:
        raise ValueError(f"queries and keys need the same width d_k; got {d_k} and {K.shape[-1]}")
    scores = Q @ np.swapaxes(K, -1, -2)
    return scores / np.sqrt(d_k) if scale else scores


def causal_mask(n: int) -> Array:
    """(n, n) boolean, True on and below the diagonal: query i may attend to keys j <= i.

    The decoder's mask (Vaswani et al. 2017, section 3.2.3): no position sees the future.
    """
    return np.tril(np.ones((n, n), dtype=bool))


def padding_mask(lengths, n: int) -> Array:
    """(batch, 1, n) boolean, True where key j < lengths[b] is a real token (not padding).

    lengths: (batch,) ints. The middle axis of size 1 broadcasts over the queries, so the mask
    combines with scores (batch, n_q, n) and with a causal mask: padding_mask(...) &
    causal_mask(n). Only keys are masked; the outputs at padded query positions are computed
    but meaningless (ignore them in the loss). A length of 0 leaves rows fully masked, which
    ``softmax`` rejects.
    """
    lengths = np.asarray(lengths)
    if lengths.ndim != 1:
        raise ValueError(f"lengths must be 1-D (one per sequence), got shape {lengths.shape}")
    if np.any(lengths < 0) or np.any(lengths > n):
        raise ValueError(f"lengths must lie in 0..{n}, got {lengths.tolist()}")
    return (np.arange(n)[None, :] < lengths[:, None])[:, None, :]


def _check_mask(mask) -> Array:
    mask = np.asarray(mask)
    if mask.dtype != bool:
        raise TypeError(
            f"mask must be boolean (True = may attend), got dtype {mask.dtype}. An additive "
            "mask (0 / -inf) is added to the scores instead; a 0/1 float mask should be "
            "converted with mask.astype(bool)."
        )
    return mask


def apply_mask(scores, mask) -> Array:
    """Scores with the disallowed entries (mask False) set to -inf; a new array.

    mask: boolean, True = may attend, broadcastable to scores' shape. Apply it BEFORE the
    softmax: exp(-inf) = 0 makes those weights exactly 0 while the rest still sum to 1.
    """
    scores = _as_float(scores)
    return np.where(_check_mask(mask), scores, -np.inf)


# --- scaled dot-product attention --------------------------------------------------------------


class AttentionResult(NamedTuple):
    """output (..., n_q, d_v) and weights (..., n_q, n_k) (rows sum to 1). Unpacks as a pair."""

    output: Array
    weights: Array


def scaled_dot_product_attention(Q, K, V, mask=None, scale: bool = True) -> AttentionResult:
    """Attention(Q, K, V) = softmax(Q K^T / sqrt(d_k)) V (Vaswani et al. 2017, eq. 1).

    Q: (..., n_q, d_k), K: (..., n_k, d_k), V: (..., n_k, d_v); mask: boolean, True = may
    attend, broadcastable to (..., n_q, n_k), or None. scale=False drops the 1/sqrt(d_k).
    Returns (output (..., n_q, d_v), weights (..., n_q, n_k)).
    Masked weights are exactly 0; a fully masked row raises ValueError (see ``softmax``).
    """
    scores = dot_scores(Q, K, scale)
    if mask is not None:
        scores = apply_mask(scores, mask)
    weights = softmax(scores, axis=-1)
    return AttentionResult(weights @ _as_float(V), weights)


class AttentionGrads(NamedTuple):
    """dL/dQ, dL/dK, dL/dV, each with the shape of Q, K, V."""

    dQ: Array
    dK: Array
    dV: Array


def attention_backward(dout, Q, K, V, weights, scale: bool = True) -> AttentionGrads:
    """Backprop through ``scaled_dot_product_attention``, by hand.

    dout = dL/doutput (..., n_q, d_v); Q, K, V as in the forward pass; weights: its P
    (..., n_q, n_k), which carries the mask (P = 0 where masked); scale as in the forward.
    With c = 1/sqrt(d_k) (or 1), S = c Q K^T, P = softmax(S), O = P V:

        dV = P^T dout,    dP = dout V^T,    dS = P * (dP - rowsum(P * dP)),
        dQ = c dS K,      dK = c dS^T Q.

    Masked entries have dS = 0, so nothing flows through them. Q, K, V share their leading
    (batch) axes.
    """
    dout, Q, K, V, P = (_as_float(a) for a in (dout, Q, K, V, weights))
    c = 1 / np.sqrt(Q.shape[-1]) if scale else 1.0
    dV = np.swapaxes(P, -1, -2) @ dout
    dP = dout @ np.swapaxes(V, -1, -2)
    dS = softmax_backward(P, dP, axis=-1)
    return AttentionGrads(c * (dS @ K), c * (np.swapaxes(dS, -1, -2) @ Q), dV)


# --- multi-head attention ----------------------------------------------------------------------

PROJECTIONS = ("W_q", "W_k", "W_v", "W_o")
"""The keys of an attention layer's parameters (``init_attention``), in the order drawn."""


def init_attention(d_model: int, n_heads: int, seed: int | np.random.Generator = 0) -> Params:
    """Random parameters {"W_q", "W_k", "W_v", "W_o"}, each (d_model, d_model), float64.

    Entries ~ N(0, 1/d_model), drawn in that order. With inputs x ~ N(0, I) each component of
    q = x W_q then has variance 1, the assumption of Vaswani et al.'s footnote on sqrt(d_k).
    (torch.nn.MultiheadAttention's own init is Xavier-uniform, variance 1/(2 d_model), for
    in_proj.) No biases, as in the paper's equations. n_heads must divide d_model.
    """
    if d_model % n_heads:
        raise ValueError(f"n_heads = {n_heads} must divide d_model = {d_model}")
    rng = np.random.default_rng(seed)
    std = 1 / np.sqrt(d_model)
    return {name: std * rng.standard_normal((d_model, d_model)) for name in PROJECTIONS}


def split_heads(X, n_heads: int) -> Array:
    """(..., n, d_model) -> (..., n_heads, n, d_k) with d_k = d_model / n_heads.

    Head h gets the columns h*d_k:(h+1)*d_k, i.e. X @ W_q[:, h*d_k:(h+1)*d_k] = Q W_i^Q: one
    (d_model, d_model) matrix holds the h per-head matrices W_i^Q side by side.
    """
    X = np.asarray(X)
    *lead, n, d_model = X.shape
    if d_model % n_heads:
        raise ValueError(f"n_heads = {n_heads} must divide d_model = {d_model}")
    return np.swapaxes(X.reshape(*lead, n, n_heads, d_model // n_heads), -2, -3)


def merge_heads(X) -> Array:
    """(..., n_heads, n, d_k) -> (..., n, n_heads * d_k): Concat(head_1, ..., head_h)."""
    X = np.asarray(X)
    *lead, h, n, d_k = X.shape
    return np.swapaxes(X, -2, -3).reshape(*lead, n, h * d_k)


def multi_head_attention(X_q, X_kv, params: Params, n_heads: int, mask=None) -> AttentionResult:
    """MultiHead(Q, K, V) = Concat(head_1, ..., head_h) W_o (Vaswani et al. 2017, sec. 3.2.2).

    head_i = Attention(X_q W_i^Q, X_kv W_i^K, X_kv W_i^V), with W_i^Q the i-th block of
    d_k = d_model / n_heads columns of params["W_q"] (see ``split_heads``).
    X_q: (..., n_q, d_model); X_kv: (..., n_k, d_model), or None for self-attention (X_kv =
    X_q); params: as ``init_attention``; mask: boolean, True = may attend, broadcastable to
    (..., n_q, n_k) (the SAME mask for every head; no head axis). Returns
    (output (..., n_q, d_model), weights (..., n_heads, n_q, n_k)).
    """
    X_q = _as_float(X_q)
    X_kv = X_q if X_kv is None else _as_float(X_kv)
    Q = split_heads(X_q @ params["W_q"], n_heads)
    K = split_heads(X_kv @ params["W_k"], n_heads)
    V = split_heads(X_kv @ params["W_v"], n_heads)
    if mask is not None:
        mask = _check_mask(mask)[..., None, :, :]  # the same mask for every head
    heads, weights = scaled_dot_product_attention(Q, K, V, mask)
    return AttentionResult(merge_heads(heads) @ params["W_o"], weights)


def to_torch_multihead(params: Params, n_heads: int):
    """The same layer as a float64 ``torch.nn.MultiheadAttention`` (bias=False, batch_first).

    torch computes x @ W.T: its packed ``in_proj_weight`` (3 d_model, d_model) is
    [W_q.T; W_k.T; W_v.T] stacked by rows, and ``out_proj.weight`` is W_o.T. Its boolean
    ``attn_mask`` means True = NOT allowed (the opposite of this module): pass ``~mask``.
    Call it as ``mha(x_q, x_kv, x_kv, attn_mask=~mask, need_weights=True,
    average_attn_weights=False)`` to get per-head weights (batch, heads, n_q, n_k).
    """
    import torch

    d_model = params["W_q"].shape[0]
    mha = torch.nn.MultiheadAttention(
        d_model, n_heads, bias=False, batch_first=True, dtype=torch.float64
    )
    with torch.no_grad():
        mha.in_proj_weight.copy_(
            torch.from_numpy(np.concatenate([params[w].T for w in ("W_q", "W_k", "W_v")]))
        )
        mha.out_proj.weight.copy_(torch.from_numpy(params["W_o"].T.copy()))
    return mha
