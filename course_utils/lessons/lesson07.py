"""Lesson 07's own code: the hand-set sentence "The cat sat on the mat", whose embeddings and
projections mean something; the figures of the build-up (the lesson's cells compute the arrays
and pass them in); the word slider; why sqrt(d_k) (the variance of q . k, the saturation slider);
the causal mask's figure and leak; the dilution figure; and the check against PyTorch.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from course_utils import attention, plots, tasks, widgets
from course_utils.env import use_one_thread
from course_utils.gradient_vs_distance import DistanceProfile
from course_utils.i18n import _

SENTENCE = "The cat sat on the mat"
GREEN = plots.COLOURS["attention"]
GREY = plots.COLOURS["bound"]
UNSCALED = plots.OKABE_ITO["vermillion"]
Array = np.ndarray

# --- the hand-set sentence ---------------------------------------------------------------------

WORDS = {
    "det": ("the", "a", "an", "this", "that", "my", "his", "her"),
    "noun": ("cat", "mat", "dog", "rug", "hat", "bird", "sofa", "bed", "box", "fox", "mouse"),
    "verb": ("sat", "lay", "slept", "stood", "jumped", "ran", "hid"),
    "prep": ("on", "under", "in", "near", "by", "behind"),
}
"""The hand-set lexicon, by word class; ``embed`` accepts these words only."""

EMBEDDING_FEATURES = ("det", "noun", "verb", "prep", "pos_cos", "pos_sin")
"""What each embedding dimension means: four one-hot word classes, then position (cos, sin)."""

KEY_FEATURES = ("noun", "verb", "pos_cos", "pos_sin")
"""What each query/key dimension means: the key says what a word is and where it is."""

ANGLE = np.pi / 4
"""The angle between neighbouring positions on the circle: 8 positions before they repeat."""


def embed(sentence: str = SENTENCE, angle: float = ANGLE) -> tuple[list[str], Array]:
    """HAND-SET embeddings (not trained): (tokens, X), X of shape (n, 6).

    Row i (columns ``EMBEDDING_FEATURES``): the one-hot class of word i (``WORDS``), then its
    position as the point (cos(i angle), sin(i angle)) on the unit circle, so x_i . x_i = 2.
    Positions repeat after 2 pi / angle words; a longer sentence raises ValueError.
    """
    tokens = tasks.tokenize(sentence)
    word_class = {word: c for c, words in WORDS.items() for word in words}
    unknown = [t for t in tokens if t not in word_class]
    if unknown:
        raise ValueError(f"words outside the hand-set lexicon: {unknown}; known words: {WORDS}")
    n = len(tokens)
    if n * angle > 2 * np.pi + 1e-12:
        raise ValueError(f"{n} words: positions repeat after 2 pi / angle = {2 * np.pi / angle:g}")
    X = np.zeros((n, len(EMBEDDING_FEATURES)))
    for i, token in enumerate(tokens):
        X[i, EMBEDDING_FEATURES.index(word_class[token])] = 1.0
    X[:, 4] = np.cos(angle * np.arange(n))
    X[:, 5] = np.sin(angle * np.arange(n))
    return tokens, X


def projections(
    content_gain: float = 3.0, position_gain: float = 1.5, angle: float = ANGLE
) -> tuple[Array, Array]:
    """HAND-SET W_q, W_k, each (6, 4): rows ``EMBEDDING_FEATURES``, columns ``KEY_FEATURES``.

    A key copies "I am a noun / a verb" and "I sit at position j". A query says what a word
    looks for: a determiner, a preposition or a verb looks for a noun, a noun for a verb
    (content_gain on that column); and every word prefers the NEXT position (its position
    rotated by +angle, times position_gain). W_q carries a factor sqrt(d_k) = 2, so that after
    the division by sqrt(d_k) the gains are in score units: the position term of score[i, j] is
    position_gain cos(angle (j - i - 1)).
    """
    W_k = np.zeros((6, 4))
    W_k[1, 0] = W_k[2, 1] = W_k[4, 2] = W_k[5, 3] = 1.0  # noun, verb, position: copied as is
    W_q = np.zeros((6, 4))
    looks_for = {"det": "noun", "prep": "noun", "verb": "noun", "noun": "verb"}
    for cls, target in looks_for.items():
        W_q[EMBEDDING_FEATURES.index(cls), KEY_FEATURES.index(target)] = content_gain
    c, s = np.cos(angle), np.sin(angle)
    # row vector (cos a_i, sin a_i) @ [[c, s], [-s, c]] = (cos(a_i + angle), sin(a_i + angle))
    W_q[4:6, 2:4] = np.array([[c, s], [-s, c]]) * position_gain
    return W_q * np.sqrt(len(KEY_FEATURES)), W_k


class HandSetAttention(NamedTuple):
    """tokens; X (n, 6); Q, K (n, 4); weights (n, n), row i = where word i looks (sums to 1)."""

    tokens: list[str]
    X: Array
    Q: Array
    K: Array
    weights: Array


def hand_set_attention(
    sentence: str = SENTENCE, position_gain: float = 1.5, content_gain: float = 3.0
) -> HandSetAttention:
    """softmax(Q K^T / sqrt(d_k)) with Q = X W_q, K = X W_k from ``embed`` and ``projections``.

    What the mechanism CAN express, set by hand; a trained model learns its own weights, spread
    over many dimensions and heads. position_gain=0 drops the position information.
    """
    tokens, X = embed(sentence)
    W_q, W_k = projections(content_gain, position_gain)
    Q, K = X @ W_q, X @ W_k
    return HandSetAttention(tokens, X, Q, K, attention.softmax(attention.dot_scores(Q, K)))


def word_labels(tokens: list[str]) -> list[str]:
    """The tokens, a repeated word told apart by its position: 'the (0)', 'cat', ..."""
    counts = {t: tokens.count(t) for t in tokens}
    return [f"{t} ({i})" if counts[t] > 1 else t for i, t in enumerate(tokens)]


# --- the build-up: similarity, softmax, weighted sum, queries and keys -------------------------


def similarity_figure(S: Array, tokens: list[str]) -> Figure:
    """Step 1: the scores S = X X^T as an annotated heatmap."""
    fig, axes = plots.figure(width=4.6, height=3.4)
    ax = axes[0, 0]
    names = word_labels(tokens)
    plots.heatmap(ax, S, xlabels=names, ylabels=names, annotate=True, colorbar=False)
    ax.set_title("Step 1: similarity = dot product x_i · x_j")
    ax.set_xlabel("word j")
    ax.set_ylabel("word i")
    return fig


def softmax_figure(S: Array, A: Array, tokens: list[str], row: int = 2) -> Figure:
    """Step 2: one row of the scores S and of their softmax A (positive, summing to 1)."""
    names = word_labels(tokens)
    fig, axes = plots.figure(2, width=7.5, height=2.8)
    axes[0, 0].bar(names, S[row], color=GREY)
    axes[0, 0].set_title(f"scores of '{names[row]}' (any real numbers)")
    axes[0, 1].bar(names, A[row], color=GREEN)
    axes[0, 1].set_title(f"softmax weights (sum = {A[row].sum():.2f})")
    axes[0, 1].set_ylim(0, 1)
    for ax in axes[0]:
        ax.tick_params(axis="x", rotation=45)
    return fig


def weighted_sum_figure(X: Array, Y: Array, tokens: list[str], row: int = 2) -> Figure:
    """Step 3: a word's embedding x_i next to its output y_i = sum_j a_ij x_j."""
    fig, axes = plots.figure(width=6.5, height=2.8)
    ax = axes[0, 0]
    x = np.arange(len(EMBEDDING_FEATURES))
    ax.bar(x - 0.2, X[row], width=0.4, color=GREY, label=f"its own x ('{tokens[row]}')")
    ax.bar(x + 0.2, Y[row], width=0.4, color=GREEN, label="output = Σ_j a_j x_j")
    ax.set_xticks(x, EMBEDDING_FEATURES)
    ax.set_title(f"Step 3: the output of '{tokens[row]}' mixes the words it attends to")
    ax.legend(fontsize=8)
    return fig


