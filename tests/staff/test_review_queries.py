"""Review queries on 10,000 conversations of the real assistant (staff/demo_data.py copies a
recording made over REST), checked against the raw events table and what the assistant said."""

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
    """Per-message facts computed straight from ``events``, independently of staff_turns: a message
    counts as declined when a reply to it says one of the assistant's decline texts."""
    url, engine = seeded
    if url not in oracle_cache:
        msgs, last_user, replies, by_id = {}, {}, defaultdict(list), {}
        with engine.connect() as conn:
            for row in conn.execute(sa.select(schema.events).order_by(schema.events.c.id)):
                d = json.loads(row.data)
                if row.type_name == "user":
                    p = d["parse_data"]
                    faq = p.get("response_selector", {}).get("faq", {}).get("response", {})
                    key = faq["intent_response_key"] if p["intent"]["name"] == "faq" else None
                    msgs[row.id] = dict(sender=row.sender_id, ts=row.timestamp, text=d["text"],
                                        intent=p["intent"]["name"], conf=p["intent"]["confidence"],
                                        faq=key, faq_conf=faq.get("confidence") if key else None,
                                        message_id=d["message_id"], vote=None, language=None)
                    last_user[row.sender_id] = row.id
                    by_id[(row.sender_id, d["message_id"])] = row.id
                elif row.type_name == "bot":
                    replies[last_user[row.sender_id]].append(d["text"])
                    said = msgs[last_user[row.sender_id]]
                    said["language"] = said["language"] or (d.get("metadata") or {}).get("language")
                elif row.type_name == "slot" and d["name"] == "feedback":
                    msgs[by_id[(row.sender_id, d["value"]["answer_to"])]]["vote"] = d["value"]["rating"]
        openings = demo_data.decline_texts()
        for event_id, m in msgs.items():
            m["declined"] = demo_data.said_decline(replies[event_id], openings)
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
    (Filters(outcome="declined"), lambda m: m["declined"]),
    (Filters(intent="out_of_scope"), lambda m: m["intent"] == "out_of_scope"),
    (Filters(faq="faq/career_prospects"), lambda m: m["faq"] == "faq/career_prospects"),
    (Filters(q="EC?"), lambda m: "ec?" in m["text"].lower()),
    (Filters(q="TUITION"), lambda m: "tuition" in m["text"].lower()),
    (Filters(q="_"), lambda m: "_" in m["text"]),
    (Filters(declined=True, q="amsterdam"), lambda m: m["declined"] and "amsterdam" in m["text"].lower()),
    (Filters(vote="down"), lambda m: m["vote"] == "down"),
    (Filters(vote="any"), lambda m: m["vote"] is not None),
    (Filters(language="nl"), lambda m: m["language"] == "nl"),
    (Filters(language="en", declined=True), lambda m: m["language"] == "en" and m["declined"]),
], ids=["declined", "low-confidence", "outcome-declined", "intent", "faq-key", "text", "text-case",
        "like-escape", "combined", "thumbs-down", "any-vote", "dutch", "english-declined"])
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
    known = [v for v in values if v is not None]  # conversations with no answer (only declines) come last
    assert values == known + [None] * (len(values) - len(known))
    # The list starts with an answer the page marks for a check (below its default confidence line).
    assert known == sorted(known) and known[0] < Filters().threshold


def test_transcript_shows_nlu_outcome_and_producing_action(seeded, oracle):
    _, engine = seeded
    sender = next(m["sender"] for m in oracle.values() if m["intent"] == "out_of_scope" and m["declined"])
    with engine.connect() as conn:
        items = queries.transcript(conn, sender)
    users = [i for i in items if i["kind"] == "user"]
    assert [u["text"] for u in users] == [m["text"] for m in oracle.values() if m["sender"] == sender]
    declined = next(i for i, item in enumerate(items) if item["kind"] == "user" and item["intent"] == "out_of_scope")
    assert items[declined]["declined"] is True and items[declined]["outcome"] == "declined"
    assert items[declined]["reason"] == "off_topic"
    # The answer is the next bot message (a change of the conversation's language may come between).
    answer = next(item for item in items[declined + 1:] if item["kind"] != "language")
    assert answer == {**answer, "kind": "bot", "action": "action_answer"}
    faq_turns = [u for u in users if u["intent"] == "faq"]
    for u in faq_turns:
        assert u["faq_key"].startswith("faq/") and 0 <= u["faq_confidence"] <= 1
    assert items[0]["kind"] == "session"


