"""Lesson 02's own code: the depth slider, the table's factor breakdown, the comparison figure.

The slider's compute function ``depth_profile`` runs ``mlp.layer_gradient_norms`` and keeps
the layer-1 / last-layer ratio and the factor per layer; its figure has two panels, the
back-propagated gradient against the distance from the output (``plots.gradient_vs_distance``)
and the spread of the activations, layer by layer, on the way forward. ``factor_breakdown``
splits the factor per layer into the typical slope of the activation and the gain of the
weights; it needs a second forward pass, so the lesson prints it in a table rather than in
the slider.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import numpy as np
from matplotlib.figure import Figure

from course_utils import plots, widgets
from course_utils.activations import get_activation
from course_utils.chain import repeated_product
from course_utils.i18n import N_, _
from course_utils.mlp import SCHEMES, LayerStats, forward, layer_gradient_norms, random_network

DEPTH_MAX = 50
ACTIVATION_CHOICES = ("sigmoid", "tanh", "relu")
SCALE_RANGE = (0.5, 2.0)

#: Fixed axes, so that settings can be compared by eye: every setting of the slider
#: (depth <= 50, scale 0.5 to 2) fits inside Y_LIMITS.
Y_LIMITS = (1e-60, 1e30)
Y_TICKS = 10.0 ** np.arange(-60, 31, 30)
X_TICKS_BACK = (0, 20, 40)
X_TICKS_FWD = (1, 25, 50)

#: Thresholds of the readout's verdict on ||dL/dh_1|| / ||dL/dh_depth||.
VANISHED, EXPLODED = 0.1, 10.0


def per_layer_factor(ratio: float, depth: int) -> float:
    """ratio ** (1 / (depth - 1)): the geometric-mean factor of the depth - 1 layers between
    h_depth and h_1, for ratio = ||dL/dh_1|| / ||dL/dh_depth||."""
    if depth < 2:
        raise ValueError(f"depth must be at least 2 to have a factor per layer, got {depth}")
    return float(ratio ** (1 / (depth - 1)))


# ----------------------------------------------------------------------------- the table


class Breakdown(NamedTuple):
    """The factor by which the back-propagated gradient changes per layer, and its two parts.

    Going down through layer l multiplies dL/dh_l elementwise by phi'(a_l), then by W_l^T.
    For a gradient pointing in a random direction, the first step scales its norm by about
    the root mean square of phi'(a_l) (``slope``) and the second by about
    ||W_l||_F / sqrt(n) (``gain``). Both are geometric means over the depth - 1 layers that
    the gradient passes on its way from h_depth down to h_1 (layers 2..depth).
    """

    ratio: float  # measured: ||dL/dh_1|| / ||dL/dh_depth||
    per_layer: float  # measured: ratio ** (1 / (depth - 1))
    slope: float  # typical slope: geometric mean of RMS(phi'(a_l))
    gain: float  # typical weight gain: geometric mean of ||W_l||_F / sqrt(n)

    @property
    def estimate(self) -> float:
        """slope x gain: the per-layer factor predicted by multiplying the two parts."""
        return self.slope * self.gain


def factor_breakdown(
    depth: int, activation: str, scheme: str, scale: float = 1.0, seed: int = 0
) -> Breakdown:
    """The measured factor per layer of ``mlp.random_network`` and its two parts (lesson 02).

    slope is 0.0 if some layer has phi' = 0 on every unit (a dead ReLU layer).
    """
    ratio = layer_gradient_norms(depth, activation, scheme, scale, seed=seed).signal_ratio
    x, _, params = random_network(depth, scheme, scale, seed=seed)
    _, cache = forward(x, params, activation)  # cache[l - 1] = (h_{l-1}, a_l)
    df = get_activation(activation).df
    slopes = [np.sqrt(np.mean(df(a) ** 2)) for _, a in cache[1:]]  # RMS of phi'(a_2..a_depth)
    gains = [np.linalg.norm(W) / np.sqrt(W.shape[0]) for W, _ in params[1:]]  # W_2..W_depth
    return Breakdown(
        ratio, per_layer_factor(ratio, depth), _geometric_mean(slopes), _geometric_mean(gains)
    )


def _geometric_mean(values) -> float:
    with np.errstate(divide="ignore"):  # a 0 gives 0.0
        return float(np.exp(np.mean(np.log(values))))


# ----------------------------------------------------------------------------- the slider


class DepthProfile(NamedTuple):
    """What the slider shows for one setting (the stats' arrays have shape (depth,), layer 1
    first)."""

    depth: int
    activation: str
    scheme: str
    scale: float
    stats: LayerStats  # from mlp.layer_gradient_norms
    signal_ratio: float  # ||dL/dh_1|| / ||dL/dh_depth||: the back-propagated gradient
    per_layer: float  # signal_ratio ** (1 / (depth - 1))

    @property
    def distance(self) -> np.ndarray:
        """Distance of layer l from the output, depth - l (depth - 1 for layer 1, 0 for the
        last), shape (depth,), in the order of the stats arrays."""
        return self.depth - np.arange(1, self.depth + 1)


@functools.lru_cache(maxsize=64)  # a menu flipped back: its setting is not computed again
def depth_profile(
    depth: int = DEPTH_MAX,
    activation: str = "sigmoid",
    scheme: str = "glorot",
    scale: float = 1.0,
    seed: int = 0,
) -> DepthProfile:
    """Compute function of the slider: per-layer norms of ``mlp.random_network`` (width 64,
    batch 32) at initialisation, and its layer-1 / last-layer ratio. depth >= 2. Seeded, so
    cached; its arrays are read-only."""
    stats = layer_gradient_norms(depth, activation, scheme, scale, seed=seed)
    for array in stats:
        array.flags.writeable = False
    ratio = stats.signal_ratio
    return DepthProfile(
        depth, activation, scheme, float(scale), stats, ratio, per_layer_factor(ratio, depth)
    )


def verdict(ratio: float) -> str:
    """'vanishing' / 'exploding' / 'kept within 10x' for ||dL/dh_1|| / ||dL/dh_depth||."""
    if ratio < VANISHED:
        return N_("vanishing")
    if ratio > EXPLODED:
        return N_("exploding")
    return N_("kept within 10x")


def draw_profile(axes: np.ndarray, result: DepthProfile) -> None:
    """Left: the back-propagated gradient against distance from the output, with the product
    of the activation's slope bounds alone. Right: activation std, layer by layer.

    Kept light for the 50 ms budget: one curve per panel, few ticks, no mathtext, a legend
    only for overflow, fixed limits, and axis labels placed by hand (so that matplotlib does
    not measure the tick labels at every redraw).
    """
    back, fwd = axes
    for ax in axes:  # the limits are fixed below: no autoscaling as the lines are added
        ax.set_autoscale_on(False)
    colour = plots.COLOURS[result.activation]
    stats = result.stats
    back_labels = ("distance from the output (layers)", "||dL/dh_l|| / value at output")
    with np.errstate(divide="ignore", invalid="ignore"):
        signal = stats.signal_norm / stats.signal_norm[-1]
    plots.gradient_vs_distance(
        back, result.distance, signal, label="||dL/dh_l||", colour=colour, legend=False
    )
    slope = get_activation(result.activation).max_slope
    back.plot(
        np.arange(result.depth),
        repeated_product(slope, result.depth - 1).values,
        ":",
        color=plots.COLOURS["bound"],
        lw=1.5,
    )
    # A legend costs as much as three titles: the title names the dotted line instead, and
    # a legend is kept only when gradient_vs_distance has marked overflow or underflow.
    if back.collections:
        back.legend(loc="lower left", fontsize=8)
    back.set_title(f"backward pass (dotted: {slope:g}^k)", fontsize=10)

    layers = np.arange(1, result.depth + 1)
    shown = stats.std > 0  # an exactly-0 spread cannot sit on a log axis
    fwd.plot(layers[shown], stats.std[shown], "-", color=colour, lw=2)
    plots.log_y(fwd)
    plots.plain_log_labels(fwd.yaxis)
    fwd.set_title("forward pass", fontsize=10)

    for ax, xticks, (xlabel, ylabel) in (
        (back, X_TICKS_BACK, back_labels),
        (fwd, X_TICKS_FWD, ("layer l (from the input)", "std of the activations h_l")),
    ):
        ax.set_xticks(xticks)
        ax.set_xlim(xticks[0] - 1, DEPTH_MAX + 1)
        ax.set_ylim(*Y_LIMITS)
        ax.set_yticks(Y_TICKS)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.xaxis.set_label_coords(0.5, -0.13)
        ax.yaxis.set_label_coords(-0.15, 0.5)


def readout_profile(result: DepthProfile) -> str:
    regime = verdict(result.signal_ratio)
    return _(
        "{activation}, {scheme} x{scale:.2f}, depth {depth}: ||dL/dh_1|| / ||dL/dh_{depth}|| = "
        "{ratio:.2g} ({verdict}); x{per_layer:.3f} per layer"
    ).format(
        activation=result.activation,
        scheme=result.scheme,
        scale=result.scale,
        depth=result.depth,
        ratio=result.signal_ratio,
        verdict=_(regime),
        per_layer=result.per_layer,
    )


def depth_slider() -> widgets.InteractiveFigure:
    """Depth, activation, initialisation scheme and weight scale -> per-layer norms."""
    controls = {
        "depth": widgets.slider(_("depth (layers)"), 2, DEPTH_MAX, 1, DEPTH_MAX, integer=True),
        "activation": widgets.dropdown(_("activation"), ACTIVATION_CHOICES, "sigmoid"),
        "scheme": widgets.dropdown(_("initialisation"), SCHEMES, "glorot"),
        "scale": widgets.slider(_("weight scale"), *SCALE_RANGE, 0.05, 1.0),
    }
    return widgets.InteractiveFigure(
        depth_profile, draw_profile, controls, readout_profile, ncols=2, width=9.5, height=3.4
    )


def init_sweep() -> Figure:
    """The slider's figure for a 50-layer ReLU network under the three initialisations."""
    return widgets.static_sweep(
        depth_profile,
        draw_profile,
        "scheme",
        list(SCHEMES),
        {"depth": DEPTH_MAX, "activation": "relu", "scale": 1.0},
        ncols=2,
        width=9.5,
        height=3.2,
        label=lambda scheme: f"relu, {scheme} init",
    )


