"""Checkers for lesson 04's exercises: where the cliff's wall stands, clipping by global norm,
and batch norm with running statistics.

Each typical mistake is a complete wrong function (in ``WALL_MISTAKES``, ``CLIP_MISTAKES`` and
``BN_MISTAKES``), so that the tests can feed it to the checker and see its hint come back.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from course_utils.activations import sigmoid, sigmoid_prime
from course_utils.checks import (
    CheckResult,
    Mistake,
    Status,
    Tolerance,
    check_function,
    describe,
    finish,
    is_stub,
)
from course_utils.clipping import clip_grad_norm
from course_utils.i18n import _
from course_utils.normalization import batchnorm_forward
from course_utils.rnn import wall_bias

# ============================================================================ exercise 1

# (w, x0) for wall_bias(w, x0). The first case is an array that is not square (so a
# transposed or a single-number answer shows) with x0 = 0.25, where every mistake below gives
# its own answer; then the lesson's x0 = 0.5, negative and large x0, and two exact
# boundaries: x0 = 0, where the guess -w/2 happens to be right (and w = 4 = 1 / sigmoid'(0)),
# and w = 1 / sigmoid'(2), below which x0 = 2 could not be the unstable fixed point.
WALL_CASES = [
    (np.array([[4.5, 5.0, 6.0], [8.0, 10.0, 20.0]]), 0.25),
    (6.0, 0.5),
    (6.0, -1.0),
    (8.0, 1.5),
    (np.array([4.0, 5.0, 12.0]), 0.0),
    (float(1 / sigmoid_prime(2.0)), 2.0),
]


def reference_wall_bias(w, x0):
    """The course's rnn.wall_bias: b* = x0 - w sigmoid(x0)."""
    return wall_bias(w, x0)


WALL_MISTAKES = [
    Mistake(
        lambda w, x0: -w / 2,
        _(
            "-w/2 is b* only when x0 = 0 (sigmoid(0) = 1/2), and it is not where a saddle-node "
            "bifurcation happens either. Put the fixed point at the start: x0 = w sigmoid(x0) + "
            "b, and solve for b."
        ),
    ),
    Mistake(
        lambda w, x0: w * sigmoid(x0) - x0,
        _("The sign is flipped. From x0 = w sigmoid(x0) + b, b = x0 - w sigmoid(x0)."),
    ),
    Mistake(
        lambda w, x0: sigmoid(x0) - w * x0,
        _(
            "sigmoid and x0 are swapped: the map multiplies sigmoid(x) by w and adds b, "
            "f(x) = w sigmoid(x) + b, so b = x0 - w sigmoid(x0)."
        ),
    ),
    Mistake(
        lambda w, x0: -w * sigmoid(x0),
        _(
            "x0 is missing: a fixed point satisfies x* = f(x*), so x0 stands on the left of "
            "x0 = w sigmoid(x0) + b."
        ),
    ),
    Mistake(
        lambda w, x0: x0 - w * sigmoid_prime(x0),
        _(
            "You used sigmoid'(x0), the slope. The fixed-point equation uses the value: "
            "x0 = w sigmoid(x0) + b (the slope w sigmoid'(x0) only says whether x0 is stable)."
        ),
    ),
    Mistake(
        lambda w, x0: np.log(x0 / (1 - x0)) - w * x0,
        _(
            "You solved x0 = sigmoid(w x0 + b), the RNN of lesson 03. This lesson's unit is "
            "Pascanu et al.'s x_t = w sigmoid(x_{t-1}) + b: solve x0 = w sigmoid(x0) + b."
        ),
    ),
    Mistake(
        lambda w, x0: 0.5 - w * sigmoid(0.5),
        _("Your answer is right for x0 = 0.5 only: use the argument x0."),
    ),
]


def check_wall_bias(fn) -> CheckResult:
    """Check `fn(w, x0)`: the bias b* = x0 - w sigmoid(x0), for numbers and arrays w."""
    return check_function(
        fn,
        reference_wall_bias,
        WALL_CASES,
        exercise="wall_bias",
        mistakes=WALL_MISTAKES,
        hint=_(
            "A fixed point x* satisfies x* = w sigmoid(x*) + b. Set x* = x0 and solve for "
            "b; use numpy operations (sigmoid from course_utils.activations) so that an array w "
            "works too."
        ),
    )


# ============================================================================ exercise 2

# clip_grad_norm divides by (norm + 1e-6), as torch does; the plain max_norm / norm of
# Pascanu et al. differs from it by less than 1e-6 relative on these inputs.
CLIP_TOLERANCE = Tolerance(rtol=1e-5, atol=1e-12)