def test_transcript_shows_votes_under_the_answers_they_rate(seeded, oracle):
    _, engine = seeded
    voted = next(i for i, m in oracle.items() if m["vote"] == "down")
    with engine.connect() as conn:
        items = queries.transcript(conn, oracle[voted]["sender"])
    votes = [i for i in items if i["kind"] == "vote"]
    assert votes and all(v["rates"] in oracle for v in votes)
    assert any(v["rates"] == voted and v["rating"] == "down" for v in votes)
    rated = next(i for i in items if i["kind"] == "user" and i["event_id"] == voted)
    assert rated["vote"] == "down"


def test_dashboard_numbers_agree_with_events(seeded, oracle):
    _, engine = seeded
    with engine.connect() as conn:
        stats = queries.dashboard(conn, Filters())
    assert stats["messages"] == len(oracle)
    assert stats["conversations"] == CONVERSATIONS
    assert stats["declined"] == sum(m["declined"] for m in oracle.values())
    assert abs(stats["decline_rate"] - stats["declined"] / len(oracle)) < 1e-9
    assert stats["down"] == sum(m["vote"] == "down" for m in oracle.values())
    assert abs(stats["down_rate"] - stats["down"] / len(oracle)) < 1e-9
    assert sum(a["messages"] for a in stats["per_answer"]) == len(oracle)
    assert sum(a["down"] for a in stats["per_answer"]) == stats["down"]
    assert stats["most_down"] == sorted(stats["most_down"], key=lambda a: -a["down"])
    assert sum(d["declined"] for d in stats["per_day"]) == stats["declined"]
    assert sum(d["messages"] for d in stats["per_day"]) == len(oracle)
    # One count per answer on every panel: the chart of answers given, the per-answer and thumbs-down tables.
    per_answer = {a["answer"]: a["messages"] for a in stats["per_answer"]}
    assert stats["top_answers"] == sorted(per_answer.items(), key=lambda a: (-a[1], a[0]))[:10]
    assert all(a["messages"] == per_answer[a["answer"]] for a in stats["most_down"])
    assert stats["demo_conversations"] == CONVERSATIONS  # the seeded data is all demo data
    # Rates split by the language the assistant answered in, over the messages it answered in one.
    by_language = {row["language"]: row for row in stats["by_language"]}
    for code in ("en", "nl"):
        said = [m for m in oracle.values() if m["language"] == code]
        assert said and by_language[code]["messages"] == len(said)
        assert by_language[code]["declined"] == sum(m["declined"] for m in said)
    top_unanswered = stats["unanswered"][0]
    assert top_unanswered[1] == max(
        sum(1 for m in oracle.values() if m["declined"] and m["text"].lower() == t)
        for t in {m["text"].lower() for m in oracle.values() if m["declined"]})


def test_export_rows_are_the_filtered_messages(seeded, oracle):
    _, engine = seeded
    with engine.connect() as conn:
        rows = list(queries.export_rows(conn, Filters(intent="ask_fee", low=True, threshold=0.9)))
    expected = {i for i, m in oracle.items() if m["intent"] == "ask_fee" and m["conf"] < 0.9}
    assert {r["event_id"] for r in rows} == expected
    assert list(rows[0]) == queries.EXPORT_FIELDS


