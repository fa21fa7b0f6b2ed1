"""Lesson 06's own code: decoded examples of the two long-range tasks, the three networks
trained live, the shipped sweep (``course_utils/data/long_range_sweep.json``, written by
tools/sweep_long_range.py with ``agreement_sweep``, ``adding_runs`` and ``forget_bias_table``,
too slow to run live) with its summaries, the time of a training step, the figures (each takes
the computed result, so the lesson prints and plots the same run), and the phrases of the
lesson's rendered sentences.
"""

from __future__ import annotations

import functools
import time
import warnings
from typing import NamedTuple

import numpy as np
import torch
from matplotlib.figure import Figure

from course_utils import lstm, plots, shipped, tasks, training
from course_utils.env import use_one_thread
from course_utils.i18n import _
from course_utils.training import KINDS, NAMES

# --- decoding and examples -------------------------------------------------------------------


class Example(NamedTuple):
    words: list[str]
    label: int  # 0 singular subject ("was"), 1 plural ("were")
    distance: int


def agreement_examples(
    seed: int = 3, n: int = 4, distance=(2, 9), attractors: float = 0.5
) -> list[Example]:
    """n decoded sequences of ``tasks.agreement_batch`` with their labels and distances."""
    batch = tasks.agreement_batch(seed, n, distance, attractors)
    return [
        Example(words, int(label), int(d))
        for words, label, d in zip(
            tasks.decode(batch.tokens), batch.labels, batch.distances, strict=True
        )
    ]


def article_example(sentence: str = tasks.ARTICLE_SENTENCE, verb: str = "was") -> Example:
    """The article's sentence as a task sequence: the words up to the verb, which becomes the
    verb slot (punctuation dropped by ``tasks.tokenize``)."""
    words = tasks.tokenize(sentence)
    words = words[: words.index(verb)] + [tasks.VERB_SLOT]
    subject = next(w for w in words if w in tasks.SINGULAR_NOUNS + tasks.PLURAL_NOUNS)
    tasks.encode(words)  # every word is in the task's vocabulary
    label = int(subject in tasks.PLURAL_NOUNS)
    return Example(words, label, tasks.sentence_lag(sentence, subject, verb))


def format_example(example: Example, pad: bool = False) -> str:
    """'the cat that ... <verb>  -> was (singular), distance 8'; padding dropped unless pad."""
    words = [w for w in example.words if pad or w != tasks.PAD]
    answer = "were (plural)" if example.label else "was (singular)"
    return f"{' '.join(words):<58} -> {answer}, distance {example.distance}"


def last_noun_shortcut(attractors: float, seed: int = 5, n: int = 4000, distance: int = 20):
    """How often "copy the number of the last noun before the verb" is right, and in what
    fraction of sequences the clause has a noun at all (agreement_batch at one distance)."""
    batch = tasks.agreement_batch(seed, n, distance, attractors)
    sing = np.isin(batch.tokens, tasks.encode(list(tasks.SINGULAR_NOUNS)))
    plur = np.isin(batch.tokens, tasks.encode(list(tasks.PLURAL_NOUNS)))
    clause = slice(2 + (batch.tokens.shape[0] - 2 - distance), -1)  # after the subject
    is_noun = (sing | plur)[clause]
    has_noun = is_noun.any(axis=0)
    last = np.array(
        [plur[clause][np.flatnonzero(is_noun[:, k])[-1], k] if has_noun[k] else 0 for k in range(n)]
    )
    right = (last == batch.labels)[has_noun]
    return float(right.mean()), float(has_noun.mean())


class AddingExample(NamedTuple):
    values: np.ndarray  # (T,)
    marks: np.ndarray  # (T,) 0/1
    target: float


def adding_examples(seed: int = 0, T: int = 12, n: int = 2, markers: str = "halves"):
    """n sequences of ``tasks.adding_batch``: (values, marks, target) each."""
    x, y = tasks.adding_batch(seed, T, n, markers)
    return [AddingExample(x[:, k, 0], x[:, k, 1], float(y[k])) for k in range(n)]


