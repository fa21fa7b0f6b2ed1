"""Lesson 05's own code: the LSTM checked against torch, the cell-path slider (forget-gate bias
and sequence length, against lesson 03's RNN) with its sweep, the figures of the whole gradient
and of the gates on a sentence, the gradient that reaches the first input of torch's RNN, LSTM
and GRU, and the hand-set LSTM that carries the subject's number to the verb.
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import numpy as np
from matplotlib.figure import Figure

from course_utils import gradient_vs_distance, lstm, plots, rnn, widgets
from course_utils.activations import sigmoid
from course_utils.env import use_one_thread
from course_utils.gradcheck import parameter_gradients, relative_error
from course_utils.i18n import _
from course_utils.tasks import AGREEMENT_VOCAB, PLURAL_NOUNS, SINGULAR_NOUNS, VERBS

PLURAL_SENTENCE = "The cats, which already ate a bowl of milk, were full"
BIAS_RANGE = (-2.0, 5.0)
T_RANGE = (10, 200)
BIAS_COLOURS = {
    0.0: plots.OKABE_ITO["purple"],
    1.0: plots.OKABE_ITO["blue"],
    3.0: plots.OKABE_ITO["green"],
}


class GradientCheck(NamedTuple):
    """Relative errors of the numpy LSTM against three references (float64).

    forward: relative error of the states h_1..h_T against torch.nn.LSTM with the same
    weights. backward: {reference: {"W_x": err, "W_h": err, "b": err}} for the weight
    gradients of ``lstm.lstm_backward``.
    """

    forward: float
    backward: dict[str, dict[str, float]]


def gradient_check(seed: int = 0) -> GradientCheck:
    """Check ``lstm.lstm_forward`` and ``lstm.lstm_backward`` with L = sum_t <h_t, C_t>.

    A small LSTM (T = 5, batch 3, 4 inputs, 6 units, random biases, h_0 and c_0) and fixed
    random C_t. References: central differences (step 1e-5) on every weight, torch autograd
    through the same equations written with torch operations, and torch.nn.LSTM with the
    weights copied in (``lstm.to_torch_lstm``).
    """
    import torch

    use_one_thread()
    rng = np.random.default_rng(seed)
    params = lstm.init_lstm(4, 6, forget_bias=1.0, seed=rng)
    params["b"] = params["b"] + 0.3 * rng.standard_normal(24)
    x = rng.standard_normal((5, 3, 4))
    h0 = 0.5 * rng.standard_normal((3, 6))
    c0 = rng.standard_normal((3, 6))
    C = rng.standard_normal((5, 3, 6))
    names = ("W_x", "W_h", "b")
    hs, _, caches = lstm.lstm_forward(x, h0, c0, params)
    _, _, _, ours = lstm.lstm_backward(C, caches, params)

    def loss(p):
        out, _, _ = lstm.lstm_forward(x, h0, c0, p)
        return float(np.sum(out[1:] * C))

    numeric = parameter_gradients(loss, params, names)

    tp = {n: torch.tensor(params[n], requires_grad=True) for n in names}
    h, c = torch.tensor(h0), torch.tensor(c0)
    total = torch.zeros((), dtype=torch.float64)
    for t in range(len(x)):
        z = torch.tensor(x[t]) @ tp["W_x"] + h @ tp["W_h"] + tp["b"]
        i, f, g, o = (z[:, lstm.gate_slice(k, 6)] for k in lstm.GATES)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
        total = total + (h * torch.tensor(C[t])).sum()
    total.backward()
    autograd = {n: tp[n].grad.numpy() for n in names}

    net = lstm.to_torch_lstm(params)
    out, _ = net(torch.tensor(x), (torch.tensor(h0)[None], torch.tensor(c0)[None]))
    (out * torch.tensor(C)).sum().backward()
    module = {
        "W_x": net.weight_ih_l0.grad.numpy().T,
        "W_h": net.weight_hh_l0.grad.numpy().T,
        "b": net.bias_ih_l0.grad.numpy(),
    }
    references = {
        "finite differences": numeric,
        "torch autograd": autograd,
        "torch.nn.LSTM": module,
    }
    return GradientCheck(
        relative_error(hs[1:], out.detach().numpy()),
        {ref: {n: relative_error(ours[n], g[n]) for n in names} for ref, g in references.items()},
    )


# --- the slider: the direct cell path against lesson 03's RNN ----------------------------------


class CellPathResult(NamedTuple):
    """One setting of the slider: the LSTM's direct cell path and lesson 03's RNN profile."""

    forget_bias: float
    T: int
    path: lstm.CellPath
    rnn: rnn.LagProfile


def cell_path(forget_bias: float = 1.0, T: int = 100) -> CellPathResult:
    """Compute function of the slider: ``lstm.cell_path_gradient(forget_bias, T)`` and
    ``rnn.gradient_vs_lag(T, 0.9, "tanh")``, lesson 03's RNN (64 units each, seed 0)."""
    T = int(T)
    return CellPathResult(
        float(forget_bias), T, lstm.cell_path_gradient(float(forget_bias), T), _rnn_profile(T)
    )


