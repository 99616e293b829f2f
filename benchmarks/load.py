"""Simulated students for the cluster tests and the throughput benchmark, and the check of what
PostgreSQL stored against what they sent.

A student is what the widget is: one conversation, one message at a time, each with its own
message id (the REST channel de-duplicates resends by it), resent with the same id after a
gateway error, a refused connection or a time-out, like widget/lumc-chat.js. Everything is
bounded: a fixed number of messages, a time-out per request and a deadline per message. Loopback
only (the URLs are the ones the caller started).
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Union

import aiohttp
import sqlalchemy as sa

# Short questions and small talk in the project's own words (nothing from any evaluation set),
# a mix of fixed answers, facts composed from the knowledge base and declines.
QUESTIONS = [
    "hi", "tuition fee?", "how long?", "start date", "deadline?", "entry requirements",
    "which documents?", "toefl minimum?", "research tracks", "study abroad", "partner universities",
    "career prospects", "contact person", "where is LUMC?", "thanks", "weather tomorrow?",
]

RETRY_STATUSES = (502, 503, 504)
RETRY_DELAYS = (0.25, 0.5, 1.0, 2.0, 4.0)  # the widget's schedule (widget/lumc-chat.js)


def new_message_id() -> str:
    return uuid.uuid4().hex


@dataclass
class Sent:
    """One student message and what became of it."""

    sender: str
    message_id: str
    text: str
    status: Optional[int] = None  # of the last attempt; None: no answer at all
    replies: List[dict] = field(default_factory=list)
    failures: List[str] = field(default_factory=list)  # earlier attempts: "502: <error>", "timeout", ...
    started: float = 0.0
    latency: float = 0.0  # seconds, first attempt to final answer

    @property
    def ok(self) -> bool:
        return self.status == 200


async def post(session: aiohttp.ClientSession, url: str, sender: str, text: str,
               message_id: Optional[str], timeout: float = 30.0,
               headers: Optional[Dict[str, str]] = None) -> tuple:
    """(status, decoded JSON or text) of one POST to the REST webhook."""
    body = {"sender": sender, "message": text}
    if message_id:
        body["message_id"] = message_id
    async with session.post(f"{url}/webhooks/rest/webhook", json=body, headers=headers,
                            timeout=aiohttp.ClientTimeout(total=timeout)) as reply:
        raw = await reply.text()
        try:
            return reply.status, json.loads(raw)
        except ValueError:
            return reply.status, raw


async def send(session: aiohttp.ClientSession, url: Union[str, Callable[[int], str]], sender: str, text: str,
               retry: bool = True, timeout: float = 30.0, message_id: Optional[str] = None) -> Sent:
    """One message, resent with the same id on a retryable failure (when `retry`)."""
    sent = Sent(sender, message_id or new_message_id(), text, started=time.monotonic())
    delays = list(RETRY_DELAYS) if retry else []
    attempt = 0
    while True:
        target = url(attempt) if callable(url) else url
        try:
            status, body = await post(session, target, sender, text, sent.message_id, timeout)
        except asyncio.TimeoutError:
            status, body = None, "timeout"
        except aiohttp.ClientError as error:
            status, body = None, f"connection: {type(error).__name__}"
        sent.status = status
        if status == 200:
            sent.replies = body if isinstance(body, list) else []
            break
        error = body.get("error") if isinstance(body, dict) else str(body)[:80]
        sent.failures.append(f"{status}: {error}")
        if (status is not None and status not in RETRY_STATUSES) or not delays:
            break
        await asyncio.sleep(delays.pop(0))
        attempt += 1
    sent.latency = time.monotonic() - sent.started
    return sent


async def student(session: aiohttp.ClientSession, url: str, sender: str, messages: int, offset: int = 0,
                  retry: bool = True, think: float = 0.0, out: Optional[List[Sent]] = None,
                  stop: Optional[asyncio.Event] = None) -> List[Sent]:
    """A conversation of `messages` messages, each sent after the previous one was answered."""
    out = [] if out is None else out
    for i in range(messages):
        if stop is not None and stop.is_set():
            break
        sent = await send(session, url, sender, QUESTIONS[(offset + i) % len(QUESTIONS)], retry=retry)
        out.append(sent)
        if think:
            await asyncio.sleep(think)
    return out


async def students(url: str, count: int, messages: int, prefix: str = "load", retry: bool = True,
                   think: float = 0.0, during: Optional[Callable[[], "asyncio.Future"]] = None,
                   keepalive: bool = True) -> List[Sent]:
    """`count` students at once, `messages` each; `during` runs beside them (a fault to inject).
    With `keepalive` (as browsers do) requests reuse connections, else each opens its own."""
    sent: List[Sent] = []
    connector = aiohttp.TCPConnector(limit=count + 4, force_close=not keepalive)
    async with aiohttp.ClientSession(connector=connector) as session:
        jobs = [student(session, url, f"{prefix}-{i}-{uuid.uuid4().hex[:6]}", messages, offset=i, retry=retry,
                        think=think, out=sent) for i in range(count)]
        if during is not None:
            jobs.append(during())
        await asyncio.gather(*jobs)
    return sent


# ---- what was stored ------------------------------------------------------------------------------

@dataclass
class StoredTurn:
    message_id: str
    text: str
    received_at: Optional[float]
    bot_texts: List[str]
    actions: List[str]


def stored_turns(db_url: str, senders: Iterable[str]) -> Dict[str, List[StoredTurn]]:
    """Each conversation's stored student messages, in stored order, with what followed each."""
    senders = list(senders)
    engine = sa.create_engine(db_url, future=True)
    try:
        with engine.connect() as conn:
            # An expanding IN list, so the same query reads PostgreSQL and SQLite stores.
            query = sa.text("SELECT sender_id, type_name, action_name, data FROM events "
                            "WHERE sender_id IN :senders ORDER BY id").bindparams(sa.bindparam("senders", expanding=True))
            rows = conn.execute(query, {"senders": senders}).fetchall()
    finally:
        engine.dispose()
    turns: Dict[str, List[StoredTurn]] = {s: [] for s in senders}
    for sender, kind, action, data in rows:
        event = json.loads(data)
        current = turns[sender][-1] if turns[sender] else None
        if kind == "user":
            received = (event.get("metadata") or {}).get("received_at")
            turns[sender].append(StoredTurn(event.get("message_id"), event.get("text"), received, [], []))
        elif current is not None and kind == "bot":
            current.bot_texts.append(event.get("text") or "")
        elif current is not None and kind == "action":
            current.actions.append(action)
    return turns


