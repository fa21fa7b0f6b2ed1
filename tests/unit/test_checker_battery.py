"""Every checker of the course, tried with wrong answers as a learner would write them.

(a) each checker's own catalogue of typical mistakes fails, with its hint;
(b) generic wrong answers fail with a message that names the problem: a def with the wrong
    number of arguments, complex values, a transposed output, a list, None or a single number
    instead of arrays, a guess that is not one positive number;
(c) the wrong answers that the checkers once accepted: an exact boundary the cases avoided,
    a parameter the same in every case, an axis never varied, and an O(n^2) computation
    where the exercise asks for the O(n) order.
"""

import math

import numpy as np
import pytest

from course_utils import attention, complexity
from course_utils import efficient_attention as efficient
from course_utils.activations import sigmoid_prime, tanh_prime
from course_utils.chain import steps_to_shrink
from course_utils.checks import Mistake, Status
from course_utils.exercises import (
    lesson00,
    lesson01,
    lesson02,
    lesson03,
    lesson04,
    lesson05,
    lesson06,
    lesson07,
    lesson08,
    lesson09,
    lesson10,
    lesson11,
)
from course_utils.gradcheck import derivative_central
from course_utils.mlp import dense_backward

LESSONS = (lesson00, lesson01, lesson02, lesson03, lesson04, lesson05, lesson06, lesson07,
           lesson08, lesson09, lesson10, lesson11)  # fmt: skip

# name -> (checker, a right answer, its typical mistakes), for each checker of a function
FUNCTION_CHECKERS = {
    "steps_to_shrink": (lesson00.check_steps_to_shrink, steps_to_shrink, lesson00.MISTAKES),
    "sigmoid_prime": (lesson01.check_sigmoid_prime, sigmoid_prime, lesson01.SIGMOID_MISTAKES),
    "tanh_prime": (lesson01.check_tanh_prime, tanh_prime, lesson01.TANH_MISTAKES),
    "central_diff": (lesson01.check_central_diff, derivative_central, lesson01.DIFF_MISTAKES),
    "layer_backward": (lesson02.check_layer_backward, dense_backward, lesson02.MISTAKES),
    "rnn_step_backward": (
        lesson03.check_rnn_step_backward,
        lesson03.reference_step,
        lesson03.STEP_MISTAKES,
    ),
    "bptt_dW_hh": (lesson03.check_bptt_dW_hh, lesson03.reference_bptt, lesson03.BPTT_MISTAKES),
    "wall_bias": (lesson04.check_wall_bias, lesson04.reference_wall_bias, lesson04.WALL_MISTAKES),
    "clip_by_global_norm": (
        lesson04.check_clip_by_global_norm,
        lesson04.reference_clip,
        lesson04.CLIP_MISTAKES,
    ),
    "batchnorm_forward": (
        lesson04.check_batchnorm_forward,
        lesson04.reference_batchnorm,
        [Mistake(fn, hint) for fn, hint, _ in lesson04.BN_MISTAKES.values()],
    ),
    "lstm_step_forward": (
        lesson05.check_lstm_step_forward,
        lesson05.reference_step,
        lesson05.STEP_MISTAKES,
    ),
    "cell_path_products": (
        lesson05.check_cell_path_products,
        lesson05.reference_path,
        lesson05.PATH_MISTAKES,
    ),
    "agreement_labels": (
        lesson06.check_agreement_labels,
        lesson06.reference_labels,
        lesson06.LABEL_MISTAKES,
    ),
    "stable_softmax": (
        lesson07.check_stable_softmax,
        lesson07.reference_softmax,
        lesson07.SOFTMAX_MISTAKES,
    ),
    "attention": (
        lesson07.check_attention,
        lesson07.reference_attention,
        lesson07.ATTENTION_MISTAKES,
    ),
    "context": (lesson08.check_context, lesson08.reference_context, lesson08.CONTEXT_MISTAKES),
    "modified_precision": (
        lesson08.check_modified_precision,
        lesson08.reference_precision,
        lesson08.PRECISION_MISTAKES,
    ),
    "positional_encoding": (
        lesson09.check_positional_encoding,
        lesson09.reference_encoding,
        lesson09.ENCODING_MISTAKES,
    ),
    "block": (lesson09.check_block, lesson09.reference_block, lesson09.BLOCK_MISTAKES),
    "linear_attention": (
        lesson10.check_linear_attention,
        lesson10.reference_linear_attention,
        lesson10.LINEAR_MISTAKES,
    ),
    "window_mask": (
        lesson10.check_window_mask,
        lesson10.reference_window_mask,
        lesson10.WINDOW_MISTAKES,
    ),
    "patchify": (lesson10.check_patchify, lesson10.reference_patchify, lesson10.PATCH_MISTAKES),
    "next_token_loss": (
        lesson11.check_next_token_loss,
        lesson11.reference_loss,
        lesson11.LOSS_MISTAKES,
    ),
    "cached_step": (lesson11.check_cached_step, lesson11.reference_step, lesson11.STEP_MISTAKES),
    "sampling_distribution": (
        lesson11.check_sampling_distribution,
        lesson11.reference_sampling,
        lesson11.SAMPLING_MISTAKES,
    ),
}

