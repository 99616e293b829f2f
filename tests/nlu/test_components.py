"""The project's NLU component, on messages as the FAQ answer's classifier leaves them."""

from __future__ import annotations

from rasa.shared.nlu.training_data.message import Message

from nlu_components.response_fallback import ResponseConfidenceFallback


def parsed(intent: str, confidence: float, answer_confidence: float | None = None, entities=()) -> Message:
    data = {"text": "x", "intent": {"name": intent, "confidence": confidence},
            "intent_ranking": [{"name": intent, "confidence": confidence}], "entities": list(entities)}
    if answer_confidence is not None:
        data["response_selector"] = {intent: {"response": {"confidence": answer_confidence,
                                                           "intent_response_key": f"{intent}/key"}}}
    return Message(data=data)


def fallback():
    return ResponseConfidenceFallback({**ResponseConfidenceFallback.get_default_config(), "threshold": 0.4})


def test_unsure_faq_answer_becomes_nlu_fallback():
    [message] = fallback().process([parsed("faq", 0.99, answer_confidence=0.2)])
    assert message.get("intent") == {"name": "nlu_fallback", "confidence": 0.4}
    assert [r["name"] for r in message.get("intent_ranking")] == ["nlu_fallback", "faq"]


def test_sure_faq_answer_and_other_intents_are_kept():
    [sure, other] = fallback().process([parsed("faq", 0.9, answer_confidence=0.8), parsed("ask_fee", 0.9)])
    assert sure.get("intent")["name"] == "faq" and other.get("intent")["name"] == "ask_fee"
