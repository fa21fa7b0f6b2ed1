"""Binder builds the course from binder/, with pip only, on top of Binder's own Jupyter.

mybinder.org builds an image with repo2docker. With a `binder/` folder, repo2docker reads only
the files in it: `runtime.txt` (the Python version), `requirements.txt` (installed with pip into
the environment that runs Jupyter) and `postBuild` (run once the repository is copied in). Its
base environment already holds JupyterLab, notebook and ipywidgets; a requirement that pins one
of them to another version makes pip downgrade it or fail (an `environment.yml` pinning
jupyterlab=4.2 did that here once: repo2docker's notebook 7.4.7 needs jupyterlab 4.4).

These tests run the repo2docker that `make test-binder` installs in `.venv-binder` (the pin is
REPO2DOCKER_SPEC in the Makefile) with `--no-build --debug`, which prints the Dockerfile it
would build without Docker, and check its steps. Then pip resolves binder/requirements.txt
(`--dry-run`) with every Python package of that base environment held at its version, from
the lock file the Dockerfile installs. PyTorch's CPU index is out of reach here and in CI:
that resolution takes torch's public version from PyPI or the local wheel, and a separate
test checks the torch line itself.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
BINDER = ROOT / "binder"
CPU_INDEX = "--extra-index-url https://download.pytorch.org/whl/cpu"


def repo2docker_venv() -> Path:
    """The venv holding repo2docker: $REPO2DOCKER_VENV (set by `make test-binder`) or .venv-binder.

    Where repo2docker is missing, the tests are skipped when run by hand, and fail under make.
    """
    venv = ROOT / os.environ.get("REPO2DOCKER_VENV", ".venv-binder")  # relative to ROOT
    if not (venv / "bin" / "repo2docker").exists():
        message = f"repo2docker is not installed in {venv}: run `make test-binder`"
        if "REPO2DOCKER_VENV" in os.environ:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return venv


@pytest.fixture(scope="module")
def repo2docker() -> subprocess.CompletedProcess:
    """`repo2docker --no-build --debug` on this repository: the Dockerfile on stdout, the log on
    stderr."""
    venv = repo2docker_venv()
    result = subprocess.run(
        [venv / "bin" / "repo2docker", "--no-build", "--debug", ROOT],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=venv,  # repo2docker reads a repo2docker_config.py from the working directory
    )
    assert result.returncode == 0, result.stderr
    return result


@pytest.fixture(scope="module")
def dockerfile(repo2docker) -> list[str]:
    """The Dockerfile's lines, comments dropped."""
    lines = repo2docker.stdout.splitlines()
    return [line for line in lines if line.strip() and not line.startswith("#")]


def runtime_python() -> str:
    """The Python version binder/runtime.txt asks for, "3.11" from "python-3.11"."""
    match = re.fullmatch(r"python-(\d+\.\d+)", (BINDER / "runtime.txt").read_text().strip())
    assert match, "binder/runtime.txt must hold one line python-X.Y"
    return match.group(1)


def unescape(name: str) -> str:
    """The path behind a build file's name in repo2docker's Dockerfile: `-2f` stands for '/'
    (and so on), and a 6-digit hash ends the name."""
    name = re.sub(r"-[0-9a-f]{6}$", "", name)
    return re.sub(r"-([0-9a-f]{2})", lambda m: chr(int(m.group(1), 16)), name)


def base_lock_file(dockerfile: list[str]) -> Path:
    """The conda lock file of the base environment the Dockerfile installs."""
    (line,) = [line for line in dockerfile if line.endswith(" /tmp/env/environment.lock")]
    return Path(unescape(line.split()[-2].removeprefix("build_script_files/")))


def base_environment(lock: Path) -> dict[str, str]:
    """Python packages of the base environment (name -> version), read from its lock file.

    Each line is a package's URL, .../name-version-build.conda; Python packages have a
    build string starting with "py" (pyhd8ed1ab_0, py311h...).
    """
    packages = {}
    for line in lock.read_text().splitlines():
        if line.startswith("https://"):
            filename = line.split("#")[0].rsplit("/", 1)[1]
            name, version, build = re.sub(r"\.(conda|tar\.bz2)$", "", filename).rsplit("-", 2)
            if build.startswith("py") and name != "python":
                packages[canonicalize_name(name)] = version
    return packages


def requirements(path: Path) -> dict[str, Requirement]:
    """The requirements of a pip requirements file (options and comments skipped)."""
    lines = (line.split("#")[0].strip() for line in path.read_text().splitlines())
    reqs = (Requirement(line) for line in lines if line and not line.startswith("-"))
    return {canonicalize_name(req.name): req for req in reqs}


def course_torch() -> str:
    """The torch version the course is tested with: TORCH_SPEC in the Makefile."""
    match = re.search(r"^TORCH_SPEC\s*\?=\s*torch==(\S+)$", (ROOT / "Makefile").read_text(), re.M)
    assert match, "the Makefile must set TORCH_SPEC ?= torch==X.Y.Z"
    return match.group(1)


def test_only_binder_folder_configures_binder():
    """repo2docker ignores the root's files once binder/ exists: none may sit there unread."""
    ignored = ["environment.yml", "postBuild", "runtime.txt", "apt.txt", "start", "Dockerfile"]
    assert [name for name in ignored if (ROOT / name).exists()] == []
    assert (BINDER / "requirements.txt").exists() and (BINDER / "runtime.txt").exists()
    assert not (ROOT / ".binder").exists(), "repo2docker refuses both binder/ and .binder/"


