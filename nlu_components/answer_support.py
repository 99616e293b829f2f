"""Tells the decision which content words a message shares with the examples of the answer chosen.

The classifiers always pick their most likely answer, and on a message far from every topic the
most likely one can still score high: a cooking question shaped like "how do I ...?" looks like a
study-abroad question to them. A message whose content words (not stop words) are all absent from
the examples of the question it was classified as has not been understood, whatever the
confidence. This component records the shared words under `answer_support` in the parse data
(an empty list: nothing shared), and `actions/decision.py` declines such a message unless the
conversation gives it a meaning.

Nothing is recorded (None) for a message without content words ("how much is it?") or naming an
entity: there is nothing to check, or the entity already ties it to a topic.

Rasa's classifiers offer no such check, hence this small trained component
(nlu_components/stored_words.py): training collects each answer's words (each FAQ answer
separately), prediction intersects.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Set

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.nlu.constants import RESPONSE_SELECTOR_PROPERTY_NAME
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_NAME_KEY, INTENT_RESPONSE_KEY
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from spacy.lang.en.stop_words import STOP_WORDS

from nlu_components.stored_words import StoredWords, words_of

OUTPUT = "answer_support"
RETRIEVAL_INTENT = "faq"


def content_words(message: Message) -> Set[str]:
    """Lower-cased words and lemmas of two letters or more that are not stop words."""
    return {word for word in words_of(message) if len(word) > 1 and word not in STOP_WORDS}


def answer_of(message: Message) -> Optional[str]:
    """The answer the NLU chose: an intent, or for the FAQ the chosen answer's key."""
    intent = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
    if intent != RETRIEVAL_INTENT:
        return intent
    selected = (message.get(RESPONSE_SELECTOR_PROPERTY_NAME) or {}).get(RETRIEVAL_INTENT) or {}
    return (selected.get("response") or {}).get(INTENT_RESPONSE_KEY)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class AnswerSupport(StoredWords):
    FILE = "answer_words.json"

    @staticmethod
    def decode(stored: Any) -> Dict[str, Set[str]]:
        return {answer: set(words) for answer, words in (stored or {}).items()}

    def train(self, training_data: TrainingData) -> Resource:
        words: Dict[str, Set[str]] = {}
        for example in training_data.intent_examples:
            intent = example.get(INTENT)
            answer = example.get(INTENT_RESPONSE_KEY) if intent == RETRIEVAL_INTENT else intent
            if answer:
                words.setdefault(answer, set()).update(content_words(example))
        return self.store({answer: sorted(w) for answer, w in sorted(words.items())})

    def support(self, message: Message) -> Optional[List[str]]:
        """The message's content words found in its answer's examples; None when not checked."""
        answer = answer_of(message)
        if not answer or answer not in self.words or message.get(ENTITIES):
            return None
        words = content_words(message)
        if not words:
            return None
        return sorted(words & self.words[answer])

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            message.set(OUTPUT, self.support(message), add_to_output=True)
        return messages
