"""Recompute course_utils/data/translation_sweep.json: lesson 08's models over several seeds.

Each point trains one model with the lesson's own code (``course_utils.lessons.lesson08.
sweep_run``, which calls ``course_utils.seq2seq``) at the lesson's budget, on one thread, and
evaluates it on the shipped test set (1-4 clauses):

- with attention (Luong's general score) and without attention, trained on 1-3 clauses,
  seeds 0-4: accuracy against length (Bahdanau et al. 2014, Fig. 2 in miniature);
- the control: without attention, trained on one-clause sentences only, seeds 0-4;
- with Bahdanau's additive score, seeds 0-2;
- with a one-directional encoder (general score), seeds 0-2: the alignments shift.

The file holds configurations and results, no wall times, so it depends on the seeds only
(and on torch's kernels: see "torch" and "machine" in the file). tests/unit/test_lesson08.py
re-runs one point and checks it against the file. The points run in two processes, one torch
thread each (the results do not depend on how many run at once): about 3 minutes on 2 idle
cores.

    python tools/sweep_translation.py
"""

from __future__ import annotations

import json
import multiprocessing
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from course_utils import shipped  # noqa: E402
from course_utils.env import machine, use_one_thread  # noqa: E402

use_one_thread()

import torch  # noqa: E402

from course_utils import seq2seq as s2s  # noqa: E402
from course_utils.lessons import lesson08  # noqa: E402

POINTS = [
    *(("general", seed, (1, 2, 3), True) for seed in range(5)),
    *((None, seed, (1, 2, 3), True) for seed in range(5)),
    *((None, seed, (1,), True) for seed in range(5)),
    *(("additive", seed, (1, 2, 3), True) for seed in range(3)),
    *(("general", seed, (1, 2, 3), False) for seed in range(3)),
]


def _run(point) -> dict:
    score, seed, clauses, bidirectional = point
    return lesson08.sweep_run(score, seed, clauses, bidirectional)


def main() -> int:
    start = time.perf_counter()
    runs = []
    with multiprocessing.get_context("spawn").Pool(2, initializer=use_one_thread) as pool:
        for run in pool.imap(_run, POINTS):  # in the order of POINTS
            runs.append(run)
            exact = ", ".join(f"{v:.3f}" for v in run["exact"].values())
            align = f", alignment {run['alignment']:.3f}" if "alignment" in run else ""
            print(
                f"{run['model']:>8} seed {run['seed']} clauses {run['train_clauses']} "
                f"bi={run['bidirectional']}: exact {exact}{align} "
                f"({time.perf_counter() - start:.0f} s)",
                flush=True,
            )
    data = {
        "description": "Lesson 08's shipped results: exact match and token accuracy by number "
        "of clauses, with and without attention, and alignment agreement. Written by "
        "tools/sweep_translation.py; deterministic given the seeds (one torch thread).",
        "torch": torch.__version__,
        "machine": machine(),
        "config": s2s.LESSON08,
        "runs": runs,
    }
    out = shipped.path(shipped.TRANSLATION)
    out.write_text(json.dumps(data, indent=1) + "\n")
    print(f"wrote {out.relative_to(ROOT)} in {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
