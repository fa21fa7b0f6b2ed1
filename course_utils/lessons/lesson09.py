"""Lesson 09's own code: the figures of Table 1 measured, the FLOPs slider, the slider over the
course's whole argument (``course_utils.gradient_vs_distance``), the tiny Transformer's runs on
lesson 06's agreement task and on the order task, and the 2017 learning-rate schedule.

The measurements are in ``course_utils.complexity``, the model and its ablations in
``course_utils.transformer``; tests/unit/test_lesson09.py asserts the numbers the lesson prints.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import numpy as np
from matplotlib.figure import Figure

from course_utils import (
    accuracy_vs_distance,
    complexity,
    gradient_vs_distance,
    plots,
    shipped,
    training,
    transformer,
    widgets,
)
from course_utils.env import use_one_thread
from course_utils.i18n import _

GREEN = plots.COLOURS["attention"]
RED = plots.COLOURS["rnn"]
GREY = plots.COLOURS["bound"]

# --- Table 1: sequential operations ------------------------------------------------------------

SEQ_LENGTHS = (4, 16, 64, 256)
"""The lengths n at which the lesson counts sequential operations."""


def table_1(seq: dict[str, list[int]], path: complexity.PathGradients) -> list[tuple[str, ...]]:
    """Rows (layer, paper per layer / sequential / path, measured sequential / path)."""
    n0, n1 = SEQ_LENGTHS[0], SEQ_LENGTHS[-1]
    rnn_seq = f"{seq['recurrent'][0]} -> {seq['recurrent'][-1]} (n = {n0} -> {n1})"
    att_seq = f"{seq['self-attention'][0]} -> {seq['self-attention'][-1]}"
    rnn_path = f"x {path.rnn_rate:.2f} per step"
    att_path = f"~ n^{path.attention_slope:.2f}"
    p = complexity.PAPER_TABLE_1
    return [
        ("recurrent", *p["recurrent"], rnn_seq, rnn_path),
        ("self-attention", *p["self-attention"], att_seq, att_path),
        ("convolutional", *p["convolutional"], "(cited)", "(cited)"),
        ("restricted self-att.", *p["self-attention (restricted)"], "(cited)", "(cited)"),
    ]


def format_table(rows) -> str:
    head = ("layer", "per layer", "sequential", "max path", "measured: sequential ops",
            "measured: gradient vs n")  # fmt: skip
    widths = [max(len(str(r[i])) for r in [head, *rows]) for i in range(len(head))]
    lines = ["  ".join(f"{c:<{w}}" for c, w in zip(r, widths, strict=True)) for r in [head, *rows]]
    return "\n".join([lines[0], "-" * len(lines[0]), *lines[1:]])


def sequential_figure(lengths, seq: dict[str, list[int]]) -> Figure:
    """Longest chain of dependent operations against n, both layers (log-log)."""
    fig, axes = plots.figure(width=6.0, height=3.0)
    ax = axes[0, 0]
    ax.plot(lengths, seq["recurrent"], "o-", color=RED, lw=2, label="recurrent layer")
    ax.plot(lengths, seq["self-attention"], "o-", color=GREEN, lw=2, label="self-attention")
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel("sequence length n (tokens)")
    ax.set_ylabel("operations in the longest chain")
    ax.set_title("Sequential operations: autograd-graph depth of one layer")
    ax.legend(fontsize=8)
    return fig


# --- Table 1: path length ----------------------------------------------------------------------


def path_figure(p: complexity.PathGradients) -> Figure:
    """log10 of the gradient from position n back to position 1, against n."""
    fig, axes = plots.figure(2, width=9.5, height=3.2)
    left, right = axes[0]
    left.plot(p.lengths, p.rnn_log10, "o-", color=RED, lw=2, label="tanh RNN")
    left.plot(p.lengths, np.log10(p.attention), "o-", color=GREEN, lw=2, label="attention")
    left.set_xscale("log", base=2)
    left.set_xlabel("sequence length n")
    left.set_ylabel("log10 gradient norm")
    left.set_title("Output n -> input 1: exponential vs 1/n", fontsize=10)
    left.legend(fontsize=8)
    right.loglog(p.lengths, p.attention, "o-", color=GREEN, lw=2, label="diffuse weights")
    right.loglog(p.lengths, p.sharp, "s--", color=GREEN, lw=1.5, label="+8 score margin")
    right.loglog(p.lengths, 1 / p.lengths * p.attention[0] * p.lengths[0], ":", color=GREY,
                 label="1/n")  # fmt: skip
    right.set_xlabel("sequence length n")
    right.set_ylabel("||dy_n / dx_1||")
    right.set_title("Attention only: diluted, or kept by a sharp focus", fontsize=10)
    right.legend(fontsize=8)
    return fig


# --- Table 1: cost per layer (FLOPs slider) ----------------------------------------------------


class Cost(NamedTuple):
    """FLOPs of both layers over lengths n (``complexity.flops``) at width d."""

    d: int
    lengths: np.ndarray
    rnn: np.ndarray
    attention: np.ndarray


COST_LENGTHS = 2 ** np.arange(3, 15)  # 8 .. 16384


def cost(d: float = 64) -> Cost:
    """Compute function of the FLOPs slider."""
    d = int(round(d))
    rnn = np.array([complexity.flops("recurrent", int(n), d) for n in COST_LENGTHS], float)
    att = np.array([complexity.flops("self-attention", int(n), d) for n in COST_LENGTHS], float)
    return Cost(d, COST_LENGTHS, rnn, att)


def draw_cost(axes, c: Cost, *, slider: bool = False) -> None:
    """Both layers' FLOPs against n on log axes, and the line n = d where they cross; with
    slider=True the legend sits right of the plot, where the moving line never reaches it."""
    ax = axes[0]
    ax.plot(c.lengths, c.rnn, "-", color=RED, lw=2, label="recurrent: 4 n d²")
    ax.plot(c.lengths, c.attention, "-", color=GREEN, lw=2, label="self-attention: 4 n² d")
    ax.axvline(c.d, color=GREY, ls="--", lw=1.2, label="n = d")
    if ax.get_xscale() != "log":  # set once: setting a scale again resets its ticks
        ax.set_xscale("log")
    plots.log_y(ax)
    ax.set_xlabel("sequence length n")
    ax.set_ylabel("FLOPs per layer")
    ax.set_ylim(1e4, 1e14)
    plots.plain_log_labels(ax.yaxis)
    ax.set_title(f"Cost per layer at d = {c.d}", fontsize=10)
    if slider:
        plots.legend_outside(ax, fontsize=8)
    else:
        ax.legend(fontsize=8, loc="upper left")


def readout_cost(c: Cost) -> str:
    n = 4096
    ratio = complexity.flops("self-attention", n, c.d) / complexity.flops("recurrent", n, c.d)
    return _(
        "d = {d}: attention is cheaper below n = {d}; at n = {n} it costs {ratio:.3g}x the "
        "recurrent layer's FLOPs"
    ).format(d=c.d, n=n, ratio=ratio)


def cost_slider() -> widgets.InteractiveFigure:
    d = widgets.log_slider(_("width d"), 3, 10, 64, step=1, base=2, readout_format=".0f")
    draw = functools.partial(draw_cost, slider=True)
    return widgets.InteractiveFigure(cost, draw, {"d": d}, readout_cost, width=6.5, height=3.2)


def cost_sweep() -> Figure:
    return widgets.static_sweep(cost, draw_cost, "d", [16, 64, 512], {}, width=10.0, height=3.0)


# --- Table 1: wall time ------------------------------------------------------------------------


def crossing(n: float, lengths) -> str:
    """Where attention became slower than the RNN, as a phrase: n from ``complexity.crossover``
    over ``lengths``."""
    first, last = lengths[0], lengths[-1]
    if np.isnan(n):
        return _("stayed faster than nn.RNN up to n = {n}").format(n=last)
    if n <= first:
        return _("was slower than nn.RNN from n = {n} on").format(n=first)
    return _("became slower than nn.RNN near n = {n:.0f}").format(n=n)


STYLES = {"nn.RNN": (RED, "o"), "RNNCell loop": (RED, "^"), "attention": (GREEN, "s")}


def timing_figure(w: complexity.WallTimes) -> Figure:
    """Forward time against n, log-log; dashed: two threads."""
    fig, axes = plots.figure(width=7.0, height=3.4)
    ax = axes[0, 0]
    for (kind, threads), seconds in w.seconds.items():
        colour, marker = STYLES[kind]
        slope = complexity.loglog_slope(w.lengths, seconds)
        label = f"{kind}, {threads} thread{'s' * (threads > 1)} (slope {slope:.1f})"
        one = threads == 1
        ax.loglog(w.lengths, 1000 * seconds, marker=marker, ls="-" if one else "--",
                  color=colour, lw=2 if one else 1.2, label=label)  # fmt: skip
    ax.set_xlabel("sequence length n (tokens)")
    ax.set_ylabel("forward time (ms)")
    ax.set_title(f"One layer's forward pass on this CPU (d = {w.d}, batch {w.batch})")
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.0, 0.5))
    return fig


# --- the whole argument (slider) ---------------------------------------------------------------


def draw_whole_argument(axes, curves: gradient_vs_distance.Curves) -> None:
    """``gradient_vs_distance.draw`` in its light form (fixed legend, few ticks): fast."""
    gradient_vs_distance.draw(axes[0], curves, brief=True)
    axes[0].set_title("Gradient vs distance", fontsize=10)


def readout_whole_argument(curves: gradient_vs_distance.Curves) -> str:
    def shown(value: float) -> str:
        return f"{value:.1e}" if value > 0 else _("underflow")

    last = {name: shown(norms[-1]) for name, norms in curves.norms.items()}
    return _(
        "at distance {distance}: mlp {mlp}, rnn {rnn}, lstm {lstm} (cell path alone {cell}), "
        "attention {attention}"
    ).format(
        distance=curves.distances[-1],
        mlp=last["mlp"],
        rnn=last["rnn"],
        lstm=last["lstm"],
        cell=last["lstm cell path"],
        attention=last["attention"],
    )


BIASES = (-2.0, 6.0, 0.5)
"""The forget-bias slider's range and step (17 settings)."""


