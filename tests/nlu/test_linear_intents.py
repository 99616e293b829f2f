"""LinearIntents (nlu_components/linear_intents.py): each fixed answer is a class of the regression, the
intent ranking gives the retrieval intent the sum of its answers, and the likeliest answer is written
where Rasa's ResponseSelector writes it."""

from __future__ import annotations

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu_components.linear_intents import LinearIntents
from regression_examples import DIRECTIONS, examples, with_feature


RESPONSES = {"utter_faq/abroad_find_place": [{"text": "Look for a lab yourself."}],
             "utter_faq/what_you_learn": [{"text": "Research skills."}]}


def _trained(tmp_path):
    storage, resource = LocalModelStorage(tmp_path), Resource("linear_intents")
    context = ExecutionContext(GraphSchema({}), "test")
    config = {**LinearIntents.get_default_config(), "C": 10}
    component = LinearIntents.create(config, storage, resource, context)
    component.train(TrainingData(list(examples()), responses=RESPONSES))
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


def test_the_answer_is_written_where_the_response_selector_writes_it(tmp_path):
    trained, _ = _trained(tmp_path)
    [message] = trained.process([with_feature({"text": "how do I find a lab"}, [0.9, 0.1, 0.0])])
    selector = message.as_dict(only_output_properties=True)["response_selector"]
    assert selector["all_retrieval_intents"] == ["faq"]
    response = selector["faq"]["response"]
    assert response["intent_response_key"] == "faq/abroad_find_place"
    assert response["utter_action"] == "utter_faq/abroad_find_place"
    assert response["responses"] == [{"text": "Look for a lab yourself."}]
    ranking = selector["faq"]["ranking"]
    # Only the fixed answers are candidates, each with its share of the intent `faq`.
    assert [r["intent_response_key"] for r in ranking] == ["faq/abroad_find_place", "faq/what_you_learn"]
    assert sum(r["confidence"] for r in ranking) == pytest.approx(1.0)
    probabilities = dict(zip(trained.clf.classes_, trained.clf.predict_proba(trained._create_X([message]))[0]))
    faq = message.get("intent_ranking")[0]
    assert faq["name"] == "faq"
    assert response["confidence"] == ranking[0]["confidence"] == pytest.approx(
        probabilities["faq/abroad_find_place"] / faq["confidence"])
    assert response["confidence"] > 0.5


def test_the_answer_is_chosen_even_when_a_fact_question_is_likelier(tmp_path):
    # The decision reads the answer only when the intent is `faq`, but the choice is always there.
    trained, _ = _trained(tmp_path)
    [message] = trained.process([with_feature({"text": "what does it cost to learn"}, [0.0, 0.3, 0.9])])
    assert message.get("intent")["name"] == "ask_fee"
    assert message.get("response_selector")["faq"]["response"]["intent_response_key"] == "faq/what_you_learn"


def test_the_loaded_model_ranks_and_chooses_as_the_trained_one(tmp_path):
    trained, loaded = _trained(tmp_path)
    for question, intent in (([0.1, 0.2, 0.9], "ask_fee"), ([0.1, 0.8, 0.2], "faq")):
        [before] = trained.process([with_feature({"text": "a question"}, question)])
        [after] = loaded.process([with_feature({"text": "a question"}, question)])
        assert after.get("intent_ranking") == before.get("intent_ranking")
        assert after.get("response_selector") == before.get("response_selector")
        assert after.get("intent")["name"] == intent
    assert after.get("response_selector")["faq"]["response"]["intent_response_key"] == "faq/what_you_learn"


def test_training_examples_keep_their_own_labels(tmp_path):
    trained, _ = _trained(tmp_path)
    data = TrainingData(list(examples()), responses=RESPONSES)
    trained.process_training_data(data)
    assert all(m.get("response_selector") is None for m in data.training_examples)


def test_the_probabilities_are_scikit_learns_own(tmp_path):
    # The weights are kept transposed for speed; the products and the softmax stay scikit-learn's.
    trained, loaded = _trained(tmp_path)
    messages = [with_feature({"text": "a question"}, point) for point in ([0.1, 0.2, 0.9], [0.5, 0.5, 0.1], [1, 0, 0])]
    for component in (trained, loaded):
        X = component._create_X(messages)
        assert component._probabilities(X) == pytest.approx(component.clf.predict_proba(X), abs=1e-12)
    before = trained._probabilities(X)
    trained.clf.set_params(C=0.01)  # trained again to other weights: the transposed copy follows them
    trained.train(TrainingData(list(examples()), responses=RESPONSES))
    X = trained._create_X(messages)
    assert trained._probabilities(X) == pytest.approx(trained.clf.predict_proba(X), abs=1e-12)
    assert trained._probabilities(X) != pytest.approx(before, abs=1e-3)
