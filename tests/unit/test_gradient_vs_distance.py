"""course_utils.gradient_vs_distance: an RNN's gradient against the lag (lessons 03 and 04),
and the course's whole argument in one figure."""

import math

import numpy as np
import pytest
import torch
from helpers import assert_close, no_warnings

from course_utils import gradient_vs_distance, lstm, plots, rnn
from course_utils.attention import init_attention
from course_utils.gradcheck import relative_error
from course_utils.gradient_vs_distance import (
    attention_gradient_vs_distance,
    attention_input_jacobian,
)

# --- an RNN's gradient against the time lag -------------------------------------------------


def test_lag_profile_reads_the_rnn_profile():
    res = gradient_vs_distance.lag_profile(100, 0.9, "tanh")
    np.testing.assert_array_equal(res.profile.norms, rnn.gradient_vs_lag(100, 0.9, "tanh").norms)
    assert res.T == 100 and res.scaling == "radius" and res.undefined_from is None
    assert res.slope == res.profile.slope() == pytest.approx(-0.58, abs=0.01)
    assert res.bound_slope == pytest.approx(math.log(res.profile.sigma_max), rel=1e-12)
    assert res.regime == "vanishing"


def test_regimes():
    """tanh: vanishing at radius 1, level at 2, exploding at 3 (T = 100); the state of the
    ReLU RNN at radius 4 overflows over 1000 steps, so its gradient is undefined."""
    with no_warnings():
        regimes = [gradient_vs_distance.lag_profile(100, r, "tanh").regime for r in (1, 2, 3)]
        relu = gradient_vs_distance.lag_profile(1000, 4.0, "relu")
    assert regimes == ["vanishing", "at the boundary", "exploding"]
    assert relu.regime == "overflow" and relu.undefined_from == 1 and math.isnan(relu.slope)


def test_slope_keeps_gradients_past_float64s_range():
    """A linear RNN without input: the gradient grows like 3^k past 1e308 and the slope,
    fitted on the log-norms, is still log 3; the readout gives the power of ten."""
    with no_warnings():
        profile = rnn.gradient_vs_lag(1000, 3.0, "linear", input_scale=0.0)
    assert np.isinf(profile.norms[-1])
    assert profile.slope() == pytest.approx(math.log(3.0), abs=0.01)
    res = gradient_vs_distance.LagResult("linear", "radius", profile, profile.slope(), "exploding")
    text = gradient_vs_distance.readout_lag(res)
    assert "e+47" in text and "past float64's maximum (1.8e308) from lag" in text  # 3^999
    _, axes = plots.figure()
    with no_warnings():
        gradient_vs_distance.draw_lag(axes[0], res)
    assert "overflow" in [t.get_text() for t in axes[0, 0].get_legend().get_texts()]


def test_readout_names_an_underflow():
    text = gradient_vs_distance.readout_lag(gradient_vs_distance.lag_profile(1000, 0.5, "tanh"))
    assert "below float64's smallest number (▼)" in text and "e-49" in text


@pytest.mark.parametrize("scaling", ["radius", "spectral"])
def test_never_warns_or_fails_over_the_sliders_ranges(scaling):
    """Every corner of lessons 03's and 04's controls: compute, readout and redraw."""
    _, axes = plots.figure()
    with no_warnings():
        for T in (10, 1000):
            for radius in (0.1, 4.0):
                for activation in ("tanh", "sigmoid", "relu", "leaky_relu", "linear"):
                    res = gradient_vs_distance.lag_profile(T, radius, activation, scaling)
                    assert gradient_vs_distance.readout_lag(res).startswith(activation)
                    plots.clear_artists(axes[0, 0])
                    gradient_vs_distance.draw_lag(axes[0], res)
                    assert plots.png_bytes(axes[0, 0].figure)


