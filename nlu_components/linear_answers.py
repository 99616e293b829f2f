"""Which fixed (FAQ) answer a question gets, by logistic regression over the same features as the intents.

Rasa's ResponseSelector is a DIET network: it trained for 100 epochs, most of `make train`, and its
choice moved between seeds of the same data, so a change to the examples could not be measured
apart from the seed. Over the sentence features (word counts and the sentence embedding) a linear
model chooses as well (docs/benchmarks.md, "Tenth session"), trains in seconds and gives the same
model for the same examples. It is the intent classifier's logistic regression
(nlu_components/linear_intents.py) trained on the retrieval intent's examples, labelled by their
answer key; it writes its choice where the ResponseSelector writes it (`response_selector.faq`:
the answer's key, responses and confidence, and the ranking), so Rasa's retrieval action, the
decision and every reader of the parse data work unchanged.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import (
    RESPONSE_SELECTOR_PREDICTION_KEY, RESPONSE_SELECTOR_PROPERTY_NAME, RESPONSE_SELECTOR_RANKING_KEY,
    RESPONSE_SELECTOR_RESPONSES_KEY, RESPONSE_SELECTOR_RETRIEVAL_INTENTS, RESPONSE_SELECTOR_UTTER_ACTION_KEY,
)
from rasa.shared.nlu.constants import INTENT, INTENT_RESPONSE_KEY, PREDICTED_CONFIDENCE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu_components.linear_intents import LinearIntents

RESPONSES_FILE = "responses.json"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class LinearAnswers(LinearIntents):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {**LinearIntents.get_default_config(), "retrieval_intent": "faq", "ranking_length": 10,
                "file": "answers.skops"}

    def __init__(self, config: Dict[Text, Any], name: Text, model_storage: ModelStorage, resource: Resource) -> None:
        super().__init__(config, name, model_storage, resource)
        # The answers' wording by template name ("utter_faq/fee_waiver"), as the ResponseSelector keeps it.
        self.responses: Dict[Text, List[Dict[Text, Any]]] = {}
        self.retrieval_intents: List[Text] = []

    def train(self, training_data: TrainingData) -> Resource:
        examples = [e for e in training_data.intent_examples
                    if e.get(INTENT) == self.config["retrieval_intent"] and e.get(TEXT) and e.get(INTENT_RESPONSE_KEY)]
        self.responses = training_data.responses
        self.retrieval_intents = sorted(training_data.retrieval_intents)
        if examples:
            self.clf.fit(self._create_X(examples), [e.get(INTENT_RESPONSE_KEY) for e in examples])
        self.persist()
        return self._resource

    def persist(self) -> None:
        super().persist()
        with self._model_storage.write_to(self._resource) as model_dir:
            (model_dir / RESPONSES_FILE).write_text(
                json.dumps({"responses": self.responses, "retrieval_intents": self.retrieval_intents}))

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "LinearAnswers":
        component = super().load(config, model_storage, resource, execution_context, **kwargs)
        with model_storage.read_from(resource) as model_dir:
            saved = json.loads((model_dir / RESPONSES_FILE).read_text())
        component.responses, component.retrieval_intents = saved["responses"], saved["retrieval_intents"]
        return component

    def process(self, messages: List[Message]) -> List[Message]:
        if not messages or not hasattr(self.clf, "classes_"):
            return messages
        probabilities = self.clf.predict_proba(self._create_X(messages))
        for message, row in zip(messages, probabilities):
            ranking = sorted(zip(self.clf.classes_, row), key=lambda pair: -pair[1])[: self.config["ranking_length"]]
            key, confidence = ranking[0]
            selector = message.get(RESPONSE_SELECTOR_PROPERTY_NAME) or {}
            selector[RESPONSE_SELECTOR_RETRIEVAL_INTENTS] = self.retrieval_intents
            selector[self.config["retrieval_intent"]] = {
                RESPONSE_SELECTOR_PREDICTION_KEY: {
                    RESPONSE_SELECTOR_RESPONSES_KEY: self.responses.get(f"utter_{key}") or [{TEXT: key}],
                    PREDICTED_CONFIDENCE_KEY: float(confidence),
                    INTENT_RESPONSE_KEY: key,
                    RESPONSE_SELECTOR_UTTER_ACTION_KEY: f"utter_{key}",
                },
                RESPONSE_SELECTOR_RANKING_KEY: [{INTENT_RESPONSE_KEY: k, PREDICTED_CONFIDENCE_KEY: float(c)}
                                                for k, c in ranking],
            }
            message.set(RESPONSE_SELECTOR_PROPERTY_NAME, selector, add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        # The training examples keep their own answer keys.
        return training_data
