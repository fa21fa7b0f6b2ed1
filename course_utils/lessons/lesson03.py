"""Lesson 03's experiments and figures: an RNN forgetting its first input, the gradient check,
each step's share of dL/dW_hh, the gradient-vs-lag slider with Pascanu's bound and its static
sweep, and the article's cat sentence.

Every compute function is pure and seeded; the numbers the lesson prints come from here and
are asserted in tests/unit/test_lesson03.py. The RNN is ``course_utils.rnn`` (row vectors:
a_t = h_{t-1} @ W_hh + x_t @ W_xh + b), with H = 64 units, inputs x_t ~ N(0, I), h_0 = 0.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from course_utils import gradient_vs_distance, plots, rnn, tasks, widgets
from course_utils.env import use_one_thread
from course_utils.gradcheck import central_difference, relative_error

N_HIDDEN = 64
ACTIVATIONS = ["tanh", "sigmoid", "relu", "leaky_relu", "linear"]
SCALINGS = [("spectral radius ρ", "radius"), ("largest singular value σ_max", "spectral")]
T_MAX = 1000
RADIUS_MAX = 3.0
SENTENCE = tasks.ARTICLE_SENTENCE
_LOG10_E = math.log10(math.e)


# --- the forward view: how long does the state remember its first input? ---------------------


class Forgetting(NamedTuple):
    """||h_t - h'_t|| / ||h_1 - h'_1|| for two runs that differ only in their first input."""

    steps: np.ndarray  # (T,) 1..T
    distance: np.ndarray  # (T,)


def forgetting_curve(
    T: int = 40, radius: float = 0.9, activation: str = "tanh", seed: int = 0
) -> Forgetting:
    """Run one RNN on a batch of 2 sequences that differ only at t = 1 (another random "word").

    The batch dimension carries the two versions: x has shape (T, 2, H) and x[1:, 0] =
    x[1:, 1]. Returns the distance between the two hidden states at steps t = 1..T, divided
    by the distance at t = 1 (so both activations start at 1).
    """
    rng = np.random.default_rng(seed)
    params = rnn.init_rnn(N_HIDDEN, N_HIDDEN, radius, seed=rng)
    x = np.repeat(rng.standard_normal((T, 1, N_HIDDEN)), 2, axis=1)
    x[0, 1] = rng.standard_normal(N_HIDDEN)
    hs, _ = rnn.rnn_forward(x, None, params, activation)
    distance = np.linalg.norm(hs[1:, 0] - hs[1:, 1], axis=-1)
    return Forgetting(np.arange(1, T + 1), distance / distance[0])


def forgetting_figure(T: int = 40, radius: float = 0.9):
    """The distance between the two runs' states, tanh and linear RNN, on a log scale."""
    fig, axes = plots.figure(width=6.5, height=3.0)
    ax = axes[0, 0]
    for activation in ("linear", "tanh"):
        curve = forgetting_curve(T, radius, activation)
        plots.gradient_vs_distance(
            ax,
            curve.steps,
            curve.distance,
            label=activation,
            xlabel="time step t (the inputs differ only at t = 1)",
            ylabel="‖h_t − h′_t‖, relative to t = 1",
        )
    ax.set_title(f"Two sentences that differ only in their first word (ρ = {radius})")
    return fig


# --- the gradient check ----------------------------------------------------------------------


def _small_problem(seed: int):
    """A small tanh RNN (T=5, batch 3, 4 inputs, 6 units, non-zero bias) and dL/dh_t weights."""
    rng = np.random.default_rng(seed)
    params = rnn.init_rnn(4, 6, radius=0.9, seed=rng)
    params["b"] = 0.1 * rng.standard_normal(6)
    x = rng.standard_normal((5, 3, 4))
    h0 = 0.5 * rng.standard_normal((3, 6))
    dhs = rng.standard_normal((5, 3, 6))
    return params, x, h0, dhs


