"""The review page in real headless Chromium: login, filter, transcript, training mark, export."""

import csv
import io
import json
import re
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect, sync_playwright

from staff import inbox, schema
from stores.db_url import create_engine

from staff_testkit import PASSWORD, PAYLOADS

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, server):
    context = browser.new_context(accept_downloads=True, base_url=server["base"])
    page = context.new_page()
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.dialogs = dialogs
    yield page
    context.close()


def _login(page, username="rita"):
    page.goto("/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Conversations")).to_be_visible()


def test_login_then_filter_declined_conversations(page, server):
    page.goto("/conversations")
    expect(page).to_have_url(re.compile(r"/login$"))
    _login(page)
    assert page.locator("#total").inner_text() == "10000"
    page.get_by_label("Declined", exact=True).check()
    page.get_by_label("Text", exact=True).fill("amsterdam")
    page.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(re.compile(r"declined=1"))
    engine = create_engine(server["db_url"])
    with engine.connect() as conn:
        expected = conn.execute(sa.select(sa.func.count(sa.distinct(schema.staff_turns.c.sender_id)))
                                .where(schema.staff_turns.c.declined.is_(True),
                                       schema.staff_turns.c.text_lower.like("%amsterdam%"))).scalar()
    engine.dispose()
    assert int(page.locator("#total").inner_text()) == expected > 0
    expect(page.get_by_label("Declined", exact=True)).to_be_checked()
    assert page.locator("table.list tbody tr").count() == min(25, expected)


def test_transcript_shows_intents_and_actions_and_marks_for_training(page, server):
    _login(page)
    page.get_by_label("Text", exact=True).fill("tuition?")
    page.get_by_role("button", name="Apply").click()
    page.locator("table.list tbody a").first.click()
    expect(page.get_by_role("heading", name=re.compile("Conversation"))).to_be_visible()
    payload = page.locator("li.user", has_text="onerror")
    expect(payload).to_have_count(1)
    assert payload.locator(".text").inner_text() == PAYLOADS[1]  # shown as text, not as markup
    assert page.locator("li.user img").count() == 0
    # In a reviewer's words; the NLU's names and numbers only under "Technical details".
    expect(payload.locator("p.did")).to_contain_text(re.compile(
        r"What the assistant did: (answered|check this|declined|offered|asked|handed)"))
    expect(payload.locator("dd.intent")).to_be_hidden()
    payload.locator("summary").click()
    expect(payload.locator("dd.intent")).to_contain_text(re.compile(r"\w+ [01]\.\d\d"))
    payload.get_by_label("Should have been answered as").select_option(inbox.NEW_FAQ)
    payload.get_by_label("Note").fill("<b>asked twice</b>")
    payload.get_by_role("button", name="Use for training").click()
    expect(page.get_by_role("status")).to_have_text("Message added to the trainer inbox.")
    engine = create_engine(server["db_url"])
    items = [i for i in inbox.list_pending(engine) if i.message_text == PAYLOADS[1]]
    engine.dispose()
    assert len(items) == 1 and items[0].suggested_intent == "new FAQ" and items[0].marked_by == "rita"
    page.goto("/inbox")
    expect(page.locator("td.text", has_text="onerror")).to_have_count(1)
    assert page.locator("td b").count() == 0  # the note's markup is escaped too
    assert page.dialogs == []


def _voted_conversation_with_buttons(db_url):
    """A conversation with a thumbs-down vote and a reply that offered buttons."""
    engine = create_engine(db_url)
    with engine.connect() as conn:
        voted = {r[0] for r in conn.execute(sa.select(schema.staff_turns.c.sender_id)
                                            .where(schema.staff_turns.c.vote == "down").limit(2000))}
        for sender, data in conn.execute(sa.select(schema.events.c.sender_id, schema.events.c.data)
                                         .where(schema.events.c.type_name == "bot",
                                                schema.events.c.sender_id.in_(voted))):
            buttons = (json.loads(data).get("data") or {}).get("buttons")
            if buttons:
                engine.dispose()
                return sender, buttons[0]["title"]
    raise AssertionError("no voted conversation with buttons in the demo data")


def test_transcript_shows_the_buttons_the_student_saw_and_the_votes(page, server):
    sender, title = _voted_conversation_with_buttons(server["db_url"])
    _login(page)
    page.goto("/conversation?" + urlencode({"sender": sender}))
    expect(page.locator("ul.buttons li", has_text=title).first).to_be_visible()
    expect(page.locator("p.vote", has_text="thumbs down").first).to_be_visible()
    expect(page.locator("li.vote.down .text").first).to_contain_text("Thumbs down for the answer to “")
    expect(page.locator("h1 .badge.demo")).to_have_text("demo data")
    # The list shows the votes, the answers given and what needs checking, in plain words.
    page.goto("/conversations?vote=down")
    expect(page.locator("p.demo")).to_be_visible()
    expect(page.locator("table.list tbody td.votes").first).to_contain_text("down")
    assert "action_" not in page.locator("table.list").inner_text()


