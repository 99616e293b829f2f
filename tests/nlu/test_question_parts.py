"""QuestionParts (nlu_components/question_parts.py): where a message splits into questions, and which
question each part asks, read from the sentence embedding alone, the same after loading."""

from __future__ import annotations

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu_components.question_parts import OUTPUT, QuestionParts, parts_of
from nlu_components import sentence_embeddings
from nlu_components.sentence_embeddings import SentenceEmbeddings

EXAMPLES = {
    "ask_start_date": ["when does the master begin", "what month do classes start", "start date of the programme",
                       "wanneer begint de master", "in welke maand start de opleiding"],
    "ask_deadline": ["what is the application deadline", "until when can i apply", "last day to send my application",
                     "wat is de aanmelddeadline", "tot wanneer kan ik me aanmelden"],
    "ask_fee": ["tuition costs how much", "what does a year cost", "tuition fee per year",
                "hoeveel collegegeld betaal ik", "wat kost de master per jaar"],
}


@pytest.mark.parametrize("text, parts", [
    ("When does it start, and what is the deadline?", ["When does it start", "what is the deadline?"]),
    ("How much is the fee? Wanneer begint de opleiding?", ["How much is the fee", "Wanneer begint de opleiding?"]),
    ("wat kost het en wanneer begint het", ["wat kost het", "wanneer begint het"]),
    # Names and short phrases of a list are not questions of their own.
    ("tell me about Immunity, Infectious Disease and Tolerance", ["tell me about Immunity, Infectious Disease"]),
    ("fee and deadline?", []),
    ("", []),
])
def test_a_message_splits_at_sentence_ends_and_at_and(text, parts):
    assert parts_of(text) == parts


def _trained(tmp_path):
    embeddings = SentenceEmbeddings({"scale": 20.0})
    examples = [Message(data={"text": text, "intent": intent}) for intent, texts in EXAMPLES.items() for text in texts]
    embeddings.process_training_data(TrainingData(examples))
    storage, resource = LocalModelStorage(tmp_path), Resource("question_parts")
    context = ExecutionContext(GraphSchema({}), "test")
    config = {**QuestionParts.get_default_config(), "C": 10}
    component = QuestionParts.create(config, storage, resource, context)
    component.train(TrainingData(examples))
    return component, QuestionParts.load(config, storage, resource, context)


def test_each_part_gets_the_question_it_asks_and_the_loaded_model_agrees(tmp_path, monkeypatch):
    monkeypatch.setattr(sentence_embeddings, "CACHE", tmp_path / "cache.npz")
    trained, loaded = _trained(tmp_path)
    text = "what is the yearly tuition, and by when do I have to apply?"
    [message] = trained.process([Message(data={"text": text})])
    [again] = loaded.process([Message(data={"text": text})])
    assert [p["intent"] for p in message.get(OUTPUT)] == ["ask_fee", "ask_deadline"]
    assert [p["text"] for p in message.get(OUTPUT)] == ["what is the yearly tuition", "by when do I have to apply?"]
    assert all(0.0 < p["confidence"] <= 1.0 for p in message.get(OUTPUT))
    assert again.get(OUTPUT) == message.get(OUTPUT)
    # One question: nothing is added, and the message is not embedded again.
    [single] = trained.process([Message(data={"text": "what does one year of tuition cost"})])
    assert single.get(OUTPUT) is None
