"""Checkers for lesson 03: one step of backprop through time, the BPTT loop that accumulates
dL/dW_hh over the steps, and a predicted gradient at lag k for a linear RNN.

Each typical mistake is a small wrong function, named for what it does wrong.
"""

from __future__ import annotations

import numpy as np

from course_utils import rnn
from course_utils.checks import CheckResult, Mistake, check_estimate, check_function
from course_utils.i18n import _

# --- exercise 1: one step of BPTT -------------------------------------------------------------


def step_case(batch: int, n_hidden: int, n_in: int, seed: int):
    """(dh, h_prev, h, x, W_hh) for one tanh step, with h computed from h_prev and x.

    W_hh is a random Gaussian matrix, so it is not symmetric: W_hh and W_hh.T give different
    values. States sit well inside (-1, 1), so 1 - h**2, 1 - h_prev**2 and 1 differ.
    """
    rng = np.random.default_rng(seed)
    W_hh = rng.standard_normal((n_hidden, n_hidden)) / np.sqrt(n_hidden)
    W_xh = rng.standard_normal((n_in, n_hidden)) / np.sqrt(n_in)
    b = 0.2 * rng.standard_normal(n_hidden)
    h_prev = np.tanh(rng.standard_normal((batch, n_hidden)))
    x = rng.standard_normal((batch, n_in))
    h = np.tanh(h_prev @ W_hh + x @ W_xh + b)
    dh = rng.standard_normal((batch, n_hidden))
    return dh, h_prev, h, x, W_hh


# batch 3, H = 4, n_in = 2 first: every mistake below changes a value or a shape on it.
# The second case has n_in = H, so dW_xh and dW_hh have the same shape there.
STEP_CASES = [step_case(3, 4, 2, seed=0), step_case(2, 3, 3, seed=1)]


def reference_step(dh, h_prev, h, x, W_hh):
    """(dh_prev, dW_hh, dW_xh, db) from ``rnn.rnn_step_backward`` (tanh)."""
    unused_W_xh = np.zeros((x.shape[1], W_hh.shape[0]))  # only dx needs it
    g = rnn.rnn_step_backward(dh, h_prev, h, x, W_hh, unused_W_xh, "tanh")
    return g.dh_prev, g.dW_hh, g.dW_xh, g.db


def _from_da(da, h_prev, x, W_hh):
    """The right second stage: (dh_prev, dW_hh, dW_xh, db) from da = dL/da."""
    return da @ W_hh.T, h_prev.T @ da, x.T @ da, da.sum(axis=0)


def without_tanh_slope(dh, h_prev, h, x, W_hh):
    return _from_da(dh, h_prev, x, W_hh)


def slope_at_previous_state(dh, h_prev, h, x, W_hh):
    return _from_da(dh * (1 - h_prev**2), h_prev, x, W_hh)


def tanh_applied_twice(dh, h_prev, h, x, W_hh):
    return _from_da(dh * (1 - np.tanh(h) ** 2), h_prev, x, W_hh)


def back_through_W_not_its_transpose(dh, h_prev, h, x, W_hh):
    da = dh * (1 - h**2)
    _, dW_hh, dW_xh, db = _from_da(da, h_prev, x, W_hh)
    return da @ W_hh, dW_hh, dW_xh, db


def dW_hh_transposed(dh, h_prev, h, x, W_hh):
    da = dh * (1 - h**2)
    dh_prev, _, dW_xh, db = _from_da(da, h_prev, x, W_hh)
    return dh_prev, da.T @ h_prev, dW_xh, db


def dW_xh_transposed(dh, h_prev, h, x, W_hh):
    da = dh * (1 - h**2)
    dh_prev, dW_hh, _, db = _from_da(da, h_prev, x, W_hh)
    return dh_prev, dW_hh, da.T @ x, db


def db_per_example(dh, h_prev, h, x, W_hh):
    da = dh * (1 - h**2)
    *rest, _ = _from_da(da, h_prev, x, W_hh)
    return *rest, da


def db_averaged(dh, h_prev, h, x, W_hh):
    da = dh * (1 - h**2)
    *rest, _ = _from_da(da, h_prev, x, W_hh)
    return *rest, da.mean(axis=0)


def weights_averaged_over_batch(dh, h_prev, h, x, W_hh):
    da = dh * (1 - h**2)
    dh_prev, dW_hh, dW_xh, _ = _from_da(da, h_prev, x, W_hh)
    return dh_prev, dW_hh / len(da), dW_xh / len(da), da.mean(axis=0)


def first_example_only(dh, h_prev, h, x, W_hh):
    da = dh * (1 - h**2)
    _, dW_hh, dW_xh, _ = _from_da(da[:1], h_prev[:1], x[:1], W_hh)
    return da @ W_hh.T, dW_hh, dW_xh, da[0]


