"""Lesson 03: every number the lesson states, its checkers, and its slider (headless).

The numbers are what course_utils measures with the lesson's seeds (noted as "measured");
the assertions allow a margin around them.
"""

import math

import numpy as np
import pytest
from helpers import assert_all_different, no_warnings, png

from course_utils import gradient_vs_distance, plots, rnn, tasks
from course_utils.checks import Status
from course_utils.exercises import lesson03 as ex
from course_utils.lessons import lesson03

# --- the forward pass and forgetting ---------------------------------------------------------


def test_forward_cell_shapes_and_bounded_states():
    params = rnn.init_rnn(n_in=64, n_hidden=64, radius=0.9, seed=0)
    x = np.random.default_rng(1).standard_normal((40, 2, 64))
    hs, cache = rnn.rnn_forward(x, None, params, "tanh")
    assert hs.shape == (41, 2, 64)
    assert 0.99 < np.abs(hs).max() < 0.99995  # printed with 5 decimals: 0.99978
    assert cache.pre.std() == pytest.approx(1.13, abs=0.01)  # "spread over about +-1.1"


def test_forgetting_curve_quoted_numbers():
    tanh = lesson03.forgetting_curve(T=40, activation="tanh")
    linear = lesson03.forgetting_curve(T=40, activation="linear")
    assert tanh.distance[0] == 1.0 and linear.distance[0] == 1.0
    assert tanh.distance[-1] < 1e-9  # "less than a billionth" (measured 3.4e-11)
    assert 1e-3 < linear.distance[-1] < 5e-2  # measured 8.9e-3: "much more slowly"
    assert tanh.steps[0] == 1 and len(tanh.steps) == 40


def test_forgetting_curve_linear_difference_follows_w():
    """In a linear RNN the difference evolves as d_t = d_1 @ W_hh^(t-1), whatever the inputs."""
    T = 6
    rng = np.random.default_rng(0)  # the draws of forgetting_curve, in its order
    params = rnn.init_rnn(64, 64, 0.9, seed=rng)
    x = rng.standard_normal((T, 1, 64))
    d1 = (x[0, 0] - rng.standard_normal(64)) @ params["W_xh"]  # h_1 - h'_1, as h_0 = 0
    d = [d1 @ np.linalg.matrix_power(params["W_hh"], t) for t in range(T)]
    expected = np.linalg.norm(d, axis=1) / np.linalg.norm(d1)
    got = lesson03.forgetting_curve(T=T, activation="linear").distance
    np.testing.assert_allclose(got, expected, rtol=1e-10)


# --- BPTT: the weight gradient by lag, and the gradient check --------------------------------


def test_weight_shares_quoted_numbers_and_sum():
    shares = lesson03.weight_gradient_by_lag(T=50, radius=0.9)
    ratio_10 = shares.norms[10] / shares.norms[0]
    ratio_40 = shares.norms[40] / shares.norms[0]
    assert 1e-3 < ratio_10 < 1e-2  # "a few thousandths" (measured 3.3e-3)
    assert ratio_40 < 1e-10  # measured 6.0e-11
    assert shares.norms[-1] == 0.0  # step 1 pairs da with h_0 = 0 (left out of the figure)
    # the parts add up to rnn_backward's dL/dW_hh for the same loss
    rng = np.random.default_rng(0)
    params = rnn.init_rnn(64, 64, 0.9, seed=rng)
    x = rng.standard_normal((50, 1, 64))
    r = rng.standard_normal((1, 64))
    _, cache = rnn.rnn_forward(x, None, params, "tanh")
    dhs = np.zeros((50, 1, 64))
    dhs[-1] = r / np.linalg.norm(r)
    total = rnn.rnn_backward(dhs, cache, params)[2]["W_hh"]
    assert shares.total == pytest.approx(np.linalg.norm(total), rel=1e-12)


