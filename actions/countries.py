"""Countries a student may name, in English and Dutch, from Babel's copy of the Unicode CLDR.

The documents list five study-abroad destinations; students ask about any country ("can I do my
half minor in Japan?", "kan ik naar Denemarken?"). Knowing that a word is a country the documents
do not list lets the answer say so instead of giving the list as if it answered. The names come
from a maintained library (the same CLDR data that words our dates), not from a list of our own.
"""

from __future__ import annotations

import functools
import re
from typing import Dict, List, Tuple

from babel import Locale
from babel.numbers import get_territory_currencies

from actions.language import LANGUAGES


@functools.lru_cache(maxsize=1)
def _names() -> Dict[str, Tuple[str, str]]:
    """Lower-cased country name -> (territory code, the name as the language writes it).

    Territories with letter codes (not the numeric regions) that have a currency are countries (and
    a few dependencies); the CLDR's pseudo-territories ("Unknown Region", "United Nations") have none."""
    names: Dict[str, Tuple[str, str]] = {}
    for lang in LANGUAGES:
        for code, name in Locale(lang).territories.items():
            if code.isalpha() and get_territory_currencies(code):
                names.setdefault(name.lower(), (code, name))
    return names


@functools.lru_cache(maxsize=1)
def _pattern() -> re.Pattern:
    longest_first = sorted(_names(), key=len, reverse=True)
    return re.compile(r"(?<!\w)(" + "|".join(re.escape(n) for n in longest_first) + r")(?!\w)")


def countries_named(text: str) -> List[Tuple[str, str]]:
    """(territory code, name) of each country `text` names, in order, each once."""
    found: List[Tuple[str, str]] = []
    for match in _pattern().finditer((text or "").lower().replace("’", "'")):
        country = _names()[match.group(1)]
        if country not in found:
            found.append(country)
    return found
