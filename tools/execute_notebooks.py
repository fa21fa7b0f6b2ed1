"""Run every solution notebook once and keep the result: build/executed/.

    notebooks/solutions/NN_slug.ipynb     -> build/executed/solutions/NN_slug.ipynb
    notebooks/zh/solutions/NN_slug.ipynb  -> build/executed/zh/solutions/NN_slug.ipynb

Each notebook runs top to bottom in a fresh kernel of this Python, in its own folder, with
COURSE_REQUIRE_CORRECT=1 (a checker that does not pass raises) and the repository first on
PYTHONPATH (the kernel imports the course_utils that the key below hashed). The first cell
that raises stops the run; it is reported with the notebook, the cell's id, its source and
the traceback, and nothing is written.

The cache: an executed notebook carries a key in its metadata, the hash of everything its
outputs depend on: the notebook's own text, every file of the course_utils package (shipped
results included), and the versions of Python and of the packages the course uses. A notebook
whose executed copy has the current key is not run again. `make test-solution-notebooks`
executes each solution notebook here (tests/test_solution_notebooks.py), and `make site`
renders the same files, so CI runs the course once.

    python tools/execute_notebooks.py           every solution notebook not yet executed
    python tools/execute_notebooks.py 04 07     lessons 04 and 07 only
    python tools/execute_notebooks.py --force   run even those whose key matches
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import json
import os
import platform
import re
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from functools import cache
from pathlib import Path

import nbformat

# Imported before any key is computed, as every notebook's kernel imports it first: it sets the
# BLAS thread defaults (OPENBLAS_NUM_THREADS, MKL_NUM_THREADS) that the kernels then run with,
# so the key records those whether or not the caller imported course_utils already (make site
# does, pytest does not: the two computed different keys and CI ran the course twice).
import course_utils  # noqa: F401

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
EXECUTED = ROOT / "build" / "executed"
PACKAGE = ROOT / "course_utils"

#: Distributions whose version can change an output (the rest only display them).
PACKAGES = ("numpy", "torch", "matplotlib", "ipywidgets", "ipython", "ipykernel", "nbclient")
#: Settings of the kernel's environment that change what the notebooks compute.
KERNEL_ENV = {"COURSE_REQUIRE_CORRECT": "1"}
#: Of the caller's environment, these change what a run computes, so they enter the key.
INHERITED_SETTINGS = (
    "ATEN_CPU_CAPABILITY",
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
)
CELL_TIMEOUT = 600  # s; a lesson takes at most ~30 s in all
ANSI = re.compile(r"\x1b\[[0-9;]*m")


class NotebookFailed(RuntimeError):
    """A cell raised; the message names the notebook and the cell and holds the traceback."""


def solution_notebooks() -> list[Path]:
    """Every solution notebook, English first, then the Chinese edition if it exists."""
    return sorted(NOTEBOOKS.glob("solutions/*.ipynb")) + sorted(
        NOTEBOOKS.glob("zh/solutions/*.ipynb")
    )


def executed_path(notebook: Path) -> Path:
    """Where the executed copy of `notebook` (a file under notebooks/) is kept."""
    return EXECUTED / notebook.resolve().relative_to(NOTEBOOKS)


@cache
def environment_fingerprint() -> str:
    """Hash of the package's files, the versions and the settings that a run depends on."""
    digest = hashlib.sha256()
    for path in sorted(PACKAGE.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(PACKAGE)).encode() + b"\0" + path.read_bytes())
    versions = {name: _version(name) for name in PACKAGES}
    settings = {name: os.environ.get(name, "") for name in INHERITED_SETTINGS}
    digest.update(json.dumps([platform.python_version(), versions, settings, KERNEL_ENV]).encode())
    return digest.hexdigest()


def _version(distribution: str) -> str | None:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def cache_key(notebook: Path) -> str:
    """The key an executed copy of `notebook` must carry to be reused."""
    digest = hashlib.sha256(notebook.read_bytes())
    digest.update(environment_fingerprint().encode())
    return digest.hexdigest()[:32]


def cached(notebook: Path) -> Path | None:
    """The executed copy of `notebook` if its key is current, else None."""
    path = executed_path(notebook)
    if not path.exists():
        return None
    try:
        key = json.loads(path.read_text())["metadata"]["course"]["execution"]["key"]
    except (ValueError, KeyError):
        return None
    return path if key == cache_key(notebook) else None