# "rouge" looks at "red"; "horse", at the same position, is the tempting wrong answer.
READING = lesson08.Reading(
    source=("the", "red", "horse"),
    target=("le", "cheval", "rouge"),
    weights=np.array([[0.8, 0.1, 0.1], [0.1, 0.2, 0.7], [0.1, 0.6, 0.3]]),
    row=2,
)

# name -> checker, for the predict-then-measure checkers (a guess: one positive number)
ESTIMATE_CHECKERS = {
    "ratio_guess": lesson02.check_ratio_guess,
    "gradient_prediction": lesson03.check_gradient_prediction,
    "cell_path_prediction": lesson05.check_cell_path_prediction,
    "memory_prediction": lesson09.check_memory_prediction,
}


def test_the_tables_hold_every_checker():
    defined = {
        fn
        for lesson in LESSONS
        for name, fn in vars(lesson).items()
        if name.startswith("check_") and fn.__module__ == lesson.__name__
    }
    tested = {checker for checker, _, _ in FUNCTION_CHECKERS.values()}
    tested |= set(ESTIMATE_CHECKERS.values())
    tested |= {lesson06.check_forget_bias, lesson08.check_alignment}  # tested further down
    assert defined == tested and len(defined) == 31


@pytest.mark.parametrize("name", FUNCTION_CHECKERS)
def test_the_right_answer_passes(name):
    checker, right, _ = FUNCTION_CHECKERS[name]
    assert checker(right).passed


# ----------------------------------------------------------------------------- (a) mistakes


@pytest.mark.parametrize(
    ("checker", "mistake"),
    [
        pytest.param(checker, mistake, id=f"{name}-{k}")
        for name, (checker, _, mistakes) in FUNCTION_CHECKERS.items()
        for k, mistake in enumerate(mistakes)
    ],
)
def test_each_typical_mistake_fails_with_its_hint(checker, mistake):
    with np.errstate(all="ignore"):
        result = checker(mistake.fn)
    assert not result.passed
    assert mistake.hint in result.message


# ----------------------------------------------------------------------------- (b) generic


def _first_call(checker) -> tuple:
    """The arguments a checker passes to the learner's function first."""
    seen = []

    def spy(*args):
        seen.append(args)
        raise NotImplementedError

    checker(spy)
    return seen[0]


def _takes(count: int):
    """A function with `count` parameters (and a def line), as a learner would define it."""
    scope = {}
    exec(f"def answer({', '.join(f'x{i}' for i in range(count))}):\n    return 0.0", scope)
    return scope["answer"]


@pytest.mark.parametrize("name", FUNCTION_CHECKERS)
@pytest.mark.parametrize("extra", [-1, 1])
def test_a_def_with_the_wrong_number_of_arguments_is_named(name, extra):
    checker = FUNCTION_CHECKERS[name][0]
    count = len(_first_call(checker))
    result = checker(_takes(count + extra))
    assert result.status is Status.ERROR
    assert f"your function takes {count + extra} argument" in result.message
    assert f"the exercise calls it with {count}" in result.message
    assert "def line (line 1" in result.message


def steps(s):
    return 1


def test_the_signature_message_quotes_the_learners_def_line():
    message = lesson00.check_steps_to_shrink(steps).message
    assert "your function takes 1 argument, steps(s)" in message
    assert "calls it with 2, (s, threshold)" in message
    assert "def steps(s):" in message