def whole_argument_slider() -> widgets.InteractiveFigure:
    """``gradient_vs_distance.whole_argument`` with the RNN's radius and the LSTM's forget bias.
    The LSTM's full BPTT is the slow part, so its curves are computed here, once for every
    setting of the slider (``gradient_vs_distance.lstm_curves`` caches them)."""
    low, high, step = BIASES
    for bias in np.arange(low, high + step / 2, step):
        gradient_vs_distance.whole_argument(forget_bias=bias)
    radius = widgets.slider(_("RNN spectral radius"), 0.1, 1.5, 0.05, 0.9)
    bias = widgets.slider(_("LSTM forget bias"), low, high, step, 1.0)
    return widgets.InteractiveFigure(
        gradient_vs_distance.whole_argument, draw_whole_argument,
        {"radius": radius, "forget_bias": bias}, readout_whole_argument,
        width=7.0, height=3.5, layout_at={"radius": 1.5, "forget_bias": -2.0},  # widest labels
    )  # fmt: skip


def whole_argument_sweep() -> Figure:
    """The slider's figure at forget bias 0, 1 and 3 (RNN radius 0.9)."""
    return widgets.static_sweep(
        gradient_vs_distance.whole_argument, draw_whole_argument, "forget_bias", [0.0, 1.0, 3.0],
        {"radius": 0.9}, width=13.0, height=3.6, label=lambda b: f"forget bias {b:g}",
    )  # fmt: skip


