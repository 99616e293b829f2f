"""Reads each part of a message that asks two things ("when does it start, and what's the deadline?").

Rasa's classifiers give a message one intent, so the second question of a message that asks two
went unanswered. This component splits a message at sentence ends and at "and" / "en" and, when it
has two parts or more long enough to be a question, tells which question each part asks, with a
confidence: `question_parts` in the parse data, a list of {text, intent, confidence}. The decision
(actions/decision.py) adds the answer to a second programme fact when a part asks one surely.

The parts are classified by a logistic regression over the sentence embedding alone (the
SentenceEmbeddings feature, scaled to length 1), trained on the same examples as the intents: the
word-count features of a part would need the featurizers to run again on it, which Rasa's graph
does not offer a component; the embedding of a part is one call (nlu_components/sentence_embeddings.py).
Messages without a split point are not embedded again.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Text

import numpy as np
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu_components.linear_intents import LinearIntents
from nlu_components.sentence_embeddings import SentenceEmbeddings, embed

OUTPUT = "question_parts"
# Where a message's questions meet: a sentence's end, or "and" / "en" between two clauses.
SPLIT = re.compile(r"[?!.]+\s+|,?\s+\b(?:and|en)\b\s+", re.IGNORECASE)
# A part shorter than this is a name or a phrase of a list ("Immunity and Tolerance"), not a question.
MIN_WORDS = 3


def parts_of(text: str) -> List[str]:
    """The parts of `text` long enough to be a question of their own; one part or none: not split."""
    return [part.strip() for part in SPLIT.split(text or "") if len(part.split()) >= MIN_WORDS]


def _unit_rows(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms > 0, norms, 1.0)


def _embedding_of(message: Message) -> np.ndarray:
    """The SentenceEmbeddings feature of a training example (scaled in the pipeline; made length 1)."""
    for feature in message.features:
        if feature.attribute == TEXT and feature.origin == SentenceEmbeddings.__name__:
            return np.asarray(feature.features).reshape(-1)
    raise ValueError("QuestionParts needs SentenceEmbeddings before it in the pipeline")


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class QuestionParts(LinearIntents):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {**LinearIntents.get_default_config(), "file": "parts.skops"}

    def train(self, training_data: TrainingData) -> Resource:
        examples = [e for e in training_data.intent_examples if e.get(TEXT) and e.get(INTENT)]
        vectors = _unit_rows(np.stack([_embedding_of(e) for e in examples]))
        self.clf.fit(vectors, [e.get(INTENT) for e in examples])
        self.persist()
        return self._resource

    def process(self, messages: List[Message]) -> List[Message]:
        if not hasattr(self.clf, "classes_"):
            return messages
        for message in messages:
            parts = parts_of(message.get(TEXT))
            if len(parts) < 2:
                continue
            probabilities = self.clf.predict_proba(_unit_rows(embed(parts)))
            message.set(OUTPUT, [{"text": part, "intent": str(self.clf.classes_[row.argmax()]),
                                  "confidence": float(row.max())} for part, row in zip(parts, probabilities)],
                        add_to_output=True)
        return messages
