"""Fast tests for course_utils.training: models, tasks, the Adam step, the training loop's
bookkeeping, and the conversion of a trained LSTM to course_utils.lstm params. The claims
that need real training runs are in test_long_range_claims.py (marked slow)."""

import numpy as np
import pytest
import torch

from course_utils.lstm import (
    gate_activations,
    gru_parameter_count,
    lstm_forward,
    lstm_parameter_count,
    rnn_parameter_count,
)
from course_utils.tasks import AGREEMENT_VOCAB, agreement_batch
from course_utils.training import (
    Adam,
    accuracy_by_distance,
    adding_task,
    agreement_task,
    distance_sweep,
    evaluate,
    make_model,
    numpy_lstm_params,
    time_per_step,
    train,
)

torch.set_num_threads(1)
V = len(AGREEMENT_VOCAB)


def count(model):
    return sum(p.numel() for p in model.parameters())


# --- models ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kind, core_count",
    [("rnn", rnn_parameter_count), ("lstm", lstm_parameter_count), ("gru", gru_parameter_count)],
)
def test_make_model_shapes_and_counts(kind, core_count):
    tokens = make_model(kind, AGREEMENT_VOCAB, hidden=12, seed=0, embed=5)
    assert count(tokens) == V * 5 + core_count(5, 12) + 12 + 1
    x = torch.from_numpy(agreement_batch(0, 7, 4).tokens)
    assert tokens(x).shape == (7,)
    channels = make_model(kind, 2, hidden=12, seed=0)
    assert channels.embedding is None and count(channels) == core_count(2, 12) + 13
    assert channels(torch.zeros(9, 4, 2)).shape == (4,)


def test_make_model_is_seeded_and_leaves_global_rng_alone():
    torch.manual_seed(123)
    expected = torch.rand(1)
    torch.manual_seed(123)
    a = make_model("lstm", AGREEMENT_VOCAB, 8, seed=3)
    assert torch.rand(1) == expected
    b = make_model("lstm", AGREEMENT_VOCAB, 8, seed=3)
    c = make_model("lstm", AGREEMENT_VOCAB, 8, seed=4)
    for pa, pb in zip(a.parameters(), b.parameters(), strict=True):
        assert torch.equal(pa, pb)
    assert not torch.equal(a.core.weight_hh_l0, c.core.weight_hh_l0)


def test_forget_bias():
    model = make_model("lstm", 2, 8, forget_bias=2.0, seed=0)
    effective = model.core.bias_ih_l0 + model.core.bias_hh_l0
    assert torch.all(effective[8:16] == 2.0)
    assert not torch.all(effective[:8] == 0)  # the other gates keep torch's init
    with pytest.raises(ValueError):
        make_model("gru", 2, 8, forget_bias=1.0)
    with pytest.raises(ValueError):
        make_model("transformer", 2, 8)


def test_numpy_lstm_params_reproduce_the_trained_cell():
    model = make_model("lstm", AGREEMENT_VOCAB, 8, forget_bias=1.0, seed=0)
    tokens = agreement_batch(0, 5, 6).tokens
    with torch.no_grad():
        out, _ = model.core(model.embedding(torch.from_numpy(tokens)))
    params = numpy_lstm_params(model)
    assert params["W_x"].shape == (V, 32) and params["W_x"].dtype == np.float64
    hs, _, _ = lstm_forward(np.eye(V)[tokens], None, None, params)
    np.testing.assert_allclose(hs[1:], out.numpy(), rtol=1e-5, atol=1e-6)
    trace = gate_activations(params, [AGREEMENT_VOCAB[t] for t in tokens[:, 0]])
    np.testing.assert_allclose(trace.h, out[:, 0].numpy(), rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError):
        numpy_lstm_params(make_model("gru", 2, 4))


# --- optimiser and tasks -----------------------------------------------------------------------


