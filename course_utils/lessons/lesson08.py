"""Lesson 08's own code: how the toy corpus is shown, one model trained and evaluated at the
lesson's budget, the shipped multi-seed sweep (``course_utils/data/translation_sweep.json``,
written by tools/sweep_translation.py with ``sweep_run``; ``shipped_run`` shows one of its runs
as a live one) and its tables, accuracy against
sentence length (Bahdanau et al. 2014, Fig. 2 in miniature), the alignment heatmaps and their
slider (their Fig. 3), and what the alignments agree with.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from matplotlib.collections import PatchCollection
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from course_utils import plots, shipped, widgets
from course_utils import seq2seq as s2s
from course_utils import translation as tr
from course_utils.exercises.lesson08 import Reading
from course_utils.i18n import N_, _

SEEN = (1, 2, 3)  # clauses in the training set; 4 is a length it never saw
COLOUR = {
    "general": plots.COLOURS["attention"],
    "additive": plots.OKABE_ITO["blue"],
    "none": plots.COLOURS["rnn"],
    "control": plots.OKABE_ITO["orange"],
}
LABEL = {
    "general": "with attention (general score)",
    "additive": "with attention (additive score)",
    "none": "without attention",
}


# --- the corpus --------------------------------------------------------------------------------


def format_pair(pair: tr.Pair) -> str:
    """Three lines: English, French, and each French word with the English word it translates."""
    links = ", ".join(
        f"{t}->{pair.source[a]}" for t, a in zip(pair.target, pair.alignment, strict=True)
    )
    return f"EN: {' '.join(pair.source)}\nFR: {' '.join(pair.target)}\n    {links}"


def corpus_summary(c: tr.Corpus) -> dict[str, dict[int, float]]:
    """{"train"/"test": {clauses: count}}, and mean source words per clause count (test)."""
    count = {
        name: {k: sum(p.clauses == k for p in pairs) for k in (1, 2, 3, 4)}
        for name, pairs in (("train", c.train), ("test", c.test))
    }
    words = {
        k: float(np.mean([len(p.source) for p in c.test if p.clauses == k])) for k in range(1, 5)
    }
    return {**count, "source words": words}


# --- training and evaluating -------------------------------------------------------------------


class Run(NamedTuple):
    """A trained model, its training record and its evaluation on the test set."""

    model: s2s.Seq2Seq
    training: s2s.TrainResult
    evaluation: s2s.Evaluation


def train_and_evaluate(
    c: tr.Corpus,
    score: str | None,
    seed: int = 0,
    train_clauses=SEEN,
    bidirectional: bool = True,
    progress: bool = True,
) -> Run:
    """Train one model (score "general", "additive" or None for no attention; model seed =
    data seed = seed) on the training pairs with ``train_clauses`` clauses, at the lesson's
    budget (``seq2seq.LESSON08``), and evaluate it on the test pairs by greedy decoding."""
    model = s2s.make_model(score, seed=seed, bidirectional=bidirectional)
    pairs = [p for p in c.train if p.clauses in train_clauses]
    record = s2s.train(model, pairs, data_seed=seed, progress=progress)
    return Run(model, record, s2s.evaluate(model, c.test))


def seen_agreement(run: Run, c: tr.Corpus) -> tuple[float, dict[str, float]]:
    """Argmax-alignment agreement on the test pairs of seen lengths: overall, and by class."""
    pairs = [p for p in c.test if p.clauses in SEEN]
    weights = s2s.attention_weights(run.model, pairs)
    return float(tr.alignment_agreement(weights, pairs).mean()), tr.agreement_by_class(
        weights, pairs
    )


def accuracy_table(run: Run) -> str:
    """Exact match and token accuracy by clauses, one line per number of clauses."""
    exact, tokens = run.evaluation.exact_by_clauses(), run.evaluation.tokens_by_clauses()
    lines = [f"{'clauses':>8} {'exact match':>12} {'token accuracy':>15}"]
    for k in exact:
        seen = "" if k in SEEN else "  (never seen in training)"
        lines.append(f"{k:>8} {exact[k]:>12.1%} {tokens[k]:>15.1%}{seen}")
    return "\n".join(lines)


def bleu_by_clauses(run: Run, c: tr.Corpus) -> dict[int, float]:
    """Corpus BLEU (times 100, as papers print it) of the run's greedy translations of the
    test set, for each number of clauses; one reference per sentence."""
    out = {}
    for k in sorted({p.clauses for p in c.test}):
        rows = [i for i, p in enumerate(c.test) if p.clauses == k]
        candidates = [run.evaluation.predictions[i] for i in rows]
        out[k] = 100 * tr.bleu(candidates, [[c.test[i].target] for i in rows]).score
    return out


def sweep_run(score: str | None, seed: int, train_clauses=SEEN, bidirectional: bool = True):
    """One point of the shipped sweep, as plain data (for JSON): exact and token accuracy and
    BLEU by clauses on the test set, and for attention models the alignment agreement (seen
    lengths), overall and by word class."""
    c = tr.load_corpus()
    run = train_and_evaluate(c, score, seed, train_clauses, bidirectional, progress=False)
    record = {
        "model": score or "none",
        "seed": seed,
        "train_clauses": list(train_clauses),
        "bidirectional": bidirectional,
        "exact": {str(k): v for k, v in run.evaluation.exact_by_clauses().items()},
        "tokens": {str(k): v for k, v in run.evaluation.tokens_by_clauses().items()},
        "bleu": {str(k): v for k, v in bleu_by_clauses(run, c).items()},
        "final_loss": run.training.losses[-1],
    }
    if score is not None:
        overall, classes = seen_agreement(run, c)
        record["alignment"] = overall
        record["alignment_by_class"] = classes
    return record


# --- the shipped sweep -------------------------------------------------------------------------


def load_sweep() -> dict:
    """The shipped results (written by tools/sweep_translation.py)."""
    return shipped.load(shipped.TRANSLATION)


def sweep_runs(data: dict, model: str, train_clauses=SEEN, bidirectional: bool = True) -> list:
    """The runs of one configuration, by seed."""
    runs = [
        r
        for r in data["runs"]
        if r["model"] == model
        and r["train_clauses"] == list(train_clauses)
        and r["bidirectional"] == bidirectional
    ]
    return sorted(runs, key=lambda r: r["seed"])


class ShippedEvaluation(NamedTuple):
    """One run of the shipped sweep, read back by number of clauses as ``s2s.Evaluation`` is."""

    record: dict

    def _by_clauses(self, metric: str) -> dict[int, float]:
        return {int(k): v for k, v in self.record[metric].items()}

    def exact_by_clauses(self) -> dict[int, float]:
        return self._by_clauses("exact")

    def tokens_by_clauses(self) -> dict[int, float]:
        return self._by_clauses("tokens")

    def bleu_by_clauses(self) -> dict[int, float]:
        """Corpus BLEU (times 100) by clauses, as ``bleu_by_clauses`` computes it for a Run."""
        return self._by_clauses("bleu")


class ShippedRun(NamedTuple):
    """A run of the sweep shown in place of a live one (``accuracy_table``, ``length_figure``)."""

    evaluation: ShippedEvaluation


def shipped_run(data: dict, model: str, seed: int = 0) -> ShippedRun:
    """The sweep's run of ``model`` ("general", "additive" or "none"; trained on 1-3 clauses,
    bidirectional encoder) with ``seed``: what ``train_and_evaluate(c, score, seed)`` gives."""
    (record,) = [r for r in sweep_runs(data, model) if r["seed"] == seed]
    return ShippedRun(ShippedEvaluation(record))


def by_length(runs: list, metric: str = "exact") -> np.ndarray:
    """(seeds, 4) array: ``metric`` ("exact", "tokens" or "bleu") at 1-4 clauses, one row per
    run."""
    return np.array([[r[metric][str(k)] for k in range(1, 5)] for r in runs])


def length_figure(data: dict, *live: Run | ShippedRun) -> Figure:
    """Bahdanau et al.'s Fig. 2 in miniature: exact match (left) and token accuracy (right)
    against the number of clauses, mean over seeds with the range shaded; the notebook's runs
    as black crosses; the no-attention control trained on one clause only as a diamond."""
    words = corpus_summary(tr.load_corpus())["source words"]
    fig, axes = plots.figure(2, width=9.0, height=3.4)
    k = np.arange(1, 5)
    control = sweep_runs(data, "none", train_clauses=(1,))
    for ax, metric, title in (
        (axes[0, 0], "exact", "whole sentence right (exact match)"),
        (axes[0, 1], "tokens", "words right (token accuracy)"),
    ):
        for model in ("general", "additive", "none"):
            runs = by_length(sweep_runs(data, model), metric)
            if not len(runs):
                continue
            ax.plot(k, runs.mean(axis=0), "o-", color=COLOUR[model], label=LABEL[model], lw=2)
            ax.fill_between(k, runs.min(axis=0), runs.max(axis=0), color=COLOUR[model], alpha=0.2)
        if control:
            one = by_length(control, metric)[:, 0]
            ax.plot([1], [one.mean()], "D", color=COLOUR["control"], ms=8,
                    label="without attention, trained on 1 clause only")  # fmt: skip
        for i, run in enumerate(live):
            ours = getattr(run.evaluation, f"{metric}_by_clauses")()
            ax.plot(k, [ours[j] for j in k], "x", color="black", ms=8,
                    label="the runs above (seed 0)" if i == 0 else None)  # fmt: skip
        ax.axvspan(3.5, 4.5, color=plots.COLOURS["bound"], alpha=0.12)
        ax.text(4, 0.97, "never seen\nin training", ha="center", va="top", fontsize=8)
        ax.set_xticks(k, [f"{i}\n({words[i]:.0f} words)" for i in k])
        ax.set_xlim(0.6, 4.4)
        ax.set_ylim(-0.03, 1.03)
        ax.set_xlabel("clauses in the English sentence (mean length)")
        ax.set_title(title, fontsize=10)
    axes[0, 0].set_ylabel("fraction of test sentences")
    axes[0, 1].set_ylabel("fraction of target words")
    axes[0, 1].legend(fontsize=7, loc="lower left")
    fig.suptitle("Held-out sentences: mean over seeds, shaded from min to max", fontsize=11)
    return fig


def alignment_table(data: dict, model: str = "general") -> dict[str, list[float]]:
    """Per seed, the argmax-alignment agreement of one attention model ("general" or
    "additive", bidirectional, trained on 1-3 clauses): overall, for adjectives, for articles."""
    runs = sweep_runs(data, model)
    return {
        "overall": [r["alignment"] for r in runs],
        "adjective": [r["alignment_by_class"]["adjective"] for r in runs],
        "article": [r["alignment_by_class"]["article"] for r in runs],
    }


# --- alignment heatmaps ------------------------------------------------------------------------


class Alignment(NamedTuple):
    """One test pair, its teacher-forced attention weights (len(target), len(source)), the
    model's greedy translation, and the argmax agreement with the gold alignment."""

    pair: tr.Pair
    weights: np.ndarray
    prediction: tuple
    agreement: float


