"""The course's whole argument in one figure: how much gradient survives a distance.

Four networks, each measured with the course function of the lesson that built it, at
initialisation (nothing is trained), on one log-scale plot of gradient norm against distance:

- a deep sigmoid MLP (lesson 02, ``mlp.layer_gradient_norms``): distance = layers below the
  output, the norm of dL/dh_l (Glorot init, width 64);
- a tanh RNN (lesson 03, ``rnn.gradient_vs_lag``): distance = time lag k, ||dL/dh_{T-k}||
  for L = <r, h_T> (64 units, spectral radius 0.9 by default);
- an LSTM (lesson 05, ``full_vs_direct``): distance = lag k, ||dL/dc_{T-k}|| for
  L = <r, c_T>, by full backpropagation through time, every path through c, h and the gates
  (64 units, forget-gate bias 1 by default). Beside it, drawn dotted and labelled as such, the
  same LSTM's direct cell path alone, ||r * f_T * ... * f_{T-k+1}||: one path of the gradient
  (the product of the forget gates), not the gradient (lesson 05 measures both);
- one self-attention layer (lessons 07 and 09, ``attention.attention_gradient_vs_distance``):
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
from typing import NamedTuple

import numpy as np
from matplotlib.figure import Figure

from course_utils import attention, mlp, plots, rnn
from course_utils.sliders.lesson05 import full_vs_direct  # lesson 05's full BPTT of the LSTM

Array = np.ndarray

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
    return attention.attention_gradient_vs_distance(lengths, seed=seed).norms


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

    full: ||dL/dc_{T-k}|| through every path (lesson 05's ``full_vs_direct``, T = D + 1);
    cell path: ||r * (product of the last k forget gates)||, the direct path alone.
    """
    res = full_vs_direct(forget_bias, T=max_distance + 1, seed=seed)
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
