"""Lesson 11: every number the lesson states, its checkers, its slider (headless), the shipped
seeds, and fresh runs against them.

The models themselves are tested in test_gpt.py, the grammar and corpus in test_language.py.
"""

import json

import numpy as np
import pytest
import torch
from helpers import assert_all_different, no_warnings

from course_utils import attention, gpt, language
from course_utils.checks import Status
from course_utils.exercises import lesson11 as ex
from course_utils.lessons import lesson11

# --- what the lesson says about its set-up -----------------------------------------------------


def test_the_settings_the_lesson_states():
    """ "d_model = 32, 4 heads of 8", "context 64 tokens", "Adam at 0.01, clipped at 1, 500
    steps of 32 sentences, every 50 steps, 400 test sentences", "300 other test sentences",
    "distance of 8 or more", "forget-gate bias 1"."""
    assert gpt.SIZES == {"d_model": 32, "n_heads": 4, "d_ff": 64, "n_blocks": 2, "max_len": 64}
    assert gpt.TRAINING == {
        "steps": 500, "batch": 32, "lr": 0.01, "eval_every": 50, "test_sentences": 400
    }  # fmt: skip
    assert lesson11.PROBE_SENTENCES == 300 and lesson11.FAR == 8
    assert len(lesson11._probe_sentences()) == 300
    assert all(s.distance >= 8 for s in lesson11._probe_sentences())
    lstm = gpt.make_model("lstm", lesson11.VOCAB_SIZE)
    H = gpt.LSTM_SIZES["hidden"]
    assert float((lstm.lstm.bias_ih_l0 + lstm.lstm.bias_hh_l0)[H : 2 * H].mean().detach()) == 1.0


def test_examples_and_bins():
    shown = [lesson11.format_sentence(s) for s in lesson11.examples()]
    assert shown[0] == "the [cats] [chase] the black dogs .   (distance 1)"
    assert [s.distance for s in lesson11.examples()] == [1, 6, 13, 22]
    assert lesson11.bin_labels() == ["1", "4-7", "8-11", "12-15", "16-19", "20-23", "24-28"]
    d = np.array([s.distance for s in lesson11.data().sentences])
    inside = sum(((d >= lo) & (d <= hi)).sum() for lo, hi in lesson11.BINS)
    assert inside == len(d) == 1400  # "on all 1400 test sentences"


def test_reference_checks_are_round_off():
    """ "All four differences are round-off, below 1e-14": the lesson's cell for the attention
    (seed 0), and the block and the cache."""
    q, k, v = torch.randn(3, 2, 4, 12, 8, dtype=torch.float64,
                          generator=torch.Generator().manual_seed(0))  # fmt: skip
    ours = gpt.causal_attention(q, k, v).numpy()
    by_torch = torch.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True)
    by_lesson_07 = attention.scaled_dot_product_attention(
        q.numpy(), k.numpy(), v.numpy(), attention.causal_mask(12)
    ).output
    assert np.abs(ours - by_torch.numpy()).max() < 1e-14
    assert np.abs(ours - by_lesson_07).max() < 1e-14
    checks = lesson11.block_and_cache_checks()
    assert len(checks) == 2 and max(checks.values()) < 1e-14


def test_cache_sizes():
    """ "8,192 numbers" for our GPT at 64 tokens; GPT-3 175B at 2048 tokens: 4.83e9 numbers,
    "about 10 GB" (9.7) at 2 bytes each, beside "350 GB" of weights; the LSTM's fixed state."""
    assert 2 * gpt.SIZES["n_blocks"] * gpt.SIZES["max_len"] * gpt.SIZES["d_model"] == 8192
    g = lesson11.GPT3
    big = 2 * g["n_layers"] * g["n_ctx"] * g["d_model"]
    assert (g["n_layers"], g["d_model"], g["n_ctx"]) == (96, 12288, 2048)
    assert f"{big:.2e}" == "4.83e+09" and f"{2 * big / 1e9:.1f}" == "9.7"
    assert f"{2 * lesson11.GPT3['n_params'] / 1e9:.0f}" == "350"
    lstm, state = gpt.make_model("lstm", lesson11.VOCAB_SIZE), gpt.LSTMState()
    with torch.no_grad():
        lstm(torch.ones(1, 64, dtype=torch.long), state)
    assert state.numbers() == 96  # "our LSTM's state ...: 96 numbers", whatever the context