def test_sync_is_incremental_and_reads_replies_and_votes_across_runs(tmp_path):
    """A reply or a vote indexed in a later run than its message still lands on that message."""
    from stores.db_url import create_engine

    engine = create_engine(f"sqlite:///{tmp_path / 'inc.db'}")
    schema.create_all(engine)
    recorded = demo_data.recording()
    conv = next(c["events"] for c in recorded["conversations"]
                if any(json.loads(e["data"]).get("name") == "feedback" for e in c["events"]
                       if e["type_name"] == "slot"))
    now = time.time()
    rows = demo_data.copy_conversation(conv, "s1", now - 3600, __import__("random").Random(1))
    first_bot = next(i for i, r in enumerate(rows) if r["type_name"] == "bot")
    with engine.begin() as conn:
        conn.execute(schema.events.insert(), rows[:first_bot])
    added = turn_index.sync(engine)
    assert added >= 1
    with engine.connect() as conn:
        assert conn.execute(sa.select(schema.staff_turns.c.outcome)).scalars().all()[-1] == "no_reply"
    with engine.begin() as conn:
        conn.execute(schema.events.insert(), rows[first_bot:])
    turn_index.sync(engine)
    one_pass = create_engine(f"sqlite:///{tmp_path / 'once.db'}")
    schema.create_all(one_pass)
    with one_pass.begin() as conn:
        conn.execute(schema.events.insert(), rows)
    turn_index.sync(one_pass)
    columns = [c for c in schema.staff_turns.columns if c.name != "event_id"]
    with engine.connect() as a, one_pass.connect() as b:
        assert a.execute(sa.select(*columns).order_by(schema.staff_turns.c.ts)).fetchall() == \
            b.execute(sa.select(*columns).order_by(schema.staff_turns.c.ts)).fetchall()
        assert a.execute(sa.select(sa.func.count()).where(schema.staff_turns.c.vote.isnot(None))).scalar() >= 1
    assert turn_index.sync(engine) == 0  # nothing new
    engine.dispose()
    one_pass.dispose()


def test_lag_keeps_fresh_events_for_the_next_run(tmp_path):
    from stores.db_url import create_engine

    engine = create_engine(f"sqlite:///{tmp_path / 'lag.db'}")
    schema.create_all(engine)
    now = time.time()
    rows = demo_data.copy_conversation(demo_data.recording()["conversations"][0]["events"], "s2", now - 5,
                                       __import__("random").Random(2))
    for row in rows:  # the whole conversation just happened
        row["timestamp"] = now
    with engine.begin() as conn:
        conn.execute(schema.events.insert(), rows)
    assert turn_index.sync(engine, lag_seconds=30, now=now) == 0
    assert turn_index.sync(engine, lag_seconds=30, now=now + 31) >= 1
    engine.dispose()


def test_bad_dates_are_refused_and_the_last_day_works():
    with pytest.raises(queries.BadFilter):
        Filters.from_args({"from": "yesterday"}, 0.6)
    with pytest.raises(queries.BadFilter):
        Filters.from_args({"outcome": "maybe"}, 0.6)
    f = Filters.from_args({"to": "9999-12-31", "from": "0001-01-01"}, 0.6)
    start, end = queries._day_bounds(f)
    assert start < time.time() < end


def test_transcript_says_the_conversations_language(tmp_path):
    """The language slot (en/nl) shows in the transcript where it was set or changed."""
    import json as _json

    from stores.db_url import create_engine

    engine = create_engine(f"sqlite:///{tmp_path / 'lang.db'}")
    schema.create_all(engine)
    rows = [("user", None, {"event": "user", "text": "hoeveel kost het", "parse_data": {}}),
            ("slot", None, {"event": "slot", "name": "language", "value": "nl"}),
            ("slot", None, {"event": "slot", "name": "language", "value": "nl"}),
            ("slot", None, {"event": "slot", "name": "language", "value": "en"})]
    with engine.begin() as conn:
        conn.execute(schema.events.insert(), [
            {"sender_id": "c1", "type_name": kind, "timestamp": 1_700_000_000 + i, "intent_name": None,
             "action_name": action, "data": _json.dumps(data)} for i, (kind, action, data) in enumerate(rows)])
    with engine.connect() as conn:
        items = queries.transcript(conn, "c1")
    engine.dispose()
    assert [i["language"] for i in items if i["kind"] == "language"] == ["Dutch", "English"]


def test_pages_show_and_filter_the_language(server):
    """The list filters by and shows each conversation's language; the dashboard splits its rates."""
    from tests.staff.test_http_security import login

    session, _ = login(server["base"], "rita")
    listing = session.get(server["base"] + "/conversations", params={"language": "nl"})
    assert listing.status_code == 200 and '<option value="nl" selected>Dutch</option>' in listing.text
    assert '<td class="language">Dutch' in listing.text
    dashboard = session.get(server["base"] + "/dashboard").text
    assert 'id="by-language"' in dashboard and ">Dutch</a>" in dashboard and ">English</a>" in dashboard
    assert session.get(server["base"] + "/conversations", params={"language": "fr"}).status_code == 400
