"""A toy English -> French parallel corpus with gold word alignments (lesson 08), and its metrics.

The grammar
-----------
A sentence is 1 to 4 clauses joined by "and" -> "et" or "but" -> "mais". A clause is one of

    NP  V_t  NP            the black cat sees the table    -> le chat noir voit la table
    NP  V_i  PREP  NP      the cat sat on the mat          -> le chat s'est assis sur le tapis

with NP = "the [ADJ] NOUN" -> "le/la NOUN [ADJ]": the French adjective comes AFTER the noun and
agrees with its gender ("the black table" -> "la table noire"). Subjects are animals; objects
are any noun. "sat" is the past tense and becomes two tokens, "s'est assis" (masculine
subject) or "s'est assise" (feminine): one English word, two French words. Every noun starts
with a consonant, so the article is never elided (no "l'").

The gold alignment
------------------
For every French token, the index of the English token it translates (le/la -> the, chat ->
cat, noir -> black, s'est and assis -> sat, sur -> on, et -> and). The grammar knows it, so
it is exact; lesson 08 scores the attention weights against it. Alignments cross where the
adjective moves ("the black cat": noir -> 1, chat -> 2).

The corpus
----------
``make_corpus`` draws distinct sentences from a seeded Generator: a training set of 1-3
clauses and a test set of 1-4 clauses (4 clauses: a length never seen in training), with no
sentence in both. ``corpus_json`` writes it as text, one pair per line, so that
``tools/make_translation_corpus.py`` regenerates ``course_utils/data/translation_corpus.json``
byte for byte; ``load_corpus`` reads the shipped file (offline).

The metrics
-----------
Exact match and token accuracy (strict, for a grammar with one right answer); the alignment
agreement of attention weights; and BLEU (Papineni et al. 2002), the score the translation
papers report: ``modified_precision`` and corpus-level ``bleu``.

This module is numpy-only; the models are in ``course_utils.seq2seq``.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np

from course_utils import shipped

Array = np.ndarray

# --- the vocabulary ----------------------------------------------------------------------------

ANIMALS = {  # English: (French, gender)
    "cat": ("chat", "m"),
    "dog": ("chien", "m"),
    "horse": ("cheval", "m"),
    "mouse": ("souris", "f"),
    "cow": ("vache", "f"),
}
THINGS = {
    "mat": ("tapis", "m"),
    "book": ("livre", "m"),
    "table": ("table", "f"),
    "chair": ("chaise", "f"),
    "car": ("voiture", "f"),
}
NOUNS = {**ANIMALS, **THINGS}
ADJECTIVES = {  # English: (masculine, feminine)
    "black": ("noir", "noire"),
    "green": ("vert", "verte"),
    "blue": ("bleu", "bleue"),
    "grey": ("gris", "grise"),
    "red": ("rouge", "rouge"),
}
ARTICLES = {"m": "le", "f": "la"}
TRANSITIVE = {"sees": "voit", "likes": "aime", "watches": "regarde", "follows": "suit"}
INTRANSITIVE = {  # English: (masculine-subject French tokens, feminine-subject French tokens)
    "sat": (("s'est", "assis"), ("s'est", "assise")),
    "sleeps": (("dort",), ("dort",)),
    "runs": (("court",), ("court",)),
}
PREPOSITIONS = {"on": "sur", "under": "sous", "behind": "derrière"}
CONJUNCTIONS = {"and": "et", "but": "mais"}

ADJECTIVE_PROBABILITY = 0.5
TRANSITIVE_PROBABILITY = 0.5
CAT_SENTENCE = ("the cat sat on the mat", "le chat s'est assis sur le tapis")
"""The seed article's example; ``make_corpus`` puts it first in the test set."""

