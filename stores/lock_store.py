"""Rasa lock store chosen by the environment: Redis when configured, else memory.

    lock_store:
      type: stores.lock_store.EnvLockStore

With ``LOCK_STORE_URL`` (``redis://[:password@]host:port/db``, ``rediss://``
for TLS) conversations are locked in Redis, which several Rasa processes can
share; without it an in-memory store serves a single process. Rasa 3.6 builds
a custom lock store as ``Class(endpoint_config=...)``, so this class accepts
that and delegates to the real store.

Why not Rasa's ``RedisLockStore`` as it is: it issues and returns tickets by
reading the conversation's lock, changing it in Python and writing it back,
so two replicas that do this at the same moment both get the same ticket and
process the same conversation at once (RasaHQ/rasa#9213; the fix is only in
Rasa Pro), and a write can undo another replica's ticket. A waiting message
also sleeps a whole second between looks, and a replica that dies keeps its
conversations locked for the full 60 s ticket lifetime. The stores here keep
Rasa's ticket lock (its data, its first-come first-served order, its
``get_lock``/``save_lock``) and change three things:

- every change to a lock is one atomic step: a Redis ``WATCH``/``MULTI``
  transaction that is retried when another replica changed the lock meanwhile
  (in memory, a change without ``await`` is atomic already);
- a ticket is a lease of ``LOCK_LEASE_SECONDS`` (default 10) that its holder
  renews while it waits and while it works (for at most the ticket lifetime,
  ``TICKET_LOCK_LIFETIME``, 60 s), so a dead replica blocks its conversations
  for seconds, not a minute, while a slow but living one never loses its turn;
- waiting messages look again every ``LOCK_POLL_SECONDS`` (default 0.01).

``LOCK_STORE_PREFIX`` (letters and digits) puts the keys under their own
prefix, so that tests and several deployments can share one Redis.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import time
from typing import Any, AsyncIterator, Callable, Optional, Text, Tuple, TypeVar
from urllib.parse import unquote, urlsplit

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, InMemoryLockStore, LockError, LockStore, RedisLockStore

logger = logging.getLogger(__name__)

ENV_VAR = "LOCK_STORE_URL"
T = TypeVar("T")


def _env_float(name: str, default: float, low: float, high: float) -> float:
    """A number from the environment within [low, high]; a clear error otherwise."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{name} must be a number of seconds, not {raw!r}") from None
    if not low <= value <= high:
        raise ValueError(f"{name} must be between {low} and {high} seconds")
    return value


def lease_seconds() -> float:
    return _env_float("LOCK_LEASE_SECONDS", 10.0, 1.0, 600.0)


def poll_seconds() -> float:
    return _env_float("LOCK_POLL_SECONDS", 0.01, 0.001, 1.0)


def redis_kwargs(url: str) -> dict:
    """Keyword arguments for ``RedisLockStore`` from a redis:// URL."""
    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss"):
        raise ValueError(f"{ENV_VAR} must be a redis:// or rediss:// URL")
    db = parts.path.lstrip("/") or "1"
    if not db.isdigit():
        raise ValueError(f"{ENV_VAR}: the database must be a number (redis://host:port/1)")
    return {
        "host": parts.hostname or "localhost",
        "port": parts.port or 6379,
        "db": int(db),
        "username": unquote(parts.username) if parts.username else None,
        "password": unquote(parts.password) if parts.password else None,
        "use_ssl": parts.scheme == "rediss",
    }


def _masked(url: str) -> str:
    parts = urlsplit(url)
    host = f"{parts.hostname or 'localhost'}:{parts.port or 6379}"
    return f"{parts.scheme}://{host}{parts.path}"


