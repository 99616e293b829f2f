"""Follow-ups like "what about Cuba?" or "and the TOEFL?", answered by what they name."""

from __future__ import annotations

import re
from typing import Text

from rasa_sdk import Tracker

from actions import answers
from actions.base import KnowledgeAction, answer_by_entities
from actions.knowledge_base import KnowledgeBase
from actions.context import ACTION_BY_INTENT

# How sure the NLU must be of the runner-up intent to answer a follow-up with it.
RUNNER_UP_MIN_CONFIDENCE = 0.1

_LEAD_IN = re.compile(r"^\s*(?:and|what|how|about|for|the|in|to|with|at|of|if|i|go|going|went|\s)+\b", re.I)
MAX_PLACE_WORDS = 3


def named_place(text: str, capitalised_only: bool = False) -> str:
    """The place a follow-up asks about ("what about Japan?" -> "Japan"), or "" if unclear.

    With `capitalised_only`, only a capitalised name counts: "what about the weather" names no place.
    """
    rest = _LEAD_IN.sub("", text).strip(" ?!.,")
    words = rest.split()
    if not words or len(words) > MAX_PLACE_WORDS or not all(w.isalpha() for w in words):
        return ""
    if capitalised_only and not words[0][0].isupper():
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
        place = named_place(tracker.latest_message.get("text") or "", capitalised_only=True)
        if topic == "study_abroad" and place:
            return answers.unlisted_destination(kb, place)
        runner_up = self.runner_up_intent(tracker)
        if runner_up:
            answer = ACTION_BY_INTENT[runner_up].answer_as(kb, tracker, runner_up)
            answer.intent = runner_up
            return answer
        return answers.clarify(topic)

    @staticmethod
    def runner_up_intent(tracker: Tracker) -> str | None:
        """The most likely intent after `followup` that an action here can answer, if likely enough."""
        for ranked in tracker.latest_message.get("intent_ranking", [])[1:3]:
            if ranked.get("name") in ACTION_BY_INTENT and ranked.get("confidence", 0) >= RUNNER_UP_MIN_CONFIDENCE:
                return ranked["name"]
        return None
