"""Checkers for lesson 05: one LSTM step forward, the direct cell-path gradient as a product of
forget gates, and a predicted cell-path gradient at lag 99.

Each typical mistake is a complete wrong function (in ``STEP_MISTAKES`` and ``PATH_MISTAKES``),
so that the tests can feed it to the checker and see its hint come back.
"""

from __future__ import annotations

import itertools

import numpy as np

from course_utils import lstm
from course_utils.activations import sigmoid
from course_utils.checks import CheckResult, Mistake, check_estimate, check_function
from course_utils.i18n import _

# --- exercise 1: one LSTM step forward ---------------------------------------------------------


def step_case(batch: int, n_in: int, n_hidden: int, seed: int):
    """(x, h_prev, c_prev, W_x, W_h, b) with gate pre-activations spread over about +-2.

    Random Gaussian weights make the four blocks different from each other, so every order of
    the blocks, and every wrong activation, gives a different (h, c). c_prev is spread well
    beyond (-1, 1), so tanh(c) and c differ.
    """
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((batch, n_in))
    h_prev = np.tanh(rng.standard_normal((batch, n_hidden)))
    c_prev = 1.5 * rng.standard_normal((batch, n_hidden))
    W_x = rng.standard_normal((n_in, 4 * n_hidden)) / np.sqrt(n_in)
    W_h = rng.standard_normal((n_hidden, 4 * n_hidden)) / np.sqrt(n_hidden)
    b = 0.5 * rng.standard_normal(4 * n_hidden)
    return x, h_prev, c_prev, W_x, W_h, b


# batch 2, 3 inputs, 4 units first: every mistake below gives different values on it.
STEP_CASES = [step_case(2, 3, 4, seed=0), step_case(1, 2, 3, seed=1)]


def reference_step(x, h_prev, c_prev, W_x, W_h, b):
    """(h, c) from ``lstm.lstm_step``."""
    h, c, _ = lstm.lstm_step(x, h_prev, c_prev, {"W_x": W_x, "W_h": W_h, "b": b})
    return h, c


def _blocks(x, h_prev, W_x, W_h, b, order=lstm.GATES):
    """(z_i, z_f, z_g, z_o): the blocks of z = x @ W_x + h_prev @ W_h + b, read as ``order``."""
    H = h_prev.shape[1]
    z = x @ W_x + h_prev @ W_h + b
    block = {name: z[:, k * H : (k + 1) * H] for k, name in enumerate(order)}
    return block["i"], block["f"], block["g"], block["o"]


def sigmoid_candidate(x, h_prev, c_prev, W_x, W_h, b):
    z_i, z_f, z_g, z_o = _blocks(x, h_prev, W_x, W_h, b)
    c = sigmoid(z_f) * c_prev + sigmoid(z_i) * sigmoid(z_g)
    return sigmoid(z_o) * np.tanh(c), c


def tanh_input_gate(x, h_prev, c_prev, W_x, W_h, b):
    z_i, z_f, z_g, z_o = _blocks(x, h_prev, W_x, W_h, b)
    c = sigmoid(z_f) * c_prev + np.tanh(z_i) * np.tanh(z_g)
    return sigmoid(z_o) * np.tanh(c), c


def tanh_forget_gate(x, h_prev, c_prev, W_x, W_h, b):
    z_i, z_f, z_g, z_o = _blocks(x, h_prev, W_x, W_h, b)
    c = np.tanh(z_f) * c_prev + sigmoid(z_i) * np.tanh(z_g)
    return sigmoid(z_o) * np.tanh(c), c


def tanh_output_gate(x, h_prev, c_prev, W_x, W_h, b):
    z_i, z_f, z_g, z_o = _blocks(x, h_prev, W_x, W_h, b)
    c = sigmoid(z_f) * c_prev + sigmoid(z_i) * np.tanh(z_g)
    return np.tanh(z_o) * np.tanh(c), c


def h_without_tanh(x, h_prev, c_prev, W_x, W_h, b):
    z_i, z_f, z_g, z_o = _blocks(x, h_prev, W_x, W_h, b)
    c = sigmoid(z_f) * c_prev + sigmoid(z_i) * np.tanh(z_g)
    return sigmoid(z_o) * c, c


def without_input_gate(x, h_prev, c_prev, W_x, W_h, b):
    z_i, z_f, z_g, z_o = _blocks(x, h_prev, W_x, W_h, b)
    c = sigmoid(z_f) * c_prev + np.tanh(z_g)
    return sigmoid(z_o) * np.tanh(c), c


