"""Actions that answer from the conversation's context.

Fallback: when the NLU is unsure, a message that names something the knowledge base knows
("which cambridge exam do you take") is answered about it; a short question that leans on the
previous answer is answered in that context ("till what time?" after the walk-in hour); a message
torn between two questions gets "Did you mean ...?" buttons; anything else is declined.

Rasa's fallback only sees the message itself, so "within how long?" after a careers answer would
be declined although its referent is clear. The `last_question` slot (set by every answer) gives
the context; with no context, or for longer messages, the honest decline stands.

Details ("how many?", "which year?") are answered as the previous question was, and every fixed
FAQ answer is remembered so that details after it have a referent too.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.base import DECLINE_RESPONSE, answer_by_entities, outcome
from actions.context import INTENT_TITLES, RETRIEVAL_INTENT, answer_again, candidates, leans_on_context
from actions.followup_actions import ActionAnswerFollowup
from actions.answers import clarify
from actions.knowledge_base import knowledge_base


def faq_topic(key: str) -> str:
    return "study_abroad" if key.startswith("abroad_") else "faq"


class ActionContextualFallback(Action):
    def name(self) -> Text:
        return "action_contextual_fallback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        kb = knowledge_base()
        named = answer_by_entities(kb, tracker)
        if named is not None:
            return await ActionAnswerFollowup().reply(dispatcher, tracker, named)
        last = tracker.get_slot("last_question")
        if last and leans_on_context(tracker.latest_message.get("text") or ""):
            events = await answer_again(dispatcher, tracker, last)
            if events is not None:
                return events
        choice = candidates(tracker)
        if choice:
            dispatcher.utter_message(
                text="I'm not sure which you mean. Did you mean one of these?",
                buttons=[{"title": INTENT_TITLES[i], "payload": f"/{i}"} for i in choice],
                **outcome("choice"),
            )
            return []
        dispatcher.utter_message(response=DECLINE_RESPONSE, **outcome("declined", reason="low_confidence"))
        return []


class ActionRememberFaq(Action):
    """Runs after a fixed FAQ answer so that follow-ups know what was answered."""

    def name(self) -> Text:
        return "action_remember_faq"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        selector = tracker.latest_message.get("response_selector", {}).get(RETRIEVAL_INTENT, {})
        key = selector.get("response", {}).get("intent_response_key")
        if not key or not re.fullmatch(rf"{RETRIEVAL_INTENT}/\w+", key):
            return []
        return [SlotSet("last_question", key), SlotSet("topic", faq_topic(key.split("/", 1)[1]))]


class ActionAnswerDetail(Action):
    """A question that only makes sense after an answer ("how many?", "which year?"): answered
    as the previous question was, about what that answer was about."""

    def name(self) -> Text:
        return "action_answer_detail"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        last = tracker.get_slot("last_question")
        events = await answer_again(dispatcher, tracker, last) if last else None
        if events is None:
            return await ActionAnswerFollowup().reply(dispatcher, tracker, clarify(tracker.get_slot("topic")))
        return events
