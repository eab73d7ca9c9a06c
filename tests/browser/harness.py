"""A real `datasette` process and Debian's Chromium, for the browser tests.

No browser is ever downloaded: Playwright drives the Chromium found at LIEUX_CHROMIUM
(default /usr/bin/chromium, Debian's `chromium` package). When it is missing the tests skip with
the reason, except when LIEUX_REQUIRE_BROWSER=1 (set by .ci/run), where they fail.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from tests.servers import Server, free_port  # noqa: F401  (re-exported for the browser tests)

CHROMIUM = os.environ.get("LIEUX_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = Path(__file__).resolve().parent.parent / "screenshots"
VIEWPORTS = {"telephone": {"width": 390, "height": 844}, "bureau": {"width": 1280, "height": 800}}


def browser_missing() -> str | None:
    """Why the browser tests cannot run here, or None."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "le paquet Python playwright n'est pas installé (pip install -e '.[test]')"
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        return f"Chromium absent ({CHROMIUM}) : apt-get install chromium, ou LIEUX_CHROMIUM=/chemin/vers/chromium"
    return None


def require_browser() -> None:
    reason = browser_missing()
    if reason is None:
        return
    if os.environ.get("LIEUX_REQUIRE_BROWSER") == "1":
        pytest.fail(f"LIEUX_REQUIRE_BROWSER=1 mais {reason}", pytrace=False)
    pytest.skip(f"tests navigateur ignorés : {reason}")


def screenshot(page, name: str) -> Path:
    """`name.png`: the window as a person first sees it; `name-page.png`: the whole page."""
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    page.screenshot(path=str(SCREENSHOTS / f"{name}-page.png"), full_page=True)
    return path


def wait_until(page, expression: str, timeout: float = 15.0) -> None:
    """Poll a JavaScript expression from Python until it is true.

    Playwright's wait_for_function evaluates its predicate with eval() inside the page, which the
    site's Content-Security-Policy (plugins/securite.py) rightly forbids; page.evaluate is not affected.
    """
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"toujours faux après {timeout} s : {expression}")
        time.sleep(0.05)
