"""Time the course: every solution notebook from a fresh kernel, every slider in the kernel,
and every interactive figure end to end in JupyterLab.

1. For each notebook in notebooks/solutions/ (in lesson order), start a fresh kernel, run all
   cells (with every checker required to pass) and record the wall time, kernel start
   included; the course is run RUNS times over and each notebook's time is its fastest run
   (the least disturbed by other work on the machine, as in the calibration: on a shared
   2-core virtual machine, single passes of the course differed by several seconds). In the
   same kernel, move every control of every slider the notebook built over 20 settings
   across its range and record the median time of one update (compute + redraw + PNG), the
   lower of the passes' medians. The Chinese edition's solution notebooks
   (notebooks/zh/solutions/, recorded as "zh/NN_slug") are timed the same way, their sliders
   aside (the same code).
2. In the browser (tests/browser/bench_e2e.py: JupyterLab in headless Chromium), each
   solution notebook is run again with a readout-only slider added, the *floor*; every
   interactive figure's first control is moved 15 times (median and max from the input event
   until the readout and the image changed) and dragged for 2 s (figure updates per second).
   The floor is moved between each figure's moves; the ratio of each figure's median to the
   median of all the floor's moves in the run compares across machines. Skipped with
   --no-browser.
3. A CPU calibration (`calibrate`: the same pure-Python, numpy and torch work everywhere) is
   recorded beside the results, so that results from different machines can be compared.

Writes benchmarks/results.md (the table the README links) and benchmarks/results.json (read
by the notebook builder for the README's course map). Exits 1 if a budget is exceeded.

    python tools/bench.py                  all notebooks
    python tools/bench.py 01 02            only lessons 01 and 02 (results merged)
    python tools/bench.py --no-browser     without the end-to-end phase
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

import matplotlib
import nbformat
import numpy as np
from nbclient import NotebookClient

from course_utils import env

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "notebooks" / "solutions"
ZH_SOLUTIONS = ROOT / "notebooks" / "zh" / "solutions"
RESULTS_MD = ROOT / "benchmarks" / "results.md"
RESULTS_JSON = ROOT / "benchmarks" / "results.json"

E2E_JSON = ROOT / "build" / "bench_e2e.json"

RUNS = 2  # passes over the course; a notebook's time is its fastest run

NOTEBOOK_BUDGET_S = 30.0
SLIDER_BUDGET_MS = 30.0
COURSE_BUDGET_S = 120.0
#: End to end, a figure's median time per move over the floor's (a readout-only slider):
#: the median of these ratios over all figures, and the largest.
E2E_MEDIAN_RATIO = 2.0
E2E_MAX_RATIO = 2.5
SLIDER_MOVES = 20

BENCH_CELL = f"""
import json as _json
from course_utils.widgets import benchmark as _benchmark
print("BENCH" + _json.dumps(_benchmark({SLIDER_MOVES})))
"""


def time_notebook(path: Path, sliders: bool = True) -> tuple[float, dict[str, float]]:
    """(wall seconds for a fresh kernel to run all cells, {slider: median ms}; {} if not
    `sliders`)."""
    notebook = nbformat.read(path, as_version=4)
    os.environ["COURSE_REQUIRE_CORRECT"] = "1"
    client = NotebookClient(
        notebook,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    start = time.perf_counter()
    with client.setup_kernel():
        for index, cell in enumerate(notebook.cells):
            client.execute_cell(cell, index)
        seconds = time.perf_counter() - start
        if not sliders:
            return seconds, {}
        cell = nbformat.v4.new_code_cell(BENCH_CELL)
        notebook.cells.append(cell)
        client.execute_cell(cell, len(notebook.cells) - 1)
    text = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
    line = next(ln for ln in text.splitlines() if ln.startswith("BENCH"))
    return seconds, json.loads(line[len("BENCH") :])


def calibrate(repeats: int = 5) -> dict[str, float]:
    """Milliseconds (best of `repeats`: the least disturbed by other work) of the same fixed
    work on every machine, on one thread: pure Python (a sum of squares), numpy (sort and exp
    of a million numbers) and torch (fifty 256 x 256 float32 matmuls)."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    numbers = np.random.default_rng(0).random(1_000_000)
    a, b = torch.ones(256, 256) / 256, torch.ones(256, 256)
    work = {
        "python_ms": lambda: sum(i * i for i in range(1_000_000)),
        "numpy_ms": lambda: (np.sort(numbers), np.exp(numbers)),
        "torch_ms": lambda: [a @ b for _ in range(50)],
    }
    best = {}
    try:
        for name, run in work.items():
            times = []
            for _ in range(repeats):
                start = time.perf_counter()
                run()
                times.append(1000 * (time.perf_counter() - start))
            best[name] = round(min(times), 2)
    finally:
        torch.set_num_threads(threads)
    return best


