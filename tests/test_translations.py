"""Translations of the lessons: cut into segments and put back together, kept in step with the
English, checked for what they must keep, and built into the Chinese edition.

The last test is the one a translator meets: every English segment of every lesson needs a
current, faithful translation in locale/zh/, and each Chinese notebook the lesson structure
with the Chinese headings. Until locale/zh/ exists it runs on a temporary copy of the
repository whose lessons 00 to 03 a script "translates" (each segment's English kept, with a
mark and the glossary's Chinese added), so that the check itself is exercised on every run;
the test's id says which it ran on.
"""

import collections
import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import jupytext
import pytest

from course_utils import i18n
from course_utils.glossary import GLOSSARY
from course_utils.i18n import Entry

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import build_notebooks as builder  # noqa: E402
import translations  # noqa: E402

# ----------------------------------------------------------------------------- segments

CELL = """## A heading
that wraps

A paragraph that
wraps, with $x_1$ and `code`.

- first item
  continues
- second item

| a | b |
|---|---|
| 1 | 2 |

$$
x = 1
$$

```python
a = 1

b = 2
```

> **Myth** (the article): "quoted"
> on two lines.
>
> **Fact**: true."""


def test_a_cell_is_cut_into_segments_and_verbatim_pieces():
    assert translations.segments(CELL) == [
        "A heading that wraps",
        "A paragraph that wraps, with $x_1$ and `code`.",
        "first item continues",
        "second item",
        "| a | b |\n|---|---|\n| 1 | 2 |",
        '**Myth** (the article): "quoted" on two lines.',
        "**Fact**: true.",
    ]
    kept = [p.text for p in translations.pieces(CELL) if not p.translate and p.text]
    assert kept == ["$$\nx = 1\n$$", "```python\na = 1\n\nb = 2\n```"]


def test_translated_segments_go_back_in_place():
    chinese = {
        "A heading that wraps": "一个标题",
        "first item continues": "第一项",
        "| a | b |\n|---|---|\n| 1 | 2 |": "| 甲 | 乙 |\n|---|---|\n| 1 | 2 |",
        "**Fact**: true.": "**事实**：成立。\n第二行。",
    }
    assert translations.assemble(CELL, lambda english: chinese.get(english, english)) == (
        "## 一个标题\n\nA paragraph that wraps, with $x_1$ and `code`.\n\n- 第一项\n- second item"
        "\n\n| 甲 | 乙 |\n|---|---|\n| 1 | 2 |\n\n$$\nx = 1\n$$\n\n```python\na = 1\n\nb = 2\n```"
        '\n\n> **Myth** (the article): "quoted" on two lines.\n>\n> **事实**：成立。\n> 第二行。'
    )


VERBATIM = re.compile(r"^(?:> ?)?```.*?^(?:> ?)?```|^(?:> ?)?\$\$.*?\$\$$", re.M | re.S)


def _words(markdown: str, quoted: bool | None = None) -> list[str]:
    """The words of `markdown` without the "> " of boxes (only a box's, or only the rest's)."""
    lines = markdown.split("\n")
    if quoted is not None:
        lines = [line for line in lines if line.startswith(">") == quoted]
    return " ".join(re.sub(r"^> ?", "", line) for line in lines).split()


def _blank_lines(markdown: str) -> int:
    return sum(not re.sub(r"^>", "", line).strip() for line in markdown.split("\n"))


def _markdown_cells(source: Path) -> list[str]:
    notebook = jupytext.read(source, fmt="py:percent")
    return [cell.source for cell in notebook.cells if cell.cell_type == "markdown"]


@pytest.mark.parametrize("source", translations.lesson_sources(), ids=lambda p: p.stem)
def test_every_lesson_survives_being_cut_and_put_back(source):
    """Up to the re-wrapping of paragraphs: the same words, inside and outside the boxes, the
    same blank lines, and code blocks and $$ formulas exactly as they were."""
    for markdown in _markdown_cells(source):
        rebuilt = translations.assemble(markdown, lambda english: english)
        assert _words(rebuilt, quoted=True) == _words(markdown, quoted=True)
        assert _words(rebuilt, quoted=False) == _words(markdown, quoted=False)
        assert _blank_lines(rebuilt) == _blank_lines(markdown)
        for block in VERBATIM.findall(markdown):
            assert block in rebuilt
        for segment in translations.segments(markdown):
            assert segment and segment == segment.strip()
            assert "\n" not in segment or segment.startswith("|")  # only a table keeps its rows


