"""Lesson 06: every number the lesson states, its checkers, its figures, and the shipped data.

Numbers the prose types come from mathematics, seeded data or the shipped file
(course_utils/data/long_range_sweep.json, from tools/sweep_long_range.py), and are asserted
as stated. What a live training run gives is rendered by the notebook from the run itself;
here such runs are tested for the claims the lesson makes about them, over several seeds and
with margins that hold on other CPUs too (marked `training`: CI runs them again with torch's
portable kernels, ATEN_CPU_CAPABILITY=default). Fresh runs are compared with the shipped file
within the spread of its seeds, never digit for digit. Timing claims are ratios with wide
margins (marked `timing`).
"""

import json
import math
from pathlib import Path

import numpy as np
import pytest

from course_utils import accuracy_vs_distance, shipped, tasks, training
from course_utils.activations import sigmoid
from course_utils.checks import Status
from course_utils.display import say
from course_utils.env import use_one_thread
from course_utils.exercises import lesson06 as ex
from course_utils.lessons import lesson06

use_one_thread()
DATA_FILE = shipped.path(shipped.LONG_RANGE)
MARGIN = 100  # steps: two evaluations of the adding runs


@pytest.fixture(scope="module")
def data():
    return json.loads(DATA_FILE.read_text())


@pytest.fixture(scope="module")
def live():
    """The lesson's live training (seed 0; a network stops when it reaches 95 %), once for the
    module: about 4 s."""
    return lesson06.train_three(seed=0, progress=False)


# --- the tasks and their examples --------------------------------------------------------------


def test_article_sentence_as_a_task_sequence():
    example = lesson06.article_example()
    assert example.words == "the cat which already ate a bowl of milk <verb>".split()
    assert example.label == 0 and example.distance == 8  # lesson 03's count
    assert "-> was (singular), distance 8" in lesson06.format_example(example)


def test_decode_inverts_encode_and_examples_match_the_generator():
    batch = tasks.agreement_batch(3, 4, (2, 9), 0.5)
    sentences = tasks.decode(batch.tokens)
    assert len(sentences) == 4 and all(len(s) == batch.tokens.shape[0] for s in sentences)
    for k, words in enumerate(sentences):
        np.testing.assert_array_equal(tasks.encode(words), batch.tokens[:, k])
    examples = lesson06.agreement_examples()
    assert [e.words for e in examples] == sentences
    assert [e.label for e in examples] == ex.reference_labels(sentences).tolist()
    # "the second generated sequence: subject 'cat', the clause holds 'mice' and 'dogs'"
    second = [w for w in examples[1].words if w != tasks.PAD]
    assert second[1] == "cat" and {"mice", "dogs"} <= set(second) and examples[1].label == 0
    assert examples[0].words[0] == tasks.PAD  # the one printed with its padding


def test_last_noun_shortcut_is_chance_or_always_wrong():
    shortcut, with_noun = lesson06.last_noun_shortcut(attractors=0.5)
    assert round(100 * shortcut) == 51  # "51 %, printed above" (measured 50.7 %)
    assert with_noun == pytest.approx(0.995, abs=0.0005)  # printed 99.5 %
    always_wrong, _ = lesson06.last_noun_shortcut(attractors=1.0)
    assert always_wrong == 0.0


def test_adding_examples_and_baseline():
    for example in lesson06.adding_examples():
        assert example.marks.sum() == 2
        first, second = np.flatnonzero(example.marks)
        assert first < 6 <= second  # one mark in each half of T = 12
        assert example.target == pytest.approx(example.values[[first, second]].sum())
    text = lesson06.format_adding(lesson06.adding_examples()[0])
    assert text.count("[") == 2 and "target: 0.04 + 0.03 = 0.07" in text
    _, targets = tasks.adding_batch(1, T=100, batch=100_000, markers="halves")  # the cell's
    baseline = np.mean((targets - 1.0) ** 2)
    assert baseline == pytest.approx(1 / 6, abs=0.002)
    assert f"{baseline:.4f}" == "0.1673"  # "(0.1673 measured above)"


def test_parameter_counts():
    counts = lesson06.parameter_counts()
    assert counts["rnn"] == {"embedding": 432, "core": 1600, "read-out": 33, "total": 2065}
    assert counts["lstm"]["core"] == 4 * counts["rnn"]["core"]  # four blocks
    assert counts["gru"]["core"] == 3 * counts["rnn"]["core"]  # three blocks


