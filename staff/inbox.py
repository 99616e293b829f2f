"""Trainer inbox: student messages that reviewers marked for training.

The review page adds items with ``mark`` (marking the same message again updates its item rather
than adding a second one); the trainer tools read them with ``list_pending`` and settle them with
``reject``, or accept them with ``trainer.inbox.accept_item``, which writes the example into the
training data in the same transaction that marks the item accepted.
Every function takes an SQLAlchemy engine on the tracker database
(``stores.db_url.create_engine()``).

    from staff import inbox
    for item in inbox.list_pending(engine):
        inbox.reject(engine, item.id, decided_by="trainer")
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import List, Optional

import sqlalchemy as sa

from staff.schema import create_all, trainer_inbox

NEW_FAQ = "new FAQ"
STATUSES = ("pending", "accepted", "rejected")


@dataclass(frozen=True)
class InboxItem:
    id: int
    created_at: float
    sender_id: str
    message_text: str
    suggested_intent: str
    note: str
    marked_by: str
    status: str
    decided_by: Optional[str]
    decided_at: Optional[float]


def mark(engine: sa.engine.Engine, *, sender_id: str, message_text: str,
         suggested_intent: str, marked_by: str, note: str = "") -> int:
    """Add a message to the inbox as pending; returns its id.

    A message of the same conversation that is already in the inbox keeps its one item: while it
    is pending, the latest suggestion wins and the notes are joined; once decided, it stays so."""
    suggested_intent = (suggested_intent or "").strip()
    if not suggested_intent:
        raise ValueError("suggested_intent is required (an intent, faq/<key> or 'new FAQ')")
    note = (note or "").strip()
    create_all(engine)
    with engine.begin() as conn:
        same = conn.execute(sa.select(trainer_inbox).where(
            trainer_inbox.c.sender_id == sender_id, trainer_inbox.c.message_text == message_text)
            .order_by(trainer_inbox.c.id).limit(1)).first()
        if same is not None:
            if same.status == "pending":
                notes = [n for n in (same.note, note) if n]
                conn.execute(trainer_inbox.update().where(trainer_inbox.c.id == same.id).values(
                    suggested_intent=suggested_intent[:255],
                    note=same.note if note in (same.note or "") else " / ".join(notes)))
            return int(same.id)
        result = conn.execute(trainer_inbox.insert().values(
            created_at=time.time(), sender_id=sender_id, message_text=message_text,
            suggested_intent=suggested_intent[:255], note=note,
            marked_by=marked_by, status="pending"))
        return int(result.inserted_primary_key[0])


def list_pending(engine: sa.engine.Engine, limit: Optional[int] = None) -> List[InboxItem]:
    """Pending items, oldest first."""
    return list_items(engine, "pending", limit)


def list_items(engine: sa.engine.Engine, status: Optional[str] = None,
               limit: Optional[int] = None) -> List[InboxItem]:
    create_all(engine)
    query = sa.select(trainer_inbox).order_by(trainer_inbox.c.id)
    if status:
        query = query.where(trainer_inbox.c.status == status)
    if limit:
        query = query.limit(limit)
    with engine.connect() as conn:
        return [InboxItem(**row._mapping) for row in conn.execute(query)]


def claim(conn: sa.engine.Connection, item_id: int, status: str, decided_by: str) -> bool:
    """Settle a pending item inside the caller's transaction; False if it was not pending.

    The row stays locked until the transaction ends, so whoever claims an item first decides it
    and the work that goes with the decision (a training file written) commits or rolls back with it."""
    result = conn.execute(
        trainer_inbox.update()
        .where(trainer_inbox.c.id == item_id, trainer_inbox.c.status == "pending")
        .values(status=status, decided_by=decided_by, decided_at=time.time()))
    return result.rowcount == 1


def get(engine: sa.engine.Engine, item_id: int) -> Optional[InboxItem]:
    create_all(engine)
    with engine.connect() as conn:
        row = conn.execute(sa.select(trainer_inbox).where(trainer_inbox.c.id == item_id)).first()
    return InboxItem(**row._mapping) if row is not None else None


def reject(engine: sa.engine.Engine, item_id: int, decided_by: str) -> bool:
    """Mark a pending item rejected; False if it was not pending."""
    with engine.begin() as conn:
        return claim(conn, item_id, "rejected", decided_by)