def h_from_the_old_cell(x, h_prev, c_prev, W_x, W_h, b):
    z_i, z_f, z_g, z_o = _blocks(x, h_prev, W_x, W_h, b)
    c = sigmoid(z_f) * c_prev + sigmoid(z_i) * np.tanh(z_g)
    return sigmoid(z_o) * np.tanh(c_prev), c


def h_and_c_swapped(x, h_prev, c_prev, W_x, W_h, b):
    h, c = reference_step(x, h_prev, c_prev, W_x, W_h, b)
    return c, h


def blocks_read_as(order):
    """The right LSTM step, with the blocks of z read in ``order`` (a wrong one)."""

    def step(x, h_prev, c_prev, W_x, W_h, b):
        z_i, z_f, z_g, z_o = _blocks(x, h_prev, W_x, W_h, b, order)
        c = sigmoid(z_f) * c_prev + sigmoid(z_i) * np.tanh(z_g)
        return sigmoid(z_o) * np.tanh(c), c

    step.__name__ = f"blocks_read_as_{''.join(order)}"
    return step


_ORDER_HINT = _(
    "The gate blocks are sliced in the wrong order: your (h, c) is what you get by reading "
    "the four blocks of z = x @ W_x + h_prev @ W_h + b as ({order}). The course, like torch, "
    "stacks them as (i, f, g, o): with H = h_prev.shape[1], i = z[:, 0:H], f = z[:, H:2H], "
    "g = z[:, 2H:3H], o = z[:, 3H:4H]."
)


def _gate_hint(gate: str) -> str:
    return _(
        "The {gate} needs the sigmoid, not tanh. A gate is a fraction in (0, 1) that scales "
        "a signal (0 blocks it, 1 lets it through); tanh gives values in (-1, 1), which can "
        "flip the sign of what the gate lets through."
    ).format(gate=gate)


STEP_MISTAKES = [
    Mistake(
        sigmoid_candidate,
        _(
            "The candidate g takes tanh, not the sigmoid: g is the value written into the cell, "
            "and it must be able to be negative, in (-1, 1). Only the three gates i, f, o use "
            "the sigmoid."
        ),
    ),
    Mistake(tanh_input_gate, _gate_hint(_("input gate i"))),
    Mistake(tanh_forget_gate, _gate_hint(_("forget gate f"))),
    Mistake(tanh_output_gate, _gate_hint(_("output gate o"))),
    Mistake(
        h_without_tanh,
        _(
            "h = o * tanh(c): the cell is squashed by tanh before the output gate scales it. "
            "With h = o * c, h grows with the cell."
        ),
    ),
    Mistake(
        without_input_gate,
        _(
            "c = f * c_prev + i * g: the input gate i decides how much of the candidate g is "
            "written. Without it the cell adds all of g at every step."
        ),
    ),
    Mistake(
        h_from_the_old_cell,
        _(
            "h is computed from the old cell c_prev. Compute the new cell first, "
            "c = f * c_prev + i * g, then h = o * tanh(c)."
        ),
    ),
    Mistake(h_and_c_swapped, _("h and c are swapped: return (h, c), in that order.")),
    *(
        Mistake(blocks_read_as(order), _ORDER_HINT.format(order=", ".join(order)))
        for order in itertools.permutations(lstm.GATES)
        if order != lstm.GATES
    ),
]


def check_lstm_step_forward(fn) -> CheckResult:
    """Check `fn(x, h_prev, c_prev, W_x, W_h, b) -> (h, c)` for one LSTM step."""
    return check_function(
        fn,
        reference_step,
        STEP_CASES,
        exercise="lstm_step_forward",
        mistakes=STEP_MISTAKES,
        hint=_(
            "z = x @ W_x + h_prev @ W_h + b has 4H columns: i, f, g, o in blocks of H. "
            "Gates take the sigmoid, the candidate g takes tanh; then c = f * c_prev + i * g "
            "and h = o * tanh(c). Return (h, c)."
        ),
    )


# --- exercise 2: the cell path as a product of forget gates ------------------------------------


def path_case(T: int, n_hidden: int, seed: int) -> tuple[np.ndarray]:
    """(f,): forget-gate values of shape (T, H), all different, spread over (0.05, 0.95)."""
    rng = np.random.default_rng(seed)
    return (rng.uniform(0.05, 0.95, (T, n_hidden)),)


PATH_CASES = [path_case(6, 3, seed=0), path_case(4, 2, seed=1)]


def reference_path(f):
    """Row k = f_T * f_{T-1} * ... * f_{T-k+1}, as ``lstm.cell_path_gradient`` computes it
    (a cumulative sum of log f from the end, then exp; row 0 is exp(0) = 1)."""
    log_f = np.log(f)
    logs = np.concatenate([np.zeros((1, f.shape[1])), np.cumsum(log_f[::-1], axis=0)])
    return np.exp(logs[: len(f)])


