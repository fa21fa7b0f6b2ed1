"""How much gradient survives a distance: the course's recurring measurement, and its whole
argument in one figure.

- An RNN's gradient against the time lag (lessons 03 and 04): ``lag_profile`` reads
  ``rnn.gradient_vs_lag`` (its measured slope, Pascanu et al.'s bound, vanishing or exploding,
  overflow), ``draw_lag`` and ``readout_lag`` show it; each lesson builds its slider and
  sweep on them, with its own controls.
- The gradient from attention's last output to its first token (lessons 07 and 09):
  ``attention_input_jacobian`` and ``attention_gradient_vs_distance``.
- The whole argument (lessons 09 to 11): four networks at initialisation on one log-scale plot
  of gradient norm against distance, each divided by its value at distance 1, so that the
  figure compares *how fast* each gradient falls, not the networks' arbitrary scales:

  - a deep sigmoid MLP (``mlp.layer_gradient_norms``): distance = layers below the output,
    the norm of dL/dh_l (Glorot init, width 64);
  - a tanh RNN (``rnn.gradient_vs_lag``): distance = time lag k, ||dL/dh_{T-k}|| for
    L = <r, h_T> (64 units, spectral radius 0.9 by default);
  - an LSTM (``lstm.full_vs_direct``): distance = lag k, ||dL/dc_{T-k}|| for L = <r, c_T>, by
    full backpropagation through time (64 units, forget-gate bias 1 by default). Beside it,
    drawn dotted and labelled as such, the same LSTM's direct cell path alone,
    ||r * f_T * ... * f_{T-k+1}||: one path of the gradient, not the gradient;
  - one self-attention layer (``attention_gradient_vs_distance``): distance = T - 1,
    ||dy_T/dx_1|| from the last output to the first token (d = 64, diffuse weights).

  The MLP and RNN decay exponentially (a straight line on the log axis); the LSTM's gradient
  with forget bias 1 decays too, far more slowly, and with a large forget bias it stops
  decaying; attention, whose path is one step long at any distance, only dilutes like
  1/distance. ``whole_argument()`` returns the curves, ``whole_argument_figure(curves)`` draws them.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
from matplotlib.figure import Figure

from course_utils import attention, lstm, mlp, plots, rnn
from course_utils.i18n import N_, _

Array = np.ndarray

# --- an RNN's gradient against the time lag -------------------------------------------------

SLOPE_TOLERANCE = 0.02
"""A measured slope within this of 0 (per step) counts as "at the boundary"."""


class LagResult(NamedTuple):
    """One setting of the gradient-against-lag figure: ``rnn.gradient_vs_lag`` and its reading.

    slope: ``profile.slope()``, the fit of log ||dL/dh_{T-k}|| over the second half of the
    lags (nan if fewer than 2 finite points). regime: "overflow" if the forward state passed
    float64's range (the Jacobians are then undefined), else "exploding", "vanishing" or "at
    the boundary" by the slope's sign.
    """

    activation: str
    scaling: str  # "radius": the radius set W_hh's spectral radius; "spectral": sigma_max
    profile: rnn.LagProfile
    slope: float
    regime: str

    @property
    def T(self) -> int:
        return len(self.profile.lags)

    @property
    def bound_slope(self) -> float:
        """log(gamma sigma_max): the slope of Pascanu et al.'s bound, which no slope exceeds."""
        return math.log(self.profile.gamma * self.profile.sigma_max)

    @property
    def undefined_from(self) -> int | None:
        """The first lag whose gradient is undefined because the state overflowed, or None."""
        lags = np.flatnonzero(np.isnan(self.profile.norms))
        return int(lags[0]) if lags.size else None


def lag_profile(
    T: int = 100,
    radius: float = 0.9,
    activation: str = "tanh",
    scaling: str = "radius",
    seed: int = 0,
) -> LagResult:
    """Compute function of the gradient-against-lag sliders (lessons 03 and 04): the RNN of
    ``rnn.gradient_vs_lag`` (64 units), with W_hh's spectral radius (scaling="radius") or
    largest singular value (scaling="spectral") set to ``radius``."""
    profile = rnn.gradient_vs_lag(int(T), float(radius), activation, seed=seed, norm=scaling)
    try:
        slope = profile.slope()
    except ValueError:  # fewer than 2 defined points: the state overflowed at once
        slope = math.nan
    if np.isnan(profile.norms).any():
        regime = N_("overflow")
    elif slope > SLOPE_TOLERANCE:
        regime = N_("exploding")
    elif slope < -SLOPE_TOLERANCE:
        regime = N_("vanishing")
    else:
        regime = N_("at the boundary")
    return LagResult(activation, scaling, profile, slope, regime)


