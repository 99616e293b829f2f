"""privacy.retention deletes exactly what it says, on SQLite and PostgreSQL."""

import os
import random
import subprocess
import sys
import time

import sqlalchemy as sa

from privacy import retention
from staff import demo_data, inbox, schema, turn_index
from stores.db_url import PROJECT_ROOT, create_engine

DAY = 86400.0
NOW = 1_790_000_000.0


def _insert(engine, sender, start, variant=""):
    schema.create_all(engine)
    rows = demo_data.event_rows(sender, demo_data.conversation(random.Random(sender + variant), start))
    with engine.begin() as conn:
        conn.execute(schema.events.insert(), rows)
    return len(rows)


def _senders(engine):
    with engine.connect() as conn:
        return {r[0] for r in conn.execute(sa.select(schema.events.c.sender_id).distinct())}


def _count(engine, table, **where):
    query = sa.select(sa.func.count()).select_from(table)
    for key, value in where.items():
        query = query.where(table.c[key] == value)
    with engine.connect() as conn:
        return conn.execute(query).scalar()


def test_purge_deletes_only_events_older_than_cutoff(db_url):
    engine = create_engine(db_url)
    schema.create_all(engine)
    old = _insert(engine, "old", NOW - 40 * DAY)
    _insert(engine, "recent", NOW - 2 * DAY)
    # a conversation that straddles the cutoff keeps its recent part
    straddle_old = _insert(engine, "straddle", NOW - 31 * DAY)
    _insert(engine, "straddle", NOW - 1 * DAY)
    turn_index.sync(engine)
    before_recent = _count(engine, schema.events, sender_id="recent")

    done = retention.purge(engine, 30, now=NOW)

    assert _senders(engine) == {"recent", "straddle"}
    assert done.conversations == 1
    assert done.events == old + straddle_old
    assert _count(engine, schema.events, sender_id="recent") == before_recent
    with engine.connect() as conn:
        oldest = conn.execute(sa.select(sa.func.min(schema.events.c.timestamp))).scalar()
        oldest_turn = conn.execute(sa.select(sa.func.min(schema.staff_turns.c.ts))).scalar()
    assert oldest >= NOW - 30 * DAY and oldest_turn >= NOW - 30 * DAY
    assert _count(engine, schema.staff_turns, sender_id="old") == 0
    engine.dispose()


def test_purge_with_nothing_old_deletes_nothing(db_url):
    engine = create_engine(db_url)
    n = _insert(engine, "fresh", NOW - 1 * DAY)
    done = retention.purge(engine, 30, now=NOW)
    assert (done.events, done.conversations) == (0, 0)
    assert _count(engine, schema.events) == n
    engine.dispose()


def test_delete_sender_removes_its_events_index_and_inbox_items_only(db_url):
    engine = create_engine(db_url)
    schema.create_all(engine)
    gone = _insert(engine, "erase-me", NOW - 1 * DAY)
    kept = _insert(engine, "keep-me", NOW - 1 * DAY)
    turn_index.sync(engine)
    inbox.mark(engine, sender_id="erase-me", message_text="my question", suggested_intent="faq/new",
               marked_by="rev")
    inbox.mark(engine, sender_id="keep-me", message_text="other", suggested_intent="faq/new",
               marked_by="rev")

    done = retention.delete_sender(engine, "erase-me")

    assert (done.events, done.conversations, done.inbox_items) == (gone, 1, 1)
    assert done.indexed_messages > 0
    assert _senders(engine) == {"keep-me"}
    assert _count(engine, schema.events, sender_id="keep-me") == kept
    assert _count(engine, schema.staff_turns, sender_id="erase-me") == 0
    assert _count(engine, schema.staff_turns, sender_id="keep-me") > 0
    assert [i.sender_id for i in inbox.list_pending(engine)] == ["keep-me"]
    engine.dispose()


def _run(db_url, *args, **env):
    full_env = {**os.environ, "TRACKER_DB_URL": db_url, **env}
    return subprocess.run([sys.executable, "-m", "privacy.retention", *args], cwd=PROJECT_ROOT,
                          env=full_env, capture_output=True, text=True, timeout=60)


