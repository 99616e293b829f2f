"""Every reply kind exists in English and Dutch: the phrases of knowledge/wording.yml, the answers the
knowledge base words per language, the walk-in date, and the language a message is read in."""

from __future__ import annotations

import datetime as dt
import re
import string

import pytest
import yaml

from actions import answers
from actions.knowledge_base import KNOWLEDGE_DIR, knowledge_base
from actions.wording import phrases
from actions.language import language_of, sure_language

KB = knowledge_base()
MONDAY_MORNING = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.timezone.utc)


def _places(text: str):
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("key", sorted(phrases()))
def test_every_phrase_has_both_languages_with_the_same_places(key):
    phrase = phrases()[key]
    assert set(phrase) == {"en", "nl"}
    assert _places(phrase["en"]) == _places(phrase["nl"])


def _worded(node, path=()):
    """Every value of knowledge/ written per language."""
    if isinstance(node, dict):
        if "en" in node and set(node) <= {"en", "nl"}:
            yield path, node
            return
        for key, value in node.items():
            yield from _worded(value, path + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _worded(value, path + (i,))


def test_every_answer_in_the_knowledge_base_has_both_languages():
    found = 0
    for path in KNOWLEDGE_DIR.glob("*.yml"):
        if path.name == "wording.yml":
            continue
        for where, value in _worded(yaml.safe_load(path.read_text())):
            found += 1
            assert value.get("nl") and value.get("en"), (path.name, where)
            assert _places(value["en"]) == _places(value["nl"]), (path.name, where)
    assert found > 10


def _is_dutch(text: str) -> bool:
    body = "\n".join(line for line in text.splitlines() if not line.startswith(("Source:", "Bron:")))
    return language_of(body)[0] == "nl"


@pytest.mark.parametrize("intent", ["ask_fee", "ask_duration", "ask_language_of_instruction", "ask_start_date",
                                    "ask_deadline", "ask_entry_requirements", "ask_language_test", "ask_documents",
                                    "ask_components", "ask_tracks", "ask_study_abroad", "ask_contact", "ask_address"])
def test_each_answer_is_worded_in_the_language_asked(intent):
    english = answers.for_question(KB, intent, lang="en").text
    dutch = answers.for_question(KB, intent, lang="nl").text
    assert not _is_dutch(english) and _is_dutch(dutch)
    assert english.splitlines()[-1].startswith("Source: ") and dutch.splitlines()[-1].startswith("Bron: ")
    # The same figures in both.
    assert re.findall(r"\d+", english.splitlines()[0]) == re.findall(r"\d+", dutch.splitlines()[0])


def test_stale_facts_say_so_in_dutch():
    assert "(stand 2022;" in answers.for_question(KB, "ask_fee", lang="nl").text


def test_entries_declines_and_clarifications_in_dutch():
    toefl = KB.resolve("language_test", "toefl")
    assert "Een totaalscore van 85 haalt het minimum van 80" in answers.language_test(KB, [toefl], "85", "nl").text
    karolinska = KB.resolve("destination", "karolinska")
    assert "Karolinska Institutet" in answers.study_abroad(KB, [karolinska], lang="nl").text
    assert _is_dutch(answers.unlisted_destination(KB, "Japan", "nl").text)
    assert _is_dutch(answers.clarify(None, "nl").text)
    erasmus = KB.resolve("institution", "erasmus")
    assert answers.not_our_institution(erasmus, "nl").text.startswith("Ik heb alleen informatie")


def test_the_walk_in_hour_in_dutch_with_a_fixed_clock():
    text = answers.handoff(KB, "study_abroad", MONDAY_MORNING, lang="nl").text
    assert "elke maandag van 14:00 tot 15:00" in text
    assert "het volgende is vandaag van 14:00 tot 15:00" in text
    friday = dt.datetime(2026, 12, 4, 12, 0, tzinfo=dt.timezone.utc)
    assert "op maandag 7 december 2026, 14:00–15:00 (Nederlandse tijd)" in answers.handoff(
        KB, "study_abroad", friday, lang="nl").text
    assert "on Monday 7 December 2026 from 14:00 to 15:00" in answers.handoff(KB, "study_abroad", friday).text


@pytest.mark.parametrize("text, expected", [
    ("hoe lang duurt de master", "nl"), ("kan het in het Nederlands?", "nl"), ("in English please", "en"),
    ("what is the tuition fee", "en"), ("ok", None), ("en cuba?", None),
])
def test_a_message_sets_the_language_only_when_it_is_clear(text, expected):
    assert sure_language(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("hoeveel kost the research master per year voor een eu student", "nl"),  # Dutch words in English: Dutch
    ("is er ook een part-time option naast mijn job?", "nl"),
    ("how much is the fee for the research master", "en"),
    ("can I apply with a dutch bachelor from the VU", "en"),  # a Dutch name is no Dutch sentence
])
def test_a_message_mixing_dutch_words_into_english_is_dutch(text, expected):
    from actions.language import dutch_only_words

    assert {"voor", "naast"} <= dutch_only_words() and not {"the", "fee", "master"} & dutch_only_words()
    assert sure_language(text) == expected


