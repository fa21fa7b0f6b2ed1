"""Lesson 05: every number the lesson states, its checkers, and its slider (headless).

The numbers are what course_utils measures with the lesson's seeds (noted as "measured");
the assertions allow a margin around them. Wall-clock claims (time per step) are asserted as
ratios with wide margins, because the test machine may be busy.
"""

import math

import numpy as np
import pytest
import torch
from helpers import assert_all_different, assert_close, no_warnings

from course_utils import lstm, plots, rnn, tasks
from course_utils.activations import sigmoid
from course_utils.checks import Status
from course_utils.exercises import lesson05 as ex
from course_utils.lessons import lesson05
from course_utils.tasks import AGREEMENT_VOCAB

torch.set_num_threads(1)


# --- the gates and the gradient check ---------------------------------------------------------


def test_parameter_shapes_printed_in_the_lesson():
    params = lstm.init_lstm(n_in=8, n_hidden=64, forget_bias=1.0, seed=0)
    assert params["W_x"].shape == (8, 256) and params["W_h"].shape == (64, 256)
    assert params["b"].shape == (256,)
    assert lstm.gate_slice("f", 64) == slice(64, 128)
    np.testing.assert_array_equal(np.unique(params["b"][64:128]), [1.0])


def test_gradient_check_all_references_agree():
    check = lesson05.gradient_check()
    assert check.forward < 1e-12  # measured 7.5e-17
    assert set(check.backward) == {"finite differences", "torch autograd", "torch.nn.LSTM"}
    for by_weight in check.backward.values():
        assert set(by_weight) == {"W_x", "W_h", "b"}
        assert max(by_weight.values()) < 1e-7
    # "finite differences, as always, are the least precise": measured ~1e-10 against ~1e-16
    exact = [e for ref in ("torch autograd", "torch.nn.LSTM") for e in check.backward[ref].values()]
    assert min(check.backward["finite differences"].values()) > max(exact)


# --- exercise 1: one LSTM step ---------------------------------------------------------------


def test_step_checker_accepts_the_solution_and_the_reference():
    def solution(x, h_prev, c_prev, W_x, W_h, b):
        H = h_prev.shape[1]
        z = x @ W_x + h_prev @ W_h + b
        i, f = sigmoid(z[:, :H]), sigmoid(z[:, H : 2 * H])
        g, o = np.tanh(z[:, 2 * H : 3 * H]), sigmoid(z[:, 3 * H :])
        c = f * c_prev + i * g
        return o * np.tanh(c), c

    assert ex.check_lstm_step_forward(solution).passed
    assert ex.check_lstm_step_forward(ex.reference_step).passed


def test_step_checker_catches_each_mistake_with_its_hint():
    assert len(ex.STEP_MISTAKES) == 8 + 23  # 8 formula mistakes, 23 wrong block orders
    for mistake in ex.STEP_MISTAKES:
        result = ex.check_lstm_step_forward(mistake.fn)
        assert result.status is Status.WRONG_VALUES, mistake.hint
        assert mistake.hint in result.message


def test_step_mistakes_differ_from_each_other_on_the_first_case():
    assert_all_different(ex.reference_step, ex.STEP_MISTAKES, ex.STEP_CASES[0])


def test_named_orders_are_caught_with_the_order_in_the_hint():
    """The brief's examples, written as a learner would: i, f, o, g and f, i, g, o."""

    def sliced(order):
        def step(x, h_prev, c_prev, W_x, W_h, b):
            H = h_prev.shape[1]
            z = x @ W_x + h_prev @ W_h + b
            block = {name: z[:, k * H : (k + 1) * H] for k, name in enumerate(order)}
            i, f, o = (sigmoid(block[n]) for n in "ifo")
            c = f * c_prev + i * np.tanh(block["g"])
            return o * np.tanh(c), c

        return step

    for order in ("ifog", "figo", "gifo"):
        result = ex.check_lstm_step_forward(sliced(order))
        assert result.status is Status.WRONG_VALUES
        assert f"as ({', '.join(order)})" in result.message
    assert ex.check_lstm_step_forward(sliced("ifgo")).passed


