"""Which answer a message gets: the one place that decides it.

Every turn that is not small talk runs `action_answer` (actions/answer_action.py), which asks
`decide` what to answer and then says it. `decide` reads what the NLU made of the message (intent,
ranking, entities, the FAQ answer the NLU chose) and the conversation's slots, and
goes through these steps in order; the first that applies wins:

1. off-topic (`out_of_scope`) or a question the documents do not cover (`not_covered`): decline (the
   second decline in a row also offers a person, actions/handoff.py); a request for a person
   (`ask_human`, also the widget's "Contact a person"): whom to ask;
2. a question about a fact naming another institution ("fees at Erasmus"): decline, saying why;
   about another programme ("the Medicine bachelor's fee") or asking about a topic the documents do
   not cover (knowledge/not_covered.yml: parking, scholarships, ...): not covered, with what the
   documents do say of the subject it names (all checked on the answer the steps below choose:
   fixed answers may name other universities);
3. the NLU is unsure (`nlu_fallback`): a message naming an entry, short ("and karolinska?") or
   with the question about that kind of entry among its two likeliest readings, is answered about
   it; a short question leaning on the previous answer is answered in its context;
   a message whose parts surely ask facts of the programme gets them ("how long is it and what's the
   fee?"); a message torn between two likely questions gets "Did you mean" buttons; anything else
   is declined;
4. `followup` ("what about Cuba?"): right after a fact of the programme, that fact asked of the
   destination or other programme it names, which the documents do not state; about what it
   names; a country the documents do not list; else the one question whose words it uses
   (catalogue `words`: "and its credits?"), about what was just discussed; else the question or
   fixed answer the NLU ranks next; else a request to say more (a decline with no conversation
   yet);
5. `ask_detail` ("how many?", "which day?"): the previous question again (with no conversation
   yet, about the entry the message names, else a decline); after a fact of the programme, the
   one other question whose words it uses ("and for how many years?" after the fee);
6. a question of place pointing back at the person or destination just named ("where is her
   office?"): about them (a contact question pointing back right after every contact was given,
   about the one person among them);
7. a question sharing no content word with the examples of the answer the NLU chose: decline;
8. `faq`: the fixed answer the NLU chose;
9. a question of the knowledge base (`ask_*`): its answer, about the entries the message names (or,
   for a short follow-up, the entries of the previous answer); a fact of the programme asked with
   "it" or a pointing word right after an answer about entries ("how much does it cost?" after
   Karolinska) is not stated for them; a fact of the programme is followed by a second one when a
   part of the message surely asks it ("when does it start, and what's the deadline?").

Each step was ablated on every evaluation set (docs/benchmarks.md, "Eighth session"); those that
changed no answer were removed, except where the scorer cannot see the difference: which decline
is said (a precise "not stated", a country not on the list), the list positions and "Did you
mean" buttons that the sets' questions do not use, and the previous answer's entries for a short
follow-up ("how many EC?" after a component), which the project's conversation tests need.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from actions import answers, context, entries, handoff, topic_words
from actions.catalogue import ANSWERABLE, ENTRIES_ANSWER, INTENT_OF_LABEL, LABEL_OF_INTENT, PROGRAMME_FACTS, WORDS_OF_INTENT
from actions.entries import (
    FOLLOWUP_LABELS, is_short_followup, mentioned, remembered, word_count,
)
from actions.knowledge_base import Entry, KnowledgeBase, question_part
from actions.wording import ordinal_in

DECLINE, CHOICE, CLARIFY, HANDOFF, NOT_STATED = "decline", "choice", "clarify", "handoff", "not_stated"
NOT_ANSWERS = (DECLINE, CHOICE, CLARIFY, HANDOFF, NOT_STATED)
# What nlu_components/answer_support.py adds to the parse data (kept free of Rasa imports here).
ANSWER_SUPPORT = "answer_support"
# The lookup table (data/nlu/vocabulary.yml) of words about going abroad.
ABROAD_WORDS = "going_abroad"
# What nlu_components/question_parts.py adds to the parse data, and how sure a part's reading must be
# for its question to be answered too (docs/benchmarks.md, "Eleventh session").
QUESTION_PARTS = "question_parts"
PART_SURE = 0.6


@dataclass
class Decision:
    """What to answer: a question (`ask_*` or `faq/<key>`), or a decline, a choice, a clarification."""

    answer: str
    # Why: for a decline off_topic, not_covered, other_institution or low_confidence.
    reason: str = ""
    # Answered from the conversation's context rather than from this message alone.
    context: bool = False
    label: str = ""
    entries: List[Entry] = field(default_factory=list)
    choices: List[str] = field(default_factory=list)
    # A place the documents do not list, for an answer about studying abroad.
    place: str = ""
    # The other institution a declined question named.
    institution: Optional[Entry] = None
    # The topic a contact question is about.
    topic: Optional[str] = None
    # For NOT_STATED: the question asked (an intent), or the topic of knowledge/not_covered.yml, that
    # the documents do not state for the subject (the `entries`, or another programme's key).
    attribute: str = ""
    uncovered: str = ""
    programme: str = ""
    # A second fact of the programme the message asks too ("when does it start, and what's the
    # deadline?"), answered after the first.
    also: str = ""

    @property
    def is_faq(self) -> bool:
        return self.answer.startswith(f"{context.RETRIEVAL_INTENT}/")


def _intent(message: Dict[str, Any]) -> str:
    return (message.get("intent") or {}).get("name") or ""


def _faq_key(message: Dict[str, Any]) -> Optional[str]:
    selector = (message.get("response_selector") or {}).get(context.RETRIEVAL_INTENT) or {}
    return (selector.get("response") or {}).get("intent_response_key")


def _faq_text(message: Dict[str, Any]) -> str:
    """The text of the fixed answer the NLU chose."""
    selector = (message.get("response_selector") or {}).get(context.RETRIEVAL_INTENT) or {}
    return " ".join(r.get("text") or "" for r in (selector.get("response") or {}).get("responses") or [])


def _about_named(kb: KnowledgeBase, message: Dict[str, Any]) -> Optional[Decision]:
    """An answer about the first kind of entry the message names, if it names one."""
    for label in FOLLOWUP_LABELS:
        found = mentioned(kb, message, label)
        if found:
            return Decision(INTENT_OF_LABEL[label], label=label, entries=found)
    return None


def _again(kb: KnowledgeBase, message: Dict[str, Any], slots: Dict[str, Any], last: str) -> Decision:
    """The previous question `last` asked again, about what its answer was about."""
    if last.startswith(f"{context.RETRIEVAL_INTENT}/"):
        return Decision(last, context=True)
    decision = _question(kb, message, slots, last)
    decision.context = True
    return decision


def _question(kb: KnowledgeBase, message: Dict[str, Any], slots: Dict[str, Any], intent: str) -> Decision:
    """A question of the knowledge base, about the entries named or just discussed."""
    text = message.get("text") or ""
    label = LABEL_OF_INTENT.get(intent)
    # A question asked of another kind of entry is answered by that entry's answer (catalogue
    # `entries_answer`): a component's length is its size ("how many weeks is the animal sciences
    # course?", "how many EC?" right after a component); a track's courses are the track's answer.
    for kind in () if label and mentioned(kb, message, label) else ENTRIES_ANSWER.get(intent, ()):
        named = mentioned(kb, message, kind)
        entries_of_kind = named or (remembered(kb, slots, kind) if is_short_followup(text, kind) else [])
        if entries_of_kind:
            return Decision(INTENT_OF_LABEL[kind], label=kind, entries=entries_of_kind, context=not named)
    if intent == "ask_contact":
        # Right after contacts were given with no topic, a question pointing back ("when is she
        # there?") is about the one person among them.
        pointing = slots.get("last_question") == intent and context.points_back(text)
        return Decision(intent, topic=handoff.topic_named(kb, text) or slots.get("topic")
                        or (handoff.person_topic(kb) if pointing else None))
    if not label:
        # "How long should it be?" right after the motivation letter, "how much does it cost?" right
        # after Karolinska: a fact of the programme asked of the entries just discussed, which the
        # documents do not state for them.
        kind = LABEL_OF_INTENT.get(slots.get("last_question") or "")
        if kind and intent in PROGRAMME_FACTS and is_short_followup(text, kind) and context.points_at_entries(text):
            about = remembered(kb, slots, kind)
            if about:
                return Decision(NOT_STATED, attribute=intent, label=kind, entries=about)
        return Decision(intent)
    found = mentioned(kb, message, label)
    if intent == "ask_study_abroad" and not found:
        # "Can I do my half minor in Japan?": a country the page does not list is not answered with the list.
        place = kb.unlisted_country(question_part(text))
        if place:
            return Decision(intent, place=place)
    from_context = False
    if not found and is_short_followup(text, label):
        found = remembered(kb, slots, label)
        from_context = bool(found)
    return Decision(intent, label=label, entries=found, context=from_context)


def _where_it_is(kb: KnowledgeBase, message: Dict[str, Any], slots: Dict[str, Any], intent: str, text: str,
                 last: Optional[str]) -> Optional[Decision]:
    """"Where is her office?", "which city is it?", "welke stad in Frankrijk?": a question of place about
    a destination (named, or the one just talked about) or pointing back at the person just named is
    about them, not about the LUMC's address."""
    if intent != "ask_address":
        return None
    places = mentioned(kb, message, "destination")
    if places:
        return Decision("ask_study_abroad", label="destination", entries=places)
    if last == "ask_contact" and context.points_back(text):
        return Decision("ask_contact", topic=slots.get("topic"), context=True)
    leans = context.points_back(text) or (last == "ask_study_abroad" and word_count(text) <= entries.FOLLOWUP_MAX_WORDS)
    places = remembered(kb, slots, "destination") if leans else []
    if places:
        return Decision("ask_study_abroad", label="destination", entries=places, context=True)
    return None


