"""Conversation context: which earlier answer a short, unclear question leans on.

Rasa's NLU classifies each message on its own, so "how many get selected?" after an answer about
the Karolinska Institute may be read as a question about the programme's length. When a short
question names nothing, the NLU is not sure of its new intent, and the intent of the previous
answer is still among its top candidates, the assistant stays on that topic.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.base import KnowledgeAction, outcome
from actions.knowledge_base import knowledge_base, normalise
from actions.programme_actions import (
    FACT_BY_INTENT,
    ActionAnswerComponents,
    ActionAnswerDocuments,
    ActionAnswerLanguageTest,
    ActionAnswerProgrammeFact,
    ActionAnswerTracks,
)
from actions.study_abroad_actions import ActionAnswerContact, ActionAnswerStudyAbroad

# Intents whose action can answer a question classified as something else.
ACTION_BY_INTENT: dict[str, KnowledgeAction] = {
    **{intent: ActionAnswerProgrammeFact() for intent in [*FACT_BY_INTENT, "ask_entry_requirements"]},
    "ask_language_test": ActionAnswerLanguageTest(),
    "ask_documents": ActionAnswerDocuments(),
    "ask_components": ActionAnswerComponents(),
    "ask_tracks": ActionAnswerTracks(),
    "ask_study_abroad": ActionAnswerStudyAbroad(),
    "ask_contact": ActionAnswerContact(),
}
RETRIEVAL_INTENT = "faq"
# Button titles for "Did you mean ...?" when the NLU cannot decide between two questions.
INTENT_TITLES = {
    "ask_fee": "The tuition fee", "ask_duration": "How long the programme takes",
    "ask_language_of_instruction": "The language of teaching", "ask_start_date": "The start date",
    "ask_deadline": "The application deadline", "ask_entry_requirements": "Entry requirements",
    "ask_language_test": "English test scores", "ask_documents": "Application documents",
    "ask_components": "The parts of the programme", "ask_tracks": "The research tracks",
    "ask_study_abroad": "Studying abroad", "ask_contact": "Whom to contact", "ask_address": "The address",
}
# Both candidates must be at least this likely for the assistant to offer them as a choice.
CHOICE_MIN_CONFIDENCE = 0.3
# How likely (by the NLU) the previous topic must still be for a short question to stay on it.
CONTEXT_MIN_CONFIDENCE = 0.05
# A new intent the NLU is at least this sure of always wins over the previous topic.
NEW_TOPIC_CONFIDENCE = 0.75
CONTEXT_RANKS = 3
CONTEXT_MAX_WORDS = 6
QUESTION_WORDS = {"what", "when", "where", "which", "who", "how", "till", "until", "within",
                  "is", "are", "does", "do", "can", "per", "and"}


def leans_on_context(text: str) -> bool:
    """A short question ("till what time?", "postal code?") rather than a new statement."""
    words = normalise(text).split()
    if not words or len(words) > CONTEXT_MAX_WORDS:
        return False
    return text.strip().endswith("?") or bool(QUESTION_WORDS.intersection(words))


def names_anything(tracker: Tracker) -> bool:
    return bool((tracker.latest_message or {}).get("entities"))


def stay_on_topic(tracker: Tracker) -> Optional[str]:
    """The previous answer's intent (or faq/<key>) if this short question should stay on it."""
    last = tracker.get_slot("last_question")
    message = tracker.latest_message or {}
    current = (message.get("intent") or {}).get("name")
    if not last or last == current or names_anything(tracker) or not leans_on_context(message.get("text") or ""):
        return None
    if (message.get("intent") or {}).get("confidence", 0.0) >= NEW_TOPIC_CONFIDENCE:
        return None
    base = last.split("/", 1)[0]
    if base != RETRIEVAL_INTENT and base not in ACTION_BY_INTENT:
        return None
    for ranked in message.get("intent_ranking", [])[:CONTEXT_RANKS]:
        if ranked.get("name") == base and ranked.get("confidence", 0.0) >= CONTEXT_MIN_CONFIDENCE:
            return last
    return None


async def answer_again(
    dispatcher: CollectingDispatcher, tracker: Tracker, previous: str
) -> Optional[List[Dict[str, Any]]]:
    """Answers the latest message as the question `previous` was answered; None if it cannot."""
    if previous.startswith(f"{RETRIEVAL_INTENT}/"):
        context_answer = outcome("answered", answer=previous, context=True)
        dispatcher.utter_message(response=f"utter_{previous}", **context_answer)
        return []
    action = ACTION_BY_INTENT.get(previous)
    if action is None:
        return None
    answer = action.answer_as(knowledge_base(), tracker, previous)
    answer.intent = answer.intent or previous
    answer.context = True
    return await action.reply(dispatcher, tracker, answer)


def candidates(tracker: Tracker) -> List[str]:
    """The two questions an ambiguous message may be, when both are likely and answerable."""
    ranking = [r for r in (tracker.latest_message or {}).get("intent_ranking", [])
               if r.get("name") != "nlu_fallback"][:2]
    if len(ranking) < 2 or any(r.get("confidence", 0.0) < CHOICE_MIN_CONFIDENCE for r in ranking):
        return []
    names = [r["name"] for r in ranking]
    return names if all(n in INTENT_TITLES for n in names) else []
