"""One Rasa server with two Sanic worker processes (SANIC_WORKERS=2, the set-up that meets the
throughput target in docs/benchmarks.md) on the default SQLite tracker store and the real Redis lock
store: many conversations at once, and bursts to one conversation that the two workers share, are
stored exactly once, in order, with their replies (the checks of the cluster tests)."""

from __future__ import annotations

import asyncio
import subprocess
import uuid

import aiohttp
import pytest

from benchmarks.load import QUESTIONS, check_stored, send, stored_turns, students
from serving.launcher import PROJECT, Servers, free_port
from tests.cluster.helpers import delete_keys_under, redis_url_for_tests


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    model = PROJECT / "models" / "lumc.tar.gz"
    if not model.exists():
        pytest.fail(f"No trained model at {model}: run `make train` first.")
    tmp = tmp_path_factory.mktemp("two-workers")
    prefix = "lsaworkers" + uuid.uuid4().hex[:8]
    env = {"TRACKER_DB_URL": f"sqlite:///{tmp}/conversations.db", "SANIC_WORKERS": "2",
           "LOCK_STORE_URL": redis_url_for_tests(), "LOCK_STORE_PREFIX": prefix}
    servers = Servers(rasa_port=free_port(), action_port=free_port(), widget_port=None, log_dir=tmp / "logs",
                      env=env, model=model)
    servers.start()
    try:
        yield servers, env["TRACKER_DB_URL"]
    finally:
        servers.stop()
        delete_keys_under(prefix)


def _worker_processes(servers: Servers) -> int:
    """Child processes of the Rasa server that run Sanic workers."""
    pid = servers.processes["rasa"].pid
    children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    return len(children)


def test_the_server_runs_two_workers(server):
    servers, _ = server
    assert _worker_processes(servers) == 2


def test_many_conversations_at_once_are_stored_exactly_once_in_order(server):
    servers, db_url = server
    sent = asyncio.run(students(servers.rasa_url, count=16, messages=6, prefix="workers"))
    assert [s for s in sent if not s.ok or s.failures] == []
    assert len(sent) == 96
    turns = stored_turns(db_url, {s.sender for s in sent})
    assert sum(len(t) for t in turns.values()) == 96
    assert check_stored(sent, turns, order="sent") == []


def test_bursts_to_one_conversation_are_stored_once_in_the_order_received(server):
    """Six messages to one conversation at once: the two workers take them, the lock orders them."""
    servers, db_url = server

    async def burst(session: aiohttp.ClientSession, sender: str) -> list:
        async def one(i: int):
            await asyncio.sleep(i * 0.01)
            return await send(session, servers.rasa_url, sender, QUESTIONS[(i * 7) % len(QUESTIONS)], retry=False)

        return await asyncio.gather(*(one(i) for i in range(6)))

    async def run() -> list:
        connector = aiohttp.TCPConnector(force_close=True)  # new connections, spread over both workers
        async with aiohttp.ClientSession(connector=connector) as session:
            results = await asyncio.gather(*(burst(session, f"wburst-{i}-{uuid.uuid4().hex[:6]}") for i in range(8)))
        return [s for group in results for s in group]

    sent = asyncio.run(run())
    assert [(s.status, s.failures) for s in sent if not s.ok] == []
    turns = stored_turns(db_url, {s.sender for s in sent})
    assert sum(len(t) for t in turns.values()) == 48
    assert check_stored(sent, turns, order="received") == []