def decide(kb: KnowledgeBase, message: Dict[str, Any], slots: Dict[str, Any]) -> Decision:
    """What to answer to `message` (Rasa's parse data) given the conversation's `slots`."""
    intent = _intent(message)
    text = message.get("text") or ""
    last = slots.get("last_question")
    # "The second one", "de laatste": the entry at that place of the list just given, whatever the
    # NLU made of the words around it.
    pointed = None if _about_named(kb, message) else _pointed_at(kb, slots, text)
    if pointed is not None:
        return pointed
    if intent == "out_of_scope":
        return Decision(DECLINE, reason="off_topic")
    if intent == "not_covered":
        # Something the documents do not state: say precisely what, or about which subject.
        uncovered = kb.uncovered_topic_asked(text)
        if uncovered:
            return _uncovered(kb, text, uncovered)
        return _subject_asked_about(kb, text) or Decision(DECLINE, reason="not_covered")
    if intent == "ask_human" and message.get(ANSWER_SUPPORT) != []:
        return Decision(HANDOFF, topic=handoff.topic_named(kb, text))
    decision = _choose(kb, message, slots, intent, text, last)
    # Facts are the LUMC's: a fact question naming another institution is declined by name. Only
    # the question counts ("I study in Utrecht now; what is the fee?" asks about ours), and fixed
    # answers may speak of other universities ("which Dutch universities ...?").
    other = answers.other_institution(kb, kb.find_in_text("institution", question_part(text)))
    if other is not None and not decision.is_faq and not decision.context:
        return Decision(DECLINE, reason="other_institution", institution=other)
    # The programme's facts (fee, length, dates, requirements, ...) are this master's: asked about
    # another programme or a study-abroad destination, the documents do not state them.
    if decision.answer in PROGRAMME_FACTS and not decision.context:
        programme = kb.other_programme_named(text)
        if programme:
            return Decision(NOT_STATED, attribute=decision.answer, programme=programme)
        places = kb.find_in_text("destination", question_part(text))
        # A destination is the subject only where the question speaks of going abroad ("the
        # Karolinska exchange"); elsewhere it is where the student is from.
        if places and topic_words.uses_table(text, ABROAD_WORDS, kb.destination_names()):
            return Decision(NOT_STATED, attribute=decision.answer, label="destination", entries=places)
    # Parking, scholarships, salaries (knowledge/not_covered.yml): no answer speaks of them, however
    # close its words ("how much does parking cost?" is not a tuition question); a message the NLU
    # is unsure of that names one gets the same precise answer rather than a plain decline.
    uncovered = ((decision.answer not in NOT_ANSWERS or decision.reason == "low_confidence")
                 and kb.uncovered_topic_asked(text, _faq_text(message) if decision.is_faq else ""))
    if uncovered:
        return _uncovered(kb, text, uncovered)
    if decision.answer in PROGRAMME_FACTS and not decision.context:
        decision.also = _second_fact(message, decision.answer)
    return decision


