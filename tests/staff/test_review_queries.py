"""Review queries on 10,000 seeded conversations, checked against the raw events table."""

import datetime as dt
import json
import time
from collections import defaultdict

import pytest
import sqlalchemy as sa

from staff import demo_data, queries, schema, turn_index
from staff.queries import Filters

from staff_testkit import CONVERSATIONS


@pytest.fixture(scope="module")
def oracle_cache():
    return {}


@pytest.fixture
def oracle(seeded, oracle_cache):
    """Per-message facts computed straight from ``events``, independently of staff_turns."""
    url, engine = seeded
    if url not in oracle_cache:
        msgs, last_user = {}, {}
        with engine.connect() as conn:
            for row in conn.execute(sa.select(schema.events).order_by(schema.events.c.id)):
                if row.type_name == "user":
                    d = json.loads(row.data)
                    p = d["parse_data"]
                    faq = p["response_selector"]["faq"]["response"]
                    key = faq["intent_response_key"] if p["intent"]["name"] == "faq" else None
                    msgs[row.id] = dict(sender=row.sender_id, ts=row.timestamp, text=d["text"],
                                        intent=p["intent"]["name"], conf=p["intent"]["confidence"],
                                        faq=key, faq_conf=faq["confidence"] if key else None,
                                        declined=p["intent"]["name"] in ("out_of_scope", "nlu_fallback"))
                    last_user[row.sender_id] = row.id
                elif row.type_name == "action" and row.action_name == "action_decline":
                    msgs[last_user[row.sender_id]]["declined"] = True
        oracle_cache[url] = msgs
    return oracle_cache[url]


def _senders(msgs, pred):
    return {m["sender"] for m in msgs.values() if pred(m)}


def _all_pages(conn, f):
    senders, page = [], 1
    while True:
        result = queries.conversation_list(conn, Filters(**{**f.__dict__, "page": page}), per_page=500)
        senders += [r["sender_id"] for r in result.rows]
        if page >= result.pages:
            return senders
        page += 1


def test_index_holds_every_student_message(seeded, oracle):
    _, engine = seeded
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(schema.staff_turns)).scalar() == len(oracle)
        page = queries.conversation_list(conn, Filters())
    assert page.total == CONVERSATIONS == len(_senders(oracle, lambda m: True))
    assert page.pages == CONVERSATIONS // 25 and len(page.rows) == 25


def test_default_order_is_most_recent_first_and_pages_do_not_overlap(seeded):
    _, engine = seeded
    with engine.connect() as conn:
        first = queries.conversation_list(conn, Filters(page=1))
        second = queries.conversation_list(conn, Filters(page=2))
    last = [r["last_ts"] for r in first.rows + second.rows]
    assert last == sorted(last, reverse=True)
    assert not {r["sender_id"] for r in first.rows} & {r["sender_id"] for r in second.rows}
    assert all(r["messages"] >= r["matched"] >= 1 and r["first_text"] for r in first.rows)


@pytest.mark.parametrize("filters,predicate", [
    (Filters(declined=True), lambda m: m["declined"]),
    (Filters(low=True, threshold=0.5),
     lambda m: m["conf"] < 0.5 or (m["faq"] is not None and m["faq_conf"] < 0.5)),
    (Filters(intent="out_of_scope"), lambda m: m["intent"] == "out_of_scope"),
    (Filters(faq="faq/study_advisor"), lambda m: m["faq"] == "faq/study_advisor"),
    (Filters(q="V5-28"), lambda m: "v5-28" in m["text"].lower()),
    (Filters(q="TUITION FEE"), lambda m: "tuition fee" in m["text"].lower()),
    (Filters(q="100%"), lambda m: "100%" in m["text"]),
    (Filters(declined=True, q="pizza"), lambda m: m["declined"] and "pizza" in m["text"].lower()),
], ids=["declined", "low-confidence", "intent", "faq-key", "text", "text-case", "like-escape", "combined"])
def test_filters_match_the_raw_events(seeded, oracle, filters, predicate):
    _, engine = seeded
    expected = _senders(oracle, predicate)
    with engine.connect() as conn:
        total = queries.conversation_list(conn, filters).total
        got = _all_pages(conn, filters)
    assert total == len(expected) == len(got)
    assert set(got) == expected


