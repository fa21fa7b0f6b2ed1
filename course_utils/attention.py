"""Scaled dot-product and multi-head attention in numpy, and lessons 07, 09 and 10's experiments.

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

Holds:
- lesson 07: ``softmax``, ``softmax_backward``, ``dot_scores``, ``causal_mask``,
  ``padding_mask``, ``apply_mask``, ``scaled_dot_product_attention``, ``attention_backward``,
  ``init_attention``, ``split_heads``, ``merge_heads``, ``multi_head_attention``,
  ``to_torch_multihead``, ``score_variance`` and ``softmax_saturation`` (why sqrt(d_k)),
  ``toy_sentence_attention`` (hand-set weights for "The cat sat on the mat");
- lesson 09: ``attention_input_jacobian``, ``attention_gradient_vs_distance`` (dilution ~ 1/T);
- lesson 10: ``local_attention_mask``, ``strided_mask`` (Child et al. 2019), ``two_hop_reach``,
  ``linear_attention`` (Katharopoulos et al. 2020) in both orders; attention that never builds
  the n x n matrix: ``local_attention`` (banded) and ``strided_attention``; linear attention's
  chunked and recurrent forms (``linear_attention_chunked``, ``linear_attention_step``,
  ``linear_attention_recurrent``); ``restrict_to_mask``, ``kept_mass`` and ``relative_error``
  (what a sparse pattern loses); ``attention_inputs`` (random or mostly local Q, K, V).
  Their time and memory are measured in ``course_utils.complexity``.

Everything is float64 (float32 inputs stay float32 in ``softmax``); everything random takes a
seed (an int or a numpy Generator); torch is imported only inside ``to_torch_multihead``.
"""

from collections.abc import Callable, Sequence
from typing import NamedTuple

import numpy as np

from course_utils.rnn import tokenize

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


