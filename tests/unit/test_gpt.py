"""course_utils.gpt: the GPT in miniature against torch and against itself (cache vs no cache),
the next-token loss, generation, sampling, and the LSTM language model."""

import numpy as np
import pytest
import torch

from course_utils import attention, gpt
from course_utils.exercises import lesson11 as ex

V = 27


def relative_error(a, b) -> float:
    return float((a - b).abs().max() / b.abs().max())


@pytest.fixture(autouse=True)
def _one_thread():
    torch.set_num_threads(1)


def _qkv(seed=0, n=12, d=8, heads=2):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(3, 3, heads, n, d, generator=g, dtype=torch.float64)


def test_causal_attention_matches_torch_and_lesson07():
    q, k, v = _qkv()
    ours = gpt.causal_attention(q, k, v)
    reference = torch.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True)
    assert relative_error(ours, reference) < 1e-7
    numpy_ref, _ = attention.scaled_dot_product_attention(
        q.numpy(), k.numpy(), v.numpy(), attention.causal_mask(12)
    )
    assert np.abs(ours.numpy() - numpy_ref).max() / np.abs(numpy_ref).max() < 1e-7


@pytest.mark.parametrize("T", [1, 3, 12])
def test_the_last_T_queries_see_the_same_keys_as_in_the_full_square(T):
    """The offset mask: queries of the last T positions against all n keys give the last T rows
    of full causal attention (T = 1 is a generation step, with nothing to mask)."""
    q, k, v = _qkv(1)
    full = gpt.causal_attention(q, k, v)
    assert relative_error(gpt.causal_attention(q[..., -T:, :], k, v), full[..., -T:, :]) < 1e-12


def test_decoder_block_is_torchs_encoder_layer_with_a_causal_mask():
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(3)
        block = gpt.DecoderBlock(32, 4, 64).double()
    layer = gpt.to_torch_layer(block)
    x = torch.randn(2, 10, 32, dtype=torch.float64, generator=torch.Generator().manual_seed(4))
    future = torch.ones(10, 10, dtype=torch.bool).triu(1)
    with torch.no_grad():
        assert relative_error(block(x), layer(x, src_mask=future)) < 1e-7


def _model(kind="gpt", dtype=torch.float64, seed=0):
    return gpt.make_model(kind, V, seed).to(dtype)


@pytest.mark.parametrize(("dtype", "tol"), [(torch.float64, 1e-7), (torch.float32, 1e-5)])
def test_cached_logits_equal_full_recomputation(dtype, tol):
    model = _model(dtype=dtype)
    tokens = torch.randint(1, V, (3, 40), generator=torch.Generator().manual_seed(5))
    cache = model.new_cache()
    with torch.no_grad():
        full = model(tokens)
        steps = [model(tokens[:, :7], cache)]
        steps += [model(tokens[:, t : t + 1], cache) for t in range(7, 40)]
    assert relative_error(torch.cat(steps, dim=1), full) < tol
    assert cache.length == 40
    assert cache.numbers() == 3 * 2 * gpt.SIZES["n_blocks"] * 40 * gpt.SIZES["d_model"]
    cache.truncate(10)
    assert cache.length == 10


def test_the_lstm_state_is_its_cache():
    model = _model("lstm")
    tokens = torch.randint(1, V, (2, 20), generator=torch.Generator().manual_seed(6))
    cache = model.new_cache()
    with torch.no_grad():
        full = model(tokens)
        steps = [model(tokens[:, t : t + 1], cache) for t in range(20)]
    assert relative_error(torch.cat(steps, dim=1), full) < 1e-7
    assert cache.numbers() == 2 * 2 * gpt.LSTM_SIZES["hidden"]  # (h, c), batch 2: fixed size


def test_no_position_sees_the_future():
    model = _model()
    tokens = torch.randint(1, V, (1, 20), generator=torch.Generator().manual_seed(7))
    changed = tokens.clone()
    changed[0, 12:] = (changed[0, 12:] % (V - 1)) + 1
    with torch.no_grad():
        a, b = model(tokens), model(changed)
    assert torch.equal(a[:, :12], b[:, :12]) and not torch.allclose(a[:, 12:], b[:, 12:])


def test_the_context_is_max_len():
    model = _model()
    with pytest.raises(ValueError, match="exceed the context of 64"):
        model(torch.ones(1, 65, dtype=torch.long))


def test_models_are_seeded_and_sized():
    """ "20,955 parameters" and "17,931" (lesson 11)."""
    assert gpt.parameter_count(_model()) == 20_955
    assert gpt.parameter_count(_model("lstm")) == 17_931
    a, b = _model(seed=1), _model(seed=1)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters(), strict=True))
    with pytest.raises(ValueError, match="kind must be"):
        gpt.make_model("rnn", V)
    with pytest.raises(ValueError, match="must divide"):
        gpt.CausalSelfAttention(32, 5)