def test_truncated_bptt_quoted_numbers_and_definition():
    shares = lesson03.weight_gradient_by_lag(T=50, radius=0.9)
    error = shares.truncation_error
    assert error.shape == (51,) and error[0] == 1.0 and error[-1] == 0.0
    assert 1e-3 < error[10] < 1e-2  # "hardly at all after 10 steps" (measured 3.2e-3)
    assert error[20] < 1e-5  # measured 6.0e-6
    assert np.all(np.diff(error) <= 0)
    # truncated after k steps = full BPTT over the last k steps, from the carried state
    rng = np.random.default_rng(0)
    params = rnn.init_rnn(64, 64, 0.9, seed=rng)
    x = rng.standard_normal((50, 1, 64))
    r = rng.standard_normal((1, 64))
    hs, cache = rnn.rnn_forward(x, None, params, "tanh")
    dhs = np.zeros((50, 1, 64))
    dhs[-1] = r / np.linalg.norm(r)
    full = rnn.rnn_backward(dhs, cache, params)[2]["W_hh"]
    for k in (1, 5, 10):
        _, chunk = rnn.rnn_forward(x[-k:], hs[-k - 1], params, "tanh")
        truncated = rnn.rnn_backward(dhs[-k:], chunk, params)[2]["W_hh"]
        expected = np.linalg.norm(full - truncated) / np.linalg.norm(full)
        assert error[k] == pytest.approx(expected, rel=1e-9)


def test_gradient_check_all_references_agree():
    errors = lesson03.bptt_gradient_check()
    assert set(errors) == {"finite differences", "torch autograd", "torch.nn.RNN"}
    for by_weight in errors.values():
        assert set(by_weight) == {"W_hh", "W_xh", "b"}
        assert max(by_weight.values()) < 1e-7
    # "finite differences are the least precise": measured ~3e-11 against ~1e-16
    assert min(errors["finite differences"].values()) > max(
        max(errors["torch autograd"].values()), max(errors["torch.nn.RNN"].values())
    )


# --- spectral radius, singular value, exercise 3 and the breakdown ---------------------------


def test_lesson_w_is_the_slider_w():
    params = rnn.init_rnn(n_in=64, n_hidden=64, radius=0.9, seed=0)
    p = rnn.gradient_vs_lag(100, 0.9, "tanh", seed=0)
    assert rnn.spectral_radius(params["W_hh"]) == pytest.approx(0.90, abs=1e-9)
    assert np.linalg.norm(params["W_hh"], 2) == pytest.approx(1.77, abs=0.005)
    assert p.sigma_max == pytest.approx(np.linalg.norm(params["W_hh"], 2), rel=1e-12)


def test_exercise_3_measured_value_and_explanation():
    measured = ex.measured_linear_gradient()
    predicted = ex.PREDICT_RADIUS**ex.PREDICT_LAG
    assert measured == pytest.approx(1.83e-4, rel=0.01)
    assert 2 < predicted / measured < 10  # "a few times smaller", within the factor 10
    tanh = ex.measured_linear_gradient(activation="tanh")
    assert tanh == pytest.approx(7.0e-8, rel=0.01)
    assert 1e-4 < tanh / measured < 1e-3  # "between three and four powers of ten" (3.8e-4)


def test_step_breakdown_quoted_numbers():
    tanh = lesson03.step_breakdown(radius=0.7, activation="tanh")
    linear = lesson03.step_breakdown(radius=0.7, activation="linear")
    assert linear.per_step == pytest.approx(0.7, abs=0.01)  # measured 0.699
    assert linear.rho == pytest.approx(0.7, abs=1e-9)
    assert tanh.per_step == pytest.approx(0.448, abs=0.005)
    assert tanh.slope == pytest.approx(0.66, abs=0.01)  # "a factor of about 0.66"
    assert tanh.gain == pytest.approx(0.685, abs=0.005)  # "close to rho"
    assert tanh.estimate == pytest.approx(tanh.per_step, rel=0.02)


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu"])
@pytest.mark.parametrize("radius", [0.5, 0.9, 1.5, 3.0])
def test_slope_times_gain_predicts_the_rate(activation, radius):
    """Measured over these 12 settings (seed 0): |log per_step - log estimate| <= 0.04."""
    b = lesson03.step_breakdown(radius=radius, activation=activation)
    assert abs(math.log(b.per_step) - math.log(b.estimate)) < 0.06


