"""Regenerate course_utils/data/language_corpus.json: lesson 11's toy English.

The sentences are drawn by ``course_utils.language.make_corpus`` from a fixed seed and written
by ``language.corpus_json`` (one sentence per line), so this script rewrites the shipped file
byte for byte; tests/unit/test_language.py checks that it does.

    python tools/make_language_corpus.py
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from course_utils import language, shipped  # noqa: E402


def main() -> int:
    corpus = language.make_corpus()
    path = shipped.path(shipped.LANGUAGE_CORPUS)
    path.parent.mkdir(exist_ok=True)
    path.write_text(language.corpus_json(corpus), encoding="utf-8")
    print(
        f"wrote {path.relative_to(ROOT)}: {len(corpus.train)} training and "
        f"{len(corpus.test)} test sentences ({path.stat().st_size / 1024:.0f} kB)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
