"""Validates action-server responses with one compiled JSON schema instead of building it per call.

Rasa 3.6's RemoteAction checks every action-server response with `jsonschema.validate()`, which
checks and compiles the schema anew each time: about 27 ms of a 60 ms round trip on our machines
(docs/benchmarks.md). This replaces that method with the same check against a validator built once,
so behaviour (the same schema, the same error message) is unchanged. Installed by the REST channel,
which every `rasa run` of this project loads.
"""

from __future__ import annotations

from typing import Any, Dict, Text

from jsonschema import ValidationError
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL

_SPEC = RemoteAction.action_response_format_spec()
_VALIDATOR = validator_for(_SPEC)(_SPEC)
validator_for(_SPEC).check_schema(_SPEC)


def _validate_action_result(self: RemoteAction, result: Dict[Text, Any]) -> bool:
    try:
        _VALIDATOR.validate(result)
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