def _parts(texts: Sequence[str]) -> List[str]:
    """Texts as the REST channel sends them: each split at blank lines."""
    return [part.strip() for text in texts for part in (text or "").strip().split("\n\n") if part.strip()]


def check_stored(sent: List[Sent], turns: Dict[str, List[StoredTurn]], order: str = "sent") -> List[str]:
    """Problems (empty when none): every answered message stored exactly once, with the replies its
    sender got, each turn finished (ending with action_listen) before the next begins, and the
    conversation in the order sent (`order="sent"`, for one-at-a-time students) or received
    (`order="received"`, by the server's received_at: when the message's lock ticket was issued,
    an order the lock store makes exact across replicas)."""
    problems: List[str] = []
    by_sender: Dict[str, List[Sent]] = {}
    for s in sent:
        by_sender.setdefault(s.sender, []).append(s)
    for sender, mine in by_sender.items():
        stored = turns.get(sender, [])
        counts = Counter(t.message_id for t in stored)
        answered = [s for s in mine if s.ok]
        for s in answered:
            if counts[s.message_id] != 1:
                problems.append(f"{sender}: message {s.message_id} stored {counts[s.message_id]} times")
        unknown = set(counts) - {s.message_id for s in mine}
        if unknown:
            problems.append(f"{sender}: {len(unknown)} stored messages nobody sent")
        by_id = {t.message_id: t for t in stored}
        for s in answered:
            turn = by_id.get(s.message_id)
            if turn is None:
                continue
            if turn.text != s.text:
                problems.append(f"{sender}: message {s.message_id} stored as {turn.text!r}, sent {s.text!r}")
            if _parts(turn.bot_texts) != _parts([r.get("text") or "" for r in s.replies]):
                problems.append(f"{sender}: message {s.message_id}: stored replies differ from those sent back")
            if not turn.bot_texts or not turn.actions or turn.actions[-1] != "action_listen":
                problems.append(f"{sender}: message {s.message_id}: turn not complete ({turn.actions})")
        if order == "sent":
            wanted = [s.message_id for s in mine if s.ok]
            if [t.message_id for t in stored if t.message_id in set(wanted)] != wanted:
                problems.append(f"{sender}: stored order differs from the order sent")
        else:
            times = [t.received_at for t in stored]
            if any(t is None for t in times):
                problems.append(f"{sender}: a stored message has no received_at")
            elif times != sorted(times):
                problems.append(f"{sender}: stored order differs from the order received")
    return problems