def _some_conversation(db_url):
    engine = create_engine(db_url)
    with engine.connect() as conn:
        sender = conn.execute(sa.select(schema.staff_turns.c.sender_id).order_by(schema.staff_turns.c.event_id)
                              .limit(1)).scalar()
    engine.dispose()
    return sender


def test_accept_on_the_inbox_page_ends_in_the_training_data(page, server):
    """Accept on the page is `make inbox ARGS='accept ...'`: the example lands in the file that holds
    its intent's examples; an item that cannot be placed stays pending and the page says why."""
    engine = create_engine(server["db_url"])
    sender = _some_conversation(server["db_url"])
    text = "roughly how many euros per year does the research master cost me"
    fee_item = inbox.mark(engine, sender_id=sender, message_text=text, suggested_intent="ask_detail",
                          marked_by="rita")
    faq_item = inbox.mark(engine, sender_id=sender, message_text="is there a rowing club near the lumc",
                          suggested_intent=inbox.NEW_FAQ, marked_by="rita")
    _login(page, "adam")
    page.goto("/inbox")
    row = page.locator("tr", has_text=text)
    expect(row.locator("td.suggested")).to_have_text("a detail of the previous answer")
    row.locator("select[name=target]").select_option("ask_fee")
    row.get_by_role("button", name="Accept").click()
    expect(page.get_by_role("status")).to_contain_text(f"Item {fee_item} accepted")
    expect(page.get_by_role("status")).to_contain_text("data/nlu/programme.yml")
    assert f"    - {text}\n" in (server["project"] / "data/nlu/programme.yml").read_text()
    assert inbox.get(engine, fee_item).status == "accepted"

    # A new FAQ entry without its key: refused, nothing changed, still pending.
    page.locator("tr", has_text="rowing club").get_by_role("button", name="Accept").click()
    expect(page.get_by_role("alert")).to_contain_text("give its key")
    assert inbox.get(engine, faq_item).status == "pending"
    assert not (server["project"] / "var/faq-drafts").exists()
    row = page.locator("tr", has_text="rowing club")
    row.locator("input[name=new_faq_key]").fill("sports_clubs")
    row.get_by_role("button", name="Accept").click()
    expect(page.get_by_role("status")).to_contain_text("var/faq-drafts/sports_clubs.yml")
    assert inbox.get(engine, faq_item).status == "accepted"
    engine.dispose()
    assert page.dialogs == []


def _commonest_faq_key(db_url):
    engine = create_engine(db_url)
    with engine.connect() as conn:
        key = conn.execute(sa.select(schema.staff_turns.c.faq_key).where(schema.staff_turns.c.faq_key.isnot(None))
                           .group_by(schema.staff_turns.c.faq_key)
                           .order_by(sa.func.count().desc()).limit(1)).scalar()
    engine.dispose()
    return key


def test_export_downloads_the_filtered_set(page, server):
    _login(page)
    key = _commonest_faq_key(server["db_url"])
    page.get_by_label("FAQ key").select_option(key)
    page.get_by_role("button", name="Apply").click()
    with page.expect_download() as info:
        page.get_by_role("link", name="CSV").click()
    text = open(info.value.path(), encoding="utf-8").read()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows and {r["faq_key"] for r in rows} == {key}
    engine = create_engine(server["db_url"])
    with engine.connect() as conn:
        expected = conn.execute(sa.select(sa.func.count()).select_from(schema.staff_turns)
                                .where(schema.staff_turns.c.faq_key == key)).scalar()
    engine.dispose()
    assert len(rows) == expected
    with page.expect_download() as info:
        page.get_by_role("link", name="JSONL").click()
    assert len(open(info.value.path(), encoding="utf-8").read().splitlines()) == expected


def test_dashboard_draws_charts(page):
    _login(page)
    page.get_by_role("link", name="Dashboard").click()
    expect(page.get_by_role("img", name="Conversations per day")).to_be_visible()
    assert page.locator("figure svg rect").count() > 30
    expect(page.get_by_role("heading", name="Most frequent unanswered questions")).to_be_visible()
    expect(page.locator("#kpi-answered")).to_have_text(re.compile(r"\d+\.\d%"))
    expect(page.locator("#kpi-down")).to_have_text(re.compile(r"\d+\.\d%"))
    assert page.locator("#per-day tbody tr").count() >= 25
    assert page.locator("#per-answer tbody tr").count() >= 10
    top = page.locator("#most-down tbody tr a").first
    answer = top.inner_text()
    top.click()
    expect(page).to_have_url(re.compile(r"vote=down"))
    assert int(page.locator("#total").inner_text()) > 0
    page.locator("table.list tbody a").first.click()
    expect(page.locator("li.vote.down").first).to_be_visible()
    assert answer
