"""Time the course: every solution notebook from a fresh kernel, and every slider.

For each notebook in notebooks/solutions/ (in lesson order), start a fresh kernel, run all
cells (with every checker required to pass) and record the wall time, kernel start included.
Then, in the same kernel, move every control of every slider the notebook built over 20
settings across its range and record the median time of one update (compute + redraw).

Writes benchmarks/results.md (the table the README links) and benchmarks/results.json (read
by the notebook builder for the README's course map). Exits 1 if a budget is exceeded.

    python tools/bench.py                  all notebooks
    python tools/bench.py 01 02            only lessons 01 and 02 (results merged)
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import sys
import time
from pathlib import Path

import matplotlib
import nbformat
from nbclient import NotebookClient

from course_utils import env

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "notebooks" / "solutions"
RESULTS_MD = ROOT / "benchmarks" / "results.md"
RESULTS_JSON = ROOT / "benchmarks" / "results.json"

NOTEBOOK_BUDGET_S = 30.0
SLIDER_BUDGET_MS = 50.0
COURSE_BUDGET_S = 180.0
SLIDER_MOVES = 20

BENCH_CELL = f"""
import json as _json
from course_utils.widgets import benchmark as _benchmark
print("BENCH" + _json.dumps(_benchmark({SLIDER_MOVES})))
"""


def time_notebook(path: Path) -> tuple[float, dict[str, float]]:
    """(wall seconds for a fresh kernel to run all cells, {slider: median ms})."""
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
        cell = nbformat.v4.new_code_cell(BENCH_CELL)
        notebook.cells.append(cell)
        client.execute_cell(cell, len(notebook.cells) - 1)
    text = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
    line = next(ln for ln in text.splitlines() if ln.startswith("BENCH"))
    return seconds, json.loads(line[len("BENCH") :])


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


def write_results(notebooks: dict[str, float], sliders: dict[str, dict[str, float]]) -> bool:
    """Write results.md and results.json; return True if every budget is met."""
    total = sum(notebooks.values())
    lines = [
        "# Benchmarks",
        "",
        f"Measured by `make bench` on {datetime.date.today().isoformat()}: {machine()}.",
        "Each notebook runs from a fresh kernel (kernel start included); each slider is moved "
        f"over {SLIDER_MOVES} settings across its range and the median update (compute + "
        "redraw) is shown.",
        "",
        f"Whole course: **{total:.1f} s** (budget {COURSE_BUDGET_S:.0f} s) "
        f"{mark(total, COURSE_BUDGET_S)}",
        "",
        f"| notebook | run time (s) | budget {NOTEBOOK_BUDGET_S:.0f} s |",
        "|---|---|---|",
    ]
    lines += [
        f"| {name} | {s:.1f} | {mark(s, NOTEBOOK_BUDGET_S)} |" for name, s in notebooks.items()
    ]
    lines += [
        "",
        f"| notebook | slider control | median update (ms) | budget {SLIDER_BUDGET_MS:.0f} ms |",
        "|---|---|---|---|",
    ]
    for name, medians in sliders.items():
        lines += [
            f"| {name} | `{control}` | {ms:.1f} | {mark(ms, SLIDER_BUDGET_MS)} |"
            for control, ms in sorted(medians.items())
        ]
    RESULTS_MD.parent.mkdir(exist_ok=True)
    RESULTS_MD.write_text("\n".join(lines) + "\n")
    RESULTS_JSON.write_text(
        json.dumps(
            {"machine": env.machine(), "notebooks": notebooks, "sliders": sliders},
            indent=1,
            sort_keys=True,
        )
        + "\n"
    )
    slider_ok = all(ms <= SLIDER_BUDGET_MS for m in sliders.values() for ms in m.values())
    notebooks_ok = all(s <= NOTEBOOK_BUDGET_S for s in notebooks.values())
    return slider_ok and notebooks_ok and total <= COURSE_BUDGET_S


def main(selected: list[str]) -> int:
    previous = json.loads(RESULTS_JSON.read_text()) if RESULTS_JSON.exists() and selected else {}
    notebooks = previous.get("notebooks", {})
    sliders = previous.get("sliders", {})
    paths = sorted(SOLUTIONS.glob("[0-9][0-9]_*.ipynb"))
    names = {p.stem for p in paths}
    notebooks = {k: v for k, v in notebooks.items() if k in names}
    sliders = {k: v for k, v in sliders.items() if k in names}
    for path in paths:
        if selected and path.stem[:2] not in selected:
            continue
        seconds, medians = time_notebook(path)
        notebooks[path.stem], sliders[path.stem] = seconds, medians
        shown = ", ".join(f"{k} {v:.0f} ms" for k, v in medians.items()) or "no sliders"
        print(f"{path.stem}: {seconds:.1f} s; {shown}", flush=True)
    notebooks = dict(sorted(notebooks.items()))
    ok = write_results(notebooks, dict(sorted(sliders.items())))
    print(f"wrote {RESULTS_MD.relative_to(ROOT)}; whole course {sum(notebooks.values()):.1f} s")
    if not ok:
        print("❌ a budget was exceeded (see the table)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
