"""Headless Chromium on the embedded stack: the fixtures every browser test shares.

The browser is Debian's Chromium (/usr/bin/chromium), driven by Playwright; Playwright never
downloads one. Without it these tests fail, saying how to install it: CI installs it in
.ci/run, and a skipped browser test would hide a page that no longer works.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("ENTREGA_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"
# The network is closed: without these, Chromium waits on connections it will never get.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = pytest.StashKey[list[Path]]()


@pytest.fixture(scope="session")
def browser_context() -> Iterator[Any]:
    if not Path(CHROMIUM).is_file():
        pytest.fail(
            f"Chromium is not installed at {CHROMIUM}; the browser tests need it: "
            "apt-get update && apt-get install -y chromium chromium-driver",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright, tempfile.TemporaryDirectory() as profile:
        context = playwright.chromium.launch_persistent_context(
            profile,
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,
            locale="pt-BR",
            timezone_id="America/Sao_Paulo",
            viewport={"width": 1280, "height": 900},
        )
        context.set_default_timeout(15_000)
        yield context
        context.close()


@pytest.fixture
def page(browser_context: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A new tab; its last screenshot is kept in test-artifacts/browser/ for every test."""
    from playwright.sync_api import expect

    expect.set_options(timeout=15_000)
    tab = browser_context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    yield tab
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', request.node.name)}.png"
    tab.screenshot(path=str(path), full_page=True)
    request.config.stash.setdefault(SCREENSHOTS, []).append(path)
    tab.close()
    assert errors == [], f"the page threw: {errors}"


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    shots = config.stash.get(SCREENSHOTS, [])
    if shots:
        terminalreporter.write_line(f"browser screenshots ({len(shots)}): {shots[0].parent}/")