def test_step_reference_matches_torch_lstm_cell():
    x, h_prev, c_prev, W_x, W_h, b = ex.STEP_CASES[0]
    cell = torch.nn.LSTMCell(W_x.shape[0], h_prev.shape[1], dtype=torch.float64)
    with torch.no_grad():
        cell.weight_ih.copy_(torch.tensor(W_x.T))
        cell.weight_hh.copy_(torch.tensor(W_h.T))
        cell.bias_ih.copy_(torch.tensor(b))
        cell.bias_hh.zero_()
        h, c = cell(torch.tensor(x), (torch.tensor(h_prev), torch.tensor(c_prev)))
    ours = ex.reference_step(*ex.STEP_CASES[0])
    assert_close(ours[0], h.numpy(), rtol=1e-12)
    assert_close(ours[1], c.numpy(), rtol=1e-12)


def test_step_checker_not_attempted_and_errors():
    def stub(*args):
        raise NotImplementedError

    assert ex.check_lstm_step_forward(stub).status is Status.NOT_ATTEMPTED
    assert ex.check_lstm_step_forward(lambda *a: 1 / 0).status is Status.ERROR
    assert ex.check_lstm_step_forward(lambda *a: a[1]).status is Status.WRONG_TYPE


# --- exercise 2: the cell-path products -------------------------------------------------------


def test_path_checker_accepts_the_solution_and_matches_cell_path_gradient():
    def solution(f):
        return np.concatenate([np.ones((1, f.shape[1])), np.cumprod(f[::-1], axis=0)[:-1]])

    assert ex.check_cell_path_products(solution).passed
    # the reference is what lstm.cell_path_gradient computes, from that LSTM's own gates
    rng = np.random.default_rng(0)
    params = lstm.init_lstm(8, 64, 1.0, rng)
    x = rng.standard_normal((30, 1, 8))
    _, _, caches = lstm.lstm_forward(x, None, None, params)
    f = np.concatenate([c.f for c in caches])
    path = lstm.cell_path_gradient(1.0, T=30)
    np.testing.assert_allclose(ex.reference_path(f), np.exp(path.log_products), rtol=1e-12)
    np.testing.assert_allclose(solution(f), np.exp(path.log_products), rtol=1e-10)


def test_path_checker_catches_each_mistake_with_its_hint():
    assert len(ex.PATH_MISTAKES) == 7
    for mistake in ex.PATH_MISTAKES:
        result = ex.check_cell_path_products(mistake.fn)
        assert result.status in (Status.WRONG_VALUES, Status.WRONG_SHAPE), mistake.hint
        assert mistake.hint in result.message


def test_path_mistakes_differ_from_each_other_on_the_first_case():
    assert_all_different(ex.reference_path, ex.PATH_MISTAKES, ex.PATH_CASES[0])


def test_path_checker_not_attempted():
    def stub(f):
        raise NotImplementedError

    assert ex.check_cell_path_products(stub).status is Status.NOT_ATTEMPTED


# --- exercise 3: the prediction ----------------------------------------------------------------


def test_prediction_checker_and_its_numbers():
    measured = lstm.cell_path_gradient(1.0, T=100).median[99]  # exercise 3's LSTM
    assert measured == pytest.approx(2.0e-14, rel=0.05)  # measured 2.00e-14
    assert ex.check_cell_path_prediction(float(sigmoid(1.0)) ** 99).passed  # 3.4e-14
    assert ex.check_cell_path_prediction(...).status is Status.NOT_ATTEMPTED
    too_small = ex.check_cell_path_prediction(0.5**99)  # sigmoid(0) instead of sigmoid(1)
    assert too_small.status is Status.WRONG_VALUES and "too small" in too_small.message
    assert "0.731^99 = 3.4e-14" in too_small.message
    assert "measured -0.319 per step" in too_small.message
    assert "log sigmoid(1) = -0.313" in too_small.message


