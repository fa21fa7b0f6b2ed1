"""The lesson pipeline: sources build, generated notebooks are current and well-formed."""

import json
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import build_notebooks as builder  # noqa: E402

LESSONS = builder.find_lessons()
NOTEBOOKS = sorted((ROOT / "notebooks").rglob("*.ipynb"))


def test_there_are_lessons_and_two_notebooks_each():
    assert LESSONS, "no lessons found"
    assert len(NOTEBOOKS) == 2 * len(LESSONS) * len(builder.editions())  # English, Chinese


def test_generated_files_are_up_to_date():
    stale = [str(p.relative_to(ROOT)) for p in builder.stale_files()]
    assert stale == [], f"run `make notebooks`: stale {stale}"


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.name)
def test_lesson_has_the_course_structure(lesson):
    exercise, solution = builder.build(lesson)
    assert builder.lesson_problems(exercise, lesson) == []
    assert builder.lesson_problems(solution, lesson) == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_notebook_is_committed_clean(path):
    notebook = json.loads(path.read_text())
    assert notebook["metadata"]["kernelspec"]["name"] == "python3"
    assert "widgets" not in notebook["metadata"]
    for cell in notebook["cells"]:
        assert "BEGIN SOLUTION" not in "".join(cell["source"])
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.name)
def test_exercise_version_differs_from_solution_only_inside_stubs(lesson):
    exercise, solution = builder.build(lesson)
    assert len(exercise.cells) == len(solution.cells)
    for ex_cell, sol_cell in zip(exercise.cells, solution.cells, strict=True):
        if ex_cell.cell_type == "markdown":  # links from solutions/ climb one folder more
            assert ex_cell.source == sol_cell.source.replace("../../", "../")
        elif ex_cell.source != sol_cell.source:
            assert "# YOUR CODE HERE" in ex_cell.source
            outside = [ln for ln in ex_cell.source.splitlines() if ln.strip() != "# YOUR CODE HERE"]
            assert all(
                ln in sol_cell.source.splitlines()
                or "NotImplementedError" in ln
                or ln.strip().endswith("= ...")
                for ln in outside
            )


LINK = re.compile(r"\]\(([^)\s]+)\)")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve(path):
    """Links between lessons (and to the benchmark table) reach a file, from either folder."""
    notebook = json.loads(path.read_text())
    markdown = "\n".join(
        "".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "markdown"
    )
    targets = [t for t in LINK.findall(markdown) if not re.match(r"[a-z]+:", t)]
    assert targets, "expected at least the benchmark link"
    missing = [t for t in targets if not (path.parent / t.split("#")[0]).exists()]
    assert missing == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_mention_of_a_lesson_is_a_link(path):
    notebook = json.loads(path.read_text())
    for cell in notebook["cells"]:
        if cell["cell_type"] == "markdown":
            text = "".join(cell["source"])
            assert builder.link_lessons(text, builder.lesson_names()) == text
            unlinked = builder.LESSON_MENTION.findall(text)
            assert unlinked == [], f"mentions of lessons that do not exist: {unlinked}"


def test_lesson_mentions_become_links():
    names = {"03": "03_rnn", "05": "05_lstm", "06": "06_long"}
    assert builder.link_lessons("see lesson 03.", names) == "see [lesson 03](03_rnn.ipynb)."
    assert builder.link_lessons("Lessons 05 and 06", names) == (
        "Lessons [05](05_lstm.ipynb) and [06](06_long.ipynb)"
    )
    linked = "[lesson 06](06_long.ipynb)"
    assert builder.link_lessons(linked, names) == linked
    assert builder.link_lessons("lesson 12", names) == "lesson 12"


def test_split_solution_default_and_custom_stubs():
    source = "def f(x):\n    # BEGIN SOLUTION\n    return 2 * x\n    # END SOLUTION\n"
    exercise, solution = builder.split_solution(source, "test")
    assert solution == "def f(x):\n    return 2 * x"
    assert exercise.splitlines() == [
        "def f(x):",
        "    # YOUR CODE HERE",
        "    " + builder.DEFAULT_STUB,
    ]
    custom = "# BEGIN SOLUTION (stub: guess = ...)\nguess = 3e-9\n# END SOLUTION"
    assert builder.split_solution(custom, "test")[0] == "# YOUR CODE HERE\nguess = ..."


