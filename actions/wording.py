"""The assistant's words in each of its languages: phrases of knowledge/wording.yml, and values of
the knowledge base that are written in both (`{en: ..., nl: ...}`).

One reader for both, so that an answer's wording is chosen the same way wherever it is composed;
dates go through Babel, which knows both languages' day and month names.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from pathlib import Path
from typing import Any, Dict, Optional

import yaml
from babel.dates import format_date, get_day_names

from actions.knowledge_base import KNOWLEDGE_DIR
from actions.language import DEFAULT_LANGUAGE, LANGUAGES

WORDING = KNOWLEDGE_DIR / "wording.yml"


@functools.lru_cache(maxsize=None)
def _wording(path: Path = WORDING) -> Dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def phrases() -> Dict[str, Dict[str, str]]:
    return _wording()["phrases"]


def ordinal_in(text: str) -> Optional[int]:
    """The list position a message points at ("the second one", "de laatste": -1), in any language."""
    ordinals = _wording()["ordinals"]
    words = set(re.findall(r"\w+", text.lower()))
    for lang in LANGUAGES:
        for position, names in enumerate(ordinals[lang]):
            if words & set(names):
                return position
        if ordinals["last"][lang] in words:
            return -1
    return None


def language(value: Any) -> str:
    """A language the assistant speaks: `value` if it is one, else the default (English)."""
    return value if value in LANGUAGES else DEFAULT_LANGUAGE


def pick(value: Any, lang: str) -> Any:
    """`value` in `lang` when it is written per language ({en: ..., nl: ...}), else as it is."""
    if isinstance(value, dict) and DEFAULT_LANGUAGE in value:
        return value.get(lang) or value[DEFAULT_LANGUAGE]
    return value


def phrase(key: str, lang: str, **values: Any) -> str:
    """The phrase `key` in `lang`, with its `{name}` places filled from `values`."""
    return pick(phrases()[key], lang).format(**values)


def join(items, lang: str) -> str:
    """"a, b and c" / "a, b en c"."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {phrase('and', lang)} " + items[-1]


def day_name(weekday: int, lang: str) -> str:
    """"Monday" / "maandag" for a weekday (Monday is 0)."""
    return get_day_names("wide", locale=lang)[weekday]


def long_date(day: dt.date, lang: str) -> str:
    """"Monday 7 December 2026" / "maandag 7 december 2026"."""
    return format_date(day, "EEEE d MMMM y", locale=lang)
