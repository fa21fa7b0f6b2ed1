"""A second environment with Google Colab's versions, to run the notebooks and widget tests in.

Colab ships older widget and kernel packages than a fresh local install (ipywidgets 7.7.1,
IPython 7.34, ipykernel 6.17, traitlets 5.7) and the notebooks' set-up cell installs
course_utils with `--no-deps` on top of them. This script builds `.venv-colab` that way (once;
a second run reuses it, and rebuilds it when the pins change) and runs, inside it:

- the unit tests (the checkers, numerics and headless slider tests),
- the solution notebooks under nbval, with every checker required to pass (they run every cell
  the exercise notebooks run, and every checker on a right answer).

    python tools/colab_env.py setup     build .venv-colab only
    python tools/colab_env.py test      build if needed, then run the tests

What it matches: COLAB_PINS hold, for every package the notebooks' kernel, widgets and figures
run on, the version in Colab's published package list (pip-freeze.txt of
https://github.com/googlecolab/backend-info, at its commit "Upgrade to Python 3.13" of
2026-08-19). Packages the notebooks do not touch resolve freely.

What it cannot match, and why:

- Python: Colab runs 3.13; `.venv-colab` gets the Python that runs this script (3.11 on the
  course's machines and in CI). The only CPU-only torch wheel these machines can install lies
  on their disk and is built for CPython 3.11: PyTorch's own index, which serves the CPU builds,
  is out of reach, and PyPI's torch for Linux is the CUDA build (a 530 MB wheel that pulls
  several GB of NVIDIA libraries).
- torch: Colab runs 2.11.0 (its CPU build); this installs 2.13.0, the version the course is
  tested with (TORCH_SPEC in the Makefile) and the CPU build on disk. PyPI serves 2.11.0 for
  Linux only as the CUDA build. The course declares torch>=2.2 and calls no torch function or
  argument newer than that, so Colab's 2.11 is among the versions it supports, though not the
  one tested here.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV = ROOT / ".venv-colab"
PYTHON = VENV / "bin" / "python"
PINS_STAMP = VENV / ".colab-pins"
PACKAGE_STAMP = VENV / ".colab-installed"

# Colab's versions (see the module's docstring for the source and the date).
COLAB_PINS = [
    # widgets (ipywidgets 7 pulls in widgetsnbextension, which pulls in the classic notebook)
    "ipywidgets==7.7.1",
    "widgetsnbextension==3.6.10",
    "jupyterlab-widgets==3.0.16",
    "notebook==6.5.7",
    # the kernel
    "ipykernel==6.17.1",
    "ipython==7.34.0",
    "jupyter-client==7.4.9",
    "jupyter-core==5.9.1",
    "traitlets==5.7.1",
    "tornado==6.5.7",
    "pyzmq==26.2.1",
    "nbformat==5.11.1",
    # numerics and figures
    "numpy==2.1.3",
    "matplotlib==3.10.0",
    "matplotlib-inline==0.2.2",
    "pillow==11.3.0",
    "tqdm==4.67.3",
]
# Colab: torch 2.11.0 (CPU build) on Python 3.13, which these machines cannot install (see
# above); the version the course is tested with instead (TORCH_SPEC in the Makefile).
TORCH = "torch==2.13.0"
TEST_TOOLS = [
    "pytest>=8",
    "pytest-xdist>=3.5",
    "nbval>=0.11",
    "nbformat>=5.9",
    "jupytext>=1.16",
    "babel>=2.12",
]


def run(*command: str | Path, env: dict[str, str] | None = None) -> None:
    print("+", " ".join(str(c) for c in command), flush=True)
    # ipykernel 6.17's debugger warns about frozen modules at every kernel start: silence it.
    quiet = {"PYDEVD_DISABLE_FILE_VALIDATION": "1"}
    subprocess.run(
        [str(c) for c in command], check=True, cwd=ROOT, env={**os.environ, **quiet, **(env or {})}
    )


def package_fingerprint() -> str:
    """A fingerprint of course_utils (its code, shipped results and translations), to
    reinstall it when it changes."""
    digest = hashlib.sha256()
    package = [p for p in (ROOT / "course_utils").rglob("*") if p.is_file() and p.suffix != ".pyc"]
    for path in [*sorted(package), ROOT / "pyproject.toml"]:
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def setup() -> None:
    """Create .venv-colab with Colab's pins; install course_utils as Colab does (--no-deps)."""
    pins = "\n".join([sys.version, *COLAB_PINS, TORCH, *TEST_TOOLS])
    if not (PINS_STAMP.exists() and PINS_STAMP.read_text() == pins):
        # From scratch: packages a former pin pulled in would otherwise stay.
        shutil.rmtree(VENV, ignore_errors=True)
        run(sys.executable, "-m", "venv", VENV)
        run(PYTHON, "-m", "pip", "install", "--quiet", *COLAB_PINS, TORCH, *TEST_TOOLS)
        PINS_STAMP.write_text(pins)
    if PACKAGE_STAMP.exists() and PACKAGE_STAMP.read_text() == package_fingerprint():
        print("Colab-like environment is up to date.")
        return
    # A regular (non-editable) install from the source tree, as Colab's set-up cell does
    # from the repository: this also proves every subpackage is included in the package.
    run(PYTHON, "-m", "pip", "install", "--quiet", "--no-deps", "--force-reinstall", ".")
    PACKAGE_STAMP.write_text(package_fingerprint())


def test() -> None:
    """Unit tests and the solution notebooks, inside the Colab-like environment."""
    setup()
    versions = (
        "import platform, ipywidgets, IPython, ipykernel, traitlets, numpy, torch;"
        "print('Python', platform.python_version(), '| ipywidgets', ipywidgets.__version__,"
        " '| IPython', IPython.__version__, '| ipykernel', ipykernel.__version__,"
        " '| traitlets', traitlets.__version__, '| numpy', numpy.__version__,"
        " '| torch', torch.__version__, '(Colab: Python 3.13, torch 2.11.0)')"
    )
    run(PYTHON, "-c", versions)
    # The pytest script (not `python -m pytest`, which would put the source tree on sys.path)
    # makes the tests import the installed package, as a Colab kernel would.
    pytest = [VENV / "bin" / "pytest", "-q", "-n", "2", "-p", "no:cacheprovider"]
    nbval = ["--dist", "loadscope", "--nbval-lax", "--nbval-current-env"]
    # Training claims, slow tests and wall-clock ratios run in the main environment (and on a
    # second CPU); what Colab's versions could break is the code the notebooks run, the widgets
    # and the checkers. The solution notebooks run every cell the exercise notebooks do (the
    # stubs aside, which the main environment and the browser test run) plus every checker.
    run(*pytest, "-m", "not slow and not timing and not training", "tests/unit")
    run(*pytest, *nbval, "notebooks/solutions", env={"COURSE_REQUIRE_CORRECT": "1"})


if __name__ == "__main__":
    commands = {"setup": setup, "test": test}
    if len(sys.argv) != 2 or sys.argv[1] not in commands:
        sys.exit(f"usage: {sys.argv[0]} setup|test")
    commands[sys.argv[1]]()
