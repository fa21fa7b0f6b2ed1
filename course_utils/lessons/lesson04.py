"""Lesson 04's own code: its two sliders (the gradient against the lag, built on
``gradient_vs_distance``'s lag figure, and the loss cliff of one sigmoid unit), its figures,
and the experiments its cells call: four ways to run one W, a random against an orthogonal W,
the wall located by bisection, numpy's clipping against torch's, and training with and
without clipping.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import numpy as np
from matplotlib.figure import Figure

from course_utils import gradient_vs_distance, plots, rnn, widgets
from course_utils.clipping import (
    TrainResult,
    adding_rnn_size,
    clip_grad_norm,
    global_norm,
    train_with_clipping,
)
from course_utils.i18n import _

ACTIVATIONS = ("tanh", "relu", "linear", "sigmoid")

# --- across the boundary ---------------------------------------------------------------------


def radius_slider() -> widgets.InteractiveFigure:
    """Spectral radius 0.5..4, activation, T 10..1000: gradient norm against lag."""
    controls = {
        "radius": widgets.slider(_("spectral radius"), 0.5, 4.0, 0.05, 1.0),
        "activation": widgets.dropdown(_("activation"), list(ACTIVATIONS), "tanh"),
        "T": widgets.slider(_("sequence length T"), 10, 1000, 10, 100, integer=True),
    }
    return widgets.InteractiveFigure(
        gradient_vs_distance.lag_profile,
        functools.partial(gradient_vs_distance.draw_lag, slider=True),
        controls,
        gradient_vs_distance.readout_lag,
        height=3.4,
        # ticks down to 1e-300 and the longest activation's legend: the widest labels
        layout_at={"radius": 0.5, "T": 1000, "activation": "sigmoid"},
    )


def radius_sweep() -> Figure:
    """The tanh RNN at radius 1, 2 and 3 (T = 100): vanishing, the boundary, exploding."""
    return widgets.static_sweep(
        gradient_vs_distance.lag_profile,
        gradient_vs_distance.draw_lag,
        "radius",
        [1.0, 2.0, 3.0],
        {"activation": "tanh", "T": 100},
        label=lambda v: f"ρ = {v}",
        height=3.3,
        width=11.0,
    )


def first_crossing(radii: np.ndarray, slopes: np.ndarray) -> float:
    """The radius where ``slopes`` first turns from <= 0 to > 0, interpolated linearly between
    the two radii of the grid around it; nan if it never does."""
    up = np.flatnonzero((slopes[:-1] <= 0) & (slopes[1:] > 0))
    if not up.size:
        return float("nan")
    i = up[0]
    return float(radii[i] + (radii[i + 1] - radii[i]) * -slopes[i] / (slopes[i + 1] - slopes[i]))


def phase_figure(
    radii: np.ndarray, slopes: dict[str, np.ndarray], boundary: dict[str, float]
) -> Figure:
    """Slope against radius, one line per activation (the keys), a dot where it crosses 0;
    above 0 the gradient explodes, below it vanishes."""
    fig, axes = plots.figure(1, width=7.0, height=3.4)
    ax = axes[0, 0]
    ax.axhline(0.0, color=plots.COLOURS["bound"], lw=1)
    for a, s in slopes.items():
        ax.plot(radii, s, lw=2, color=plots.COLOURS[a], label=a)
        if np.isfinite(boundary[a]):
            ax.plot([boundary[a]], [0.0], "o", color=plots.COLOURS[a], ms=6)
    ax.text(0.55, 0.9, "exploding", color=plots.COLOURS["bound"], fontsize=9)
    ax.text(3.0, -1.9, "vanishing", color=plots.COLOURS["bound"], fontsize=9)
    ax.set_xlabel("spectral radius of the recurrent matrix")
    ax.set_ylabel("measured slope of log-norm per step")
    ax.set_title("where the gradient turns from vanishing to exploding (T = 100)")
    ax.legend(loc="lower right", fontsize=8)
    return fig


# --- ReLU, tanh and the IRNN ------------------------------------------------------------------

CONFIGURATIONS = ("tanh, 1.5 W", "ReLU, 1.5 W", "ReLU, W", "IRNN (W = I)")
CONFIGURATION_COLOURS = ("tanh", "relu", "relu", "leaky_relu")


def _draws(rng: np.random.Generator, n_hidden: int, T: int):
    """(W, W_xh, x): W and W_xh ~ N(0, 1/H), shape (H, H), then inputs x_t ~ N(0, I), (T, H)."""
    W = rng.standard_normal((n_hidden, n_hidden)) / np.sqrt(n_hidden)
    W_xh = rng.standard_normal((n_hidden, n_hidden)) / np.sqrt(n_hidden)
    return W, W_xh, rng.standard_normal((T, n_hidden))


def four_ways(
    seed: int = 0, n_hidden: int = 64, T: int = 100
) -> tuple[dict[str, rnn.StateAndJacobian], float]:
    """One random W ~ N(0, 1/H) run four ways: ``rnn.state_and_jacobian_norms`` of each
    (keys ``CONFIGURATIONS``), and the spectral radius of 1.5 W.

    One Generator draws W, then W_xh ~ N(0, 1/H), then the inputs x_t ~ N(0, I); b = 0,
    h_0 = 0. The IRNN (Le, Jaitly & Hinton 2015) has W_hh = I, W_xh = I and inputs |x_t|, so
    every unit stays active and dh_T/dh_0 is exactly I (the state integrates the input).
    """
    W, W_xh, x = _draws(np.random.default_rng(seed), n_hidden, T)
    b = np.zeros(n_hidden)
    irnn = {"W_hh": rnn.identity_init(n_hidden), "W_xh": np.eye(n_hidden), "b": b}
    runs = (
        ({"W_hh": 1.5 * W, "W_xh": W_xh, "b": b}, x, "tanh"),
        ({"W_hh": 1.5 * W, "W_xh": W_xh, "b": b}, x, "relu"),
        ({"W_hh": W, "W_xh": W_xh, "b": b}, x, "relu"),
        (irnn, np.abs(x), "relu"),
    )
    norms = {
        name: rnn.state_and_jacobian_norms(params, inputs, None, activation)
        for name, (params, inputs, activation) in zip(CONFIGURATIONS, runs, strict=True)
    }
    return norms, rnn.spectral_radius(1.5 * W)


class ActivationRuns(NamedTuple):
    """``four_ways`` over seeds: ||h_T|| and ||dh_T/dh_0|| per configuration, (seeds,) each,
    and the spectral radius of 1.5 W per seed."""

    state: dict[str, np.ndarray]
    jacobian: dict[str, np.ndarray]
    radius: np.ndarray


def activation_runs(seeds=range(10)) -> ActivationRuns:
    runs = [four_ways(s) for s in seeds]
    return ActivationRuns(
        {n: np.array([norms[n].state_norm for norms, _ in runs]) for n in CONFIGURATIONS},
        {n: np.array([norms[n].jacobian_norm for norms, _ in runs]) for n in CONFIGURATIONS},
        np.array([radius for _, radius in runs]),
    )


def activation_figure(runs: ActivationRuns) -> Figure:
    """Two panels, log scale: final state norm and Jacobian norm, one dot per seed."""
    fig, axes = plots.figure(2, width=10.0, height=3.3)
    for ax, by_name, ylabel in (
        (axes[0, 0], runs.state, "final state norm ||h_T||"),
        (axes[0, 1], runs.jacobian, "Jacobian norm ||dh_T / dh_0||"),
    ):
        for i, name in enumerate(CONFIGURATIONS):
            values = by_name[name]
            jitter = np.linspace(-0.15, 0.15, len(values))
            ax.scatter(i + jitter, values, s=18, color=plots.COLOURS[CONFIGURATION_COLOURS[i]])
        ax.set_yscale("log")
        plots.plain_log_labels(ax.yaxis)
        ax.axhline(1.0, color=plots.COLOURS["bound"], lw=0.8)
        ax.set_xticks(range(len(CONFIGURATIONS)), CONFIGURATIONS, fontsize=8)
        ax.set_ylabel(ylabel)
    axes[0, 0].set_title("the state after T = 100 steps (10 seeds)")
    axes[0, 1].set_title("the gradient through 100 steps (10 seeds)")
    return fig


# --- other ways to keep the Jacobians near norm 1 ---------------------------------------------

ORTHOGONAL_ROWS = (
    ("random W, radius 1", "linear"),
    ("random W, radius 1", "tanh"),
    ("orthogonal W", "linear"),
    ("orthogonal W", "tanh"),
)


def orthogonal_comparison(
    seed: int = 0, n_hidden: int = 64, T: int = 100
) -> dict[tuple[str, str], np.ndarray]:
    """Singular values of dh_T/dh_0 (largest first) for a random and an orthogonal W_hh.

    ``four_ways``'s draws (W rescaled to spectral radius 1, W_xh, the inputs), then the
    orthogonal W of ``rnn.orthogonal_init`` (Saxe et al. 2014); b = 0, h_0 = 0. Keys:
    ``ORTHOGONAL_ROWS``.
    """
    rng = np.random.default_rng(seed)
    W, W_xh, x = _draws(rng, n_hidden, T)
    matrices = {
        "random W, radius 1": rnn.scale_to_radius(W, 1.0),
        "orthogonal W": rnn.orthogonal_init(n_hidden, rng),
    }
    return {
        (name, activation): rnn.jacobian_singular_values(
            {"W_hh": matrices[name], "W_xh": W_xh, "b": np.zeros(n_hidden)}, x, None, activation
        )
        for name, activation in ORTHOGONAL_ROWS
    }


# --- the cliff --------------------------------------------------------------------------------

B_GRID = np.linspace(-8.0, 2.0, 2001)
CLIFF_T = 50  # steps of the single-unit RNN, as in Pascanu et al.'s Fig. 6
WALL_JUMP = 1.0  # a jump in the loss between neighbouring grid points larger than this is a wall


class CliffResult(NamedTuple):
    """Loss of ``rnn.loss_cliff`` at one w over ``B_GRID``, and its largest jump.

    jump: largest |loss difference| between neighbouring b on the grid; wall_b: the midpoint
    of that pair (meaningful only when jump > WALL_JUMP).
    """

    w: float
    b: np.ndarray
    loss: np.ndarray
    jump: float
    wall_b: float


def cliff(w: float, T: int = CLIFF_T) -> CliffResult:
    """Compute function of the cliff slider: the loss after T steps over ``B_GRID``."""
    loss = rnn.loss_cliff([float(w)], B_GRID, T=T).loss[0]
    steps = np.abs(np.diff(loss))
    i = int(np.argmax(steps))
    return CliffResult(float(w), B_GRID, loss, float(steps[i]), float(B_GRID[i : i + 2].mean()))


def draw_cliff(axes: np.ndarray, result: CliffResult) -> None:
    (ax,) = axes
    ax.plot(result.b, result.loss, color=plots.COLOURS["rnn"], lw=2, label="loss")
    if result.jump > WALL_JUMP:
        ax.axvline(
            result.wall_b,
            color=plots.COLOURS["bound"],
            ls="--",
            lw=1,
            label=f"wall: jump of {result.jump:.1f}",
        )
    ax.set_xlim(B_GRID[0], B_GRID[-1])
    ax.set_ylim(0, 90)
    ax.set_xlabel("bias b")
    ax.set_ylabel("loss (x_50 - 0.7)^2")
    ax.legend(loc="upper right", fontsize=8)
    ax.set_title(f"largest slope w/4 = {result.w / 4:.2f}")


def readout_cliff(result: CliffResult) -> str:
    if result.jump > WALL_JUMP:
        message = _(
            "w = {w:.1f}: the map's largest slope w/4 = {slope:.2f} > 1: two stable states, "
            "and a wall near b = {wall_b:.2f} where the loss jumps by {jump:.1f} between "
            "neighbouring b"
        )
    elif result.w <= 4:
        message = _(
            "w = {w:.1f}: the map's largest slope w/4 = {slope:.2f} <= 1: no wall (largest "
            "jump between neighbouring b: {jump:.2f})"
        )
    else:
        message = _(
            "w = {w:.1f}: the map's largest slope w/4 = {slope:.2f}: no wall (largest jump "
            "between neighbouring b: {jump:.2f})"
        )
    return message.format(w=result.w, slope=result.w / 4, wall_b=result.wall_b, jump=result.jump)


def cliff_slider() -> widgets.InteractiveFigure:
    """w from 1 to 8: the loss against b, and the wall that appears past w = 4."""
    controls = {"w": widgets.slider(_("recurrent weight w"), 1.0, 8.0, 0.1, 3.0)}
    return widgets.InteractiveFigure(cliff, draw_cliff, controls, readout_cliff, height=3.2)


def cliff_sweep() -> Figure:
    """The loss against b at w = 3, 4, 5 and 6."""
    return widgets.static_sweep(
        cliff, draw_cliff, "w", [3.0, 4.0, 5.0, 6.0], {}, height=2.9, width=12.0
    )


def find_wall(w: float = 6.0, T: int = CLIFF_T) -> float:
    """b of the wall at this w after T steps, to float64 precision.

    Bisection on the grid's largest jump, for the b where the loss crosses halfway between
    its values on either side. Returns the largest b on the left (high-loss) side of the
    jump. ValueError if no wall (no jump above ``WALL_JUMP``). Compare with
    ``rnn.wall_bias(w)``, the b at which x_0 = 0.5 is the unstable fixed point.
    """
    loss = cliff(w, T).loss
    i = int(np.argmax(np.abs(np.diff(loss))))
    if abs(loss[i + 1] - loss[i]) <= WALL_JUMP:
        raise ValueError(f"no wall at w = {w}: largest jump {abs(loss[i + 1] - loss[i]):.2g}")
    lo, hi = float(B_GRID[i]), float(B_GRID[i + 1])
    left, right = loss[i], loss[i + 1]
    middle = (left + right) / 2
    while True:
        mid = (lo + hi) / 2
        if mid in (lo, hi):
            return float(lo)
        value = rnn.loss_cliff([w], [mid], T=T).loss[0, 0]
        if (value > middle) == (left > middle):
            lo = mid
        else:
            hi = mid


def cliff_point(w: float, b: float) -> tuple[float, np.ndarray]:
    """The loss of ``rnn.loss_cliff`` at one point (w, b), and its gradient (dL/dw, dL/db)."""
    res = rnn.loss_cliff([w], [b])
    return float(res.loss[0, 0]), np.array([res.dloss_dw[0, 0], res.dloss_db[0, 0]])


# --- clipping: numpy against torch, and training with and without it --------------------------


class TorchClipComparison(NamedTuple):
    """Our clip_grad_norm against torch.nn.utils.clip_grad_norm_ on the same gradients."""

    norm_before: float  # ours
    torch_norm_before: float  # torch's
    norm_after: float  # ours, after clipping
    max_difference: float  # largest entry-wise difference of the clipped gradients


def torch_clip_comparison(max_norm: float = 1.0, seed: int = 0) -> TorchClipComparison:
    """Three random gradient arrays (shapes (4, 4), (2, 4), (4,)), scaled so that their global
    norm is far above `max_norm`, clipped by ``clipping.clip_grad_norm`` and by PyTorch."""
    import torch

    rng = np.random.default_rng(seed)
    grads = [10 * rng.standard_normal(shape) for shape in ((4, 4), (2, 4), (4,))]
    ours, norm_before = clip_grad_norm(grads, max_norm)
    params = [torch.nn.Parameter(torch.zeros(g.shape, dtype=torch.float64)) for g in grads]
    for p, g in zip(params, grads, strict=True):
        p.grad = torch.tensor(g)
    torch_norm = torch.nn.utils.clip_grad_norm_(params, max_norm).item()
    difference = max(np.abs(o - p.grad.numpy()).max() for o, p in zip(ours, params, strict=True))
    return TorchClipComparison(norm_before, torch_norm, global_norm(ours), float(difference))


EQUAL_STEP = 1.0 / np.sqrt(adding_rnn_size())  # element-wise bound with norm clipping's step
CLIP_MODES = {
    "no clipping": (None, 1.0),
    "norm clipping at 1": ("norm", 1.0),
    "element-wise at 1/sqrt(P)": ("elementwise", EQUAL_STEP),
    "element-wise at 5": ("elementwise", 5.0),
}
"""Name -> (clip, threshold) of ``clipping.train_with_clipping``. Norm clipping at 1 and
element-wise clipping at 1/sqrt(P) allow the same largest step (P parameters); element-wise
at 5, min-char-rnn's bound, allows one 5 sqrt(P) long."""
CLIP_COLOURS = {
    "no clipping": plots.COLOURS["rnn"],
    "norm clipping at 1": plots.COLOURS["lstm"],
    "element-wise at 1/sqrt(P)": plots.COLOURS["gru"],
    "element-wise at 5": plots.COLOURS["sigmoid"],
}


