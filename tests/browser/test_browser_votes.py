"""Thumbs up / down under each answer, in headless Chromium against the real bot: keyboard
accessible, one vote per answer that can be changed, an optional reason after a thumbs down, and
stored with the conversation in the tracker store (read back through Rasa's HTTP API)."""

from __future__ import annotations

import json
import urllib.request

from playwright.sync_api import expect

FEE_QUESTION = "What does a year of tuition cost?"


def _votes(bot, sender):
    url = f"{bot.rasa_url}/conversations/{sender}/tracker?token={bot.token}&include_events=ALL"
    with urllib.request.urlopen(url, timeout=30) as reply:
        events = json.loads(reply.read())["events"]
    return [e["value"] for e in events if e["event"] == "slot" and e["name"] == "feedback"]


def test_vote_with_the_keyboard_give_a_reason_and_change_it(chat, bot):
    chat.open_and_greet()
    expect(chat.page.locator(".lcw-vote")).to_have_count(0)  # nothing to rate in the greeting
    chat.ask(FEE_QUESTION)
    votes = chat.page.get_by_role("group", name="Was this answer helpful?")
    expect(votes).to_have_count(1)
    up = votes.get_by_role("button", name="Helpful", exact=True)
    down = votes.get_by_role("button", name="Not helpful")
    expect(up).to_have_attribute("aria-pressed", "false")

    down.focus()
    chat.page.keyboard.press("Enter")
    expect(down).to_have_attribute("aria-pressed", "true")
    reason = chat.page.get_by_label("What was wrong? (optional)")
    expect(reason).to_be_focused()
    chat.page.keyboard.type("I wanted the EU fee, mail me at jan@example.com")
    chat.page.keyboard.press("Enter")
    expect(votes.get_by_role("status")).to_have_text("Thank you, your comment was sent.")
    sender = chat.storage()["sender"]
    stored = _votes(bot, sender)
    assert [v["rating"] for v in stored] == ["down", "down"]
    assert stored[-1]["reason"] == "I wanted the EU fee, mail me at [email]"

    up.focus()
    chat.page.keyboard.press("Space")
    expect(up).to_have_attribute("aria-pressed", "true")
    expect(down).to_have_attribute("aria-pressed", "false")
    expect(reason).to_be_hidden()
    assert _votes(bot, sender)[-1]["rating"] == "up"

    chat.ask("which research tracks are there")
    expect(chat.page.locator(".lcw-vote")).to_have_count(2)  # one per answer
    chat.page.reload()
    expect(chat.page.get_by_role("group", name="Was this answer helpful?").first
           .get_by_role("button", name="Helpful", exact=True)).to_have_attribute("aria-pressed", "true")
