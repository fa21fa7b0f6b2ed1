"""Build the course as a static website: build/site/ (and build/site/zh/ for the Chinese edition).

    python tools/build_site.py       what `make site` runs; open build/site/index.html

Every lesson becomes one page with every output of its executed solution notebook (figures,
static sweeps, printed numbers, the sentences rendered from the run), in three steps:

1. Execute: the solution notebooks run through tools/execute_notebooks.py, whose cache in
   build/executed/ `make test-solution-notebooks` has usually filled already (then nothing runs).
2. Write the pages into build/site-work/<edition>/src/: per lesson, a notebook merged from two.
   Prose and code come from the exercise notebook, so an exercise shows as the learner gets
   it (its stub); the solution follows, folded behind a toggle; the outputs come from the
   executed solution notebook (the cells have the same ids in both). The Colab/Binder badges
   become launch buttons (from course_utils.links) under the lesson's summary, at the top of
   the page; the set-up cell is folded; a slider, which cannot move on a static page, is
   replaced by a note with the launch buttons (the static sweep after it carries the figure);
   progress bars, widgets too, are left out. Then the home page with the course map, the
   glossary (course_utils.glossary) and the benchmark table.
3. Render with Sphinx (site/conf.py: myst-nb, the Book theme, MathJax from a local copy);
   a warning fails the build.

The Chinese edition is built the same way from notebooks/zh/ (and notebooks/zh/solutions/)
into build/site/zh/ as soon as that folder holds notebooks; each page then gets a language
switch that leads to the same page in the other edition.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))

import build_notebooks  # noqa: E402
import execute_notebooks  # noqa: E402

from course_utils import links  # noqa: E402
from course_utils.glossary import GLOSSARY  # noqa: E402

SITE = ROOT / "site"  # Sphinx configuration, templates and static files
BUILD = ROOT / "build"
WIDGET = "application/vnd.jupyter.widget-view+json"
#: The notebooks' Colab and Binder badges (their images as course_utils.links draws them), in
#: a row: on the site they become launch buttons, which need no image from the network.
BADGE_IMAGES = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", links.badges("x.ipynb"))
_BADGE_IMAGE = "|".join(map(re.escape, BADGE_IMAGES))
BADGES = re.compile(rf"(?:\[!\[[^\]]*\]\((?:{_BADGE_IMAGE})\)\]\([^)\s]+\)[ \t]*)+")
SUMMARY = re.compile(r"^> \S.*(?:\n>.*)*", re.M)  # the title cell's one-line summary
LINK = re.compile(r"(?<!!)\[([^\]]*)\]\(([^)\s]+)\)")  # [text](target), not an image


@dataclass(frozen=True)
class Edition:
    """One language of the site: where its notebooks are, and the words its pages add."""

    code: str  # "en", "zh"; a translation lives in notebooks/<code>/ and build/site/<code>/
    lang: str  # HTML lang attribute
    label: str  # in the language switch
    sphinx_language: str
    title: str
    intro: str
    start: str  # {first}: a link to the first lesson; {buttons}: its launch buttons
    map_heading: str
    map_columns: tuple[str, str, str]
    reading: str
    glossary_title: str
    glossary_intro: str
    glossary_columns: tuple[str, str, str, str]
    solution: str
    setup_prompt: str  # on the folded set-up cell
    slider_note: str  # in place of an interactive figure; {buttons}: the launch buttons
    open_colab: str
    launch_binder: str

    @property
    def folder(self) -> str:
        """The edition's folder under notebooks/ and build/site/: "" for English, "zh/"."""
        return "" if self.code == "en" else f"{self.code}/"


