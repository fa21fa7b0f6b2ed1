"""Lesson 11's own code: its runs of the two language models (a GPT in miniature and an LSTM,
trained on the same batches), what they learned (agreement against distance, grammatical
samples), the timings of parallel training against sequential generation and of the key/value
cache, the sampling slider, the shipped seeds, and the course's figure with lesson 11 added.

The models, their training and generation are in ``course_utils.gpt``, the grammar in
``course_utils.language``; tests/unit/test_lesson11.py asserts the numbers the lesson prints
(a time is only ever rendered from the learner's own run).
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import numpy as np
import torch
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure

from course_utils import (
    complexity,
    gpt,
    gradient_vs_distance,
    language,
    plots,
    shipped,
    training,
    widgets,
)
from course_utils.env import use_one_thread
from course_utils.i18n import _

COLOURS = {"gpt": plots.COLOURS["transformer"], "lstm": plots.COLOURS["lstm"]}
NAMES = {"gpt": "GPT (Transformer)", "lstm": "LSTM"}
GREY = plots.COLOURS["bound"]
VOCAB_SIZE = len(language.VOCAB)
END = language.VOCAB.index(language.END)

# --- the corpus --------------------------------------------------------------------------------


class Data(NamedTuple):
    """The shipped corpus as the models read it: train (n, L) and test (the first
    ``gpt.TRAINING["test_sentences"]``, for the loss) id arrays, and every test sentence (for
    the agreement measurements)."""

    train: np.ndarray
    test: np.ndarray
    sentences: list[language.Sentence]


@functools.lru_cache(maxsize=1)
def data() -> Data:
    corpus = language.load_corpus()
    test = language.sequences(corpus.test[: gpt.TRAINING["test_sentences"]])
    return Data(language.sequences(corpus.train), test, corpus.test)


def examples(distances=(1, 6, 13, 22)) -> list[language.Sentence]:
    """The first training sentence at each of ``distances`` (for the lesson's display)."""
    train = language.load_corpus().train
    return [next(s for s in train if s.distance == d) for d in distances]


def format_sentence(s: language.Sentence) -> str:
    """The words with the subject and the main verb in brackets, and the distance."""
    words = [f"[{w}]" if k in (s.subject, s.verb) else w for k, w in enumerate(s.words)]
    return f"{' '.join(words)}   (distance {s.distance})"


# --- agreement against distance ----------------------------------------------------------------

BINS = ((1, 1), (4, 7), (8, 11), (12, 15), (16, 19), (20, 23), (24, 28))
"""Distance bins (a sentence has distance 1 or between 4 and 28)."""
FAR = 8
"""'Far': a distance of 8 or more, where at least two modifiers, with their attractor nouns,
stand between the subject and its verb."""


def preference(model, sentences: list[language.Sentence]) -> np.ndarray:
    """``gpt.verb_preference`` on sentences: log p(right verb form) - log p(other form), at
    the main verb of each sentence (positive: the model prefers the right number)."""
    ids = language.sequences(sentences)
    verbs = np.array([s.verb + 1 for s in sentences])  # + 1: the sequence starts with "."
    other = language.encode([language.OTHER_FORM[s.words[s.verb]] for s in sentences])
    return gpt.verb_preference(model, ids, verbs, other)


class Agreement(NamedTuple):
    """accuracy (bins,): the share of sentences whose main verb the model prefers in the right
    number, per distance bin (BINS); counts (bins,); far: the accuracy at distance >= FAR."""

    accuracy: np.ndarray
    counts: np.ndarray
    far: float


def agreement(model, sentences: list[language.Sentence] | None = None) -> Agreement:
    """Agreement accuracy of ``model`` against distance, on the test sentences by default."""
    sentences = data().sentences if sentences is None else sentences
    right = preference(model, sentences) > 0
    distance = np.array([s.distance for s in sentences])
    inside = [(distance >= lo) & (distance <= hi) for lo, hi in BINS]
    return Agreement(
        np.array([right[m].mean() for m in inside]),
        np.array([int(m.sum()) for m in inside]),
        float(right[distance >= FAR].mean()),
    )


PROBE_SENTENCES = 300


@functools.lru_cache(maxsize=1)
def _probe_sentences() -> list[language.Sentence]:
    """Test sentences at distance >= FAR that the test loss does not use."""
    rest = data().sentences[gpt.TRAINING["test_sentences"] :]
    return [s for s in rest if s.distance >= FAR][:PROBE_SENTENCES]


def far_agreement(model) -> float:
    """The probe recorded during training: agreement accuracy on 300 test sentences at distance
    >= FAR (not those of the test loss)."""
    return float((preference(model, _probe_sentences()) > 0).mean())


# --- training ----------------------------------------------------------------------------------


class Run(NamedTuple):
    kind: str
    model: torch.nn.Module
    result: gpt.LMResult


@functools.lru_cache(maxsize=4)
def run(kind: str = "gpt", seed: int = 0) -> Run:
    """``gpt.train_lm`` with the lesson's settings (``gpt.TRAINING``) on the shipped corpus,
    with the far-agreement probe. Model seed = data seed = seed, so both kinds see the same
    batches."""
    use_one_thread()
    d = data()
    model = gpt.make_model(kind, VOCAB_SIZE, seed)
    return Run(kind, model, gpt.train_lm(model, d.train, d.test, seed=seed, probe=far_agreement))


def learned_at(result: gpt.LMResult, threshold: float = 0.9) -> int | None:
    """The first evaluated step at which the far-agreement probe reached ``threshold``."""
    return next((s for s, a in zip(result.eval_steps, result.probe, strict=True) if a >= threshold),
                None)  # fmt: skip


def learning_phrase(result: gpt.LMResult, threshold: float = 0.9) -> str:
    """ "reached 90 % at step 250" or "stayed below 90 % (ended at 52.3 %)"."""
    step = learned_at(result, threshold)
    if step is None:
        return _("stayed below {threshold:.0%} (ended at {final:.1%})").format(
            threshold=threshold, final=result.probe[-1]
        )
    return _("reached {threshold:.0%} at step {step}").format(threshold=threshold, step=step)


# --- samples -----------------------------------------------------------------------------------

MAX_WORDS = 40


class Samples(NamedTuple):
    """Sentences sampled from a model (each cut after its first "."), with ``language.parse``
    of each."""

    sentences: list[tuple[str, ...]]
    parses: list[language.Parse]

    @property
    def grammatical(self) -> float:
        return float(np.mean([p.grammatical for p in self.parses]))

    @property
    def agreement_errors(self) -> float:
        """The share of samples whose structure is right but whose verb does not agree."""
        return float(np.mean([p.agreement_error for p in self.parses]))


def _sentences(ids: np.ndarray, start: int) -> list[tuple[str, ...]]:
    """Each row's words from ``start`` up to and including its first "."."""
    out = []
    for row in ids[:, start:]:
        words = language.decode(row)
        out.append(words[: words.index(language.END) + 1] if language.END in words else words)
    return out


def samples(
    model, n: int = 300, temperature: float = 1.0, top_k: int | None = None, seed: int = 0
) -> Samples:
    """n sentences sampled from ``model`` after the start token ".", in one batch with the
    cache (``gpt.generate``), each graded by the grammar's parser."""
    start = np.full((n, 1), END)
    ids = gpt.generate(model, start, MAX_WORDS, temperature, top_k, seed, stop=END)
    sentences = _sentences(ids, 1)
    return Samples(sentences, [language.parse(s) for s in sentences])


def format_sample(words: tuple[str, ...], parse: language.Parse) -> str:
    mark = "✓" if parse.grammatical else "✗"
    return f"{mark} {' '.join(words)}" + ("" if parse.grammatical else f"   ({parse.problem})")


# --- checks against torch ---------------------------------------------------------------------


def block_and_cache_checks(seed: int = 0) -> dict[str, float]:
    """Largest differences, in float64, between the lesson's model and references:

    - a ``DecoderBlock`` against ``nn.TransformerEncoderLayer(norm_first=True)`` with a causal
      mask (``gpt.to_torch_layer``);
    - a GPT's logits computed token by token with the key/value cache (``cached_logits``)
      against one forward pass over the whole sequence (relative to the largest logit).
    """
    g = torch.Generator().manual_seed(seed)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        block = gpt.DecoderBlock(32, 4, 64).double()
        model = gpt.GPT(VOCAB_SIZE).double()
    x = torch.randn(2, 12, 32, generator=g, dtype=torch.float64)
    future = torch.ones(12, 12, dtype=torch.bool).triu(1)  # torch's mask: True = NOT allowed
    layer = gpt.to_torch_layer(block)
    tokens = torch.randint(1, VOCAB_SIZE, (2, 30), generator=g)
    with torch.no_grad():
        block_gap = (layer(x, src_mask=future) - block(x)).abs().max()
        cached = cached_logits(model, tokens)
        full = model(tokens)
    return {
        "block vs torch TransformerEncoderLayer": float(block_gap),
        "cached vs recomputed logits (relative)": float(
            (cached - full).abs().max() / full.abs().max()
        ),
    }


def cached_logits(model, tokens: torch.Tensor, prompt: int = 5) -> torch.Tensor:
    """The logits of ``tokens`` (B, T) computed as generation does: the first ``prompt`` tokens
    in one call, then one token per call, each appended to the key/value cache."""
    cache = model.new_cache()
    with torch.no_grad():
        parts = [model(tokens[:, :prompt], cache)]
        parts += [model(tokens[:, t : t + 1], cache) for t in range(prompt, tokens.shape[1])]
    return torch.cat(parts, dim=1)


# --- parallel training, sequential generation (measured) --------------------------------------

N_PARALLEL = 64


class Parallel(NamedTuple):
    """Median wall times (seconds) at n = N_PARALLEL positions, batch 1: one training step
    (forward and backward over all n positions at once, then Adam), generating n tokens one at
    a time with the cache, and without it (recomputing the whole prefix at every step)."""

    n: int
    train_step: float
    generate_cached: float
    generate_recomputed: float


def _fresh_gpt(max_len: int = gpt.SIZES["max_len"]) -> gpt.GPT:
    """An untrained GPT of the lesson's size (timings do not depend on the weights; the live
    model is left alone)."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        return gpt.GPT(VOCAB_SIZE, max_len=max_len)


def parallel_vs_sequential(n: int = N_PARALLEL, repeats: int = 3) -> Parallel:
    """Time one training step over n positions against generating n tokens."""
    use_one_thread()
    model = _fresh_gpt()
    tokens = torch.randint(1, VOCAB_SIZE, (1, n), generator=torch.Generator().manual_seed(0))
    optimizer = training.Adam(model.parameters(), 1e-3)

    def train_step() -> None:
        optimizer.zero_grad()
        gpt.lm_loss(model(tokens), tokens).backward()
        optimizer.step()

    start = tokens[:, :1].numpy()
    timed = {
        "train": train_step,
        "cached": lambda: gpt.generate(model, start, n - 1, cache=True),
        "recomputed": lambda: gpt.generate(model, start, n - 1, cache=False),
    }
    seconds = {name: complexity.median_seconds(fn, repeats=repeats) for name, fn in timed.items()}
    return Parallel(n, seconds["train"], seconds["cached"], seconds["recomputed"])


CONTEXTS = (16, 32, 64, 128, 256, 512)


class TokenCost(NamedTuple):
    """Median wall time (seconds) to compute the next token's logits at each context length:
    with the cache (one new position) and without it (a forward pass over all of them)."""

    contexts: np.ndarray
    cached: np.ndarray
    recomputed: np.ndarray

    def slopes(self) -> dict[str, float]:
        """Log-log slope of each curve over the three longest contexts."""
        return {
            "cached": complexity.loglog_slope(self.contexts, self.cached, last=3),
            "recomputed": complexity.loglog_slope(self.contexts, self.recomputed, last=3),
        }


def token_cost(contexts=CONTEXTS, repeats: int = 5) -> TokenCost:
    """Cost of one generated token against the context (an untrained GPT of the lesson's size
    with room for 513 positions)."""
    use_one_thread()
    model = _fresh_gpt(max(contexts) + 1)
    g = torch.Generator().manual_seed(0)
    cached, recomputed = [], []
    with torch.no_grad():
        for t in contexts:
            tokens = torch.randint(1, VOCAB_SIZE, (1, t + 1), generator=g)
            recomputed.append(complexity.median_seconds(model, tokens, repeats=repeats))
            cache = model.new_cache()
            model(tokens[:, :t], cache)

            def step(cache=cache, t=t, tokens=tokens) -> None:
                cache.truncate(t)  # the same context every time
                model(tokens[:, t:], cache)

            cached.append(complexity.median_seconds(step, repeats=repeats))
    return TokenCost(np.array(contexts), np.array(cached), np.array(recomputed))


GPT3 = {"n_params": 175.0e9, "n_layers": 96, "d_model": 12288, "n_ctx": 2048}
"""GPT-3 175B's sizes (Brown et al. 2020, Table 2.1; every model there has a context of 2048)."""


def times_phrase(ratio: float, of: str = "training") -> str:
    """ "4.2 times the training step's time", "about the same time", or "only 0.61 of ...";
    of: "training" (the training step's time) or "cached" (the cached step's time)."""
    if 0.9 <= ratio <= 1.1:
        return _("about the same time")
    if of == "training":
        more = _("{ratio:.1f} times the training step's time")
        less = _("only {ratio:.2f} of the training step's time")
    else:
        more = _("{ratio:.1f} times the cached step's time")
        less = _("only {ratio:.2f} of the cached step's time")
    return (more if ratio > 1 else less).format(ratio=ratio)


def growth_phrase(slope: float) -> str:
    """How a time grows with the context, from its log-log slope: "stayed about the same" (below
    0.25), "grew slowly" (below 0.75), "grew about linearly" (below 1.25), "grew faster than
    linearly"."""
    if slope < 0.25:
        return _("stayed about the same")
    if slope < 0.75:
        return _("grew slowly")
    if slope < 1.25:
        return _("grew about linearly")
    return _("grew faster than linearly")


def timing_figure(p: Parallel, cost: TokenCost) -> Figure:
    """Left: the three times at n = 64 (ms). Right: the cost of one token against the context,
    log-log, with and without the cache (slopes in the legend)."""
    fig, axes = plots.figure(2, width=10.5, height=3.5)
    left, right = axes[0]
    labels = ["train: 1 step,\nall positions", "generate,\nwith cache", "generate,\nrecomputing"]
    values = 1e3 * np.array([p.train_step, p.generate_cached, p.generate_recomputed])
    left.bar(labels, values, color=[COLOURS["gpt"], plots.OKABE_ITO["sky"], GREY])
    for x, value in enumerate(values):
        left.text(x, value, f"{value:.1f}", ha="center", va="bottom", fontsize=8)
    left.set_ylabel("wall time (ms)")
    left.set_title(f"{p.n} positions: in parallel, or one at a time", fontsize=10)
    slopes = cost.slopes()
    styles = {"recomputed": ("without", GREY, "s"), "cached": ("with", plots.OKABE_ITO["sky"], "o")}
    for name, (how, colour, marker) in styles.items():
        label = f"{how} the cache (slope {slopes[name]:.2f})"
        right.loglog(cost.contexts, 1e3 * getattr(cost, name), marker=marker, color=colour, lw=2,
                     label=label)  # fmt: skip
    right.set_xscale("log", base=2)
    right.set_xlabel("context: tokens already generated")
    right.set_ylabel("time for the next token (ms)")
    right.set_title("Cost of one more token", fontsize=10)
    right.legend(fontsize=8)
    return fig


# --- figures: training and what was learned ----------------------------------------------------


def comparison_figure(runs: list[Run]) -> Figure:
    """Test loss against steps and against training wall time, and far agreement against steps,
    for each run."""
    fig, axes = plots.figure(3, width=12.0, height=3.4)
    loss_steps, loss_time, far = axes[0]
    for r in runs:
        style = {"color": COLOURS[r.kind], "lw": 2, "marker": "o", "ms": 3, "label": NAMES[r.kind]}
        loss_steps.plot(r.result.eval_steps, r.result.test_loss, **style)
        loss_time.plot(r.result.seconds, r.result.test_loss, **style)
        far.plot(r.result.eval_steps, r.result.probe, **style)
    for ax in (loss_steps, loss_time):
        ax.set_ylim(1.3, 1.7)
        ax.set_ylabel("test loss (nats per token)")
    loss_steps.set_xlabel("training step (32 sentences)")
    loss_time.set_xlabel("training time on this CPU (s)")
    far.axhline(0.5, color=GREY, ls=":", lw=1)
    far.text(0, 0.51, "chance", color=GREY, fontsize=8, va="bottom")
    far.set_ylim(0.4, 1.02)
    far.set_xlabel("training step")
    far.set_ylabel(f"agreement at distance >= {FAR}")
    loss_steps.set_title("Loss against steps", fontsize=10)
    loss_time.set_title("Loss against wall time", fontsize=10)
    far.set_title("What the loss hides: agreement", fontsize=10)
    loss_steps.legend(fontsize=8, loc="upper right")
    return fig


def bin_labels() -> list[str]:
    return [str(lo) if lo == hi else f"{lo}-{hi}" for lo, hi in BINS]


def _agreement_axes(ax, title: str) -> None:
    """Chance, the distance bins, labels and legend of an agreement-against-distance plot."""
    ax.axhline(0.5, color=GREY, ls=":", lw=1, label="chance")
    ax.set_xticks(np.arange(len(BINS)), bin_labels())
    ax.set_ylim(0.4, 1.02)
    ax.set_xlabel("distance from the subject to its verb (words)")
    ax.set_ylabel("verb in the right number")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8, loc="lower left")