# ----------------------------------------------------------------------------- merge


def test_update_keeps_translations_and_offers_the_old_one_for_changed_english():
    old = {
        "Kept as it was.": Entry("Kept as it was.", "原样保留。"),
        "The RNN forgets after 20 steps.": Entry(
            "The RNN forgets after 20 steps.", "RNN 20 步后遗忘。"
        ),
        "Nothing like any new text at all.": Entry("Nothing like any new text at all.", "删去。"),
        "Never translated.": Entry("Never translated."),
    }
    found = [
        ("a.py, markdown cell 1", "Kept as it was."),
        ("a.py, markdown cell 2", "A new paragraph."),
        ("a.py, markdown cell 3", "The RNN forgets after 30 steps."),
        ("a.py, markdown cell 4", "Kept as it was."),
    ]
    kept, new, changed = translations.merge(found, old)  # one entry per English text
    assert kept == Entry(
        "Kept as it was.", "原样保留。", comments=["a.py, markdown cell 1", "a.py, markdown cell 4"]
    )
    assert new == Entry("A new paragraph.", comments=["a.py, markdown cell 2"])
    assert changed == Entry(
        "The RNN forgets after 30 steps.",
        "RNN 20 步后遗忘。",
        comments=["a.py, markdown cell 3"],
        fuzzy=True,
        previous="The RNN forgets after 20 steps.",
    )
    # Changed again before anyone looked: still "translated from" the first English.
    again = translations.merge([("a.py, markdown cell 3", "The RNN forgets after 40 steps.")],
                               {changed.msgid: changed})  # fmt: skip
    assert again[0].previous == "The RNN forgets after 20 steps." and again[0].fuzzy


# ----------------------------------------------------------------------------- what is checked

ENGLISH = (
    "At step 40 the **vanishing gradient** (梯度消失) reaches 1e-7: see `np.exp`, "
    "$\\sigma'(x) \\le 1/4$ and [lesson 03](03_rnn_and_bptt.ipynb); the LSTM {lstm} at {final:.1%}."
)
FAITHFUL = (
    "第 40 步时**梯度消失**达到 1e-7：见 `np.exp`、$\\sigma'(x) \\le 1/4$ 和"
    "[第 03 课](03_rnn_and_bptt.ipynb)；LSTM {lstm}，最终 {final:.1%}。"
)


def test_a_faithful_translation_has_no_problem():
    assert translations.entry_problems(ENGLISH, Entry(ENGLISH, FAITHFUL)) == []


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        (None, "no translation"),
        (Entry(ENGLISH), "no translation"),
        (Entry(ENGLISH, FAITHFUL, fuzzy=True), "the English changed since it was translated"),
        (Entry(ENGLISH, FAITHFUL.replace("第 40 步", "第 4 步")), "missing '40'"),
        (Entry(ENGLISH, FAITHFUL.replace("1/4", "0.25")), 'missing "$\\\\sigma\'(x) \\\\le 1/4$"'),
        (Entry(ENGLISH, FAITHFUL.replace("`np.exp`", "np.exp")), "missing '`np.exp`'"),
        (Entry(ENGLISH, FAITHFUL.replace("(03_rnn", "(04_rnn")), "missing '03_rnn_and_bptt"),
        (Entry(ENGLISH, FAITHFUL.replace("{lstm}", "")), "missing '{lstm}'"),
        (Entry(ENGLISH, FAITHFUL.replace(".1%}", ".0%}")), "missing '{final:.1%}'"),
        (
            Entry(ENGLISH, FAITHFUL.replace("梯度消失", "梯度弥散")),
            "the glossary's Chinese for 'vanishing gradient' is 梯度消失",
        ),
    ],
    ids=["none", "empty", "fuzzy", "number", "formula", "code", "link", "field", "format", "term"],
)
def test_each_kind_of_problem_is_named(entry, problem):
    problems = translations.entry_problems(ENGLISH, entry)
    assert len(problems) == 1 and problem in problems[0]


