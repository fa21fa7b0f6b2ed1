"""Regenerate course_utils/data/translation_corpus.json: lesson 08's toy EN -> FR corpus.

The corpus is drawn by ``course_utils.translation.make_corpus`` from a fixed seed and written
by ``translation.corpus_json`` (one sentence pair per line), so this script rewrites the
shipped file byte for byte; tests/unit/test_translation.py checks that it does.

    python tools/make_translation_corpus.py
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from course_utils import shipped  # noqa: E402
from course_utils import translation as tr  # noqa: E402


def main() -> int:
    corpus = tr.make_corpus()
    path = shipped.path(shipped.TRANSLATION_CORPUS)
    path.parent.mkdir(exist_ok=True)
    path.write_text(tr.corpus_json(corpus), encoding="utf-8")
    print(
        f"wrote {path.relative_to(ROOT)}: {len(corpus.train)} training and "
        f"{len(corpus.test)} test pairs ({path.stat().st_size / 1024:.0f} kB)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
