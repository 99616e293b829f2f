"""Which of the assistant's two languages a message is in, and the action that keeps the
conversation's language in the slot `language` before anything answers a message.

Identification is py3langid's (its model ships inside the package; no download), restricted to
English and Dutch. Measured on the last turns of the shared sets (docs/benchmarks.md, "Language
identification"): py3langid 97.8% of Dutch and 99.1% of English messages right, lingua 96.7% and
99.1% at three times the time and a 96 MB wheel, so py3langid is the one kept.

`action_validate_slot_mappings` (run by Rasa at the end of `action_extract_slots`, at every student
message, before the rule's action or response) keeps the conversation's language with it: a
message too short to tell ("ok", "en cuba?") keeps it, and "in English please" switches it, because
it is English. Responses pick their Dutch variation by the slot (Rasa's conditional variations),
and the custom action words its answers in the slot's language. The first message of a conversation
sets its most likely language even when that is not clear, so that a mixed first question is
answered in its likelier language. The scorer (evaluation/heldout.py)
uses the same identification to tell whether a reply is Dutch.
"""

from __future__ import annotations

import functools
import re
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

LANGUAGES = ("en", "nl")
DEFAULT_LANGUAGE = "en"
# Below this probability a message does not change the conversation's language (single words such
# as "ok", "cuba?" or "tracks" are as likely Dutch as English).
SURE = 0.9


@functools.lru_cache(maxsize=1)
def _identifier():
    from py3langid import langid

    identifier = langid.LanguageIdentifier.from_pickled_model(langid.MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(LANGUAGES))
    return identifier


_NOT_WORDS = re.compile(r"https?://\S+|[\d€$%.,:;!?()\[\]\"'/\\-]+")


def language_of(text: str) -> Tuple[str, float]:
    """The more likely of English and Dutch for `text`, and its probability."""
    cleaned = _NOT_WORDS.sub(" ", text or "").strip()
    if not cleaned:
        return DEFAULT_LANGUAGE, 0.0
    language, probability = _identifier().classify(cleaned.lower())
    return str(language), float(probability)


def sure_language(text: str) -> Optional[str]:
    """The message's language when it is clear enough to set the conversation's, else None."""
    language, probability = language_of(text)
    return language if probability >= SURE else None


def conversation_language(text: str, current: Optional[str], page: Optional[str] = None) -> Optional[str]:
    """The language the conversation continues in after the message `text`; `page` is the language
    of the page the widget is on, which starts a conversation whose first message is a button."""
    if not text or text.startswith("/"):  # a button's payload says nothing about language
        return current or page
    return sure_language(text) or (current if current in LANGUAGES else language_of(text)[0])


class ActionKeepLanguage(Action):
    def name(self) -> Text:
        return "action_validate_slot_mappings"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[str, Any]) -> List[Dict[str, Any]]:
        current = tracker.get_slot("language")
        message = tracker.latest_message or {}
        page = (message.get("metadata") or {}).get("page_language")
        language = conversation_language(message.get("text") or "", current, page if page in LANGUAGES else None)
        return [SlotSet("language", language)] if language != current else []
