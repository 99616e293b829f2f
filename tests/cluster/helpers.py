"""Helpers shared by the cluster tests: their own Redis database index and key prefixes, their own
scratch PostgreSQL databases (stores/scratch_db.py), so they never touch what other tests use."""

from __future__ import annotations

import os
from urllib.parse import urlsplit


def redis_url_for_tests() -> str:
    """TEST_REDIS_URL's server with the cluster tests' own database (CLUSTER_TEST_REDIS_DB, 11)."""
    parts = urlsplit(os.environ.get("TEST_REDIS_URL") or "redis://127.0.0.1:6379/0")
    db = os.environ.get("CLUSTER_TEST_REDIS_DB", "11")
    return f"{parts.scheme}://{parts.netloc}/{db}"
