"""The guarded REST channel's checks on a request body, before anything reaches Rasa."""

from __future__ import annotations

import pytest

from actions.wording import phrase
from channels.rest import MAX_MESSAGE_CHARS, BadRequest, clean_text, parse_body


def test_ordinary_message_passes_redacted():
    incoming = parse_body({"sender": "abc-123", "message": "my email is jan@example.com, fees?"})
    assert incoming.reply is None
    assert "jan@example.com" not in incoming.text and "fees?" in incoming.text


@pytest.mark.parametrize("body", [None, [], "text", 42, {"message": "hi"}, {"sender": "", "message": "hi"},
                                  {"sender": "a b", "message": "hi"}, {"sender": "x" * 129, "message": "hi"},
                                  {"sender": "ok", "message": None}, {"sender": "ok", "message": ["hi"]},
                                  {"sender": 5, "message": "hi"}])
def test_malformed_bodies_are_refused_with_a_reason(body):
    with pytest.raises(BadRequest) as error:
        parse_body(body)
    assert str(error.value)


def test_empty_and_blank_messages_get_a_prompt():
    assert parse_body({"sender": "s", "message": " \n\t\x00"}).reply == phrase("empty_message", "en")


def test_long_message_is_answered_by_the_channel():
    incoming = parse_body({"sender": "s", "message": "a" * (MAX_MESSAGE_CHARS + 1)})
    assert incoming.text == "" and "too long" in incoming.reply


def test_control_characters_are_dropped_but_text_kept():
    assert clean_text("fee\x00s?\u200b\n ok ") == "fees?\n ok"
    assert clean_text("😀 <b>hi</b>") == "😀 <b>hi</b>"


def test_the_channel_answers_in_the_students_language():
    assert parse_body({"sender": "s", "message": " ", "metadata": {"language": "nl"}}).reply == \
        phrase("empty_message", "nl")
    long_dutch = "ik heb een vraag over het collegegeld van de master " * 60
    assert parse_body({"sender": "s", "message": long_dutch}).reply.startswith("Dat bericht is te lang")
    assert parse_body({"sender": "s", "message": "what is the fee " * 200}).reply.startswith("That message is too long")


def test_received_at_is_when_the_lock_ticket_was_issued(monkeypatch):
    import asyncio
    import time

    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
    from rasa.core.lock_store import InMemoryLockStore

    from channels.rest import queue_lock
    from stores.lock_store import EnvLockStore

    monkeypatch.delenv("LOCK_STORE_URL", raising=False)

    async def stamped(store) -> float:
        message = UserMessage("fees?", CollectingOutputChannel(), "s", metadata={"received_at": 0.0})
        async with queue_lock(store, message):
            return message.metadata["received_at"]

    before = time.time()
    assert before <= asyncio.run(stamped(EnvLockStore())) <= time.time()
    # Any other lock store still locks; the message keeps the time the channel gave it.
    assert asyncio.run(stamped(InMemoryLockStore())) == 0.0
