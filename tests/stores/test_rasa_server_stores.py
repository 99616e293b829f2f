"""A real `rasa run` loads the env-configured stores from endpoints.yml and guards its API.

Rasa's HTTP API must only ever run with a token (``--auth-token``): without
it anyone could read or delete conversations or swap the model. The server
starts as the launcher starts it, through serving/rasa_server.py with the
token in the environment, and here without a model, which is enough for
both checks.
"""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from sqlalchemy.engine import make_url

from stores.scratch_db import scratch_postgres

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "test-token-4f1c"


@pytest.fixture(scope="module")
def rasa_server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("rasa")
    (tmp / "endpoints.yml").write_text(
        "tracker_store:\n  type: stores.tracker_store.EnvSQLTrackerStore\n"
        "lock_store:\n  type: stores.lock_store.EnvLockStore\n")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with scratch_postgres("lsa_rasa") as url:
        db_url = str(make_url(url).set(password="Pg-Passw0rd-Never-Logged"))
        env = {**os.environ, "PYTHONPATH": str(ROOT), "TRACKER_DB_URL": db_url,
               "LOCK_STORE_URL": "redis://127.0.0.1:6379/1", "RASA_AUTH_TOKEN": TOKEN}
        log = tmp / "rasa.log"
        with open(log, "w") as out:
            proc = subprocess.Popen(
                [sys.executable, "-m", "serving.rasa_server", "run", "--enable-api", "-i", "127.0.0.1",
                 "-p", str(port), "--endpoints", str(tmp / "endpoints.yml"),
                 "--model", str(tmp / "no-model-here"), "--debug"],
                cwd=tmp, env=env, stdout=out, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.time() + 120
            while time.time() < deadline:
                try:
                    requests.get(base + "/", timeout=1)
                    break
                except requests.ConnectionError:
                    assert proc.poll() is None, log.read_text()
                    time.sleep(0.5)
            else:
                raise AssertionError("rasa did not start: " + log.read_text())
            yield base, log
        finally:
            proc.terminate()
            proc.wait(timeout=30)


def test_api_refuses_requests_without_the_token(rasa_server):
    base, _ = rasa_server
    for method, path in [("GET", "/conversations/abc/tracker"), ("PUT", "/model"),
                         ("DELETE", "/model"), ("POST", "/conversations/abc/tracker/events")]:
        assert requests.request(method, base + path, timeout=10).status_code == 401, path
        assert requests.request(method, base + path, params={"token": "wrong"},
                                timeout=10).status_code == 401, path
    # with the token the request gets past authentication (no model is loaded: 409)
    r = requests.get(base + "/conversations/abc/tracker", params={"token": TOKEN}, timeout=10)
    assert r.status_code == 409


def test_endpoints_load_the_env_stores_without_leaking_the_password(rasa_server):
    _, log = rasa_server
    text = log.read_text()
    assert "stores.tracker_store" in text and "Conversation store: postgresql://postgres:***@" in text
    assert "Lock store: Redis at redis://127.0.0.1:6379/1" in text
    assert "Pg-Passw0rd-Never-Logged" not in text
