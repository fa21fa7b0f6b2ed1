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
        values = widgets.sweep_values(control, 4)
        for value in [*values, *values[-2::-1]]:  # and back: frames kept from the way out
            app.set(**{control_name: value})  # a new frame, or a kept one
            first = pixels(app.png)
            app.update()  # the same frame again: drawn from the kept background
            for path, png in (("first", first), ("again", pixels(app.png))):
                full = pixels(plots.png_bytes(app.figure))  # every artist, in one pass
                differ = np.any(png != full, axis=2)
                assert png.shape == full.shape and not differ.any(), (
                    f"{name}, {control_name} = {value} ({path}): {differ.mean():.3%} of "
                    "pixels differ from a full draw"
                )
    assert app.blitter.full_draws >= 1  # the cached path was taken (and checked above)


def one_line(y: list[float]):
    """A figure with one line from (0, y[0]) to (1, y[1]) on fixed limits, and its Blitter."""
    fig, axes = plots.figure(1)
    (ax,) = axes[0]
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    (line,) = ax.plot([0, 1], y)
    return fig, ax, line, plots.Blitter(fig)


def test_a_background_change_is_redrawn_and_a_steady_one_reused():
    fig, ax, line, blitter = one_line([0, 0.5])
    blitter.png()  # a new frame: background drawn and kept
    blitter.png()  # the same frame
    line.set_ydata([0, 0.9])  # data only: background reused
    assert pixels(blitter.png()).tolist() == pixels(plots.png_bytes(fig)).tolist()
    assert blitter.full_draws == 1
    ax.set_ylim(0, 2)  # new ticks: a new background, kept too
    assert pixels(blitter.png()).tolist() == pixels(plots.png_bytes(fig)).tolist()
    assert pixels(blitter.png()).tolist() == pixels(plots.png_bytes(fig)).tolist()
    assert blitter.full_draws == 2
    ax.set_ylim(0, 1)  # back to the first frame: its background was kept
    assert pixels(blitter.png()).tolist() == pixels(plots.png_bytes(fig)).tolist()
    assert blitter.full_draws == 2
    ax.set_title("a title that changes")  # moves to the foreground at its first change
    blitter.png()
    draws = blitter.full_draws
    ax.set_title("and changes again")
    assert pixels(blitter.png()).tolist() == pixels(plots.png_bytes(fig)).tolist()
    assert blitter.full_draws == draws


def test_a_legend_with_a_few_versions_stays_in_the_background():
    """A legend per dropdown option: each version's background is kept; one with more
    versions than `VARIANTS` moves to the foreground, where a new version costs no background
    draw."""
    fig, ax, line, blitter = one_line([0.9, 1.0])

    def show(version):
        line.set_label(f"version {version}")
        plots.legend_outside(ax)
        assert pixels(blitter.png()).tolist() == pixels(plots.png_bytes(fig)).tolist()

    for version in range(plots.Blitter.VARIANTS):
        show(version)
        assert blitter.full_draws == 1 + version
    show(0)  # a version seen before: its frame was kept
    assert blitter.full_draws == plots.Blitter.VARIANTS
    for version in range(plots.Blitter.VARIANTS, plots.Blitter.VARIANTS + 3):
        show(version)
    assert blitter.full_draws == plots.Blitter.VARIANTS + 1  # once, without the legend


def test_only_the_last_kept_backgrounds_are_kept():
    fig, axes = plots.figure(1)
    blitter = plots.Blitter(fig)
    (ax,) = axes[0]
    for top in range(1, plots.Blitter.KEPT + 2):  # one frame more than are kept
        ax.set_ylim(0, top)
        blitter.png()
    assert blitter.full_draws == plots.Blitter.KEPT + 1
    ax.set_ylim(0, 2)  # kept (the first, ylim (0, 1), was dropped)
    blitter.png()
    assert blitter.full_draws == plots.Blitter.KEPT + 1
    ax.set_ylim(0, 1)  # dropped: drawn again
    assert pixels(blitter.png()).tolist() == pixels(plots.png_bytes(fig)).tolist()
    assert blitter.full_draws == plots.Blitter.KEPT + 2