def roles_figure(A_plain: Array, A_qk: Array, tokens: list[str]) -> Figure:
    """Step 4: the weights of softmax(X X^T) next to those of softmax(Q K^T / sqrt(d_k))."""
    names = word_labels(tokens)
    fig, axes = plots.figure(2, width=8.0, height=3.4)
    for ax, w, title in (
        (axes[0, 0], A_plain, "one vector per word: softmax(X Xᵀ)"),
        (axes[0, 1], A_qk, "query vs key: softmax(Q Kᵀ/√d_k)"),
    ):
        plots.heatmap(ax, w, xlabels=names, ylabels=names, vmin=0, vmax=1, colorbar=False)
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("key (word attended to)")
    axes[0, 0].set_ylabel("query (word attending)")
    return fig


def sentence_matrix_figure(A: Array, tokens: list[str]) -> Figure:
    """The hand-set sentence's full weight matrix, annotated."""
    names = word_labels(tokens)
    fig, axes = plots.figure(width=5.0, height=3.8)
    ax = axes[0, 0]
    plots.heatmap(ax, A, xlabels=names, ylabels=names, vmin=0, vmax=1, annotate=True)
    ax.set_xlabel("key (word attended to)")
    ax.set_ylabel("query (word attending)")
    ax.set_title("Self-attention weights, hand-set sentence", fontsize=10)
    return fig


