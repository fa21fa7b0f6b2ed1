"""Lesson 02's slider: the gradient, layer by layer, through a deep MLP at initialisation.

The compute function ``depth_profile`` runs ``mlp.layer_gradient_norms`` (the network and its
hand-written backward pass, ~5 ms at depth 50) and keeps the layer-1 / last-layer ratios and
the factor per layer. ``factor_breakdown`` splits that factor into its two parts, the typical
slope of the activation and the gain of the weights; it needs a second forward pass, so the
lesson prints it in a table rather than inside the 50 ms slider update. ``weight_gain`` is
the gain each initialisation scheme promises on paper.

The figure has two panels: the back-propagated gradient against the distance from the output
(the course's recurring figure, ``plots.gradient_vs_distance``) and the spread of the
activations, layer by layer, on the way forward.
"""

from __future__ import annotations

import math
import weakref
from typing import NamedTuple

import numpy as np

from course_utils import plots, widgets
from course_utils.activations import get_activation
from course_utils.chain import repeated_product
from course_utils.gradcheck import relative_error
from course_utils.mlp import (
    SCHEMES,
    LayerStats,
    backward,
    forward,
    init_weights,
    layer_gradient_norms,
)

WIDTH = 64
BATCH = 32
DEPTH_MAX = 50
ACTIVATIONS = ("sigmoid", "tanh", "relu")
SCALE_RANGE = (0.5, 2.0)

#: n_in * Var(W) of each scheme of ``mlp.init_weights`` for a square layer (n_in = n_out):
#: standard 1 / 3, Glorot 2n / (n + n) = 1, He 2. Its square root is the weights' gain.
GAIN_SQUARED = {"standard": 1 / 3, "glorot": 1.0, "he": 2.0}

#: Fixed axes, so that settings can be compared by eye: every setting of the slider
#: (depth <= 50, scale 0.5 to 2) fits inside Y_LIMITS.
Y_LIMITS = (1e-60, 1e30)
Y_TICKS = 10.0 ** np.arange(-60, 31, 30)
X_TICKS_BACK = (0, 20, 40)
X_TICKS_FWD = (1, 25, 50)

#: Thresholds of the readout's verdict on ||dL/dh_1|| / ||dL/dh_depth||.
VANISHED, EXPLODED = 0.1, 10.0


class AutogradComparison(NamedTuple):
    """Section 2's check: our backward pass against PyTorch's autograd on the same network."""

    errors: list[float]  # relative error of dx, then dW_l and db_l for every layer
    grad_first: float  # ||dL/dW_1||, ours
    grad_first_torch: float  # ||dL/dW_1||, PyTorch's
    grad_last: float  # ||dL/dW_depth||, ours


def autograd_comparison(depth: int = 50, seed: int = 0) -> AutogradComparison:
    """A depth-layer sigmoid network (64 units, Glorot, batch 32) run twice: our numpy
    forward and hand-written backward, and PyTorch in float64 with autograd. The loss is
    L = sum(h_depth * r) for a fixed random r, so dL/dh_depth = r."""
    import torch

    from course_utils.env import use_one_thread

    use_one_thread()
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((32, 64))
    r = rng.standard_normal((32, 64))
    params = init_weights([64] * (depth + 1), "glorot", seed=rng)

    # numpy: our forward pass and hand-written backward pass
    _, cache = forward(x, params, "sigmoid")
    grads, dx = backward(r, params, cache, "sigmoid")

    # PyTorch, float64: the same network; autograd computes the backward pass
    x_t = torch.tensor(x, requires_grad=True)
    params_t = [
        (torch.tensor(W, requires_grad=True), torch.tensor(b, requires_grad=True))
        for W, b in params
    ]
    h = x_t
    for W, b in params_t:
        h = torch.sigmoid(h @ W + b)
    (h * torch.tensor(r)).sum().backward()

    errors = [relative_error(dx, x_t.grad.numpy())]
    for (dW, db), (W, b) in zip(grads, params_t, strict=True):
        errors += [relative_error(dW, W.grad.numpy()), relative_error(db, b.grad.numpy())]
    return AutogradComparison(
        errors,
        float(np.linalg.norm(grads[0][0])),
        float(np.linalg.norm(params_t[0][0].grad.numpy())),
        float(np.linalg.norm(grads[-1][0])),
    )


def weight_gain(scheme: str, scale: float = 1.0) -> float:
    """scale * sqrt(n * Var(W)): how much W^T stretches a random vector, on average.

    For W of shape (n, n) with independent zero-mean entries of variance Var(W), and any
    fixed vector v, E ||W v||^2 = n Var(W) ||v||^2. Standard 0.577, Glorot 1, He 1.414.
    """
    if scheme not in GAIN_SQUARED:
        raise ValueError(f"unknown scheme {scheme!r}; choose one of {SCHEMES}")
    return scale * math.sqrt(GAIN_SQUARED[scheme])