@pytest.mark.parametrize(
    "source, message",
    [
        ("# BEGIN SOLUTION\nx = 1", "never closed"),
        ("x = 1\n# END SOLUTION", "END SOLUTION without BEGIN"),
        ("# BEGIN SOLUTION\n# BEGIN SOLUTION\n# END SOLUTION", "inside a solution"),
    ],
)
def test_split_solution_rejects_unbalanced_markers(source, message):
    with pytest.raises(builder.LessonError, match=message):
        builder.split_solution(source, "test")


def test_lesson_numbers_must_be_contiguous(tmp_path, monkeypatch):
    for name in ("00_a.py", "02_b.py"):
        (tmp_path / name).write_text("# %% [markdown]\n# # title\n")
    monkeypatch.setattr(builder, "LESSONS", tmp_path)
    with pytest.raises(builder.LessonError, match="without gaps or repeats"):
        builder.find_lessons()
    (tmp_path / "02_b.py").rename(tmp_path / "00_b.py")
    with pytest.raises(builder.LessonError, match="without gaps or repeats"):
        builder.find_lessons()


def test_missing_structure_is_reported():
    lesson = builder.Lesson(ROOT / "lessons" / "07_missing.py")
    import nbformat

    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# 07 · T")])
    problems = builder.lesson_problems(notebook, lesson)
    assert "no set-up cell" in problems
    assert any("What you will learn" in p for p in problems)
    assert any("one-line" in p for p in problems)


def test_every_notebook_starts_with_badges_and_setup_cell():
    for path in NOTEBOOKS:
        cells = json.loads(path.read_text())["cells"]
        assert "colab.research.google.com" in "".join(cells[1]["source"])
        assert "".join(cells[2]["source"]).startswith(builder.SETUP_MARKER)


def test_badges_point_at_each_notebook_from_the_one_repository_setting():
    from course_utils import links

    for lesson in LESSONS:
        exercise, _ = builder.build(lesson)
        badge_cell = exercise.cells[1].source
        path = f"notebooks/{lesson.name}.ipynb"
        assert links.colab_url(path) in badge_cell and links.binder_url(path) in badge_cell


def test_setup_cell_installs_from_the_repository_on_colab_only(monkeypatch):
    import subprocess
    import types

    calls = []
    monkeypatch.setattr(subprocess, "run", lambda cmd, check: calls.append(cmd))
    exec(builder.SETUP_CELL, {})
    assert calls == []  # locally: nothing to install
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    exec(builder.SETUP_CELL, {})
    (command,) = calls
    assert command[1:5] == ["-m", "pip", "install", "--quiet"] and "--no-deps" in command
    from course_utils import links

    assert command[-1] == links.pip_url()


def test_setup_cell_explains_a_missing_course_utils(monkeypatch):
    monkeypatch.setitem(sys.modules, "course_utils", None)  # makes the import fail
    with pytest.raises(ModuleNotFoundError, match="run `make lab`"):
        exec(builder.SETUP_CELL, {})


def test_learn_bullets_are_counted_even_when_they_wrap():
    import nbformat

    lesson = builder.Lesson(ROOT / "lessons" / "07_missing.py")
    bullets = "\n".join(f"- point {i}\n  continues here" for i in range(6))
    text = f"# 07 · T\n\n> s\n\n## What you will learn\n\n{bullets}\n"
    cell = nbformat.v4.new_markdown_cell(text)
    problems = builder.lesson_problems(nbformat.v4.new_notebook(cells=[cell]), lesson)
    assert "'What you will learn' should list 3 to 5 bullets, not 6" in problems


def test_summary_that_wraps_is_joined_for_the_course_map():
    cell = "# 01 · T\n\n> first half,\n> second half.\n\nBody."
    assert builder.one_line_summary(cell) == "first half, second half."
