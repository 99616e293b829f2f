"""The assistant's action run on trackers built from JSON fixtures (fixtures/trackers.json), with the
exact events it must return, the facts and responses it must send, and the outcome it reports."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import ActionExecutor, CollectingDispatcher

import actions

CASES = json.loads((Path(__file__).parent / "fixtures" / "trackers.json").read_text(encoding="utf-8"))
SLOTS = ["language", "listed", "topic", "last_question", "destination", "track", "language_test", "document", "component"]


def registered_actions():
    executor = ActionExecutor()
    executor.register_package(actions)
    return executor


def tracker_for(case) -> Tracker:
    slots = {name: None for name in SLOTS} | case["slots"]
    message = {"intent_ranking": [case["latest_message"]["intent"]], **case["latest_message"]}
    return Tracker("fixture", slots, message, [], False, None, {}, "action_listen")


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_action(case):
    executor = registered_actions()
    action = executor.actions[case["action"]]
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action(dispatcher, tracker_for(case), {}))
    assert [{k: e[k] for k in ("event", "name", "value")} for e in events] == case["expected_events"]
    text = "\n".join(m.get("text") or "" for m in dispatcher.messages)
    for fact in case["expected_facts"]:
        assert fact in text
    assert [m["response"] for m in dispatcher.messages if m.get("response")] == case["expected_responses"]
    buttons = [b["payload"] for m in dispatcher.messages for b in m.get("buttons") or []]
    assert buttons == case.get("expected_buttons", [])
    # What the staff page and the evaluation read: the outcome the assistant reports for each message.
    if "expected_outcomes" in case:
        assert [m.get("outcome") for m in dispatcher.messages] == case["expected_outcomes"]
    if "expected_reason" in case:
        assert {m.get("reason") for m in dispatcher.messages} == {case["expected_reason"]}
    if "expected_answer" in case:
        assert [m.get("answer") for m in dispatcher.messages] == [case["expected_answer"]]
        assert dispatcher.messages[0].get("context") is case.get("expected_context", False)
    if "expected_also" in case:
        assert dispatcher.messages[0].get("also") == case["expected_also"]
        assert sum(line.startswith("Source:") for line in text.splitlines()) == case["expected_source_lines"]


def test_every_domain_action_is_registered():
    import yaml

    domain = yaml.safe_load((Path(__file__).parents[2] / "domain.yml").read_text())
    assert set(domain["actions"]) <= set(registered_actions().actions)
