"""Lesson 03's own code: its figures, the gradient check against torch, and the slider of the
gradient against the time lag (built on ``gradient_vs_distance``'s lag figure).

The lesson's cells compute what its prose teaches (two runs that differ in their first input,
each step's share of dL/dW_hh, the gradient at each word of the article's sentence) and hand
the arrays to the figures here.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping

import numpy as np
from matplotlib.figure import Figure

from course_utils import gradient_vs_distance, plots, rnn, widgets
from course_utils.env import use_one_thread
from course_utils.gradcheck import parameter_gradients, relative_error
from course_utils.i18n import N_, _

ACTIVATIONS = ["tanh", "sigmoid", "relu", "leaky_relu", "linear"]
SCALINGS = [(N_("spectral radius ρ"), "radius"), (N_("largest singular value σ_max"), "spectral")]
T_MAX = 1000
RADIUS_MAX = 3.0


def forgetting_figure(distances: Mapping[str, np.ndarray], radius: float = 0.9) -> Figure:
    """||h_t - h'_t|| relative to t = 1, per activation (the keys), on a log scale.

    distances: activation -> (T,) array, entry t - 1 for step t.
    """
    fig, axes = plots.figure(width=6.5, height=3.0)
    ax = axes[0, 0]
    for activation, distance in distances.items():
        plots.gradient_vs_distance(
            ax,
            np.arange(1, len(distance) + 1),
            distance,
            label=activation,
            xlabel="time step t (the inputs differ only at t = 1)",
            ylabel="‖h_t − h′_t‖, relative to t = 1",
        )
    ax.set_title(f"Two sentences that differ only in their first word (ρ = {radius})")
    return fig


def bptt_gradient_check(seed: int = 0) -> dict[str, dict[str, float]]:
    """Relative errors of ``rnn.rnn_backward``'s weight gradients against three references.

    A small tanh RNN (T = 5, batch 3, 4 inputs, 6 units, non-zero bias and h_0) with the loss
    L = sum_t <h_t, c_t> for fixed random c_t (so every step has a loss term), in float64.
    References: central differences (step 1e-5), torch autograd through the same
    recurrence, and torch.nn.RNN with the weights copied in (it stores W_hh.T and W_xh.T).
    Returns {reference: {"W_hh": err, "W_xh": err, "b": err}}.
    """
    import torch

    use_one_thread()
    rng = np.random.default_rng(seed)
    params = rnn.init_rnn(4, 6, radius=0.9, seed=rng)
    params["b"] = 0.1 * rng.standard_normal(6)
    x = rng.standard_normal((5, 3, 4))
    h0 = 0.5 * rng.standard_normal((3, 6))
    dhs = rng.standard_normal((5, 3, 6))
    _, cache = rnn.rnn_forward(x, h0, params, "tanh")
    _, _, ours = rnn.rnn_backward(dhs, cache, params)
    names = ("W_hh", "W_xh", "b")

    def loss(p):
        hs, _ = rnn.rnn_forward(x, h0, p, "tanh")
        return float(np.sum(hs[1:] * dhs))

    numeric = parameter_gradients(loss, params, names)

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


def weight_shares_figure(norms: np.ndarray, radius: float = 0.9) -> Figure:
    """||step's contribution to dL/dW_hh|| against its lag k = 0..T-1 (tanh).

    The first step (lag T-1) is left out: its contribution h_0.T @ da is exactly 0, as h_0 = 0.
    """
    fig, axes = plots.figure(width=6.5, height=3.0)
    ax = axes[0, 0]
    plots.gradient_vs_distance(
        ax,
        np.arange(len(norms) - 1),
        norms[:-1],
        label="tanh",
        xlabel="lag k: the step's distance from the loss",
        ylabel="‖step's part of dL/dW_hh‖",
    )
    ax.set_title(f"Which steps does dL/dW_hh hear? (tanh, ρ = {radius}, T = {len(norms)})")
    return fig


def lag_slider() -> widgets.InteractiveFigure:
    """Gradient norm against time lag: sequence length, size of W_hh, its scaling, activation."""
    controls = {
        "T": widgets.slider(_("sequence length T"), 10, T_MAX, 10, 100, integer=True),
        "radius": widgets.slider(_("size of W_hh"), 0.1, RADIUS_MAX, 0.05, 0.9),
        "scaling": widgets.dropdown(_("size means"), [(_(k), v) for k, v in SCALINGS], "radius"),
        "activation": widgets.dropdown(_("activation"), ACTIVATIONS, "tanh"),
    }
    return widgets.InteractiveFigure(
        gradient_vs_distance.lag_profile,
        functools.partial(gradient_vs_distance.draw_lag, slider=True),
        controls,
        gradient_vs_distance.readout_lag,
        height=3.4,
        # ticks down to 1e-300 and the longest activation's legend: the widest labels
        layout_at={"T": T_MAX, "radius": 0.1, "activation": "leaky_relu"},
    )


def lag_sweep() -> Figure:
    """The slider's figure for a tanh RNN at four spectral radii (T = 100)."""
    return widgets.static_sweep(
        gradient_vs_distance.lag_profile,
        gradient_vs_distance.draw_lag,
        "radius",
        [0.5, 0.9, 1.5, 3.0],
        {"T": 100, "activation": "tanh"},
        label=lambda v: f"ρ = {v}",
        height=3.3,
        width=14.0,
    )


def sentence_figure(words: list[str], norms: np.ndarray, lag: int, radius: float = 0.9) -> Figure:
    """||dL/dh|| at each word (the loss at the last one) on a log scale, with the word ``lag``
    steps back from the loss marked. words, norms: one entry per word, in reading order."""
    fig, axes = plots.figure(width=7.0, height=3.2)
    ax = axes[0, 0]
    positions = np.arange(len(words))
    plots.gradient_vs_distance(
        ax, positions, norms, label="tanh", xlabel="", ylabel="‖dL/dh‖ at this word"
    )
    ax.set_xticks(positions, words, rotation=30)
    marked = len(words) - 1 - lag
    ax.plot([marked], [norms[marked]], "o", color=plots.COLOURS["tanh"])
    ax.annotate(
        f"{lag} steps back: {norms[marked]:.2%} left",
        (marked, norms[marked]),
        xytext=(12, -4),
        textcoords="offset points",
        fontsize=9,
    )
    ax.set_title(f"Loss at '{words[-1]}': the gradient at each earlier word (tanh, ρ = {radius})")
    return fig