# --- the slider and the numbers after it -------------------------------------------------------


def test_cell_path_quoted_numbers():
    rnn_99 = rnn.gradient_vs_lag(100, 0.9, "tanh").norms[99]
    assert f"{rnn_99:.0e}" == "1e-25"  # measured 1.49e-25
    expected = {0.0: (1e-31, 1e-29), 1.0: (1.5e-14, 2.5e-14), 3.0: (0.005, 0.01)}
    for bias, (lo, hi) in expected.items():
        path = lstm.cell_path_gradient(bias, T=100)
        assert abs(path.typical_f - sigmoid(bias)) < 0.01  # "within 0.01 of sigmoid(b_f)"
        assert lo < path.median[99] < hi  # measured 8.2e-31, 2.0e-14, 7.1e-3
    b0, b1 = lstm.cell_path_gradient(0.0), lstm.cell_path_gradient(1.0)
    assert b0.median[99] < rnn_99  # "smaller than the RNN's"
    assert 1e11 < b1.median[99] / rnn_99 < 1e12  # "eleven orders of magnitude better"
    assert b1.typical_f == pytest.approx(0.73, abs=0.005)


def test_slider_uses_the_course_functions():
    res = lesson05.cell_path(2.0, 50)
    path = lstm.cell_path_gradient(2.0, 50)
    np.testing.assert_array_equal(res.path.median, path.median)
    np.testing.assert_array_equal(res.rnn.norms, rnn.gradient_vs_lag(50, 0.9, "tanh").norms)


def test_slider_default_readout_and_moving():
    app = lesson05.cell_path_slider()
    assert app.readout_text == (
        "b_f = +1.0, T = 100: typical forget gate exp(mean log f) = 0.727 (sigmoid(b_f) = "
        "0.731); direct cell path back to step 1 (lag 99): median 2e-14 over 64 units "
        "(sigmoid(b_f)^99 = 3.4e-14); lesson 03's tanh RNN: 1.5e-25"
    )
    first = app.png
    updates = app.updates
    app.set(forget_bias=3.0)
    assert app.updates == updates + 1
    assert app.readout_text.startswith("b_f = +3.0, T = 100: typical forget gate")
    assert "median 0.0071 over 64 units" in app.readout_text
    assert app.png != first
    app.set(T=10)
    assert "(lag 9)" in app.readout_text
    assert app.axes[0].get_yscale() == "log"
    legend = [t.get_text() for t in app.axes[0].get_legend().get_texts()]
    assert legend == ["tanh RNN (lesson 03)", "LSTM cell path", "σ(b_f)^k"]


def test_slider_never_warns_or_fails_over_its_range():
    app = lesson05.cell_path_slider()
    with no_warnings():
        for bias in (*lesson05.BIAS_RANGE, 0.0):
            for T in lesson05.T_RANGE:
                app.set(forget_bias=bias, T=T)
                assert app.readout_text.startswith(f"b_f = {bias:+.1f}, T = {T}")
                assert np.all(app.result.path.median > 0)  # no underflow at the extremes
                low, high = app.axes[0].get_ylim()
                assert 1e-300 <= low < app.result.path.median.min()
                assert high > 1.0


def test_slider_is_laid_out_for_its_widest_tick_labels():
    """Laid out at b_f = -2, T = 200, whose ticks reach 1e-200 (the widest labels)."""
    app = lesson05.cell_path_slider()
    app.set(forget_bias=lesson05.BIAS_RANGE[0], T=lesson05.T_RANGE[1])
    assert "1e-200" in [t.get_text() for t in app.axes[0].get_yticklabels()]
    label = app.axes[0].yaxis.label.get_window_extent(app.figure.canvas.get_renderer())
    assert label.x0 >= 0


