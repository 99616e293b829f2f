"""Rasa's SQL tracker store with its database URL taken from the environment.

endpoints.yml then needs no secrets and no per-machine paths:

    tracker_store:
      type: stores.tracker_store.EnvSQLTrackerStore

``TRACKER_DB_URL`` picks the database (PostgreSQL in production); without it
conversations go to the SQLite file ``var/conversations.db`` (outside git).
Only the masked URL is ever logged.
"""

from __future__ import annotations

import logging
from typing import Any, Optional, Text

from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain

from stores.db_url import masked, tracker_db_url

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