def test_date_range_is_inclusive_of_whole_days_in_utc(seeded, oracle):
    _, engine = seeded
    day = dt.datetime.fromtimestamp(next(iter(oracle.values()))["ts"], dt.timezone.utc).date()
    start = dt.datetime.combine(day, dt.time(), dt.timezone.utc).timestamp()
    expected = _senders(oracle, lambda m: start <= m["ts"] < start + 2 * 86400)
    f = Filters(date_from=day, date_to=day + dt.timedelta(days=1))
    with engine.connect() as conn:
        assert set(_all_pages(conn, f)) == expected and expected


def test_lowest_confidence_sort(seeded):
    _, engine = seeded
    with engine.connect() as conn:
        rows = queries.conversation_list(conn, Filters(sort="lowest_confidence")).rows
    values = [r["min_confidence"] for r in rows]
    assert values == sorted(values) and values[0] < 0.5


def test_transcript_shows_nlu_and_producing_action(seeded, oracle):
    _, engine = seeded
    sender = next(m["sender"] for m in oracle.values() if m["intent"] == "out_of_scope")
    with engine.connect() as conn:
        items = queries.transcript(conn, sender)
    users = [i for i in items if i["kind"] == "user"]
    assert [u["text"] for u in users] == [m["text"] for m in oracle.values() if m["sender"] == sender]
    declined = next(i for i, item in enumerate(items) if item["kind"] == "user" and item["intent"] == "out_of_scope")
    assert items[declined]["declined"] is True
    assert items[declined + 1] == {**items[declined + 1], "kind": "bot", "action": "action_decline"}
    faq_turns = [u for u in users if u["intent"] == "faq"]
    for u in faq_turns:
        assert u["faq_key"].startswith("faq/") and 0 <= u["faq_confidence"] <= 1
    assert items[0]["kind"] == "session"


def test_dashboard_numbers_agree_with_events(seeded, oracle):
    _, engine = seeded
    with engine.connect() as conn:
        stats = queries.dashboard(conn, Filters())
    assert stats["messages"] == len(oracle)
    assert stats["conversations"] == CONVERSATIONS
    assert stats["declined"] == sum(m["declined"] for m in oracle.values())
    assert abs(stats["decline_rate"] - stats["declined"] / len(oracle)) < 1e-9
    assert sum(d["messages"] for d in stats["per_day"]) == len(oracle)
    counts = defaultdict(int)
    for m in oracle.values():
        if m["faq"]:
            counts[m["faq"]] += 1
    top_key, top_count = stats["top_faq"][0]
    assert top_count == counts[top_key] == max(counts.values())
    assert [n for _, n in stats["top_faq"]] == sorted(counts.values(), reverse=True)[:10]
    top_unanswered = stats["unanswered"][0]
    assert top_unanswered[1] == max(
        sum(1 for m in oracle.values() if m["declined"] and m["text"].lower() == t)
        for t in {m["text"].lower() for m in oracle.values() if m["declined"]})


def test_export_rows_are_the_filtered_messages(seeded, oracle):
    _, engine = seeded
    with engine.connect() as conn:
        rows = list(queries.export_rows(conn, Filters(faq="faq/open_days", low=True, threshold=0.7)))
    expected = {i for i, m in oracle.items() if m["faq"] == "faq/open_days"
                and (m["conf"] < 0.7 or m["faq_conf"] < 0.7)}
    assert {r["event_id"] for r in rows} == expected
    assert list(rows[0]) == queries.EXPORT_FIELDS


def test_sync_is_incremental_and_marks_declines_across_runs(tmp_path):
    from stores.db_url import create_engine
    from rasa.shared.core.events import ActionExecuted, BotUttered

    engine = create_engine(f"sqlite:///{tmp_path / 'inc.db'}")
    schema.create_all(engine)
    now = time.time()
    user = demo_data._user("can you order me a pizza", "out_of_scope", 0.93, ts=now - 100)
    with engine.begin() as conn:
        conn.execute(schema.events.insert(), demo_data.event_rows("s1", [user]))
    assert turn_index.sync(engine) == 1
    assert turn_index.sync(engine) == 0  # nothing new
    later = [ActionExecuted("action_decline", timestamp=now - 99),
             BotUttered("Sorry", timestamp=now - 99)]
    fresh = demo_data._user("hello?", "greet", 0.99, ts=now)
    with engine.begin() as conn:
        conn.execute(schema.events.insert(), demo_data.event_rows("s1", later + [fresh]))
    assert turn_index.sync(engine, lag_seconds=30, now=now) == 0  # the fresh message waits
    with engine.connect() as conn:
        row = conn.execute(sa.select(schema.staff_turns)).one()
    assert row.declined and row.reply_action == "action_decline"
    assert turn_index.sync(engine, lag_seconds=30, now=now + 31) == 1
    engine.dispose()
