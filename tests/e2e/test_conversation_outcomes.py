"""Whole conversations over REST, checked turn by turn against what the student must get: the
outcome, the question answered and the language the assistant recorded for its reply (read from
the conversation's tracker), and words of the reply (tests/e2e/conversations.yml)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from evaluation.heldout import tracker_reader
from tests.e2e.helpers import new_sender, texts

CONVERSATIONS = yaml.safe_load((Path(__file__).parent / "conversations.yml").read_text())["conversations"]


def _recorded(bot, sender):
    """The metadata of the assistant's last reply in the conversation."""
    import json
    import urllib.request

    with urllib.request.urlopen(f"{bot.rasa_url}/conversations/{sender}/tracker?token={bot.token}", timeout=30) as reply:
        events = json.loads(reply.read())["events"]
    return next(event.get("metadata") or {} for event in reversed(events) if event.get("event") == "bot")


@pytest.mark.parametrize("conversation", CONVERSATIONS, ids=[c["name"] for c in CONVERSATIONS])
def test_each_turn_gets_what_the_student_must_get(bot, conversation):
    sender = new_sender()
    for number, turn in enumerate(conversation["turns"], 1):
        reply = texts(bot.send(sender, turn["say"]))
        recorded = _recorded(bot, sender)
        where = f"turn {number} ({turn['say']!r}): {reply[:200]!r} {recorded}"
        assert recorded.get("outcome") == turn["outcome"], where
        for key in ("answer", "language"):
            if key in turn:
                assert recorded.get(key) == turn[key], where
        for words in turn.get("has", []):
            assert words in reply, where


def test_the_scorer_reads_the_same_outcome(bot):
    sender = new_sender()
    bot.send(sender, "how much tuition do i pay for the research master")
    assert tracker_reader(bot.rasa_url, bot.token)(sender) == {"answer": "ask_fee", "outcome": "answered"}


def test_the_widgets_opening_on_a_dutch_page_is_answered_in_dutch(bot):
    import json

    from tests.e2e.helpers import post_raw

    body = {"sender": new_sender(), "message": '/greet{"language":"nl"}', "metadata": {"language": "nl"}}
    status, reply = post_raw(f"{bot.rasa_url}/webhooks/rest/webhook", json.dumps(body).encode())
    assert status == 200 and json.loads(reply)[0]["text"].startswith("Hoi! Ik ben de Leiden Study Assistant")


def test_a_first_question_too_short_to_tell_takes_the_pages_language_and_a_clear_one_its_own(bot):
    import json

    from tests.e2e.helpers import post_raw

    def ask(sender, message):
        body = {"sender": sender, "message": message, "metadata": {"language": "nl"}}
        status, reply = post_raw(f"{bot.rasa_url}/webhooks/rest/webhook", json.dumps(body).encode())
        assert status == 200
        return json.loads(reply)[0]["text"]

    assert "Bron:" in ask(new_sender(), "toefl minimum?")
    sender = new_sender()
    assert "Source:" in ask(sender, "what is the minimum toefl score for the master?")
    assert "Source:" in ask(sender, "and ielts?")  # the conversation's language beats the page's


def test_a_request_for_the_other_language_switches_and_says_so(bot):
    sender = new_sender()
    assert "per jaar" in texts(bot.send(sender, "hoeveel collegegeld betaal je voor de master bw"))
    assert texts(bot.send(sender, "could you answer in english please")).startswith("Sure, I'll answer in English")
    reply = texts(bot.send(sender, "and the length of the programme?"))
    assert "two years" in reply and _recorded(bot, sender)["language"] == "en"
    assert texts(bot.send(sender, "in dutch please")).startswith("Prima, vanaf nu antwoord ik in het Nederlands")
    assert "twee jaar" in texts(bot.send(sender, "en de duur van de opleiding?"))
    assert _recorded(bot, sender)["language"] == "nl"
