"""Lesson 04's sliders, and the experiments behind its static figures.

Sliders (each with a static sweep):
- ``radius_slider``: gradient norm against time lag for a recurrent matrix of spectral radius
  0.5 to 4, any activation, T up to 1000; the readout names the regime (vanishing, exploding,
  overflow) with the measured slope and Pascanu et al.'s bound on it;
- ``cliff_slider``: the loss of the single-unit RNN x_t = w sigmoid(x_{t-1}) + b against b,
  with the wall that appears once w/4 > 1.

Static experiments, each a pure function the tests check, with its figure:
``activation_runs`` (tanh vs ReLU vs IRNN over seeds), ``orthogonal_comparison`` (a random
vs an orthogonal W, linear and tanh), ``find_wall`` / ``wall_zoom`` /
``cliff_step`` (one gradient step on the wall, with and without clipping),
``clipping_runs`` (SGD with no, norm and element-wise clipping), ``bn_demo`` (what batch
norm does to a batch), ``mlp_figure`` and ``layernorm_figure`` (what normalisation fixes and
what it does not).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from matplotlib.figure import Figure

from course_utils import plots, widgets
from course_utils.clipping import (
    TrainResult,
    adding_rnn_size,
    clip_grad_norm,
    global_norm,
    train_with_clipping,
)
from course_utils.normalization import batchnorm_forward, mlp_layer_grad_norms, rnn_lag_gradients
from course_utils.rnn import (
    LagProfile,
    activation_comparison,
    gradient_vs_lag,
    jacobian_singular_values,
    loss_cliff,
    orthogonal_init,
    scale_to_radius,
    spectral_radius,
)

SEED = 0
FLOAT_MAX = float(np.finfo(np.float64).max)  # about 1.8e308

# --- the radius slider -----------------------------------------------------------------------

ACTIVATIONS = ("tanh", "relu", "linear", "sigmoid")
SLOPE_TOLERANCE = 0.02  # |slope| below this (per step) counts as "at the boundary"


class LagResult(NamedTuple):
    """One setting of the radius slider: the profile from ``rnn.gradient_vs_lag`` and its reading.

    slope: least-squares slope of log ||dL/dh_{T-k}|| over the second half of the lags
    (natural log per step; nan if fewer than 2 finite points). bound_slope: Pascanu et al.'s
    log(gamma sigma_max), which the slope cannot exceed. regime: "vanishing", "exploding",
    "at the boundary" or "overflow". overflow: "state" if the forward state passed float64's
    range (the Jacobians are then undefined), "gradient" if only the gradient did, else "".
    """

    profile: LagProfile
    radius: float
    activation: str
    T: int
    slope: float
    bound_slope: float
    regime: str
    overflow: str


def measured_slope(profile: LagProfile) -> float:
    """Slope of log-norm against lag over lags >= T/2, from the log-norms (finite past 1e308)."""
    lags, logs = profile.lags, profile.log_norms
    keep = (lags >= len(lags) // 2) & np.isfinite(logs)
    if keep.sum() < 2:
        return float("nan")
    return float(np.polyfit(lags[keep], logs[keep], 1)[0])


def lag_profile(radius: float, activation: str = "tanh", T: int = 100) -> LagResult:
    """Compute function of the radius slider: H = 64 units, seed 0, input drive N(0, I)."""
    profile = gradient_vs_lag(int(T), float(radius), activation, seed=SEED)
    slope = measured_slope(profile)
    overflow = ""
    if np.isnan(profile.norms).any():
        overflow = "state"
    elif np.isinf(profile.norms).any():
        overflow = "gradient"
    if overflow:
        regime = "overflow"
    elif slope > SLOPE_TOLERANCE:
        regime = "exploding"
    elif slope < -SLOPE_TOLERANCE:
        regime = "vanishing"
    else:
        regime = "at the boundary"
    bound_slope = float(np.log(profile.gamma * profile.sigma_max))
    return LagResult(
        profile, float(radius), activation, int(T), slope, bound_slope, regime, overflow
    )


def draw_lag(axes: np.ndarray, result: LagResult) -> None:
    (ax,) = axes
    p = result.profile
    # Limits first, so that autoscaling never sees the bound's 1e300s (overflow in its margins).
    bottom, top, ticks = plots.log_axis_limits(p.norms, np.array([0.1, 10.0]))
    ax.set_yscale("log")
    ax.set_ylim(bottom, top)
    ax.set_xlim(0, max(result.T - 1, 1))
    plots.gradient_vs_distance(
        ax,
        p.lags,
        p.norms,
        label=result.activation,
        bound=p.bound,
        xlabel="time lag k (steps back from T)",
        ylabel="gradient norm at lag k",
    )
    ax.set_yticks(ticks)  # fixed ticks: the log locator overflows near 1e308
    ax.axhline(1.0, color=plots.COLOURS["bound"], lw=0.8)
    ax.set_title(f"{result.activation}, T = {result.T}: {result.regime}")


def readout_lag(result: LagResult) -> str:
    p = result.profile
    head = (
        f"{result.activation}, radius {result.radius:.2f} (largest singular value "
        f"{p.sigma_max:.2f}), T = {result.T}: "
    )
    bound = f"Pascanu bound on the slope {result.bound_slope:+.3f}"
    if result.overflow == "state":
        return (
            head + "overflow: the forward state passed float64's maximum (1.8e308), so "
            "the Jacobians are undefined (marked ▲ on the plot)"
        )
    if result.overflow == "gradient":
        first = int(np.argmax(np.isinf(p.norms)))
        return (
            head + f"overflow: the gradient passes 1.8e308 from lag {first} on (▲); "
            f"measured slope {result.slope:+.3f} per step; {bound}"
        )
    last = p.norms[-1]
    tail = "underflows to 0" if last == 0 else f"is {last:.2g}"
    return (
        head + f"{result.regime}, measured slope {result.slope:+.3f} per step "
        f"({bound}); the gradient at lag {result.T - 1} {tail}"
    )


def radius_slider() -> widgets.InteractiveFigure:
    """Spectral radius 0.5..4, activation, T 10..1000: gradient norm against lag."""
    # Built at the setting with the widest tick labels (1e-300), where the figure is laid out
    # once and for all, so that no later setting clips the axis label; then moved to the start.
    controls = {
        "radius": widgets.slider("spectral radius", 0.5, 4.0, 0.05, 0.5),
        "activation": widgets.dropdown("activation", list(ACTIVATIONS), "tanh"),
        "T": widgets.slider("sequence length T", 10, 1000, 10, 1000, integer=True),
    }
    app = widgets.InteractiveFigure(lag_profile, draw_lag, controls, readout_lag, height=3.4)
    app.set(radius=1.0, T=100)
    return app


def radius_sweep() -> Figure:
    """The tanh RNN at radius 1, 2 and 3 (T = 100): vanishing, the boundary, exploding."""
    return widgets.static_sweep(
        lag_profile,
        draw_lag,
        "radius",
        [1.0, 2.0, 3.0],
        {"activation": "tanh", "T": 100},
        height=3.0,
        width=11.0,
    )


def slope_table(
    radii=(0.9, 1.0, 1.1, 1.5, 2.0, 2.5, 3.0), activations=ACTIVATIONS, T: int = 100
) -> dict[str, np.ndarray]:
    """Measured slope (per step) for each activation and radius: {activation: (len(radii),)}."""
    return {a: np.array([lag_profile(r, a, T).slope for r in radii]) for a in activations}


# --- ReLU, tanh and the IRNN ------------------------------------------------------------------

CONFIGURATIONS = ("tanh, gain*W", "relu, gain*W", "relu, W", "irnn")
CONFIGURATION_LABELS = ("tanh, 1.5 W", "ReLU, 1.5 W", "ReLU, W", "IRNN (W = I)")
CONFIGURATION_COLOURS = ("tanh", "relu", "relu", "leaky_relu")


def activation_runs(seeds=range(10), gain: float = 1.5) -> dict[str, dict[str, np.ndarray]]:
    """``rnn.activation_comparison`` (H = 64, T = 100) over seeds.

    Returns {configuration: {"state": ||h_T|| per seed, "jacobian": ||dh_T/dh_0|| per seed}}.
    """
    runs = [activation_comparison(gain=gain, seed=s) for s in seeds]
    return {
        name: {
            "state": np.array([r[name].state_norm for r in runs]),
            "jacobian": np.array([r[name].jacobian_norm for r in runs]),
        }
        for name in CONFIGURATIONS
    }


def activation_figure(runs: dict[str, dict[str, np.ndarray]]) -> Figure:
    """Two panels, log scale: final state norm and Jacobian norm, one dot per seed."""
    fig, axes = plots.figure(2, width=10.0, height=3.3)
    for ax, key, ylabel in (
        (axes[0, 0], "state", "final state norm ||h_T||"),
        (axes[0, 1], "jacobian", "Jacobian norm ||dh_T / dh_0||"),
    ):
        for i, name in enumerate(CONFIGURATIONS):
            values = runs[name][key]
            jitter = np.linspace(-0.15, 0.15, len(values))
            ax.scatter(i + jitter, values, s=18, color=plots.COLOURS[CONFIGURATION_COLOURS[i]])
        ax.set_yscale("log")
        plots.plain_log_labels(ax.yaxis)
        ax.axhline(1.0, color=plots.COLOURS["bound"], lw=0.8)
        ax.set_xticks(range(len(CONFIGURATIONS)), CONFIGURATION_LABELS, fontsize=8)
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

    One Generator draws, in order, a Gaussian W ~ N(0, 1/H) (rescaled to spectral radius 1),
    the input weights W_xh ~ N(0, 1/H), the inputs x_t ~ N(0, I) and the orthogonal W of
    ``rnn.orthogonal_init`` (Saxe et al. 2014); b = 0, h_0 = 0. Keys: ``ORTHOGONAL_ROWS``.
    """
    rng = np.random.default_rng(seed)
    random_W = scale_to_radius(rng.standard_normal((n_hidden, n_hidden)) / np.sqrt(n_hidden), 1)
    W_xh = rng.standard_normal((n_hidden, n_hidden)) / np.sqrt(n_hidden)
    x = rng.standard_normal((T, n_hidden))
    matrices = {"random W, radius 1": random_W, "orthogonal W": orthogonal_init(n_hidden, rng)}
    return {
        (name, activation): jacobian_singular_values(
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
    loss = loss_cliff([float(w)], B_GRID, T=T).loss[0]
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
    head = f"w = {result.w:.1f}: the map's largest slope w/4 = {result.w / 4:.2f}"
    if result.jump > WALL_JUMP:
        return (
            head + f" > 1: two stable states, and a wall near b = {result.wall_b:.2f} "
            f"where the loss jumps by {result.jump:.1f} between neighbouring b"
        )
    return head + (
        f"{' <= 1' if result.w <= 4 else ''}: no wall (largest jump between "
        f"neighbouring b: {result.jump:.2f})"
    )


def cliff_slider() -> widgets.InteractiveFigure:
    """w from 1 to 8: the loss against b, and the wall that appears past w = 4."""
    controls = {"w": widgets.slider("recurrent weight w", 1.0, 8.0, 0.1, 3.0)}
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
        value = loss_cliff([w], [mid], T=T).loss[0, 0]
        if (value > middle) == (left > middle):
            lo = mid
        else:
            hi = mid


class WallPoint(NamedTuple):
    """Loss and gradient at distance d to the right of the wall (the low-loss side)."""

    distance: float
    loss: float
    dloss_dw: float
    dloss_db: float
    grad_norm: float


def wall_zoom(w: float = 6.0, distances=(1e-2, 1e-4, 1e-6, 1e-8)) -> list[WallPoint]:
    """Loss and gradient at b = wall + d for each distance d: the gradient grows near the wall."""
    wall = find_wall(w)
    res = loss_cliff([w], [wall + d for d in distances])
    return [
        WallPoint(
            d,
            float(res.loss[0, j]),
            float(res.dloss_dw[0, j]),
            float(res.dloss_db[0, j]),
            float(np.hypot(res.dloss_dw[0, j], res.dloss_db[0, j])),
        )
        for j, d in enumerate(distances)
    ]


def grid_gradient_norm(w: float = 6.0) -> float:
    """Largest gradient norm ||(dL/dw, dL/db)|| over ``B_GRID`` (which never lands on the wall)."""
    res = loss_cliff([w], B_GRID)
    return float(np.hypot(res.dloss_dw, res.dloss_db).max())


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


class CliffStep(NamedTuple):
    """One SGD step from (w, b), plain and with the gradient clipped to norm max_norm."""

    loss: float
    grad_norm: float
    plain_to: tuple[float, float]
    plain_loss: float
    clipped_to: tuple[float, float]
    clipped_loss: float


def cliff_step(
    w: float = 6.0, distance: float = 1e-8, lr: float = 0.01, max_norm: float = 25.0
) -> CliffStep:
    """One gradient step from the wall's face, b = wall + distance, with and without clipping."""
    b = find_wall(w) + distance
    res = loss_cliff([w], [b])
    grad = [res.dloss_dw[0, 0], res.dloss_db[0, 0]]
    clipped, norm = clip_grad_norm(grad, max_norm)
    plain_to = (w - lr * grad[0], b - lr * grad[1])
    clipped_to = (w - lr * float(clipped[0]), b - lr * float(clipped[1]))
    after = [float(loss_cliff([p[0]], [p[1]]).loss[0, 0]) for p in (plain_to, clipped_to)]
    return CliffStep(float(res.loss[0, 0]), norm, plain_to, after[0], clipped_to, after[1])


# --- training with and without clipping -----------------------------------------------------

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
    n = len(results)
    finite = [float(r.losses[-50:].mean()) for r in results if not r.diverged]
    overflowed = [len(r.losses) for r in results if r.diverged]
    if finite:
        low, high = min(finite), max(finite)
        span = f"of {low:.3g}" if low == high else f"from {low:.3g} to {high:.3g}"
    if not overflowed:
        return f"all {n} runs stayed finite, with a final MSE {span}"
    head = f"{len(overflowed)} of the {n} runs overflowed (the earliest at step {min(overflowed)})"
    if not finite:
        return head
    rest = "the other" if len(finite) == 1 else "the others"
    return f"{head}, and {rest} ended with an MSE {span}"


def training_figure(runs: dict[str, list[TrainResult]], seed_index: int = 0) -> Figure:
    """Loss and pre-clipping gradient norm per step for one seed; overflow marked with ▲.

    Left: the loss from 0.03 to 1e6, right: the gradient norm from 0.1 to 1e4 (log scales,
    where the clipped runs live); the unclipped run leaves both through the top.
    """
    fig, axes = plots.figure(2, width=11.0, height=3.4)
    limits = [
        plots.log_axis_limits(np.array(span), max_ticks=9) for span in ((0.03, 1e6), (0.1, 1e4))
    ]
    for ax, (bottom, top, _) in zip(axes[0], limits, strict=True):
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
    for ax, (_, _, ticks) in zip(axes[0], limits, strict=True):
        ax.set_yticks(ticks)
        ax.legend(loc="upper center", fontsize=7, ncol=2)
    axes[0, 0].set_title("adding problem, T = 10, recurrent gain 3 (seed 0)")
    axes[0, 1].set_title("the gradient at each step, before clipping")
    return fig


# --- batch and layer normalisation ----------------------------------------------------------


class BatchNormDemo(NamedTuple):
    """A batch of 2 features on very different scales, batch-normalised two ways."""

    x: np.ndarray
    y_standard: np.ndarray
    y_learned: np.ndarray
    gamma: np.ndarray
    beta: np.ndarray


def bn_demo(batch: int = 256, seed: int = SEED) -> BatchNormDemo:
    """x: feature 0 ~ N(50, 10^2), feature 1 ~ N(-2, 0.5^2). y_standard: BN with gamma = 1,
    beta = 0; y_learned: BN with gamma = (2, 0.5), beta = (1, -1) (training mode)."""
    rng = np.random.default_rng(seed)
    x = np.column_stack(
        [50 + 10 * rng.standard_normal(batch), -2 + 0.5 * rng.standard_normal(batch)]
    )
    zeros, ones = np.zeros(2), np.ones(2)
    gamma, beta = np.array([2.0, 0.5]), np.array([1.0, -1.0])
    y_standard = batchnorm_forward(x, ones, zeros, zeros, ones).y
    y_learned = batchnorm_forward(x, gamma, beta, zeros, ones).y
    return BatchNormDemo(x, y_standard, y_learned, gamma, beta)


def bn_figure(demo: BatchNormDemo) -> Figure:
    """Left: the raw batch. Right: after BN with gamma = 1, beta = 0 and with other gamma, beta."""
    fig, axes = plots.figure(2, width=10.0, height=3.4)
    left, right = axes[0]
    left.scatter(demo.x[:, 0], demo.x[:, 1], s=8, color=plots.COLOURS["linear"], alpha=0.6)
    left.set_title("a batch of 256 examples, 2 features")
    left.set_xlabel("feature 1 (mean 50, std 10)")
    left.set_ylabel("feature 2 (mean -2, std 0.5)")
    right.scatter(
        demo.y_standard[:, 0],
        demo.y_standard[:, 1],
        s=8,
        alpha=0.6,
        color=plots.COLOURS["tanh"],
        label="gamma = 1, beta = 0",
    )
    right.scatter(
        demo.y_learned[:, 0],
        demo.y_learned[:, 1],
        s=8,
        alpha=0.6,
        color=plots.COLOURS["sigmoid"],
        label="gamma = (2, 0.5), beta = (1, -1)",
    )
    right.set_title("after batch norm (per feature, per batch)")
    right.set_xlabel("feature 1, normalised")
    right.set_ylabel("feature 2, normalised")
    right.legend(loc="upper left", fontsize=7, frameon=True)
    return fig


def mlp_figure(seed: int = SEED) -> Figure:
    """Per-layer gradient norms of the 10-layer sigmoid MLP with and without BN (log scale)."""
    fig, axes = plots.figure(1, width=7.0, height=3.2)
    ax = axes[0, 0]
    layers = np.arange(1, 11)
    for batchnorm, label, colour in (
        (False, "sigmoid", plots.COLOURS["sigmoid"]),
        (True, "sigmoid + BN", plots.COLOURS["tanh"]),
    ):
        plots.gradient_vs_distance(
            ax,
            layers,
            mlp_layer_grad_norms("sigmoid", batchnorm, seed=seed),
            label=label,
            colour=colour,
            xlabel="hidden layer (1 = nearest the input)",
            ylabel="||dL/dW|| of the layer",
        )
    ax.set_title(f"10-layer sigmoid network, width 128, at initialisation (seed {seed})")
    return fig


def layernorm_curves(seed: int = SEED) -> dict[tuple[float, bool], np.ndarray]:
    """||dL/dh_(T-k)|| of the tanh RNN of ``normalization.rnn_lag_gradients`` (H = 16,
    T = 100), keyed by (gain, with layer norm), for gains 1 and 4."""
    return {
        (gain, ln): rnn_lag_gradients(layernorm=ln, gain=gain, seed=seed)
        for gain in (1.0, 4.0)
        for ln in (False, True)
    }


def layernorm_figure(curves: dict[tuple[float, bool], np.ndarray], seed: int = SEED) -> Figure:
    """Gradient against lag without and with layer norm, at gain 1 (left) and gain 4 (right)."""
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


# --- where each activation crosses from vanishing to exploding -------------------------------

PHASE_RADII = np.round(np.arange(0.5, 4.001, 0.1), 2)


class PhaseDiagram(NamedTuple):
    """Measured slope per step against spectral radius, per activation (T = 100, seed 0).

    slopes: {activation: (len(radii),)}; boundary: {activation: the radius where the slope
    first crosses 0, by linear interpolation between grid points (nan if it never does)}.
    """

    radii: np.ndarray
    slopes: dict[str, np.ndarray]
    boundary: dict[str, float]


def phase_diagram(radii=PHASE_RADII, activations=ACTIVATIONS, T: int = 100) -> PhaseDiagram:
    slopes = {a: np.array([lag_profile(r, a, T).slope for r in radii]) for a in activations}
    boundary = {}
    for a, s in slopes.items():
        up = np.flatnonzero((s[:-1] <= 0) & (s[1:] > 0))
        if up.size:
            i = up[0]
            boundary[a] = float(radii[i] + (radii[i + 1] - radii[i]) * -s[i] / (s[i + 1] - s[i]))
        else:
            boundary[a] = float("nan")
    return PhaseDiagram(np.asarray(radii), slopes, boundary)


def phase_figure(diagram: PhaseDiagram) -> Figure:
    """Slope against radius, one line per activation; above 0 explodes, below vanishes."""
    fig, axes = plots.figure(1, width=7.0, height=3.4)
    ax = axes[0, 0]
    ax.axhline(0.0, color=plots.COLOURS["bound"], lw=1)
    for a, s in diagram.slopes.items():
        ax.plot(diagram.radii, s, lw=2, color=plots.COLOURS[a], label=a)
        if np.isfinite(diagram.boundary[a]):
            ax.plot([diagram.boundary[a]], [0.0], "o", color=plots.COLOURS[a], ms=6)
    ax.text(0.55, 0.9, "exploding", color=plots.COLOURS["bound"], fontsize=9)
    ax.text(3.0, -1.9, "vanishing", color=plots.COLOURS["bound"], fontsize=9)
    ax.set_xlabel("spectral radius of the recurrent matrix")
    ax.set_ylabel("measured slope of log-norm per step")
    ax.set_title("where the gradient turns from vanishing to exploding (T = 100)")
    ax.legend(loc="lower right", fontsize=8)
    return fig


def comparison_radius(seed: int = SEED, gain: float = 1.5) -> float:
    """Spectral radius of gain * W for the W that ``rnn.activation_comparison(seed=seed)`` draws.

    Drawn the same way (W ~ N(0, 1/64) first from default_rng(seed)); the tests check that
    this W reproduces activation_comparison's numbers.
    """
    rng = np.random.default_rng(seed)
    W = rng.standard_normal((64, 64)) / np.sqrt(64)
    return spectral_radius(gain * W)


class RunningStats(NamedTuple):
    """Running statistics after training batches, and one example normalised in eval mode."""

    running_mean: np.ndarray
    running_var: np.ndarray
    example: np.ndarray
    output: np.ndarray


def running_stats_demo(
    batches: int = 100, batch: int = 32, momentum: float = 0.1, seed: int = SEED
) -> RunningStats:
    """Batches from N((50, -2), diag(100, 0.25)) through ``batchnorm_forward`` in training mode
    (gamma = 1, beta = 0, running stats from 0 and 1), then the example (60, -2.5) in eval mode."""
    rng = np.random.default_rng(seed)
    ones, zeros = np.ones(2), np.zeros(2)
    mean, var = zeros, ones
    for _ in range(batches):
        x = np.column_stack(
            [50 + 10 * rng.standard_normal(batch), -2 + 0.5 * rng.standard_normal(batch)]
        )
        _, mean, var = batchnorm_forward(x, ones, zeros, mean, var, momentum)
    example = np.array([[60.0, -2.5]])
    y = batchnorm_forward(example, ones, zeros, mean, var, training=False).y
    return RunningStats(mean, var, example[0], y[0])