EDITIONS = (
    Edition(
        code="en",
        lang="en",
        label="English",
        sphinx_language="en",
        title="Why attention replaced recurrent networks",
        intro=(
            "A course in Jupyter notebooks: from the derivative of a sigmoid, through vanishing "
            "and exploding gradients in recurrent networks and the partial fixes (ReLU, batch "
            "norm, LSTM gates), to attention, softmax(QKᵀ/√d_k)V, and why it wins. Every number "
            "comes from the course's code and is checked by its tests; every claim cites its "
            "source."
        ),
        start="Start with {first}, or open it as a notebook right away: {buttons}",
        map_heading="The course",
        map_columns=("#", "lesson", "what it shows"),
        reading=(
            "Each lesson is one page here, with every output of its notebook as the course's "
            "tests ran it: figures, static sweeps, printed numbers and the sentences rendered "
            "from the run. Exercises show the cell you get, with the solution folded under it. "
            "To move a slider or solve an exercise, open the lesson in Colab or Binder with the "
            "buttons at the top of its page (nothing to install), or on your computer with "
            "`make lab` (see the course's [README]({readme}))."
        ),
        glossary_title="Glossary",
        glossary_intro=(
            "The course's key terms in English and Chinese (the article the course examines is "
            "in Chinese), with the lesson that introduces each."
        ),
        glossary_columns=("English", "中文", "lesson", "meaning"),
        solution="Solution (the check below ran on it)",
        setup_prompt="Show the set-up cell (it installs the course's code on Colab)",
        slider_note=(
            "**An interactive figure.** Its controls move only where Python runs: open this "
            "lesson in {buttons}, or in JupyterLab on your computer (`make lab`). The static "
            "sweep that follows shows the same figure at a few settings."
        ),
        open_colab="Open in Colab",
        launch_binder="Launch Binder",
    ),
    Edition(
        code="zh",
        lang="zh-CN",
        label="中文",
        sphinx_language="zh_CN",
        title="为什么注意力取代了循环神经网络",
        intro=(
            "一门用 Jupyter 笔记本讲授的课程：从 sigmoid 的导数出发，经过循环神经网络中的梯度消失与"
            "梯度爆炸以及种种部分的补救（ReLU、批量归一化、LSTM 的门），一直讲到注意力机制 "
            "softmax(QKᵀ/√d_k)V，以及它为什么胜出。每个数字都来自课程的代码并由测试检查；每个论断"
            "都注明出处。"
        ),
        start="从 {first} 开始，或直接把它作为笔记本打开：{buttons}",
        map_heading="课程",
        map_columns=("#", "课", "内容"),
        reading=(
            "每一课在这里是一页，包含其笔记本在课程测试中运行得到的全部输出：图、静态扫描图、打印的"
            "数字，以及根据运行结果生成的句子。练习显示你拿到的单元格，参考答案折叠在其下。"
            "要拖动滑块或做练习，请用每页顶部的按钮在 Colab 或 Binder 中打开该课（无需安装），"
            "或在自己的电脑上运行 `make lab`（见课程的 [README]({readme})）。"
        ),
        glossary_title="术语表",
        glossary_intro="课程的关键术语（英文与中文），以及引入每个术语的那一课。",
        glossary_columns=("英文", "中文", "课", "含义（英文）"),
        solution="参考答案（下面的检查运行的就是它）",
        setup_prompt="显示设置单元格（它在 Colab 上安装课程的代码）",
        slider_note=(
            "**交互式图。** 它的控件只能在运行 Python 的地方拖动：请在 {buttons} 中打开本课，"
            "或在自己的电脑上用 JupyterLab（`make lab`）打开。后面的静态扫描图显示同一张图在几个"
            "取值下的样子。"
        ),
        open_colab="在 Colab 中打开",
        launch_binder="在 Binder 中启动",
    ),
)


# ----------------------------------------------------------------------------- notebooks


def repository() -> Path:
    """The repository's root: the folder that holds notebooks/."""
    return execute_notebooks.NOTEBOOKS.parent


def benchmarks() -> Path:
    return repository() / "benchmarks" / "results.md"


def edition_notebooks(edition: Edition) -> Path:
    """The folder of the edition's exercise notebooks (solutions in its solutions/)."""
    return execute_notebooks.NOTEBOOKS / edition.folder


def available_editions() -> list[Edition]:
    """English, and every other edition whose folder under notebooks/ holds notebooks."""
    return [e for e in EDITIONS if any(edition_notebooks(e).glob("*.ipynb"))]


def lesson_notebooks(edition: Edition) -> list[Path]:
    """The edition's exercise notebooks, in course order."""
    return sorted(
        p for p in edition_notebooks(edition).glob("*.ipynb") if re.match(r"\d\d_", p.name)
    )


