"""What the tests' fake HTTP servers share: one JSON reply (the browser fakes of Rasa, the cluster's
fake replicas)."""

from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler
from typing import Any, Callable, Optional


def send_json(handler: BaseHTTPRequestHandler, status: int, payload: Any,
              add_headers: Optional[Callable[[], None]] = None) -> None:
    """Writes `payload` as a JSON response; `add_headers` adds more (CORS) before the body."""
    data = json.dumps(payload).encode()
    handler.send_response(status)
    if add_headers:
        add_headers()
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    handler.wfile.write(data)
