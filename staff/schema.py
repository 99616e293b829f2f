"""Tables of the staff app, living in the tracker store's database.

``events`` is Rasa's own table (mirrored here so the app can read it without
importing Rasa); the staff tables sit beside it so that every replica of the
app shares logins, rate limits, the audit log and the trainer inbox.
``staff_turns`` is a per-message index of ``events`` (intent, FAQ key,
confidences, declined) that keeps filtered lists fast on both SQLite and
PostgreSQL without dialect-specific JSON queries.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

# Same layout as rasa.core.tracker_store.SQLTrackerStore.SQLEvent (checked by a test).
events = sa.Table(
    "events",
    metadata,
    sa.Column("id", sa.Integer, sa.Sequence("events_seq", optional=True), primary_key=True),
    sa.Column("sender_id", sa.String(255), nullable=False, index=True),
    sa.Column("type_name", sa.String(255), nullable=False),
    sa.Column("timestamp", sa.Float),
    sa.Column("intent_name", sa.String(255)),
    sa.Column("action_name", sa.String(255)),
    sa.Column("data", sa.Text),
)

staff_users = sa.Table(
    "staff_users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("username", sa.String(80), nullable=False, unique=True),
    sa.Column("password_hash", sa.String(255), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("active", sa.Boolean, nullable=False, default=True),
    sa.Column("created_at", sa.Float, nullable=False),
)

# Server-side sessions: the cookie holds a random token, the table its hash.
staff_sessions = sa.Table(
    "staff_sessions",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("staff_users.id"), nullable=False),
    sa.Column("csrf_token", sa.String(64), nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("expires_at", sa.Float, nullable=False, index=True),
)

login_attempts = sa.Table(
    "staff_login_attempts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("username", sa.String(80), nullable=False),
    sa.Column("client_ip", sa.String(64), nullable=False),
    sa.Column("attempted_at", sa.Float, nullable=False),
    sa.Column("success", sa.Boolean, nullable=False),
    sa.Index("ix_staff_login_attempts_user_time", "username", "attempted_at"),
    sa.Index("ix_staff_login_attempts_ip_time", "client_ip", "attempted_at"),
)

audit_log = sa.Table(
    "staff_audit_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", sa.Float, nullable=False, index=True),
    sa.Column("username", sa.String(80), nullable=False),
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("target", sa.Text, nullable=False, default=""),
    sa.Column("client_ip", sa.String(64), nullable=False, default=""),
)

trainer_inbox = sa.Table(
    "trainer_inbox",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("sender_id", sa.String(255), nullable=False, index=True),
    sa.Column("message_text", sa.Text, nullable=False),
    sa.Column("suggested_intent", sa.String(255), nullable=False),
    sa.Column("note", sa.Text, nullable=False, default=""),
    sa.Column("marked_by", sa.String(80), nullable=False),
    sa.Column("status", sa.String(16), nullable=False, default="pending", index=True),
    sa.Column("decided_by", sa.String(80)),
    sa.Column("decided_at", sa.Float),
)

staff_turns = sa.Table(
    "staff_turns",
    metadata,
    sa.Column("event_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("sender_id", sa.String(255), nullable=False, index=True),
    sa.Column("ts", sa.Float, nullable=False, index=True),
    sa.Column("day", sa.String(10), nullable=False, index=True),
    sa.Column("text", sa.Text, nullable=False, default=""),
    sa.Column("text_lower", sa.Text, nullable=False, default=""),
    sa.Column("intent", sa.String(255), index=True),
    sa.Column("intent_confidence", sa.Float),
    sa.Column("faq_key", sa.String(255), index=True),
    sa.Column("faq_confidence", sa.Float),
    sa.Column("reply_action", sa.String(255)),
    sa.Column("declined", sa.Boolean, nullable=False, default=False),
)

staff_sync_state = sa.Table(
    "staff_sync_state",
    metadata,
    sa.Column("name", sa.String(32), primary_key=True),
    sa.Column("last_event_id", sa.Integer, nullable=False),
)

STAFF_TABLES = [
    staff_users,
    staff_sessions,
    login_attempts,
    audit_log,
    trainer_inbox,
    staff_turns,
    staff_sync_state,
]


def create_all(engine: sa.engine.Engine) -> None:
    """Create the staff tables (and ``events`` if Rasa has not yet)."""
    metadata.create_all(engine, checkfirst=True)
