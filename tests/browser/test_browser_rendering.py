"""How the widget renders what the bot sends, in headless Chromium, against a scripted stand-in
for Rasa's REST channel (no trained bot needed).

Why: the bot's texts carry a "Source:" last line, URLs, several messages per turn or none, and
could carry markup; each must be shown safely and as the students expect.
"""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect
from widget_helpers import FakeRasa, free_port, widget_server

SCRIPT = {
    "/greet": [{"text": "Hello!", "buttons": [
        {"title": "Tuition fees", "payload": "/ask_fee"}, {"title": "Contact", "payload": "/ask_contact"}]}],
    "/ask_fee": [{"text": "The fee is €18,016 per year.\nSource: LUMC research page (as of 2022)"}],
    "links": [{"text": "See https://www.lumc.nl/en/education/. Mail studentdesk@lumc.nl or "
                       "[the portal](https://www.lumc.nl/portal) but not javascript:alert(1)."}],
    "two": [{"text": "First message."}, {"text": "Second message."}],
    "nothing": [],
    "markup": [{"text": "<b>bold</b> <script>alert(2)</script>"}],
}


@pytest.fixture
def scripted(new_chat):
    rasa_port = free_port()
    with widget_server(free_port(), f"http://127.0.0.1:{rasa_port}") as url:
        fake = FakeRasa(rasa_port, url, SCRIPT)
        chat = new_chat(url)
        chat.goto()
        chat.open_and_greet()
        yield chat, fake
        fake.close()


def test_quick_reply_shows_title_sends_payload_and_splits_source(scripted):
    chat, fake = scripted
    chat.quick_replies.filter(has_text="Tuition fees").click()
    expect(chat.user_messages.last.locator(".lcw-bubble")).to_have_text("Tuition fees")
    chat.wait_settled()
    assert fake.received[-1]["message"] == "/ask_fee"
    answer = chat.bot_messages.last
    expect(answer.locator(".lcw-bubble")).to_have_text("The fee is €18,016 per year.")
    expect(answer.locator(".lcw-source")).to_have_text("Source: LUMC research page (as of 2022)")
    expect(chat.quick_replies).to_have_count(0)  # old quick replies go once the student moves on


def test_links_are_linkified_safely(scripted):
    chat, _ = scripted
    chat.ask("links")
    links = chat.bot_messages.last.locator("a")
    expect(links).to_have_count(3)
    expect(links.nth(0)).to_have_attribute("href", "https://www.lumc.nl/en/education/")
    expect(links.nth(0)).to_have_text("https://www.lumc.nl/en/education/")
    expect(links.nth(1)).to_have_attribute("href", "mailto:studentdesk@lumc.nl")
    expect(links.nth(2)).to_have_attribute("href", "https://www.lumc.nl/portal")
    expect(links.nth(2)).to_have_text("the portal")
    for i in range(3):
        expect(links.nth(i)).to_have_attribute("target", "_blank")
        expect(links.nth(i)).to_have_attribute("rel", "noopener noreferrer")
    expect(chat.bot_messages.last).to_contain_text("not javascript:alert(1).")


def test_several_messages_none_and_markup(scripted):
    chat, _ = scripted
    replies = chat.ask("two")
    assert [r["text"] for r in replies] == ["First message.", "Second message."]
    assert chat.ask("nothing") == []
    expect(chat.user_messages.last).to_have_attribute("data-status", "sent")
    replies = chat.ask("markup")
    assert replies[0]["text"] == "<b>bold</b> <script>alert(2)</script>"
    assert chat.page.locator(".lcw-log b, .lcw-log script").count() == 0
    assert not chat.errors


def axe_violations(page) -> str:
    """What axe-core (shipped inside axe-playwright-python) finds against WCAG 2.1 A/AA and its
    best practices, including inside the widget's shadow DOM, as a report; "" when nothing."""
    tags = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
    options = {"runOnly": {"type": "tag", "values": tags}, "resultTypes": ["violations"]}
    results = Axe().run(page, options=options)
    return results.generate_report() if results.violations_count else ""


def test_accessibility_with_axe(scripted):
    chat, fake = scripted
    chat.quick_replies.filter(has_text="Tuition fees").click()
    chat.wait_settled()
    chat.ask("links")
    assert axe_violations(chat.page) == ""  # open, with answers, source lines and links

    fake.fail_next = 1
    chat.input.fill("a question that fails")
    chat.input.press("Enter")
    expect(chat.error).to_be_visible()
    assert axe_violations(chat.page) == ""  # with the error and the unsent message

    chat.page.set_viewport_size({"width": 375, "height": 740})
    assert axe_violations(chat.page) == ""  # phone width

    chat.page.keyboard.press("Escape")
    expect(chat.launcher).to_be_focused()
    assert axe_violations(chat.page) == ""  # closed: the launcher on the page
