"""Realistic conversations in the exact format Rasa's SQL tracker store writes.

Tests and benchmarks need thousands of conversations; sending them through
Rasa would take hours, so this builds the same events with Rasa's own event
classes (``Event.as_dict()`` is what ``SQLTrackerStore.save`` serialises) and
bulk-inserts them into ``events``. A test compares the rows with ones written
by a real ``SQLTrackerStore``.

    python -m staff.demo_data --conversations 500   # fill TRACKER_DB_URL
"""

from __future__ import annotations

import argparse
import json
import random
import time
import uuid
from typing import Iterable, List, Optional

import sqlalchemy as sa

FAQS = {
    "faq/tuition_fees": (
        ["What does a year of tuition cost fee for medicine?", "what does the bachelor cost per year",
         "Is the fee €18,016 for non-EU students?", "tuition fee biomedical sciences"],
        "The statutory fee applies to EU students; see the fees page for the current amounts.",
    ),
    "faq/numerus_fixus": (
        ["Is there a numerus fixus for medicine?", "how many places are there in year 1",
         "selection procedure geneeskunde", "How does the selection work?"],
        "Medicine has a selection procedure with a fixed number of places.",
    ),
    "faq/language_requirements": (
        ["Is TOEFL 80 enough?", "IELTS 6.0 ok for biomedical sciences?",
         "Do I need Dutch for medicine?", "what English test do you accept"],
        "The Bachelor's programmes are taught in Dutch; the Master's in English.",
    ),
    "faq/ec_workload": (
        ["How many EC is the bachelor?", "Is the master 120 EC?", "how heavy is year 1",
         "can I do 40 EC of electives"],
        "The Bachelor's programme is 180 EC; the Master's programme is 180 EC for Medicine.",
    ),
    "faq/open_days": (
        ["When is the next open day?", "Can I visit the LUMC before applying?",
         "is there a student for a day programme", "open dag geneeskunde"],
        "Open days are announced on the website; you can also join a student-for-a-day.",
    ),
    "faq/study_advisor": (
        ["Where is the study advisor?", "where is office V5-28?",
         "walk-in hours of the study advisor", "can I book a meeting with a study advisor"],
        "The study advisors hold walk-in hours at office V5-28, 14:00h-15:00h.",
    ),
    "faq/application_deadline": (
        ["By which date must I apply?", "Is the deadline 15 January?",
         "can I still apply for September 2025", "deadline studielink"],
        "Apply through Studielink before 15 January for programmes with selection.",
    ),
}
OUT_OF_SCOPE = [
    "what's the weather in Leiden", "can you order me a pizza", "who won the football match",
    "tell me a joke", "how do I renew my passport", "asdf qwerty", "where can I park my bike",
    "what is the best laptop for students", "can you write my essay",
]
FALLBACK = ["hmm", "??", "blah blah", "ok so what now", "I don't know"]
DECLINE_TEXT = "Sorry, I can only help with questions about studying at LUMC."
FALLBACK_TEXT = "Sorry, I didn't understand that. Could you rephrase?"
INTENTS = ["faq", "greet", "goodbye", "thank", "out_of_scope", "nlu_fallback"]


def _user(text, intent, conf, faq_key=None, faq_conf=None, ts=0.0):
    from rasa.shared.core.events import UserUttered

    ranking = [{"name": intent, "confidence": conf}] + [
        {"name": other, "confidence": round((1 - conf) / 5, 6)} for other in INTENTS if other != intent
    ]
    parse = {
        "text": text,
        "intent": {"name": intent, "confidence": conf},
        "entities": [],
        "text_tokens": [],
        "intent_ranking": ranking,
        "response_selector": {
            "all_retrieval_intents": ["faq"],
            "default": {"response": {"responses": None, "confidence": 0.0,
                                     "intent_response_key": None, "utter_action": "utter_None"},
                        "ranking": []},
            "faq": {
                "response": {
                    "responses": [{"text": FAQS[faq_key][1]}] if faq_key else None,
                    "confidence": faq_conf if faq_key else 0.0,
                    "intent_response_key": faq_key,
                    "utter_action": f"utter_{faq_key}" if faq_key else "utter_None",
                },
                "ranking": [{"confidence": faq_conf, "intent_response_key": faq_key}] if faq_key else [],
            },
        },
    }
    return UserUttered(text, intent=parse["intent"], parse_data=parse, input_channel="rest",
                       message_id=uuid.uuid4().hex, timestamp=ts)


