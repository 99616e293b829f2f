"""An event dated in the future (a replica whose clock runs ahead, an event posted through the HTTP
API) delays the staff index by one lag at most; it never stops it."""

import time

import sqlalchemy as sa
from rasa.shared.core.events import BotUttered, UserUttered

from staff import demo_data, schema, turn_index
from stores.db_url import create_engine

LAG = 30.0
YEAR_2100 = 4_102_444_800.0


def _message(engine, sender, text, ts):
    user = UserUttered(text, {"name": "greet", "confidence": 0.9}, timestamp=ts)
    bot = BotUttered("Hello!", metadata={"utter_action": "utter_greet"}, timestamp=ts + 1)
    with engine.begin() as conn:
        conn.execute(schema.events.insert(), demo_data.event_rows(sender, [user, bot]))


def _indexed(engine):
    with engine.connect() as conn:
        return set(conn.execute(sa.select(schema.staff_turns.c.sender_id)).scalars())


def test_an_event_dated_in_2100_does_not_stop_the_index(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'future.db'}")
    schema.create_all(engine)
    now = time.time()
    _message(engine, "before", "hi", now - 3600)
    _message(engine, "from-2100", "hello from the future", YEAR_2100)
    _message(engine, "after", "hey", now - 3000)

    turn_index.sync(engine, LAG, now=now)
    assert _indexed(engine) == {"before"}  # the future event may wait one lag ...
    turn_index.sync(engine, LAG, now=now + LAG + 1)
    assert _indexed(engine) == {"before", "from-2100", "after"}  # ... but no longer

    # Messages that really are fresh still wait for the lag (a save in flight is never skipped).
    _message(engine, "fresh", "hallo", now + LAG + 2)
    turn_index.sync(engine, LAG, now=now + LAG + 3)
    assert "fresh" not in _indexed(engine)
    turn_index.sync(engine, LAG, now=now + 2 * LAG + 4)
    assert "fresh" in _indexed(engine)
    engine.dispose()


def test_a_sync_state_table_from_before_gains_its_column(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE staff_sync_state (name VARCHAR(32) PRIMARY KEY, "
                             "last_event_id INTEGER NOT NULL)"))
    schema.create_all(engine)
    _message(engine, "s", "hi", time.time() - 3600)
    assert turn_index.sync(engine, LAG) == 1
    engine.dispose()
