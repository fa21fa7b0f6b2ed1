"""tools/execute_notebooks.py on small notebooks of its own: how it reports a failing cell, what
its kernel sees, and when its cache reuses a run."""

import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import execute_notebooks as executor  # noqa: E402


@pytest.fixture
def repo(tmp_path, monkeypatch):
    """A notebooks/ and build/executed/ of its own, in a temporary folder."""
    monkeypatch.setattr(executor, "NOTEBOOKS", tmp_path / "notebooks")
    monkeypatch.setattr(executor, "EXECUTED", tmp_path / "build" / "executed")
    (tmp_path / "notebooks" / "solutions").mkdir(parents=True)
    return tmp_path


def notebook(repo: Path, *sources: str, name: str = "00_demo.ipynb") -> Path:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    for i, cell in enumerate(nb.cells):
        cell.id = f"00-{i:03d}"
    path = repo / "notebooks" / "solutions" / name
    nbformat.write(nb, path)
    return path


def test_a_failing_cell_is_named_with_its_source_and_traceback(repo):
    path = notebook(repo, "x = 1", "y = x / 0", "z = 2")
    with pytest.raises(executor.NotebookFailed) as failure:
        executor.execute(path)
    message = str(failure.value)
    assert "cell 00-001 (code cell 2 of 3) raised ZeroDivisionError" in message
    assert "y = x / 0" in message and "division by zero" in message
    assert "\x1b[" not in message, "colour codes are removed"
    assert not executor.executed_path(path).exists(), "a failed run is not cached"


def test_the_kernel_requires_correct_answers_and_imports_this_course_utils(repo):
    path = notebook(
        repo,
        "import os, course_utils",
        "assert os.environ['COURSE_REQUIRE_CORRECT'] == '1'",
        f"assert course_utils.__file__.startswith({str(ROOT)!r}), course_utils.__file__",
    )
    executed = executor.execute(path)
    assert executed == executor.executed_path(path) and executed.exists()


def test_the_cache_reuses_a_run_until_the_notebook_changes(repo, monkeypatch):
    path = notebook(repo, "print('hello')")
    executed = executor.execute(path)
    outputs = nbformat.read(executed, as_version=4).cells[0].outputs
    assert outputs[0].text == "hello\n"
    assert executor.cached(path) == executed

    def no_kernel(*args, **kwargs):
        raise AssertionError("a cached notebook must not run again")

    monkeypatch.setattr(executor, "_kernel_manager_class", no_kernel)
    assert executor.execute(path) == executed
    notebook(repo, "print('hello again')")  # same name, new text
    assert executor.cached(path) is None
    with pytest.raises(AssertionError, match="must not run"):
        executor.execute(path)


def test_the_key_covers_the_package_and_the_settings(repo, monkeypatch):
    package = repo / "course_utils"
    package.mkdir()
    (package / "x.py").write_text("A = 1\n")
    monkeypatch.setattr(executor, "PACKAGE", package)
    monkeypatch.delenv("ATEN_CPU_CAPABILITY", raising=False)
    path = notebook(repo, "pass")

    def key() -> str:
        executor.environment_fingerprint.cache_clear()  # computed once per process otherwise
        return executor.cache_key(path)

    try:
        first = key()
        (package / "x.py").write_text("A = 2\n")
        assert key() != first, "a change to course_utils"
        (package / "x.py").write_text("A = 1\n")
        assert key() == first
        monkeypatch.setenv("ATEN_CPU_CAPABILITY", "default")
        assert key() != first, "torch's portable kernels"
    finally:
        executor.environment_fingerprint.cache_clear()


def test_the_key_is_the_same_whether_or_not_the_caller_imported_course_utils():
    """make site imports course_utils (which sets BLAS thread defaults) before it asks for keys,
    pytest does not: both must compute the key the executed copies carry."""
    program = (
        "{first}import sys; sys.path.insert(0, {tools!r}); import execute_notebooks as e; "
        "print(e.environment_fingerprint())"
    )
    environment = {k: v for k, v in os.environ.items() if not k.endswith("_NUM_THREADS")}
    keys = {
        subprocess.run(
            [sys.executable, "-c", program.format(first=first, tools=str(ROOT / "tools"))],
            env=environment,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for first in ("", "import course_utils; ")
    }
    assert len(keys) == 1, keys


def test_every_solution_notebook_is_found():
    names = {p.name for p in executor.solution_notebooks()}
    assert names == {p.name for p in (ROOT / "notebooks" / "solutions").glob("*.ipynb")}