def clipping_runs(seeds=range(5)) -> dict[str, list[TrainResult]]:
    """``clipping.train_with_clipping`` (gain 3, T = 10, SGD lr 0.1, 300 steps), per mode, seed."""
    return {
        name: [train_with_clipping(clip, threshold, seed=s) for s in seeds]
        for name, (clip, threshold) in CLIP_MODES.items()
    }


def clipping_outcome(results: list[TrainResult]) -> str:
    """What happened to a set of runs, as a phrase: "3 of the 5 runs overflowed (the earliest
    at step 228), and the others ended with an MSE of 2.7e+265" or "all 5 runs stayed finite,
    with a final MSE from 0.153 to 0.166"."""
    finite = [float(r.losses[-50:].mean()) for r in results if not r.diverged]
    overflowed = [len(r.losses) for r in results if r.diverged]
    low, high = (min(finite), max(finite)) if finite else (None, None)
    if not overflowed:
        message = (
            _("all {n} runs stayed finite, with a final MSE of {low:.3g}")
            if low == high
            else _("all {n} runs stayed finite, with a final MSE from {low:.3g} to {high:.3g}")
        )
    elif not finite:
        message = _("{k} of the {n} runs overflowed (the earliest at step {step})")
    elif len(finite) == 1:
        message = _(
            "{k} of the {n} runs overflowed (the earliest at step {step}), and the other ended "
            "with an MSE of {low:.3g}"
        )
    elif low == high:
        message = _(
            "{k} of the {n} runs overflowed (the earliest at step {step}), and the others ended "
            "with an MSE of {low:.3g}"
        )
    else:
        message = _(
            "{k} of the {n} runs overflowed (the earliest at step {step}), and the others ended "
            "with an MSE from {low:.3g} to {high:.3g}"
        )
    step = min(overflowed) if overflowed else None
    return message.format(n=len(results), k=len(overflowed), step=step, low=low, high=high)


