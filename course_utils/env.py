"""Where is this notebook running, and will the course work here?

`check_environment()` (lesson 00) prints the versions that matter and flags the combinations
known to break the course, each with what to do. `require` turns a missing optional package
into one clear sentence instead of a traceback. `use_one_thread` applies the setting that
keeps small recurrent models fast on a 2-core CPU.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import os
import platform
import sys
from dataclasses import dataclass
from types import ModuleType

from course_utils.i18n import _

#: package -> (minimum version, what it is for)
REQUIREMENTS = {
    "numpy": ("1.24", _("all computations")),
    "matplotlib": ("3.7", _("every figure")),
    "ipywidgets": ("7.7", _("the sliders")),
    "torch": ("2.2", _("autograd checks and training (lessons 01 and 03-10)")),
}

CPU_TORCH = "pip install torch --index-url https://download.pytorch.org/whl/cpu"


@dataclass(frozen=True)
class Problem:
    """Something in this environment that will break part of the course, and the fix."""

    what: str
    fix: str


def in_colab() -> bool:
    """True inside Google Colab."""
    return "google.colab" in sys.modules


def version(package: str) -> str | None:
    """The installed version of a distribution, or None if it is not installed."""
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def _version_tuple(text: str) -> tuple[int, ...]:
    parts = []
    for piece in text.split("+")[0].split(".")[:3]:
        digits = "".join(c for c in piece if c.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)


def find_problems(versions: dict[str, str | None], colab: bool) -> list[Problem]:
    """The known-bad combinations among `versions` (package -> version or None)."""
    problems = []
    for package, (minimum, purpose) in REQUIREMENTS.items():
        found = versions.get(package)
        fix = CPU_TORCH if package == "torch" else f"pip install -U '{package}>={minimum}'"
        if found is None:
            what = _("{package} is missing (needed for {purpose})")
            problems.append(Problem(what.format(package=package, purpose=purpose), fix))
        elif _version_tuple(found) < _version_tuple(minimum):
            what = _("{package} {found} is older than {minimum} (needed for {purpose})")
            problems.append(
                Problem(
                    what.format(package=package, found=found, minimum=minimum, purpose=purpose),
                    fix,
                )
            )
    widgets_8 = versions.get("ipywidgets") and _version_tuple(versions["ipywidgets"]) >= (8,)
    if widgets_8 and not colab and versions.get("jupyterlab_widgets") is None:
        problems.append(
            Problem(
                _(
                    "jupyterlab_widgets is missing: sliders will show as text "
                    "('VBox(...)') in JupyterLab"
                ),
                _("pip install jupyterlab_widgets, then restart JupyterLab"),
            )
        )
    return problems


def installed_versions() -> dict[str, str | None]:
    """Versions of the packages the course depends on (None where missing)."""
    names = [
        *REQUIREMENTS,
        "jupyterlab",
        "jupyterlab_widgets",
        "ipykernel",
        "IPython",
        "course_utils",
    ]
    return {name: version(name) for name in names}


def check_environment() -> list[Problem]:
    """Print Python, platform and package versions, then each known problem with its fix.

    Returns the problems found (an empty list means all is well).
    """
    versions = installed_versions()
    where = "Google Colab" if in_colab() else platform.platform(terse=True)
    print(_("Python {version} on {where}").format(version=platform.python_version(), where=where))
    for name, found in versions.items():
        print(f"  {name:<20} {found or _('not installed')}")
    problems = find_problems(versions, in_colab())
    for problem in problems:
        print(_("⚠ {problem}.\n    Fix: {fix}").format(problem=problem.what, fix=problem.fix))
    if not problems:
        print(_("✅ Everything the course needs is here."))
    return problems


def require(module: str, purpose: str) -> ModuleType:
    """Import `module`, or raise ImportError saying what it is for and how to install it."""
    try:
        return importlib.import_module(module)
    except ImportError as error:
        fix = CPU_TORCH if module == "torch" else f"pip install {module}"
        raise ImportError(
            _(
                "{module} is needed for {purpose} but is not installed. Install it with:  {fix}"
            ).format(module=module, purpose=purpose, fix=fix)
        ) from error


def use_one_thread() -> None:
    """Run torch on one thread: on 2 cores, two threads made small RNNs 10-40x slower."""
    require("torch", _("this lesson")).set_num_threads(1)


def cpu_model() -> str:
    """The CPU's model name (from /proc/cpuinfo on Linux), or what the platform reports."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown CPU"


def machine() -> dict[str, str | int | None]:
    """What a measurement ran on: the CPU, its cores, and the kernels torch dispatches to.

    torch picks its CPU kernels by instruction set ("AVX2", "AVX512", or "DEFAULT" when the
    environment variable ATEN_CPU_CAPABILITY=default forces the portable ones); training
    runs round differently with each, so results and timings record it.
    """
    try:
        import torch

        capability, torch_version = torch.backends.cpu.get_cpu_capability(), torch.__version__
    except ImportError:
        capability = torch_version = None
    return {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "torch_cpu_capability": capability,
        "python": platform.python_version(),
        "numpy": version("numpy"),
        "torch": torch_version,
    }
