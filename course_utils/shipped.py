"""Results shipped with the course: experiments too slow to run live, read from JSON files.

They live in course_utils/data/, installed with the package, so a notebook finds them offline
and on Colab (where only course_utils is installed). Each file is written by a script in
tools/ with the lessons' own code, and records its configuration and the machine it ran on;
data/README.md lists them.
"""

from __future__ import annotations

import json
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"

LONG_RANGE = "long_range_sweep.json"  # lesson 06: tools/sweep_long_range.py
TRANSLATION_CORPUS = "translation_corpus.json"  # lesson 08: tools/make_translation_corpus.py
TRANSLATION = "translation_sweep.json"  # lesson 08: tools/sweep_translation.py
TRANSFORMER = "transformer_sweep.json"  # lesson 09: tools/sweep_transformer.py
LANGUAGE_CORPUS = "language_corpus.json"  # lesson 11: tools/make_language_corpus.py
LANGUAGE_MODEL = "language_model_sweep.json"  # lesson 11: tools/sweep_language_model.py


def path(name: str) -> Path:
    """course_utils/data/<name>."""
    return DATA / name


def load(name: str) -> dict:
    """The shipped results in course_utils/data/<name>."""
    return json.loads(path(name).read_text(encoding="utf-8"))
