"""Lesson 08: every number the lesson states, its checkers, its figures, and the shipped sweep.

The live model (attention, general score, seed 0) is trained once for the module (a few
seconds). The notebook renders what it says of that run from the run itself; here the run is
tested for the claims the lesson makes about it, with margins measured over seeds 0-2 and
both of torch's kernel settings (marked `training`). course_utils/data/translation_sweep.json
comes from tools/sweep_translation.py: its numbers are asserted as stated, and fresh runs are
compared with it within the spread of its seeds.
"""

import dataclasses

import numpy as np
import pytest
from helpers import assert_all_different, no_warnings

from course_utils import seq2seq as s2s
from course_utils import translation as tr
from course_utils.checks import Status
from course_utils.env import use_one_thread
from course_utils.exercises import lesson08 as ex
from course_utils.lessons import lesson08

use_one_thread()

BLEU_MARGIN = 2.0
"""How far (BLEU points) a fresh no-attention run may fall outside the shipped seeds' range."""


@pytest.fixture(scope="module")
def corpus():
    return tr.load_corpus()


@pytest.fixture(scope="module")
def live(corpus):
    """The lesson's live model: attention with the general score, seed 0."""
    return lesson08.train_and_evaluate(corpus, "general", seed=0, progress=False)


@pytest.fixture(scope="module")
def baseline(corpus):
    """The same model without attention, same seed and budget."""
    return lesson08.train_and_evaluate(corpus, None, seed=0, progress=False)


@pytest.fixture(scope="module")
def data():
    return lesson08.load_sweep()


@pytest.fixture(scope="module")
def records(live, corpus):
    return lesson08.alignments(live, lesson08.showcase_pairs(corpus))


# --- the corpus --------------------------------------------------------------------------------


def test_corpus_numbers_quoted(corpus):
    summary = lesson08.corpus_summary(corpus)
    assert summary["train"] == {1: 1200, 2: 1200, 3: 1200, 4: 0}  # "1,200 of each length"
    assert summary["test"] == {1: 200, 2: 200, 3: 200, 4: 200}
    words = {k: round(v, 1) for k, v in summary["source words"].items()}
    assert words == {1: 6.4, 2: 14.0, 3: 21.5, 4: 29.1}
    assert 2 * s2s.LESSON08["hidden"] == 128  # "2H = 128 numbers"


def test_printed_examples(corpus):
    c = corpus
    text = lesson08.format_pair(c.test[0])
    assert "s'est->sat, assis->sat" in text
    fig = lesson08.gold_figure([c.test[0], *[p for p in c.test if p.clauses == 1][5:7]])
    assert all(ax.get_title() for ax in fig.axes)


# --- the live model ----------------------------------------------------------------------------


@pytest.mark.training
def test_live_model_translates_seen_lengths(live):
    """Measured (seeds 0-2, both kernel settings): seen lengths 0.965-1.00 exact, four clauses
    0.32-0.49: "falls" at the unseen length. The article's sentence comes out right."""
    exact = live.evaluation.exact_by_clauses()
    tokens = live.evaluation.tokens_by_clauses()
    for k in lesson08.SEEN:
        assert exact[k] >= 0.9 and tokens[k] >= 0.95
    assert exact[4] <= 0.7 < min(exact[k] for k in lesson08.SEEN)
    assert live.evaluation.predictions[0] == tr.cat_pair().target  # the article's sentence
    assert "(never seen in training)" in lesson08.accuracy_table(live).splitlines()[4]


@pytest.mark.training
def test_live_alignment_agreement(live, data, corpus):
    """The live run falls within the spread of the sweep's seeds (0.85-0.93; measured for
    seeds 0-2 on both kernel settings: 0.847-0.927), and its worst word class is the adjective,
    as in every seed of the sweep."""
    agreement, by_class = lesson08.seen_agreement(live, corpus)
    shipped = lesson08.alignment_table(data)["overall"]
    assert min(shipped) - 0.05 <= agreement <= max(shipped) + 0.05
    assert min(by_class, key=by_class.get) == "adjective"
    where = lesson08.adjective_targets(live, corpus)
    for gender in ("masculine", "feminine"):
        assert where[gender]["adjective"] + where[gender]["noun"] > 0.95  # one or the other


def test_showcase_sentences(records):
    cat, red_horse, grey_mouse = records[0], records[4], records[1]
    assert " ".join(cat.pair.source) == "the cat sat on the mat"
    assert " ".join(cat.pair.target) == "le chat s'est assis sur le tapis"
    assert [cat.pair.source[j] for j in cat.pair.alignment[2:4]] == ["sat", "sat"]  # gold
    assert " ".join(red_horse.pair.source) == "the red horse watches the book"
    assert red_horse.pair.target[1:3] == ("cheval", "rouge")  # the moved adjective
    assert " ".join(grey_mouse.pair.source) == "the grey mouse follows the black table"
    assert {"grise", "noire"} <= set(grey_mouse.pair.target)  # feminine adjectives
    for r in records:
        np.testing.assert_allclose(r.weights.sum(axis=1), 1.0, atol=1e-6)


