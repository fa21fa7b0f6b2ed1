"""Synthetic long-range tasks with known chance levels, and the words of a sentence.

Subject-verb agreement across a relative clause (``agreement_batch``, chance 50 %) and the
adding problem (``adding_batch``, predicting the mean gives MSE 1/6). Data are numpy arrays
(torch code converts them), time-major like ``course_utils.rnn``: (T, batch) token ids or
(T, batch, channels) values. Every function takes a seed or a ``numpy.random.Generator``;
training code keeps the data's Generator separate from the model's seed, so changing the
model does not change the data stream.
"""

import re
from typing import NamedTuple

import numpy as np

Array = np.ndarray

# --- subject-verb agreement --------------------------------------------------------------------

PAD, VERB_SLOT = "<pad>", "<verb>"
SINGULAR_NOUNS = ("cat", "dog", "bird", "bowl", "mouse")
PLURAL_NOUNS = ("cats", "dogs", "birds", "bowls", "mice")
RELATIVE_PRONOUNS = ("that", "which")
CLAUSE_WORDS = ("the", "a", "already", "ate", "saw", "chased", "of", "near", "with", "milk")
"""Number-neutral words of the relative clause ("milk" is a mass noun: it has no plural)."""
VERBS = ("was", "were", VERB_SLOT)
"""The verb slot of a task sequence is the neutral VERB_SLOT; "was"/"were" are there so that
real sentences ("The cat, which already ate a bowl of milk, was full") can be encoded."""

AGREEMENT_VOCAB: tuple[str, ...] = (
    PAD,
    *VERBS,
    *RELATIVE_PRONOUNS,
    *CLAUSE_WORDS,
    "full",
    *SINGULAR_NOUNS,
    *PLURAL_NOUNS,
)
"""The 27 words of the agreement task; a word's id is its index."""


def encode(words: list[str], vocab: tuple[str, ...] = AGREEMENT_VOCAB) -> Array:
    """Token ids of ``words`` (e.g. from ``course_utils.tasks.tokenize``), shape (len(words),)."""
    index = {word: k for k, word in enumerate(vocab)}
    unknown = [word for word in words if word not in index]
    if unknown:
        raise ValueError(f"words not in the vocabulary: {unknown}")
    return np.array([index[word] for word in words], dtype=np.int64)


class AgreementBatch(NamedTuple):
    """tokens: (T, batch) int64 ids into AGREEMENT_VOCAB; labels: (batch,) int64, 0 singular,
    1 plural; distances: (batch,) int64, the steps from the subject to the verb slot."""

    tokens: Array
    labels: Array
    distances: Array


def agreement_batch(
    rng: int | np.random.Generator,
    batch: int,
    distance: int | tuple[int, int],
    attractors: float = 0.5,
    noun_rate: float = 0.25,
    length: int | None = None,
) -> AgreementBatch:
    """Sequences "the SUBJECT that ... <verb>" whose label is the subject's number.

    Token by token: "the", the subject (one of SINGULAR_NOUNS or PLURAL_NOUNS, label 0 or 1
    with probability 1/2), then distance - 1 clause tokens, then VERB_SLOT, where the model
    must say "was" (0) or "were" (1). ``distance`` counts the steps from the subject to the verb
    slot, as ``tasks.sentence_lag`` does ("The cat, which already ate a bowl of milk, was full"
    has distance 8); an int, or a range (lo, hi) drawn uniformly per sequence. The clause is
    "that" or "which" followed by words drawn independently: a noun with probability
    ``noun_rate``, else one of CLAUSE_WORDS (word salad: only the lag and the nouns matter).
    Each clause noun has the subject's opposite number (an "attractor") with probability
    ``attractors``: 0.5 makes clause nouns carry no information about the label (train on
    this, else "copy the last noun" becomes a shortcut); 1.0 makes "the last noun" wrong every
    time. Sequences are left-padded with PAD to ``length`` tokens (default: longest distance
    + 2), so the verb slot is always the last step. Chance is 50 %.
    """
    rng = np.random.default_rng(rng)
    lo, hi = (distance, distance) if np.isscalar(distance) else distance
    if not 1 <= lo <= hi:
        raise ValueError(f"need 1 <= distance, got {distance}")
    length = hi + 2 if length is None else length
    if length < hi + 2:
        raise ValueError(f"length {length} is too short for distance {hi} (needs {hi + 2})")
    the, pad, verb_slot = encode(["the", PAD, VERB_SLOT])
    nouns = np.array([encode(list(SINGULAR_NOUNS)), encode(list(PLURAL_NOUNS))])  # (2, 5)
    labels = rng.integers(0, 2, batch)
    distances = rng.integers(lo, hi + 1, batch)
    # every step of every sequence gets a clause word; then the frame is written over it
    words = encode(list(CLAUSE_WORDS))[rng.integers(0, len(CLAUSE_WORDS), (length, batch))]
    is_noun = rng.uniform(size=(length, batch)) < noun_rate
    flip = rng.uniform(size=(length, batch)) < attractors
    clause_nouns = nouns[labels ^ flip, rng.integers(0, nouns.shape[1], (length, batch))]
    tokens = np.where(is_noun, clause_nouns, words)
    pronouns = encode(list(RELATIVE_PRONOUNS))[rng.integers(0, 2, batch)]
    subjects = nouns[labels, rng.integers(0, nouns.shape[1], batch)]
    step = np.arange(length)[:, None]
    subject_at = length - 1 - distances  # the verb slot is the last step
    tokens = np.where(step == subject_at + 1, pronouns, tokens)
    tokens = np.where(step == subject_at, subjects, tokens)
    tokens = np.where(step == subject_at - 1, the, tokens)
    tokens = np.where(step < subject_at - 1, pad, tokens)
    tokens[-1] = verb_slot  # (for distance 1 this overwrites the pronoun)
    return AgreementBatch(tokens, labels, distances)


