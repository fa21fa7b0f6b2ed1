"""Lesson 00's first slider: the product of 50 equal factors s, on a log scale."""

from __future__ import annotations

import numpy as np

from course_utils import plots, widgets
from course_utils.chain import ProductCurve, describe_change, repeated_product

STEPS = 50


def product(s: float) -> ProductCurve:
    """Compute function of the slider: s**k for k = 0..50."""
    return repeated_product(s, STEPS)


def draw_product(axes: np.ndarray, curve: ProductCurve) -> None:
    (ax,) = axes
    plots.gradient_vs_distance(
        ax,
        curve.steps,
        curve.values,
        label="s^k",
        colour=plots.COLOURS["rnn"],
        xlabel="number of factors k",
        ylabel="product s^k",
    )
    ax.axhline(1.0, color=plots.COLOURS["bound"], lw=0.8)
    ax.set_ylim(1e-52, 1e12)  # fixed, so that settings can be compared by eye
    ax.set_yticks(10.0 ** np.arange(-50, 11, 10))
    ax.set_title(f"s^{STEPS} = {curve.values[-1]:.2g}")


def readout_product(curve: ProductCurve) -> str:
    s = curve.values[1]
    final = curve.values[-1]
    return (
        f"s = {s:.2f}: s^{STEPS} = {final:.3g}; over {STEPS} steps the signal "
        f"{describe_change(final)}"
    )


def product_slider() -> widgets.InteractiveFigure:
    """Drag s from 0.1 to 1.5 and watch s^50 go from 1e-50 to 6e8."""
    controls = {"s": widgets.slider("factor s", 0.1, 1.5, 0.01, 0.9)}
    return widgets.InteractiveFigure(product, draw_product, controls, readout_product, height=3.0)


def product_sweep():
    """The same figure at s = 0.25, 0.9, 1.0 and 1.1."""
    return widgets.static_sweep(
        product, draw_product, "s", [0.25, 0.9, 1.0, 1.1], {}, height=2.6, width=9.0
    )