def test_where_it_looks(records):
    cat = records[0]
    text = lesson08.where_it_looks(cat)
    assert text.count(" → ") == len(cat.pair.target) and text.startswith('"le" → "')
    top = cat.pair.source[int(np.argmax(cat.weights[1]))]
    assert f'"chat" → "{top}"' in text


# --- the shipped sweep -------------------------------------------------------------------------


def test_sweep_quoted_numbers(data):
    general = lesson08.by_length(lesson08.sweep_runs(data, "general"))
    none = lesson08.by_length(lesson08.sweep_runs(data, "none"))
    control = lesson08.by_length(lesson08.sweep_runs(data, "none", train_clauses=(1,)))
    additive = lesson08.by_length(lesson08.sweep_runs(data, "additive"))
    assert len(general) == len(none) == len(control) == 5 and len(additive) == 3
    assert general[:, :3].min() >= 0.95  # "stays near 1 up to three clauses"
    assert none[:, 0].min() >= 0.9  # "one-clause sentences nearly always"
    assert none[:, 1].max() <= 0.1  # "two-clause sentences rarely"; brief: <= 30 %
    assert none[:, 2].max() == 0.0  # "three-clause sentences never"
    assert control[:, 0].min() >= 0.99  # the control: "almost perfectly"
    # "between 0.23 and 0.47 over the five seeds", as the sweep table prints them (0.235 -> 0.23)
    assert f"{general[:, 3].min():.2f}" == "0.23" and f"{general[:, 3].max():.2f}" == "0.47"
    assert "[0.23-0.47]" in lesson08.sweep_table(data).splitlines()[1]
    assert general[:, 3].max() <= 0.5  # unseen length: low
    assert additive[:, 2].mean() < 0.7  # "learns more slowly at this budget"
    assert round(additive[:, 2].mean(), 2) == 0.59
    assert round(general[:, 2].mean(), 2) == 0.98  # "against 0.98 for the general score"


def test_sweep_alignment_tables(data, corpus):
    table = lesson08.alignment_table(data)
    assert sum(a == 0.0 for a in table["adjective"]) == 2  # "in two seeds no adjective"
    assert all(0 < a < 1 for a in table["adjective"] if a)  # "in the others some do"
    assert table["overall"][0] >= 0.9
    # "over the five seeds of the sweep the agreement ranges from about 85 % to 93 %"
    assert round(min(table["overall"]), 2) == 0.85 and round(max(table["overall"]), 2) == 0.93
    # "in every seed most of the misses are adjectives"
    test = [p for p in corpus.test if p.clauses in lesson08.SEEN]
    words = sum(len(p.target) for p in test)
    adjectives = sum(tr.WORD_CLASSES[w] == "adjective" for p in test for w in p.target)
    for overall, adjective in zip(table["overall"], table["adjective"], strict=True):
        assert (1 - adjective) * adjectives > 0.5 * (1 - overall) * words
    # the additive models "do the reverse": adjectives on the adjective, articles elsewhere
    additive = lesson08.alignment_table(data, "additive")
    assert len(additive["overall"]) == 3
    assert min(additive["adjective"]) >= 0.9  # "nearly all their adjectives"
    assert max(additive["article"]) < 0.5  # "many of their articles do not look at 'the'"
    assert min(table["article"]) >= 0.99
    direction = lesson08.direction_table(data)
    for bi, uni in zip(
        direction["bidirectional encoder"], direction["left-to-right encoder"], strict=True
    ):
        assert uni < bi - 0.05  # "agree less often"
    uni = lesson08.by_length(lesson08.sweep_runs(data, "general", bidirectional=False))
    assert uni[:, 1:3].max() < 0.5  # "translates far worse"


def test_sweep_table_and_figure(data, live):
    text = lesson08.sweep_table(data)
    assert len(text.splitlines()) == 6
    fig = lesson08.length_figure(data, live, lesson08.shipped_run(data, "none"))
    assert len(fig.axes[0].lines) == 3 + 1 + 2  # three sweep curves, the control, two runs
    assert all(ax.get_title() for ax in fig.axes[:2])
    assert fig.axes[0].get_xlabel()


