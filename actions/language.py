"""Which of the assistant's two languages a message is in, and which language the conversation
continues in after it (the slot `language`).

Identification is py3langid's (its model ships inside the package; no download), restricted to
English and Dutch. Measured on the last turns of the shared sets (docs/benchmarks.md, "Language
identification"): py3langid 97.8% of Dutch and 99.1% of English messages right, lingua 96.7% and
99.1% at three times the time and a 96 MB wheel, so py3langid is the one kept. A message that mixes
Dutch words into English ("how much is the fee voor mij als eu student?") is Dutch: py3langid reads
it as English, so the words only the assistant's own Dutch texts use decide first (measured in
docs/benchmarks.md, "Eighth session").

The conversation's language is decided for each student message in the NLU pipeline
(nlu_components/message_language.py, with `language_after`), before any rule's action or response:
a message too short to tell ("ok", "en cuba?") keeps it, and a request for a language ("in Dutch
please", intent `switch_language`) switches to the language it names (Babel's names of the
languages). The names the NLU found in the message (its entities: "Leiden", "LUMC", "Karolinska")
are left out before identifying it: a name is no evidence of a language, and with it "master fee
leiden" reads as Dutch (measured in docs/benchmarks.md, "Seventh session"). Responses pick their
Dutch variation by the slot `language` (Rasa's conditional variations), and the custom action words
its answers in the slot's language. A conversation whose first messages are not clear takes the
language of the widget's page (the REST body's `metadata.language`), else English. The scorer
(evaluation/heldout.py) uses the same identification to tell whether a reply is Dutch.
"""

from __future__ import annotations

import functools
import re
from typing import Any, Dict, Iterable, Optional, Set, Tuple

LANGUAGES = ("en", "nl")
DEFAULT_LANGUAGE = "en"
# Below this probability a message does not change the conversation's language (single words such
# as "ok", "cuba?" or "tracks" are as likely Dutch as English).
SURE = 0.9
# A message with at least this many words that only the assistant's Dutch texts use is Dutch, however
# much English it mixes in ("what's the fee voor de research master?"): Dutch students write
# English terms into Dutch sentences; an English writer does not write Dutch words.
MIXED_DUTCH_WORDS = 2


@functools.lru_cache(maxsize=1)
def _identifier():
    from py3langid import langid

    identifier = langid.LanguageIdentifier.from_pickled_model(langid.MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(LANGUAGES))
    return identifier


_NOT_WORDS = re.compile(r"https?://\S+|[\d€$%.,:;!?()\[\]\"'/\\-]+")


def without_spans(text: str, spans: Iterable[Tuple[int, int]]) -> str:
    """`text` without the characters of `spans` (start, end): the names the NLU found in it."""
    for start, end in sorted(spans, reverse=True):
        text = f"{text[:start]} {text[end:]}"
    return text


def language_of(text: str) -> Tuple[str, float]:
    """The more likely of English and Dutch for `text`, and its probability."""
    cleaned = _NOT_WORDS.sub(" ", text or "").strip()
    if not cleaned:
        return DEFAULT_LANGUAGE, 0.0
    language, probability = _identifier().classify(cleaned.lower())
    return str(language), float(probability)


def _words(text: str) -> Set[str]:
    return set(re.findall(r"[^\W\d_]+", (text or "").lower()))


def _texts_by_language(node: Any, into: Dict[str, Set[str]], lang: str = DEFAULT_LANGUAGE) -> None:
    """The words of the knowledge base's texts, by the language each is written in: a value under
    `nl` or `<field>_nl` is Dutch, any other English. Synonym lists (students' words, both languages
    mixed) are left out."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key != "synonyms":
                _texts_by_language(value, into, "nl" if str(key) == "nl" or str(key).endswith("_nl") else lang)
    elif isinstance(node, list):
        for value in node:
            _texts_by_language(value, into, lang)
    elif isinstance(node, str):
        into.setdefault(lang, set()).update(_words(node))


@functools.lru_cache(maxsize=1)
def _words_by_language() -> Dict[str, Set[str]]:
    """The words of the assistant's texts (the knowledge base's answers, names and phrases) by
    language. The knowledge base's files as it has read them: imported here, since the knowledge base
    needs this module's languages."""
    from actions.knowledge_base import knowledge_base

    words: Dict[str, Set[str]] = {}
    for content in knowledge_base().files.values():
        _texts_by_language(content, words)
    return words


