"""What a learner feels when moving a slider: end to end in JupyterLab, in headless Chromium.

Run by `make bench` (tools/bench.py), not by `make test`: pytest collects it only when named,

    COURSE_BENCH_OUT=build/bench_e2e.json python -m pytest tests/browser/bench_e2e.py

It reuses the browser tests' JupyterLab and Chromium (conftest.py) and their way of running a
notebook (test_lab.py). Each solution notebook is copied with one more cell, a *floor*: a
slider that only changes an HTML readout (no compute, no figure), and run with Run All. Then,
for every interactive figure (a .widget-vbox holding a .course-readout) and for the floor:

- per move: its first control is moved one step (key press on the slider's handle, or the
  dropdown's next option) and timed in the page from the keydown (or change) event until the
  readout's text and the figure's image have both changed; MOVES moves, one at a time;
- drag: the handle gets a key press every 1/60 s for DRAG_S seconds, as a hand dragging it
  would, and the figure's new images are counted per second (ipywidgets sends the latest
  value only when the kernel has answered the previous one, so this is the rate the figure
  follows the hand).

The floor is moved between the figure's moves (floor, figure, floor, figure, ...), so that
both are timed under the same conditions. tools/bench.py divides each figure's median by the
median of all the floor's moves in the run, which is what compares across machines (both
include the browser's and the kernel's message costs): a page's floor moves fall into two
levels, one about twice the other on our machine, and a page that caught the lower one gave
its figures ratios that said more about the floor than about them. The floor's median next
to each figure is kept too. Results (ms) go to the JSON file named by COURSE_BENCH_OUT, one
entry per notebook.
"""

from __future__ import annotations

import json
import os
import statistics
from pathlib import Path

import nbformat
import pytest
from test_lab import PANEL, _open, _run_all, _settle

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
SOLUTIONS = sorted((ROOT / "notebooks" / "solutions").glob("[0-9][0-9]_*.ipynb"))
MOVES = 15
DRAG_S = 2.0
MOVE_TIMEOUT_MS = 20_000

FLOOR_CELL = """\
import ipywidgets as _widgets
_floor = _widgets.IntSlider(value=0, min=0, max=1000, description="floor")
_floor_readout = _widgets.HTML("<code>0</code>")
_floor.observe(lambda change: setattr(_floor_readout, "value", f"<code>{change['new']}</code>"),
               names="value")
_floor_box = _widgets.VBox([_floor, _floor_readout])
_floor_box.add_class("course-floor")
_floor_box
"""

#: In the page: move a control `moves` times, one at a time; return each move's ms, from the
#: input event until the readout's text and (if the box has one) the image's URL changed.
#: (The readout is set after the image, in the kernel's same update.)
MOVE_JS = """async ([box, moves, timeout]) => {
    const READOUT_GRACE = 200;
    const readout = box.querySelector('.course-readout, .course-floor .widget-html-content');
    const image = box.querySelector('img.course-figure');
    const handle = box.querySelector('.noUi-handle, .ui-slider-handle');
    const select = box.querySelector('.widget-dropdown select');
    const step = () => {
        if (handle) {
            const now = +handle.getAttribute('aria-valuenow');
            const max = +handle.getAttribute('aria-valuemax');
            window.__courseDirection = now >= max ? 'ArrowLeft'
                : (+handle.getAttribute('aria-valuemin') >= now ? 'ArrowRight'
                : (window.__courseDirection || 'ArrowRight'));
            const init = {key: window.__courseDirection, bubbles: true};
            handle.dispatchEvent(new KeyboardEvent('keydown', init));
            handle.dispatchEvent(new KeyboardEvent('keyup', init));
        } else {
            select.selectedIndex = (select.selectedIndex + 1) % select.options.length;
            select.dispatchEvent(new Event('change', {bubbles: true}));
        }
    };
    const times = [];
    for (let i = 0; i < moves; i++) {
        const text = readout.textContent, src = image ? image.src : null;
        const ms = await new Promise((resolve, reject) => {
            // Done when the readout and the image have changed. Two settings may share a
            // readout (the same words for two sentences): then the image alone tells, once
            // the readout has had READOUT_GRACE ms to change after it.
            let imageAt = image ? null : 0, readoutAt = null, grace = null;
            const finish = () => {
                observer.disconnect();
                clearTimeout(timer);
                clearTimeout(grace);
                resolve(Math.max(imageAt, readoutAt ?? imageAt) - start);
            };
            const observer = new MutationObserver(() => {
                const now = performance.now();
                if (imageAt === null && image.src !== src) {
                    imageAt = now;
                    grace = setTimeout(finish, READOUT_GRACE);
                }
                if (readoutAt === null && readout.textContent !== text) readoutAt = now;
                if (imageAt !== null && readoutAt !== null) finish();
            });
            observer.observe(box, {subtree: true, childList: true, characterData: true,
                                   attributes: true, attributeFilter: ['src']});
            const timer = setTimeout(() => {
                observer.disconnect();
                reject(new Error('the figure did not change'));
            }, timeout);
            const start = performance.now();
            step();
        });
        times.push(ms);
        await new Promise(r => setTimeout(r, 50));  // let the kernel go idle
    }
    return times;
}"""

