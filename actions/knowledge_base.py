"""Loads the knowledge base (knowledge/*.yml) and resolves what students typed to its entries.

Both the action server and the spaCy pipeline builder read the knowledge base through this module,
so the synonyms that the EntityRuler recognises are the same ones the actions resolve.
"""

from __future__ import annotations

import difflib
import functools
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Tuple

import yaml

KNOWLEDGE_DIR = Path(
    os.environ.get("KNOWLEDGE_DIR", Path(__file__).resolve().parent.parent / "knowledge")
)

# Entity label -> (file, section) of the entries it names.
ENTITY_SECTIONS: Dict[str, Tuple[str, str]] = {
    "destination": ("study_abroad.yml", "destinations"),
    "track": ("programme.yml", "tracks"),
    "language_test": ("programme.yml", "language_tests"),
    "document": ("programme.yml", "documents"),
    "component": ("programme.yml", "components"),
    "institution": ("institutions.yml", "institutions"),
}


@dataclass(frozen=True)
class Entry:
    """One named thing in the knowledge base (a destination, a track, ...)."""

    label: str
    key: str
    data: Dict[str, Any]

    @property
    def name(self) -> str:
        return self.data["name"]

    @property
    def synonyms(self) -> List[str]:
        return [str(s) for s in self.data.get("synonyms", [])]


def normalise(text: str) -> str:
    """Lower-cases and folds punctuation and spaces the way students vary them."""
    text = text.lower().replace("’", "'")
    text = re.sub(r"[^\w@'&+-]+", " ", text)
    return re.sub(r"\s+", " ", text).strip()


class KnowledgeBase:
    """The facts and named entries of knowledge/, with lookups by synonym."""

    def __init__(self, directory: Path = KNOWLEDGE_DIR) -> None:
        self.directory = Path(directory)
        self.files: Dict[str, Dict[str, Any]] = {
            path.name: yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            for path in sorted(self.directory.glob("*.yml"))
        }
        self.sources: Dict[str, Dict[str, Any]] = self.files["sources.yml"]["sources"]
        self.facts: Dict[str, Dict[str, Any]] = self.files["programme.yml"]["facts"]
        self.study_abroad: Dict[str, Any] = self.files["study_abroad.yml"]
        self.entries: Dict[str, Dict[str, Entry]] = {}
        for label, (filename, section) in ENTITY_SECTIONS.items():
            items = self.files[filename][section]
            self.entries[label] = {key: Entry(label, key, data) for key, data in items.items()}
        self._synonym_index: Dict[str, Dict[str, Entry]] = {
            label: {normalise(s): e for e in entries.values() for s in [e.name, e.key, *e.synonyms]}
            for label, entries in self.entries.items()
        }

    def meta(self, label: str) -> Dict[str, Any]:
        """Source, section and staleness shared by all entries of one entity label."""
        filename, section = ENTITY_SECTIONS[label]
        content = self.files[filename]
        return content.get(f"{section}_meta") or content["meta"]

    def entries_of(self, label: str) -> List[Entry]:
        return list(self.entries[label].values())

    def resolve(self, label: str, text: str) -> Optional[Entry]:
        """The entry that `text` names exactly (any synonym), or None."""
        return self._synonym_index[label].get(normalise(text))

    def find_in_text(self, label: str, text: str) -> List[Entry]:
        """Entries of `label` named in free text, tolerating small typos.

        The EntityRuler only knows exact synonyms; students write "karolinksa" or "toelf". Words of
        five or more letters that are close to a synonym (difflib ratio >= 0.85) count as a mention.
        """
        words = normalise(text).split()
        found: List[Entry] = []
        index = self._synonym_index[label]
        for n in (3, 2, 1):
            for i in range(len(words) - n + 1):
                phrase = " ".join(words[i : i + n])
                entry = index.get(phrase)
                if entry is None and n == 1 and len(phrase) >= 5:
                    close = difflib.get_close_matches(phrase, index.keys(), n=1, cutoff=0.85)
                    entry = index[close[0]] if close else None
                if entry is not None and entry not in found:
                    found.append(entry)
        return found

    def other_programme_named(self, text: str) -> Optional[str]:
        """Another programme than this master that a message names ("the Medicine bachelor"), if any."""
        padded = f" {normalise(text)} "
        for key, programme in (self.files["programme.yml"].get("other_programmes") or {}).items():
            if any(f" {normalise(s)} " in padded for s in programme.get("synonyms", [])):
                return key
        return None

    def programme_named(self, text: str) -> Optional[str]:
        """The study-abroad programme ("medicine", "biomedical_sciences") a message names, if exactly one."""
        padded = f" {normalise(text)} "
        named = [key for key, programme in self.study_abroad["programmes"].items()
                 if any(f" {normalise(s)} " in padded for s in programme.get("synonyms", []))]
        return named[0] if len(named) == 1 else None

    def source_line(self, source_key: str, stale: bool) -> str:
        """The line every factual answer ends with: the document, and its date where it matters."""
        source = self.sources[source_key]
        line = f"Source: {source['title']}"
        if stale and source.get("as_of"):
            line += f" (as of {source['as_of']}; check the LUMC website for the current figure)"
        return line

    def all_synonyms(self) -> Iterable[Tuple[str, str, str]]:
        """(label, entry key, synonym) for every name the EntityRuler should recognise."""
        for label, entries in self.entries.items():
            for entry in entries.values():
                for synonym in dict.fromkeys(entry.synonyms):
                    yield label, entry.key, synonym


@functools.lru_cache(maxsize=1)
def knowledge_base() -> KnowledgeBase:
    """The knowledge base, read once per process."""
    return KnowledgeBase()
