"""Recompute course_utils/data/long_range_sweep.json: results lesson 06 is too slow to train live.

Three experiments, each with the lesson's own code (``course_utils.lessons.lesson06``, which
calls ``course_utils.training``), on one thread:

- agreement: ``training.distance_sweep`` for the RNN, LSTM and GRU, trained on distances
  1..D and tested at D = 10, 20, 30, 40, 50, seeds 0-4 (75 runs of 300 steps);
- adding: the adding problem at T = 100, every network, seeds 0-4, 1500 steps each, the test
  MSE every 50 steps;
- forget_bias: exercise 2's LSTM (clauses of exactly 40 words, 150 steps) for forget-gate
  biases 0, 1, 2, 3, 5, seeds 0-9 (exercise 2's checker grades by this table).

Each experiment records its configuration, its results (no wall times) and the machine it ran
on (CPU and torch's CPU capability: a training run rounds differently on another CPU, so a
fresh run agrees with the file within the spread of its seeds, not digit for digit;
tests/unit/test_lesson06.py checks that). About 5 minutes on 2 cores for all three.

    python tools/sweep_long_range.py                  all three
    python tools/sweep_long_range.py forget_bias      only these (the others are kept)
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from course_utils import shipped  # noqa: E402
from course_utils.env import machine, use_one_thread  # noqa: E402

use_one_thread()

import torch  # noqa: E402

from course_utils.lessons import lesson06  # noqa: E402

OUT = shipped.path(shipped.LONG_RANGE)
DISTANCES = [10, 20, 30, 40, 50]
SEEDS = [0, 1, 2, 3, 4]


def agreement() -> dict:
    result = lesson06.agreement_sweep(DISTANCES, SEEDS)
    for run in result["runs"]:
        print(
            f"  {run['kind']:>4} D = {run['distance']:>2} seed {run['seed']}: "
            f"accuracy {run['accuracy']:.3f}, 95 % at {run['steps_to_threshold']}"
        )
    return result


def adding() -> dict:
    return lesson06.adding_runs(SEEDS, log=lambda line: print("  " + line, flush=True))


def forget_bias() -> dict:
    result = lesson06.forget_bias_table(lesson06.BIAS_SEEDS)
    for run in result["runs"]:
        print(
            f"  forget bias {run['bias']:g} seed {run['seed']}: 95 % at "
            f"{run['steps_to_threshold']}, final {run['final']:.3f}"
        )
    return result


EXPERIMENTS = {"agreement": agreement, "adding": adding, "forget_bias": forget_bias}


def main(selected: list[str]) -> int:
    unknown = set(selected) - set(EXPERIMENTS)
    if unknown:
        print(f"unknown experiment(s) {sorted(unknown)}; choose from {list(EXPERIMENTS)}")
        return 2
    data = json.loads(OUT.read_text()) if OUT.exists() else {}
    start = time.perf_counter()
    for name, run in EXPERIMENTS.items():
        if selected and name not in selected:
            continue
        print(f"{name} ...", flush=True)
        data[name] = {**run(), "machine": machine()}
        print(f"  ({time.perf_counter() - start:.0f} s so far)", flush=True)
    data["description"] = (
        "Lesson 06's shipped results: agreement accuracy against distance, adding-problem "
        "learning curves, forget-gate bias table. Written by tools/sweep_long_range.py; "
        "deterministic given the seeds and the machine (one torch thread)."
    )
    data["torch"] = torch.__version__
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps(data, indent=1) + "\n")
    print(
        f"wrote {OUT.relative_to(ROOT)} ({OUT.stat().st_size / 1024:.0f} kB) "
        f"in {time.perf_counter() - start:.0f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