def test_functions_that_take_any_arguments_are_called():
    assert lesson00.check_steps_to_shrink(lambda *args: steps_to_shrink(*args)).passed
    assert lesson01.check_tanh_prime(np.tanh).status is Status.WRONG_VALUES  # a ufunc


def _all_but(*names):
    return [name for name in FUNCTION_CHECKERS if name not in names]


def _changed(value, change):
    """`change` applied to each array or number in a function's output (a tuple or one value)."""
    if isinstance(value, tuple):
        return tuple(_changed(v, change) for v in value)
    return change(value) if isinstance(value, (np.ndarray, int, float)) else value


def _answer(right, change):
    """A wrong answer: the right one with `change` applied to its output."""
    return lambda *args: _changed(right(*args), change)


def _generic(name, change):
    checker, right, _ = FUNCTION_CHECKERS[name]
    return checker(_answer(right, change))


@pytest.mark.parametrize("name", FUNCTION_CHECKERS)
def test_complex_values_are_named(name):
    result = _generic(name, lambda v: v + 0j)
    assert result.status is Status.WRONG_DTYPE
    assert "complex" in result.message and "expected real numbers" in result.message


# A number of steps, a precision and a loss are single numbers; labels and a distribution are
# 1-D: none can be transposed.
@pytest.mark.parametrize(
    "name",
    _all_but(
        "steps_to_shrink",
        "agreement_labels",
        "modified_precision",
        "next_token_loss",
        "sampling_distribution",
    ),
)
def test_a_transposed_output_is_named(name):
    result = _generic(name, lambda v: v.T if np.ndim(v) > 1 else v)
    assert not result.passed and "ransposed" in result.message


# A list of labels, or a list of rows for a mask, is accepted by design; a number of steps and
# a precision and a loss are numbers.
@pytest.mark.parametrize(
    "name",
    _all_but(
        "steps_to_shrink",
        "agreement_labels",
        "window_mask",
        "modified_precision",
        "next_token_loss",
    ),
)
def test_a_list_instead_of_an_array_is_named(name):
    result = _generic(name, lambda v: v.tolist() if isinstance(v, np.ndarray) else v)
    assert result.status is Status.WRONG_TYPE and "got list" in result.message


@pytest.mark.parametrize("name", FUNCTION_CHECKERS)
def test_none_asks_for_a_return(name):
    result = FUNCTION_CHECKERS[name][0](lambda *args: None)
    assert result.status is Status.NOT_ATTEMPTED and "return" in result.message


@pytest.mark.parametrize(
    "name", _all_but("steps_to_shrink", "modified_precision", "next_token_loss")
)
def test_a_single_number_instead_of_arrays_is_named(name):
    result = FUNCTION_CHECKERS[name][0](lambda *args: 0.5)
    assert result.status in (Status.WRONG_SHAPE, Status.WRONG_TYPE)
    assert "single number" in result.message or "tuple of" in result.message


@pytest.mark.parametrize("name", ESTIMATE_CHECKERS)
@pytest.mark.parametrize(
    ("guess", "status", "named"),
    [
        ("1e-5", Status.WRONG_TYPE, "got str"),
        ([1e-5], Status.WRONG_TYPE, "got list"),
        (np.array([1e-5, 2e-5]), Status.WRONG_TYPE, "one number"),
        (1e-5 + 2e-6j, Status.WRONG_DTYPE, "complex number"),
        (np.sqrt(np.complex128(-1e-5)), Status.WRONG_DTYPE, "complex dtype"),
        (math.nan, Status.WRONG_VALUES, "positive number"),
        (-1e-5, Status.WRONG_VALUES, "positive number"),
        (None, Status.NOT_ATTEMPTED, "Replace the `...`"),
    ],
)
def test_a_guess_that_is_not_one_positive_number_is_named(name, guess, status, named):
    result = ESTIMATE_CHECKERS[name](guess)
    assert result.status is status and named in result.message


@pytest.mark.parametrize("bias", ["3", [3.0], 3 + 0j, math.nan, math.inf, 1e9, None])
def test_a_forget_bias_that_is_not_one_reasonable_number_fails_before_training(bias):
    assert not lesson06.check_forget_bias(bias).passed