def training_figure(runs: dict[str, list[TrainResult]], seed_index: int = 0) -> Figure:
    """Loss and pre-clipping gradient norm per step for one seed; overflow marked with ▲.

    Left: the loss from 0.03 to 1e6, right: the gradient norm from 0.1 to 1e4 (log scales,
    where the clipped runs live); the unclipped run leaves both through the top.
    """
    fig, axes = plots.figure(2, width=11.0, height=3.4)
    limits = [
        plots.log_axis_limits(np.array(span), max_ticks=9) for span in ((0.03, 1e6), (0.1, 1e4))
    ]
    for ax, (bottom, top, _ticks) in zip(axes[0], limits, strict=True):
        # Limits first: autoscaling data near 1e305 overflows in matplotlib's margins.
        ax.set_yscale("log")
        ax.set_ylim(bottom, top)
    for name, results in runs.items():
        r = results[seed_index]
        steps = np.arange(len(r.losses) + r.diverged)
        tail = [np.inf] if r.diverged else []
        for ax, values, ylabel in (
            (axes[0, 0], r.losses, "training loss (MSE)"),
            (axes[0, 1], r.grad_norms, "gradient norm before clipping"),
        ):
            plots.gradient_vs_distance(
                ax,
                steps,
                np.concatenate([values, tail]),
                label=name,
                colour=CLIP_COLOURS[name],
                xlabel="SGD step",
                ylabel=ylabel,
            )
    axes[0, 0].axhline(
        1 / 6, color=plots.COLOURS["bound"], ls=":", lw=1.2, label="always predict 1 (1/6)"
    )
    axes[0, 1].axhline(1.0, color=plots.COLOURS["bound"], ls=":", lw=1.2, label="norm threshold 1")
    for ax, (_bottom, _top, ticks) in zip(axes[0], limits, strict=True):
        ax.set_yticks(ticks)
        ax.legend(loc="upper center", fontsize=7, ncol=2)
    axes[0, 0].set_title("adding problem, T = 10, recurrent gain 3 (seed 0)")
    axes[0, 1].set_title("the gradient at each step, before clipping")
    return fig