def test_training_arithmetic_quoted_in_the_text():
    c = training.LESSON06
    assert c["steps"] * c["batch"] == 19_200  # "each network sees 19,200 sentences"
    lo, hi = c["distance"]
    assert (10 - lo + 1) / (hi - lo + 1) == 0.2  # "a fifth of each batch ... 10 words or fewer"
    assert sigmoid(1.0) ** 10 == pytest.approx(0.04, abs=0.005)  # "0.73^10 ~ 0.04"


# --- the live training -------------------------------------------------------------------------


@pytest.mark.training
def test_live_run_agrees_with_the_shipped_seeds(live, data):
    """The live run (seed 0) is the sweep's configuration at distance 50, so it must fall
    within the spread of the shipped seeds there: the gated networks reach 95 % no later than
    the slowest shipped seed plus two evaluations, the RNN ends within 0.05 of the shipped
    RNNs' range and never passes 65 % (measured on both kernel settings: best 0.634, final
    0.51-0.53). test_long_range_claims.py checks other seeds."""
    assert data["agreement"]["config"]["steps"] == len(live["rnn"].result.losses)
    shipped = [r for r in data["agreement"]["runs"] if r["distance"] == 50]
    for kind in ("lstm", "gru"):
        r = live[kind].result
        slowest = max(s["steps_to_threshold"] for s in shipped if s["kind"] == kind)
        assert r.steps_to_threshold is not None and r.steps_to_threshold <= slowest + 50
        assert r.final >= 0.95
    rnn = live["rnn"].result
    shipped_rnn = [s["accuracy"] for s in shipped if s["kind"] == "rnn"]
    assert rnn.steps_to_threshold is None and max(rnn.curve) < 0.65
    assert min(shipped_rnn) - 0.05 <= rnn.final <= max(shipped_rnn) + 0.05


def test_outcome_phrases(live):
    lstm, rnn = live["lstm"].result, live["rnn"].result
    assert lesson06.outcome(lstm) == (
        f"passed 95% at step {lstm.steps_to_threshold} and ended at {lstm.final:.1%}"
    )
    assert lesson06.outcome(rnn).startswith("never reached 95%: it ended at ")
    assert say("The RNN {rnn}.", rnn=lesson06.outcome(rnn)).startswith(
        "The RNN never reached 95 %: "
    )
    assert lesson06.time_to_solve(live["rnn"]).startswith("never got there in 300 steps (")
    assert lesson06.time_to_solve(live["lstm"]).endswith(" ms)")
    assert lesson06.compared_with_rnn(0.7).startswith("less time per step than the RNN")
    assert lesson06.compared_with_rnn(1.2).startswith("about as long per step as the RNN")
    assert lesson06.compared_with_rnn(2.94) == "2.9 times the RNN's time per step"


def test_before_training_the_most_open_gate_forgets_a_quarter():
    """ "Before training, even the most open unit forgets ..." (seeded init, no training)."""
    untrained = training.make_model("lstm", tasks.AGREEMENT_VOCAB, 32, forget_bias=1.0, seed=0)
    assert 0.2 < 1 - lesson06.most_open_forget_gate(untrained) < 0.3


@pytest.mark.training
def test_training_opens_the_forget_gates(live):
    """The rendered verdict "has learned to keep its memory" holds: seeds 0-7 on two kernel
    settings, trained until 95 % (steps 100-200; two seeds with the portable kernels never got
    there and ran all 300), left the most open unit forgetting 2-7 % per word (0.23 before
    training)."""
    assert lesson06.most_open_forget_gate(live["lstm"].model) > 0.9


def test_learning_figure(live):
    fig = lesson06.learning_figure(live)
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    step = live["lstm"].result.steps_to_threshold
    assert f"LSTM, 95 % at step {step}" in labels and "RNN (tanh), never 95 %" in labels
    assert ax.get_xlabel() and ax.get_ylabel() and ax.get_title()


# --- the shipped sweep ---------------------------------------------------------------------------


def test_data_file_holds_its_configuration(data):
    agreement = data["agreement"]
    assert agreement["distances"] == [10, 20, 30, 40, 50] and agreement["seeds"] == [0, 1, 2, 3, 4]
    assert agreement["kinds"] == ["rnn", "lstm", "gru"]
    c = agreement["config"]
    for key in ("steps", "hidden", "lr", "batch", "forget_bias"):
        assert c[key] == training.LESSON06[key]
    assert c["mixed"] is True and len(agreement["runs"]) == 75
    assert data["adding"]["config"]["T"] == 100 and len(data["adding"]["runs"]) == 15
    assert data["forget_bias"]["config"] == lesson06.BIAS_CONFIG
    assert data["forget_bias"]["seeds"] == list(lesson06.BIAS_SEEDS)
    assert data["forget_bias"]["machine"]["torch_cpu_capability"]  # where the table was made
    assert all("seconds" not in run for run in agreement["runs"])  # deterministic: no times