def test_dockerfile_uses_the_runtime_python(repo2docker, dockerfile):
    assert f"Building conda environment for python={runtime_python()}" in repo2docker.stderr
    lock = base_lock_file(dockerfile)
    assert lock.name == f"environment.py-{runtime_python()}-linux-64.lock"
    # One environment: the kernel's Python is the one Jupyter runs in, where pip installs.
    assert "ENV KERNEL_PYTHON_PREFIX=${NB_PYTHON_PREFIX}" in dockerfile


def test_dockerfile_installs_requirements_with_pip_before_copying_the_repository(dockerfile):
    """binder/requirements.txt is installed on its own, before the rest of the repository is
    copied in: the installed packages do not depend on the other files, so Docker can reuse
    them. A local reference in the file (-e ., -r ../requirements.txt) would undo that."""
    pip = '${KERNEL_PYTHON_PREFIX}/bin/pip install --no-cache-dir -r "binder/requirements.txt"'
    install = [i for i, line in enumerate(dockerfile) if line == f"RUN {pip}"]
    copy = [i for i, line in enumerate(dockerfile) if line.startswith("COPY --chown=0:0 src/ ")]
    assert len(install) == 1 and len(copy) == 1
    assert install[0] < copy[0]


def test_dockerfile_runs_post_build_after_copying_the_repository(dockerfile):
    copy = dockerfile.index("COPY --chown=0:0 src/ ${REPO_DIR}/")
    assert dockerfile.index("RUN ./binder/postBuild") > copy
    script = (BINDER / "postBuild").read_text()
    assert script.startswith("#!/bin/bash\n") and "set -e" in script
    assert "pip install --no-cache-dir --no-deps -e ." in script


def test_dockerfile_makes_no_conda_environment(dockerfile):
    """No second conda solve on top of the base environment (slow, and it may downgrade it)."""
    assert not [line for line in dockerfile if "env update" in line or "environment.yml" in line]


def test_torch_is_the_tested_cpu_build():
    """The CPU build of the version the course is tested with, from PyTorch's CPU index.

    `+cpu` names the build: only that index has it, so if the index were out of reach the
    install fails instead of falling back to PyPI's CUDA build (gigabytes).
    """
    lines = [line.strip() for line in (BINDER / "requirements.txt").read_text().splitlines()]
    assert CPU_INDEX in lines
    assert str(requirements(BINDER / "requirements.txt")["torch"]) == f"torch=={course_torch()}+cpu"


def test_every_course_requirement_is_met_on_binder(dockerfile):
    """Each requirement of the course (requirements.txt, and pyproject's, as postBuild installs
    with --no-deps) is in binder/requirements.txt with the same bounds, or met by the version
    Binder's base environment holds; binder/requirements.txt asks for nothing else."""
    base = base_environment(base_lock_file(dockerfile))
    binder = requirements(BINDER / "requirements.txt")
    course = requirements(ROOT / "requirements.txt")
    package = [Requirement(r) for r in importlib.metadata.requires("course_utils")]
    for req in [*course.values(), *(r for r in package if r.marker is None)]:
        name = canonicalize_name(req.name)
        if name in binder:
            pinned = binder[name].specifier
            pin = next(iter(pinned)) if len(pinned) == 1 else None
            exact = pin is not None and pin.operator == "==" and req.specifier.contains(pin.version)
            assert pinned == req.specifier or exact, (
                f"binder/requirements.txt asks for {binder[name]}, the course for {req}"
            )
        else:
            assert name in base, f"{req} is neither in binder/requirements.txt nor on Binder"
            assert req.specifier.contains(base[name]), f"Binder has {name} {base[name]}: {req}"
    assert set(binder) <= set(course)
    assert not set(binder) & set(base), "binder/requirements.txt re-pins a base package"


def test_requirements_resolve_against_binders_base_environment(dockerfile, tmp_path):
    """pip resolves binder/requirements.txt with the base environment's packages held at their
    versions: what Binder's pip install does, short of PyTorch's index (see the module's
    docstring). A pin that contradicts the base environment fails here."""
    base = base_environment(base_lock_file(dockerfile))
    constraints = tmp_path / "base.txt"
    constraints.write_text("".join(f"{name}=={version}\n" for name, version in base.items()))
    torch, report = course_torch(), tmp_path / "report.json"
    reachable = tmp_path / "requirements.txt"
    reachable.write_text(
        "".join(
            f"torch=={torch}\n" if line.startswith("torch==") else line + "\n"
            for line in (BINDER / "requirements.txt").read_text().splitlines()
            if line.strip() != CPU_INDEX
        )
    )
    pip = [sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed"]
    options = ["--only-binary=:all:", "--python-version", runtime_python(), "--report", report]
    result = subprocess.run(
        [*pip, *options, "-r", reachable, "-c", constraints],
        capture_output=True,
        text=True,
        timeout=300,
    )
    # On failure, pip's explanation of the conflict (without the warning this machine's pip
    # prints for each package about a local index)
    output = (result.stdout + result.stderr).splitlines()
    explanation = "\n".join(line for line in output if "' is ignored: " not in line)
    assert result.returncode == 0, explanation
    resolved = {
        canonicalize_name(item["metadata"]["name"]): item["metadata"]["version"]
        for item in json.loads(report.read_text())["install"]
    }
    assert Version(resolved["torch"]).public == torch