@pytest.mark.parametrize("text, current, expected", [
    ("hoe lang duurt de master", "en", "nl"),      # a clear message switches
    ("in English please", "nl", "en"),
    ("en cuba?", "nl", "nl"),                       # a short one keeps the conversation's language
    ("ok", "en", "en"),
    ("minimum TOEFL?", None, None),                 # a short first message is no evidence (read as English)
    ("/ask_fee", "nl", "nl"),                       # a button's payload says nothing
])
def test_the_conversation_keeps_its_language_across_short_messages(text, current, expected):
    from actions.language import conversation_language

    assert conversation_language(text, current) == expected


def test_a_button_starts_the_conversation_in_the_pages_language():
    from actions.language import conversation_language

    assert conversation_language("/greet", None, "nl") == "nl"
    assert conversation_language("minimum TOEFL?", None, "nl") == "nl"
    assert conversation_language("/greet", "en", "nl") == "en"  # the conversation's language wins


def _keep_language(text: str, entities: list, current=None) -> list:
    import asyncio

    from rasa_sdk import Tracker
    from rasa_sdk.executor import CollectingDispatcher

    from actions.language import ActionKeepLanguage

    message = {"text": text, "entities": entities, "intent": {"name": "ask_fee"}}
    tracker = Tracker("t", {"language": current}, message, [], False, None, {}, "action_listen")
    return asyncio.run(ActionKeepLanguage().run(CollectingDispatcher(), tracker, {}))


def test_the_names_the_nlu_found_are_no_evidence_of_a_language():
    text = "master fee leiden"
    assert sure_language(text) == "nl"  # "leiden" alone tips the identifier to Dutch
    leiden = {"entity": "institution", "value": "leiden", "start": 11, "end": 17}
    assert _keep_language(text, [leiden]) == [{"event": "slot", "timestamp": None, "name": "language", "value": "en"}]
    assert _keep_language("hoeveel kost de master in leiden", [
        {"entity": "institution", "value": "leiden", "start": 27, "end": 33}], "en")[0]["value"] == "nl"


@pytest.mark.parametrize("text, expected", [
    ("in dutch please", "nl"), ("kan het in het Engels?", "en"), ("nederlands aub", "nl"),
    ("flemish?", "nl"), ("english instead of dutch", None), ("hoeveel kost de master", None),
])
def test_the_language_a_request_names_comes_from_babels_names_of_languages(text, expected):
    from actions.language import named_language

    assert named_language(text) == expected


def test_a_request_for_a_language_switches_to_the_language_it_names_not_the_one_it_is_written_in():
    import asyncio

    from rasa_sdk import Tracker
    from rasa_sdk.executor import CollectingDispatcher

    from actions.language import ActionKeepLanguage

    def keep(text, intent, current):
        message = {"text": text, "entities": [], "intent": {"name": intent}}
        tracker = Tracker("t", {"language": current}, message, [], False, None, {}, "action_listen")
        return asyncio.run(ActionKeepLanguage().run(CollectingDispatcher(), tracker, {}))

    assert keep("could you answer in dutch please", "switch_language", "en")[0]["value"] == "nl"
    assert keep("kun je in het engels antwoorden", "switch_language", "nl")[0]["value"] == "en"
    # Not a request: a question about the language of teaching, in English, is answered in English.
    assert keep("is the master taught in dutch", "ask_language_of_instruction", "en") == []