def test_tokens_per_parameter():
    """ "about 292,000 target tokens", "14 tokens per parameter", "2.7 passes over the 6000
    training sentences", "8.4e+06 times as many"
    (the lesson's cell: 500 steps x 32 sentences x the mean sentence length)."""
    mean_words = np.mean([len(s.words) for s in language.load_corpus().train])
    n_tokens = int(round(gpt.TRAINING["steps"] * gpt.TRAINING["batch"] * mean_words, -3))
    n_parameters = 20_955
    assert n_tokens == 292_000 and round(n_tokens / n_parameters) == 14
    passes = gpt.TRAINING["steps"] * gpt.TRAINING["batch"] / len(language.load_corpus().train)
    assert f"{passes:.1f}" == "2.7"  # "the same 6000 training sentences seen over and over"
    assert f"{lesson11.GPT3['n_params'] / n_parameters:.1e}" == "8.4e+06"


def test_phrases():
    assert lesson11.times_phrase(52.04) == "52.0 times the training step's time"
    assert lesson11.times_phrase(1.05) == "about the same time"
    assert lesson11.times_phrase(0.5, "cached") == "only 0.50 of the cached step's time"
    assert [lesson11.growth_phrase(s) for s in (0.08, 0.5, 1.0, 2.1)] == [
        "stayed about the same", "grew slowly", "grew about linearly", "grew faster than linearly"
    ]  # fmt: skip
    result = gpt.LMResult([0, 50, 100], [3.0, 2.0, 1.5], [0, 1, 2], [], [0.5, 0.95, 1.0])
    assert lesson11.learning_phrase(result) == "reached 90% at step 50"
    assert lesson11.learning_phrase(result._replace(probe=[0.5, 0.6, 0.523])) == (
        "stayed below 90% (ended at 52.3%)"
    )


# --- the shipped seeds -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sweep():
    return lesson11.load_sweep()


@pytest.fixture(scope="module")
def spreads(sweep):
    return {kind: lesson11.seed_spread(sweep, kind) for kind in lesson11.KINDS}


def test_the_shipped_file_matches_the_code(sweep):
    assert sweep["config"] == json.loads(json.dumps(
        {"training": gpt.TRAINING, "gpt": gpt.SIZES, "lstm": gpt.LSTM_SIZES}
    ))  # fmt: skip
    assert sweep["eval_steps"] == list(range(0, 501, 50))
    assert sweep["bins"] == [list(b) for b in lesson11.BINS]
    assert sweep["seeds"] == list(lesson11.SWEEP_SEEDS) and sweep["machine"]["torch_cpu_capability"]
    sizes = {(r["kind"], r["parameters"]) for r in sweep["runs"]}
    assert sizes == {("gpt", 20955), ("lstm", 17931)}


def test_the_shipped_numbers_the_lesson_quotes(spreads):
    """GPT: "in all eight seeds ... passed 90 % within 500 steps", "above 95 % at every
    distance", "between 88 % and 96 % grammatical". LSTM: "in 4" of 8 seeds, and its band
    "reaches down to chance"; the final losses printed as ranges."""
    g, m = spreads["gpt"], spreads["lstm"]
    assert g.learned == 8 and max(g.learned_at) <= 500
    assert g.far.min() > 0.95 and g.by_distance.min() > 0.95 and g.grammatical.min() > 0.80
    assert f"{g.grammatical.min():.0%}" == "88%" and f"{g.grammatical.max():.0%}" == "96%"
    assert m.learned == 4 and m.by_distance[:, 1:].min() < 0.5
    assert f"{g.final_loss.min():.3f} {g.final_loss.max():.3f}" == "1.322 1.333"
    assert f"{m.final_loss.min():.3f} {m.final_loss.max():.3f}" == "1.325 1.362"
    learned = [loss for loss, step in zip(m.final_loss, m.learned_at, strict=True) if step]
    stuck = [loss for loss, step in zip(m.final_loss, m.learned_at, strict=True) if not step]
    assert max(learned) < min(stuck)  # "the LSTM seeds that learned agreement ..."
    assert max(learned) <= g.final_loss.max() + 0.01  # "... reached the GPT's test loss"


