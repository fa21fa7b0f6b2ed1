"""How much gradient survives a distance: the course's recurring measurement, and its whole
argument in one figure.

Four networks, each measured with the course function of the lesson that built it, at
initialisation (nothing is trained), on one log-scale plot of gradient norm against distance:

- a deep sigmoid MLP (lesson 02, ``mlp.layer_gradient_norms``): distance = layers below the
  output, the norm of dL/dh_l (Glorot init, width 64);
- a tanh RNN (lesson 03, ``rnn.gradient_vs_lag``): distance = time lag k, ||dL/dh_{T-k}||
  for L = <r, h_T> (64 units, spectral radius 0.9 by default);
- an LSTM (lesson 05, ``lstm.full_vs_direct``): distance = lag k, ||dL/dc_{T-k}|| for
  L = <r, c_T>, by full backpropagation through time, every path through c, h and the gates
  (64 units, forget-gate bias 1 by default). Beside it, drawn dotted and labelled as such, the
  same LSTM's direct cell path alone, ||r * f_T * ... * f_{T-k+1}||: one path of the gradient
  (the product of the forget gates), not the gradient (lesson 05 measures both);
- one self-attention layer (lessons 07 and 09, ``attention_gradient_vs_distance`` below):
  distance = T - 1, ||dy_T/dx_1|| from the last output to the first token (d = 64, diffuse
  weights).

Every curve is divided by its value at distance 1, so the figure compares *how fast* each
gradient falls with distance, not the networks' arbitrary scales. The MLP and RNN decay
exponentially (a straight line on the log axis); the LSTM's gradient with forget bias 1 decays
too, far more slowly, and with a large forget bias it stops decaying; attention, whose path is
one step long at any distance, only dilutes like 1/distance.

``whole_argument()`` returns the curves (pure, deterministic); ``whole_argument_figure()``
draws them (lesson 09's section and lesson 10's wrap-up call it with no arguments).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
from matplotlib.figure import Figure

from course_utils import attention, lstm, mlp, plots, rnn, tasks

Array = np.ndarray

# --- attention: the gradient from the last output to the first token ------------------------


def attention_input_jacobian(X, params: dict[str, Array], margin: float = 0.0) -> Array:
    """dy_T / dx_1 for one single-head self-attention layer, (d, d), row i = output unit i.

    X: (T, d), tokens x_1..x_T; params: "W_q", "W_k", "W_v" (d, d). y_T = sum_j a_j v_j is
    the output at the last position, with a = softmax(s), s_j = q_T . k_j / sqrt(d) (+ margin for
    j = 1: a learned focus on token 1), q_T = x_T W_q, k_j = x_j W_k, v_j = x_j W_v.
    For T >= 2 the token x_1 reaches y_T through its value and its score:

        dy_T / dx_1 = a_1 ( W_v^T + (v_1 - y_T)^T (W_k q_T^T / sqrt(d))^T ),

    both proportional to the weight a_1: with diffuse weights (a_1 ~ 1/T) the gradient is
    diluted like 1/T. For T = 1 it is W_v^T (the softmax over one key is constant).
    """
    X = np.asarray(X, dtype=float)
    d = X.shape[1]
    q = X[-1] @ params["W_q"]
    K, V = X @ params["W_k"], X @ params["W_v"]
    s = K @ q / np.sqrt(d)
    s[0] += margin
    a = attention.softmax(s)
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

    Weights from ``attention.init_attention(d, 1, seed)`` (entries N(0, 1/d)); tokens ~ N(0, I_d).
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
    params = attention.init_attention(d, 1, rng)
    x_first, x_last = rng.standard_normal((2, d))
    stream = rng.standard_normal((int(lengths.max()) - 2, d))
    norms, alphas = np.empty(len(lengths)), np.empty(len(lengths))
    for m, length in enumerate(lengths):
        X = np.vstack([x_first, stream[: length - 2], x_last])
        J = attention_input_jacobian(X, params, margin)
        s = X @ params["W_k"] @ (x_last @ params["W_q"]) / np.sqrt(d)
        s[0] += margin
        norms[m], alphas[m] = np.linalg.norm(J), attention.softmax(s)[0]
    slope = float(np.polyfit(np.log(lengths), np.log(norms), 1)[0]) if len(lengths) > 1 else np.nan
    return DistanceProfile(lengths, norms, alphas, slope)


# --- an RNN reading the article's sentence ------------------------------------------------------


class SentenceGradient(NamedTuple):
    """The gradient of a loss at word_b, at every word up to it (tanh RNN, one word a step)."""

    words: list[str]  # tokens up to and including word_b
    norms: np.ndarray  # ||dL/dh_word|| for each of those words; 1 at word_b
    lag: int  # steps from word_a to word_b
    fraction: float  # ||dL/dh_word_a|| / ||dL/dh_word_b||
    fractions_over_seeds: np.ndarray  # the same fraction for seeds 0..9
    radius: float
    activation: str


def sentence_gradient(
    sentence: str = tasks.ARTICLE_SENTENCE,
    word_a: str = "cat",
    word_b: str = "was",
    radius: float = 0.9,
    activation: str = "tanh",
    seed: int = 0,
) -> SentenceGradient:
    """The article's sentence through a tanh RNN (lessons 03 and 05): feed the words up to word_b
    to ``rnn.gradient_vs_lag``'s RNN (random vectors stand in
    for the words), put the loss at word_b, and read the gradient at every earlier word."""
    words = tasks.tokenize(sentence)
    lag = tasks.sentence_lag(sentence, word_a, word_b)
    end = words.index(word_a.lower()) + lag
    T = end + 1

    def profile(s):
        return rnn.gradient_vs_lag(T, radius, activation, n_hidden=64, seed=s)

    p = profile(seed)
    over_seeds = np.array([profile(s).norms[lag] for s in range(10)])
    return SentenceGradient(
        words[:T], p.norms[::-1].copy(), lag, float(p.norms[lag]), over_seeds, radius, activation
    )


MAX_DISTANCE = 100
"""The figure runs over distances 1..100 (layers, time steps or tokens)."""

LABELS = {
    "mlp": "sigmoid MLP (lesson 02), distance = layers",
    "rnn": "tanh RNN (lesson 03), distance = time steps",
    "lstm": "LSTM (lesson 05), distance = time steps",
    "lstm cell path": "LSTM, forget-gate product only: one path, not the gradient",
    "attention": "self-attention (lesson 07), distance = tokens",
}
COLOURS = {
    "mlp": plots.COLOURS["sigmoid"],
    "rnn": plots.COLOURS["rnn"],
    "lstm": plots.COLOURS["lstm"],
    "lstm cell path": plots.COLOURS["lstm"],
    "attention": plots.COLOURS["attention"],
}
STYLES = {"mlp": "--", "lstm cell path": ":"}
"""Line styles besides solid: the MLP's orange is close to the RNN's vermillion, so it is
dashed; the cell path shares the LSTM's colour, dotted, as a part of the LSTM's gradient."""


class Curves(NamedTuple):
    """Result of ``whole_argument``: distances (D,) = 1..max_distance, and for each curve
    (keys of ``LABELS``) the gradient norm at those distances divided by its value at distance
    1, shape (D,). 0.0 where a norm underflows float64. ``radius`` and ``forget_bias`` are the
    settings used."""

    distances: Array
    norms: dict[str, Array]
    radius: float
    forget_bias: float


@functools.lru_cache(maxsize=4)
def _mlp_curve(max_distance: int, seed: int) -> Array:
    """||dL/dh_l|| of a (max_distance + 1)-layer sigmoid MLP, from the output down: (D + 1,)."""
    stats = mlp.layer_gradient_norms(max_distance + 1, "sigmoid", "glorot", seed=seed)
    return stats.signal_norm[::-1].copy()  # entry k: k layers below the output


@functools.lru_cache(maxsize=4)
def _attention_curve(max_distance: int, seed: int) -> Array:
    """||dy_T/dx_1|| for T = 2..D + 1 (distance T - 1 = 1..D): (D,)."""
    lengths = np.arange(2, max_distance + 2)
    return attention_gradient_vs_distance(lengths, seed=seed).norms


def _relative(norms: Array) -> Array:
    """norms[1:] / norms[1]: distances 1..D relative to distance 1 (norms[0] = distance 0)."""
    return norms[1:] / norms[1]


def _read_only(a: Array) -> Array:
    """Mark a cached array read-only, so no caller can change what the cache hands out."""
    a.flags.writeable = False
    return a


@functools.lru_cache(maxsize=64)  # the slider's 29 radii, each computed once
def rnn_curve(radius: float, max_distance: int = MAX_DISTANCE, seed: int = 0) -> Array:
    """The tanh RNN's ||dL/dh_{T-k}|| for k = 1..D, relative to k = 1: (D,), read-only."""
    profile = rnn.gradient_vs_lag(max_distance + 1, radius, "tanh", seed=seed)
    with np.errstate(under="ignore", over="ignore"):
        return _read_only(np.exp(profile.log_norms[1:] - profile.log_norms[1]))


