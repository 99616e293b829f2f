"""The specific question a message's topic words point to ("fees", "engels", "internship").

The classifier learns these words as features from the lookup tables in data/nlu/vocabulary.yml,
and it still answers "what do the research specialisation's fees come to?" with the general
description of the specialisation, because its name weighs more than one word. The decision reads
the same tables (one list of topic words, read here) to send a question that names exactly one
specific topic to that topic's answer instead of a general description.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Dict, List, Optional, Pattern

import yaml

from actions.catalogue import INTENT_OF_LOOKUP

VOCABULARY = Path(__file__).resolve().parent.parent / "data" / "nlu" / "vocabulary.yml"
@functools.lru_cache(maxsize=1)
def _tables(path: Path = VOCABULARY) -> Dict[str, List[str]]:
    """Lookup table name -> its words."""
    tables = yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu") or []
    return {table["lookup"]: [line[2:].strip() for line in (table.get("examples") or "").splitlines() if line.strip()]
            for table in tables if table.get("lookup")}


def _pattern(words) -> Pattern[str]:
    """Whole words, with a plural ("brains", "deadlines")."""
    alternatives = "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<![\w@])(?:{alternatives})(?:s|es)?(?![\w@])", re.IGNORECASE)


@functools.lru_cache(maxsize=1)
def _patterns() -> Dict[str, Pattern[str]]:
    return {INTENT_OF_LOOKUP[name]: _pattern(words) for name, words in _tables().items()
            if name in INTENT_OF_LOOKUP and words}


@functools.lru_cache(maxsize=8)
def _table_pattern(name: str, without: frozenset) -> Optional[Pattern[str]]:
    words = [word for word in _tables().get(name, []) if word.lower() not in without]
    return _pattern(words) if words else None


def uses_table(text: str, name: str, without: frozenset = frozenset()) -> bool:
    """Whether `text` uses a word of lookup table `name` (other than the words `without`)."""
    pattern = _table_pattern(name, without)
    return bool(pattern and pattern.search(text))


def single_topic(text: str) -> Optional[str]:
    """The one specific question whose topic words the text uses, or None (none or several)."""
    found = [intent for intent, pattern in _patterns().items() if pattern.search(text)]
    return found[0] if len(found) == 1 else None
