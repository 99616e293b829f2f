"""Conversation context: when a short, unclear question leans on the previous answer.

Rasa's NLU classifies each message on its own, so "how many get selected?" after an answer about
the Karolinska Institute may be read as a question about the programme's length. A short question
that names nothing, of whose new intent the NLU is not sure, and whose previous intent is still
among the NLU's top candidates, stays on the previous topic. Pure functions of the parsed message
and the slots, used by actions/decision.py.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional

from actions import entries
from actions.catalogue import ANSWERABLE
from actions.knowledge_base import normalise

RETRIEVAL_INTENT = "faq"
# The thresholds below are measured on whole conversations with `python -m evaluation.replay`
# (docs/benchmarks.md). Both candidates must be at least this likely for the assistant to offer
# them as a choice (0.2 to 0.4 make no difference on the shared set).
CHOICE_MIN_CONFIDENCE = 0.3
# A new intent the NLU is at least this sure of always wins over the previous topic (0.5 and 0.9
# each lose one follow-up of 42; never winning loses three).
NEW_TOPIC_CONFIDENCE = 0.75
# The previous question must be among this many of the NLU's top candidates to stay on it.
CONTEXT_RANKS = 3
# Words that make a short message a question about something already said.
QUESTION_WORDS = {"what", "when", "where", "which", "who", "how", "till", "until", "within",
                  "is", "are", "does", "do", "can", "per", "and", "so", "ok"}
# Words that point back at what was just said ("where is her office?", "is that per year?"): a
# short question with one stays on the previous topic even when the NLU reads it otherwise.
# ("it" is not one: "and is it taught in English?" usually means the programme, whatever came before.)
POINTING_WORDS = {"that", "this", "those", "these", "there", "them", "they", "her", "his", "she", "he",
                  "one"}
# Entities that make a message a question of its own (not an institution: "and the university in
# Rotterdam?" after a list of universities still leans on the previous answer).
ENTRY_LABELS = {"destination", "track", "language_test", "document", "component"}
_LEAD_IN = re.compile(r"^\s*(?:and|what|how|about|for|the|in|to|with|at|of|if|i|go|going|went|\s)+\b", re.I)
MAX_PLACE_WORDS = 3


def leans_on_context(text: str) -> bool:
    """A short question ("till what time?", "postal code?") rather than a new statement."""
    words = normalise(text).split()
    if not words or len(words) > entries.FOLLOWUP_MAX_WORDS:
        return False
    return text.strip().endswith("?") or bool((QUESTION_WORDS | POINTING_WORDS).intersection(words))


def points_back(text: str) -> bool:
    return bool(POINTING_WORDS.intersection(normalise(text).split()))


def stay_on_topic(message: Dict[str, Any], last: Optional[str]) -> bool:
    """Whether this short question should be answered as the previous question `last` was."""
    intent = message.get("intent") or {}
    text = message.get("text") or ""
    named = any(e.get("entity") in ENTRY_LABELS for e in message.get("entities") or [])
    # A contact question already leans on the conversation: its answer follows the topic.
    if not last or last == intent.get("name") or named or intent.get("name") == "ask_contact":
        return False
    if not leans_on_context(text) or intent.get("confidence", 0.0) >= NEW_TOPIC_CONFIDENCE:
        return False
    base = last.split("/", 1)[0]
    if base != RETRIEVAL_INTENT and base not in ANSWERABLE:
        return False
    if points_back(text):
        return True
    return any(r.get("name") == base for r in (message.get("intent_ranking") or [])[:CONTEXT_RANKS])


def candidates(message: Dict[str, Any]) -> List[str]:
    """The two questions an ambiguous message may be, when both are likely and answerable."""
    ranking = [r for r in message.get("intent_ranking") or [] if r.get("name") != "nlu_fallback"][:2]
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


def named_place(text: str) -> str:
    """The capitalised place a follow-up asks about ("what about Japan?" -> "Japan"), or ""."""
    rest = _LEAD_IN.sub("", text).strip(" ?!.,")
    words = rest.split()
    if not words or len(words) > MAX_PLACE_WORDS or not all(w.isalpha() for w in words):
        return ""
    if not words[0][0].isupper():
        return ""
    return " ".join(w.capitalize() for w in words)