def test_shipped_data_is_package_data(data):
    package = Path(shipped.__file__).resolve().parent
    assert DATA_FILE == package / "data" / "long_range_sweep.json" and DATA_FILE.is_file()
    assert lesson06.load_sweep() == data


def test_sweep_quoted_numbers(data):
    sweep = accuracy_vs_distance.summary(data)
    rnn = sweep.accuracy["rnn"].mean(axis=1)
    np.testing.assert_allclose(rnn, [1.00, 0.78, 0.71, 0.56, 0.50], atol=0.005)
    assert sweep.solved["rnn"].tolist() == [5, 2, 1, 0, 0]  # "some seeds solve 20 and 30"
    assert np.all(np.abs(sweep.accuracy["rnn"][-1] - 0.5) <= 0.10)  # chance at 50, every seed
    assert sweep.accuracy["rnn"][-2].max() < 0.95  # "at 40 and 50 it failed in every seed"
    gated = np.concatenate([sweep.accuracy["lstm"].ravel(), sweep.accuracy["gru"].ravel()])
    assert gated.min() >= 0.995  # "at least 99.5 % at every distance"
    assert sweep.solved["lstm"].tolist() == sweep.solved["gru"].tolist() == [5] * 5
    gated_steps = [r["steps_to_threshold"] for r in data["agreement"]["runs"] if r["kind"] != "rnn"]
    assert max(gated_steps) == 225  # "at most 225 in the 50 runs of the sweep"


def test_adding_quoted_numbers(data):
    adding = lesson06.adding_summary(data)
    assert adding.eval_steps[0] == 0 and adding.eval_steps[-1] == 1500
    gru, lstm = adding.solved_at["gru"], adding.solved_at["lstm"]
    assert all(s is not None and 250 <= s <= 300 for s in gru)  # "250 to 300 steps"
    assert all(s is not None and 700 <= s <= 1000 for s in lstm)  # "700 to 1000"
    assert adding.solved_at["rnn"] == [None] * 5
    finals = adding.curves["rnn"][:, -1]
    assert 0.17 <= finals.min() and finals.max() <= 0.20  # "between 0.17 and 0.20"
    assert adding.curves["rnn"][:, 1:].min() > 0.15  # "never gets below" the baseline
    assert np.all(np.abs(adding.curves["rnn"][:, 1] - 1 / 6) < 0.02)  # "within 50 steps"
    sequences = [s * 64 for s in lstm]  # "45,000 to 64,000" (printed 44,800 to 64,000)
    assert min(sequences) == 44_800 and max(sequences) == 64_000
    plateau = adding.curves["lstm"][:, 2:10]  # steps 100-450: near the baseline
    assert np.all(np.abs(plateau - 1 / 6) < 0.02)


def test_forget_bias_table_quoted_claims(data):
    rows = lesson06.bias_rows(data)
    assert rows[0.0].solved == rows[1.0].solved == 0  # "stayed at chance in every seed"
    finals = [r["final"] for r in data["forget_bias"]["runs"] if r["bias"] in (0.0, 1.0)]
    assert max(abs(f - 0.5) for f in finals) < 0.05
    assert rows[5.0].always and rows[5.0].slowest == 70  # "by step 70 at the latest"
    for bias in (2.0, 3.0):  # "learned in most seeds, not in all"
        assert len(rows[bias].steps) / 2 < rows[bias].solved < len(rows[bias].steps)


def test_sweep_and_adding_figures(data):
    fig = accuracy_vs_distance.figure(accuracy_vs_distance.summary(data))
    ax = fig.axes[0]
    assert ax.get_title().startswith("Agreement accuracy against distance (5 seeds")
    assert [t.get_text() for t in ax.get_xticklabels()] == ["10", "20", "30", "40", "50"]
    fig = lesson06.adding_figure(lesson06.adding_summary(data))
    assert fig.axes[0].get_yscale() == "log"


# --- exercise 1 ----------------------------------------------------------------------------------


def test_labels_checker_accepts_right_answers():
    assert ex.check_agreement_labels(ex.reference_labels).passed

    def by_first_the(sentences):
        return np.array([int(w[w.index("the") + 1] in tasks.PLURAL_NOUNS) for w in sentences])

    def as_list(sentences):
        return [int(w[w.index("the") + 1] in tasks.PLURAL_NOUNS) for w in sentences]

    assert ex.check_agreement_labels(by_first_the).passed
    assert ex.check_agreement_labels(as_list).passed


