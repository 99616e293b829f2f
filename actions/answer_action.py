"""The assistant's one custom action: says the answer actions/decision.py chose.

Every message the assistant answers carries, in the bot event's metadata (kwargs of
`utter_message` end up there in Rasa 3.6), what it did: `outcome` (answered, declined, not_stated,
choice, clarification, handoff), `reason` for a decline (off_topic, not_covered, other_institution,
low_confidence), `answer` (the question answered: an intent or faq/<key>), `also` (a second
question of the same message answered after it) and `context` when the answer leaned on the
conversation. The staff review page and the evaluation read these, so what
they report is what the assistant did. The slots keep what the answer was about for follow-ups;
the slot `language` (kept by actions/language.py before this action runs) says which language to
answer in: responses choose their variation by it, and composed answers are worded in it.
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import answers, handoff
from actions.catalogue import INTENT_OF_LABEL, title
from actions.decision import CHOICE, CLARIFY, DECLINE, HANDOFF, NOT_STATED, Decision, decide
from actions.knowledge_base import KnowledgeBase, knowledge_base
from actions.wording import language, phrase

DECLINE_RESPONSE = "utter_decline"
NOT_COVERED_RESPONSE = "utter_not_covered"


def faq_topic(key: str) -> str:
    return "study_abroad" if key.startswith("faq/abroad_") else "faq"


def say(dispatcher: CollectingDispatcher, kb: KnowledgeBase, decision: Decision,
        tracker: Tracker) -> List[Dict[str, Any]]:
    """Sends the chosen answer and returns the slot events that keep its context."""
    message = tracker.latest_message or {}
    slots = tracker.current_slot_values()
    lang = language(slots.get("language"))
    if decision.answer == DECLINE:
        done = {"outcome": "declined", "reason": decision.reason, "language": lang}
        if decision.institution is not None:
            dispatcher.utter_message(text=answers.not_our_institution(decision.institution, lang).text, **done)
        response = NOT_COVERED_RESPONSE if decision.reason == "not_covered" else DECLINE_RESPONSE
        return handoff.decline(dispatcher, tracker, response, **done)
    if decision.answer == NOT_STATED:
        reply = answers.not_stated(kb, handoff.now_utc(), lang, decision.attribute, decision.label, decision.entries,
                                   decision.programme, decision.uncovered)
        dispatcher.utter_message(text=reply.text, outcome="not_stated", answer=decision.attribute or None,
                                 language=lang)
        events = [SlotSet("topic", reply.topic)] if reply.topic else []
        if decision.label:
            events.append(SlotSet(decision.label, [e.key for e in decision.entries]))
        # A topic not covered for the entries named leaves them to talk about (their size, next).
        if decision.uncovered and decision.label:
            events.append(SlotSet("last_question", INTENT_OF_LABEL[decision.label]))
        return events
    if decision.answer == HANDOFF:
        return handoff.offer(dispatcher, tracker, kb=kb, topic=decision.topic)
    if decision.answer == CHOICE:
        buttons = [{"title": title(i, lang), "payload": f"/{i}"} for i in decision.choices]
        dispatcher.utter_message(text=phrase("choice", lang), buttons=buttons, outcome="choice", language=lang)
        return []
    if decision.answer == CLARIFY:
        dispatcher.utter_message(text=answers.clarify(slots.get("topic"), lang).text, outcome="clarification",
                                 language=lang)
        return []
    done = {"outcome": "answered", "answer": decision.answer, "context": decision.context, "language": lang}
    if decision.is_faq:
        dispatcher.utter_message(response=f"utter_{decision.answer}", **done)
        return [SlotSet("topic", faq_topic(decision.answer)), SlotSet("listed", None),
                SlotSet("last_question", decision.answer)]
    reply = answers.for_question(kb, decision.answer, decision.entries, message.get("text") or "",
                                 decision.place, decision.topic, lang)
    if decision.also:
        reply = answers.together(reply, answers.for_question(kb, decision.also, text=message.get("text") or "", lang=lang))
        done["also"] = decision.also
    dispatcher.utter_message(text=reply.text, buttons=reply.buttons or None, **done)
    events = [SlotSet("topic", reply.topic)]
    if decision.label:
        events.append(SlotSet(decision.label, [e.key for e in decision.entries] or None))
    # A new list replaces the last; an answer about entries of the last list keeps it ("tell me about
    # the last one", then "and the first?"); any other answer ends it.
    listed = slots.get("listed") if (slots.get("listed") or {}).get("label") == decision.label else None
    if reply.listed:
        listed = {"label": reply.listed[0].label, "keys": [e.key for e in reply.listed]}
    return events + [SlotSet("listed", listed), SlotSet("last_question", decision.answer)]


class ActionAnswer(Action):
    def name(self) -> Text:
        return "action_answer"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        kb = knowledge_base()
        decision = decide(kb, tracker.latest_message or {}, tracker.current_slot_values())
        return say(dispatcher, kb, decision, tracker)