def test_lm_loss_is_the_exercises_reference_and_ignores_padding():
    logits, tokens = ex.LOSS_CASES[0]
    torch_loss = gpt.lm_loss(torch.tensor(logits), torch.tensor(tokens), pad=-1)
    assert float(torch_loss) == pytest.approx(ex.reference_loss(logits, tokens), rel=1e-12)
    tokens = np.where(tokens == 0, 1, tokens)  # no real token is padding (id 0)
    torch_loss = gpt.lm_loss(torch.tensor(logits), torch.tensor(tokens))
    assert float(torch_loss) == pytest.approx(ex.reference_loss(logits, tokens), rel=1e-12)
    padded = np.concatenate([tokens, np.zeros((len(tokens), 3), dtype=int)], axis=1)
    longer = np.concatenate([logits, np.random.default_rng(0).normal(size=(3, 3, 7))], axis=1)
    longer[:, tokens.shape[1] - 1 :] = 0.0  # the last real position predicts padding: ignored
    assert float(gpt.lm_loss(torch.tensor(longer), torch.tensor(padded))) == pytest.approx(
        float(torch_loss), rel=1e-12
    )


def test_next_token_distribution():
    z = np.array([2.0, 1.0, 0.5, -1.0, 3.0, 0.0, 1.5])
    p = gpt.next_token_distribution(z)
    assert p.sum() == pytest.approx(1.0) and np.argmax(p) == 4
    assert gpt.next_token_distribution(z, 1e-3) == pytest.approx(np.eye(7)[4])
    assert gpt.next_token_distribution(z, 1e6) == pytest.approx(np.full(7, 1 / 7), rel=1e-4)
    top = gpt.next_token_distribution(z, 1.0, 3)
    assert (top > 0).sum() == 3 and top.sum() == pytest.approx(1.0)
    tied = gpt.next_token_distribution(np.array([1.0, 2.0, 2.0, 0.0]), 1.0, 2)
    assert tied == pytest.approx([0, 0.5, 0.5, 0])  # ties with the k-th largest are kept
    assert np.isfinite(gpt.next_token_distribution(1e4 * z, 0.01)).all()
    rows = gpt.next_token_distribution(np.stack([z, -z]), 0.5, 2)
    assert rows.shape == (2, 7) and rows.sum(axis=1) == pytest.approx([1, 1])
    with pytest.raises(ValueError, match="positive"):
        gpt.next_token_distribution(z, 0.0)


def test_entropy():
    assert gpt.entropy(np.full(27, 1 / 27)) == pytest.approx(np.log(27))
    assert gpt.entropy(np.eye(5)[2]) == 0.0
    assert f"{np.log(27):.2f}" == "3.30"  # "ln 27 = 3.30 nats" (lesson 11)


def test_generation_with_and_without_the_cache_draws_the_same_tokens():
    model = _model()
    prompts = np.ones((4, 2), dtype=np.int64)
    cached = gpt.generate(model, prompts, 30, temperature=1.5, seed=3)
    recomputed = gpt.generate(model, prompts, 30, temperature=1.5, seed=3, cache=False)
    assert cached.shape == (4, 32) and np.array_equal(cached, recomputed)
    assert np.array_equal(cached[:, :2], prompts)


def test_a_draw_never_falls_past_the_last_word(monkeypatch):
    """Probabilities whose sum rounds below 1 still draw a word that has probability."""
    short = np.array([0.0, 0.25, 0.25])  # sums to 0.5: a draw above it must not give token 0
    monkeypatch.setattr(
        gpt, "next_token_distribution", lambda logits, *args: np.tile(short, (len(logits), 1))
    )
    drawn = gpt.generate(_model(), np.ones((8, 1), dtype=np.int64), 20)[:, 1:]
    assert drawn.min() >= 1 and (drawn == 2).any()


def test_generation_stops_when_every_row_has_ended():
    model = _model()
    greedy = gpt.generate(model, np.ones((2, 1), dtype=np.int64), 50, top_k=1, stop=-1)
    assert greedy.shape == (2, 51) and np.array_equal(greedy[0], greedy[1])
    first = int(greedy[0, 1])
    stopped = gpt.generate(model, np.ones((2, 1), dtype=np.int64), 50, top_k=1, stop=first)
    assert stopped.shape == (2, 2)


def test_verb_preference_is_the_logit_difference():
    model = _model()
    ids = np.array([[1, 2, 10, 20, 0], [1, 2, 14, 24, 1]])
    verbs, other = np.array([3, 3]), np.array([22, 18])
    with torch.no_grad():
        logits = model(torch.from_numpy(ids)[:, :4])
    expected = [float(logits[b, 2, ids[b, 3]] - logits[b, 2, other[b]]) for b in range(2)]
    assert gpt.verb_preference(model, ids, verbs, other) == pytest.approx(expected)


def test_train_lm_is_seeded_and_records_its_probe():
    from course_utils import language

    corpus = language.load_corpus()
    train, test = language.sequences(corpus.train[:200]), language.sequences(corpus.test[:50])
    runs = []
    for _ in range(2):
        model = _model(dtype=torch.float32)
        runs.append(gpt.train_lm(model, train, test, steps=20, eval_every=10, probe=lambda m: 0.5))
    a, b = runs
    assert a.losses == b.losses and a.test_loss == b.test_loss
    assert a.eval_steps == [0, 10, 20] and a.probe == [0.5, 0.5, 0.5]
    assert a.final < a.test_loss[0] and a.seconds[0] == 0.0 and a.seconds[-1] > a.seconds[1] > 0


def test_train_lm_trains_even_inside_no_grad():
    from course_utils import language

    corpus = language.load_corpus()
    train, test = language.sequences(corpus.train[:50]), language.sequences(corpus.test[:10])
    with torch.no_grad():
        result = gpt.train_lm(_model(dtype=torch.float32), train, test, steps=3, eval_every=3)
    assert len(result.losses) == 3
