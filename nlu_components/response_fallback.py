"""Falls back when the FAQ answer chosen (nlu_components/linear_intents.py) is unsure.

Rasa's FallbackClassifier only looks at intent confidence (RasaHQ/rasa#9723, #9751): an off-topic
question can score 0.99 on the retrieval intent `faq` and then get whichever answer ranks first,
however low that answer's own confidence. This component, placed after the answer is chosen,
turns such a prediction into `nlu_fallback`, exactly as the FallbackClassifier would.
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, PREDICTED_CONFIDENCE_KEY
from rasa.shared.nlu.training_data.message import Message

from nlu_components.intent_override import IntentOverride, override_intent

RESPONSE_SELECTOR_KEY = "response_selector"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class ResponseConfidenceFallback(IntentOverride):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        # threshold: the lowest response confidence that is still answered.
        return {"threshold": 0.5}

    def __init__(self, config: Dict[Text, Any]) -> None:
        self.threshold = float(config["threshold"])

    def response_confidence(self, message: Message) -> float | None:
        """Confidence of the chosen answer for the predicted retrieval intent, if there is one."""
        intent = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
        selector = (message.get(RESPONSE_SELECTOR_KEY) or {}).get(intent)
        if not selector:
            return None
        return selector.get("response", {}).get(PREDICTED_CONFIDENCE_KEY)

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            confidence = self.response_confidence(message)
            if confidence is None or confidence >= self.threshold:
                continue
            override_intent(message, DEFAULT_NLU_FALLBACK_INTENT_NAME, self.threshold)
        return messages