def format_adding(example: AddingExample) -> str:
    """Two rows, values and marks; marked values in brackets."""
    cells = [
        f"[{v:.2f}]" if m else f" {v:.2f} "
        for v, m in zip(example.values, example.marks, strict=True)
    ]
    marked = example.values[example.marks == 1]
    return (
        "values: " + "".join(cells) + "\n"
        "marks:  " + "".join(f"   {int(m)}  " for m in example.marks) + "\n"
        f"target: {marked[0]:.2f} + {marked[1]:.2f} = {example.target:.2f}"
    )


# --- the models ------------------------------------------------------------------------------


def parameter_counts(hidden: int = training.LESSON06["hidden"]) -> dict[str, dict[str, int]]:
    """Parameters of each kind's model for the agreement task: embedding, core, read-out."""
    counts = {}
    for kind in KINDS:
        model = training.make_model(kind, tasks.AGREEMENT_VOCAB, hidden)
        part = {
            "embedding": model.embedding.weight.numel(),
            "core": sum(p.numel() for p in model.core.parameters()),
            "read-out": sum(p.numel() for p in model.head.parameters()),
        }
        counts[kind] = {**part, "total": sum(part.values())}
    return counts


class LiveRun(NamedTuple):
    kind: str
    result: training.TrainResult
    seconds: float  # wall time of the whole call to train (evaluations included)
    model: training.RecurrentModel


def train_three(
    seed: int = 0, progress: bool = True, kinds=KINDS, stop_when_solved: bool = True
) -> dict[str, LiveRun]:
    """The lesson's default (``training.LESSON06``): agreement trained on distances 1-50,
    tested at 50, for each kind; model seed = data seed = seed. At most 300 Adam steps: a
    network stops at the first test that reaches 95 % (unless not stop_when_solved)."""
    use_one_thread()
    task = training.agreement_task()
    runs = {}
    for kind in kinds:
        bias = training.LESSON06["forget_bias"] if kind == "lstm" else None
        model = training.make_model(kind, task.inputs, training.LESSON06["hidden"], bias, seed)
        start = time.perf_counter()
        result = training.train(
            model, task, data_seed=seed, stop_when_solved=stop_when_solved, progress=progress
        )
        runs[kind] = LiveRun(kind, result, time.perf_counter() - start, model)
    return runs


def outcome(result: training.TrainResult, threshold: float = 0.95) -> str:
    """How an accuracy run went, as a phrase for ``display.say``: "passed 95 % at step 100
    and ended at 99.5 %", or "never reached 95 %: it ended at 53 % (its best, 63 %)"."""
    if result.steps_to_threshold is None:
        return _(
            "never reached {threshold:.0%}: it ended at {final:.1%} (its best, {best:.1%})"
        ).format(threshold=threshold, final=result.final, best=max(result.curve))
    return _("passed {threshold:.0%} at step {step} and ended at {final:.1%}").format(
        threshold=threshold, step=result.steps_to_threshold, final=result.final
    )


def learning_figure(runs: dict[str, LiveRun], threshold: float = 0.95) -> Figure:
    """Test accuracy at distance 50 against the training step, one line per network."""
    fig, axes = plots.figure(width=7.0, height=3.2)
    ax = axes[0, 0]
    for kind, run in runs.items():
        r = run.result
        solved = r.steps_to_threshold
        label = f"{NAMES[kind]}, 95 % at step {solved}" if solved else f"{NAMES[kind]}, never 95 %"
        ax.plot(r.eval_steps, r.curve, "o-", ms=3, lw=2, color=plots.COLOURS[kind], label=label)
    ax.axhline(0.5, color=plots.COLOURS["bound"], ls=":", lw=1.2, label="chance (50 %)")
    ax.axhline(threshold, color=plots.COLOURS["bound"], ls="--", lw=1, label="95 %")
    ax.set_ylim(0.4, 1.02)
    ax.set_xlabel("training step (64 sentences each)")
    ax.set_ylabel("test accuracy at distance 50")
    ax.set_title("Agreement across 50 words: test accuracy during training (seed 0)")
    ax.legend(fontsize=8, loc="center right")
    return fig