@functools.lru_cache(maxsize=32)
def _rnn_profile(T: int) -> rnn.LagProfile:
    """Lesson 03's RNN profile; cached, as moving the bias does not change it."""
    return rnn.gradient_vs_lag(T, 0.9, "tanh")


def draw_cell_path(axes: np.ndarray, res: CellPathResult, *, slider: bool = False) -> None:
    """The direct cell path's median (blue), lesson 03's RNN (red-orange) and sigmoid(b_f)^k
    (dotted) against the lag; slider=True puts the legend right of the plot, where the moving
    lines never reach it (`plots.Blitter` then keeps it in the background)."""
    (ax,) = axes
    p, r = res.path, res.rnn
    end = plots.nice_ceiling(res.T - 1)  # the lag axis' end: steady while T moves a little
    # Fix the y range first (round decades): autoscaling a log axis is slow and can overflow.
    # It holds the lines continued to the axis' end at their rates, so it too stays put.
    log_ends = [end * p.mean_log_f, end * np.log(sigmoid(res.forget_bias))]
    log_ends.append(r.log_norms[-1] + (end - res.T + 1) * r.slope())
    ends = plots.exp_on_log_axis(log_ends)
    low, high, ticks = plots.steady_log_limits(ax, p.median, p.naive, r.norms, ends, [2.0])
    plots.log_y(ax)
    ax.set_ylim(low, high)
    ax.set_autoscaley_on(False)
    plots.gradient_vs_distance(
        ax, r.lags, r.norms, label="tanh RNN (lesson 03)", colour=plots.COLOURS["rnn"],
        legend=False,
    )  # fmt: skip
    plots.gradient_vs_distance(
        ax,
        p.lags,
        p.median,
        label="LSTM cell path",
        colour=plots.COLOURS["lstm"],
        xlabel="time lag k (steps back from T)",
        ylabel="gradient at lag k / at lag 0",
        legend=False,
    )
    ax.plot(p.lags, p.naive, ":", color="black", lw=1.2, label="σ(b_f)^k")
    ax.set_yticks(ticks)
    ax.set_xlim(0, end)
    if slider:
        plots.legend_outside(ax, fontsize=7)
    else:
        ax.legend(loc="lower left", fontsize=7)
    ax.set_title(f"typical f = {p.typical_f:.3f}", fontsize=10)


def readout_cell_path(res: CellPathResult) -> str:
    last = res.T - 1
    p = res.path
    return _(
        "b_f = {b_f:+.1f}, T = {T}: typical forget gate exp(mean log f) = {typical:.3f} "
        "(sigmoid(b_f) = {gate:.3f}); direct cell path back to step 1 (lag {lag}): median "
        "{median} over {units} units (sigmoid(b_f)^{lag} = {naive}); lesson 03's tanh RNN: {rnn}"
    ).format(
        b_f=res.forget_bias,
        T=res.T,
        typical=p.typical_f,
        gate=sigmoid(res.forget_bias),
        lag=last,
        median=_ratio(p.median[last]),
        units=p.log_products.shape[1],
        naive=_ratio(p.naive[last]),
        rnn=gradient_vs_distance.power_of_ten(res.rnn.log_norms[last]),
    )


