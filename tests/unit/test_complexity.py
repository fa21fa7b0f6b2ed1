"""course_utils.complexity: Vaswani et al. (2017) Table 1, measured."""

import numpy as np
import pytest

from course_utils import complexity
from course_utils.env import use_one_thread


def test_sequential_operations_grow_for_the_rnn_only():
    for n in (4, 16, 64):
        assert complexity.sequential_operations("recurrent", n) == 5 * n
        assert complexity.sequential_operations("self-attention", n) == 6
    with pytest.raises(ValueError):
        complexity.sequential_operations("convolutional", 4)


def test_graph_depth_of_a_known_chain():
    import torch

    x = torch.ones(3, requires_grad=True)
    y = x
    for _ in range(10):
        y = y * 2
    assert complexity.graph_depth(y) == 10
    assert complexity.graph_depth(x.sum() + (x * 2).sum()) == 3  # mul, sum, add


def test_path_gradients_rnn_exponential_attention_one_over_n():
    p = complexity.path_gradients()
    # RNN: log-norm linear in n (exponential decay), about x 0.55 per step
    slope, intercept = np.polyfit(p.lengths, p.rnn_log10, 1)
    resid = p.rnn_log10 - (slope * p.lengths + intercept)
    assert np.abs(resid).max() < 2.0 and p.rnn_rate == pytest.approx(0.55, abs=0.01)
    assert p.rnn_log10[-1] == pytest.approx(-530.6, abs=0.5)
    # attention: slope near -1 on log-log
    assert p.attention_slope == pytest.approx(-1.06, abs=0.01)
    # sharp margin: O(1), 4.7 to 7.9
    assert 4.6 < p.sharp.min() and p.sharp.max() < 8.0
    assert p.sharp_weight[0] > 0.99 and p.sharp_weight[-1] == pytest.approx(0.55, abs=0.01)


def test_flops_and_memory():
    assert complexity.flops("recurrent", 64, 64) == complexity.flops("self-attention", 64, 64)
    assert complexity.flops("self-attention", 4096, 64) / complexity.flops(
        "recurrent", 4096, 64
    ) == pytest.approx(64)
    assert complexity.measured_score_bytes(512) == 4 * 512**2
    assert complexity.measured_score_bytes(4096) == 4 * 4096**2 == 67_108_864
    with pytest.raises(ValueError):
        complexity.flops("convolutional", 8, 8)


def test_crossover_and_slope_helpers():
    n = np.array([16, 64, 256, 1024])
    rnn = 1e-5 * n
    att = 1e-8 * n**2.0
    assert complexity.crossover(n, rnn, att) == pytest.approx(1000, rel=1e-9)
    assert complexity.loglog_slope(n, att) == pytest.approx(2.0)
    assert complexity.loglog_slope(n, rnn) == pytest.approx(1.0)
    assert np.isnan(complexity.crossover(n, rnn, att / 1e6))
    assert complexity.crossover(n, rnn / 1e6, att) == 16


def test_time_forward_runs_every_kind():
    use_one_thread()
    for kind in complexity.TIMED:
        assert complexity.time_forward(kind, 16, d=8, repeats=1) > 0
    with pytest.raises(ValueError):
        complexity.time_forward("lstm", 16)


@pytest.mark.timing
def test_wall_time_slopes_and_crossover():
    """Measured (loaded 2-core machine): nn.RNN slope 1.0, attention 2.1, crossover ~580."""
    use_one_thread()
    w = complexity.wall_times((256, 1024, 4096), repeats=5)
    rnn, att = w.seconds["nn.RNN", 1], w.seconds["attention", 1]
    assert 0.7 < complexity.loglog_slope(w.lengths, rnn, last=3) < 1.4
    assert 1.6 < complexity.loglog_slope(w.lengths, att, last=3) < 2.6
    assert att[-1] > 3 * rnn[-1]  # attention slower at n = 4096 on a CPU
    short = complexity.wall_times((16, 64, 256, 1024, 4096), repeats=3)
    cross = complexity.crossover(
        short.lengths, short.seconds["nn.RNN", 1], short.seconds["attention", 1]
    )
    assert 64 <= cross <= 2048