def bptt_gradient_check(seed: int = 0) -> dict[str, dict[str, float]]:
    """Relative errors of ``rnn_backward``'s weight gradients against three references.

    The loss is L = sum_t <h_t, c_t> with fixed random c_t (so every step has a loss term),
    in float64. References: central differences (step 1e-5), torch autograd through the same
    recurrence, and torch.nn.RNN with the weights copied in (it stores W_hh.T and W_xh.T).
    Returns {reference: {"W_hh": err, "W_xh": err, "b": err}}.
    """
    import torch

    use_one_thread()
    params, x, h0, dhs = _small_problem(seed)
    _, cache = rnn.rnn_forward(x, h0, params, "tanh")
    _, _, ours = rnn.rnn_backward(dhs, cache, params)
    names = ("W_hh", "W_xh", "b")

    def loss(name, value):
        hs, _ = rnn.rnn_forward(x, h0, {**params, name: value}, "tanh")
        return float(np.sum(hs[1:] * dhs))

    numeric = {n: central_difference(lambda v, n=n: loss(n, v), params[n]) for n in names}

    tp = {n: torch.tensor(params[n], requires_grad=True) for n in names}
    h, c = torch.tensor(h0), torch.tensor(dhs)
    total = torch.zeros((), dtype=torch.float64)
    for t in range(len(x)):
        h = torch.tanh(h @ tp["W_hh"] + torch.tensor(x[t]) @ tp["W_xh"] + tp["b"])
        total = total + (h * c[t]).sum()
    total.backward()
    autograd = {n: tp[n].grad.numpy() for n in names}

    net = torch.nn.RNN(4, 6, nonlinearity="tanh", dtype=torch.float64)
    with torch.no_grad():
        net.weight_hh_l0.copy_(torch.tensor(params["W_hh"].T))
        net.weight_ih_l0.copy_(torch.tensor(params["W_xh"].T))
        net.bias_ih_l0.copy_(torch.tensor(params["b"]))
        net.bias_hh_l0.zero_()
    out, _ = net(torch.tensor(x), torch.tensor(h0)[None])
    (out * c).sum().backward()
    module = {
        "W_hh": net.weight_hh_l0.grad.numpy().T,
        "W_xh": net.weight_ih_l0.grad.numpy().T,
        "b": net.bias_ih_l0.grad.numpy(),
    }

    references = {"finite differences": numeric, "torch autograd": autograd, "torch.nn.RNN": module}
    return {
        ref: {n: relative_error(ours[n], grads[n]) for n in names}
        for ref, grads in references.items()
    }


# --- each step's share of the weight gradient ------------------------------------------------


class WeightShares(NamedTuple):
    """||step T-k's contribution to dL/dW_hh|| for a loss at step T only, k = 0..T-1.

    truncation_error[k] = ||G - G_k|| / ||G|| for k = 0..T, where G = dL/dW_hh and G_k is
    the gradient of truncated BPTT that stops after k steps back (the sum of the k most
    recent contributions; Williams & Peng 1990): 1 at k = 0, exactly 0 at k = T.
    """

    lags: np.ndarray  # (T,)
    norms: np.ndarray  # (T,)
    total: float  # ||dL/dW_hh||, the norm of the sum
    truncation_error: np.ndarray  # (T + 1,)


def weight_gradient_by_lag(
    T: int = 50, radius: float = 0.9, activation: str = "tanh", seed: int = 0
) -> WeightShares:
    """BPTT with ``rnn.rnn_step_backward``, keeping each step's dW_hh apart.

    Same set-up as ``rnn.gradient_vs_lag``: L = <h_T, r> with a random unit vector r.
    """
    rng = np.random.default_rng(seed)
    params = rnn.init_rnn(N_HIDDEN, N_HIDDEN, radius, seed=rng)
    x = rng.standard_normal((T, 1, N_HIDDEN))
    r = rng.standard_normal((1, N_HIDDEN))
    hs, _ = rnn.rnn_forward(x, None, params, activation)
    dh, norms, total = r / np.linalg.norm(r), [], np.zeros_like(params["W_hh"])
    partial = [total.copy()]  # partial[k]: the sum of the k most recent contributions
    for t in reversed(range(T)):
        step = rnn.rnn_step_backward(
            dh, hs[t], hs[t + 1], x[t], params["W_hh"], params["W_xh"], activation
        )
        norms.append(np.linalg.norm(step.dW_hh))
        total += step.dW_hh
        partial.append(total.copy())
        dh = step.dh_prev
    size = np.linalg.norm(total)
    error = np.array([np.linalg.norm(total - g) for g in partial]) / size
    return WeightShares(np.arange(T), np.array(norms), float(size), error)


def weight_shares_figure(T: int = 50, radius: float = 0.9):
    """Each step's contribution to dL/dW_hh against its distance from the loss (tanh).

    The first step (lag T-1) is left out: its contribution h_0.T @ da is exactly 0, as h_0 = 0.
    """
    shares = weight_gradient_by_lag(T, radius)
    fig, axes = plots.figure(width=6.5, height=3.0)
    ax = axes[0, 0]
    plots.gradient_vs_distance(
        ax,
        shares.lags[:-1],
        shares.norms[:-1],
        label="tanh",
        xlabel="lag k: the step's distance from the loss",
        ylabel="‖step's part of dL/dW_hh‖",
    )
    ax.set_title(f"Which steps does dL/dW_hh hear? (tanh, ρ = {radius}, T = {T})")
    return fig


