"""Declines a message none of whose words the assistant has ever seen.

Character n-grams let the classifiers read typos ("tution", "requirments"), but they also give
keyboard mashes and messages in languages the assistant was never taught a confident intent: a row
of one letter can score high on a real question. A message whose every word is missing from the
training examples and lookup tables, and that names no entity, is not something the assistant can
have understood, so this component makes it `out_of_scope` (the decision then declines it).

Rasa's classifiers offer no such check (the FallbackClassifier only reads their confidence), hence
this small trained component: training collects the vocabulary, prediction looks words up in it.
"""

from __future__ import annotations

import json
import re
from typing import Any, Dict, List, Optional, Set, Text, Type

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.tokenizers.tokenizer import Tokenizer
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu_components.intent_override import override_intent

DECLINED_INTENT = "out_of_scope"
FILE = "vocabulary.json"
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


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class UnknownWordsFallback(GraphComponent, IntentClassifier):
    @classmethod
    def required_components(cls) -> List[Type]:
        return [Tokenizer]

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {}

    def __init__(self, model_storage: ModelStorage, resource: Resource,
                 vocabulary: Optional[Set[str]] = None) -> None:
        self._model_storage = model_storage
        self._resource = resource
        self.vocabulary = vocabulary or set()

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> GraphComponent:
        return cls(model_storage, resource)

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> GraphComponent:
        try:
            with model_storage.read_from(resource) as folder:
                vocabulary = set(json.loads((folder / FILE).read_text(encoding="utf-8")))
        except (ValueError, FileNotFoundError):
            vocabulary = set()
        return cls(model_storage, resource, vocabulary)

    def train(self, training_data: TrainingData) -> Resource:
        vocabulary: Set[str] = set()
        for example in training_data.training_examples:
            vocabulary.update(words_of(example))
        for table in training_data.lookup_tables:
            for element in table.get("elements") or []:
                vocabulary.update(str(element).lower().split())
        self.vocabulary = vocabulary
        with self._model_storage.write_to(self._resource) as folder:
            (folder / FILE).write_text(json.dumps(sorted(vocabulary)), encoding="utf-8")
        return self._resource

    def knows_nothing_in(self, message: Message) -> bool:
        words = words_of(message)
        if not self.vocabulary or not words or message.get(ENTITIES):
            return False
        return not any(word in self.vocabulary for word in words)

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            if self.knows_nothing_in(message):
                override_intent(message, DECLINED_INTENT, 1.0)
        return messages
