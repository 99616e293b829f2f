"""Validates action-server responses with one compiled JSON schema instead of building it per call,
each event against its own type's part of it.

Rasa 3.6's RemoteAction checks every action-server response with `jsonschema.validate()`, which
checks and compiles the schema anew each time: about 27 ms of a 60 ms round trip on our machines
(docs/benchmarks.md). This replaces that method with the same check against a validator built once,
so behaviour (the same schema, the same error message) is unchanged. Installed by the REST channel,
which every `rasa run` of this project loads.
"""

from __future__ import annotations

from typing import Any, Dict, Text

from jsonschema import ValidationError
from jsonschema.exceptions import best_match
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL

_SPEC = RemoteAction.action_response_format_spec()
_VALIDATOR = validator_for(_SPEC)(_SPEC)
validator_for(_SPEC).check_schema(_SPEC)


def _by_event_type() -> Dict[Text, Any]:
    """A validator per event type: the event schema's common part with that type's alternative.

    The schema accepts an event that matches exactly one of its `oneOf` alternatives, each of which
    fixes `event` to its own constant, and `event` is required: so an event is valid exactly when
    it is valid against the alternative its `event` names. Checking that one instead of all 23
    takes a result of three slot events from about 2 ms to a tenth of that."""
    event_schema = _SPEC["properties"]["events"]["items"]
    common = {key: value for key, value in event_schema.items() if key != "oneOf"}
    validators = {}
    for alternative in event_schema["oneOf"]:
        schema = {"allOf": [common, alternative]}
        validators[alternative["properties"]["event"]["const"]] = validator_for(schema)(schema)
    return validators


_EVENT_VALIDATORS = _by_event_type()


def _valid_by_event_type(result: Any) -> bool:
    """Whether `result` is valid, checking each event against its own type's schema only. False
    sends the result through the whole schema, which says what is wrong in Rasa's own words."""
    if not isinstance(result, dict) or not isinstance(result.get("events", []), list):
        return False
    for event in result.get("events", []):
        kind = event.get("event") if isinstance(event, dict) else None
        validator = _EVENT_VALIDATORS.get(kind) if isinstance(kind, str) else None
        if validator is None or not validator.is_valid(event):
            return False
    responses = result.get("responses", [])
    return isinstance(responses, list) and all(isinstance(r, dict) for r in responses)


def _validate_action_result(self: RemoteAction, result: Dict[Text, Any]) -> bool:
    try:
        if not _valid_by_event_type(result):
            # As jsonschema.validate() picks the error to report: the same words as Rasa's check.
            error = best_match(_VALIDATOR.iter_errors(result))
            if error is not None:
                raise error
        return True
    except ValidationError as e:
        e.message += (
            f". Failed to validate Action server response from API, "
            f"make sure your response from the Action endpoint is valid. "
            f"For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions"
        )
        raise e


def install() -> None:
    RemoteAction._validate_action_result = _validate_action_result