def end_to_end(selected: list[str]) -> dict:
    """The browser phase (tests/browser/bench_e2e.py), per notebook: the floor and every
    figure's times per move, ratio to the floor and drag rate. Needs Chromium (make
    test-browser's set-up); fails loudly without it."""
    E2E_JSON.parent.mkdir(exist_ok=True)
    E2E_JSON.unlink(missing_ok=True)
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    command += [str(ROOT / "tests" / "browser" / "bench_e2e.py")]
    if selected:
        command += ["-k", " or ".join(selected)]  # the tests' ids are the lessons' numbers
    environment = {**os.environ, "COURSE_BENCH_OUT": str(E2E_JSON), "COURSE_REQUIRE_BROWSER": "1"}
    subprocess.run(command, cwd=ROOT, env=environment, check=True)
    return json.loads(E2E_JSON.read_text())


def run_floor(e2e: dict) -> float:
    """The median of every move of the readout-only floor in the run, all pages together."""
    return statistics.median(
        t for notebook in e2e.values() for t in notebook["floor"].get("times_ms", [])
    )


def e2e_ratios(e2e: dict) -> list[float]:
    """Each figure's median time per move over the run's floor (`run_floor`)."""
    floor = run_floor(e2e)
    return [f["median_ms"] / floor for notebook in e2e.values() for f in notebook["figures"]]


def machine() -> str:
    """The CPU, torch's CPU capability and the library versions, for the results' header."""
    m = env.machine()
    return (
        f"{m['cores']} cores ({m['cpu']}, torch CPU capability {m['torch_cpu_capability']}), "
        f"Python {m['python']}, numpy {m['numpy']}, torch {m['torch']}, "
        f"matplotlib {matplotlib.__version__}, {platform.system()}"
    )


def mark(value: float, budget: float) -> str:
    return "✅" if value <= budget else "❌ over budget"


def write_results(
    notebooks: dict[str, float],
    sliders: dict[str, dict[str, float]],
    e2e: dict,
    calibration: dict[str, float],
    runs: dict[str, list[float]],
) -> bool:
    """Write results.md and results.json; return True if every budget is met."""
    total = sum(s for name, s in notebooks.items() if not name.startswith("zh/"))
    total_zh = sum(s for name, s in notebooks.items() if name.startswith("zh/"))
    ratios = e2e_ratios(e2e)
    cpu = ", ".join(f"{k.removesuffix('_ms')} {v:.1f} ms" for k, v in calibration.items())
    lines = [
        "# Benchmarks",
        "",
        f"Measured by `make bench` on {datetime.date.today().isoformat()}: {machine()}.",
        f"CPU calibration (`tools/bench.py calibrate`, best of 5, one thread): {cpu}; "
        "compare these before comparing results from two machines.",
        "",
        f"Whole course: **{total:.1f} s** (budget {COURSE_BUDGET_S:.0f} s) "
        f"{mark(total, COURSE_BUDGET_S)}; the Chinese edition (zh/): **{total_zh:.1f} s** "
        f"{mark(total_zh, COURSE_BUDGET_S)}",
        "",
        f"Each notebook runs from a fresh kernel (kernel start included); its time is the "
        f"fastest of {RUNS} passes over the course (every run is in results.json).",
        "",
        f"| notebook | run time (s) | budget {NOTEBOOK_BUDGET_S:.0f} s |",
        "|---|---|---|",
    ]
    lines += [
        f"| {name} | {s:.1f} | {mark(s, NOTEBOOK_BUDGET_S)} |" for name, s in notebooks.items()
    ]
    lines += [
        "",
        f"In the kernel: each slider is moved over {SLIDER_MOVES} settings across its range; "
        f"the median update (compute + redraw + PNG), the lower of the {RUNS} passes', is "
        "shown.",
        "",
        f"| notebook | slider control | median update (ms) | budget {SLIDER_BUDGET_MS:.0f} ms |",
        "|---|---|---|---|",
    ]
    for name, medians in sliders.items():
        lines += [
            f"| {name} | `{control}` | {ms:.1f} | {mark(ms, SLIDER_BUDGET_MS)} |"
            for control, ms in sorted(medians.items())
        ]
    if e2e:
        lines += [
            "",
            "End to end, in JupyterLab in headless Chromium (tests/browser/bench_e2e.py): each "
            "figure's first control moved 15 times, from the input event until the readout and "
            "the image changed; the floor is a slider that only changes a readout, in the same "
            "page, moved between the figure's moves; the ratio is the figure's median over the "
            f"median of all the floor's moves in the run, **{run_floor(e2e):.0f} ms** (the "
            "floor's median next to each figure is shown too: a page's floor moves fall into "
            "two levels); the drag rate is figure updates per second while the control gets a "
            "key press every 1/60 s for 2 s.",
            "",
            f"Ratio to the floor: median **{statistics.median(ratios):.2f}** (budget "
            f"{E2E_MEDIAN_RATIO}) {mark(statistics.median(ratios), E2E_MEDIAN_RATIO)}, largest "
            f"**{max(ratios):.2f}** (budget {E2E_MAX_RATIO}) {mark(max(ratios), E2E_MAX_RATIO)}",
            "",
            "| notebook | control | median (ms) | max (ms) | floor next to it (ms) | ratio | "
            "drag (updates/s) |",
            "|---|---|---|---|---|---|---|",
        ]
        for name, result in e2e.items():
            lines += [
                f"| {name} | {f['control']} | {f['median_ms']:.0f} | {f['max_ms']:.0f} | "
                f"{f['floor_median_ms']:.0f} | {f['median_ms'] / run_floor(e2e):.2f} | "
                + (f"{f['drag_updates_per_s']:.1f} |" if f["drag_updates_per_s"] else "- |")
                for f in result["figures"]
            ]
    RESULTS_MD.parent.mkdir(exist_ok=True)
    RESULTS_MD.write_text("\n".join(lines) + "\n")
    RESULTS_JSON.write_text(
        json.dumps(
            {
                "machine": env.machine(),
                "calibration": calibration,
                "notebooks": notebooks,
                "notebook_runs": runs,
                "sliders": sliders,
                "end_to_end": e2e,
            },
            indent=1,
            sort_keys=True,
        )
        + "\n"
    )
    slider_ok = all(ms <= SLIDER_BUDGET_MS for m in sliders.values() for ms in m.values())
    notebooks_ok = all(s <= NOTEBOOK_BUDGET_S for s in notebooks.values())
    e2e_ok = not ratios or (
        statistics.median(ratios) <= E2E_MEDIAN_RATIO and max(ratios) <= E2E_MAX_RATIO
    )
    course_ok = total <= COURSE_BUDGET_S and total_zh <= COURSE_BUDGET_S
    return slider_ok and notebooks_ok and e2e_ok and course_ok