def test_the_notebook_reads_the_baseline_from_the_sweep(data):
    """The notebook shows the sweep's seed-0 run without attention as it shows its live run:
    the same tables and figure, and the BLEU the sweep computed with ``bleu_by_clauses``."""
    baseline = lesson08.shipped_run(data, "none", seed=0)
    (record,) = [r for r in lesson08.sweep_runs(data, "none") if r["seed"] == 0]
    exact, bleu = baseline.evaluation.exact_by_clauses(), baseline.evaluation.bleu_by_clauses()
    assert exact == {k: record["exact"][str(k)] for k in range(1, 5)}
    assert list(bleu) == [1, 2, 3, 4] and all(0 <= v <= 100 for v in bleu.values())
    assert "(never seen in training)" in lesson08.accuracy_table(baseline).splitlines()[4]
    # "partial credit, where exact match gives none": no exact translation at three clauses
    assert exact[3] == 0.0 and bleu[3] > 10
    with pytest.raises(ValueError):
        lesson08.shipped_run(data, "none", seed=99)


@pytest.mark.training
def test_the_baseline_trained_now_agrees_with_the_shipped_seeds(data, baseline):
    """The no-attention model, seed 0, trained now as the notebook tells the learner to (it
    reads the sweep's seed 0): within the shipped seeds' range at every length, exact match
    within 0.05 and BLEU within BLEU_MARGIN, so "one clause nearly always, two rarely, three
    never" and the BLEU the notebook prints hold for the learner's own run too. Measured, seeds
    0-2, both kernel settings (identical): exact 0.945-0.97 at one clause, 0.065-0.07 at two, 0
    at three; BLEU 97.6-98.9, 48.6-50.6, 30.8-34.6, 22.8-26.6 at one to four clauses (the
    shipped seeds 0-4: 30.8-34.6 at three)."""
    assert data["config"] == s2s.LESSON08
    runs = lesson08.sweep_runs(data, "none")
    shipped, shipped_bleu = lesson08.by_length(runs), lesson08.by_length(runs, "bleu")
    for k, v in baseline.evaluation.exact_by_clauses().items():
        assert shipped[:, k - 1].min() - 0.05 <= v <= shipped[:, k - 1].max() + 0.05, k
    for k, v in lesson08.bleu_by_clauses(baseline, tr.load_corpus()).items():
        low, high = shipped_bleu[:, k - 1].min(), shipped_bleu[:, k - 1].max()
        assert low - BLEU_MARGIN <= v <= high + BLEU_MARGIN, (k, v, low, high)


@pytest.mark.training
def test_live_run_agrees_with_the_shipped_seeds(data, live):
    shipped = lesson08.by_length(lesson08.sweep_runs(data, "general"))
    for k, v in live.evaluation.exact_by_clauses().items():
        assert shipped[:, k - 1].min() - 0.1 <= v <= shipped[:, k - 1].max() + 0.1, k


# --- the slider --------------------------------------------------------------------------------


def test_alignment_slider_default_and_moving(records):
    app = lesson08.alignment_slider(records)
    assert app.readout_text == lesson08.readout_alignment(records[0])
    assert app.readout_text.startswith("argmax of attention = gold word for ")
    first = app.png
    app.set(sentence=1)
    assert app.png != first
    assert app.readout_text == lesson08.readout_alignment(records[1])


def test_alignment_slider_every_setting_without_warnings(records):
    app = lesson08.alignment_slider(records)
    with no_warnings():
        for i in range(len(records)):
            app.set(sentence=i)
            assert app.readout_text.startswith("argmax")
    fig = lesson08.alignment_sweep(records, which=(0, 4, 1))
    assert len(fig.axes) == 3 and fig.axes[0].get_title().startswith("'the cat sat")


def test_alignment_slider_keeps_every_label_inside_the_figure(records):
    """Laid out at the sentence with the longest words, no sentence's labels are clipped."""
    app = lesson08.alignment_slider(records)
    ax = app.axes[0]
    for i in range(len(records)):
        app.set(sentence=i)
        renderer = app.figure.canvas.get_renderer()  # the Agg canvas the slider drew on
        labels = [ax.xaxis.label, ax.yaxis.label, *ax.get_xticklabels(), *ax.get_yticklabels()]
        for label in labels:
            box = label.get_window_extent(renderer)
            assert box.x0 >= 0 and box.y0 >= 0, (i, label.get_text())


def test_wrong_translation_readout(records):
    a = records[0]
    wrong = lesson08.Alignment(a.pair, a.weights, ("le", "chat"), a.agreement)
    assert "WRONG: le chat" in lesson08.readout_alignment(wrong)


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


# --- exercise 3: modified n-gram precision -------------------------------------------------------


