"""Whether a message uses the words of one of data/nlu/vocabulary.yml's lookup tables.

The classifier learns these words as features; the decision reads the same tables (one list of
topic words, read here) where a question's subject depends on them: going abroad ("the Karolinska
exchange") makes a named destination the subject of a programme fact.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Dict, List, Optional, Pattern

import yaml


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


@functools.lru_cache(maxsize=8)
def _table_pattern(name: str, without: frozenset) -> Optional[Pattern[str]]:
    words = [word for word in _tables().get(name, []) if word.lower() not in without]
    return _pattern(words) if words else None


def uses_table(text: str, name: str, without: frozenset = frozenset()) -> bool:
    """Whether `text` uses a word of lookup table `name` (other than the words `without`)."""
    pattern = _table_pattern(name, without)
    return bool(pattern and pattern.search(text))