# --- the adding problem -------------------------------------------------------------------------


def adding_batch(
    rng: int | np.random.Generator, T: int, batch: int, markers: str = "anywhere"
) -> tuple[Array, Array]:
    """The adding problem: inputs (T, batch, 2) and targets (batch,) = the sum of 2 marked values.

    Channel 0 holds values ~ U(0, 1); channel 1 is 1 at two marked steps and 0 elsewhere. The
    target X_1 + X_2 has mean 1 and variance 2/12, so always predicting 1 gives MSE 1/6.
    markers="anywhere": two distinct steps uniformly at random (the lag from the first mark to
    the end is T/3 on average but can be short); "halves": one step in the first half and one
    in the second, so the first value must be held for more than T/2 steps. (Hochreiter &
    Schmidhuber 1997 used values in [-1, 1], marked one of the first 10 steps and one of the
    first T/2 - 1, and asked for 0.5 + (X_1 + X_2)/4; the U(0, 1) sum is later papers' form.)
    """
    rng = np.random.default_rng(rng)
    inputs = np.zeros((T, batch, 2))
    values, marks = inputs[..., 0], inputs[..., 1]  # views: filled in place
    values[:] = rng.uniform(size=(T, batch))
    if markers == "anywhere":
        marked = np.argsort(rng.uniform(size=(T, batch)), axis=0)[:2]
    elif markers == "halves":
        half = T // 2
        marked = np.stack([rng.integers(0, half, batch), rng.integers(half, T, batch)])
    else:
        raise ValueError(f"markers must be 'anywhere' or 'halves', got {markers!r}")
    np.put_along_axis(marks, marked, 1.0, axis=0)
    return inputs, np.take_along_axis(values, marked, axis=0).sum(axis=0)


# --- words and sentences ----------------------------------------------------------------------

ARTICLE_SENTENCE = "The cat, which already ate a bowl of milk, was full"
"""The article's example of a long-range dependency: "cat" and "was", 8 words apart."""


def tokenize(sentence: str) -> list[str]:
    """Lower-cased words of a sentence; punctuation is dropped ("cat," -> "cat").

    A word is a run of letters, digits and apostrophes, so "don't" stays one token.
    """
    return re.findall(r"[a-z0-9']+", sentence.lower())


def sentence_lag(sentence: str, word_a: str, word_b: str) -> int:
    """Steps a word-level RNN takes from word_a to the first word_b after it.

    Tokens come from ``tokenize`` (punctuation dropped). "The cat, which already ate a bowl
    of milk, was full": cat -> was is 8 steps, so dL/dh_cat carries 8 Jacobian factors.
    """
    tokens = tokenize(sentence)
    a, b = word_a.lower(), word_b.lower()
    if a not in tokens:
        raise ValueError(f"{word_a!r} is not a word of {tokens}")
    i = tokens.index(a)
    if b not in tokens[i + 1 :]:
        raise ValueError(f"{word_b!r} does not follow {word_a!r} in {tokens}")
    return tokens.index(b, i + 1) - i


def decode(tokens: np.ndarray, vocab: tuple[str, ...] = AGREEMENT_VOCAB) -> list[list[str]]:
    """Token ids of shape (T, batch), time first, as one list of words per sequence."""
    words = np.asarray(vocab)[np.asarray(tokens)]
    return [list(map(str, column)) for column in words.T]
