"""Blitting changes nothing a learner sees: for every interactive figure of the course, the
PNG a slider shows (cached background + redrawn foreground, `plots.Blitter`) equals, pixel for
pixel, a one-pass full draw of the same figure, at settings across every control's range,
including the ends, where the limits, ticks or titles change and the cache must be redrawn.
"""

import io

import numpy as np
import PIL.Image
import pytest
from course_figures import FIGURES

from course_utils import plots, widgets
from course_utils.env import use_one_thread

use_one_thread()

#: Figures whose static layer (limits, ticks, labels, titles) is the same at every setting:
#: drawn once. On every other figure some setting changes it, so the sweep below also checks
#: the render right after the cache is redrawn.
STEADY = {"07 saturation"}


def pixels(png: bytes) -> np.ndarray:
    return np.asarray(PIL.Image.open(io.BytesIO(png)).convert("RGBA"))


@pytest.mark.parametrize("name", list(FIGURES))
def test_blitted_png_equals_a_full_draw(name):
    app = FIGURES[name]()
    settings = 0
    for control_name, control in app.controls.items():
        for value in widgets.sweep_values(control, 4):
            app.set(**{control_name: value})
            blitted = pixels(app.png)
            full = pixels(plots.png_bytes(app.figure))  # canvas.draw(): every artist, one pass
            assert blitted.shape == full.shape
            differ = np.any(blitted != full, axis=2)
            assert not differ.any(), (
                f"{name}, {control_name} = {value}: {differ.mean():.3%} of pixels differ"
            )
            settings += 1
    assert (app.blitter.full_draws == 1) == (name in STEADY), app.blitter.full_draws
    assert app.blitter.full_draws < settings + 1, f"{name}: the cache was never used"


def test_a_background_change_is_redrawn_and_a_steady_one_reused():
    fig, axes = plots.figure(1)
    blitter = plots.Blitter(fig)
    (ax,) = axes[0]
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    (line,) = ax.plot([0, 1], [0, 0.5])
    blitter.png()
    line.set_ydata([0, 0.9])  # data only: background reused
    assert pixels(blitter.png()).tolist() == pixels(plots.png_bytes(fig)).tolist()
    assert blitter.full_draws == 1
    ax.set_ylim(0, 2)  # new ticks: background redrawn
    assert pixels(blitter.png()).tolist() == pixels(plots.png_bytes(fig)).tolist()
    assert blitter.full_draws == 2
    ax.set_title("a title that changes")  # a changing title moves to the foreground
    blitter.png()
    ax.set_title("and changes again")
    draws = blitter.full_draws
    assert pixels(blitter.png()).tolist() == pixels(plots.png_bytes(fig)).tolist()
    assert blitter.full_draws == draws