# ----------------------------------------------------------------------------- section 5


def comparison_figure(curves: dict[tuple[str, str], np.ndarray]) -> Figure:
    """||dL/dh_l|| divided by its value at the output (arrays with layer 1 first), one curve
    per (activation, scheme), against the distance from the output; with 0.25^k, the
    product of the sigmoid's slope bounds alone. ReLU with Glorot's weights is dashed."""
    fig, axes = plots.figure(1, width=7.5, height=3.6)
    ax = axes[0, 0]
    for (activation, scheme), norm in curves.items():
        plots.gradient_vs_distance(
            ax,
            np.arange(len(norm))[::-1],
            norm,
            label=f"{activation}, {scheme}",
            colour=plots.COLOURS[activation],
            xlabel="distance from the output (layers)",
            ylabel="||dL/dh|| / its value at the output",
        )
        if (activation, scheme) == ("relu", "glorot"):
            ax.lines[-1].set_linestyle("--")
    depth = max(len(norm) for norm in curves.values())
    ax.plot(
        np.arange(depth),
        repeated_product(0.25, depth - 1).values,
        ":",
        color=plots.COLOURS["bound"],
        lw=1.5,
        label="0.25^k",
    )
    ax.legend(loc="lower left", fontsize=8)
    ax.set_yticks(10.0 ** np.arange(-30, 1, 5))
    plots.plain_log_labels(ax.yaxis)
    ax.set_title(f"The gradient reaching each layer of a {depth}-layer network, at initialisation")
    return fig
