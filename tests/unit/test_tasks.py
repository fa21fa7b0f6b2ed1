"""Tests for course_utils.tasks: the agreement sequences' layout, attractors and chance level,
and the adding problem's markers and 1/6 baseline."""

import numpy as np
import pytest

from course_utils import clipping
from course_utils.tasks import (
    AGREEMENT_VOCAB,
    CLAUSE_WORDS,
    PAD,
    PLURAL_NOUNS,
    RELATIVE_PRONOUNS,
    SINGULAR_NOUNS,
    VERB_SLOT,
    adding_batch,
    agreement_batch,
    encode,
    sentence_lag,
    tokenize,
)

SENTENCE = "The cat, which already ate a bowl of milk, was full"
SINGULAR_IDS, PLURAL_IDS = set(encode(list(SINGULAR_NOUNS))), set(encode(list(PLURAL_NOUNS)))


def number(token_ids):
    """0 for a singular noun, 1 for a plural noun, -1 for any other word."""
    return np.vectorize(lambda t: 0 if t in SINGULAR_IDS else 1 if t in PLURAL_IDS else -1)(
        token_ids
    )


def test_vocabulary_and_encode():
    assert len(set(AGREEMENT_VOCAB)) == len(AGREEMENT_VOCAB) == 27
    ids = encode(tokenize(SENTENCE))
    assert ids.dtype == np.int64 and [AGREEMENT_VOCAB[i] for i in ids] == tokenize(SENTENCE)
    with pytest.raises(ValueError, match="giraffe"):
        encode(["the", "giraffe"])


def test_agreement_layout():
    """<pad>... the SUBJECT that/which clause... <verb>, the subject `distance` steps back."""
    batch = agreement_batch(0, 200, (1, 12))
    tokens, labels, distances = batch
    assert tokens.shape == (14, 200) and tokens.dtype == np.int64
    assert labels.shape == distances.shape == (200,)
    assert set(np.unique(distances)) == set(range(1, 13))
    words = np.array(AGREEMENT_VOCAB)[tokens]
    clause_vocab = set(CLAUSE_WORDS) | set(SINGULAR_NOUNS) | set(PLURAL_NOUNS)
    for k in range(200):
        subject = 13 - distances[k]
        assert words[-1, k] == VERB_SLOT
        assert number(tokens[subject, k]) == labels[k]
        assert words[subject - 1, k] == "the" and set(words[: subject - 1, k]) <= {PAD}
        if distances[k] >= 2:
            assert words[subject + 1, k] in RELATIVE_PRONOUNS
            assert set(words[subject + 2 : -1, k]) <= clause_vocab
    one = agreement_batch(1, 5, 1)
    assert one.tokens.shape == (3, 5)  # "the SUBJECT <verb>"


def test_distance_is_sentence_lag():
    assert sentence_lag(SENTENCE, "cat", "was") == 8
    batch = agreement_batch(0, 3, 8)
    assert batch.tokens.shape == (10, 3)
    np.testing.assert_array_equal(number(batch.tokens[1]), batch.labels)


def test_agreement_is_deterministic_and_balanced():
    a, b = (
        agreement_batch(7, 2000, (1, 20)),
        agreement_batch(np.random.default_rng(7), 2000, (1, 20)),
    )
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)
    assert 0.47 < a.labels.mean() < 0.53  # chance is 50 %
    assert not np.array_equal(a.tokens, agreement_batch(8, 2000, (1, 20)).tokens)


@pytest.mark.parametrize("attractors", [0.0, 0.5, 1.0])
def test_attractors_and_the_last_noun_shortcut(attractors):
    """P(clause noun has the other number) = attractors, so "copy the last noun before the
    verb" scores 1 - attractors: useless at 0.5, always wrong at 1.0."""
    batch = agreement_batch(3, 3000, 30, attractors=attractors, noun_rate=0.25)
    clause = number(batch.tokens[3:-1])  # after the subject and the pronoun
    is_noun = clause >= 0
    assert is_noun.mean() == pytest.approx(0.25, abs=0.01)
    opposite = (clause != batch.labels) & is_noun
    assert opposite.sum() / is_noun.sum() == pytest.approx(attractors, abs=0.02)
    has_noun = is_noun.any(axis=0)
    last = np.array([clause[is_noun[:, k], k][-1] for k in np.flatnonzero(has_noun)])
    shortcut = (last == batch.labels[has_noun]).mean()
    assert shortcut == pytest.approx(1 - attractors, abs=0.03)


def test_agreement_padding_and_errors():
    batch = agreement_batch(0, 10, 5, length=20)
    assert batch.tokens.shape == (20, 10)
    assert np.all(batch.tokens[:13] == AGREEMENT_VOCAB.index(PAD))
    with pytest.raises(ValueError):
        agreement_batch(0, 10, 0)
    with pytest.raises(ValueError):
        agreement_batch(0, 10, (3, 9), length=10)


# --- the adding problem ------------------------------------------------------------------------


@pytest.mark.parametrize("markers", ["anywhere", "halves"])
def test_adding_batch(markers):
    x, y = adding_batch(0, 100, 20_000, markers)
    assert x.shape == (100, 20_000, 2) and y.shape == (20_000,)
    np.testing.assert_array_equal(x[..., 1].sum(axis=0), 2.0)
    np.testing.assert_allclose(y, (x[..., 0] * x[..., 1]).sum(axis=0))
    assert np.mean((y - 1) ** 2) == pytest.approx(1 / 6, abs=0.005)  # the baseline
    marked = np.sort(np.argsort(-x[..., 1], axis=0)[:2], axis=0)
    if markers == "halves":
        assert marked[0].max() < 50 <= marked[1].min()
    else:
        assert (marked[1] < 50).mean() == pytest.approx(0.25, abs=0.02)  # both in 1st half


def test_adding_batch_is_the_one_clipping_uses():
    assert clipping.adding_batch is adding_batch
    with pytest.raises(ValueError):
        adding_batch(0, 10, 4, markers="first ten")


def test_sentence_lag():
    sentence = "The cat, which already ate a bowl of milk, was full"
    assert tokenize(sentence)[:3] == ["the", "cat", "which"]
    assert sentence_lag(sentence, "cat", "was") == 8
    assert sentence_lag(sentence, "The", "full") == 10
    with pytest.raises(ValueError):
        sentence_lag(sentence, "dog", "was")
    with pytest.raises(ValueError):
        sentence_lag(sentence, "was", "cat")
