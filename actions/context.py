"""Conversation context: when a short, unclear question leans on the previous answer.

Rasa's NLU classifies each message on its own. When it is unsure, a short question ("till what
time?") is read as asked about the previous answer, and words pointing back ("where is her
office?") tie a question of place to the person or destination just named. Pure functions of the
parsed message and the slots, used by actions/decision.py.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from actions import entries
from actions.catalogue import ANSWERABLE
from actions.knowledge_base import normalise
from actions.wording import conversation_words

RETRIEVAL_INTENT = "faq"
# Measured on whole conversations with `python -m evaluation.replay` (docs/benchmarks.md). Both
# candidates must be at least this likely for the assistant to offer them as a choice (0.2 to 0.4
# make no difference on the shared set).
CHOICE_MIN_CONFIDENCE = 0.3
# Words that make a short message a question about something already said, and words that point
# back at what was just said (knowledge/wording.yml, both languages).
QUESTION_WORDS = conversation_words("question")
POINTING_WORDS = conversation_words("pointing")
ENTRY_PRONOUNS = conversation_words("entry_pronoun")


def leans_on_context(text: str) -> bool:
    """A short question ("till what time?", "postal code?") rather than a new statement."""
    words = normalise(text).split()
    if not words or len(words) > entries.FOLLOWUP_MAX_WORDS:
        return False
    return text.strip().endswith("?") or bool((QUESTION_WORDS | POINTING_WORDS).intersection(words))


def points_back(text: str) -> bool:
    return bool(POINTING_WORDS.intersection(normalise(text).split()))


def two_likeliest(message: Dict[str, Any]) -> List[Dict[str, Any]]:
    """The two likeliest readings of the NLU's ranking other than its fallback."""
    return [r for r in message.get("intent_ranking") or [] if r.get("name") != "nlu_fallback"][:2]


def candidates(message: Dict[str, Any]) -> List[str]:
    """The two questions an ambiguous message may be, when both are likely and answerable."""
    ranking = two_likeliest(message)
    if len(ranking) < 2 or any(r.get("confidence", 0.0) < CHOICE_MIN_CONFIDENCE for r in ranking):
        return []
    names = [r["name"] for r in ranking]
    return names if all(n in ANSWERABLE for n in names) else []


def runner_up(message: Dict[str, Any]) -> Optional[str]:
    """The most likely answerable question (or `faq`) after `followup`, among the NLU's next two."""
    for ranked in (message.get("intent_ranking") or [])[1:3]:
        if ranked.get("name") in ANSWERABLE or ranked.get("name") == RETRIEVAL_INTENT:
            return ranked["name"]
    return None


def points_at_entries(text: str) -> bool:
    """Words pointing back, or "it", which right after an answer about named entries is one of them."""
    return bool((POINTING_WORDS | ENTRY_PRONOUNS).intersection(normalise(text).split()))