PAD, BOS, EOS = "<pad>", "<s>", "</s>"
SOURCE_VOCAB: tuple[str, ...] = (
    PAD,
    "the",
    *CONJUNCTIONS,
    *NOUNS,
    *ADJECTIVES,
    *TRANSITIVE,
    *INTRANSITIVE,
    *PREPOSITIONS,
)
"""English tokens; a token's id is its index (0 = padding)."""
TARGET_VOCAB: tuple[str, ...] = (
    PAD,
    BOS,
    EOS,
    *ARTICLES.values(),
    *CONJUNCTIONS.values(),
    *(fr for fr, _ in NOUNS.values()),
    *dict.fromkeys(form for forms in ADJECTIVES.values() for form in forms),
    *TRANSITIVE.values(),
    *dict.fromkeys(w for forms in INTRANSITIVE.values() for form in forms for w in form),
    *PREPOSITIONS.values(),
)
"""French tokens plus the start (<s>) and end (</s>) symbols; 0 = padding."""


class Pair(NamedTuple):
    """One sentence pair. source, target: token lists; alignment: for each target token, the
    index of the source token it translates (len(alignment) == len(target)); clauses: 1-4."""

    source: tuple[str, ...]
    target: tuple[str, ...]
    alignment: tuple[int, ...]
    clauses: int


# --- the grammar -------------------------------------------------------------------------------


def _noun_phrase(rng: np.random.Generator, nouns: dict, offset: int):
    """ "the [ADJ] NOUN" -> "le/la NOUN [ADJ]"; returns (english, french, alignment, gender).

    offset: the index of "the" in the whole English sentence (for the alignment).
    """
    noun = list(nouns)[rng.integers(len(nouns))]
    french, gender = nouns[noun]
    english, fr, align = ["the"], [ARTICLES[gender]], [offset]
    adjective = None
    if rng.random() < ADJECTIVE_PROBABILITY:
        adjective = list(ADJECTIVES)[rng.integers(len(ADJECTIVES))]
        english.append(adjective)
    english.append(noun)
    fr.append(french)
    align.append(offset + len(english) - 1)  # the noun
    if adjective is not None:  # after the noun, agreeing in gender: the alignment crosses
        fr.append(ADJECTIVES[adjective][gender == "f"])
        align.append(offset + 1)
    return english, fr, align, gender


def clause(rng: np.random.Generator, offset: int = 0):
    """One clause, NP V_t NP or NP V_i PREP NP; returns (english, french, alignment)."""
    english, french, align, gender = _noun_phrase(rng, ANIMALS, offset)
    if rng.random() < TRANSITIVE_PROBABILITY:
        verb = list(TRANSITIVE)[rng.integers(len(TRANSITIVE))]
        english.append(verb)
        french.append(TRANSITIVE[verb])
        align.append(offset + len(english) - 1)
    else:
        verb = list(INTRANSITIVE)[rng.integers(len(INTRANSITIVE))]
        english.append(verb)
        forms = INTRANSITIVE[verb][gender == "f"]  # "s'est assis" / "s'est assise"
        french.extend(forms)
        align.extend([offset + len(english) - 1] * len(forms))  # one word -> two
        preposition = list(PREPOSITIONS)[rng.integers(len(PREPOSITIONS))]
        english.append(preposition)
        french.append(PREPOSITIONS[preposition])
        align.append(offset + len(english) - 1)
    en, fr, al, _ = _noun_phrase(rng, NOUNS, offset + len(english))
    return english + en, french + fr, align + al


def sentence(rng: np.random.Generator, clauses: int) -> Pair:
    """A sentence of ``clauses`` clauses joined by "and" / "but" ("et" / "mais"), with its
    gold alignment."""
    english: list[str] = []
    french: list[str] = []
    align: list[int] = []
    for k in range(clauses):
        if k:
            conjunction = list(CONJUNCTIONS)[rng.integers(len(CONJUNCTIONS))]
            english.append(conjunction)
            french.append(CONJUNCTIONS[conjunction])
            align.append(len(english) - 1)
        en, fr, al = clause(rng, offset=len(english))
        english += en
        french += fr
        align += al
    return Pair(tuple(english), tuple(french), tuple(align), clauses)


def pair_from_text(source: str, target: str, alignment: str | Sequence[int]) -> Pair:
    """A Pair from space-separated strings (clauses = number of conjunctions + 1)."""
    if isinstance(alignment, str):
        alignment = alignment.split()
    src = tuple(source.split())
    clauses = 1 + sum(src.count(c) for c in CONJUNCTIONS)
    return Pair(src, tuple(target.split()), tuple(int(a) for a in alignment), clauses)


