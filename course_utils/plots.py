"""The course's house style, and the figures every lesson shares.

One palette (Okabe & Ito's, safe for colour-blind readers), one colour per model or activation
across the whole course, and one helper for the figure that carries the course's argument:
gradient norm against distance (layers in a deep net, time steps in an RNN, positions in
attention), on a log scale, with overflow and underflow marked rather than silently dropped.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence

import matplotlib

# Importing pyplot inside Jupyter registers the inline figure formatter, so a Figure returned
# as a cell's last expression is shown once. Figures are closed to pyplot right after creation.
import matplotlib.pyplot as plt
import numpy as np
import PIL.Image
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
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
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
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
    """Render a figure to PNG bytes, fast (how widgets redraw their one reused figure).

    Drawing on an Agg canvas and encoding with light compression takes about half the time
    of `savefig`, which matters for the 50 ms slider budget.
    """
    # Reuse the figure's Agg canvas (and its cached text measurements) across redraws.
    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    canvas.draw()
    buffer = io.BytesIO()
    PIL.Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba()).save(
        buffer, format="png", compress_level=1
    )
    return buffer.getvalue()


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
    FigureCanvasAgg(fig).draw()
    fig.set_layout_engine("none")


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
) -> None:
    """Plot gradient norm against distance on a log scale: the course's recurring figure.

    distance, norm: 1-D, same length. Entries that are inf (overflow) or 0 (underflow) cannot
    sit on a log axis; they are drawn as triangles at the top or bottom edge and named in the
    legend, so an exploding or vanished gradient is visible, not a blank plot.
    bound: optional upper bound of the same shape (for example Pascanu et al.'s), dashed grey.
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
    ax.set_yscale("log")
    plain_log_labels(ax.yaxis)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    _mark_out_of_range(ax, distance, norm, colour)
    ax.legend(loc="best", fontsize=8)


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
