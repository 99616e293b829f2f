"""Sessions, CSRF tokens, login rate limiting and the audit log, all in the database.

Keeping them in the database (not in process memory) lets several replicas
of the app share them. The session cookie carries a random token; the table
keeps only its HMAC under the app's secret key, so a leaked table cannot be
replayed as cookies.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from typing import Optional

import sqlalchemy as sa

from staff.schema import audit_log, login_attempts, staff_sessions, staff_users


def _token_hash(secret: str, token: str) -> str:
    return hmac.new(secret.encode(), token.encode(), hashlib.sha256).hexdigest()


def create_session(engine, secret: str, user_id: int, hours: float) -> str:
    token = secrets.token_urlsafe(32)
    now = time.time()
    with engine.begin() as conn:
        conn.execute(staff_sessions.delete().where(staff_sessions.c.expires_at < now))
        conn.execute(staff_sessions.insert().values(
            token_hash=_token_hash(secret, token), user_id=user_id,
            csrf_token=secrets.token_urlsafe(32), created_at=now, expires_at=now + hours * 3600))
    return token


def load_session(engine, secret: str, token: Optional[str]) -> Optional[dict]:
    """User and CSRF token of a live session, or None."""
    if not token or len(token) > 100:
        return None
    query = (
        sa.select(staff_users.c.id, staff_users.c.username, staff_users.c.role,
                  staff_sessions.c.csrf_token)
        .select_from(staff_sessions.join(staff_users))
        .where(staff_sessions.c.token_hash == _token_hash(secret, token),
               staff_sessions.c.expires_at > time.time(), staff_users.c.active.is_(True))
    )
    with engine.connect() as conn:
        row = conn.execute(query).first()
    return dict(row._mapping) if row else None


def end_session(engine, secret: str, token: Optional[str]) -> None:
    if token:
        with engine.begin() as conn:
            conn.execute(staff_sessions.delete().where(
                staff_sessions.c.token_hash == _token_hash(secret, token)))


def csrf_ok(expected: Optional[str], given: Optional[str]) -> bool:
    return bool(expected) and bool(given) and hmac.compare_digest(expected, given)


def login_blocked(engine, username: str, client_ip: str, max_failures: int,
                  window_minutes: float) -> bool:
    """Too many failed logins for this name (or 4x as many from this address)."""
    since = time.time() - window_minutes * 60
    failed = sa.and_(login_attempts.c.success.is_(False), login_attempts.c.attempted_at > since)
    with engine.connect() as conn:
        by_user = conn.execute(sa.select(sa.func.count()).select_from(login_attempts)
                               .where(failed, login_attempts.c.username == username)).scalar()
        by_ip = conn.execute(sa.select(sa.func.count()).select_from(login_attempts)
                             .where(failed, login_attempts.c.client_ip == client_ip)).scalar()
    return by_user >= max_failures or by_ip >= 4 * max_failures


def record_login(engine, username: str, client_ip: str, success: bool) -> None:
    with engine.begin() as conn:
        conn.execute(login_attempts.insert().values(
            username=username[:80], client_ip=client_ip[:64], attempted_at=time.time(),
            success=success))
        if success:  # a good login clears the user's failures
            conn.execute(login_attempts.delete().where(
                login_attempts.c.username == username, login_attempts.c.success.is_(False)))


def audit(engine, username: str, action: str, target: str = "", client_ip: str = "") -> None:
    with engine.begin() as conn:
        conn.execute(audit_log.insert().values(at=time.time(), username=username, action=action,
                                               target=target[:2000], client_ip=client_ip[:64]))