def _ratio(x: float) -> str:
    with np.errstate(divide="ignore"):
        return gradient_vs_distance.power_of_ten(float(np.log(x)))


def cell_path_slider() -> widgets.InteractiveFigure:
    """Forget-gate bias -2..5 and T 10..200: the direct cell path against the tanh RNN."""
    controls = {
        "forget_bias": widgets.slider(_("forget-gate bias b_f"), *BIAS_RANGE, 0.1, 1.0),
        "T": widgets.slider(_("sequence length T"), *T_RANGE, 10, 100, integer=True),
    }
    return widgets.InteractiveFigure(
        cell_path,
        functools.partial(draw_cell_path, slider=True),
        controls,
        readout_cell_path,
        height=3.4,
        layout_at={"forget_bias": BIAS_RANGE[0], "T": T_RANGE[1]},  # the widest tick labels
    )


def cell_path_sweep(biases=(0.0, 1.0, 3.0), T: int = 100) -> Figure:
    """The slider's figure at forget biases 0, 1 and 3 (T = 100)."""
    return widgets.static_sweep(
        cell_path,
        draw_cell_path,
        "forget_bias",
        list(biases),
        {"T": T},
        label=lambda v: f"b_f = {v:g}",
        height=3.3,
        width=14.0,
    )


# --- the whole gradient: every path, against the direct cell path -----------------------------


def full_path_figure(runs: dict[float, lstm.FullPath]) -> Figure:
    """Full gradient (solid) and direct cell path (dashed), one colour per forget bias."""
    fig, axes = plots.figure(width=7.5, height=3.4)
    ax = axes[0, 0]
    for bias, res in runs.items():
        colour = BIAS_COLOURS.get(bias)
        plots.gradient_vs_distance(
            ax, res.lags, res.full, label=f"b_f = {bias:g}: every path", colour=colour
        )
        ax.plot(
            res.lags,
            res.direct,
            "--",
            color=colour,
            lw=1.2,
            label=f"b_f = {bias:g}: direct cell path",
        )
    _decade_axis(ax, *[line.get_ydata() for line in ax.lines])
    ax.set_xlabel("time lag k (steps back from T)")
    ax.set_ylabel("‖dL/dc_(T−k)‖")
    ax.set_xlim(0, len(res.lags) - 1)
    ax.legend(loc="lower left", fontsize=7, ncol=2)
    ax.set_title("The whole gradient vs the direct cell path (same LSTM, 64 units)")
    return fig


def _decade_axis(ax, *arrays) -> None:
    """Log y axis with limits and ticks at round decades that hold ``arrays``."""
    low, high, ticks = plots.log_axis_limits(*arrays, np.array([2.0]))
    ax.set_ylim(low, high)
    ax.set_yticks(ticks)


def explosion_figure(runs: dict[float, lstm.FullPath]) -> Figure:
    """Full gradient for each gain of W_h (the keys), and the direct cell path of the largest."""
    fig, axes = plots.figure(width=7.5, height=3.4)
    ax = axes[0, 0]
    colours = [plots.OKABE_ITO[c] for c in ("blue", "orange", "vermillion", "purple")]
    for colour, (gain, res) in zip(colours, runs.items(), strict=False):
        plots.gradient_vs_distance(
            ax, res.lags, res.full, label=f"W_h × {gain:g}: every path", colour=colour
        )
    last = runs[max(runs)]
    ax.plot(
        last.lags,
        last.direct,
        "--",
        color=plots.COLOURS["bound"],
        lw=1.5,
        label=f"W_h × {last.gain:g}: direct cell path",
    )
    _decade_axis(ax, *[line.get_ydata() for line in ax.lines])
    ax.axhline(1.0, color=plots.COLOURS["bound"], lw=0.8)
    ax.set_xlabel("time lag k (steps back from T)")
    ax.set_ylabel("‖dL/dc_(T−k)‖")
    ax.set_xlim(0, len(last.lags) - 1)
    ax.legend(loc="upper left", fontsize=7)
    ax.set_title(f"Larger recurrent weights: the other paths explode (b_f = {last.forget_bias:g})")
    return fig


