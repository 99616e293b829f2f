"""Declines a message none of whose words the assistant has ever seen.

Character n-grams let the classifiers read typos ("tution", "requirments"), but they also give
keyboard mashes and messages in languages the assistant was never taught a confident intent: a row
of one letter can score high on a real question. A message whose every word is missing from the
training examples and lookup tables, and that names no entity, is not something the assistant can
have understood, so this component makes it `out_of_scope` (the decision then declines it).

Rasa's classifiers offer no such check (the FallbackClassifier only reads their confidence), hence
this small trained component (nlu_components/stored_words.py): training collects the vocabulary,
prediction looks words up in it.
"""

from __future__ import annotations

from typing import Any, List, Set

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import ENTITIES
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu_components.intent_override import override_intent
from nlu_components.stored_words import StoredWords, words_of

DECLINED_INTENT = "out_of_scope"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class UnknownWordsFallback(StoredWords):
    FILE = "vocabulary.json"

    @staticmethod
    def decode(stored: Any) -> Set[str]:
        return set(stored or [])

    def train(self, training_data: TrainingData) -> Resource:
        vocabulary: Set[str] = set()
        for example in training_data.training_examples:
            vocabulary.update(words_of(example))
        for table in training_data.lookup_tables:
            for element in table.get("elements") or []:
                vocabulary.update(str(element).lower().split())
        return self.store(sorted(vocabulary))

    def knows_nothing_in(self, message: Message) -> bool:
        words = words_of(message)
        if not self.words or not words or message.get(ENTITIES):
            return False
        return not any(word in self.words for word in words)

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            if self.knows_nothing_in(message):
                override_intent(message, DECLINED_INTENT, 1.0)
        return messages