# --- the tiny Transformer on agreement ---------------------------------------------------------

DISTANCES = (10, 20, 30, 40, 50)


class LiveRun(NamedTuple):
    model: transformer.Classifier
    result: training.TrainResult
    by_distance: np.ndarray  # accuracy at DISTANCES


@functools.lru_cache(maxsize=2)
def agreement_run(seed: int = 0) -> LiveRun:
    """``transformer.train_agreement(seed)``, then the accuracy at each of DISTANCES (500
    sequences each, padded to 52 tokens like the training data)."""
    use_one_thread()
    model, result = transformer.train_agreement(seed)
    acc = training.accuracy_by_distance(model, list(DISTANCES), length=52)
    return LiveRun(model, result, acc)


SWEEP_SEEDS = tuple(range(8))


def agreement_sweep(seeds=SWEEP_SEEDS) -> dict:
    """``agreement_run`` for each seed, as plain data (for JSON): the test accuracy at
    distance 50 after training, and the accuracy at each of DISTANCES. Written to
    course_utils/data/transformer_sweep.json by tools/sweep_transformer.py."""
    runs = []
    for seed in seeds:
        run = agreement_run(seed)
        runs.append(
            {
                "seed": seed,
                "final": round(run.result.final, 4),
                "by_distance": [round(float(a), 4) for a in run.by_distance],
            }
        )
    return {
        "config": dict(transformer.AGREEMENT),
        "distances": list(DISTANCES),
        "seeds": list(seeds),
        "runs": runs,
    }