def _facts_asked(message: Dict[str, Any]) -> List[str]:
    """The facts of the programme that parts of the message ask surely, in the message's order
    (nlu_components/question_parts.py)."""
    return [part["intent"] for part in message.get(QUESTION_PARTS) or []
            if part.get("intent") in PROGRAMME_FACTS and part.get("confidence", 0.0) >= PART_SURE]


def _second_fact(message: Dict[str, Any], first: str) -> str:
    """Another fact of the programme that a part of the message asks surely, if any."""
    return next((fact for fact in _facts_asked(message) if fact != first), "")


def _subject_asked_about(kb: KnowledgeBase, text: str) -> Optional[Decision]:
    """A "not stated" answer about the subject the question names (a destination, a track, ...,
    or another programme: "how much is the Medicine bachelor?"), if any."""
    question = question_part(text)
    for label in FOLLOWUP_LABELS:
        found = kb.find_in_text(label, question)
        if found:
            return Decision(NOT_STATED, label=label, entries=found)
    programme = kb.other_programme_named(question)
    return Decision(NOT_STATED, programme=programme) if programme else None


def _uncovered(kb: KnowledgeBase, text: str, uncovered: str) -> Decision:
    """A topic the documents do not cover, with what they do say about the subject the question
    names ("the word limit of the scientific review": not covered; its size is 6 EC)."""
    decision = _subject_asked_about(kb, text) or Decision(NOT_STATED)
    decision.uncovered = uncovered
    return decision


