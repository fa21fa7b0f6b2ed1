"""Lesson 05's experiments and figures: the LSTM checked against torch, the cell-path slider
(forget-gate bias and sequence length, against lesson 03's RNN) with its static sweep, the
whole gradient against the direct cell path, the hand-set agreement LSTM on the article's
sentence, parameter counts, and the two myths (exploding gradients, training speed).

Every compute function is pure and seeded; the numbers the lesson prints come from here and
are asserted in tests/unit/test_lesson05.py. The LSTM is ``course_utils.lstm`` (row vectors,
gates stacked i, f, g, o as in torch); the RNN is lesson 03's ``rnn.gradient_vs_lag`` (tanh,
64 units, spectral radius 0.9, seed 0). torch is imported inside the functions that need it.
"""

from __future__ import annotations

import functools
import math
from typing import NamedTuple

import numpy as np
from matplotlib.figure import Figure

from course_utils import lstm, plots, rnn, tasks, widgets
from course_utils.activations import sigmoid
from course_utils.gradcheck import central_difference, relative_error
from course_utils.tasks import (
    AGREEMENT_VOCAB,
    PLURAL_NOUNS,
    SINGULAR_NOUNS,
    VERBS,
    agreement_batch,
)

N_HIDDEN = 64  # the cell-path experiments and lesson 03's RNN
RNN_RADIUS = 0.9  # lesson 03's tanh RNN
SENTENCE = tasks.ARTICLE_SENTENCE
PLURAL_SENTENCE = "The cats, which already ate a bowl of milk, were full"
BIAS_RANGE = (-2.0, 5.0)
T_RANGE = (10, 200)
BIAS_COLOURS = {
    0.0: plots.OKABE_ITO["purple"],
    1.0: plots.OKABE_ITO["blue"],
    3.0: plots.OKABE_ITO["green"],
}


# --- the gradient check ------------------------------------------------------------------------


class GradientCheck(NamedTuple):
    """Relative errors of the numpy LSTM against three references (float64).

    forward: relative error of the states h_1..h_T against torch.nn.LSTM with the same
    weights. backward: {reference: {"W_x": err, "W_h": err, "b": err}} for the weight
    gradients of ``lstm.lstm_backward``.
    """

    forward: float
    backward: dict[str, dict[str, float]]


def _small_problem(seed: int):
    """T = 5, batch 3, 4 inputs, 6 units, random biases, h_0 and c_0; dL/dh_t weights C."""
    rng = np.random.default_rng(seed)
    params = lstm.init_lstm(4, 6, forget_bias=1.0, seed=rng)
    params["b"] = params["b"] + 0.3 * rng.standard_normal(24)
    x = rng.standard_normal((5, 3, 4))
    h0 = 0.5 * rng.standard_normal((3, 6))
    c0 = rng.standard_normal((3, 6))
    C = rng.standard_normal((5, 3, 6))
    return params, x, h0, c0, C


def gradient_check(seed: int = 0) -> GradientCheck:
    """Check ``lstm_forward`` and ``lstm_backward`` with the loss L = sum_t <h_t, C_t>.

    References: central differences (step 1e-5) on every weight, torch autograd through the
    same equations written with torch operations, and torch.nn.LSTM with the weights copied
    in (``lstm.to_torch_lstm``: weight_ih_l0 = W_x.T, weight_hh_l0 = W_h.T, biases summed).
    """
    import torch

    from course_utils.env import use_one_thread

    use_one_thread()
    params, x, h0, c0, C = _small_problem(seed)
    names = ("W_x", "W_h", "b")
    hs, _, caches = lstm.lstm_forward(x, h0, c0, params)
    _, _, _, ours = lstm.lstm_backward(C, caches, params)

    def loss(name, value):
        out, _, _ = lstm.lstm_forward(x, h0, c0, {**params, name: value})
        return float(np.sum(out[1:] * C))

    numeric = {n: central_difference(lambda v, n=n: loss(n, v), params[n]) for n in names}

    tp = {n: torch.tensor(params[n], requires_grad=True) for n in names}
    h, c = torch.tensor(h0), torch.tensor(c0)
    total = torch.zeros((), dtype=torch.float64)
    H = h0.shape[1]
    for t in range(len(x)):
        z = torch.tensor(x[t]) @ tp["W_x"] + h @ tp["W_h"] + tp["b"]
        i, f, g, o = (z[:, lstm.gate_slice(k, H)] for k in lstm.GATES)
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

    @property
    def typical_f(self) -> float:
        """exp(mean log f): the geometric mean of the forget gates, the factor per step."""
        return math.exp(self.path.mean_log_f)


