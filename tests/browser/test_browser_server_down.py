"""The widget when the bot is down, in headless Chromium: a clear error, nothing typed is lost,
and Retry sends everything once the server is back.

Why: a student must never lose a question to a network problem. These tests need no trained
bot: the widget points at a closed port, and a small stand-in for Rasa's REST channel is started
on that port later (FakeRasa in widget_helpers).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from widget_helpers import FakeRasa, free_port, widget_server

QUESTION = "What does a year of tuition cost fee?"


@pytest.fixture
def down(new_chat):
    """A demo site whose bot URL is a closed port; yields (chat, port, origin)."""
    rasa_port = free_port()
    with widget_server(free_port(), f"http://127.0.0.1:{rasa_port}") as url:
        chat = new_chat(url)
        chat.goto()
        fakes = []
        yield chat, rasa_port, url, fakes
        for fake in fakes:
            fake.close()


def test_server_down_shows_error_keeps_message_and_retry_sends_it(down):
    chat, rasa_port, origin, fakes = down
    chat.open()
    expect(chat.error).to_be_visible()  # the greeting could not be fetched
    expect(chat.error).to_contain_text("can't be reached")
    retry = chat.error.get_by_role("button", name="Retry")
    expect(retry).to_be_visible()

    chat.input.fill(QUESTION)
    chat.input.press("Enter")
    message = chat.user_messages.last
    expect(message.locator(".lcw-bubble")).to_have_text(QUESTION)
    expect(message).to_have_attribute("data-status", "failed")
    expect(message.locator(".lcw-note")).to_have_text("Not sent")
    expect(message.locator(".lcw-note")).to_be_visible()
    expect(chat.error).to_be_visible()
    expect(chat.bot_messages).to_have_count(0)

    chat.page.reload()  # still there after a reload, still marked as not sent
    expect(chat.panel).to_be_visible()
    expect(chat.user_messages.last.locator(".lcw-bubble")).to_have_text(QUESTION)
    expect(chat.error).to_be_visible()

    fake = FakeRasa(rasa_port, origin)
    fakes.append(fake)
    chat.error.get_by_role("button", name="Retry").click()
    chat.wait_settled()
    expect(chat.error).to_be_hidden()
    expect(chat.user_messages.last).to_have_attribute("data-status", "sent")
    expect(chat.user_messages.last.locator(".lcw-note")).to_be_hidden()
    expect(chat.bot_messages.last.locator(".lcw-bubble")).to_have_text(f"Echo: {QUESTION}")
    assert [m["message"] for m in fake.received] == ['/greet{"language":"en"}', QUESTION]
    assert len({m["sender"] for m in fake.received}) == 1
    expect(chat.input).to_be_focused()


def test_server_error_status_shows_error_and_retry_works(down):
    chat, rasa_port, origin, fakes = down
    fake = FakeRasa(rasa_port, origin)
    fakes.append(fake)
    chat.open()
    chat.wait_settled()
    fake.fail_next = 1
    chat.input.fill(QUESTION)
    chat.input.press("Enter")
    expect(chat.error).to_contain_text("Something went wrong on our side. (error 500)")
    expect(chat.user_messages.last.locator(".lcw-bubble")).to_have_text(QUESTION)
    expect(chat.user_messages.last).to_have_attribute("data-status", "failed")
    chat.error.get_by_role("button", name="Retry").click()
    chat.wait_settled()
    expect(chat.error).to_be_hidden()
    expect(chat.bot_messages.last.locator(".lcw-bubble")).to_have_text(f"Echo: {QUESTION}")
    assert [m["message"] for m in fake.received] == ['/greet{"language":"en"}', QUESTION]
