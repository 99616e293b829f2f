"""Gives the classifiers only the features they read: the message's sentence features.

The logistic regression (linear_intents.py) reads the sentence features alone.
The rest of this note is about the ResponseSelector, a DIET model, which chose the FAQ answer
before them and is still measured as a variant (benchmarks/quality.py).

It runs without transformer layers (config.yml), and then each position of a message goes through
its own dense layers: nothing mixes the tokens. It reads its answer off the last position alone,
where Rasa puts the sentence features (for the count-vector and regex featurizers, the sum of the
tokens' features). Every token's features were still carried through dense layers, in training and
for every message served, and then thrown away. Replacing the token-level (sequence) features of the
text here leaves what the classifiers can learn unchanged and spares that work (docs/benchmarks.md,
"Training"). Rasa has no setting that keeps a featurizer's sentence features without its sequence
features, and the ResponseSelector (a DIET model) refuses text without any sequence features, so one
placeholder position stands in for the tokens. It is sparse, like the features it replaces, so the
classifiers build the same layers for the sentence features as before: a dense placeholder would add
a layer that unifies the two kinds' widths. Entities come from the spaCy EntityRuler, which reads
the text, not these features.
"""

from __future__ import annotations

from typing import List

import numpy as np
import scipy.sparse
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import FEATURE_TYPE_SEQUENCE, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu_components.untrained import Untrained

PLACEHOLDER = scipy.sparse.coo_matrix(np.ones((1, 1), dtype=np.float32))


def replace_sequence_features(message: Message) -> None:
    """Replaces the text's token-level features in `message` by one placeholder position."""
    kept = [f for f in message.features if not (f.attribute == TEXT and f.type == FEATURE_TYPE_SEQUENCE)]
    if len(kept) != len(message.features):
        kept.append(Features(PLACEHOLDER, FEATURE_TYPE_SEQUENCE, TEXT, SentenceFeaturesOnly.__name__))
        message.features = kept
        message._cached_fingerprint = None


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class SentenceFeaturesOnly(Untrained):
    """Placed after the featurizers and before the classifiers."""

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for message in training_data.training_examples:
            replace_sequence_features(message)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            replace_sequence_features(message)
        return messages