# --- how much gradient reaches the first input: RNN, LSTM, GRU ---------------------------------


def input_gradient_ratio(
    model: str = "lstm",
    T: int = 100,
    forget_bias: float | None = None,
    seed: int = 0,
    n_hidden: int = 64,
    batch: int = 32,
    n_in: int = 8,
) -> float:
    """||dL/dx_1|| / ||dL/dx_T|| at initialisation, with L = sum of h_T (torch autograd).

    model: "rnn" (tanh), "lstm" or "gru", built by torch with its default initialisation
    (seeded by ``seed``), except that for the LSTM a number ``forget_bias`` sets its forget
    bias (``lstm.set_forget_bias``; None keeps torch's default). Inputs x ~ N(0, 1), shape
    (T, batch, n_in); computed in float64 so that nothing underflows.
    """
    import torch

    if forget_bias is not None and model != "lstm":
        raise ValueError(f"forget_bias is an LSTM setting; got {forget_bias} for {model!r}")
    modules = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}
    if model not in modules:
        raise ValueError(f"model must be one of {sorted(modules)}, got {model!r}")
    use_one_thread()
    generator = torch.Generator().manual_seed(seed)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        net = modules[model](n_in, n_hidden).double()
    if forget_bias is not None:
        lstm.set_forget_bias(net, forget_bias)
    x = torch.randn(T, batch, n_in, generator=generator, dtype=torch.float64, requires_grad=True)
    out, _ = net(x)
    out[-1].sum().backward()
    return float(x.grad[0].norm() / x.grad[-1].norm())


# --- the hand-set agreement LSTM on the article's sentence -------------------------------------


def agreement_lstm() -> lstm.Params:
    """Hand-set (not trained) weights of a 2-unit LSTM that solves subject-verb agreement.

    Inputs are one-hot over ``tasks.AGREEMENT_VOCAB`` (n_in = 27); nouns are the words of
    ``tasks.SINGULAR_NOUNS`` and ``tasks.PLURAL_NOUNS``, verbs those of ``tasks.VERBS``.
    Unit 1 is a "noun seen" flag; unit 0 holds the subject's number, -0.99 singular, +0.99
    plural:
    - WRITE: unit 0's input gate opens on a noun only while the flag is off, so only on the
      first noun, the subject: z_i0 = gain (noun) - gain/2 - 2 gain h_1. Its candidate is
      g_0 = tanh(-/+ 3) for a singular/plural noun and 0 for any other word.
    - KEEP: both forget gates sit at sigmoid(gain), so the cell holds its value through the
      clause and its distractor nouns.
    - READ: unit 0's output gate opens only at a verb: z_o0 = gain (verb) - gain/2. At the
      verb, h_0 = o_0 tanh(c_0) > 0 means plural.
    The flag writes g_1 = tanh(3) on every noun and always shows it (o_1 ~ 1), so h_1 >= 0.76
    after the first noun. Here gain = 10. A trained LSTM spreads the same job over many units.
    """
    gain = 10.0
    index = {word: k for k, word in enumerate(AGREEMENT_VOCAB)}
    W_x, W_h, b = np.zeros((len(AGREEMENT_VOCAB), 8)), np.zeros((2, 8)), np.zeros(8)
    i0, i1, f0, f1, g0, g1, o0, o1 = range(8)  # gate-major columns: [i | f | g | o] of H = 2
    b[[i0, i1, o0]] = -gain / 2
    b[[f0, f1, o1]] = gain
    W_h[1, i0] = -2 * gain
    for words, sign in ((SINGULAR_NOUNS, -1.0), (PLURAL_NOUNS, 1.0)):
        for word in words:
            W_x[index[word], [i0, i1]] = gain
            W_x[index[word], g0] = 3.0 * sign
            W_x[index[word], g1] = 3.0
    for word in VERBS:
        W_x[index[word], o0] = gain
    return {"W_x": W_x, "W_h": W_h, "b": b}


