"""The stale-facts page: facts past review (fixed clock) with the answers built from them and how
often students asked for those answers in the last 30 days; behind the login, and audited."""

import datetime as dt
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa
import yaml

from actions.knowledge_base import KnowledgeBase, knowledge_base
from staff import freshness, schema
from stores.db_url import create_engine

from staff_testkit import PASSWORD

NOW = dt.datetime(2026, 11, 22, 12, 0, tzinfo=dt.timezone.utc)
TODAY = NOW.date()
KNOWLEDGE = Path(__file__).resolve().parents[2] / "knowledge"


@pytest.fixture
def conn(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'conversations.db'}")
    schema.create_all(engine)
    rows, event_id = [], 0
    for intent, days_ago, n in [("ask_fee", 1, 3), ("ask_fee", 29.9, 1), ("ask_fee", 31, 5),
                                ("ask_start_date", 2, 1), ("ask_contact", 3, 2), ("ask_human", 4, 1),
                                ("ask_tracks", 1, 7)]:
        for _ in range(n):
            event_id += 1
            ts = (NOW - dt.timedelta(days=days_ago)).timestamp()
            rows.append({"event_id": event_id, "sender_id": f"s{event_id}", "ts": ts, "day": "x",
                         "text": "q", "text_lower": "q", "intent": intent, "declined": False})
    with engine.begin() as c:
        c.execute(schema.staff_turns.insert(), rows)
    with engine.connect() as c:
        yield c
    engine.dispose()


def test_every_fact_is_used_by_an_answer_of_an_intent_in_the_domain():
    kb = knowledge_base()
    uses = freshness.intents_using(kb)
    intents = set(yaml.safe_load((KNOWLEDGE.parent / "domain.yml").read_text())["intents"])
    for record in kb.fact_records():
        assert uses.get(record.id), f"no answer uses {record.id}"
        assert set(uses[record.id]) <= intents
    assert uses["programme.yml#facts.tuition_fee"] == ["ask_fee"]
    assert uses["study_abroad.yml#contact"] == ["ask_contact", "ask_human"]


def test_stale_facts_with_answers_and_asks_in_the_last_30_days(conn):
    kb = KnowledgeBase(KNOWLEDGE, today=lambda: TODAY)
    facts = freshness.stale_facts(conn, kb, TODAY, NOW)
    assert [(f.record.id, f.asked_total) for f in facts] == [
        ("programme.yml#facts.tuition_fee", 4),          # 3 + 1 within 30 days; the 5 older ones not
        ("programme.yml#facts.start_date", 1),
        ("programme.yml#facts.application_deadline", 0),
    ]
    assert facts[0].asked == {"ask_fee": 4}
    assert facts[0].reason == "review was due 2023-09-01"
    assert facts[2].asked == {"ask_deadline": 0}


def test_a_fact_becomes_listed_the_day_after_its_review_day(conn):
    kb = KnowledgeBase(KNOWLEDGE, today=lambda: TODAY)
    listed = lambda day: [f.record.id for f in freshness.stale_facts(conn, kb, day, NOW)]  # noqa: E731
    assert "study_abroad.yml#contact" not in listed(dt.date(2027, 2, 1))
    contact = next(f for f in freshness.stale_facts(conn, kb, dt.date(2027, 2, 2), NOW)
                   if f.record.id == "study_abroad.yml#contact")
    assert contact.asked == {"ask_contact": 2, "ask_human": 1}
    # A year on, every fact is due; the tracks (asked 7 times) come first.
    assert listed(dt.date(2027, 7, 1))[0] == "programme.yml#tracks_meta"


def login(base, username):
    import re
    s = requests.Session()
    token = re.search(r'name="csrf_token" value="([^"]+)"', s.get(base + "/login").text).group(1)
    s.post(base + "/login", data={"csrf_token": token, "username": username, "password": PASSWORD})
    return s


def test_the_page_needs_a_login(server):
    r = requests.get(server["base"] + "/freshness", allow_redirects=False)
    assert r.status_code == 302 and r.headers["Location"] == "/login"


def test_the_page_lists_stale_facts_for_reviewers_and_is_audited(server):
    s = login(server["base"], "rita")
    r = s.get(server["base"] + "/freshness")
    assert r.status_code == 200
    page = r.text
    for expected in ("programme.yml#facts.tuition_fee", "Tuition fees", "€18,016", "review was due 2023-09-01",
                     "<code>ask_fee</code>", "programme.yml#facts.application_deadline"):
        assert expected in page
    assert "programme.yml#facts.duration" not in page  # not due until 2027
    assert '<a href="/freshness">Stale facts</a>' in page
    engine = create_engine(server["db_url"])
    with engine.connect() as c:
        actions = c.execute(sa.select(schema.audit_log.c.action, schema.audit_log.c.target)
                            .where(schema.audit_log.c.username == "rita")).fetchall()
    engine.dispose()
    assert ("view_freshness", "3 stale facts") in [tuple(a) for a in actions]
