"""course_utils.language: lesson 11's toy English, its parser and its shipped corpus."""

import subprocess
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from course_utils import language as L
from course_utils import shipped

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def corpus():
    return L.load_corpus()


def test_the_shipped_corpus_is_regenerated_byte_for_byte():
    path = shipped.path(shipped.LANGUAGE_CORPUS)
    before = path.read_bytes()
    assert L.corpus_json(L.make_corpus()).encode("utf-8") == before
    script = ROOT / "tools" / "make_language_corpus.py"
    subprocess.run([sys.executable, str(script)], check=True, capture_output=True)
    assert path.read_bytes() == before


def test_corpus_sizes_split_and_distances(corpus):
    """ "6000 training and 1400 test sentences (no sentence in both)", distances 1 and 4-28 in
    the test set (the lesson's bins), every number of modifiers from 0 to 6."""
    train, test = {s.words for s in corpus.train}, {s.words for s in corpus.test}
    assert len(train) == len(corpus.train) == 6000 and len(test) == len(corpus.test) == 1400
    assert not train & test
    distances = Counter(s.distance for s in corpus.test)
    assert min(distances) == 1 and sorted(distances)[1] == 4 and max(distances) == 28
    modifiers = {sum(w in ("that", "near", "with") for w in s.words) for s in corpus.train}
    assert modifiers == set(range(L.MAX_MODIFIERS + 1))
    mean_words = np.mean([len(s.words) for s in corpus.train])
    assert f"{mean_words:.1f}" == "18.3"  # "about 18 words" (lesson 11)


def test_every_corpus_sentence_parses_with_its_subject_and_verb(corpus):
    for s in corpus.train[:2000] + corpus.test:
        p = L.parse(s.words)
        assert p.grammatical and (p.subject, p.verb) == (s.subject, s.verb)
        assert s.words[s.subject] in L.PLURAL_NOUNS + L.SINGULAR_NOUNS
        assert (s.words[s.verb] in L.PLURAL_VERBS) == s.plural


def test_modifier_nouns_are_attractors_half_the_time(corpus):
    """Each noun in a modifier has the subject's number with probability 1/2."""
    same = []
    for s in corpus.train:
        for k in range(s.subject + 1, s.verb):
            if s.words[k] in L.PLURAL_NOUNS + L.SINGULAR_NOUNS:
                same.append((s.words[k] in L.PLURAL_NOUNS) == s.plural)
    assert abs(np.mean(same) - 0.5) < 0.02


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("the cats near the dog sleeps .", "'sleeps' (singular) does not agree with its subject"),
        ("the cat that the dogs chases runs .", "'chases' (singular) does not agree with its noun"),
        ("the cats that the dog sleep .", "expected a transitive verb ending the relative clause"),
        ("the cat the sleeps .", "expected a verb, 'that', 'near' or 'with' after the subject"),
        ("the cat sees .", "expected 'the', got '.'"),
        ("the cat sleeps the dog .", "expected '.', got 'the'"),
        ("the sleeps .", "expected a noun after 'the'"),
        ("the cat sleeps . the", "the sentence goes on after '.'"),
        ("the cat sleeps", "got 'the end of the sentence'"),
    ],
)
def test_the_parser_names_the_first_error(text, problem):
    p = L.parse(text.split())
    assert not p.grammatical and problem in p.problem
    assert p.agreement_error == ("does not agree" in problem)


def test_the_lessons_parser_examples():
    assert L.parse("the cats near the dog sleep .".split()).grammatical
    assert L.parse("the old cats with the small mouse that the dogs like see the bird .".split())[0]


def test_valid_prefixes_and_the_words_allowed_next():
    prompt = "the cats near the old dog that the mice chase".split()
    allowed = ["that", "near", "with", "sleep", "run", "see", "chase", "like"]
    assert L.allowed_next(prompt) == allowed
    assert L.allowed_next([]) == ["the"]
    assert L.allowed_next("the cat sleeps".split()) == ["."]
    assert not L.valid_prefix("the cats sleeps".split())  # agreement already broken
    assert L.valid_prefix("the cat sleeps .".split())
    assert not L.valid_prefix("the cat sleeps . the".split())


def test_encode_decode_and_sequences(corpus):
    assert L.VOCAB[0] == L.PAD and len(L.VOCAB) == 27 and len(set(L.VOCAB)) == 27
    words = corpus.test[0].words
    assert L.decode(L.encode(words)) == words
    with pytest.raises(ValueError, match="not in the vocabulary"):
        L.encode(["the", "unicorn"])
    ids = L.sequences(corpus.test[:5])
    assert ids.shape == (5, 1 + max(len(s.words) for s in corpus.test[:5]))
    assert (ids[:, 0] == L.VOCAB.index(".")).all()
    assert L.decode(ids[0]) == (".", *corpus.test[0].words)


def test_from_words_rejects_an_ungrammatical_sentence():
    with pytest.raises(ValueError, match="not a sentence of the grammar"):
        L.from_words("the cats sleeps .".split())
