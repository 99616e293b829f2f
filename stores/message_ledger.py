"""What became of each student message that carried a client message id: makes a resend harmless.

The widget gives every message an id and sends it again with the same id when the answer did
not arrive (a replica died, a gateway error, a time-out). The REST channel looks the id up here
while it holds the conversation's lock, so the original and its resends cannot run at once:

- unknown: it is new; the channel marks it ``pending``, lets Rasa handle it, then records the
  replies (``done``);
- ``done``: it was handled; the channel answers with the recorded replies and stores nothing;
- ``pending``: whoever handled it stopped half-way (a replica killed after it may or may not have
  saved the turn); the channel then looks for the id in the tracker store and answers from there
  when the turn was saved, or handles the message when it was not.

Entries live in the lock store's Redis (``LOCK_STORE_URL``; keys ``[<LOCK_STORE_PREFIX>:]msg:<sender>:<id>``)
so that every replica sees them, else in this process's memory (a bounded map), and expire after
``MESSAGE_DEDUP_SECONDS`` (default 86400): a resend a day later is a new message. Rasa has no such
store; a key with a time to live is all it takes, so it is written here.
"""

from __future__ import annotations

import json
import os
import time
from collections import OrderedDict
from typing import Any, List, Optional, Tuple

PENDING = "pending"
DONE = "done"
MAX_IN_MEMORY = 20_000


def ttl_seconds() -> int:
    raw = os.environ.get("MESSAGE_DEDUP_SECONDS", "").strip()
    if not raw:
        return 86_400
    if not raw.isdigit() or not 60 <= int(raw) <= 30 * 86_400:
        raise ValueError("MESSAGE_DEDUP_SECONDS must be a whole number of seconds from 60 to 2592000")
    return int(raw)


class MessageLedger:
    """State of (sender, message id): None, (PENDING, None) or (DONE, replies)."""

    def get(self, sender: str, message_id: str) -> Tuple[Optional[str], Optional[List[dict]]]:
        raise NotImplementedError

    def mark_pending(self, sender: str, message_id: str) -> None:
        raise NotImplementedError

    def mark_done(self, sender: str, message_id: str, replies: List[dict]) -> None:
        raise NotImplementedError


def _decode(raw: Any) -> Tuple[Optional[str], Optional[List[dict]]]:
    if not raw:
        return None, None
    entry = json.loads(raw)
    return entry.get("state"), entry.get("replies")


class RedisMessageLedger(MessageLedger):
    def __init__(self, red: Any, lock_key_prefix: str = "lock:", ttl: Optional[int] = None) -> None:
        self.red = red
        # "<prefix>:lock:" holds the locks; the ledger uses "<prefix>:msg:" beside it, so that no
        # sender id can make a ledger key equal a lock key.
        base = lock_key_prefix[: -len("lock:")] if lock_key_prefix.endswith("lock:") else lock_key_prefix
        self.key_prefix = f"{base}msg:"
        self.ttl = ttl or ttl_seconds()

    def _key(self, sender: str, message_id: str) -> str:
        return f"{self.key_prefix}{sender}:{message_id}"

    def get(self, sender: str, message_id: str) -> Tuple[Optional[str], Optional[List[dict]]]:
        return _decode(self.red.get(self._key(sender, message_id)))

    def mark_pending(self, sender: str, message_id: str) -> None:
        self.red.set(self._key(sender, message_id), json.dumps({"state": PENDING}), ex=self.ttl)

    def mark_done(self, sender: str, message_id: str, replies: List[dict]) -> None:
        self.red.set(self._key(sender, message_id), json.dumps({"state": DONE, "replies": replies}), ex=self.ttl)


class InMemoryMessageLedger(MessageLedger):
    def __init__(self, ttl: Optional[int] = None, limit: int = MAX_IN_MEMORY) -> None:
        self.ttl = ttl or ttl_seconds()
        self.limit = limit
        self.entries: "OrderedDict[Tuple[str, str], Tuple[float, str]]" = OrderedDict()

    def get(self, sender: str, message_id: str) -> Tuple[Optional[str], Optional[List[dict]]]:
        found = self.entries.get((sender, message_id))
        if not found or found[0] < time.time():
            return None, None
        return _decode(found[1])

    def _put(self, sender: str, message_id: str, entry: dict) -> None:
        self.entries[(sender, message_id)] = (time.time() + self.ttl, json.dumps(entry))
        self.entries.move_to_end((sender, message_id))
        while len(self.entries) > self.limit:
            self.entries.popitem(last=False)

    def mark_pending(self, sender: str, message_id: str) -> None:
        self._put(sender, message_id, {"state": PENDING})

    def mark_done(self, sender: str, message_id: str, replies: List[dict]) -> None:
        self._put(sender, message_id, {"state": DONE, "replies": replies})


def ledger_for(lock_store: Any) -> MessageLedger:
    """The ledger next to the lock store: in its Redis when it has one, else in memory."""
    backend = getattr(lock_store, "backend", lock_store)
    red = getattr(backend, "red", None)
    if red is not None:
        return RedisMessageLedger(red, getattr(backend, "key_prefix", "lock:"))
    return InMemoryMessageLedger()