# --- pick a word of "The cat sat on the mat" ---------------------------------------------------


class WordView(NamedTuple):
    """The hand-set weights and the chosen word (a row)."""

    sentence: HandSetAttention
    word: int
    position_gain: float


def word_attention(word: int = 2, position_gain: float = 1.5) -> WordView:
    """Compute function of the word slider: the hand-set sentence, and which row to show."""
    return WordView(
        hand_set_attention(position_gain=position_gain), int(word), float(position_gain)
    )


def draw_word(axes, res: WordView) -> None:
    """Left: the full weight matrix, chosen row outlined. Right: that row as bars."""
    weights = res.sentence.weights
    names = word_labels(res.sentence.tokens)
    left, right = axes[0], axes[1]
    plots.heatmap(left, weights, xlabels=names, ylabels=names, vmin=0, vmax=1, colorbar=False)
    n = len(names)
    left.add_patch(
        Rectangle((-0.5, res.word - 0.5), n, 1, fill=False, edgecolor=plots.OKABE_ITO["orange"],
                  lw=2.5)
    )  # fmt: skip
    left.set_xlabel("key (attended to)")
    left.set_title("all weights (rows sum to 1)", fontsize=10)
    row = weights[res.word]
    colours = [GREEN if w >= 0.9 * row.max() else GREY for w in row]  # ties both green
    right.bar(range(n), row, color=colours)
    right.set_xticks(range(n), names, rotation=45, ha="right")
    right.set_ylim(0, 1)
    right.set_title(f"where '{names[res.word]}' looks", fontsize=10)


def readout_word(res: WordView) -> str:
    names = word_labels(res.sentence.tokens)
    row = res.sentence.weights[res.word]
    top = np.lexsort((np.arange(len(row)), -np.round(row, 6)))[:3]  # ties: sentence order
    shown = ", ".join(f"{names[j]} {row[j]:.2f}" for j in top)
    if res.position_gain:
        return _("'{word}' (with positions) attends to: {top}").format(
            word=names[res.word], top=shown
        )
    return _("'{word}' (positions OFF) attends to: {top}").format(word=names[res.word], top=shown)


def word_slider() -> widgets.InteractiveFigure:
    """A menu over the six words, and positions on or off."""
    names = word_labels(tasks.tokenize(SENTENCE))
    word = widgets.dropdown(_("word"), [(w, i) for i, w in enumerate(names)], 2)
    gain = widgets.dropdown(_("position information"), [(_("on"), 1.5), (_("off"), 0.0)], 1.5)
    return widgets.InteractiveFigure(
        word_attention,
        draw_word,
        {"word": word, "position_gain": gain},
        readout_word,
        ncols=2,
        width=8.0,
        height=3.2,
    )


