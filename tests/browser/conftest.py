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
import requests

from entrega_local.stack import EmbeddedStack

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
SHOP = "cozinha-da-vila"

COURIER = "courier-browser-tests"
# Who moves a confirmed order to each next status, and what the request carries besides.
STEPS = [
    ("staff", "ACCEPTED", {}),
    ("staff", "PREPARING", {}),
    ("staff", "READY", {"courier_id": COURIER}),
    ("courier", "OUT_FOR_DELIVERY", {}),
    ("courier", "DELIVERED", {}),
]


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
def new_tab(browser_context: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """Open tabs; each one's last screenshot is kept in test-artifacts/browser/."""
    from playwright.sync_api import expect

    expect.set_options(timeout=15_000)
    opened: list[Any] = []
    errors: list[str] = []

    def opening() -> Any:
        tab = browser_context.new_page()
        tab.on("pageerror", lambda error: errors.append(str(error)))
        opened.append(tab)
        return tab

    yield opening
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
    for index, tab in enumerate(opened):
        path = ARTIFACTS / (f"{name}.png" if index == 0 else f"{name}-{index + 1}.png")
        tab.screenshot(path=str(path), full_page=True)
        request.config.stash.setdefault(SCREENSHOTS, []).append(path)
        tab.close()
    assert errors == [], f"the page threw: {errors}"


@pytest.fixture
def page(new_tab: Any) -> Any:
    return new_tab()


class Staff:
    """What the tests do through the API as the shop's staff or as an order's customer."""

    def __init__(self, stack: EmbeddedStack) -> None:
        self.stack = stack

    def token(self, role: str, sub: str, shop: str | None = None) -> str:
        """A JWT for the role."""
        return str(self.stack.token(role, sub, shop))

    def staff_token(self) -> str:
        return self.token("staff", "staff-browser-tests", SHOP)

    def move(self, order_id: str, status: str) -> dict[str, Any]:
        """Move a CONFIRMED order on to `status` one allowed step at a time, each step by
        whoever may take it: the staff, then the courier."""
        steps = STEPS
        last = [name for _, name, _ in steps].index(status)
        body: dict[str, Any] = {}
        for role, step, extra in steps[: last + 1]:
            token = self.staff_token() if role == "staff" else self.token("courier", COURIER)
            answer = requests.post(
                f"{self.stack.url}/orders/{order_id}/progress",
                json={"status": step, **extra},
                headers=_bearer(token),
                timeout=10,
            )
            assert answer.status_code == 200, answer.text
            body = answer.json()
        return body


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if token else {}


@pytest.fixture
def staff(stack: EmbeddedStack) -> Staff:
    return Staff(stack)


@pytest.fixture(autouse=True, scope="module")
def _stock_as_found(stack: EmbeddedStack) -> Iterator[None]:
    """These tests sell real stock on the session's stack; give it back for the tests after."""
    from entrega_local.client import EntregaClient

    before = {sku: item["available"] for sku, item in EntregaClient(stack.url).catalog().items()}
    yield
    assert stack.settle()
    after = EntregaClient(stack.url).catalog()
    auth = _bearer(Staff(stack).staff_token())
    for sku, available in before.items():
        if after[sku]["available"] != available:
            answer = requests.put(
                f"{stack.url}/catalog/{sku}/stock",
                json={"available": available},
                headers=auth,
                timeout=10,
            )
            assert answer.status_code == 200, answer.text


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    shots = config.stash.get(SCREENSHOTS, [])
    if shots:
        terminalreporter.write_line(f"browser screenshots ({len(shots)}): {shots[0].parent}/")