def test_sweep_has_three_titled_log_panels():
    fig = lesson05.cell_path_sweep()
    assert len(fig.axes) == 3
    titles = [ax.get_title() for ax in fig.axes]
    assert titles[0] == "b_f = 0 · typical f = 0.497"
    assert titles[2] == "b_f = 3 · typical f = 0.951"
    assert all(ax.get_yscale() == "log" for ax in fig.axes)


# --- the whole gradient against the direct cell path -----------------------------------------


def test_full_vs_direct_uses_the_slider_lstm():
    """The direct path is r * (product of the forget gates) of cell_path_gradient's LSTM."""
    res = lstm.full_vs_direct(1.0, T=40)
    path = lstm.cell_path_gradient(1.0, T=40)
    rng = np.random.default_rng(0)
    lstm.init_lstm(8, 64, 1.0, rng)
    rng.standard_normal((40, 1, 8))
    r = rng.standard_normal(64)
    r /= np.linalg.norm(r)
    expected = np.linalg.norm(r * np.exp(path.log_products), axis=1)
    np.testing.assert_allclose(res.direct, expected, rtol=1e-10)
    assert res.full[0] == pytest.approx(1.0) and res.direct[0] == pytest.approx(1.0)


def test_full_gradient_matches_autograd():
    """||dL/dc_t|| for L = <r, c_T>, by torch autograd through the same equations."""
    T, gain = 12, 3.0
    res = lstm.full_vs_direct(1.0, T=T, gain=gain)
    rng = np.random.default_rng(0)
    params = lstm.init_lstm(8, 64, 1.0, rng)
    x = rng.standard_normal((T, 1, 8))
    r = rng.standard_normal((1, 64))
    r /= np.linalg.norm(r)
    tp = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    W_h = gain * tp["W_h"]
    h = c = torch.zeros(1, 64, dtype=torch.float64)
    cells = []
    for t in range(T):
        z = torch.tensor(x[t]) @ tp["W_x"] + h @ W_h + tp["b"]
        i, f, g, o = (z[:, lstm.gate_slice(k, 64)] for k in lstm.GATES)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        c.retain_grad()
        cells.append(c)
        h = torch.sigmoid(o) * torch.tanh(c)
    (cells[-1] * torch.tensor(r)).sum().backward()
    norms = [float(cells[T - 1 - k].grad.norm()) for k in range(T)]
    np.testing.assert_allclose(res.full, norms, rtol=1e-10)


def test_full_vs_direct_quoted_numbers():
    b0, b1, b3 = (lstm.full_vs_direct(b) for b in (0.0, 1.0, 3.0))
    assert 1e-20 < b0.full[99] < 1e-19 and 1e-30 < b0.direct[99] < 1e-29  # 3.9e-20, 2.2e-30
    assert 3e-7 < b1.full[99] < 7e-7  # "about 5e-7" (measured 4.6e-7)
    assert 2e-14 < b1.direct[99] < 5e-14  # "3e-14" (measured 3.5e-14)
    assert 10 < b3.full[99] < 25 and 5e-3 < b3.direct[99] < 1e-2  # 16, 8.3e-3
    assert b0.slope("full") == pytest.approx(-0.43, abs=0.005)
    assert b1.slope("full") == pytest.approx(-0.12, abs=0.005)
    assert b3.slope("full") == pytest.approx(0.04, abs=0.005)
    for res in (b0, b1, b3):
        assert np.all(res.full[1:] > res.direct[1:])  # "far larger than the direct path"
        assert res.slope("direct") == pytest.approx(math.log(sigmoid(res.forget_bias)), abs=0.02)


def test_first_input_table_quoted_numbers():
    """The cell's table, T = 100, seed 0."""
    ratio = lesson05.input_gradient_ratio
    rnn_, gru = ratio("rnn"), ratio("gru")
    b0, b1, b3 = (ratio("lstm", forget_bias=b) for b in (0.0, 1.0, 3.0))
    assert 4e-22 < rnn_ < 6e-22  # "5e-22" (measured 4.9e-22)
    assert 1.5e-20 < b0 < 2.5e-20  # "2e-20" (measured 1.6e-20)
    assert 1.5e-7 < b1 < 2.5e-7  # "2e-7" (measured 2.1e-7)
    assert 1e13 < b1 / b0 < 1e14  # "thirteen orders"
    assert 4 < b3 < 6  # "about 5, more than the last input gets"
    assert 3e-18 < gru < 5e-18  # "4e-18" (measured 4.2e-18)


