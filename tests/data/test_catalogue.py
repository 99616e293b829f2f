"""The catalogue (knowledge/catalogue.yml) is the one list of questions: domain.yml, the rules and the
decision's tables agree with it, and each question it offers has a title in both languages."""

from __future__ import annotations

from pathlib import Path

import yaml

from actions import catalogue
from actions.knowledge_base import knowledge_base
from actions.language import LANGUAGES

PROJECT = Path(__file__).parents[2]


def _rules():
    for path in sorted((PROJECT / "data" / "rules").glob("*.yml")):
        for rule in yaml.safe_load(path.read_text()).get("rules") or []:
            steps = rule.get("steps") or []
            for first, second in zip(steps, steps[1:]):
                if "intent" in first and "action" in second:
                    yield first["intent"], second["action"]


def test_domain_intents_are_the_catalogue_questions():
    domain = yaml.safe_load((PROJECT / "domain.yml").read_text())
    assert set(domain["intents"]) == set(catalogue.questions())


def test_every_question_has_a_rule_to_what_answers_it():
    rules = dict(_rules())
    for intent, spec in catalogue.questions().items():
        assert rules.get(intent) == spec["answered_by"], intent


def test_offered_questions_have_a_title_and_an_attribute_in_every_language():
    for intent in catalogue.ANSWERABLE:
        for words in (catalogue.title, catalogue.attribute):
            named = {lang: words(intent, lang) for lang in LANGUAGES}
            assert all(named.values()) and named["en"] != named["nl"], intent


def test_the_tables_point_at_real_facts_entries_and_lookup_tables():
    kb = knowledge_base()
    assert set(catalogue.FACT_BY_INTENT.values()) <= set(kb.facts)
    assert set(catalogue.INTENT_OF_LABEL) <= set(kb.entries)
    assert set(catalogue.PROGRAMME_FACTS) <= set(catalogue.ANSWERABLE)
    # Each knowledge-base question names the lookup table of its words, and each table is one question's.
    from actions import topic_words

    assert set(catalogue.WORDS_OF_INTENT) == {q for q in catalogue.ANSWERABLE}
    assert set(catalogue.WORDS_OF_INTENT.values()) <= set(topic_words._tables())
    assert len(set(catalogue.WORDS_OF_INTENT.values())) == len(catalogue.WORDS_OF_INTENT)
    # Each knowledge-base question says what composes its answer, and a programme fact which fact.
    from actions import answers

    assert set(catalogue.COMPOSER_OF_INTENT) == set(catalogue.ANSWERABLE)
    assert set(catalogue.COMPOSER_OF_INTENT.values()) <= set(answers.COMPOSERS)
    assert {i for i, c in catalogue.COMPOSER_OF_INTENT.items() if c == "fact"} == set(catalogue.FACT_BY_INTENT)
    # A question answered by another kind of entry's answer names kinds that have an answer of their
    # own, and never its own kind.
    for intent, kinds in catalogue.ENTRIES_ANSWER.items():
        assert set(kinds) <= set(catalogue.INTENT_OF_LABEL), intent
        assert catalogue.LABEL_OF_INTENT.get(intent) not in kinds, intent


def test_a_question_added_to_the_catalogue_is_known_to_the_decision(monkeypatch):
    from actions import context

    extended = {**catalogue.questions(), "ask_housing": {"title": {"en": "Housing", "nl": "Huisvesting"},
                                                       "answered_by": "action_answer"}}
    monkeypatch.setattr(catalogue, "questions", lambda: extended)
    assert catalogue.title("ask_housing", "nl") == "Huisvesting"
    ranking = [{"name": "ask_fee", "confidence": 0.45}, {"name": "ask_deadline", "confidence": 0.4}]
    assert context.candidates({"intent_ranking": ranking}) == ["ask_fee", "ask_deadline"]
