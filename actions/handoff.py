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
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import answers, topic_words
from actions.knowledge_base import KnowledgeBase, knowledge_base
from actions.wording import language

DECLINE_RESPONSE = "utter_decline"
# Marks the bot message that carried an offer (stored with the message in the tracker, never sent
# to the student), so that the next offer waits for two new declines.
OFFER_MARK = "handoff_offer"
DECLINES_BEFORE_OFFER = 2
# The question a person offered answers: follow-ups about them are asked of it.
CONTACT_QUESTION = "ask_contact"


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


def topic_named(kb: KnowledgeBase, text: str) -> Optional[str]:
    """The topic of the contact a message names (knowledge/handoff.yml: the contact's own synonyms
    or the words of its lookup tables, "someone about going abroad"), or None."""
    for contact in kb.files["handoff.yml"]["handoff"].values():
        if kb.names_fact(contact["fact"], text) or any(
                topic_words.uses_table(text, table) for table in contact.get("words") or []):
            return contact["topics"][0]
    return None


def person_topic(kb: KnowledgeBase) -> Optional[str]:
    """The topic of the one contact that is a person (its fact gives a name): after contacts were
    offered, "when is she there?" can only be about her."""
    people = [c for c in kb.files["handoff.yml"]["handoff"].values() if kb.record(c["fact"]).data.get("name")]
    return people[0]["topics"][0] if len(people) == 1 else None


def offer(dispatcher: CollectingDispatcher, tracker: Tracker, after_declines: bool = False,
          kb: Optional[KnowledgeBase] = None, clock: Callable[[], dt.datetime] = now_utc,
          topic: Optional[str] = None) -> List[Dict[str, Any]]:
    """Says whom to ask in person about `topic` (else the conversation's), marked so that the
    decline count starts again. The events leave the contacts offered as what was just asked, so
    that "where is her office?" or "when is she there?" is about them."""
    lang = language(tracker.get_slot("language"))
    topic = topic or tracker.get_slot("topic")
    reply = answers.handoff(kb or knowledge_base(), topic, clock(), after_declines, lang)
    dispatcher.utter_message(text=reply.text, outcome="handoff", language=lang, **{OFFER_MARK: True})
    return [SlotSet("topic", topic), SlotSet("last_question", CONTACT_QUESTION)]


def decline(dispatcher: CollectingDispatcher, tracker: Tracker, response: str = DECLINE_RESPONSE,
            clock: Callable[[], dt.datetime] = now_utc, **metadata: Any) -> List[Dict[str, Any]]:
    """The honest decline (`response`, with the outcome `metadata`); on the second decline in a
    row, also the offer of a person, for the contact the declined message names if it names one."""
    dispatcher.utter_message(response=response, **metadata)
    if earlier_declines_in_a_row(tracker) + 1 >= DECLINES_BEFORE_OFFER:
        kb = knowledge_base()
        named = topic_named(kb, (tracker.latest_message or {}).get("text") or "")
        return offer(dispatcher, tracker, after_declines=True, kb=kb, clock=clock, topic=named)
    return []
