"""Rasa's SQL tracker store with its database URL taken from the environment.

endpoints.yml then needs no secrets and no per-machine paths:

    tracker_store:
      type: stores.tracker_store.EnvSQLTrackerStore

``TRACKER_DB_URL`` picks the database (PostgreSQL in production); without it
conversations go to the SQLite file ``var/conversations.db`` (outside git).
Only the masked URL is ever logged.

On SQLite the engine is the project's (stores/db_url.py: write-ahead log, ``synchronous=NORMAL``,
pooled connections) instead of SQLAlchemy's default, which opens a connection per query and waits
for the disk twice on every commit while the whole Rasa server waits with it: a third of a
message's time in the server (docs/benchmarks.md, "Throughput and replicas"). A crash of the
server loses nothing; a power cut may lose the last turns.

Loading reads only the events' JSON (no ORM object per row) and saving writes a turn's events
with one multi-row INSERT; the rows are the same as Rasa's. Saving a turn does not count the
conversation's stored events again when the tracker being saved
is the one this store loaded for the turn: Rasa's ``save`` counts them with a query (to know which
events are new) that cost as much as the insert itself. The count from loading is the same number,
because the conversation's lock (stores/lock_store.py) keeps everyone else from writing to it in
between; any other tracker is counted as Rasa does.
"""

from __future__ import annotations

import itertools
import json
import logging
import weakref
from typing import Any, Dict, Iterator, Optional, Text, Tuple

from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.engine import make_url
from sqlalchemy.orm import sessionmaker

from stores.db_url import create_engine, masked, tracker_db_url

logger = logging.getLogger(__name__)


class EnvSQLTrackerStore(SQLTrackerStore):
    """``SQLTrackerStore`` on ``TRACKER_DB_URL`` (or endpoints.yml ``url``)."""

    def __init__(
        self,
        domain: Optional[Domain] = None,
        host: Optional[Text] = None,
        event_broker: Optional[EventBroker] = None,
        **kwargs: Any,
    ) -> None:
        # A full URL in ``host`` makes SQLTrackerStore use it as it is.
        configured = host if host and "://" in host else None
        url = tracker_db_url(configured)
        for key in ("dialect", "port", "db", "username", "password", "login_db", "url"):
            kwargs.pop(key, None)
        logger.info("Conversation store: %s", masked(url))
        super().__init__(domain=domain, host=url, event_broker=event_broker, **kwargs)
        if make_url(url).get_backend_name() == "sqlite":
            self.engine.dispose()
            self.engine = create_engine(url, future=False)
            self.sessionmaker = sessionmaker(bind=self.engine)
        # sender -> (the tracker loaded for the current turn, how many stored events it was made of)
        self._loaded: Dict[Text, Tuple["weakref.ref[DialogueStateTracker]", int]] = {}

    async def _retrieve(self, sender_id: Text, fetch_events_from_all_sessions: bool) -> Optional[DialogueStateTracker]:
        """Rasa's ``_retrieve``, noting how many stored events the latest session's tracker has."""
        with self.session_scope() as session:
            query = self._event_query(session, sender_id, fetch_events_from_all_sessions=fetch_events_from_all_sessions)
            rows = query.with_entities(self.SQLEvent.data).all()  # the JSON only: no ORM objects to build
            events = [json.loads(row.data) for row in rows]
        if not (self.domain and events):
            self._loaded.pop(sender_id, None)
            return None
        tracker = DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        if fetch_events_from_all_sessions:
            self._loaded.pop(sender_id, None)
        else:
            self._loaded[sender_id] = (weakref.ref(tracker), len(rows))
        return tracker

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Rasa's ``save`` with one multi-row INSERT instead of an ORM object per event."""
        await self.stream_events(tracker)
        with self.session_scope() as session:
            rows = []
            for event in self._additional_events(session, tracker):
                data = event.as_dict()
                rows.append({
                    "sender_id": tracker.sender_id, "type_name": event.type_name,
                    "timestamp": data.get("timestamp"),
                    "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
                    "action_name": data.get("name"), "data": json.dumps(data),
                })
            if rows:
                session.execute(self.SQLEvent.__table__.insert(), rows)
            session.commit()

    def _additional_events(self, session: Any, tracker: DialogueStateTracker) -> Iterator:
        loaded = self._loaded.pop(tracker.sender_id, None)
        if loaded is None or loaded[0]() is not tracker:
            return super()._additional_events(session, tracker)
        return itertools.islice(tracker.events, loaded[1], len(tracker.events))
