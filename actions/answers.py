"""Composes answers from the knowledge base: pure functions, so they are tested without Rasa.

Every factual answer ends with a "Source:" line ("Bron:" in Dutch; the widget shows it as a small
line under the answer), naming the document and, for facts that may be out of date, its as-of date.
Each function takes the language to answer in (`lang`); the wording is knowledge/wording.yml's and
the knowledge base's own (actions/wording.py), the facts are the same in both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable, Dict, List, Optional, Sequence

from actions.catalogue import COMPOSER_OF_INTENT, FACT_BY_INTENT, INTENT_OF_LABEL, TOPIC_OF_LABEL, attribute as attribute_named
from actions.knowledge_base import Entry, KnowledgeBase, in_language as value_in, money
from actions.walk_in import WeeklyHour, next_occurrence
from actions.wording import day_name, join, phrase, pick

@dataclass
class Answer:
    """What an action says: the text, the topic it leaves as context, and whether it declined."""

    text: str
    topic: Optional[str] = None
    declined: bool = False
    buttons: List[Dict[str, str]] = field(default_factory=list)
    # The entries the answer was about, by entity label, remembered for follow-ups.
    about: Dict[str, List[str]] = field(default_factory=dict)
    # The question (intent) this answers.
    intent: Optional[str] = None
    # The entries an overview listed, in its order ("the second one" points into it).
    listed: List[Entry] = field(default_factory=list)


def _listing(answer: Answer, kb: KnowledgeBase, label: str, mentioned: Sequence[Entry]) -> Answer:
    """An overview remembers the entries it listed, in order."""
    if not mentioned:
        answer.listed = kb.entries_of(label)
    return answer


def _with_fact_source(kb: KnowledgeBase, body: str, fact: Dict, lang: str) -> str:
    """`body` and the source line of the fact it is built from (its as-of date while stale)."""
    return f"{body.strip()}\n{kb.fact_source_line(fact, lang)}"


def _from_section(kb: KnowledgeBase, label: str, body: str, topic: str, lang: str) -> Answer:
    """An answer built from one entity label's entries, with that section's source line."""
    return Answer(_with_fact_source(kb, body, kb.meta(label), lang), topic)


def _total(fact: Dict, lang: str) -> str:
    """A yearly amount over the whole programme (€18,016 for 2 years: "€36,032"), if it has years."""
    if "years" not in fact or "amount" not in fact:
        return ""
    return money(fact["amount"] * fact["years"], fact["currency"], lang)


def programme_fact(kb: KnowledgeBase, key: str, lang: str = "en") -> Answer:
    """A single programme fact (fee, duration, dates, address, ...)."""
    fact = kb.facts[key]
    body = pick(fact["answer"], lang).format(value=value_in(fact, lang), total=_total(fact, lang))
    return Answer(_with_fact_source(kb, body, fact, lang), fact["topic"])


def other_institution(kb: KnowledgeBase, mentioned: Sequence[Entry]) -> Optional[Entry]:
    """The first institution named that is not the LUMC/Leiden, if any."""
    for entry in mentioned:
        if not entry.data.get("own"):
            return entry
    return None


def not_our_institution(entry: Entry, lang: str = "en") -> Answer:
    name = entry.name if entry.key != "other" else phrase("that_institution", lang)
    return Answer(phrase("other_institution", lang, name=name), declined=True)


def entry_requirements(kb: KnowledgeBase, lang: str = "en") -> Answer:
    degree = kb.facts["degree_requirement"]
    tests = [f"{e.name} ({value_in(e.data, lang)})" for e in kb.entries_of("language_test")]
    body = phrase("entry_requirements", lang, degree=value_in(degree, lang), tests=join(tests, lang))
    return Answer(_with_fact_source(kb, body, degree, lang), "admission")


_SCORE = re.compile(r"(?<![\w.])(\d{1,3}(?:[.,]\d)?)(?![\w.])")


def _score_verdict(entry: Entry, text: str, lang: str) -> str:
    """Compares a score the student mentions ("my TOEFL is 85") with the minimum, if possible."""
    minimum = entry.data.get("minimum") or {}
    scores = [float(s.replace(",", ".")) for s in _SCORE.findall(text)]
    if not scores or not minimum:
        return ""
    score = max(scores)
    overall = minimum.get("total", minimum.get("overall"))
    component = minimum.get("component")
    is_overall = overall is not None and (component is None or score >= overall / 2)
    required = overall if is_overall else component
    what = phrase("score_overall" if is_overall else "score_component", lang)
    if score < required:
        return phrase("score_below", lang, what=what, score=f"{score:g}", required=f"{required:g}")
    verdict = phrase("score_meets", lang, what=what, score=f"{score:g}", required=f"{required:g}")
    if is_overall and component is not None:
        verdict += phrase("score_components", lang, component=f"{component:g}")
    return verdict + "."


def language_test(kb: KnowledgeBase, mentioned: Sequence[Entry], text: str = "", lang: str = "en") -> Answer:
    if mentioned:
        body = " ".join(pick(e.data["answer"], lang).strip() + _score_verdict(e, text, lang) for e in mentioned)
        # The tests not asked about, by name: a student asking about one may hold another.
        others = [e.name for e in kb.entries_of("language_test") if e not in mentioned]
        body += phrase("other_tests", lang, names=join(others, lang)) if others else ""
    else:
        tests = [f"{e.name}: {value_in(e.data, lang)}" for e in kb.entries_of("language_test")]
        body = phrase("language_tests", lang, tests="; ".join(tests))
    return _listing(_from_section(kb, "language_test", body, "language_test", lang), kb, "language_test", mentioned)


def documents(kb: KnowledgeBase, mentioned: Sequence[Entry], lang: str = "en") -> Answer:
    everything = join([e.name_in(lang) for e in kb.entries_of("document")], lang)
    if mentioned:
        asked = join([e.name_in(lang) for e in mentioned], lang)
        body = phrase("documents_named", lang, asked=asked, everything=everything)
        body = body[:1].upper() + body[1:]
    else:
        body = phrase("documents", lang, everything=everything)
    return _listing(_from_section(kb, "document", body, "documents", lang), kb, "document", mentioned)


def credits_together(parts: Sequence[Entry], lang: str = "en") -> str:
    """The EC of `parts` added up ("at least 55 EC"): those with a number; "at least" when one of
    them is a minimum. Read from each component's own `ec`, so the sum has no copy of its own."""
    sizes = [value_in(e.data, lang, "ec") for e in parts]
    numbers = [re.search(r"\d+", size) for size in sizes]
    total = sum(int(n.group()) for n in numbers if n)
    # The minimum's own words ("at least 40 EC" / "minstens 40 EC"), put before the total.
    minimum = next((size[:n.start()] for size, n in zip(sizes, numbers) if n and n.start() > 0), "")
    return f"{minimum}{total} EC"


