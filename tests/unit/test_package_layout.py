"""The package's layout rule (course_utils/__init__.py): concept modules import no lesson's
module; a lesson's module and its checkers import no other lesson's module."""

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "course_utils"
LESSON_MODULE = re.compile(r"course_utils\.(lessons|exercises)\.lesson(\d\d)$")


def imported_modules(path: Path) -> set[str]:
    """Every course_utils module a file imports (``from course_utils.lessons import lesson06``
    counts as ``course_utils.lessons.lesson06``)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return {m for m in found if m.startswith("course_utils")}


def lesson_of(module: str) -> str | None:
    match = LESSON_MODULE.match(module)
    return match.group(2) if match else None


FILES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_follow_the_layout(path):
    module = ".".join(("course_utils", *path.relative_to(PACKAGE).with_suffix("").parts))
    own = lesson_of(module)
    for imported in imported_modules(path):
        other = lesson_of(imported)
        if other is None:
            continue
        assert own is not None, f"concept module {module} imports a lesson's module, {imported}"
        assert other == own, f"{module} imports another lesson's module, {imported}"


def test_the_rule_catches_a_cross_lesson_import(tmp_path):
    path = tmp_path / "lesson09.py"
    path.write_text("from course_utils.lessons import lesson06\n")
    assert lesson_of("course_utils.lessons.lesson09") == "09"
    assert {lesson_of(m) for m in imported_modules(path)} == {"06", None}


SOURCES = sorted((PACKAGE.parent / "lessons").glob("[0-9][0-9]_*.py"))


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.stem[:2])
def test_a_lesson_imports_only_its_own_lesson_modules(path):
    others = {lesson_of(m) for m in imported_modules(path)} - {None, path.stem[:2]}
    assert not others, f"{path.name} imports the modules of lesson(s) {sorted(others)}"
