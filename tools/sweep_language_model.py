"""Recompute course_utils/data/language_model_sweep.json: lesson 11's GPT and LSTM language
models on the toy English, for eight seeds each (one of each runs live in the notebook; all
sixteen would not fit its time budget).

Each run is ``lessons.lesson11.run``, the lesson's own code, on one thread: 500 steps on the
shipped corpus, then the agreement accuracy against distance on the test sentences and the
share of grammatical samples. The file records the configuration, the results (no wall
times) and the machine it ran on (CPU and torch's CPU capability: another CPU rounds
differently, so a fresh run agrees with the file within the spread of its seeds;
tests/unit/test_lesson11.py checks that). A few minutes.

    python tools/sweep_language_model.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from course_utils import shipped  # noqa: E402
from course_utils.env import machine, use_one_thread  # noqa: E402
from course_utils.lessons import lesson11  # noqa: E402


def main() -> int:
    use_one_thread()
    data = {
        "description": "Lesson 11's GPT and LSTM language models on the toy English, one run "
        "per kind and seed. Written by tools/sweep_language_model.py.",
        **lesson11.sweep(),
        "machine": machine(),
    }
    for r in data["runs"]:
        print(f"  {r['kind']:>4} seed {r['seed']}: loss {r['test_loss'][-1]:.3f}, far agreement "
              f"{r['far_agreement'][-1]:.3f}, grammatical {r['grammatical']:.3f}")  # fmt: skip
    out = shipped.path(shipped.LANGUAGE_MODEL)
    out.write_text(json.dumps(data, indent=1) + "\n")
    print(f"wrote {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
