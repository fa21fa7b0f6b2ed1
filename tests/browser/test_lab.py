"""Every exercise notebook in real JupyterLab, in headless Chromium.

For each notebooks/*.ipynb (new lessons are picked up automatically) the notebook is opened,
Run -> Run All Cells is clicked, and once the kernel is idle with every cell numbered the
notebook is saved (into the temporary copy that JupyterLab serves). Then:

- every code cell ran, and the saved file has no "error" output (exercise stubs must run
  harmlessly; a checker saying "not attempted yet" is fine);
- no stderr output in the page shows a Traceback;
- the first interactive figure reacts to its slider (keyboard) or, if it has none, to its
  dropdown: its readout text and its figure (the image's URL) change.

A full-page screenshot of each notebook goes to build/screenshots/NAME.png (zh_NAME.png for
the Chinese edition). And a Chinese exercise notebook with a wrong answer shows the checker's
verdict in Chinese (build/screenshots/zh_wrong_answer.png).
"""

from __future__ import annotations

import hashlib
import json
import re
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
#: Every exercise notebook, English and Chinese (the solutions live in */solutions/).
EXERCISES = sorted(NOTEBOOKS.glob("*.ipynb")) + sorted(NOTEBOOKS.glob("zh/*.ipynb"))
#: Lessons that show no slider or dropdown (a test checks they still show none).
WITHOUT_INTERACTIVE_FIGURE = {"06_long_range_memory"}

OPEN_TIMEOUT = 90  # s, page load + kernel start
START_TIMEOUT = 10  # s, for Run All to queue the cells before it is clicked again
RUN_TIMEOUT = 120  # s, run all cells (lessons take up to ~30 s on 2 cores)
SAVE_TIMEOUT = 30  # s
SLIDER_TIMEOUT = 20  # s, for the readout and the figure to change

PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden)"
KERNEL_IDLE = f'{PANEL} .jp-Notebook-ExecutionIndicator[data-status="idle"]'
KERNEL_NAME = f"{PANEL} .jp-KernelName, {PANEL} .jp-Toolbar-kernelName"
CODE_PROMPTS = f"{PANEL} .jp-CodeCell .jp-InputArea-prompt"
# JupyterLab 4.6 calls it runmenu:run-all; older 4.x and 3.x notebook:run-all-cells.
RUN_ALL_ITEM = 'li[data-command="runmenu:run-all"], li[data-command="notebook:run-all-cells"]'
SAVE_ITEM = 'li[data-command="docmanager:save"]'
STDERR = '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'
# ipywidgets 8 draws sliders with noUiSlider, ipywidgets 7 with jQuery UI.
SLIDER_HANDLE = ".noUi-handle, .ui-slider-handle"
DROPDOWN = ".widget-dropdown select"
ENCLOSING_VBOX = (
    "xpath=ancestor::div[contains(concat(' ', normalize-space(@class), ' '), ' widget-vbox ')][1]"
)

# Installed before Run All: remembers whether any cell was ever queued or running ([*]), so
# that "nothing is running" is not mistaken for "done" before the run has started.
WATCH_PROMPTS = """(selector) => {
    window.__courseSawRunning = false;
    const saw = () => {
        for (const p of document.querySelectorAll(selector)) {
            if (p.textContent.includes('*')) { window.__courseSawRunning = true; return; }
        }
    };
    window.__courseObserver?.disconnect();
    window.__courseObserver = new MutationObserver(saw);
    window.__courseObserver.observe(document.body,
        {subtree: true, childList: true, characterData: true, attributes: true});
}"""

# The indicator says "idle" for a moment before a kernel exists ("No Kernel"), so the kernel's
# name must be shown as well.
KERNEL_READY = """([idle, name]) => {
    const label = document.querySelector(name)?.textContent.trim() ?? '';
    return document.querySelector(idle) !== null && label !== '' && !/no kernel/i.test(label);
}"""

RUN_STATE = """([prompts, idle]) => {
    const texts = Array.from(document.querySelectorAll(prompts), p => p.textContent.trim());
    return {
        prompts: texts,
        sawRunning: window.__courseSawRunning === true,
        idle: document.querySelector(idle) !== null,
    };
}"""


RUN_STATE_QUIET = """([prompts, idle]) => document.querySelector(idle) !== null
    && !Array.from(document.querySelectorAll(prompts)).some(p => p.textContent.includes('*'))"""


