"""Lesson 01: every number the text states, the three checkers, the slider and the figures.

The numbers are computed here with the same functions and arguments as the lesson's cells,
and compared in the format the lesson prints them.
"""

import math
import warnings

import numpy as np
import pytest

from course_utils import activations
from course_utils.activations import sigmoid, sigmoid_prime, tanh, tanh_prime
from course_utils.checks import Status, is_stub
from course_utils.exercises import lesson01 as ex
from course_utils.gradcheck import autograd_gradient, derivative_central, relative_error
from course_utils.lessons import lesson01

NAMES = list(activations.ACTIVATIONS)

# ----------------------------------------------------------------------------- the numbers


def test_overflow_thresholds_quoted_in_the_lesson():
    assert f"{np.finfo(np.float64).max:.3g}" == "1.8e+308"
    assert f"{np.log(np.finfo(np.float64).max):.1f}" == "709.8"
    assert f"{np.finfo(np.float32).max:.3g}" == "3.4e+38"
    assert f"{np.log(np.finfo(np.float32).max):.1f}" == "88.7"


def test_float_formats_and_defaults_quoted_in_the_lesson():
    import torch

    # "about 16 significant digits" (float64) and "about 7" (float32)
    assert round((np.finfo(np.float64).nmant + 1) * math.log10(2)) == 16
    assert round((np.finfo(np.float32).nmant + 1) * math.log10(2)) == 7
    assert torch.nn.LeakyReLU().negative_slope == 0.01  # "0.01 is also PyTorch's default"
    # "nine points in [-4, 4], for 49 steps from 1e-12 to 1"
    x, steps, _ = step_size_errors()
    assert x.shape == (9,) and (x[0], x[-1]) == (-4, 4)
    assert steps.shape == (49,)
    assert steps[0] == pytest.approx(1e-12) and steps[-1] == pytest.approx(1.0)
    assert (np.arange(-5000, 5001) / 1000).size == 10_001  # "a grid of 10,001 points"