def alignments(run: Run, pairs) -> list[Alignment]:
    """Alignment records for ``pairs`` (computed once, for the slider and the sweep)."""
    weights = s2s.attention_weights(run.model, pairs)
    predictions = s2s.greedy_decode(run.model, pairs)
    return [
        Alignment(p, w, y, float(tr.alignment_agreement([w], [p]).mean()))
        for p, w, y in zip(pairs, weights, predictions, strict=True)
    ]


def showcase_pairs(c: tr.Corpus, n: int = 12) -> list[tr.Pair]:
    """The cat sentence, then test sentences with adjectives (crossings) and "sat"/"s'est
    assise": the first ``n`` of the test set, in order, with at least one adjective and 1-2
    clauses, after the cat sentence."""
    chosen = [c.test[0]]
    for p in c.test[1:]:
        adjectives = sum(tr.WORD_CLASSES[w] == "adjective" for w in p.target)
        if p.clauses <= 2 and adjectives >= 1 + (p.clauses == 2):
            chosen.append(p)
        if len(chosen) == n:
            break
    return chosen


def draw_alignment(axes, a: Alignment) -> None:
    """Heatmap of the weights (source words on x, target words on y), gold alignment boxed."""
    ax = axes[0]
    plots.heatmap(ax, a.weights, xlabels=a.pair.source, ylabels=a.pair.target, vmin=0, vmax=1,
                  colorbar=False, cmap="gray_r")  # fmt: skip
    boxes = [Rectangle((j - 0.5, t - 0.5), 1, 1) for t, j in enumerate(a.pair.alignment)]
    orange = plots.OKABE_ITO["orange"]
    ax.add_collection(PatchCollection(boxes, facecolor="none", edgecolor=orange, lw=1.5),
                      autolim=False)  # fmt: skip
    ax.set_xlabel("English (source); orange box = gold word")
    ax.set_ylabel("French (target)")
    ax.set_title("attention weights (dark = large)", fontsize=9)