def _clip_cases() -> list[tuple[list[np.ndarray], float]]:
    """Inputs on which every mistake below differs from the right answer.

    1: global norm ~6.6 > 1, one big array and two small ones (per-array clipping leaves the
       small ones alone; the sum of squares is ~44, not ~6.6);
    2: global norm ~2.2 < 5: nothing may change;
    3: global norm ~3.4 > 2 with entries above 2 (element-wise clipping cuts them).
    """
    rng = np.random.default_rng(4)
    big = [
        2.0 * rng.standard_normal((3, 4)),
        0.1 * rng.standard_normal(4),
        0.5 * rng.standard_normal(2),
    ]
    small = [0.5 * rng.standard_normal((2, 3)), 0.5 * rng.standard_normal(3)]
    medium = [np.array([[2.5, -0.3], [0.2, 0.1]]), np.array([-2.2, 0.4, 0.05])]
    return [(big, 1.0), (small, 5.0), (medium, 2.0)]


CLIP_CASES = _clip_cases()


def reference_clip(grads: Sequence[np.ndarray], max_norm: float) -> tuple[np.ndarray, ...]:
    """The course's clipping.clip_grad_norm, as a tuple of arrays."""
    return tuple(clip_grad_norm(list(grads), max_norm)[0])


def _scaled(grads, coef):
    return tuple(g * coef for g in grads)


def _per_array(grads, max_norm):
    return tuple(g * min(1.0, max_norm / np.linalg.norm(g)) for g in grads)


def _elementwise(grads, max_norm):
    return tuple(np.clip(g, -max_norm, max_norm) for g in grads)


def _always(grads, max_norm):
    total = np.sqrt(sum(np.sum(g**2) for g in grads))
    return _scaled(grads, max_norm / total)


def _no_sqrt(grads, max_norm):
    total = sum(np.sum(g**2) for g in grads)
    return _scaled(grads, max_norm / total) if total > max_norm else tuple(grads)


def _sum_of_norms(grads, max_norm):
    total = sum(np.linalg.norm(g) for g in grads)
    return _scaled(grads, max_norm / total) if total > max_norm else tuple(grads)


CLIP_MISTAKES = [
    Mistake(
        _per_array,
        _(
            "You clipped each array by its own norm. Clipping by the GLOBAL norm treats all "
            "the arrays as one long vector: one norm sqrt(sum of every entry squared), and "
            "the same factor max_norm / norm for every array, so the direction is kept."
        ),
    ),
    Mistake(
        _elementwise,
        _(
            "You clipped each entry to [-max_norm, max_norm] (np.clip). That is element-wise "
            "clipping: it cuts the big entries and keeps the small ones, so it turns the "
            "gradient. Rescale all entries by one factor instead."
        ),
    ),
    Mistake(
        _always,
        _(
            "You rescaled even though the global norm was already below max_norm, which makes "
            "small gradients bigger. Only rescale when norm > max_norm; otherwise return the "
            "gradients unchanged."
        ),
    ),
    Mistake(
        _no_sqrt,
        _(
            "Your 'norm' is the sum of squares: take its square root, "
            "norm = sqrt(sum over arrays of np.sum(g**2))."
        ),
    ),
    Mistake(
        _sum_of_norms,
        _(
            "You added the arrays' norms. The global norm is sqrt(||g_1||^2 + ||g_2||^2 + ...), "
            "which is smaller than ||g_1|| + ||g_2|| + ..."
        ),
    ),
]


def _copying(fn: Callable) -> Callable:
    """fn called on a copy of the list, so that in-place edits cannot touch the test inputs."""
    if is_stub(fn) or not callable(fn):
        return fn

    @functools.wraps(fn)
    def call(grads, max_norm):
        return fn([g.copy() for g in grads], max_norm)

    return call


def check_clip_by_global_norm(fn) -> CheckResult:
    """Check `fn(grads, max_norm)`: the list of arrays rescaled to global norm <= max_norm."""
    return check_function(
        _copying(fn),
        reference_clip,
        CLIP_CASES,
        exercise="clip_by_global_norm",
        mistakes=CLIP_MISTAKES,
        tol=CLIP_TOLERANCE,
        hint=_(
            "Return a list with one array per input array (the clipped gradients, not the "
            "norm): norm = sqrt(sum of g**2 over every entry of every array); if norm > "
            "max_norm, multiply every array by max_norm / norm."
        ),
    )


