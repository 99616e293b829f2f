"""A real SQLite file and a scratch PostgreSQL database for the retention tests."""

import sys
from pathlib import Path

# The project root must be importable under plain `pytest` too (not only `python -m pytest`).
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import pytest

from stores.scratch_db import base_postgres_url, create_database, drop_database


@pytest.fixture(scope="session")
def postgres_url():
    base = base_postgres_url()
    url = create_database(base, "lsa_privacy")  # fails, never skips, when unreachable
    yield url
    drop_database(base, url)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'conversations.db'}"
    url = request.getfixturevalue("postgres_url")
    import sqlalchemy as sa
    from staff.schema import metadata

    engine = sa.create_engine(url)
    metadata.drop_all(engine)  # each test starts empty
    engine.dispose()
    return url
