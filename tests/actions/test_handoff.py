"""A person to ask: the right contact for the conversation's topic, the next walk-in hour with a
fixed clock, nothing the sources do not give, and the offer after two declines in a row."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.wording import phrase
from actions import answers, handoff as handoff_actions
from actions.answer_action import ActionAnswer
from actions.knowledge_base import knowledge_base

KB = knowledge_base()
AMS = ZoneInfo("Europe/Amsterdam")
FRIDAY = dt.datetime(2026, 11, 27, 10, 0, tzinfo=AMS)
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
PHONE = re.compile(r"(\+|\b0)\d[\d ()-]{7,}\d")


def handoff_text(topic, now=FRIDAY, after_declines=False) -> str:
    return answers.handoff(KB, topic, now, after_declines).text


@pytest.mark.parametrize("topic", ["study_abroad"])
def test_study_abroad_goes_to_evelien_hack_with_the_next_walk_in(topic):
    text = handoff_text(topic)
    for detail in ("Evelien Hack", "Directorate of Education and Training (DOO)", "V5-28",
                   "Monday from 14:00 to 15:00", "Monday 30 November 2026 from 14:00 to 15:00"):
        assert detail in text
    assert "Get in touch" not in text and "Rapenburg" not in text
    assert text.splitlines()[-1] == "Source: LUMC study-abroad page"


@pytest.mark.parametrize("topic", ["fees", "admission", "dates", "documents", "language_test", "tracks"])
def test_admissions_and_the_programme_go_to_the_programme_contact(topic):
    text = handoff_text(topic)
    assert '"Get in touch" form' in text and "Rapenburg 70" in text
    assert "Evelien" not in text and "walk-in" not in text
    assert text.splitlines()[-1].startswith("Source: LUMC Biomedical Sciences research specialisation page")


@pytest.mark.parametrize("topic", [None, "faq", "contact"])
def test_without_a_topic_every_contact_is_offered(topic):
    text = handoff_text(topic)
    assert "Evelien Hack" in text and "Get in touch" in text
    assert text.splitlines()[-1].count(";") == 1  # both documents are named as sources


@pytest.mark.parametrize("topic", [None, "study_abroad", "fees"])
def test_no_invented_email_address_or_phone_number(topic):
    text = handoff_text(topic)
    assert not EMAIL.search(text) and not PHONE.search(text)
    assert "no e-mail address or phone number" in text


def test_a_walk_in_hour_that_is_on_says_so():
    text = handoff_text("study_abroad", dt.datetime(2026, 11, 23, 13, 30, tzinfo=dt.timezone.utc))
    assert "it is on now, until 15:00 (Amsterdam time)" in text


def test_a_contact_past_its_review_day_says_how_old_it_is():
    late = type(KB)(KB.directory, today=lambda: dt.date(2027, 3, 1))  # the contact's review is due 2027-02-01
    text = answers.handoff(late, "study_abroad", FRIDAY).text
    assert text.splitlines()[-1] == ("Source: LUMC study-abroad page (as of 2026-11-21, due for a check; "
                                     "confirm it on the LUMC website)")


# --- trackers -----------------------------------------------------------------------------------

def user(text, intent="out_of_scope"):
    return {"event": "user", "text": text, "parse_data": {"intent": {"name": intent}}}


def bot(text, **metadata):
    return {"event": "bot", "text": text, "metadata": metadata}


DECLINED = bot("Sorry, I can't help with that.", utter_action="utter_decline")
ANSWERED = bot("The tuition fee is ...")


def tracker(events, text="what's the weather", topic=None) -> Tracker:
    latest = {"text": text, "intent": {"name": "out_of_scope", "confidence": 0.9}}
    return Tracker("t", {"topic": topic}, latest, events + [user(text)], False, None, {}, "action_listen")


def run_decline(events, **kwargs):
    dispatcher = CollectingDispatcher()
    handoff_actions.decline(dispatcher, tracker(events, **kwargs), clock=lambda: FRIDAY)
    return dispatcher.messages


def test_first_decline_gets_no_offer():
    messages = run_decline([user("hi", "greet"), bot("Hi!")])
    assert [m.get("response") for m in messages] == ["utter_decline"]


def test_second_decline_in_a_row_offers_a_person_for_the_topic():
    messages = run_decline([user("what's the fee", "ask_fee"), ANSWERED, user("asdf"), DECLINED],
                           topic="fees")
    assert [m.get("response") for m in messages] == ["utter_decline", None]
    offer = messages[1]
    assert offer["text"].startswith(phrase("handoff_after_declines", "en"))
    assert "Get in touch" in offer["text"] and "Evelien" not in offer["text"]
    assert offer[handoff_actions.OFFER_MARK] is True


def test_the_offer_after_two_declines_follows_a_contact_the_declined_message_names():
    # "exchange" is a going-abroad word (knowledge/handoff.yml `words`): the study-abroad contact,
    # although the conversation was about fees.
    messages = run_decline([user("asdf"), DECLINED], text="my exchange visa is lost, help", topic="fees")
    assert "Evelien Hack" in messages[1]["text"] and "Get in touch" not in messages[1]["text"]


def test_declines_with_an_answer_between_are_not_in_a_row():
    messages = run_decline([user("asdf"), DECLINED, user("fee?", "ask_fee"), ANSWERED])
    assert len(messages) == 1


def test_after_an_offer_the_count_starts_again():
    offered = [user("asdf"), DECLINED, user("qwerty"), DECLINED, bot("A person can help", handoff_offer=True)]
    assert len(run_decline(offered)) == 1  # third decline: the offer was just made
    assert len(run_decline(offered + [user("zzz"), DECLINED])) == 2  # fourth: two new declines


def test_the_decline_inside_a_knowledge_answer_counts_too():
    # "what does Harvard charge?" is declined by name, then the decline response follows.
    by_name = [user("harvard fees", "ask_fee"), bot("I only have information about Leiden ..."), DECLINED]
    assert len(run_decline(by_name)) == 2


def test_asking_for_a_person_names_the_topic_of_the_message_or_of_the_conversation():
    def offered(text, topic):
        dispatcher = CollectingDispatcher()
        asked = tracker([], text, topic)
        asked.latest_message["intent"] = {"name": "ask_human", "confidence": 0.9}
        asyncio.run(ActionAnswer().run(dispatcher, asked, {}))
        assert len(dispatcher.messages) == 1
        assert dispatcher.messages[0]["outcome"] == "handoff"
        return dispatcher.messages[0]["text"]

    assert "Evelien Hack" in offered("can I talk to someone about going abroad?", "fees")
    assert "Evelien" not in offered("can I talk to someone?", "fees")
    assert "Evelien" not in offered("is there a person for admissions?", None)
    both = offered("is there a human?", None)
    assert "Evelien Hack" in both and "Get in touch" in both
    assert offered("talk to a person", "study_abroad").startswith(phrase("handoff_asked", "en"))


def test_the_person_offered_is_what_the_next_question_is_about():
    # Asked for a person about going abroad in a conversation about fees: the offer leaves the
    # study-abroad contact as the topic and the contact question as the last one asked, so that
    # "where is her office?" is about Evelien Hack; an offer after two declines does the same.
    dispatcher = CollectingDispatcher()
    asked = tracker([], "can I talk to someone about going abroad?", "fees")
    asked.latest_message["intent"] = {"name": "ask_human", "confidence": 0.9}
    events = asyncio.run(ActionAnswer().run(dispatcher, asked, {}))
    assert events == [{"event": "slot", "timestamp": None, "name": "topic", "value": "study_abroad"},
                      {"event": "slot", "timestamp": None, "name": "last_question", "value": "ask_contact"}]
    offered = handoff_actions.decline(CollectingDispatcher(), tracker([user("asdf"), DECLINED], topic="fees"),
                                      clock=lambda: FRIDAY)
    assert [(e["name"], e["value"]) for e in offered] == [("topic", "fees"), ("last_question", "ask_contact")]
    assert handoff_actions.decline(CollectingDispatcher(), tracker([], topic="fees"), clock=lambda: FRIDAY) == []
