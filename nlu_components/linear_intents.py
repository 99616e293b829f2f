"""Intents and fixed answers by one logistic regression with a configurable regularisation strength.

Rasa's LogisticRegressionClassifier fixes scikit-learn's C at 1.0 and balanced class weights; this
subclass lets config.yml set both (`C`, `class_weight`). A linear model trained to convergence is
deterministic: the same examples give the same model, so a change to the examples can be measured.

The examples of a retrieval intent are labelled by their answer ("faq/career_prospects") rather than
by the retrieval intent, and the intent's probability is the sum of its answers': a single `faq` class
spread over twenty unlike answers loses to a fact question that is one tight class, while one of its
answers alone does not (docs/benchmarks.md, "Twelfth session"). The intent ranking that Rasa's
FallbackClassifier and the decision read still names `faq`, never an answer.

The same probabilities choose the answer: each answer's share of its retrieval intent's sum, written
where Rasa's ResponseSelector writes it (`response_selector.faq`: the answer's key, responses and
confidence, and the ranking), so Rasa's retrieval action, the decision and every reader of the parse
data work unchanged. A second regression trained on the fixed answers' examples alone chose as well
over the five evaluation sets and took 25 s more to train (docs/benchmarks.md, "Thirteenth session").

It also stores the classifier under a fixed file name. Rasa's names the file after the graph node
("...LinearIntents7.skops"); when the training cache hands a node the output of the same training
under another node number (after a component was added before it and removed again), the file is
not found when the model loads. Rasa then builds an untrained classifier without a word; here a
model whose file is missing fails to load, saying so.
"""

from __future__ import annotations

import collections
import json
from typing import Any, Dict, List, Text, Tuple

