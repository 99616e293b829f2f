"""Staff app settings, all from the environment (see docs/staff.md)."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from stores.db_url import PROJECT_ROOT, tracker_db_url
from stores.private_files import write_private

SECRET_FILE = PROJECT_ROOT / "var" / "staff-secret"


def _flag(name: str, default: bool = False) -> bool:
    return os.environ.get(name, "1" if default else "0").strip().lower() in ("1", "true", "yes", "on")


def secret_key() -> str:
    """``STAFF_SECRET_KEY``, else one generated once and kept in var/staff-secret (0600)."""
    key = os.environ.get("STAFF_SECRET_KEY")
    if key:
        return key
    path = Path(os.environ.get("STAFF_SECRET_FILE", SECRET_FILE))
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_urlsafe(48)
    write_private(path, key)
    return key


@dataclass(frozen=True)
class Settings:
    db_url: str
    host: str
    port: int
    secret_key: str
    cookie_secure: bool
    session_hours: float
    low_confidence: float
    sync_lag_seconds: float
    login_max_failures: int
    login_window_minutes: float
    login_account_failures: int = 20
    page_size: int = 25
    # The project whose training data an accepted inbox item goes into (a copy in tests).
    project_dir: Path = PROJECT_ROOT


def load() -> Settings:
    return Settings(
        db_url=tracker_db_url(),
        host=os.environ.get("STAFF_HOST", "127.0.0.1"),
        port=int(os.environ.get("STAFF_PORT", "8100")),
        secret_key=secret_key(),
        cookie_secure=_flag("STAFF_COOKIE_SECURE"),
        session_hours=float(os.environ.get("STAFF_SESSION_HOURS", "8")),
        low_confidence=float(os.environ.get("STAFF_LOW_CONFIDENCE", "0.6")),
        sync_lag_seconds=float(os.environ.get("STAFF_SYNC_LAG_SECONDS", "30")),
        login_max_failures=int(os.environ.get("STAFF_LOGIN_MAX_FAILURES", "5")),
        login_window_minutes=float(os.environ.get("STAFF_LOGIN_WINDOW_MINUTES", "15")),
        login_account_failures=int(os.environ.get("STAFF_LOGIN_ACCOUNT_FAILURES", "20")),
        project_dir=Path(os.environ.get("STAFF_PROJECT_DIR", PROJECT_ROOT)),
    )
