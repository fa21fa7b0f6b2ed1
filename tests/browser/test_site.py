"""The course's website (build/site/, made by `make site`) in headless Chromium, offline.

A local HTTP server serves build/site/ on the loopback address, and the browser may reach
nothing else: every other request is refused and fails the test of the page that made it
(MathJax, fonts, scripts and images must all come with the site). Each page of every edition
is opened, and:

- every <img> has loaded (naturalWidth > 0);
- where the page has math, MathJax has typeset every formula (an mjx-container inside each
  `.math` element) without a TeX error (no mjx-merror);
- no script error was thrown, and no local file was missing (HTTP status >= 400);
- every link to a page of the site answers 200, and its #fragment exists in that page;
- a lesson's launch buttons open that lesson's exercise notebook in Colab and Binder, with
  the addresses course_utils.links gives (those of the notebooks' badges);
- each note that stands in for an interactive figure is followed, in its section, by a figure.

Then: an exercise's solution is folded at first and unfolds on a click; the search page finds
pages offline. Screenshots of the home page, of a lesson (a figure, math and a folded
solution) and of the glossary go to build/screenshots/site/.
"""

from __future__ import annotations

import functools
import http.server
import re
import threading
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urldefrag

import pytest

from course_utils import links

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "build" / "site"
SCREENSHOTS = ROOT / "build" / "screenshots" / "site"
VIEWPORT = {"width": 1300, "height": 1000}
LOAD_TIMEOUT = 30_000  # ms, a page with its images and MathJax's typesetting
LESSON = re.compile(r"^(?:(\w\w)/)?(\d\d_[a-z0-9_]+)\.html$")
NOT_PAGES = {"genindex.html", "search.html"}


def site_pages() -> list[str]:
    """Every page of every edition, relative to build/site ("index.html", "zh/03_x.html")."""
    pages = [p.relative_to(SITE).as_posix() for p in sorted(SITE.rglob("*.html"))]
    return [
        p
        for p in pages
        if p.split("/")[-1] not in NOT_PAGES
        and not any(part.startswith("_") for part in p.split("/"))
    ]


PAGES = site_pages()

#: Run in the page once it has loaded: waits for MathJax's first typesetting, then reports.
INSPECT = """async () => {
    const deadline = Date.now() + 15000;  // a MathJax that never loads is reported, not awaited
    if (document.querySelector('.math')) {
        while (!window.MathJax?.startup?.promise && Date.now() < deadline)
            await new Promise(r => setTimeout(r, 50));
        await window.MathJax?.startup?.promise;
    }
    const followed = note => Array.from(note.closest('section').querySelectorAll('img'))
        .some(img => note.compareDocumentPosition(img) & Node.DOCUMENT_POSITION_FOLLOWING);
    return {
        brokenImages: Array.from(document.images)
            .filter(img => !(img.complete && img.naturalWidth > 0)).map(img => img.src),
        images: document.images.length,
        math: document.querySelectorAll('.math').length,
        untypeset: Array.from(document.querySelectorAll('.math'))
            .filter(m => !m.querySelector('mjx-container')).map(m => m.textContent.slice(0, 80)),
        texErrors: Array.from(document.querySelectorAll('mjx-merror'),
            e => e.getAttribute('data-mjx-error') || e.textContent),
        links: Array.from(document.querySelectorAll('a[href]'), a => a.href),
        launch: Array.from(document.querySelectorAll('a.course-launch-button'),
            a => [a.classList.contains('colab') ? 'colab' : 'binder', a.href]),
        notesWithoutFigure: Array.from(document.querySelectorAll('.course-slider-note'))
            .filter(note => !followed(note)).length,
        lang: document.documentElement.lang,
    };
}"""


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def site_url() -> str:
    """build/site/ served on a free loopback port, for this module."""
    if not (SITE / "index.html").exists():
        pytest.fail("build/site/index.html is missing: run `make site` first", pytrace=False)
    handler = functools.partial(QuietHandler, directory=str(SITE))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


class OfflinePage:
    """A browser page that may load only from the local server; it records what else it
    tried, the script errors and the local files that were missing."""

    def __init__(self, context, origin: str) -> None:
        self.origin = origin
        self.blocked: list[str] = []
        self.errors: list[str] = []
        self.missing: list[str] = []
        self.page = context.new_page()
        self.page.route("**/*", self._route)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on(
            "response",
            lambda r: self.missing.append(f"{r.status} {r.url}") if r.status >= 400 else None,
        )

    def _route(self, route) -> None:
        url = route.request.url
        if url.startswith(self.origin) or url.startswith("data:"):
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort()

    def open(self, path: str) -> dict:
        self.page.goto(self.origin + path, wait_until="load", timeout=LOAD_TIMEOUT)
        return self.page.evaluate(INSPECT)


@pytest.fixture(scope="module")
def context(browser):
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(LOAD_TIMEOUT)
    yield context
    context.close()


@pytest.fixture
def offline(context, site_url):
    page = OfflinePage(context, site_url)
    yield page
    page.page.close()