def _log_softmax(scores: Array, axis: int = -1) -> Array:
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
    attend, broadcastable to (..., n_q, n_k), or None. scale=False drops the 1/sqrt(d_k)
    (for the lesson's comparison). Returns (output (..., n_q, d_v), weights (..., n_q, n_k)).
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


# --- why sqrt(d_k) -----------------------------------------------------------------------------


def score_variance(
    d_k: int, n_samples: int = 10_000, seed: int | np.random.Generator = 0, scale: bool = False
) -> float:
    """Measured variance of q . k for q, k ~ N(0, I_{d_k}) independent (n_samples pairs).

    Vaswani et al. (2017), footnote 4: with independent components of mean 0 and variance 1,
    q . k = sum_i q_i k_i has mean 0 and variance d_k. scale=True measures q . k / sqrt(d_k)
    instead, whose variance is 1 whatever d_k. Sampling error: Var(q . k)'s estimate has
    standard deviation about sqrt((2 d_k^2 + 6 d_k) / n_samples) (each q_i k_i has fourth
    moment 9), e.g. 2 % of d_k at d_k = 64 and n_samples = 10,000. Drawn in chunks, so memory
    stays under ~20 MB whatever d_k.
    """
    rng = np.random.default_rng(seed)
    chunk = max(1, 1_000_000 // d_k)
    dots = np.empty(n_samples)
    for start in range(0, n_samples, chunk):
        size = min(chunk, n_samples - start)
        q = rng.standard_normal((size, d_k))
        k = rng.standard_normal((size, d_k))
        dots[start : start + size] = np.einsum("ij,ij->i", q, k)
    if scale:
        dots /= np.sqrt(d_k)
    return float(np.var(dots))


class Saturation(NamedTuple):
    """Result of ``softmax_saturation``; means are over the n_queries rows.

    mean_entropy: mean softmax entropy in nats; entropy_fraction: it divided by log n_keys
    (1 = uniform, 0 = one-hot); one_hot_fraction: fraction of rows whose largest weight
    exceeds 0.99; mean_max_weight: mean largest weight; jacobian_norm and
    median_jacobian_norm: mean and median over rows of ||diag(p) - p p^T||_F, the size of the
    softmax's gradient; score_std: the standard deviation of the logits fed to the softmax;
    weights: (n_queries, n_keys), the rows themselves (for a figure).
    """

    d_k: int
    scaled: bool
    mean_entropy: float
    entropy_fraction: float
    one_hot_fraction: float
    mean_max_weight: float
    jacobian_norm: float
    median_jacobian_norm: float
    score_std: float
    weights: Array


def softmax_jacobian_norms(p) -> Array:
    """||diag(p) - p p^T||_F for each row p of a (..., n) array of probabilities -> (...,).

    Built entry by entry without cancellation: the diagonal p_i (1 - p_i) is computed as
    p_i * (sum of the other p_j), so nearly one-hot rows give tiny but correct norms (the
    closed form sum p^2 - 2 sum p^3 + (sum p^2)^2 loses them to round-off).
    """
    p = np.asarray(p, dtype=np.float64)
    n = p.shape[-1]
    off = 1.0 - np.eye(n)
    with np.errstate(under="ignore"):
        J = -p[..., :, None] * p[..., None, :] * off
        diagonal = p * (p @ off)  # p_i * sum_{j != i} p_j = p_i (1 - p_i)
        return np.sqrt(np.sum(J**2, axis=(-1, -2)) + np.sum(diagonal**2, axis=-1))


def softmax_saturation(
    d_k: int,
    scaled: bool,
    n_queries: int = 200,
    n_keys: int = 16,
    seed: int | np.random.Generator = 0,
) -> Saturation:
    """How peaked softmax(q . k) gets with and without the 1/sqrt(d_k): the lesson-07 slider.

    Draws n_queries queries and one row of n_keys keys, all ~ N(0, I_{d_k}) (the same vectors
    for scaled=True and False at a given seed), scores every query against the keys, and
    measures the softmax rows (see ``Saturation``). Unscaled logits have standard deviation
    sqrt(d_k), so for large d_k the softmax is nearly one-hot and its Jacobian diag(p) - p p^T
    nearly 0: "extremely small gradients" (Vaswani et al. 2017, sec. 3.2.1). Scaled logits
    have unit variance whatever d_k. Measured (seed 0, d_k = 512): unscaled 69 % of rows
    nearly one-hot, entropy 4 % of log 16, median ||J||_F 1.3e-4; scaled 0 %, 85 %, 0.31.
    Vectorised: about 0.3 ms at d_k = 64, 2 ms at 1024, 8 ms at 4096 (200 x 16; mostly drawing
    the random vectors); no warnings at any d_k.
    """
    rng = np.random.default_rng(seed)
    q = rng.standard_normal((n_queries, d_k))
    k = rng.standard_normal((n_keys, d_k))
    scores = dot_scores(q, k, scale=scaled)
    log_p = _log_softmax(scores)
    p = np.exp(log_p)
    entropy = -np.sum(p * log_p, axis=-1)
    max_p = p.max(axis=-1)
    jac = softmax_jacobian_norms(p)
    return Saturation(
        d_k=d_k,
        scaled=scaled,
        mean_entropy=float(entropy.mean()),
        entropy_fraction=float(entropy.mean() / np.log(n_keys)),
        one_hot_fraction=float(np.mean(max_p > 0.99)),
        mean_max_weight=float(max_p.mean()),
        jacobian_norm=float(jac.mean()),
        median_jacobian_norm=float(np.median(jac)),
        score_std=float(scores.std()),
        weights=p,
    )


# --- a hand-set toy: "The cat sat on the mat" --------------------------------------------------

TOY_WORDS = {
    "det": ("the", "a", "an", "this", "that", "my", "his", "her"),
    "noun": ("cat", "mat", "dog", "rug", "hat", "bird", "sofa", "bed", "box", "fox", "mouse"),
    "verb": ("sat", "lay", "slept", "stood", "jumped", "ran", "hid"),
    "prep": ("on", "under", "in", "near", "by", "behind"),
}
"""The toy's lexicon, by word class; ``toy_sentence_attention`` accepts these words only."""

TOY_EMBEDDING_FEATURES = ("det", "noun", "verb", "prep", "pos_cos", "pos_sin")
"""What each embedding dimension means: four one-hot word classes, then position (cos, sin)."""

TOY_KEY_FEATURES = ("noun", "verb", "pos_cos", "pos_sin")
"""What each query/key dimension means: the key says what a token is and where it is."""


class ToySentence(NamedTuple):
    """Result of ``toy_sentence_attention``.

    tokens: the n words; weights: (n, n), row i = how word i spreads its attention (rows sum
    to 1); embeddings: X (n, 6), columns ``TOY_EMBEDDING_FEATURES``; queries, keys: (n, 4),
    columns ``TOY_KEY_FEATURES``; W_q, W_k: (6, 4), the hand-set projections.
    """

    tokens: list[str]
    weights: Array
    embeddings: Array
    queries: Array
    keys: Array
    W_q: Array
    W_k: Array


def toy_sentence_attention(
    sentence: str = "The cat sat on the mat",
    content_gain: float = 3.0,
    position_gain: float = 1.5,
    angle: float = np.pi / 4,
) -> ToySentence:
    """Self-attention over a short sentence with HAND-SET (not trained) embeddings and weights.

    Every number is chosen by hand so that each dimension has a meaning; a trained model
    learns its own, spread over many dimensions and heads, and nothing here claims that one
    does exactly this. Embedding of word i (columns ``TOY_EMBEDDING_FEATURES``): a one-hot word
    class (det, noun, verb, prep; see ``TOY_WORDS``) and its position as an angle,
    (cos(i angle), sin(i angle)). Keys (``TOY_KEY_FEATURES``) say "I am a noun / a verb" and
    "I sit at position j". Queries say what a word looks for:
    - a determiner or preposition looks for a noun, a verb looks for nouns (its subject and
      the noun of its phrase), a noun looks for a verb: content_gain on that class;
    - every word prefers the NEXT position: its position rotated by +angle, position_gain.
    Scores are q . k / sqrt(4), the gains are in score units (the projections carry a factor
    sqrt(4) = 2). The position term gives position_gain * cos(angle (j - i - 1)).

    With the defaults on "The cat sat on the mat": "sat" -> cat 0.40, mat 0.40; the first "the"
    -> cat 0.89, the second -> mat 0.91; "on" -> mat 0.79; "cat" -> sat 0.92; "mat", the last
    word, has no next word: sat 0.45, itself 0.29. With position_gain=0 the two "the" rows are
    identical (cat 0.45, mat 0.45): without positions, attention cannot tell them apart.
    Positions repeat every 2 pi / angle words (8 by default), so longer sentences raise
    ValueError.
    """
    tokens = tokenize(sentence)
    word_class = {word: c for c, words in TOY_WORDS.items() for word in words}
    unknown = [t for t in tokens if t not in word_class]
    if unknown:
        raise ValueError(f"words outside the toy lexicon: {unknown}; known words: {TOY_WORDS}")
    n = len(tokens)
    if n * angle > 2 * np.pi + 1e-12:
        raise ValueError(f"{n} words: positions repeat after 2 pi / angle = {2 * np.pi / angle:g}")
    X = np.zeros((n, len(TOY_EMBEDDING_FEATURES)))
    for i, token in enumerate(tokens):
        X[i, TOY_EMBEDDING_FEATURES.index(word_class[token])] = 1.0
    X[:, 4] = np.cos(angle * np.arange(n))
    X[:, 5] = np.sin(angle * np.arange(n))

    root_dk = np.sqrt(len(TOY_KEY_FEATURES))
    W_k = np.zeros((6, 4))
    W_k[1, 0] = W_k[2, 1] = W_k[4, 2] = W_k[5, 3] = 1.0  # noun, verb, position: copied as is
    W_q = np.zeros((6, 4))
    looks_for = {"det": "noun", "prep": "noun", "verb": "noun", "noun": "verb"}
    for cls, target in looks_for.items():
        W_q[TOY_EMBEDDING_FEATURES.index(cls), TOY_KEY_FEATURES.index(target)] = content_gain
    c, s = np.cos(angle), np.sin(angle)
    # row vector (cos a_i, sin a_i) @ [[c, s], [-s, c]] = (cos(a_i + angle), sin(a_i + angle))
    W_q[4:6, 2:4] = np.array([[c, s], [-s, c]]) * position_gain
    W_q *= root_dk
    Q, K = X @ W_q, X @ W_k
    weights = softmax(dot_scores(Q, K, scale=True))
    return ToySentence(tokens, weights, X, Q, K, W_q, W_k)


# --- lesson 09: the gradient from the last output to the first token ---------------------------


def attention_input_jacobian(X, params: Params, margin: float = 0.0) -> Array:
    """dy_T / dx_1 for one single-head self-attention layer, (d, d), row i = output unit i.

    X: (T, d), tokens x_1..x_T; params: "W_q", "W_k", "W_v" (d, d). y_T = sum_j a_j v_j is
    the output at the last position, with a = softmax(s), s_j = q_T . k_j / sqrt(d) (+ margin
    for j = 1: a learned focus on token 1), q_T = x_T W_q, k_j = x_j W_k, v_j = x_j W_v.
    For T >= 2 the token x_1 reaches y_T through its value and its score:

        dy_T / dx_1 = a_1 ( W_v^T + (v_1 - y_T)^T (W_k q_T^T / sqrt(d))^T ),

    both proportional to the weight a_1: with diffuse weights (a_1 ~ 1/T) the gradient is
    diluted like 1/T. For T = 1 it is W_v^T (the softmax over one key is constant).
    """
    X = _as_float(X)
    d = X.shape[1]
    q = X[-1] @ params["W_q"]
    K, V = X @ params["W_k"], X @ params["W_v"]
    s = K @ q / np.sqrt(d)
    s[0] += margin
    a = softmax(s)
    y = a @ V
    g = params["W_k"] @ q / np.sqrt(d)
    return a[0] * (params["W_v"].T + np.outer(V[0] - y, g))


class DistanceProfile(NamedTuple):
    """Result of ``attention_gradient_vs_distance``; arrays over the lengths T.

    norms: ||dy_T/dx_1||_F; alpha_first: the weight a_{T,1} of token 1; slope: least-squares
    slope of log(norm) against log(T) (-1 for 1/T dilution; an exponential decay would keep
    steepening).
    """

    lengths: Array
    norms: Array
    alpha_first: Array
    slope: float


def attention_gradient_vs_distance(
    T: Sequence[int] = (8, 32, 128, 512, 2048),
    d: int = 64,
    seed: int | np.random.Generator = 0,
    margin: float = 0.0,
) -> DistanceProfile:
    """||dy_T / dx_1|| for one self-attention layer, against the sequence length T.

    Weights from ``init_attention(d, 1, seed)`` (entries N(0, 1/d)); tokens ~ N(0, I_d).
    The sequences are nested, so only the length changes: token 1 and the last (query) token
    are the same for every T, and tokens 2..T-1 are the first T-2 of one fixed stream. The
    query's scores are then ~ N(0, 1) and the weights diffuse, a_{T,1} ~ 1/T, so the gradient
    decays like 1/T, polynomially. Measured (d = 64, seed 0): 1.52 at T = 8, 4.4e-3 at
    T = 2048, log-log slope -1.06 (seeds 0-4: -0.99 to -1.06; the norm at T = 8 ranges 0.25
    to 3.1 with the seed, as a_{T,1} ~ exp(s_1) / T does). An RNN's decays exponentially
    (``course_utils.rnn.gradient_vs_lag``). margin > 0 adds a learned focus on token 1: the
    gradient stays O(1) until T >> exp(margin) (margin 8: a_{T,1} = 0.998 at T = 8, 0.55 at
    T = 2048; norm 7.9 -> 4.7). T: lengths >= 2. About 5 ms for the default.
    """
    lengths = np.asarray(T, dtype=int).reshape(-1)
    if lengths.min() < 2:
        raise ValueError("lengths must be >= 2 (token 1 and a distinct last token)")
    rng = np.random.default_rng(seed)
    params = init_attention(d, 1, rng)
    x_first, x_last = rng.standard_normal((2, d))
    stream = rng.standard_normal((int(lengths.max()) - 2, d))
    norms, alphas = np.empty(len(lengths)), np.empty(len(lengths))
    for m, length in enumerate(lengths):
        X = np.vstack([x_first, stream[: length - 2], x_last])
        J = attention_input_jacobian(X, params, margin)
        s = X @ params["W_k"] @ (x_last @ params["W_q"]) / np.sqrt(d)
        s[0] += margin
        norms[m], alphas[m] = np.linalg.norm(J), softmax(s)[0]
    slope = float(np.polyfit(np.log(lengths), np.log(norms), 1)[0]) if len(lengths) > 1 else np.nan
    return DistanceProfile(lengths, norms, alphas, slope)


# --- lesson 10: sparse patterns and linear attention -------------------------------------------


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
    to round-off by associativity. Causal kv_first runs the recurrence
    S_i = S_{i-1} + phi(k_i)^T v_i, z_i = z_{i-1} + phi(k_i): "Transformers are RNNs".
    feature_map: "elu+1" (the paper's), "relu", or a function (its values must be >= 0 and
    each row's normaliser phi(q_i) . z_i > 0).
    """
    phi = FEATURE_MAPS[feature_map] if isinstance(feature_map, str) else feature_map
    fq, fk, V = phi(_as_float(Q)), phi(_as_float(K)), _as_float(V)
    n = fq.shape[-2]
    if order == "qk_first":
        A = fq @ np.swapaxes(fk, -1, -2)  # (..., n, n)
        if causal:
            A = A * causal_mask(n)
        return (A @ V) / A.sum(axis=-1, keepdims=True)
    if order != "kv_first":
        raise ValueError(f"order must be 'qk_first' or 'kv_first', got {order!r}")
    if not causal:
        S = np.swapaxes(fk, -1, -2) @ V  # (..., d_k, d_v)
        z = fk.sum(axis=-2)  # (..., d_k)
        return (fq @ S) / (fq @ z[..., None])
    out = np.empty(fq.shape[:-1] + V.shape[-1:])
    S = np.zeros(fk.shape[:-2] + (fk.shape[-1], V.shape[-1]))
    z = np.zeros(fk.shape[:-2] + fk.shape[-1:])
    for i in range(n):
        S = S + fk[..., i, :, None] * V[..., i, None, :]
        z = z + fk[..., i, :]
        num = np.einsum("...k,...kv->...v", fq[..., i, :], S)
        out[..., i, :] = num / np.einsum("...k,...k->...", fq[..., i, :], z)[..., None]
    return out


# --- lesson 10: efficient attention without the n x n matrix -----------------------------------
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


def _band(Q: Array, K: Array, V: Array, window: int):
    """Scores and values of the causal band i - window < j <= i, block by block.

    Returns (scores (n_blocks, window, 2 window), values (n_blocks, 2 window, d_v)): the keys
    of block b are those of blocks b - 1 and b; disallowed entries are -inf. 2 n window scores
    in all, never n^2.
    """
    w = window
    Qb, Kb, Vb = _blocked(Q, w), _blocked(K, w), _blocked(V, w)
    previous = np.concatenate([np.zeros_like(Kb[:1]), Kb[:-1]])
    keys = np.concatenate([previous, Kb], axis=1)  # (n_blocks, 2w, d_k)
    values = np.concatenate([np.concatenate([np.zeros_like(Vb[:1]), Vb[:-1]]), Vb], axis=1)
    scores = Qb @ np.swapaxes(keys, -1, -2) / np.sqrt(Q.shape[-1])  # (n_blocks, w, 2w)
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
    scores, values = _band(Q, K, V, window)
    out = softmax(scores) @ values  # (n_blocks, w, d_v)
    return out.reshape(-1, V.shape[-1])[:n]


def strided_attention(Q, K, V, stride: int) -> Array:
    """Causal strided sparse attention (Child et al. 2019) without the n x n matrix.

    Q, K: (n, d_k), V: (n, d_v) -> (n, d_v). Query i attends to the band i - stride < j <= i
    and to every stride-th earlier key j = i - stride, i - 2 stride, ... in ONE softmax:
    exactly ``scaled_dot_product_attention(Q, K, V, strided_mask(n, stride))``. The band is
    scored block by block (``_band``); the strided keys of query i = b stride + r are the keys
    at position r of the earlier blocks b' < b, so they are scored per offset r as an
    (n_blocks x n_blocks) causal product. 2 n stride + n^2 / stride numbers: O(n sqrt(n)) at
    stride = sqrt(n).
    """
    Q, K, V = _as_float(Q), _as_float(K), _as_float(V)
    n = Q.shape[0]
    _check_window(n, stride)
    band_scores, band_values = _band(Q, K, V, stride)  # (nb, s, 2s), (nb, 2s, d_v)
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


def linear_attention_chunked(Q, K, V, chunk: int = 64, feature_map="elu+1") -> Array:
    """Causal linear attention (Katharopoulos et al. 2020) in chunks: O(n (chunk + d_k) d_v).

    Within a chunk, the causal quadratic form (phi(Q_c) phi(K_c)^T masked) V_c; across chunks,
    the running state S = sum phi(k_j)^T v_j and z = sum phi(k_j) of all earlier chunks, as in
    the recurrent form. Same result as ``linear_attention(..., causal=True)`` (either order),
    with n / chunk vectorised steps instead of n. Q, K: (n, d_k), V: (n, d_v) -> (n, d_v).
    """
    phi = FEATURE_MAPS[feature_map] if isinstance(feature_map, str) else feature_map
    fq, fk, V = phi(_as_float(Q)), phi(_as_float(K)), _as_float(V)
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


def linear_attention_step(state: LinearState, q, k, v, feature_map="elu+1"):
    """One step of linear attention as an RNN ("Transformers are RNNs", Katharopoulos et al.
    2020): S_t = S_{t-1} + phi(k_t)^T v_t, z_t = z_{t-1} + phi(k_t),
    out_t = phi(q_t) S_t / (phi(q_t) . z_t).

    q, k: (d_k,), v: (d_v,). Returns (new state, out_t (d_v,)). The state has a fixed size
    whatever t: no KV cache that grows with the sequence.
    """
    phi = FEATURE_MAPS[feature_map] if isinstance(feature_map, str) else feature_map
    fq, fk = phi(_as_float(q)), phi(_as_float(k))
    S = state.S + np.outer(fk, v)
    z = state.z + fk
    return LinearState(S, z), (fq @ S) / (fq @ z)


def linear_attention_recurrent(Q, K, V, feature_map="elu+1") -> Array:
    """Causal linear attention run token by token with ``linear_attention_step``.

    Q, K: (n, d_k), V: (n, d_v) -> (n, d_v); equal to the causal parallel form.
    """
    Q, K, V = _as_float(Q), _as_float(K), _as_float(V)
    state = LinearState(np.zeros((K.shape[1], V.shape[1])), np.zeros(K.shape[1]))
    out = np.empty((Q.shape[0], V.shape[1]))
    for t in range(Q.shape[0]):
        state, out[t] = linear_attention_step(state, Q[t], K[t], V[t], feature_map)
    return out


# --- lesson 10: how far is each variant from full attention? -------------------------------------


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
        pos = np.arange(n)[:, None]
        freq = 1.0 / 10_000 ** (np.arange(0, d, 2) / d)
        pe = np.empty((n, d))
        pe[:, 0::2], pe[:, 1::2] = np.sin(pos * freq), np.cos(pos * freq)
        pe *= np.sqrt(2 * locality / np.sqrt(d))  # p_i . p_i = (d / 2) * that^2 = locality sqrt(d)
        Q, K = Q + pe, K + pe
    return Q, K, V