def _asked_by_words(text: str) -> List[str]:
    """The questions of the catalogue whose words (their `words` lookup tables) the message uses."""
    return [q for q, table in WORDS_OF_INTENT.items() if topic_words.uses_table(text, table)]


def _pointed_at(kb: KnowledgeBase, slots: Dict[str, Any], text: str) -> Optional[Decision]:
    """"Tell me more about the second one", "en de laatste?": the entry at that place of the list the
    last answer gave."""
    listed = slots.get("listed") or {}
    position = ordinal_in(text) if listed and word_count(text) <= entries.FOLLOWUP_MAX_WORDS else None
    keys = listed.get("keys") or []
    if position is None or not -len(keys) <= position < len(keys) or listed.get("label") not in kb.entries:
        return None
    entry = kb.entries[listed["label"]].get(keys[position])
    if entry is None:
        return None
    return Decision(INTENT_OF_LABEL[entry.label], label=entry.label, entries=[entry], context=True)


def _choose(kb: KnowledgeBase, message: Dict[str, Any], slots: Dict[str, Any], intent: str, text: str,
            last: Optional[str]) -> Decision:
    if intent == "nlu_fallback":
        # A short message naming an entry, or one whose two likeliest readings include the question
        # about the kind of entry it names ("is Cuba an option for medicine students? ..."), is about
        # the entry.
        named = _about_named(kb, message)
        if named is not None and (word_count(text) <= entries.FOLLOWUP_MAX_WORDS
                                  or named.answer in [r["name"] for r in context.two_likeliest(message)]):
            return named
        if last and context.leans_on_context(text):
            return _again(kb, message, slots, last)
        # Torn between two questions because it asks both ("how long is it and what's the fee?"):
        # the parts say which (the second is added in `decide`).
        asked = _facts_asked(message)
        if asked:
            return _question(kb, message, slots, asked[0])
        choices = context.candidates(message)
        if choices:
            return Decision(CHOICE, choices=choices)
        return Decision(DECLINE, reason="low_confidence")
    if intent == "followup":
        # "And for Karolinska?", "and the Medicine bachelor?" right after a fact of this master (its
        # fee, dates, ...) ask that fact of what they name: the documents do not state it for them.
        if last in PROGRAMME_FACTS and last not in LABEL_OF_INTENT:
            places = mentioned(kb, message, "destination")
            programme = kb.other_programme_named(text)
            if places or programme:
                return Decision(NOT_STATED, attribute=last, label="destination" if places else "",
                                entries=places, programme=programme or "")
        named = _about_named(kb, message)
        if named is not None:
            return named
        if slots.get("topic") == "study_abroad" and kb.programme_named(text):
            return Decision("ask_study_abroad", context=True)
        place = kb.unlisted_country(text)
        if slots.get("topic") == "study_abroad" and place:
            return Decision("ask_study_abroad", place=place, context=True)
        # "And its credits?": the one question whose words the follow-up uses, about what was
        # just discussed.
        asked = _asked_by_words(text)
        if len(asked) == 1:
            return _question(kb, message, slots, asked[0])
        runner_up = context.runner_up(message)
        if runner_up == context.RETRIEVAL_INTENT and _faq_key(message):
            return Decision(_faq_key(message))
        if runner_up in ANSWERABLE:
            return _question(kb, message, slots, runner_up)
        # With a conversation to lean on, ask what was meant; without one, there is nothing to ask about.
        return Decision(CLARIFY) if last else Decision(DECLINE, reason="low_confidence")
    if intent == "ask_detail":
        # "And for how many years?" after the fee asks another fact of the programme, by its words;
        # a detail with no question's words ("how many?", "which day?") asks the last one again.
        asked = _asked_by_words(text)
        if last in PROGRAMME_FACTS and len(asked) == 1 and asked != [last]:
            return _question(kb, message, slots, asked[0])
        if last:
            return _again(kb, message, slots, last)
        # With no conversation yet, a detail of an entry the message names ("can the internship
        # be longer than its minimum?") is about that entry.
        return _about_named(kb, message) or Decision(DECLINE, reason="low_confidence")
    where = _where_it_is(kb, message, slots, intent, text, last)
    if where is not None:
        return where
    # Not one content word in common with the examples of the answer the NLU chose
    # (nlu_components/answer_support.py): not understood, however confident the classifier was.
    if message.get(ANSWER_SUPPORT) == []:
        return Decision(DECLINE, reason="off_topic")
    if intent == context.RETRIEVAL_INTENT:
        key = _faq_key(message)
        return Decision(key) if key else Decision(DECLINE, reason="low_confidence")
    if intent in ANSWERABLE:
        return _question(kb, message, slots, intent)
    return Decision(DECLINE, reason="low_confidence")
