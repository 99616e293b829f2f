"""The widget in Dutch, in headless Chromium: on a page with lang="nl" (or when the page or the
student asks for it) its labels, buttons, privacy notice, status and error messages are Dutch; every
message carries the language of its words; the bot is told the widget's language; axe finds nothing
in either language. Most tests use the stand-in for Rasa's REST channel; the last one the real bot.

Why: many of the students and applicants the assistant is for are Dutch or Flemish, and a screen
reader reads Dutch words with English sounds unless the text is marked as Dutch.
"""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect
from widget_helpers import (
    NARROW, WIDE, FakeRasa, axe_report, free_port, open_chat, screenshot, scripted_site, widget_server,
)

NL_PAGE, EN_PAGE = "index.nl.html", "index.html"
PRIVACY_NL = ("Gesprekken worden 30 dagen bewaard om de antwoorden te verbeteren. Typ geen persoonlijke "
              "gegevens, zoals je studentnummer of e-mailadres.")
SCRIPT = {
    "/greet": [{"text": "Hello!", "buttons": [{"title": "Tuition fee", "payload": "/ask_fee"}]}],
    "/ask_fee": [{"text": "Het collegegeld is €18.016 per jaar.\nBron: LUMC-onderzoekspagina (stand 2022)"}],
    "hoeveel kost de master": [{"text": "Het collegegeld is €18.016 per jaar.\nBron: LUMC-onderzoekspagina",
                                "in_reply_to": "abcdefgh1"}],
    "tuition fee please": [{"text": "The fee is €18,016 per year.\nSource: LUMC research page"}],
    # One turn, two messages: the source line of the last one tells the language of both.
    "two": [{"text": "Eerste deel."}, {"text": "Tweede deel.\nBron: LUMC"}],
    "hallo": [{"text": "Hoi, wat wil je weten?"}],
    "weather": [{"text": "Sorry, I can only answer questions about the programme and studying abroad."}],
    "ok": [{"text": "Oké!"}],
    "/ask_human": [{"text": "Voor studeren in het buitenland kun je terecht bij Evelien Hack, kamer V5-28."}],
}


GREETING_NL = [{"text": "Hoi!", "buttons": [{"title": "Collegegeld", "payload": "/ask_fee"}]}]


class BilingualRasa(FakeRasa):
    """The stand-in, greeting in the language the widget's opening message names."""

    def answer(self, body: dict) -> list[dict]:
        if body["message"] == '/greet{"language":"nl"}':
            return GREETING_NL
        return super().answer(body)


@pytest.fixture
def site(new_chat):
    """(new_chat, url, fake): the demo site against the stand-in for Rasa."""
    with scripted_site(SCRIPT, BilingualRasa) as (url, fake):
        yield new_chat, url, fake


def widget_lang(chat) -> str:
    return chat.page.locator("#lumc-chat").get_attribute("lang")


def bubble_langs(chat, role: str) -> list[str]:
    return chat.page.locator(f".lcw-{role}:not([hidden]) .lcw-bubble").evaluate_all(
        "nodes => nodes.map((n) => n.getAttribute('lang'))")


def expect_dutch_panel(chat) -> None:
    panel = chat.panel
    expect(panel.get_by_text(PRIVACY_NL)).to_be_visible()
    expect(chat.input).to_have_attribute("placeholder", "Typ je vraag…")
    expect(panel.get_by_role("textbox", name="Je vraag")).to_be_visible()
    for name in ("Versturen", "Nieuw gesprek", "Chat sluiten", "Contact met een medewerker"):
        expect(panel.get_by_role("button", name=name, exact=True)).to_be_visible()
    expect(panel.get_by_role("log", name="Gesprek")).to_be_visible()
    toggle = panel.get_by_role("group", name="Taal van de chat")
    expect(toggle.get_by_role("button", name="NL, Nederlands")).to_have_attribute("aria-pressed", "true")
    expect(toggle.get_by_role("button", name="EN, English")).to_have_attribute("aria-pressed", "false")
    assert widget_lang(chat) == "nl"


# --- the page's language ------------------------------------------------------------------------

def test_a_dutch_page_gets_a_dutch_widget_and_a_dutch_greeting(site):
    new_chat, url, fake = site
    chat = new_chat(url)
    chat.goto(NL_PAGE)
    launcher = chat.page.get_by_role("button", name="Chat openen: Leiden Study Assistant")
    expect(launcher).to_have_text("Stel je vraag")
    chat.open_and_greet()
    expect_dutch_panel(chat)
    # The opening names the widget's language, and every body tells it: the greeting has no other
    # way to know it.
    assert fake.received[0]["message"] == '/greet{"language":"nl"}'
    assert fake.received[0]["metadata"] == {"language": "nl"}
    expect(chat.bot_messages.first.locator(".lcw-bubble")).to_have_attribute("lang", "nl")
    expect(chat.quick_replies.first).to_have_attribute("lang", "nl")
    expect(chat.quick_replies.first).to_have_text("Collegegeld")


