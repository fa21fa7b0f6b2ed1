"""course_utils.gradient_vs_distance: the course's whole argument in one figure."""

import numpy as np
import pytest
from helpers import no_warnings

from course_utils import gradient_vs_distance, lstm


def test_curves_start_at_one_and_cover_distances_1_to_100():
    c = gradient_vs_distance.whole_argument()
    np.testing.assert_array_equal(c.distances, np.arange(1, 101))
    for name, norms in c.norms.items():
        assert norms.shape == (100,), name
        assert norms[0] == pytest.approx(1.0), name


def test_exponential_decays_and_one_dilution():
    """The factors the lesson prints: 0.24 per layer, 0.56 and 0.88 per step, 0.73 for the
    forget gates alone; at distance 100 the MLP 1e-62, the RNN 1e-25, the LSTM 1e-6, its cell
    path 2.6e-14 (ten-million-fold less), attention 2 %."""
    c = gradient_vs_distance.whole_argument()
    factors = gradient_vs_distance.decay_per_step(c)
    assert factors["mlp"] == pytest.approx(0.238, abs=0.005)
    assert factors["rnn"] == pytest.approx(0.556, abs=0.005)
    assert factors["lstm"] == pytest.approx(0.881, abs=0.005)
    assert factors["lstm cell path"] == pytest.approx(0.729, abs=0.005)
    assert factors["mlp"] < factors["rnn"] < factors["lstm"] < factors["attention"]
    last = {name: norms[-1] for name, norms in c.norms.items()}
    assert last["mlp"] == pytest.approx(9.2e-63, rel=0.05)
    assert last["rnn"] == pytest.approx(1.4e-25, rel=0.05)
    assert last["lstm"] == pytest.approx(1.1e-6, rel=0.05)
    assert last["lstm cell path"] == pytest.approx(2.6e-14, rel=0.05)
    assert last["lstm"] > 1e7 * last["lstm cell path"]  # "more than ten-million-fold"
    assert last["attention"] == pytest.approx(0.018, abs=0.001)
    # attention ~ 1/distance, not exponential: log-log slope near -1 over distances 10..100
    d = c.distances[9:]
    slope = np.polyfit(np.log(d), np.log(c.norms["attention"][9:]), 1)[0]
    assert -1.3 < slope < -0.7


def test_settings_move_only_their_curve():
    base, other = (
        gradient_vs_distance.whole_argument(),
        gradient_vs_distance.whole_argument(radius=1.2, forget_bias=3.0),
    )
    np.testing.assert_array_equal(base.norms["mlp"], other.norms["mlp"])
    np.testing.assert_array_equal(base.norms["attention"], other.norms["attention"])
    assert other.norms["rnn"][-1] > base.norms["rnn"][-1]
    # the lesson: with bias 3 the forget gates alone lose "about 5 % per step" (sigmoid(3)),
    # and the whole gradient "stops decaying altogether (it even grows a little)"
    factors = gradient_vs_distance.decay_per_step(other)
    assert factors["lstm cell path"] == pytest.approx(0.955, abs=0.005)
    assert factors["lstm"] == pytest.approx(1.037, abs=0.005)
    assert 1 < other.norms["lstm"][-1] < 100


def test_the_lstm_curve_is_lesson_05s_full_gradient():
    """The LSTM's curves are lesson 05's full BPTT and direct path (same LSTM and seed), each
    relative to lag 1; the full gradient is never below the direct path."""

    res = lstm.full_vs_direct(1.0, T=101)
    full, path = gradient_vs_distance.lstm_curves(1.0)
    np.testing.assert_allclose(full, res.full[1:] / res.full[1])
    np.testing.assert_allclose(path, res.direct[1:] / res.direct[1])
    for bias in (0.0, 1.0, 3.0):  # lesson 05's slopes: -0.43, -0.12, +0.04 per step
        c = gradient_vs_distance.whole_argument(forget_bias=bias)
        assert np.all(c.norms["lstm"] >= c.norms["lstm cell path"])
    rates = {
        b: gradient_vs_distance.decay_per_step(gradient_vs_distance.whole_argument(forget_bias=b))[
            "lstm"
        ]
        for b in (0, 3)
    }
    assert np.log(rates[0]) == pytest.approx(-0.43, abs=0.01)
    assert np.log(rates[3]) == pytest.approx(0.04, abs=0.01)


def test_cached_curves_are_read_only():
    c = gradient_vs_distance.whole_argument()
    with pytest.raises(ValueError):
        c.norms["rnn"][0] = 2.0


def test_extremes_without_warnings():
    with no_warnings():
        for radius in (0.1, 1.5):
            for bias in (-2.0, 6.0):
                c = gradient_vs_distance.whole_argument(radius, bias)
                assert all(np.all(np.isfinite(v)) for v in c.norms.values())


def test_figure_needs_no_arguments():
    fig = gradient_vs_distance.whole_argument_figure()
    ax = fig.axes[0]
    assert ax.get_yscale() == "log" and ax.get_title() and ax.get_xlabel()
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert len(labels) == 5 and "not the gradient" in labels[3]
