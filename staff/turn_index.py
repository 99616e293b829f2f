"""Keeps ``staff_turns`` (one row per student message) in step with ``events``.

Rasa appends events; this reads the new ones after a stored watermark, pulls intent, FAQ key and
confidences out of each user event's ``parse_data``, and what the assistant did with the message
(answered, declined and why, a choice offered, ...) and the language it answered in out of the
metadata of the bot messages that follow it (staff/outcomes.py). Students' votes (``SlotSet`` of the ``feedback`` slot, written by
channels/feedback.py) are attached to the message whose answer they rate; the latest vote wins.
Events younger than ``lag_seconds`` wait for the next run, so a tracker save still in flight
(whose lower id commits after a higher one) is not skipped. "Younger" is judged by the event's own
timestamp and, because that clock is not ours (a replica whose clock runs ahead, an event posted
through the HTTP API with a date in 2100), also by when this indexer first saw a higher id: every id
at or below one seen ``lag_seconds`` ago is indexed whatever its timestamp says, so one event dated
in the future holds the index back for one lag at most, never for good.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from typing import Dict, Optional

import sqlalchemy as sa

from staff import outcomes
from staff.schema import events, staff_sync_state, staff_turns

FAQ_SELECTOR = "faq"
# The languages the assistant answers in (actions/language.py; kept free of the actions' imports).
LANGUAGES = ("en", "nl")
FEEDBACK_SLOT = "feedback"
VOTES = ("up", "down")
_IGNORED_ACTIONS = ("action_listen", "action_session_start")
BATCH = 5000
SEEN = "turns_seen"  # staff_sync_state row: the newest event id seen, and when


def day_of(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.timezone.utc).strftime("%Y-%m-%d")


def parse_user_event(data: dict) -> dict:
    """Intent, FAQ key and confidences of a serialised ``UserUttered``."""
    parse = data.get("parse_data") or {}
    intent = parse.get("intent") or {}
    selector = ((parse.get("response_selector") or {}).get(FAQ_SELECTOR) or {}).get("response") or {}
    intent_name = intent.get("name")
    faq_key = selector.get("intent_response_key") if intent_name == FAQ_SELECTOR else None
    return {
        "text": data.get("text") or "",
        "intent": intent_name,
        "intent_confidence": intent.get("confidence"),
        "faq_key": faq_key,
        "faq_confidence": selector.get("confidence") if faq_key else None,
    }


def parse_vote(data: dict) -> Optional[dict]:
    """The vote in a serialised ``SlotSet`` event, or None if it is not a valid vote."""
    if data.get("name") != FEEDBACK_SLOT or not isinstance(data.get("value"), dict):
        return None
    value = data["value"]
    if value.get("rating") not in VOTES or not isinstance(value.get("answer_to"), str):
        return None
    reason = value.get("reason") if isinstance(value.get("reason"), str) else ""
    return {"answer_to": value["answer_to"], "rating": value["rating"], "reason": reason}


def _outcome_columns(turn: dict, result: outcomes.Outcome) -> dict:
    return {
        "outcome": result.outcome, "reason": result.reason, "context": result.context,
        "declined": result.declined, "answer": result.answer or turn["faq_key"] or turn["intent"],
    }


def _outcome_of(row) -> outcomes.Outcome:
    return outcomes.Outcome(row["outcome"], row["reason"], bool(row["context"]),
                            row["answer"] if row["outcome"] != outcomes.NO_REPLY else None)


def _watermark(conn) -> int:
    value = conn.execute(
        sa.select(staff_sync_state.c.last_event_id).where(staff_sync_state.c.name == "turns")
    ).scalar()
    return value or 0


def _set_watermark(conn, value: int, existed: bool) -> None:
    if existed:
        conn.execute(
            staff_sync_state.update()
            .where(staff_sync_state.c.name == "turns")
            .values(last_event_id=value)
        )
    else:
        conn.execute(staff_sync_state.insert().values(name="turns", last_event_id=value))


def _released(engine: sa.engine.Engine, lag_seconds: float, now: float) -> int:
    """The highest event id that was already stored ``lag_seconds`` ago by this indexer's clock.

    Every save that was in flight when that id was seen has had the lag to commit, so ids at or
    below it are safe to index whatever their timestamps say. The sighting is kept in
    ``staff_sync_state`` (row ``turns_seen``) and renewed once it is a lag old."""
    try:
        with engine.begin() as conn:
            newest = conn.execute(sa.select(sa.func.max(events.c.id))).scalar() or 0
            seen = conn.execute(
                sa.select(staff_sync_state.c.last_event_id, staff_sync_state.c.seen_at)
                .where(staff_sync_state.c.name == SEEN)).first()
            if seen is None:
                conn.execute(staff_sync_state.insert().values(name=SEEN, last_event_id=newest, seen_at=now))
                return newest if lag_seconds <= 0 else 0
            if seen.seen_at is not None and seen.seen_at > now - lag_seconds:
                return 0
            conn.execute(staff_sync_state.update().where(staff_sync_state.c.name == SEEN)
                         .values(last_event_id=newest, seen_at=now))
            return newest if lag_seconds <= 0 else seen.last_event_id
    except sa.exc.IntegrityError:  # another replica of the app wrote the first sighting just now
        return 0


def sync(engine: sa.engine.Engine, lag_seconds: float = 0.0, now: Optional[float] = None) -> int:
    """Index new events; returns the number of student messages added."""
    added = 0
    now = time.time() if now is None else now
    cutoff = now - lag_seconds
    released = _released(engine, lag_seconds, now)
    while True:
        with engine.begin() as conn:
            existed = conn.execute(
                sa.select(sa.func.count()).select_from(staff_sync_state)
                .where(staff_sync_state.c.name == "turns")
            ).scalar() > 0
            start = _watermark(conn)
            rows = conn.execute(
                sa.select(events.c.id, events.c.sender_id, events.c.type_name,
                          events.c.timestamp, events.c.action_name, events.c.data)
                .where(events.c.id > start)
                .order_by(events.c.id)
                .limit(BATCH)
            ).fetchall()
            if not rows:
                return added
            batch = _Batch(conn)
            processed = start
            for row in rows:
                if (row.timestamp or 0) > cutoff and row.id > released:
                    break
                processed = row.id
                batch.add(row)
            added += batch.write()
            if processed == start:
                return added
            _set_watermark(conn, processed, existed)
            if len(rows) < BATCH or processed != rows[-1].id:
                return added


class _Batch:
    """Turns of one batch of events, plus earlier turns (already indexed) that it changes."""

    def __init__(self, conn) -> None:
        self.conn = conn
        self.new: list = []
        self.latest: Dict[str, dict] = {}  # sender -> its latest turn, new or earlier
        self.by_message: Dict[tuple, dict] = {}
        self.changed: Dict[int, dict] = {}  # earlier turns to update, by event id

    def add(self, row) -> None:
        if row.type_name == "user":
            data = json.loads(row.data)
            turn = parse_user_event(data)
            turn.update(
                event_id=row.id, sender_id=row.sender_id, ts=row.timestamp, day=day_of(row.timestamp),
                text_lower=turn["text"].lower(), reply_action=None, message_id=data.get("message_id"),
                vote=None, vote_reason=None, language=None, **_outcome_columns(turn, outcomes.Outcome()),
            )
            turn["_bots"] = outcomes.Outcome()
            self.new.append(turn)
            self.latest[row.sender_id] = turn
            if turn["message_id"]:
                self.by_message[(row.sender_id, turn["message_id"])] = turn
        elif row.type_name == "action" and row.action_name not in _IGNORED_ACTIONS:
            turn = self._latest(row.sender_id, row.id)
            if turn is not None and turn["reply_action"] is None:
                self._change(turn, reply_action=row.action_name)
        elif row.type_name == "bot":
            turn = self._latest(row.sender_id, row.id)
            if turn is not None:
                metadata = json.loads(row.data).get("metadata") or {}
                turn["_bots"] = outcomes.combine(
                    turn["_bots"], outcomes.of_message(metadata, turn["intent"], turn["faq_key"]))
                language = metadata.get("language") if metadata.get("language") in LANGUAGES else None
                self._change(turn, **_outcome_columns(turn, turn["_bots"]),
                             **({"language": language} if language and not turn.get("language") else {}))
        elif row.type_name == "slot":
            vote = parse_vote(json.loads(row.data))
            turn = vote and self._by_message(row.sender_id, vote["answer_to"])
            if turn is not None:
                self._change(turn, vote=vote["rating"], vote_reason=vote["reason"] or None)

    def _latest(self, sender: str, before_id: int) -> Optional[dict]:
        if sender not in self.latest:
            row = self.conn.execute(
                sa.select(staff_turns).where(staff_turns.c.sender_id == sender,
                                             staff_turns.c.event_id < before_id)
                .order_by(staff_turns.c.event_id.desc()).limit(1)).first()
            self.latest[sender] = self._earlier(row)
        return self.latest[sender]

    def _by_message(self, sender: str, message_id: str) -> Optional[dict]:
        key = (sender, message_id)
        if key not in self.by_message:
            row = self.conn.execute(
                sa.select(staff_turns).where(staff_turns.c.sender_id == sender,
                                             staff_turns.c.message_id == message_id).limit(1)).first()
            self.by_message[key] = self._earlier(row)
        return self.by_message[key]

    def _earlier(self, row) -> Optional[dict]:
        if row is None:
            return None
        if row.event_id in self.changed:
            return self.changed[row.event_id]
        turn = dict(row._mapping)
        turn["_bots"] = _outcome_of(turn)
        turn["_earlier"] = True
        return turn

    def _change(self, turn: dict, **values) -> None:
        turn.update(values)
        if turn.get("_earlier"):
            self.changed[turn["event_id"]] = turn

    def write(self) -> int:
        columns = {c.name for c in staff_turns.columns}
        if self.new:
            self.conn.execute(staff_turns.insert(), [
                {k: v for k, v in turn.items() if k in columns} for turn in self.new])
        for event_id, turn in self.changed.items():
            self.conn.execute(staff_turns.update().where(staff_turns.c.event_id == event_id).values(
                **{k: v for k, v in turn.items() if k in columns and k != "event_id"}))
        return len(self.new)
