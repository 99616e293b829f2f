"""The conversation lock across processes, against the real Redis: one holder at a time, first come
first served, a dead holder's lease runs out in seconds, nothing left behind.

Each process here is what a replica is to the lock: its own store and Redis connection.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import time
import uuid

import pytest
import redis
from rasa.core.lock_store import LockError, RedisLockStore

from stores.lock_store import AtomicRedisLockStore, EnvLockStore, LeasedInMemoryLockStore
from tests.cluster.helpers import delete_keys_under, redis_url_for_tests

URL = redis_url_for_tests()


def _store(prefix: str, lease: float = 10.0) -> AtomicRedisLockStore:
    from stores.lock_store import redis_kwargs

    return AtomicRedisLockStore(**redis_kwargs(URL), key_prefix=prefix, lease=lease, poll=0.002)


@pytest.fixture
def prefix():
    prefix = "lsalock" + uuid.uuid4().hex[:8]
    yield prefix
    leftovers = delete_keys_under(prefix)
    assert not leftovers, f"keys left behind: {leftovers}"


def test_rasa_redis_lock_store_gives_two_replicas_the_same_ticket(prefix):
    """The defect (RasaHQ/rasa#9213), replayed step by step: both replicas read the empty lock
    before either writes it, so both get ticket 0 and both may process the conversation."""
    from stores.lock_store import redis_kwargs

    first, second = (RedisLockStore(**redis_kwargs(URL), key_prefix=prefix) for _ in range(2))
    lock_a, lock_b = first.get_or_create_lock("c"), second.get_or_create_lock("c")
    ticket_a, ticket_b = lock_a.issue_ticket(60), lock_b.issue_ticket(60)
    first.save_lock(lock_a)
    second.save_lock(lock_b)
    assert ticket_a == ticket_b == 0
    assert not first.get_lock("c").is_locked(ticket_a) and not second.get_lock("c").is_locked(ticket_b)
    first.delete_lock("c")


def test_tickets_from_two_stores_are_unique_and_served_in_order(prefix):
    first, second = _store(prefix), _store(prefix)
    tickets = [(first if i % 2 else second).issue_ticket("c") for i in range(6)]
    assert tickets == list(range(6))
    for ticket in tickets:
        lock = first.get_lock("c")
        assert lock.now_serving == ticket and not lock.is_locked(ticket)
        (second if ticket % 2 else first).cleanup("c", ticket)
    assert first.get_lock("c") is None  # the last cleanup deleted the key


def _hammer(prefix: str, conversation: str, rounds: int, worker: int, start_at: float) -> None:
    """One 'replica': enters the conversation's critical section `rounds` times and checks that
    nobody else is inside, with a read-modify-write that loses updates if two overlap. It notes
    each turn's ticket issue time, in the order the turns were taken."""
    store, client = _store(prefix), redis.Redis.from_url(URL)
    inside, counter, log = f"{prefix}:inside", f"{prefix}:counter", f"{prefix}:order"

    async def run() -> None:
        for _ in range(rounds):
            issued = []
            async with store.lock(conversation, on_issue=issued.append):
                assert client.set(inside, worker, nx=True), "two holders at once"
                value = int(client.get(counter) or 0)
                await asyncio.sleep(0.001)
                client.set(counter, value + 1)
                client.rpush(log, worker)
                client.rpush(f"{prefix}:issued", repr(issued[0]))
                client.delete(inside)

    time.sleep(max(0.0, start_at - time.time()))
    asyncio.run(run())


def test_one_holder_at_a_time_across_processes(prefix):
    workers, rounds = 4, 30
    start_at = time.time() + 1.0
    context = multiprocessing.get_context("fork")
    processes = [context.Process(target=_hammer, args=(prefix, "c", rounds, w, start_at)) for w in range(workers)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=60)
    assert [p.exitcode for p in processes] == [0] * workers
    client = redis.Redis.from_url(URL)
    counter, order = int(client.get(f"{prefix}:counter")), client.lrange(f"{prefix}:order", 0, -1)
    issued = [float(t) for t in client.lrange(f"{prefix}:issued", 0, -1)]
    client.delete(f"{prefix}:counter", f"{prefix}:order", f"{prefix}:issued")
    assert counter == workers * rounds  # no update lost
    assert len(set(order)) == workers  # all of them took turns
    # Turns in the order their tickets were issued, by the issue times the processes were given.
    assert len(issued) == workers * rounds and issued == sorted(issued)


def _hold_and_die(prefix: str, ready: "multiprocessing.synchronize.Event") -> None:
    store = _store(prefix, lease=1.0)

    async def run() -> None:
        async with store.lock("c"):
            ready.set()
            await asyncio.sleep(3600)  # killed while holding the lock

    asyncio.run(run())


def test_a_dead_holder_blocks_its_conversation_only_for_the_lease(prefix):
    context = multiprocessing.get_context("fork")
    ready = context.Event()
    holder = context.Process(target=_hold_and_die, args=(prefix, ready))
    holder.start()
    try:
        assert ready.wait(30)
        time.sleep(1.5)  # it is alive and renewing: longer than one lease
        store = _store(prefix, lease=1.0)

        async def wait_for_it() -> float:
            started = time.monotonic()
            async with store.lock("c"):
                return time.monotonic() - started

        os.kill(holder.pid, 9)
        holder.join()
        waited = asyncio.run(wait_for_it())
        assert 0.2 < waited < 3.0
    finally:
        if holder.is_alive():
            holder.kill()


def test_a_living_holder_keeps_the_lock_past_its_lease(prefix):
    store, other = _store(prefix, lease=1.0), _store(prefix, lease=1.0)

    async def run() -> list:
        order = []

        async def slow() -> None:
            async with store.lock("c"):
                await asyncio.sleep(2.5)  # 2.5 leases
                order.append("slow")

        async def next_one() -> None:
            await asyncio.sleep(0.1)
            async with other.lock("c"):
                order.append("next")

        await asyncio.gather(slow(), next_one())
        return order

    assert asyncio.run(run()) == ["slow", "next"]


def test_a_ticket_that_expired_while_waiting_is_an_error_not_a_turn(prefix):
    store = _store(prefix, lease=1.0)
    blocker = store.issue_ticket("c")  # never renewed, never released

    async def run() -> None:
        ticket = store.issue_ticket("c")
        store._change("c", lambda lock: lock.remove_ticket_for(ticket))  # as if its lease ran out
        await store._wait_for_turn("c", ticket)

    with pytest.raises(LockError):
        asyncio.run(run())
    store.cleanup("c", blocker)


def test_in_memory_store_has_the_same_behaviour():
    store = LeasedInMemoryLockStore(lease=1.0, poll=0.002)

    async def run() -> list:
        order = []

        async def turn(name: str, delay: float) -> None:
            await asyncio.sleep(delay)
            async with store.lock("c"):
                order.append(name)
                await asyncio.sleep(0.02)

        await asyncio.gather(*(turn(str(i), i * 0.005) for i in range(5)))
        return order

    assert asyncio.run(run()) == ["0", "1", "2", "3", "4"]
    assert store.conversation_locks == {}


def test_env_lock_store_uses_the_atomic_store_and_its_prefix(monkeypatch, prefix):
    monkeypatch.setenv("LOCK_STORE_URL", URL)
    monkeypatch.setenv("LOCK_STORE_PREFIX", prefix)
    store = EnvLockStore()
    assert isinstance(store.backend, AtomicRedisLockStore)
    assert store.backend.key_prefix == f"{prefix}:lock:"

    async def run() -> None:
        async with store.lock("c"):
            assert redis.Redis.from_url(URL).exists(f"{prefix}:lock:c")

    asyncio.run(run())


@pytest.mark.parametrize("name, value", [("LOCK_STORE_PREFIX", "not ok!"), ("LOCK_LEASE_SECONDS", "soon"),
                                         ("LOCK_LEASE_SECONDS", "0"), ("LOCK_POLL_SECONDS", "5")])
def test_bad_settings_are_refused_clearly(monkeypatch, name, value):
    monkeypatch.setenv("LOCK_STORE_URL", URL)
    monkeypatch.setenv(name, value)
    with pytest.raises(ValueError, match=name):
        EnvLockStore()


def test_several_sanic_workers_without_redis_are_refused(monkeypatch):
    monkeypatch.delenv("LOCK_STORE_URL", raising=False)
    monkeypatch.setenv("SANIC_WORKERS", "2")
    with pytest.raises(ValueError, match="SANIC_WORKERS=2 needs LOCK_STORE_URL"):
        EnvLockStore()