class LeasedTicketLocks(LockStore):
    """Rasa's ticket lock with atomic changes, renewed leases and a short poll.

    Subclasses provide ``_change(conversation_id, change)``: apply ``change`` to the
    conversation's lock (a new one when there is none) as one atomic step, store the
    result (or delete it when no ticket is left) and return what ``change`` returned.
    """

    lease: float = 10.0
    poll: float = 0.01

    def _change(self, conversation_id: Text, change: Callable[[TicketLock], T]) -> T:
        raise NotImplementedError

    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        return self._issue(conversation_id, lock_lifetime)[0]

    def _issue(self, conversation_id: Text, lock_lifetime: float) -> Tuple[int, float]:
        """A new ticket and the time it was issued, read inside the atomic step that issued it: of
        two tickets, the one with the lower number has the earlier time, whichever process took it."""
        try:
            return self._change(conversation_id,
                                lambda lock: (lock.issue_ticket(min(self.lease, lock_lifetime)), time.time()))
        except Exception as error:
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error

    def renew(self, conversation_id: Text, ticket: int) -> bool:
        """Extends the ticket's lease; False when it has expired already (or is gone)."""

        def extend(lock: TicketLock) -> bool:
            for held in lock.tickets:
                if held.number == ticket and not held.has_expired():
                    held.expires = time.time() + self.lease
                    return True
            return False

        return self._change(conversation_id, extend)

    def finish_serving(self, conversation_id: Text, ticket_number: int) -> None:
        self._change(conversation_id, lambda lock: lock.remove_ticket_for(ticket_number))

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        # _change deletes a lock without tickets in the same atomic step.
        self.finish_serving(conversation_id, ticket_number)

    def update_lock(self, conversation_id: Text) -> None:
        self._change(conversation_id, lambda lock: lock.remove_expired_tickets())

    @contextlib.asynccontextmanager
    async def lock(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME,
                   wait_time_in_seconds: Optional[float] = None, *,
                   on_issue: Optional[Callable[[float], None]] = None) -> AsyncIterator[TicketLock]:
        """Waits for the conversation's turn, renewing the ticket's lease until released.

        ``wait_time_in_seconds`` is accepted for Rasa's signature; the poll interval is
        ``LOCK_POLL_SECONDS``. Raises ``LockError`` when the ticket expired before its turn
        came (its holder was stalled for longer than the lease, or the lifetime ran out).
        ``on_issue`` is called with the time the ticket was issued: the moment the message's
        place in the conversation's queue was fixed.
        """
        ticket, issued_at = self._issue(conversation_id, lock_lifetime)
        if on_issue is not None:
            on_issue(issued_at)
        keeper = asyncio.ensure_future(self._keep_alive(conversation_id, ticket, time.time() + lock_lifetime))
        try:
            yield await self._wait_for_turn(conversation_id, ticket)
        finally:
            keeper.cancel()
            self.cleanup(conversation_id, ticket)

    async def _keep_alive(self, conversation_id: Text, ticket: int, until: float) -> None:
        try:
            while True:
                await asyncio.sleep(self.lease / 4)
                if time.time() + self.lease > until:
                    logger.warning("Conversation lock held for the whole ticket lifetime; letting it expire.")
                    return
                if not self.renew(conversation_id, ticket):
                    logger.error("Lost the conversation lock's lease (stalled for more than %.0f s).", self.lease)
                    return
        except asyncio.CancelledError:
            raise
        except Exception:  # a Redis hiccup: the lease runs out by itself, the waiter says so
            logger.exception("Could not renew the conversation lock's lease")

    async def _wait_for_turn(self, conversation_id: Text, ticket: int) -> TicketLock:
        while True:
            lock = self.get_lock(conversation_id)
            if lock is None or all(t.number != ticket for t in lock.tickets if not t.has_expired()):
                raise LockError(f"The lock ticket for conversation '{conversation_id}' expired before its turn.")
            if not lock.is_locked(ticket):
                return lock
            await asyncio.sleep(self.poll)


class AtomicRedisLockStore(LeasedTicketLocks, RedisLockStore):
    """Rasa's ``RedisLockStore`` whose every change is a WATCH/MULTI transaction.

    The key gets a time to live a little past its last ticket's expiry, so that the lock of a
    replica that died is removed by Redis itself.
    """

    def __init__(self, *args: Any, lease: Optional[float] = None, poll: Optional[float] = None,
                 **kwargs: Any) -> None:
        RedisLockStore.__init__(self, *args, **kwargs)
        self.lease = lease or lease_seconds()
        self.poll = poll or poll_seconds()

    def _change(self, conversation_id: Text, change: Callable[[TicketLock], T]) -> T:
        key = self.key_prefix + conversation_id

        def transaction(pipe: Any) -> T:
            raw = pipe.get(key)  # watched: EXEC fails if another replica changes the key meanwhile
            lock = TicketLock.from_dict(json.loads(raw)) if raw else self.create_lock(conversation_id)
            result = change(lock)
            lock.remove_expired_tickets()
            pipe.multi()
            if lock.tickets:
                last_expiry = max(t.expires for t in lock.tickets)
                pipe.set(key, lock.dumps(), px=max(1, int((last_expiry - time.time() + 5) * 1000)))
            else:
                pipe.delete(key)
            return result

        return self.red.transaction(transaction, key, value_from_callable=True)