def test_precision_checker_accepts_solutions():
    from collections import Counter

    def solution(candidate, reference, n):
        grams = Counter(tuple(candidate[i : i + n]) for i in range(len(candidate) - n + 1))
        ref = Counter(tuple(reference[i : i + n]) for i in range(len(reference) - n + 1))
        total = sum(grams.values())
        return sum(min(c, ref[g]) for g, c in grams.items()) / total if total else 0.0

    def by_lists(candidate, reference, n):  # no Counter: remove each match from a list
        grams = [candidate[i : i + n] for i in range(len(candidate) - n + 1)]
        left = [reference[i : i + n] for i in range(len(reference) - n + 1)]
        matches = 0
        for gram in grams:
            if gram in left:
                left.remove(gram)
                matches += 1
        return matches / len(grams) if grams else 0

    assert ex.check_modified_precision(ex.reference_precision).passed
    assert ex.check_modified_precision(solution).passed
    assert ex.check_modified_precision(by_lists).passed


def test_precision_checker_catches_each_mistake():
    for mistake in ex.PRECISION_MISTAKES:
        result = ex.check_modified_precision(mistake.fn)
        assert not result.passed
        assert mistake.hint in result.message, mistake.hint


def test_precision_cases_vary_every_parameter_and_hit_the_boundaries():
    cases = ex.PRECISION_CASES
    assert {n for _, _, n in cases} == {1, 2, 3, 4}
    assert len({tuple(r) for _, r, _ in cases}) >= 3
    assert any(len(c) == n for c, _, n in cases)  # exactly one n-gram
    assert any(len(c) < n for c, _, n in cases)  # none: 0.0
    assert [ex.reference_precision(*case) for case in cases] == pytest.approx(
        [5 / 7, 1 / 5, 2 / 7, 1.0, 1.0, 0.0, 0.5]
    )


def test_precision_checker_reports_a_division_by_zero_and_stubs():
    from collections import Counter

    def no_guard(candidate, reference, n):
        grams = Counter(tuple(candidate[i : i + n]) for i in range(len(candidate) - n + 1))
        ref = Counter(tuple(reference[i : i + n]) for i in range(len(reference) - n + 1))
        return sum(min(c, ref[g]) for g, c in grams.items()) / sum(grams.values())

    result = ex.check_modified_precision(no_guard)
    assert result.status is Status.ERROR and "ZeroDivisionError" in result.message

    def stub(candidate, reference, n):
        raise NotImplementedError

    assert ex.check_modified_precision(stub).status is Status.NOT_ATTEMPTED


def test_bleu_by_clauses(live, corpus):
    c = corpus
    scores = lesson08.bleu_by_clauses(live, c)
    assert list(scores) == [1, 2, 3, 4]
    rows = [i for i, p in enumerate(c.test) if p.clauses == 2]
    expected = tr.bleu(
        [live.evaluation.predictions[i] for i in rows], [[c.test[i].target] for i in rows]
    )
    assert scores[2] == pytest.approx(100 * expected.score)
    right = dataclasses.replace(live.evaluation, predictions=[p.target for p in c.test])
    perfect = lesson08.Run(live.model, live.training, right)
    assert all(v == pytest.approx(100.0) for v in lesson08.bleu_by_clauses(perfect, c).values())


# --- exercise 2: reading an alignment ------------------------------------------------------------


@pytest.mark.training
def test_reading_exercise(records):
    """The sentence is chosen from the learner's own run: an adjective whose largest weight is
    on its gold English word, which sits elsewhere than the word at the same position."""
    reading = lesson08.reading_exercise(records)
    assert tr.WORD_CLASSES[reading.word] == "adjective"
    answer = reading.answer()
    assert answer == reading.source[int(np.argmax(reading.weights[reading.row]))]
    assert answer != reading.source[reading.row]
    assert ex.check_alignment(answer, reading).passed
    assert ex.check_alignment(f" {answer.title()} ", reading).passed
    text = ex.reading_text(reading)
    assert len(text.splitlines()) == len(reading.target) + 1


@pytest.mark.training
def test_reading_checker_explains_wrong_answers(records):
    reading = lesson08.reading_exercise(records)
    monotone = ex.check_alignment(reading.source[reading.row], reading)
    assert monotone.status is Status.WRONG_VALUES and "monotone guess" in monotone.message
    other_word = next(w for w in reading.source if w not in (reading.answer(), "the"))
    if other_word == reading.source[reading.row]:
        other_word = next(
            w for w in reading.source if w not in (reading.answer(), "the", other_word)
        )
    other = ex.check_alignment(other_word, reading)
    assert f"Read the row of '{reading.word}'" in other.message
    assert "not a word of the English sentence" in ex.check_alignment(reading.word, reading).message
    assert ex.check_alignment(3, reading).status is Status.WRONG_TYPE
    assert ex.check_alignment(..., reading).status is Status.NOT_ATTEMPTED
    messages = {monotone.message, other.message}
    assert len(messages) == 2
