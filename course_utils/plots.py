"""The course's house style, and the figures every lesson shares.

One palette (Okabe & Ito's, safe for colour-blind readers), one colour per model or activation
across the whole course, and one helper for the figure that carries the course's argument:
gradient norm against distance (layers in a deep net, time steps in an RNN, positions in
attention), on a log scale, with overflow and underflow marked rather than silently dropped.
"""

from __future__ import annotations

import contextlib
import math
import struct
import zlib
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import matplotlib

# Importing pyplot inside Jupyter registers the inline figure formatter, so a Figure returned
# as a cell's last expression is shown once. Figures are closed to pyplot right after creation.
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.layout_engine import PlaceHolderLayoutEngine
from matplotlib.ticker import FuncFormatter, NullLocator

OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
}

#: One colour per thing, the same in every lesson.
COLOURS = {
    "sigmoid": OKABE_ITO["orange"],
    "tanh": OKABE_ITO["blue"],
    "relu": OKABE_ITO["green"],
    "leaky_relu": OKABE_ITO["purple"],
    "linear": OKABE_ITO["black"],
    "rnn": OKABE_ITO["vermillion"],
    "lstm": OKABE_ITO["blue"],
    "gru": OKABE_ITO["sky"],
    "attention": OKABE_ITO["green"],
    "transformer": OKABE_ITO["green"],
    "bound": "#777777",
}

HOUSE_STYLE = {
    "figure.figsize": (7.0, 3.2),
    "figure.dpi": 90,
    "savefig.dpi": 90,
    "font.size": 10,
    "axes.titlesize": 11,
    # Titles sit at the top of their axes (none of the course's axes has ticks on top): a fixed
    # place, so that matplotlib does not measure every tick label to place one on each draw.
    "axes.titley": 1.0,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.axisbelow": True,  # grid and ticks under the data (and `Blitter`'s layers agree)
    "legend.frameon": False,
    "axes.prop_cycle": matplotlib.cycler(color=list(OKABE_ITO.values())[1:] + ["#000000"]),
}


def use_house_style() -> None:
    """Apply the course's matplotlib style (called once, in each notebook's first cells)."""
    matplotlib.rcParams.update(HOUSE_STYLE)


def figure(
    ncols: int = 1, nrows: int = 1, *, width: float = 7.0, height: float = 3.2
) -> tuple[Figure, np.ndarray]:
    """A new figure with a (nrows, ncols) grid of axes, detached from pyplot.

    Returns (fig, axes) with axes always a 2-D array. Show it by making `fig` the last
    expression of a cell (or with IPython's `display`).
    """
    with matplotlib.rc_context(HOUSE_STYLE):
        fig = plt.figure(figsize=(width, height), layout="constrained")
        axes = fig.subplots(nrows, ncols, squeeze=False)
    plt.close(fig)
    return fig, axes


def png_bytes(fig: Figure) -> bytes:
    """Draw a figure in full on its Agg canvas and encode it as PNG (`encode_png`)."""
    canvas = agg_canvas(fig)
    canvas.draw()
    return encode_png(fig)


def agg_canvas(fig: Figure) -> FigureCanvasAgg:
    """The figure's Agg canvas, attached to it if it has none (reused: it caches text sizes)."""
    return fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def encode_png(fig: Figure, level: int = 1) -> bytes:
    """The pixels last drawn on the figure's Agg canvas, as PNG bytes, fast.

    A PNG (W3C PNG specification, 2nd ed., 2003) is a signature and three chunks: IHDR (width,
    height, 8 bits per channel, colour type 2 = RGB or 6 = RGBA), IDAT (the rows, each preceded
    by its filter type, here 0 = none, compressed with zlib) and IEND. An opaque figure (the
    house style's white background) is stored as RGB: a quarter fewer bytes to compress and
    send than RGBA, the same pixels. Unfiltered rows with zlib level 1 encode in about half the
    time of Pillow's PNG writer at its fastest level, in files about 10 % larger.
    """
    rgba = np.asarray(agg_canvas(fig).buffer_rgba())  # (H, W, 4) uint8, no copy
    opaque = fig.patch.get_visible() and fig.patch.get_alpha() in (None, 1.0)
    opaque = opaque and matplotlib.colors.to_rgba(fig.patch.get_facecolor())[3] == 1.0
    pixels = rgba[:, :, :3] if opaque else rgba
    height, width, channels = pixels.shape
    rows = np.zeros((height, 1 + width * channels), dtype=np.uint8)  # column 0: filter type 0
    rows[:, 1:] = pixels.reshape(height, -1)
    header = struct.pack(">IIBBBBB", width, height, 8, 2 if opaque else 6, 0, 0, 0)
    return b"".join(
        (
            b"\x89PNG\r\n\x1a\n",
            _chunk(b"IHDR", header),
            _chunk(b"IDAT", zlib.compress(rows.tobytes(), level)),
            _chunk(b"IEND", b""),
        )
    )