def test_command_line_purge_uses_retention_days_and_prints_counts(db_url):
    engine = create_engine(db_url)
    now = time.time()
    n_old = _insert(engine, "ten-days-old", now - 10 * DAY)
    _insert(engine, "today", now - 60)
    proc = _run(db_url, "purge", RETENTION_DAYS="7")
    assert proc.returncode == 0, proc.stderr
    assert f"{n_old} events deleted, 1 conversations removed entirely" in proc.stdout
    assert _senders(engine) == {"today"}
    # the default (30 days) would keep it
    _insert(engine, "ten-days-old", now - 10 * DAY)
    proc = _run(db_url, "purge")
    assert "0 events deleted" in proc.stdout and "ten-days-old" in _senders(engine)
    engine.dispose()


def test_command_line_delete(db_url):
    engine = create_engine(db_url)
    n = _insert(engine, "student-42", NOW)
    _insert(engine, "student-43", NOW)
    proc = _run(db_url, "delete", "--sender", "student-42")
    assert proc.returncode == 0, proc.stderr
    assert f"{n} events" in proc.stdout
    assert _senders(engine) == {"student-43"}
    engine.dispose()


def _texts_of(engine, sender):
    import json
    with engine.connect() as conn:
        return [json.loads(d)["text"] for (d,) in conn.execute(sa.select(schema.events.c.data).where(
            schema.events.c.sender_id == sender, schema.events.c.type_name == "user"))]


def test_erasure_scrubs_the_audit_log_and_logs_that_it_happened(db_url):
    from staff import security

    engine = create_engine(db_url)
    schema.create_all(engine)
    for variant in range(100):  # a conversation with a message long enough to search for parts of it
        _insert(engine, "erase-me", NOW - DAY, str(variant))
        words = max(_texts_of(engine, "erase-me"), key=len).lower()
        if len(words) >= 14 and not words.startswith("/"):
            break
    _insert(engine, "keep-me", NOW - DAY)
    turn_index.sync(engine)
    security.audit(engine, "rita", "view_transcript", "erase-me", "10.0.0.1")
    security.audit(engine, "rita", "mark_for_training", "erase-me#12 -> inbox 3", "10.0.0.1")
    security.audit(engine, "rita", "view_list", f"q={words[:12]}&outcome=declined", "10.0.0.1")
    security.audit(engine, "rita", "export_csv", f"4 messages; q={words[2:10]}", "10.0.0.1")
    security.audit(engine, "rita", "view_transcript", "keep-me", "10.0.0.1")
    security.audit(engine, "rita", "view_list", "q=zzz+nowhere", "10.0.0.1")

    done = retention.delete_sender(engine, "erase-me")

    with engine.connect() as conn:
        rows = conn.execute(sa.select(schema.audit_log).order_by(schema.audit_log.c.id)).fetchall()
    text = "\n".join(r.target for r in rows)
    assert "erase-me" not in text and words[2:10] not in text and words[:12] not in text
    assert done.audit_entries == 4
    assert [(r.username, r.action) for r in rows[:6]] == [
        ("rita", "view_transcript"), ("rita", "mark_for_training"), ("rita", "view_list"),
        ("rita", "export_csv"), ("rita", "view_transcript"), ("rita", "view_list")]
    assert rows[4].target == "keep-me" and rows[5].target == "q=zzz+nowhere"
    assert "outcome=declined" in rows[2].target and rows[3].target.startswith("4 messages; ")
    assert rows[-1].action == "erasure" and f"{done.events} events" in rows[-1].target
    engine.dispose()


def test_command_line_delete_takes_ids_that_start_with_a_dash(db_url):
    engine = create_engine(db_url)
    _insert(engine, "-x", NOW)
    _insert(engine, "x", NOW)
    proc = _run(db_url, "delete", "--sender", "-x")
    assert proc.returncode == 0, proc.stderr
    assert _senders(engine) == {"x"}
    engine.dispose()
