"""Helpers for the chat widget's browser tests: the demo page as a student sees it, the widget
server, a stand-in Rasa for the server-down test, and screenshots.

Kept apart from conftest.py so test modules can import them by a name no other conftest shares.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect
from tests.http_fakes import send_json

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
DOCS_IMAGES = REPO / "docs" / "images"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
WIDGET_TEST_PORT = int(os.environ.get("WIDGET_TEST_PORT", "8001"))
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 740}
WIDE = {"width": 1280, "height": 800}
NARROW = {"width": 320, "height": 640}
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21aa", "wcag22aa"]

# The bot's first answers can take a few seconds while Rasa warms up.
expect.set_options(timeout=20_000)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, proc: subprocess.Popen | None = None, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode}: {proc.stderr.read()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout:.0f} s")


@contextmanager
def widget_server(port: int, rasa_url: str):
    """Run widget/serve.py on 127.0.0.1:port, pointed at rasa_url; yield its base URL."""
    env = dict(os.environ, WIDGET_HOST="127.0.0.1", WIDGET_PORT=str(port), RASA_URL=rasa_url,
               WIDGET_QUIET="1")
    proc = subprocess.Popen([sys.executable, str(REPO / "widget" / "serve.py")], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        try:
            wait_for_port(port, proc)
        except RuntimeError as exc:
            pytest.fail(f"widget/serve.py did not start on port {port} "
                        f"(set WIDGET_TEST_PORT to a free port and add it to Rasa's --cors): {exc}",
                        pytrace=False)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def check_cors(rasa_url: str, origin: str) -> str | None:
    """Return the Access-Control-Allow-Origin that Rasa answers a preflight from origin with."""
    req = urllib.request.Request(
        f"{rasa_url}/webhooks/rest/webhook", method="OPTIONS",
        headers={"Origin": origin, "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "content-type"})
    try:
        with urllib.request.urlopen(req, timeout=10) as res:
            return res.headers.get("Access-Control-Allow-Origin")
    except urllib.error.HTTPError as exc:
        return exc.headers.get("Access-Control-Allow-Origin")


class Chat:
    """The demo page with the widget, seen the way a student uses it."""

    def __init__(self, page: Page, base_url: str):
        self.page = page
        self.base_url = base_url
        self.errors: list[str] = []  # script errors and dialogs, filled by the new_chat fixture
        # In either of the widget's languages (English, Dutch).
        self.launcher = page.get_by_role("button", name=re.compile("^(Open chat|Chat openen)"))
        self.panel = page.get_by_role("dialog")
        self.input = page.get_by_role("textbox", name=re.compile("^(Your question|Je vraag)$"))
        self.log = page.get_by_role("log")
        self.bot_messages = page.locator(".lcw-bot")
        self.user_messages = page.locator(".lcw-user:not([hidden])")
        self.quick_replies = page.locator(".lcw-reply:visible")
        self.error = page.get_by_role("alert")

    def goto(self, path: str = "index.html") -> None:
        self.page.goto(f"{self.base_url}/{path}")
        expect(self.launcher.or_(self.panel)).to_be_visible()

    def open(self) -> None:
        self.launcher.click()
        expect(self.panel).to_be_visible()
        expect(self.input).to_be_focused()

    def wait_settled(self) -> None:
        """Wait until the latest message (or the greeting request) has been answered."""
        expect(self.page.locator("[data-role=user]").last).to_have_attribute("data-status", "sent")
        expect(self.page.locator(".lcw-typing")).to_be_hidden()

    def open_and_greet(self) -> None:
        self.open()
        self.wait_settled()
        expect(self.bot_messages.first).to_be_visible()

    def replies_after(self, count: int) -> list[dict]:
        return [self.read(i) for i in range(count, self.bot_messages.count())]

    def read(self, i: int) -> dict:
        msg = self.bot_messages.nth(i)
        bubble, source = msg.locator(".lcw-bubble"), msg.locator(".lcw-source")
        return {"text": bubble.inner_text() if bubble.count() else "",
                "source": source.inner_text() if source.count() else ""}

    def ask(self, text: str) -> list[dict]:
        """Type a question, press Enter, return the bot messages that answer it."""
        before = self.bot_messages.count()
        self.input.fill(text)
        self.input.press("Enter")
        expect(self.user_messages.last.locator(".lcw-bubble")).to_have_text(text)
        self.wait_settled()
        return self.replies_after(before)

    def storage(self) -> dict:
        return json.loads(self.page.evaluate("localStorage.getItem('lumc-chat')") or "{}")


def axe_report(page: Page) -> str:
    """axe-core's violations (WCAG 2.0/2.1/2.2 A and AA, shadow DOM included) as a report; "" if none."""
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS},
                                       "resultTypes": ["violations"]})
    return results.generate_report() if results.violations_count else ""


def screenshot(page: Page, name: str) -> Path:
    """Save a screenshot to test-artifacts/ (and docs/images/ with UPDATE_DOCS_SCREENSHOTS=1)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path))
    if os.environ.get("UPDATE_DOCS_SCREENSHOTS") == "1":
        DOCS_IMAGES.mkdir(parents=True, exist_ok=True)
        (DOCS_IMAGES / name).write_bytes(path.read_bytes())
    return path


class FakeRasa:
    """A stand-in for Rasa's REST channel, for tests that need no trained bot: answers from
    ``script`` (message -> list of Rasa messages) or echoes, can answer the next N requests with
    HTTP 500, and records what it received."""

    def __init__(self, port: int, origin: str, script: dict | None = None):
        self.port, self.origin = port, origin
        self.script = script or {}
        self.received: list[dict] = []
        self.fail_next = 0
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _cors(self):
                if self.headers.get("Origin") == fake.origin:
                    self.send_header("Access-Control-Allow-Origin", fake.origin)
                    self.send_header("Access-Control-Allow-Methods", "POST, OPTIONS")
                    self.send_header("Access-Control-Allow-Headers", "Content-Type")

            def do_OPTIONS(self):  # noqa: N802
                self.send_response(204)
                self._cors()
                self.end_headers()

            def do_POST(self):  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if fake.fail_next:
                    fake.fail_next -= 1
                    status, reply = 500, {"error": "Something went wrong on our side."}
                else:
                    fake.received.append(body)
                    status = 200
                    reply = [dict(m, recipient_id=body["sender"]) for m in fake.answer(body)]
                send_json(self, status, reply, self._cors)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def answer(self, body: dict) -> list[dict]:
        """The Rasa messages that answer a request body: from the script (a payload's entities, as in
        `/greet{"language":"nl"}`, aside), else an echo."""
        message = body["message"]
        key = message.split("{", 1)[0] if message.startswith("/") else message
        return self.script.get(key, [{"text": f"Echo: {message}"}])

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@contextmanager
def scripted_site(script: dict, fake_class: type = FakeRasa):
    """The demo site against a stand-in for Rasa answering from `script`; yields (url, fake)."""
    rasa_port = free_port()
    with widget_server(free_port(), f"http://127.0.0.1:{rasa_port}") as url:
        fake = fake_class(rasa_port, url, script)
        try:
            yield url, fake
        finally:
            fake.close()


def open_chat(new_chat, url: str, viewport: dict = DESKTOP, path: str = "index.html") -> Chat:
    """A fresh browser on `path` of the site, the panel opened and the greeting answered."""
    chat = new_chat(url, viewport)
    chat.goto(path)
    chat.open_and_greet()
    return chat
