"""Help and access at every width, in headless Chromium: the "Contact a person" control (WCAG 2.2
SC 3.2.6), focus kept inside the panel while it covers the page (SC 2.4.11), axe-core with the
WCAG 2.0/2.1/2.2 A and AA tags at 1280 and 320 px, reflow at 320 px (English and Dutch), and the
keyboard path against the real bot.

Why: the panel fills a phone's screen, so focus on the page behind it is invisible; a student the
assistant cannot help must find a person in the same place every time.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from widget_helpers import NARROW, WIDE, axe_report, open_chat, scripted_site

HANDOFF = ("Here is who can help you in person. For studying abroad, ask Evelien Hack of the "
           "Directorate of Education and Training (DOO), room V5-28.\nSource: LUMC study-abroad page")
SCRIPT = {
    "/greet": [{"text": "Hello!", "buttons": [
        {"title": "Tuition fees", "payload": "/ask_fee"}, {"title": "Study abroad", "payload": "/ask_study_abroad"}]}],
    "long": [{"text": "A long answer with a long address https://www.lumc.nl/en/education/"
                      "study-abroad/information-for-students-who-want-to-go-abroad/ and more words "
                      "that must wrap inside the bubble instead of making the page scroll sideways."
                      "\nSource: LUMC study-abroad page"}],
    "/ask_human": [{"text": HANDOFF}],
}
CONTACT = "Contact a person"


@pytest.fixture
def scripted(new_chat):
    with scripted_site(SCRIPT) as (url, fake):
        yield new_chat, url, fake


def contact_button(chat):
    return chat.panel.get_by_role("button", name=CONTACT)


def focus_in_widget(page) -> dict:
    """Where the focus is: inside the widget (and on what), and whether it is in the viewport."""
    return page.evaluate("""() => {
        const host = document.getElementById('lumc-chat');
        const inside = document.activeElement === host;
        const el = inside ? host.shadowRoot.activeElement : document.activeElement;
        const r = el ? el.getBoundingClientRect() : null;
        return {inside, what: el ? (el.getAttribute('aria-label') || el.className || el.tagName) : null,
                visible: !!r && r.width > 0 && r.top >= 0 && r.left >= 0
                         && r.bottom <= innerHeight + 1 && r.right <= innerWidth + 1};
    }""")


# --- "Contact a person": consistent help ---------------------------------------------------------

def test_contact_a_person_is_in_the_same_place_on_every_page_and_sends_the_request(scripted):
    new_chat, url, fake = scripted
    chat = open_chat(new_chat, url, WIDE)
    places = []
    for path in ("index.html", "programmes.html"):
        chat.goto(path)
        expect(chat.panel).to_be_visible()
        button, field = contact_button(chat).bounding_box(), chat.input.bounding_box()
        panel = chat.panel.bounding_box()
        assert button["y"] >= field["y"] + field["height"], "the control sits under the question field"
        places.append((round(button["x"] - panel["x"]), round(panel["y"] + panel["height"] - button["y"])))
    assert places[0] == places[1], f"the control moved between pages: {places}"

    contact_button(chat).click()
    expect(chat.user_messages.last.locator(".lcw-bubble")).to_have_text(CONTACT)
    chat.wait_settled()
    assert fake.received[-1]["message"] == "/ask_human"
    expect(chat.bot_messages.last.locator(".lcw-bubble")).to_contain_text("Evelien Hack")
    expect(contact_button(chat)).to_be_visible()  # still there after answers


# --- axe-core, reflow, focus at 320 px ----------------------------------------------------------

@pytest.mark.parametrize("viewport", [WIDE, NARROW], ids=["1280px", "320px"])
def test_axe_finds_no_wcag_22_a_or_aa_violation_with_the_panel_open(scripted, viewport):
    new_chat, url, _ = scripted
    chat = open_chat(new_chat, url, viewport)
    chat.ask("long")
    contact_button(chat).click()
    chat.wait_settled()
    expect(chat.panel).to_be_visible()
    assert axe_report(chat.page) == ""


# The Dutch panel has longer words and the same EN/NL buttons: it must reflow as well.
DUTCH_BUTTONS = ("Versturen", "Chat sluiten", "Nieuw gesprek", "Contact met een medewerker")


@pytest.mark.parametrize("path, buttons", [
    ("index.html", ("Send", "Close chat", "Start over", CONTACT)), ("index.nl.html", DUTCH_BUTTONS),
], ids=["en", "nl"])
def test_reflow_at_320_px(scripted, path, buttons):
    new_chat, url, _ = scripted
    chat = open_chat(new_chat, url, NARROW, path)
    chat.ask("long")
    page = chat.page
    assert page.evaluate("document.documentElement.scrollWidth") <= NARROW["width"], "the page scrolls sideways"
    box = chat.panel.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= NARROW["width"]
    overflow = page.evaluate("""() => {
        const root = document.getElementById('lumc-chat').shadowRoot;
        return [...root.querySelectorAll('.lcw-panel, .lcw-header, .lcw-tools, .lcw-log, .lcw-bubble, .lcw-source, .lcw-help, .lcw-form')]
            .filter((n) => n.scrollWidth > n.clientWidth + 1).map((n) => n.className);
    }""")
    assert overflow == [], f"content cut off or scrolling sideways at 320 px: {overflow}"
    for name in (*buttons, "EN, English", "NL, Nederlands"):
        expect(chat.panel.get_by_role("button", name=name, exact=True)).to_be_in_viewport()
    expect(chat.input).to_be_in_viewport()


def test_focus_stays_in_the_panel_while_it_covers_the_page(scripted):
    new_chat, url, _ = scripted
    chat = open_chat(new_chat, url, NARROW)
    chat.ask("long")  # a link in the log, so there is more to tab through
    page = chat.page
    expect(chat.panel).to_have_attribute("aria-modal", "true")
    for key in ("Tab", "Shift+Tab"):
        seen = set()
        for _ in range(25):
            page.keyboard.press(key)
            where = focus_in_widget(page)
            assert where["inside"], f"{key} moved the focus to the page behind the panel"
            assert where["visible"], f"{key} moved the focus to something out of view: {where}"
            seen.add(where["what"])
        assert {"lcw-contact", "Close chat", "lcw-input"} <= seen, f"{key} did not go round the panel: {seen}"

    # Focus sent to the page by a script (or a screen reader's link list) comes back to the panel.
    page.evaluate("document.querySelector('main a').focus()")
    assert focus_in_widget(page)["inside"]

    # Wide again: the panel is a non-modal dialog in a corner, and Tab may leave it.
    page.set_viewport_size(WIDE)
    expect(chat.panel).to_have_attribute("aria-modal", "false")
    left = False
    for _ in range(25):
        page.keyboard.press("Tab")
        if not focus_in_widget(page)["inside"]:
            left = True
            break
    assert left, "on a wide screen the panel must not trap the focus"


# --- the keyboard path against the real bot -----------------------------------------------------

def test_keyboard_path_open_ask_answer_contact_a_person_close(chat):
    page = chat.page
    for _ in range(30):
        page.keyboard.press("Tab")
        if chat.launcher.evaluate("el => el.getRootNode().activeElement === el"):
            break
    expect(chat.launcher).to_be_focused()
    page.keyboard.press("Enter")  # open
    expect(chat.input).to_be_focused()
    chat.wait_settled()

    before = chat.bot_messages.count()
    page.keyboard.type("can I study at the Karolinska Institute?")  # ask
    page.keyboard.press("Enter")
    chat.wait_settled()
    answer = " ".join(r["text"] for r in chat.replies_after(before))
    assert "Karolinska" in answer, f"no answer about the Karolinska Institute: {answer!r}"

    page.keyboard.press("Tab")  # from the question field to Send, then to "Contact a person"
    page.keyboard.press("Tab")
    expect(contact_button(chat)).to_be_focused()
    before = chat.bot_messages.count()
    page.keyboard.press("Enter")  # contact a person
    expect(chat.user_messages.last.locator(".lcw-bubble")).to_have_text(CONTACT)
    chat.wait_settled()
    offer = chat.replies_after(before)
    text = " ".join(r["text"] for r in offer)
    # The conversation was about studying abroad: the study-abroad contact and the next walk-in hour.
    assert "Evelien Hack" in text and "V5-28" in text, text
    assert re.search(r"(next one is (today|on Monday \d{1,2} \w+ \d{4})|it is on now)", text), text
    assert not re.search(r"[\w.+-]+@[\w-]+\.\w+", text), "no e-mail address the sources do not give"

    page.keyboard.press("Escape")  # close
    expect(chat.panel).to_be_hidden()
    expect(chat.launcher).to_be_focused()  # focus back