def components(kb: KnowledgeBase, mentioned: Sequence[Entry], lang: str = "en") -> Answer:
    duration = value_in(kb.facts["duration"], lang)
    if mentioned:
        # Each part's size, and what the page says about it besides (an internship can be extended).
        parts = [" ".join(filter(None, [
            phrase("component_size", lang, Name=e.name_in(lang)[0].upper() + e.name_in(lang)[1:],
                   ec=value_in(e.data, lang, "ec")),
            value_in({"note": "", **e.data}, lang, "note")])) for e in mentioned]
        # Two or more parts named ("the proposal and the review"): what they come to together.
        sized = [e for e in mentioned if re.search(r"\d", value_in(e.data, lang, "ec"))]
        if len(sized) > 1:
            parts.append(phrase("parts_together", lang, ec=credits_together(sized, lang)))
        body = " ".join(parts) + phrase("whole_programme", lang, duration=duration)
    else:
        items = [f"{e.name_in(lang)} ({value_in(e.data, lang, 'ec')})" for e in kb.entries_of("component")]
        body = phrase("components", lang, items=join(items, lang), duration=duration, fixed=credits_together(kb.entries_of("component"), lang))
    return _listing(_from_section(kb, "component", body, "components", lang), kb, "component", mentioned)


def tracks(kb: KnowledgeBase, mentioned: Sequence[Entry], lang: str = "en") -> Answer:
    fixed = [e.name_in(lang) for e in kb.entries_of("track") if e.key != "own_track"]
    if mentioned and all(e.key == "own_track" for e in mentioned):
        body = phrase("own_track", lang, count=len(fixed))
    elif mentioned:
        names = join([e.name_in(lang) for e in mentioned if e.key != "own_track"], lang)
        body = phrase("track_named", lang, names=names)
    else:
        body = phrase("tracks", lang, count=len(fixed), names=join(fixed, lang))
    answer = _from_section(kb, "track", body, "tracks", lang)
    if not mentioned:
        answer.listed = [e for e in kb.entries_of("track") if e.key != "own_track"]
    return answer


def study_abroad(kb: KnowledgeBase, mentioned: Sequence[Entry], programme: Optional[str] = None,
                 lang: str = "en") -> Answer:
    data = kb.study_abroad
    if programme and not mentioned:
        body = pick(data["programmes"][programme]["answer"], lang).strip()
    elif mentioned:
        parts = []
        for entry in mentioned:
            programme = data["programmes"][entry.data["programme"]]
            sentence = pick(programme["destination_answer"], lang).format(destination=entry.name_in(lang)).strip()
            parts.append(sentence[:1].upper() + sentence[1:])
        body = " ".join(parts)
    else:
        body = pick(data["overview"], lang).strip() + phrase("abroad_other_places", lang)
    answer = _from_section(kb, "destination", body, "study_abroad", lang)
    if not mentioned:
        answer.listed = [e for e in kb.entries_of("destination") if programme in (None, e.data["programme"])]
    return answer


