"""Measures the decision's context thresholds on whole conversations, not by hand.

Every turn of every conversation of an evaluation set is parsed once by the running model
(`/model/parse`; the NLU reads each message on its own, so its parse does not depend on the turns
before). The conversations are then replayed offline through the real `action_answer`
(actions/answer_action.py and actions/decision.py) with the slots each answer sets, once for each
combination of the thresholds below, and scored like evaluation/heldout.py scores them (the reply to
the last turn matches every pattern and is not a decline; off-topic messages must be declined).
The table goes to docs/benchmarks.md; the chosen values are the constants in actions/context.py
and actions/entries.py.

  python -m evaluation.replay                      # starts its own servers
  python -m evaluation.replay --rasa-url URL --token TOKEN
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import re
from contextlib import contextmanager
from typing import Dict, Iterator, List, Tuple

import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import context, entries
from actions.answer_action import ActionAnswer

from evaluation.heldout import EVAL_SETS, PROJECT, decline_texts, load_set
from evaluation.thresholds import measured_on_servers, parse

SLOTS = ["topic", "last_question", "destination", "track", "language_test", "document", "component"]
# name -> (module, constant, values tried)
GRID = {
    "choice confidence": (context, "CHOICE_MIN_CONFIDENCE", [0.2, 0.3, 0.4]),
    "short question words": (entries, "FOLLOWUP_MAX_WORDS", [6, 8, 10]),
}


@contextmanager
def overridden(values: Dict[str, float]) -> Iterator[None]:
    saved = {name: getattr(GRID[name][0], GRID[name][1]) for name in values}
    try:
        for name, value in values.items():
            module, constant, _ = GRID[name]
            setattr(module, constant, value)
        yield
    finally:
        for name, value in saved.items():
            module, constant, _ = GRID[name]
            setattr(module, constant, value)


@functools.lru_cache(maxsize=1)
def responses() -> Dict[str, str]:
    """Response name -> its (first) text, from domain.yml and data/responses/, as the NLG says them."""
    texts = {}
    for path in [PROJECT / "domain.yml", *sorted((PROJECT / "data" / "responses").glob("*.yml"))]:
        for name, variants in (yaml.safe_load(path.read_text()).get("responses") or {}).items():
            texts[name] = variants[0].get("text") or ""
    return texts


@functools.lru_cache(maxsize=1)
def rule_responses() -> Dict[str, str]:
    """Intent -> the response its rule says directly (small talk: greet, goodbye, ...)."""
    said = {}
    for path in sorted((PROJECT / "data" / "rules").glob("*.yml")):
        for rule in yaml.safe_load(path.read_text()).get("rules") or []:
            steps = rule.get("steps") or []
            if len(steps) == 2 and "intent" in steps[0] and steps[1].get("action", "").startswith("utter_"):
                said[steps[0]["intent"]] = steps[1]["action"]
    return said


def reply(parsed: List[Dict]) -> Tuple[str, bool]:
    """The text of the answer to the last turn, and whether it was a decline."""
    slots: Dict[str, object] = {name: None for name in SLOTS}
    action = ActionAnswer()
    messages: List[Dict] = []
    for message in parsed:
        small_talk = rule_responses().get((message.get("intent") or {}).get("name"))
        if small_talk:
            messages = [{"text": responses()[small_talk]}]
            continue
        tracker = Tracker("replay", dict(slots), message, [], False, None, {}, "action_listen")
        dispatcher = CollectingDispatcher()
        events = asyncio.run(action.run(dispatcher, tracker, {}))
        slots.update({e["name"]: e["value"] for e in events if e.get("event") == "slot"})
        messages = dispatcher.messages
    declined = any(m.get("outcome") == "declined" for m in messages)
    text = "\n".join(m.get("text") or responses().get(m.get("response") or "", "") for m in messages)
    return text, declined


def score(conversations: List[Tuple[List[Dict], List[str]]], foreign: List[List[Dict]]) -> Tuple[float, ...]:
    single = [right(c, e) for c, e in conversations if len(c) == 1]
    followups = [right(c, e) for c, e in conversations if len(c) > 1]
    declined = [reply(c)[1] for c in foreign]
    return (sum(single) / len(single), sum(followups) / len(followups), sum(declined) / len(declined))


def right(conversation: List[Dict], expect: List[str]) -> bool:
    text, declined = reply(conversation)
    return not declined and all(re.search(p, text, re.IGNORECASE) for p in expect)


def measure(rasa_url: str, token: str, name: str) -> List[Tuple]:
    in_scope, off_topic = load_set(EVAL_SETS[name])
    conversations = [([parse(rasa_url, token, t) for t in q["turns"]], q["expect"]) for q in in_scope]
    foreign = [[parse(rasa_url, token, m)] for m in off_topic]
    rows = []
    names = list(GRID)
    for values in itertools.product(*(GRID[n][2] for n in names)):
        with overridden(dict(zip(names, values))):
            rows.append((*values, *score(conversations, foreign)))
    return rows


def main(argv: List[str] | None = None) -> int:
    decline_texts()  # fails early when the domain cannot be read
    rows = measured_on_servers(argv, __doc__.splitlines()[0], measure)
    print("| " + " | ".join(GRID) + " | single-turn | follow-ups | off-topic declined |")
    print("|" + " ---: |" * (len(GRID) + 3))
    for row in rows:
        *values, single, followups, declined = row
        print("| " + " | ".join(f"{v:g}" for v in values) + f" | {single:.1%} | {followups:.1%} | {declined:.1%} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