_GROUPS = {
    frozenset(SINGULAR_NOUNS + PLURAL_NOUNS): "every noun",
    frozenset(SINGULAR_NOUNS): "each singular noun",
    frozenset(PLURAL_NOUNS): "each plural noun",
    frozenset(VERBS): "each verb (was, were, <verb>)",
}
_GATE_NAMES = {"i": "input gate", "f": "forget gate", "g": "candidate", "o": "output gate"}


def weight_rows(params: lstm.Params) -> list[str]:
    """One line per gate column of an LSTM over ``tasks.AGREEMENT_VOCAB``: its bias, input
    weights and recurrent weights.

    Input weights with the same value are grouped, and a group that is exactly the singular
    nouns, the plural nouns, all nouns or the verbs is named so.
    """
    H = params["W_h"].shape[0]
    rows = []
    for gate in lstm.GATES:
        for unit in range(H):
            col = lstm.gate_slice(gate, H).start + unit
            parts = [f"bias {params['b'][col]:+g}"]
            weights = params["W_x"][:, col]
            for value in sorted({float(w) for w in weights if w != 0}, reverse=True):
                words = [AGREEMENT_VOCAB[k] for k in np.flatnonzero(weights == value)]
                name = _GROUPS.get(frozenset(words), ", ".join(words))
                parts.append(f"{value:+g} from {name}")
            for source in np.flatnonzero(params["W_h"][:, col]):
                parts.append(f"{params['W_h'][source, col]:+g} × h_{source}")
            rows.append(f"{_GATE_NAMES[gate] + ' ' + gate:>16}, unit {unit}: " + "; ".join(parts))
    return rows


def gates_figure(trace: lstm.GateTrace, twin: lstm.GateTrace) -> Figure:
    """Top: heatmap of i, f, o (both units) over ``trace``'s sentence. Bottom: unit 0's cell
    c_0 and state h_0 for that sentence and its twin (same length, other words)."""
    fig, axes = plots.figure(1, 2, width=9.0, height=6.4)
    ax = axes[0, 0]
    rows = [
        (f"{name} {g}, unit {u}", getattr(trace, g)[:, u])
        for u in (0, 1)
        for g, name in (("i", "input"), ("f", "forget"), ("o", "output"))
    ]
    plots.heatmap(
        ax,
        np.array([r for _, r in rows]),
        xlabels=trace.tokens,
        ylabels=[name for name, _ in rows],
        cmap="viridis",
        vmin=0.0,
        vmax=1.0,
        annotate=True,
        colorbar=False,
    )
    ax.set_title("Gates of the hand-set LSTM (0 = closed, 1 = open)")
    ax = axes[1, 0]
    steps = np.arange(len(trace.tokens))
    for res, colour, style in (
        (trace, plots.COLOURS["lstm"], "-"),
        (twin, plots.COLOURS["rnn"], "--"),
    ):
        label = " ".join(res.tokens[:2])
        ax.plot(steps, res.c[:, 0], style, color=colour, lw=2, label=f"c_0 ({label} ...)")
        ax.plot(
            steps,
            res.h[:, 0],
            style,
            color=colour,
            lw=1,
            marker="o",
            ms=4,
            label=f"h_0 ({label} ...)",
        )
    ax.axhline(0.0, color=plots.COLOURS["bound"], lw=0.8)
    ax.set_xticks(
        steps,
        [f"{a}/{b}" if a != b else a for a, b in zip(trace.tokens, twin.tokens, strict=True)],
        rotation=30,
    )
    ax.set_ylim(-1.05, 1.05)
    ax.set_ylabel("unit 0 (the number)")
    ax.legend(loc="center left", bbox_to_anchor=(0.15, 0.72), fontsize=8, ncol=2)
    ax.set_title("Unit 0 writes at the subject, keeps through the clause, shows at the verb")
    return fig