def test_labels_checker_catches_each_mistake_with_its_hint():
    for mistake in ex.LABEL_MISTAKES:
        result = ex.check_agreement_labels(mistake.fn)
        assert result.status is Status.WRONG_VALUES, mistake.hint
        assert mistake.hint in result.message
        assert "The first: sentence [" in result.message


def test_label_mistakes_differ_on_the_hand_case():
    """The table in the exercise module: each mistake gives its own output on HAND_CASE."""
    outputs = [ex.reference_labels(ex.HAND_CASE)] + [m.fn(ex.HAND_CASE) for m in ex.LABEL_MISTAKES]
    assert ex.reference_labels(ex.HAND_CASE).tolist() == [1, 1, 0, 0, 1, 0]
    as_tuples = {tuple(np.asarray(o).tolist()) for o in outputs}
    assert len(as_tuples) == len(outputs)


def test_random_case_has_attractors_everywhere():
    labels = ex.reference_labels(ex.RANDOM_CASE)
    assert 0 < labels.sum() < len(labels)
    last = ex.LABEL_MISTAKES[3].fn(ex.RANDOM_CASE)  # the last noun
    has_clause_noun = [sum(w in ex.NOUNS for w in s) > 1 for s in ex.RANDOM_CASE]
    assert np.all((last != labels)[has_clause_noun]) and any(has_clause_noun)


def test_labels_checker_stub_error_type_and_range():
    def stub(sentences):
        raise NotImplementedError

    assert ex.check_agreement_labels(stub).status is Status.NOT_ATTEMPTED
    assert ex.check_agreement_labels(...).status is Status.NOT_ATTEMPTED
    assert ex.check_agreement_labels(lambda s: 1 / 0).status is Status.ERROR
    assert ex.check_agreement_labels(lambda s: "plural").status is Status.WRONG_TYPE
    assert ex.check_agreement_labels(lambda s: np.zeros(3)).status is Status.WRONG_SHAPE
    odd = ex.check_agreement_labels(lambda s: np.full(len(s), 2))
    assert odd.status is Status.WRONG_VALUES and "must be 0 (singular) or 1" in odd.message


def test_labels_checker_inputs_cannot_be_changed_by_the_learner():
    def destructive(sentences):
        for words in sentences:
            words.clear()
        return np.zeros(len(sentences), dtype=int)

    before = [list(w) for w in ex.HAND_CASE]
    ex.check_agreement_labels(destructive)
    assert [list(w) for w in ex.HAND_CASE] == before


# --- exercise 2 ----------------------------------------------------------------------------------


@pytest.mark.training
def test_fresh_forget_bias_runs_agree_with_the_shipped_table(data):
    """Seeds 0-2 trained now (a few seconds): what the table says of each bias holds within its
    seeds' spread. 0 and 1 never learn and 5 always does (measured with both kernel settings,
    seeds 0-11: bias 5 by step 70 at the latest); 2 and 3 learn in most seeds (seeds 0-2:
    2 or 3 of them)."""
    fresh = lesson06.forget_bias_table(range(3))
    steps = {
        b: [r["steps_to_threshold"] for r in fresh["runs"] if r["bias"] == b]
        for b in lesson06.BIASES
    }
    assert steps[0.0] == steps[1.0] == [None] * 3
    assert None not in steps[5.0] and max(steps[5.0]) <= 100
    for bias in (2.0, 3.0):
        assert sum(s is not None for s in steps[bias]) >= 2, (bias, steps[bias])


def test_forget_bias_runs_and_figure():
    runs = lesson06.forget_bias_runs()
    for r in runs.values():  # tested every 10 steps, up to 150 or until 95 %
        assert r.eval_steps[-1] == (r.steps_to_threshold or 150)
        assert len(r.curve) == r.eval_steps[-1] // 10 + 1
    assert list(runs) == [1.0, 2.0, 3.0, 5.0]
    assert runs[1.0].steps_to_threshold is None  # and so ran all 150 steps
    assert runs[5.0].steps_to_threshold < 150  # and so stopped early
    fig = lesson06.forget_bias_figure(runs)
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert labels[0] == "forget bias 1"  # never solved, in every seed of the table
    assert labels[-1] == f"forget bias 5, 95 % at step {runs[5.0].steps_to_threshold}"