# --- the shipped sweep -----------------------------------------------------------------------


def agreement_sweep(distances, seeds, kinds=KINDS, progress: bool = False) -> dict:
    """``training.distance_sweep`` over kinds, distances and seeds, without the wall times
    (so the result depends on the seeds only). Trained on distances 1..D, tested at D."""
    use_one_thread()
    out = training.distance_sweep(list(kinds), list(distances), list(seeds), progress=progress)
    runs = [{k: v for k, v in run.items() if k != "seconds"} for run in out["runs"]]
    for run in runs:
        run["accuracy"] = round(run["accuracy"], 4)
    return {
        "distances": out["distances"],
        "seeds": list(seeds),
        "kinds": list(kinds),
        "config": {
            **out["config"],
            "train_distances": "1 to D, uniform",
            "test": "1000 sequences at distance D (training.agreement_task), after the last step",
            "threshold": 0.95,
            "eval_every": 25,
            "attractors": 0.5,
        },
        "runs": runs,
    }


ADDING = {
    "T": 100,
    "markers": "halves",
    "hidden": 32,
    "lr": 0.01,
    "batch": 64,
    "steps": 1500,
    "eval_every": 50,
    "forget_bias": 1.0,
    "threshold": 0.01,
}
"""The adding-problem runs (science notes NB05 Exp 5c; tests/unit/test_long_range_claims.py)."""


def adding_run(
    kind: str,
    seed: int,
    steps: int = ADDING["steps"],
    progress: bool = False,
    stop_when_solved: bool = False,
):
    """One network on ``training.adding_task(T = 100)``: a TrainResult (all steps run, unless
    stop_when_solved)."""
    use_one_thread()
    task = training.adding_task(ADDING["T"], ADDING["markers"], threshold=ADDING["threshold"])
    bias = ADDING["forget_bias"] if kind == "lstm" else None
    model = training.make_model(kind, 2, ADDING["hidden"], bias, seed=seed)
    return training.train(
        model,
        task,
        steps,
        ADDING["lr"],
        ADDING["batch"],
        ADDING["eval_every"],
        data_seed=seed,
        stop_when_solved=stop_when_solved,
        progress=progress,
    )


def adding_runs(seeds, kinds=KINDS, steps: int = ADDING["steps"], log=print) -> dict:
    """Adding-problem learning curves (test MSE every 50 steps) for each kind and seed."""
    runs = []
    for kind in kinds:
        for seed in seeds:
            r = adding_run(kind, seed, steps)
            runs.append(
                {
                    "kind": kind,
                    "seed": seed,
                    "curve": [round(v, 6) for v in r.curve],
                    "steps_to_threshold": r.steps_to_threshold,
                }
            )
            log(
                f"adding {kind} seed {seed}: solved at {r.steps_to_threshold}, "
                f"final MSE {r.final:.4f}"
            )
    return {
        "config": {
            **ADDING,
            "steps": steps,
            "test": "1000 fixed sequences",
            "baseline": "1/6, always answering 1",
        },
        "eval_steps": r.eval_steps,
        "seeds": list(seeds),
        "runs": runs,
    }


def load_sweep() -> dict:
    """The shipped results (written by tools/sweep_long_range.py)."""
    return shipped.load(shipped.LONG_RANGE)


class AddingSummary(NamedTuple):
    eval_steps: np.ndarray
    curves: dict[str, np.ndarray]  # kind -> (S, E) test MSE
    solved_at: dict[str, list[int | None]]  # kind -> per seed


