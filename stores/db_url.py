"""One place that turns the environment into the conversation database URL.

The tracker store, the retention command and the staff app must all open the
same database, and none of them may ever print its password: they share
``tracker_db_url`` and log only ``masked``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.engine import make_url

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_PATH = PROJECT_ROOT / "var" / "conversations.db"
ENV_VAR = "TRACKER_DB_URL"


def tracker_db_url(configured: Optional[str] = None) -> str:
    """URL from env ``TRACKER_DB_URL``, else ``configured``, else the SQLite file.

    A SQLite file's directory is created when missing; ``postgres://`` (Heroku
    style) is accepted as ``postgresql://``.
    """
    url = os.environ.get(ENV_VAR) or configured or f"sqlite:///{DEFAULT_SQLITE_PATH}"
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    return url


def masked(url: str) -> str:
    """The URL with any password replaced by ``***`` (safe to log)."""
    return make_url(url).__repr__()


def create_engine(url: Optional[str] = None, **kwargs) -> sa.engine.Engine:
    """An engine on the conversation database.

    SQLite gets a busy timeout and write-ahead logging, so that the staff app
    can read while Rasa writes the same file, and a file database keeps its
    connections in a pool (SQLAlchemy 1.4 opens a new one per use, which
    costs the staff pages their warm page cache).
    """
    url = url or tracker_db_url()
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        kwargs.setdefault("pool_pre_ping", True)
        return sa.create_engine(url, future=True, **kwargs)
    kwargs.setdefault("connect_args", {"timeout": 15, "check_same_thread": False})
    if parsed.database not in (None, "", ":memory:"):
        kwargs.setdefault("poolclass", sa.pool.QueuePool)
    engine = sa.create_engine(url, future=True, **kwargs)

    @sa.event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return engine
