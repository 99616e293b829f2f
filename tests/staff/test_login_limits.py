"""Login limits: guessing stops, but nobody is locked out by someone else's failures."""

import time

import pytest

from staff import schema, security
from stores.db_url import create_engine

MAX, WINDOW, ACCOUNT = 5, 15, 20


@pytest.fixture
def engine(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'limits.db'}")
    schema.create_all(engine)
    yield engine
    engine.dispose()


def fail(engine, user, ip, at):
    with engine.begin() as conn:
        conn.execute(schema.login_attempts.insert().values(
            username=user, client_ip=ip, attempted_at=at, success=False))


def blocked(engine, user, ip, now):
    return security.login_blocked(engine, user, ip, MAX, WINDOW, ACCOUNT, now=now)


def test_one_account_from_one_address_is_locked_after_max_failures(engine):
    now = time.time()
    for i in range(MAX - 1):
        fail(engine, "alice", "10.0.0.1", now - 60 + i)
    assert not blocked(engine, "alice", "10.0.0.1", now)
    fail(engine, "alice", "10.0.0.1", now - 1)
    assert blocked(engine, "alice", "10.0.0.1", now)
    assert not blocked(engine, "alice", "10.0.0.2", now)  # another address is not locked
    assert not blocked(engine, "bob", "10.0.0.1", now)  # another account from it neither
    assert not blocked(engine, "alice", "10.0.0.1", now + WINDOW * 60)  # the failures age out


def test_guessing_from_many_addresses_backs_off_per_account(engine):
    now = time.time()
    for i in range(ACCOUNT):
        fail(engine, "alice", f"10.1.{i}.1", now - 100 + i)  # one failure per address
    last = now - 100 + ACCOUNT - 1
    assert blocked(engine, "alice", "10.9.9.9", last + 1)  # 2 s to wait
    assert not blocked(engine, "alice", "10.9.9.9", last + 2.5)
    for i in range(10):
        fail(engine, "alice", f"10.2.{i}.1", last + 3 + i)
    last = last + 12
    assert blocked(engine, "alice", "10.9.9.9", last + 200)  # capped at 300 s
    assert not blocked(engine, "alice", "10.9.9.9", last + security.ACCOUNT_MAX_WAIT_SECONDS + 1)
    assert not blocked(engine, "bob", "10.9.9.9", last + 1)


def test_the_owner_from_a_known_address_is_not_slowed_by_others_guessing(engine):
    now = time.time()
    security.record_login(engine, "alice", "192.168.1.5", True)
    for i in range(ACCOUNT + 10):
        fail(engine, "alice", f"10.3.{i}.1", now - 50 + i)
    assert blocked(engine, "alice", "10.4.4.4", now)
    assert not blocked(engine, "alice", "192.168.1.5", now)


def test_a_good_login_clears_only_its_own_address_failures(engine):
    now = time.time()
    for i in range(MAX):
        fail(engine, "alice", "10.5.5.5", now - 10 + i)
    for i in range(MAX - 1):
        fail(engine, "alice", "10.6.6.6", now - 10 + i)
    security.record_login(engine, "alice", "10.6.6.6", True)
    assert blocked(engine, "alice", "10.5.5.5", now)
