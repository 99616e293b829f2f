"""Training examples for the regression's component tests (test_linear_intents.py): two fixed answers
and a fact question, each around its own direction of a small dense sentence feature."""

from __future__ import annotations

import numpy as np
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message

DIRECTIONS = {"faq/abroad_find_place": [1.0, 0.0, 0.0], "faq/what_you_learn": [0.0, 1.0, 0.0], "ask_fee": [0.0, 0.0, 1.0]}


def with_feature(data: dict, vector) -> Message:
    message = Message(data=data)
    message.add_features(Features(np.array([vector], dtype=np.float32), "sentence", "text", "test"))
    return message


def examples():
    rng = np.random.default_rng(0)
    for label, direction in DIRECTIONS.items():
        for n in range(6):
            data = {"text": f"{label} {n}", "intent": label.split("/")[0]}
            if label.startswith("faq/"):
                data["intent_response_key"] = label
            yield with_feature(data, np.array(direction) + rng.normal(0, 0.1, 3))
