"""The offline replay of evaluation/replay.py carries the slots from answer to answer as the
assistant does, and its threshold overrides take effect and are undone."""

from __future__ import annotations

from actions import context, entries
from evaluation import replay


def parsed(text, intent, confidence=0.9, ranking=(), **extra):
    ranked = [{"name": intent, "confidence": confidence}] + [{"name": n, "confidence": c} for n, c in ranking]
    return {"text": text, "intent": {"name": intent, "confidence": confidence}, "intent_ranking": ranked,
            "entities": [], **extra}


def test_a_follow_up_is_answered_with_the_slots_of_the_answer_before():
    conversation = [parsed("which tests count as proof of english", "ask_language_test"),
                    parsed("and the cambridge one?", "followup", entities=[
                        {"entity": "language_test", "value": "cambridge", "start": 8, "end": 17}])]
    text, declined = replay.reply(conversation)
    assert "169" in text and not declined


def test_a_decline_is_reported_as_one():
    text, declined = replay.reply([parsed("best pizza in town", "out_of_scope")])
    assert declined


def test_overrides_apply_inside_and_are_undone_after():
    before = (context.CHOICE_MIN_CONFIDENCE, entries.FOLLOWUP_MAX_WORDS)
    with replay.overridden({"choice confidence": 0.2, "short question words": 3}):
        assert (context.CHOICE_MIN_CONFIDENCE, entries.FOLLOWUP_MAX_WORDS) == (0.2, 3)
        assert not context.leans_on_context("and what is the minimum score per part")
    assert (context.CHOICE_MIN_CONFIDENCE, entries.FOLLOWUP_MAX_WORDS) == before


def test_fixed_answers_are_replayed_as_their_text():
    message = parsed("are there clerkships", "faq", response_selector={
        "faq": {"response": {"intent_response_key": "faq/nl_rotations", "confidence": 0.9}}})
    text, declined = replay.reply([message])
    assert "clerkships" in text and not declined


def test_small_talk_gets_its_rule_response_and_keeps_the_slots():
    conversation = [parsed("what does a year cost", "ask_fee"), parsed("hi", "greet"),
                    parsed("and is that per year?", "ask_detail")]
    assert "Leiden Study Assistant" in replay.reply(conversation[:2])[0]
    assert "18,016" in replay.reply(conversation)[0]
