"""Composes answers from the knowledge base: pure functions, so they are tested without Rasa.

Every factual answer ends with a "Source:" line (the widget shows it as a small line under the
answer), naming the document and, for facts that may be out of date, its as-of date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence

from actions.knowledge_base import Entry, KnowledgeBase

# Entity labels a follow-up such as "what about X?" can be about, in the order they are tried.
FOLLOWUP_LABELS = ("destination", "language_test", "track", "document", "component")


@dataclass
class Answer:
    """What an action says: the text, the topic it leaves as context, and whether it declined."""

    text: str
    topic: Optional[str] = None
    declined: bool = False
    buttons: List[Dict[str, str]] = field(default_factory=list)
    # The entries the answer was about, by entity label, remembered for follow-ups.
    about: Dict[str, List[str]] = field(default_factory=dict)
    # The intent this answers, when it is not the intent the message was classified as.
    intent: Optional[str] = None
    # Why it declined (see actions.base.outcome), whether it only asks the student to say more, and whether
    # it was answered from the conversation's context: sent as the message's metadata.
    reason: Optional[str] = None
    clarification: bool = False
    context: bool = False


def _with_source(kb: KnowledgeBase, body: str, source: str, stale: bool) -> str:
    return f"{body.strip()}\n{kb.source_line(source, stale)}"


def _from_section(kb: KnowledgeBase, label: str, body: str, topic: str) -> Answer:
    """An answer built from one entity label's entries, with that section's source line."""
    meta = kb.meta(label)
    return Answer(_with_source(kb, body, meta["source"], meta["stale"]), topic)


def _join(items: Sequence[str]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def programme_fact(kb: KnowledgeBase, key: str) -> Answer:
    """A single programme fact (fee, duration, dates, address, ...)."""
    fact = kb.facts[key]
    body = fact["answer"].format(value=fact["value"])
    return Answer(_with_source(kb, body, fact["source"], fact.get("stale", False)), fact["topic"])


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
        reason="other_institution",
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
    return Answer(_with_source(kb, body, degree["source"], False), "admission")


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
            f"range of topics. The page does not describe the courses of each track in detail."
        )
    else:
        body = (
            f"The Research specialisation offers {len(fixed)} tracks, linked to the LUMC's medical "
            f"profiles: {_join(fixed)}. You can also design your own track."
        )
    return _from_section(kb, "track", body, "tracks")


def study_abroad(kb: KnowledgeBase, mentioned: Sequence[Entry]) -> Answer:
    data = kb.study_abroad
    if mentioned:
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
    return Answer(_with_source(kb, body, data["meta"]["source"], False), "study_abroad")


def contact(kb: KnowledgeBase, topic: Optional[str]) -> Answer:
    """Whom to ask, depending on what the conversation was about."""
    if topic == "study_abroad":
        data = kb.study_abroad
        return Answer(
            _with_source(kb, data["contact"]["answer"], data["meta"]["source"], False), "study_abroad"
        )
    answer = programme_fact(kb, "general_contact")
    answer.topic = topic or "contact"
    return answer


def clarify(topic: Optional[str]) -> Answer:
    """A follow-up that names nothing the assistant knows: ask, rather than guess."""
    return Answer(
        "Could you say a bit more about what you'd like to know? For example: the tuition fee, "
        "the English test scores, the tracks, or where you can study abroad.",
        topic,
        clarification=True,
    )
