"""Lesson 01's own code: the activation slider and the lesson's figures.

The slider's compute function ``activation_view`` evaluates an activation and its derivative
at the input x and on the panel's grid, and the mean derivative and saturated fraction of
inputs z ~ N(0, scale^2) (``activations.mean_derivative``, ``activations.saturation_fraction``).
The static figures take the arrays the lesson's cells computed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from matplotlib.figure import Figure

from course_utils import plots, widgets
from course_utils.activations import (
    ACTIVATIONS,
    get_activation,
    mean_derivative,
    saturation_fraction,
)
from course_utils.i18n import _

THRESHOLD = 0.01
"""A unit counts as saturated when its derivative is below this (the lesson's convention)."""

GRID = np.linspace(-6, 6, 241)
"""The inputs x at which the slider and the gallery draw each function, shape (241,)."""

# Fixed vertical limits per activation, so that moving x or the scale never rescales the plot.
_YLIM = {
    "sigmoid": (-0.45, 1.1),
    "tanh": (-1.2, 1.2),
    "relu": (-0.8, 3.0),
    "leaky_relu": (-0.8, 3.0),
}
_YTICKS = {
    "sigmoid": [0, 0.5, 1],
    "tanh": [-1, 0, 1],
    "relu": [0, 1, 2, 3],
    "leaky_relu": [0, 1, 2, 3],
}


def _break_jumps(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """x, y with a NaN inserted at every jump of y (relu' at 0), so no vertical line is drawn."""
    jumps = np.flatnonzero(np.abs(np.diff(y)) > 0.5) + 1
    return np.insert(x.astype(float), jumps, np.nan), np.insert(y.astype(float), jumps, np.nan)


# ----------------------------------------------------------------------------- the slider


@dataclass(frozen=True)
class ActivationView:
    """What the slider shows: phi and phi' at x, saturation at the scale, curves on GRID."""

    name: str
    x: float
    scale: float
    f: float  # phi(x)
    df: float  # phi'(x)
    max_slope: float
    mean_derivative: float  # E[phi'(z)], z ~ N(0, scale^2)
    saturated: float  # P(phi'(z) < THRESHOLD)
    f_curve: np.ndarray  # phi on GRID, (241,)
    df_curve: np.ndarray  # phi' on GRID, (241,)
    density: np.ndarray  # the density of z on GRID, scaled to peak 1, (241,)


def activation_view(name: str, x: float, scale: float) -> ActivationView:
    """Compute function of the slider, for the activation ``name``, input x and scale > 0."""
    if not scale > 0:
        raise ValueError(f"the scale must be positive, got {scale}")
    act = get_activation(name)
    return ActivationView(
        name,
        float(x),
        float(scale),
        float(act.f(x)),
        float(act.df(x)),
        act.max_slope,
        mean_derivative(name, scale),
        saturation_fraction(name, scale, THRESHOLD),
        act.f(GRID),
        act.df(GRID),
        np.exp(-0.5 * (GRID / scale) ** 2),
    )


def draw_activation(axes: np.ndarray, v: ActivationView) -> None:
    """phi (solid) and phi' (dashed) with x marked; the saturated zone, phi' < 0.01 (grey);
    where inputs z ~ N(0, s^2) fall (the bell, darker where they land in the saturated zone).

    One panel, no legend and few ticks, to stay well inside the 50 ms budget.
    """
    (ax,) = axes
    colour = plots.COLOURS[v.name]
    low, high = _YLIM[v.name]
    saturated = v.df_curve < THRESHOLD
    if saturated.any():
        ax.fill_between(
            GRID, low, high, where=saturated, color=plots.COLOURS["bound"], alpha=0.18, lw=0
        )
        zone = GRID[saturated]
        zone = zone[zone > 0] if (zone > 0).any() else zone  # label the right-hand zone
        ax.text(
            (zone[0] + zone[-1]) / 2,
            high - 0.03 * (high - low),
            "f' < 0.01",
            ha="center",
            va="top",
            fontsize=8,
            color="#555555",
        )
    bell = low + 0.3 * (high - low) * v.density
    ax.fill_between(GRID, low, bell, color=plots.OKABE_ITO["sky"], alpha=0.35, lw=0)
    ax.fill_between(
        GRID,
        low,
        bell,
        where=saturated,
        color=plots.OKABE_ITO["blue"],
        alpha=0.6,
        lw=0,
        interpolate=True,
    )
    ax.text(
        0.0,
        low + 0.31 * (high - low),
        "inputs z",
        ha="center",
        va="bottom",
        fontsize=8,
        color=plots.OKABE_ITO["blue"],
    )
    ax.plot(GRID, v.f_curve, "-", color=colour, lw=2)
    ax.plot(*_break_jumps(GRID, v.df_curve), "--", color=colour, lw=2)
    if GRID[0] <= v.x <= GRID[-1]:
        ax.plot([v.x, v.x], [v.f, v.df], "o", color=plots.OKABE_ITO["black"], ms=5)
    ax.set_xlim(GRID[0], GRID[-1])
    ax.set_xticks([-6, -4, -2, 0, 2, 4, 6])
    ax.set_ylim(low, high)
    ax.set_yticks(_YTICKS[v.name])
    ax.set_xlabel("input x (pre-activation, no unit)")
    ax.set_ylabel("f solid, f' dashed")
    ax.set_title(f"{v.name}: {100 * v.saturated:.1f} % of inputs saturated")


def readout_activation(v: ActivationView) -> str:
    return _(
        "{name} at x = {x:.2f}: f = {f:.3g}, f' = {df:.3g} (max {max_slope:g}); inputs at "
        "scale {scale:.2g}: mean f' = {mean:.3f}, {saturated:.1f} % saturated (f' < {threshold:g})"
    ).format(
        name=v.name,
        x=v.x,
        f=v.f,
        df=v.df,
        max_slope=v.max_slope,
        scale=v.scale,
        mean=v.mean_derivative,
        saturated=100 * v.saturated,
        threshold=THRESHOLD,
    )


def activation_slider() -> widgets.InteractiveFigure:
    """Drag x in [-6, 6] and the scale over 0.1 .. 100; choose the activation."""
    controls = {
        "name": widgets.dropdown(_("activation"), list(ACTIVATIONS), "tanh"),
        "x": widgets.slider(_("input x"), -6.0, 6.0, 0.05, 2.0),
        "scale": widgets.log_slider(_("pre-activation scale s"), -1, 2, 1.0, step=0.05),
    }
    return widgets.InteractiveFigure(
        activation_view,
        draw_activation,
        controls,
        readout_activation,
        width=7.0,
        height=3.3,
        layout_at={"name": "sigmoid"},  # the widest tick labels: 0.5
    )


def activation_sweep() -> Figure:
    """The slider's figure for tanh at x = 2, at scales 0.5, 2 and 8, side by side."""
    return widgets.static_sweep(
        activation_view,
        draw_activation,
        "scale",
        [0.5, 2.0, 8.0],
        {"name": "tanh", "x": 2.0},
        width=10.0,
        height=3.0,
        label=lambda s: f"scale {s:g}",
    )


# ----------------------------------------------------------------------------- static figures


def activation_gallery() -> Figure:
    """The four activations (left) and their derivatives (right) on GRID."""
    fig, axes = plots.figure(2, width=9.0, height=3.2)
    left, right = axes[0]
    for name, act in ACTIVATIONS.items():
        # relu and leaky relu almost coincide: leaky relu is drawn dashed on top
        style = {"ls": "--", "lw": 1.5} if name == "leaky_relu" else {"ls": "-", "lw": 2.5}
        left.plot(GRID, act.f(GRID), color=plots.COLOURS[name], label=name, **style)
        right.plot(
            *_break_jumps(GRID, act.df(GRID)), color=plots.COLOURS[name], label=name, **style
        )
    left.set_ylim(-1.3, 3.0)
    left.set_title("activation functions f(x)")
    left.set_ylabel("f(x)")
    right.set_ylim(-0.05, 1.1)
    right.axhline(0.25, color=plots.COLOURS["bound"], lw=0.8, ls=":")
    right.text(-5.8, 0.27, "1/4", color=plots.COLOURS["bound"], fontsize=8)
    right.set_title("their derivatives f'(x)")
    right.set_ylabel("f'(x)")
    for ax in (left, right):
        ax.set_xlabel("input x (pre-activation, no unit)")
        ax.legend(loc="upper left", fontsize=8)
    return fig


def step_size_figure(steps: np.ndarray, errors: dict[str, np.ndarray]) -> Figure:
    """Log-log plot of each error curve against the step h, with its smallest error marked.

    steps: (n,); errors: label -> (n,) errors, e.g. {"central, float64": ...}; a label that
    starts with "forward" is dashed. Exact zeros (no point on a log axis) are left out.
    """
    fig, axes = plots.figure(1, width=7.0, height=3.6)
    ax = axes[0, 0]
    colours = (plots.OKABE_ITO["blue"], plots.OKABE_ITO["orange"], plots.OKABE_ITO["vermillion"])
    for (label, curve), colour in zip(errors.items(), colours, strict=False):
        curve = np.asarray(curve)
        style = "--" if label.startswith("forward") else "-"
        ok = curve > 0
        ax.plot(steps[ok], curve[ok], style, color=colour, lw=2, label=label)
        best = np.argmin(curve)
        ax.plot([steps[best]], [curve[best]], "o", color=colour, ms=6)
    ax.set_xscale("log")
    ax.set_yscale("log")
    plots.plain_log_labels(ax.xaxis)
    plots.plain_log_labels(ax.yaxis)
    ax.text(1.5e-12, 3e-3, "round-off error ~ 1/h", fontsize=8)
    ax.text(
        3e-3, 3e-12, "truncation error:\n~ h (forward), ~ h² (central)", fontsize=8, ha="center"
    )
    ax.set_xlabel("step h (log scale)")
    ax.set_ylabel("max |error| of the derivative")
    ax.set_title("Finite-difference error of the sigmoid's derivative")
    ax.legend(loc="lower left", fontsize=8)
    return fig


def saturation_figure(scales: np.ndarray, fractions: dict[str, np.ndarray]) -> Figure:
    """Saturated fraction P(phi'(z) < 0.01), z ~ N(0, s^2), against the scale s (log axis).

    scales: (n,); fractions: activation name -> (n,) fractions in [0, 1].
    """
    fig, axes = plots.figure(1, width=7.0, height=3.3)
    ax = axes[0, 0]
    for name, fraction in fractions.items():
        ax.plot(scales, 100 * np.asarray(fraction), color=plots.COLOURS[name], lw=2, label=name)
    ax.set_xscale("log")
    ax.set_xticks([0.1, 1, 10, 100], ["0.1", "1", "10", "100"])
    ax.set_xlabel("pre-activation scale s (standard deviation of z, log scale)")
    ax.set_ylabel("saturated inputs (%)")
    ax.set_ylim(-3, 103)
    ax.set_title("Share of inputs z ~ N(0, s²) with f'(z) < 0.01")
    ax.text(0.12, 53, "relu: f' = 0 for every z < 0", fontsize=8, color=plots.COLOURS["relu"])
    ax.text(
        0.12,
        5,
        "leaky relu: f' = 0.01 for z < 0, not below 0.01",
        fontsize=8,
        color=plots.COLOURS["leaky_relu"],
    )
    ax.legend(loc="upper left", fontsize=8)
    return fig
