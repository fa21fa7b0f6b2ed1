"""Accuracy against distance on subject-verb agreement: how far each network carries the number.

Lesson 06 shows the shipped sweep (``tools/sweep_long_range.py``: each network trained on
distances 1 to D and tested at D, for several D and seeds); lesson 09 adds its Transformer to
the same figure. ``summary`` turns the sweep's runs into arrays, ``figure`` draws them.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from matplotlib.figure import Figure

from course_utils import plots
from course_utils.training import NAMES


class SweepSummary(NamedTuple):
    distances: np.ndarray  # (D,)
    seeds: np.ndarray  # (S,)
    accuracy: dict[str, np.ndarray]  # kind -> (D, S)
    solved: dict[str, np.ndarray]  # kind -> (D,) number of seeds that reached 95 %


def summary(data: dict) -> SweepSummary:
    """The agreement sweep as arrays: accuracy[kind][i, j] at distances[i], seeds[j]."""
    sweep = data["agreement"]
    distances, seeds = np.array(sweep["distances"]), np.array(sweep["seeds"])
    accuracy, solved = {}, {}
    for kind in sweep["kinds"]:
        grid = np.full((len(distances), len(seeds)), np.nan)
        hits = np.zeros(len(distances), dtype=int)
        for run in sweep["runs"]:
            if run["kind"] == kind:
                i = int(np.flatnonzero(distances == run["distance"])[0])
                j = int(np.flatnonzero(seeds == run["seed"])[0])
                grid[i, j] = run["accuracy"]
                hits[i] += run["steps_to_threshold"] is not None
        accuracy[kind], solved[kind] = grid, hits
    return SweepSummary(distances, seeds, accuracy, solved)


def figure(summary: SweepSummary) -> Figure:
    """Accuracy against distance: the mean over seeds (line) and every seed (dots)."""
    fig, axes = plots.figure(width=7.0, height=3.4)
    ax = axes[0, 0]
    offsets = {"rnn": -0.8, "lstm": 0.0, "gru": 0.8}
    for kind, grid in summary.accuracy.items():
        colour = plots.COLOURS[kind]
        x = summary.distances + offsets.get(kind, 0.0)
        ax.plot(x, grid.mean(axis=1), "-", lw=2, color=colour, label=f"{NAMES[kind]}, mean")
        for j in range(grid.shape[1]):
            ax.plot(
                x,
                grid[:, j],
                "o",
                ms=4,
                alpha=0.55,
                color=colour,
                label="one dot per seed" if (j == 0 and kind == "rnn") else None,
            )
    ax.axhline(0.5, color=plots.COLOURS["bound"], ls=":", lw=1.2, label="chance")
    ax.set_xticks(summary.distances)
    ax.set_ylim(0.4, 1.03)
    ax.set_xlabel("distance D from subject to verb (trained on 1 to D, tested at D)")
    ax.set_ylabel("test accuracy at D")
    n = len(summary.seeds)
    ax.set_title(f"Agreement accuracy against distance ({n} seeds, 300 steps each)")
    ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.0, 0.5))
    return fig