def _text_key(text) -> tuple:
    return (
        text.get_visible(),
        text.get_text(),
        text.get_fontsize(),
        text.get_fontweight(),
        text.get_rotation(),
        str(text.get_color()),
        text.get_horizontalalignment(),
        text.get_verticalalignment(),
    )


def _axis_key(axis) -> tuple:
    # `_update_ticks` sets the ticks' locations and labels and returns those Axis.draw draws.
    ticks = axis._update_ticks()
    return (
        axis.get_visible(),
        axis.get_scale(),
        tuple(axis.get_view_interval()),
        _text_key(axis.label),
        axis.major.formatter.get_offset(),
        tuple(
            (
                tick.get_loc(),
                _text_key(tick.label1),
                _text_key(tick.label2),
                tick.gridline.get_visible(),
                tick.tick1line.get_visible(),
                tick.tick2line.get_visible(),
            )
            for tick in ticks
        ),
    )


def _style_key(artist) -> tuple:
    names = ("color", "facecolor", "edgecolor", "linestyle", "linewidth", "marker", "alpha")
    return (type(artist).__name__,) + tuple(
        str(getattr(artist, f"get_{name}")()) for name in names if hasattr(artist, f"get_{name}")
    )


def _legend_key(legend) -> tuple:
    """What a legend's pixels depend on, given its place (its window extent)."""
    return (
        tuple(_text_key(text) for text in legend.get_texts()),
        tuple(_style_key(handle) for handle in legend.legend_handles),
    )


def background_signature(fig: Figure) -> tuple:
    """What the pixels of the axes' frames depend on that a draw may change: per axes, its
    position, face, limits, scales, ticks and their labels, axis labels and grid; and the
    figure's own texts. Equal signatures, equal frames (see `Blitter`)."""
    return (
        tuple(_text_key(text) for text in fig.texts),
        len(fig.get_children()),
        tuple(
            (
                ax.get_visible(),
                ax.axison,
                ax.get_frame_on(),
                ax.get_position().bounds,
                ax.patch.get_visible(),
                str(ax.patch.get_facecolor()),
                _axis_key(ax.xaxis),
                _axis_key(ax.yaxis),
            )
            for ax in fig.axes
        ),
    )


