"""Lesson 02: every number the text states, the two checkers, and the slider.

The lesson's network: depth 50, width 64, batch 32, seed 0 (mlp.random_network). Each test
asserts the values that the lesson's cells print, computed as the cells compute them, as
ranges around what the seeded code measures (noted in comments), so that a change in
behaviour fails here.
"""

import math
import warnings

import numpy as np
import pytest

from course_utils.activations import get_activation
from course_utils.chain import repeated_product
from course_utils.checks import Status
from course_utils.exercises import lesson02 as ex
from course_utils.gradcheck import relative_error
from course_utils.lessons import lesson02
from course_utils.mlp import (
    SCHEMES,
    backward,
    dense_backward,
    forward,
    init_weights,
    layer_gradient_norms,
    random_network,
)

# ----------------------------------------------------------------------------- section 1


def test_chain_rule_bounds_printed_in_section_1():
    assert f"{0.25**50:.2g}" == "7.9e-31"
    bounds = [(w * 0.25) ** 50 for w in (1, 2, 4)]
    assert bounds[1] == pytest.approx(8.88e-16, rel=1e-3)
    assert bounds[2] == 1.0


# ----------------------------------------------------------------------------- section 2


def test_backward_agrees_with_autograd_as_printed_in_section_2():
    import torch

    # the lesson's three cells: our numpy network, the same in PyTorch, the comparison
    rng = np.random.default_rng(0)
    x = rng.standard_normal((32, 64))
    r = rng.standard_normal((32, 64))
    params = init_weights([64] * 51, "glorot", seed=rng)
    _, cache = forward(x, params, "sigmoid")
    grads, dx = backward(r, params, cache, "sigmoid")

    torch.set_num_threads(1)
    x_t = torch.tensor(x, requires_grad=True)
    params_t = [
        (torch.tensor(W, requires_grad=True), torch.tensor(b, requires_grad=True))
        for W, b in params
    ]
    h = x_t
    for W, b in params_t:
        h = torch.sigmoid(h @ W + b)
    (h * torch.tensor(r)).sum().backward()

    errors = [relative_error(dx, x_t.grad.numpy())]
    for (dW, db), (W, b) in zip(grads, params_t, strict=True):
        errors += [relative_error(dW, W.grad.numpy()), relative_error(db, b.grad.numpy())]
    assert len(errors) == 101
    assert max(errors) < 1e-12  # measured 2.8e-15: float64 rounding
    first, last = np.linalg.norm(grads[0][0]), np.linalg.norm(grads[-1][0])
    print(f"||dW_1|| = {first:.2g}, ||dW_50|| = {last:.2g}")
    assert 1e-30 < first < 1e-28  # measured 1.5e-29
    assert np.linalg.norm(params_t[0][0].grad.numpy()) == pytest.approx(first, rel=1e-10)
    assert 30 < last < 70  # measured 49
    # "some 30 orders of magnitude"; and the later sections' network is this one
    stats = layer_gradient_norms(50, "sigmoid", "glorot")
    assert first / last == pytest.approx(stats.weight_ratio, rel=1e-10)
    x_later, r_later, params_later = random_network(50, "glorot")
    np.testing.assert_array_equal(x_later, x)
    np.testing.assert_array_equal(r_later, r)
    np.testing.assert_array_equal(params_later[-1][0], params[-1][0])


# ----------------------------------------------------------------------------- exercise 1


def test_layer_backward_checker_accepts_right_answers():
    def right(dout, x, W, a, activation):
        da = dout * get_activation(activation).df(a)
        return da @ W.T, x.T @ da, da.sum(axis=0)

    assert ex.check_layer_backward(right).passed
    assert ex.check_layer_backward(dense_backward).passed


def test_layer_backward_checker_names_each_mistake():
    for mistake in ex.MISTAKES:
        result = ex.check_layer_backward(mistake.fn)
        assert not result.passed, mistake.hint
        assert result.status in (Status.WRONG_VALUES, Status.WRONG_SHAPE), result
        assert mistake.hint in result.message, (mistake.hint, result.message)