def test_the_two_naive_sigmoids_overflow_and_the_course_one_does_not():
    x = np.array([-800.0, -30.0, 0.0, 30.0, 800.0])
    with pytest.warns(RuntimeWarning, match="overflow"):
        lucky = 1 / (1 + np.exp(-x))
    np.testing.assert_allclose(lucky, sigmoid(x), rtol=1e-15)
    with np.errstate(over="ignore", invalid="ignore"):
        other = np.exp(x) / (1 + np.exp(x))
    assert np.isnan(other[-1]) and np.all(np.isfinite(other[:-1]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert sigmoid(x).tolist()[0] == 0.0 and sigmoid(x).tolist()[-1] == 1.0


def test_sigmoid_prime_in_the_tail():
    s = sigmoid(40.0)
    assert s == 1.0 and s * (1 - s) == 0.0  # "rounds to exactly 1", "gives 0"
    assert sigmoid_prime(40.0) == pytest.approx(4.248e-18, rel=1e-3)  # "about 4e-18"


def step_size_errors():
    """The lesson's step-size cell: (x, steps, {label: max error for each step})."""
    x = np.linspace(-4, 4, 9)
    steps = 10.0 ** np.arange(-12, 0.01, 0.25)
    exact = sigmoid_prime(x)

    def max_error(estimate):
        return np.max(np.abs(estimate - exact))

    errors = {
        "central, float64": [max_error(derivative_central(sigmoid, x, h)) for h in steps],
        "central, float32": [
            max_error(derivative_central(sigmoid, x.astype(np.float32), h)) for h in steps
        ],
        "forward, float64": [max_error((sigmoid(x + h) - sigmoid(x)) / h) for h in steps],
    }
    return x, steps, {label: np.array(e) for label, e in errors.items()}


def test_step_size_study_numbers():
    x, steps, errors = step_size_errors()

    def best(label):
        i = np.argmin(errors[label])
        return steps[i], errors[label][i]

    h64, e64 = best("central, float64")
    h32, _ = best("central, float32")
    h_forward, e_forward = best("forward, float64")
    assert f"{h64:.0e}" == "1e-05" and e64 < 1e-11  # "about 1e-5", "less than 1e-11"
    assert f"{h32:.0e}" == "1e-02"  # "1e-2 in float32"
    assert e_forward > 100 * e64  # the forward difference never gets close
    assert f"{h_forward:.0e}" == "3e-08"
    assert f"{np.finfo(np.float64).eps ** (1 / 3):.0e}" == "6e-06"
    assert f"{np.finfo(np.float32).eps ** (1 / 3):.0e}" == "5e-03"
    # "steps of 1e-8 and below are lost entirely": the float32 estimate is exactly 0
    x32 = x.astype(np.float32)
    for h in steps[steps <= 1e-8]:
        assert np.all(derivative_central(sigmoid, x32, h) == 0)
    assert np.all(errors["central, float32"][steps <= 1e-8] == 0.25)
    # the right branch: two decades of error per decade of h (central), one (forward)
    i, j = np.searchsorted(steps, [1e-3, 1e-2])
    central_slope = math.log10(errors["central, float64"][j] / errors["central, float64"][i])
    forward_slope = math.log10(errors["forward, float64"][j] / errors["forward, float64"][i])
    assert central_slope == pytest.approx(2, abs=0.05)
    assert forward_slope == pytest.approx(1, abs=0.05)


def three_ways(name, x):
    """The lesson's `three_ways`: (by hand, finite differences, autograd)."""
    import torch

    in_torch = {
        "sigmoid": torch.sigmoid,
        "tanh": torch.tanh,
        "relu": torch.relu,
        "leaky_relu": torch.nn.functional.leaky_relu,
    }
    act = activations.ACTIVATIONS[name]
    return (
        act.df(x),
        derivative_central(act.f, x, h=1e-5),
        autograd_gradient(lambda t: in_torch[name](t).sum(), x),
    )


def test_three_ways_agree_except_at_the_kink():
    points = np.array([-2.0, 0.0, 1.5])
    for name in NAMES:
        by_hand, finite, auto = three_ways(name, points)
        np.testing.assert_allclose(auto, by_hand, rtol=1e-15)
        if name in ("sigmoid", "tanh"):
            np.testing.assert_allclose(finite, by_hand, rtol=1e-9)
    relu = three_ways("relu", points)
    leaky = three_ways("leaky_relu", points)
    assert relu[1][1] == pytest.approx(0.5, abs=1e-12)
    assert leaky[1][1] == pytest.approx(0.505, abs=1e-12)
    assert relu[0][1] == relu[2][1] == 0.0
    assert leaky[0][1] == leaky[2][1] == 0.01
    grid = np.linspace(-5, 5, 100)
    assert not np.any(grid == 0)
    for name in NAMES:
        by_hand, finite, auto = three_ways(name, grid)
        assert relative_error(finite, by_hand) < 1e-10
        assert relative_error(auto, by_hand) < 1e-15


def test_bounds_reached_only_at_zero():
    grid = np.arange(-5000, 5001) / 1000
    for name, bound in (("sigmoid", 0.25), ("tanh", 1.0)):
        act = activations.ACTIVATIONS[name]
        df = act.df(grid)
        assert act.df(0.0) == bound == df.max() == act.max_slope
        assert grid[df.argmax()] == 0.0
        assert df[grid != 0].max() < bound
    assert f"{1 / activations.ACTIVATIONS['sigmoid'].max_slope:g}" == "4"  # |w| < 4.0
    assert f"{1 / activations.ACTIVATIONS['tanh'].max_slope:g}" == "1"


def test_saturation_cutoffs():
    t = 0.01  # the lesson's closed forms
    cutoffs = {"sigmoid": 2 * np.arctanh(np.sqrt(1 - 4 * t)), "tanh": np.arctanh(np.sqrt(1 - t))}
    assert f"{cutoffs['sigmoid']:.2f}" == "4.58"
    assert f"{cutoffs['tanh']:.2f}" == "2.99"
    assert sigmoid_prime(cutoffs["sigmoid"]) == pytest.approx(0.01, rel=1e-12)
    assert tanh_prime(cutoffs["tanh"]) == pytest.approx(0.01, rel=1e-12)
    assert f"{sigmoid_prime(cutoffs['sigmoid']):.4f}" == f"{tanh_prime(cutoffs['tanh']):.4f}"
    # the slider shades the same zones: phi' < 0.01 beyond the cut-off, on its grid
    for name, c in cutoffs.items():
        shaded = lesson01.activation_view(name, 0.0, 1.0).df_curve < lesson01.THRESHOLD
        np.testing.assert_array_equal(shaded, np.abs(lesson01.GRID) > c)


# "At scale 1 ... (0.0 % and 0.3 %); at scale 3, 12.7 % and 31.8 %; at scale 10, 64.7 % and
# 76.5 %", in the lesson's format f"{100 * p:.1f}"
SATURATED = {
    "sigmoid": {1: "0.0", 3: "12.7", 10: "64.7"},
    "tanh": {1: "0.3", 3: "31.8", 10: "76.5"},
    "relu": {0.5: "50.0", 1: "50.0", 10: "50.0"},
    "leaky_relu": {0.5: "0.0", 1: "0.0", 10: "0.0"},
}


@pytest.mark.parametrize("name", NAMES)
def test_saturated_fractions_quoted_in_the_lesson(name):
    for scale, text in SATURATED[name].items():
        assert f"{100 * activations.saturation_fraction(name, scale):.1f}" == text


def test_mean_derivatives_quoted_in_the_lesson():
    def means(name):
        return " / ".join(f"{activations.mean_derivative(name, s):.3f}" for s in (0.5, 1.0, 2.0))

    assert means("tanh") == "0.826 / 0.606 / 0.365"
    assert means("sigmoid") == "0.236 / 0.207 / 0.151"


def test_typical_products_quoted_in_the_lesson():
    tanh_typical = np.exp(50 * activations.mean_log_derivative("tanh", 1.0))
    sigmoid_typical = np.exp(50 * activations.mean_log_derivative("sigmoid", 1.0))
    assert f"{tanh_typical:.2g}" == "5.4e-17"
    assert f"{sigmoid_typical:.2g}" == "9.8e-36"
    assert f"{activations.ACTIVATIONS['tanh'].max_slope ** 50:.2g}" == "1"
    assert f"{activations.ACTIVATIONS['sigmoid'].max_slope ** 50:.2g}" == "7.9e-31"
    assert sigmoid_typical < 0.25**50  # "far below even 0.25^50"
    tanh_mean50 = activations.mean_derivative("tanh", 1.0) ** 50
    assert f"{tanh_mean50:.2g}" == "1.3e-11"
    assert tanh_mean50 / tanh_typical > 1e5  # "more than five orders of magnitude"
    assert activations.mean_derivative("sigmoid", 1.0) ** 50 > sigmoid_typical


# ----------------------------------------------------------------------------- the checkers


def _stub(*args):
    raise NotImplementedError("Exercise: replace this line with your code")


def _lesson_sigmoid_prime(x):
    s = sigmoid(x)
    return s * (1 - s)


def _naive_sigmoid_prime(x):
    s = 1 / (1 + np.exp(-x))
    return s * (1 - s)


def _sigmoid_prime_as_float64(x):
    x = np.asarray(x, dtype=float)
    s = sigmoid(x)
    return s * (1 - s)


@pytest.mark.parametrize(
    ("checker", "right_answers"),
    [
        (ex.check_sigmoid_prime, [_lesson_sigmoid_prime, sigmoid_prime]),
        (
            ex.check_tanh_prime,
            [
                lambda x: 1 - tanh(x) ** 2,
                lambda x: 1 - np.tanh(x) ** 2,
                tanh_prime,
                lambda x: 4 * sigmoid_prime(2 * x),
            ],
        ),
        (
            ex.check_central_diff,
            [
                lambda f, x, h: (f(x + h) - f(x - h)) / (2 * h),
                lambda f, x, h: (f(x + h) - f(x - h)) / 2 / h,
                derivative_central,
            ],
        ),
    ],
)
def test_checkers_accept_right_answers_and_report_stubs(checker, right_answers):
    for answer in right_answers:
        result = checker(answer)
        assert result.passed, result
    assert checker(_stub).status is Status.NOT_ATTEMPTED
    assert is_stub(...) and checker(...).status is Status.NOT_ATTEMPTED


@pytest.mark.parametrize(
    ("checker", "mistakes"),
    [
        (ex.check_sigmoid_prime, ex.SIGMOID_MISTAKES),
        (ex.check_tanh_prime, ex.TANH_MISTAKES),
        (ex.check_central_diff, ex.DIFF_MISTAKES),
    ],
    ids=["sigmoid_prime", "tanh_prime", "central_diff"],
)
def test_each_typical_mistake_gets_its_own_hint(checker, mistakes):
    hints = [m.hint for m in mistakes]
    assert len(set(hints)) == len(hints)
    for mistake in mistakes:
        result = checker(mistake.fn)
        assert not result.passed
        assert mistake.hint in result.message, (mistake.hint, result.message)
        others = [h for h in hints if h != mistake.hint]
        assert not any(h in result.message for h in others)


def test_sigmoid_prime_mistakes_by_kind():
    messages = {m.hint: ex.check_sigmoid_prime(m.fn).status for m in ex.SIGMOID_MISTAKES}
    statuses = list(messages.values())
    assert statuses[0] is Status.WRONG_DTYPE  # right values, float64 for float32 input
    assert statuses[-1] is Status.NOT_FINITE  # exp(800) = inf, inf / inf = nan
    assert all(s is Status.WRONG_VALUES for s in statuses[1:-1])


def test_naive_but_correct_formulas_are_reported_unstable():
    result = ex.check_sigmoid_prime(_naive_sigmoid_prime)
    assert result.status is Status.UNSTABLE and "overflow" in result.message
    result = ex.check_tanh_prime(lambda x: 1 / np.cosh(x) ** 2)
    assert result.status is Status.UNSTABLE and "overflow" in result.message


def test_a_lost_float32_dtype_is_caught_with_its_hint():
    result = ex.check_sigmoid_prime(_sigmoid_prime_as_float64)
    assert result.status is Status.WRONG_DTYPE
    assert ex.SIGMOID_MISTAKES[0].hint in result.message
    result = ex.check_tanh_prime(lambda x: 1 - np.tanh(np.asarray(x, dtype=float)) ** 2)
    assert result.status is Status.WRONG_DTYPE
    assert ex.TANH_MISTAKES[0].hint in result.message


def test_central_diff_shape_and_type_slips():
    as_list = ex.check_central_diff(lambda f, x, h: [(f(v + h) - f(v - h)) / (2 * h) for v in x])
    assert as_list.status is Status.WRONG_TYPE
    one_number = ex.check_central_diff(lambda f, x, h: np.mean((f(x + h) - f(x - h)) / (2 * h)))
    assert one_number.status is Status.WRONG_SHAPE


def test_forward_difference_error_is_far_above_the_tolerance():
    """On every checker input the forward difference misses by > 100 x the tolerance."""
    ((cases, tol),) = ex.DIFF_GROUPS
    for f, x, h in cases:
        right = derivative_central(f, x, h)
        forward = (f(x + h) - f(x)) / h
        allowed = tol.atol + tol.rtol * np.abs(right)
        assert np.max(np.abs(forward - right) / allowed) > 100


def test_checkers_raise_when_correct_answers_are_required(monkeypatch):
    monkeypatch.setenv("COURSE_REQUIRE_CORRECT", "1")
    assert ex.check_sigmoid_prime(sigmoid_prime).passed
    assert ex.check_central_diff(derivative_central).passed
    with pytest.raises(AssertionError, match="numerically unstable"):
        ex.check_sigmoid_prime(_naive_sigmoid_prime)
    with pytest.raises(AssertionError, match="not attempted"):
        ex.check_tanh_prime(_stub)


# ----------------------------------------------------------------------------- the slider


def test_activation_slider_moves_headlessly():
    app = lesson01.activation_slider()
    first = app.png
    app.set(name="tanh", x=2.0, scale=3.0)
    assert app.readout_text == (
        "tanh at x = 2.00: f = 0.964, f' = 0.0707 (max 1); inputs at scale 3: "
        "mean f' = 0.255, 31.8 % saturated (f' < 0.01)"
    )
    assert app.png != first
    updates = app.updates
    app.set(name="sigmoid")
    assert app.updates == updates + 1
    assert app.readout_text.startswith("sigmoid at x = 2.00: f = 0.881, f' = 0.105 (max 0.25)")
    assert app.axes[0].get_title() == "sigmoid: 12.7 % of inputs saturated"


@pytest.mark.parametrize("name", NAMES)
def test_activation_slider_extremes_are_quiet(name):
    app = lesson01.activation_slider()
    with warnings.catch_warnings(), np.errstate(over="raise", divide="raise", invalid="raise"):
        warnings.simplefilter("error")
        for x, scale in ((-6.0, 100.0), (6.0, 0.1), (0.0, 100.0), (6.0, 100.0)):
            app.set(name=name, x=x, scale=scale)
            assert not app.readout_text.startswith("⚠"), app.readout_text
            v = app.result
            assert v.x == x and v.scale == pytest.approx(scale)
            assert np.isfinite([v.f, v.df, v.mean_derivative, v.saturated]).all()
    assert app.controls["scale"].value == pytest.approx(100.0)


def test_activation_view():
    v = lesson01.activation_view("sigmoid", 0.0, 2.0)
    assert (v.f, v.df, v.max_slope) == (0.5, 0.25, 0.25)
    assert v.mean_derivative == pytest.approx(0.151, abs=0.002)
    assert v.saturated == activations.saturation_fraction("sigmoid", 2.0)
    assert v.f_curve.shape == v.df_curve.shape == v.density.shape == lesson01.GRID.shape
    np.testing.assert_allclose(v.df_curve, tanh_prime(lesson01.GRID / 2) / 4, rtol=1e-15)
    assert v.density.max() == pytest.approx(1.0)
    # the grey zone: phi' < 0.01 for relu left of 0, nowhere for leaky relu
    relu = lesson01.activation_view("relu", 1.0, 1.0)
    np.testing.assert_array_equal(relu.df_curve < lesson01.THRESHOLD, lesson01.GRID <= 0)
    assert not np.any(lesson01.activation_view("leaky_relu", 1.0, 1.0).df_curve < 0.01)
    with pytest.raises(ValueError, match="positive"):
        lesson01.activation_view("tanh", 0.0, 0.0)


def test_activation_view_far_outside_the_slider_is_quiet():
    with warnings.catch_warnings(), np.errstate(over="raise", divide="raise", invalid="raise"):
        warnings.simplefilter("error")
        for name in NAMES:
            for x in (-1e4, 0.0, 1e4):
                for scale in (0.01, 1.0, 1e4):
                    v = lesson01.activation_view(name, x, scale)
                    assert np.isfinite([v.f, v.df, v.mean_derivative]).all()
                    assert 0.0 <= v.saturated <= 1.0


def saturation_curves():
    """The lesson's curves: (scales, {name: saturated fraction at each scale})."""
    scales = np.logspace(-1, 2, 61)
    return scales, {
        name: np.array([activations.saturation_fraction(name, s) for s in scales]) for name in NAMES
    }


def test_saturation_curves():
    _, curves = saturation_curves()
    for name in ("sigmoid", "tanh"):
        assert np.all(np.diff(curves[name]) >= 0)
        assert curves[name][0] == 0.0 and curves[name][-1] > 0.95
    assert np.all(curves["relu"] == 0.5) and np.all(curves["leaky_relu"] == 0.0)
    assert np.all(curves["tanh"] >= curves["sigmoid"])


def test_break_jumps_removes_the_vertical_segment_of_relu_prime():
    x, y = lesson01._break_jumps(lesson01.GRID, activations.relu_prime(lesson01.GRID))
    assert np.isnan(y).sum() == 1 and len(x) == len(lesson01.GRID) + 1
    finite = np.isfinite(y)
    assert np.all(np.abs(np.diff(y[finite][: np.argmax(~finite)])) == 0)


def test_sweep_and_static_figures():
    sweep = lesson01.activation_sweep()
    assert len(sweep.axes) == 3
    assert sweep.axes[0].get_title() == "scale 0.5 · tanh: 0.0 % of inputs saturated"
    assert sweep.axes[1].get_title() == "scale 2 · tanh: 13.4 % of inputs saturated"
    assert sweep.axes[2].get_title() == "scale 8 · tanh: 70.8 % of inputs saturated"
    gallery = lesson01.activation_gallery()
    assert [ax.get_title() for ax in gallery.axes] == [
        "activation functions f(x)",
        "their derivatives f'(x)",
    ]
    _, step_sizes, errors = step_size_errors()
    steps = lesson01.step_size_figure(step_sizes, errors)
    (ax,) = steps.axes
    assert ax.get_xscale() == ax.get_yscale() == "log" and ax.get_title()
    assert [t.get_text() for t in ax.get_legend().get_texts()] == list(errors)
    assert ax.get_lines()[4].get_linestyle() == "--"  # the forward difference
    best = ax.get_lines()[1]  # the dot at the smallest float64 central error
    assert best.get_xdata()[0] == pytest.approx(1e-5, rel=0.5)
    saturation = lesson01.saturation_figure(*saturation_curves())
    (ax,) = saturation.axes
    assert ax.get_xscale() == "log" and len(ax.get_lines()) == 4
    for fig in (sweep, gallery, steps, saturation):
        for axis in fig.axes:
            assert axis.get_xlabel() and axis.get_ylabel()