def test_a_number_said_twice_is_needed_twice():
    assert translations.entry_problems("1 and 1", Entry("1 and 1", "1 和")) == [
        "missing '1' from the English"
    ]


# ----------------------------------------------------------------------------- a copy of the repo

COPIED = ("00", "01", "02", "03")
ZH_HEADINGS = {en[3:]: zh[3:] for en, zh in builder.ZH_HEADINGS.items()}


def copy_repository(destination: Path) -> Path:
    """The course's sources, tools and package, with lessons 00 to 03 only."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.po")
    for folder in ("course_utils", "tools", "benchmarks"):
        shutil.copytree(ROOT / folder, destination / folder, ignore=ignore)
    (destination / "lessons").mkdir()
    for number in COPIED:
        (source,) = (ROOT / "lessons").glob(f"{number}_*.py")
        shutil.copy(source, destination / "lessons")
    for readme in (builder.README, builder.README_ZH):
        shutil.copy(readme, destination)
    return destination


@contextlib.contextmanager
def at(root: Path):
    """The translation tools and the builder working on the repository at `root`."""
    with pytest.MonkeyPatch.context() as patch:
        for module in (translations, builder):
            patch.setattr(module, "ROOT", root)
            patch.setattr(module, "LESSONS", root / "lessons")
        patch.setattr(translations, "LOCALE", root / "locale")
        patch.setattr(translations, "PACKAGE", root / "course_utils")
        patch.setattr(i18n, "LOCALE", root / "course_utils" / "locale")
        patch.setattr(builder, "NOTEBOOKS", root / "notebooks")
        patch.setattr(builder, "SOLUTIONS", root / "notebooks" / "solutions")
        patch.setattr(builder, "README", root / "README.md")
        patch.setattr(builder, "README_ZH", root / "README.zh-CN.md")
        patch.setattr(builder, "BENCHMARK_JSON", root / "benchmarks" / "results.json")
        yield root


def run(root: Path, *command: str) -> subprocess.CompletedProcess:
    """A command run in the copy at `root` (a tool there imports the copy's course_utils)."""
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run(
        [sys.executable, *command], cwd=root, capture_output=True, text=True, env=environment
    )


def faithful(english: str) -> str:
    """A stand-in translation that keeps everything a translation must keep."""
    if english in ZH_HEADINGS:
        return ZH_HEADINGS[english]
    terms = [t.chinese for t in GLOSSARY if f"**{t.english.lower()}**" in english.lower()]
    return english + " 〔译〕" + " ".join(terms)


def set_translation(path: Path, english: str, chinese: str | None = None) -> None:
    """A translator's edit: `english`'s entry gets `chinese` (by default, its stand-in
    translation), confirmed (not fuzzy)."""
    entries = i18n.read_po(path.read_text(encoding="utf-8"))
    (entry,) = [e for e in entries if e.msgid == english]
    entry.msgstr, entry.fuzzy, entry.previous = chinese or faithful(english), False, ""
    path.write_text(i18n.write_po(entries, translations.HEADER), encoding="utf-8")


def catalogues(root: Path) -> list[Path]:
    return [*sorted((root / "locale" / "zh").glob("*.po")), root / "course_utils/locale/zh.po"]


@pytest.fixture(scope="module")
def translated_copy(tmp_path_factory) -> Path:
    """A copy whose lessons and code messages all have stand-in translations. Its PO files
    are made by the command translators run (`make translations`)."""
    root = copy_repository(tmp_path_factory.mktemp("translated") / "repo")
    update = run(root, "tools/translations.py", "update")
    assert update.returncode == 0, update.stderr
    assert sorted(update.stdout.split("\n"))[1:] == [
        f"wrote {p.relative_to(root)}" for p in sorted(catalogues(root))
    ]
    for path in catalogues(root):
        for entry in i18n.read_po(path.read_text(encoding="utf-8")):
            set_translation(path, entry.msgid)
    return root


@pytest.fixture
def translated(translated_copy, tmp_path):
    """A fresh copy of `translated_copy`, for one test to change; the tools work on it."""
    with at(Path(shutil.copytree(translated_copy, tmp_path / "repo"))) as root:
        yield root


# ----------------------------------------------------------------------------- the translation test


def assert_translated() -> None:
    """Fails, naming the lesson, the cell and the paragraph, for every English segment without
    a current, faithful translation, and every Chinese notebook without the lesson structure
    (its headings in Chinese)."""
    problems = translations.problems("zh")
    for lesson in builder.find_lessons():
        _, solution = builder.build(lesson, "zh")
        for problem in builder.lesson_problems(solution, lesson, "zh"):
            problems.append(f"{lesson.source.name}: the Chinese notebook: {problem}")
    per_file = collections.Counter(re.split(r"[,:]", line)[0] for line in problems)
    summary = ", ".join(f"{name} ({count})" for name, count in sorted(per_file.items()))
    assert not problems, (
        f"{len(problems)} translation problem(s) in {summary}; run `make translations`, then "
        "translate or confirm these entries:\n" + "\n".join(problems)
    )


TRANSLATED = (ROOT / "locale" / "zh").is_dir()


@pytest.mark.parametrize(
    "where", ["repository" if TRANSLATED else "copy with stand-in translations (no locale/zh)"]
)
def test_every_english_segment_has_a_current_faithful_translation(where, request):
    if TRANSLATED:
        assert_translated()
    else:
        with at(request.getfixturevalue("translated_copy")):
            assert_translated()


def test_the_command_line_reports_what_is_left(translated_copy):
    status = run(translated_copy, "tools/translations.py", "status")
    assert (status.returncode, status.stdout) == (0, "0 problem(s)\n")


def _paragraph(root: Path, lesson: str) -> str:
    """The first paragraph of a lesson's prose long enough to change a sentence in."""
    (source,) = (root / "lessons").glob(f"{lesson}_*.py")
    pieces = [p for cell in _markdown_cells(source) for p in translations.pieces(cell)]
    return next(p.text for p in pieces if p.translate and not p.prefix and len(p.text) > 80)


def test_changing_one_english_sentence_fails_the_test_until_its_entry_is_updated(translated):
    assert_translated()
    english = _paragraph(translated, "00")
    source = next((translated / "lessons").glob("00_*.py"))
    words = " ".join(english.split()[:4])
    text = source.read_text(encoding="utf-8")
    assert text.count(words) == 1
    source.write_text(text.replace(words, words + " (now changed)"), encoding="utf-8")
    changed = english.replace(words, words + " (now changed)")

    with pytest.raises(AssertionError) as failure:
        assert_translated()
    message = str(failure.value)
    assert "1 translation problem(s) in 00_start_here.py (1)" in message
    assert re.search(r"00_start_here\.py, markdown cell \d+: no translation in ", message)
    assert changed[:60] in message

    translations.update()  # `make translations`: the old translation, marked fuzzy
    po = translated / "locale" / "zh" / "00_start_here.po"
    (entry,) = [e for e in i18n.read_po(po.read_text(encoding="utf-8")) if e.msgid == changed]
    assert entry.fuzzy and entry.previous == english and entry.msgstr == faithful(english)
    with pytest.raises(AssertionError, match="English changed since it was translated"):
        assert_translated()

    set_translation(po, changed)  # the translator confirms
    assert_translated()


def test_the_chinese_notebook_needs_the_chinese_headings(translated):
    set_translation(translated / "locale/zh/01_activations_and_derivatives.po", "Summary", "总结")
    with pytest.raises(AssertionError) as failure:
        assert_translated()
    problem = "01_activations_and_derivatives.py: the Chinese notebook: missing heading '## 小结'"
    assert problem in str(failure.value)


def test_the_chinese_edition_is_built_beside_the_english(tmp_path, monkeypatch, capsys):
    with at(copy_repository(tmp_path / "repo")) as root:
        translations.update()
        po = root / "locale" / "zh" / "00_start_here.po"
        lesson00 = [e.msgid for e in i18n.read_po(po.read_text(encoding="utf-8"))]
        paragraph = _paragraph(root, "00")
        set_translation(po, "00 · Start here", "00 · 从这里开始")
        set_translation(po, "What you will learn", "学习目标")
        set_translation(po, paragraph, "第一段的译文，见第 03 课。")
        untranslated = next(
            m for m in lesson00 if m != paragraph and re.search(r"lesson 0[1-3]", m)
        )
        monkeypatch.setattr(sys, "argv", ["build_notebooks.py"])
        assert builder.main() == 0
        assert builder.stale_files() == []
        names = builder.lesson_names()
        assert sorted(names) == list(COPIED)

    for number in COPIED:
        for folder in (
            "notebooks",
            "notebooks/solutions",
            "notebooks/zh",
            "notebooks/zh/solutions",
        ):
            assert len(list((root / folder).glob(f"{number}_*.ipynb"))) == 1
    for version in ("", "solutions/"):
        english = json.loads((root / f"notebooks/{version}00_start_here.ipynb").read_text())
        chinese = json.loads((root / f"notebooks/zh/{version}00_start_here.ipynb").read_text())
        assert chinese["metadata"]["course"]["language"] == "zh"
        assert [c["id"] for c in chinese["cells"]] == [c["id"] for c in english["cells"]]
        pairs = list(zip(english["cells"], chinese["cells"], strict=True))
        assert all(e["cell_type"] == z["cell_type"] for e, z in pairs)
        code = [("".join(e["source"]), "".join(z["source"])) for e, z in pairs
                if e["cell_type"] == "code"]  # fmt: skip
        (setup_en, setup_zh), *rest = code
        assert setup_zh == setup_en + "\n\nfrom course_utils import i18n\n\ni18n.use('zh')"
        assert all(e == z for e, z in rest)
        markdown = "\n".join("".join(z["source"]) for e, z in pairs if z["cell_type"] == "markdown")
        assert markdown.startswith("# 00 · 从这里开始\n")
        assert "## 学习目标\n" in markdown
        assert "第一段的译文，见[第 03 课](03_rnn_and_bptt.ipynb)。" in markdown
        assert builder.link_lessons(untranslated, names) in markdown  # still English, linked
        assert "/blob/main/notebooks/zh/00_start_here.ipynb" in markdown  # Colab badge: zh path
        assert "labpath=notebooks%2Fzh%2F00_start_here.ipynb" in markdown  # Binder's
        folder = root / f"notebooks/zh/{version}"
        targets = [t for t in re.findall(r"\]\(([^)\s]+)\)", markdown) if ":" not in t]
        assert targets and all((folder / t.split("#")[0]).exists() for t in targets)

    readme = (root / "README.zh-CN.md").read_text(encoding="utf-8")
    assert "| 00 | [从这里开始](notebooks/zh/00_start_here.ipynb) |" in readme
    assert "notebooks/zh/03_rnn_and_bptt.ipynb" in readme and "尚未生成" not in readme
    assert "[English](README.md)" in readme
    english_readme = (root / "README.md").read_text(encoding="utf-8")
    assert "| 00 | [Start here](notebooks/00_start_here.ipynb) |" in english_readme
    assert "(README.zh-CN.md)" in english_readme


def test_the_set_up_cell_chooses_the_language_before_the_lesson_imports(tmp_path):
    """The Chinese set-up cell switches the language; the lesson's modules, imported after it,
    make their hints in Chinese."""
    hint = "The ratio is upside down: s**k < t means k > log(t) / log(s)."
    chinese = "比值颠倒了：s**k < t 即 k > log(t) / log(s)。"
    entries = [Entry("wrong values", "数值错误"), Entry(hint, chinese)]
    (tmp_path / "zh.po").write_text(i18n.write_po(entries, translations.HEADER), encoding="utf-8")
    session = "\n".join(
        [
            "from pathlib import Path",
            "from course_utils import i18n",
            f"i18n.LOCALE = Path({str(tmp_path)!r})",
            builder.setup_cell("zh"),
            "import math",
            "from course_utils.exercises import lesson00 as ex",
            "print(ex.check_steps_to_shrink(lambda s, t: math.ceil(math.log(s) / math.log(t))))",
        ]
    )
    shown = run(ROOT, "-c", session)
    assert shown.returncode == 0, shown.stderr
    assert "❌ steps_to_shrink: 数值错误." in shown.stdout
    assert f"Hint: {chinese}" in shown.stdout