def power_of_ten(log_value: float) -> str:
    """exp(log_value) to 2 significant digits, also beyond float64's range: '1.5e-25',
    '0.0071', '230', '2e+477'; '0' and 'inf' for infinite logs."""
    if not math.isfinite(log_value):
        return "0" if log_value < 0 else "inf"
    exponent = log_value / math.log(10)
    whole = math.floor(exponent)
    mantissa = round(10 ** (exponent - whole), 1)
    if mantissa == 10:
        mantissa, whole = 1.0, whole + 1
    if -3 <= whole < 3:
        return f"{round(mantissa * 10.0**whole, 1 - whole):g}"
    return f"{mantissa:g}e{whole:+d}"


def _slope_text(slope: float, unit: str = "") -> str:
    return "n/a" if math.isnan(slope) else f"{slope:+.2f}{unit}"


def readout_lag(res: LagResult) -> str:
    """One line: the settings, the regime, the gradient at the last lag, the measured slope
    against the bound's."""
    p, last = res.profile, res.T - 1
    if res.scaling == "spectral":
        weights = f"sigma_max = {p.sigma_max:.2f} (rho {p.rho:.2f})"
    else:
        weights = f"rho = {p.rho:.2f} (sigma_max {p.sigma_max:.2f})"
    if res.undefined_from is not None:
        value = _(
            "the state h_t passed float64's maximum (1.8e308), so the gradient is undefined "
            "from lag {lag} on (▲)"
        ).format(lag=res.undefined_from)
    else:
        value = _("gradient at lag {lag} = {value} of lag 0").format(
            lag=last, value=power_of_ten(p.log_norms[last])
        )
        if np.isinf(p.norms).any():
            first = int(np.argmax(np.isinf(p.norms)))
            value += _(", past float64's maximum (1.8e308) from lag {lag} on (▲)").format(lag=first)
        elif p.norms[last] == 0:
            value += _(", below float64's smallest number (▼)")
    return _(
        "{activation}, {weights}, T = {T}: {regime}; {value}; measured slope {slope} vs bound "
        "log(gamma sigma_max) = {bound:+.2f}"
    ).format(
        activation=res.activation,
        weights=weights,
        T=res.T,
        regime=_(res.regime),
        value=value,
        slope=_slope_text(res.slope, "/step"),
        bound=res.bound_slope,
    )


def draw_lag(axes: np.ndarray, res: LagResult, *, slider: bool = False) -> None:
    """The measured gradient (solid), Pascanu's bound (dashed) and rho^k, a linear RNN's rate
    (dotted), against the lag on a log axis; the title gives the regime, then both slopes.

    slider=True (the sliders): the legend right of the plot, and the title the regime alone
    (the readout gives the slopes), so that neither changes with every move (`plots.Blitter`
    then keeps them in the background)."""
    (ax,) = axes
    p = res.profile
    with np.errstate(over="ignore", under="ignore"):
        rho_k = np.exp(p.lags * math.log(p.rho))
    end = plots.nice_ceiling(max(res.T - 1, 1))  # the lag axis' end: steady while T moves a little
    # Fix the y range first: autoscaling a log axis near 1e308 overflows inside matplotlib.
    # It holds the three lines continued to the axis' end, so it too stays put as T moves.
    low, high, ticks = plots.steady_log_limits(
        ax, p.norms, p.bound, rho_k, _continued(res, end), np.array([0.1, 10.0])
    )
    plots.log_y(ax)
    ax.set_ylim(low, high)
    ax.set_autoscaley_on(False)
    ax.axhline(1.0, color=plots.COLOURS["bound"], lw=0.8)
    keep = np.isfinite(rho_k) & (rho_k > 0)
    ax.plot(
        p.lags[keep], rho_k[keep], ":", color=plots.COLOURS["bound"], lw=1.5, label="ρ^k (linear)"
    )
    plots.gradient_vs_distance(
        ax,
        p.lags,
        p.norms,
        label=res.activation,
        bound=p.bound,
        xlabel="time lag k (steps back from the loss)",
        ylabel="‖dL/dh_(T−k)‖",
        legend=False,
    )
    ax.set_yticks(ticks)
    ax.set_xlim(0, end)
    if slider:
        plots.legend_outside(ax, fontsize=8)
        ax.set_title(res.regime)
    else:
        ax.legend(loc="best", fontsize=8)
        ax.set_title(f"{res.regime}\nslope {_slope_text(res.slope)} (bound {res.bound_slope:+.2f})")


