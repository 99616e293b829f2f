"""Actions for the Biomedical Sciences master: fees, duration, dates, admission, tracks, components."""

from __future__ import annotations

from typing import Text

from rasa_sdk import Tracker

from actions import answers
from actions.base import EntityAction, KnowledgeAction, is_short_followup, remembered
from actions.knowledge_base import KnowledgeBase

# Intent -> programme fact (knowledge/programme.yml) that answers it.
FACT_BY_INTENT = {
    "ask_fee": "tuition_fee",
    "ask_duration": "duration",
    "ask_language_of_instruction": "language_of_instruction",
    "ask_start_date": "start_date",
    "ask_deadline": "application_deadline",
    "ask_address": "address",
}


class ActionAnswerProgrammeFact(KnowledgeAction):
    def name(self) -> Text:
        return "action_answer_programme_fact"

    def answer(self, kb: KnowledgeBase, tracker: Tracker) -> answers.Answer:
        return self.answer_as(kb, tracker, (tracker.latest_message.get("intent") or {}).get("name"))

    def answer_as(self, kb: KnowledgeBase, tracker: Tracker, intent: str) -> answers.Answer:
        text = tracker.latest_message.get("text") or ""
        if intent == "ask_duration" and is_short_followup(text, "component"):
            # "How many EC?" right after an answer about a component is about that component.
            parts = remembered(kb, tracker, "component")
            if parts:
                answer = answers.components(kb, parts)
                answer.about["component"] = [p.key for p in parts]
                answer.intent = "ask_components"
                return answer
        if intent == "ask_entry_requirements":
            return answers.entry_requirements(kb)
        return answers.programme_fact(kb, FACT_BY_INTENT.get(intent, "duration"))


class ActionAnswerLanguageTest(EntityAction):
    label = "language_test"

    def name(self) -> Text:
        return "action_answer_language_test"


class ActionAnswerDocuments(EntityAction):
    label = "document"

    def name(self) -> Text:
        return "action_answer_documents"


class ActionAnswerComponents(EntityAction):
    label = "component"

    def name(self) -> Text:
        return "action_answer_components"


class ActionAnswerTracks(EntityAction):
    label = "track"

    def name(self) -> Text:
        return "action_answer_tracks"
