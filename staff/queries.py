"""The review queries: filtered conversation list, transcript, dashboard, export rows.

All filters work on ``staff_turns`` (one row per student message), so the
same portable SQL runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, replace
from typing import Dict, List, Optional
from urllib.parse import urlencode

import sqlalchemy as sa

from staff import outcomes
from staff.demo_data import DEMO_PREFIX
from staff.schema import events, staff_turns as t

SORTS = {
    "recent": "Most recent first",
    "oldest": "Oldest first",
    "most_matches": "Most matching messages",
    "lowest_confidence": "Lowest confidence first",
}
_HIDDEN_ACTIONS = ("action_listen", "action_session_start")
# The slot the assistant keeps the conversation's language in (domain.yml), and its values in words.
LANGUAGE_SLOT = "language"
LANGUAGE_NAMES = {"en": "English", "nl": "Dutch"}


class BadFilter(ValueError):
    """A filter value the page cannot use; the message says what to fix (answered with a 400)."""


def _parse_day(value: str, name: str) -> Optional[dt.date]:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise BadFilter(f'"{name}" must be a date written as YYYY-MM-DD, for example 2026-11-22.') from None


def _choice(value: str, allowed, name: str) -> str:
    if value and value not in allowed:
        raise BadFilter(f'"{name}" must be one of: {", ".join(allowed)}.')
    return value


@dataclass(frozen=True)
class Filters:
    date_from: Optional[dt.date] = None
    date_to: Optional[dt.date] = None
    declined: bool = False
    low: bool = False
    threshold: float = 0.6
    intent: str = ""
    faq: str = ""
    q: str = ""
    outcome: str = ""
    answer: str = ""
    reason: str = ""
    vote: str = ""
    context: bool = False
    language: str = ""
    sort: str = "recent"
    page: int = 1

    @classmethod
    def from_args(cls, args, default_threshold: float) -> "Filters":
        def get(name):
            return (args.get(name) or "").strip()

        try:
            threshold = min(1.0, max(0.0, float(get("threshold") or default_threshold)))
        except ValueError:
            threshold = default_threshold
        try:
            page = max(1, int(get("page") or 1))
        except ValueError:
            page = 1
        sort = get("sort")
        return cls(
            date_from=_parse_day(get("from"), "from"), date_to=_parse_day(get("to"), "to"),
            declined=get("declined") in ("1", "on", "true"), low=get("low") in ("1", "on", "true"),
            threshold=threshold, intent=get("intent")[:255], faq=get("faq")[:255], q=get("q")[:200],
            outcome=_choice(get("outcome"), outcomes.OUTCOMES, "outcome"), answer=get("answer")[:255],
            reason=_choice(get("reason"), outcomes.REASONS, "reason"),
            vote=_choice(get("vote"), ("up", "down", "any"), "vote"),
            language=_choice(get("language"), tuple(LANGUAGE_NAMES), "language"),
            context=get("context") in ("1", "on", "true"),
            sort=sort if sort in SORTS else "recent", page=page,
        )

    def query_args(self, **changes) -> Dict[str, str]:
        f = replace(self, **changes)
        args = {
            "from": f.date_from.isoformat() if f.date_from else "",
            "to": f.date_to.isoformat() if f.date_to else "",
            "declined": "1" if f.declined else "", "low": "1" if f.low else "",
            "threshold": f"{f.threshold:g}", "intent": f.intent, "faq": f.faq, "q": f.q,
            "outcome": f.outcome, "answer": f.answer, "reason": f.reason, "vote": f.vote, "context": "1" if f.context else "",
            "sort": f.sort, "page": str(f.page),
        }
        defaults = {"page": "1", "sort": "recent"}
        if not f.low:
            defaults["threshold"] = args["threshold"]  # only meaningful with the low filter
        return {k: v for k, v in args.items() if v and defaults.get(k) != v}

    def query_string(self, **changes) -> str:
        return urlencode(self.query_args(**changes))


def _day_start(day: dt.date) -> float:
    return dt.datetime.combine(day, dt.time(), dt.timezone.utc).timestamp()


def _day_bounds(f: Filters):
    """Start and end (exclusive) of the UTC days chosen; the last day of year 9999 ends too."""
    start = _day_start(f.date_from) if f.date_from else None
    end = None
    if f.date_to:
        end = _day_start(f.date_to) + 86400
    return start, end


def _like_escape(text: str) -> str:
    return text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def conditions(f: Filters) -> list:
    conds = []
    start, end = _day_bounds(f)
    if start is not None:
        conds.append(t.c.ts >= start)
    if end is not None:
        conds.append(t.c.ts < end)
    if f.declined:
        conds.append(t.c.declined.is_(True))
    if f.low:
        conds.append(sa.or_(t.c.intent_confidence < f.threshold,
                            sa.and_(t.c.faq_key.isnot(None), t.c.faq_confidence < f.threshold)))
    if f.intent:
        conds.append(t.c.intent == f.intent)
    if f.faq:
        conds.append(t.c.faq_key == f.faq)
    if f.q:
        conds.append(t.c.text_lower.like(f"%{_like_escape(f.q)}%", escape="\\"))
    if f.outcome:
        conds.append(t.c.outcome == f.outcome)
    if f.answer:
        conds.append(t.c.answer == f.answer)
    if f.reason:
        conds.append(t.c.reason == f.reason)
    if f.vote == "any":
        conds.append(t.c.vote.isnot(None))
    elif f.vote:
        conds.append(t.c.vote == f.vote)
    if f.context:
        conds.append(t.c.context.is_(True))
    if f.language:
        conds.append(t.c.language == f.language)
    return conds


# The confidence of the answer given (staff.describe.answer_confidence in SQL): the FAQ answer's for
# an FAQ answer, else the intent's; none for a message that was not answered, so that a decline's
# confident "off topic" never shows as a conversation's lowest confidence.
ANSWER_CONFIDENCE = sa.case(
    (sa.and_(t.c.outcome == outcomes.ANSWERED, t.c.answer.like("faq/%"), t.c.faq_confidence.isnot(None)),
     t.c.faq_confidence),
    (t.c.outcome == outcomes.ANSWERED, t.c.intent_confidence))
_MIN_CONF = sa.func.min(ANSWER_CONFIDENCE)


def needs_check(threshold: float):
    """Answered, not from context, below the page's confidence line (staff.describe.needs_check)."""
    return sa.and_(ANSWER_CONFIDENCE < threshold, sa.func.coalesce(t.c.context, False).is_(False))