class Blitter:
    """Renders one figure to PNG again and again, redrawing only what a draw changed.

    Drawing ticks, tick labels, axis labels, titles and legends (text, glyph by glyph, and the
    legend's layout) is most of the cost of a full draw, and moving a slider seldom changes
    them. So the figure is drawn in two layers, as in matplotlib's blitting guide
    (https://matplotlib.org/stable/users/explain/animations/blitting.html):

    - the background: the figure and, per axes, its face, its x and y Axis objects (ticks,
      tick labels, grid, axis labels), its title and its legend. It is drawn with everything
      else hidden and kept as a bitmap, and drawn again only for a frame not kept: when the
      `background_signature` (limits, ticks, labels, ...) or a title or legend is new;
    - the foreground: everything else in each axes (data, spines, ...), drawn over the
      background in z-order, on every render.

    The last `KEPT` backgrounds are kept, by signature, so that a control moved back to a
    setting it had (a dropdown flipped between two options, a slider dragged back) redraws
    only the foreground; a new signature costs one background draw, its copy and the
    foreground, about what a one-pass draw costs. A title that has changed once is "moving":
    from then on it is drawn with the foreground, so that it costs its own text, not a full
    draw. A legend, dearer to draw (its layout), stays in the background while it has shown
    at most `VARIANTS` versions (one per option of a dropdown: each version's background is
    kept), and moves once it has shown more. So does a legend that data drawn after it would
    overlap (a one-pass draw puts the legend above the data), so that what the
    background holds lies under (z-order) or beside what the foreground draws, and the
    render equals a one-pass `canvas.draw()` pixel for pixel (tests/unit/test_blit.py checks
    every interactive figure of the course).
    """

    KEPT = 12  # backgrounds (a few MB each at most)
    VARIANTS = KEPT // 2  # versions of a legend kept in the background

    def __init__(self, fig: Figure) -> None:
        self.figure = fig
        self.canvas = agg_canvas(fig)
        self.full_draws = 0  # how often the background was drawn (to be cached)
        self._moving: set[tuple[int, str]] = set()  # (axes index, "title" or "legend")
        self._variants: dict[tuple[int, str], set] = {}  # the versions shown, till moving
        self._backgrounds: OrderedDict[tuple, Any] = OrderedDict()  # signature -> bitmap
        self._previous: tuple | None = None  # the signature of the last render
        self._placed_titles: dict[int, tuple] = {}  # per axes, the titles' texts when placed

    def png(self) -> bytes:
        """Render the figure as it now is (cached background if still valid) and encode it."""
        if not isinstance(self.figure.get_layout_engine(), (type(None), PlaceHolderLayoutEngine)):
            freeze_layout(self.figure)  # laid out once, with every artist shown
        for ax in self.figure.axes:
            ax.apply_aspect()  # as `Axes.draw` does first (a fixed aspect moves the axes)
        settled = self._settled_keys()
        for k, key in list(settled.items()):
            self._variants.setdefault(k, set()).add(key)
            if len(self._variants[k]) > (self.VARIANTS if k[1] == "legend" else 1):
                self._moving.add(k)
                del settled[k], self._variants[k]
        signature = (background_signature(self.figure), tuple(sorted(settled.items())))
        if signature in self._backgrounds:
            self._backgrounds.move_to_end(signature)
            self.canvas.restore_region(self._backgrounds[signature])
            if signature != self._previous:  # another frame: its titles sit elsewhere
                self._placed_titles = {}
        else:
            self._backgrounds[signature] = self._draw_background()
            if len(self._backgrounds) > self.KEPT:
                self._backgrounds.popitem(last=False)  # the least recently used
        self._draw_foreground()
        self._previous = signature
        return encode_png(self.figure)

    def _settled_keys(self) -> dict:
        """The title's and the legend's keys of each axes, unless moving (or overlapped)."""
        renderer = self.canvas.get_renderer()
        keys = {}
        for i, ax in enumerate(self.figure.axes):
            if (i, "title") not in self._moving:
                keys[i, "title"] = _text_key(ax.title)
            legend = ax.get_legend()
            if legend is not None and (i, "legend") not in self._moving:
                extent = legend.get_window_extent(renderer)  # where "best" puts it, too
                if _overlapped(ax, legend, extent, renderer):
                    self._moving.add((i, "legend"))
                else:
                    keys[i, "legend"] = (_legend_key(legend), extent.bounds)
        return keys

    def _background_artists(self, i: int, ax: Axes) -> list:
        artists = [ax.patch, ax.xaxis, ax.yaxis]
        if (i, "title") not in self._moving:
            artists.append(ax.title)
        if (i, "legend") not in self._moving and ax.get_legend() is not None:
            artists.append(ax.get_legend())
        return artists

    def _draw_background(self):
        foreground = []
        for i, ax in enumerate(self.figure.axes):
            background = self._background_artists(i, ax)
            foreground += [a for a in ax.get_children() if not any(a is b for b in background)]
        with _left_out(foreground):
            self.canvas.draw()  # places the titles too
        self._placed_titles = _title_keys(self.figure)
        self.full_draws += 1
        return self.canvas.copy_from_bbox(self.figure.bbox)

    def _draw_foreground(self) -> None:
        """Draw each axes' foreground artists in z-order, as `Axes.draw` would, without its
        per-draw layout work: the titles are placed again only if their text changed."""
        renderer = self.canvas.get_renderer()
        for i, ax in sorted(enumerate(self.figure.axes), key=lambda pair: pair[1].get_zorder()):
            if not ax.get_visible():
                continue
            titles = _title_keys(self.figure)[i]
            if titles != self._placed_titles.get(i):
                ax._update_title_position(renderer)
                self._placed_titles[i] = titles
            hidden = self._background_artists(i, ax)
            if not (ax.axison and ax.get_frame_on()):
                hidden += ax.spines.values()
            artists = [
                a
                for a in ax.get_children()
                if not a.get_animated() and not any(a is b for b in hidden)
            ]
            for artist in sorted(artists, key=lambda a: a.get_zorder()):
                artist.draw(renderer)


