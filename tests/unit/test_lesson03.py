"""Lesson 03: every number the lesson states, its checkers, and its slider (headless).

The numbers are what course_utils measures with the lesson's seeds (noted as "measured");
the assertions allow a margin around them.
"""

import math

import numpy as np
import pytest
from helpers import assert_all_different, no_warnings

from course_utils import gradient_vs_distance, rnn, tasks
from course_utils.activations import tanh_prime
from course_utils.checks import Status
from course_utils.exercises import lesson03 as ex
from course_utils.lessons import lesson03

# The lesson's cells, as functions: each computes what one cell computes, with its seeds.


def lesson_rnn():
    """The first cells: an RNN of 64 units (radius 0.9, seed 0) and 2 sequences of 40 inputs."""
    params = rnn.init_rnn(n_in=64, n_hidden=64, radius=0.9, seed=0)
    x = np.random.default_rng(1).standard_normal((40, 2, 64))
    return params, x


def forgetting(activation):
    """||h_t - h'_t|| / ||h_1 - h'_1||, t = 1..40, for the two sequences that differ at t = 1."""
    params, x = lesson_rnn()
    twins = x.copy()
    twins[1:, 1] = twins[1:, 0]
    hs, _ = rnn.rnn_forward(twins, None, params, activation)
    distance = np.linalg.norm(hs[1:, 0] - hs[1:, 1], axis=-1)
    return distance / distance[0]


def weight_parts(T=50):
    """Each step's dW_hh for L = <h_T, r / ||r||>, from the last step back, and the run."""
    rng = np.random.default_rng(0)
    params = rnn.init_rnn(64, 64, radius=0.9, seed=rng)
    xs = rng.standard_normal((T, 1, 64))
    r = rng.standard_normal((1, 64))
    hs, cache = rnn.rnn_forward(xs, None, params, "tanh")
    dh, parts = r / np.linalg.norm(r), []
    for t in reversed(range(T)):
        step = rnn.rnn_step_backward(dh, hs[t], hs[t + 1], xs[t], params["W_hh"], params["W_xh"])
        parts.append(step.dW_hh)
        dh = step.dh_prev
    return parts, params, xs, r, cache


def slope_times_gain(radius, activation, T=100):
    """(measured factor per step, typical slope x weight gain) of gradient_vs_lag's RNN."""
    rng = np.random.default_rng(0)
    params = rnn.init_rnn(64, 64, radius=radius, seed=rng)
    _, cache = rnn.rnn_forward(rng.standard_normal((T, 1, 64)), None, params, activation)
    typical_slope = np.sqrt(np.mean(rnn.get_activation(activation).df(cache.pre) ** 2))
    gain = np.linalg.norm(params["W_hh"]) / np.sqrt(64)
    measured = math.exp(rnn.gradient_vs_lag(T, radius, activation).slope())
    return measured, typical_slope * gain


# --- the forward pass and forgetting ---------------------------------------------------------


def test_forward_cell_shapes_and_bounded_states():
    params = rnn.init_rnn(n_in=64, n_hidden=64, radius=0.9, seed=0)
    x = np.random.default_rng(1).standard_normal((40, 2, 64))
    hs, cache = rnn.rnn_forward(x, None, params, "tanh")
    assert hs.shape == (41, 2, 64)
    assert 0.99 < np.abs(hs).max() < 0.99995  # printed with 5 decimals: 0.99978
    assert cache.pre.std() == pytest.approx(1.13, abs=0.01)  # "spread over about +-1.1"


def test_forgetting_curve_quoted_numbers():
    tanh, linear = forgetting("tanh"), forgetting("linear")
    assert tanh[0] == 1.0 and linear[0] == 1.0 and len(tanh) == 40
    assert tanh[-1] < 1e-9  # "less than a billionth" (measured 8.5e-11)
    assert 1e-3 < linear[-1] < 5e-2  # measured 6.2e-3: "much more slowly"