def test_adam_matches_torch_optim():
    task = agreement_task((1, 5), test_size=10)
    ours, theirs = (make_model("gru", task.inputs, 8, seed=0) for _ in range(2))
    optimizers = [Adam(ours.parameters(), 0.01), torch.optim.Adam(theirs.parameters(), lr=0.01)]
    rng = np.random.default_rng(0)
    for _ in range(20):
        x, y = task.sample(rng, 16)
        for model, optimizer in zip((ours, theirs), optimizers, strict=True):
            optimizer.zero_grad()
            torch.nn.functional.binary_cross_entropy_with_logits(model(x), y).backward()
            optimizer.step()
    for a, b in zip(ours.parameters(), theirs.parameters(), strict=True):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-6)


def test_tasks_and_chance_levels():
    agreement = agreement_task((1, 20), test_size=500)
    assert agreement.test_x.shape == (22, 500) and agreement.test_x.dtype == torch.int64
    assert agreement.metric == "accuracy" and agreement.chance == 0.5
    assert agreement.solved(0.95) and not agreement.solved(0.9)
    x, y = agreement.sample(np.random.default_rng(0), 8)
    assert x.shape == (22, 8) and y.dtype == torch.float32
    adding = adding_task(30)
    assert adding.inputs == 2 and adding.test_x.shape == (30, 1000, 2)
    assert adding.solved(0.009) and not adding.solved(0.02)
    constant = make_model("rnn", 2, 4, seed=0)
    with torch.no_grad():
        for p in constant.parameters():
            p.zero_()
        constant.head.bias.fill_(1.0)  # always predicts 1, the mean
    assert evaluate(constant, adding) == pytest.approx(1 / 6, abs=0.015)


def test_fixed_distance_task():
    task = agreement_task(7, test_size=50)
    x, _ = task.sample(np.random.default_rng(0), 10)
    assert x.shape == task.test_x.shape[:1] + (10,) == (9, 10)


# --- the training loop -------------------------------------------------------------------------


def test_train_bookkeeping_and_determinism():
    task = agreement_task((1, 5), test_size=200)
    runs = [
        train(make_model("lstm", task.inputs, 8, 1.0), task, 25, 0.01, 16, 10, progress=False)
        for _ in range(2)
    ]
    result = runs[0]
    assert result.eval_steps == [0, 10, 20, 25] and len(result.curve) == 4
    assert len(result.losses) == 25 and result.final == result.curve[-1]
    assert result.seconds_per_step > 0
    assert runs[0].losses == runs[1].losses  # same seeds, same run


def test_train_stops_when_solved():
    """Distance 1-3 is easy: the LSTM solves it (>= 95 %) at step 30 (measured, seed 0)."""
    task = agreement_task((1, 3), test_size=300)
    model = make_model("lstm", task.inputs, 16, seed=0)
    result = train(model, task, 200, 0.01, 32, 10, stop_when_solved=True, progress=False)
    assert result.steps_to_threshold is not None and result.steps_to_threshold <= 100
    assert result.eval_steps[-1] == result.steps_to_threshold == len(result.losses)
    assert accuracy_by_distance(model, [1, 2, 3], n=200).min() > 0.9


def test_distance_sweep_structure():
    out = distance_sweep(["rnn", "lstm"], [2, 3], [0], steps=3, progress=False)
    assert out["distances"] == [2, 3] and out["config"]["steps"] == 3
    assert len(out["runs"]) == 4
    run = out["runs"][0]
    assert set(run) == {"kind", "seed", "distance", "accuracy", "steps_to_threshold", "seconds"}
    assert 0 <= run["accuracy"] <= 1


@pytest.mark.timing
def test_time_per_step_grows_with_length():
    """One training step walks T recurrent steps in order: 80 steps cost more than 5."""
    short, long = time_per_step("rnn", 5, repeats=5), time_per_step("rnn", 80, repeats=5)
    assert 0 < short < long
