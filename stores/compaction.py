"""Rewrites the conversation database's files after deletions, so deleted text is really gone.

A DELETE only marks rows free. SQLite leaves their bytes in free pages of the database file and
older copies of the pages in the write-ahead log (``-wal``) until a checkpoint; PostgreSQL keeps
dead row versions until VACUUM. After an erasure or a purge, ``rewrite`` runs SQLite's ``VACUUM``
(a fresh copy of the database without free pages) and a ``wal_checkpoint(TRUNCATE)`` (the log
emptied to zero bytes), or PostgreSQL's ``VACUUM`` of the tables that hold students' words.
"""

from __future__ import annotations

import time

import sqlalchemy as sa

# Tables that hold students' words (Rasa's events and the staff app's copies of them).
TABLES = ("events", "staff_turns", "trainer_inbox", "staff_audit_log")


class NotRewritten(RuntimeError):
    """The write-ahead log could not be emptied (a reader held it the whole time)."""


def rewrite(engine: sa.engine.Engine, attempts: int = 20, pause: float = 0.25) -> None:
    """Compact the database after deleting rows; raises NotRewritten when SQLite's log stays busy."""
    backend = engine.url.get_backend_name()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        if backend == "sqlite":
            conn.exec_driver_sql("VACUUM")
            for _ in range(attempts):
                busy = conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").first()[0]
                if not busy:
                    return
                time.sleep(pause)
            raise NotRewritten("the write-ahead log is still in use; run the command again")
        if backend == "postgresql":
            present = set(sa.inspect(conn).get_table_names())
            for table in TABLES:
                if table in present:
                    conn.exec_driver_sql(f'VACUUM "{table}"')