def cell_path(forget_bias: float = 1.0, T: int = 100) -> CellPathResult:
    """Compute function of the slider (about 5 ms at T = 100, 12 ms at T = 200).

    ``lstm.cell_path_gradient(forget_bias, T)`` (64 units, 8 random inputs per step, seed 0)
    and ``rnn.gradient_vs_lag(T, 0.9, "tanh")`` (lesson 03's RNN, 64 units, seed 0).
    """
    T = int(T)
    path = lstm.cell_path_gradient(float(forget_bias), T, n_hidden=N_HIDDEN)
    return CellPathResult(float(forget_bias), T, path, _rnn_profile(T))


@functools.lru_cache(maxsize=32)
def _rnn_profile(T: int) -> rnn.LagProfile:
    """Lesson 03's RNN profile; cached, as moving the bias does not change it."""
    return rnn.gradient_vs_lag(T, RNN_RADIUS, "tanh", n_hidden=N_HIDDEN)


def draw_cell_path(axes: np.ndarray, res: CellPathResult) -> None:
    (ax,) = axes
    p, r = res.path, res.rnn
    # Fix the y range first (round decades): autoscaling a log axis is slow and can overflow.
    low, high, ticks = plots.log_axis_limits(p.median, p.naive, r.norms, np.array([2.0]))
    ax.set_yscale("log")
    ax.set_ylim(low, high)
    ax.set_autoscaley_on(False)
    plots.gradient_vs_distance(
        ax, r.lags, r.norms, label="tanh RNN (lesson 03)", colour=plots.COLOURS["rnn"]
    )
    plots.gradient_vs_distance(
        ax,
        p.lags,
        p.median,
        label="LSTM cell path",
        colour=plots.COLOURS["lstm"],
        xlabel="time lag k (steps back from T)",
        ylabel="gradient at lag k / at lag 0",
    )
    ax.plot(p.lags, p.naive, ":", color="black", lw=1.2, label="σ(b_f)^k")
    ax.set_yticks(ticks)
    ax.set_xlim(0, res.T - 1)
    ax.legend(loc="lower left", fontsize=7)
    ax.set_title(f"typical f = {res.typical_f:.3f}", fontsize=10)


def short(x: float) -> str:
    """A gradient ratio in few characters: '0.73', '0.0071', '2e-14', '0'."""
    return "0" if x == 0 else f"{x:.2g}" if x >= 1e-3 else f"{x:.0e}"


def readout_cell_path(res: CellPathResult) -> str:
    last = res.T - 1
    return (
        f"b_f = {res.forget_bias:+.1f}, T = {res.T}: typical forget gate exp(mean log f) = "
        f"{res.typical_f:.3f} (sigmoid(b_f) = {sigmoid(res.forget_bias):.3f}); direct cell "
        f"path back to step 1 (lag {last}): median {short(res.path.median[last])} over "
        f"{N_HIDDEN} units (sigmoid(b_f)^{last} = {short(res.path.naive[last])}); "
        f"lesson 03's tanh RNN: {short(res.rnn.norms[last])}"
    )


def cell_path_slider() -> widgets.InteractiveFigure:
    """Forget-gate bias -2..5 and T 10..200: the direct cell path against the tanh RNN."""
    controls = {
        "forget_bias": widgets.slider("forget-gate bias b_f", *BIAS_RANGE, 0.1, 1.0),
        "T": widgets.slider("sequence length T", *T_RANGE, 10, 100, integer=True),
    }
    # Built at the setting with the widest tick labels, laid out once, then moved to the start.
    app = widgets.InteractiveFigure(
        cell_path, draw_cell_path, controls, readout_cell_path, height=3.4
    )
    app.axes[0].set_position([0.12, 0.15, 0.85, 0.75])
    app.update()
    return app


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


def full_path_figure(biases=(0.0, 1.0, 3.0), T: int = 100) -> Figure:
    """Full gradient (solid) and direct cell path (dashed) for three forget biases."""
    fig, axes = plots.figure(width=7.5, height=3.4)
    ax = axes[0, 0]
    for bias in biases:
        res = lstm.full_vs_direct(bias, T)
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
    ax.set_xlim(0, T - 1)
    ax.legend(loc="lower left", fontsize=7, ncol=2)
    ax.set_title("The whole gradient vs the direct cell path (same LSTM, 64 units)")
    return fig


def _decade_axis(ax, *arrays) -> None:
    """Log y axis with limits and ticks at round decades that hold ``arrays``."""
    low, high, ticks = plots.log_axis_limits(*arrays, np.array([2.0]))
    ax.set_ylim(low, high)
    ax.set_yticks(ticks)


def explosion_table(gains=(1.0, 4.0, 16.0), forget_bias: float = 1.0, T: int = 100):
    """full_vs_direct at each gain of W_h: {gain: lstm.FullPath}."""
    return {g: lstm.full_vs_direct(forget_bias, T, gain=g) for g in gains}


