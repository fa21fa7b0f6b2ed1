"""Lesson 08: every number the lesson states, its checkers, its figures, and the shipped sweep.

The live model (attention, general score, seed 0) is trained once for the module (a few
seconds). course_utils/data/translation_sweep.json comes from tools/sweep_translation.py: the
tests read the shipped file and re-run one point fresh. Ranges where training is involved.
"""

import numpy as np
import pytest
from helpers import assert_all_different, no_warnings, png

from course_utils import seq2seq as s2s
from course_utils import translation as tr
from course_utils.checks import Status
from course_utils.env import use_one_thread
from course_utils.exercises import lesson08 as ex
from course_utils.sliders import lesson08 as l08

use_one_thread()


@pytest.fixture(scope="module")
def live():
    return l08.live_run(progress=False)


@pytest.fixture(scope="module")
def baseline():
    return l08.live_baseline(progress=False)


@pytest.fixture(scope="module")
def data():
    return l08.load_sweep()


@pytest.fixture(scope="module")
def records(live):
    return l08.alignments(live, l08.showcase_pairs())


# --- the corpus --------------------------------------------------------------------------------


def test_corpus_numbers_quoted():
    summary = l08.corpus_summary(l08.corpus())
    assert summary["train"] == {1: 1200, 2: 1200, 3: 1200, 4: 0}  # "1,200 of each length"
    assert summary["test"] == {1: 200, 2: 200, 3: 200, 4: 200}
    words = {k: round(v, 1) for k, v in summary["source words"].items()}
    assert words == {1: 6.4, 2: 14.0, 3: 21.5, 4: 29.1}
    assert 2 * s2s.LESSON08["hidden"] == 128  # "2H = 128 numbers"


def test_printed_examples():
    c = l08.corpus()
    text = l08.format_pair(c.test[0])
    assert "s'est->sat, assis->sat" in text
    fig = l08.gold_figure([c.test[0], *[p for p in c.test if p.clauses == 1][5:7]])
    assert all(ax.get_title() for ax in fig.axes)


# --- the live model ----------------------------------------------------------------------------


def test_live_model_translates_seen_lengths(live):
    exact = live.evaluation.exact_by_clauses()
    tokens = live.evaluation.tokens_by_clauses()
    for k in l08.SEEN:  # "almost every held-out sentence": measured 1.00, 1.00, 0.985
        assert exact[k] >= 0.95 and tokens[k] >= 0.98
    seen = live.evaluation.exact[live.evaluation.clauses <= 3].mean()
    assert seen >= 0.9  # the brief's claim: >= 90 % on held-out sentences of seen lengths
    assert 0.35 <= exact[4] <= 0.5  # "falls to about 0.4" (measured 0.435)
    assert round(exact[4], 1) == 0.4
    assert live.evaluation.predictions[0] == tr.cat_pair().target  # the article's sentence
    assert "(never seen in training)" in l08.accuracy_table(live).splitlines()[4]


def test_live_alignment_agreement(live):
    agreement, by_class = l08.seen_agreement(live)
    assert agreement >= 0.9  # "more than nine French words in ten" (measured 0.933)
    shipped = l08.alignment_table(l08.load_sweep())["overall"][0]
    assert agreement == pytest.approx(shipped, abs=0.01)  # the live run is the sweep's seed 0
    for name in ("article", "verb", "preposition", "conjunction"):
        assert by_class[name] == 1.0  # "every article, verb, preposition and conjunction"
    assert by_class["noun"] >= 0.99  # "nearly every noun"
    where = l08.adjective_targets(live)
    assert where["feminine"]["noun"] == 1.0  # "every feminine adjective looks at its noun"
    assert where["feminine"]["adjective"] == 0.0
    assert where["masculine"]["adjective"] > 0.5  # "most masculine ones look at the adjective"


def test_showcase_heatmaps_show_what_the_text_says(records):
    cat, red_horse, grey_mouse = records[0], records[4], records[1]
    assert " ".join(cat.pair.source) == "the cat sat on the mat"
    np.testing.assert_array_equal(np.argmax(cat.weights, axis=1), [0, 1, 2, 2, 3, 4, 5])
    assert " ".join(red_horse.pair.source) == "the red horse watches the book"
    assert red_horse.agreement == 1.0  # cheval -> horse, rouge -> red: the crossing
    assert " ".join(grey_mouse.pair.source) == "the grey mouse follows the black table"
    top = np.argmax(grey_mouse.weights, axis=1)
    source = grey_mouse.pair.source
    assert source[top[2]] == "mouse" and source[top[6]] == "table"  # grise, noire -> nouns
    for r in records:
        np.testing.assert_allclose(r.weights.sum(axis=1), 1.0, atol=1e-6)