@pytest.mark.parametrize(
    ("answer", "status", "named"),
    [
        ("horse", Status.WRONG_VALUES, "monotone guess"),
        ("the", Status.WRONG_VALUES, "Read the row of 'rouge'"),
        ("rouge", Status.WRONG_VALUES, "not a word of the English sentence"),
        (1, Status.WRONG_TYPE, "a word in quotes"),
        (["red"], Status.WRONG_TYPE, "a word in quotes"),
        (None, Status.NOT_ATTEMPTED, "Replace the `...`"),
    ],
)
def test_a_wrong_reading_of_the_alignment_is_named(answer, status, named):
    assert lesson08.check_alignment(" Red ", READING).passed
    result = lesson08.check_alignment(answer, READING)
    assert result.status is status and named in result.message


# ----------------------------------------------------------------------------- (c) once passed


def _ceil_of_logs(s, threshold):
    return math.ceil(math.log(threshold) / math.log(s))


def _loop_to_at_most(s, threshold):
    k, value = 0, 1.0
    while value > threshold:  # stops at s**k <= threshold: one step early on the boundary
        k, value = k + 1, value * s
    return k


def _softmax_axis_1(x):
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _attention_over_2(Q, K, V, mask=None):
    scores = Q @ K.T / 2.0  # sqrt(d_k) for d_k = 4 only
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    weights = attention.softmax(scores, axis=-1)
    return weights @ V, weights


