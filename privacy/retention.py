"""Deletes stored conversations: by age (retention) or by sender (erasure).

    python -m privacy.retention purge --older-than-days 30
    python -m privacy.retention delete --sender SENDER_ID

``purge`` deletes every tracker event older than N days (default from env
``RETENTION_DAYS``, else 30), so no message is kept longer than that even in a
conversation that is still going on. ``delete`` removes everything stored for
one conversation id: its events (students' votes included), the staff app's
index of its messages, its items in the trainer inbox (copies of the student's
words), and the conversation id and its words from the staff audit log: an
entry that opened the conversation or searched for its words keeps who did
what and when, with the id or the search text replaced by ``[erased]`` (searches for the id, for
the student's words or for the reason given with a vote). The erasure itself is logged (when and
how much, not whose). Both then rewrite the database files (stores/compaction.py), so that no
copy of deleted text is left in free pages or the write-ahead log. Both print counts.
The database is ``TRACKER_DB_URL`` (see stores/db_url.py).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import dataclass
from typing import List, Optional, Set
from urllib.parse import parse_qsl, urlencode

import sqlalchemy as sa

from staff.schema import audit_log, events, staff_turns, trainer_inbox
from staff.turn_index import parse_vote
from stores import compaction
from stores.db_url import create_engine, masked, tracker_db_url

DEFAULT_DAYS = 30


@dataclass
class Deleted:
    events: int = 0
    conversations: int = 0
    indexed_messages: int = 0
    inbox_items: int = 0
    audit_entries: int = 0


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
    if result.events or result.indexed_messages:
        compaction.rewrite(engine, vacuum=False)  # daily: no long write lock on a big SQLite file
    return result


ERASED = "[erased]"
# Audit actions whose target is a conversation id, or starts with "<id>#".
_AUDIT_BY_ID = ("view_transcript", "mark_for_training")


def _texts(conn, tables: Set[str], sender_id: str) -> List[str]:
    """The student's words in the conversation (lower case), to find them in searches: messages,
    the reasons given with votes, and the conversation id itself (a search for it names it)."""
    texts = [sender_id.lower()]
    if "events" in tables:
        for type_name, data in conn.execute(sa.select(events.c.type_name, events.c.data).where(
                events.c.sender_id == sender_id, events.c.type_name.in_(("user", "slot")))):
            if type_name == "user":
                texts.append((json.loads(data).get("text") or "").lower())
            else:
                vote = parse_vote(json.loads(data))
                texts.append((vote or {}).get("reason", "").lower())
    return [t for t in texts if t]


def _scrub_target(action: str, target: str, sender_id: str, texts: List[str]) -> Optional[str]:
    """The audit target without the conversation's id and words, or None if it holds neither."""
    if action in _AUDIT_BY_ID and (target == sender_id or target.startswith(f"{sender_id}#")):
        return ERASED + target[len(sender_id):]
    prefix, sep, query = target.rpartition("; ") if "; " in target else ("", "", target)
    pairs = parse_qsl(query, keep_blank_values=True)
    changed = False
    for i, (key, value) in enumerate(pairs):
        if key == "q" and value and (sender_id.lower() in value.lower()
                                     or any(value.lower() in text for text in texts)):
            pairs[i] = (key, ERASED)
            changed = True
    return prefix + sep + urlencode(pairs) if changed else None


def scrub_audit(conn, tables: Set[str], sender_id: str, texts: List[str]) -> int:
    if "staff_audit_log" not in tables:
        return 0
    scrubbed = 0
    for row in conn.execute(sa.select(audit_log.c.id, audit_log.c.action, audit_log.c.target)):
        target = _scrub_target(row.action, row.target or "", sender_id, texts)
        if target is not None:
            conn.execute(audit_log.update().where(audit_log.c.id == row.id).values(target=target))
            scrubbed += 1
    return scrubbed


def delete_sender(engine: sa.engine.Engine, sender_id: str, requested_by: str = "privacy.retention") -> Deleted:
    """Delete everything stored for one conversation id (an erasure request)."""
    result = Deleted()
    with engine.begin() as conn:
        tables = _existing(conn)
        texts = _texts(conn, tables, sender_id)
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
        result.audit_entries = scrub_audit(conn, tables, sender_id, texts)
        if "staff_audit_log" in tables:
            conn.execute(audit_log.insert().values(
                at=time.time(), username=requested_by[:80], action="erasure", client_ip="",
                target=(f"{result.events} events, {result.indexed_messages} indexed messages, "
                        f"{result.inbox_items} inbox items deleted; {result.audit_entries} audit "
                        f"entries scrubbed")))
    compaction.rewrite(engine)
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


def _joined_sender(argv: List[str]) -> List[str]:
    """``--sender -x`` as ``--sender=-x``: conversation ids may start with a dash, which argparse
    would otherwise take for an option."""
    out, i = [], 0
    while i < len(argv):
        if argv[i] == "--sender" and i + 1 < len(argv):
            out.append(f"--sender={argv[i + 1]}")
            i += 2
        else:
            out.append(argv[i])
            i += 1
    return out


def _run(args, parser, engine, url) -> int:
    """The command itself; prints its counts."""
    if args.command == "purge":
        days = args.older_than_days if args.older_than_days is not None else _days_default()
        done = purge(engine, days)
        print(f"purge older than {days:g} days in {masked(url)}: "
              f"{done.events} events deleted, {done.conversations} conversations removed "
              f"entirely, {done.indexed_messages} indexed messages deleted")
        return 0
    if not args.sender.strip():
        parser.error("--sender must not be empty")
    done = delete_sender(engine, args.sender)
    print(f"delete sender {args.sender} in {masked(url)}: {done.events} events, "
          f"{done.indexed_messages} indexed messages, {done.inbox_items} "
          f"trainer inbox items deleted, {done.audit_entries} audit entries scrubbed")
    if not done.events:
        print("no conversation with that id was stored", file=sys.stderr)
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m privacy.retention",
                                     description="Delete stored conversations.")
    sub = parser.add_subparsers(dest="command", required=True)
    p_purge = sub.add_parser("purge", help="delete events older than N days")
    p_purge.add_argument("--older-than-days", type=float, default=None,
                         help=f"default: env RETENTION_DAYS or {DEFAULT_DAYS}")
    p_delete = sub.add_parser("delete", help="delete one conversation (erasure request)")
    p_delete.add_argument("--sender", required=True, help="conversation (sender) id")
    args = parser.parse_args(_joined_sender(sys.argv[1:] if argv is None else argv))

    url = tracker_db_url()
    engine = create_engine(url)
    try:
        return _run(args, parser, engine, url)
    except compaction.NotRewritten as error:
        print(f"deleted, but the database files are not rewritten yet: {error}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()


if __name__ == "__main__":
    sys.exit(main())