def test_step_breakdown_uses_the_rnn_of_gradient_vs_lag():
    """Rebuild the Jacobians from step_breakdown's draw order: same norms as gradient_vs_lag."""
    T, radius = 12, 1.3
    rng = np.random.default_rng(0)
    params = rnn.init_rnn(64, 64, radius, "radius", 1.0, rng)
    x = rng.standard_normal((T, 1, 64))
    r = rng.standard_normal(64)
    _, cache = rnn.rnn_forward(x, None, params, "tanh")
    g, norms = r / np.linalg.norm(r), [1.0]
    for k in range(1, T):
        g = (g * rnn.get_activation("tanh").df(cache.pre[T - k, 0])) @ params["W_hh"].T
        norms.append(np.linalg.norm(g))
    p = rnn.gradient_vs_lag(T, radius, "tanh", seed=0)
    np.testing.assert_allclose(p.norms, norms, rtol=1e-10)


# --- the slope table and the bound -----------------------------------------------------------


def test_slope_table_quoted_numbers():
    table = lesson03.slope_table()
    assert len(table) == 16
    for r in (0.5, 0.9, 1.5, 3.0):  # "log(rho) to within 0.01" (measured max gap 0.002)
        assert abs(table["linear", r].slope - math.log(r)) < 0.01
    for c in table.values():  # "measured <= bound at every lag of all 16 runs"
        assert np.all(c.profile.log_norms <= c.profile.log_bound + 1e-9)
    t09 = table["tanh", 0.9]
    assert t09.profile.sigma_max == pytest.approx(1.77, abs=0.005)
    assert t09.bound_rate == pytest.approx(0.57, abs=0.005)
    assert t09.slope == pytest.approx(-0.58, abs=0.01)
    assert table["tanh", 1.5].slope < 0 < table["tanh", 1.5].bound_rate  # falls, bound rises
    assert table["tanh", 0.5].bound_rate < 0
    assert table["tanh", 3.0].slope == pytest.approx(0.25, abs=0.01)  # tanh can explode
    s3 = table["sigmoid", 3.0]
    assert s3.profile.sigma_max == pytest.approx(5.90, abs=0.005)
    assert s3.profile.sigma_max > 1 / s3.profile.gamma  # 5.9 > 4 ...
    assert s3.slope == pytest.approx(-0.73, abs=0.01)  # ... and it still vanishes
    assert s3.bound_rate == pytest.approx(0.39, abs=0.005)


def test_sigmoid_below_one_over_gamma_has_a_falling_bound():
    """The slider's suggestion: sigmoid, largest singular value 3 < 1/gamma = 4."""
    res = lesson03.lag_profile(100, 3.0, "sigmoid", scaling="spectral")
    assert res.profile.sigma_max == pytest.approx(3.0, rel=1e-9)
    assert res.bound_rate < 0 and res.slope < res.bound_rate


# --- the cat sentence ------------------------------------------------------------------------


def test_cat_sentence_quoted_numbers():
    cat = gradient_vs_distance.sentence_gradient()
    assert cat.lag == 8
    assert cat.words == tasks.tokenize(lesson03.SENTENCE)[:10] and cat.words[-1] == "was"
    assert cat.norms[-1] == 1.0
    assert cat.fraction == pytest.approx(0.0046, abs=0.0005)  # "about half a percent"
    assert cat.norms[1] == cat.fraction  # 'cat' is word 1
    assert 0.004 < cat.fractions_over_seeds.min() < 0.005  # "between 0.5 %
    assert 0.0125 < cat.fractions_over_seeds.max() < 0.0135  # and 1.3 %"
    assert cat.fractions_over_seeds[0] == cat.fraction
    bowl, of, milk = cat.norms[-4:-1]
    assert round(100 * milk) == 61 and round(100 * of) == 31 and round(100 * bowl) == 14
    fifty = rnn.gradient_vs_lag(50, 0.9, "tanh").norms[49]
    assert 1.5e-13 < fifty < 2.5e-13  # "about 2 x 10^-13" (measured 2.2e-13)