def readout_alignment(a: Alignment) -> str:
    if a.prediction == a.pair.target:
        right = _("right")
    else:
        right = _("WRONG: {words}").format(words=" ".join(a.prediction))
    return _(
        "argmax of attention = gold word for {agreement:.0%} of the {n} French words; greedy "
        "translation {right}"
    ).format(agreement=a.agreement, n=len(a.pair.target), right=right)


def where_it_looks(a: Alignment) -> str:
    """Each French word and the English word of its largest weight, as a phrase:
    '"le" → "the", "chat" → "cat", ...'."""
    source = a.pair.source
    return ", ".join(
        f'"{word}" → "{source[int(np.argmax(row))]}"'
        for word, row in zip(a.pair.target, a.weights, strict=True)
    )


def _picker(records: list[Alignment]):
    """The compute function of the slider and the sweep: sentence index -> its record."""

    def alignment_of(sentence: int) -> Alignment:
        return records[sentence]

    return alignment_of


def _widest(records: list[Alignment]) -> int:
    """The sentence with the widest tick labels: the longest English word (the bottom margin,
    labels at 45 degrees), then the longest French word (the left margin)."""
    return max(
        range(len(records)),
        key=lambda i: (
            max(map(len, records[i].pair.source)),
            max(map(len, records[i].pair.target)),
        ),
    )