def test_layer_backward_cases_include_square_and_non_square_weights():
    shapes = [W.shape for _, _, W, _, _ in ex.CASES]
    assert shapes[0][0] == shapes[0][1]  # first: square, the transpose slips give values
    assert any(n_in != n_out for n_in, n_out in shapes)
    assert {act for *_, act in ex.CASES} >= {"sigmoid", "tanh"}
    # the slips really differ from the right answer on the square case
    dout, x, W, a, act = ex.CASES[0]
    da = dout * get_activation(act).df(a)
    assert not np.allclose(da @ W, da @ W.T) and not np.allclose(da.T @ x, x.T @ da)
    assert not np.allclose(get_activation(act).df(a), get_activation(act).f(a))


def test_layer_backward_checker_on_stub_error_and_non_square_only_slip():
    def stub(dout, x, W, a, activation):
        raise NotImplementedError("Exercise: replace this line with your code")

    assert ex.check_layer_backward(stub).status is Status.NOT_ATTEMPTED

    def square_only(dout, x, W, a, activation):  # reshapes with the wrong dimension
        da = dout * get_activation(activation).df(a)
        return da @ W.T, x.T @ da, da.sum(axis=0).reshape(W.shape[0])

    result = ex.check_layer_backward(square_only)
    assert result.status is Status.ERROR and "reshape" in result.message


# ----------------------------------------------------------------------------- section 3


def test_weight_gains_printed_in_section_3():
    n = 64
    variance = {"standard": 1 / (3 * n), "glorot": 2 / (n + n), "he": 2 / n}  # the cell's
    on_paper = {scheme: np.sqrt(n * variance[scheme]) for scheme in SCHEMES}
    # the bullets above the cell: gains sqrt(1/3), 1, sqrt(2)
    assert on_paper["standard"] == pytest.approx(math.sqrt(1 / 3))
    assert on_paper["glorot"] == 1.0
    assert on_paper["he"] == pytest.approx(math.sqrt(2))
    measured = {}
    for scheme in SCHEMES:
        W = init_weights([n, n], scheme, seed=0)[0][0]
        measured[scheme] = np.linalg.norm(W) / np.sqrt(n)
        assert measured[scheme] == pytest.approx(on_paper[scheme], rel=0.01)
        assert W.var() == pytest.approx(variance[scheme], rel=0.05)
    print(measured)  # 0.576, 0.998, 1.411


# ----------------------------------------------------------------------------- exercise 2


def test_prediction_is_measured_and_judged_on_a_log_scale():
    measured = ex.measured_ratio()
    assert 1.5e-31 < measured < 3e-31  # measured 2.1e-31
    assert ex.check_ratio_guess(0.25**49).passed  # 15x too large: within 30
    assert ex.check_ratio_guess(0.25**50).passed
    assert ex.check_ratio_guess(1e-31).passed
    assert ex.check_ratio_guess(1e-3).status is Status.WRONG_VALUES
    assert ex.check_ratio_guess(1e-35).status is Status.WRONG_VALUES
    assert ex.check_ratio_guess(...).status is Status.NOT_ATTEMPTED
    text = ex.explain_ratio()
    print(text)
    for shown in (
        "49 layers",
        "typically 0.236",
        "gain 1.00",
        "x0.237",
        "= 2.1e-31",
        "0.25^49 = 3.2e-30",
        "15 times larger",
    ):
        assert shown in text, shown


# ----------------------------------------------------------------------------- section 5