def agreement_figure(results: dict[str, Agreement]) -> Figure:
    """Agreement accuracy against distance (bins) for each model, with chance."""
    fig, axes = plots.figure(width=7.0, height=3.3)
    ax = axes[0, 0]
    for kind, a in results.items():
        ax.plot(np.arange(len(BINS)), a.accuracy, "o-", color=COLOURS[kind], lw=2,
                label=NAMES[kind])  # fmt: skip
    _agreement_axes(ax, "Agreement against distance, on held-out sentences")
    return fig


# --- the sampling slider -----------------------------------------------------------------------

PROMPT = "the cats near the old dog that the mice chase"
"""The slider's prompt: next comes the main verb, which must be plural, or another modifier."""
SHOWN = 10
DRAWS = 12


@functools.lru_cache(maxsize=1)
def _prompt() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(prompt ids (1, P), the trained GPT's next-token logits after it (V,), the ids of the
    words the grammar allows next)."""
    words = PROMPT.split()
    ids = language.encode((language.END, *words))[None]
    model = run("gpt").model  # trained first if need be (outside no_grad)
    with torch.no_grad():
        logits = model(torch.from_numpy(ids))[0, -1].double().numpy()
    return ids, logits, language.encode(language.allowed_next(words))


@functools.lru_cache(maxsize=1)
def _shown_tokens() -> np.ndarray:
    """The SHOWN most likely next tokens at temperature 1, in that fixed order."""
    return np.argsort(-_prompt()[1])[:SHOWN]


@functools.cache
def _allowed_next() -> frozenset[str]:
    """The words the grammar allows after PROMPT."""
    return frozenset(language.allowed_next(PROMPT.split()))


class Sampling(NamedTuple):
    """The slider's result, after PROMPT at this temperature and top-k: the next-token
    distribution p (V,), its entropy (nats), the probability of the words the grammar allows
    next, and DRAWS words drawn from p (seed 0)."""

    temperature: float
    top_k: int
    p: np.ndarray
    entropy: float
    grammatical_mass: float
    draws: list[str]

    @property
    def grammatical_draws(self) -> int:
        allowed = _allowed_next()
        return sum(word in allowed for word in self.draws)


def sampling(temperature: float = 1.0, top_k: int = VOCAB_SIZE) -> Sampling:
    """Compute function of the slider: the model ran once on the prompt; each setting only
    reshapes its logits (``gpt.next_token_distribution``) and draws from them."""
    _, logits, allowed = _prompt()
    top_k = int(top_k)
    p = gpt.next_token_distribution(logits, temperature, top_k)
    draws = np.random.default_rng(0).choice(VOCAB_SIZE, size=DRAWS, p=p)
    return Sampling(float(temperature), top_k, p, float(gpt.entropy(p)), float(p[allowed].sum()),
                    [language.VOCAB[i] for i in draws])  # fmt: skip


def draw_sampling(axes, s: Sampling, *, slider: bool = False) -> None:
    """Left: the probabilities of the SHOWN likeliest words (at T = 1, in a fixed order). Right:
    the draws of the next word (* = not allowed there by the grammar). Titles: the entropy and
    the probability of a grammatical next word; with slider=True, plain names instead (the
    readout gives the numbers), which stay in the figure's background (`plots.Blitter`):
    rendering text, glyph by glyph, is the slow part of a redraw."""
    bars, text = axes
    shown = _shown_tokens()
    rows = np.arange(SHOWN)[::-1]
    # The bars as one collection of rectangles (as barh draws them, without its per-bar work)
    corners = [[(0, r - 0.4), (w, r - 0.4), (w, r + 0.4), (0, r + 0.4)]
               for r, w in zip(rows, s.p[shown], strict=True)]  # fmt: skip
    bars.add_collection(PolyCollection(corners, facecolors=COLOURS["gpt"], lw=0), autolim=False)
    bars.set_yticks(rows, [language.VOCAB[i] for i in shown], fontsize=8)
    bars.set_ylim(-0.6, SHOWN - 0.4)
    bars.set_xlim(0, 1.0)
    bars.set_xticks([0, 0.5, 1])
    bars.set_xlabel("probability of the next word")
    text.axis("off")
    allowed = _allowed_next()
    marked = [w if w in allowed else w + "*" for w in s.draws]
    draws = [" ".join(marked[: DRAWS // 2]), " ".join(marked[DRAWS // 2 :])]
    if slider:
        bars.set_title(f"the {SHOWN} likeliest next words (at T = 1)", fontsize=9)
        text.set_title(f"{DRAWS} draws (* = ungrammatical)", fontsize=9)
        lines = draws
    else:
        bars.set_title(f"entropy {s.entropy:.2f} nats", fontsize=9)
        text.set_title(f"grammatical next word: p = {s.grammatical_mass:.3f}", fontsize=9)
        lines = [f"{DRAWS} draws (* = ungrammatical):", *draws]
    text.text(0, 0.9, "\n".join(lines), fontsize=9, va="top", transform=text.transAxes)


def readout_sampling(s: Sampling) -> str:
    return _(
        "T = {T:.2f}, top-k = {k}: entropy {entropy:.2f} nats (uniform: {uniform:.2f}); a "
        "grammatical next word has probability {mass:.3f}; {draws} of {total} draws grammatical"
    ).format(
        T=s.temperature,
        k=s.top_k,
        entropy=s.entropy,
        uniform=np.log(VOCAB_SIZE),
        mass=s.grammatical_mass,
        draws=s.grammatical_draws,
        total=DRAWS,
    )


def sampling_slider() -> widgets.InteractiveFigure:
    temperature = widgets.log_slider(
        _("temperature T"), -1, 1, 1.0, step=0.05, readout_format=".2f"
    )
    top_k = widgets.slider(_("top-k"), 1, VOCAB_SIZE, 1, VOCAB_SIZE, integer=True)
    return widgets.InteractiveFigure(
        sampling, functools.partial(draw_sampling, slider=True),
        {"temperature": temperature, "top_k": top_k}, readout_sampling,
        ncols=2, width=9.0, height=3.2,
    )  # fmt: skip


def sampling_sweep() -> Figure:
    """The slider at temperatures 0.3, 1 and 3 (all words allowed)."""
    return widgets.static_sweep(
        sampling, draw_sampling, "temperature", [0.3, 1.0, 3.0], {"top_k": VOCAB_SIZE}, ncols=2,
        width=9.0, height=3.0, label=lambda t: f"T = {t:g}",
    )  # fmt: skip


# --- the shipped seeds -------------------------------------------------------------------------

SWEEP_SEEDS = tuple(range(8))
KINDS = ("gpt", "lstm")


def sweep(seeds=SWEEP_SEEDS) -> dict:
    """``run`` for each kind and seed, as plain data (for JSON): the test loss and the far
    agreement at every evaluated step, the final agreement by distance bin, and the share of
    grammatical samples (300, temperature 1). No wall times: they belong to one machine.
    Written to course_utils/data/language_model_sweep.json by tools/sweep_language_model.py."""
    runs = []
    for kind in KINDS:
        for seed in seeds:
            r = run(kind, seed)
            a = agreement(r.model)
            runs.append(
                {
                    "kind": kind,
                    "seed": seed,
                    "parameters": gpt.parameter_count(r.model),
                    "test_loss": [round(x, 4) for x in r.result.test_loss],
                    "far_agreement": [round(x, 4) for x in r.result.probe],
                    "agreement_by_distance": [round(float(x), 4) for x in a.accuracy],
                    "grammatical": round(samples(r.model, seed=seed).grammatical, 4),
                }
            )
            run.cache_clear()  # one model in memory at a time
    return {
        "config": {
            "training": dict(gpt.TRAINING),
            "gpt": dict(gpt.SIZES),
            "lstm": dict(gpt.LSTM_SIZES),
        },  # fmt: skip
        "eval_steps": list(range(0, gpt.TRAINING["steps"] + 1, gpt.TRAINING["eval_every"])),
        "bins": [list(b) for b in BINS],
        "seeds": list(seeds),
        "runs": runs,
    }


def load_sweep() -> dict:
    """The shipped seeds (written by tools/sweep_language_model.py)."""
    return shipped.load(shipped.LANGUAGE_MODEL)


class Spread(NamedTuple):
    """One kind's shipped seeds: seeds, final test loss (S,), final far agreement (S,),
    agreement by distance (S, bins), grammatical share (S,), and the first evaluated step at
    which the far agreement reached 90 % (None if never)."""

    seeds: list[int]
    final_loss: np.ndarray
    far: np.ndarray
    by_distance: np.ndarray
    grammatical: np.ndarray
    learned_at: list[int | None]

    @property
    def learned(self) -> int:
        """How many seeds reached 90 % far agreement."""
        return sum(step is not None for step in self.learned_at)


def seed_spread(data: dict, kind: str) -> Spread:
    runs = sorted((r for r in data["runs"] if r["kind"] == kind), key=lambda r: r["seed"])
    steps = data["eval_steps"]

    def first(curve):
        return next((s for s, a in zip(steps, curve, strict=True) if a >= 0.9), None)

    return Spread(
        [r["seed"] for r in runs],
        np.array([r["test_loss"][-1] for r in runs]),
        np.array([r["far_agreement"][-1] for r in runs]),
        np.array([r["agreement_by_distance"] for r in runs]),
        np.array([r["grammatical"] for r in runs]),
        [first(r["far_agreement"]) for r in runs],
    )


# --- the course's figure, with lesson 11 ------------------------------------------------------


def story_figure(spreads: dict[str, Spread]) -> Figure:
    """Left: the course's figure (``gradient_vs_distance.draw``: gradient against distance at
    initialisation). Right: after training, on language: the agreement accuracy against
    distance of the GPT and the LSTM over the shipped seeds (mean, and the range as a band)."""
    fig, axes = plots.figure(2, width=12.0, height=4.0)
    left, right = axes[0]
    gradient_vs_distance.draw(left, gradient_vs_distance.whole_argument())
    left.set_title("Before training: gradient against distance", fontsize=10)
    x = np.arange(len(BINS))
    for kind, s in spreads.items():
        colour = COLOURS[kind]
        right.plot(x, s.by_distance.mean(axis=0), "o-", color=colour, lw=2,
                   label=f"{NAMES[kind]}, mean of {len(s.seeds)} seeds")  # fmt: skip
        right.fill_between(x, s.by_distance.min(axis=0), s.by_distance.max(axis=0),
                           color=colour, alpha=0.2)  # fmt: skip
    _agreement_axes(right, "After training (lesson 11): agreement in a language model")
    return fig