def _settle(page, quiet_for: float = 1.0, timeout: float = 20.0) -> bool:
    """Wait until the kernel has been idle, with nothing queued, for `quiet_for` seconds.

    (Each slider step is one comm message: the kernel goes idle for a moment between them.)
    """
    deadline = time.monotonic() + timeout
    quiet_since = None
    while time.monotonic() < deadline:
        try:
            quiet = page.evaluate(RUN_STATE_QUIET, [CODE_PROMPTS, KERNEL_IDLE])
        except Exception:  # the page is gone; nothing to wait for
            return False
        now = time.monotonic()
        quiet_since = (quiet_since or now) if quiet else None
        if quiet_since is not None and now - quiet_since >= quiet_for:
            return True
        time.sleep(0.1)
    return False


def _numbered(prompt: str) -> bool:
    return prompt.startswith("[") and prompt.endswith("]:") and prompt[1:-2].strip().isdigit()


@dataclass
class RanNotebook:
    name: str
    page: Any  # playwright Page
    saved: dict  # the notebook JSON as JupyterLab saved it
    prompts: list[str] = field(default_factory=list)

    @property
    def code_cells(self) -> list[dict]:
        return [cell for cell in self.saved["cells"] if cell["cell_type"] == "code"]


def _menu(page, menu: str, item: str) -> None:
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(f"^{menu}$")).first.click()
    page.locator(item).first.click()


def _open(page, lab, name: str) -> None:
    """Open the notebook and wait until its kernel is started, connected and idle."""
    page.goto(lab.notebook_url(name), wait_until="domcontentloaded")
    page.wait_for_function(
        KERNEL_READY, arg=[KERNEL_IDLE, KERNEL_NAME], timeout=OPEN_TIMEOUT * 1000, polling=100
    )
    page.wait_for_selector(CODE_PROMPTS, state="attached", timeout=OPEN_TIMEOUT * 1000)


def _run_all(page, name: str) -> list[str]:
    """Run -> Run All Cells; wait until nothing is queued and the kernel is idle."""
    page.evaluate(WATCH_PROMPTS, CODE_PROMPTS)
    _menu(page, "Run", RUN_ALL_ITEM)
    clicked = time.monotonic()
    deadline = clicked + RUN_TIMEOUT
    settled = retries = 0
    while True:
        state = page.evaluate(RUN_STATE, [CODE_PROMPTS, KERNEL_IDLE])
        prompts = state["prompts"]
        started = state["sawRunning"] or (prompts and all(_numbered(p) for p in prompts))
        if not started and retries < 2 and time.monotonic() - clicked > START_TIMEOUT:
            # Nothing was queued: the kernel was not ready after all. Click again.
            retries += 1
            warnings.warn(
                f"{name}: Run All queued nothing within {START_TIMEOUT} s; "
                f"clicking it again (retry {retries})",
                stacklevel=1,
            )
            _menu(page, "Run", RUN_ALL_ITEM)
            clicked = time.monotonic()
            continue
        quiet = state["idle"] and not any("*" in p for p in prompts)
        settled = settled + 1 if started and quiet else 0
        if settled >= 2:  # two polls in a row, in case the kernel is idle between cells
            return prompts
        if time.monotonic() > deadline:
            raise AssertionError(
                f"{name}: cells still running after {RUN_TIMEOUT} s "
                f"(kernel idle: {state['idle']}; prompts: {prompts})"
            )
        time.sleep(0.25)


def _save(page, path: Path) -> dict:
    """File -> Save Notebook; wait for the file on disk to change, return its JSON."""
    before = path.stat().st_mtime_ns
    _menu(page, "File", SAVE_ITEM)
    deadline = time.monotonic() + SAVE_TIMEOUT
    while True:
        try:
            if path.stat().st_mtime_ns != before:
                return json.loads(path.read_text())
        except (OSError, json.JSONDecodeError):
            pass  # mid-write
        if time.monotonic() > deadline:
            raise AssertionError(f"{path.name} was not saved within {SAVE_TIMEOUT} s")
        time.sleep(0.1)


def _relative(path: Path) -> str:
    """The notebook's path in the served copy of notebooks/: "zh/01_....ipynb"."""
    return path.relative_to(NOTEBOOKS).as_posix()


