"""Composes answers from the knowledge base: pure functions, so they are tested without Rasa.

Every factual answer ends with a "Source:" line (the widget shows it as a small line under the
answer), naming the document and, for facts that may be out of date, its as-of date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Dict, List, Optional, Sequence

from actions.knowledge_base import Entry, KnowledgeBase
from actions.walk_in import WeeklyHour, next_occurrence

# Intent -> programme fact (knowledge/programme.yml) that answers it.
FACT_BY_INTENT = {
    "ask_fee": "tuition_fee",
    "ask_duration": "duration",
    "ask_language_of_instruction": "language_of_instruction",
    "ask_start_date": "start_date",
    "ask_deadline": "application_deadline",
    "ask_address": "address",
}


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


def _with_fact_source(kb: KnowledgeBase, body: str, fact: Dict) -> str:
    """`body` and the source line of the fact it is built from (its as-of date while stale)."""
    return f"{body.strip()}\n{kb.fact_source_line(fact)}"


def _from_section(kb: KnowledgeBase, label: str, body: str, topic: str) -> Answer:
    """An answer built from one entity label's entries, with that section's source line."""
    return Answer(_with_fact_source(kb, body, kb.meta(label)), topic)


def _join(items: Sequence[str]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _total(fact: Dict) -> str:
    """A yearly amount over the whole programme ("€18,016" for 2 years: "€36,032"), if it has years."""
    if "years" not in fact:
        return ""
    amount = float(fact["value"].lstrip("€").replace(",", ""))
    return f"€{amount * fact['years']:,.0f}"


def programme_fact(kb: KnowledgeBase, key: str) -> Answer:
    """A single programme fact (fee, duration, dates, address, ...)."""
    fact = kb.facts[key]
    body = fact["answer"].format(value=fact["value"], total=_total(fact))
    return Answer(_with_fact_source(kb, body, fact), fact["topic"])


def other_institution(kb: KnowledgeBase, mentioned: Sequence[Entry]) -> Optional[Entry]:
    """The first institution named that is not the LUMC/Leiden, if any."""
    for entry in mentioned:
        if not entry.data.get("own"):
            return entry
    return None


def not_our_institution(entry: Entry) -> Answer:
    name = entry.name if entry.key != "other" else "that institution"
    return Answer(
        f"I only have information about Leiden University and the LUMC, so I can't tell you "
        f"about {name}.",
        declined=True,
    )


def entry_requirements(kb: KnowledgeBase) -> Answer:
    degree = kb.facts["degree_requirement"]
    tests = [f"{e.name} ({e.data['value']})" for e in kb.entries_of("language_test")]
    body = (
        f"You need {degree['value']} to be admitted to a Leiden master's programme. "
        f"You also need to show your English with one of these tests: {_join(tests)}. "
        f"International students upload documents with their application as well; ask me "
        f"\"which documents do I need?\" for the list."
    )
    return Answer(_with_fact_source(kb, body, degree), "admission")


_SCORE = re.compile(r"(?<![\w.])(\d{1,3}(?:[.,]\d)?)(?![\w.])")


def _score_verdict(entry: Entry, text: str) -> str:
    """Compares a score the student mentions ("my TOEFL is 85") with the minimum, if possible."""
    minimum = entry.data.get("minimum") or {}
    scores = [float(s.replace(",", ".")) for s in _SCORE.findall(text)]
    if not scores or not minimum:
        return ""
    score = max(scores)
    overall = minimum.get("total", minimum.get("overall"))
    component = minimum.get("component")
    if overall is not None and (component is None or score >= overall / 2):
        kind, required = "overall", overall
    else:
        kind, required = "component", component
    if score < required:
        return f" {'An' if kind == 'overall' else 'A'} {kind} score of {score:g} is below the minimum of {required:g}."
    verdict = f" {'An' if kind == 'overall' else 'A'} {kind} score of {score:g} meets the minimum of {required:g}"
    if kind == "overall" and component is not None:
        verdict += f", as long as every component is at least {component:g}"
    return verdict + "."


def language_test(kb: KnowledgeBase, mentioned: Sequence[Entry], text: str = "") -> Answer:
    if mentioned:
        body = " ".join(e.data["answer"].strip() + _score_verdict(e, text) for e in mentioned)
    else:
        tests = [f"{e.name}: {e.data['value']}" for e in kb.entries_of("language_test")]
        body = (
            f"You need to prove your English with one of these tests: {'; '.join(tests)}. "
            f"Some courses may set a different IELTS score."
        )
    return _from_section(kb, "language_test", body, "language_test")


def documents(kb: KnowledgeBase, mentioned: Sequence[Entry]) -> Answer:
    everything = _join([e.name for e in kb.entries_of("document")])
    if mentioned:
        asked = _join([e.name for e in mentioned])
        body = f"Yes, the list includes {asked}. The full list is: {everything}."
    else:
        body = f"International students upload these documents with their application: {everything}."
    return _from_section(kb, "document", body, "documents")


def components(kb: KnowledgeBase, mentioned: Sequence[Entry]) -> Answer:
    if mentioned:
        parts = [f"{e.name[0].upper()}{e.name[1:]} counts for {e.data['ec']}." for e in mentioned]
        body = " ".join(parts) + f" The whole programme is {kb.facts['duration']['value']}."
    else:
        items = [f"{e.name} ({e.data['ec']})" for e in kb.entries_of("component")]
        body = (
            f"Besides the courses you choose, the Research specialisation has these parts: "
            f"{_join(items)}. Altogether the programme is {kb.facts['duration']['value']}."
        )
    return _from_section(kb, "component", body, "components")


def tracks(kb: KnowledgeBase, mentioned: Sequence[Entry]) -> Answer:
    fixed = [e.name for e in kb.entries_of("track") if e.key != "own_track"]
    if mentioned and all(e.key == "own_track" for e in mentioned):
        body = (
            "Yes, you can design your own track around your own fields of interest instead of "
            f"choosing one of the {len(fixed)} set tracks."
        )
    elif mentioned:
        names = _join([e.name for e in mentioned if e.key != "own_track"])
        body = (
            f"Yes, {names} is one of the tracks of the Research specialisation. Tracks follow the "
            f"LUMC's medical profiles and let you focus on one area while still covering a broad "
            f"range of topics. The page does not describe the courses of each track in detail. If no "
            f"track fits your interests, you can design your own."
        )
    else:
        body = (
            f"The Research specialisation offers {len(fixed)} tracks, linked to the LUMC's medical "
            f"profiles: {_join(fixed)}. You can also design your own track."
        )
    return _from_section(kb, "track", body, "tracks")


def study_abroad(kb: KnowledgeBase, mentioned: Sequence[Entry], programme: Optional[str] = None) -> Answer:
    data = kb.study_abroad
    if programme and not mentioned:
        body = data["programmes"][programme]["answer"].strip()
    elif mentioned:
        parts = []
        for entry in mentioned:
            programme = data["programmes"][entry.data["programme"]]
            parts.append(programme["destination_answer"].format(destination=entry.name).strip())
        body = " ".join(parts)
    else:
        body = (
            data["overview"].strip()
            + " Other places are possible if you find one yourself; ask me how to find a place."
        )
    return _from_section(kb, "destination", body, "study_abroad")


def unlisted_destination(kb: KnowledgeBase, place: str) -> Answer:
    data = kb.study_abroad
    body = data["unlisted_destination"].format(destination=place).strip()
    return Answer(_with_fact_source(kb, body, data["meta"]), "study_abroad")


def contact(kb: KnowledgeBase, topic: Optional[str]) -> Answer:
    """Whom to ask, depending on what the conversation was about."""
    if topic == "study_abroad":
        data = kb.study_abroad
        body = data["contact"]["answer"].format(walk_in=weekly_hour(data["contact"]["walk_in"]))
        return Answer(_with_fact_source(kb, body, data["contact"]), "study_abroad")
    answer = programme_fact(kb, "general_contact")
    answer.topic = topic or "contact"
    return answer


def clarify(topic: Optional[str]) -> Answer:
    """A follow-up that names nothing the assistant knows: ask, rather than guess."""
    return Answer(
        "Could you say a bit more about what you'd like to know? For example: the tuition fee, "
        "the English test scores, the tracks, or where you can study abroad.",
        topic,
    )


def for_question(kb: KnowledgeBase, intent: str, entries: Sequence[Entry] = (), text: str = "",
                 place: str = "", topic: Optional[str] = None) -> Answer:
    """The answer to a knowledge-base question (`ask_*`), about `entries` if any are given."""
    if intent in FACT_BY_INTENT:
        answer = programme_fact(kb, FACT_BY_INTENT[intent])
    elif intent == "ask_entry_requirements":
        answer = entry_requirements(kb)
    elif intent == "ask_language_test":
        answer = language_test(kb, entries, text)
    elif intent == "ask_documents":
        answer = documents(kb, entries)
    elif intent == "ask_components":
        answer = components(kb, entries)
    elif intent == "ask_tracks":
        answer = tracks(kb, entries)
    elif intent == "ask_study_abroad":
        answer = (unlisted_destination(kb, place) if place
                  else study_abroad(kb, entries, kb.programme_named(text)))
    elif intent == "ask_contact":
        answer = contact(kb, topic)
    else:
        raise ValueError(f"no answer for {intent}")
    answer.intent = intent
    return answer


# --- A person to ask (knowledge/handoff.yml) -----------------------------------------------------

HANDOFF_ASKED = "Here is who can help you in person."
HANDOFF_AFTER_DECLINES = "I couldn't answer twice in a row, but a person can help you."


def handoff_contacts(kb: KnowledgeBase, topic: Optional[str]) -> List[Dict]:
    """The contacts for the conversation's topic (knowledge/handoff.yml); all of them for any other."""
    contacts = list(kb.files["handoff.yml"]["handoff"].values())
    chosen = [c for c in contacts if topic in (c.get("topics") or [])]
    return chosen or contacts