# ============================================================================ exercise 3

BN_ARGS = ("x", "gamma", "beta", "running_mean", "running_var", "momentum", "eps", "training")


def _bn_cases() -> tuple[list[tuple], list[tuple]]:
    """(training cases, evaluation cases), each a tuple of batchnorm_forward's 8 arguments.

    x is never square (6 x 4, 3 x 5, 5 x 3, 1 x 4), so normalising the wrong axis shows;
    features have different means and scales, one with a tiny spread so that eps matters;
    gamma != 1, beta != 0, momentum != 0.5 (so that swapping its roles shows), and running
    statistics far from the batch's (so that using the wrong ones shows). eps and momentum
    differ between the cases of each mode, so that a hard-coded value shows in both modes.
    """
    rng = np.random.default_rng(7)

    def case(x, momentum, eps, training):
        features = x.shape[1]
        gamma, beta = rng.uniform(0.5, 2, features), rng.standard_normal(features)
        running_mean, running_var = rng.standard_normal(features), rng.uniform(0.5, 2, features)
        return (x, gamma, beta, running_mean, running_var, momentum, eps, training)

    train = []
    for batch, features, momentum, eps in ((6, 4, 0.1, 1e-3), (3, 5, 0.3, 1e-5)):
        centre = rng.uniform(-3, 3, features)
        spread = rng.uniform(0.5, 3, features)
        spread[0] = 0.05
        train.append(
            case(centre + spread * rng.standard_normal((batch, features)), momentum, eps, True)
        )
    evaluation = []
    for batch, features, momentum, eps in ((5, 3, 0.2, 1e-3), (1, 4, 0.1, 1e-5)):
        centre, spread = rng.uniform(-3, 3, features), rng.uniform(0.5, 3)
        x = centre + spread * rng.standard_normal((batch, features))
        evaluation.append(case(x, momentum, eps, False))
    return train, evaluation


BN_TRAIN_CASES, BN_EVAL_CASES = _bn_cases()


def reference_batchnorm(x, gamma, beta, running_mean, running_var, momentum, eps, training):
    """The course's normalization.batchnorm_forward, as a plain tuple (y, mean, var)."""
    return tuple(
        batchnorm_forward(x, gamma, beta, running_mean, running_var, momentum, eps, training)
    )


def _standardise(x, mean, var, eps):
    return (x - mean) / np.sqrt(var + eps)


def _track(old, batch_value, momentum):
    """A running statistic after one batch: (1 - momentum) old + momentum batch_value."""
    return (1 - momentum) * old + momentum * batch_value


# Each wrong batch norm below gets one thing wrong and the rest right: it starts from the
# reference and replaces one output. Its arguments are batchnorm_forward's, with mean and var
# the running statistics.


def normalised_over_features(x, gamma, beta, mean, var, momentum, eps, training):
    y, new_mean, new_var = reference_batchnorm(x, gamma, beta, mean, var, momentum, eps, training)
    if training:
        mu, sigma2 = x.mean(axis=1, keepdims=True), x.var(axis=1, keepdims=True)
        y = gamma * _standardise(x, mu, sigma2, eps) + beta
    return y, new_mean, new_var


def without_gamma_beta(x, gamma, beta, mean, var, momentum, eps, training):
    y, new_mean, new_var = reference_batchnorm(x, gamma, beta, mean, var, momentum, eps, training)
    if training:
        y = _standardise(x, x.mean(axis=0), x.var(axis=0), eps)
    return y, new_mean, new_var


def normalised_with_unbiased_variance(x, gamma, beta, mean, var, momentum, eps, training):
    y, new_mean, new_var = reference_batchnorm(x, gamma, beta, mean, var, momentum, eps, training)
    if training:
        y = gamma * _standardise(x, x.mean(axis=0), x.var(axis=0, ddof=1), eps) + beta
    return y, new_mean, new_var


def running_statistics_in_training(x, gamma, beta, mean, var, momentum, eps, training):
    y, new_mean, new_var = reference_batchnorm(x, gamma, beta, mean, var, momentum, eps, training)
    if training:
        y = gamma * _standardise(x, mean, var, eps) + beta
    return y, new_mean, new_var


def eps_outside_the_root(x, gamma, beta, mean, var, momentum, eps, training):
    y, new_mean, new_var = reference_batchnorm(x, gamma, beta, mean, var, momentum, eps, training)
    if training:
        y = gamma * (x - x.mean(axis=0)) / (np.sqrt(x.var(axis=0)) + eps) + beta
    return y, new_mean, new_var


