"""Follow-ups like "what about Cuba?" or "and the TOEFL?", answered by what they name."""

from __future__ import annotations

import re

from typing import Text

from rasa_sdk import Tracker

from actions import answers
from actions.base import KnowledgeAction, answer_by_entities
from actions.knowledge_base import KnowledgeBase

_LEAD_IN = re.compile(r"^\s*(?:and|what|how|about|for|the|in|to|with|at|of|if|i|go|going|went|\s)+\b", re.I)
MAX_PLACE_WORDS = 3


def named_place(text: str) -> str:
    """The place a follow-up asks about ("what about Japan?" -> "Japan"), or "" if unclear."""
    rest = _LEAD_IN.sub("", text).strip(" ?!.,")
    words = rest.split()
    if not words or len(words) > MAX_PLACE_WORDS or not all(w.isalpha() for w in words):
        return ""
    return " ".join(w.capitalize() for w in words)


class ActionAnswerFollowup(KnowledgeAction):
    def name(self) -> Text:
        return "action_answer_followup"

    def answer(self, kb: KnowledgeBase, tracker: Tracker) -> answers.Answer:
        topic = tracker.get_slot("topic")
        found = answer_by_entities(kb, tracker)
        if found is not None:
            return found
        place = named_place(tracker.latest_message.get("text") or "")
        if topic == "study_abroad" and place:
            return answers.unlisted_destination(kb, place)
        return answers.clarify(topic)
