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
from actions.knowledge_base import Entry, KnowledgeBase, knowledge_base, normalise

DECLINE_RESPONSE = "utter_decline"


def outcome(kind: str, **details: Any) -> Dict[str, Any]:
    """Metadata every bot message of these actions carries, so that what a turn's outcome was is
    read from what the assistant did (Rasa keeps `utter_message` keyword arguments in the
    `BotUttered` event's metadata). `kind`: answered, declined, clarification, choice or handoff;
    `reason` (declines): off_topic, low_confidence, other_institution or not_covered;
    `context`: True when answered from the conversation's context; `answer`: the intent or
    faq/<key> answered. Empty details are left out."""
    return {"outcome": kind, **{key: value for key, value in details.items() if value}}


# How each entity label is answered when a message names one.
ANSWER_BY_LABEL: Dict[str, Callable[..., answers.Answer]] = {
    "destination": lambda kb, found, text: answers.study_abroad(kb, found),
    "language_test": answers.language_test,
    "track": lambda kb, found, text: answers.tracks(kb, found),
    "document": lambda kb, found, text: answers.documents(kb, found),
    "component": lambda kb, found, text: answers.components(kb, found),
}


# The topic each entity label's answers leave in the `topic` slot.
TOPIC_OF_LABEL = {
    "destination": "study_abroad",
    "language_test": "language_test",
    "track": "tracks",
    "document": "documents",
    "component": "components",
}
# The intent whose answer a follow-up naming an entry of each label gets.
INTENT_OF_LABEL = {
    "destination": "ask_study_abroad",
    "language_test": "ask_language_test",
    "track": "ask_tracks",
    "document": "ask_documents",
    "component": "ask_components",
}
# Words that make a question a fresh one about the whole topic rather than a follow-up about
# what was just discussed: "can I study abroad?" after "what about Cuba?" wants every destination.
OVERVIEW_WORDS = {"all", "list", "options", "other", "others", "every", "which"}
TOPIC_WORDS = {
    "destination": {"abroad", "exchange", "destinations", "countries", "places", "minor", "minors"},
    "language_test": {"english", "tests", "test", "language", "certificates"},
    "track": {"tracks", "track", "focus"},
    "document": {"documents", "document", "docs", "papers", "upload", "application"},
    "component": {"components", "courses", "programme", "program", "curriculum", "structure"},
}
FOLLOWUP_MAX_WORDS = 8


def is_short_followup(text: str, label: str) -> bool:
    """A short question that leans on the previous answer ("how many EC?", "how many are chosen?")."""
    words = set(normalise(text).split())
    fresh = OVERVIEW_WORDS | TOPIC_WORDS[label]
    return 0 < len(normalise(text).split()) <= FOLLOWUP_MAX_WORDS and not fresh & words


def remembered(kb: KnowledgeBase, tracker: Tracker, label: str) -> List[Entry]:
    """The entries of `label` the last answer was about, if it was about this label's topic."""
    if tracker.get_slot("topic") != TOPIC_OF_LABEL[label]:
        return []
    keys = tracker.get_slot(label) or []
    return [kb.entries[label][key] for key in keys if key in kb.entries[label]]


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
            answer = about(ANSWER_BY_LABEL[label](kb, found, text), label, found)
            answer.intent = INTENT_OF_LABEL[label]
            return answer
    return None


def about(answer: answers.Answer, label: str, entries: List[Entry]) -> answers.Answer:
    """Notes which entries an answer was about (none: the whole list) for the next follow-up."""
    answer.about[label] = [e.key for e in entries]
    return answer


class KnowledgeAction(Action, ABC):
    """Base for actions answering from the knowledge base; subclasses implement `answer`."""

    @abstractmethod
    def name(self) -> Text:
        """The action's name in domain.yml."""

    @abstractmethod
    def answer(self, kb: KnowledgeBase, tracker: Tracker) -> answers.Answer:
        """What to say to the latest message."""

    def answer_as(self, kb: KnowledgeBase, tracker: Tracker, intent: str) -> answers.Answer:
        """What to say if the latest message had been classified as `intent`."""
        return self.answer(kb, tracker)

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        from actions import context  # imports every action module, so only at run time

        kb = knowledge_base()
        other = answers.other_institution(kb, mentioned(kb, tracker, "institution"))
        if other:
            return await self.reply(dispatcher, tracker, answers.not_our_institution(other))
        previous = context.stay_on_topic(tracker)
        if previous:
            return await context.answer_again(dispatcher, tracker, previous)
        return await self.reply(dispatcher, tracker, self.answer(kb, tracker))

    async def reply(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, reply: answers.Answer
    ) -> List[Dict[str, Any]]:
        """Says `reply` and keeps what it was about for the next turn."""
        answered = reply.intent or (tracker.latest_message.get("intent") or {}).get("name")
        if reply.declined:
            declined = outcome("declined", reason=reply.reason or "not_covered")
            dispatcher.utter_message(text=reply.text, buttons=reply.buttons or None, **declined)
            dispatcher.utter_message(response=DECLINE_RESPONSE, **declined)
            return []
        kind = "clarification" if reply.clarification else "answered"
        dispatcher.utter_message(
            text=reply.text, buttons=reply.buttons or None,
            **outcome(kind, answer=answered if kind == "answered" else None, context=reply.context),
        )
        events = [SlotSet("topic", reply.topic)]
        events += [SlotSet(label, keys or None) for label, keys in reply.about.items()]
        if answered and answered != "followup":
            events.append(SlotSet("last_question", answered))
        return events


class EntityAction(KnowledgeAction):
    """Answers about the entries of one entity label the message names, or about all of them."""

    label: str = ""

    def answer(self, kb: KnowledgeBase, tracker: Tracker) -> answers.Answer:
        text = (tracker.latest_message or {}).get("text") or ""
        found = mentioned(kb, tracker, self.label)
        from_context = False
        if not found and is_short_followup(text, self.label):
            found = remembered(kb, tracker, self.label)
            from_context = bool(found)
        answer = about(ANSWER_BY_LABEL[self.label](kb, found, text), self.label, found)
        answer.context = answer.context or from_context
        return answer
