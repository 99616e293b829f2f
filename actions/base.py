"""What every knowledge-base action shares: reading the student's message, replying, keeping context.

A follow-up ("what about Cuba?", "and the TOEFL?") is answered by what kind of thing it names;
other questions by their intent, narrowed to the entries the message names. The topic
of each answer is kept in the `topic` slot, so "who do I contact about that?" has a referent.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Callable, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import answers
from actions.knowledge_base import Entry, KnowledgeBase, knowledge_base

DECLINE_RESPONSE = "utter_decline"

# How each entity label is answered when a message names one.
ANSWER_BY_LABEL: Dict[str, Callable[..., answers.Answer]] = {
    "destination": lambda kb, found, text: answers.study_abroad(kb, found),
    "language_test": answers.language_test,
    "track": lambda kb, found, text: answers.tracks(kb, found),
    "document": lambda kb, found, text: answers.documents(kb, found),
    "component": lambda kb, found, text: answers.components(kb, found),
}


def mentioned(kb: KnowledgeBase, tracker: Tracker, label: str) -> List[Entry]:
    """Entries of `label` in the latest message: recognised entities first, then near-misses."""
    message = tracker.latest_message or {}
    found: List[Entry] = []
    for entity in message.get("entities", []):
        if entity.get("entity") == label:
            entry = kb.resolve(label, str(entity.get("value", "")))
            if entry is not None and entry not in found:
                found.append(entry)
    if not found:
        text = message.get("text") or ""
        if not text.startswith("/"):
            found = kb.find_in_text(label, text)
    return found


def answer_by_entities(kb: KnowledgeBase, tracker: Tracker) -> Optional[answers.Answer]:
    """The answer for the first kind of thing the message names, or None if it names none."""
    text = (tracker.latest_message or {}).get("text") or ""
    for label in answers.FOLLOWUP_LABELS:
        found = mentioned(kb, tracker, label)
        if found:
            return ANSWER_BY_LABEL[label](kb, found, text)
    return None


class KnowledgeAction(Action, ABC):
    """Base for actions answering from the knowledge base; subclasses implement `answer`."""

    @abstractmethod
    def name(self) -> Text:
        """The action's name in domain.yml."""

    @abstractmethod
    def answer(self, kb: KnowledgeBase, tracker: Tracker) -> answers.Answer:
        """What to say to the latest message."""

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        kb = knowledge_base()
        other = answers.other_institution(kb, mentioned(kb, tracker, "institution"))
        reply = answers.not_our_institution(other) if other else self.answer(kb, tracker)
        dispatcher.utter_message(text=reply.text, buttons=reply.buttons or None)
        if reply.declined:
            dispatcher.utter_message(response=DECLINE_RESPONSE)
            return []
        return [SlotSet("topic", reply.topic)]


class EntityAction(KnowledgeAction):
    """Answers about the entries of one entity label the message names, or about all of them."""

    label: str = ""

    def answer(self, kb: KnowledgeBase, tracker: Tracker) -> answers.Answer:
        text = (tracker.latest_message or {}).get("text") or ""
        return ANSWER_BY_LABEL[self.label](kb, mentioned(kb, tracker, self.label), text)
