"""Lesson 06: every number the lesson states, its checkers, its figures, and the shipped data.

The numbers are what course_utils measures with the lesson's seeds (noted as "measured"); the
assertions allow a margin around them, and state ranges rather than exact step counts where
training is involved. course_utils/data/long_range_sweep.json comes from
tools/sweep_long_range.py: the tests read the shipped file and re-run one point of each
experiment fresh.
Timing claims are checked as ratios with wide margins (the machine may be busy).
"""

import json
import math
from pathlib import Path

import numpy as np
import pytest

from course_utils import tasks, training
from course_utils.checks import Status
from course_utils.env import use_one_thread
from course_utils.exercises import lesson06 as ex
from course_utils.sliders import lesson06 as l06

use_one_thread()
DATA_FILE = l06.sweep_path()


@pytest.fixture(scope="module")
def data():
    return json.loads(DATA_FILE.read_text())


@pytest.fixture(scope="module")
def live():
    """The lesson's live training (seed 0), once for the module: about 4 s."""
    return l06.train_three(seed=0, progress=False)


# --- the tasks and their examples --------------------------------------------------------------


def test_article_sentence_as_a_task_sequence():
    example = l06.article_example()
    assert example.words == "the cat which already ate a bowl of milk <verb>".split()
    assert example.label == 0 and example.distance == 8  # lesson 03's count
    assert "-> was (singular), distance 8" in l06.format_example(example)


def test_decode_inverts_encode_and_examples_match_the_generator():
    batch = tasks.agreement_batch(3, 4, (2, 9), 0.5)
    sentences = l06.decode(batch.tokens)
    assert len(sentences) == 4 and all(len(s) == batch.tokens.shape[0] for s in sentences)
    for k, words in enumerate(sentences):
        np.testing.assert_array_equal(tasks.encode(words), batch.tokens[:, k])
    examples = l06.agreement_examples()
    assert [e.words for e in examples] == sentences
    assert [e.label for e in examples] == ex.reference_labels(sentences).tolist()
    # "the second generated sequence: subject 'cat', the clause holds 'mice' and 'dogs'"
    second = [w for w in examples[1].words if w != tasks.PAD]
    assert second[1] == "cat" and {"mice", "dogs"} <= set(second) and examples[1].label == 0
    assert examples[0].words[0] == tasks.PAD  # the one printed with its padding


def test_last_noun_shortcut_is_chance_or_always_wrong():
    shortcut, with_noun = l06.last_noun_shortcut(attractors=0.5)
    assert round(100 * shortcut) == 51  # "51 %, printed above" (measured 50.7 %)
    assert with_noun == pytest.approx(0.995, abs=0.0005)  # printed 99.5 %
    always_wrong, _ = l06.last_noun_shortcut(attractors=1.0)
    assert always_wrong == 0.0


def test_adding_examples_and_baseline():
    for example in l06.adding_examples():
        assert example.marks.sum() == 2
        first, second = np.flatnonzero(example.marks)
        assert first < 6 <= second  # one mark in each half of T = 12
        assert example.target == pytest.approx(example.values[[first, second]].sum())
    text = l06.format_adding(l06.adding_examples()[0])
    assert text.count("[") == 2 and "target: 0.04 + 0.03 = 0.07" in text
    baseline = l06.adding_baseline()
    assert baseline == pytest.approx(1 / 6, abs=0.002)
    assert f"{baseline:.4f}" == "0.1673"  # "(0.1673 measured above)"


def test_parameter_counts():
    counts = l06.parameter_counts()
    assert counts["rnn"] == {"embedding": 432, "core": 1600, "read-out": 33, "total": 2065}
    assert counts["lstm"]["core"] == 4 * counts["rnn"]["core"]  # four blocks
    assert counts["gru"]["core"] == 3 * counts["rnn"]["core"]  # three blocks


def test_training_arithmetic_quoted_in_the_text():
    c = training.LESSON06
    assert c["steps"] * c["batch"] == 19_200  # "each network sees 19,200 sentences"
    lo, hi = c["distance"]
    assert (10 - lo + 1) / (hi - lo + 1) == 0.2  # "a fifth of each batch ... 10 words or fewer"
    assert l06.keep_per_step(1.0) ** 10 == pytest.approx(0.04, abs=0.005)  # "0.73^10 ~ 0.04"


# --- the live training -------------------------------------------------------------------------


@pytest.mark.timing
def test_live_run_gated_networks_learn_rnn_stays_near_chance(live):
    rnn, lstm, gru = (live[k].result for k in ("rnn", "lstm", "gru"))
    for gated in (lstm, gru):  # "pass 95 % within about 100 steps and end at 100 %"
        assert gated.steps_to_threshold is not None and gated.steps_to_threshold <= 100
        assert gated.final >= 0.9995
    assert rnn.steps_to_threshold is None
    assert abs(rnn.final - 0.5) <= 0.10  # "ends at 53 %" (measured 0.533)
    assert round(100 * rnn.final) == 53
    assert max(rnn.curve) < 0.64  # "never passes 64 %" (measured best 0.634)
    failing = rnn.seconds_per_step * len(rnn.losses)
    for gated in (lstm, gru):  # "well under two seconds"; "less time than the RNN spent failing"
        assert gated.seconds_per_step * gated.steps_to_threshold < min(2.0, failing)


