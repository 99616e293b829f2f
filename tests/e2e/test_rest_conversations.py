"""Conversations over the REST channel against the running servers: facts, sources, follow-ups,
declines. These phrasings are the developers' own test cases, not the held-out questions."""

from __future__ import annotations

import re

import pytest

from tests.e2e.helpers import decline_text, new_sender, texts


def converse(bot, *messages: str) -> str:
    sender = new_sender()
    reply = []
    for message in messages:
        reply = bot.send(sender, message)
    return texts(reply)


@pytest.mark.parametrize(
    "question, facts",
    [
        ("What's the tuition fee for the research master?", ["€18,016", "per year", "as of 2022"]),
        ("how many EC is the master in total", ["120 EC", "two years"]),
        ("Is teaching in English?", ["English"]),
        ("when do applications close", ["November 2022", "as of 2022"]),
        ("when does it start", ["September 2022"]),
        ("what do I need to be admitted", ["BA or BSc", "IELTS", "TOEFL"]),
        ("minimum TOEFL?", ["80", "20"]),
        ("which cambridge exam do you take", ["169", "C1 Advanced"]),
        ("what must I upload with my application", ["passport", "CV", "motivation"]),
        ("does the programme include an animal sciences course and how big is it", ["4 EC"]),
        ("which tracks can I pick", ["Neurosciences", "Data@work", "Cancer Pathogenesis", "design your own"]),
        ("can i go to Indonesia for my half minor", ["Indonesia", "half minor"]),
        ("how many students get to go to the Karolinska", ["ten students", "second year"]),
        ("who handles study abroad questions", ["Evelien Hack", "V5-28", "Monday", "14:00"]),
        ("what is the address", ["Rapenburg 70"]),
        ("what do graduates end up doing", ["90%", "PhD"]),
        ("do students do clinical rotations in holland", ["clerkships"]),
    ],
)
def test_facts_come_with_their_source(bot, question, facts):
    reply = converse(bot, question)
    for fact in facts:
        assert fact in reply
    assert re.search(r"^Source: ", reply, re.MULTILINE)


def test_follow_up_on_destination(bot):
    reply = converse(bot, "where can medicine students study abroad", "what about Cuba?")
    assert "Cuba" in reply and "Medicine" in reply and "Indonesia" not in reply


def test_follow_up_on_language_test(bot):
    reply = converse(bot, "what IELTS score is needed", "and the toefl?")
    # About the TOEFL, not the IELTS again (whose band score is not repeated; it is named as also accepted).
    assert "80" in reply and "6.0" not in reply


def test_follow_up_contact_depends_on_topic(bot):
    assert "Evelien Hack" in converse(bot, "can I do part of my studies abroad?", "whom should I ask about that?")
    general = converse(bot, "what does a year of tuition cost", "whom should I ask about that?")
    assert "Rapenburg 70" in general


def test_follow_up_is_that_per_year(bot):
    assert "per year" in converse(bot, "how much does the master cost", "is that per year?")


def test_follow_up_without_a_name_uses_the_previous_answer(bot):
    reply = converse(bot, "explain the research proposal to me", "how many EC?")
    assert "5 EC" in reply and "40 EC" not in reply


def test_score_is_compared_with_the_minimum(bot):
    assert "below the minimum of 80" in converse(bot, "my toefl score is 72, can I apply?")


@pytest.mark.parametrize(
    "message, lang",
    [("what's the weather going to be tomorrow", "en"), ("asdf qwerty", "en"),
     ("how much does Utrecht University charge", "en"), ("kan ik hier een fiets huren", "nl"),
     ("write me a python script", "en")],
)
def test_off_topic_is_declined_honestly(bot, message, lang):
    reply = bot.send(new_sender(), message)
    assert decline_text(lang) in texts(reply)
    assert any(r.get("buttons") for r in reply)
    assert "€18,016" not in texts(reply)


@pytest.mark.parametrize(
    "message, expected",
    [("hello", "Leiden Study Assistant"), ("thank you!", "welcome"), ("bye", "Goodbye"),
     ("are you a real person?", "bot"), ("what can you do", "fees")],
)
def test_small_talk(bot, message, expected):
    assert expected in texts(bot.send(new_sender(), message))


def test_quick_reply_payload(bot):
    assert "€18,016" in texts(bot.send(new_sender(), "/ask_fee"))