def repository_path(path: Path) -> str:
    """`path` as the repository names it (what links.colab_url and links.badges take)."""
    return path.resolve().relative_to(repository().resolve()).as_posix()


# ----------------------------------------------------------------------------- pages


def launch_buttons(notebook: Path, edition: Edition) -> str:
    """HTML buttons opening the exercise notebook in Colab and Binder (from course_utils.links),
    local and without images, so the page needs nothing from the network to draw them."""
    path = repository_path(notebook)
    return (
        f'<span class="course-launch">'
        f'<a class="course-launch-button colab" href="{links.colab_url(path)}">'
        f"{edition.open_colab}</a> "
        f'<a class="course-launch-button binder" href="{links.binder_url(path)}">'
        f"{edition.launch_binder}</a></span>"
    )


def site_links(
    markdown: str, notebook: Path, lessons: set[str], elsewhere: dict[str, str] | None = None
) -> str:
    """Relative links fixed for the site. A link to a lesson of this edition (in `lessons`)
    stays a link to its page; to a lesson this edition lacks, an HTML link to its page in
    `elsewhere` (lesson -> address: the English edition's); to the benchmark table, the
    site's page; to any other file of the repository, its address on GitHub."""

    def fix(match: re.Match) -> str:
        text, target = match.groups()
        file, _, fragment = target.partition("#")
        path = (notebook.parent / file).resolve()
        if re.match(r"[a-z]+:|#", target) or file in lessons:
            return match.group(0)
        if file in (elsewhere or {}):
            anchor = f"#{fragment}" if fragment else ""
            return f'<a href="{elsewhere[file]}{anchor}">{text}</a>'
        if path == benchmarks().resolve():
            new = "benchmarks.md"
        elif path.is_relative_to(repository().resolve()) and path.exists():
            new = f"{links.github_url()}/blob/{links.BRANCH}/{repository_path(path)}"
        else:
            return match.group(0)  # Sphinx reports it, and the build fails
        return f"[{text}]({new})"

    return LINK.sub(fix, markdown)


def solution_cell(source: str, cell_id: str, edition: Edition) -> nbformat.NotebookNode:
    """The solution, folded: an admonition that sphinx-togglebutton shows closed."""
    cell = nbformat.v4.new_markdown_cell(
        f"````{{admonition}} {edition.solution}\n:class: dropdown course-solution\n\n"
        f"```python\n{source}\n```\n````"
    )
    cell.id = f"{cell_id}-solution"
    return cell


def slider_note(notebook: Path, cell_id: str, edition: Edition) -> nbformat.NotebookNode:
    """The note that stands where an interactive figure is in the notebook."""
    text = edition.slider_note.format(buttons=launch_buttons(notebook, edition))
    cell = nbformat.v4.new_markdown_cell(f":::{{note}}\n:class: course-slider-note\n{text}\n:::")
    cell.id = f"{cell_id}-slider"
    return cell


def is_widget(output: nbformat.NotebookNode) -> bool:
    return WIDGET in output.get("data", {})


def is_control(output: nbformat.NotebookNode) -> bool:
    """A widget with a slider or a dropdown: an interactive figure (a progress bar is not)."""
    text = output.get("data", {}).get("text/plain", "")
    return is_widget(output) and bool(re.search(r"\b(\w*Slider|Dropdown)\(", text))


