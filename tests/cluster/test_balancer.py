"""The HAProxy configuration of serving/cluster.py, in front of two tiny stand-in replicas: the sender
in the JSON body picks the replica, errors are JSON the widget's page may read, and nothing
secret is logged. (Rasa itself behind it: tests/cluster/test_cluster.py.)"""

from __future__ import annotations

import json
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace

import pytest
import requests

from serving.cluster import ERROR_MESSAGES, haproxy_binary, haproxy_config, haproxy_stats
from serving.launcher import free_port
from tests.http_fakes import send_json

ORIGIN = "http://127.0.0.1:8081"


def _replica(name: str, crash_on_post: bool = False) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            self._reply({"replica": name})

        def do_POST(self):  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if crash_on_post:
                self.connection.close()  # dies with the message in flight
                return
            self._reply({"replica": name, "got": json.loads(body or b"null")})

        def _reply(self, payload):
            send_json(self, 200, payload)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def balancer(tmp_path):
    started = []

    def start(*replicas: ThreadingHTTPServer) -> str:
        port = free_port()
        members = [SimpleNamespace(rasa_port=r.server_address[1]) for r in replicas]
        config = tmp_path / "haproxy.cfg"
        config.write_text(haproxy_config("127.0.0.1", port, members, [ORIGIN], tmp_path / "haproxy"))
        log = open(tmp_path / "haproxy.log", "wb")
        process = subprocess.Popen([haproxy_binary(), "-db", "-f", str(config)], stdout=log, stderr=subprocess.STDOUT)
        started.append((process, replicas, log))
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 15
        while True:
            # Ready when HAProxy answers and its health checks have seen every replica up: a sender
            # hashed while one replica was not yet up would move when it came up.
            try:
                requests.get(url, timeout=1)
                rows = haproxy_stats(tmp_path / "haproxy" / "haproxy.sock")
                states = [row["status"].split()[0] for row in rows if row["svname"].startswith("replica")]
                if states == ["UP"] * len(replicas):
                    return url
            except (requests.ConnectionError, OSError):
                pass
            assert process.poll() is None and time.monotonic() < deadline, (tmp_path / "haproxy.log").read_text()
            time.sleep(0.1)

    yield start
    for process, replicas, log in started:
        process.terminate()
        process.wait(timeout=10)
        log.close()
        for replica in replicas:
            replica.shutdown()


def _post(url: str, body) -> requests.Response:
    return requests.post(f"{url}/webhooks/rest/webhook", json=body, headers={"Origin": ORIGIN}, timeout=10)


def _served_by_replicas(tmp_path) -> int:
    """Messages the replicas have in hand, as HAProxy counts them for its bounded-load hashing."""
    rows = haproxy_stats(tmp_path / "haproxy" / "haproxy.sock")
    return sum(int(row["scur"] or 0) for row in rows if row["svname"].startswith("replica"))


def test_the_sender_in_the_body_picks_the_replica(balancer, tmp_path):
    url = balancer(_replica("a"), _replica("b"))
    chosen = {}
    for i in range(40):
        sender = f"student-{i % 10}"
        # One message at a time, as one student sends them: a replica that still holds the last
        # message (HAProxy closes the stream just after the reply) may be passed over by the
        # bounded-load hashing (`hash-balance-factor`), which is meant for replicas under load.
        deadline = time.monotonic() + 2
        while _served_by_replicas(tmp_path) and time.monotonic() < deadline:
            time.sleep(0.01)
        replica = _post(url, {"sender": sender, "message": f"question {i}"}).json()["replica"]
        assert chosen.setdefault(sender, replica) == replica  # always the same one
    assert set(chosen.values()) == {"a", "b"}  # and the senders are spread
    # No sender (a GET, an OPTIONS preflight, a body that is not JSON): round robin.
    assert {requests.get(f"{url}/", timeout=5).json()["replica"] for _ in range(4)} == {"a", "b"}
    assert _post(url, ["not", "an", "object"]).status_code == 200


def test_a_replica_dying_mid_message_gives_a_json_502_the_page_can_read(balancer, tmp_path):
    url = balancer(_replica("crashing", crash_on_post=True))
    reply = _post(url, {"sender": "s", "message": "hi"})
    assert reply.status_code == 502
    assert reply.json() == {"error": ERROR_MESSAGES[502]}
    assert reply.headers["Access-Control-Allow-Origin"] == ORIGIN
    other = requests.post(f"{url}/webhooks/rest/webhook", json={"sender": "s", "message": "hi"},
                          headers={"Origin": "http://elsewhere.example"}, timeout=10)
    assert "Access-Control-Allow-Origin" not in other.headers


def test_no_replica_up_gives_a_json_503(balancer):
    dead = _replica("gone")
    url = balancer(dead)
    dead.shutdown()
    dead.server_close()
    deadline = time.monotonic() + 10
    while (reply := _post(url, {"sender": "s", "message": "hi"})).status_code != 503:
        assert time.monotonic() < deadline, reply.status_code
        time.sleep(0.3)
    assert reply.json() == {"error": ERROR_MESSAGES[503]}


def test_model_swaps_are_refused_and_tokens_never_logged(balancer, tmp_path):
    url = balancer(_replica("a"))
    assert requests.put(f"{url}/model", params={"token": "Secret-Token-123"}, json={}, timeout=5).status_code == 403
    assert requests.delete(f"{url}/model", params={"token": "Secret-Token-123"}, timeout=5).status_code == 403
    assert requests.get(f"{url}/model", params={"token": "x"}, timeout=5).status_code == 200  # reads pass
    time.sleep(0.2)
    log = (tmp_path / "haproxy.log").read_text()
    assert "PUT /model" in log and "Secret-Token-123" not in log
