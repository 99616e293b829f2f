"""The widget resends a message by itself when its answer was lost on the way (a server of the
cluster died: a gateway error or a dropped connection), with the same message id, so that the
server answers it once (docs/deploy.md). Headless Chromium against a stand-in server that fails
on purpose; no trained bot needed."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import expect
from widget_helpers import free_port, widget_server
from tests.http_fakes import send_json

QUESTION = "tuition fee please"


class FlakyRasa:
    """Answers like the REST channel, except the first `fail_first` attempts of each message id:
    those get `how` ("502": the balancer's JSON error; "drop": the connection closed unanswered)."""

    def __init__(self, port: int, origin: str, how: str, fail_first: int = 1):
        self.attempts: list[dict] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _cors(self):
                self.send_header("Access-Control-Allow-Origin", origin)
                self.send_header("Access-Control-Allow-Methods", "POST, OPTIONS")
                self.send_header("Access-Control-Allow-Headers", "Content-Type")

            def do_OPTIONS(self):  # noqa: N802
                self.send_response(204)
                self._cors()
                self.send_header("Content-Length", "0")
                self.end_headers()

            def do_POST(self):  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                fake.attempts.append(body)
                seen = sum(1 for a in fake.attempts if a.get("message_id") == body.get("message_id"))
                if seen <= fail_first and not body["message"].startswith("/greet"):
                    if how == "drop":
                        self.close_connection = True
                        self.connection.shutdown(2)
                        return
                    self._send(502, {"error": "The assistant lost this message on its way. Please send it again."})
                    return
                self._send(200, [{"recipient_id": body["sender"], "text": f"Echo: {body['message']}",
                                  "in_reply_to": body.get("message_id")}])

            def _send(self, status, payload):
                send_json(self, status, payload, self._cors)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def flaky(new_chat):
    servers = []

    def start(how: str, fail_first: int = 1):
        port = free_port()
        context = widget_server(free_port(), f"http://127.0.0.1:{port}")
        url = context.__enter__()
        fake = FlakyRasa(port, url, how, fail_first)
        servers.append((fake, context))
        chat = new_chat(url)
        chat.goto()
        chat.open_and_greet()
        return chat, fake

    yield start
    for fake, context in servers:
        fake.close()
        context.__exit__(None, None, None)


@pytest.mark.parametrize("how", ["502", "drop"])
def test_a_lost_answer_is_fetched_again_with_the_same_message_id(flaky, how):
    chat, fake = flaky(how)
    replies = chat.ask(QUESTION)
    assert [r["text"] for r in replies] == [f"Echo: {QUESTION}"]
    expect(chat.error).to_be_hidden()
    asked = [a for a in fake.attempts if a["message"] == QUESTION]
    assert len(asked) == 2 and asked[0]["message_id"] == asked[1]["message_id"]
    assert len(asked[0]["message_id"]) >= 8 and asked[0]["message_id"].isalnum()


def test_when_resends_fail_too_the_student_can_retry_the_same_message(flaky):
    chat, fake = flaky("502", fail_first=3)
    chat.input.fill(QUESTION)
    chat.input.press("Enter")
    expect(chat.error).to_contain_text("Please send it again. (error 502)")
    expect(chat.user_messages.last).to_have_attribute("data-status", "failed")
    chat.error.get_by_role("button", name="Retry").click()
    chat.wait_settled()
    expect(chat.bot_messages.last.locator(".lcw-bubble")).to_have_text(f"Echo: {QUESTION}")
    asked = [a for a in fake.attempts if a["message"] == QUESTION]
    assert len(asked) == 4 and len({a["message_id"] for a in asked}) == 1  # 1 + 2 resends + Retry
