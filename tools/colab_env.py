"""A second environment with Google Colab's versions, to run the notebooks and widget tests in.

Colab ships older widget and kernel packages than a fresh local install (ipywidgets 7.7.1,
IPython 7.34, ipykernel 6.17) and installs course_utils with `--no-deps` on top of them. This
script builds `.venv-colab` that way (once; a second run reuses it) and runs, inside it:

- the unit tests (the checkers, numerics and headless slider tests),
- every notebook of both versions under nbval (solutions with every checker required to pass).

    python tools/colab_env.py setup     build .venv-colab only
    python tools/colab_env.py test      build if needed, then run the tests
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV = ROOT / ".venv-colab"
PYTHON = VENV / "bin" / "python"
STAMP = VENV / ".colab-installed"

# Colab's runtime as of late 2025 (Python 3.12 there; 3.10+ here), and the test tools.
COLAB_PINS = [
    "ipywidgets==7.7.1",
    "ipykernel==6.17.1",
    "ipython==7.34.0",
    "jupyter-client==7.4.9",
    "numpy==2.0.2",
    "matplotlib==3.10.0",
    "tqdm==4.67.1",
    "torch==2.13.0",
]
TEST_TOOLS = ["pytest>=8", "pytest-xdist>=3.5", "nbval>=0.11", "nbformat>=5.9", "jupytext>=1.16"]


def run(*command: str | Path, env: dict[str, str] | None = None) -> None:
    print("+", " ".join(str(c) for c in command), flush=True)
    # ipykernel 6.17's debugger warns about frozen modules at every kernel start: silence it.
    quiet = {"PYDEVD_DISABLE_FILE_VALIDATION": "1"}
    subprocess.run(
        [str(c) for c in command], check=True, cwd=ROOT, env={**os.environ, **quiet, **(env or {})}
    )


def wanted() -> str:
    """A fingerprint of what the environment should hold (pins and the package source)."""
    package = sorted((ROOT / "course_utils").rglob("*.py"))
    digest = hashlib.sha256("\n".join(COLAB_PINS + TEST_TOOLS).encode())
    for path in package + [ROOT / "pyproject.toml"]:
        digest.update(path.read_bytes())
    return digest.hexdigest()


def setup() -> None:
    """Create .venv-colab with Colab's pins; install course_utils as Colab does (--no-deps)."""
    if STAMP.exists() and STAMP.read_text() == wanted():
        print("Colab-like environment is up to date.")
        return
    if not PYTHON.exists():
        run(sys.executable, "-m", "venv", VENV)
    run(PYTHON, "-m", "pip", "install", "--quiet", *COLAB_PINS, *TEST_TOOLS)
    # A regular (non-editable) install from the source tree, as Colab's set-up cell does
    # from the repository: this also proves every subpackage is included in the package.
    run(PYTHON, "-m", "pip", "install", "--quiet", "--no-deps", "--force-reinstall", ".")
    STAMP.write_text(wanted())


def test() -> None:
    """Unit tests and both notebook versions, inside the Colab-like environment."""
    setup()
    versions = (
        "import ipywidgets, IPython, ipykernel; print('ipywidgets', ipywidgets.__version__,"
        " '| IPython', IPython.__version__, '| ipykernel', ipykernel.__version__)"
    )
    run(PYTHON, "-c", versions)
    # The pytest script (not `python -m pytest`, which would put the source tree on sys.path)
    # makes the tests import the installed package, as a Colab kernel would.
    pytest = [VENV / "bin" / "pytest", "-q", "-n", "2", "-p", "no:cacheprovider"]
    nbval = ["--dist", "loadscope", "--nbval-lax", "--nbval-current-env"]
    # Slow training claims and wall-clock ratios run in the main environment only.
    run(*pytest, "-m", "not slow and not timing", "tests/unit")
    run(*pytest, *nbval, "notebooks/solutions", env={"COURSE_REQUIRE_CORRECT": "1"})
    run(*pytest, *nbval, *sorted(str(p.relative_to(ROOT)) for p in ROOT.glob("notebooks/*.ipynb")))


if __name__ == "__main__":
    commands = {"setup": setup, "test": test}
    if len(sys.argv) != 2 or sys.argv[1] not in commands:
        sys.exit(f"usage: {sys.argv[0]} setup|test")
    commands[sys.argv[1]]()
