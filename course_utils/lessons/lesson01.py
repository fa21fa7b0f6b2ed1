"""Lesson 01's slider and figures: activations, their derivatives, saturation, step sizes.

- ``activation_slider``: input x, pre-activation scale s and the activation (dropdown) ->
  the function and its derivative with x marked, the saturated zone (phi' < 0.01), and where
  inputs z ~ N(0, s^2) fall; the readout gives phi(x), phi'(x), E[phi'(z)] and the saturated
  fraction. ``activation_sweep`` is the same figure at three scales.
- ``saturation_figure``: the saturated fraction against the scale, all four activations.
- ``activation_gallery``: the four activations and their derivatives (static).
- ``step_size_study`` / ``step_size_figure``: finite-difference error against the step h,
  central (float64, float32) and forward (float64), on a log-log plot (static).
- ``derivatives_three_ways``: a derivative by hand, by central differences, by autograd.

Every compute function is pure and tested in tests/unit/test_lesson01.py; the numbers the
lesson states come from these functions and from ``course_utils.activations``.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
from matplotlib.figure import Figure

from course_utils import plots, widgets
from course_utils.activations import (
    ACTIVATIONS,
    PANEL_GRID,
    activation_panel,
    get_activation,
    saturation_fraction,
)
from course_utils.gradcheck import autograd_gradient, derivative_central, fd_error_vs_step

NAMES = ("sigmoid", "tanh", "relu", "leaky_relu")
THRESHOLD = 0.01
"""A unit counts as saturated when its derivative is below this (the lesson's convention)."""

SCALES = np.logspace(-1, 2, 61)
"""Pre-activation scales 0.1 .. 100 at which the saturation curves are drawn, shape (61,)."""

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


# ----------------------------------------------------------------------------- saturation


def saturation_cutoff(name: str, threshold: float = THRESHOLD) -> float:
    """The c > 0 beyond which phi'(x) < threshold for |x| > c (sigmoid and tanh only).

    From sigma'(c) = t <=> sigma(c) (1 - sigma(c)) = t: c = 2 artanh(sqrt(1 - 4t)), and from
    tanh'(c) = 1 - tanh(c)^2 = t: c = artanh(sqrt(1 - t)). 4.59 and 2.99 for t = 0.01.
    """
    if name == "sigmoid" and 0 < threshold < 0.25:
        return 2 * math.atanh(math.sqrt(1 - 4 * threshold))
    if name == "tanh" and 0 < threshold < 1:
        return math.atanh(math.sqrt(1 - threshold))
    raise ValueError(
        f"no saturation cut-off for {name!r} at threshold {threshold}: sigmoid "
        "needs 0 < t < 1/4, tanh 0 < t < 1; relu and leaky_relu have none"
    )


@functools.cache
def saturation_curves() -> dict[str, np.ndarray]:
    """P(phi'(z) < THRESHOLD) for z ~ N(0, s^2) at each of SCALES, per activation, (61,) each.

    Computed once per kernel (about 0.1 s).
    """
    return {
        name: np.array([saturation_fraction(name, s, THRESHOLD) for s in SCALES]) for name in NAMES
    }


def _saturated_zones(name: str) -> list[tuple[float, float]]:
    """Intervals of PANEL_GRID's range where phi' < THRESHOLD, for shading."""
    low, high = PANEL_GRID[0], PANEL_GRID[-1]
    if name in ("sigmoid", "tanh"):
        c = saturation_cutoff(name)
        return [(low, -c), (c, high)]
    if name == "relu":
        return [(low, 0.0)]
    return []  # leaky_relu: its slope 0.01 is not below the threshold 0.01


def _break_jumps(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """x, y with a NaN inserted at every jump of y (relu' at 0), so no vertical line is drawn."""
    jumps = np.flatnonzero(np.abs(np.diff(y)) > 0.5) + 1
    return np.insert(x.astype(float), jumps, np.nan), np.insert(y.astype(float), jumps, np.nan)


# ----------------------------------------------------------------------------- the slider


@dataclass(frozen=True)
class ActivationView:
    """What the lesson-01 slider shows (see ``activation_view``)."""

    name: str
    x: float
    scale: float
    f: float
    df: float
    max_slope: float
    mean_derivative: float
    saturated: float
    grid: np.ndarray
    f_curve: np.ndarray
    df_curve: np.ndarray
    density: np.ndarray
    zones: list


def activation_view(name: str, x: float, scale: float) -> ActivationView:
    """Compute function of the slider: phi and phi' at x, and saturation at this scale.

    Wraps ``activations.activation_panel`` (phi(x), phi'(x), E[phi'(z)] and P(phi'(z) < 0.01)
    for z ~ N(0, scale^2), and both curves on PANEL_GRID), and adds the density of z on the
    grid (scaled to peak 1) and the saturated zones (intervals where phi' < 0.01).
    """
    if not scale > 0:
        raise ValueError(f"the scale must be positive, got {scale}")
    p = activation_panel(name, x, scale, THRESHOLD)
    density = np.exp(-0.5 * (PANEL_GRID / scale) ** 2)
    return ActivationView(
        name,
        float(x),
        float(scale),
        p["f"],
        p["df"],
        p["max_slope"],
        p["mean_derivative"],
        p["saturated"],
        p["grid"],
        p["f_curve"],
        p["df_curve"],
        density,
        _saturated_zones(name),
    )


def draw_activation(axes: np.ndarray, v: ActivationView) -> None:
    """phi (solid) and phi' (dashed) with x marked; the saturated zone (grey); where inputs
    z ~ N(0, s^2) fall (the bell, darker where they land in the saturated zone).

    One panel, no legend and few ticks, to stay well inside the 50 ms budget.
    """
    (ax,) = axes
    colour = plots.COLOURS[v.name]
    low, high = _YLIM[v.name]
    for a, b in v.zones:
        ax.axvspan(a, b, color=plots.COLOURS["bound"], alpha=0.18, lw=0)
    if v.zones:
        a, b = v.zones[-1]
        ax.text(
            (a + b) / 2,
            high - 0.03 * (high - low),
            "f' < 0.01",
            ha="center",
            va="top",
            fontsize=8,
            color="#555555",
        )
    bell = low + 0.3 * (high - low) * v.density
    ax.fill_between(v.grid, low, bell, color=plots.OKABE_ITO["sky"], alpha=0.35, lw=0)
    ax.fill_between(
        v.grid,
        low,
        bell,
        where=v.df_curve < THRESHOLD,
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
    ax.plot(v.grid, v.f_curve, "-", color=colour, lw=2)
    ax.plot(*_break_jumps(v.grid, v.df_curve), "--", color=colour, lw=2)
    if PANEL_GRID[0] <= v.x <= PANEL_GRID[-1]:
        ax.plot([v.x, v.x], [v.f, v.df], "o", color=plots.OKABE_ITO["black"], ms=5)
    ax.set_xlim(PANEL_GRID[0], PANEL_GRID[-1])
    ax.set_xticks([-6, -4, -2, 0, 2, 4, 6])
    ax.set_ylim(low, high)
    ax.set_yticks(_YTICKS[v.name])
    ax.set_xlabel("input x (pre-activation, no unit)")
    ax.set_ylabel("f solid, f' dashed")
    ax.set_title(f"{v.name}: {100 * v.saturated:.1f} % of inputs saturated")


def readout_activation(v: ActivationView) -> str:
    return (
        f"{v.name} at x = {v.x:.2f}: f = {v.f:.3g}, f' = {v.df:.3g} (max {v.max_slope:g}); "
        f"inputs at scale {v.scale:.2g}: mean f' = {v.mean_derivative:.3f}, "
        f"{100 * v.saturated:.1f} % saturated (f' < {THRESHOLD:g})"
    )


def activation_slider() -> widgets.InteractiveFigure:
    """Drag x in [-6, 6] and the scale over 0.1 .. 100; choose the activation."""
    controls = {
        "name": widgets.dropdown("activation", list(NAMES), "tanh"),
        "x": widgets.slider("input x", -6.0, 6.0, 0.05, 2.0),
        "scale": widgets.log_slider("pre-activation scale s", -1, 2, 1.0, step=0.05),
    }
    return widgets.InteractiveFigure(
        activation_view, draw_activation, controls, readout_activation, width=7.0, height=3.3
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


def saturation_figure() -> Figure:
    """Saturated fraction P(phi'(z) < 0.01), z ~ N(0, s^2), against s, all four activations."""
    fig, axes = plots.figure(1, width=7.0, height=3.3)
    ax = axes[0, 0]
    curves = saturation_curves()
    for name in NAMES:
        ax.plot(SCALES, 100 * curves[name], color=plots.COLOURS[name], lw=2, label=name)
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


# ----------------------------------------------------------------------------- the gallery


def activation_gallery() -> Figure:
    """The four activations (left) and their derivatives (right) on [-6, 6]."""
    fig, axes = plots.figure(2, width=9.0, height=3.2)
    left, right = axes[0]
    x = PANEL_GRID
    for name in NAMES:
        act = ACTIVATIONS[name]
        # relu and leaky relu almost coincide: leaky relu is drawn dashed on top
        style = {"ls": "--", "lw": 1.5} if name == "leaky_relu" else {"ls": "-", "lw": 2.5}
        left.plot(x, act.f(x), color=plots.COLOURS[name], label=name, **style)
        right.plot(*_break_jumps(x, act.df(x)), color=plots.COLOURS[name], label=name, **style)
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


# ----------------------------------------------------------------------------- step sizes


def forward_difference(f, x, h: float) -> np.ndarray:
    """(f(x + h) - f(x)) / h, elementwise: the one-sided difference, error ~ h |f''| / 2."""
    x = np.asarray(x)
    h = x.dtype.type(h)
    return (f(x + h) - f(x)) / h


STEP_X = np.linspace(-4, 4, 9)
"""The points at which the step-size study measures the error, shape (9,)."""
STEPS = 10.0 ** np.arange(-12, 0.01, 0.25)
"""Step sizes h from 1e-12 to 1, four per decade, shape (49,)."""


@dataclass(frozen=True)
class StepStudy:
    """Max error over STEP_X of three difference quotients of the sigmoid, for each h."""

    steps: np.ndarray
    central64: np.ndarray
    central32: np.ndarray
    forward64: np.ndarray

    def best(self, curve: str) -> tuple[float, float]:
        """(h, error) at the smallest error of 'central64', 'central32' or 'forward64'."""
        errors = getattr(self, curve)
        i = int(np.argmin(errors))
        return float(self.steps[i]), float(errors[i])


def step_size_study() -> StepStudy:
    """Error of finite-difference derivatives of the sigmoid against the step h.

    Central differences in float64 and float32 (``gradcheck.fd_error_vs_step``) and the
    forward difference in float64, each the max over STEP_X of |estimate - sigma'(x)|.
    """
    exact = ACTIVATIONS["sigmoid"].df(STEP_X)
    sigmoid = ACTIVATIONS["sigmoid"].f
    forward = [np.max(np.abs(forward_difference(sigmoid, STEP_X, h) - exact)) for h in STEPS]
    return StepStudy(
        STEPS,
        fd_error_vs_step(sigmoid, ACTIVATIONS["sigmoid"].df, STEP_X, STEPS),
        fd_error_vs_step(sigmoid, ACTIVATIONS["sigmoid"].df, STEP_X.astype(np.float32), STEPS),
        np.array(forward),
    )


def step_size_figure(study: StepStudy | None = None) -> Figure:
    """Log-log plot of the three error curves, with the best step of each marked."""
    study = study or step_size_study()
    fig, axes = plots.figure(1, width=7.0, height=3.6)
    ax = axes[0, 0]
    lines = (
        ("central64", "central, float64", plots.OKABE_ITO["blue"], "-"),
        ("central32", "central, float32", plots.OKABE_ITO["orange"], "-"),
        ("forward64", "forward, float64", plots.OKABE_ITO["vermillion"], "--"),
    )
    for key, label, colour, style in lines:
        errors = getattr(study, key)
        ok = errors > 0
        ax.plot(study.steps[ok], errors[ok], style, color=colour, lw=2, label=label)
        h, e = study.best(key)
        ax.plot([h], [e], "o", color=colour, ms=6)
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


# ----------------------------------------------------------------------------- three ways


def _torch_function(name: str):
    import torch

    return {
        "sigmoid": torch.sigmoid,
        "tanh": torch.tanh,
        "relu": torch.relu,
        "leaky_relu": lambda t: torch.nn.functional.leaky_relu(t, 0.01),
    }[name]


def derivatives_three_ways(name: str, x, h: float = 1e-5) -> dict[str, np.ndarray]:
    """phi'(x) by hand (the course's formula), by central differences, and by torch autograd.

    Returns {"by hand", "finite differences", "autograd"} -> float64 arrays shaped like x.
    Autograd differentiates sum(phi(x)): since phi acts elementwise, entry i of that
    gradient is phi'(x_i).
    """
    x = np.asarray(x, dtype=np.float64)
    act = get_activation(name)
    torch_f = _torch_function(name)
    return {
        "by hand": act.df(x),
        "finite differences": derivative_central(act.f, x, h),
        "autograd": autograd_gradient(lambda t: torch_f(t).sum(), x),
    }
