"""Lesson 10's own code: the figures of what full attention costs, of the sparse patterns and of
the toy ViT and recommender, and the slider that trades a sparse pattern's window against its
error.

The attention variants are in ``course_utils.efficient_attention``, their time and memory in
``course_utils.complexity``, the models beyond text in ``course_utils.attention_beyond_text``;
tests/unit/test_lesson10.py asserts the numbers the lesson prints.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import numpy as np

from course_utils import attention, complexity, plots, widgets
from course_utils import attention_beyond_text as beyond
from course_utils import efficient_attention as efficient
from course_utils.i18n import N_, _

VARIANT_COLOURS = {
    "full": plots.OKABE_ITO["vermillion"],
    "local, dense mask": plots.OKABE_ITO["orange"],
    "local (banded)": plots.OKABE_ITO["blue"],
    "strided": plots.OKABE_ITO["purple"],
    "linear": plots.COLOURS["attention"],
}
GREY = plots.COLOURS["bound"]
SLIDER_N = 512  # the trade-off slider's sequence length
WINDOW_EXP_MAX = 9  # windows 2**0 .. 2**9 = 512
INPUTS = {N_("random"): 0.0, N_("mostly local"): 16.0}
"""The two input families: name -> ``attention_inputs`` locality."""


# --- cost: time and memory against n ----------------------------------------------------------


def cost_figure(c: complexity.Costs):
    """Left: median wall time against n. Right: peak memory against n, with 8 n^2 bytes (one
    float64 n x n matrix) as a grey guide. Log-log; slope in each label."""
    fig, axes = plots.figure(2, width=10.0, height=3.6)
    for ax, what, unit, scale in (
        (axes[0, 0], "seconds", "median wall time (ms)", 1e3),
        (axes[0, 1], "peak_bytes", "peak memory (MB)", 1e-6),
    ):
        for name, values in getattr(c, what).items():
            slope = complexity.loglog_slope(c.lengths, values)
            dashed = "--" if name == "local, dense mask" else "-"
            ax.plot(c.lengths, values * scale, dashed, marker="o", ms=4,
                    color=VARIANT_COLOURS[name], label=f"{name} (slope {slope:.1f})")  # fmt: skip
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xticks(c.lengths, [str(n) for n in c.lengths])
        ax.minorticks_off()
        ax.set_xlabel("sequence length n (tokens)")
        ax.set_ylabel(unit)
        ax.legend(fontsize=7, loc="upper left")
    axes[0, 1].plot(c.lengths, 8 * c.lengths**2 * 1e-6, ":", color=GREY, label="8 n² bytes")
    axes[0, 1].legend(fontsize=7, loc="upper left")
    axes[0, 0].set_title("Time of one causal attention (d = 64)")
    axes[0, 1].set_title("Peak memory (tracemalloc)")
    return fig


# --- sparse patterns ----------------------------------------------------------------------------


def pattern_figure(masks: dict[str, np.ndarray]):
    """Causal (n, n) masks side by side, titled by name (yellow = may attend), each with its
    share of the n (n + 1) / 2 causal entries."""
    fig, axes = plots.figure(len(masks), width=9.5, height=3.4)
    for ax, (title, mask) in zip(axes[0], masks.items(), strict=True):
        n = len(mask)
        ax.imshow(mask, cmap="viridis", vmin=0, vmax=1, interpolation="nearest", aspect="auto")
        ax.grid(False)
        share = mask.sum() / (n * (n + 1) / 2)
        ax.set_title(f"{title}\n{share:.0%} of the causal entries", fontsize=9)
        ax.set_xlabel("key position j")
    axes[0, 0].set_ylabel("query position i")
    return fig


# --- the trade-off slider: window against error ------------------------------------------------


@functools.lru_cache(maxsize=4)
def _full(locality: float, n: int = SLIDER_N, seed: int = 0):
    """(full causal weights (n, n), output (n, 64), V, linear attention's error) for the slider."""
    Q, K, V = efficient.attention_inputs(n, 64, locality, seed)
    full = attention.scaled_dot_product_attention(Q, K, V, attention.causal_mask(n))
    linear = efficient.relative_error(efficient.linear_attention_chunked(Q, K, V), full.output)
    return full.weights, full.output, V, linear


class Tradeoff(NamedTuple):
    """The slider's result at one window: per-query kept mass (n,) and error of each pattern,
    the share of causal entries each keeps, and linear attention's error (no window)."""

    window: int
    inputs: str
    kept: dict[str, np.ndarray]
    error: dict[str, float]
    density: dict[str, float]
    linear_error: float


def _masks(window: int, n: int = SLIDER_N) -> dict[str, tuple[np.ndarray, float]]:
    """{pattern: (causal mask (n, n), share of the causal entries it keeps)}."""
    masks = {
        "local": efficient.local_attention_mask(n, window),
        "strided": efficient.strided_mask(n, window),
    }
    return {k: (m, m.sum() / (n * (n + 1) / 2)) for k, m in masks.items()}


def tradeoff(window: float = 32, inputs: str = "random") -> Tradeoff:
    """Compute function of the slider: local and strided patterns of width ``window`` (rounded)
    at n = 512 against full causal attention, on the chosen input family.

    Uses ``efficient.restrict_to_mask`` (the full weights renormalised on the mask), which
    equals the sparse attention's output: one cached full attention, then O(n^2 d) per new
    window. Results are cached by (window, inputs): the slider offers 10 windows x 2 input
    families, and drawing the error curves computes every window of a family, so moving the
    slider costs only the redraw.
    """
    window = int(round(window))
    if window < 1:
        raise ValueError(f"the window must be at least 1 key, got {window}")
    return _tradeoff(window, inputs)


@functools.lru_cache(maxsize=64)
def _tradeoff(window: int, inputs: str) -> Tradeoff:
    """``tradeoff`` at an integer window >= 1, computed once per (window, inputs)."""
    weights, output, V, linear = _full(INPUTS[inputs])
    n = weights.shape[0]
    kept, error, density = {}, {}, {}
    for name, (mask, share) in _masks(window, n).items():
        restricted = efficient.restrict_to_mask(weights, mask, V)
        kept[name] = restricted.kept
        error[name] = efficient.relative_error(restricted.output, output)
        density[name] = share
    return Tradeoff(window, inputs, kept, error, density, linear)


@functools.lru_cache(maxsize=4)
def _error_curves(inputs: str) -> tuple[np.ndarray, dict[str, np.ndarray], float]:
    """(windows 2**0..2**9, error of each pattern at those windows, linear's error)."""
    windows = 2 ** np.arange(WINDOW_EXP_MAX + 1)
    results = [tradeoff(int(w), inputs) for w in windows]
    curves = {k: np.array([r.error[k] for r in results]) for k in ("local", "strided")}
    return windows, curves, results[0].linear_error


def draw_tradeoff(axes, res: Tradeoff) -> None:
    """Left: each query's kept share of the full weights, by position. Right: error vs window
    for both patterns (your window dotted), linear attention as a flat line. One legend (on
    the right, same colours on the left): legends are slow to draw."""
    left, right = axes[0], axes[1]
    colours = {"local": VARIANT_COLOURS["local (banded)"], "strided": VARIANT_COLOURS["strided"]}
    positions = np.arange(1, len(res.kept["local"]) + 1)
    for name, kept in res.kept.items():
        left.plot(positions, kept, color=colours[name], lw=1.2)
    left.set_ylim(0, 1.05)
    left.set_xticks([1, 256, 512])  # few ticks: tick labels are the slowest part of a redraw
    left.set_yticks([0, 0.5, 1])
    left.set_xlabel("query position i")
    left.set_ylabel("share of full weight kept")
    left.set_title(f"weight kept per query ({res.inputs} inputs)", fontsize=10)
    windows, curves, linear = _error_curves(res.inputs)
    for name, curve in curves.items():
        right.plot(windows, curve, "-", color=colours[name], lw=1.5, label=name)
        right.plot([res.window], [res.error[name]], "o", color=colours[name], ms=6)
    right.axhline(linear, color=VARIANT_COLOURS["linear"], ls="--", lw=1.2, label="linear (elu+1)")
    right.set_xscale("log", base=2)
    right.set_xticks([1, 8, 64, 512], ["1", "8", "64", "512"])
    right.minorticks_off()
    top = 1.1 * max(linear, *(c.max() for c in curves.values()))
    right.set_ylim(0, top)
    right.set_yticks(np.arange(0, top, 2.0 if top > 3 else 0.5))
    right.set_xlabel("window / stride (keys)")
    right.set_ylabel("relative error of the output")
    right.set_title("error against full attention", fontsize=10)
    right.legend(fontsize=8, loc="upper right")


def readout_tradeoff(res: Tradeoff) -> str:
    share = ", ".join(f"{k} {v:.0%}" for k, v in res.density.items())
    return _(
        "window {window} (entries kept: {share}). local: keeps {local_kept:.0%} of the weight, "
        "error {local_error:.2f}; strided: keeps {strided_kept:.0%} of the weight, error "
        "{strided_error:.2f}; linear: error {linear_error:.2f}"
    ).format(
        window=res.window,
        share=share,
        local_kept=res.kept["local"].mean(),
        local_error=res.error["local"],
        strided_kept=res.kept["strided"].mean(),
        strided_error=res.error["strided"],
        linear_error=res.linear_error,
    )


def tradeoff_slider() -> widgets.InteractiveFigure:
    """Window on a log slider (1 to 512, powers of 2) and the input family."""
    window = widgets.log_slider(_("window"), 0, WINDOW_EXP_MAX, 32, step=1, base=2,
                                readout_format=".0f")  # fmt: skip
    inputs = widgets.dropdown(_("inputs"), [(_(k), k) for k in INPUTS], "random")
    return widgets.InteractiveFigure(
        tradeoff, draw_tradeoff, {"window": window, "inputs": inputs}, readout_tradeoff,
        ncols=2, width=9.0, height=3.2, layout_at={"inputs": "mostly local"},  # widest labels
    )  # fmt: skip


def tradeoff_sweep():
    """The slider's figure at windows 8, 32 and 128 on random inputs (one row each)."""
    return widgets.static_sweep(
        tradeoff, draw_tradeoff, "window", [8, 32, 128], {"inputs": "random"},
        ncols=2, width=9.0, height=2.9, label=lambda w: f"window {w}",
    )  # fmt: skip


def weights_by_distance(locality: float, n: int = SLIDER_N, max_distance: int = 64) -> np.ndarray:
    """Mean full causal weight a query puts on the key delta = 0..max_distance steps back."""
    weights = _full(locality, n)[0]
    offset = np.arange(n)[:, None] - np.arange(n)[None, :]
    return np.array([weights[offset == d].mean() for d in range(max_distance + 1)])


def inputs_figure(profiles: dict[str, np.ndarray]):
    """Mean attention weight against distance (``weights_by_distance``) for each input family
    (log y)."""
    fig, axes = plots.figure(width=6.0, height=3.0)
    ax = axes[0, 0]
    for (name, profile), colour in zip(
        profiles.items(), (GREY, plots.OKABE_ITO["blue"]), strict=True
    ):
        ax.plot(np.arange(len(profile)), profile, color=colour, label=f"{name} inputs")
    ax.set_yscale("log")
    plots.plain_log_labels(ax.yaxis)
    ax.set_xlabel("distance i - j (tokens back)")
    ax.set_ylabel("mean attention weight")
    ax.set_title(f"Where full attention puts its weight (n = {SLIDER_N})")
    ax.legend(fontsize=8)
    return fig


# --- attention beyond text ----------------------------------------------------------------------


def vision_examples(model, seed: int = 7) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One test image per class and what the trained ``model`` makes of it: (images (4, 16, 16),
    labels, predictions, the class token's weights over the patches (4, 16))."""
    rng = np.random.default_rng(seed)
    labels = np.arange(len(beyond.SHAPES))
    images = np.stack([beyond.draw_shape(int(c), rng) for c in labels])
    predicted, weights = beyond.attention_on(model, "vision", images)
    return images, labels, predicted, weights


def vision_figure(model):
    """Top: one test image per class. Bottom: the class token's attention over the 4 x 4
    patches (the same grid as the image)."""
    images, labels, predicted, weights = vision_examples(model)
    side = beyond.IMAGE_SIZE // beyond.PATCH
    fig, axes = plots.figure(4, 2, width=8.5, height=4.6)
    for k in range(len(labels)):
        top, bottom = axes[0, k], axes[1, k]
        top.imshow(images[k], cmap="gray_r", interpolation="nearest")
        top.set_title(f"{beyond.SHAPES[labels[k]]}\n(predicted: {beyond.SHAPES[predicted[k]]})",
                      fontsize=8)  # fmt: skip
        bottom.imshow(weights[k].reshape(side, side), cmap="viridis", vmin=0,
                      interpolation="nearest")  # fmt: skip
        bottom.set_title("attention over patches", fontsize=8)
        for ax in (top, bottom):
            ax.grid(False)
            ax.set_xticks([])
            ax.set_yticks([])
    return fig


def item_name(item: int) -> str:
    """'main 3', 'acc. 3' (the accessory of main product 3) or 'daily 25'."""
    if item < beyond.N_MAIN:
        return f"main {item}"
    if item < 2 * beyond.N_MAIN:
        return f"acc. {item - beyond.N_MAIN}"
    return f"daily {item}"


def typical_user(
    model, seed: int = 3, users: int = 51
) -> tuple[np.ndarray, int, int, int, np.ndarray]:
    """The median user, by the weight the attention ``model`` puts on the deciding item, among
    ``users`` drawn with ``seed``: (history (12,), next item, deciding position, recommended
    item, weights (12,))."""
    items, targets, positions = beyond.history_batch(np.random.default_rng(seed), users)
    predicted, weights = beyond.attention_on(model, "recommend", items)
    on_deciding = weights[np.arange(users), positions]
    k = int(np.argsort(on_deciding)[users // 2])
    return items[k], int(targets[k]), int(positions[k]), int(predicted[k]), weights[k]


def recommend_figure(hit_rates: dict[str, float], model):
    """Left: the hit rate of each recommender (attention, average of history, most popular).
    Right: the median user's history and the attention ``model``'s weights over it (the
    deciding main product in green)."""
    items, target, position, predicted, weights = typical_user(model)
    fig, axes = plots.figure(2, width=10.0, height=3.4)
    left, right = axes[0, 0], axes[0, 1]
    left.bar(list(hit_rates), list(hit_rates.values()),
             color=[plots.COLOURS["attention"], GREY, plots.OKABE_ITO["orange"]])  # fmt: skip
    left.set_ylim(0, 1)
    left.set_ylabel("hit rate at 1 (held-out users)")
    left.set_title("Next-item recommendation", fontsize=10)
    colours = [plots.COLOURS["attention"] if j == position else GREY
               for j in range(beyond.HISTORY)]  # fmt: skip
    right.bar(range(beyond.HISTORY), weights, color=colours)
    right.set_xticks(range(beyond.HISTORY), [item_name(i) for i in items], rotation=60,
                     ha="right", fontsize=7)  # fmt: skip
    right.set_ylim(0, 1)
    right.set_xlabel("purchase history (oldest left, most recent right)")
    right.set_ylabel("attention weight")
    right.set_title(
        f"a typical user: next = {item_name(target)}, recommended {item_name(predicted)}",
        fontsize=10,
    )
    return fig