def cat_pair() -> Pair:
    """ "the cat sat on the mat" -> "le chat s'est assis sur le tapis", aligned by the grammar
    (s'est and assis both -> sat)."""
    return pair_from_text(*CAT_SENTENCE, [0, 1, 2, 2, 3, 4, 5])


# --- the corpus --------------------------------------------------------------------------------

CORPUS = {
    "seed": 2014,
    "train": {1: 1200, 2: 1200, 3: 1200},
    "test": {1: 200, 2: 200, 3: 200, 4: 200},
}
"""The shipped corpus: sentences per number of clauses, training and test. The test set holds
4-clause sentences, a length the training set never has."""


class Corpus(NamedTuple):
    train: list[Pair]
    test: list[Pair]


def make_corpus(
    seed: int = CORPUS["seed"], train: dict | None = None, test: dict | None = None
) -> Corpus:
    """Distinct sentence pairs drawn from the grammar with ``np.random.default_rng(seed)``.

    train, test: {clauses: count}. No English sentence appears twice, in either set, so the
    test set is disjoint from the training set. The cat sentence is the first test pair.
    """
    train = CORPUS["train"] if train is None else train
    test = CORPUS["test"] if test is None else test
    rng = np.random.default_rng(seed)
    cat = cat_pair()
    seen = {cat.source}
    out_train: list[Pair] = []
    out_test: list[Pair] = [cat] if test.get(1) else []
    for k in sorted(set(train) | set(test)):
        wanted = train.get(k, 0) + test.get(k, 0) - (k == 1 and bool(test.get(1)))
        drawn = []
        while len(drawn) < wanted:
            pair = sentence(rng, k)
            if pair.source not in seen:
                seen.add(pair.source)
                drawn.append(pair)
        n_test = test.get(k, 0) - (k == 1 and bool(test.get(1)))
        out_test += drawn[:n_test]
        out_train += drawn[n_test:]
    return Corpus(out_train, out_test)


def _pair_json(pair: Pair) -> str:
    alignment = " ".join(map(str, pair.alignment))
    return json.dumps([" ".join(pair.source), " ".join(pair.target), alignment], ensure_ascii=False)


def corpus_json(corpus: Corpus, seed: int = CORPUS["seed"]) -> str:
    """The corpus as JSON text, one pair per line: [english, french, alignment], each a string
    of space-separated tokens (alignment: the source index of each target token)."""
    header = {
        "description": "Lesson 08's toy English -> French corpus with gold word alignments "
        "(target token -> source token index). Written by tools/make_translation_corpus.py "
        "from course_utils.translation; do not edit by hand.",
        "seed": seed,
        "clauses": {"train": CORPUS["train"], "test": CORPUS["test"]},
    }
    lines = [json.dumps(header)[:-1] + ","]
    for name, pairs in (("train", corpus.train), ("test", corpus.test)):
        body = ",\n".join(_pair_json(p) for p in pairs)
        lines.append(f'"{name}": [\n{body}\n]' + ("," if name == "train" else ""))
    return "\n".join(lines) + "}\n"


def load_corpus(path: str | Path | None = None) -> Corpus:
    """The shipped corpus (or the one at ``path``)."""
    data = json.loads(Path(path or shipped.path(shipped.TRANSLATION_CORPUS)).read_text("utf-8"))
    return Corpus(*([pair_from_text(*row) for row in data[name]] for name in ("train", "test")))


WORD_CLASSES = {
    **{w: "article" for w in ARTICLES.values()},
    **{w: "conjunction" for w in CONJUNCTIONS.values()},
    **{fr: "noun" for fr, _ in NOUNS.values()},
    **{w: "adjective" for forms in ADJECTIVES.values() for w in forms},
    **{w: "verb" for w in TRANSITIVE.values()},
    **{w: "verb" for forms in INTRANSITIVE.values() for form in forms for w in form},
    **{w: "preposition" for w in PREPOSITIONS.values()},
}
"""The word class of every French word (for alignment scores by class)."""


