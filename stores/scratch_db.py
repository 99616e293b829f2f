"""Throwaway PostgreSQL databases for tests and benchmarks.

Several developers share one PostgreSQL server, so nothing writes into the
configured database itself: each test session or benchmark run creates its
own uniquely named database next to it and drops it afterwards.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from typing import Iterator

import sqlalchemy as sa
from sqlalchemy.engine import make_url

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"


def base_postgres_url() -> str:
    return os.environ.get("TEST_POSTGRES_URL") or DEFAULT_POSTGRES_URL


def _admin_engine(base_url: str) -> sa.engine.Engine:
    return sa.create_engine(
        base_url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5}
    )


def create_database(base_url: str, prefix: str = "lsa") -> str:
    """Create a new empty database on ``base_url``'s server; return its URL.

    Raises (``sqlalchemy.exc.OperationalError``) when the server is unreachable,
    so that a test depending on it fails instead of skipping.
    """
    name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:10]}"
    engine = _admin_engine(base_url)
    try:
        with engine.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    return str(make_url(base_url).set(database=name))


def drop_database(base_url: str, url: str) -> None:
    """Drop the database at ``url`` (closing other connections to it first)."""
    name = make_url(url).database
    engine = _admin_engine(base_url)
    try:
        with engine.connect() as conn:
            conn.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": name},
            )
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
    finally:
        engine.dispose()


@contextlib.contextmanager
def scratch_postgres(prefix: str = "lsa") -> Iterator[str]:
    """Context manager yielding the URL of a fresh database, dropped on exit."""
    base = base_postgres_url()
    url = create_database(base, prefix)
    try:
        yield url
    finally:
        drop_database(base, url)
