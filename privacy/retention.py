"""Deletes stored conversations: by age (retention) or by sender (erasure).

    python -m privacy.retention purge --older-than-days 30
    python -m privacy.retention delete --sender SENDER_ID

``purge`` deletes every tracker event older than N days (default from env
``RETENTION_DAYS``, else 30), so no message is kept longer than that even in a
conversation that is still going on. ``delete`` removes everything stored for
one conversation id: its events, the staff app's index of its messages and
its items in the trainer inbox (copies of the student's words). Both also
drop the matching rows of the staff index; nothing else is ever deleted.
Both print counts. The database is ``TRACKER_DB_URL`` (see stores/db_url.py).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass
from typing import List, Optional

import sqlalchemy as sa

from staff.schema import events, staff_turns, trainer_inbox
from stores.db_url import create_engine, masked, tracker_db_url

DEFAULT_DAYS = 30


@dataclass
class Deleted:
    events: int = 0
    conversations: int = 0
    indexed_messages: int = 0
    inbox_items: int = 0


def _existing(conn) -> set:
    return set(sa.inspect(conn).get_table_names())


def purge(engine: sa.engine.Engine, older_than_days: float, now: Optional[float] = None) -> Deleted:
    """Delete events older than ``older_than_days``; count whole conversations gone."""
    if older_than_days < 0:
        raise ValueError("older_than_days must not be negative")
    cutoff = (now if now is not None else time.time()) - older_than_days * 86400
    result = Deleted()
    with engine.begin() as conn:
        tables = _existing(conn)
        if "events" not in tables:
            return result
        touched = sa.select(events.c.sender_id).where(events.c.timestamp < cutoff).distinct()
        senders = [row[0] for row in conn.execute(touched)]
        result.events = conn.execute(events.delete().where(events.c.timestamp < cutoff)).rowcount
        if senders:
            left = set()
            for chunk in _chunks(senders):
                left.update(row[0] for row in conn.execute(
                    sa.select(events.c.sender_id).where(events.c.sender_id.in_(chunk)).distinct()))
            result.conversations = len(set(senders) - left)
        if "staff_turns" in tables:
            result.indexed_messages = conn.execute(
                staff_turns.delete().where(staff_turns.c.ts < cutoff)).rowcount
    return result


def delete_sender(engine: sa.engine.Engine, sender_id: str) -> Deleted:
    """Delete everything stored for one conversation id (an erasure request)."""
    result = Deleted()
    with engine.begin() as conn:
        tables = _existing(conn)
        if "events" in tables:
            result.events = conn.execute(
                events.delete().where(events.c.sender_id == sender_id)).rowcount
            result.conversations = 1 if result.events else 0
        if "staff_turns" in tables:
            result.indexed_messages = conn.execute(
                staff_turns.delete().where(staff_turns.c.sender_id == sender_id)).rowcount
        if "trainer_inbox" in tables:
            result.inbox_items = conn.execute(
                trainer_inbox.delete().where(trainer_inbox.c.sender_id == sender_id)).rowcount
    return result


def _chunks(items: List[str], size: int = 500):
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _days_default() -> float:
    raw = os.environ.get("RETENTION_DAYS", str(DEFAULT_DAYS))
    try:
        return float(raw)
    except ValueError:
        raise SystemExit(f"RETENTION_DAYS must be a number of days, not {raw!r}") from None


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m privacy.retention",
                                     description="Delete stored conversations.")
    sub = parser.add_subparsers(dest="command", required=True)
    p_purge = sub.add_parser("purge", help="delete events older than N days")
    p_purge.add_argument("--older-than-days", type=float, default=None,
                         help=f"default: env RETENTION_DAYS or {DEFAULT_DAYS}")
    p_delete = sub.add_parser("delete", help="delete one conversation (erasure request)")
    p_delete.add_argument("--sender", required=True, help="conversation (sender) id")
    args = parser.parse_args(argv)

    url = tracker_db_url()
    engine = create_engine(url)
    try:
        if args.command == "purge":
            days = args.older_than_days if args.older_than_days is not None else _days_default()
            done = purge(engine, days)
            print(f"purge older than {days:g} days in {masked(url)}: "
                  f"{done.events} events deleted, {done.conversations} conversations removed "
                  f"entirely, {done.indexed_messages} indexed messages deleted")
        else:
            if not args.sender.strip():
                parser.error("--sender must not be empty")
            done = delete_sender(engine, args.sender)
            print(f"delete sender {args.sender} in {masked(url)}: {done.events} events, "
                  f"{done.indexed_messages} indexed messages, {done.inbox_items} "
                  f"trainer inbox items deleted")
            if not done.events:
                print("no conversation with that id was stored", file=sys.stderr)
    finally:
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