class LeasedInMemoryLockStore(LeasedTicketLocks, InMemoryLockStore):
    """Rasa's ``InMemoryLockStore`` with renewed leases and a short poll (one process)."""

    def __init__(self, lease: Optional[float] = None, poll: Optional[float] = None) -> None:
        InMemoryLockStore.__init__(self)
        self.lease = lease or lease_seconds()
        self.poll = poll or poll_seconds()

    def _change(self, conversation_id: Text, change: Callable[[TicketLock], T]) -> T:
        # No await in here: nothing else in this process runs in between.
        lock = self.conversation_locks.get(conversation_id) or self.create_lock(conversation_id)
        result = change(lock)
        lock.remove_expired_tickets()
        if lock.tickets:
            self.conversation_locks[conversation_id] = lock
        else:
            self.conversation_locks.pop(conversation_id, None)
        return result


class EnvLockStore(LockStore):
    """Delegates to ``AtomicRedisLockStore`` or ``LeasedInMemoryLockStore``."""

    def __init__(self, endpoint_config: Optional[Any] = None, **_: Any) -> None:
        url = os.environ.get(ENV_VAR) or (getattr(endpoint_config, "url", None) or "")
        if url:
            extra = dict(getattr(endpoint_config, "kwargs", None) or {})
            kwargs = {**redis_kwargs(url), **{k: v for k, v in extra.items() if k in ("key_prefix", "socket_timeout")}}
            prefix = os.environ.get("LOCK_STORE_PREFIX", "").strip()
            if prefix:
                if not prefix.isalnum():
                    raise ValueError("LOCK_STORE_PREFIX must be letters and digits only")
                kwargs["key_prefix"] = prefix
            self.backend: LeasedTicketLocks = AtomicRedisLockStore(**kwargs)
            self.backend.red.ping()  # fail at start-up, not at the first message
            logger.info("Lock store: Redis at %s", _masked(url))
        else:
            workers = os.environ.get("SANIC_WORKERS", "1").strip()
            if workers.isdigit() and int(workers) > 1:
                # Rasa allows several workers with any custom lock store; in memory, each worker
                # would lock only its own copy of a conversation.
                raise ValueError(f"SANIC_WORKERS={workers} needs {ENV_VAR} (Redis): an in-memory lock "
                                 "is not shared between workers")
            self.backend = LeasedInMemoryLockStore()
            logger.info("Lock store: in memory (set %s for Redis)", ENV_VAR)
        super().__init__()

    # Everything goes to the backend, so that its atomic versions are the ones used.
    def get_lock(self, conversation_id: Text) -> Optional[TicketLock]:
        return self.backend.get_lock(conversation_id)

    def delete_lock(self, conversation_id: Text) -> None:
        self.backend.delete_lock(conversation_id)

    def save_lock(self, lock: TicketLock) -> None:
        self.backend.save_lock(lock)

    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        return self.backend.issue_ticket(conversation_id, lock_lifetime)

    def finish_serving(self, conversation_id: Text, ticket_number: int) -> None:
        self.backend.finish_serving(conversation_id, ticket_number)

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        self.backend.cleanup(conversation_id, ticket_number)

    def update_lock(self, conversation_id: Text) -> None:
        self.backend.update_lock(conversation_id)

    def lock(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME,
             wait_time_in_seconds: Optional[float] = None, *,
             on_issue: Optional[Callable[[float], None]] = None):  # type: ignore[override]
        return self.backend.lock(conversation_id, lock_lifetime, wait_time_in_seconds, on_issue=on_issue)
