"""The faster action-response check accepts and refuses exactly what Rasa's own check does."""

from __future__ import annotations

import pytest
from jsonschema import ValidationError, validate
from rasa.core.actions.action import RemoteAction

import channels.rest  # noqa: F401  (installs the faster check)

GOOD = {"events": [{"event": "slot", "name": "topic", "value": "fees"}], "responses": [{"text": "hi"}]}
BAD = [{"events": "not a list"}, {"events": [{"no": "event key"}]}, {"events": [5]}, {"events": None},
       {"events": [{"event": ["slot"]}]}, {"events": [{"event": "slot", "name": "topic"}]},
       {"events": [{"event": "no such event"}]}, {"events": [{"event": "slot", "name": 3, "value": 1}]},
       {"events": [{"event": "action", "name": 7}]}, {"events": [{"event": "bot", "timestamp": "noon"}]},
       {"responses": "hi"}, {"responses": [5]}, [], "text"]


def test_channel_installs_the_faster_check():
    assert RemoteAction._validate_action_result.__module__ == "serving.action_validation"


def test_valid_result_passes():
    assert RemoteAction("a", None)._validate_action_result(GOOD)


@pytest.mark.parametrize("result", BAD)
def test_invalid_results_fail_like_rasa(result):
    with pytest.raises(ValidationError) as ours:
        RemoteAction("a", None)._validate_action_result(result)
    with pytest.raises(ValidationError) as theirs:
        validate(result, RemoteAction.action_response_format_spec())
    assert ours.value.message.startswith(theirs.value.message)
    assert "Failed to validate Action server response" in ours.value.message


def _every_kind_of_event():
    """One event of every type Rasa serialises, as an action server would send it."""
    from rasa.shared.core import events

    return [event.as_dict() for event in [
        events.SlotSet("topic", "fees"), events.ActionExecuted("utter_greet"), events.BotUttered("hi", {"a": 1}),
        events.UserUttered("hi", {"name": "greet"}, [{"entity": "track", "value": "x", "start": 0, "end": 1}]),
        events.EntitiesAdded([{"entity": "track", "value": "x"}]), events.AllSlotsReset(), events.Restarted(),
        events.FollowupAction("action_answer"), events.ActiveLoop(None), events.SessionStarted(),
        events.ConversationPaused(), events.ConversationResumed(), events.UserUtteranceReverted(),
        events.ActionReverted(), events.LoopInterrupted(True), events.ActionExecutionRejected("a"),
    ]]


def test_each_event_is_judged_as_rasas_whole_schema_judges_it():
    """The check by event type says valid exactly where the whole schema does (and on a no it
    defers to the whole schema, so its error is Rasa's)."""
    from jsonschema.validators import validator_for

    from serving.action_validation import _valid_by_event_type

    spec = RemoteAction.action_response_format_spec()
    whole = validator_for(spec)(spec)
    results = [GOOD, *BAD] + [{"events": [event]} for event in _every_kind_of_event()]
    results += [{"events": [{**event, "timestamp": "noon"}]} for event in _every_kind_of_event()]
    results += [{"events": [{**event, "metadata": 5}]} for event in _every_kind_of_event()]
    for result in results:
        assert _valid_by_event_type(result) == whole.is_valid(result), result
    assert sum(_valid_by_event_type(r) for r in results) >= 17  # the well-formed ones pass