STEP_MISTAKES = [
    Mistake(
        without_tanh_slope,
        _(
            "The tanh' factor is missing. h = tanh(a), so dL/da = dL/dh * tanh'(a), and "
            "tanh'(a) = 1 - tanh(a)**2 = 1 - h**2: multiply dh by (1 - h**2) first."
        ),
    ),
    Mistake(
        slope_at_previous_state,
        _(
            "tanh' is taken at the wrong step: h = tanh(a) with a the pre-activation of THIS "
            "step, so the factor is 1 - h**2 (the new state), not 1 - h_prev**2."
        ),
    ),
    Mistake(
        tanh_applied_twice,
        _(
            "h is already tanh(a): the derivative is 1 - h**2, not 1 - tanh(h)**2 (that "
            "applies tanh twice)."
        ),
    ),
    Mistake(
        back_through_W_not_its_transpose,
        _(
            "dh_prev uses W_hh where it needs W_hh.T. Forward, a = h_prev @ W_hh, i.e. "
            "a[j] = sum_i h_prev[i] W_hh[i, j]; so dL/dh_prev[i] = sum_j da[j] W_hh[i, j], "
            "which is da @ W_hh.T."
        ),
    ),
    Mistake(
        dW_hh_transposed,
        _(
            "dW_hh is transposed. W_hh[i, j] links h_prev[i] to a[j], so dW_hh[i, j] = "
            "sum over the batch of h_prev[:, i] * da[:, j]: h_prev.T @ da."
        ),
    ),
    Mistake(
        dW_xh_transposed,
        _("dW_xh is transposed: it must have W_xh's shape (n_in, H), i.e. x.T @ da."),
    ),
    Mistake(
        db_per_example,
        _(
            "db should have b's shape (H,): b is added to every example of the batch, so its "
            "gradient is the SUM of da over the batch (axis 0)."
        ),
    ),
    Mistake(
        db_averaged,
        _(
            "db is averaged over the batch; the loss is a sum over the examples, so the "
            "gradient of the shared b is the sum of da over the batch, not the mean."
        ),
    ),
    Mistake(
        weights_averaged_over_batch,
        _(
            "The weight gradients are averaged over the batch. The loss here is a sum over the "
            "examples, so sum their contributions (h_prev.T @ da already sums over the batch)."
        ),
    ),
    Mistake(
        first_example_only,
        _(
            "Only the first example of the batch counts in your weight gradients. The weights "
            "are shared by all examples: h_prev.T @ da sums over the whole batch."
        ),
    ),
]


def check_rnn_step_backward(fn) -> CheckResult:
    """Check `fn(dh, h_prev, h, x, W_hh) -> (dh_prev, dW_hh, dW_xh, db)` for a tanh step."""
    return check_function(
        fn,
        reference_step,
        STEP_CASES,
        exercise="rnn_step_backward",
        mistakes=STEP_MISTAKES,
        hint=_(
            "Work in two stages: da = dh * (1 - h**2) (through tanh), then "
            "the three products of a = h_prev @ W_hh + x @ W_xh + b. Check "
            "each result's shape against the docstring."
        ),
    )


# --- exercise 2: accumulate dL/dW_hh over the steps ------------------------------------------


def bptt_case(T: int, batch: int, n_hidden: int, n_in: int, seed: int):
    """(dh_T, hs, xs, W_hh, W_xh): a tanh RNN run forward from a random h_0, a loss at step T."""
    rng = np.random.default_rng(seed)
    params = rnn.init_rnn(n_in, n_hidden, radius=1.2, seed=rng)
    params["b"] = 0.1 * rng.standard_normal(n_hidden)
    xs = rng.standard_normal((T, batch, n_in))
    h0 = np.tanh(rng.standard_normal((batch, n_hidden)))
    hs, _ = rnn.rnn_forward(xs, h0, params, "tanh")
    dh_T = rng.standard_normal((batch, n_hidden))
    return dh_T, hs, xs, params["W_hh"], params["W_xh"]


BPTT_CASES = [bptt_case(6, 2, 5, 3, seed=0), bptt_case(4, 1, 3, 2, seed=1)]


def reference_bptt(dh_T, hs, xs, W_hh, W_xh):
    """dL/dW_hh by ``rnn.rnn_backward``, with the loss's gradient dh_T at the last step only."""
    dhs = np.zeros((len(xs), *dh_T.shape))
    dhs[-1] = dh_T
    cache = rnn.RNNCache(xs, hs, pre=None, activation="tanh")  # rnn_backward reads no `pre`
    params = {"W_hh": W_hh, "W_xh": W_xh, "b": np.zeros(W_hh.shape[0])}
    return rnn.rnn_backward(dhs, cache, params)[2]["W_hh"]