def load_sweep() -> dict:
    """The shipped seeds of the Transformer on agreement (tools/sweep_transformer.py)."""
    return shipped.load(shipped.TRANSFORMER)


class SeedSpread(NamedTuple):
    """The shipped seeds: final accuracy at distance 50, and by_distance (seeds, distances)."""

    seeds: list[int]
    final: np.ndarray
    by_distance: np.ndarray

    @property
    def largest_drop(self) -> float:
        """The largest fall in accuracy from distance 10 to distance 50 over the seeds."""
        return float((self.by_distance[:, 0] - self.by_distance[:, -1]).max())


def seed_spread(data: dict) -> SeedSpread:
    runs = sorted(data["runs"], key=lambda r: r["seed"])
    return SeedSpread(
        [r["seed"] for r in runs],
        np.array([r["final"] for r in runs]),
        np.array([r["by_distance"] for r in runs]),
    )


def agreement_figure(by_distance: np.ndarray) -> Figure:
    """Lesson 06's accuracy-vs-distance figure (its shipped sweep) with the Transformer's
    accuracy at DISTANCES added."""
    fig = accuracy_vs_distance.figure(
        accuracy_vs_distance.summary(shipped.load(shipped.LONG_RANGE))
    )
    ax = fig.axes[0]
    ax.plot(DISTANCES, by_distance, "s-", color=plots.COLOURS["transformer"], lw=2.5, ms=6,
            label="Transformer (one model, seed 0)")  # fmt: skip
    ax.set_title("Lesson 06's curves with a 2-block Transformer added")
    ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.0, 0.5))
    return fig


# --- ablation 1: positional encoding -----------------------------------------------------------


class OrderRun(NamedTuple):
    positional: bool
    result: training.TrainResult
    permutation_change: float


@functools.lru_cache(maxsize=4)
def order_run(positional: bool, seed: int = 0) -> OrderRun:
    """The 1-block Transformer on "A before B?", with or without positions; the largest change
    of its output when the tokens before the query are shuffled."""
    use_one_thread()
    model, result = transformer.train_order(positional, seed)
    change = transformer.permutation_change(model, transformer.order_task().test_x)
    return OrderRun(positional, result, change)


def order_figure(runs: list[OrderRun]) -> Figure:
    fig, axes = plots.figure(width=6.0, height=3.0)
    ax = axes[0, 0]
    for run in runs:
        name = "sinusoidal positions" if run.positional else "no positional encoding"
        ax.plot(run.result.eval_steps, run.result.curve, "o-", lw=2,
                color=GREEN if run.positional else GREY, label=name)  # fmt: skip
    ax.axhline(0.5, color=GREY, ls=":", lw=1)
    ax.set_ylim(0.4, 1.03)
    ax.set_xlabel("training step (64 sequences)")
    ax.set_ylabel("test accuracy")
    ax.set_title("Is A before B? One block, with and without positions")
    ax.legend(fontsize=8)
    return fig