# --- batch and layer normalisation ----------------------------------------------------------


def two_features(rng: np.random.Generator, n: int) -> np.ndarray:
    """A batch (n, 2) on very different scales: features ~ N(50, 10^2) and N(-2, 0.5^2)."""
    return np.column_stack([50 + 10 * rng.standard_normal(n), -2 + 0.5 * rng.standard_normal(n)])


def bn_figure(x: np.ndarray, standard: np.ndarray, learned: np.ndarray) -> Figure:
    """Left: the raw batch x. Right: after batch norm with gamma = 1, beta = 0 (``standard``)
    and with gamma = (2, 0.5), beta = (1, -1) (``learned``)."""
    fig, axes = plots.figure(2, width=10.0, height=3.4)
    left, right = axes[0]
    left.scatter(x[:, 0], x[:, 1], s=8, color=plots.COLOURS["linear"], alpha=0.6)
    left.set_title(f"a batch of {len(x)} examples, 2 features")
    left.set_xlabel("feature 1 (mean 50, std 10)")
    left.set_ylabel("feature 2 (mean -2, std 0.5)")
    for y, colour, label in (
        (standard, plots.COLOURS["tanh"], "gamma = 1, beta = 0"),
        (learned, plots.COLOURS["sigmoid"], "gamma = (2, 0.5), beta = (1, -1)"),
    ):
        right.scatter(y[:, 0], y[:, 1], s=8, alpha=0.6, color=colour, label=label)
    right.set_title("after batch norm (per feature, per batch)")
    right.set_xlabel("feature 1, normalised")
    right.set_ylabel("feature 2, normalised")
    right.legend(loc="upper left", fontsize=7, frameon=True)
    return fig