def adding_summary(data: dict) -> AddingSummary:
    adding = data["adding"]
    curves, solved = {}, {}
    for kind in KINDS:
        runs = sorted((r for r in adding["runs"] if r["kind"] == kind), key=lambda r: r["seed"])
        curves[kind] = np.array([r["curve"] for r in runs])
        solved[kind] = [r["steps_to_threshold"] for r in runs]
    return AddingSummary(np.array(adding["eval_steps"]), curves, solved)


def adding_figure(summary: AddingSummary) -> Figure:
    """Adding problem, T = 100: test MSE against training step, every seed, log scale."""
    fig, axes = plots.figure(width=7.0, height=3.3)
    ax = axes[0, 0]
    for kind, curves in summary.curves.items():
        for j, curve in enumerate(curves):
            ax.plot(
                summary.eval_steps,
                curve,
                "-",
                lw=1.6,
                alpha=0.8,
                color=plots.COLOURS[kind],
                label=NAMES[kind] if j == 0 else None,
            )
    ax.axhline(1 / 6, color=plots.COLOURS["bound"], ls=":", lw=1.2, label="always 1 (MSE 1/6)")
    ax.axhline(
        ADDING["threshold"], color=plots.COLOURS["bound"], ls="--", lw=1, label="solved (MSE 0.01)"
    )
    ax.set_yscale("log")
    plots.plain_log_labels(ax.yaxis)
    ax.set_xlabel("training step (64 sequences each)")
    ax.set_ylabel("test MSE")
    n = len(next(iter(summary.curves.values())))
    ax.set_title(f"Adding problem, T = 100 ({n} seeds each)")
    ax.legend(fontsize=8, loc="lower left")
    return fig


# --- exercise 2: the forget-gate bias --------------------------------------------------------

BIASES = (0.0, 1.0, 2.0, 3.0, 5.0)
BIAS_SEEDS = tuple(range(10))  # the shipped table's seeds
LIVE_BIASES = (1.0, 2.0, 3.0, 5.0)  # trained in the lesson; bias 0 fails like 1 in the table
BIAS_CONFIG = {
    "distance": 40,
    "steps": 150,
    "eval_every": 10,
    "test_size": 500,
    "hidden": 32,
    "lr": 0.005,
    "batch": 64,
    "threshold": 0.95,
}
"""Every training sentence has a clause of exactly 40 words; 150 steps, tested every 10."""


@functools.lru_cache(maxsize=64)
def forget_bias_run(
    bias: float, seed: int = 0, stop_when_solved: bool = False
) -> training.TrainResult:
    """An LSTM with forget-gate bias ``bias`` trained on agreement at distance 40 only, all
    150 steps (a fraction of a second), or until the first test that reaches 95 % if
    stop_when_solved (the steps to 95 % are the same). Cached."""
    use_one_thread()
    c = BIAS_CONFIG
    task = _bias_task()
    model = training.make_model("lstm", task.inputs, c["hidden"], float(bias), seed=seed)
    return training.train(
        model,
        task,
        c["steps"],
        c["lr"],
        c["batch"],
        c["eval_every"],
        data_seed=seed,
        stop_when_solved=stop_when_solved,
        progress=False,
    )


@functools.lru_cache(maxsize=1)
def _bias_task() -> training.Task:
    c = BIAS_CONFIG
    return training.agreement_task(
        c["distance"], test_size=c["test_size"], threshold=c["threshold"]
    )


def forget_bias_runs(biases=LIVE_BIASES, seed: int = 0) -> dict[float, training.TrainResult]:
    """``forget_bias_run`` for each bias, at one seed, each stopped at 95 % (the lesson's live
    runs): {bias: TrainResult}."""
    return {float(b): forget_bias_run(float(b), seed, stop_when_solved=True) for b in biases}


def forget_bias_table(seeds, biases=BIASES) -> dict:
    """Steps to 95 % (None: not within 150 steps) and final accuracy for each bias and seed."""
    runs = []
    for seed in seeds:
        for bias in biases:
            r = forget_bias_run(float(bias), seed)
            runs.append(
                {
                    "bias": float(bias),
                    "seed": seed,
                    "steps_to_threshold": r.steps_to_threshold,
                    "final": round(r.final, 4),
                }
            )
    return {"config": dict(BIAS_CONFIG), "seeds": list(seeds), "biases": list(biases), "runs": runs}


