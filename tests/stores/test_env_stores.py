"""EnvSQLTrackerStore and EnvLockStore against real SQLite, PostgreSQL and Redis."""

import asyncio
import json
import logging
import uuid

import pytest
import redis
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from rasa.core.lock_store import InMemoryLockStore, LockStore, RedisLockStore
from rasa.core.tracker_store import TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from staff import demo_data, schema
from stores import db_url
from stores.lock_store import EnvLockStore
from stores.scratch_db import base_postgres_url, create_database, drop_database
from stores.tracker_store import EnvSQLTrackerStore

REDIS_URL = "redis://127.0.0.1:6379/1"


@pytest.fixture(scope="module")
def postgres_url():
    base = base_postgres_url()
    url = create_database(base, "lsa_stores")  # raises (test fails) if unreachable
    yield url
    drop_database(base, url)


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'nested' / 'conversations.db'}"
    return request.getfixturevalue("postgres_url")


def _tracker(sender):
    return DialogueStateTracker.from_events(sender, [
        ActionExecuted("action_session_start", timestamp=1.0),
        SessionStarted(timestamp=1.0),
        ActionExecuted("action_listen", timestamp=1.0),
        UserUttered("How much is the fee?", intent={"name": "faq", "confidence": 0.97},
                    parse_data={"intent": {"name": "faq", "confidence": 0.97},
                                "entities": [], "text": "How much is the fee?"}, timestamp=2.0),
        ActionExecuted("utter_faq", policy="RulePolicy", confidence=1.0, timestamp=2.1),
        BotUttered("The fee is ...", metadata={"utter_action": "utter_faq/fees"}, timestamp=2.1),
        ActionExecuted("action_listen", timestamp=2.1),
    ])


def _rows(url, sender):
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT sender_id, type_name, timestamp, intent_name, action_name, data "
                    "FROM events WHERE sender_id = :s ORDER BY id"), {"s": sender}
        ).fetchall()
    engine.dispose()
    return rows


def test_tracker_store_saves_and_reads_back_from_env_url(store_url, monkeypatch):
    monkeypatch.setenv("TRACKER_DB_URL", store_url)
    store = TrackerStore.create(
        EndpointConfig(type="stores.tracker_store.EnvSQLTrackerStore"), Domain.empty()
    )
    assert isinstance(store, EnvSQLTrackerStore)  # not Rasa's in-memory fallback
    sender = uuid.uuid4().hex
    asyncio.run(store.save(_tracker(sender)))
    again = asyncio.run(store.retrieve(sender))
    assert again.latest_message.text == "How much is the fee?"
    rows = _rows(store_url, sender)
    assert [r.type_name for r in rows] == [
        "action", "session_started", "action", "user", "action", "bot", "action"]
    assert rows[3].intent_name == "faq" and rows[4].action_name == "utter_faq"
    store.engine.dispose()


def test_sqlite_default_lives_in_project_var(monkeypatch):
    monkeypatch.delenv("TRACKER_DB_URL", raising=False)
    url = db_url.tracker_db_url()
    assert make_url(url).database == str(db_url.PROJECT_ROOT / "var" / "conversations.db")
    assert (db_url.PROJECT_ROOT / "var").is_dir()


def test_env_url_wins_over_endpoints_url(tmp_path, monkeypatch):
    env_file = tmp_path / "env.db"
    monkeypatch.setenv("TRACKER_DB_URL", f"sqlite:///{env_file}")
    store = EnvSQLTrackerStore(Domain.empty(), host=f"sqlite:///{tmp_path / 'yml.db'}")
    assert store.engine.url.database == str(env_file)
    store.engine.dispose()


def test_password_is_never_printed(postgres_url, monkeypatch, caplog, capsys):
    with_password = str(make_url(postgres_url).set(password="Sup3rSecretPw"))
    monkeypatch.setenv("TRACKER_DB_URL", with_password)
    caplog.set_level(logging.DEBUG)
    store = EnvSQLTrackerStore(Domain.empty())
    out = capsys.readouterr()
    assert "Sup3rSecretPw" not in caplog.text + out.out + out.err
    assert "***" in caplog.text
    store.engine.dispose()