def word_sweep() -> Figure:
    """The word figure for 'sat' and both 'the's (one row each)."""
    names = word_labels(tasks.tokenize(SENTENCE))
    return widgets.static_sweep(
        word_attention,
        draw_word,
        "word",
        [2, 0, 4],
        {"position_gain": 1.5},
        ncols=2,
        width=8.0,
        height=3.0,
        label=lambda i: f"'{names[i]}'",
    )


# --- checked against PyTorch -------------------------------------------------------------------


def torch_check(seed: int = 0) -> dict[str, float]:
    """Max absolute differences between the course's numpy attention and PyTorch (float64).

    - F.scaled_dot_product_attention, no mask and a causal mask (n_q = n_k = 5, d_k = 8,
      d_v = 3, batch 2) against ``attention.scaled_dot_product_attention``;
    - torch autograd through it (causal) against ``attention.attention_backward``: dQ, dK, dV;
    - torch.nn.MultiheadAttention (d_model = 16, 4 heads, causal, weights copied in by
      ``attention.to_torch_multihead``) against ``attention.multi_head_attention``: output and
      per-head weights.
    """
    import torch
    import torch.nn.functional as F

    use_one_thread()
    rng = np.random.default_rng(seed)
    Q, K = rng.standard_normal((2, 2, 5, 8))
    V = rng.standard_normal((2, 5, 3))
    dout = rng.standard_normal((2, 5, 3))
    mask = attention.causal_mask(5)
    out = {}
    tq, tk, tv = (torch.tensor(a, requires_grad=True) for a in (Q, K, V))
    plain = F.scaled_dot_product_attention(tq, tk, tv)
    ours = attention.scaled_dot_product_attention(Q, K, V)
    out["sdpa output, no mask"] = float(np.abs(plain.detach().numpy() - ours.output).max())
    causal = F.scaled_dot_product_attention(tq, tk, tv, attn_mask=torch.tensor(mask))
    ours = attention.scaled_dot_product_attention(Q, K, V, mask)
    out["sdpa output, causal mask"] = float(np.abs(causal.detach().numpy() - ours.output).max())
    causal.backward(torch.tensor(dout))
    grads = attention.attention_backward(dout, Q, K, V, ours.weights)
    for name, t, g in zip(("dQ", "dK", "dV"), (tq, tk, tv), grads, strict=True):
        out[f"autograd {name}"] = float(np.abs(t.grad.numpy() - g).max())

    params = attention.init_attention(16, 4, rng)
    X = rng.standard_normal((2, 5, 16))
    mha = attention.to_torch_multihead(params, 4)
    tx = torch.tensor(X)
    with torch.no_grad():
        t_out, t_w = mha(
            tx, tx, tx, attn_mask=torch.tensor(~mask), need_weights=True,
            average_attn_weights=False,
        )  # fmt: skip
    ours = attention.multi_head_attention(X, None, params, 4, mask)
    out["MultiheadAttention output"] = float(np.abs(t_out.numpy() - ours.output).max())
    out["MultiheadAttention weights"] = float(np.abs(t_w.numpy() - ours.weights).max())
    return out


# --- why sqrt(d_k): the variance of q . k, and a saturated softmax -----------------------------

D_K_EXP_MAX = 12  # the slider runs over d_k = 2**0 .. 2**12 = 4096