@functools.lru_cache(maxsize=64)  # the slider's 17 biases: about 20 ms each, computed once
def lstm_curves(
    forget_bias: float, max_distance: int = MAX_DISTANCE, seed: int = 0
) -> tuple[Array, Array]:
    """The LSTM's (full, cell path) for k = 1..D, each relative to k = 1: (D,), (D,), read-only.

    full: ||dL/dc_{T-k}|| through every path (``lstm.full_vs_direct``, T = D + 1);
    cell path: ||r * (product of the last k forget gates)||, the direct path alone.
    """
    res = lstm.full_vs_direct(forget_bias, T=max_distance + 1, seed=seed)
    with np.errstate(under="ignore", over="ignore"):
        return _read_only(_relative(res.full)), _read_only(_relative(res.direct))


def whole_argument(
    radius: float = 0.9, forget_bias: float = 1.0, max_distance: int = MAX_DISTANCE, seed: int = 0
) -> Curves:
    """The four networks' gradient-vs-distance curves at initialisation, each relative to
    distance 1, and the LSTM's cell path beside its gradient (five curves).

    radius: the tanh RNN's spectral radius (``rnn.init_rnn``); forget_bias: the LSTM's
    forget-gate bias (``lstm.init_lstm``). Every curve is cached: the MLP and attention
    curves depend on neither setting, and moving one setting recomputes only its own curves
    (about 3 ms for the RNN, 20 ms for the LSTM's full BPTT). Seeded and deterministic.
    """
    distances = np.arange(1, max_distance + 1)
    mlp_norms = _mlp_curve(max_distance, seed)
    attention_norms = _attention_curve(max_distance, seed)
    lstm_full, lstm_path = lstm_curves(forget_bias, max_distance, seed)
    norms = {
        "mlp": _relative(mlp_norms),
        "rnn": rnn_curve(radius, max_distance, seed),
        "lstm": lstm_full,
        "lstm cell path": lstm_path,
        "attention": attention_norms / attention_norms[0],
    }
    return Curves(distances, norms, float(radius), float(forget_bias))