def explosion_figure(runs: dict[float, lstm.FullPath]) -> Figure:
    """Full gradient for each gain of W_h, and the direct cell path of the largest gain."""
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

MODELS = (
    ("tanh RNN", "rnn", None),
    ("LSTM, b_f = 0", "lstm", 0.0),
    ("LSTM, b_f = 1", "lstm", 1.0),
    ("LSTM, b_f = 3", "lstm", 3.0),
    ("GRU", "gru", None),
)


def first_input_table(T: int = 100, seed: int = 0) -> dict[str, float]:
    """``lstm.input_gradient_ratio`` (||dL/dx_1|| / ||dL/dx_T||, torch default init) per model."""
    from course_utils.env import use_one_thread

    use_one_thread()
    return {
        label: lstm.input_gradient_ratio(kind, T, bias, seed=seed) for label, kind, bias in MODELS
    }


# --- the hand-set agreement LSTM on the article's sentence -------------------------------------

_GROUPS = {
    frozenset(SINGULAR_NOUNS + PLURAL_NOUNS): "every noun",
    frozenset(SINGULAR_NOUNS): "each singular noun",
    frozenset(PLURAL_NOUNS): "each plural noun",
    frozenset(VERBS): "each verb (was, were, <verb>)",
}
_GATE_NAMES = {"i": "input gate", "f": "forget gate", "g": "candidate", "o": "output gate"}


def weight_rows(
    params: lstm.Params | None = None, vocab: tuple[str, ...] = AGREEMENT_VOCAB
) -> list[str]:
    """One line per gate column of a 2-unit LSTM: its bias, input weights and recurrent weights.

    Input weights with the same value are grouped, and a group that is exactly the singular
    nouns, the plural nouns, all nouns or the verbs is named so.
    """
    params = lstm.agreement_lstm(vocab) if params is None else params
    H = params["W_h"].shape[0]
    rows = []
    for gate in lstm.GATES:
        for unit in range(H):
            col = lstm.gate_slice(gate, H).start + unit
            parts = [f"bias {params['b'][col]:+g}"]
            weights = params["W_x"][:, col]
            for value in sorted({float(w) for w in weights if w != 0}, reverse=True):
                words = [vocab[k] for k in np.flatnonzero(weights == value)]
                name = _GROUPS.get(frozenset(words), ", ".join(words))
                parts.append(f"{value:+g} from {name}")
            for source in np.flatnonzero(params["W_h"][:, col]):
                parts.append(f"{params['W_h'][source, col]:+g} × h_{source}")
            rows.append(f"{_GATE_NAMES[gate] + ' ' + gate:>16}, unit {unit}: " + "; ".join(parts))
    return rows


def sentence_trace(sentence: str = SENTENCE) -> lstm.GateTrace:
    """The hand-set LSTM's gates, cell and state over the words of ``sentence``."""
    return lstm.gate_activations(lstm.agreement_lstm(), tasks.tokenize(sentence))


def gates_figure(sentence: str = SENTENCE, plural: str = PLURAL_SENTENCE) -> Figure:
    """Top: heatmap of i, f, o (both units) over the sentence. Bottom: unit 0's cell c_0 and
    state h_0 for the singular sentence and its plural twin."""
    trace, twin = sentence_trace(sentence), sentence_trace(plural)
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


class HandsetAccuracy(NamedTuple):
    """The hand-set LSTM's accuracy on agreement sequences with attractors everywhere."""

    accuracy: float
    n: int
    shortest: int
    longest: int


def handset_accuracy(n: int = 500, distances=(1, 60), seed: int = 0) -> HandsetAccuracy:
    """Accuracy of the hand-set LSTM on ``n`` agreement sequences in which every clause noun
    has the other number (attractors = 1), distances drawn from ``distances``.

    The sign of h_0 at the verb slot is the answer (> 0 plural).
    """
    batch = agreement_batch(seed, n, tuple(distances), attractors=1.0, noun_rate=0.3)
    x = np.eye(len(AGREEMENT_VOCAB))[batch.tokens]
    hs, _, _ = lstm.lstm_forward(x, None, None, lstm.agreement_lstm())
    right = (hs[-1][:, 0] > 0) == (batch.labels == 1)
    return HandsetAccuracy(
        float(np.mean(right)), n, int(batch.distances.min()), int(batch.distances.max())
    )


# --- parameter counts -------------------------------------------


def parameter_counts(n_in: int = 16, hidden: int = 32) -> dict[str, int]:
    """torch's parameter counts of one recurrent layer (lesson 06's model: 16 in, 32 units)."""
    return {
        "RNN": lstm.rnn_parameter_count(n_in, hidden),
        "GRU": lstm.gru_parameter_count(n_in, hidden),
        "LSTM": lstm.lstm_parameter_count(n_in, hidden),
    }