def divided_by_the_variance(x, gamma, beta, mean, var, momentum, eps, training):
    y, new_mean, new_var = reference_batchnorm(x, gamma, beta, mean, var, momentum, eps, training)
    if training:
        y = gamma * (x - x.mean(axis=0)) / (x.var(axis=0) + eps) + beta
    return y, new_mean, new_var


def biased_running_variance(x, gamma, beta, mean, var, momentum, eps, training):
    y, new_mean, new_var = reference_batchnorm(x, gamma, beta, mean, var, momentum, eps, training)
    if training:
        new_var = _track(var, x.var(axis=0), momentum)
    return y, new_mean, new_var


def momentum_swapped(x, gamma, beta, mean, var, momentum, eps, training):
    y, new_mean, new_var = reference_batchnorm(x, gamma, beta, mean, var, momentum, eps, training)
    if training:
        new_mean = _track(mean, x.mean(axis=0), 1 - momentum)
        new_var = _track(var, x.var(axis=0, ddof=1), 1 - momentum)
    return y, new_mean, new_var


def statistics_not_updated(x, gamma, beta, mean, var, momentum, eps, training):
    y, _, _ = reference_batchnorm(x, gamma, beta, mean, var, momentum, eps, training)
    return y, np.array(mean), np.array(var)


def batch_statistics_in_evaluation(x, gamma, beta, mean, var, momentum, eps, training):
    y, new_mean, new_var = reference_batchnorm(x, gamma, beta, mean, var, momentum, eps, training)
    if not training:
        y = gamma * _standardise(x, x.mean(axis=0), x.var(axis=0), eps) + beta
    return y, new_mean, new_var


def updated_in_evaluation(x, gamma, beta, mean, var, momentum, eps, training):
    y, new_mean, new_var = reference_batchnorm(x, gamma, beta, mean, var, momentum, eps, training)
    if not training:
        unbiased = x.var(axis=0, ddof=1) if len(x) > 1 else x.var(axis=0)
        new_mean, new_var = _track(mean, x.mean(axis=0), momentum), _track(var, unbiased, momentum)
    return y, new_mean, new_var


#: name -> (complete wrong function, hint, the part of the output it gets wrong)
BN_MISTAKES: dict[str, tuple[Callable, str, str]] = {
    "features axis": (
        normalised_over_features,
        _(
            "You normalised each example over its features (axis=1): that is layer norm. Batch "
            "norm standardises each FEATURE over the BATCH: mean and variance along axis 0, one "
            "value per column."
        ),
        "train_y",
    ),
    "no gamma, beta": (
        without_gamma_beta,
        _(
            "You returned the standardised x-hat. Batch norm then applies the learned scale and "
            "shift: y = gamma * x_hat + beta (that is why its outputs need not have mean 0, std 1)."
        ),
        "train_y",
    ),
    "unbiased to normalise": (
        normalised_with_unbiased_variance,
        _(
            "Normalise with the BIASED batch variance (divide by n, np.var's default), as Ioffe & "
            "Szegedy and torch do. The unbiased one (divide by n - 1) is only for the running "
            "estimate."
        ),
        "train_y",
    ),
    "running stats in training": (
        running_statistics_in_training,
        _(
            "In training mode, normalise with the statistics of THIS batch; the running "
            "statistics are only updated, and used in evaluation mode."
        ),
        "train_y",
    ),
    "eps outside sqrt": (
        eps_outside_the_root,
        _("eps goes inside the square root: (x - mean) / sqrt(var + eps)."),
        "train_y",
    ),
    "variance not std": (
        divided_by_the_variance,
        _("Divide by the standard deviation sqrt(var + eps), not by the variance."),
        "train_y",
    ),
    "biased running var": (
        biased_running_variance,
        _(
            "The running variance tracks the UNBIASED batch variance (divide by n - 1, "
            "np.var(x, axis=0, ddof=1)), as torch.nn.BatchNorm1d does, even though the batch "
            "itself is normalised with the biased one."
        ),
        "train_stats",
    ),
    "momentum swapped": (
        momentum_swapped,
        _(
            "momentum is the weight of the NEW batch statistic: new = (1 - momentum) * old + "
            "momentum * batch (torch's convention, the opposite of an optimiser's momentum)."
        ),
        "train_stats",
    ),
    "stats not updated": (
        statistics_not_updated,
        _(
            "In training mode, return UPDATED running statistics: new = (1 - momentum) * old + "
            "momentum * batch statistic."
        ),
        "train_stats",
    ),
    "batch stats in eval": (
        batch_statistics_in_evaluation,
        _(
            "In evaluation mode, normalise with the RUNNING statistics, not the batch's: at test "
            "time an example's output must not depend on which other examples share its batch "
            "(and a batch may hold a single example)."
        ),
        "eval_y",
    ),
    "updated in eval": (
        updated_in_evaluation,
        _(
            "In evaluation mode the running statistics must come back unchanged: only training "
            "updates them."
        ),
        "eval_stats",
    ),
}

