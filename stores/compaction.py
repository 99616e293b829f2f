"""Rewrites the conversation database's files after deletions, so deleted text is really gone.

A DELETE only marks rows free. SQLite leaves their bytes in free pages of the database file unless
``secure_delete`` is on (stores/db_url.py turns it on for every connection the project opens, so
deleted rows are overwritten with zeros), and keeps older copies of the pages in the write-ahead log
(``-wal``) until a checkpoint; PostgreSQL keeps dead row versions until VACUUM. After an erasure
or a purge, ``rewrite`` empties SQLite's log to zero bytes (``wal_checkpoint(TRUNCATE)``), after
an erasure first running ``VACUUM`` too (a fresh copy of the file without free pages, which also
clears text that versions without ``secure_delete`` left behind; it holds the write lock for about
as long as copying the file takes, too long to do every day), or runs PostgreSQL's ``VACUUM`` of
the tables that hold students' words.
"""

from __future__ import annotations

import sqlalchemy as sa

# Tables that hold students' words (Rasa's events and the staff app's copies of them).
TABLES = ("events", "staff_turns", "trainer_inbox", "staff_audit_log")
BUSY_TIMEOUT_MS = 15000  # what stores/db_url.py gives every SQLite connection


class NotRewritten(RuntimeError):
    """The write-ahead log could not be emptied (a reader held it the whole time)."""


def rewrite(engine: sa.engine.Engine, vacuum: bool = True, wait_seconds: float = 15.0) -> None:
    """Compact the database after deleting rows (SQLite: ``VACUUM`` only with ``vacuum``). SQLite's
    log can only be emptied once no reader still needs it: this waits up to ``wait_seconds`` for
    them, then raises NotRewritten."""
    backend = engine.url.get_backend_name()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        if backend == "sqlite":
            if vacuum:
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