def mlp_figure(plain: np.ndarray, normed: np.ndarray, seed: int = 0) -> Figure:
    """Per-layer gradient norms of the 10-layer sigmoid MLP without (``plain``) and with
    (``normed``) batch norm, each (10,), on a log scale."""
    fig, axes = plots.figure(1, width=7.0, height=3.2)
    ax = axes[0, 0]
    for norms, label, colour in (
        (plain, "sigmoid", plots.COLOURS["sigmoid"]),
        (normed, "sigmoid + BN", plots.COLOURS["tanh"]),
    ):
        plots.gradient_vs_distance(
            ax,
            np.arange(1, len(norms) + 1),
            norms,
            label=label,
            colour=colour,
            xlabel="hidden layer (1 = nearest the input)",
            ylabel="||dL/dW|| of the layer",
        )
    ax.set_title(f"10-layer sigmoid network, width 128, at initialisation (seed {seed})")
    return fig


def layernorm_figure(curves: dict[tuple[float, bool], np.ndarray], seed: int = 0) -> Figure:
    """Gradient against lag without and with layer norm (keys (gain, with LN)), at gain 1
    (left) and gain 4 (right)."""
    fig, axes = plots.figure(2, width=11.0, height=3.3)
    for ax, gain in zip(axes[0], (1.0, 4.0), strict=True):
        for ln, label, colour in (
            (False, "plain tanh RNN", plots.COLOURS["rnn"]),
            (True, "with layer norm", plots.COLOURS["tanh"]),
        ):
            norms = curves[(gain, ln)]
            plots.gradient_vs_distance(
                ax,
                np.arange(len(norms)),
                norms,
                label=label,
                colour=colour,
                xlabel="time lag k",
                ylabel="||dL/dh_(T-k)||",
            )
        ax.axhline(1.0, color=plots.COLOURS["bound"], lw=0.8)
        ax.set_title(f"recurrent gain {gain:g} (H = 16, T = 100, seed {seed})")
    return fig