class BiasRow(NamedTuple):
    """One bias of the shipped table: over ``seeds``, the step at which each run reached
    95 % (None: not within the budget)."""

    bias: float
    seeds: list[int]
    steps: list[int | None]

    @property
    def solved(self) -> int:
        return sum(s is not None for s in self.steps)

    @property
    def always(self) -> bool:
        return self.solved == len(self.steps)

    @property
    def slowest(self) -> int | None:
        """The latest step at which a run that solved it reached 95 %."""
        return max((s for s in self.steps if s is not None), default=None)


def bias_rows(data: dict) -> dict[float, BiasRow]:
    """The shipped forget-bias table (``load_sweep()``), one row per bias."""
    table = data["forget_bias"]
    rows = {}
    for bias in table["biases"]:
        runs = sorted((r for r in table["runs"] if r["bias"] == bias), key=lambda r: r["seed"])
        rows[float(bias)] = BiasRow(
            float(bias), [r["seed"] for r in runs], [r["steps_to_threshold"] for r in runs]
        )
    return rows


def forget_bias_figure(runs: dict[float, training.TrainResult]) -> Figure:
    """Test accuracy at distance 40 against the training step, one line per bias."""
    fig, axes = plots.figure(width=7.0, height=3.2)
    ax = axes[0, 0]
    shades = ["#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#08306b"]
    styles = [":", "--", "-.", "-", "-"]
    for bias, r in runs.items():
        k = BIASES.index(bias)  # each bias keeps its shade and style
        solved = f", 95 % at step {r.steps_to_threshold}" if r.steps_to_threshold else ""
        ax.plot(
            r.eval_steps,
            r.curve,
            marker="o",
            ls=styles[k],
            ms=3,
            lw=2,
            color=shades[k],
            label=f"forget bias {bias:g}{solved}",
        )
    ax.axhline(0.5, color=plots.COLOURS["bound"], ls=":", lw=1.2)
    ax.axhline(BIAS_CONFIG["threshold"], color=plots.COLOURS["bound"], ls="--", lw=1)
    ax.set_ylim(0.4, 1.02)
    ax.set_xlabel("training step (64 sentences, all at distance 40)")
    ax.set_ylabel("test accuracy at distance 40")
    ax.set_title("LSTM, only long clauses: the forget-gate bias decides (seed 0)")
    ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.0, 0.5))
    return fig


def most_open_forget_gate(
    model: training.RecurrentModel, n: int = 20, distance: int = 50, seed: int = 7
) -> float:
    """The LSTM unit whose forget gate stays most open across a clause: its mean f over the
    clause's words (after the subject, before the verb slot), averaged over n sentences at
    ``distance``. Run in numpy (``lstm.gate_activations``) from the model's weights."""
    params = training.numpy_lstm_params(model)
    batch = tasks.agreement_batch(seed, n, distance, length=distance + 2)
    means = []
    for words in tasks.decode(batch.tokens):
        f = lstm.gate_activations(params, words).f[2:-1]  # (distance - 1, H)
        means.append(f.mean(axis=0).max())
    return float(np.mean(means))


# --- time per step ---------------------------------------------------------------------------


def step_times(
    lengths=(25, 50, 100, 200), kinds=KINDS, fused: bool = True, repeats: int = 5
) -> dict[str, np.ndarray]:
    """Median seconds per training step (``training.time_per_step``, batch 64, 32 units) at
    each length. fused=False switches off torch's oneDNN kernels, the library that runs the
    whole LSTM layer as one call on a CPU (torch's RNN and GRU do not use it)."""
    use_one_thread()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # oneDNN's note about TF32
        with torch.backends.mkldnn.flags(enabled=fused):
            return {
                kind: np.array([training.time_per_step(kind, T, repeats=repeats) for T in lengths])
                for kind in kinds
            }