# --- the shipped sweep -------------------------------------------------------------------------


def test_sweep_quoted_numbers(data):
    general = l08.by_length(l08.sweep_runs(data, "general"))
    none = l08.by_length(l08.sweep_runs(data, "none"))
    control = l08.by_length(l08.sweep_runs(data, "none", train_clauses=(1,)))
    additive = l08.by_length(l08.sweep_runs(data, "additive"))
    assert len(general) == len(none) == len(control) == 5 and len(additive) == 3
    assert general[:, :3].min() >= 0.95  # "stays near 1 up to three clauses"
    assert none[:, 0].min() >= 0.9  # "one-clause sentences nearly always"
    assert none[:, 1].max() <= 0.1  # "two-clause sentences rarely"; brief: <= 30 %
    assert none[:, 2].max() == 0.0  # "three-clause sentences never"
    assert control[:, 0].min() >= 0.99  # the control: "almost perfectly"
    # "between 0.25 and 0.43 over the five seeds", as the sweep table prints them (0.435 -> 0.43)
    assert f"{general[:, 3].min():.2f}" == "0.25" and f"{general[:, 3].max():.2f}" == "0.43"
    assert "[0.25-0.43]" in l08.sweep_table(data).splitlines()[1]
    assert general[:, 3].max() <= 0.5  # unseen length: low
    assert additive[:, 2].mean() < 0.7  # "learns more slowly at this budget"
    assert round(additive[:, 2].mean(), 2) == 0.59
    assert round(general[:, 2].mean(), 2) == 0.98  # "against 0.98 for the general score"


def test_sweep_alignment_tables(data):
    table = l08.alignment_table(data)
    assert sum(a == 0.0 for a in table["adjective"]) == 2  # "in two seeds no adjective"
    assert all(0 < a < 1 for a in table["adjective"] if a)  # "in the others some do"
    assert table["overall"][0] >= 0.9
    # "over the five seeds ... from about 85 % to 93 %"; seed 0 (the live run) is "the best"
    assert round(min(table["overall"]), 2) == 0.85 and round(max(table["overall"]), 2) == 0.93
    assert table["overall"][0] == max(table["overall"])
    # "in every seed most of the misses are adjectives"
    test = [p for p in l08.corpus().test if p.clauses in l08.SEEN]
    words = sum(len(p.target) for p in test)
    adjectives = sum(tr.WORD_CLASSES[w] == "adjective" for p in test for w in p.target)
    for overall, adjective in zip(table["overall"], table["adjective"], strict=True):
        assert (1 - adjective) * adjectives > 0.5 * (1 - overall) * words
    # the additive models "do the reverse": adjectives on the adjective, articles elsewhere
    additive = l08.alignment_table(data, "additive")
    assert len(additive["overall"]) == 3
    assert min(additive["adjective"]) >= 0.9  # "nearly all their adjectives"
    assert max(additive["article"]) < 0.5  # "many of their articles do not look at 'the'"
    assert min(table["article"]) >= 0.99
    direction = l08.direction_table(data)
    for bi, uni in zip(
        direction["bidirectional encoder"], direction["left-to-right encoder"], strict=True
    ):
        assert uni < bi - 0.05  # "agree less often"
    uni = l08.by_length(l08.sweep_runs(data, "general", bidirectional=False))
    assert uni[:, 1:3].max() < 0.5  # "translates far worse"


def test_sweep_table_and_figure(data, live, baseline):
    text = l08.sweep_table(data)
    assert len(text.splitlines()) == 6
    fig = l08.length_figure(data, live, baseline)
    assert len(fig.axes[0].lines) == 3 + 1 + 2  # three sweep curves, the control, two runs
    assert all(ax.get_title() for ax in fig.axes[:2])
    assert fig.axes[0].get_xlabel()


def test_the_live_baseline_reproduces_the_shipped_point(data, baseline):
    """The no-attention model, seed 0, trained now as the notebook does, against the sweep."""
    old = l08.sweep_runs(data, "none")[0]
    for k, v in baseline.evaluation.exact_by_clauses().items():
        assert v == pytest.approx(old["exact"][str(k)], abs=0.01)
    assert baseline.training.losses[-1] == pytest.approx(old["final_loss"], rel=0.01)
    assert data["config"] == s2s.LESSON08