def decay_per_step(curves: Curves) -> dict[str, float]:
    """Each curve's fitted factor per unit of distance, exp(slope of log norm vs distance)
    over the second half of the distances (``rnn.decay_rate``); about 1 means no decay."""
    return {
        name: float(np.exp(rnn.decay_rate(curves.distances, norms)))
        for name, norms in curves.norms.items()
    }


SHORT_LABELS = {
    "mlp": "sigmoid MLP (02)",
    "rnn": "tanh RNN (03)",
    "lstm": "LSTM (05)",
    "lstm cell path": "LSTM cell path only",
    "attention": "attention (07)",
}
"""Legend of the slider: brief and fixed (the sliders show the radius and the bias)."""


def draw(ax, curves: Curves, short: bool = False) -> None:
    """The curves on one log-scale axis; a curve that underflows or overflows is drawn by
    ``plots.gradient_vs_distance``, which marks those points on the edge.

    short=True (the slider): fixed brief legend labels, 3 ticks on x and at most 5 on y. Each
    text costs about 0.7 ms per redraw, most of the update's time, so the slider draws few."""
    if short:
        labels = SHORT_LABELS
    else:
        labels = dict(LABELS)
        labels["rnn"] = f"tanh RNN (lesson 03), radius {curves.radius:g}"
        labels["lstm"] = f"LSTM (lesson 05), forget bias {curves.forget_bias:g}"
    for name, norms in curves.norms.items():
        if np.all(np.isfinite(norms) & (norms > 0)):  # the common case: a plain line, fast
            style = STYLES.get(name, "-")
            ax.plot(curves.distances, norms, style, lw=2, color=COLOURS[name], label=labels[name])
        else:  # underflow or overflow: the course's helper marks it on the edge
            plots.gradient_vs_distance(
                ax, curves.distances, norms, label=labels[name], colour=COLOURS[name]
            )
    ax.set_yscale("log")
    ax.set_xlabel("distance (layers, time steps or tokens)")
    ax.set_ylabel("gradient norm / norm at distance 1")
    lo, hi, ticks = plots.log_axis_limits(*curves.norms.values(), max_ticks=5 if short else 6)
    ax.set_ylim(lo, max(hi, 10.0))
    ax.set_yticks(ticks)
    plots.plain_log_labels(ax.yaxis)
    if short:
        ax.set_xticks([1, 50, 100])
    ax.legend(fontsize=8, loc="lower left")


def whole_argument_figure(radius: float = 0.9, forget_bias: float = 1.0) -> Figure:
    """The course's argument as one figure (no required arguments: lesson 10 calls it bare)."""
    fig, axes = plots.figure(width=7.5, height=4.0)
    ax = axes[0, 0]
    draw(ax, whole_argument(radius, forget_bias))
    ax.set_title("How much gradient survives a distance (all at initialisation)")
    return fig
