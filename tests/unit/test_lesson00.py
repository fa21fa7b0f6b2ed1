"""Lesson 00: the product slider, its compute function, and the warm-up checker."""

import math
import warnings

import numpy as np
import pytest

from course_utils.chain import describe_change, repeated_product, steps_to_shrink
from course_utils.checks import Status
from course_utils.exercises import lesson00 as ex
from course_utils.lessons import lesson00


def test_products_quoted_in_the_lesson():
    printed = {s: f"{s**50:.3g}" for s in (0.25, 0.9, 1.0, 1.1)}  # the lesson's cell
    assert printed == {0.25: "7.89e-31", 0.9: "0.00515", 1.0: "1", 1.1: "117"}
    # "about half a percent", "less than 1e-30", "more than a hundredfold"
    assert 0.004 < 0.9**50 < 0.006 and 0.25**50 < 1e-30 and 1.1**50 > 100
    for s in printed:  # the slider computes the same in log space
        assert repeated_product(s, 50).values[-1] == pytest.approx(s**50, rel=1e-12)


def test_repeated_product_overflows_and_underflows_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        big = repeated_product(1e10, 50)
        tiny = repeated_product(1e-10, 50)
    assert big.overflowed and np.isinf(big.values[-1])
    assert tiny.values[-1] == 0.0 and not tiny.overflowed
    assert describe_change(big.values[-1]) == "overflows float64"
    assert describe_change(0.0) == "underflows to exactly 0 in float64"


def test_repeated_product_rejects_negative_factor():
    with pytest.raises(ValueError, match=">= 0"):
        repeated_product(-0.5, 10)


def test_steps_to_shrink_reference():
    assert steps_to_shrink(0.5, 0.3) == 2  # the lesson's worked example
    assert steps_to_shrink(0.9, 0.01) == 44
    assert steps_to_shrink(0.25, 1e-30) == 50
    for s, t in ex.CASES:
        k = steps_to_shrink(s, t)
        assert s**k < t <= s ** (k - 1)


def test_checker_accepts_right_answers_and_catches_each_mistake():
    right = lambda s, t: math.floor(math.log(t) / math.log(s)) + 1  # noqa: E731
    assert ex.check_steps_to_shrink(right).passed
    assert ex.check_steps_to_shrink(steps_to_shrink).passed
    for mistake in ex.MISTAKES:
        result = ex.check_steps_to_shrink(mistake.fn)
        assert result.status is Status.WRONG_VALUES, mistake.hint
        assert mistake.hint in result.message


def test_product_slider_moves_headlessly():
    app = lesson00.product_slider()
    first_png = app.png
    app.set(s=0.5)
    assert app.readout_text.startswith("s = 0.50: s^50 = 8.88e-16")
    assert "shrinks" in app.readout_text
    assert app.png != first_png
    updates = app.updates
    app.set(s=1.5)
    assert app.updates == updates + 1 and "grows" in app.readout_text


def test_product_sweep_has_one_panel_per_setting():
    fig = lesson00.product_sweep()
    assert len(fig.axes) == 4
    assert fig.axes[0].get_title().startswith("s = 0.25")