def test_forgetting_curve_linear_difference_follows_w():
    """In a linear RNN the difference evolves as d_t = d_1 @ W_hh^(t-1), whatever the inputs."""
    params, x = lesson_rnn()
    d1 = (x[0, 1] - x[0, 0]) @ params["W_xh"]  # h'_1 - h_1, as h_0 = 0
    d = [d1 @ np.linalg.matrix_power(params["W_hh"], t) for t in range(6)]
    expected = np.linalg.norm(d, axis=1) / np.linalg.norm(d1)
    np.testing.assert_allclose(forgetting("linear")[:6], expected, rtol=1e-10)


# --- BPTT: the weight gradient by lag, and the gradient check --------------------------------


def test_weight_shares_quoted_numbers_and_sum():
    parts, params, _, r, cache = weight_parts()
    shares = [np.linalg.norm(part) for part in parts]
    assert 1e-3 < shares[10] / shares[0] < 1e-2  # "a few thousandths" (measured 3.3e-3)
    assert shares[40] / shares[0] < 1e-10  # measured 6.0e-11
    assert shares[-1] == 0.0  # step 1 pairs da with h_0 = 0 (left out of the figure)
    # the parts add up to rnn_backward's dL/dW_hh for the same loss
    dhs = np.zeros((50, 1, 64))
    dhs[-1] = r / np.linalg.norm(r)
    total = rnn.rnn_backward(dhs, cache, params)[2]["W_hh"]
    np.testing.assert_allclose(sum(parts), total, rtol=1e-12, atol=1e-15)
    fig = lesson03.weight_shares_figure(np.array(shares))
    assert len(fig.axes[0].lines[0].get_xdata()) == 49  # step 1's exact 0 left out


def test_truncated_bptt_quoted_numbers_and_definition():
    parts, params, xs, r, cache = weight_parts()
    full = sum(parts)

    def change(k):
        return np.linalg.norm(full - sum(parts[:k])) / np.linalg.norm(full)

    assert change(0) == 1.0 and change(50) == 0.0
    assert 1e-3 < change(10) < 1e-2  # "hardly at all after 10 steps" (measured 3.2e-3)
    assert change(20) < 1e-5  # measured 6.0e-6
    assert all(change(k + 1) <= change(k) for k in range(50))
    # truncated after k steps = full BPTT over the last k steps, from the carried state
    dhs = np.zeros((50, 1, 64))
    dhs[-1] = r / np.linalg.norm(r)
    for k in (1, 5, 10):
        _, chunk = rnn.rnn_forward(xs[-k:], cache.hs[-k - 1], params, "tanh")
        truncated = rnn.rnn_backward(dhs[-k:], chunk, params)[2]["W_hh"]
        expected = np.linalg.norm(full - truncated) / np.linalg.norm(full)
        assert change(k) == pytest.approx(expected, rel=1e-9)


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
    measured = rnn.gradient_vs_lag(100, 0.7, "linear").norms[20]  # exercise 3's RNN
    predicted = ex.PREDICT_RADIUS**ex.PREDICT_LAG
    assert measured == pytest.approx(1.83e-4, rel=0.01)
    assert 2 < predicted / measured < 10  # "a few times smaller", within the factor 10
    tanh = rnn.gradient_vs_lag(100, 0.7, "tanh").norms[20]  # "Now tanh"
    assert tanh == pytest.approx(7.0e-8, rel=0.01)
    assert 1e-4 < tanh / measured < 1e-3  # "between three and four powers of ten" (3.8e-4)


