"""The faster action-response check accepts and refuses exactly what Rasa's own check does."""

from __future__ import annotations

import pytest
from jsonschema import ValidationError, validate
from rasa.core.actions.action import RemoteAction

import channels.rest  # noqa: F401  (installs the faster check)

GOOD = {"events": [{"event": "slot", "name": "topic", "value": "fees"}], "responses": [{"text": "hi"}]}
BAD = [{"events": "not a list"}, {"events": [{"no": "event key"}]}, {"events": [5]}]


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
