"""Intent classification by logistic regression with a configurable regularisation strength.

Rasa's LogisticRegressionClassifier fixes scikit-learn's C at 1.0 and balanced class weights; this
subclass lets config.yml set both (`C`, `class_weight`). A linear model trained to convergence is
deterministic: the same examples give the same model, so a change to the examples can be measured.

The examples of a retrieval intent are labelled by their answer ("faq/career_prospects") rather than
by the retrieval intent, and the intent's probability is the sum of its answers': a single `faq` class
spread over twenty unlike answers loses to a fact question that is one tight class, while one of its
answers alone does not (docs/benchmarks.md, "Twelfth session"). The intent ranking that Rasa's
FallbackClassifier and the decision read still names `faq`, never an answer; which answer stays
nlu_components/linear_answers.py's choice.

It also stores the classifier under a fixed file name. Rasa's names the file after the graph node
("...LinearIntents7.skops"); when the training cache hands a node the output of the same training
under another node number (after a component was added before it and removed again), the file is
not found when the model loads. Rasa then builds an untrained classifier without a word; here a
model whose file is missing fails to load, saying so.
"""

from __future__ import annotations

import collections
from typing import Any, Dict, List, Text

import skops.io as sio
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_RESPONSE_KEY, RESPONSE_IDENTIFIER_DELIMITER, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class LinearIntents(LogisticRegressionClassifier):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        # `file` is part of the configuration, so models cached under Rasa's file names are not reused.
        return {**LogisticRegressionClassifier.get_default_config(), "C": 1.0, "class_weight": "balanced",
                "file": "classifier.skops"}

    def __init__(self, config: Dict[Text, Any], name: Text, model_storage: ModelStorage, resource: Resource) -> None:
        super().__init__(config, name, model_storage, resource)
        self.clf.set_params(C=self.config["C"], class_weight=self.config["class_weight"])

    def train(self, training_data: TrainingData) -> Resource:
        examples = [e for e in training_data.intent_examples if e.get(INTENT) and e.get(TEXT)]
        self.clf.fit(self._create_X(examples), [e.get(INTENT_RESPONSE_KEY) or e.get(INTENT) for e in examples])
        self.persist()
        return self._resource

    def process(self, messages: List[Message]) -> List[Message]:
        probabilities = self.clf.predict_proba(self._create_X(messages))
        for message, row in zip(messages, probabilities):
            totals: Dict[str, float] = collections.defaultdict(float)
            for label, p in zip(self.clf.classes_, row):
                totals[label.split(RESPONSE_IDENTIFIER_DELIMITER)[0]] += float(p)
            ranking = sorted(({"name": k, "confidence": v} for k, v in totals.items()), key=lambda e: -e["confidence"])
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set("intent_ranking", ranking[: self.config["ranking_length"]], add_to_output=True)
        return messages

    def persist(self) -> None:
        with self._model_storage.write_to(self._resource) as model_dir:
            sio.dump(self.clf, model_dir / self.config["file"])

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "LinearIntents":
        name = {**cls.get_default_config(), **config}["file"]
        with model_storage.read_from(resource) as model_dir:
            path = model_dir / name
            if not path.exists():
                raise FileNotFoundError(f"the trained intent classifier is missing from the model ({path.name}): "
                                        f"train again (`make train`)")
            # The file is this project's own training output: like Rasa's component, trust what it holds.
            classifier = sio.load(path, trusted=sio.get_untrusted_types(file=path))
        component = cls(config, execution_context.node_name, model_storage, resource)
        component.clf = classifier
        return component
