"""Sends a question that names a knowledge-base entry to the actions, not to a fixed FAQ answer.

Fixed answers (retrieval intent `faq`) cannot look at entities, so "can I specialise in immunology"
could get the general answer on choosing a medical specialty although it names one of the
programme's tracks. When the NLU picks `faq` but the message names a destination, track or language
test (recognised by the EntityRuler built from knowledge/), this component turns the intent into
`followup`, whose action answers about what the message names.
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import ENTITIES, ENTITY_ATTRIBUTE_TYPE, INTENT, INTENT_NAME_KEY, PREDICTED_CONFIDENCE_KEY
from rasa.shared.nlu.training_data.message import Message

from nlu_components.intent_override import IntentOverride, override_intent


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class NamedEntryOverridesFaq(IntentOverride):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"retrieval_intent": "faq", "target_intent": "followup",
                "labels": ["destination", "track", "language_test"]}

    def __init__(self, config: Dict[Text, Any]) -> None:
        self.retrieval_intent = config["retrieval_intent"]
        self.target_intent = config["target_intent"]
        self.labels = set(config["labels"])

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            intent = message.get(INTENT) or {}
            if intent.get(INTENT_NAME_KEY) != self.retrieval_intent:
                continue
            if not any(e.get(ENTITY_ATTRIBUTE_TYPE) in self.labels for e in message.get(ENTITIES) or []):
                continue
            override_intent(message, self.target_intent, intent.get(PREDICTED_CONFIDENCE_KEY, 1.0))
        return messages