_PARTS = {  # part -> (cases, which outputs, what the message calls it)
    "train_y": ("train", (0,), _("training mode, the output y")),
    "train_stats": ("train", (1, 2), _("training mode, the new running mean and variance")),
    "eval_y": ("eval", (0,), _("evaluation mode, the output y")),
    "eval_stats": ("eval", (1, 2), _("evaluation mode, the running mean and variance returned")),
}

_BN_HINTS = {
    "train_y": _(
        "y = gamma * (x - mean) / sqrt(var + eps) + beta, with the mean and the biased "
        "variance of each feature over the batch (axis 0)."
    ),
    "train_stats": _(
        "Return new_running_mean = (1 - momentum) * running_mean + momentum * mean "
        "and the same for the variance, with the unbiased batch variance; one "
        "entry per feature."
    ),
    "eval_y": _("y = gamma * (x - running_mean) / sqrt(running_var + eps) + beta."),
    "eval_stats": _("Return the running statistics unchanged in evaluation mode."),
}


def _select(out: Any, which: tuple[int, ...]) -> Any:
    if is_stub(out) or not isinstance(out, (tuple, list)) or len(out) != 3:
        return out
    return out[which[0]] if len(which) == 1 else tuple(out[i] for i in which)


def _part_fn(fn: Callable, which: tuple[int, ...]) -> Callable:
    """fn's outputs `which` (keeping fn's signature, for the checker's signature message)."""
    if is_stub(fn) or not callable(fn):
        return fn
    return functools.wraps(fn)(lambda *args: _select(fn(*args), which))


def _structure_problem(fn: Callable, cases: list[tuple]) -> str:
    """A message if fn returns something other than a 3-tuple on some case, else ''."""
    for args in cases:
        copies = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
        try:
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                out = fn(*copies)
        except Exception:  # reported with its line by check_function
            return ""
        if is_stub(out):
            return ""
        if not isinstance(out, (tuple, list)) or len(out) != 3:
            if args[-1]:
                message = _("In training mode your function returned {value}.")
            else:
                message = _("In evaluation mode your function returned {value}.")
            return (
                message.format(value=describe(out))
                + " "
                + _(
                    "It should return a tuple of three arrays, "
                    "(y, new_running_mean, new_running_var), in both modes."
                )
            )
    return ""


def check_batchnorm_forward(fn) -> CheckResult:
    """Check `fn(x, gamma, beta, running_mean, running_var, momentum, eps, training)`.

    Checked in four parts, so that each mistake is named where it shows: the training-mode
    output, the updated running statistics, the evaluation-mode output, and the running
    statistics returned in evaluation mode.
    """
    exercise = "batchnorm_forward"
    cases = {"train": BN_TRAIN_CASES, "eval": BN_EVAL_CASES}
    if callable(fn) and not is_stub(fn):
        problem = _structure_problem(fn, BN_TRAIN_CASES + BN_EVAL_CASES)
        if problem:
            return finish(CheckResult(exercise, Status.WRONG_TYPE, problem))
    for part, (case_key, which, what) in _PARTS.items():
        mistakes = [
            Mistake(_part_fn(f, which), hint)
            for f, hint, where in BN_MISTAKES.values()
            if where == part
        ]
        result = check_function(
            _part_fn(fn, which),
            _part_fn(reference_batchnorm, which),
            cases[case_key],
            exercise=exercise,
            mistakes=mistakes,
            hint=_BN_HINTS[part],
        )
        if not result.passed:
            if result.status is Status.NOT_ATTEMPTED:
                return result
            return CheckResult(
                exercise,
                result.status,
                _("In {part}: {message}").format(part=what, message=result.message),
            )
    n = len(BN_TRAIN_CASES) + len(BN_EVAL_CASES)
    return finish(
        CheckResult(
            exercise,
            Status.CORRECT,
            _("Passed all {count} test inputs, in training and evaluation mode.").format(count=n),
        )
    )
