"""Shared fixtures: the running assistant (action server + Rasa server) for end-to-end tests.

`bot` starts both servers once per test session on free ports with the trained model
(models/lumc.tar.gz, made by `make train`), or uses running servers when RASA_URL is set
(then RASA_TOKEN must be their API token). Browser tests serve the widget on WIDGET_TEST_PORT,
whose origin the Rasa server must accept (CORS).
"""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace

import pytest

from evaluation.heldout import http_sender
from serving.launcher import PROJECT, Servers, free_port

WIDGET_TEST_PORT = int(os.environ.get("WIDGET_TEST_PORT", "8001"))
TEST_ORIGINS = [f"http://127.0.0.1:{port}" for port in (8000, WIDGET_TEST_PORT)] + [
    f"http://localhost:{port}" for port in (8000, WIDGET_TEST_PORT)]


@pytest.fixture(scope="session")
def bot(tmp_path_factory):
    url = os.environ.get("RASA_URL")
    if url:
        yield SimpleNamespace(rasa_url=url, token=os.environ.get("RASA_TOKEN", ""), send=http_sender(url))
        return
    model = Path(os.environ.get("RASA_MODEL", PROJECT / "models" / "lumc.tar.gz"))
    if not model.exists():
        pytest.fail(f"No trained model at {model}: run `make train` first.")
    # Conversations of the tests go to their own SQLite file, never to var/conversations.db.
    database = tmp_path_factory.mktemp("tracker") / "conversations.db"
    servers = Servers(rasa_port=free_port(), action_port=free_port(), widget_port=None,
                      model=model, cors_origins=TEST_ORIGINS,
                      env={"TRACKER_DB_URL": f"sqlite:///{database}"})
    servers.start()
    try:
        yield servers
    finally:
        servers.stop()