# --- encoding ----------------------------------------------------------------------------------


def encode(tokens: Sequence[str], vocab: tuple[str, ...]) -> Array:
    """Token ids, shape (len(tokens),) int64; raises ValueError on an unknown word."""
    index = {word: k for k, word in enumerate(vocab)}
    unknown = [t for t in tokens if t not in index]
    if unknown:
        raise ValueError(f"words not in the vocabulary: {unknown}")
    return np.array([index[t] for t in tokens], dtype=np.int64)


def decode(ids: Sequence[int], vocab: tuple[str, ...] = TARGET_VOCAB) -> tuple[str, ...]:
    """Tokens of ``ids`` up to (not including) the first </s> or padding."""
    out = []
    for i in ids:
        word = vocab[int(i)]
        if word in (EOS, PAD):
            break
        out.append(word)
    return tuple(out)


def pad(rows: Sequence[Array]) -> tuple[Array, Array]:
    """Right-pad int rows with 0; returns (ids (n, max_len) int64, lengths (n,) int64)."""
    lengths = np.array([len(r) for r in rows], dtype=np.int64)
    ids = np.zeros((len(rows), int(lengths.max())), dtype=np.int64)
    for k, row in enumerate(rows):
        ids[k, : len(row)] = row
    return ids, lengths


class Encoded(NamedTuple):
    """A list of pairs as padded id arrays.

    source: (n, S) ids, source_lengths: (n,); target_in: (n, T + 1) = <s> y_1 .. y_T;
    target_out: (n, T + 1) = y_1 .. y_T </s> (0 = padding); clauses: (n,).
    """

    source: Array
    source_lengths: Array
    target_in: Array
    target_out: Array
    clauses: Array


def encode_pairs(pairs: Sequence[Pair]) -> Encoded:
    """Encode pairs for teacher forcing (the decoder reads target_in, predicts target_out)."""
    source, lengths = pad([encode(p.source, SOURCE_VOCAB) for p in pairs])
    targets = [encode(p.target, TARGET_VOCAB) for p in pairs]
    bos, eos = TARGET_VOCAB.index(BOS), TARGET_VOCAB.index(EOS)
    target_in, _ = pad([np.r_[bos, t] for t in targets])
    target_out, _ = pad([np.r_[t, eos] for t in targets])
    clauses = np.array([p.clauses for p in pairs], dtype=np.int64)
    return Encoded(source, lengths, target_in, target_out, clauses)


# --- metrics -----------------------------------------------------------------------------------


def exact_match(predictions: Sequence[Sequence[str]], pairs: Sequence[Pair]) -> Array:
    """1.0 where the whole predicted sentence equals the reference, else 0.0; shape (n,)."""
    return np.array([tuple(p) == q.target for p, q in zip(predictions, pairs, strict=True)], float)


def token_accuracy(predictions: Sequence[Sequence[str]], pairs: Sequence[Pair]) -> Array:
    """Per sentence, the fraction of reference positions predicted right; shape (n,).

    Position by position: a missing or shifted word makes the rest wrong, as in the output.
    """
    out = []
    for p, q in zip(predictions, pairs, strict=True):
        right = sum(a == b for a, b in zip(p, q.target, strict=False))
        out.append(right / len(q.target))
    return np.array(out)


def alignment_agreement(weights: Sequence[Array], pairs: Sequence[Pair]) -> Array:
    """Per target token, 1.0 if the argmax of its attention row is its gold source token.

    weights: one (len(target), len(source)) matrix per pair (teacher-forced attention on the
    reference target, the </s> row excluded). Returns the flat array over all target tokens.
    """
    hits = [
        np.argmax(w, axis=1) == np.asarray(p.alignment) for w, p in zip(weights, pairs, strict=True)
    ]
    return np.concatenate(hits).astype(float)