def weekly_hour(walk_in: Dict) -> str:
    """The knowledge base's walk-in hour in words: "Monday from 14:00 to 15:00"."""
    hour = WeeklyHour.from_knowledge(walk_in)
    return f"{walk_in['day']} from {hour.start:%H:%M} to {hour.end:%H:%M}"


def _contact_sentence(kb: KnowledgeBase, contact: Dict, now: datetime) -> str:
    """One contact in words, only with the details its fact gives (never an invented address)."""
    fact = kb.record(contact["fact"]).data
    if fact.get("name"):
        text = f"For {contact['about']}, ask {fact['name']} of the {fact['office']}, room {fact['room']}."
        if fact.get("walk_in"):
            hour = WeeklyHour.from_knowledge(fact["walk_in"])
            upcoming = next_occurrence(hour, now)
            text += f" The walk-in hour is every {weekly_hour(fact['walk_in'])}; {upcoming.describe(now)}."
    else:
        text = f"For {contact['about']}, use {fact['route']} or write to {fact['value']}."
    for kind in ("email", "phone"):
        if fact.get(kind):
            text += f" {'E-mail' if kind == 'email' else 'Phone'}: {fact[kind]}."
    return text


def handoff(kb: KnowledgeBase, topic: Optional[str], now: datetime, after_declines: bool = False) -> Answer:
    """Whom to ask in person about the conversation's topic, and when the next walk-in hour is.

    `now` must be timezone-aware; the topic stays as it was, so follow-ups keep their referent.
    """
    contacts = handoff_contacts(kb, topic)
    facts = [kb.record(c["fact"]).data for c in contacts]
    parts = [HANDOFF_AFTER_DECLINES if after_declines else HANDOFF_ASKED]
    parts += [_contact_sentence(kb, c, now) for c in contacts]
    if not any(f.get("email") or f.get("phone") for f in facts):
        parts.append("The pages I know give no e-mail address or phone number for "
                     f"{'this contact' if len(contacts) == 1 else 'these contacts'}.")
    sources = list(dict.fromkeys(kb.fact_source_line(f)[len("Source: "):] for f in facts))
    return Answer("\n".join([" ".join(parts), "Source: " + "; ".join(sources)]), topic)
