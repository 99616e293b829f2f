"""LinearAnswers (nlu_components/linear_answers.py): the FAQ answer chosen by logistic regression over
the sentence features, written where Rasa's ResponseSelector writes it, and the same after loading."""

from __future__ import annotations

from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu_components.linear_answers import LinearAnswers
from regression_examples import examples, with_feature

RESPONSES = {"utter_faq/abroad_find_place": [{"text": "Look for a lab yourself."}],
             "utter_faq/what_you_learn": [{"text": "Research skills."}]}


def _trained(tmp_path):
    storage, resource = LocalModelStorage(tmp_path), Resource("linear_answers")
    context = ExecutionContext(GraphSchema({}), "test")
    config = {**LinearAnswers.get_default_config(), "C": 10}
    component = LinearAnswers.create(config, storage, resource, context)
    component.train(TrainingData(list(examples()), responses=RESPONSES))
    return component, LinearAnswers.load(config, storage, resource, context)


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
    # Only the FAQ answers are candidates: the fact question's examples were left out.
    assert [r["intent_response_key"] for r in ranking] == ["faq/abroad_find_place", "faq/what_you_learn"]
    assert response["confidence"] == ranking[0]["confidence"] > 0.5


def test_the_loaded_model_chooses_as_the_trained_one(tmp_path):
    trained, loaded = _trained(tmp_path)
    question = [0.1, 0.8, 0.2]
    [before] = trained.process([with_feature({"text": "what will I learn"}, question)])
    [after] = loaded.process([with_feature({"text": "what will I learn"}, question)])
    assert after.get("response_selector") == before.get("response_selector")
    assert after.get("response_selector")["faq"]["response"]["intent_response_key"] == "faq/what_you_learn"


def test_training_examples_keep_their_own_labels(tmp_path):
    trained, _ = _trained(tmp_path)
    data = TrainingData(list(examples()), responses=RESPONSES)
    trained.process_training_data(data)
    assert all(m.get("response_selector") is None for m in data.training_examples)
