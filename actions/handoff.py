"""A person to ask: when a student asks for one ("can I talk to someone?", the widget's "Contact a
person" control), and after two declines in a row.

Why not a rule: Rasa's rules cannot count, so every decline of actions/answer_action.py goes
through `decline()`, which reads the conversation's earlier turns from the tracker and adds the
offer when the previous message was declined too. The offer names the contact for the
conversation's topic and the next walk-in hour, from the knowledge base (answers.handoff).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Callable, Dict, List, Optional

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import answers
from actions.knowledge_base import KnowledgeBase, knowledge_base, normalise
from actions.wording import language

DECLINE_RESPONSE = "utter_decline"
# Marks the bot message that carried an offer (stored with the message in the tracker, never sent
# to the student), so that the next offer waits for two new declines.
OFFER_MARK = "handoff_offer"
DECLINES_BEFORE_OFFER = 2
# Words that say what a request for a person is about, when the message says it
# ("can I talk to someone about studying abroad?"); otherwise the conversation's topic counts.
TOPIC_WORDS = {
    "study_abroad": {"abroad", "exchange", "erasmus", "destination", "destinations", "minor", "evelien"},
    "admission": {"admission", "admissions", "apply", "application", "applying", "enrol", "enroll",
                  "master", "programme", "program", "fee", "fees", "deadline"},
}


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _turns(tracker: Tracker) -> List[List[Dict[str, Any]]]:
    """The bot messages of each student message so far, oldest first (the current one last)."""
    turns: List[List[Dict[str, Any]]] = []
    for event in tracker.events or []:
        if event.get("event") == "user":
            turns.append([])
        elif event.get("event") == "bot" and turns:
            turns[-1].append(event)
    return turns


def _is_decline(message: Dict[str, Any]) -> bool:
    metadata = message.get("metadata") or {}
    return metadata.get("outcome") == "declined" or metadata.get("utter_action") == DECLINE_RESPONSE


def _is_offer(message: Dict[str, Any]) -> bool:
    return bool((message.get("metadata") or {}).get(OFFER_MARK))


def earlier_declines_in_a_row(tracker: Tracker) -> int:
    """How many of the student's messages just before the current one were declined, one after
    the other, since the last offer of a person."""
    count = 0
    for messages in reversed(_turns(tracker)[:-1]):
        if any(_is_offer(m) for m in messages) or not any(_is_decline(m) for m in messages):
            break
        count += 1
    return count


def topic_of_request(tracker: Tracker) -> Optional[str]:
    """What the student wants a person for: named in the message, else the conversation's topic."""
    words = set(normalise((tracker.latest_message or {}).get("text") or "").split())
    for topic, cues in TOPIC_WORDS.items():
        if words & cues:
            return topic
    return tracker.get_slot("topic")


def offer(dispatcher: CollectingDispatcher, tracker: Tracker, after_declines: bool = False,
          kb: Optional[KnowledgeBase] = None, clock: Callable[[], dt.datetime] = now_utc) -> None:
    """Says whom to ask in person, marked so that the decline count starts again."""
    lang = language(tracker.get_slot("language"))
    reply = answers.handoff(kb or knowledge_base(), topic_of_request(tracker), clock(), after_declines, lang)
    dispatcher.utter_message(text=reply.text, outcome="handoff", language=lang, **{OFFER_MARK: True})


def decline(dispatcher: CollectingDispatcher, tracker: Tracker, response: str = DECLINE_RESPONSE,
            clock: Callable[[], dt.datetime] = now_utc, **metadata: Any) -> List[Dict[str, Any]]:
    """The honest decline (`response`, with the outcome `metadata`); on the second decline in a
    row, also the offer of a person."""
    dispatcher.utter_message(response=response, **metadata)
    if earlier_declines_in_a_row(tracker) + 1 >= DECLINES_BEFORE_OFFER:
        offer(dispatcher, tracker, after_declines=True, clock=clock)
    return []