def lesson_page(
    notebook: Path,
    executed: nbformat.NotebookNode,
    edition: Edition,
    lessons: set[str],
    elsewhere: dict[str, str] | None = None,
) -> nbformat.NotebookNode:
    """The page of one lesson: the exercise notebook's cells with the executed solution's
    outputs, each solution folded after its stub, sliders replaced by a note. Links: see
    site_links."""
    exercise = nbformat.read(notebook, as_version=4)
    solved = {cell.id: cell for cell in executed.cells}
    buttons = launch_buttons(notebook, edition)
    cells = []
    for index, cell in enumerate(exercise.cells):
        run = solved[cell.id]
        if cell.cell_type == "markdown":  # the badges become buttons, under the summary
            source = BADGES.sub("", cell.source).strip()
            if index == 0:
                source = SUMMARY.sub(lambda m: f"{m.group(0)}\n\n{buttons}", source, count=1)
            cells.append(
                nbformat.from_dict(
                    {**cell, "source": site_links(source, notebook, lessons, elsewhere)}
                )
            )
        elif cell.source.startswith(build_notebooks.SETUP_MARKER):  # for Colab: folded
            metadata = {
                **cell.metadata,
                "tags": [*cell.metadata.get("tags", []), "hide-input"],
                "mystnb": {"code_prompt_show": edition.setup_prompt},
            }
            cells.append(nbformat.from_dict({**cell, "metadata": metadata}))
        else:  # widgets cannot move here: drop them (progress bars too), note the sliders
            outputs = [o for o in run.outputs if not is_widget(o)]
            cells.append(
                nbformat.from_dict(
                    {**cell, "outputs": outputs, "execution_count": run.execution_count}
                )
            )
            if any(is_control(o) for o in run.outputs):
                cells.append(slider_note(notebook, cell.id, edition))
            if cell.source != run.source:  # an exercise: the stub above, the solution folded
                cells.append(solution_cell(run.source, cell.id, edition))
    return nbformat.v4.new_notebook(cells=cells, metadata=exercise.metadata)


def title_and_summary(notebook: Path) -> tuple[str, str]:
    """('RNNs and backprop through time', its one-line summary) from the title cell."""
    first = nbformat.read(notebook, as_version=4).cells[0].source
    title = first.splitlines()[0].split("·", 1)[-1].strip()
    return title, build_notebooks.one_line_summary(first)


def home_page(edition: Edition, notebooks: list[Path]) -> str:
    rows = [
        "| {} | {} | {} |".format(*edition.map_columns),
        "|---|---|---|",
    ]
    for notebook in notebooks:
        title, summary = title_and_summary(notebook)
        rows.append(f"| {notebook.name[:2]} | [{title}]({notebook.name}) | {summary} |")
    toctree = "\n".join(p.stem for p in notebooks)
    first = notebooks[0]
    start = edition.start.format(
        first=f"[{first.name[:2]} · {title_and_summary(first)[0]}]({first.name})",
        buttons=launch_buttons(first, edition),
    )
    extra = "\nbenchmarks" if benchmarks().exists() else ""
    return (
        f"# {edition.title}\n\n{edition.intro}\n\n"
        f"{edition.reading.format(readme=links.github_url() + '#readme')}\n\n{start}\n\n"
        f"## {edition.map_heading}\n\n" + "\n".join(rows) + "\n\n"
        f"```{{toctree}}\n:hidden:\n:maxdepth: 1\n\n{toctree}\nglossary{extra}\n```\n"
    )


def glossary_page(edition: Edition, notebooks: list[Path]) -> str:
    pages = {p.name[:2]: p.name for p in notebooks}
    rows = ["| {} | {} | {} | {} |".format(*edition.glossary_columns), "|---|---|---|---|"]
    for term in sorted(GLOSSARY, key=lambda t: t.lesson):
        lesson = f"[{term.lesson}]({pages[term.lesson]})" if term.lesson in pages else term.lesson
        rows.append(f"| {term.english} | {term.chinese} | {lesson} | {term.meaning} |")
    return f"# {edition.glossary_title}\n\n{edition.glossary_intro}\n\n" + "\n".join(rows) + "\n"


def write_if_changed(path: Path, text: str) -> None:
    """Write only a change, so that Sphinx rereads only the pages that changed."""
    if not path.exists() or path.read_text() != text:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def write_pages(edition: Edition, src: Path) -> list[str]:
    """Every page source of the edition into `src`; returns the page names."""
    notebooks = lesson_notebooks(edition)
    lessons = {p.name for p in notebooks}
    up = "../" * edition.folder.count("/")  # to the English edition, at the site's root
    elsewhere = {
        p.name: f"{up}{p.stem}.html" for p in lesson_notebooks(EDITIONS[0]) if p.name not in lessons
    }
    pages = {
        "index.md": home_page(edition, notebooks),
        "glossary.md": glossary_page(edition, notebooks),
    }
    if benchmarks().exists():
        pages["benchmarks.md"] = benchmarks().read_text()
    for notebook in notebooks:
        solution = notebook.parent / "solutions" / notebook.name
        executed = nbformat.read(execute_notebooks.executed_path(solution), as_version=4)
        page = lesson_page(notebook, executed, edition, lessons, elsewhere)
        pages[notebook.name] = nbformat.writes(page) + "\n"
    for stale in set(p.name for p in src.glob("*.*")) - set(pages):  # a page removed
        (src / stale).unlink()
    for name, text in pages.items():
        write_if_changed(src / name, text)
    return sorted(Path(name).stem for name in pages)


