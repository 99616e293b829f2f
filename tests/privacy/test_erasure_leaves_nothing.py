"""After an erasure nothing of the conversation is left: not in the SQLite files (database, write-ahead
log, shared memory) and not in the staff audit log (searches for the id or for a vote's reason)."""

from pathlib import Path

import sqlalchemy as sa
from rasa.shared.core.events import BotUttered, SlotSet, UserUttered

from privacy import retention
from staff import demo_data, inbox, schema, security, turn_index
from stores.db_url import create_engine

SECRET = "periwinkle-tortoise-4711"
REASON = "the quokka answer was wrong"
NOW = 1_790_000_000.0


def _conversation(engine, sender, text, reason=None, turns=20):
    evs = []
    for i in range(turns):
        ts = NOW + 10 * i
        evs.append(UserUttered(f"{text} ({i})", {"name": "greet", "confidence": 0.9}, timestamp=ts,
                               message_id=f"{sender}-{i}"))
        evs.append(BotUttered("Hello!", metadata={"utter_action": "utter_greet"}, timestamp=ts + 1))
        if reason:
            evs.append(SlotSet("feedback", {"answer_to": f"{sender}-{i}", "rating": "down",
                                            "reason": reason}, timestamp=ts + 2))
    with engine.begin() as conn:
        conn.execute(schema.events.insert(), demo_data.event_rows(sender, evs))


def _file_bytes(db_path: Path) -> dict:
    return {p.name: p.read_bytes() for p in db_path.parent.glob(db_path.name + "*")}


def test_no_copy_of_erased_text_stays_in_the_sqlite_files(tmp_path):
    db_path = tmp_path / "conversations.db"
    engine = create_engine(f"sqlite:///{db_path}")
    schema.create_all(engine)
    for n in range(30):
        _conversation(engine, f"keep-{n}", "what is the fee")
    _conversation(engine, "erase-me", f"my code is {SECRET}", reason=REASON)
    turn_index.sync(engine)
    inbox.mark(engine, sender_id="erase-me", message_text=f"my code is {SECRET}",
               suggested_intent="faq/new", note="", marked_by="rita")
    # another process (the Rasa server) has the database open, as it always has
    server = create_engine(f"sqlite:///{db_path}")
    with server.connect() as conn:
        conn.execute(sa.select(sa.func.count()).select_from(schema.events)).scalar()
    assert any(SECRET.encode() in data for data in _file_bytes(db_path).values())

    retention.delete_sender(engine, "erase-me")

    files = _file_bytes(db_path)
    assert {name for name, data in files.items() if SECRET.encode() in data} == set()
    assert {name for name, data in files.items() if b"quokka" in data} == set()
    with engine.connect() as conn:  # the rest is still there
        assert conn.execute(sa.select(sa.func.count(sa.distinct(schema.events.c.sender_id)))).scalar() == 30
    server.dispose()
    engine.dispose()


def test_no_copy_of_purged_text_stays_in_the_sqlite_files(tmp_path):
    """A purge does not VACUUM (too long a write lock every day): secure_delete zeroes the rows, which
    Debian's SQLite does by default and stores/db_url.py asks of any build."""
    db_path = tmp_path / "conversations.db"
    engine = create_engine(f"sqlite:///{db_path}")
    schema.create_all(engine)
    _conversation(engine, "old", f"my code is {SECRET}")  # dated NOW
    with engine.begin() as conn:  # newer conversations written after it, so its pages stay in use
        for n in range(30):
            conn.execute(schema.events.insert(), demo_data.event_rows(f"new-{n}", [UserUttered(
                "what is the fee", {"name": "greet", "confidence": 0.9}, timestamp=NOW + 40 * 86400)]))
    turn_index.sync(engine)
    with engine.connect() as conn:  # as SQLite does by itself every 1000 pages of log
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    assert SECRET.encode() in db_path.read_bytes()

    done = retention.purge(engine, 30, now=NOW + 45 * 86400)

    assert done.conversations == 1
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA secure_delete").scalar() == 1
    assert {name for name, data in _file_bytes(db_path).items() if SECRET.encode() in data} == set()
    engine.dispose()


def test_audit_rows_forget_searches_for_the_id_and_for_vote_reasons(db_url):
    engine = create_engine(db_url)
    schema.create_all(engine)
    _conversation(engine, "stud-7f3a", "hello there", reason=REASON, turns=2)
    _conversation(engine, "keep-me", "hello there", turns=2)
    security.audit(engine, "rita", "view_list", "q=stud-7f3a", "10.0.0.1")
    security.audit(engine, "rita", "view_list", "q=STUD-7F3A&vote=down", "10.0.0.1")
    security.audit(engine, "rita", "export_csv", "2 messages; q=quokka+answer", "10.0.0.1")
    security.audit(engine, "rita", "view_list", "q=keep-me", "10.0.0.1")

    done = retention.delete_sender(engine, "stud-7f3a")

    with engine.connect() as conn:
        rows = conn.execute(sa.select(schema.audit_log).order_by(schema.audit_log.c.id)).fetchall()
    text = "\n".join(r.target for r in rows).lower()
    assert "stud-7f3a" not in text and "quokka" not in text
    assert done.audit_entries == 3
    assert rows[1].target == "q=%5Berased%5D&vote=down" and rows[2].target.startswith("2 messages; ")
    assert rows[3].target == "q=keep-me"
    engine.dispose()


def test_a_reader_that_holds_the_log_open_is_reported_not_ignored(tmp_path):
    import sqlite3

    import pytest

    from stores import compaction

    db_path = tmp_path / "conversations.db"
    engine = create_engine(f"sqlite:///{db_path}")
    schema.create_all(engine)
    _conversation(engine, "someone", "hello", turns=2)
    reader = sqlite3.connect(db_path, isolation_level=None)
    reader.execute("BEGIN")  # a read transaction left open
    reader.execute("SELECT count(*) FROM events").fetchall()
    _conversation(engine, "other", "hello again", turns=2)
    with pytest.raises(compaction.NotRewritten):
        compaction.rewrite(engine, wait_seconds=0.2)
    reader.execute("COMMIT")
    compaction.rewrite(engine)  # once the reader is done
    assert (tmp_path / "conversations.db-wal").stat().st_size == 0
    reader.close()
    engine.dispose()
