"""Fixtures for the chat widget's browser tests: Debian's Chromium driven by Playwright.

Why: the widget has to be checked in a real browser (CORS, localStorage, focus, layout), and
this machine cannot download Playwright's own browsers, so the tests launch /usr/bin/chromium
(installed by scripts/install-chromium.sh). A missing Chromium fails the tests; it never skips.

The widget is served by widget/serve.py on WIDGET_TEST_PORT (default 8001): the Rasa server used
by the ``bot`` fixture (tests/conftest.py) must list ``http://127.0.0.1:<port>`` in ``--cors``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent))  # for widget_helpers, in any import mode

from widget_helpers import (  # noqa: E402
    CHROMIUM, CHROMIUM_ARGS, DESKTOP, WIDGET_TEST_PORT, Chat, check_cors, widget_server,
)


# Module scope: Playwright's sync API keeps an event loop running while it is open, which would
# break the asyncio-based tests (stores, staff) that pytest runs after these modules.
@pytest.fixture(scope="module")
def chromium():
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: the browser tests need Debian's Chromium. "
                    "Run scripts/install-chromium.sh first.", pytrace=False)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def rasa_url(bot) -> str:
    """The running bot's base URL (from the lead's ``bot`` fixture in tests/conftest.py)."""
    return str(bot.rasa_url).rstrip("/")


@pytest.fixture(scope="session")
def widget_url(rasa_url):
    """The demo site served against the real bot, on the fixed test origin."""
    with widget_server(WIDGET_TEST_PORT, rasa_url) as url:
        allowed = check_cors(rasa_url, url)
        if allowed != url:
            pytest.fail(f"Rasa at {rasa_url} does not allow the widget's origin {url} "
                        f"(Access-Control-Allow-Origin: {allowed!r}); start it with --cors {url}",
                        pytrace=False)
        yield url


@pytest.fixture
def new_chat(chromium):
    """Factory: a fresh browser context (empty localStorage) on a given site; JS errors fail."""
    contexts = []
    errors: list[str] = []

    def make(base_url: str, viewport: dict = DESKTOP) -> Chat:
        context = chromium.new_context(viewport=viewport)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("dialog", lambda d: (errors.append(f"dialog opened: {d.message}"), d.dismiss()))
        chat = Chat(page, base_url)
        chat.errors = errors
        return chat

    yield make
    for context in contexts:
        context.close()
    assert not errors, f"JavaScript errors or dialogs on the page: {errors}"


@pytest.fixture
def chat(new_chat, widget_url) -> Chat:
    c = new_chat(widget_url)
    c.goto()
    return c