# ----------------------------------------------------------------------------- Sphinx


def sphinx_build(work: Path, overrides: dict) -> int:
    """Sphinx's html builder on work/src, into work/html, in this process; a warning makes it
    fail. Its progress goes to work/sphinx.log, its warnings to stderr. Returns its status.

    Each edition has its own work folder because myst-nb writes the notebooks' images next
    to the output folder (work/jupyter_execute), where they must not land in the site."""
    from sphinx.application import Sphinx
    from sphinx.util.docutils import docutils_namespace, patch_docutils

    with open(work / "sphinx.log", "w") as log, patch_docutils(SITE), docutils_namespace():
        app = Sphinx(
            work / "src",
            SITE,
            work / "html",
            work / "doctrees",
            "html",
            confoverrides=overrides,
            status=log,
            warningiserror=True,
            keep_going=True,
        )
        app.build()
    return app.statuscode


def fix_chinese_search(html: Path) -> None:
    """Sphinx 9.0 names, for Chinese, a stemmer it does not ship, and the search box fails
    ("ChineseStemmer is not defined", sphinx-doc/sphinx#14229). Use the English stemmer that
    it ships for Chinese, as its fix does (sphinx-doc/sphinx#14416); a fixed Sphinx needs
    nothing here."""
    path = html / "_static" / "language_data.js"
    text = path.read_text()
    broken = "window.Stemmer = ChineseStemmer;"
    if broken in text and "var ChineseStemmer" not in text:
        path.write_text(text.replace(broken, "window.Stemmer = EnglishStemmer;"))


def build(site: Path = BUILD / "site", work: Path = BUILD / "site-work") -> int:
    """Execute what the cache lacks, write every edition's pages, render them into `site`
    (English at its root, each other edition in a folder named for it)."""
    editions = available_editions()
    solutions = [p.parent / "solutions" / p.name for e in editions for p in lesson_notebooks(e)]
    failures = execute_notebooks.execute_all(solutions)
    if failures:
        print("\n\n".join(failures), file=sys.stderr)
        return 1
    pages = {e.code: write_pages(e, work / e.code / "src") for e in editions}
    for edition in editions:
        up = "../" * edition.folder.count("/")  # from this edition's root to the site's
        switch = [
            {
                "code": e.code,
                "lang": e.lang,
                "label": e.label,
                "path": up + e.folder,
                "pages": pages[e.code],
            }
            for e in editions
        ]
        overrides = {
            "language": edition.sphinx_language,
            "project": edition.title,
            "html_title": edition.title,
            "html_baseurl": links.site_url() + edition.folder,
            "html_context": {
                "course_edition": edition.code,
                "course_editions": switch if len(editions) > 1 else [],
                "course_switch_label": "Language / 语言",
            },
        }
        status = sphinx_build(work / edition.code, overrides)
        if status:
            return status
        fix_chinese_search(work / edition.code / "html")
    shutil.rmtree(site, ignore_errors=True)
    for edition in editions:
        shutil.copytree(work / edition.code / "html", site / edition.folder, dirs_exist_ok=True)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clean", action="store_true", help="rebuild every page from scratch")
    args = parser.parse_args()
    if args.clean:
        shutil.rmtree(BUILD / "site-work", ignore_errors=True)
    start = time.perf_counter()
    status = build()
    if status == 0:
        print(f"site built in {time.perf_counter() - start:.0f} s: {BUILD / 'site' / 'index.html'}")
    return status


if __name__ == "__main__":
    sys.exit(main())
