"""LinearIntents (nlu_components/linear_intents.py): each fixed answer is a class of the regression, and
the intent ranking gives the retrieval intent the sum of its answers."""

from __future__ import annotations

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu_components.linear_intents import LinearIntents
from regression_examples import DIRECTIONS, examples, with_feature


def _trained(tmp_path):
    storage, resource = LocalModelStorage(tmp_path), Resource("linear_intents")
    context = ExecutionContext(GraphSchema({}), "test")
    config = {**LinearIntents.get_default_config(), "C": 10}
    component = LinearIntents.create(config, storage, resource, context)
    component.train(TrainingData(list(examples())))
    return component, LinearIntents.load(config, storage, resource, context)


def test_each_answer_is_a_class_and_the_intent_gets_their_sum(tmp_path):
    trained, _ = _trained(tmp_path)
    assert sorted(trained.clf.classes_) == sorted(DIRECTIONS)
    [message] = trained.process([with_feature({"text": "where can I go"}, [0.9, 0.1, 0.0])])
    ranking = message.get("intent_ranking")
    assert [r["name"] for r in ranking] == ["faq", "ask_fee"]
    probabilities = dict(zip(trained.clf.classes_, trained.clf.predict_proba(trained._create_X([message]))[0]))
    assert ranking[0]["confidence"] == pytest.approx(probabilities["faq/abroad_find_place"] + probabilities["faq/what_you_learn"])
    assert message.get("intent") == ranking[0]
    assert sum(r["confidence"] for r in ranking) == pytest.approx(1.0)


def test_between_two_answers_the_retrieval_intent_still_wins(tmp_path):
    # Halfway between the two fixed answers, each alone is less likely than the two together.
    trained, _ = _trained(tmp_path)
    [message] = trained.process([with_feature({"text": "what do I learn abroad"}, [0.5, 0.5, 0.1])])
    assert message.get("intent")["name"] == "faq"


def test_the_loaded_model_ranks_as_the_trained_one(tmp_path):
    trained, loaded = _trained(tmp_path)
    question = [0.1, 0.2, 0.9]
    [before] = trained.process([with_feature({"text": "what does it cost"}, question)])
    [after] = loaded.process([with_feature({"text": "what does it cost"}, question)])
    assert after.get("intent_ranking") == before.get("intent_ranking")
    assert after.get("intent")["name"] == "ask_fee"
