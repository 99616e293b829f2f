"""The chat widget against the real bot, in headless Chromium: what a student sees and does.

Why: the widget is the students' only way in; these tests drive it like a student would (mouse,
keyboard, reload, another page) against the trained bot from the ``bot`` fixture.
"""

from __future__ import annotations

import re

from widget_helpers import DESKTOP, PHONE, check_cors, screenshot
from playwright.sync_api import expect

PRIVACY = ("Conversations are kept for 30 days to improve answers. Please don't type personal "
           "details such as your student number or e-mail address.")
DECLINE = re.compile(r"\b(sorry|only|can't|cannot|can not|not able|unable|don't|outside)\b", re.I)
FEE_QUESTION = "What does a year of tuition cost fee?"


def test_opens_with_greeting_quick_replies_and_privacy_notice(chat):
    expect(chat.panel).to_be_hidden()
    chat.open_and_greet()
    expect(chat.panel).to_have_attribute("aria-modal", "false")
    expect(chat.panel.get_by_role("heading", name="Leiden Study Assistant")).to_be_visible()
    expect(chat.panel.get_by_text(PRIVACY)).to_be_visible()
    expect(chat.log).to_have_attribute("aria-live", "polite")
    expect(chat.bot_messages.first.locator(".lcw-bubble")).not_to_be_empty()
    count = chat.quick_replies.count()
    assert 4 <= count <= 6, f"expected 4-6 quick replies after the greeting, got {count}"
    titles = " ".join(chat.quick_replies.all_inner_texts()).lower()
    for topic in ("fee", "entry", "track", "abroad", "contact"):
        assert topic in titles, f"no quick reply about {topic!r} in {titles!r}"
    expect(chat.user_messages).to_have_count(0)  # the /greet payload is not shown


def test_fee_question_shows_fee_and_source_line(chat):
    chat.open_and_greet()
    replies = chat.ask(FEE_QUESTION)
    answer = next((r for r in replies if "18,016" in r["text"]), None)
    assert answer, f"no answer with the fee 18,016 in {replies}"
    assert answer["source"].startswith("Source: "), f"no source line under {answer}"
    assert "Source:" not in answer["text"], "the source line must not be inside the bubble"
    expect(chat.page.locator(".lcw-source").last).to_be_visible()


def test_quick_reply_sends_payload_and_shows_title(chat):
    chat.open_and_greet()
    button = chat.quick_replies.filter(has_text=re.compile("fee", re.I)).first
    title = button.inner_text()
    before = chat.bot_messages.count()
    button.click()
    expect(chat.user_messages.last.locator(".lcw-bubble")).to_have_text(title)
    chat.wait_settled()
    replies = chat.replies_after(before)
    assert any(r["text"].strip() for r in replies), f"no answer to the quick reply {title!r}"
    assert any("18,016" in r["text"] for r in replies), f"fee quick reply answered {replies}"


def test_off_topic_question_is_declined(chat):
    chat.open_and_greet()
    replies = chat.ask("what's the weather tomorrow")
    text = " ".join(r["text"] for r in replies)
    assert DECLINE.search(text), f"expected a decline, got {replies}"
    assert "18,016" not in text


def test_history_survives_reload_and_navigation_and_start_over_resets(chat):
    chat.open_and_greet()
    chat.ask(FEE_QUESTION)
    sender = chat.storage()["sender"]
    bots = chat.bot_messages.count()

    chat.page.reload()
    expect(chat.panel).to_be_visible()  # it stays open
    expect(chat.user_messages).to_have_count(1)
    expect(chat.user_messages.first.locator(".lcw-bubble")).to_have_text(FEE_QUESTION)
    expect(chat.bot_messages).to_have_count(bots)
    expect(chat.bot_messages.filter(has_text="18,016")).to_have_count(1)

    chat.page.get_by_role("link", name="Programmes").first.click()
    expect(chat.page).to_have_url(re.compile(r"programmes\.html$"))
    expect(chat.user_messages.first.locator(".lcw-bubble")).to_have_text(FEE_QUESTION)
    chat.ask("Which entry requirements apply?")
    assert chat.storage()["sender"] == sender, "the conversation must go on with the same sender id"
    expect(chat.user_messages).to_have_count(2)

    chat.page.get_by_role("button", name="Start over").click()
    expect(chat.user_messages).to_have_count(0)
    chat.wait_settled()
    expect(chat.quick_replies.first).to_be_visible()
    assert chat.storage()["sender"] != sender, "start over must begin a new conversation"