def test_step_breakdown_quoted_numbers():
    """The cell: the linear and tanh RNN at rho = 0.7 (seed 0), and slope x gain for tanh."""
    linear, tanh = (rnn.gradient_vs_lag(100, 0.7, a) for a in ("linear", "tanh"))
    assert math.exp(linear.slope()) == pytest.approx(0.7, abs=0.01)  # measured 0.699
    assert linear.rho == pytest.approx(0.7, abs=1e-9)
    assert math.exp(tanh.slope()) == pytest.approx(0.448, abs=0.005)
    rng = np.random.default_rng(0)
    params = rnn.init_rnn(64, 64, radius=0.7, seed=rng)
    _, cache = rnn.rnn_forward(rng.standard_normal((100, 1, 64)), None, params, "tanh")
    typical_slope = np.sqrt(np.mean(tanh_prime(cache.pre) ** 2))
    gain = np.linalg.norm(params["W_hh"]) / 8
    assert typical_slope == pytest.approx(0.66, abs=0.01)  # "a factor of about 0.66"
    assert gain == pytest.approx(0.685, abs=0.005)  # "close to rho"
    measured, estimate = slope_times_gain(0.7, "tanh")
    assert estimate == pytest.approx(typical_slope * gain, rel=1e-12)
    assert estimate == pytest.approx(measured, rel=0.02)  # "their product matches"


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu"])
@pytest.mark.parametrize("radius", [0.5, 0.9, 1.5, 3.0])
def test_slope_times_gain_predicts_the_rate(activation, radius):
    """Measured over these 12 settings (seed 0): |log per_step - log estimate| <= 0.04."""
    measured, estimate = slope_times_gain(radius, activation)
    assert abs(math.log(measured) - math.log(estimate)) < 0.06


def test_breakdown_uses_the_rnn_of_gradient_vs_lag():
    """Rebuild the Jacobians from the cell's draw order: same norms as gradient_vs_lag."""
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
    table = gradient_vs_distance.slope_table(
        (0.5, 0.9, 1.5, 3.0), ("linear", "tanh", "sigmoid", "relu")
    )
    assert len(table) == 16
    for r in (0.5, 0.9, 1.5, 3.0):  # "log(rho) to within 0.01" (measured max gap 0.002)
        assert abs(table["linear", r].slope - math.log(r)) < 0.01
    for c in table.values():  # "measured <= bound at every lag of all 16 runs"
        assert np.all(c.profile.log_norms <= c.profile.log_bound + 1e-9)
    t09 = table["tanh", 0.9]
    assert t09.profile.sigma_max == pytest.approx(1.77, abs=0.005)
    assert t09.bound_slope == pytest.approx(0.57, abs=0.005)
    assert t09.slope == pytest.approx(-0.58, abs=0.01)
    assert table["tanh", 1.5].slope < 0 < table["tanh", 1.5].bound_slope  # falls, bound rises
    assert table["tanh", 0.5].bound_slope < 0
    assert table["tanh", 3.0].slope == pytest.approx(0.25, abs=0.01)  # tanh can explode
    s3 = table["sigmoid", 3.0]
    assert s3.profile.sigma_max == pytest.approx(5.90, abs=0.005)
    assert s3.profile.sigma_max > 1 / s3.profile.gamma  # 5.9 > 4 ...
    assert s3.slope == pytest.approx(-0.73, abs=0.01)  # ... and it still vanishes
    assert s3.bound_slope == pytest.approx(0.39, abs=0.005)


def test_sigmoid_below_one_over_gamma_has_a_falling_bound():
    """The slider's suggestion: sigmoid, largest singular value 3 < 1/gamma = 4."""
    res = gradient_vs_distance.lag_profile(100, 3.0, "sigmoid", scaling="spectral")
    assert res.profile.sigma_max == pytest.approx(3.0, rel=1e-9)
    assert res.bound_slope < 0 and res.slope < res.bound_slope


# --- the cat sentence ------------------------------------------------------------------------


def at_each_word(seed=0):
    """The cell: ||dL/dh|| at each of the ten words up to 'was', with the loss at 'was'."""
    words = tasks.tokenize(tasks.ARTICLE_SENTENCE)[:10]
    return words, rnn.gradient_vs_lag(len(words), 0.9, "tanh", seed=seed).norms[::-1]