#: The names of ``translation.WORD_CLASSES``' classes, marked for translation.
CLASS_NAMES = (
    N_("article"),
    N_("conjunction"),
    N_("noun"),
    N_("adjective"),
    N_("verb"),
    N_("preposition"),
)


def class_name(word_class: str) -> str:
    """A word class's name in the learner's language."""
    return _(word_class)


def alignment_slider(records: list[Alignment]) -> widgets.InteractiveFigure:
    """A menu over test sentences; the heatmap of the chosen one, laid out at the sentence with
    the longest words."""
    options = [(" ".join(a.pair.source), i) for i, a in enumerate(records)]
    sentence = widgets.dropdown(_("sentence"), options, 0)
    app = widgets.InteractiveFigure(
        _picker(records),
        draw_alignment,
        {"sentence": sentence},
        readout_alignment,
        width=6.0,
        height=4.6,
        layout_at={"sentence": _widest(records)},
    )
    app.prepare("sentence")  # each sentence's words drawn once now: a pick redraws its weights
    return app


def alignment_sweep(records: list[Alignment], which=(0, 1, 2)) -> Figure:
    """The heatmaps of a few sentences side by side (the slider's static companion)."""
    fig = widgets.static_sweep(
        _picker(records),
        draw_alignment,
        "sentence",
        list(which),
        {},
        width=13.0,
        height=4.4,
        label=lambda i: f"'{' '.join(records[i].pair.source)}'",
    )
    for ax in fig.axes:
        ax.set_title(ax.get_title().split(" · ")[0], fontsize=9)  # the sentence only
    return fig