def per_layer_factor(ratio: float, depth: int) -> float:
    """ratio ** (1 / (depth - 1)): the geometric-mean factor of the depth - 1 layers between
    h_depth and h_1, for ratio = ||dL/dh_1|| / ||dL/dh_depth||."""
    if depth < 2:
        raise ValueError(f"depth must be at least 2 to have a factor per layer, got {depth}")
    return float(ratio ** (1 / (depth - 1)))


class DepthProfile(NamedTuple):
    """What the slider shows for one setting (arrays have shape (depth,), layer 1 first)."""

    depth: int
    activation: str
    scheme: str
    scale: float
    stats: LayerStats  # from mlp.layer_gradient_norms
    signal_ratio: float  # ||dL/dh_1|| / ||dL/dh_depth||: the back-propagated gradient
    weight_ratio: float  # ||dL/dW_1|| / ||dL/dW_depth||: the weight gradient
    per_layer: float  # signal_ratio ** (1 / (depth - 1))

    @property
    def distance(self) -> np.ndarray:
        """Distance of layer l from the output, depth - l (depth - 1 for layer 1, 0 for the
        last), shape (depth,), in the order of the stats arrays."""
        return self.depth - np.arange(1, self.depth + 1)


def depth_profile(
    depth: int = DEPTH_MAX,
    activation: str = "sigmoid",
    scheme: str = "glorot",
    scale: float = 1.0,
    seed: int = 0,
) -> DepthProfile:
    """Compute function of the slider: per-layer norms of a fresh depth-layer MLP (width 64,
    batch 32, seed 0) at initialisation, and its layer-1 / last-layer ratios. depth >= 2."""
    stats = layer_gradient_norms(depth, activation, scheme, scale, WIDTH, BATCH, seed)
    with np.errstate(divide="ignore", invalid="ignore"):
        signal = float(stats.signal_norm[0] / stats.signal_norm[-1])
        weight = float(np.float64(stats.grad_norm[0]) / stats.grad_norm[-1])
    return DepthProfile(
        depth,
        activation,
        scheme,
        float(scale),
        stats,
        signal,
        weight,
        per_layer_factor(signal, depth),
    )


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


