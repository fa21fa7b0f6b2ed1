"""course_utils.story: the course's whole argument in one figure."""

import numpy as np
import pytest
from helpers import no_warnings

from course_utils import story


def test_curves_start_at_one_and_cover_distances_1_to_100():
    c = story.whole_argument()
    np.testing.assert_array_equal(c.distances, np.arange(1, 101))
    for name, norms in c.norms.items():
        assert norms.shape == (100,), name
        assert norms[0] == pytest.approx(1.0), name


def test_three_exponential_decays_and_one_dilution():
    """The factors the lesson prints (0.24, 0.56, 0.73 per step; attention 2 % at 100)."""
    c = story.whole_argument()
    factors = story.decay_per_step(c)
    assert factors["mlp"] == pytest.approx(0.238, abs=0.005)
    assert factors["rnn"] == pytest.approx(0.556, abs=0.005)
    assert factors["lstm"] == pytest.approx(0.730, abs=0.005)
    assert factors["mlp"] < factors["rnn"] < factors["lstm"] < factors["attention"]
    assert c.norms["mlp"][-1] == pytest.approx(9.2e-63, rel=0.05)
    assert c.norms["attention"][-1] == pytest.approx(0.018, abs=0.001)
    # attention ~ 1/distance, not exponential: log-log slope near -1 over distances 10..100
    d = c.distances[9:]
    slope = np.polyfit(np.log(d), np.log(c.norms["attention"][9:]), 1)[0]
    assert -1.3 < slope < -0.7


def test_settings_move_only_their_curve():
    base, other = story.whole_argument(), story.whole_argument(radius=1.2, forget_bias=3.0)
    np.testing.assert_array_equal(base.norms["mlp"], other.norms["mlp"])
    np.testing.assert_array_equal(base.norms["attention"], other.norms["attention"])
    assert other.norms["rnn"][-1] > base.norms["rnn"][-1]
    assert other.norms["lstm"][-1] > 1e6 * base.norms["lstm"][-1]  # bias 3: nearly flat
    # the lesson: "about 5 % per step instead of 27 %" (factors 0.95 and 0.73)
    assert story.decay_per_step(other)["lstm"] == pytest.approx(0.953, abs=0.005)


def test_cached_curves_are_read_only():
    c = story.whole_argument()
    with pytest.raises(ValueError):
        c.norms["rnn"][0] = 2.0


def test_extremes_without_warnings():
    with no_warnings():
        for radius in (0.1, 1.5):
            for bias in (-2.0, 6.0):
                c = story.whole_argument(radius, bias)
                assert all(np.all(np.isfinite(v)) for v in c.norms.values())


def test_figure_needs_no_arguments():
    fig = story.whole_argument_figure()
    ax = fig.axes[0]
    assert ax.get_yscale() == "log" and ax.get_title() and ax.get_xlabel()
    assert len(ax.get_legend().get_texts()) == 4
