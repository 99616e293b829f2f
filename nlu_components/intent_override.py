"""What both of the project's NLU components share: they run after the FAQ answer is chosen
(nlu_components/linear_intents.py), train nothing, and replace the predicted intent, putting the new
one first in the ranking."""

from __future__ import annotations

from typing import List, Type

from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, PREDICTED_CONFIDENCE_KEY
from rasa.shared.nlu.training_data.message import Message

from nlu_components.linear_intents import LinearIntents
from nlu_components.untrained import Untrained


class IntentOverride(Untrained, IntentClassifier):
    """Base for untrained components that may replace the intent the classifiers predicted."""

    @classmethod
    def required_components(cls) -> List[Type]:
        return [LinearIntents]


def override_intent(message: Message, name: str, confidence: float) -> None:
    """Makes `name` the message's intent and the first of its ranking (listed there once)."""
    intent = {INTENT_NAME_KEY: name, PREDICTED_CONFIDENCE_KEY: confidence}
    message.set(INTENT, intent, add_to_output=True)
    ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get(INTENT_NAME_KEY) != name]
    message.set(INTENT_RANKING_KEY, [dict(intent), *ranking], add_to_output=True)