def test_comparison_figure_shows_the_four_networks_and_the_bound():
    curves = {}
    for activation, scheme in (
        ("sigmoid", "glorot"),
        ("tanh", "glorot"),
        ("relu", "glorot"),
        ("relu", "he"),
    ):
        stats = layer_gradient_norms(50, activation, scheme)
        curves[activation, scheme] = stats.signal_norm / stats.signal_norm[-1]
    fig = lesson02.comparison_figure(curves)
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["sigmoid, glorot", "tanh, glorot", "relu, glorot", "relu, he", "0.25^k"]
    assert ax.get_yscale() == "log" and "distance from the output" in ax.get_xlabel()
    assert ax.lines[2].get_linestyle() == "--"  # relu, glorot
    # layer 1 sits at distance 49, the output at 0
    np.testing.assert_array_equal(ax.lines[0].get_xdata()[[0, -1]], [49, 0])
    assert ax.lines[0].get_ydata()[-1] == 1.0


@pytest.fixture(scope="module")
def table():
    """The lesson's table: factor_breakdown for every activation and initialisation."""
    return {
        (a, s): lesson02.factor_breakdown(50, a, s)
        for a in ("sigmoid", "tanh", "relu")
        for s in SCHEMES
    }


def test_per_layer_factor_is_about_slope_times_gain(table):
    for key, b in table.items():
        print(key, f"{b.ratio:.2g} {b.per_layer:.3f} {b.slope:.3f} x {b.gain:.2f}")
        assert b.per_layer == pytest.approx(b.ratio ** (1 / 49))
        assert b.estimate == pytest.approx(b.per_layer, rel=0.03)  # "within a few percent"
    for scheme, gain in (("standard", 0.58), ("glorot", 1.00), ("he", 1.42)):
        assert round(table["relu", scheme].gain, 2) == gain  # the printed gains


def test_sigmoid_vanishes_under_every_initialisation(table):
    ratios = {s: table["sigmoid", s].ratio for s in SCHEMES}
    assert 1e-43 < ratios["standard"] < 1e-41  # 2.9e-42: "24 to 42 orders of magnitude"
    assert 1e-25 < ratios["he"] < 1e-24  # 7.0e-25
    assert 1.5e-31 < ratios["glorot"] < 3e-31  # 2.1e-31: "falls 30 orders of magnitude"
    assert ratios["glorot"] < repeated_product(0.25, 49).values[-1]  # "faster than 0.25^k"
    glorot = table["sigmoid", "glorot"]
    assert 0.23 < glorot.slope < 0.25  # "just under its maximum 1/4": 0.236
    assert round(glorot.per_layer, 2) == 0.24  # summary: "about 0.24"
    assert all(table["sigmoid", s].gain < 4 for s in SCHEMES)


def test_tanh_is_decided_by_the_gain(table):
    standard, glorot, he = (table["tanh", s] for s in SCHEMES)
    assert standard.slope > 0.99  # "near 0 its slope is close to 1": 0.998
    assert 1e-13 < standard.ratio < 1e-11  # 2.3e-12: "about 12 orders of magnitude"
    assert 0.95 < glorot.per_layer < 0.99  # 0.971: "a few percent below 1"
    assert 0.1 < glorot.ratio < 0.5  # 0.24: "loses only a little"
    assert he.slope < 0.8 and 1 < he.per_layer < 1.1 and 2 < he.ratio < 20  # 0.744, 1.046, 8.9


def test_relu_needs_he_initialisation(table):
    for scheme in SCHEMES:
        assert 0.69 < table["relu", scheme].slope < 0.72  # "close to sqrt(1/2) = 0.71"
    standard, glorot, he = (table["relu", s] for s in SCHEMES)
    assert round(standard.estimate, 2) == 0.41 and round(glorot.estimate, 2) == 0.70
    assert 1e-21 < standard.ratio < 1e-19  # 4.1e-20: "about 4e-20"
    assert 1e-8 < glorot.ratio < 4e-8  # 2.0e-8: "about 2e-8", "about eight orders"
    assert round(glorot.per_layer, 2) == 0.70 and round(he.per_layer, 2) == 1.00  # summary
    assert 0.5 < he.ratio < 2  # 0.91: "stays about the same size"
    assert 0.98 < he.estimate < 1.02  # "He's sqrt 2 makes the product 1"