def shown(path: Path) -> str:
    """A path as the messages show it: from the repository's root when inside it."""
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def socket_file_kernel_manager():
    """A KernelManager whose kernel talks over Unix socket files rather than TCP ports.

    With TCP, the manager picks free ports and the kernel binds them a moment later; two
    processes starting kernels at once (pytest-xdist workers) can pick the same port, and the
    second kernel dies before it replies ("Kernel died before replying to kernel_info", as in
    nbmake issue 129). Each kernel's socket files get a name of their own in the temporary
    folder, so they never collide. Windows has no such sockets and keeps TCP.
    """
    import tempfile
    import uuid

    from jupyter_client.manager import KernelManager
    from traitlets import default

    class SocketFileKernelManager(KernelManager):
        @default("transport")
        def _transport_default(self):
            return "tcp" if os.name == "nt" else "ipc"

        @default("ip")
        def _ip_default(self):
            if self.transport == "tcp":
                return "127.0.0.1"
            return os.path.join(tempfile.gettempdir(), f"course-kernel-{uuid.uuid4().hex[:12]}")

    return SocketFileKernelManager


def _kernel_manager_class():
    """Kernel managers that start this Python, whatever kernelspecs are installed (the same
    choice as nbval's --nbval-current-env). nbclient makes one per notebook and shuts its
    kernel down at the end."""
    import ipykernel.kernelspec
    from jupyter_client.kernelspec import KernelSpecManager
    from traitlets import default

    class ThisPython(KernelSpecManager):
        def get_kernel_spec(self, kernel_name):
            return self.kernel_spec_class(
                resource_dir=ipykernel.kernelspec.RESOURCES,
                **ipykernel.kernelspec.get_kernel_dict(),
            )

    class ThisPythonKernel(socket_file_kernel_manager()):
        @default("kernel_spec_manager")
        def _kernel_spec_manager_default(self):
            return ThisPython(data_dir=self.data_dir)

    return ThisPythonKernel


def failure_report(notebook: Path, executed: nbformat.NotebookNode) -> str:
    """Which cell raised, its source and its traceback (colour codes removed)."""
    code_cells = [c for c in executed.cells if c.cell_type == "code"]
    for number, cell in enumerate(code_cells, 1):
        errors = [o for o in cell.get("outputs", []) if o.output_type == "error"]
        if errors:
            traceback = ANSI.sub("", "\n".join(errors[0].traceback))
            return (
                f"{shown(notebook)}: cell {cell.get('id')} (code cell {number} of "
                f"{len(code_cells)}) raised {errors[0].ename}\n"
                f"----- source\n{cell.source}\n----- traceback\n{traceback}"
            )
    return f"{shown(notebook)}: the run failed outside a cell"


def execute(notebook: Path, force: bool = False) -> Path:
    """Run `notebook` (unless its executed copy is current) and return the executed copy."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    notebook = notebook.resolve()
    if not force and (path := cached(notebook)):
        return path
    nb = nbformat.read(notebook, as_version=4)
    env = {
        **os.environ,
        **KERNEL_ENV,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    client = NotebookClient(
        nb,
        kernel_manager_class=_kernel_manager_class(),
        timeout=CELL_TIMEOUT,
        resources={"metadata": {"path": str(notebook.parent)}},
    )
    start = time.perf_counter()
    try:
        client.execute(env=env)
    except CellExecutionError:
        raise NotebookFailed(failure_report(notebook, nb)) from None
    nb.metadata.setdefault("course", {})["execution"] = {
        "key": cache_key(notebook),
        "seconds": round(time.perf_counter() - start, 1),
    }
    path = executed_path(notebook)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".{os.getpid()}.partial")
    nbformat.write(nb, partial)
    partial.replace(path)  # atomic: a reader never sees half a notebook
    return path


def _execute_reporting(notebook: Path, force: bool) -> tuple[Path, str | None]:
    try:
        execute(notebook, force)
        return notebook, None
    except NotebookFailed as error:
        return notebook, str(error)


def execute_all(notebooks: list[Path], jobs: int = 2, force: bool = False) -> list[str]:
    """Execute the notebooks that need it, `jobs` at a time; the failure reports."""
    todo = [nb for nb in notebooks if force or not cached(nb)]
    for notebook in notebooks:
        if notebook not in todo:
            print(f"cached   {shown(notebook)}")
    failures = []
    with ProcessPoolExecutor(max_workers=max(1, jobs)) as pool:
        for notebook, failure in pool.map(_execute_reporting, todo, [force] * len(todo)):
            if failure:
                failures.append(failure)
                print(f"FAILED   {shown(notebook)}")
            else:
                course = json.loads(executed_path(notebook).read_text())["metadata"]["course"]
                print(f"executed {shown(notebook)}  ({course['execution']['seconds']} s)")
    return failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lessons", nargs="*", help="lesson numbers such as 04 (default: all)")
    parser.add_argument("--force", action="store_true", help="ignore the cache")
    parser.add_argument("--jobs", type=int, default=2, help="notebooks run at once (default 2)")
    args = parser.parse_args()
    notebooks = [
        nb for nb in solution_notebooks() if not args.lessons or nb.name[:2] in args.lessons
    ]
    failures = execute_all(notebooks, args.jobs, args.force)
    for failure in failures:
        print(f"\n{failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
