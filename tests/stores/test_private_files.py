"""Conversation data is readable by its owner only: var/ is 0700, a SQLite database the tracker store
creates is 0600 and so are its -wal and -shm files, even under the usual umask of 022."""

import asyncio
import os
import stat
import uuid

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from stores import db_url, private_files
from stores.tracker_store import EnvSQLTrackerStore


def _mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_a_database_the_tracker_store_creates_is_private(tmp_path, monkeypatch, umask_022):
    database = tmp_path / "new-folder" / "conversations.db"
    monkeypatch.setenv("TRACKER_DB_URL", f"sqlite:///{database}")
    store = EnvSQLTrackerStore(Domain.empty())
    tracker = DialogueStateTracker.from_events(uuid.uuid4().hex, [
        ActionExecuted("action_listen", timestamp=1.0),
        UserUttered("my student number is secret", {"name": "greet", "confidence": 1.0}, timestamp=2.0)])
    asyncio.run(store.save(tracker))
    files = sorted(p.name for p in database.parent.iterdir())
    assert "conversations.db-wal" in files and "conversations.db-shm" in files
    assert {name: oct(_mode(database.parent / name)) for name in files} == {
        name: oct(0o600) for name in files}
    assert _mode(database.parent) == 0o700
    store.engine.dispose()


def test_existing_files_and_var_are_made_private(tmp_path, monkeypatch, umask_022):
    database = tmp_path / "conversations.db"
    for path in (database, tmp_path / "conversations.db-wal"):
        path.write_bytes(b"")
        path.chmod(0o644)
    monkeypatch.setenv("TRACKER_DB_URL", f"sqlite:///{database}")
    db_url.tracker_db_url()
    assert _mode(database) == 0o600 and _mode(tmp_path / "conversations.db-wal") == 0o600

    private_files.VAR.mkdir(exist_ok=True)
    private_files.VAR.chmod(0o755)
    monkeypatch.delenv("TRACKER_DB_URL")
    db_url.tracker_db_url()  # the default database lives in var/
    assert _mode(private_files.VAR) == 0o700
    assert _mode(private_files.VAR / "conversations.db") == 0o600


def test_servers_logs_folder_makes_var_private(monkeypatch, umask_022):
    private_files.VAR.mkdir(exist_ok=True)
    private_files.VAR.chmod(0o755)
    private_files.private_dir(private_files.VAR / "logs" / "cluster")
    assert _mode(private_files.VAR) == 0o700 and _mode(private_files.VAR / "logs") == 0o700


def test_any_sqlite_database_the_project_opens_is_private(tmp_path, umask_022):
    import sqlalchemy as sa

    database = tmp_path / "scratch.db"
    engine = db_url.create_engine(f"sqlite:///{database}")
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE t (x TEXT)"))
        conn.execute(sa.text("INSERT INTO t VALUES ('a')"))
    modes = {p.name: _mode(p) for p in tmp_path.iterdir()}
    assert set(modes) >= {"scratch.db", "scratch.db-wal", "scratch.db-shm"}
    assert set(modes.values()) == {0o600}
    engine.dispose()
