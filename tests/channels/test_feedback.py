"""Students' votes on answers: checked at the door, then stored with the conversation by the real
assistant (the `bot` fixture runs the action server and Rasa with the trained model)."""

from __future__ import annotations

import json
import urllib.request

import pytest

from channels.feedback import MAX_REASON_CHARS, BadFeedback, parse_vote
from channels.rest import SENDER_PATTERN, clean_text
from tests.e2e.helpers import new_sender, post_raw


def _parse(body):
    return parse_vote(body, lambda s: bool(SENDER_PATTERN.match(s)), clean_text)


def test_a_vote_is_checked_cleaned_and_redacted():
    vote = _parse({"sender": "abc", "answer_to": "0f" * 16, "rating": "down",
                   "reason": "  wrong fee\x00, mail me at jan@example.com  "})
    assert vote.rating == "down" and vote.reason == "wrong fee, mail me at [email]"
    assert _parse({"sender": "abc", "answer_to": "ab12", "rating": "up"}).reason == ""


@pytest.mark.parametrize("body", [
    None, [], "up", {"answer_to": "ab", "rating": "up"}, {"sender": "a b", "answer_to": "ab", "rating": "up"},
    {"sender": "abc", "rating": "up"}, {"sender": "abc", "answer_to": "../x", "rating": "up"},
    {"sender": "abc", "answer_to": "ab", "rating": "meh"}, {"sender": "abc", "answer_to": "ab", "rating": 1},
    {"sender": "abc", "answer_to": "ab", "rating": "down", "reason": ["x"]},
    {"sender": "abc", "answer_to": "ab", "rating": "down", "reason": "x" * (MAX_REASON_CHARS + 1)},
])
def test_bad_votes_are_refused_with_a_reason(body):
    with pytest.raises(BadFeedback):
        _parse(body)


def _vote(bot, body: bytes):
    return post_raw(f"{bot.rasa_url}/webhooks/rest/feedback", body)


def _events(bot, sender):
    url = f"{bot.rasa_url}/conversations/{sender}/tracker?token={bot.token}&include_events=ALL"
    with urllib.request.urlopen(url, timeout=30) as reply:
        return json.loads(reply.read())["events"]


def test_votes_are_stored_with_the_conversation_and_can_change(bot):
    sender = new_sender()
    replies = bot.send(sender, "what does the master cost")
    answer_to = replies[0]["in_reply_to"]
    assert all(r["in_reply_to"] == answer_to for r in replies)
    later = bot.send(sender, "which research tracks are there")[0]["in_reply_to"]
    assert later != answer_to

    body = {"sender": sender, "answer_to": answer_to, "rating": "down", "reason": "call me at 0612345678"}
    status, reply = _vote(bot, json.dumps(body).encode())
    assert status == 200, reply
    status, _ = _vote(bot, json.dumps({**body, "rating": "up", "reason": ""}).encode())
    assert status == 200

    votes = [e for e in _events(bot, sender) if e["event"] == "slot" and e["name"] == "feedback"]
    assert [v["value"]["rating"] for v in votes] == ["down", "up"]
    assert votes[0]["value"] == {"answer_to": answer_to, "rating": "down", "reason": "call me at [phone]"}
    # the conversation goes on as before: a vote is not a message and changes no answer
    assert "tracks" in bot.send(sender, "which research tracks are there")[0]["text"]


def test_votes_on_answers_that_do_not_exist_are_refused(bot):
    sender = new_sender()
    answer_to = bot.send(sender, "hello")[0]["in_reply_to"]
    for body, expected in [
        ({"sender": sender, "answer_to": "f" * 32, "rating": "up"}, 404),
        ({"sender": new_sender(), "answer_to": answer_to, "rating": "up"}, 404),
        ({"sender": sender, "answer_to": answer_to, "rating": "sideways"}, 400),
    ]:
        status, reply = _vote(bot, json.dumps(body).encode())
        assert status == expected and json.loads(reply)["error"]
    assert _vote(bot, b"{not json")[0] == 400
    assert _vote(bot, b"\xff\xfe")[0] == 400
