"""Fixtures for the browser tests: Debian's Chromium driven by Playwright, and one JupyterLab.

One browser and one JupyterLab serve the whole session; every notebook gets a new page.
JupyterLab serves a temporary copy of `notebooks/`, with its own user settings, workspaces
and config dir, so saving a notebook never touches the repository or the user's set-up.

Chromium comes from the system (`apt-get install chromium`), never from `playwright install`.
Without it the tests are skipped, loudly; with COURSE_REQUIRE_BROWSER=1 (CI) they fail.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import warnings
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS_DIR = ROOT / "notebooks"
DATA_DIR = ROOT / "data"
SCREENSHOTS_DIR = ROOT / "build" / "screenshots"

#: Without these, Chromium keeps trying to reach Google's services, and the closed network
#: answers with a flood of refused connections.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

LAB_START_TIMEOUT = 90  # s, until /api/status answers
VIEWPORT = {"width": 1400, "height": 1100}

#: JupyterLab user settings: render every cell (off-screen ones too), and no news or update
#: checks (they would reach for the internet and pop up notifications).
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
}

_SKIP_NOTICES: list[str] = []


def _browser_required() -> bool:
    return os.environ.get("COURSE_REQUIRE_BROWSER", "").strip().lower() in {"1", "true", "yes"}


def _no_browser(reason: str) -> None:
    """Skip loudly, or fail when the browser is required (CI sets COURSE_REQUIRE_BROWSER=1)."""
    if _browser_required():
        pytest.fail(
            f"{reason} (COURSE_REQUIRE_BROWSER=1, so this is an error, not a skip)", pytrace=False
        )
    message = (
        f"BROWSER TESTS SKIPPED: {reason}. Install it with `sudo apt-get install "
        f"chromium` (Debian/Ubuntu); set COURSE_REQUIRE_BROWSER=1 to make this an error."
    )
    if message not in _SKIP_NOTICES:
        _SKIP_NOTICES.append(message)
        warnings.warn(message, stacklevel=2)
    pytest.skip(message)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    for message in _SKIP_NOTICES:
        terminalreporter.write_sep("!", "browser tests did NOT run", yellow=True, bold=True)
        terminalreporter.write_line(message, yellow=True, bold=True)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Debian's Chromium on PATH (skip loudly, or fail under COURSE_REQUIRE_BROWSER=1)."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _no_browser(
            "the Python package `playwright` is not installed (pip install -r requirements-dev.txt)"
        )
    path = shutil.which("chromium")
    if path is None:
        _no_browser("no `chromium` executable on PATH")
    return path


@pytest.fixture(scope="session")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(
            executable_path=chromium_path, args=CHROMIUM_ARGS, headless=True
        )
    except Exception as error:
        playwright.stop()
        if _browser_required():
            raise
        _no_browser(f"{chromium_path} does not start under Playwright: {error}")
    yield browser
    browser.close()
    playwright.stop()


@pytest.fixture(scope="session")
def browser_context(browser):
    """One context for the session (it shares the HTTP cache: JupyterLab's scripts load once);
    each notebook gets its own page in it."""
    context = browser.new_context(viewport=VIEWPORT)
    yield context
    context.close()


@dataclass
class Lab:
    url: str  # http://127.0.0.1:PORT
    token: str
    root_dir: Path  # the temporary copy of notebooks/ that JupyterLab serves
    log: Path

    def notebook_url(self, name: str) -> str:
        from urllib.parse import quote

        return f"{self.url}/lab/tree/{quote(name)}?reset&token={self.token}"

    def api(self, path: str, method: str = "GET"):
        request = urllib.request.Request(
            f"{self.url}/api/{path}",
            method=method,
            headers={"Authorization": f"token {self.token}"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            body = response.read()
        return json.loads(body) if body else None

    def shut_down_kernels(self, name: str) -> None:
        """Stop the kernels of the notebook `name` (frees memory between notebooks)."""
        for session in self.api("sessions"):
            if session.get("path") == name and session.get("kernel"):
                try:
                    self.api(f"kernels/{session['kernel']['id']}", method="DELETE")
                except urllib.error.HTTPError:
                    pass

    def log_tail(self, lines: int = 40) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _stop(process: subprocess.Popen) -> None:
    """Terminate JupyterLab (it shuts its kernels down first), then kill whatever is left
    of the process group started for it."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    if process.poll() is None:
        process.kill()
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def lab(chromium_path, tmp_path_factory) -> Lab:
    """JupyterLab on a free loopback port, with a random token, serving a copy of notebooks/."""
    base = tmp_path_factory.mktemp("lab")
    root_dir = base / "course" / "notebooks"
    shutil.copytree(
        NOTEBOOKS_DIR, root_dir, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__")
    )
    if DATA_DIR.is_dir():  # notebooks may read ../data, as they do in the repository
        (base / "course" / "data").symlink_to(DATA_DIR, target_is_directory=True)
    settings_dir = base / "user-settings"
    for relative, values in LAB_SETTINGS.items():
        path = settings_dir / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values, indent=2))
    workspaces_dir = base / "workspaces"
    workspaces_dir.mkdir()

    port, token = _free_port(), secrets.token_hex(24)
    env = dict(os.environ)
    env.pop("COURSE_REQUIRE_CORRECT", None)  # exercise notebooks run with their stubs
    # Ignore the user's own Jupyter/IPython set-up (config, kernelspecs, startup scripts):
    # the kernel is this environment's python3.
    env["JUPYTER_CONFIG_DIR"] = str(base / "jupyter-config")
    env["JUPYTER_DATA_DIR"] = str(base / "jupyter-data")
    env["JUPYTER_RUNTIME_DIR"] = str(base / "jupyter-runtime")
    env["IPYTHONDIR"] = str(base / "ipython")
    env["JUPYTER_PLATFORM_DIRS"] = "1"
    env["PYTHONUNBUFFERED"] = "1"
    command = [
        sys.executable,
        "-m",
        "jupyter",
        "lab",
        "--no-browser",
        "--ip",
        "127.0.0.1",
        "--port",
        str(port),
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        "--allow-root",
        f"--ServerApp.root_dir={root_dir}",
        f"--LabApp.user_settings_dir={settings_dir}",
        f"--LabApp.workspaces_dir={workspaces_dir}",
    ]
    log = base / "jupyterlab.log"
    with open(log, "wb") as log_file:
        process = subprocess.Popen(
            command,
            cwd=root_dir,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    server = Lab(url=f"http://127.0.0.1:{port}", token=token, root_dir=root_dir, log=log)
    try:
        deadline = time.monotonic() + LAB_START_TIMEOUT
        while True:
            if process.poll() is not None:
                pytest.fail(
                    f"JupyterLab exited with code {process.returncode}:\n{server.log_tail()}",
                    pytrace=False,
                )
            try:
                server.api("status")
                break
            except (urllib.error.URLError, ConnectionError, OSError):
                if time.monotonic() > deadline:
                    pytest.fail(
                        f"JupyterLab did not answer within {LAB_START_TIMEOUT} s:\n"
                        f"{server.log_tail()}",
                        pytrace=False,
                    )
                time.sleep(0.25)
        yield server
    finally:
        _stop(process)


@pytest.fixture(scope="session")
def screenshots_dir() -> Path:
    SCREENSHOTS_DIR.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS_DIR