# ----------------------------------------------------------------------------- sections 6-8


def test_things_to_try_with_the_slider():
    sigmoid = lesson02.depth_profile(50, "sigmoid", "glorot", 2.0)
    assert lesson02.verdict(sigmoid.signal_ratio) == "vanishing"  # 1.6e-19
    tanh = lesson02.depth_profile(50, "tanh", "glorot", 1.5)
    assert tanh.per_layer > 1 and lesson02.verdict(tanh.signal_ratio) == "exploding"  # 24
    # ReLU, standard and Glorot: forward spread and backward gradient shrink together
    for scheme in ("standard", "glorot"):
        p = lesson02.depth_profile(50, "relu", scheme)
        forward_decades = np.log10(p.stats.std[-1] / p.stats.std[0])
        backward_decades = np.log10(p.signal_ratio)
        print(scheme, forward_decades, backward_decades)  # -20.0 / -19.4, -8.3 / -7.7
        assert backward_decades < -5 and abs(forward_decades - backward_decades) < 1.5
    he = lesson02.depth_profile(50, "relu", "he")
    assert 0.1 < he.stats.std[-1] / he.stats.std[0] < 10 and 0.1 < he.signal_ratio < 10
    # sigmoid: the forward pass keeps its spread while the gradient vanishes
    sig = lesson02.depth_profile(50, "sigmoid", "glorot")
    assert 1 / 3 < sig.stats.std[-1] / sig.stats.std[0] < 3 and sig.signal_ratio < 1e-30
    # "the factor per layer hardly changes with depth" (0.698 to 0.710 for depth 5 to 50)
    factors = [lesson02.depth_profile(d, "relu", "glorot").per_layer for d in (5, 10, 20, 30, 50)]
    assert max(factors) / min(factors) < 1.05
    p = lesson02.depth_profile(30, "relu", "glorot")
    assert p.signal_ratio == pytest.approx(p.per_layer**29)


def _ratios(stats):
    """(||dL/dh_1|| / ||dL/dh_50||, ||dL/dW_1|| / ||dL/dW_50||), as the cells divide them."""
    return stats.signal_norm[0] / stats.signal_norm[-1], stats.grad_norm[0] / stats.grad_norm[-1]


def test_weight_gradient_hides_the_vanishing_as_printed_in_section_7():
    stats = layer_gradient_norms(50, "tanh", "standard")
    signal, weight = _ratios(stats)
    assert 1e-13 < signal < 1e-11  # 2.3e-12
    assert 0.5 < weight < 2  # 0.98: "about the same size"
    assert 0.4 < stats.std[0] < 0.5 and 1e-13 < stats.std[-1] < 1e-11  # 0.46, 9.9e-13
    relu = [_ratios(layer_gradient_norms(50, "relu", "he", c)) for c in (0.5, 1.0, 1.5)]
    np.testing.assert_allclose([w for _, w in relu], relu[1][1], rtol=1e-9)
    assert 1.5 < relu[1][1] < 2.2  # 1.83
    assert 1e-16 < relu[0][0] < 1e-14  # 1.6e-15: vanishing ...
    assert 0.5 < relu[1][0] < 2  # 0.91
    assert 1e8 < relu[2][0] < 1e9  # 3.9e8: ... to exploding
    assert lesson02.verdict(relu[0][0]) == "vanishing"
    assert lesson02.verdict(relu[2][0]) == "exploding"


def test_ratio_not_zero_as_printed_in_section_8():
    _, ratio = _ratios(layer_gradient_norms(50, "sigmoid", "glorot"))
    assert 2e-31 < ratio < 4e-31  # 3.1e-31: "about 3e-31"
    assert ratio > 1e200 * np.finfo(np.float64).tiny  # far from the smallest normal float64


