"""Lesson 00's own code: the first slider, the product of 50 equal factors s on a log scale.

The slider's compute function is ``chain.repeated_product`` itself.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from course_utils import plots, widgets
from course_utils.chain import ProductCurve, describe_change, repeated_product
from course_utils.i18n import _


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
    ax.set_title(f"s^{curve.steps[-1]} = {curve.values[-1]:.2g}")


def readout_product(curve: ProductCurve) -> str:
    s, steps, final = curve.values[1], curve.steps[-1], curve.values[-1]
    return _("s = {s:.2f}: s^{steps} = {final:.3g}; over {steps} steps the signal {change}").format(
        s=s, steps=steps, final=final, change=describe_change(final)
    )


def product_slider() -> widgets.InteractiveFigure:
    """Drag s from 0.1 to 1.5 and watch s^50 go from 1e-50 to 6e8."""
    controls = {"s": widgets.slider(_("factor s"), 0.1, 1.5, 0.01, 0.9)}
    return widgets.InteractiveFigure(
        repeated_product, draw_product, controls, readout_product, height=3.0
    )


def product_sweep() -> Figure:
    """The same figure at s = 0.25, 0.9, 1.0 and 1.1."""
    return widgets.static_sweep(
        repeated_product, draw_product, "s", [0.25, 0.9, 1.0, 1.1], {}, height=2.6, width=9.0
    )