@functools.cache
def fetch(url: str) -> tuple[int, str]:
    """(status, text) of a local URL, straight from the server (no browser)."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode("utf-8", errors="replace")
    except urllib.error.HTTPError as error:
        return error.code, ""


def broken_links(hrefs: list[str], origin: str) -> list[str]:
    """The links to the site that do not answer 200, or whose #fragment is not in the page."""
    broken = []
    for href in sorted(set(hrefs)):
        if not href.startswith(origin):
            continue
        url, fragment = urldefrag(href)
        status, text = fetch(url)
        if status != 200:
            broken.append(f"{href} ({status})")
        elif fragment and not re.search(rf'id="{re.escape(fragment)}"', text):
            broken.append(f"{href} (no id {fragment!r} in the page)")
    return broken


def expected_launch(path: str) -> set[tuple[str, str]]:
    """The launch buttons a page should carry: its lesson's (the first lesson's at home)."""
    match = LESSON.match(path)
    edition = path.split("/")[0] + "/" if "/" in path else ""
    if match:
        notebook = f"notebooks/{edition}{match.group(2)}.ipynb"
    else:
        first = sorted((SITE / edition).glob("00_*.html"))[0].stem
        notebook = f"notebooks/{edition}{first}.ipynb"
    return {("colab", links.colab_url(notebook)), ("binder", links.binder_url(notebook))}


@pytest.mark.parametrize("path", PAGES)
def test_page_works_offline(offline, path):
    seen = offline.open(path)
    problems = {
        "requests outside the site": offline.blocked,
        "script errors": offline.errors,
        "missing files": offline.missing,
        "images that did not load": seen["brokenImages"],
        "formulas MathJax did not typeset": seen["untypeset"],
        "TeX errors": seen["texErrors"],
        "broken links": broken_links(seen["links"], offline.origin),
        "slider notes with no figure after them": seen["notesWithoutFigure"],
    }
    failures = "\n".join(f"  {what}: {found}" for what, found in problems.items() if found)
    assert not failures, f"{path}:\n{failures}"
    if LESSON.match(path) or path in ("index.html", "zh/index.html"):
        assert set(map(tuple, seen["launch"])) == expected_launch(path)
    if LESSON.match(path):
        assert seen["images"] > 0, "every lesson has figures"
        assert seen["math"] > 0, "every lesson has math"
    assert seen["lang"] == ("zh-CN" if path.startswith("zh/") else "en")


def test_solution_is_folded_and_opens_on_click(offline):
    lesson = sorted(p for p in PAGES if LESSON.match(p) and "/" not in p)[0]
    offline.open(lesson)
    page = offline.page
    solution = page.locator(".admonition.course-solution").first
    code = solution.locator("pre")
    assert solution.count() == 1 and not code.is_visible(), "a solution must start folded"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    # The lesson with a figure, math and the folded solution: the article, from the last
    # figure above the solution down to the solution. The page is laid out in a viewport as
    # tall as itself, so that the box is measured in the layout that is photographed.
    height = page.evaluate("document.documentElement.scrollHeight")
    page.set_viewport_size({"width": VIEWPORT["width"], "height": height})
    box = page.evaluate(
        """() => {
            const solution = document.querySelector('.admonition.course-solution');
            const above = Array.from(document.images).filter(img =>
                img.compareDocumentPosition(solution) & Node.DOCUMENT_POSITION_FOLLOWING);
            const top = above.length ? above[above.length - 1] : document.body;
            const article = document.querySelector('article').getBoundingClientRect();
            const y = Math.max(0, top.getBoundingClientRect().top - 60);
            const bottom = solution.getBoundingClientRect().bottom + 20;
            return {x: article.left, y: y, width: article.width, height: bottom - y};
        }"""
    )
    page.screenshot(path=SCREENSHOTS / "lesson.png", clip=box)
    page.set_viewport_size(VIEWPORT)
    solution.locator(".admonition-title").click()
    code.wait_for(state="visible", timeout=5_000)
    assert "def " in code.inner_text()
    solution.screenshot(path=SCREENSHOTS / "lesson_solution_open.png")


EDITIONS = [""] + [f"{p.parent.name}/" for p in sorted(SITE.glob("*/search.html"))]


@pytest.mark.parametrize("edition", EDITIONS, ids=lambda e: e.strip("/") or "en")
def test_search_works_offline(offline, edition):
    offline.open(f"{edition}search.html?q=gradient")
    results = offline.page.locator("#search-results li a")
    results.first.wait_for(timeout=LOAD_TIMEOUT)
    hrefs = results.evaluate_all("links => links.map(a => a.href)")
    assert all(h.startswith(offline.origin) for h in hrefs)
    pages = [h[len(offline.origin) :].split("#")[0] for h in hrefs]
    assert any(LESSON.match(p) for p in pages), f"no lesson among the results {pages}"
    assert offline.blocked == [] and offline.errors == []


@pytest.mark.parametrize("name", ["index", "glossary"])
def test_screenshot(offline, name):
    offline.open(f"{name}.html")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    offline.page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=name == "index")


def test_language_switch_matches_the_editions():
    """Two editions: every page has a switch; one edition: none (checked in the HTML)."""
    two = (SITE / "zh" / "index.html").exists()
    for path in PAGES:
        has_switch = "course-language-switch" in (SITE / path).read_text()
        assert has_switch == two, path


def test_every_lesson_has_a_page():
    lessons = {p.stem for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")}
    assert {Path(p).stem for p in PAGES if LESSON.match(p) and "/" not in p} == lessons
    assert {"index.html", "glossary.html"} <= set(PAGES)