#: In the page: a key press on the handle every 1/60 s for `seconds`; return the figure's
#: updates per second (counted until the last update after the drag ends, at most 5 s more).
DRAG_JS = """async ([box, seconds]) => {
    const handle = box.querySelector('.noUi-handle, .ui-slider-handle');
    const image = box.querySelector('img.course-figure');
    if (!handle || !image) return null;
    let updates = 0, last = performance.now();
    const observer = new MutationObserver(records => {
        updates += records.length;
        last = performance.now();
    });
    observer.observe(image, {attributes: true, attributeFilter: ['src']});
    const start = performance.now();
    let key = 'ArrowRight';
    while (performance.now() - start < seconds * 1000) {
        const now = +handle.getAttribute('aria-valuenow');
        if (now >= +handle.getAttribute('aria-valuemax')) key = 'ArrowLeft';
        if (now <= +handle.getAttribute('aria-valuemin')) key = 'ArrowRight';
        handle.dispatchEvent(new KeyboardEvent('keydown', {key, bubbles: true}));
        handle.dispatchEvent(new KeyboardEvent('keyup', {key, bubbles: true}));
        await new Promise(r => setTimeout(r, 1000 / 60));
    }
    const end = performance.now();
    let quiet = end;
    while (performance.now() - quiet < 1000 && performance.now() - end < 5000) {
        const before = updates;
        await new Promise(r => setTimeout(r, 200));
        if (updates === before && performance.now() - last > 500) break;
    }
    observer.disconnect();
    return updates / ((Math.max(last, end) - start) / 1000);
}"""


def _with_floor(source: Path, lab_dir: Path) -> str:
    """A copy of the solution notebook with the floor cell appended, where JupyterLab serves
    it; its name relative to the server's root."""
    notebook = nbformat.read(source, as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell(FLOOR_CELL))
    name = f"solutions/bench_{source.name}"
    nbformat.write(notebook, lab_dir / name)
    return name


def _stats(times: list[float]) -> dict:
    return {"median_ms": statistics.median(times), "max_ms": max(times), "moves": len(times),
            "times_ms": times}  # fmt: skip


@pytest.mark.parametrize("source", SOLUTIONS, ids=lambda path: path.stem[:2])
def test_measure(source, browser_context, lab):
    out = os.environ.get("COURSE_BENCH_OUT")
    if not out:
        pytest.skip("set COURSE_BENCH_OUT to the JSON file to write (make bench does)")
    name = _with_floor(source, lab.root_dir)
    page = browser_context.new_page()
    page.set_default_timeout(30_000)
    try:
        _open(page, lab, name)
        _run_all(page, name)
        _settle(page)
        boxes = page.locator(f"{PANEL} .widget-vbox:has(> .course-readout)")
        floor_box = page.locator(f"{PANEL} .course-floor").first.element_handle()
        page.evaluate(MOVE_JS, [floor_box, 3, MOVE_TIMEOUT_MS])  # warm-up, not counted
        all_floor_times, figures = [], []
        for i in range(boxes.count()):
            box = boxes.nth(i)
            box.scroll_into_view_if_needed()
            handle = box.element_handle()
            kind = ".widget-slider" if box.locator(".widget-slider").count() else ".widget-dropdown"
            label = box.locator(f"{kind} label").first.inner_text().strip()
            times, floor_times = [], []
            for _ in range(MOVES):  # interleaved: floor, figure, floor, figure, ...
                floor_times += page.evaluate(MOVE_JS, [floor_box, 1, MOVE_TIMEOUT_MS])
                times += page.evaluate(MOVE_JS, [handle, 1, MOVE_TIMEOUT_MS])
            _settle(page, quiet_for=0.5)
            drag = page.evaluate(DRAG_JS, [handle, DRAG_S])
            _settle(page, quiet_for=0.5)
            all_floor_times += floor_times
            figures.append(
                {"figure": i + 1, "control": label, **_stats(times),
                 "floor_median_ms": statistics.median(floor_times), "drag_updates_per_s": drag}
            )  # fmt: skip
        if not figures:  # a notebook without figures: its floor alone
            all_floor_times = page.evaluate(MOVE_JS, [floor_box, MOVES, MOVE_TIMEOUT_MS])
        floor = _stats(all_floor_times)
        path = Path(out)
        results = json.loads(path.read_text()) if path.exists() else {}
        results[source.stem] = {"floor": floor, "figures": figures}
        path.write_text(json.dumps(results, indent=1, sort_keys=True) + "\n")
    finally:
        page.close()
        lab.shut_down_kernels(name)
