"""House-style helpers: log axes that stay safe near float64's limits, overflow markers."""

import warnings

import numpy as np
import pytest

from course_utils import plots


def test_log_axis_limits_round_and_clamped():
    low, high, ticks = plots.log_axis_limits(np.array([3e-26, 1.0]), np.array([np.inf, 2e24]))
    assert low == 1e-30 and high == 1e30
    np.testing.assert_allclose(ticks, 10.0 ** np.arange(-30, 31, 10))
    low, high, ticks = plots.log_axis_limits(np.array([1e-320, 1e307]))
    assert low == 1e-300 and high == 1e300 and len(ticks) <= 7
    low, high, _ = plots.log_axis_limits(np.array([np.nan, 0.0]))
    assert low < 1 < high


def test_gradient_vs_distance_marks_overflow_and_underflow_without_warnings():
    fig, axes = plots.figure()
    ax = axes[0, 0]
    norms = np.array([1.0, 1e-3, 0.0, np.inf])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        plots.gradient_vs_distance(ax, np.arange(4), norms, label="rnn")
        plots.png_bytes(fig)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "overflow" in labels and "underflow to 0" in labels


def test_steady_log_limits_keep_the_axis_while_the_data_fit_and_fill_it():
    fig, axes = plots.figure(1)
    ax = axes[0, 0]
    ax.set_yscale("log")
    low, high, ticks = plots.steady_log_limits(ax, np.array([1e-20, 1.0]))
    assert (low, high) == plots.log_axis_limits(np.array([1e-20, 1.0]))[:2]
    ax.set_ylim(low, high)
    ax.set_yticks(ticks)
    kept = plots.steady_log_limits(ax, np.array([1e-15, 1.0]))  # fits, fills 3/4 of it
    assert kept[:2] == (low, high) and list(kept[2]) == list(ticks)
    assert plots.steady_log_limits(ax, np.array([1e-5, 1.0]))[:2] != (low, high)  # too small
    assert plots.steady_log_limits(ax, np.array([1e-25, 1.0]))[:2] != (low, high)  # too big
    assert plots.steady_log_limits(ax, np.array([1e-15, 1e3]))[1] >= 1e3  # over the top
    ax.set_yscale("linear")  # a linear axis: nothing to keep
    fresh = plots.log_axis_limits(np.array([1e-15, 1.0]))[:2]
    assert plots.steady_log_limits(ax, np.array([1e-15, 1.0]))[:2] == fresh != (low, high)


def test_nice_ceiling_steps_and_exact_boundaries():
    assert [plots.nice_ceiling(v) for v in (1, 1.01, 1.5, 2.9, 3, 4, 7.5, 7.6, 99, 100)] == [
        1, 2, 2, 3, 3, 5, 7.5, 10, 100, 100,
    ]  # fmt: skip
    assert plots.nice_ceiling(0.3) == pytest.approx(0.3) and plots.nice_ceiling(999) == 1000
    for value in np.geomspace(0.01, 1e4, 200):  # the data's end spans >= 1/2 of the axis
        assert value <= plots.nice_ceiling(value) <= 2 * value * (1 + 1e-9)
