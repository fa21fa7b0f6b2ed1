"""The website's build, without a browser: how a lesson becomes a page, both editions on a
small fake course, the publishing workflow and the local MathJax.

(tests/browser/test_site.py opens the built site in Chromium.)
"""

import re
import sys
from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import build_notebooks  # noqa: E402
import build_site  # noqa: E402
import execute_notebooks  # noqa: E402

from course_utils import links  # noqa: E402

#: Sphinx 9 warns that the theme and myst use APIs it will remove in Sphinx 11: not ours.
pytestmark = pytest.mark.filterwarnings("ignore:.*Check CHANGES for Sphinx API modifications")

ENGLISH = build_site.EDITIONS[0]
WIDGET = "application/vnd.jupyter.widget-view+json"


def widget_output(text: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_output(
        "display_data", data={WIDGET: {"model_id": "x", "version_major": 2}, "text/plain": text}
    )


# ----------------------------------------------------------------------------- one lesson


@pytest.fixture(scope="module")
def lesson00():
    """Lesson 00's page, from its exercise notebook and its solution notebook given fake
    outputs: a slider's widget, a progress bar's widget and a printed line."""
    exercise = ROOT / "notebooks" / "00_start_here.ipynb"
    solution = nbformat.read(ROOT / "notebooks" / "solutions" / exercise.name, as_version=4)
    code = [c for c in solution.cells if c.cell_type == "code"]
    slider = next(c for c in code if "product_slider()" in c.source)
    slider.outputs = [widget_output("VBox(children=(FloatSlider(value=0.9, ...),))")]
    printed = next(c for c in code if "print(" in c.source)
    printed.outputs = [
        widget_output("training:   0%|          | 0/300"),
        nbformat.v4.new_output("stream", name="stdout", text="s^50 = ...\n"),
    ]
    lessons = {p.name for p in (ROOT / "notebooks").glob("*.ipynb")}
    page = build_site.lesson_page(exercise, solution, ENGLISH, lessons)
    return exercise, solution, page, slider.id, printed.id


def test_an_exercise_shows_its_stub_then_its_solution_folded(lesson00):
    exercise, solution, page, *_ = lesson00
    stubs = [c for c in page.cells if "# YOUR CODE HERE" in c.source]
    assert stubs, "lesson 00 has an exercise"
    solved = {c.id: c.source for c in solution.cells}
    for stub in stubs:
        folded = page.cells[page.cells.index(stub) + 1]
        assert folded.id == f"{stub.id}-solution"
        assert folded.source.startswith(f"````{{admonition}} {ENGLISH.solution}\n:class: dropdown")
        assert solved[stub.id] in folded.source


def test_interactive_figures_become_a_note_and_progress_bars_vanish(lesson00):
    _, _, page, slider_id, printed_id = lesson00
    cells = {c.id: c for c in page.cells}
    assert all(WIDGET not in o.get("data", {}) for c in page.cells for o in c.get("outputs", []))
    note = cells[f"{slider_id}-slider"]
    assert "{note}" in note.source and "course-slider-note" in note.source
    assert links.colab_url("notebooks/00_start_here.ipynb") in note.source
    assert [o.output_type for o in cells[printed_id].outputs] == ["stream"]
    assert f"{printed_id}-slider" not in cells, "a progress bar is no interactive figure"


def test_badges_become_launch_buttons_and_links_stay_on_the_site(lesson00):
    _, _, page, *_ = lesson00
    markdown = "\n".join(c.source for c in page.cells if c.cell_type == "markdown")
    path = "notebooks/00_start_here.ipynb"
    assert links.badges(path) not in markdown and "badge" not in markdown
    assert f'href="{links.colab_url(path)}"' in markdown
    assert f'href="{links.binder_url(path)}"' in markdown
    assert "](benchmarks.md)" in markdown and "../benchmarks" not in markdown
    assert "](01_activations_and_derivatives.ipynb)" in markdown


def test_the_set_up_cell_is_folded_and_every_other_cell_kept(lesson00):
    exercise, _, page, *_ = lesson00
    setup = next(c for c in page.cells if c.source.startswith(build_notebooks.SETUP_MARKER))
    assert "hide-input" in setup.metadata.tags
    kept = [c.id for c in page.cells if not re.search(r"-(solution|slider)$", c.id)]
    assert kept == [c.id for c in nbformat.read(exercise, as_version=4).cells]


def test_the_home_page_maps_every_lesson():
    notebooks = build_site.lesson_notebooks(ENGLISH)
    home = build_site.home_page(ENGLISH, notebooks)
    for notebook in notebooks:
        title, summary = build_site.title_and_summary(notebook)
        assert f"[{title}]({notebook.name})" in home and summary in home
        assert f"\n{notebook.stem}\n" in home, "in the toctree"


# ----------------------------------------------------------------------------- two editions


def fake_lesson(folder: Path, number: str, title: str, words: str) -> None:
    """A lesson's two notebooks as tools/build_notebooks.py makes them, and the executed
    solution (with its cache key) as tools/execute_notebooks.py would leave it."""
    name = f"{number}_lesson{number}"
    path = build_site.repository_path(folder / f"{name}.ipynb")
    cells = {
        "title": f"# {number} · {title}\n\n> {words}\n\nThe formula $e^{{i\\pi}} = -1$.",
        "badges": links.badges(path),
        "exercise": "def f():\n    # BEGIN SOLUTION\n    return 1\n    # END SOLUTION",
        "check": "print(f())",
    }
    versions = {}
    for version in ("exercise", "solution"):
        nb = nbformat.v4.new_notebook(metadata={"language_info": {"name": "python"}})
        for i, (kind, source) in enumerate(cells.items()):
            if kind in ("exercise", "check"):
                exercise, solution = build_notebooks.split_solution(source, name)
                cell = nbformat.v4.new_code_cell(exercise if version == "exercise" else solution)
            else:
                cell = nbformat.v4.new_markdown_cell(source)
            cell.id = f"{number}-{i:03d}"
            nb.cells.append(cell)
        versions[version] = nb
    (folder / "solutions").mkdir(parents=True, exist_ok=True)
    nbformat.write(versions["exercise"], folder / f"{name}.ipynb")
    solution = folder / "solutions" / f"{name}.ipynb"
    nbformat.write(versions["solution"], solution)
    executed = versions["solution"]
    executed.cells[3].outputs = [nbformat.v4.new_output("stream", name="stdout", text="1\n")]
    executed.metadata["course"] = {"execution": {"key": execute_notebooks.cache_key(solution)}}
    target = execute_notebooks.executed_path(solution)
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(executed, target)


@pytest.fixture(scope="module")
def two_editions(tmp_path_factory):
    """A course of three English lessons and two Chinese ones, built into a site."""
    base = tmp_path_factory.mktemp("course")
    patch = pytest.MonkeyPatch()
    patch.setattr(execute_notebooks, "NOTEBOOKS", base / "notebooks")
    patch.setattr(execute_notebooks, "EXECUTED", base / "build" / "executed")
    try:
        for number in ("00", "01", "02"):
            fake_lesson(base / "notebooks", number, f"Lesson {number}", "What it shows.")
        for number in ("00", "01"):
            fake_lesson(base / "notebooks" / "zh", number, f"第 {number} 课", "内容。")
        status = build_site.build(base / "site", base / "work")
    finally:
        patch.undo()
    assert status == 0
    return base / "site"


def switch(page: Path) -> dict[str, str]:
    """The language switch's links on a built page: label -> href."""
    nav = re.search(r'<nav class="course-language-switch".*?</nav>', page.read_text(), re.S)
    assert nav, f"no language switch on {page}"
    return dict(
        (label, href)
        for href, label in re.findall(
            r'<a class="course-language"[^>]*href="([^"]+)">([^<]+)<', nav.group(0)
        )
    )


def test_both_editions_are_built(two_editions):
    for page in ("index", "glossary", "00_lesson00", "01_lesson01"):
        assert (two_editions / f"{page}.html").exists()
        assert (two_editions / "zh" / f"{page}.html").exists()
    assert (two_editions / "02_lesson02.html").exists()
    assert not (two_editions / "zh" / "02_lesson02.html").exists()
    assert '<html lang="zh-CN"' in (two_editions / "zh" / "index.html").read_text()
    assert not (two_editions / "jupyter_execute").exists()
    search = (two_editions / "zh" / "_static" / "language_data.js").read_text()
    assert "window.Stemmer = EnglishStemmer;" in search, "Chinese search works (Sphinx 9.0)"


def test_the_language_switch_leads_to_the_same_page(two_editions):
    assert switch(two_editions / "01_lesson01.html") == {"中文": "zh/01_lesson01.html"}
    assert switch(two_editions / "zh" / "01_lesson01.html") == {"English": "../01_lesson01.html"}
    assert switch(two_editions / "glossary.html") == {"中文": "zh/glossary.html"}
    # A page the other edition lacks leads to that edition's home page.
    assert switch(two_editions / "02_lesson02.html") == {"中文": "zh/index.html"}


def test_each_edition_launches_its_own_notebooks(two_editions):
    zh = (two_editions / "zh" / "01_lesson01.html").read_text()
    assert links.colab_url("notebooks/zh/01_lesson01.ipynb") in zh
    assert "在 Colab 中打开" in zh and "参考答案" in zh
    en = (two_editions / "01_lesson01.html").read_text()
    assert links.colab_url("notebooks/01_lesson01.ipynb") in en


# ----------------------------------------------------------------------------- publishing


def test_the_workflow_builds_with_make_site_and_deploys_to_pages():
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "pages.yml").read_text())
    on = workflow.get("on", workflow.get(True))  # YAML 1.1 reads the key `on` as True
    assert on["push"]["branches"] == ["main"]
    assert workflow["permissions"]["pages"] == "write"
    assert workflow["permissions"]["id-token"] == "write"
    build = workflow["jobs"]["build"]["steps"]
    runs = "\n".join(step.get("run", "") for step in build)
    uses = [step.get("uses", "").split("@")[0] for step in build]
    assert "make site" in runs
    assert "torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu" in runs
    assert "links.site_url()" in runs
    upload = next(s for s in build if s.get("uses", "").startswith("actions/upload-pages-artifact"))
    assert upload["with"]["path"] == "build/site"
    assert uses.index("actions/upload-pages-artifact") > uses.index("actions/checkout")
    deploy = workflow["jobs"]["deploy"]
    assert deploy["needs"] == "build"
    assert deploy["steps"][0]["uses"].startswith("actions/deploy-pages")


def test_the_site_address_derives_from_the_repository():
    owner, name = links.REPOSITORY.split("/")
    assert links.site_url() == f"https://{owner.lower()}.github.io/{name}/"
    conf = (ROOT / "site" / "conf.py").read_text()
    assert "html_baseurl = links.site_url()" in conf
    readme = (ROOT / "README.md").read_text()
    assert readme.count(f"<{links.site_url()}>") >= 2, "the README gives the site's address"


def test_mathjax_is_shipped_with_its_fonts():
    mathjax = ROOT / "site" / "_static" / "mathjax"
    assert 'e.VERSION="3.2.2"' in (mathjax / "tex-chtml-full.js").read_text()
    fonts = {p.name for p in (mathjax / "output" / "chtml" / "fonts" / "woff-v2").glob("*.woff")}
    assert {"MathJax_Main-Regular.woff", "MathJax_Math-Italic.woff", "MathJax_Zero.woff"} <= fonts
    assert "Apache License" in (mathjax / "LICENSE").read_text()
    conf = (ROOT / "site" / "conf.py").read_text()
    assert 'mathjax_path = "mathjax/tex-chtml-full.js"' in conf
