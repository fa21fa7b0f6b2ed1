"""The checker machinery reports each outcome, and catches each typical mistake."""

import numpy as np
import pytest

from course_utils import checks
from course_utils.checks import Mistake, Status, check_estimate, check_function, check_value

X = np.array([-3.0, -0.5, 0.0, 0.7, 4.0])


def square(x):
    return x**2


def run(fn, **kwargs):
    return check_function(fn, square, [(X,)], exercise="square", **kwargs)


def test_correct_answer_is_accepted():
    result = run(lambda x: x * x)
    assert result.status is Status.CORRECT and result.passed
    assert "Passed all 1 test inputs" in str(result)


@pytest.mark.parametrize("answer", [None, ...])
def test_placeholder_is_not_attempted(answer):
    assert run(answer).status is Status.NOT_ATTEMPTED


def test_stub_raising_not_implemented_is_not_attempted():
    def stub(x):
        raise NotImplementedError("Exercise: replace this line with your code")

    assert run(stub).status is Status.NOT_ATTEMPTED


def test_missing_return_is_not_attempted_and_says_return():
    def forgot_return(x):
        x**2  # noqa: B018

    result = run(forgot_return)
    assert result.status is Status.NOT_ATTEMPTED
    assert "return" in result.message


def test_exception_is_reported_with_type_message_and_line():
    def broken(x):
        y = x**2
        return y + np.zeros(3)  # shapes (5,) and (3,) do not broadcast

    result = run(broken)
    assert result.status is Status.ERROR
    assert "ValueError" in result.message
    assert "return y + np.zeros(3)" in result.message and "line" in result.message


def test_wrong_type():
    result = run(lambda x: list(x**2))
    assert result.status is Status.WRONG_TYPE and "list" in result.message


def test_wrong_shape_mentions_transpose():
    data = np.arange(6.0).reshape(2, 3)
    result = check_function(lambda a: a.T, lambda a: a, [(data,)], exercise="identity")
    assert result.status is Status.WRONG_SHAPE
    assert "(2, 3)" in result.message and "(3, 2)" in result.message
    assert "Transposed" in result.message


def test_wrong_dtype():
    result = run(lambda x: (x**2).astype(np.float32))
    assert result.status is Status.WRONG_DTYPE and "float64" in result.message


def test_nan_is_reported_with_index():
    def with_nan(x):
        y = x**2
        y[3] = np.nan
        return y

    result = run(with_nan)
    assert result.status is Status.NOT_FINITE and "(3,)" in result.message


def test_runtime_warning_is_unstable_even_if_values_are_right():
    def overflowing(x):
        np.exp(np.array([1000.0]))  # overflows, result discarded
        return x**2

    result = run(overflowing)
    assert result.status is Status.UNSTABLE and "overflow" in result.message


def test_wrong_values_report_first_difference_and_errors():
    result = run(lambda x: x**2 + (x > 0))
    assert result.status is Status.WRONG_VALUES
    assert "first at index (3,)" in result.message
    assert "expected 0.49" in result.message and "got 1.49" in result.message
    assert "Max abs error 1" in result.message


def test_known_mistake_gets_its_own_hint():
    mistakes = [Mistake(lambda x: 2 * x, "you differentiated instead of squaring")]
    result = run(lambda x: 2 * x, mistakes=mistakes, hint="general hint")
    assert "you differentiated" in result.message and "general hint" not in result.message
    other = run(lambda x: 3 * x, mistakes=mistakes, hint="general hint")
    assert "general hint" in other.message


def test_not_a_function():
    assert run(42).status is Status.WRONG_TYPE


def test_learner_cannot_modify_the_inputs_seen_by_the_reference():
    def mutating(x):
        x[:] = 0
        return x

    assert run(mutating).status is Status.WRONG_VALUES
    assert X[0] == -3.0


def test_check_value_outcomes():
    assert check_value(..., 3.0, exercise="v").status is Status.NOT_ATTEMPTED
    assert check_value(3.0, 3.0, exercise="v").passed
    assert check_value(np.ones((2, 2)), np.ones((2, 3)), exercise="v").status is Status.WRONG_SHAPE
    assert check_value("3", 3.0, exercise="v").status is Status.WRONG_TYPE
    assert check_value((1.0, 2.0), (1.0, 2.5), exercise="v").status is Status.WRONG_VALUES


def test_check_estimate_judges_on_a_log_scale():
    assert check_estimate(..., 1e-9, exercise="e").status is Status.NOT_ATTEMPTED
    assert check_estimate(3e-9, 1e-9, exercise="e").passed
    far = check_estimate(1e-3, 1e-9, exercise="e", explanation="because")
    assert far.status is Status.WRONG_VALUES and "too large" in far.message
    assert "because" in far.message
    assert check_estimate(-1.0, 1e-9, exercise="e").status is Status.WRONG_VALUES
    assert check_estimate([1, 2], 1e-9, exercise="e").status is Status.WRONG_TYPE


def test_strict_mode_raises_on_anything_but_correct(monkeypatch):
    monkeypatch.setenv("COURSE_REQUIRE_CORRECT", "1")
    with pytest.raises(AssertionError, match="not attempted"):
        run(None)
    assert run(lambda x: x * x).passed


def test_demo_shows_a_wrong_answer_even_in_strict_mode(monkeypatch):
    monkeypatch.setenv("COURSE_REQUIRE_CORRECT", "1")
    checker = lambda fn: run(fn)  # noqa: E731
    assert checks.demo(checker, lambda x: x).status is Status.WRONG_VALUES
    with pytest.raises(AssertionError, match="demo of a wrong answer passed"):
        checks.demo(checker, lambda x: x * x)


def test_result_renders_as_html_with_status():
    html = run(lambda x: x)._repr_html_()
    assert 'data-status="WRONG_VALUES"' in html