def test_cat_sentence_quoted_numbers():
    words, at_word = at_each_word()
    lag = tasks.sentence_lag(tasks.ARTICLE_SENTENCE, "cat", "was")
    assert lag == 8 and words[1] == "cat" and words[-1] == "was" == words[1 + lag]
    assert at_word[-1] == 1.0
    assert at_word[1] == pytest.approx(0.0046, abs=0.0005)  # "about half a percent"
    over_seeds = [at_each_word(s)[1][1] for s in range(10)]
    assert 0.004 < min(over_seeds) < 0.005  # "between 0.5 %
    assert 0.0125 < max(over_seeds) < 0.0135  # and 1.3 %"
    bowl, of, milk = at_word[-4:-1]
    assert round(100 * milk) == 61 and round(100 * of) == 31 and round(100 * bowl) == 14
    fifty = rnn.gradient_vs_lag(50, 0.9, "tanh").norms[49]
    assert 1.5e-13 < fifty < 2.5e-13  # "about 2 x 10^-13" (measured 2.2e-13)


def test_sentence_figure_marks_cat():
    words, at_word = at_each_word()
    fig = lesson03.sentence_figure(words, at_word, lag=8)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()][1] == "cat"
    assert ax.get_yscale() == "log"
    assert "0.46% left" in ax.texts[0].get_text()


# --- the slider ------------------------------------------------------------------------------


def test_slider_default_readout_and_moving():
    app = lesson03.lag_slider()
    assert app.readout_text == (
        "tanh, rho = 0.90 (sigma_max 1.77), T = 100: vanishing; gradient at lag 99 = 1.5e-25 "
        "of lag 0; measured slope -0.58/step vs bound log(gamma sigma_max) = +0.57"
    )
    # the slider's title names the regime; the slopes are in the readout (above)
    assert app.axes[0].get_title() == "vanishing"
    assert app.axes[0].get_legend().get_window_extent().x0 > app.axes[0].bbox.x1  # outside
    first = app.png
    updates = app.updates
    app.set(activation="linear", radius=0.5)
    assert app.updates == updates + 2
    assert app.readout_text.startswith("linear, rho = 0.50 (sigma_max 0.98), T = 100")
    assert "measured slope -0.70/step" in app.readout_text
    assert app.png != first
    app.set(scaling="spectral")
    assert app.readout_text.startswith("linear, sigma_max = 0.50 (rho ")
    app.set(T=10)
    assert "T = 10: vanishing; gradient at lag 9 = " in app.readout_text


def test_slider_extreme_settings_show_overflow_without_warnings():
    app = lesson03.lag_slider()
    with no_warnings():
        app.set(activation="relu", radius=3.0, T=lesson03.T_MAX)
    assert app.result.profile.overflowed and app.result.regime == "overflow"
    assert app.result.undefined_from == 1
    assert "the gradient is undefined from lag 1 on" in app.readout_text
    assert "measured slope n/a vs" in app.readout_text
    legend = [t.get_text() for t in app.axes[0].get_legend().get_texts()]
    assert "overflow" in legend
    with no_warnings():
        app.set(T=950)
    assert not app.result.profile.overflowed
    assert "= 4.3e+304 of lag 0" in app.readout_text  # measured 4.25e304, near float64's edge
    assert "+0.74/step" in app.readout_text


def test_slider_is_laid_out_for_its_widest_tick_labels():
    """Laid out at T = 1000, radius 0.1, whose ticks reach 1e-300: no setting clips them."""
    app = lesson03.lag_slider()
    app.set(T=lesson03.T_MAX, radius=0.1)
    labels = [t.get_text() for t in app.axes[0].get_yticklabels()]
    assert "1e-300" in labels
    label = app.axes[0].yaxis.label.get_window_extent(app.figure.canvas.get_renderer())
    assert label.x0 >= 0


def test_sweep_has_four_titled_panels():
    fig = lesson03.lag_sweep()
    assert len(fig.axes) == 4
    assert fig.axes[0].get_title() == "ρ = 0.5 · vanishing\nslope -1.12 (bound -0.02)"
    assert fig.axes[3].get_title().startswith("ρ = 3.0 · exploding\nslope +0.25")
    assert all(ax.get_yscale() == "log" for ax in fig.axes)


def test_forgetting_and_shares_figures_are_labelled():
    shares = np.array([np.linalg.norm(part) for part in weight_parts()[0]])
    distances = {a: forgetting(a) for a in ("tanh", "linear")}
    for fig in (lesson03.forgetting_figure(distances), lesson03.weight_shares_figure(shares)):
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