@pytest.fixture(
    scope="module", params=EXERCISES, ids=lambda path: _relative(path)[: -len(".ipynb")]
)
def notebook(request, browser_context, lab, screenshots_dir):
    """The notebook, run top to bottom in JupyterLab and saved; screenshot at the end."""
    name = _relative(request.param)
    page = browser_context.new_page()
    page.set_default_timeout(30_000)
    try:
        _open(page, lab, name)
        prompts = _run_all(page, name)
        saved = _save(page, lab.root_dir / name)
        yield RanNotebook(name=name, page=page, saved=saved, prompts=prompts)
    finally:
        try:
            _settle(page)  # a moved slider finishes redrawing: a consistent screenshot
            shot = screenshots_dir / f"{name[: -len('.ipynb')].replace('/', '_')}.png"
            page.screenshot(path=str(shot), full_page=True)
        finally:
            page.close()
            try:  # free the kernel's memory before the next notebook
                lab.shut_down_kernels(name)
            except OSError as error:
                warnings.warn(f"could not stop the kernel of {name}: {error}", stacklevel=1)


def _digest(src: str | None) -> str:
    if not src:
        return "<no src>"
    return f"sha1 {hashlib.sha1(src.encode()).hexdigest()[:12]} ({len(src)} characters)"


def _source_head(cell: dict, lines: int = 3) -> str:
    source = "".join(cell["source"]).strip().splitlines()
    return "\n    ".join(source[:lines]) + ("\n    ..." if len(source) > lines else "")


def test_every_cell_runs(notebook):
    assert len(notebook.prompts) == len(notebook.code_cells), (
        f"{notebook.name}: {len(notebook.code_cells)} code cells but {len(notebook.prompts)} "
        "rendered in the page (is windowingMode 'none' in effect?)"
    )
    not_run = [i for i, prompt in enumerate(notebook.prompts) if not _numbered(prompt)]
    assert not not_run, f"{notebook.name}: code cells {not_run} did not run: {notebook.prompts}"
    unsaved = [i for i, cell in enumerate(notebook.code_cells) if cell["execution_count"] is None]
    assert not unsaved, f"{notebook.name}: code cells {unsaved} have no execution count on disk"


def test_no_error_outputs(notebook):
    errors = [
        f"code cell {i} raised {output.get('ename')}: {output.get('evalue')}\n"
        f"    {_source_head(cell)}"
        for i, cell in enumerate(notebook.code_cells)
        for output in cell.get("outputs", [])
        if output.get("output_type") == "error"
    ]
    assert not errors, f"{notebook.name}:\n" + "\n".join(errors)


def test_no_traceback_in_page(notebook):
    stderr = notebook.page.locator(STDERR)
    texts = [stderr.nth(i).inner_text() for i in range(stderr.count())]
    tracebacks = [text[:2000] for text in texts if "Traceback" in text]
    assert not tracebacks, f"{notebook.name}: traceback in the page:\n" + "\n---\n".join(tracebacks)