def test_forget_bias_powers_quoted():
    d = lesson06.BIAS_CONFIG["distance"]
    assert 5e-13 < sigmoid(0.0) ** d < 5e-12  # "about 1e-12"
    assert sigmoid(1.0) ** d == pytest.approx(3.6e-6, rel=0.05)  # "4 x 10^-6"
    assert sigmoid(5.0) ** d == pytest.approx(0.76, abs=0.005)


def test_forget_bias_checker_accepts_the_bias_that_always_learns():
    for answer in (5, 5.0, np.float32(5.0), np.int64(5)):
        result = ex.check_forget_bias(answer)
        assert result.passed, result
    message = ex.check_forget_bias(5).message
    assert "in every one of the 10 seeds" in message
    assert "bias 0 (f ~ 0.500, f^40 = 9.1e-13): 95 % in none of the 10 seeds" in message
    assert "bias 5 (f ~ 0.993, f^40 = 7.6e-01): 95 % in 10 of 10 seeds" in message
    assert "Why: in every training sentence the verb slot comes 40 steps after" in message


@pytest.mark.parametrize("bias", [0, 1, 2, 3])
def test_forget_bias_checker_rejects_biases_that_do_not_always_learn(bias, data):
    result = ex.check_forget_bias(bias)
    assert result.status is Status.WRONG_VALUES
    row = lesson06.bias_rows(data)[float(bias)]
    assert f"With forget bias {bias} the LSTM reached 95 % at distance 40" in result.message
    assert f"in {row.solved} of the 10 seeds" in result.message
    assert "Try a larger bias" in result.message and "<- yours" in result.message


def test_forget_bias_checker_gives_the_same_verdict_without_training(monkeypatch):
    """The verdict comes from the shipped table: a checker that trains would flip with the CPU."""
    monkeypatch.setattr(lesson06, "forget_bias_run", None)  # any training would now fail
    assert ex.check_forget_bias(5).passed and not ex.check_forget_bias(2).passed


def test_forget_bias_checker_stub_type_and_range():
    assert ex.check_forget_bias(...).status is Status.NOT_ATTEMPTED
    assert ex.check_forget_bias("5").status is Status.WRONG_TYPE
    assert ex.check_forget_bias(True).status is Status.WRONG_TYPE
    for outside in (4, 50, -1, math.nan, math.inf):
        result = ex.check_forget_bias(outside)
        assert result.status is Status.WRONG_VALUES and "choose one of 0, 1, 2, 3, 5" in (
            result.message
        )


# --- time per step -------------------------------------------------------------------------------


@pytest.mark.timing
def test_step_time_grows_with_the_length():
    """ "eight times the length costs several times the time" (the ratios the lesson compares
    with the RNN are rendered from the learner's own measurement)."""
    lengths = (25, 200)
    runs = [lesson06.step_times(lengths) for _ in range(3)]  # the least disturbed of three
    fused = {k: np.min([r[k] for r in runs], axis=0) for k in training.KINDS}
    for kind, times in fused.items():
        assert 3 < times[-1] / times[0] < 14, kind


def test_timing_figure(live):
    lengths = (25, 50)
    fused = {k: np.array([1e-3, 2e-3]) for k in training.KINDS}
    fig = lesson06.timing_figure(lengths, fused, {"lstm": np.array([3e-3, 6e-3])}, live)
    left, right = fig.axes
    assert len(left.lines) == 4 and left.get_xlabel().startswith("sequence length T")
    texts = [t.get_text() for t in right.texts]
    step = live["lstm"].result.steps_to_threshold
    assert texts[0] == "not solved in 300 steps" and texts[1].startswith(f"{step} steps x ")


# --- slow: the adding problem, re-run --------------------------------------------------------


@pytest.mark.slow
@pytest.mark.training
def test_a_fresh_run_agrees_with_the_shipped_adding_curves(data):
    """GRU and LSTM, seed 0, re-trained now until each solves (about 5 s): each solves within
    the shipped seeds' range of steps, widened by MARGIN evaluations."""
    adding = lesson06.adding_summary(data)
    for kind, steps in (("gru", 500), ("lstm", 1500)):
        shipped = adding.solved_at[kind]
        fresh = lesson06.adding_run(kind, 0, steps=steps, stop_when_solved=True)
        assert fresh.steps_to_threshold is not None, kind
        low, high = min(shipped) - MARGIN, max(shipped) + MARGIN
        assert low <= fresh.steps_to_threshold <= high, (kind, fresh.steps_to_threshold, shipped)