def _continued(res: LagResult, lag: float) -> Array:
    """Where the measured gradient (at its measured slope), the bound and rho^k would be at
    `lag`, clamped to 1e-300..1e300 (a log axis' range); the measured one left out if its slope
    is undefined."""
    p, last = res.profile, res.T - 1
    logs = [p.log_bound[last] + (lag - last) * res.bound_slope, lag * math.log(p.rho)]
    if math.isfinite(res.slope) and math.isfinite(p.log_norms[last]):
        logs.append(p.log_norms[last] + (lag - last) * res.slope)
    return plots.exp_on_log_axis(logs)


def slope_table(
    radii: Sequence[float],
    activations: Sequence[str],
    T: int = 100,
    seed: int = 0,
) -> dict[tuple[str, float], LagResult]:
    """``lag_profile`` at every (activation, radius) pair (spectral-radius scaling)."""
    return {(a, r): lag_profile(T, r, a, seed=seed) for a in activations for r in radii}


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
    decays like 1/T, polynomially (an RNN's decays exponentially, ``rnn.gradient_vs_lag``).
    margin > 0 adds a learned focus on token 1: the gradient stays O(1) until T >> exp(margin).
    T: lengths >= 2.
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


# --- the whole argument: four networks on one figure ------------------------------------------

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


@functools.lru_cache(maxsize=64)  # each of the slider's radii computed once
def rnn_curve(radius: float, max_distance: int = MAX_DISTANCE, seed: int = 0) -> Array:
    """The tanh RNN's ||dL/dh_{T-k}|| for k = 1..D, relative to k = 1: (D,), read-only."""
    profile = rnn.gradient_vs_lag(max_distance + 1, radius, "tanh", seed=seed)
    with np.errstate(under="ignore", over="ignore"):
        return _read_only(np.exp(profile.log_norms[1:] - profile.log_norms[1]))


@functools.lru_cache(maxsize=64)  # each of the slider's biases computed once
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
    curves depend on neither setting, and moving one setting recomputes only its own curves.
    Seeded and deterministic.
    """
    distances = np.arange(1, max_distance + 1)
    mlp_norms = _mlp_curve(max_distance, seed)
    attention_norms = _attention_curve(max_distance, seed)
    # Rounded, so that a slider's value finds its cached curves whether it arrives as 1.0 or
    # as 1.0000000000000002 (step arithmetic).
    radius, forget_bias = round(float(radius), 9), round(float(forget_bias), 9)
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


def draw(ax, curves: Curves, brief: bool = False) -> None:
    """The curves on one log-scale axis; a curve that underflows or overflows is drawn by
    ``plots.gradient_vs_distance``, which marks those points on the edge.

    brief=True (the slider): fixed brief legend labels, 3 ticks on x and at most 5 on y, as
    drawing text is most of a redraw's time."""
    if brief:
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
    plots.log_y(ax)
    ax.set_xlabel("distance (layers, time steps or tokens)")
    ax.set_ylabel("gradient norm / norm at distance 1")
    lo, hi, ticks = plots.log_axis_limits(*curves.norms.values(), max_ticks=5 if brief else 6)
    ax.set_ylim(lo, max(hi, 10.0))
    ax.set_yticks(ticks)
    plots.plain_log_labels(ax.yaxis)
    if brief:
        ax.set_xticks([1, 50, 100])
    ax.legend(fontsize=8, loc="lower left")


def whole_argument_figure(curves: Curves) -> Figure:
    """The course's argument as one figure (lesson 09): the curves of ``whole_argument``."""
    fig, axes = plots.figure(width=7.5, height=4.0)
    ax = axes[0, 0]
    draw(ax, curves)
    ax.set_title("How much gradient survives a distance (all at initialisation)")
    return fig
