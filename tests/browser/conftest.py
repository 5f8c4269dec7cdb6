"""Real-browser tests: Debian's Chromium driven by Playwright (never `playwright install`).

They skip when Chromium or Playwright is missing; `QA_REQUIRE_BROWSER=1` (set by CI) turns
the skip into a failure.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from qa.config import Settings
from qa.persistence.db import Database
from qa.web.app import create_app

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
REQUIRE = os.environ.get("QA_REQUIRE_BROWSER") == "1"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]


def _missing(reason: str) -> None:
    if REQUIRE:
        pytest.fail(f"browser tests are required (QA_REQUIRE_BROWSER=1) but {reason}")
    pytest.skip(reason)


@pytest.fixture
def browser_page() -> Iterator[Any]:
    if CHROMIUM is None:
        _missing("Chromium is not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("the playwright package is not installed")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        yield page
        browser.close()


@pytest.fixture
def live_server(sqlite_db: Database, tmp_path: Path) -> Iterator[str]:
    """The web app on a free loopback port, in a thread, stopped after the test."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    app = create_app(Settings.from_env({"QA_DATA_DIR": str(tmp_path)}), db=sqlite_db)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


@pytest.fixture
def page_errors(browser_page: Any) -> list[str]:
    """Console errors and uncaught exceptions of the page (CSP violations show up here).

    A missing favicon is not an error of the app's pages.
    """
    errors: list[str] = []

    def console(message: Any) -> None:
        if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico"):
            errors.append(f"console: {message.text} ({message.location.get('url')})")

    browser_page.on("console", console)
    browser_page.on("pageerror", lambda error: errors.append(f"page error: {error}"))
    return errors


def screenshot(page: Any, name: str, *, full_page: bool = True) -> None:
    """Into test-output/screenshots; `full_page=False` for long pages (seconds each)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    # caret="initial": the default hides the caret with inline styles htmx would then copy
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page, caret="initial")
