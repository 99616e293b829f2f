"""Keeps the conversation's language in the slot `language`, from the NLU pipeline.

Each student message may change the conversation's language (actions/language.py, `language_after`:
a clear message sets it, a short one keeps it, "in Dutch please" switches). This component decides
it while the message is parsed and, where it changes, adds the entity `language` with the new
value; the slot `language` fills from that entity (a `from_entity` mapping in domain.yml), so the
rule's response or action that follows is already in the right language.

It needs the conversation's language so far, which an NLU component gets by naming a `tracker`
parameter in `process` (Rasa's recipe then hands it the conversation's tracker; a parse without a
conversation, such as `rasa shell nlu`, gets an empty one). It was a custom slot-mapping action
(`action_validate_slot_mappings`), which cost every message a second call to the action server with
the whole conversation in it: REST p50 and p95 about 7 ms more (docs/benchmarks.md,
"Eighteenth session"). Placed last in config.yml, it sees the final intent and the names the other
extractors found, and adds nothing the other components read. A button's payload is unpacked by
Rasa after every component has run, so a payload that should set the language names it itself
(`/greet{"language": "nl"}`, as the widget opens a conversation).
"""

from __future__ import annotations

from typing import List

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_NAME_KEY, METADATA, TEXT
from rasa.shared.nlu.training_data.message import Message

from actions.language import language_after
from nlu_components.untrained import Untrained

SLOT = "language"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class MessageLanguage(Untrained):
    def process(self, messages: List[Message], tracker: DialogueStateTracker) -> List[Message]:
        current = tracker.get_slot(SLOT)
        for message in messages:
            page = (message.get(METADATA) or {}).get("page_language")
            language = language_after(message.get(TEXT) or "", (message.get(INTENT) or {}).get(INTENT_NAME_KEY),
                                      message.get(ENTITIES) or [], current, page)
            if language and language != current:
                entity = {"entity": SLOT, "value": language, "extractor": self.__class__.__name__}
                message.set(ENTITIES, [*(message.get(ENTITIES) or []), entity], add_to_output=True)
        return messages