def _title_keys(fig: Figure) -> dict[int, tuple]:
    """Per axes, the keys of its three titles (what their placement depends on)."""
    return {
        i: tuple(_text_key(t) for t in (ax.title, ax._left_title, ax._right_title))
        for i, ax in enumerate(fig.axes)
    }


def _overlapped(ax: Axes, legend, extent, renderer) -> bool:
    """Would an artist of `ax` (drawn after the legend when it is in the background) touch
    pixels inside the legend's extent?

    An artist clipped to the axes cannot reach a legend outside them (`legend_outside`).
    Lines are tested segment by segment (`Path.intersects_bbox`), the extent widened by the
    line's width, its markers (if it has any) and a pixel of antialiasing; other artists by
    their extents.
    """
    from matplotlib.lines import Line2D

    skip = (ax.patch, ax.xaxis, ax.yaxis, legend, *ax.spines.values())
    outside = not extent.padded(2).overlaps(ax.bbox)
    for artist in ax.get_children():
        if not artist.get_visible() or any(artist is a for a in skip):
            continue
        if outside and _clipped_to_axes(ax, artist):
            continue
        if isinstance(artist, Line2D):
            marker = artist.get_marker() not in (None, "None", "none", "", " ")
            points = max(artist.get_linewidth(), artist.get_markersize() * marker) + 2
            pad = points * ax.figure.dpi / 72
            path = artist.get_transform().transform_path(artist.get_path())
            if path.intersects_bbox(extent.padded(pad), filled=False):
                return True
        elif artist.get_window_extent(renderer).padded(2).overlaps(extent):
            return True
    return False


def _clipped_to_axes(ax: Axes, artist) -> bool:
    """Is the artist clipped to the axes' box (the default for what an axes draws; the box
    itself is set at the first draw)?"""
    box = artist.get_clip_box()
    at_axes = box is None or box.bounds == ax.bbox.bounds
    return artist.get_clip_on() and artist.get_clip_path() is None and at_axes


@contextlib.contextmanager
def _left_out(artists: Sequence):
    """Leave these artists out of the figure's and the axes' draw inside the block.

    They are marked animated, which is how matplotlib's blitting keeps artists out of a draw;
    they stay visible, so that what is laid out around them (a title above its axes' tick
    labels) is placed as in a full draw. An axes' face, which `Axes.draw` draws even when
    animated, is hidden instead.
    """
    before = [(a, a.get_animated(), a.get_visible()) for a in artists]
    for artist in artists:
        artist.set_animated(True)
        if any(artist is ax.patch for ax in artist.figure.axes):
            artist.set_visible(False)
    try:
        yield
    finally:
        for artist, animated, visible in before:
            artist.set_animated(animated)
            artist.set_visible(visible)


def clear_artists(ax: Axes) -> None:
    """Remove what was drawn on `ax` but keep the axes themselves (much faster than cla()).

    Scales, limits and labels are kept until the next draw sets them again; autoscaling is
    switched back on so that the new data decide the limits unless the draw fixes them.
    """
    for artist in [*ax.lines, *ax.collections, *ax.patches, *ax.texts, *ax.images]:
        artist.remove()
    if ax.legend_ is not None:
        ax.legend_.remove()
    ax.set_title("")
    ax.relim()
    ax.set_autoscale_on(True)


