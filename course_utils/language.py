"""A toy English with long-range subject-verb agreement: its grammar, parser and corpus (lesson 11).

The grammar
-----------
Lesson 06's agreement task, written as sentences a language model can learn to continue:

    S   -> NP  MOD*  VP  .
    NP  -> the [ADJ] NOUN
    MOD -> near NP  |  with NP  |  that NP V_t        (an object relative clause)
    VP  -> V_i  |  V_t NP

with two agreements: the main verb (VP) agrees in number with the SUBJECT, the first noun of
the sentence, however many modifiers (MOD) stand between them ("the cat near the dogs that
the mice chase sleeps ."); the verb of a relative clause agrees with its own noun, just
before it ("that the mice chase"). Every noun in a modifier is singular or plural with
probability 1/2, so the nearest noun tells nothing about the main verb's number: only the
subject does. The **distance** of a sentence is the number of steps from the subject noun
to the main verb, as lessons 03 and 06 count it.

Sentences are tuples of words ending with ".": ("the", "cat", "sleeps", "."). A language
model reads them after a "." that stands for the start (a new sentence begins after a full
stop), so a sequence is (".", *words).

The parser (``parse``) grades any word sequence against the grammar and says what is wrong;
the lesson grades the model's own samples with it. The shipped corpus
(``shipped.LANGUAGE_CORPUS``) is rewritten byte for byte by ``tools/make_language_corpus.py``.
numpy only; the models are in ``course_utils.gpt``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np

from course_utils import shipped, tasks

Array = np.ndarray

# --- the vocabulary ----------------------------------------------------------------------------

PAD, END = "<pad>", "."
NOUNS = {"cat": "cats", "dog": "dogs", "bird": "birds", "mouse": "mice"}
"""singular -> plural (the nouns of lesson 06's task)."""
ADJECTIVES = ("small", "old", "black")
INTRANSITIVE = {"sleeps": "sleep", "runs": "run"}
TRANSITIVE = {"sees": "see", "chases": "chase", "likes": "like"}
"""Verbs, singular -> plural form."""
PREPOSITIONS = ("near", "with")
RELATIVE = "that"

VOCAB: tuple[str, ...] = (
    PAD,
    END,
    "the",
    RELATIVE,
    *PREPOSITIONS,
    *ADJECTIVES,
    *NOUNS,
    *NOUNS.values(),
    *INTRANSITIVE,
    *INTRANSITIVE.values(),
    *TRANSITIVE,
    *TRANSITIVE.values(),
)
"""The 27 tokens; a token's id is its index. 0 is padding, which no sentence contains."""

SINGULAR_NOUNS, PLURAL_NOUNS = tuple(NOUNS), tuple(NOUNS.values())
VERBS = {**INTRANSITIVE, **TRANSITIVE}
PLURAL_VERBS = tuple(VERBS.values())
OTHER_FORM = {**VERBS, **{plural: singular for singular, plural in VERBS.items()}}
"""Each verb form -> the same verb in the other number ("sleeps" <-> "sleep")."""
TRANSITIVE_FORMS = frozenset(TRANSITIVE) | frozenset(TRANSITIVE.values())

MAX_MODIFIERS = 6
ADJECTIVE_PROBABILITY = 0.3
TRANSITIVE_PROBABILITY = 0.5
RELATIVE_PROBABILITY = 0.5
"""A modifier is a relative clause with probability 1/2, else a prepositional phrase."""


def encode(words: Sequence[str]) -> Array:
    """Token ids of ``words`` in ``VOCAB`` (``tasks.encode``), shape (len(words),) int64."""
    return tasks.encode(list(words), VOCAB)


def decode(ids: Sequence[int]) -> tuple[str, ...]:
    """The words of ``ids`` (padding dropped)."""
    return tuple(VOCAB[int(i)] for i in ids if int(i) != 0)


# --- the grammar -------------------------------------------------------------------------------


class Sentence(NamedTuple):
    """One sentence: words (ending with "."); subject and verb, the indices of the subject
    noun and of the main verb in words; plural, the subject's number. distance = verb -
    subject."""

    words: tuple[str, ...]
    subject: int
    verb: int
    plural: bool

    @property
    def distance(self) -> int:
        return self.verb - self.subject


def _noun_phrase(rng: np.random.Generator, plural: bool | None = None) -> tuple[list[str], bool]:
    """ "the [ADJ] NOUN" (the number drawn if None); returns (words, plural)."""
    plural = bool(rng.integers(2)) if plural is None else plural
    words = ["the"]
    if rng.random() < ADJECTIVE_PROBABILITY:
        words.append(ADJECTIVES[rng.integers(len(ADJECTIVES))])
    nouns = PLURAL_NOUNS if plural else SINGULAR_NOUNS
    words.append(nouns[rng.integers(len(nouns))])
    return words, plural


def _verb(rng: np.random.Generator, forms: dict[str, str], plural: bool) -> str:
    singular = list(forms)[rng.integers(len(forms))]
    return forms[singular] if plural else singular


def _modifier(rng: np.random.Generator) -> list[str]:
    """ "near NP", "with NP" or "that NP V_t" (the clause's verb agrees with its own NP)."""
    words, plural = _noun_phrase(rng)
    if rng.random() < RELATIVE_PROBABILITY:
        return [RELATIVE, *words, _verb(rng, TRANSITIVE, plural)]
    return [PREPOSITIONS[rng.integers(len(PREPOSITIONS))], *words]


def sentence(rng: np.random.Generator, modifiers: int) -> Sentence:
    """A random sentence with ``modifiers`` modifiers between its subject and its main verb."""
    words, plural = _noun_phrase(rng)
    subject = len(words) - 1
    for _ in range(modifiers):
        words += _modifier(rng)
    verb = len(words)
    if rng.random() < TRANSITIVE_PROBABILITY:
        words.append(_verb(rng, TRANSITIVE, plural))
        words += _noun_phrase(rng)[0]
    else:
        words.append(_verb(rng, INTRANSITIVE, plural))
    words.append(END)
    return Sentence(tuple(words), subject, verb, plural)


# --- the parser --------------------------------------------------------------------------------


class Parse(NamedTuple):
    """What ``parse`` found. grammatical: the words are a sentence of the grammar with both
    agreements right; problem: what is wrong ("" if nothing); agreement_error: True when the
    structure is right and only an agreement fails; subject, verb: the indices of the subject
    noun and of the main verb (-1 if not reached)."""

    grammatical: bool
    problem: str
    agreement_error: bool
    subject: int
    verb: int


class _Reject(Exception):
    """A structural error at one word (raised inside ``_read``)."""


class _Reading(NamedTuple):
    problem: str  # the first structural error, "" if none
    ran_out: bool  # the words ended where the grammar wanted more (a prefix)
    agreements: list[tuple[int, int, str]]  # (noun index, verb index, role), in order
    subject: int
    verb: int


def _read(words: list[str]) -> _Reading:
    """A recursive-descent reading of S -> NP MOD* VP "." as far as the words go."""
    at = 0
    agreements: list[tuple[int, int, str]] = []

    def word() -> str:
        return words[at] if at < len(words) else "the end of the sentence"

    def expect(ok: bool, what: str) -> None:
        nonlocal at
        if not ok:
            raise _Reject(f"expected {what}, got '{word()}' at word {at}")
        at += 1

    def noun_phrase() -> int:
        expect(word() == "the", "'the'")
        if word() in ADJECTIVES:
            expect(True, "")
        expect(word() in SINGULAR_NOUNS + PLURAL_NOUNS, "a noun after 'the'")
        return at - 1

    subject, verb = -1, -1
    try:
        subject = noun_phrase()
        while word() in (RELATIVE, *PREPOSITIONS):
            relative = word() == RELATIVE
            expect(True, "")
            noun = noun_phrase()
            if relative:
                expect(word() in TRANSITIVE_FORMS, "a transitive verb ending the relative clause")
                agreements.append((noun, at - 1, "noun"))
        expect(word() in OTHER_FORM, "a verb, 'that', 'near' or 'with' after the subject")
        verb = at - 1
        agreements.append((subject, verb, "subject"))
        if words[verb] in TRANSITIVE_FORMS:
            noun_phrase()
        expect(word() == END, "'.'")
        if at != len(words):
            raise _Reject(f"the sentence goes on after '.' (word {at})")
    except _Reject as error:
        return _Reading(str(error), at == len(words), agreements, subject, verb)
    return _Reading("", False, agreements, subject, verb)


def _disagreement(words: list[str], agreements) -> str:
    """The first agreement that fails, as a sentence ("" if all hold)."""
    for noun, verb, role in agreements:
        if (words[noun] in PLURAL_NOUNS) != (words[verb] in PLURAL_VERBS):
            return (
                f"'{words[verb]}' ({_number(words[verb])}) does not agree with its {role} "
                f"'{words[noun]}' ({_number(words[noun])})"
            )
    return ""


def parse(words: Sequence[str]) -> Parse:
    """Check ``words`` (a sentence ending with ".") against the grammar, agreements included.

    A recursive-descent reading of S -> NP MOD* VP "." : it reports the first word that
    breaks the structure ("expected a noun after 'the', got 'sleeps' at word 2"), then, if
    the structure is right, the first verb that does not agree with its noun ("'sleep'
    (plural) does not agree with its subject 'cat' (singular)").
    """
    words = list(words)
    reading = _read(words)
    if reading.problem:
        return Parse(False, reading.problem, False, reading.subject, reading.verb)
    problem = _disagreement(words, reading.agreements)
    return Parse(not problem, problem, bool(problem), reading.subject, reading.verb)


def valid_prefix(words: Sequence[str]) -> bool:
    """True if some sentence of the grammar begins with ``words`` (agreements included)."""
    words = list(words)
    reading = _read(words)
    structure = not reading.problem or reading.ran_out
    return structure and not _disagreement(words, reading.agreements)


def allowed_next(words: Sequence[str]) -> list[str]:
    """The words the grammar allows after ``words`` (a valid prefix), in vocabulary order."""
    return [w for w in VOCAB[1:] if valid_prefix([*words, w])]


def _number(word: str) -> str:
    return "plural" if word in PLURAL_NOUNS or word in PLURAL_VERBS else "singular"


# --- the corpus --------------------------------------------------------------------------------

CORPUS = {"seed": 2026, "train": 6000, "test": 1400}
"""The shipped corpus: sentences with 0 to MAX_MODIFIERS modifiers (uniformly), training and
test; no sentence is in both."""


class Corpus(NamedTuple):
    train: list[Sentence]
    test: list[Sentence]


def make_corpus(
    seed: int = CORPUS["seed"], train: int = CORPUS["train"], test: int = CORPUS["test"]
) -> Corpus:
    """Distinct sentences drawn with ``np.random.default_rng(seed)``: the first ``test`` go to
    the test set, the next ``train`` to the training set. A sentence already drawn is drawn
    again, so the two sets are disjoint (short sentences are few: about 400 have no
    modifier)."""
    rng = np.random.default_rng(seed)
    seen: set[tuple[str, ...]] = set()
    drawn: list[Sentence] = []
    while len(drawn) < test + train:
        s = sentence(rng, int(rng.integers(0, MAX_MODIFIERS + 1)))
        if s.words not in seen:
            seen.add(s.words)
            drawn.append(s)
    return Corpus(drawn[test:], drawn[:test])


def from_words(words: Sequence[str]) -> Sentence:
    """The Sentence of a grammatical word sequence (its subject and verb found by ``parse``)."""
    p = parse(words)
    if not p.grammatical:
        raise ValueError(f"not a sentence of the grammar: {' '.join(words)!r} ({p.problem})")
    return Sentence(tuple(words), p.subject, p.verb, words[p.subject] in PLURAL_NOUNS)


def corpus_json(corpus: Corpus, seed: int = CORPUS["seed"]) -> str:
    """The corpus as JSON text, one sentence (a string of words) per line."""
    header = {
        "description": "Lesson 11's toy English: sentences with long-range subject-verb "
        "agreement. Written by tools/make_language_corpus.py from course_utils.language; do "
        "not edit by hand.",
        "seed": seed,
        "max_modifiers": MAX_MODIFIERS,
    }
    lines = [json.dumps(header)[:-1] + ","]
    for name, sentences in (("train", corpus.train), ("test", corpus.test)):
        body = ",\n".join(json.dumps(" ".join(s.words)) for s in sentences)
        lines.append(f'"{name}": [\n{body}\n]' + ("," if name == "train" else ""))
    return "\n".join(lines) + "}\n"


def load_corpus(path: str | Path | None = None) -> Corpus:
    """The shipped corpus (or the one at ``path``)."""
    data = json.loads(Path(path or shipped.path(shipped.LANGUAGE_CORPUS)).read_text("utf-8"))
    return Corpus(*([from_words(t.split()) for t in data[name]] for name in ("train", "test")))


def sequences(sentences: Sequence[Sentence]) -> Array:
    """The sentences as model input: (n, L) int64 ids, each row "." then the sentence's words,
    right-padded with 0 to the longest (L = 1 + its length)."""
    rows = [encode((END, *s.words)) for s in sentences]
    out = np.zeros((len(rows), max(len(r) for r in rows)), dtype=np.int64)
    for k, row in enumerate(rows):
        out[k, : len(row)] = row
    return out
