"""One place that turns the environment into the conversation database URL.

The tracker store, the retention command and the staff app must all open the
same database, and none of them may ever print its password: they share
``tracker_db_url`` and log only ``masked``.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from stores.private_files import private_sqlite

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_PATH = PROJECT_ROOT / "var" / "conversations.db"
ENV_VAR = "TRACKER_DB_URL"
logger = logging.getLogger(__name__)


def tracker_db_url(configured: Optional[str] = None) -> str:
    """URL from env ``TRACKER_DB_URL``, else ``configured``, else the SQLite file.

    A SQLite file and its directory are created when missing, readable by their owner only
    (stores/private_files.py); ``postgres://`` (Heroku
    style) is accepted as ``postgresql://``.
    """
    url = os.environ.get(ENV_VAR) or configured or f"sqlite:///{DEFAULT_SQLITE_PATH}"
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        private_sqlite(Path(parsed.database))
    return url


def masked(url: str) -> str:
    """The URL with any password replaced by ``***`` (safe to log)."""
    return make_url(url).__repr__()


def create_engine(url: Optional[str] = None, **kwargs) -> sa.engine.Engine:
    """An engine on the conversation database.

    SQLite gets a busy timeout and write-ahead logging, so that the staff app
    can read while Rasa writes the same file, ``secure_delete`` (the bytes of
    deleted rows are overwritten with zeros: stores/compaction.py), and a file database keeps its
    connections in a pool (SQLAlchemy 1.4 opens a new one per use, which
    costs the staff pages their warm page cache).
    """
    url = url or tracker_db_url()
    parsed = make_url(url)
    kwargs.setdefault("future", True)
    if parsed.get_backend_name() != "sqlite":
        kwargs.setdefault("pool_pre_ping", True)
        return sa.create_engine(url, **kwargs)
    kwargs.setdefault("connect_args", {"timeout": 15, "check_same_thread": False})
    if parsed.database not in (None, "", ":memory:"):
        private_sqlite(Path(parsed.database))
        kwargs.setdefault("poolclass", sa.pool.QueuePool)
    engine = sa.create_engine(url, **kwargs)

    @sa.event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA secure_delete=ON")  # deleted rows are zeroed, not left in free pages
        cursor.close()

    return engine


def ensure_database(url: str) -> bool:
    """Creates the PostgreSQL database `url` names when it does not exist yet (connecting to the
    server's ``postgres`` database to do so); True when it was created. Other back ends: no-op."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql" or not parsed.database:
        return False
    admin = sa.create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT",
                             connect_args={"connect_timeout": 5})
    try:
        with admin.connect() as conn:
            exists = conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                  {"name": parsed.database}).first()
            if exists:
                return False
            quoted = parsed.database.replace('"', '""')
            conn.execute(sa.text(f'CREATE DATABASE "{quoted}"'))
            logger.info("Created the database %s", masked(url))
            return True
    finally:
        admin.dispose()