def test_sentence_figure_marks_cat():
    fig = lesson03.sentence_figure()
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()][1] == "cat"
    assert ax.get_yscale() == "log"
    assert "0.46% left" in ax.texts[0].get_text()


# --- the slider ------------------------------------------------------------------------------


def test_slider_default_readout_and_moving():
    app = lesson03.lag_slider()
    assert app.readout_text == (
        "tanh, rho = 0.90 (sigma_max 1.77), T = 100: gradient at lag 99 = 1e-25 of lag 0; "
        "measured slope -0.58/step vs bound log(sigma_max x gamma) = +0.57"
    )
    first = png(app)
    updates = app.updates
    app.set(activation="linear", radius=0.5)
    assert app.updates == updates + 2
    assert app.readout_text.startswith("linear, rho = 0.50 (sigma_max 0.98), T = 100")
    assert "measured slope -0.70/step" in app.readout_text
    assert png(app) != first
    app.set(scaling="spectral")
    assert app.readout_text.startswith("linear, sigma_max = 0.50 (rho ")
    app.set(T=10)
    assert "T = 10: gradient at lag 9 = " in app.readout_text


def test_slider_extreme_settings_show_overflow_without_warnings():
    app = lesson03.lag_slider()
    with no_warnings():
        app.set(activation="relu", radius=3.0, T=lesson03.T_MAX)
    assert app.result.profile.overflowed
    assert app.result.state_overflow_lag == 1
    assert "undefined: the state h_t overflowed float64" in app.readout_text
    assert "measured slope n/a" in app.readout_text
    legend = [t.get_text() for t in app.axes[0].get_legend().get_texts()]
    assert "overflow" in legend
    with no_warnings():
        app.set(T=950)
    assert not app.result.profile.overflowed
    assert "= 4e+304 of lag 0" in app.readout_text  # measured 4.25e304, near float64's edge
    assert "+0.74/step" in app.readout_text


def test_slider_never_warns_or_fails_over_its_range():
    """Every corner of the controls: compute, readout and redraw (as an update does)."""
    app = lesson03.lag_slider()
    with no_warnings():
        for T in (10, lesson03.T_MAX):
            for radius in (0.1, lesson03.RADIUS_MAX):
                for activation in lesson03.ACTIVATIONS:
                    for _, scaling in lesson03.SCALINGS:
                        res = lesson03.lag_profile(T, radius, activation, scaling)
                        assert lesson03.readout_lag(res).startswith(activation)
                        plots.clear_artists(app.axes[0])
                        lesson03.draw_lag(app.axes, res)
                        assert plots.png_bytes(app.figure)


def test_gradient_overflow_to_inf_is_reported():
    """A gradient (not the state) past float64: the readout says so, exponent and all."""
    profile = rnn.gradient_vs_lag(1000, 3.0, "linear", input_scale=0.0)
    res = lesson03.LagResult(
        "linear",
        "radius",
        1000,
        profile,
        rnn.decay_rate(profile.lags, profile.norms),
        math.log(profile.sigma_max),
        None,
    )
    text = lesson03.readout_lag(res)
    assert "(overflows float64)" in text and "e+47" in text  # 3^999 ~ 1e477
    fig_axes = lesson03.lag_slider().axes
    with no_warnings():
        lesson03.draw_lag(fig_axes, res)
    legend = [t.get_text() for t in fig_axes[0].get_legend().get_texts()]
    assert "overflow" in legend


def test_power_of_ten_format():
    assert lesson03._power_of_ten(math.log(3e-26)) == "3e-26"
    assert lesson03._power_of_ten(math.log(10) * 350.2) == "2e+350"
    assert lesson03._power_of_ten(math.log(9.96e5)) == "1e+6"
    assert lesson03._power_of_ten(math.log(0.25)) == "0.25"
    assert lesson03._power_of_ten(-math.inf) == "0"


