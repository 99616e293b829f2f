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
    # What the assistant did (staff/outcomes.py), read from its messages' metadata.
    sa.Column("message_id", sa.String(64), index=True),
    sa.Column("outcome", sa.String(16), nullable=False, default="no_reply", index=True),
    sa.Column("reason", sa.String(32)),
    sa.Column("context", sa.Boolean, nullable=False, default=False),
    # The intent or faq/<key> the turn is about: what was answered, else what the NLU read.
    sa.Column("answer", sa.String(255), index=True),
    # The language the assistant answered in (en or nl, from its messages' metadata).
    sa.Column("language", sa.String(8), index=True),
    # The student's latest verdict on the answer (channels/feedback.py): "up" or "down".
    sa.Column("vote", sa.String(8), index=True),
    sa.Column("vote_reason", sa.Text),
    # Covering indexes: the conversation list and the dashboard are answered from the index alone.
    sa.Index("ix_staff_turns_by_sender", "sender_id", "ts", "faq_confidence", "intent_confidence",
             "declined", "event_id"),
    sa.Index("ix_staff_turns_by_day", "day", "outcome", "vote", "answer", "reason", "intent", "faq_key",
             "sender_id"),
)

staff_sync_state = sa.Table(
    "staff_sync_state",
    metadata,
    sa.Column("name", sa.String(32), primary_key=True),
    sa.Column("last_event_id", sa.Integer, nullable=False),
    # When the row was written (staff/turn_index.py: the sighting that releases events of any date).
    sa.Column("seen_at", sa.Float),
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
    """Create the staff tables (and ``events`` if Rasa has not yet).

    ``staff_turns`` is only an index of ``events``: when an older version of it lacks a column,
    it is dropped and rebuilt from ``events`` on the next sync rather than migrated."""
    with engine.begin() as conn:
        inspector = sa.inspect(conn)
        if inspector.has_table("staff_turns"):
            have = {c["name"] for c in inspector.get_columns("staff_turns")}
            if not {c.name for c in staff_turns.columns} <= have:
                staff_turns.drop(conn)
                if inspector.has_table("staff_sync_state"):
                    conn.execute(staff_sync_state.delete().where(staff_sync_state.c.name == "turns"))
        if inspector.has_table("staff_sync_state") and "seen_at" not in {
                c["name"] for c in inspector.get_columns("staff_sync_state")}:
            conn.execute(sa.text("ALTER TABLE staff_sync_state ADD COLUMN seen_at FLOAT"))
    metadata.create_all(engine, checkfirst=True)
    with engine.begin() as conn:  # indexes added to a table that already existed
        for index in staff_turns.indexes:
            index.create(conn, checkfirst=True)
