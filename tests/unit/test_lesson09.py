"""Lesson 09: every number the lesson states, its checkers, and its sliders (headless).

The numbers are what course_utils measures with the lesson's seeds; the assertions allow a
margin around them. (Table 1's path and sequential numbers: test_complexity.py; the whole
argument: test_gradient_vs_distance.py; the depth ablation: test_transformer.py.)
"""

import json

import numpy as np
import pytest
from helpers import assert_all_different, no_warnings

from course_utils import complexity, training, transformer
from course_utils.checks import Status
from course_utils.exercises import lesson09 as ex
from course_utils.lessons import lesson09

# --- Table 1 ---------------------------------------------------------------------------------


def test_sequential_operations_and_table_1():
    seq = {
        layer: [complexity.sequential_operations(layer, n) for n in lesson09.SEQ_LENGTHS]
        for layer in ("recurrent", "self-attention")
    }  # as the lesson's cell counts them
    assert seq == {"recurrent": [20, 80, 320, 1280], "self-attention": [6, 6, 6, 6]}
    rows = lesson09.table_1(seq, complexity.path_gradients())
    assert rows[0][4] == "20 -> 1280 (n = 4 -> 256)" and rows[0][5] == "x 0.55 per step"
    assert rows[1][4] == "6 -> 6" and rows[1][5] == "~ n^-1.06"
    assert rows[2][4] == rows[3][4] == "(cited)"
    assert "recurrent" in lesson09.format_table(rows)
    assert lesson09.sequential_figure(lesson09.SEQ_LENGTHS, seq).axes[0].get_title()


def test_memory_numbers():
    """4 n^2 bytes, printed at n = 512, 4096 and 32768: the matrix torch allocates."""
    for n, megabytes in ((512, 1.05), (4096, 67.1)):
        assert complexity.measured_score_bytes(n) == 4 * n * n
        assert 4 * n * n / 1e6 == pytest.approx(megabytes, abs=0.01)
    assert 4 * 32768**2 / 1e6 == pytest.approx(4295.0, abs=0.1)


def test_cost_slider_and_sweep():
    app = lesson09.cost_slider()
    assert app.readout_text == (
        "d = 64: attention is cheaper below n = 64; at n = 4096 it costs 64x the recurrent "
        "layer's FLOPs"
    )
    first = app.png
    with no_warnings():
        for d in (8, 1024):
            app.set(d=d)
            assert app.result.d == d
    assert app.png != first
    assert len(lesson09.cost_sweep().axes) == 3


def test_path_figure_and_timing_figure():
    assert len(lesson09.path_figure(complexity.path_gradients()).axes) == 2
    fake = complexity.WallTimes(np.array([16, 64]), {("nn.RNN", 1): np.array([1e-4, 4e-4])}, 64, 1)
    ax = lesson09.timing_figure(fake).axes[0]
    assert ax.get_xscale() == "log" and "slope 1.0" in ax.get_legend().get_texts()[0].get_text()


# --- the whole-argument slider --------------------------------------------------------------


def test_whole_argument_slider_default_and_extremes():
    app = lesson09.whole_argument_slider()
    assert app.readout_text == (
        "at distance 100: mlp 9.2e-63, rnn 1.4e-25, lstm 1.1e-06 (cell path alone 2.6e-14), "
        "attention 1.8e-02"
    )
    first = app.png
    with no_warnings():
        for radius in (0.1, 1.5):
            for bias in (-2.0, 6.0):
                app.set(radius=radius, forget_bias=bias)
    assert app.png != first
    assert "lstm" in app.readout_text
    assert len(lesson09.whole_argument_sweep().axes) == 3


def test_the_slider_computes_every_lstm_setting_once():
    """The LSTM's full BPTT (about 20 ms) is cached for all 17 settings when the slider is
    built, so that moving it only redraws."""
    from course_utils import gradient_vs_distance

    gradient_vs_distance.lstm_curves.cache_clear()
    lesson09.whole_argument_slider()
    assert gradient_vs_distance.lstm_curves.cache_info().currsize == 17
    assert gradient_vs_distance.lstm_curves.cache_info().maxsize >= 17


# --- the training recipe ---------------------------------------------------------------------


def test_learning_rate_schedule():
    """Vaswani et al. (2017), eq. 3: linear to the peak (512 * 4000)^-0.5 = 7.0e-4 at step 4000,
    then 1/sqrt(step)."""
    lr = lesson09.transformer_learning_rate
    peak = (512 * 4000) ** -0.5
    assert float(lr(4000)) == pytest.approx(peak) and f"{float(lr(4000)):.1e}" == "7.0e-04"
    assert float(lr(1)) == pytest.approx(peak / 4000)  # linear warm-up from step 1
    assert float(lr(2000)) == pytest.approx(peak / 2)
    assert float(lr(16_000)) == pytest.approx(peak / 2)  # 1/sqrt(step) after the peak
    steps = np.arange(1, 100_001)
    rates = lr(steps)
    assert rates.shape == steps.shape and np.argmax(rates) == 3999
    assert f"{rates.max():.1e}" == "7.0e-04"  # "peak learning rate ... (printed above)"
    assert float(lr(8000, d_model=1024, warmup_steps=8000)) == pytest.approx((1024 * 8000) ** -0.5)
    ax = lesson09.schedule_figure(steps, rates).axes[0]
    assert ax.get_xlabel() == "training step" and ax.get_title()


# --- the tiny Transformer on agreement ---------------------------------------------------------