def memory_verdict(before: float, after: float) -> str:
    """What training did to the most open forget gate (``most_open_forget_gate`` before and
    after), as a phrase."""
    if after > before:
        return _("has learned to keep its memory")
    return _("has not opened its forget gates further")


def compared_with_rnn(ratio: float) -> str:
    """A time per step relative to the RNN's, as a phrase: "less time per step than the RNN"
    (ratio < 0.8), "about as long per step as the RNN" (up to 1.25), else "2.9 times the
    RNN's time per step"."""
    if ratio < 0.8:
        message = _("less time per step than the RNN ({ratio:.1f} times its time)")
    elif ratio <= 1.25:
        message = _("about as long per step as the RNN ({ratio:.1f} times its time)")
    else:
        message = _("{ratio:.1f} times the RNN's time per step")
    return message.format(ratio=ratio)


def seconds_to_solve(result: training.TrainResult) -> float:
    """Training seconds until the task was solved: seconds per step x steps to the threshold,
    or x all the steps run if it never was."""
    solved = result.steps_to_threshold
    return result.seconds_per_step * (len(result.losses) if solved is None else solved)


def time_to_solve(run: LiveRun) -> str:
    """Seconds of training until 95 %, as a phrase: "1.2 s (100 steps of 12.0 ms)", or
    "never got there in 300 steps (3.4 s)"."""
    r = run.result
    seconds = seconds_to_solve(r)
    if r.steps_to_threshold is None:
        return _("never got there in {steps} steps ({seconds:.1f} s)").format(
            steps=len(r.losses), seconds=seconds
        )
    return _("{seconds:.1f} s ({steps} steps of {ms:.1f} ms)").format(
        seconds=seconds, steps=r.steps_to_threshold, ms=1000 * r.seconds_per_step
    )


def timing_figure(
    lengths, fused: dict[str, np.ndarray], unfused: dict[str, np.ndarray], runs: dict[str, LiveRun]
) -> Figure:
    """Left: ms per training step against T. Right: seconds to reach 95 % in the live runs."""
    fig, axes = plots.figure(2, width=10.0, height=3.4)
    left, right = axes[0]
    for kind in fused:
        colour = plots.COLOURS[kind]
        left.plot(lengths, 1000 * fused[kind], "o-", lw=2, color=colour, label=NAMES[kind])
        if kind in unfused:
            left.plot(
                lengths,
                1000 * unfused[kind],
                "o--",
                lw=1.4,
                color=colour,
                label=f"{NAMES[kind]}, oneDNN off",
            )
    left.set_xlabel("sequence length T (steps the loop must take)")
    left.set_ylabel("ms per training step")
    left.set_title("One training step (batch 64, 32 units)")
    left.legend(fontsize=7)
    names = [NAMES[kind] for kind in runs]
    seconds = [seconds_to_solve(run.result) for run in runs.values()]
    labels = [
        f"{r.steps_to_threshold} steps x {1000 * r.seconds_per_step:.1f} ms"
        if r.steps_to_threshold is not None
        else f"not solved in {len(r.losses)} steps"
        for r in (run.result for run in runs.values())
    ]
    colours = [plots.COLOURS[k] for k in runs]
    bars = right.bar(names, seconds, color=colours)
    for bar, label, kind in zip(bars, labels, runs, strict=True):
        hatch = "//" if runs[kind].result.steps_to_threshold is None else ""
        bar.set_hatch(hatch)
        right.annotate(
            label,
            (bar.get_x() + bar.get_width() / 2, bar.get_height()),
            xytext=(0, 3),
            textcoords="offset points",
            ha="center",
            fontsize=8,
        )
    right.set_ylabel("training seconds")
    right.set_ylim(0, 1.25 * max(seconds))
    right.set_title("Time to 95 % at distance 50 (live run)")
    return fig