def test_live_baseline_as_the_text_states(baseline):
    """ "one clause nearly always, two rarely, three never" for the notebook's own run."""
    exact = baseline.evaluation.exact_by_clauses()
    assert exact[1] >= 0.9 and exact[2] <= 0.1 and exact[3] == 0.0


def test_live_run_matches_the_shipped_seed_0(data, live):
    shipped = l08.sweep_runs(data, "general")[0]
    for k, v in live.evaluation.exact_by_clauses().items():
        assert v == pytest.approx(shipped["exact"][str(k)], abs=0.01)


# --- the slider --------------------------------------------------------------------------------


def test_alignment_slider_default_and_moving(records):
    app = l08.alignment_slider(records)
    assert app.readout_text.startswith("argmax of attention = gold word for 100% of the 7")
    assert app.readout_text.endswith("greedy translation right")
    first = png(app)
    app.set(sentence=1)
    assert png(app) != first
    assert app.readout_text.startswith("argmax of attention = gold word for 71% of the 7")


def test_alignment_slider_every_setting_without_warnings(records):
    app = l08.alignment_slider(records)
    with no_warnings():
        for i in range(len(records)):
            app.set(sentence=i)
            assert app.readout_text.startswith("argmax")
    fig = l08.alignment_sweep(records, which=(0, 4, 1))
    assert len(fig.axes) == 3 and fig.axes[0].get_title().startswith("'the cat sat")


def test_wrong_translation_readout(records):
    a = records[0]
    wrong = l08.Alignment(a.pair, a.weights, ("le", "chat"), a.agreement)
    assert "WRONG: le chat" in l08.readout_alignment(wrong)


# --- exercise 1: context vectors -----------------------------------------------------------------


def test_context_checker_accepts_solutions():
    def solution(S, H, W, U, v):
        scores = np.tanh((S @ W)[:, None, :] + (H @ U)[None, :, :]) @ v
        e = np.exp(scores - scores.max(axis=1, keepdims=True))
        return (e / e.sum(axis=1, keepdims=True)) @ H

    def loop(S, H, W, U, v):
        out = []
        for s in S:
            scores = np.array([v @ np.tanh(s @ W + h @ U) for h in H])
            a = np.exp(scores) / np.exp(scores).sum()
            out.append(a @ H)
        return np.array(out)

    assert ex.check_context(ex.reference_context).passed
    assert ex.check_context(solution).passed
    assert ex.check_context(loop).passed


def test_context_checker_catches_each_mistake():
    for mistake in ex.CONTEXT_MISTAKES:
        result = ex.check_context(mistake.fn)
        assert not result.passed
        assert mistake.hint in result.message, mistake.hint


def test_context_mistakes_differ():
    for case in ex.CONTEXT_CASES:
        assert_all_different(ex.reference_context, ex.CONTEXT_MISTAKES, case)


def test_context_checker_not_attempted():
    def stub(S, H, W, U, v):
        raise NotImplementedError

    assert ex.check_context(stub).status is Status.NOT_ATTEMPTED
    assert ex.check_context(...).status is Status.NOT_ATTEMPTED


# --- exercise 2: reading an alignment ------------------------------------------------------------


def test_reading_exercise(records):
    reading = l08.reading_exercise(records)
    assert reading.word == "rouge" and reading.answer() == "red"
    assert " ".join(reading.source) == "the red horse watches the book"
    assert ex.check_alignment("red", reading).passed
    assert ex.check_alignment(" Red ", reading).passed
    text = ex.reading_text(reading)
    assert len(text.splitlines()) == len(reading.target) + 1


def test_reading_checker_explains_wrong_answers(records):
    reading = l08.reading_exercise(records)
    monotone = ex.check_alignment(reading.source[reading.row], reading)
    assert monotone.status is Status.WRONG_VALUES and "monotone guess" in monotone.message
    other = ex.check_alignment("book", reading)
    assert "Read the row of 'rouge'" in other.message
    assert "not a word of the English sentence" in ex.check_alignment("rouge", reading).message
    assert ex.check_alignment(3, reading).status is Status.WRONG_TYPE
    assert ex.check_alignment(..., reading).status is Status.NOT_ATTEMPTED
    messages = {monotone.message, other.message}
    assert len(messages) == 2
