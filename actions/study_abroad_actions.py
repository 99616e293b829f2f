"""Actions for studying abroad and for whom to contact."""

from __future__ import annotations

from typing import Text

from rasa_sdk import Tracker

from actions import answers
from actions.base import EntityAction, KnowledgeAction
from actions.knowledge_base import KnowledgeBase


class ActionAnswerStudyAbroad(EntityAction):
    label = "destination"

    def name(self) -> Text:
        return "action_answer_study_abroad"


class ActionAnswerContact(KnowledgeAction):
    """'Who do I contact about that?': the answer depends on the topic of the conversation."""

    def name(self) -> Text:
        return "action_answer_contact"

    def answer(self, kb: KnowledgeBase, tracker: Tracker) -> answers.Answer:
        topic = tracker.get_slot("topic")
        text = (tracker.latest_message.get("text") or "").lower()
        if any(word in text for word in ("abroad", "exchange", "evelien", "hack", "walk-in", "walk in")):
            topic = "study_abroad"
        return answers.contact(kb, topic)
