"""Loads the knowledge base (knowledge/*.yml) and resolves what students typed to its entries.

Both the action server and the spaCy pipeline builder read the knowledge base through this module,
so the synonyms that the EntityRuler recognises are the same ones the actions resolve.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple
from zoneinfo import ZoneInfo

import yaml
from babel.numbers import format_currency

from actions.countries import countries_named

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


# Freshness of facts (docs/freshness.md): an as-of date (a year, a month or a day) and a review-by day.
AS_OF = re.compile(r"^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$")
LOCAL_TIME = ZoneInfo("Europe/Amsterdam")
# The key prefix of another field's programme (knowledge/programme.yml, `other_fields`).
FIELD = "field:"
# Files whose records name documents rather than state facts.
NOT_FACT_FILES = {"sources.yml", "wording.yml"}


def today_in_leiden() -> dt.date:
    """The date at the LUMC: review-by days end at midnight in Leiden, not in UTC."""
    return dt.datetime.now(LOCAL_TIME).date()


def review_day(value: Any) -> Optional[dt.date]:
    """A review-by value as a date (YAML may give a date or a string), or None if it is not one."""
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None


@dataclass(frozen=True)
class FactRecord:
    """One fact of the knowledge base: any mapping in knowledge/ that names its `source`."""

    file: str
    path: Tuple[str, ...]
    data: Dict[str, Any]

    @property
    def id(self) -> str:
        """Where the fact lives, e.g. "programme.yml#facts.tuition_fee"."""
        return f"{self.file}#{'.'.join(self.path)}"

    @property
    def value(self) -> Optional[str]:
        """What the fact says, in English, for staff pages (None for a fact with no single value)."""
        return in_language(self.data, "en") if "value" in self.data or "amount" in self.data else None

    @property
    def review_by(self) -> Optional[dt.date]:
        return review_day(self.data.get("review_by"))

    def problems(self) -> List[str]:
        """What is wrong with its freshness fields (missing or not a date), in plain words."""
        found = []
        as_of = self.data.get("as_of")
        if as_of in (None, ""):
            found.append(f"{self.id} has no as_of date: add the date the fact speaks for (2026, 2026-05 or 2026-05-31)")
        elif not AS_OF.match(str(as_of)):
            found.append(f'{self.id}: as_of "{as_of}" is not a date: write it like 2026, 2026-05 or 2026-05-31')
        if self.data.get("review_by") in (None, ""):
            found.append(f"{self.id} has no review_by date: add the day staff check it again (YYYY-MM-DD)")
        elif self.review_by is None:
            found.append(f'{self.id}: review_by "{self.data["review_by"]}" is not a day: write it like 2027-06-30')
        return found

    def overdue(self, today: dt.date) -> bool:
        """Past its review-by day (a fact without one counts as overdue)."""
        return self.review_by is None or self.review_by < today


def _fact_records(filename: str, node: Any, path: Tuple[str, ...] = ()) -> Iterable[FactRecord]:
    if isinstance(node, dict):
        if "source" in node and path:
            yield FactRecord(filename, path, node)
            return
        for key, value in node.items():
            yield from _fact_records(filename, value, path + (str(key),))


def money(amount: float, currency: str, lang: str) -> str:
    """An amount the way `lang` writes it: "€18,016" in English, "€18.016" in Dutch (Babel's locale data)."""
    return format_currency(amount, currency, format="¤#,##0", locale=lang, currency_digits=False)


def in_language(data: Dict[str, Any], lang: str, key: str = "value") -> str:
    """A fact's or entry's `key` in `lang`: `<key>_nl` where Dutch words it differently, else `key`.
    A fact that is an amount of money (`amount`, `currency`) is written in the language's style."""
    if key == "value" and "amount" in data:
        return money(data["amount"], data["currency"], lang)
    return data.get(f"{key}_{lang}") or data[key]


@dataclass(frozen=True)
class Entry:
    """One named thing in the knowledge base (a destination, a track, ...)."""

    label: str
    key: str
    data: Dict[str, Any]

    @property
    def name(self) -> str:
        return self.data["name"]

    def name_in(self, lang: str) -> str:
        """The entry's name as an answer in `lang` says it (`name_nl`, where Dutch differs)."""
        return in_language(self.data, lang, "name")

    @property
    def synonyms(self) -> List[str]:
        return [str(s) for s in self.data.get("synonyms", [])]


def normalise(text: str) -> str:
    """Lower-cases and folds punctuation and spaces the way students vary them."""
    text = text.lower().replace("’", "'")
    text = re.sub(r"[^\w@'&+-]+", " ", text)
    return re.sub(r"\s+", " ", text).strip()


# A word of at least TYPO_MIN_LETTERS letters this close to a known one (difflib ratio) is that word
# misspelt ("karolinksa", "toelf").
TYPO_MIN_LETTERS = 5
TYPO_CUTOFF = 0.85


def close_to(word: str, vocabulary: Iterable[str]) -> Optional[str]:
    """The word of `vocabulary` that `word` is, allowing a small typo in a long enough word. A typo
    keeps the first letter: "terecht" (Dutch: "to the right place") is not "utrecht"."""
    if len(word) < TYPO_MIN_LETTERS:
        return None
    candidates = [known for known in vocabulary if known[:1] == word[:1]]
    # Two letters swapped ("abraod") is the commonest typo, and difflib rates it low in a short word.
    swapped = {word[:i] + word[i + 1] + word[i] + word[i + 2:] for i in range(len(word) - 1)}
    known = swapped.intersection(candidates)
    if known:
        return min(known)
    close = difflib.get_close_matches(word, candidates, n=1, cutoff=TYPO_CUTOFF)
    return close[0] if close else None


# At most this many words between the parts of an uncovered topic's synonym written with "...".
SYNONYM_GAP_WORDS = 6
NEGATIONS = {"not", "no", "without", "excluding", "except", "besides", "nor", "counting"}


def question_part(text: str) -> str:
    """The sentences of a message that end with a question mark, or else its last sentence."""
    sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+|\n+", text.strip()) if s.strip()]
    questions = [s for s in sentences if s.endswith("?")]
    return " ".join(questions) if questions else (sentences[-1] if sentences else "")


class KnowledgeBase:
    """The facts and named entries of knowledge/, with lookups by synonym."""

    def __init__(
        self, directory: Path = KNOWLEDGE_DIR, today: Callable[[], dt.date] = today_in_leiden
    ) -> None:
        self.directory = Path(directory)
        # The clock that decides which facts are past their review-by day (fixed in tests).
        self.today = today
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
        # The synonyms by their first letter, which a typo keeps (`close_to`): a phrase is compared
        # with those alone.
        self._by_initial: Dict[str, Dict[str, List[str]]] = {label: {} for label in self._synonym_index}
        for label, index in self._synonym_index.items():
            for synonym in index:
                self._by_initial[label].setdefault(synonym[:1], []).append(synonym)

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

        The EntityRuler only knows exact synonyms; students write "karolinksa" or "toelf". Words and
        phrases of up to three words ("animal sciens") close to a synonym (`close_to`) count as a
        mention.
        """
        words = normalise(text).split()
        found: List[Entry] = []
        index = self._synonym_index[label]
        for n in (3, 2, 1):
            for i in range(len(words) - n + 1):
                phrase = " ".join(words[i : i + n])
                entry = index.get(phrase)
                if entry is None:
                    close = self._typo_of(label, phrase)
                    entry = index[close] if close else None
                if entry is not None and entry not in found:
                    found.append(entry)
        return found

    @functools.lru_cache(maxsize=100_000)
    def _typo_of(self, label: str, phrase: str) -> Optional[str]:
        """The synonym of `label` that `phrase` misspells (`close_to`), remembered: most phrases of a
        message ("how much", "the master") recur in every conversation, and comparing each with the
        synonyms was half of the action's time (docs/benchmarks.md, "Eighteenth session")."""
        return close_to(phrase, self._by_initial[label].get(phrase[:1], []))

    def names_fact(self, fact_id: str, text: str) -> bool:
        """Whether `text` uses one of the `synonyms` of the fact `fact_id` (a contact: her name, her
        walk-in hour, her role), a long single word also with a small typo."""
        names, single = self._fact_synonyms.get(fact_id, ([], []))
        lowered = f" {normalise(text)} "
        if any(f" {name} " in lowered for name in names):
            return True
        return any(close_to(word, single) for word in lowered.split())

    @functools.cached_property
    def _fact_synonyms(self) -> Dict[str, Tuple[List[str], List[str]]]:
        """Each fact's synonyms, normalised once: all of them, and the single words."""
        synonyms = {}
        for record in self.fact_records():
            names = [normalise(n) for n in record.data.get("synonyms") or []]
            if names:
                synonyms[record.id] = (names, [name for name in names if " " not in name])
        return synonyms

    def unlisted_country(self, text: str) -> Optional[str]:
        """The first country `text` names that is neither a destination nor the country the students
        study in (study_abroad.yml's `home_country`), as the student's language writes it."""
        home = self.files["study_abroad.yml"]["meta"].get("home_country")
        for code, name in countries_named(text):
            if code != home and not self.find_in_text("destination", name):
                return name
        return None

    def destination_names(self) -> frozenset:
        """Every name of a study-abroad destination, lower-cased."""
        return frozenset(name for name, entry in self._synonym_index["destination"].items())

    def other_programme_named(self, text: str) -> Optional[str]:
        """Another programme than this master that a message names ("the Medicine bachelor", or a
        field next to a word for a programme: "the law master"), if any. A field's key starts with
        FIELD ("field:law")."""
        padded = f" {normalise(text)} "
        for key, names in self._padded_synonyms("programme.yml", "other_programmes").items():
            if any(name in padded for name in names):
                return key
        return next((FIELD + key for key, pattern in self._field_patterns().items() if pattern.search(padded)), None)

    @functools.lru_cache(maxsize=None)
    def _field_patterns(self) -> Dict[str, "re.Pattern[str]"]:
        """Each field of `other_fields` as a pattern of its names beside a word for a programme, in
        either order ("psychology master", "master in psychology", "opleiding psychologie")."""
        other = self.files["programme.yml"].get("other_fields") or {}
        words = "|".join(re.escape(normalise(w)) for w in other.get("programme_words", []))
        patterns = {}
        for key, field in (other.get("fields") or {}).items():
            names = "|".join(re.escape(normalise(s)) for s in field.get("synonyms", []))
            patterns[key] = re.compile(rf" (?:(?:{names}) (?:{words})|(?:{words}) (?:(?:in|of|voor) )?(?:{names})) ")
        return patterns

    def other_programme(self, key: str) -> Dict[str, Any]:
        """The record of another programme (`other_programmes`) or field (`other_fields`) by key."""
        content = self.files["programme.yml"]
        fields = {FIELD + k: v for k, v in (content.get("other_fields") or {}).get("fields", {}).items()}
        return {**content["other_programmes"], **fields}.get(key, {"name": ""})

    @functools.lru_cache(maxsize=None)
    def _padded_synonyms(self, filename: str, *path: str) -> Dict[str, List[str]]:
        """Each item's synonyms under `path` of `filename`, normalised once and padded with spaces
        (" medicine "), for matching whole words in a normalised, padded message."""
        items = self.files.get(filename, {})
        for key in path:
            items = items.get(key) or {}
        return {key: [f" {normalise(s)} " for s in item.get("synonyms", [])] for key, item in items.items()}

    def uncovered_topic_asked(self, text: str, answer_text: str = "") -> Optional[str]:
        """The topic of knowledge/not_covered.yml the question itself asks about, if any: found in
        the sentences ending with "?", or else in the last sentence (context around a covered
        question does not count). A topic the chosen answer's text speaks of is covered by it (a
        trainer's new FAQ answer about housing)."""
        question, answer = normalise(question_part(text)), normalise(answer_text)
        for key, patterns in self._uncovered_patterns().items():
            if any(pattern.search(answer) for pattern in patterns):
                continue
            # "tuition, not counting rent": a topic ruled out is not asked about.
            if any(found.group(1) not in NEGATIONS for pattern in patterns for found in pattern.finditer(question)):
                return key
        return None

    @functools.lru_cache(maxsize=None)
    def _uncovered_patterns(self) -> Dict[str, List["re.Pattern[str]"]]:
        """Each uncovered topic's synonyms as patterns of whole words, with the word before them
        (for a negation). "..." in a synonym stands for a few words between ("cost ... to live":
        "how much does it cost to live there?", "kost ... te wonen")."""
        topics = self.files.get("not_covered.yml", {}).get("not_covered_topics") or {}
        gap = rf"(?: \S+){{0,{SYNONYM_GAP_WORDS}}} "
        return {key: [re.compile(r"(?:^|\s)(?:(\S+) )?" + gap.join(re.escape(normalise(part)) for part in synonym.split("..."))
                                 + r"(?=\s|$)") for synonym in topic.get("synonyms", [])]
                for key, topic in topics.items()}

    def programme_named(self, text: str) -> Optional[str]:
        """The study-abroad programme ("medicine", "biomedical_sciences") a message names, if exactly one."""
        padded = f" {normalise(text)} "
        named = [key for key, names in self._padded_synonyms("study_abroad.yml", "programmes").items()
                 if any(name in padded for name in names)]
        return named[0] if len(named) == 1 else None

    def fact_records(self) -> List[FactRecord]:
        """Every fact in knowledge/, wherever it sits: each mapping that names a `source`."""
        return [record for name, content in self.files.items() if name not in NOT_FACT_FILES
                for record in _fact_records(name, content)]

    def record(self, fact_id: str) -> FactRecord:
        """The fact at "file#dotted.path" (KeyError if there is none)."""
        for record in self.fact_records():
            if record.id == fact_id:
                return record
        raise KeyError(fact_id)

    def freshness_problems(self) -> List[str]:
        """Facts without a valid as-of or review-by date: CI fails on these."""
        return [problem for record in self.fact_records() for problem in record.problems()]

    def overdue_facts(self, today: Optional[dt.date] = None) -> List[FactRecord]:
        """Facts past their review-by day, the longest overdue first."""
        day = today or self.today()
        late = [r for r in self.fact_records() if r.overdue(day)]
        return sorted(late, key=lambda r: (r.review_by or dt.date.min, r.id))

    def is_stale(self, fact: Dict[str, Any]) -> bool:
        """Whether answers built from `fact` must say how old it is: marked `stale`, or past review."""
        if fact.get("stale"):
            return True
        day = review_day(fact.get("review_by"))
        return day is None or day < self.today()

    def fact_source_line(self, fact: Dict[str, Any], lang: str = "en") -> str:
        """The source line of an answer built from `fact`, with its as-of date while it is stale."""
        from actions.wording import phrase

        source = self.sources[fact["source"]]
        title = source.get(f"title_{lang}") or source["title"]
        if not self.is_stale(fact):
            return phrase("source_line", lang, title=title)
        as_of = fact.get("as_of") or source.get("as_of")
        key = "source_line_stale" if fact.get("stale") else "source_line_due"
        return phrase(key, lang, title=title, as_of=as_of)

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