# ----------------------------------------------------------------------------- the slider


def test_slider_moves_headlessly():
    app = lesson02.depth_slider()
    assert app.readout_text == (
        "sigmoid, glorot x1.00, depth 50: ||dL/dh_1|| / ||dL/dh_50|| = 2.1e-31 (vanishing); "
        "x0.237 per layer"
    )
    first = app.png
    updates = app.updates
    app.set(activation="relu", scheme="he")
    assert app.readout_text.startswith("relu, he x1.00, depth 50: ||dL/dh_1|| / ||dL/dh_50||")
    assert "(kept within 10x)" in app.readout_text
    assert app.updates == updates + 2 and app.png != first
    app.set(scale=2.0)
    assert "(exploding)" in app.readout_text
    app.set(depth=2)
    assert "||dL/dh_1|| / ||dL/dh_2||" in app.readout_text
    assert app.axes[0].get_title() == "backward pass (dotted: 1^k)"
    for ax in app.axes:  # the fixed axes survive every redraw
        np.testing.assert_array_equal(ax.get_yticks(), lesson02.Y_TICKS)
        assert ax.get_ylim() == pytest.approx(lesson02.Y_LIMITS) and ax.get_yscale() == "log"


def test_slider_extremes_give_no_warnings_and_stay_on_the_fixed_axes():
    app = lesson02.depth_slider()
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        app.set(depth=50, activation="relu", scheme="standard", scale=lesson02.SCALE_RANGE[1])
        assert "= 2.3e-05 (vanishing)" in app.readout_text  # gain 2 x 0.58 x slope 0.71 < 1
        for activation in lesson02.ACTIVATION_CHOICES:
            for scheme in SCHEMES:
                for scale in lesson02.SCALE_RANGE:
                    for depth in (2, 50):
                        p = lesson02.depth_profile(depth, activation, scheme, scale)
                        values = np.concatenate(
                            [p.stats.signal_norm / p.stats.signal_norm[-1], p.stats.std]
                        )
                        assert np.all(np.isfinite(values)), (activation, scheme, scale)
                        low, high = lesson02.Y_LIMITS
                        assert np.all((low < values) & (values < high)), (activation, scheme)
        app.set(activation="sigmoid", scheme="standard", scale=lesson02.SCALE_RANGE[0])
        assert "cannot compute" not in app.readout_text


def test_draw_marks_overflow_and_underflow_instead_of_failing():
    good = lesson02.depth_profile(5, "tanh", "glorot")
    stats = good.stats._replace(
        signal_norm=np.array([np.inf, 0.0, 1.0, 2.0, 3.0]), std=np.array([0.0, 1, 1, 1, 1])
    )
    broken = good._replace(stats=stats)
    app = lesson02.depth_slider()
    for ax in app.axes:
        ax.cla()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        lesson02.draw_profile(app.axes, broken)
    back = app.axes[0]
    labels = [t.get_text() for t in back.get_legend().get_texts()]
    assert "overflow" in labels and "underflow to 0" in labels
    assert len(back.collections) == 2


def test_helpers_reject_what_they_cannot_measure():
    with pytest.raises(ValueError, match="at least 2"):
        lesson02.per_layer_factor(0.5, 1)
    assert lesson02.verdict(0.05) == "vanishing" and lesson02.verdict(50) == "exploding"
    assert lesson02.verdict(0.1) == lesson02.verdict(10) == "kept within 10x"
    np.testing.assert_array_equal(lesson02.depth_profile(4).distance, [3, 2, 1, 0])


def test_init_sweep_has_a_row_per_scheme():
    fig = lesson02.init_sweep()
    assert len(fig.axes) == 6
    titles = [fig.axes[i].get_title() for i in (0, 2, 4)]
    assert titles[0].startswith("relu, standard init · backward pass")
    assert titles[2].startswith("relu, he init")
