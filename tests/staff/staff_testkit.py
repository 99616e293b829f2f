"""Constants and helpers shared by the staff tests (conftest itself is not importable by name)."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from stores.db_url import PROJECT_ROOT

CONVERSATIONS = 10_000
PAYLOADS = [
    "<script>alert('xss')</script> how much is the fee?",
    '"><img src=x onerror=alert(1)> tuition?',
    "=HYPERLINK(\"http://evil.example\",\"fee\")",
]
PASSWORD = "correct horse battery staple"


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def create_account(db_url, username, role, password=PASSWORD):
    env = {**os.environ, "TRACKER_DB_URL": db_url}
    proc = subprocess.run([sys.executable, "-m", "staff.accounts", "create", "--username", username,
                           "--role", role], input=password + "\n", text=True, capture_output=True,
                          cwd=PROJECT_ROOT, env=env, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return proc


def start_app(db_url, log, **extra_env):
    """Start ``python -m staff.app`` on ``db_url``; returns (process, base URL)."""
    port = _free_port()
    env = {**os.environ, "TRACKER_DB_URL": db_url, "STAFF_PORT": str(port), "STAFF_HOST": "127.0.0.1",
           "STAFF_SECRET_KEY": "test-secret-key-not-for-production", "STAFF_SYNC_LAG_SECONDS": "0",
           "STAFF_LOGIN_MAX_FAILURES": "3", **extra_env}
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "staff.app"], cwd=PROJECT_ROOT, env=env,
                                stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            requests.get(base + "/login", timeout=1)
            return proc, base
        except requests.ConnectionError:
            if proc.poll() is not None:
                raise RuntimeError(Path(log).read_text()) from None
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("staff app did not start: " + Path(log).read_text())