def test_an_english_page_keeps_the_english_widget_and_says_so(site):
    new_chat, url, fake = site
    chat = open_chat(new_chat, url, WIDE, EN_PAGE)
    assert widget_lang(chat) == "en"
    assert fake.received[0]["message"] == '/greet{"language":"en"}'
    assert fake.received[0]["metadata"] == {"language": "en"}
    expect(chat.panel.get_by_role("button", name="EN, English")).to_have_attribute("aria-pressed", "true")
    expect(chat.bot_messages.first.locator(".lcw-bubble")).to_have_attribute("lang", "en")


def test_config_and_data_lang_override_the_page(site):
    new_chat, url, fake = site
    chat = new_chat(url)
    # LUMCChatConfig.lang makes the English page's widget Dutch ...
    chat.page.route("**/config.js", lambda route: route.fulfill(
        content_type="text/javascript",
        body=f"window.LUMCChatConfig = {json.dumps({'serverUrl': fake_url(fake), 'lang': 'nl-BE'})};"))
    chat.goto(EN_PAGE)
    chat.open_and_greet()
    expect_dutch_panel(chat)

    # ... and data-lang on the tag wins over the page and the config (set on the tag as the page is
    # parsed, before the deferred script runs).
    chat.page.add_init_script("""new MutationObserver((changes) => changes.forEach((c) => c.addedNodes.forEach(
        (n) => { if (n.src && n.src.endsWith('lumc-chat.js')) n.dataset.lang = 'en'; })))
        .observe(document, {childList: true, subtree: true});""")
    chat.page.evaluate("localStorage.clear()")
    chat.goto(NL_PAGE)
    chat.open_and_greet()
    assert widget_lang(chat) == "en"
    expect(chat.panel.get_by_role("button", name="Start over")).to_be_visible()


def fake_url(fake) -> str:
    return f"http://127.0.0.1:{fake.port}"


# --- messages carry their language --------------------------------------------------------------

def test_every_bubble_carries_its_language_and_the_bot_is_told_the_widgets(site):
    new_chat, url, fake = site
    chat = open_chat(new_chat, url, WIDE, NL_PAGE)

    chat.ask("hoeveel kost de master")
    answer = chat.bot_messages.last
    expect(answer.locator(".lcw-bubble")).to_have_text("Het collegegeld is €18.016 per jaar.")
    # The source line is split off, as in English.
    expect(answer.locator(".lcw-source")).to_have_text("Bron: LUMC-onderzoekspagina")
    expect(answer.locator(".lcw-source")).to_have_attribute("lang", "nl")
    expect(answer.get_by_role("group", name="Had je iets aan dit antwoord?")).to_be_visible()
    expect(answer.get_by_role("button", name="Nuttig", exact=True)).to_be_visible()
    expect(answer.get_by_role("button", name="Niet nuttig")).to_be_visible()

    # An English answer (its source line says so) is marked English in the Dutch widget; the
    # student's own words are taken to be in the widget's language.
    chat.ask("tuition fee please")
    expect(chat.bot_messages.last.locator(".lcw-bubble")).to_have_attribute("lang", "en")
    chat.ask("two")  # the source line of the turn's last message
    chat.ask("weather")  # no source line: its words
    chat.ask("ok")  # nothing to tell by: the widget's language

    assert bubble_langs(chat, "user") == ["nl"] * 5
    assert bubble_langs(chat, "bot") == ["nl", "nl", "en", "nl", "nl", "en", "nl"]
    assert {json.dumps(m["metadata"]) for m in fake.received} == {'{"language": "nl"}'}


# --- the toggle -------------------------------------------------------------------------------

def test_the_toggle_switches_the_language_and_the_choice_stays(site):
    new_chat, url, fake = site
    chat = open_chat(new_chat, url, WIDE, EN_PAGE)
    page = chat.page
    expect(page.get_by_role("button", name="Start over")).to_be_visible()
    toggle = chat.panel.get_by_role("group", name="Language of the chat")

    toggle.get_by_role("button", name="NL, Nederlands").click()
    expect_dutch_panel(chat)
    expect(chat.panel.get_by_role("button", name="NL, Nederlands")).to_be_focused()
    # The greeting stays what it was, English, and so does its quick reply's title once it is the
    # student's message; what the student types now is taken to be Dutch.
    expect(chat.bot_messages.first.locator(".lcw-bubble")).to_have_attribute("lang", "en")
    chat.quick_replies.filter(has_text="Tuition fee").click()
    chat.wait_settled()
    chat.ask("hallo")
    assert [m["metadata"] for m in fake.received[1:]] == [{"language": "nl"}] * 2
    assert bubble_langs(chat, "user") == ["en", "nl"]
    assert bubble_langs(chat, "bot") == ["en", "nl", "nl"]

    page.reload()  # the choice is kept with the conversation: after a reload ...
    expect(chat.panel).to_be_visible()
    expect_dutch_panel(chat)
    assert bubble_langs(chat, "bot") == ["en", "nl", "nl"]
    chat.goto("programmes.html")  # ... on another (English) page ...
    expect_dutch_panel(chat)
    chat.panel.get_by_role("button", name="Nieuw gesprek", exact=True).click()  # ... and after starting over
    chat.wait_settled()
    expect_dutch_panel(chat)
    assert (fake.received[-1]["message"], fake.received[-1]["metadata"]) == ('/greet{"language":"nl"}', {"language": "nl"})

    # Back to English on the Dutch page: the student's choice beats the page's language.
    chat.goto(NL_PAGE)
    chat.panel.get_by_role("button", name="EN, English").click()
    expect(chat.panel.get_by_role("button", name="Start over")).to_be_visible()
    page.reload()
    expect(chat.panel.get_by_role("button", name="EN, English")).to_have_attribute("aria-pressed", "true")
    assert widget_lang(chat) == "en"
    assert chat.storage()["lang"] == "en"