def last_contribution_only(dh_T, hs, xs, W_hh, W_xh):
    dh = dh_T
    for t in reversed(range(len(xs))):
        step = rnn.rnn_step_backward(dh, hs[t], hs[t + 1], xs[t], W_hh, W_xh)
        dW_hh = step.dW_hh  # replaced, not added
        dh = step.dh_prev
    return dW_hh


def last_step_only(dh_T, hs, xs, W_hh, W_xh):
    t = len(xs) - 1
    return rnn.rnn_step_backward(dh_T, hs[t], hs[t + 1], xs[t], W_hh, W_xh).dW_hh


def gradient_not_passed_back(dh_T, hs, xs, W_hh, W_xh):
    dW_hh = np.zeros_like(W_hh)
    for t in reversed(range(len(xs))):
        dW_hh += rnn.rnn_step_backward(dh_T, hs[t], hs[t + 1], xs[t], W_hh, W_xh).dW_hh
    return dW_hh


def forward_in_time(dh_T, hs, xs, W_hh, W_xh):
    dW_hh, dh = np.zeros_like(W_hh), dh_T
    for t in range(len(xs)):
        step = rnn.rnn_step_backward(dh, hs[t], hs[t + 1], xs[t], W_hh, W_xh)
        dW_hh += step.dW_hh
        dh = step.dh_prev
    return dW_hh


def states_off_by_one(dh_T, hs, xs, W_hh, W_xh):
    dW_hh, dh = np.zeros_like(W_hh), dh_T
    for t in reversed(range(len(xs))):
        step = rnn.rnn_step_backward(dh, hs[t - 1], hs[t], xs[t], W_hh, W_xh)
        dW_hh += step.dW_hh
        dh = step.dh_prev
    return dW_hh


BPTT_MISTAKES = [
    Mistake(
        last_contribution_only,
        _(
            "Your dW_hh is the contribution of ONE step only: the last one your loop computed "
            "(t = 1). W_hh is used at every step, so its gradient is the SUM of all steps' "
            "contributions: dW_hh += step.dW_hh."
        ),
    ),
    Mistake(
        last_step_only,
        _(
            "Only the last step (where the loss is) contributes. W_hh was also used at steps "
            "1..T-1, and the loss depends on it through each of them: loop over every step "
            "from T down to 1, adding each step's dW_hh."
        ),
    ),
    Mistake(
        gradient_not_passed_back,
        _(
            "The gradient is not passed back: at each step, dh must become step.dh_prev "
            "(dL/dh_{t-1}) before you go one step further back. As written, every step "
            "reuses dL/dh_T."
        ),
    ),
    Mistake(
        forward_in_time,
        _(
            "The loop runs forward in time. The gradient flows backward: start at t = T "
            "(with dh_T) and go down to t = 1: for t in reversed(range(T))."
        ),
    ),
    Mistake(
        states_off_by_one,
        _(
            "The states are off by one. hs[0] is h_0, so step t (0-based index t into xs) "
            "goes from h_prev = hs[t] to h = hs[t + 1]."
        ),
    ),
]


def check_bptt_dW_hh(fn) -> CheckResult:
    """Check `fn(dh_T, hs, xs, W_hh, W_xh) -> dL/dW_hh` for a loss at the last step."""
    return check_function(
        fn,
        reference_bptt,
        BPTT_CASES,
        exercise="bptt_dW_hh",
        mistakes=BPTT_MISTAKES,
        hint=_(
            "Start with dW_hh = np.zeros_like(W_hh) and dh = dh_T; for t "
            "from T-1 down to 0 call rnn.rnn_step_backward(dh, hs[t], "
            "hs[t + 1], xs[t], W_hh, W_xh), add its dW_hh and continue "
            "with its dh_prev."
        ),
    )


# --- exercise 3: predict the gradient at lag k -----------------------------------------------

PREDICT_T, PREDICT_RADIUS, PREDICT_LAG = 100, 0.7, 20


def check_gradient_prediction(guess) -> CheckResult:
    """Is `guess` within a factor of 10 of the linear RNN's measured gradient at lag 20?"""
    profile = rnn.gradient_vs_lag(PREDICT_T, PREDICT_RADIUS, "linear")  # seed 0
    return check_estimate(
        guess,
        float(profile.norms[PREDICT_LAG]),
        exercise=_("gradient at lag 20"),
        factor=10.0,
        explanation=_(
            "A linear RNN multiplies the gradient by the same matrix at every step, so in the "
            "long run it shrinks by the spectral radius per step: rho^k = "
            "{radius}^{lag} = {power:.2g}. The measured "
            "value is a few times smaller: the gradient starts in a random direction, and "
            "its parts along W's other eigenvectors shrink faster than rho per step."
        ).format(radius=PREDICT_RADIUS, lag=PREDICT_LAG, power=PREDICT_RADIUS**PREDICT_LAG),
    )