def test_input_gradient_ratio_rejects_a_bias_it_cannot_set():
    with pytest.raises(ValueError):
        lesson05.input_gradient_ratio("gru", 100, forget_bias=1.0)
    with pytest.raises(ValueError):
        lesson05.input_gradient_ratio("transformer", 100)


def test_input_gradient_ratio_short_sequences_are_comparable():
    """At T = 10 every model still passes 0.4 % to 100 % of the gradient to x_1."""
    for model, bias in [("rnn", None), ("lstm", 0.0), ("lstm", 1.0), ("gru", None)]:
        assert 4e-3 < lesson05.input_gradient_ratio(model, 10, bias, seed=0) < 1.0


def test_full_path_figure_is_labelled_without_warnings():
    with no_warnings():
        fig = lesson05.full_path_figure({b: lstm.full_vs_direct(b) for b in (0.0, 1.0, 3.0)})
        plots.png_bytes(fig)
    ax = fig.axes[0]
    assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    assert ax.get_yscale() == "log"
    assert len(ax.get_legend().get_texts()) == 6


# --- the hand-set LSTM on the sentence --------------------------------------------------------


def traces():
    """The cell: the hand-set LSTM over the article's sentence and its plural twin."""
    handset = lesson05.agreement_lstm()
    trace = lstm.gate_activations(handset, tasks.tokenize(tasks.ARTICLE_SENTENCE))
    twin = lstm.gate_activations(handset, tasks.tokenize(lesson05.PLURAL_SENTENCE))
    return trace, twin


def test_vocabulary_and_sentence_printed():
    assert len(AGREEMENT_VOCAB) == 27
    assert tasks.tokenize(tasks.ARTICLE_SENTENCE) == [
        "the", "cat", "which", "already", "ate", "a", "bowl", "of", "milk", "was", "full",
    ]  # fmt: skip


def test_weight_rows_describe_the_hand_set_weights():
    assert lesson05.weight_rows(lesson05.agreement_lstm()) == [
        "    input gate i, unit 0: bias -5; +10 from every noun; -20 × h_1",
        "    input gate i, unit 1: bias -5; +10 from every noun",
        "   forget gate f, unit 0: bias +10",
        "   forget gate f, unit 1: bias +10",
        "     candidate g, unit 0: bias +0; +3 from each plural noun; -3 from each singular noun",
        "     candidate g, unit 1: bias +0; +3 from every noun",
        "   output gate o, unit 0: bias -5; +10 from each verb (was, were, <verb>)",
        "   output gate o, unit 1: bias +10",
    ]


def test_sentence_trace_quoted_numbers():
    trace, twin = traces()
    cat, was = trace.tokens.index("cat"), trace.tokens.index("was")
    assert twin.tokens[cat] == "cats" and twin.tokens[was] == "were"
    assert f"{trace.i[cat, 0]:.3f}" == "0.993" == f"{float(sigmoid(5.0)):.3f}"
    assert f"{np.delete(trace.i[:, 0], cat).max():.3f}" == "0.007"
    assert f"{trace.o[was, 0]:.3f}" == "0.993"
    assert f"{np.delete(trace.o[:, 0], was).max():.3f}" == "0.007"
    assert f"{trace.f.min():.5f}" == "0.99995"
    assert f"{trace.c[cat, 0]:+.2f}" == "-0.99"
    assert np.all(trace.c[cat:, 0] < -0.98)  # "holds -0.99 from 'cat' on"
    assert f"{trace.h[cat, 1]:.2f}" == "0.76" and trace.h[cat:, 1].min() >= 0.755
    assert f"{trace.h[was, 0]:+.2f}" == "-0.75" and f"{twin.h[was, 0]:+.2f}" == "+0.75"
    h0 = np.delete(trace.h[:, 0], was)
    assert np.abs(h0).max() < 0.01  # "h_0 is 0 everywhere except at the verb"
    bowl = trace.tokens.index("bowl")
    assert trace.i[bowl, 0] < 1e-4  # the flag keeps unit 0's input gate shut at "bowl"