@dataclass
class ConversationPage:
    rows: List[dict]
    total: int
    page: int
    pages: int


def conversation_list(conn, f: Filters, per_page: int = 25) -> ConversationPage:
    grouped = (
        sa.select(t.c.sender_id, sa.func.min(t.c.ts).label("first_ts"),
                  sa.func.max(t.c.ts).label("last_ts"), sa.func.count().label("matched"),
                  _MIN_CONF.label("min_confidence"))
        .where(*conditions(f)).group_by(t.c.sender_id)
    )
    total = conn.execute(sa.select(sa.func.count()).select_from(grouped.subquery())).scalar()
    order = {
        "recent": [sa.desc("last_ts")], "oldest": [sa.asc("first_ts")],
        "most_matches": [sa.desc("matched"), sa.desc("last_ts")],
        "lowest_confidence": [sa.case((_MIN_CONF.is_(None), 1), else_=0), sa.asc("min_confidence"), sa.desc("last_ts")],
    }[f.sort]
    pages = max(1, -(-total // per_page))
    page = min(f.page, pages)
    rows = [dict(r._mapping) for r in conn.execute(
        grouped.order_by(*order, t.c.sender_id).limit(per_page).offset((page - 1) * per_page))]
    senders = [r["sender_id"] for r in rows]
    if senders:
        count = lambda condition: sa.func.sum(sa.case((condition, 1), else_=0))  # noqa: E731
        stats = {r.sender_id: r for r in conn.execute(
            sa.select(t.c.sender_id, sa.func.count().label("messages"),
                      count(t.c.declined.is_(True)).label("declined"),
                      count(needs_check(f.threshold)).label("check"),
                      count(t.c.vote == "up").label("up"), count(t.c.vote == "down").label("down"),
                      sa.func.min(t.c.event_id).label("first_event"))
            .where(t.c.sender_id.in_(senders)).group_by(t.c.sender_id))}
        languages: Dict[str, List[str]] = {}
        for sender, language in conn.execute(
                sa.select(t.c.sender_id, t.c.language).distinct()
                .where(t.c.sender_id.in_(senders), t.c.language.isnot(None)).order_by(t.c.sender_id, t.c.language)):
            languages.setdefault(sender, []).append(LANGUAGE_NAMES.get(language, language))
        answers: Dict[str, List[str]] = {}
        for sender, answer in conn.execute(
                sa.select(t.c.sender_id, t.c.answer).distinct()
                .where(t.c.sender_id.in_(senders), t.c.outcome == outcomes.ANSWERED, t.c.answer.isnot(None))
                .order_by(t.c.sender_id, t.c.answer)):
            answers.setdefault(sender, []).append(answer)
        firsts = {r.sender_id: r.text for r in conn.execute(
            sa.select(t.c.sender_id, t.c.text).where(
                t.c.event_id.in_([s.first_event for s in stats.values()])))}
        for row in rows:
            s = stats[row["sender_id"]]
            row.update(messages=s.messages, declined=int(s.declined or 0), check=int(s.check or 0),
                       up=int(s.up or 0), down=int(s.down or 0), answers=answers.get(row["sender_id"], []),
                       languages=languages.get(row["sender_id"], []),
                       first_text=firsts.get(row["sender_id"], ""))
    return ConversationPage(rows=rows, total=total, page=page, pages=pages)


def transcript(conn, sender_id: str) -> List[dict]:
    """Messages of one conversation in order: NLU details and outcome of each student message,
    the producing action and metadata of each reply, and the student's votes where they were cast."""
    from staff.turn_index import parse_user_event, parse_vote

    items: List[dict] = []
    last_action = None
    turns = {r.event_id: dict(r._mapping) for r in conn.execute(
        sa.select(t.c.event_id, t.c.message_id, t.c.outcome, t.c.reason, t.c.context, t.c.answer,
                  t.c.vote, t.c.vote_reason, t.c.declined).where(t.c.sender_id == sender_id))}
    rated, said = {}, {}
    language = None
    for row in conn.execute(
        sa.select(events.c.id, events.c.type_name, events.c.timestamp, events.c.action_name,
                  events.c.data).where(events.c.sender_id == sender_id).order_by(events.c.id)
    ):
        if row.type_name == "session_started":
            items.append({"kind": "session", "ts": row.timestamp})
        elif row.type_name == "user":
            data = json.loads(row.data)
            turn = turns.get(row.id) or {"outcome": None, "declined": False}
            items.append({"kind": "user", "ts": row.timestamp, "event_id": row.id,
                          **parse_user_event(data), **turn})
            rated[data.get("message_id")] = row.id
            said[row.id] = items[-1].get("text")
            last_action = None
        elif row.type_name == "action":
            if row.action_name not in _HIDDEN_ACTIONS:
                last_action = row.action_name
        elif row.type_name == "bot":
            data = json.loads(row.data)
            meta = data.get("metadata") or {}
            utter = meta.get("utter_action")
            items.append({"kind": "bot", "ts": row.timestamp, "text": data.get("text") or "",
                          "buttons": _button_titles(data.get("data") or {}),
                          "action": last_action, "utter_action": utter if utter != last_action else None,
                          "outcome": meta.get("outcome"), "reason": meta.get("reason"),
                          "context": bool(meta.get("context"))})
        elif row.type_name == "slot":
            data = json.loads(row.data)
            vote = parse_vote(data)
            if data.get("name") == LANGUAGE_SLOT and data.get("value") in LANGUAGE_NAMES and \
                    data["value"] != language:
                language = data["value"]
                items.append({"kind": "language", "ts": row.timestamp, "language": LANGUAGE_NAMES[language]})
            if vote:
                rates = rated.get(vote["answer_to"])
                items.append({"kind": "vote", "ts": row.timestamp, "rates": rates, "rates_text": said.get(rates),
                              **vote})
    return items


def _button_titles(data: dict) -> List[str]:
    """The titles of the buttons (or quick replies) the student saw under a reply."""
    return [str(b.get("title") or b.get("payload") or "") for b in (data.get("buttons") or data.get("quick_replies") or [])
            if isinstance(b, dict)]


def user_message(conn, sender_id: str, event_id: int) -> Optional[str]:
    row = conn.execute(sa.select(t.c.text).where(t.c.sender_id == sender_id,
                                                t.c.event_id == event_id)).first()
    return row.text if row else None


def _rates(messages: int, answered: int, declined: int, down: int) -> dict:
    share = (lambda n: n / messages) if messages else (lambda n: 0.0)
    return {"answered_rate": share(answered), "decline_rate": share(declined), "down_rate": share(down)}


def _ts_conditions(f: Filters) -> list:
    start, end = _day_bounds(f)
    return ([t.c.ts >= start] if start is not None else []) + ([t.c.ts < end] if end is not None else [])


def _day_conditions(f: Filters) -> list:
    """The date range on the indexed ``day`` column (whole UTC days, as ``ts`` would give)."""
    conds = []
    if f.date_from:
        conds.append(t.c.day >= f.date_from.isoformat())
    if f.date_to:
        conds.append(t.c.day <= f.date_to.isoformat())
    return conds


class _Counts(dict):
    def add(self, outcome: str, vote: Optional[str], n: int) -> None:
        self["messages"] = self.get("messages", 0) + n
        for key, hit in (("answered", outcome == outcomes.ANSWERED), ("declined", outcome == outcomes.DECLINED),
                         ("down", vote == "down"), ("up", vote == "up")):
            self[key] = self.get(key, 0) + (n if hit else 0)

    def with_rates(self, **extra) -> dict:
        counts = {k: self.get(k, 0) for k in ("messages", "answered", "declined", "down", "up")}
        return {**extra, **counts, **_rates(counts["messages"], counts["answered"], counts["declined"],
                                            counts["down"])}


def dashboard(conn, f: Filters) -> dict:
    """Per day and per answer: messages, answered, declined and thumbs-down rates; the answers
    with most thumbs down; the most frequent declined questions. Rates are shares of all student
    messages in the range (a greeting counts as a message, neither answered nor declined). A
    message counts for an answer when the assistant's reply carried it (``answer``), whatever the
    NLU guessed: the per-answer table, the chart of answers given and the thumbs-down table use
    that one count. One grouped scan of the covering index on ``day`` gives most of it."""
    conds = _day_conditions(f)
    days: Dict[str, _Counts] = {}
    answers: Dict[str, _Counts] = {}
    total = _Counts()
    by_outcome: Dict[str, int] = {}
    by_reason: Dict[str, int] = {}
    # in the index's order, so that SQLite groups while it scans
    columns = [t.c.day, t.c.outcome, t.c.vote, t.c.answer, t.c.reason]
    for day, outcome, vote, answer, reason, n in conn.execute(
            sa.select(*columns, sa.func.count()).where(*conds).group_by(*columns)):
        days.setdefault(day, _Counts()).add(outcome, vote, n)
        total.add(outcome, vote, n)
        if answer is not None:
            answers.setdefault(answer, _Counts()).add(outcome, vote, n)
        by_outcome[outcome] = by_outcome.get(outcome, 0) + n
        if outcome == outcomes.DECLINED:
            by_reason[reason] = by_reason.get(reason, 0) + n
    senders = dict(conn.execute(sa.select(t.c.day, sa.func.count(sa.distinct(t.c.sender_id)))
                                .where(*conds).group_by(t.c.day)).fetchall())
    # Distinct conversations in the range, streamed from the index ordered by conversation.
    in_range = sa.select(t.c.sender_id).where(*_ts_conditions(f)).group_by(t.c.sender_id).subquery()
    conversations = conn.execute(sa.select(sa.func.count()).select_from(in_range)).scalar() or 0
    per_day = [days[d].with_rates(day=d, conversations=senders.get(d, 0)) for d in sorted(days)]
    per_answer = sorted((c.with_rates(answer=a) for a, c in answers.items()),
                        key=lambda a: (-a["messages"], a["answer"]))

    unanswered = [(r[0], r[1]) for r in conn.execute(
        sa.select(t.c.text_lower, sa.func.count().label("n")).where(*conds, t.c.outcome == outcomes.DECLINED)
        .group_by(t.c.text_lower).order_by(sa.desc("n"), t.c.text_lower).limit(15))]
    totals = total.with_rates()
    # The same counts per language the assistant answered in (none: a greeting answered by a rule).
    languages: Dict[str, _Counts] = {}
    for language, outcome, vote, n in conn.execute(
            sa.select(t.c.language, t.c.outcome, t.c.vote, sa.func.count()).where(*conds)
            .group_by(t.c.language, t.c.outcome, t.c.vote)):
        if language in LANGUAGE_NAMES:
            languages.setdefault(language, _Counts()).add(outcome, vote, n)
    by_language = [languages[code].with_rates(language=code, name=LANGUAGE_NAMES[code])
                   for code in LANGUAGE_NAMES if code in languages]
    demo = conn.execute(sa.select(sa.func.count(sa.distinct(t.c.sender_id))).where(
        *conds, t.c.sender_id.like(f"{DEMO_PREFIX}%"))).scalar() or 0
    return {
        "per_day": per_day, "per_answer": per_answer, "conversations": conversations,
        **{k: totals[k] for k in ("messages", "answered", "declined", "down", "up",
                                  "answered_rate", "decline_rate", "down_rate")},
        "by_outcome": by_outcome, "by_reason": by_reason, "by_language": by_language,
        "most_down": sorted([a for a in per_answer if a["down"]], key=lambda a: (-a["down"], a["answer"]))[:10],
        "unanswered": unanswered,
        "top_answers": [(a["answer"], a["messages"]) for a in per_answer[:10]],
        "demo_conversations": demo,
    }


EXPORT_FIELDS = ["sender_id", "event_id", "time_utc", "text", "intent", "intent_confidence",
                 "faq_key", "faq_confidence", "outcome", "reason", "context", "answer", "declined",
                 "vote", "vote_reason", "reply_action", "language"]


def export_rows(conn, f: Filters, limit: int = 200_000):
    query = (sa.select(t.c.sender_id, t.c.event_id, t.c.ts, t.c.text, t.c.intent,
                       t.c.intent_confidence, t.c.faq_key, t.c.faq_confidence, t.c.outcome, t.c.reason,
                       t.c.context, t.c.answer, t.c.declined, t.c.vote, t.c.vote_reason, t.c.reply_action,
                       t.c.language)
             .where(*conditions(f)).order_by(t.c.ts, t.c.event_id).limit(limit))
    for r in conn.execute(query):
        yield {
            "sender_id": r.sender_id, "event_id": r.event_id,
            "time_utc": dt.datetime.fromtimestamp(r.ts, dt.timezone.utc).isoformat(timespec="seconds"),
            "text": r.text, "intent": r.intent, "intent_confidence": r.intent_confidence,
            "faq_key": r.faq_key, "faq_confidence": r.faq_confidence, "outcome": r.outcome,
            "reason": r.reason, "context": bool(r.context), "answer": r.answer, "declined": bool(r.declined),
            "vote": r.vote, "vote_reason": r.vote_reason, "reply_action": r.reply_action, "language": r.language,
        }


def known_labels(conn) -> dict:
    intents = [r[0] for r in conn.execute(sa.select(t.c.intent).where(t.c.intent.isnot(None))
                                          .distinct().order_by(t.c.intent))]
    faqs = [r[0] for r in conn.execute(sa.select(t.c.faq_key).where(t.c.faq_key.isnot(None))
                                       .distinct().order_by(t.c.faq_key))]
    return {"intents": intents, "faqs": faqs}
