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
    ("what is the tuition fee", "en"), ("ok", None), ("cuba?", None),
    ("en cuba?", "nl"),  # "en" is Dutch for "and": one word only the Dutch texts use
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
    from actions.language import only_words

    assert {"voor", "naast"} <= only_words("nl") and not {"the", "fee", "master"} & only_words("nl")
    assert sure_language(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("wat houdt precies in", "nl"),  # the identifier: English at 0.99
    ("hoeveel ec?", "nl"),  # too short for the identifier
    ("deadline aanmelden master BW?", "nl"),  # English terms only: the identifier decides
    ("what does it involve precisely", "en"),
])
def test_one_word_only_the_dutch_texts_use_makes_a_message_dutch_when_none_is_only_english(text, expected):
    from actions.language import language_of

    assert language_of("wat houdt precies in")[0] == "en"
    assert sure_language(text) == expected


@pytest.mark.parametrize("text, current, expected", [
    ("hoe lang duurt de master", "en", "nl"),      # a clear message switches
    ("in English please", "nl", "en"),
    ("en cuba?", "nl", "nl"),                       # a short one keeps the conversation's language
    ("welke precies?", "nl", "nl"),                 # a word only Dutch uses: the identifier's 0.99 English is wrong
    ("wat zijn de admission requirements?", "en", "nl"),  # Dutch with English terms still switches
    ("and what is the yearly fee then?", "nl", "en"),      # English with no Dutch-only word switches
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


def _keep_language(text: str, entities: list, current=None, intent="ask_fee", page=None) -> list:
    """The `language` entities the NLU pipeline's MessageLanguage adds to a message in a conversation
    whose language is `current` (the slot `language` fills from them)."""
    from rasa.shared.core.events import SlotSet
    from rasa.shared.core.trackers import DialogueStateTracker
    from rasa.shared.nlu.training_data.message import Message

    from nlu_components.message_language import MessageLanguage

    tracker = DialogueStateTracker.from_events("t", [SlotSet("language", current)] if current else [],
                                               slots=[_language_slot()])
    message = Message(data={"text": text, "entities": list(entities), "intent": {"name": intent},
                            "metadata": {"page_language": page} if page else {}})
    MessageLanguage().process([message], tracker)
    return [e["value"] for e in message.get("entities") if e["entity"] == "language"]


def _language_slot():
    from rasa.shared.core.slots import CategoricalSlot

    return CategoricalSlot("language", mappings=[{"type": "from_entity", "entity": "language"}],
                           values=["en", "nl"], influence_conversation=False)


def test_the_names_the_nlu_found_are_no_evidence_of_a_language():
    text = "master fee leiden"
    assert sure_language(text) == "nl"  # "leiden" alone tips the identifier to Dutch
    leiden = {"entity": "institution", "value": "leiden", "start": 11, "end": 17}
    assert _keep_language(text, [leiden]) == ["en"]
    assert _keep_language("hoeveel kost de master in leiden", [
        {"entity": "institution", "value": "leiden", "start": 27, "end": 33}], "en") == ["nl"]


def test_a_message_adds_the_language_entity_only_where_the_conversations_language_changes():
    assert _keep_language("hoe lang duurt de master", [], "nl") == []
    assert _keep_language("en cuba?", [], "nl") == []               # too short to tell: kept
    assert _keep_language("toefl minimum?", [], None, page="nl") == ["nl"]  # the page's, at first
    assert _keep_language("toefl minimum?", [], "en", page="nl") == []      # the conversation's wins


def test_the_pipeline_ends_with_the_language_and_the_slot_fills_from_it():
    """MessageLanguage runs last (it sees the final intent and names) and `language` fills from its
    entity, so the response that follows is already in the message's language."""
    import yaml

    config = yaml.safe_load(open("config.yml", encoding="utf-8"))
    assert config["pipeline"][-1]["name"] == "nlu_components.message_language.MessageLanguage"
    domain = yaml.safe_load(open("domain.yml", encoding="utf-8"))
    assert domain["slots"]["language"]["mappings"] == [{"type": "from_entity", "entity": "language"}]


@pytest.mark.parametrize("text, expected", [
    ("in dutch please", "nl"), ("kan het in het Engels?", "en"), ("nederlands aub", "nl"),
    ("flemish?", "nl"), ("english instead of dutch", None), ("hoeveel kost de master", None),
])
def test_the_language_a_request_names_comes_from_babels_names_of_languages(text, expected):
    from actions.language import named_language

    assert named_language(text) == expected


def test_a_request_for_a_language_switches_to_the_language_it_names_not_the_one_it_is_written_in():
    assert _keep_language("could you answer in dutch please", [], "en", "switch_language") == ["nl"]
    assert _keep_language("kun je in het engels antwoorden", [], "nl", "switch_language") == ["en"]
    # Not a request: a question about the language of teaching, in English, is answered in English.
    assert _keep_language("is the master taught in dutch", [], "en", "ask_language_of_instruction") == []