def test_handset_accuracy():
    """The cell: every one of 500 sequences right, distances 1 to 60, attractors everywhere."""
    batch = tasks.agreement_batch(0, 500, (1, 60), attractors=1.0, noun_rate=0.3)
    x = np.eye(len(AGREEMENT_VOCAB))[batch.tokens]
    hs, _, _ = lstm.lstm_forward(x, None, None, lesson05.agreement_lstm())
    right = (hs[-1][:, 0] > 0) == (batch.labels == 1)
    assert right.all() and len(right) == 500
    assert (batch.distances.min(), batch.distances.max()) == (1, 60)


def test_cell_path_from_was_to_cat_against_lesson_03():
    trace, _ = traces()
    cat, was = trace.tokens.index("cat"), trace.tokens.index("was")
    assert was - cat == 8
    path = trace.f[cat + 1 : was + 1, 0].prod()
    assert f"{path:.4f}" == "0.9996" and path > 0.999  # "more than 99.9 %"
    share = rnn.gradient_vs_lag(was + 1, 0.9, "tanh").norms[was - cat]
    assert f"{share:.2%}" == "0.46%"


def test_gates_figure_has_heatmap_and_states():
    with no_warnings():
        fig = lesson05.gates_figure(*traces())
        plots.png_bytes(fig)
    top, bottom = fig.axes
    assert len(top.images) == 1 and top.images[0].get_array().shape == (6, 11)
    labels = [t.get_text() for t in top.get_yticklabels()]
    assert labels[0] == "input i, unit 0" and labels[4] == "forget f, unit 1"
    assert [t.get_text() for t in bottom.get_xticklabels()][1] == "cat/cats"
    assert top.get_title() and bottom.get_title()


# --- the GRU and the parameter counts ---------------------------------------------------------


def test_parameter_counts_printed():
    """The cell: one layer with 16 inputs and 32 units; 3 and 4 times the RNN's."""
    assert lstm.rnn_parameter_count(n_in=16, n_hidden=32) == 1600
    assert lstm.gru_parameter_count(n_in=16, n_hidden=32) == 4800
    assert lstm.lstm_parameter_count(n_in=16, n_hidden=32) == 6400
    for count, module in (
        (lstm.rnn_parameter_count, torch.nn.RNN),
        (lstm.gru_parameter_count, torch.nn.GRU),
        (lstm.lstm_parameter_count, torch.nn.LSTM),
    ):
        assert count(16, 32) == sum(p.numel() for p in module(16, 32).parameters())


# --- the myths ---------------------------------------------------------------------------------


def test_explosion_quoted_numbers():
    runs = {gain: lstm.full_vs_direct(1.0, T=100, gain=gain) for gain in (1.0, 4.0, 16.0)}
    assert 3e-7 < runs[1.0].full[99] < 7e-7  # "about 5e-7"
    assert 3 < runs[4.0].full[99] < 8  # "ends near 5" (measured 5.4)
    assert 2e14 < runs[16.0].full[99] < 5e14  # "about 3e14" (measured 3.4e14)
    for res in runs.values():
        assert res.direct.max() <= 1 + 1e-12  # "never exceeds 1"
        assert np.all(np.diff(res.direct) <= 1e-15)  # and only shrinks
    with no_warnings():
        fig = lesson05.explosion_figure(runs)
        plots.png_bytes(fig)
    assert len(fig.axes[0].get_legend().get_texts()) == 4
