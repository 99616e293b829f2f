"""Seeded conversation databases (SQLite file and scratch PostgreSQL) and a live staff app."""

import sys
from pathlib import Path

# The project root must be importable under plain `pytest` too (not only `python -m pytest`).
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import pytest

from staff import demo_data, schema, turn_index
from stores.db_url import create_engine
from stores.scratch_db import base_postgres_url, create_database, drop_database
from tests.trainer.conftest import copy_project

from staff_testkit import CONVERSATIONS, PAYLOADS, create_account, start_app


def _seed(url):
    engine = create_engine(url)
    schema.create_all(engine)
    demo_data.seed(engine, CONVERSATIONS, days=60, payloads=list(PAYLOADS))
    turn_index.sync(engine)
    return engine


@pytest.fixture(scope="session")
def sqlite_db(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('staffdb') / 'conversations.db'}"
    engine = _seed(url)
    yield url, engine
    engine.dispose()


@pytest.fixture(scope="session")
def postgres_db():
    base = base_postgres_url()
    url = create_database(base, "lsa_staff")  # fails, never skips, when unreachable
    engine = _seed(url)
    yield url, engine
    engine.dispose()
    drop_database(base, url)


@pytest.fixture(params=["sqlite", "postgresql"])
def seeded(request):
    """(url, engine) of a database holding 10,000 realistic conversations."""
    return request.getfixturevalue("sqlite_db" if request.param == "sqlite" else "postgres_db")


@pytest.fixture(scope="session")
def server(sqlite_db, tmp_path_factory):
    """The staff app as started in production (python -m staff.app) on the SQLite data; inbox items
    it accepts go into a copy of the project's training data (`project`), never the real files."""
    url, _ = sqlite_db
    create_account(url, "rita", "reviewer")
    create_account(url, "adam", "admin")
    folder = tmp_path_factory.mktemp("staffapp")
    project = copy_project(folder / "project")
    log = folder / "app.log"
    proc, base = start_app(url, log, STAFF_PROJECT_DIR=str(project))
    yield {"base": base, "db_url": url, "log": log, "project": project}
    proc.terminate()
    proc.wait(timeout=10)
