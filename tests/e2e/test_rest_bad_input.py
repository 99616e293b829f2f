"""Bad input over REST gets a polite reply or a 4xx, never a 5xx, and the server keeps working."""

from __future__ import annotations

import json

import pytest

from tests.e2e.helpers import get_status, new_sender, post_raw, texts


def webhook(bot) -> str:
    return f"{bot.rasa_url}/webhooks/rest/webhook"


def send_json(bot, payload) -> tuple:
    status, body = post_raw(webhook(bot), json.dumps(payload).encode())
    return status, json.loads(body)


@pytest.mark.parametrize("message", ["", "   ", "\x00\x01"])
def test_empty_message_gets_a_prompt(bot, message):
    status, reply = send_json(bot, {"sender": new_sender(), "message": message})
    assert status == 200 and "empty" in texts(reply)


def test_huge_message_gets_a_polite_reply(bot):
    status, reply = send_json(bot, {"sender": new_sender(), "message": "fees?" * 4000})
    assert status == 200 and "too long" in texts(reply) and "20,000" in texts(reply)


@pytest.mark.parametrize("message", ["😀😀🎓", "Wat is het collegegeld voor geneeskunde?",
                                     "<script>alert(1)</script>", "<img src=x onerror=alert(1)>"])
def test_odd_text_gets_a_reply(bot, message):
    status, reply = send_json(bot, {"sender": new_sender(), "message": message})
    assert status == 200 and texts(reply)
    assert "<script>" not in texts(reply) and "onerror" not in texts(reply)


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"", b"\xff\xfe\x00binary", b'["a list"]', b'"a string"',
     json.dumps({"message": "hi"}).encode(), json.dumps({"sender": "", "message": "hi"}).encode(),
     json.dumps({"sender": "x" * 500, "message": "hi"}).encode(),
     json.dumps({"sender": "s1", "message": 42}).encode(), json.dumps({"sender": "s1"}).encode()],
)
def test_malformed_requests_get_400_with_a_reason(bot, body):
    status, reply = post_raw(webhook(bot), body)
    assert status == 400
    assert json.loads(reply)["error"]


def test_server_still_answers_after_bad_input(bot):
    post_raw(webhook(bot), b"{not json")
    assert "€18,016" in texts(bot.send(new_sender(), "tuition fee?"))


def test_api_needs_the_token(bot):
    assert get_status(f"{bot.rasa_url}/status") == 401
    assert get_status(f"{bot.rasa_url}/conversations/someone/tracker") == 401
    assert get_status(f"{bot.rasa_url}/model", method="PUT", body=b"{}") == 401
    assert get_status(f"{bot.rasa_url}/status?token=wrong") == 401
    assert get_status(f"{bot.rasa_url}/status?token={bot.token}") == 200