def freeze_layout(fig: Figure) -> None:
    """Lay the figure out once (constrained layout), then keep those positions for redraws."""
    agg_canvas(fig).draw()
    fig.set_layout_engine("none")


def log_y(ax: Axes) -> None:
    """Put the y axis on a log scale, unless it already is: setting a scale again resets the
    axis' ticks and formatters, a slow no-op on every redraw of a slider."""
    if ax.get_yscale() != "log":
        ax.set_yscale("log")


def plain_log_labels(axis) -> None:
    """Label a log axis '1e-30' instead of typeset powers of ten (several times faster)."""
    axis.set_major_formatter(
        FuncFormatter(
            lambda value, _: (
                f"{value:.0e}".replace("e+0", "e").replace("e-0", "e-").replace("1e0", "1")
            )
        )
    )
    axis.set_minor_locator(NullLocator())


NICE_DECADE_STEPS = (1, 2, 5, 10, 20, 25, 50, 100)


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 3, 5 or 7.5 times a power of ten that is >= value (> 0): an axis
    limit that stays put while a slider moves the data's end within it (which then spans at
    least half of the axis), so that the redraw reuses the axes' ticks and labels (`Blitter`)
    instead of drawing them again on every step."""
    decade = 10.0 ** math.floor(math.log10(value))
    steps = (1, 2, 3, 5, 7.5, 10)
    return next(m * decade for m in steps if m * decade >= value * (1 - 1e-12))


def exp_on_log_axis(natural_logs) -> np.ndarray:
    """exp of these natural logs, clamped to 1e-300..1e300 (the range a log axis here holds,
    `log_axis_limits`): values far past float64's range, as a line continued far, still place
    the axis' limits. nan stays nan (left out by `log_axis_limits`)."""
    return 10.0 ** np.clip(np.asarray(natural_logs, dtype=float) / math.log(10), -300, 300)


def log_axis_limits(*arrays: np.ndarray, max_ticks: int = 7) -> tuple[float, float, np.ndarray]:
    """Limits and ticks (powers of ten, a round number of decades apart) for a log axis that
    holds the finite positive values of `arrays`.

    Clamped to 1e-300 .. 1e300, so that matplotlib's tick arithmetic never overflows.
    """
    values = np.concatenate([np.asarray(a, dtype=float).ravel() for a in arrays])
    values = values[np.isfinite(values) & (values > 0)]
    if values.size == 0:
        values = np.array([1.0])
    lo = max(-300, math.floor(math.log10(values.min())))
    hi = min(300, math.ceil(math.log10(values.max())))
    lo, hi = min(lo, hi - 1), max(hi, lo + 1)
    step = next((s for s in NICE_DECADE_STEPS if (hi - lo) / s <= max_ticks - 1), 100)
    lo, hi = step * math.floor(lo / step), step * math.ceil(hi / step)
    return 10.0**lo, 10.0**hi, 10.0 ** np.arange(lo, hi + 1, step)


def steady_log_limits(
    ax: Axes, *arrays: np.ndarray, max_ticks: int = 7, fill: float = 0.5
) -> tuple[float, float, np.ndarray]:
    """`log_axis_limits` for the y axis of `ax`, except that the axis' present limits and
    ticks are kept while they hold the finite positive values of `arrays` and the values span
    at least `fill` of them (in decades): a slider that moves the data a little then reuses
    the axes' ticks and labels (`Blitter`) instead of drawing new ones on every step. What a
    figure shows at a setting may then depend on the settings before it (its limits, never
    its data)."""
    low, high, ticks = log_axis_limits(*arrays, max_ticks=max_ticks)
    values = np.concatenate([np.asarray(a, dtype=float).ravel() for a in arrays])
    values = values[np.isfinite(values) & (values > 0)]
    if ax.get_yscale() != "log" or values.size == 0:
        return low, high, ticks
    now_low, now_high = ax.get_ylim()
    now_ticks = ax.get_yticks()
    now_ticks = now_ticks[(now_ticks >= now_low) & (now_ticks <= now_high)]
    holds = 0 < now_low <= values.min() and values.max() <= now_high and now_ticks.size >= 2
    span = math.log10(values.max()) - math.log10(values.min())
    if holds and span >= fill * (math.log10(now_high) - math.log10(now_low)):
        return now_low, now_high, now_ticks
    return low, high, ticks