# --- the slider: gradient against time lag, with Pascanu's bound -----------------------------


class LagResult(NamedTuple):
    """What the slider shows: the measured profile and the numbers of its readout."""

    activation: str
    scaling: str  # "radius" or "spectral"
    T: int
    profile: rnn.LagProfile
    slope: float  # measured per-step slope of log-norm (second half of the lags); nan if none
    bound_rate: float  # log(gamma * sigma_max), the slope of Pascanu's bound
    state_overflow_lag: int | None  # first lag whose Jacobian is undefined (state overflowed)


def lag_profile(
    T: int = 100,
    radius: float = 0.9,
    activation: str = "tanh",
    scaling: str = "radius",
    seed: int = 0,
) -> LagResult:
    """Compute function of the slider: ``rnn.gradient_vs_lag`` plus the fitted slope.

    scaling="radius" makes W_hh's spectral radius ``radius``; "spectral" makes its largest
    singular value ``radius``. About 2.3 ms at T = 100, 23 ms at T = 1000.
    """
    p = rnn.gradient_vs_lag(T, radius, activation, n_hidden=N_HIDDEN, seed=seed, norm=scaling)
    try:
        slope = rnn.decay_rate(p.lags, p.norms)
    except ValueError:  # fewer than 2 usable points (all overflowed or all zero)
        slope = math.nan
    nan = np.flatnonzero(np.isnan(p.norms))
    return LagResult(
        activation,
        scaling,
        T,
        p,
        slope,
        math.log(p.gamma * p.sigma_max),
        int(nan[0]) if nan.size else None,
    )


def _power_of_ten(log_value: float) -> str:
    """exp(log_value) as '3e-26', also beyond float64's range ('1e+350')."""
    if not math.isfinite(log_value):
        return "0" if log_value < 0 else "inf"
    exponent = log_value * _LOG10_E
    whole = math.floor(exponent)
    mantissa = round(10 ** (exponent - whole))
    if mantissa == 10:
        mantissa, whole = 1, whole + 1
    return f"{mantissa}e{whole:+d}" if abs(whole) >= 3 else f"{10**exponent:.2g}"


def readout_lag(res: LagResult) -> str:
    p, last = res.profile, res.T - 1
    if res.scaling == "spectral":
        weights = f"sigma_max = {p.sigma_max:.2f} (rho {p.rho:.2f})"
    else:
        weights = f"rho = {p.rho:.2f} (sigma_max {p.sigma_max:.2f})"
    if res.state_overflow_lag is not None:
        value = f"undefined: the state h_t overflowed float64 (lags >= {res.state_overflow_lag})"
    else:
        value = f"{_power_of_ten(p.log_norms[last])} of lag 0"
        if np.isinf(p.norms[last]):
            value += " (overflows float64)"
    slope = "n/a" if math.isnan(res.slope) else f"{res.slope:+.2f}/step"
    return (
        f"{res.activation}, {weights}, T = {res.T}: gradient at lag {last} = {value}; "
        f"measured slope {slope} vs bound log(sigma_max x gamma) = {res.bound_rate:+.2f}"
    )


def draw_lag(axes: np.ndarray, res: LagResult) -> None:
    (ax,) = axes
    p = res.profile
    with np.errstate(over="ignore", under="ignore"):
        rho_k = np.exp(p.lags * math.log(p.rho))
    keep = np.isfinite(rho_k) & (rho_k > 0)
    # Fix the y range first: autoscaling a log axis near 1e308 overflows inside matplotlib.
    low, high, ticks = plots.log_axis_limits(p.norms, p.bound, rho_k)
    ax.set_yscale("log")
    ax.set_ylim(low, high)
    ax.set_autoscaley_on(False)
    ax.plot(
        p.lags[keep],
        rho_k[keep],
        ":",
        color=plots.COLOURS["bound"],
        lw=1.5,
        label="ρ^k (a linear RNN)",
    )
    plots.gradient_vs_distance(
        ax,
        p.lags,
        p.norms,
        label=res.activation,
        colour=plots.COLOURS[res.activation],
        bound=p.bound,
        xlabel="time lag k (steps back from the loss)",
        ylabel="‖dL/dh_(T−k)‖",
    )
    ax.set_yticks(ticks)
    ax.set_xlim(0, res.T - 1)
    slope = "n/a" if math.isnan(res.slope) else f"{res.slope:+.2f}"
    ax.set_title(f"slope {slope} (bound {res.bound_rate:+.2f})")