def test_power_of_ten_format():
    power_of_ten = gradient_vs_distance.power_of_ten
    assert power_of_ten(math.log(3e-26)) == "3e-26"
    assert power_of_ten(math.log(1.49e-25)) == "1.5e-25"
    assert power_of_ten(math.log(10) * 350.2) == "1.6e+350"
    assert power_of_ten(math.log(9.96e5)) == "1e+6"
    assert power_of_ten(math.log(0.25)) == "0.25"
    assert power_of_ten(math.log(0.0071)) == "0.0071"
    assert power_of_ten(math.log(230.4)) == "230"
    assert power_of_ten(-math.inf) == "0" and power_of_ten(math.inf) == "inf"


def test_slope_table():
    table = gradient_vs_distance.slope_table((0.5, 3.0), ("linear", "tanh"), T=50)
    assert list(table) == [("linear", 0.5), ("linear", 3.0), ("tanh", 0.5), ("tanh", 3.0)]
    assert table["linear", 3.0].profile.rho == pytest.approx(3.0)


# --- the whole argument ----------------------------------------------------------------------


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


def test_figure_draws_the_curves():
    fig = gradient_vs_distance.whole_argument_figure(gradient_vs_distance.whole_argument())
    ax = fig.axes[0]
    assert ax.get_yscale() == "log" and ax.get_title() and ax.get_xlabel()
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert len(labels) == 5 and "not the gradient" in labels[3]


# --- gradient_vs_distance: the gradient through one attention layer ---------------------------


@pytest.mark.parametrize("T", [1, 6])
def test_attention_input_jacobian_vs_autograd(T):
    d = 5
    rng = np.random.default_rng(T)
    X = rng.standard_normal((T, d))
    params = init_attention(d, 1, seed=rng)
    J = attention_input_jacobian(X, params, margin=1.5)
    Wq, Wk, Wv = (torch.tensor(params[w]) for w in ("W_q", "W_k", "W_v"))

    def y_last(x1):
        Xt = torch.cat([x1[None], torch.tensor(X[1:])])
        s = Xt @ Wk @ (Xt[-1] @ Wq) / np.sqrt(d)
        s = s + torch.tensor([1.5] + [0.0] * (T - 1), dtype=torch.float64)
        return torch.softmax(s, 0) @ (Xt @ Wv)

    ref = torch.autograd.functional.jacobian(y_last, torch.tensor(X[0])).numpy()
    if T == 1:  # x_1 is also the query; the softmax over one key is constant
        assert_close(J, params["W_v"].T, rtol=1e-14)
    assert relative_error(J, ref) < 1e-12


def test_attention_gradient_decays_polynomially():
    """Diffuse attention dilutes the gradient like 1/T (slope -1 on log-log), not exponentially."""
    profile = attention_gradient_vs_distance(seed=0)
    # measured: 1.52 at T = 8, 4.4e-3 at T = 2048, slope -1.06
    assert np.all(np.diff(profile.norms) < 0)
    assert -1.15 < profile.slope < -0.9
    assert 1.0 < profile.norms[0] < 2.0 and 2e-3 < profile.norms[-1] < 8e-3
    assert np.all(
        (0.5 < profile.alpha_first * profile.lengths)
        & (profile.alpha_first * profile.lengths < 1.5)
    )
    # an exponential decay would keep steepening: the per-step log-decay rate shrinks with T
    rates = -np.diff(np.log(profile.norms)) / np.diff(profile.lengths)
    assert np.all(np.diff(rates) < 0)
    slopes = [attention_gradient_vs_distance(seed=s).slope for s in (1, 2, 3)]
    assert all(-1.15 < s < -0.9 for s in slopes)


def test_a_learned_focus_keeps_the_gradient():
    profile = attention_gradient_vs_distance(margin=8.0, seed=0)
    # measured: alpha 0.998 at T = 8 and 0.55 at T = 2048 (e^8 ~ 3000 keys' worth)
    assert profile.alpha_first[0] > 0.99 and 0.4 < profile.alpha_first[-1] < 0.7
    assert profile.norms[-1] > profile.norms[0] / 2 and profile.slope > -0.15
