"""Keeps ``staff_turns`` (one row per student message) in step with ``events``.

Rasa appends events; this reads the new ones after a stored watermark, pulls
intent, FAQ key and confidences out of each user event's ``parse_data``, and
marks a message as declined when its intent is a fallback or the assistant
answered it with ``action_decline``. Events younger than ``lag_seconds`` wait
for the next run, so a tracker save still in flight (whose lower id commits
after a higher one) is not skipped.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from typing import Dict, Optional

import sqlalchemy as sa

from staff.schema import events, staff_sync_state, staff_turns

DECLINE_INTENTS = ("out_of_scope", "nlu_fallback")
DECLINE_ACTIONS = ("action_decline",)
FAQ_SELECTOR = "faq"
_IGNORED_ACTIONS = ("action_listen", "action_session_start")
BATCH = 5000


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


def sync(engine: sa.engine.Engine, lag_seconds: float = 0.0, now: Optional[float] = None) -> int:
    """Index new events; returns the number of student messages added."""
    added = 0
    cutoff = (now or time.time()) - lag_seconds
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
            new_turns = []
            last_turn: Dict[str, dict] = {}
            processed = start
            for row in rows:
                if (row.timestamp or 0) > cutoff:
                    break
                processed = row.id
                if row.type_name == "user":
                    data = json.loads(row.data)
                    turn = parse_user_event(data)
                    turn.update(
                        event_id=row.id, sender_id=row.sender_id, ts=row.timestamp,
                        day=day_of(row.timestamp), text_lower=turn["text"].lower(),
                        reply_action=None,
                        declined=turn["intent"] in DECLINE_INTENTS,
                    )
                    new_turns.append(turn)
                    last_turn[row.sender_id] = turn
                elif row.type_name == "action" and row.action_name not in _IGNORED_ACTIONS:
                    turn = last_turn.get(row.sender_id)
                    if turn is not None:
                        if turn["reply_action"] is None:
                            turn["reply_action"] = row.action_name
                        if row.action_name in DECLINE_ACTIONS:
                            turn["declined"] = True
                    else:
                        _update_earlier_turn(conn, row)
            if new_turns:
                conn.execute(staff_turns.insert(), new_turns)
                added += len(new_turns)
            if processed == start:
                return added
            _set_watermark(conn, processed, existed)
            if len(rows) < BATCH or processed != rows[-1].id:
                return added


def _update_earlier_turn(conn, row) -> None:
    """An action whose student message was indexed by an earlier batch."""
    earlier = conn.execute(
        sa.select(staff_turns.c.event_id, staff_turns.c.reply_action)
        .where(staff_turns.c.sender_id == row.sender_id, staff_turns.c.event_id < row.id)
        .order_by(staff_turns.c.event_id.desc())
        .limit(1)
    ).first()
    if earlier is None:
        return
    values = {}
    if earlier.reply_action is None:
        values["reply_action"] = row.action_name
    if row.action_name in DECLINE_ACTIONS:
        values["declined"] = True
    if values:
        conn.execute(
            staff_turns.update().where(staff_turns.c.event_id == earlier.event_id).values(**values)
        )
