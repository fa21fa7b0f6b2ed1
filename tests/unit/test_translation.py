"""course_utils.translation (grammar, corpus, metrics) and course_utils.seq2seq (models)."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from helpers import assert_close

from course_utils import seq2seq as s2s
from course_utils import shipped
from course_utils import translation as tr
from course_utils.env import use_one_thread

use_one_thread()
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def corpus():
    return tr.load_corpus()


# --- the grammar -------------------------------------------------------------------------------


def test_the_cat_sentence_is_in_the_test_set(corpus):
    cat = corpus.test[0]
    assert " ".join(cat.source) == "the cat sat on the mat"
    assert " ".join(cat.target) == "le chat s'est assis sur le tapis"
    assert cat.alignment == (0, 1, 2, 2, 3, 4, 5)  # s'est and assis both -> sat
    assert cat.source not in {p.source for p in corpus.train}


def test_gender_agreement_and_adjective_inversion():
    rng = np.random.default_rng(0)
    checked = {"m": 0, "f": 0}
    for _ in range(400):
        p = tr.sentence(rng, 2)
        for t, word in enumerate(p.target):
            if tr.WORD_CLASSES[word] != "adjective":
                continue
            noun = p.target[t - 1]
            gender = next(g for fr, g in tr.NOUNS.values() if fr == noun)
            english = p.source[p.alignment[t]]
            assert word == tr.ADJECTIVES[english][gender == "f"]  # agrees with its noun
            assert p.target[t - 2] == tr.ARTICLES[gender]  # le / la
            assert p.alignment[t] == p.alignment[t - 1] - 1  # crossing: adjective before noun
            checked[gender] += 1
    assert min(checked.values()) > 50


def test_examples_of_the_grammar():
    corpus = tr.make_corpus()
    pairs = {" ".join(p.source): " ".join(p.target) for p in corpus.train + corpus.test}
    black_cat = [e for e in pairs if e.startswith("the black cat ")]
    assert black_cat and all(pairs[e].startswith("le chat noir ") for e in black_cat)
    black_table = [e for e in pairs if e.endswith(" the black table")]
    assert black_table and all(pairs[e].endswith(" la table noire") for e in black_table)
    feminine_sat = [e for e in pairs if e.startswith("the cow sat ")]
    assert feminine_sat and all(pairs[e].startswith("la vache s'est assise ") for e in feminine_sat)


def test_gold_alignments_are_valid(corpus):
    for p in corpus.train + corpus.test:
        assert len(p.alignment) == len(p.target)
        assert all(0 <= j < len(p.source) for j in p.alignment)
        assert set(p.alignment) == set(range(len(p.source)))  # every English word is used
        for t, j in enumerate(p.alignment):
            fr, en = p.target[t], p.source[j]
            kind = tr.WORD_CLASSES[fr]
            if kind == "noun":
                assert tr.NOUNS[en][0] == fr
            elif kind == "article":
                assert en == "the"
            elif kind == "conjunction":
                assert tr.CONJUNCTIONS[en] == fr
            elif kind == "preposition":
                assert tr.PREPOSITIONS[en] == fr


def test_corpus_split_sizes_and_disjoint(corpus):
    train = {p.source for p in corpus.train}
    test = {p.source for p in corpus.test}
    assert len(train) == len(corpus.train) == 3600 and len(test) == len(corpus.test) == 800
    assert not train & test
    assert {p.clauses for p in corpus.train} == {1, 2, 3}
    assert [sum(p.clauses == k for p in corpus.test) for k in (1, 2, 3, 4)] == [200] * 4


def test_corpus_file_is_regenerated_byte_for_byte(tmp_path):
    path = shipped.path(shipped.TRANSLATION_CORPUS)
    before = path.read_bytes()
    assert tr.corpus_json(tr.make_corpus()).encode("utf-8") == before
    assert tr.load_corpus() == tr.make_corpus()
    script = ROOT / "tools" / "make_translation_corpus.py"
    written = path.stat().st_mtime_ns
    subprocess.run([sys.executable, str(script)], check=True, capture_output=True)
    assert path.read_bytes() == before
    assert path.stat().st_mtime_ns >= written


def test_vocabularies_cover_the_corpus(corpus):
    for p in corpus.train + corpus.test:
        tr.encode(p.source, tr.SOURCE_VOCAB)
        tr.encode(p.target, tr.TARGET_VOCAB)
    assert len(set(tr.SOURCE_VOCAB)) == len(tr.SOURCE_VOCAB)
    assert len(set(tr.TARGET_VOCAB)) == len(tr.TARGET_VOCAB)
    with pytest.raises(ValueError, match="not in the vocabulary"):
        tr.encode(["the", "unicorn"], tr.SOURCE_VOCAB)


def test_encode_pairs_and_decode():
    pairs = [tr.cat_pair(), tr.make_corpus().test[300]]
    enc = tr.encode_pairs(pairs)
    assert enc.source.shape == (2, max(len(p.source) for p in pairs))
    assert enc.source_lengths.tolist() == [len(p.source) for p in pairs]
    assert enc.source[0, 6:].sum() == 0  # padding
    assert tr.decode(enc.target_out[0]) == pairs[0].target
    assert tr.TARGET_VOCAB[enc.target_in[0, 0]] == tr.BOS
    assert tr.TARGET_VOCAB[enc.target_out[0, len(pairs[0].target)]] == tr.EOS


def test_metrics():
    p = tr.cat_pair()
    wrong = ("le", "chat", "s'est", "assise", "sur", "le")
    assert tr.exact_match([p.target, wrong], [p, p]).tolist() == [1.0, 0.0]
    np.testing.assert_allclose(tr.token_accuracy([p.target, wrong], [p, p]), [1.0, 5 / 7])
    gold = np.eye(6)[list(p.alignment)]  # one-hot rows on the gold words
    assert tr.alignment_agreement([gold], [p]).tolist() == [1.0] * 7
    shifted = np.roll(gold, 1, axis=1)
    assert tr.alignment_agreement([shifted], [p]).sum() == 0
    by = tr.by_clauses(np.array([1.0, 0.0, 0.5]), np.array([1, 1, 2]))
    assert by == {1: 0.5, 2: 0.5}


# --- BLEU --------------------------------------------------------------------------------------

# Papineni et al. (2002)'s examples, with the values NLTK's tests give for them
PAPINENI_REFS = [
    "It is a guide to action that ensures that the military will forever heed Party commands",
    "It is the guiding principle which guarantees the military forces always being under the "
    "command of the Party",
    "It is the practical guide for the army always to heed the directions of the party",
]
PAPINENI_1 = "It is a guide to action which ensures that the military always obeys the commands "
PAPINENI_1 += "of the party"
PAPINENI_2 = "It is to insure the troops forever hearing the activity guidebook that party direct"


def test_ngram_counts():
    assert tr.ngram_counts("a b a b".split(), 2) == {("a", "b"): 2, ("b", "a"): 1}
    assert sum(tr.ngram_counts("a b c d".split(), 4).values()) == 1  # exactly n words: one
    assert tr.ngram_counts("a b".split(), 3) == {}  # fewer than n words: none


def test_modified_precision_on_papineni_examples():
    refs = [r.split() for r in PAPINENI_REFS]
    the = ["the"] * 7
    two_refs = ["the cat is on the mat".split(), "there is a cat on the mat".split()]
    assert tr.modified_precision(the, two_refs, 1) == pytest.approx(2 / 7)
    assert tr.modified_precision(the, two_refs, 2) == 0.0
    assert tr.modified_precision("of the".split(), refs, 1) == 1.0
    assert tr.modified_precision("of the".split(), refs, 2) == 1.0
    assert tr.modified_precision(PAPINENI_1.split(), refs, 1) == pytest.approx(17 / 18)
    assert tr.modified_precision(PAPINENI_1.split(), refs, 2) == pytest.approx(10 / 17)
    assert tr.modified_precision(PAPINENI_2.split(), refs, 1) == pytest.approx(8 / 14)
    assert tr.modified_precision(PAPINENI_2.split(), refs, 2) == pytest.approx(1 / 13)
    assert tr.modified_precision(["the"], refs, 2) == 0.0  # no bigram at all


def test_clipping_takes_the_largest_count_in_any_single_reference():
    refs = ["a a b".split(), "a b b".split()]
    assert tr.clipped_matches("a a a b b b".split(), refs, 1) == (4, 6)  # a: 2, b: 2


def test_bleu_brevity_penalty_and_corpus_sums():
    # closest reference length 8 for a 7-word candidate: BP = exp(1 - 8/7) (NLTK: 0.8669)
    short = tr.bleu([["a"] * 7], [[["a"] * 11, ["a"] * 8]], max_n=1)
    assert (
        short.brevity_penalty == pytest.approx(np.exp(1 - 8 / 7)) == pytest.approx(0.8669, abs=1e-4)
    )
    assert (short.candidate_length, short.reference_length) == (7, 8)
    tie = tr.bleu([["a"] * 7], [[["a"] * 8, ["a"] * 6]], max_n=1)
    assert tie.reference_length == 6  # equally close: the shorter reference, BP = 1
    assert tie.brevity_penalty == 1.0
    refs = [r.split() for r in PAPINENI_REFS]
    one = tr.bleu([PAPINENI_1.split()], [refs])
    assert one.score == pytest.approx(0.5045666840058485)  # NLTK's sentence_bleu doctest
    assert one.precisions[:2] == pytest.approx((17 / 18, 10 / 17))
    # corpus level: counts are added over sentences before dividing, not scores averaged
    both = tr.bleu([PAPINENI_1.split(), PAPINENI_2.split()], [refs, refs], max_n=1)
    assert both.precisions[0] == pytest.approx((17 + 8) / (18 + 14))
    p = tr.cat_pair()
    assert tr.bleu([p.target], [[p.target]]).score == 1.0
    assert tr.bleu([("le", "chat")], [[p.target]]).score == 0.0  # no 3-gram: p_3 = 0
    with pytest.raises(ValueError):
        tr.bleu([p.target], [])


def test_bleu_examples_printed_in_lesson_08():
    reference = "le chat s'est assis sur le tapis".split()
    the = tr.bleu([["le"] * 7], [[reference]])
    assert the.precisions[0] == pytest.approx(2 / 7) and round(the.precisions[0], 3) == 0.286
    assert the.score == 0.0 and the.brevity_penalty == 1.0
    article = tr.bleu(["le chat s'est assis sur la tapis".split()], [[reference]])
    assert article.precisions == pytest.approx((6 / 7, 4 / 6, 3 / 5, 2 / 4))
    assert round(article.score, 2) == 0.64  # "about 0.64"


# --- the models --------------------------------------------------------------------------------


@pytest.mark.parametrize("score", [None, "general", "additive"])
def test_model_shapes(score):
    pairs = [tr.cat_pair(), tr.make_corpus().test[250]]
    model = s2s.make_model(score, seed=0)
    source, lengths, t_in, t_out = s2s._tensors(tr.encode_pairs(pairs))
    logits, weights = model(source, lengths, t_in)
    assert logits.shape == (2, t_in.shape[1], len(tr.TARGET_VOCAB))
    if score is None:
        assert weights is None
    else:
        assert weights.shape == (2, t_in.shape[1], source.shape[1])
    assert len(s2s.greedy_decode(model, pairs)) == 2
    with pytest.raises(ValueError):
        s2s.make_model("cosine")


def test_attention_sums_to_one_and_ignores_padding():
    long = tr.make_corpus().test[450]
    pairs = [tr.cat_pair(), long]
    model = s2s.make_model("additive", seed=1)
    source, lengths, t_in, _ = s2s._tensors(tr.encode_pairs(pairs))
    with torch.no_grad():
        _, weights = model(source, lengths, t_in)
        alone, w_alone = model(source[:1, :6], lengths[:1], t_in[:1, :8])  # no padding
        batched, _ = model(source, lengths, t_in)
    np.testing.assert_allclose(weights.sum(-1).numpy(), 1.0, atol=1e-6)
    assert weights[0, :, 6:].abs().max() == 0  # padding gets exactly 0
    # the padded sentence gives the same outputs as the sentence alone (packing works)
    np.testing.assert_allclose(batched[0, :8].numpy(), alone[0].numpy(), atol=1e-5)
    np.testing.assert_allclose(weights[0, :8, :6].numpy(), w_alone[0].numpy(), atol=1e-6)


def test_no_attention_context_is_the_same_at_every_step():
    model = s2s.make_model(None, seed=0)
    source, lengths, t_in, _ = s2s._tensors(tr.encode_pairs([tr.cat_pair()]))
    states, mask, s0, final = model.encode(source, lengths)
    s = torch.randn(1, 5, s2s.LESSON08["hidden"])
    context, weights = model.attend(s, states, mask, final)
    assert weights is None and torch.equal(context[0, 0], context[0, 4])
    hidden = s2s.LESSON08["hidden"]
    # the final state is [forward at the last word ; backward at the first word]
    assert torch.allclose(final[0, :hidden], states[0, -1, :hidden])
    assert torch.allclose(final[0, hidden:], states[0, 0, hidden:])


def test_numpy_additive_context_matches_hand_and_torch():
    S = np.array([[1.0, 0.0], [0.0, 2.0]])
    H = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, -1.0]])
    W = np.array([[1.0], [0.5]])
    U = np.array([[2.0], [0.0], [1.0]])
    v = np.array([1.5])
    # by hand: score[i, j] = 1.5 tanh(s_i W + h_j U)
    scores = 1.5 * np.tanh(np.array([[1 + 3, 1 - 1], [1 + 3, 1 - 1]]))
    weights = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
    assert_close(s2s.additive_context(S, H, W, U, v), weights @ H, rtol=1e-12)

    rng = np.random.default_rng(0)
    S, H = rng.standard_normal((4, 5)), rng.standard_normal((6, 8))
    torch.manual_seed(0)  # the weights: not whatever state earlier tests left
    module = s2s.AdditiveAttention(5, 8, 3).double()
    with torch.no_grad():
        scores = module(torch.tensor(S)[None], torch.tensor(H)[None])[0]
        context = torch.softmax(scores, -1) @ torch.tensor(H)
    W = module.W.weight.detach().numpy().T
    U = module.U.weight.detach().numpy().T
    v = module.v.weight.detach().numpy()[0]
    assert_close(s2s.additive_scores(S, H, W, U, v), scores.numpy(), rtol=1e-12)
    assert_close(s2s.additive_context(S, H, W, U, v), context.numpy(), rtol=1e-12)


def test_general_score_is_a_bilinear_form():
    torch.manual_seed(0)  # the weights: not whatever state earlier tests left
    module = s2s.GeneralAttention(3, 4).double()
    rng = np.random.default_rng(1)
    q, k = rng.standard_normal((1, 2, 3)), rng.standard_normal((1, 5, 4))
    with torch.no_grad():
        scores = module(torch.tensor(q), torch.tensor(k)).numpy()
    W = module.W.weight.detach().numpy()  # (3, 4): s^T W h
    # (q W) k^T against q (k W^T)^T: another order of the same sums, so an absolute margin too
    np.testing.assert_allclose(scores[0], q[0] @ W @ k[0].T, rtol=1e-12, atol=1e-14)


def test_make_model_is_seeded_and_keeps_the_global_state():
    torch.manual_seed(5)
    before = torch.rand(1)
    torch.manual_seed(5)
    a = s2s.make_model("general", seed=3)
    after = torch.rand(1)
    b = s2s.make_model("general", seed=3)
    assert torch.equal(before, after)
    for p, q in zip(a.parameters(), b.parameters(), strict=True):
        assert torch.equal(p, q)


def test_short_training_lowers_the_loss_deterministically():
    pairs = tr.load_corpus().train[:200]
    results = []
    for _ in range(2):
        model = s2s.make_model("general", seed=0)
        results.append(s2s.train(model, pairs, steps=30, progress=False))
    assert results[0].losses == results[1].losses  # same seeds, same numbers
    assert results[0].losses[-1] < 0.7 * results[0].losses[0]