def agreement_by_class(weights: Sequence[Array], pairs: Sequence[Pair]) -> dict[str, float]:
    """``alignment_agreement`` per French word class (article, noun, adjective, ...)."""
    hits = alignment_agreement(weights, pairs)
    classes = np.array([WORD_CLASSES[w] for p in pairs for w in p.target])
    return {c: float(hits[classes == c].mean()) for c in dict.fromkeys(WORD_CLASSES.values())}


def by_clauses(values: Array, clauses: Array) -> dict[int, float]:
    """The mean of ``values`` (one per sentence) for each number of clauses."""
    clauses = np.asarray(clauses)
    return {int(k): float(np.mean(values[clauses == k])) for k in np.unique(clauses)}


# --- BLEU ----------------------------------------------------------------------------------------


def ngram_counts(tokens: Sequence[str], n: int) -> Counter:
    """How often each n-gram (a tuple of n consecutive tokens) occurs in ``tokens``.

    A sequence of length L has max(L - n + 1, 0) n-grams.
    """
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def clipped_matches(
    candidate: Sequence[str], references: Sequence[Sequence[str]], n: int
) -> tuple[int, int]:
    """(clipped matches, candidate n-grams), the two counts of a modified n-gram precision.

    Each candidate n-gram counts as a match at most as many times as it occurs in any single
    reference: Count_clip = min(Count, Max_Ref_Count) (Papineni et al. 2002, section 2.1).
    """
    counts = ngram_counts(candidate, n)
    most = Counter()
    for reference in references:
        most |= ngram_counts(reference, n)  # | keeps the larger count of each n-gram
    matches = sum(min(count, most[gram]) for gram, count in counts.items())
    return matches, sum(counts.values())


def modified_precision(
    candidate: Sequence[str], references: Sequence[Sequence[str]], n: int
) -> float:
    """p_n of one candidate translation: clipped matches / candidate n-grams (0.0 if none).

    "le le le le le le le" against "le chat s'est assis sur le tapis": "le" occurs twice in
    the reference, so p_1 = 2/7, not 7/7 (Papineni et al.'s "the the the ..." example).
    """
    matches, total = clipped_matches(candidate, references, n)
    return matches / total if total else 0.0


class Bleu(NamedTuple):
    """A corpus BLEU score (from 0 to 1; papers print 100 times it) and its parts.

    precisions: p_1 .. p_N; brevity_penalty: BP; candidate_length: c, the total length of the
    candidates; reference_length: r, the sum over candidates of the reference length closest
    to the candidate's (ties go to the shorter reference).
    """

    score: float
    precisions: tuple[float, ...]
    brevity_penalty: float
    candidate_length: int
    reference_length: int


def bleu(
    candidates: Sequence[Sequence[str]],
    references: Sequence[Sequence[Sequence[str]]],
    max_n: int = 4,
) -> Bleu:
    """Corpus BLEU (Papineni et al. 2002): BLEU = BP * exp(sum_n log(p_n) / N), n = 1..N.

    candidates: one token sequence per sentence; references: for each sentence, a list of
    one or more reference token sequences. p_n adds the clipped matches of all sentences
    and divides by all their n-grams (corpus-level, not an average of sentence scores);
    BP = 1 if c > r, else exp(1 - r/c). N = 4 with uniform weights, as in the paper. The
    score is 0 if some p_n is 0 (no smoothing). One sentence is a corpus of one.
    """
    pairs = list(zip(candidates, references, strict=True))
    precisions = []
    for n in range(1, max_n + 1):
        matches = total = 0
        for candidate, refs in pairs:
            m, t = clipped_matches(candidate, refs, n)
            matches, total = matches + m, total + t
        precisions.append(matches / total if total else 0.0)
    c = sum(len(candidate) for candidate, _ in pairs)
    r = sum(
        len(min(refs, key=lambda ref: (abs(len(ref) - len(candidate)), len(ref))))
        for candidate, refs in pairs
    )
    penalty = 1.0 if c > r else (math.exp(1 - r / c) if c else 0.0)
    if min(precisions) == 0:
        return Bleu(0.0, tuple(precisions), penalty, c, r)
    score = penalty * math.exp(sum(math.log(p) for p in precisions) / max_n)
    return Bleu(score, tuple(precisions), penalty, c, r)