def conversation(rng: random.Random, start: float, payload: Optional[str] = None) -> List:
    """Events of one realistic conversation starting at ``start``."""
    from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted

    ts = start
    evs: List = [
        ActionExecuted("action_session_start", timestamp=ts),
        SessionStarted(timestamp=ts),
        ActionExecuted("action_listen", timestamp=ts),
    ]

    def reply(action, text, conf_policy=0.98, meta=None):
        nonlocal ts
        ts += rng.uniform(0.05, 0.4)
        evs.append(ActionExecuted(action, policy="RulePolicy", confidence=conf_policy, timestamp=ts))
        evs.append(BotUttered(text, data={}, metadata={"utter_action": meta or action}, timestamp=ts))
        evs.append(ActionExecuted("action_listen", policy="RulePolicy", confidence=1.0, timestamp=ts))

    def ask(text, intent, conf, faq_key=None, faq_conf=None):
        nonlocal ts
        ts += rng.uniform(5, 90)
        evs.append(_user(text, intent, conf, faq_key, faq_conf, ts))

    if rng.random() < 0.5:
        ask(rng.choice(["hi", "hello", "Hoi!", "good morning"]), "greet", round(rng.uniform(0.9, 1), 4))
        reply("utter_greet", "Hi! I answer questions about studying medicine and biomedical sciences at LUMC.")
    for _ in range(rng.choice([1, 1, 2, 2, 3, 4])):
        roll = rng.random()
        if payload is not None:
            ask(payload, "faq", 0.41, "faq/tuition_fees", 0.37)
            reply("utter_faq", FAQS["faq/tuition_fees"][1], meta="utter_faq/tuition_fees")
            payload = None
        elif roll < 0.72:
            key = rng.choice(list(FAQS))
            conf = round(rng.uniform(0.35, 1.0) if rng.random() < 0.2 else rng.uniform(0.8, 1.0), 4)
            ask(rng.choice(FAQS[key][0]), "faq", conf, key, round(min(1.0, conf * rng.uniform(0.8, 1.05)), 4))
            reply("utter_faq", FAQS[key][1], meta=f"utter_{key}")
        elif roll < 0.88:
            ask(rng.choice(OUT_OF_SCOPE), "out_of_scope", round(rng.uniform(0.5, 0.99), 4))
            reply("action_decline", DECLINE_TEXT)
        else:
            ask(rng.choice(FALLBACK), "nlu_fallback", round(rng.uniform(0.3, 0.6), 4))
            reply("action_default_fallback", FALLBACK_TEXT, meta="utter_default")
    if rng.random() < 0.6:
        ask(rng.choice(["thanks!", "thank you", "bye", "dank je"]), "thank", round(rng.uniform(0.85, 1), 4))
        reply("utter_goodbye", "Good luck with your application!")
    return evs


def event_rows(sender_id: str, evs: Iterable) -> List[dict]:
    """Rows exactly as ``SQLTrackerStore.save`` writes them."""
    rows = []
    for event in evs:
        data = event.as_dict()
        rows.append({
            "sender_id": sender_id,
            "type_name": event.type_name,
            "timestamp": data.get("timestamp"),
            "intent_name": data.get("parse_data", {}).get("intent", {}).get("name"),
            "action_name": data.get("name"),
            "data": json.dumps(data),
        })
    return rows


def seed(engine: sa.engine.Engine, conversations: int, days: int = 60, seed_value: int = 4,
         now: Optional[float] = None, payloads: Optional[List[str]] = None) -> List[str]:
    """Bulk-insert ``conversations`` conversations spread over ``days`` days."""
    from staff.schema import events, metadata

    metadata.create_all(engine, tables=[events], checkfirst=True)
    rng = random.Random(seed_value)
    now = now or time.time()
    payloads = list(payloads or [])
    senders, batch = [], []
    for _ in range(conversations):
        sender = uuid.UUID(int=rng.getrandbits(128)).hex
        start = now - rng.uniform(60, days * 86400)
        batch.extend(event_rows(sender, conversation(rng, start, payloads.pop() if payloads else None)))
        senders.append(sender)
        if len(batch) >= 20000:
            with engine.begin() as conn:
                conn.execute(events.insert(), batch)
            batch = []
    if batch:
        with engine.begin() as conn:
            conn.execute(events.insert(), batch)
    return senders


def main(argv: Optional[List[str]] = None) -> None:
    from stores.db_url import create_engine, masked, tracker_db_url

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=500)
    parser.add_argument("--days", type=int, default=60)
    args = parser.parse_args(argv)
    url = tracker_db_url()
    seed(create_engine(url), args.conversations, args.days)
    print(f"seeded {args.conversations} conversations into {masked(url)}")


if __name__ == "__main__":
    main()