def lag_slider() -> widgets.InteractiveFigure:
    """Gradient norm against time lag: sequence length, size of W_hh, its scaling, activation."""
    controls = {
        "T": widgets.slider("sequence length T", 10, T_MAX, 10, 100, integer=True),
        "radius": widgets.slider("size of W_hh", 0.1, RADIUS_MAX, 0.05, 0.9),
        "scaling": widgets.dropdown("size means", SCALINGS, "radius"),
        "activation": widgets.dropdown("activation", ACTIVATIONS, "tanh"),
    }
    app = widgets.InteractiveFigure(lag_profile, draw_lag, controls, readout_lag, height=3.4)
    # Room for the widest tick labels any setting gives ("1e-300"), not just the first one's.
    app.axes[0].set_position([0.14, 0.15, 0.83, 0.75])
    app.update()
    return app


def lag_sweep(radii=(0.5, 0.9, 1.5, 3.0), activation: str = "tanh", T: int = 100):
    """The slider's figure for a tanh RNN at four spectral radii."""
    return widgets.static_sweep(
        lag_profile,
        draw_lag,
        "radius",
        list(radii),
        {"T": T, "activation": activation},
        label=lambda v: f"ρ = {v}",
        height=3.3,
        width=14.0,
    )


def slope_table(
    radii=(0.5, 0.9, 1.5, 3.0),
    activations=("linear", "tanh", "sigmoid", "relu"),
    T: int = 100,
    seed: int = 0,
) -> dict[tuple[str, float], LagResult]:
    """lag_profile at every (activation, radius) pair, spectral-radius scaling."""
    return {(a, r): lag_profile(T, r, a, seed=seed) for a in activations for r in radii}


# --- why a nonlinearity changes the rate: typical slope x weight gain (as in lesson 02) ------


class StepBreakdown(NamedTuple):
    """The measured factor per step of ``rnn.gradient_vs_lag``'s profile, and its two parts.

    Going back one step multiplies dL/dh_t elementwise by phi'(a_t), then by W (W_hh.T in
    code). For a gradient in a random direction the first scales its norm by about the RMS of
    phi'(a_t) (``slope``), the second by about ||W||_F / sqrt(H) (``gain``; close to rho for a
    random Gaussian W). Lesson 02 splits the per-layer factor of a deep MLP the same way.
    """

    per_step: float  # exp(measured slope), second half of the lags
    slope: float  # RMS of phi'(a_t) over all steps of the run
    gain: float  # ||W_hh||_F / sqrt(H)
    rho: float

    @property
    def estimate(self) -> float:
        return self.slope * self.gain


def step_breakdown(
    T: int = 100, radius: float = 0.9, activation: str = "tanh", seed: int = 0
) -> StepBreakdown:
    """The per-step factor of ``lag_profile(T, radius, activation)`` and slope x gain.

    The RNN and inputs are drawn exactly as ``rnn.gradient_vs_lag`` draws them (the tests
    check that they agree).
    """
    rng = np.random.default_rng(seed)
    params = rnn.init_rnn(N_HIDDEN, N_HIDDEN, radius, "radius", 1.0, rng)
    x = rng.standard_normal((T, 1, N_HIDDEN))
    _, cache = rnn.rnn_forward(x, None, params, activation)
    dphi = rnn.get_activation(activation).df(cache.pre)
    result = lag_profile(T, radius, activation, seed=seed)
    return StepBreakdown(
        math.exp(result.slope),
        float(np.sqrt(np.mean(dphi**2))),
        float(np.linalg.norm(params["W_hh"]) / math.sqrt(N_HIDDEN)),
        result.profile.rho,
    )


# --- the article's sentence ------------------------------------------------------------------


def sentence_figure(res: gradient_vs_distance.SentenceGradient | None = None):
    """||dL/dh|| at each word of the sentence, the loss at 'was', on a log scale."""
    res = res or gradient_vs_distance.sentence_gradient()
    fig, axes = plots.figure(width=7.0, height=3.2)
    ax = axes[0, 0]
    positions = np.arange(len(res.words))
    plots.gradient_vs_distance(
        ax, positions, res.norms, label=res.activation, xlabel="", ylabel="‖dL/dh‖ at this word"
    )
    ax.set_xticks(positions, res.words, rotation=30)
    cat = len(res.words) - 1 - res.lag
    ax.plot([cat], [res.norms[cat]], "o", color=plots.COLOURS[res.activation])
    ax.annotate(
        f"{res.lag} steps back: {res.fraction:.2%} left",
        (cat, res.norms[cat]),
        xytext=(12, -4),
        textcoords="offset points",
        fontsize=9,
    )
    ax.set_title(
        f"Loss at '{res.words[-1]}': the gradient at each earlier word "
        f"({res.activation}, ρ = {res.radius})"
    )
    return fig
