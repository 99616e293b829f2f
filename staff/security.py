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


# Once an account has this many failures in the window, from any address, further attempts from
# addresses that never logged into it wait 2, 4, 8, ... seconds after the latest failure, up to:
ACCOUNT_MAX_WAIT_SECONDS = 300
KNOWN_ADDRESS_DAYS = 30


def login_blocked(engine, username: str, client_ip: str, max_failures: int, window_minutes: float,
                  account_failures: int = 20, now: Optional[float] = None) -> bool:
    """Whether this login attempt must wait.

    - One account from one address: ``max_failures`` failures in the window lock that pair until
      the failures age out of the window. Guessing from one address stops there.
    - One account from anywhere: after ``account_failures`` failures in the window, each further
      attempt waits a doubling delay after the latest failure (capped), so guessing from many
      addresses is slowed to a few attempts an hour. Addresses that logged into the account in
      the last 30 days are exempt, so its owner is not locked out by someone else's guessing.
    - There is no limit per address across accounts: behind a proxy every student and staff member
      shares one address, and one person's failures there must not block anyone else's login.
    """
    now = now if now is not None else time.time()
    since = now - window_minutes * 60
    failed = sa.and_(login_attempts.c.success.is_(False), login_attempts.c.attempted_at > since,
                     login_attempts.c.username == username)
    with engine.connect() as conn:
        by_pair = conn.execute(sa.select(sa.func.count()).select_from(login_attempts)
                               .where(failed, login_attempts.c.client_ip == client_ip)).scalar()
        if by_pair >= max_failures:
            return True
        count, last = conn.execute(sa.select(sa.func.count(), sa.func.max(login_attempts.c.attempted_at))
                                   .where(failed)).first()
        if count < account_failures:
            return False
        known = conn.execute(sa.select(login_attempts.c.id).where(
            login_attempts.c.username == username, login_attempts.c.client_ip == client_ip,
            login_attempts.c.success.is_(True),
            login_attempts.c.attempted_at > now - KNOWN_ADDRESS_DAYS * 86400).limit(1)).first()
    if known:
        return False
    wait = min(2 ** min(count - account_failures + 1, 20), ACCOUNT_MAX_WAIT_SECONDS)
    return now - last < wait


def record_login(engine, username: str, client_ip: str, success: bool) -> None:
    with engine.begin() as conn:
        conn.execute(login_attempts.insert().values(
            username=username[:80], client_ip=client_ip[:64], attempted_at=time.time(),
            success=success))
        if success:  # a good login clears this address's failures for the account (not others')
            conn.execute(login_attempts.delete().where(
                login_attempts.c.username == username[:80], login_attempts.c.client_ip == client_ip[:64],
                login_attempts.c.success.is_(False)))


def audit(engine, username: str, action: str, target: str = "", client_ip: str = "") -> None:
    with engine.begin() as conn:
        conn.execute(audit_log.insert().values(at=time.time(), username=username, action=action,
                                               target=target[:2000], client_ip=client_ip[:64]))