# --- ablation 2: residuals and LayerNorm through depth -----------------------------------------

DEPTH_COLOURS = {
    "plain": plots.OKABE_ITO["black"],
    "LN only": plots.OKABE_ITO["purple"],
    "residual only": plots.OKABE_ITO["orange"],
    "Post-LN": plots.OKABE_ITO["sky"],
    "Pre-LN": plots.OKABE_ITO["blue"],
}


def depth_figure(ablation: dict[str, transformer.LayerGradients]) -> Figure:
    fig, axes = plots.figure(width=7.5, height=3.4)
    ax = axes[0, 0]
    for name, res in ablation.items():
        blocks = np.arange(1, len(res.grad_norms) + 1)
        plots.gradient_vs_distance(ax, blocks, res.grad_norms, label=name,
                                   colour=DEPTH_COLOURS[name],
                                   xlabel="block (1 = nearest the input)",
                                   ylabel="||dL/dW_1|| of the block's MLP")  # fmt: skip
    ax.set_title("24 blocks at initialisation: the gradient reaching each block")
    ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.0, 0.5))
    return fig


# --- the training recipe: warm-up ---------------------------------------------------------------


def transformer_learning_rate(step, d_model: int = 512, warmup_steps: int = 4000) -> np.ndarray:
    """The Transformer's learning-rate schedule, Vaswani et al. (2017), §5.3, eq. (3):

        lrate = d_model^-0.5 * min(step^-0.5, step * warmup_steps^-1.5)

    step: training steps (>= 1), a number or an array; returns an array of the same shape. The
    rate rises linearly for the first ``warmup_steps`` steps, peaks at step = warmup_steps with
    (d_model * warmup_steps)^-0.5, then falls like 1/sqrt(step). Defaults: the base model.
    """
    step = np.asarray(step, dtype=float)
    return d_model**-0.5 * np.minimum(step**-0.5, step * warmup_steps**-1.5)


def schedule_figure(steps, rates, d_model: int = 512, warmup_steps: int = 4000) -> Figure:
    """The learning rate (``transformer_learning_rate``) against the training step, the end of
    warm-up marked."""
    fig, axes = plots.figure(width=6.5, height=3.0)
    ax = axes[0, 0]
    ax.plot(steps, rates, color=GREEN, lw=2,
            label=f"d_model = {d_model}, warmup_steps = {warmup_steps}")  # fmt: skip
    ax.axvline(warmup_steps, color=GREY, ls="--", lw=1.2, label="end of warm-up")
    ax.set_xlabel("training step")
    ax.set_ylabel("learning rate")
    ax.set_title("Warm-up, then 1/sqrt(step): Vaswani et al. (2017), eq. 3")
    ax.legend(fontsize=8)
    return fig


# --- positional encoding -----------------------------------------------------------------------


def encoding_figure(pe: np.ndarray) -> Figure:
    """A positional encoding (n, d_model) as a heatmap, and three of its columns."""
    n, d_model = pe.shape
    fig, axes = plots.figure(2, width=9.5, height=3.2)
    left, right = axes[0]
    plots.heatmap(left, pe, cmap="RdBu_r", vmin=-1, vmax=1)
    left.set_xlabel("column (even: sin, odd: cos)")
    left.set_ylabel("position")
    left.set_title(f"Positional encoding, {n} positions x {d_model} columns", fontsize=10)
    for col, colour in ((0, RED), (8, plots.OKABE_ITO["blue"]), (20, GREEN)):
        right.plot(pe[:, col], color=colour, lw=1.8, label=f"column {col}")
    right.set_xlabel("position")
    right.set_ylabel("value")
    right.set_title("Each column pair turns at its own speed", fontsize=10)
    right.legend(fontsize=8, loc="lower left")
    return fig