def main(arguments: list[str]) -> int:
    browser = "--no-browser" not in arguments
    selected = [a for a in arguments if a != "--no-browser"]
    previous = json.loads(RESULTS_JSON.read_text()) if RESULTS_JSON.exists() and selected else {}
    notebooks = previous.get("notebooks", {})
    sliders = previous.get("sliders", {})
    e2e = previous.get("end_to_end", {})
    paths = sorted(SOLUTIONS.glob("[0-9][0-9]_*.ipynb"))
    zh_paths = sorted(ZH_SOLUTIONS.glob("[0-9][0-9]_*.ipynb"))
    names = {p.stem for p in paths} | {f"zh/{p.stem}" for p in zh_paths}
    notebooks = {k: v for k, v in notebooks.items() if k in names}
    sliders = {k: v for k, v in sliders.items() if k in names}
    e2e = {k: v for k, v in e2e.items() if k in names}
    calibration = calibrate()
    print("CPU calibration: " + ", ".join(f"{k} {v}" for k, v in calibration.items()))
    runs: dict[str, list[float]] = {}
    for run in range(RUNS):
        for path in paths:
            if selected and path.stem[:2] not in selected:
                continue
            seconds, medians = time_notebook(path)
            runs.setdefault(path.stem, []).append(seconds)
            if run > 0:  # the less disturbed pass, slider by slider
                medians = {k: min(v, sliders[path.stem][k]) for k, v in medians.items()}
            sliders[path.stem] = medians
            shown = ", ".join(f"{k} {v:.0f} ms" for k, v in medians.items()) or "-"
            print(f"{path.stem}: {seconds:.1f} s; {shown}", flush=True)
        for path in zh_paths:
            if selected and path.stem[:2] not in selected:
                continue
            seconds, _ = time_notebook(path, sliders=False)
            runs.setdefault(f"zh/{path.stem}", []).append(seconds)
            print(f"zh/{path.stem}: {seconds:.1f} s", flush=True)
    notebooks.update({name: min(times) for name, times in runs.items()})
    if browser:
        e2e.update(end_to_end(selected))
        for name, result in e2e.items():
            shown = ", ".join(f"{f['control']} {f['median_ms']:.0f} ms" for f in result["figures"])
            print(f"{name} end to end: floor {result['floor']['median_ms']:.0f} ms; {shown}")
        print(f"the run's floor: {run_floor(e2e):.0f} ms")
    notebooks = dict(sorted(notebooks.items()))
    runs = {**previous.get("notebook_runs", {}), **runs}
    runs = {k: v for k, v in sorted(runs.items()) if k in notebooks}
    ok = write_results(
        notebooks, dict(sorted(sliders.items())), dict(sorted(e2e.items())), calibration, runs
    )
    english = sum(s for name, s in notebooks.items() if not name.startswith("zh/"))
    print(f"wrote {RESULTS_MD.relative_to(ROOT)}; whole course {english:.1f} s")
    if not ok:
        print("❌ a budget was exceeded (see the table)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
