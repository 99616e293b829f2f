"""What the project's two small trained components share: words collected from the training
examples at training time, kept as one JSON file in the model, read back when the model loads.

Rasa has no component that keeps a vocabulary for later lookups (its featurizers keep theirs inside
their own encoders), hence this base; unknown_words.py and answer_support.py say what they collect.
"""

from __future__ import annotations

import json
import re
from typing import Any, Dict, List, Text, Type

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.tokenizers.tokenizer import Tokenizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

LETTERS = re.compile(r"[^\W\d_]")


def words_of(message: Message) -> List[str]:
    """The message's tokens that contain a letter, lower-cased, with their lemmas."""
    words = []
    for token in message.get(TOKENS_NAMES[TEXT]) or []:
        if LETTERS.search(token.text):
            words.append(token.text.lower())
            if token.lemma:
                words.append(token.lemma.lower())
    return words


class StoredWords(GraphComponent, IntentClassifier):
    """Base class: `words` (whatever a subclass collects) is stored as JSON under FILE."""

    FILE = "words.json"

    @classmethod
    def required_components(cls) -> List[Type]:
        # Placed after the classifiers in config.yml; Rasa can only check that a trainable
        # component's training inputs come first.
        return [Tokenizer]

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {}

    def __init__(self, model_storage: ModelStorage, resource: Resource, words: Any = None) -> None:
        self._model_storage = model_storage
        self._resource = resource
        self.words = self.decode(words)

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> GraphComponent:
        return cls(model_storage, resource)

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> GraphComponent:
        try:
            with model_storage.read_from(resource) as folder:
                stored = json.loads((folder / cls.FILE).read_text(encoding="utf-8"))
        except (ValueError, FileNotFoundError):
            stored = None
        return cls(model_storage, resource, stored)

    def store(self, words: Any) -> Resource:
        """Keeps `words` (JSON-able) in the model and in this component."""
        with self._model_storage.write_to(self._resource) as folder:
            (folder / self.FILE).write_text(json.dumps(words), encoding="utf-8")
        self.words = self.decode(words)
        return self._resource

    @staticmethod
    def decode(stored: Any) -> Any:
        """The in-memory form of what `store` wrote (None: nothing trained yet)."""
        raise NotImplementedError
