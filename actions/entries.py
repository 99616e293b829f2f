"""The knowledge-base entries a message names, or that the previous answer was about.

A follow-up ("what about Cuba?", "and the TOEFL?") is answered by the kind of thing it names;
a short question that names nothing ("how many EC?") by the entries the last answer was about,
which every answer keeps in the slot of their entity label.
"""

from __future__ import annotations

from typing import Any, Dict, List

from actions.catalogue import TOPIC_OF_LABEL
from actions.knowledge_base import Entry, KnowledgeBase, normalise
from actions.wording import conversation_words

# Entity labels a follow-up can be about, in the order they are tried.
FOLLOWUP_LABELS = ("destination", "language_test", "track", "document", "component")
# Words that make a question a fresh one about the whole topic rather than a follow-up about what
# was just discussed, and each topic's own words (knowledge/wording.yml, both languages).
OVERVIEW_WORDS = conversation_words("overview")


# A follow-up is short: longer messages are questions of their own. Measured with
# `python -m evaluation.replay` (docs/benchmarks.md): 10 words answer one more question than 8, and
# 6 loses a follow-up in ten.
FOLLOWUP_MAX_WORDS = 10


def word_count(text: str) -> int:
    return len(normalise(text).split())


def is_short_followup(text: str, label: str) -> bool:
    """A short question that leans on the previous answer ("how many EC?", "how many are chosen?")."""
    words = set(normalise(text).split())
    fresh = OVERVIEW_WORDS | conversation_words("topic", label)
    return 0 < len(words) and word_count(text) <= FOLLOWUP_MAX_WORDS and not fresh & words


def mentioned(kb: KnowledgeBase, message: Dict[str, Any], label: str) -> List[Entry]:
    """Entries of `label` in the message: recognised entities first, then near-misses ("karolinksa")."""
    found: List[Entry] = []
    for entity in message.get("entities") or []:
        if entity.get("entity") == label:
            entry = kb.resolve(label, str(entity.get("value", "")))
            if entry is not None and entry not in found:
                found.append(entry)
    text = message.get("text") or ""
    if not found and not text.startswith("/"):
        found = kb.find_in_text(label, text)
    return found


def remembered(kb: KnowledgeBase, slots: Dict[str, Any], label: str) -> List[Entry]:
    """The entries of `label` the last answer was about, if it was about this label's topic."""
    if slots.get("topic") != TOPIC_OF_LABEL[label]:
        return []
    return [kb.entries[label][key] for key in slots.get(label) or [] if key in kb.entries[label]]