def score_variances(
    d_k: int, n_samples: int = 10_000, seed: int | np.random.Generator = 0
) -> tuple[float, float]:
    """Measured variances of q . k and of q . k / sqrt(d_k), for q, k ~ N(0, I_{d_k})
    independent (the same n_samples pairs for both).

    Vaswani et al. (2017), footnote 4: with independent components of mean 0 and variance 1,
    q . k = sum_i q_i k_i has mean 0 and variance d_k; divided by sqrt(d_k), variance 1
    whatever d_k. The first estimate's standard deviation is about
    sqrt((2 d_k^2 + 6 d_k) / n_samples) (each q_i k_i has fourth moment 9). Drawn in chunks of
    a million numbers, so that memory stays small whatever d_k.
    """
    rng = np.random.default_rng(seed)
    chunk = max(1, 1_000_000 // d_k)
    dots = np.empty(n_samples)
    for start in range(0, n_samples, chunk):
        size = min(chunk, n_samples - start)
        q = rng.standard_normal((size, d_k))
        k = rng.standard_normal((size, d_k))
        dots[start : start + size] = np.einsum("ij,ij->i", q, k)
    return float(np.var(dots)), float(np.var(dots / np.sqrt(d_k)))


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


def softmax_saturation(
    d_k: int,
    scaled: bool,
    n_queries: int = 200,
    n_keys: int = 16,
    seed: int | np.random.Generator = 0,
) -> Saturation:
    """How peaked softmax(q . k) gets with and without the 1/sqrt(d_k).

    Draws n_queries queries and n_keys keys, all ~ N(0, I_{d_k}) (the same vectors for
    scaled=True and False at a given seed), scores every query against the keys, and measures
    the softmax rows (see ``Saturation``). Unscaled logits have standard deviation sqrt(d_k),
    so for large d_k the softmax is nearly one-hot and its Jacobian diag(p) - p p^T nearly 0:
    "extremely small gradients" (Vaswani et al. 2017, sec. 3.2.1). Scaled logits have unit
    variance whatever d_k. Vectorised, and free of warnings at any d_k.
    """
    rng = np.random.default_rng(seed)
    q = rng.standard_normal((n_queries, d_k))
    k = rng.standard_normal((n_keys, d_k))
    scores = attention.dot_scores(q, k, scale=scaled)
    log_p = attention.log_softmax(scores)
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


@functools.lru_cache(maxsize=1)
def _jacobian_curves() -> tuple[Array, Array, Array]:
    """(d_k values 2**0..2**12, median Jacobian norm unscaled, scaled), computed once."""
    d_ks = 2 ** np.arange(D_K_EXP_MAX + 1)
    curves = [
        [softmax_saturation(int(d), s).median_jacobian_norm for d in d_ks] for s in (False, True)
    ]
    return d_ks, np.array(curves[0]), np.array(curves[1])


def saturation(d_k: float = 512, scaled: bool = False) -> Saturation:
    """Compute function of the saturation slider: ``softmax_saturation`` at d_k, seed 0."""
    return softmax_saturation(int(round(d_k)), bool(scaled))


def draw_saturation(axes, res: Saturation) -> None:
    """Left: the weights of 12 queries over 16 keys. Right: median ||J|| against d_k."""
    left, right = axes[0], axes[1]
    plots.heatmap(left, res.weights[:12], vmin=0, vmax=1, colorbar=False)
    left.set_xticks([0, 15])
    left.set_yticks([0, 11])
    left.set_xlabel("key")
    left.set_ylabel("query")
    left.set_title("softmax weights, 12 queries", fontsize=10)
    d_ks, unscaled, scaled = _jacobian_curves()
    right.plot(d_ks, unscaled, "-", color=UNSCALED, lw=1.5, label="unscaled q·k")
    right.plot(d_ks, scaled, "-", color=GREEN, lw=1.5, label="scaled q·k/√d_k")
    right.plot([res.d_k], [res.median_jacobian_norm], "o", color="black", ms=6)
    right.set_xscale("log", base=2)
    right.set_yscale("log")
    lo, hi, ticks = plots.log_axis_limits(unscaled, scaled, max_ticks=5)
    right.set_ylim(lo, hi)
    right.set_yticks(ticks)
    plots.plain_log_labels(right.yaxis)
    right.set_xticks([1, 16, 256, 4096], ["1", "16", "256", "4096"])
    right.set_xlabel("d_k")
    right.set_ylabel("median softmax-Jacobian norm")
    right.set_title("size of the softmax gradient", fontsize=10)
    right.legend(fontsize=8, loc="lower left")


def readout_saturation(res: Saturation) -> str:
    kind = _("scaled") if res.scaled else _("unscaled")
    return _(
        "d_k = {d_k}, {kind}: logit std {std:.1f}; {one_hot:.0%} of rows nearly one-hot (max "
        "weight > 0.99); entropy {entropy:.0%} of log 16; median softmax-Jacobian norm "
        "{jacobian:.1e}"
    ).format(
        d_k=res.d_k,
        kind=kind,
        std=res.score_std,
        one_hot=res.one_hot_fraction,
        entropy=res.entropy_fraction,
        jacobian=res.median_jacobian_norm,
    )


def saturation_slider() -> widgets.InteractiveFigure:
    """d_k on a log slider (1 to 4096, powers of 2) and scaling on/off."""
    d_k = widgets.log_slider("d_k", 0, D_K_EXP_MAX, 512, step=1, base=2, readout_format=".0f")
    scaled = widgets.dropdown(
        _("scores"), [(_("q·k (unscaled)"), False), (_("q·k / √d_k (scaled)"), True)], False
    )
    return widgets.InteractiveFigure(
        saturation,
        draw_saturation,
        {"d_k": d_k, "scaled": scaled},
        readout_saturation,
        ncols=2,
        width=8.0,
        height=3.0,
    )


def saturation_sweep() -> Figure:
    """The slider's figure, unscaled, at d_k = 4, 64 and 1024 (one row each)."""
    return widgets.static_sweep(
        saturation,
        draw_saturation,
        "d_k",
        [4, 64, 1024],
        {"scaled": False},
        ncols=2,
        width=8.0,
        height=2.8,
        label=lambda v: f"d_k = {v}, unscaled",
    )


# --- masking -----------------------------------------------------------------------------------


def masking_figure(mask: Array, unmasked: Array, masked: Array, tokens: list[str]) -> Figure:
    """Three panels: the causal mask, the weights without it, the weights masked before the
    softmax."""
    names = word_labels(tokens)
    fig, axes = plots.figure(3, width=10.0, height=3.4)
    panels = (
        (mask.astype(float), "causal mask (yellow = may attend)"),
        (unmasked, "no mask: reads the future"),
        (masked, "masked before the softmax"),
    )
    for ax, (matrix, title) in zip(axes[0], panels, strict=True):
        plots.heatmap(ax, matrix, xlabels=names, ylabels=names, vmin=0, vmax=1, colorbar=False)
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("key")
    axes[0, 0].set_ylabel("query")
    return fig


def future_leak(seed: int = 0) -> dict[str, float]:
    """Change the LAST word's key and value; how much do the outputs of the others move?

    Random Q, K, V (n = 6, d = 8). Returns the largest change of outputs 0..n-2 without and
    with a causal mask: with it, exactly 0 (no earlier position can read the last one).
    """
    rng = np.random.default_rng(seed)
    Q, K, V = rng.standard_normal((3, 6, 8))
    K2, V2 = K.copy(), V.copy()
    K2[-1], V2[-1] = rng.standard_normal((2, 8))
    out = {}
    for name, mask in (("no mask", None), ("causal mask", attention.causal_mask(6))):
        a = attention.scaled_dot_product_attention(Q, K, V, mask).output
        b = attention.scaled_dot_product_attention(Q, K2, V2, mask).output
        out[name] = float(np.abs(a[:-1] - b[:-1]).max())
    return out


# --- myth vs fact: "direct access" is soft -----------------------------------------------------


def dilution_figure(d: DistanceProfile) -> Figure:
    """||dy_T / dx_1|| of one attention layer against T (log-log), with a 1/T guide line."""
    fig, axes = plots.figure(width=6.0, height=3.0)
    ax = axes[0, 0]
    plots.gradient_vs_distance(
        ax,
        d.lengths,
        d.norms,
        label="attention (one layer)",
        colour=GREEN,
        xlabel="sequence length T (distance from token 1 to the last)",
        ylabel="‖∂y_T / ∂x_1‖",
    )
    guide = d.norms[0] * d.lengths[0] / d.lengths
    ax.plot(d.lengths, guide, "--", color=GREY, lw=1.2, label="∝ 1/T")
    ax.set_xscale("log", base=2)
    ax.set_xticks(d.lengths, [str(t) for t in d.lengths])
    ax.minorticks_off()
    ax.legend(fontsize=8)
    ax.set_title(f"Diffuse attention dilutes the gradient (log-log slope {d.slope:.2f})")
    return fig
