"""Rasa lock store chosen by the environment: Redis when configured, else memory.

    lock_store:
      type: stores.lock_store.EnvLockStore

With ``LOCK_STORE_URL`` (``redis://[:password@]host:port/db``, ``rediss://``
for TLS) conversations are locked in Redis, which several Rasa processes can
share; without it an in-memory store serves a single process. Rasa 3.6 builds
a custom lock store as ``Class(endpoint_config=...)``, so this class accepts
that and delegates to the real store.
"""

from __future__ import annotations

import logging
import os
from typing import Any, Optional, Text
from urllib.parse import unquote, urlsplit

from rasa.core.lock import TicketLock
from rasa.core.lock_store import InMemoryLockStore, LockStore, RedisLockStore

logger = logging.getLogger(__name__)

ENV_VAR = "LOCK_STORE_URL"


def redis_kwargs(url: str) -> dict:
    """Keyword arguments for ``RedisLockStore`` from a redis:// URL."""
    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss"):
        raise ValueError(f"{ENV_VAR} must be a redis:// or rediss:// URL")
    db = parts.path.lstrip("/") or "1"
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


class EnvLockStore(LockStore):
    """Delegates to ``RedisLockStore`` or ``InMemoryLockStore``."""

    def __init__(self, endpoint_config: Optional[Any] = None, **_: Any) -> None:
        url = os.environ.get(ENV_VAR) or (getattr(endpoint_config, "url", None) or "")
        if url:
            extra = dict(getattr(endpoint_config, "kwargs", None) or {})
            kwargs = {**redis_kwargs(url), **{k: v for k, v in extra.items() if k in ("key_prefix", "socket_timeout")}}
            self.backend: LockStore = RedisLockStore(**kwargs)
            self.backend.red.ping()  # fail at start-up, not at the first message
            logger.info("Lock store: Redis at %s", _masked(url))
        else:
            self.backend = InMemoryLockStore()
            logger.info("Lock store: in memory (set %s for Redis)", ENV_VAR)
        super().__init__()

    def get_lock(self, conversation_id: Text) -> Optional[TicketLock]:
        return self.backend.get_lock(conversation_id)

    def delete_lock(self, conversation_id: Text) -> None:
        self.backend.delete_lock(conversation_id)

    def save_lock(self, lock: TicketLock) -> None:
        self.backend.save_lock(lock)