def unlisted_destination(kb: KnowledgeBase, place: str, lang: str = "en") -> Answer:
    data = kb.study_abroad
    body = pick(data["unlisted_destination"], lang).format(destination=place).strip()
    return Answer(_with_fact_source(kb, body, data["meta"], lang), "study_abroad")


def contact(kb: KnowledgeBase, topic: Optional[str], lang: str = "en") -> Answer:
    """Whom to ask, depending on what the conversation was about."""
    if topic == "study_abroad":
        data = kb.study_abroad
        body = pick(data["contact"]["answer"], lang).format(walk_in=weekly_hour(data["contact"]["walk_in"], lang))
        return Answer(_with_fact_source(kb, body, data["contact"], lang), "study_abroad")
    answer = programme_fact(kb, "general_contact", lang)
    answer.topic = topic or "contact"
    return answer


def clarify(topic: Optional[str], lang: str = "en") -> Answer:
    """A follow-up that names nothing the assistant knows: ask, rather than guess."""
    return Answer(phrase("clarify", lang), topic)


@dataclass
class Asked:
    """A knowledge-base question as the decision made it: which question, about which entries, in
    which words, and (for studying abroad) a place the documents do not list or (for whom to ask)
    the conversation's topic."""

    intent: str
    entries: Sequence[Entry] = ()
    text: str = ""
    place: str = ""
    topic: Optional[str] = None


# What composes each knowledge-base question's answer, by the name the catalogue gives it
# (knowledge/catalogue.yml, `compose`); tests/data/test_catalogue.py checks every name is here.
COMPOSERS: Dict[str, Callable[[KnowledgeBase, Asked, str], Answer]] = {}


def _composes(name: str):
    def register(function: Callable[[KnowledgeBase, Asked, str], Answer]):
        COMPOSERS[name] = function
        return function
    return register


@_composes("fact")
def _fact_answer(kb: KnowledgeBase, asked: Asked, lang: str) -> Answer:
    return programme_fact(kb, FACT_BY_INTENT[asked.intent], lang)


@_composes("entry_requirements")
def _requirements_answer(kb: KnowledgeBase, asked: Asked, lang: str) -> Answer:
    return entry_requirements(kb, lang)


@_composes("language_test")
def _language_test_answer(kb: KnowledgeBase, asked: Asked, lang: str) -> Answer:
    return language_test(kb, asked.entries, asked.text, lang)


@_composes("documents")
def _documents_answer(kb: KnowledgeBase, asked: Asked, lang: str) -> Answer:
    return documents(kb, asked.entries, lang)


@_composes("components")
def _components_answer(kb: KnowledgeBase, asked: Asked, lang: str) -> Answer:
    return components(kb, asked.entries, lang)


@_composes("tracks")
def _tracks_answer(kb: KnowledgeBase, asked: Asked, lang: str) -> Answer:
    return tracks(kb, asked.entries, lang)


@_composes("study_abroad")
def _study_abroad_answer(kb: KnowledgeBase, asked: Asked, lang: str) -> Answer:
    if asked.place:
        return unlisted_destination(kb, asked.place, lang)
    return study_abroad(kb, asked.entries, kb.programme_named(asked.text), lang)


@_composes("contact")
def _contact_answer(kb: KnowledgeBase, asked: Asked, lang: str) -> Answer:
    return contact(kb, asked.topic, lang)


def for_question(kb: KnowledgeBase, intent: str, entries: Sequence[Entry] = (), text: str = "",
                 place: str = "", topic: Optional[str] = None, lang: str = "en") -> Answer:
    """The answer to a knowledge-base question (`ask_*`), about `entries` if any are given, composed
    as the catalogue says."""
    answer = COMPOSERS[COMPOSER_OF_INTENT[intent]](kb, Asked(intent, entries, text, place, topic), lang)
    answer.intent = intent
    return answer


def together(first: Answer, second: Answer) -> Answer:
    """`first` followed by `second` (two questions of one message), under one source line."""
    body, source = first.text.rsplit("\n", 1)
    second_body, second_source = second.text.rsplit("\n", 1)
    first.text = f"{body} {second_body}\n{_merged_sources([source, second_source])}"
    return first


# --- A person to ask (knowledge/handoff.yml) -----------------------------------------------------


def handoff_contacts(kb: KnowledgeBase, topic: Optional[str]) -> List[Dict]:
    """The contacts for the conversation's topic (knowledge/handoff.yml); all of them for any other."""
    contacts = list(kb.files["handoff.yml"]["handoff"].values())
    chosen = [c for c in contacts if topic in (c.get("topics") or [])]
    return chosen or contacts