# --- fresh runs against the shipped seeds ------------------------------------------------------


# A run's last test loss moves by about 0.01 from one evaluation to the next (no learning-rate
# decay), so fresh runs are compared with the shipped spread within 0.025.
LOSS_MARGIN = 0.025


@pytest.mark.training
def test_a_fresh_gpt_falls_within_the_band(spreads):
    """The live run (seed 0, a few seconds) holds the lesson's band: "passed 90 % within 500
    steps and ended above 95 %" (at every distance), "more than 80 % grammatical". Measured:
    seeds 0-7 natively and 0-5 with the portable kernels; seed 0 there ended at 98.7 % (97.3 % in
    its lowest bin), 83.7 % grammatical, loss 1.345."""
    g = spreads["gpt"]
    run = lesson11.run("gpt")
    r = run.result
    step = lesson11.learned_at(r)
    assert step is not None
    assert g.final_loss.min() - LOSS_MARGIN <= r.final <= g.final_loss.max() + LOSS_MARGIN
    # "the probe sat near chance ... then jumped; the jump barely moves the loss"
    i = r.eval_steps.index(step)
    assert r.probe[1] < 0.6 and abs(r.test_loss[i] - r.test_loss[i - 1]) < 0.05
    written = lesson11.samples(run.model)
    assert written.grammatical > 0.80
    assert written.agreement_errors < (1 - written.grammatical) / 2  # "most ... structural"
    agreement = lesson11.agreement(run.model)
    assert agreement.far > 0.95 and agreement.accuracy.min() > 0.95


@pytest.mark.training
def test_a_fresh_lstm_falls_within_the_shipped_spread(spreads):
    m = spreads["lstm"]
    run = lesson11.run("lstm")
    assert m.final_loss.min() - LOSS_MARGIN <= run.result.final <= m.final_loss.max() + LOSS_MARGIN
    assert run.result.eval_steps == list(range(0, 501, 50)) and len(run.result.probe) == 11


@pytest.mark.training
def test_what_the_live_model_writes(spreads):
    """The temperature table and the sampling slider on the live model: grammatical samples
    get rarer as the temperature rises to 2, and the slider's default setting puts most of the
    probability on grammatical next words."""
    model = lesson11.run("gpt").model
    table = {t: lesson11.samples(model, temperature=t) for t in (1.0, 2.0)}
    assert table[2.0].grammatical < table[1.0].grammatical
    assert lesson11.sampling(1.0, lesson11.VOCAB_SIZE).grammatical_mass > 0.9
    tokens = torch.from_numpy(language.sequences(language.load_corpus().test[:8]))
    with torch.no_grad():
        full = model(tokens)
    assert float((lesson11.cached_logits(model, tokens) - full).abs().max()) < 1e-4


@pytest.mark.training
def test_figures_of_the_live_runs(spreads):
    runs = [lesson11.run("gpt"), lesson11.run("lstm")]
    assert len(lesson11.comparison_figure(runs).axes) == 3
    agreements = {r.kind: lesson11.agreement(r.model) for r in runs}
    ax = lesson11.agreement_figure(agreements).axes[0]
    assert [t.get_text() for t in ax.get_legend().get_texts()][:2] == ["GPT (Transformer)", "LSTM"]
    fig = lesson11.story_figure(spreads)
    assert [a.get_title() for a in fig.axes][1].startswith("After training (lesson 11)")


# --- timings (wall-clock ratios) ---------------------------------------------------------------


@pytest.mark.timing
def test_generation_is_slower_than_a_parallel_training_step():
    p = lesson11.parallel_vs_sequential()
    assert p.generate_cached > 2 * p.train_step


@pytest.mark.timing
def test_the_cache_keeps_the_cost_of_a_token_flat():
    cost = lesson11.token_cost()
    slopes = cost.slopes()
    assert slopes["recomputed"] > slopes["cached"] + 0.5
    assert cost.recomputed[-1] > 5 * cost.cached[-1]
    assert len(lesson11.timing_figure(lesson11.Parallel(64, 1e-3, 2e-2, 3e-2), cost).axes) == 2


