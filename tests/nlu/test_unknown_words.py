"""The unknown-words check: a message with no word from the training data is declined."""

from __future__ import annotations

from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu_components.unknown_words import UnknownWordsFallback


def tokenized(text: str, intent: str = "ask_fee", entities=()) -> Message:
    message = Message(data={"text": text, "intent": {"name": intent, "confidence": 0.9},
                            "intent_ranking": [{"name": intent, "confidence": 0.9}],
                            "entities": list(entities)})
    WhitespaceTokenizer(WhitespaceTokenizer.get_default_config()).process([message])
    return message


def example(text: str) -> Message:
    message = Message(data={"text": text, "intent": "ask_fee"})
    WhitespaceTokenizer(WhitespaceTokenizer.get_default_config()).process([message])
    return message


def trained(tmp_path) -> UnknownWordsFallback:
    storage = LocalModelStorage(tmp_path)
    resource = Resource("unknown_words")
    context = ExecutionContext(GraphSchema({}), "test")
    component = UnknownWordsFallback.create({}, storage, resource, context)
    data = TrainingData([example("what does the tuition fee come to"), example("when does it start")],
                        lookup_tables=[{"name": "money", "elements": ["collegegeld", "price tag"]}])
    component.train(data)
    return UnknownWordsFallback.load({}, storage, resource, context)


def test_message_of_unknown_words_becomes_out_of_scope(tmp_path):
    [message] = trained(tmp_path).process([tokenized("zzzzzz qqqq")])
    assert message.get("intent") == {"name": "out_of_scope", "confidence": 1.0}


def test_one_known_word_or_an_entity_keeps_the_prediction(tmp_path):
    component = trained(tmp_path)
    typo, lookup, named, digits = component.process([
        tokenized("tution FEE??"), tokenized("collegegeld"),
        tokenized("karolinksa", entities=[{"entity": "destination", "value": "karolinska"}]),
        tokenized("2026"),
    ])
    assert [m.get("intent")["name"] for m in (typo, lookup, named, digits)] == ["ask_fee"] * 4