def _network(depth: int, scheme: str, scale: float, seed: int):
    """The input x, the loss weights r and the parameters, drawn exactly as
    ``mlp.layer_gradient_norms`` draws them (a test checks that the two agree)."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((BATCH, WIDTH))
    r = rng.standard_normal((BATCH, WIDTH))
    params = init_weights([WIDTH] * (depth + 1), scheme, scale, rng)
    return x, r, params


def _geometric_mean(values: np.ndarray) -> float:
    with np.errstate(divide="ignore"):  # a 0 gives 0.0
        return float(np.exp(np.mean(np.log(values))))


def factor_breakdown(
    depth: int, activation: str, scheme: str, scale: float = 1.0, seed: int = 0
) -> Breakdown:
    """The measured per-layer factor of ``depth_profile``'s network and its two parts.

    slope is 0.0 if some layer has phi' = 0 on every unit (a dead ReLU layer).
    """
    profile = depth_profile(depth, activation, scheme, scale, seed)
    x, _, params = _network(depth, scheme, scale, seed)
    _, cache = forward(x, params, activation)
    pre = np.array([a for _, a in cache[1:]])  # a_2 .. a_depth: (depth - 1, batch, width)
    slopes = np.sqrt(np.mean(get_activation(activation).df(pre) ** 2, axis=(1, 2)))
    weights = np.array([W for W, _ in params[1:]])  # W_2 .. W_depth: (depth - 1, n, n)
    gains = np.linalg.norm(weights, axis=(1, 2)) / np.sqrt(WIDTH)
    return Breakdown(
        profile.signal_ratio, profile.per_layer, _geometric_mean(slopes), _geometric_mean(gains)
    )


# ----------------------------------------------------------------------------- the figure


def verdict(ratio: float) -> str:
    """'vanishing' / 'exploding' / 'kept within 10x' for ||dL/dh_1|| / ||dL/dh_depth||."""
    if ratio < VANISHED:
        return "vanishing"
    if ratio > EXPLODED:
        return "exploding"
    return "kept within 10x"


#: Axes whose scale, ticks and label positions are already set (see ``_prepare``).
_PREPARED: weakref.WeakSet = weakref.WeakSet()


def _prepare(ax, xticks: tuple[int, ...], xlabel: str, ylabel: str) -> None:
    """Log scale, fixed ticks, and labels placed by hand, once per axes: placing labels by
    hand spares matplotlib from measuring every tick label at each redraw."""
    ax.set_yscale("log")
    ax.set_xticks(xticks)
    ax.set_yticks(Y_TICKS)
    plots.plain_log_labels(ax.yaxis)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.xaxis.set_label_coords(0.5, -0.13)
    ax.yaxis.set_label_coords(-0.15, 0.5)
    _PREPARED.add(ax)


def draw_profile(axes: np.ndarray, result: DepthProfile) -> None:
    """Left: the back-propagated gradient against distance from the output, with the product
    of the activation's slope bounds alone. Right: activation std, layer by layer.

    Kept light for the 50 ms budget: one curve per panel, few ticks, no mathtext, a legend
    at a fixed place, axis labels and titles placed by hand, fixed limits.
    """
    back, fwd = axes
    colour = plots.COLOURS[result.activation]
    stats = result.stats
    xlabel, ylabel = "distance from the output (layers)", "||dL/dh_l|| / value at output"
    with np.errstate(divide="ignore", invalid="ignore"):
        signal = stats.signal_norm / stats.signal_norm[-1]
    plots.gradient_vs_distance(
        back,
        result.distance,
        signal,
        label="||dL/dh_l||",
        colour=colour,
        xlabel=xlabel,
        ylabel=ylabel,
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
    else:
        back.legend_.remove()
    back.set_title(f"backward pass (dotted: {slope:g}^k)", fontsize=10, y=1.0)

    layers = np.arange(1, result.depth + 1)
    shown = stats.std > 0  # an exactly-0 spread cannot sit on a log axis
    fwd.plot(layers[shown], stats.std[shown], "-", color=colour, lw=2)
    fwd.set_title("forward pass", fontsize=10, y=1.0)

    for ax, xticks, labels in (
        (back, X_TICKS_BACK, (xlabel, ylabel)),
        (fwd, X_TICKS_FWD, ("layer l (from the input)", "std of the activations h_l")),
    ):
        if ax not in _PREPARED:
            _prepare(ax, xticks, *labels)
        ax.set_xlim(xticks[0] - 1, DEPTH_MAX + 1)
        ax.set_ylim(*Y_LIMITS)
        ax.set_yticks(Y_TICKS)  # again: gradient_vs_distance's set_yscale resets the ticks


def readout_profile(result: DepthProfile) -> str:
    return (
        f"{result.activation}, {result.scheme} x{result.scale:.2f}, depth {result.depth}: "
        f"||dL/dh_1|| / ||dL/dh_{result.depth}|| = {result.signal_ratio:.2g} "
        f"({verdict(result.signal_ratio)}); x{result.per_layer:.3f} per layer"
    )


def depth_slider() -> widgets.InteractiveFigure:
    """Depth, activation, initialisation scheme and weight scale -> per-layer norms."""
    controls = {
        "depth": widgets.slider("depth (layers)", 2, DEPTH_MAX, 1, DEPTH_MAX, integer=True),
        "activation": widgets.dropdown("activation", ACTIVATIONS, "sigmoid"),
        "scheme": widgets.dropdown("initialisation", SCHEMES, "glorot"),
        "scale": widgets.slider("weight scale", *SCALE_RANGE, 0.05, 1.0),
    }
    return widgets.InteractiveFigure(
        depth_profile, draw_profile, controls, readout_profile, ncols=2, width=9.5, height=3.4
    )


def init_sweep():
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


#: The settings of the lesson's first figure: (activation, scheme).
COMPARED = (("sigmoid", "glorot"), ("tanh", "glorot"), ("relu", "glorot"), ("relu", "he"))


def comparison_figure(depth: int = DEPTH_MAX):
    """One panel: the back-propagated gradient against distance for the COMPARED settings,
    with 0.25^k, the product of sigmoid slope bounds alone, for reference."""
    fig, axes = plots.figure(1, width=7.5, height=3.6)
    ax = axes[0, 0]
    for activation, scheme in COMPARED:
        result = depth_profile(depth, activation, scheme)
        norm = result.stats.signal_norm / result.stats.signal_norm[-1]
        plots.gradient_vs_distance(
            ax,
            result.distance,
            norm,
            label=f"{activation}, {scheme}",
            colour=plots.COLOURS[activation],
            xlabel="distance from the output (layers)",
            ylabel="||dL/dh|| / its value at the output",
        )
        if (activation, scheme) == ("relu", "glorot"):
            ax.lines[-1].set_linestyle("--")
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
