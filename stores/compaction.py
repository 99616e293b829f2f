"""Rewrites the conversation database's files after deletions, so deleted text is really gone.

A DELETE only marks rows free. SQLite leaves their bytes in free pages of the database file and
older copies of the pages in the write-ahead log (``-wal``) until a checkpoint; PostgreSQL keeps
dead row versions until VACUUM. After an erasure or a purge, ``rewrite`` runs SQLite's ``VACUUM``
(a fresh copy of the database without free pages) and a ``wal_checkpoint(TRUNCATE)`` (the log
emptied to zero bytes), or PostgreSQL's ``VACUUM`` of the tables that hold students' words.
"""

from __future__ import annotations

import sqlalchemy as sa

# Tables that hold students' words (Rasa's events and the staff app's copies of them).
TABLES = ("events", "staff_turns", "trainer_inbox", "staff_audit_log")
BUSY_TIMEOUT_MS = 15000  # what stores/db_url.py gives every SQLite connection


class NotRewritten(RuntimeError):
    """The write-ahead log could not be emptied (a reader held it the whole time)."""


def rewrite(engine: sa.engine.Engine, wait_seconds: float = 15.0) -> None:
    """Compact the database after deleting rows. SQLite's log can only be emptied once no reader
    still needs it: this waits up to ``wait_seconds`` for them, then raises NotRewritten."""
    backend = engine.url.get_backend_name()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        if backend == "sqlite":
            conn.exec_driver_sql("VACUUM")
            conn.exec_driver_sql(f"PRAGMA busy_timeout = {int(wait_seconds * 1000)}")
            try:
                busy = conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").first()[0]
            finally:
                conn.exec_driver_sql(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            if busy:
                raise NotRewritten("a reader still holds the write-ahead log; run the command again")
        elif backend == "postgresql":
            present = set(sa.inspect(conn).get_table_names())
            for table in TABLES:
                if table in present:
                    conn.exec_driver_sql(f'VACUUM "{table}"')
