"""A person to ask, over the REST channel against the running servers: on request, from the
widget's control (/ask_human), and after two declines in a row; the contact follows the topic."""

from __future__ import annotations

import re

import pytest

from actions.wording import phrase

HANDOFF_ASKED = phrase("handoff_asked", "en")
HANDOFF_AFTER_DECLINES = phrase("handoff_after_declines", "en")
from tests.e2e.helpers import decline_text, new_sender, texts

NEXT_WALK_IN = re.compile(r"(the next one is (today|on Monday \d{1,2} [A-Z][a-z]+ \d{4}) from 14:00 to 15:00"
                          r"|it is on now, until 15:00) \(Amsterdam time\)")


def talk(bot, *messages: str) -> list:
    """The replies to each message of one conversation."""
    sender = new_sender()
    return [texts(bot.send(sender, m)) for m in messages]


@pytest.mark.parametrize("request_", [
    "is there a human I could talk to?",
    "I'd rather speak with a real person",
    "let me talk to a human please",
    "/ask_human",
])
def test_asking_for_a_person_gets_every_contact_without_a_topic(bot, request_):
    (reply,) = talk(bot, request_)
    assert reply.startswith(HANDOFF_ASKED), reply
    assert "Evelien Hack" in reply and "V5-28" in reply and NEXT_WALK_IN.search(reply)
    assert '"Get in touch" form' in reply and "Rapenburg 70" in reply
    assert not re.search(r"[\w.+-]+@[\w-]+\.\w+", reply) and "no e-mail address or phone number" in reply


def test_after_study_abroad_the_study_abroad_contact(bot):
    _, reply = talk(bot, "can biomedical sciences students go to Stockholm?", "can I speak to a person?")
    assert reply.startswith(HANDOFF_ASKED), reply
    assert "Evelien Hack" in reply and NEXT_WALK_IN.search(reply) and "Get in touch" not in reply


def test_after_the_fee_the_programme_contact(bot):
    _, reply = talk(bot, "how much does the master cost per year", "/ask_human")
    assert '"Get in touch" form' in reply and "Rapenburg 70" in reply and "Evelien" not in reply


def test_two_declines_in_a_row_bring_the_offer_and_the_count_starts_again(bot):
    decline = decline_text()
    first, second, third, fourth = talk(bot, "what's the weather like in Paris tomorrow",
                                        "who won the football match yesterday",
                                        "recommend me a good pizza place",
                                        "what is the capital of Peru")
    assert first.startswith(decline) and HANDOFF_AFTER_DECLINES not in first
    assert second.startswith(decline) and HANDOFF_AFTER_DECLINES in second
    assert "Evelien Hack" in second and "Get in touch" in second
    assert third.startswith(decline) and HANDOFF_AFTER_DECLINES not in third
    assert HANDOFF_AFTER_DECLINES in fourth


def test_an_answer_between_two_declines_resets_the_count(bot):
    replies = talk(bot, "what's the weather like in Paris tomorrow", "what is the tuition fee",
                   "who won the football match yesterday")
    assert "€18,016" in replies[1]
    assert replies[2].startswith(decline_text()) and HANDOFF_AFTER_DECLINES not in replies[2]