def test_training_opens_the_forget_gates(live):
    """ "forgets about a quarter of its cell at every word; after training, about 2 %"."""
    untrained = training.make_model("lstm", tasks.AGREEMENT_VOCAB, 32, forget_bias=1.0, seed=0)
    before = l06.most_open_forget_gate(untrained)
    after = l06.most_open_forget_gate(live["lstm"].model)
    assert f"{before:.2f}" == "0.77" and f"{after:.2f}" == "0.98"  # as printed
    assert 0.2 < 1 - before < 0.3 and 0.015 < 1 - after < 0.025


def test_learning_figure(live):
    fig = l06.learning_figure(live)
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "LSTM, 95 % at step 100" in labels and "RNN (tanh), never 95 %" in labels
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
    assert data["forget_bias"]["config"] == l06.BIAS_CONFIG
    assert all("seconds" not in run for run in agreement["runs"])  # deterministic: no times


def test_shipped_data_is_package_data(data, tmp_path):
    package = Path(l06.__file__).resolve().parents[1]
    assert DATA_FILE == package / "data" / l06.SWEEP_FILE and DATA_FILE.is_file()
    assert l06.load_sweep() == data
    (tmp_path / "other.json").write_text("{}")
    assert l06.load_sweep(tmp_path / "other.json") == {}


def test_sweep_quoted_numbers(data):
    sweep = l06.sweep_summary(data)
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
    adding = l06.adding_summary(data)
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
    table = data["forget_bias"]
    steps = {
        b: [r["steps_to_threshold"] for r in table["runs"] if r["bias"] == b]
        for b in table["biases"]
    }
    assert steps[0.0] == steps[1.0] == [None] * 5  # "bias 0 or 1 leaves it at chance"
    finals = [r["final"] for r in table["runs"] if r["bias"] in (0.0, 1.0)]
    assert max(abs(f - 0.5) for f in finals) < 0.05
    assert all(s is not None and s <= 60 for s in steps[3.0] + steps[5.0])  # "within ~60"
    assert sum(s is not None for s in steps[2.0]) == 3  # "bias 2: three of five seeds"


def test_sweep_and_adding_figures(data):
    fig = l06.sweep_figure(l06.sweep_summary(data))
    ax = fig.axes[0]
    assert ax.get_title().startswith("Agreement accuracy against distance (5 seeds")
    assert [t.get_text() for t in ax.get_xticklabels()] == ["10", "20", "30", "40", "50"]
    fig = l06.adding_figure(l06.adding_summary(data))
    assert fig.axes[0].get_yscale() == "log"


def test_a_fresh_run_reproduces_the_shipped_agreement_point(data):
    """RNN and LSTM at distance 50, seed 0, re-trained now (about 2 s)."""
    fresh = l06.agreement_sweep([50], [0], kinds=("rnn", "lstm"))
    shipped = {(r["kind"], r["seed"], r["distance"]): r for r in data["agreement"]["runs"]}
    for run in fresh["runs"]:
        old = shipped[run["kind"], 0, 50]
        assert run["accuracy"] == pytest.approx(old["accuracy"], abs=0.01), run
        assert run["steps_to_threshold"] == old["steps_to_threshold"], run
    assert fresh["config"] == data["agreement"]["config"]


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


def test_forget_bias_runs_seed_0():
    runs = l06.forget_bias_runs()
    steps = {b: r.steps_to_threshold for b, r in runs.items()}
    assert steps == {0.0: None, 1.0: None, 2.0: None, 3.0: 60, 5.0: 50}  # measured
    for bias in (0.0, 1.0):  # "stays at chance for all 150 steps"
        assert max(abs(a - 0.5) for a in runs[bias].curve) < 0.05
    assert all(len(r.curve) == 16 for r in runs.values())  # every 10 steps, 0 to 150
    two = runs[2.0]  # "in seed 0 it climbs to 88 % and falls back"
    assert round(100 * max(two.curve)) == 88 and two.final < 0.6


def test_forget_bias_powers_quoted():
    d = l06.BIAS_CONFIG["distance"]
    assert 5e-13 < l06.keep_per_step(0.0) ** d < 5e-12  # "about 1e-12"
    assert l06.keep_per_step(1.0) ** d == pytest.approx(3.6e-6, rel=0.05)  # "4 x 10^-6"
    assert l06.keep_per_step(5.0) ** d == pytest.approx(0.76, abs=0.005)


def test_forget_bias_runs_reproduce_the_shipped_table(data):
    shipped = {(r["bias"], r["seed"]): r for r in data["forget_bias"]["runs"]}
    for bias, r in l06.forget_bias_runs().items():
        assert r.steps_to_threshold == shipped[bias, 0]["steps_to_threshold"]
        assert r.final == pytest.approx(shipped[bias, 0]["final"], abs=0.01)