def _ones(f):
    return np.ones((1, f.shape[1]))


PATH_MISTAKES = [
    Mistake(
        lambda f: np.concatenate([_ones(f), np.cumprod(f, axis=0)[:-1]]),
        _(
            "The product runs forward from the first step: your row k is f_1 * ... * f_k. The "
            "gradient travels BACK from step T, so row k multiplies the LAST k gates, "
            "f_T * f_(T-1) * ... * f_(T-k+1): take the cumulative product of f[::-1]."
        ),
    ),
    Mistake(
        lambda f: np.cumprod(f[::-1], axis=0),
        _(
            "Off by one: your row k includes one gate too many (row 0 is f_T, not 1). Going "
            "back k steps multiplies k forget gates: row 0 is all ones (no step back), row 1 is "
            "f_T, row 2 is f_T * f_(T-1)."
        ),
    ),
    Mistake(
        lambda f: np.concatenate([_ones(f), np.cumprod(f[::-1][1:], axis=0)]),
        _(
            "Off by one: your products skip the last gate f_T. dc_T/dc_(T-1) = f_T (the gate "
            "of step T multiplies c_(T-1)), so row 1 is f_T and row k is f_T * ... * f_(T-k+1)."
        ),
    ),
    Mistake(
        lambda f: np.concatenate([_ones(f), np.cumsum(f[::-1], axis=0)[:-1]]),
        _(
            "Sum instead of product: the chain rule MULTIPLIES the local derivatives along a "
            "path. Use np.cumprod, not np.cumsum."
        ),
    ),
    Mistake(
        lambda f: np.cumsum(f[::-1], axis=0),
        _(
            "Sum instead of product: the chain rule MULTIPLIES the local derivatives along a "
            "path (np.cumprod, not np.cumsum), and row 0 (no step back) is all ones."
        ),
    ),
    Mistake(
        lambda f: np.concatenate([_ones(f), np.cumprod(1 - f[::-1], axis=0)[:-1]]),
        _(
            "You used 1 - f. The cell keeps f * c_(t-1) of its old value (f is the fraction "
            "KEPT, despite the gate's name), so dc_t/dc_(t-1) = f_t, not 1 - f_t."
        ),
    ),
    Mistake(
        lambda f: np.prod(f, axis=0),
        _(
            "That is only the product of all T gates, one number per unit. Return every lag: "
            "an array of shape (T, H) whose row k multiplies the last k gates."
        ),
    ),
]


def check_cell_path_products(fn) -> CheckResult:
    """Check `fn(f) -> (T, H)` products of the last k forget gates, k = 0..T-1."""
    return check_function(
        fn,
        reference_path,
        PATH_CASES,
        exercise="cell_path_products",
        mistakes=PATH_MISTAKES,
        hint=_(
            "Row 0 is np.ones((1, H)); row k is the product of f[T-1], f[T-2], ..., f[T-k]. "
            "np.cumprod(f[::-1], axis=0) gives rows 1..T; drop its last row and stack the ones "
            "on top (np.concatenate or np.vstack)."
        ),
    )


# --- exercise 3: predict the cell-path gradient at lag 99 --------------------------------------

PREDICT_BIAS, PREDICT_T = 1.0, 100


def check_cell_path_prediction(guess) -> CheckResult:
    """Is `guess` within a factor of 10 of the measured median cell-path product at lag 99?"""
    path = lstm.cell_path_gradient(PREDICT_BIAS, PREDICT_T)
    lag = PREDICT_T - 1
    naive = float(sigmoid(PREDICT_BIAS)) ** lag
    return check_estimate(
        guess,
        float(path.median[lag]),
        exercise=_("cell path at lag 99"),
        factor=10.0,
        explanation=_(
            "Each forget gate sits near sigmoid(b_f) = sigmoid({bias:g}) = {f:.3f}, so {lag} of "
            "them multiply to about {f:.3f}^{lag} = {product:.2g}. The measured median is "
            "a little smaller: the gates move with the input, and because log(sigmoid) is "
            "concave those movements lower the average of log f (measured "
            "{mean_log_f:.3f} per step, against log sigmoid({bias:g}) = {log_f:.3f})."
        ).format(
            bias=PREDICT_BIAS,
            f=float(sigmoid(PREDICT_BIAS)),
            lag=lag,
            product=naive,
            mean_log_f=path.mean_log_f,
            log_f=float(np.log(sigmoid(PREDICT_BIAS))),
        ),
    )
