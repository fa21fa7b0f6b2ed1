"""Blitting changes nothing a learner sees: for every interactive figure of the course, the
PNG a slider shows (cached background + redrawn foreground, `plots.Blitter`) equals, pixel for
pixel, a one-pass full draw of the same figure, at settings across every control's range,
including the ends, where the limits, ticks or titles change and the cache must be redrawn.
Pixel-equal, not merely close: the two layers compose the same artists in the same order.
"""

import io

import numpy as np
import PIL.Image
import pytest
from course_figures import FIGURES

from course_utils import plots, widgets
from course_utils.env import use_one_thread

use_one_thread()


def pixels(png: bytes) -> np.ndarray:
    return np.asarray(PIL.Image.open(io.BytesIO(png)).convert("RGBA"))


@pytest.mark.parametrize("name", list(FIGURES))
def test_blitted_png_equals_a_full_draw(name):
    app = FIGURES[name]()
    for control_name, control in app.controls.items():
        for value in widgets.sweep_values(control, 4):
            app.set(**{control_name: value})  # a new frame (one pass), or the cache reused
            first = pixels(app.png)
            app.update()  # the same frame again: drawn from the cached background
            for path, png in (("first", first), ("again", pixels(app.png))):
                full = pixels(plots.png_bytes(app.figure))  # every artist, in one pass
                differ = np.any(png != full, axis=2)
                assert png.shape == full.shape and not differ.any(), (
                    f"{name}, {control_name} = {value} ({path}): {differ.mean():.3%} of "
                    "pixels differ from a full draw"
                )
    assert app.blitter.full_draws >= 1  # the cached path was taken (and checked above)


def test_a_background_change_is_redrawn_and_a_steady_one_reused():
    fig, axes = plots.figure(1)
    blitter = plots.Blitter(fig)
    (ax,) = axes[0]
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    (line,) = ax.plot([0, 1], [0, 0.5])
    blitter.png()  # a new frame: one pass
    blitter.png()  # the same frame: background drawn and kept
    line.set_ydata([0, 0.9])  # data only: background reused
    assert pixels(blitter.png()).tolist() == pixels(plots.png_bytes(fig)).tolist()
    assert blitter.full_draws == 1
    ax.set_ylim(0, 2)  # new ticks: one pass, then the new background is kept
    assert pixels(blitter.png()).tolist() == pixels(plots.png_bytes(fig)).tolist()
    assert pixels(blitter.png()).tolist() == pixels(plots.png_bytes(fig)).tolist()
    assert blitter.full_draws == 2
    ax.set_title("a title that changes")  # moves to the foreground at its first change
    blitter.png()
    blitter.png()  # and the frame without it is kept
    draws = blitter.full_draws
    ax.set_title("and changes again")
    assert pixels(blitter.png()).tolist() == pixels(plots.png_bytes(fig)).tolist()
    assert blitter.full_draws == draws
