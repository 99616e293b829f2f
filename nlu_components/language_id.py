"""Which of the assistant's two languages a message is in, and the Rasa component that says so.

Identification is py3langid's (its model ships inside the package; no download), restricted to
English and Dutch. Measured on the last turns of the shared sets (docs/benchmarks.md, "Language
identification"): py3langid 97.8% of Dutch and 99.1% of English messages right, lingua 96.7% and
99.1% at three times the time and a 96 MB wheel, so py3langid is the one kept.

`LanguageEntity` adds an entity `language` to a message whose language it is sure of; the slot
`language` is filled from it (domain.yml, `from_entity`), so a message too short to tell ("ok",
"en cuba?") keeps the conversation's language, and "in English please" switches it, because it is
English. Responses then pick their Dutch variation by the slot (Rasa's conditional variations), and
the custom action words its answers in the slot's language.
"""

from __future__ import annotations

import functools
import re
from typing import Any, Dict, List, Optional, Text, Tuple

LANGUAGES = ("en", "nl")
DEFAULT_LANGUAGE = "en"
# Below this probability a message does not change the conversation's language (single words such
# as "ok", "cuba?" or "tracks" are as likely Dutch as English).
SURE = 0.9


@functools.lru_cache(maxsize=1)
def _identifier():
    from py3langid import langid

    identifier = langid.LanguageIdentifier.from_pickled_model(langid.MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(LANGUAGES))
    return identifier


_NOT_WORDS = re.compile(r"https?://\S+|[\d€$%.,:;!?()\[\]\"'/\\-]+")


def language_of(text: str) -> Tuple[str, float]:
    """The more likely of English and Dutch for `text`, and its probability."""
    cleaned = _NOT_WORDS.sub(" ", text or "").strip()
    if not cleaned:
        return DEFAULT_LANGUAGE, 0.5
    language, probability = _identifier().classify(cleaned.lower())
    return str(language), float(probability)


def sure_language(text: str) -> Optional[str]:
    """The message's language when it is clear enough to set the conversation's, else None."""
    language, probability = language_of(text)
    return language if probability >= SURE else None


try:  # The Rasa component; the functions above are used without Rasa too (the scorer).
    from rasa.engine.graph import ExecutionContext, GraphComponent
    from rasa.engine.recipes.default_recipe import DefaultV1Recipe
    from rasa.engine.storage.resource import Resource
    from rasa.engine.storage.storage import ModelStorage
    from rasa.shared.nlu.constants import ENTITIES, TEXT
    from rasa.shared.nlu.training_data.message import Message
except ImportError:  # pragma: no cover - only the scorer runs without Rasa
    GraphComponent = object  # type: ignore
else:

    @DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
    class LanguageEntity(GraphComponent):
        """Adds the entity `language` (en or nl) to a message whose language is clear."""

        @classmethod
        def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
                   execution_context: ExecutionContext) -> "LanguageEntity":
            return cls()

        def process(self, messages: List[Message]) -> List[Message]:
            for message in messages:
                text = message.get(TEXT) or ""
                language = None if text.startswith("/") else sure_language(text)
                if language:
                    entity = {"entity": "language", "value": language, "start": 0, "end": len(text),
                              "confidence_entity": 1.0, "extractor": "LanguageEntity"}
                    message.set(ENTITIES, [*(message.get(ENTITIES) or []), entity], add_to_output=True)
            return messages