def gold_figure(pairs) -> Figure:
    """The grammar's gold alignment of a few pairs: a filled cell per (French, English) link."""
    fig, axes = plots.figure(len(pairs), width=4.2 * len(pairs), height=3.6)
    for ax, p in zip(axes[0], pairs, strict=True):
        gold = np.zeros((len(p.target), len(p.source)))
        gold[np.arange(len(p.target)), p.alignment] = 1
        plots.heatmap(ax, gold, xlabels=p.source, ylabels=p.target, vmin=0, vmax=1,
                      colorbar=False, cmap="gray_r")  # fmt: skip
        ax.set_xlabel("English (source)")
        ax.set_title(f"gold alignment: '{' '.join(p.source)}'", fontsize=9)
    axes[0, 0].set_ylabel("French (target)")
    return fig


def sweep_table(data: dict) -> str:
    """Exact match by clauses for every configuration of the sweep: mean and range over seeds."""
    configs = [
        ("general", SEEN, True, "attention, general score"),
        ("additive", SEEN, True, "attention, additive score"),
        ("general", SEEN, False, "attention, one-directional encoder"),
        ("none", SEEN, True, "no attention"),
        ("none", (1,), True, "no attention, trained on 1 clause"),
    ]
    lines = [f"{'model':>36} {'seeds':>5}  " + "  ".join(f"{k} clause(s)".center(17) for k in
                                                        range(1, 5))]  # fmt: skip
    for model, clauses, bi, name in configs:
        runs = sweep_runs(data, model, clauses, bi)
        exact = by_length(runs)
        cells = [
            f"{exact[:, i].mean():.3f} [{exact[:, i].min():.2f}-{exact[:, i].max():.2f}]"
            for i in range(4)
        ]
        lines.append(f"{name:>36} {len(runs):>5}  " + "  ".join(f"{c:>17}" for c in cells))
    return "\n".join(lines)


def reading_exercise(records: list[Alignment]) -> Reading:
    """Exercise 2's heatmap: the first showcase sentence (after the cat sentence) with an
    adjective whose largest weight falls on its gold English word, and whose position differs
    from that word's (so the word-by-word guess is wrong)."""
    for a in records[1:]:
        p = a.pair
        for t, word in enumerate(p.target):
            j = p.alignment[t]
            if (
                tr.WORD_CLASSES[word] == "adjective"
                and int(np.argmax(a.weights[t])) == j
                and t < len(p.source)
                and p.source[t] != p.source[j]
            ):
                return Reading(p.source, p.target, a.weights, t)
    raise ValueError("no showcase sentence fits the exercise")


def direction_table(data: dict) -> dict[str, list[float]]:
    """Alignment agreement per seed (seeds 0-2), bidirectional vs one-directional encoder."""
    bi = sweep_runs(data, "general")[:3]
    uni = sweep_runs(data, "general", bidirectional=False)
    return {
        "bidirectional encoder": [r["alignment"] for r in bi],
        "left-to-right encoder": [r["alignment"] for r in uni],
    }


def adjective_targets(run: Run, c: tr.Corpus) -> dict[str, dict[str, float]]:
    """Where French adjectives put their largest weight (test pairs of seen lengths), by the
    gender of their noun: the fraction on the English adjective (gold) and on the noun."""
    pairs = [p for p in c.test if p.clauses in SEEN]
    hits: dict[str, list[tuple[bool, bool]]] = {"masculine": [], "feminine": []}
    for w, p in zip(s2s.attention_weights(run.model, pairs), pairs, strict=True):
        for t, word in enumerate(p.target):
            if tr.WORD_CLASSES[word] == "adjective":
                gender = tr.NOUNS[p.source[p.alignment[t - 1]]][1]
                top = int(np.argmax(w[t]))
                hits["feminine" if gender == "f" else "masculine"].append(
                    (top == p.alignment[t], top == p.alignment[t - 1])
                )
    return {
        g: {
            "adjective": float(np.mean([x[0] for x in h])),
            "noun": float(np.mean([x[1] for x in h])),
        }
        for g, h in hits.items()
    }