# --- errors and status in Dutch -----------------------------------------------------------------

def test_errors_are_in_dutch_and_follow_the_toggle(new_chat):
    rasa_port = free_port()
    with widget_server(free_port(), f"http://127.0.0.1:{rasa_port}") as url:
        chat = new_chat(url)
        chat.goto(NL_PAGE)
        chat.open()
        expect(chat.error).to_have_text(re.compile(
            "^De studieassistent is nu niet bereikbaar. Je bericht is niet verstuurd."))
        chat.input.fill("hallo")
        chat.input.press("Enter")
        expect(chat.user_messages.last.locator(".lcw-note")).to_have_text("Niet verstuurd")
        expect(chat.error.get_by_role("button", name="Opnieuw proberen")).to_be_visible()

        chat.panel.get_by_role("button", name="EN, English").click()  # the shown error is reworded
        expect(chat.error).to_contain_text("can't be reached")
        expect(chat.user_messages.last.locator(".lcw-note")).to_have_text("Not sent")
        chat.panel.get_by_role("button", name="NL, Nederlands").click()

        fake = BilingualRasa(rasa_port, url, SCRIPT)
        try:
            fake.fail_next = 1
            chat.error.get_by_role("button", name="Opnieuw proberen").click()
            expect(chat.error).to_contain_text(
                "De studieassistent had een probleem. (fout 500) Je bericht is niet verstuurd.")
            chat.error.get_by_role("button", name="Opnieuw proberen").click()
            chat.wait_settled()
            expect(chat.error).to_be_hidden()
            expect(chat.bot_messages.last.locator(".lcw-bubble")).to_have_text("Hoi, wat wil je weten?")
        finally:
            fake.close()


# --- axe in both languages (reflow at 320 px in Dutch: test_browser_help_and_access.py) ----------

@pytest.mark.parametrize("path", [NL_PAGE, EN_PAGE], ids=["nl", "en"])
@pytest.mark.parametrize("viewport", [WIDE, NARROW], ids=["1280px", "320px"])
def test_axe_finds_nothing_in_either_language(site, path, viewport):
    new_chat, url, fake = site
    chat = open_chat(new_chat, url, viewport, path)
    chat.ask("hoeveel kost de master")  # a source line and votes
    chat.ask("tuition fee please")  # an English answer in a Dutch widget, or the other way round
    chat.panel.locator(".lcw-contact").click()
    chat.wait_settled()
    assert axe_report(chat.page) == ""

    fake.fail_next = 1
    chat.input.fill("hallo")
    chat.input.press("Enter")
    expect(chat.error).to_be_visible()
    assert axe_report(chat.page) == ""  # with the error and the unsent message

    # The other language by the toggle.
    other = "EN, English" if path == NL_PAGE else "NL, Nederlands"
    chat.panel.get_by_role("button", name=other).click()
    assert axe_report(chat.page) == ""

    chat.page.keyboard.press("Escape")
    expect(chat.launcher).to_be_focused()
    assert axe_report(chat.page) == ""  # closed: the launcher on the page


# --- against the real bot -----------------------------------------------------------------------

def test_the_bot_answers_a_dutch_question_in_a_dutch_bubble(new_chat, widget_url):
    chat = new_chat(widget_url)
    bodies = []
    chat.page.on("request", lambda r: bodies.append(r.post_data_json) if r.method == "POST" else None)
    chat.goto(NL_PAGE)
    chat.open_and_greet()
    # The greeting has no source line: it is marked by its words, Dutch or English.
    greeting = chat.read(0)["text"]
    expect(chat.bot_messages.first.locator(".lcw-bubble")).to_have_attribute(
        "lang", "nl" if greeting.startswith("Hoi") else "en")
    replies = chat.ask("Hoeveel is het collegegeld?")
    assert any(re.search(r"collegegeld.*18[.,]016", r["text"]) for r in replies), replies
    answer = chat.bot_messages.last
    expect(answer.locator(".lcw-source")).to_have_text(re.compile("^Bron: "))
    expect(answer.locator(".lcw-source")).to_have_attribute("lang", "nl")
    expect(answer.locator(".lcw-bubble")).to_have_attribute("lang", "nl")
    expect(chat.user_messages.last.locator(".lcw-bubble")).to_have_attribute("lang", "nl")
    expect(answer.get_by_role("group", name="Had je iets aan dit antwoord?")).to_be_visible()
    assert [b["metadata"] for b in bodies] == [{"language": "nl"}] * 2
    screenshot(chat.page, "widget-dutch.png")
