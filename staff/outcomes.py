"""What the assistant did with a student's message, read from the bot messages it sent.

The custom actions put their outcome into each message's metadata (``actions/answer_action.py``):
``outcome`` (answered, declined, not_stated, clarification, choice, handoff), ``reason`` for
declines (off_topic, low_confidence, other_institution, not_covered; a not_stated answer counts as
a decline with the reason not_stated), ``context`` when answered from the
conversation's context, and ``answer`` (the intent or faq/<key> answered). Responses uttered by
rules straight from the domain carry only ``utter_action``; those are classified here from the
response's name and the message's intent. Intents alone never decide: an ``out_of_scope`` message
answered from context counts as answered, a fee question about another university as declined.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Optional

ANSWERED, DECLINED, CLARIFICATION, CHOICE, HANDOFF = "answered", "declined", "clarification", "choice", "handoff"
CHITCHAT, NO_REPLY = "chitchat", "no_reply"
OUTCOMES = (ANSWERED, DECLINED, CHOICE, CLARIFICATION, HANDOFF, CHITCHAT, NO_REPLY)
# In a reviewer's words (the staff page's filters and staff/describe.py).
OUTCOME_TITLES = {
    ANSWERED: "answered", DECLINED: "declined", CHOICE: "offered a choice (Did you mean …?)",
    CLARIFICATION: "asked to say more", HANDOFF: "handed over to a person", CHITCHAT: "greeting, thanks or help",
    NO_REPLY: "no reply yet",
}
REASONS = ("off_topic", "low_confidence", "other_institution", "not_covered", "not_stated")
REASON_TITLES = {"off_topic": "off topic", "low_confidence": "unsure what was asked",
                 "other_institution": "about another university", "not_covered": "not in the documents",
                 "not_stated": "said precisely what the documents do not state"}
# The action's outcome for a precise "the documents don't give X for Y": a decline, with its own reason.
NOT_STATED = "not_stated"
# When one turn's messages disagree, the first of these in a turn wins.
PRIORITY = (DECLINED, HANDOFF, CHOICE, CLARIFICATION, ANSWERED, CHITCHAT)

DECLINE_RESPONSE = "utter_decline"
FAQ_RESPONSE_PREFIX = "utter_faq/"
# Domain responses that keep the conversation going rather than answer a question.
CHITCHAT_RESPONSES = {"utter_greet", "utter_goodbye", "utter_thanks", "utter_iamabot", "utter_help"}
HANDOFF_RESPONSES = {"utter_handoff", "utter_contact_person"}
DECLINE_REASON_OF_INTENT = {"out_of_scope": "off_topic", "nlu_fallback": "low_confidence"}


@dataclass
class Outcome:
    outcome: str = NO_REPLY
    reason: Optional[str] = None
    context: bool = False
    answer: Optional[str] = None

    @property
    def declined(self) -> bool:
        return self.outcome == DECLINED


def of_message(metadata: dict, intent: Optional[str], faq_key: Optional[str]) -> Outcome:
    """The outcome one bot message stands for."""
    metadata = metadata or {}
    kind = metadata.get("outcome")
    if kind == NOT_STATED:
        return Outcome(DECLINED, NOT_STATED, bool(metadata.get("context")), metadata.get("answer") or None)
    if kind in OUTCOMES:
        reason = metadata.get("reason") if kind == DECLINED else None
        return Outcome(kind, reason if reason in REASONS else ("not_covered" if kind == DECLINED else None),
                       bool(metadata.get("context")), metadata.get("answer") or None)
    utter = metadata.get("utter_action") or ""
    if utter == DECLINE_RESPONSE:
        return Outcome(DECLINED, DECLINE_REASON_OF_INTENT.get(intent or "", "not_covered"))
    if utter.startswith(FAQ_RESPONSE_PREFIX):
        return Outcome(ANSWERED, answer="faq/" + utter[len(FAQ_RESPONSE_PREFIX):])
    if utter in CHITCHAT_RESPONSES:
        return Outcome(CHITCHAT, answer=intent)
    if utter in HANDOFF_RESPONSES:
        return Outcome(HANDOFF)
    return Outcome(ANSWERED, answer=faq_key or intent)


def combine(current: Outcome, message: Outcome) -> Outcome:
    """A turn's outcome after one more of its bot messages."""
    if current.outcome == NO_REPLY or PRIORITY.index(message.outcome) < PRIORITY.index(current.outcome):
        merged = Outcome(message.outcome, message.reason, current.context or message.context,
                         message.answer or current.answer)
    else:
        merged = Outcome(current.outcome, current.reason, current.context or message.context,
                         current.answer or message.answer)
    return merged


def of_turn(messages: Iterable[dict], intent: Optional[str], faq_key: Optional[str]) -> Outcome:
    """The outcome of a turn from its bot messages' metadata, in order."""
    result = Outcome()
    for metadata in messages:
        result = combine(result, of_message(metadata, intent, faq_key))
    return result
