"""The answer-support check: the content words a message shares with its answer's examples."""

from __future__ import annotations

from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu_components.answer_support import AnswerSupport


def _tokenize(message: Message) -> Message:
    WhitespaceTokenizer(WhitespaceTokenizer.get_default_config()).process([message])
    return message


def example(text: str, intent: str, key: str = None) -> Message:
    data = {"text": text, "intent": intent}
    if key:
        data["intent_response_key"] = key
    return _tokenize(Message(data=data))


def parsed(text: str, intent: str, faq_key: str = None, entities=()) -> Message:
    data = {"text": text, "intent": {"name": intent, "confidence": 0.99}, "entities": list(entities)}
    if faq_key:
        data["response_selector"] = {"faq": {"response": {"intent_response_key": faq_key, "confidence": 0.6}}}
    return _tokenize(Message(data=data))


def trained(tmp_path) -> AnswerSupport:
    storage = LocalModelStorage(tmp_path)
    resource = Resource("answer_support")
    context = ExecutionContext(GraphSchema({}), "test")
    component = AnswerSupport.create({}, storage, resource, context)
    component.train(TrainingData([
        example("how do I find an internship place abroad", "faq", "faq/abroad_find_place"),
        example("what will I learn in the programme", "faq", "faq/what_you_learn"),
        example("what does the tuition cost", "ask_fee"),
    ]))
    return AnswerSupport.load({}, storage, resource, context)


def test_shared_words_are_recorded_per_faq_answer_and_per_intent(tmp_path):
    place, fee = trained(tmp_path).process([
        parsed("How do I find a PLACE in Sweden", "faq", "faq/abroad_find_place"),
        parsed("tuition per year?", "ask_fee"),
    ])
    assert place.get("answer_support") == ["find", "place"]
    assert fee.get("answer_support") == ["tuition"]
    assert place.as_dict(only_output_properties=True)["answer_support"] == ["find", "place"]


def test_words_of_another_answer_do_not_support_this_one(tmp_path):
    [cooking, learning] = trained(tmp_path).process([
        parsed("how do i stop rice from sticking together", "faq", "faq/abroad_find_place"),
        parsed("how do I find out the programme", "faq", "faq/what_you_learn"),
    ])
    assert cooking.get("answer_support") == []
    assert learning.get("answer_support") == ["programme"]


def test_nothing_to_check_without_content_words_an_answer_or_with_an_entity(tmp_path):
    component = trained(tmp_path)
    stop_words, unsure, unknown_intent, named = component.process([
        parsed("how much is it?", "ask_fee"),
        parsed("pancakes please", "nlu_fallback"),
        parsed("pancakes please", "ask_duration"),
        parsed("pancakes in karolinska", "faq", "faq/abroad_find_place",
               entities=[{"entity": "destination", "value": "karolinska"}]),
    ])
    assert [m.get("answer_support") for m in (stop_words, unsure, unknown_intent, named)] == [None] * 4