def test_forget_bias_checker_accepts_learning_biases():
    five = ex.check_forget_bias(5)
    assert (
        five.passed
        and "step 50" in five.message
        and "No bias of the five was faster" in five.message
    )
    three = ex.check_forget_bias(3.0)
    assert three.passed and "Bias 5 got there sooner, at step 50" in three.message
    for result in (five, three):
        assert "bias 0 (f ~ 0.500, f^40 = 9.1e-13): not 95 %" in result.message
        assert (
            "Why: in every training sentence the verb slot comes 40 steps after" in result.message
        )


@pytest.mark.parametrize("bias", [0, 1, 2])
def test_forget_bias_checker_rejects_biases_that_stay_at_chance(bias):
    result = ex.check_forget_bias(bias)
    assert result.status is Status.WRONG_VALUES
    assert f"With forget bias {bias} the LSTM did not reach 95 %" in result.message
    assert "Try a larger bias" in result.message


def test_forget_bias_checker_stub_type_and_range():
    assert ex.check_forget_bias(...).status is Status.NOT_ATTEMPTED
    assert ex.check_forget_bias("5").status is Status.WRONG_TYPE
    assert ex.check_forget_bias(True).status is Status.WRONG_TYPE
    assert ex.check_forget_bias(50).status is Status.WRONG_VALUES
    assert ex.check_forget_bias(math.nan).status is Status.WRONG_VALUES


def test_forget_bias_checker_trains_an_unlisted_bias():
    result = ex.check_forget_bias(4)
    assert "bias 4 (f ~ 0.982" in result.message and "<- yours" in result.message


def test_forget_bias_figure():
    fig = l06.forget_bias_figure(l06.forget_bias_runs())
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert labels[0] == "forget bias 0" and labels[-1] == "forget bias 5, 95 % at step 50"


# --- time per step -------------------------------------------------------------------------------


@pytest.mark.timing
def test_step_times_ratios_quoted():
    """Measured on the course's machine (ms, T = 25/50/100/200): RNN 1.1/1.9/3.7/7.4,
    LSTM 0.9/1.4/3.0/6.5, GRU 2.7/5.2/11.7/24, LSTM with oneDNN off 3.0/6.3/13/27."""
    lengths = (25, 50, 100, 200)
    fused = l06.step_times(lengths)
    unfused = l06.step_times(lengths, kinds=("lstm",), fused=False)
    rnn = fused["rnn"].sum()
    assert fused["lstm"].sum() / rnn < 1.3  # "about as long per step as the RNN, or less"
    assert 2.5 < unfused["lstm"].sum() / rnn < 5.5  # "three to four times"
    assert 2.0 < fused["gru"].sum() / rnn < 5.0  # "about three times"
    for times in (*fused.values(), unfused["lstm"]):  # "roughly eight times the time"
        assert 4 < times[-1] / times[0] < 14


def test_timing_figure(live):
    lengths = (25, 50)
    fused = {k: np.array([1e-3, 2e-3]) for k in l06.KINDS}
    fig = l06.timing_figure(lengths, fused, {"lstm": np.array([3e-3, 6e-3])}, live)
    left, right = fig.axes
    assert len(left.lines) == 4 and left.get_xlabel().startswith("sequence length T")
    texts = [t.get_text() for t in right.texts]
    assert texts[0] == "not solved in 300 steps" and texts[1].startswith("100 steps x ")


# --- slow: the adding problem, re-run --------------------------------------------------------


@pytest.mark.slow
def test_a_fresh_run_reproduces_the_shipped_adding_curves(data):
    """GRU and LSTM, seed 0, until each solves (250 and 700 steps): about 5 s."""
    shipped = {(r["kind"], r["seed"]): r for r in data["adding"]["runs"]}
    for kind in ("gru", "lstm"):
        old = shipped[kind, 0]
        steps = old["steps_to_threshold"]
        assert steps == {"gru": 250, "lstm": 700}[kind]  # measured
        fresh = l06.adding_run(kind, 0, steps=steps)
        n = len(fresh.curve)
        np.testing.assert_allclose(fresh.curve, old["curve"][:n], rtol=0.02, atol=1e-4)
        assert fresh.steps_to_threshold == old["steps_to_threshold"] == steps


@pytest.mark.slow
def test_forget_bias_table_reproduces_for_seeds_1_to_4(data):
    """The rest of the shipped table, re-run (about 7 s)."""
    shipped = {(r["bias"], r["seed"]): r for r in data["forget_bias"]["runs"]}
    fresh = l06.forget_bias_table([1, 2, 3, 4])
    for run in fresh["runs"]:
        old = shipped[run["bias"], run["seed"]]
        assert run["steps_to_threshold"] == old["steps_to_threshold"], run
        assert run["final"] == pytest.approx(old["final"], abs=0.01), run
