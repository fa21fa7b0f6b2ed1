"""Recompute course_utils/data/transformer_sweep.json: lesson 09's tiny Transformer on lesson
06's agreement task, for eight seeds (one runs live in the notebook; all eight would not fit
its time budget).

Each seed is ``lessons.lesson09.agreement_run``, the lesson's own code, on one thread: 300
steps, then the test accuracy at distance 50 and the accuracy at distances 10 to 50. The file
records the configuration, the results (no wall times) and the machine it ran on (CPU and
torch's CPU capability: another CPU rounds differently, so a fresh run agrees with the file
within the spread of its seeds; tests/unit/test_lesson09.py checks that). About 1 minute.

    python tools/sweep_transformer.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from course_utils import shipped  # noqa: E402
from course_utils.env import machine, use_one_thread  # noqa: E402
from course_utils.lessons import lesson09  # noqa: E402


def main() -> int:
    use_one_thread()
    data = {
        "description": "Lesson 09's tiny Transformer on agreement (distances 1-50), one run "
        "per seed. Written by tools/sweep_transformer.py.",
        **lesson09.agreement_sweep(),
        "machine": machine(),
    }
    for run in data["runs"]:
        print(f"  seed {run['seed']}: final {run['final']:.3f}, by distance {run['by_distance']}")
    out = shipped.path(shipped.TRANSFORMER)
    out.write_text(json.dumps(data, indent=1) + "\n")
    print(f"wrote {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