import numpy as np
import scipy.sparse
import skops.io as sio
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.nlu.constants import (
    RESPONSE_SELECTOR_PREDICTION_KEY, RESPONSE_SELECTOR_PROPERTY_NAME, RESPONSE_SELECTOR_RANKING_KEY,
    RESPONSE_SELECTOR_RESPONSES_KEY, RESPONSE_SELECTOR_RETRIEVAL_INTENTS, RESPONSE_SELECTOR_UTTER_ACTION_KEY,
)
from rasa.shared.nlu.constants import (
    INTENT, INTENT_RESPONSE_KEY, PREDICTED_CONFIDENCE_KEY, RESPONSE_IDENTIFIER_DELIMITER, TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.utils.extmath import softmax

from nlu_components import multinomial_fit

RESPONSES_FILE = "responses.json"


def _blocks(messages: List[Message]) -> Tuple[scipy.sparse.spmatrix, np.ndarray]:
    """The messages' sentence features in the columns of Rasa's `_create_X`, as two blocks: the word
    counts (sparse) and the sentence embedding (dense); a kind the pipeline does not make has none."""
    empty = [scipy.sparse.csr_matrix((len(messages), 0))], [np.zeros((len(messages), 0))]
    counts = [f.features for m in messages for f in m.get_sparse_features(attribute=TEXT)[1:] if f is not None]
    dense = [f.features for m in messages for f in m.get_dense_features(attribute=TEXT)[1:] if f is not None]
    return scipy.sparse.vstack(counts or empty[0], format="csr"), np.vstack(dense or empty[1])


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
        # The fixed answers' wording by template name ("utter_faq/fee_waiver"), as the ResponseSelector keeps it.
        self.responses: Dict[Text, List[Dict[Text, Any]]] = {}
        self.retrieval_intents: List[Text] = []
        self._weights: Any = None  # coef_ transposed, once trained or loaded (see _probabilities)

    def train(self, training_data: TrainingData) -> Resource:
        examples = [e for e in training_data.intent_examples if e.get(INTENT) and e.get(TEXT)]
        self.responses = training_data.responses
        self.retrieval_intents = sorted(training_data.retrieval_intents)
        # scikit-learn's regression, fitted in half the time (nlu_components/multinomial_fit.py).
        multinomial_fit.fit(self.clf, *_blocks(examples), [e.get(INTENT_RESPONSE_KEY) or e.get(INTENT) for e in examples])
        self._weights = np.ascontiguousarray(self.clf.coef_.T)
        self.persist()
        return self._resource

    def _probabilities(self, X: Any) -> np.ndarray:
        """scikit-learn's multinomial `predict_proba` with the weights kept transposed: it multiplies
        by `coef_.T`, which scipy copies into a contiguous array at every call (2 ms a message for all
        of this model's weights, measured); the same products, the same probabilities."""
        return softmax(X @ self._weights + self.clf.intercept_, copy=False)

    def process(self, messages: List[Message]) -> List[Message]:
        probabilities = self._probabilities(self._create_X(messages))
        for message, row in zip(messages, probabilities):
            totals: Dict[str, float] = collections.defaultdict(float)
            labels: Dict[str, List[Tuple[str, float]]] = collections.defaultdict(list)
            for label, p in zip(self.clf.classes_, row):
                intent = label.split(RESPONSE_IDENTIFIER_DELIMITER)[0]
                totals[intent] += float(p)
                labels[intent].append((label, float(p)))
            ranking = sorted(({"name": k, "confidence": v} for k, v in totals.items()), key=lambda e: -e["confidence"])
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set("intent_ranking", ranking[: self.config["ranking_length"]], add_to_output=True)
            self._set_answers(message, labels, totals)
        return messages

    def _set_answers(self, message: Message, labels: Dict[str, List[Tuple[str, float]]],
                     totals: Dict[str, float]) -> None:
        """Each retrieval intent's answers, ranked by their share of its probability."""
        selector = message.get(RESPONSE_SELECTOR_PROPERTY_NAME) or {}
        selector[RESPONSE_SELECTOR_RETRIEVAL_INTENTS] = self.retrieval_intents
        for intent in self.retrieval_intents:
            ranking = sorted(((key, p / totals[intent]) for key, p in labels[intent]), key=lambda pair: -pair[1])
            ranking = ranking[: self.config["ranking_length"]]
            key, confidence = ranking[0]
            selector[intent] = {
                RESPONSE_SELECTOR_PREDICTION_KEY: {
                    RESPONSE_SELECTOR_RESPONSES_KEY: self.responses.get(f"utter_{key}") or [{TEXT: key}],
                    PREDICTED_CONFIDENCE_KEY: confidence,
                    INTENT_RESPONSE_KEY: key,
                    RESPONSE_SELECTOR_UTTER_ACTION_KEY: f"utter_{key}",
                },
                RESPONSE_SELECTOR_RANKING_KEY: [{INTENT_RESPONSE_KEY: k, PREDICTED_CONFIDENCE_KEY: c} for k, c in ranking],
            }
        message.set(RESPONSE_SELECTOR_PROPERTY_NAME, selector, add_to_output=True)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        # The examples keep their own intents and answers (Rasa's classifier would relabel them with its
        # predictions; its training graph calls this only for tokenizers and featurizers).
        return training_data

    def persist(self) -> None:
        with self._model_storage.write_to(self._resource) as model_dir:
            sio.dump(self.clf, model_dir / self.config["file"])
            (model_dir / RESPONSES_FILE).write_text(
                json.dumps({"responses": self.responses, "retrieval_intents": self.retrieval_intents}))

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
            # A question-parts classifier cached before the answers were kept here has no such file.
            answers = model_dir / RESPONSES_FILE
            saved = json.loads(answers.read_text()) if answers.exists() else {}
        component = cls(config, execution_context.node_name, model_storage, resource)
        component.clf = classifier
        component._weights = np.ascontiguousarray(classifier.coef_.T)
        component.responses = saved.get("responses", {})
        component.retrieval_intents = saved.get("retrieval_intents", [])
        return component