def test_sweep_has_four_titled_panels():
    fig = lesson03.lag_sweep()
    assert len(fig.axes) == 4
    assert fig.axes[0].get_title().startswith("ρ = 0.5 · slope -1.12 (bound -0.02)")
    assert fig.axes[3].get_title().startswith("ρ = 3.0 · slope +0.25")
    assert all(ax.get_yscale() == "log" for ax in fig.axes)


def test_forgetting_and_shares_figures_are_labelled():
    for fig in (lesson03.forgetting_figure(), lesson03.weight_shares_figure()):
        ax = fig.axes[0]
        assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
        assert ax.get_yscale() == "log"


# --- the checkers ----------------------------------------------------------------------------


def test_step_checker_accepts_the_reference_and_catches_each_mistake():
    assert ex.check_rnn_step_backward(ex.reference_step).passed
    for mistake in ex.STEP_MISTAKES:
        result = ex.check_rnn_step_backward(mistake.fn)
        assert result.status in (Status.WRONG_VALUES, Status.WRONG_SHAPE), mistake.hint
        assert mistake.hint in result.message


def test_step_mistakes_differ_from_each_other_on_the_first_case():
    assert_all_different(ex.reference_step, ex.STEP_MISTAKES, ex.STEP_CASES[0])


def test_step_cases_have_non_symmetric_w_and_equal_shapes_in_case_two():
    for _, h_prev, h, _, W_hh in ex.STEP_CASES:
        assert not np.allclose(W_hh, W_hh.T)
        assert np.abs(h).max() < 1 and np.abs(h_prev).max() < 1
    _, _, _, x, W_hh = ex.STEP_CASES[1]
    assert x.shape[1] == W_hh.shape[0]  # dW_xh has dW_hh's shape here


def test_step_checker_not_attempted_and_errors():
    def stub(*args):
        raise NotImplementedError

    assert ex.check_rnn_step_backward(stub).status is Status.NOT_ATTEMPTED
    assert ex.check_rnn_step_backward(lambda *a: 1 / 0).status is Status.ERROR


def test_bptt_checker_accepts_the_reference_and_catches_each_mistake():
    def solution(dh_T, hs, xs, W_hh, W_xh):
        dW, dh = np.zeros_like(W_hh), dh_T
        for t in reversed(range(len(xs))):
            step = rnn.rnn_step_backward(dh, hs[t], hs[t + 1], xs[t], W_hh, W_xh)
            dW += step.dW_hh
            dh = step.dh_prev
        return dW

    assert ex.check_bptt_dW_hh(solution).passed
    assert ex.check_bptt_dW_hh(ex.reference_bptt).passed
    for mistake in ex.BPTT_MISTAKES:
        result = ex.check_bptt_dW_hh(mistake.fn)
        assert result.status is Status.WRONG_VALUES, mistake.hint
        assert mistake.hint in result.message
    only_last = ex.check_bptt_dW_hh(ex.BPTT_MISTAKES[0].fn)
    assert "ONE step only" in only_last.message


def test_bptt_reference_matches_autograd():
    import torch

    dh_T, hs, xs, W_hh, W_xh = ex.BPTT_CASES[0]
    tW = torch.tensor(W_hh, requires_grad=True)
    b = np.arctanh(hs[1]) - hs[0] @ W_hh - xs[0] @ W_xh  # recover the bias from step 1
    h = torch.tensor(hs[0])
    for t in range(len(xs)):
        h = torch.tanh(h @ tW + torch.tensor(xs[t] @ W_xh + b[0]))
    (h * torch.tensor(dh_T)).sum().backward()
    np.testing.assert_allclose(
        ex.reference_bptt(*ex.BPTT_CASES[0]), tW.grad.numpy(), rtol=1e-8, atol=1e-12
    )


def test_prediction_checker():
    assert ex.check_gradient_prediction(0.7**20).passed
    assert ex.check_gradient_prediction(...).status is Status.NOT_ATTEMPTED
    too_big = ex.check_gradient_prediction(1.57**20)  # sigma_max^k instead of rho^k
    assert too_big.status is Status.WRONG_VALUES and "too large" in too_big.message
    assert not ex.check_gradient_prediction(0.7 * 20).passed
    assert "0.7^20" in too_big.message  # the explanation is shown either way
