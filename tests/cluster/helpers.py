"""Helpers shared by the cluster tests: their own Redis database index and key prefixes, their own
scratch PostgreSQL databases (stores/scratch_db.py), so they never touch what other tests use."""

from __future__ import annotations

import os
from typing import List
from urllib.parse import urlsplit

import redis


def redis_url_for_tests() -> str:
    """TEST_REDIS_URL's server with the cluster tests' own database (CLUSTER_TEST_REDIS_DB, 11)."""
    parts = urlsplit(os.environ.get("TEST_REDIS_URL") or "redis://127.0.0.1:6379/0")
    db = os.environ.get("CLUSTER_TEST_REDIS_DB", "11")
    return f"{parts.scheme}://{parts.netloc}/{db}"


def delete_keys_under(prefix: str) -> List[bytes]:
    """Deletes the keys a test's lock store and message ledger left under `prefix`; returns them."""
    client = redis.Redis.from_url(redis_url_for_tests())
    keys = client.keys(f"{prefix}:*")
    if keys:
        client.delete(*keys)
    return keys