@pytest.fixture(scope="module")
def spread():
    return lesson09.seed_spread(lesson09.load_sweep())


def test_shipped_seeds_quoted(spread):
    """ "between 83 % and 95 % at distance 50", "no seed below 80 % at any distance",
    "several points below distance 10 (up to 17)"."""
    data = lesson09.load_sweep()
    assert data["config"] == json.loads(json.dumps(transformer.AGREEMENT))
    assert data["distances"] == list(lesson09.DISTANCES)
    assert spread.seeds == list(lesson09.SWEEP_SEEDS) and data["machine"]["torch_cpu_capability"]
    assert f"{spread.final.min():.0%}" == "83%" and f"{spread.final.max():.0%}" == "95%"
    assert spread.by_distance.min() > 0.80
    assert round(100 * spread.largest_drop) == 17
    assert 0 < spread.largest_drop < 0.5  # far from the RNN's fall of 50 points


@pytest.mark.training
def test_a_fresh_run_of_seed_0_falls_within_the_shipped_spread(spread):
    """The live run (seed 0, about 3-8 s) against the eight shipped seeds: measured on both
    kernel settings, seed 0 ends at 93-95 % and seeds 0-7 at 83-96 %."""
    run = lesson09.agreement_run()
    assert spread.final.min() - 0.05 <= run.result.final <= 1.0
    assert run.by_distance.min() >= spread.by_distance.min() - 0.05
    assert sum(p.numel() for p in run.model.parameters()) == 17_985
    fig = lesson09.agreement_figure(run.by_distance)
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "Transformer (one model, seed 0)" in labels


@pytest.mark.training
def test_order_ablation():
    """ "within two points of 50 %" without positions, "100 % in every one" with them, and a
    change of float32 round-off under shuffling: seeds 0-1 (measured 0-5, both kernel settings:
    49.6-50.9 %, 100 %, 9e-8 to 1.3e-7)."""
    for seed in range(2):
        with_pe, without = lesson09.order_run(True, seed), lesson09.order_run(False, seed)
        assert with_pe.result.final == 1.0
        assert abs(without.result.final - 0.5) < 0.02
        assert 1e-8 < without.permutation_change < 1e-6
    assert (
        lesson09.order_figure([lesson09.order_run(True), lesson09.order_run(False)])
        .axes[0]
        .get_title()
    )


def test_crossing_phrases():
    lengths = (16, 64, 256, 1024, 4096)
    assert lesson09.crossing(float("nan"), lengths) == "stayed faster than nn.RNN up to n = 4096"
    assert lesson09.crossing(16.0, lengths) == "was slower than nn.RNN from n = 16 on"
    assert lesson09.crossing(301.4, lengths) == "became slower than nn.RNN near n = 301"


def test_depth_figure_and_pitfall():
    ax = lesson09.depth_figure(transformer.depth_ablation()).axes[0]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "underflow to 0" in labels  # the plain stack's block 1
    right = transformer.layer_gradients("Pre-LN").grad_norms[0]
    trap = transformer.layer_gradients("Pre-LN", final_norm=True).grad_norms[0]
    assert right == pytest.approx(492, abs=1)
    assert trap < 1e-5


def test_encoding_figure():
    fig = lesson09.encoding_figure(transformer.sinusoidal_encoding(52, 32))
    assert len(fig.axes) == 3  # heatmap, its colour bar, the columns
    assert fig.axes[0].get_title() == "Positional encoding, 52 positions x 32 columns"


def test_training_uses_lesson06_task():
    task = training.agreement_task(transformer.AGREEMENT["distance"])
    assert task.test_x.shape == (52, 1000)


# --- exercise 1: memory ----------------------------------------------------------------------


def test_memory_checker():
    assert ex.check_memory_prediction(67.1).passed
    assert ex.check_memory_prediction(50).passed  # within a factor of 1.5
    assert ex.check_memory_prediction(4096 * 4096).status is Status.WRONG_VALUES  # bytes
    assert ex.check_memory_prediction(...).status is Status.NOT_ATTEMPTED


# --- exercise 2: Post-LN and Pre-LN ----------------------------------------------------------


def test_block_checker():
    assert ex.check_block(ex.reference_block).passed
    for mistake in ex.BLOCK_MISTAKES:
        result = ex.check_block(mistake.fn)
        assert result.status is Status.WRONG_VALUES, mistake.hint
        assert mistake.hint in result.message
    assert_all_different(ex.reference_block, ex.BLOCK_MISTAKES, ex.BLOCK_CASES[0])

    def stub(x, f):
        raise NotImplementedError

    assert ex.check_block(stub).status is Status.NOT_ATTEMPTED


# --- exercise 3: positional encoding ---------------------------------------------------------


def test_encoding_checker():
    assert ex.check_positional_encoding(ex.reference_encoding).passed
    for mistake in ex.ENCODING_MISTAKES:
        result = ex.check_positional_encoding(mistake.fn)
        assert result.status is Status.WRONG_VALUES, mistake.hint
        assert mistake.hint in result.message
    assert_all_different(ex.reference_encoding, ex.ENCODING_MISTAKES, ex.ENCODING_CASES[0])
    transposed = ex.check_positional_encoding(lambda n, d: ex.reference_encoding(n, d).T)
    assert transposed.status is Status.WRONG_SHAPE and "Transposed?" in transposed.message

    def stub(n, d):
        raise NotImplementedError

    assert ex.check_positional_encoding(stub).status is Status.NOT_ATTEMPTED