def test_html_in_messages_is_shown_as_text(chat):
    chat.open_and_greet()
    payload = "<img src=x onerror=alert(1)>"
    chat.ask(payload)
    expect(chat.user_messages.last.locator(".lcw-bubble")).to_have_text(payload)
    assert chat.page.locator("#lumc-chat img, .lcw-log img").count() == 0
    assert chat.page.evaluate("document.querySelectorAll('img').length") == 0
    # The `new_chat` fixture fails the test if any dialog opened or a script error happened.


def test_links_open_in_new_tab(chat):
    chat.open_and_greet()
    links = chat.log.locator("a")
    for i in range(links.count()):
        expect(links.nth(i)).to_have_attribute("target", "_blank")
        expect(links.nth(i)).to_have_attribute("rel", "noopener noreferrer")


def test_keyboard_only(chat):
    page = chat.page
    for _ in range(30):  # Tab through the page's links until the launcher has the focus
        page.keyboard.press("Tab")
        if chat.launcher.evaluate("el => el.getRootNode().activeElement === el"):
            break
    expect(chat.launcher).to_be_focused()
    page.keyboard.press("Enter")
    expect(chat.panel).to_be_visible()
    expect(chat.input).to_be_focused()
    chat.wait_settled()

    before = chat.bot_messages.count()
    page.keyboard.type(FEE_QUESTION)
    page.keyboard.press("Enter")
    chat.wait_settled()
    assert any("18,016" in r["text"] for r in chat.replies_after(before))
    expect(chat.input).to_have_value("")
    expect(chat.input).to_be_focused()

    page.keyboard.press("Shift+Tab")  # back from the input into the conversation (log or a link)
    assert chat.log.evaluate("el => el.contains(el.getRootNode().activeElement)")
    page.keyboard.press("Escape")
    expect(chat.panel).to_be_hidden()
    expect(chat.launcher).to_be_focused()
    page.keyboard.press("Enter")  # reopening keeps the conversation
    expect(chat.input).to_be_focused()
    expect(chat.user_messages.last.locator(".lcw-bubble")).to_have_text(FEE_QUESTION)


def test_quick_reply_with_keyboard(chat):
    chat.open_and_greet()
    chat.page.keyboard.press("Shift+Tab")  # from the input to the last quick reply
    focused = chat.page.locator(".lcw-reply:focus")
    expect(focused).to_have_count(1)
    title = focused.inner_text()
    chat.page.keyboard.press("Enter")
    expect(chat.user_messages.last.locator(".lcw-bubble")).to_have_text(title)
    chat.wait_settled()


def test_screenshots_desktop_and_phone(chat):
    chat.open_and_greet()
    screenshot(chat.page, "widget-greeting.png")
    chat.ask(FEE_QUESTION)
    screenshot(chat.page, "widget-desktop.png")
    box = chat.panel.bounding_box()
    assert box["x"] + box["width"] <= DESKTOP["width"] and box["width"] <= 420

    chat.page.set_viewport_size(PHONE)
    expect(chat.input).to_be_in_viewport()
    screenshot(chat.page, "widget-phone.png")
    box = chat.panel.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    assert chat.page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    expect(chat.page.get_by_role("button", name="Send")).to_be_in_viewport()
    expect(chat.page.get_by_role("button", name="Close chat")).to_be_in_viewport()


def test_rasa_only_accepts_configured_origins(widget_url, rasa_url):
    assert check_cors(rasa_url, widget_url) == widget_url
    assert check_cors(rasa_url, "http://evil.example") in (None, ""), \
        "Rasa must not accept cross-origin requests from origins it was not configured with"