def gradient_vs_distance(
    ax: Axes,
    distance: Sequence[float],
    norm: Sequence[float],
    *,
    label: str,
    colour: str | None = None,
    bound: Sequence[float] | None = None,
    xlabel: str = "distance (time steps)",
    ylabel: str = "gradient norm",
    legend: bool = True,
) -> None:
    """Plot gradient norm against distance on a log scale: the course's recurring figure.

    distance, norm: 1-D, same length. Entries that are inf (overflow) or 0 (underflow) cannot
    sit on a log axis; they are drawn as triangles at the top or bottom edge and named in the
    legend, so an exploding or vanished gradient is visible, not a blank plot.
    bound: optional upper bound of the same shape (for example Pascanu et al.'s), dashed grey.
    legend: False leaves the legend to the caller (who draws several curves, or places it).
    """
    distance = np.asarray(distance, dtype=float)
    norm = np.asarray(norm, dtype=float)
    colour = colour or COLOURS.get(label.lower())
    ok = np.isfinite(norm) & (norm > 0)
    line = ax.plot(distance[ok], norm[ok], "-", color=colour, label=label, lw=2)[0]
    colour = line.get_color()
    if bound is not None:
        b = np.asarray(bound, dtype=float)
        shown = np.isfinite(b) & (b > 0)
        ax.plot(
            distance[shown],
            b[shown],
            "--",
            color=COLOURS["bound"],
            lw=1.2,
            label=f"bound ({label})",
        )
    log_y(ax)
    plain_log_labels(ax.yaxis)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    _mark_out_of_range(ax, distance, norm, colour)
    if legend:
        ax.legend(loc="best", fontsize=8)


def legend_outside(ax: Axes, **kwargs: Any) -> None:
    """The axes' legend to the right of its plot, where moving data never reach it (so an
    interactive figure keeps it in its background, `Blitter`)."""
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0, **kwargs)


def _mark_out_of_range(ax: Axes, distance: np.ndarray, norm: np.ndarray, colour: str) -> None:
    """Triangles on the top edge for overflow (inf) and the bottom edge for underflow (0)."""
    transform = ax.get_xaxis_transform()  # x in data units, y in axes units
    for mask, y, marker, name in (
        (np.isinf(norm) | np.isnan(norm), 0.98, "^", "overflow"),
        (norm == 0, 0.02, "v", "underflow to 0"),
    ):
        if mask.any():
            ax.scatter(
                distance[mask],
                np.full(mask.sum(), y),
                marker=marker,
                color=colour,
                transform=transform,
                clip_on=False,
                s=18,
                label=name,
            )


def heatmap(
    ax: Axes,
    matrix: np.ndarray,
    *,
    xlabels: Sequence[str] = (),
    ylabels: Sequence[str] = (),
    cmap: str = "viridis",
    vmin: float | None = None,
    vmax: float | None = None,
    annotate: bool = False,
    colorbar: bool = True,
) -> None:
    """Draw a matrix (rows = queries or targets, columns = keys or sources) with labels."""
    matrix = np.asarray(matrix, dtype=float)
    image = ax.imshow(matrix, cmap=cmap, vmin=vmin, vmax=vmax, aspect="auto")
    ax.grid(False)
    if len(xlabels):
        ax.set_xticks(range(len(xlabels)), xlabels, rotation=45, ha="right")
    if len(ylabels):
        ax.set_yticks(range(len(ylabels)), ylabels)
    if annotate:
        middle = np.nanmean(matrix)
        for (i, j), value in np.ndenumerate(matrix):
            ax.text(
                j,
                i,
                f"{value:.2f}",
                ha="center",
                va="center",
                fontsize=7,
                color="white" if value < middle else "black",
            )
    if colorbar:
        ax.figure.colorbar(image, ax=ax, shrink=0.8)