def _patchify_4(image, p):
    H, W = image.shape
    return image.reshape(H // 4, 4, W // 4, 4).transpose(0, 2, 1, 3).reshape(-1, 16)


def _linear_attention_n_by_n(Q, K, V):
    A = efficient.elu_plus_one(Q) @ efficient.elu_plus_one(K).T  # (n, n)
    return (A / A.sum(axis=1, keepdims=True)) @ V


def _batchnorm_eps_fixed_in_eval(x, gamma, beta, mean, var, momentum, eps, training):
    if not training:
        return gamma * (x - mean) / np.sqrt(var + 1e-5) + beta, mean.copy(), var.copy()
    return lesson04.reference_batchnorm(x, gamma, beta, mean, var, momentum, eps, training)


def _encoding_rows_up_to_d_model(n, d_model):
    pos = np.arange(d_model)[:n, None]  # right only while n <= d_model
    angle = pos / 10000 ** (np.arange(0, d_model, 2) / d_model)
    pe = np.zeros((len(pos), d_model))
    pe[:, 0::2], pe[:, 1::2] = np.sin(angle), np.cos(angle)
    return pe


def _precision_one_gram_short(candidate, reference, n):
    """Right, except that it misses the last n-gram of a candidate of exactly n words."""
    if len(candidate) == n:
        return 0.0
    return lesson08.reference_precision(candidate, reference, n)


def _precision_one_if_no_gram(candidate, reference, n):
    """Right, except that a candidate with no n-gram scores 1 (nothing was wrong)."""
    if len(candidate) < n:
        return 1.0
    return lesson08.reference_precision(candidate, reference, n)


def _precision_of_unigrams_for_n_up_to_3(candidate, reference, n):
    """Right for n <= 3 only: the longest n-grams are never tried."""
    return lesson08.reference_precision(candidate, reference, min(n, 3))


def _loss_of_a_plain_softmax(logits, tokens):
    p = np.exp(logits[:, :-1])  # no maximum taken out: exp overflows for large logits
    p = p / p.sum(axis=-1, keepdims=True)
    return -np.log(np.take_along_axis(p, tokens[:, 1:, None], axis=-1)).mean()


def _cached_step_over_2(q, k, v, K, V):
    K, V = np.vstack([K, k]), np.vstack([V, v])
    w = attention.softmax(K @ q / 2.0)  # sqrt(d_k) for d_k = 4 only
    return w @ V, K, V


def _distribution_of_a_plain_softmax(logits, temperature, top_k):
    z = logits / temperature
    if top_k is not None:
        z = np.where(z >= np.sort(z)[-top_k], z, -np.inf)
    e = np.exp(z)  # no maximum taken out
    return e / e.sum()


ONCE_PASSED = {
    "ceil of the ratio of logs": (
        lesson00.check_steps_to_shrink,
        _ceil_of_logs,
        Status.WRONG_VALUES,
        "lands exactly on the threshold",
    ),
    "a loop that stops at s**k <= threshold": (
        lesson00.check_steps_to_shrink,
        _loop_to_at_most,
        Status.WRONG_VALUES,
        "lands exactly on the threshold",
    ),
    "softmax along axis 1": (
        lesson07.check_stable_softmax,
        _softmax_axis_1,
        Status.WRONG_VALUES,
        "axis 1, which is the last axis only of a 2-D array",
    ),
    "attention scaled by a hard-coded 2": (
        lesson07.check_attention,
        _attention_over_2,
        Status.WRONG_VALUES,
        "The scale is hard-coded",
    ),
    "patchify by reshape(-1, p * p)": (
        lesson10.check_patchify,
        lambda image, p: image.reshape(-1, p * p),
        Status.WRONG_VALUES,
        "Reshaping without a transpose",
    ),
    "patchify with p hard-coded to 4": (
        lesson10.check_patchify,
        _patchify_4,
        Status.WRONG_SHAPE,
        "Your patches are 4 x 4 whatever p is",
    ),
    "linear attention through an n x n matrix": (
        lesson10.check_linear_attention,
        _linear_attention_n_by_n,
        Status.WRONG_METHOD,
        "an (n, n) array is formed",
    ),
    "batch norm with eps hard-coded in evaluation mode": (
        lesson04.check_batchnorm_forward,
        _batchnorm_eps_fixed_in_eval,
        Status.WRONG_VALUES,
        "In evaluation mode, the output y",
    ),
    "precision that misses the n-gram of an n-word candidate": (
        lesson08.check_modified_precision,
        _precision_one_gram_short,
        Status.WRONG_VALUES,
        "expected 1, got 0",
    ),
    "precision of 1 for a candidate with no n-gram": (
        lesson08.check_modified_precision,
        _precision_one_if_no_gram,
        Status.WRONG_VALUES,
        "expected 0, got 1",
    ),
    "precision that never tries 4-grams": (
        lesson08.check_modified_precision,
        _precision_of_unigrams_for_n_up_to_3,
        Status.WRONG_VALUES,
        "expected 0.5",
    ),
    "next-token loss through a plain softmax": (
        lesson11.check_next_token_loss,
        _loss_of_a_plain_softmax,
        Status.NOT_FINITE,
        "NaN/inf",
    ),
    "a cached step scaled by a hard-coded 2": (
        lesson11.check_cached_step,
        _cached_step_over_2,
        Status.WRONG_VALUES,
        "sqrt(d_k)",
    ),
    "a sampling distribution through a plain softmax": (
        lesson11.check_sampling_distribution,
        _distribution_of_a_plain_softmax,
        Status.NOT_FINITE,
        "NaN/inf",
    ),
    "positional encoding with at most d_model rows": (
        lesson09.check_positional_encoding,
        _encoding_rows_up_to_d_model,
        Status.WRONG_SHAPE,
        "should have shape (10, 6)",
    ),
}


@pytest.mark.parametrize("name", ONCE_PASSED)
def test_wrong_answers_that_once_passed_fail(name):
    checker, answer, status, named = ONCE_PASSED[name]
    result = checker(answer)
    assert result.status is status and named in result.message


@pytest.mark.parametrize("bytes_per_number", [8, 2])
def test_memory_guess_with_the_wrong_bytes_per_number_fails(bytes_per_number):
    guess = bytes_per_number * lesson09.MEMORY_N**2 / 1e6  # exactly 2 times off
    assert lesson09.check_memory_prediction(guess).status is Status.WRONG_VALUES


def test_linear_attention_reports_the_memory_of_the_right_order():
    result = lesson10.check_linear_attention(lesson10.reference_linear_attention)
    assert result.passed and "no (n, n) array" in result.message
    quadratic_bytes = complexity.peak_bytes(_linear_attention_n_by_n, *lesson10.MEMORY_CASE)
    linear_bytes = complexity.peak_bytes(lesson10.reference_linear_attention, *lesson10.MEMORY_CASE)
    assert linear_bytes < lesson10.MEMORY_LIMIT / 3 and quadratic_bytes > 10 * lesson10.MEMORY_LIMIT