def test_seeded_rows_match_what_sql_tracker_store_writes(store_url, monkeypatch):
    monkeypatch.setenv("TRACKER_DB_URL", store_url)
    store = EnvSQLTrackerStore(Domain.empty())
    import random
    evs = demo_data.conversation(random.Random(1), 1_700_000_000.0)
    real_sender, seeded_sender = uuid.uuid4().hex, uuid.uuid4().hex
    asyncio.run(store.save(DialogueStateTracker.from_events(real_sender, evs)))
    engine = sa.create_engine(store_url)
    with engine.begin() as conn:
        conn.execute(schema.events.insert(), demo_data.event_rows(seeded_sender, evs))
    engine.dispose()
    real, seeded = _rows(store_url, real_sender), _rows(store_url, seeded_sender)
    assert len(real) == len(seeded) > 5
    for a, b in zip(real, seeded):
        assert tuple(a)[1:5] == tuple(b)[1:5]
        assert json.loads(a.data) == json.loads(b.data)
    store.engine.dispose()


def test_mirrored_events_table_matches_rasa():
    from rasa.core.tracker_store import SQLTrackerStore

    rasa_cols = {c.name: type(c.type) for c in SQLTrackerStore.SQLEvent.__table__.columns}
    ours = {c.name: type(c.type) for c in schema.events.columns}
    assert ours == rasa_cols


@pytest.fixture
def redis_prefix():
    prefix = "lsatest" + uuid.uuid4().hex[:8]
    yield prefix
    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)


def test_lock_store_uses_redis_when_configured(monkeypatch, redis_prefix):
    monkeypatch.setenv("LOCK_STORE_URL", REDIS_URL)
    store = LockStore.create(
        EndpointConfig(type="stores.lock_store.EnvLockStore", key_prefix=redis_prefix)
    )
    assert isinstance(store, EnvLockStore)
    assert isinstance(store.backend, RedisLockStore)

    async def hold_lock():
        async with store.lock("conv-1"):
            keys = [k.decode() for k in redis.Redis.from_url(REDIS_URL).keys(f"{redis_prefix}:*")]
            assert any(k.endswith("conv-1") for k in keys)

    asyncio.run(hold_lock())
    # the ticket is released and the lock deleted afterwards
    assert not redis.Redis.from_url(REDIS_URL).keys(f"{redis_prefix}:*conv-1")


def test_two_processes_share_redis_tickets(monkeypatch, redis_prefix):
    monkeypatch.setenv("LOCK_STORE_URL", REDIS_URL)
    config = EndpointConfig(type="stores.lock_store.EnvLockStore", key_prefix=redis_prefix)
    first, second = LockStore.create(config), LockStore.create(config)
    ticket = first.issue_ticket("conv-2")
    lock = second.get_lock("conv-2")
    assert lock is not None and lock.is_someone_waiting() and lock.now_serving == ticket
    assert lock.is_locked(ticket + 1)
    first.finish_serving("conv-2", ticket)
    second.delete_lock("conv-2")


def test_lock_store_is_in_memory_without_url(monkeypatch):
    monkeypatch.delenv("LOCK_STORE_URL", raising=False)
    store = LockStore.create(EndpointConfig(type="stores.lock_store.EnvLockStore"))
    assert isinstance(store.backend, InMemoryLockStore)
    ticket = store.issue_ticket("conv-3")
    assert store.get_lock("conv-3").now_serving == ticket


def test_unreachable_redis_fails_at_start(monkeypatch):
    monkeypatch.setenv("LOCK_STORE_URL", "redis://127.0.0.1:1/1")
    with pytest.raises(redis.exceptions.ConnectionError):
        LockStore.create(EndpointConfig(type="stores.lock_store.EnvLockStore"))
