"""Every solution notebook runs top to bottom and passes every checker.

tools/execute_notebooks.py runs each one in a fresh kernel with COURSE_REQUIRE_CORRECT=1 (a
checker that does not pass raises) and keeps the executed copy in build/executed/, where
`make site` renders it: CI runs each notebook once. A failure names the notebook, the cell's
id, its source and the traceback. A notebook whose executed copy carries the current key (its
text, every file of course_utils, the package versions: see the tool) has already passed with
exactly these inputs, and is not run again.
"""

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import execute_notebooks as executor  # noqa: E402

NOTEBOOKS = executor.solution_notebooks()


def test_there_are_solution_notebooks():
    assert len(NOTEBOOKS) >= 12


@pytest.mark.parametrize(
    "notebook", NOTEBOOKS, ids=lambda p: str(p.relative_to(executor.NOTEBOOKS))
)
def test_solution_notebook_runs_and_passes_its_checks(notebook):
    try:
        executor.execute(notebook)
    except executor.NotebookFailed as failure:
        pytest.fail(str(failure), pytrace=False)
