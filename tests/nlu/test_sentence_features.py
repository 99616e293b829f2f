"""SentenceFeaturesOnly (nlu_components/sentence_features.py): the classifiers get the text's sentence
features and one placeholder position instead of the tokens' features; nothing else is touched."""

from __future__ import annotations

import numpy as np
import scipy.sparse
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu_components.sentence_features import SentenceFeaturesOnly


def featurized(tokens: int = 4) -> Message:
    message = Message(data={"text": "how much is the fee", "response": "It costs money."})
    message.add_features(Features(scipy.sparse.coo_matrix(np.ones((tokens, 30))), "sequence", "text", "CountVectors"))
    message.add_features(Features(scipy.sparse.coo_matrix(np.full((1, 30), tokens)), "sentence", "text", "CountVectors"))
    message.add_features(Features(np.ones((tokens, 5)), "sequence", "text", "Lexical"))
    message.add_features(Features(scipy.sparse.coo_matrix(np.ones((3, 30))), "sequence", "response", "CountVectors"))
    return message


def kinds(message: Message):
    return sorted((f.attribute, f.type, f.origin, f.features.shape) for f in message.features)


def test_the_texts_token_features_become_one_placeholder_position():
    [message] = SentenceFeaturesOnly().process([featurized()])
    assert kinds(message) == [
        ("response", "sequence", "CountVectors", (3, 30)),
        ("text", "sentence", "CountVectors", (1, 30)),
        ("text", "sequence", "SentenceFeaturesOnly", (1, 1)),
    ]
    [placeholder] = [f for f in message.features if f.origin == "SentenceFeaturesOnly"]
    # Sparse like the features it replaces (a dense one would change the classifiers' layers).
    assert placeholder.is_sparse()


def test_the_sentence_features_are_kept_as_they_were():
    original = featurized(tokens=7)
    [sentence] = [f for f in original.features if f.type == "sentence"]
    [message] = SentenceFeaturesOnly().process([original])
    [kept] = [f for f in message.features if f.type == "sentence"]
    assert kept is sentence and kept.features.toarray().tolist() == [[7] * 30]


def test_training_data_gets_the_same_treatment_and_a_new_fingerprint():
    message = featurized()
    before = message.fingerprint()
    SentenceFeaturesOnly().process_training_data(TrainingData([message]))
    assert kinds(message) == kinds(SentenceFeaturesOnly().process([featurized()])[0])
    assert message.fingerprint() != before


def test_a_message_without_features_is_left_alone():
    message = Message(data={"text": ""})
    SentenceFeaturesOnly().process([message])
    assert message.features == []