def test_control_changes_readout_and_figure(notebook):
    """Move the first interactive figure's slider (keyboard), or pick another entry of its
    dropdown if it has no slider; its readout and its figure must change."""
    page = notebook.page
    readouts = page.locator(f"{PANEL} .course-readout")
    if Path(notebook.name).stem in WITHOUT_INTERACTIVE_FIGURE:
        assert readouts.count() == 0, f"{notebook.name} has an interactive figure now: test it"
        return
    assert readouts.count(), f"{notebook.name}: no interactive figure was displayed"

    # An InteractiveFigure is a VBox of controls, an Image widget with the figure's PNG (CSS
    # class course-figure), and an HTML readout (course-readout). Prefer one with a slider.
    box = readout = None
    for selector in (SLIDER_HANDLE, DROPDOWN):
        for i in range(readouts.count()):
            candidate = readouts.nth(i).locator(ENCLOSING_VBOX)
            if candidate.locator(selector).count():
                box, readout = candidate, readouts.nth(i)
                break
        if box is not None:
            break
    assert box is not None, (
        f"{notebook.name} shows {readouts.count()} readout(s), but no interactive figure with "
        "a slider or a dropdown (a .widget-vbox holding a .course-readout)"
    )
    image = box.locator("img.course-figure").first
    assert image.count(), f"{notebook.name}: the interactive figure shows no image"

    readout_before = readout.inner_text().strip()
    src_before = image.get_attribute("src")
    assert readout_before, f"{notebook.name}: the readout is empty before the control moves"

    if box.locator(SLIDER_HANDLE).count():
        handle = box.locator(SLIDER_HANDLE).first
        # Step away from whichever end the slider sits at (noUiSlider sets aria-value*).
        key = "ArrowRight"
        now, high = handle.get_attribute("aria-valuenow"), handle.get_attribute("aria-valuemax")
        if now is not None and high is not None and float(now) >= float(high):
            key = "ArrowLeft"
        handle.scroll_into_view_if_needed()
        for _ in range(3):
            handle.press(key)
        moved = f"{key} x3"
    else:
        select = box.locator(DROPDOWN).first
        options = select.locator("option")
        current = select.input_value()
        values = [options.nth(i).get_attribute("value") for i in range(options.count())]
        other = next(v for v in values if v != current)
        select.scroll_into_view_if_needed()
        select.select_option(other)
        moved = f"choosing option {other!r}"

    from playwright.sync_api import expect

    expect(readout, f"{notebook.name}: the readout did not change after {moved}").not_to_have_text(
        readout_before, use_inner_text=True, timeout=SLIDER_TIMEOUT * 1000
    )
    # The readout is set after the figure, so the image should already be new; allow it a
    # moment to re-render. (Compared here, not with expect(): the image's blob URL changes
    # with every new PNG, and a data URL would be too long for a failure message.)
    deadline = time.monotonic() + SLIDER_TIMEOUT
    while not (changed := image.get_attribute("src") != src_before):
        if time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert changed, (
        f"{notebook.name}: the readout changed ({readout_before!r} -> "
        f"{readout.inner_text().strip()!r}) but the figure did not: the image is still "
        f"{_digest(src_before)} after {moved}"
    )


def test_a_link_to_another_lesson_opens_it(browser_context, lab):
    """Lessons refer to each other by relative links: clicking one opens that notebook."""
    page = browser_context.new_page()
    page.set_default_timeout(30_000)
    try:
        page.goto(lab.notebook_url("03_rnn_and_bptt.ipynb"), wait_until="domcontentloaded")
        link = page.locator(f"{PANEL} .jp-RenderedMarkdown a", has_text="lesson 02").first
        link.wait_for(timeout=OPEN_TIMEOUT * 1000)
        link.click()
        tab = page.locator(".lm-TabBar-tab.lm-mod-current", has_text="02_vanishing_gradients")
        tab.first.wait_for(timeout=OPEN_TIMEOUT * 1000)
        heading = page.locator(f"{PANEL} .jp-RenderedMarkdown h1").first
        assert heading.inner_text().startswith("02 · ")
    finally:
        page.close()
        for name in ("03_rnn_and_bptt.ipynb", "02_vanishing_gradients_in_depth.ipynb"):
            lab.shut_down_kernels(name)


def test_a_wrong_answer_gets_a_chinese_verdict(browser_context, lab, screenshots_dir):
    """Lesson 01's first exercise in the Chinese edition, answered with sigma(x) itself instead
    of its derivative: the checker's verdict and hint are in Chinese."""
    name = "zh/01_activations_and_derivatives.ipynb"
    path = lab.root_dir / name
    original = path.read_text(encoding="utf-8")
    notebook = json.loads(original)
    (stub,) = [c for c in notebook["cells"] if "def sigmoid_prime" in "".join(c["source"])]
    source = "".join(stub["source"])
    stub["source"] = source.replace(
        'raise NotImplementedError("Exercise: replace this line with your code")',
        "return 1 / (1 + np.exp(-x))  # a wrong answer: sigma itself",
    )
    assert stub["source"] != source, f"{name}: the sigmoid_prime stub has changed"
    path.write_text(json.dumps(notebook), encoding="utf-8")
    page = browser_context.new_page()
    page.set_default_timeout(30_000)
    try:
        _open(page, lab, name)
        _run_all(page, name)
        verdict = page.locator(f'{PANEL} .course-check[data-status="WRONG_VALUES"]').first
        verdict.wait_for(timeout=SLIDER_TIMEOUT * 1000)
        verdict.scroll_into_view_if_needed()
        text = verdict.inner_text()
        page.screenshot(path=str(screenshots_dir / "zh_wrong_answer.png"))
        assert "数值错误" in text and "提示" in text, (
            f"{name}: the verdict is not in Chinese: {text}"
        )
    finally:
        page.close()
        lab.shut_down_kernels(name)
        path.write_text(original, encoding="utf-8")  # the other tests run the notebook as built
