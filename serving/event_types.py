"""Finds an event's class by its type name in a table instead of searching every Event subclass.

Rasa 3.6 rebuilds the conversation from its stored events on every message, and for each event
`Event.resolve_by_type` walks all subclasses of `Event` and asks `inspect.isabstract` of each: about
a tenth of a message's time in the Rasa server (docs/benchmarks.md, "Throughput and replicas").
This keeps Rasa's answer (the first non-abstract subclass with that `type_name`, in Rasa's order)
and remembers it per name; a name it does not know yet is looked up the slow way again, so event
classes imported later are still found. Installed by the REST channel, like action_validation.
"""

from __future__ import annotations

from typing import Dict, Optional, Text, Type

from rasa.shared.core.events import Event
from rasa.shared.utils.common import all_subclasses

_ORIGINAL = Event.resolve_by_type
_KNOWN: Dict[Text, Type[Event]] = {}


def _resolve_by_type(type_name: Text, default: Optional[Type[Event]] = None) -> Optional[Type[Event]]:
    found = _KNOWN.get(type_name)
    if found is not None:
        return found
    for cls in all_subclasses(Event):
        if cls.type_name == type_name:
            _KNOWN[type_name] = cls
            return cls
    return _ORIGINAL(type_name, default)  # its answer for unknown names (None, default or an error)


def install() -> None:
    Event.resolve_by_type = staticmethod(_resolve_by_type)
