"""The project's two NLU components, on messages as the ResponseSelector leaves them."""

from __future__ import annotations

from rasa.shared.nlu.training_data.message import Message

from nlu_components.entity_routing import NamedEntryOverridesFaq
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


def routing():
    return NamedEntryOverridesFaq(NamedEntryOverridesFaq.get_default_config())


def test_faq_naming_a_track_goes_to_the_followup_action():
    entity = {"entity": "track", "value": "immunology", "start": 0, "end": 10}
    [message] = routing().process([parsed("faq", 0.8, answer_confidence=0.9, entities=[entity])])
    assert message.get("intent") == {"name": "followup", "confidence": 0.8}
    assert message.get("intent_ranking")[0]["name"] == "followup"


def test_faq_without_named_entry_or_with_other_entities_is_kept():
    institution = {"entity": "institution", "value": "erasmus", "start": 0, "end": 7}
    plain, other = routing().process([parsed("faq", 0.8, 0.9), parsed("faq", 0.8, 0.9, entities=[institution])])
    assert plain.get("intent")["name"] == "faq" and other.get("intent")["name"] == "faq"


def test_other_intents_are_not_routed():
    entity = {"entity": "destination", "value": "cuba", "start": 0, "end": 4}
    [message] = routing().process([parsed("ask_study_abroad", 0.9, entities=[entity])])
    assert message.get("intent")["name"] == "ask_study_abroad"
