"""What the assistant did with a student message, in a reviewer's words rather than Rasa's.

"answered: tuition fee", "declined: not in the documents", "handed over to a person": one phrase per
outcome, with the answer's plain title from the same list the inbox offers (trainer/targets.py). An
answer given with a confidence below the page's own line is not shown as a plain success: it reads
"check this", because the assistant may have answered a question it did not understand.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Optional

from staff import outcomes
from trainer.targets import title

CHECK = "check this"


@dataclass(frozen=True)
class Description:
    words: str       # "answered: tuition fee"
    kind: str        # ok, check, declined or other: how the page colours it
    confidence: Optional[float] = None  # the confidence of the answer given, when there is one


def answer_confidence(turn: Mapping) -> Optional[float]:
    """How sure the NLU was of the answer given: the FAQ answer's confidence for an FAQ answer,
    else the intent's. None when nothing was answered (a decline's confidence says nothing useful)."""
    if turn.get("outcome") != outcomes.ANSWERED:
        return None
    if (turn.get("answer") or "").startswith("faq/") and turn.get("faq_confidence") is not None:
        return turn["faq_confidence"]
    return turn.get("intent_confidence")


def needs_check(turn: Mapping, threshold: float) -> bool:
    """Answered, not from the conversation's context, with a confidence below `threshold`."""
    confidence = answer_confidence(turn)
    return confidence is not None and not turn.get("context") and confidence < threshold


def describe(turn: Mapping, threshold: float) -> Description:
    outcome = turn.get("outcome") or outcomes.NO_REPLY
    answer = title(turn.get("answer"))
    if outcome == outcomes.ANSWERED:
        words = "answered" + (" from the conversation's context" if turn.get("context") else "")
        words += f": {answer}" if answer else ""
        if needs_check(turn, threshold):
            return Description(f"{CHECK}: {words} (confidence {answer_confidence(turn):.2f}, below "
                               f"{threshold:g})", "check", answer_confidence(turn))
        return Description(words, "ok", answer_confidence(turn))
    if outcome == outcomes.DECLINED:
        reason = outcomes.REASON_TITLES.get(turn.get("reason") or "", "")
        return Description("declined" + (f": {reason}" if reason else ""), "declined")
    return Description(outcomes.OUTCOME_TITLES.get(outcome, outcome), "other")
