"""Small HTTP helpers for talking to the running Rasa server in end-to-end tests."""

from __future__ import annotations

import urllib.error
import urllib.request
import uuid
from typing import List, Optional, Tuple

import yaml

from serving.launcher import PROJECT


def new_sender() -> str:
    return f"test-{uuid.uuid4().hex[:12]}"


def post_raw(url: str, body: bytes, content_type: str = "application/json") -> Tuple[int, bytes]:
    request = urllib.request.Request(url, data=body, headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(request, timeout=60) as reply:
            return reply.status, reply.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def get_status(url: str, method: str = "GET", body: Optional[bytes] = None) -> int:
    request = urllib.request.Request(url, data=body, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as reply:
            return reply.status
    except urllib.error.HTTPError as error:
        return error.code


def texts(replies: List[dict]) -> str:
    return "\n".join(r.get("text") or "" for r in replies)


def decline_text(lang: str = "en") -> str:
    """The decline response's text in `lang` (its Dutch variation for "nl")."""
    domain = yaml.safe_load((PROJECT / "domain.yml").read_text())
    for variant in domain["responses"]["utter_decline"]:
        dutch = any(c.get("value") == "nl" for c in variant.get("condition") or [])
        if dutch == (lang == "nl"):
            return variant["text"].strip()
    raise KeyError(lang)