def weekly_hour(walk_in: Dict, lang: str = "en") -> str:
    """The knowledge base's walk-in hour in words: "Monday from 14:00 to 15:00"."""
    hour = WeeklyHour.from_knowledge(walk_in)
    return phrase("weekly_hour", lang, day=day_name(hour.weekday, lang),
                  start=f"{hour.start:%H:%M}", end=f"{hour.end:%H:%M}")


def _contact_sentence(kb: KnowledgeBase, contact: Dict, now: datetime, lang: str) -> str:
    """One contact in words, only with the details its fact gives (never an invented address)."""
    fact = kb.record(contact["fact"]).data
    about = pick(contact["about"], lang)
    if fact.get("name"):
        text = phrase("handoff_person", lang, about=about, name=fact["name"], office=value_in(fact, lang, "office"),
                      room=fact["room"])
        if fact.get("walk_in"):
            upcoming = next_occurrence(WeeklyHour.from_knowledge(fact["walk_in"]), now)
            text += phrase("handoff_walk_in", lang, hour=weekly_hour(fact["walk_in"], lang),
                           upcoming=upcoming.describe(now, lang))
    else:
        text = phrase("handoff_route", lang, about=about, route=value_in(fact, lang, "route"), address=fact["value"])
    for kind in ("email", "phone"):
        if fact.get(kind):
            text += phrase(f"handoff_{kind}", lang, value=fact[kind])
    return text


def handoff(kb: KnowledgeBase, topic: Optional[str], now: datetime, after_declines: bool = False,
            lang: str = "en") -> Answer:
    """Whom to ask in person about the conversation's topic, and when the next walk-in hour is.

    `now` must be timezone-aware; the topic stays as it was, so follow-ups keep their referent.
    """
    contacts = handoff_contacts(kb, topic)
    facts = [kb.record(c["fact"]).data for c in contacts]
    parts = [phrase("handoff_after_declines" if after_declines else "handoff_asked", lang)]
    parts += [_contact_sentence(kb, c, now, lang) for c in contacts]
    if not any(f.get("email") or f.get("phone") for f in facts):
        parts.append(phrase("handoff_no_details_one" if len(contacts) == 1 else "handoff_no_details_many", lang))
    return Answer("\n".join([" ".join(parts), _sources_line(kb, facts, lang)]), topic)


def _sources_line(kb: KnowledgeBase, facts: Sequence[Dict], lang: str) -> str:
    """One source line for an answer built from several facts ("Source: A; B")."""
    return _merged_sources([kb.fact_source_line(f, lang) for f in facts])


def _merged_sources(lines: Sequence[str]) -> str:
    """One source line for several ("Source: A", "Source: B" -> "Source: A; B"), each document once."""
    lines = list(dict.fromkeys(lines))
    prefix = lines[0].split(":", 1)[0] + ": "
    return prefix + "; ".join(line[len(prefix):] for line in lines)


# --- What the documents do not state ------------------------------------------------------------


def not_stated(kb: KnowledgeBase, now: datetime, lang: str = "en", attribute: str = "", label: str = "",
               entries: Sequence[Entry] = (), programme: str = "", uncovered: str = "") -> Answer:
    """The documents do not state `attribute` (a question) or `uncovered` (a topic of
    knowledge/not_covered.yml) for the subject (`entries` of `label`, or another `programme`): say
    exactly that, then what they do state about the subject, and whom to ask."""
    # An uncovered topic may name the conversation topic whose contact to offer (knowledge/handoff.yml).
    covered = kb.files["not_covered.yml"]["not_covered_topics"].get(uncovered, {})
    topic = TOPIC_OF_LABEL.get(label) or ("programme" if programme else None) or covered.get("topic")
    if entries:
        subject = join([e.name_in(lang) for e in entries], lang)
    else:
        subject = value_in(kb.other_programme(programme), lang, "name")
    if uncovered:
        parts = [phrase("not_stated_topic", lang, what=value_in(covered, lang, "name"))]
    elif attribute and subject:
        parts = [phrase("not_stated_for", lang, what=attribute_named(attribute, lang), subject=subject)]
    else:
        parts = [phrase("not_stated_about", lang, subject=subject)]
    source = ""
    if entries:
        facts = for_question(kb, INTENT_OF_LABEL[label], entries, lang=lang).text.rsplit("\n", 1)
        parts.append(phrase("what_they_say", lang, facts=facts[0]))
        source = facts[1]
    contacts = handoff_contacts(kb, topic)
    parts += [_contact_sentence(kb, c, now, lang) for c in contacts]
    # The contacts are facts too: without a subject's facts, their sources are the answer's.
    source = source or _sources_line(kb, [kb.record(c["fact"]).data for c in contacts], lang)
    return Answer("\n".join([" ".join(parts), source]), topic)