@functools.lru_cache(maxsize=None)
def only_words(language: str) -> frozenset:
    """Words the assistant's texts in `language` use and its texts in the other never do (Dutch:
    "voor", "naast", "hoeveel"; English: "how", "which")."""
    words = _words_by_language()
    others = set().union(*(words.get(other, set()) for other in LANGUAGES if other != language))
    return frozenset(words.get(language, set()) - others)


def sure_language(text: str) -> Optional[str]:
    """The message's language when it is clear enough to set the conversation's, else None. A message
    mixing Dutch words into English is Dutch."""
    words = _words(text)
    dutch = words & only_words("nl")
    # One Dutch word is enough where no word is one only the English texts use ("wat houdt data@work
    # precies in?" reads as English at 0.99 without its name).
    if len(dutch) >= MIXED_DUTCH_WORDS or (dutch and not words & only_words("en")):
        return "nl"
    language, probability = language_of(text)
    return language if probability >= SURE else None


def conversation_language(text: str, current: Optional[str], page: Optional[str] = None) -> Optional[str]:
    """The language the conversation continues in after the message `text`: the message's when it
    is clear, else the conversation's, else that of the page the widget is on (`page`), else none
    (read as English). A short first message is no evidence: "minimum TOEFL?" looks Dutch."""
    if text and not text.startswith("/"):  # a button's payload says nothing about language
        sure, words = sure_language(text), _words(text)
        # A message with a word only the conversation's language uses, and none only the other uses,
        # keeps it: on a few words the identifier is often sure and wrong ("welke precies?" reads as
        # English at 0.99), while "wat zijn de admission requirements?" is Dutch with English terms.
        if sure and not (current in LANGUAGES and words & only_words(current) and not words & only_words(sure)):
            return sure
    return current or page


# The intent of a request to answer in another language (knowledge/catalogue.yml).
SWITCH_INTENT = "switch_language"


@functools.lru_cache(maxsize=1)
def _language_names() -> Dict[str, str]:
    """Lower-cased name of each of the assistant's languages, as each of them writes it ("dutch",
    "nederlands", "flemish", "vlaams", "english", "engels") -> the language. From Babel's CLDR data."""
    from babel import Locale

    names: Dict[str, str] = {}
    for writer in LANGUAGES:
        for code, name in Locale(writer).languages.items():
            language = code.split("_")[0]
            if language in LANGUAGES:
                names[name.lower()] = language
    return names


def named_language(text: str) -> Optional[str]:
    """The one language of the assistant's that `text` names ("kan het in het Engels?": en), or None."""
    words = set(re.findall(r"\w+", (text or "").lower()))
    named = {language for name, language in _language_names().items() if name in words}
    return named.pop() if len(named) == 1 else None


def language_after(text: str, intent: Optional[str], entities: Iterable[Dict[str, Any]], current: Optional[str],
                   page: Optional[str] = None) -> Optional[str]:
    """The conversation's language after a student message: `text`, the `intent` and `entities` the
    NLU found in it, the conversation's language so far (`current`) and the widget's page's."""
    names = [(e["start"], e["end"]) for e in entities or []
             if isinstance(e.get("start"), int) and isinstance(e.get("end"), int)]
    text = without_spans(text or "", names)
    # A request for the other language ("in Dutch please", written in English) gets the one it names.
    asked = named_language(text) if intent == SWITCH_INTENT else None
    return asked or conversation_language(text, current, page if page in LANGUAGES else None)