# --- the sampling slider -----------------------------------------------------------------------


@pytest.mark.training
def test_sampling_slider_moves_and_redraws():
    app = lesson11.sampling_slider()
    assert app.readout_text.startswith("T = 1.00, top-k = 27: entropy ")
    first = app.png
    with no_warnings():
        for temperature in (0.1, 10.0):
            for top_k in (1, 27):
                result = app.set(temperature=temperature, top_k=top_k)
                assert result.p.sum() == pytest.approx(1.0)
    assert app.result.top_k == 27 and app.png != first
    greedy = app.set(temperature=0.1, top_k=1)
    assert greedy.entropy == 0.0 and len(set(greedy.draws)) == 1
    assert len(lesson11.sampling_sweep().axes) == 6


def test_sampling_compute_without_a_trained_model(monkeypatch):
    """The slider's compute on fixed logits: temperature and top-k reshape them."""
    logits = np.linspace(-2, 2, lesson11.VOCAB_SIZE)
    allowed = language.encode(language.allowed_next(lesson11.PROMPT.split()))
    monkeypatch.setattr(lesson11, "_prompt", lambda: (None, logits, allowed))
    cold, hot = lesson11.sampling(0.1), lesson11.sampling(10.0)
    assert cold.entropy < hot.entropy < np.log(lesson11.VOCAB_SIZE)
    assert lesson11.sampling(1.0, 1).entropy == 0.0 and len(hot.draws) == lesson11.DRAWS
    assert hot.grammatical_mass == pytest.approx(hot.p[allowed].sum())


# --- exercises ---------------------------------------------------------------------------------

CHECKERS = [
    (ex.check_next_token_loss, ex.reference_loss, ex.LOSS_MISTAKES, ex.LOSS_CASES),
    (ex.check_cached_step, ex.reference_step, ex.STEP_MISTAKES, ex.STEP_CASES),
    (ex.check_sampling_distribution, ex.reference_sampling, ex.SAMPLING_MISTAKES,
     ex.SAMPLING_CASES),
]  # fmt: skip


@pytest.mark.parametrize(("check", "reference", "mistakes", "cases"), CHECKERS)
def test_each_checker_catches_its_mistakes(check, reference, mistakes, cases):
    assert check(reference).passed
    for mistake in mistakes:
        with np.errstate(all="ignore"):
            result = check(mistake.fn)
        assert result.status is Status.WRONG_VALUES, mistake.hint
        assert mistake.hint in result.message
    assert_all_different(reference, mistakes, cases[0])

    def stub(*args):
        raise NotImplementedError

    assert check(stub).status is Status.NOT_ATTEMPTED


def test_the_exact_boundaries_of_the_cases():
    """An empty cache (t = 0) returns the new value; top_k = 1 is greedy, top_k = V cuts
    nothing; T = 2 leaves one target per sequence; large logits need the stable softmax."""
    q, k, v, K, V = ex.STEP_CASES[2]
    out, K_new, _ = ex.reference_step(q, k, v, K, V)
    assert K.shape == (0, 4) and np.allclose(out, v) and K_new.shape == (1, 4)
    logits, temperature, top_k = ex.SAMPLING_CASES[3]
    assert (ex.reference_sampling(logits, temperature, top_k) > 0).sum() == 1
    logits, temperature, top_k = ex.SAMPLING_CASES[2]
    assert top_k == len(logits)
    assert ex.reference_sampling(logits, 1.0, top_k) == pytest.approx(
        ex.reference_sampling(logits, 1.0, None)
    )
    assert ex.LOSS_CASES[1][0].shape[1] == 2
    with np.errstate(over="raise"), pytest.raises(FloatingPointError):
        np.exp(ex.LOSS_CASES[3][0])


def test_a_naive_softmax_fails_on_large_logits():
    def naive_loss(logits, tokens):
        p = np.exp(logits[:, :-1])
        p = p / p.sum(axis=-1, keepdims=True)
        return -np.log(np.take_along_axis(p, tokens[:, 1:, None], axis=-1)).mean()

    with np.errstate(all="ignore"):
        result = ex.check_next_token_loss(naive_loss)
    assert result.status is Status.NOT_FINITE and "subtract the max" in result.message
