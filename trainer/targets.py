"""What a student message can be taught as: the real intents and FAQ answers, with plain titles.

The one place that lists them, so the staff page's "Use for training" and inbox choices,
`make inbox` and the staff page's plain words for what the assistant did all agree: the questions
of the catalogue (knowledge/catalogue.yml, which domain.yml follows) with the catalogue's titles,
and the answer keys of data/responses/faq.yml.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Optional

import yaml

from trainer.project import PROJECT

FAQ_PREFIX = "faq/"
# Questions the catalogue gives no title (they are no topic), in the words a reviewer would use.
OTHER_TITLES = {
    "greet": "greeting", "goodbye": "goodbye", "thanks": "thanks", "bot_challenge": "are you a bot?",
    "help": "what can you do?", "out_of_scope": "off topic (to decline)",
    "not_covered": "not in the documents (to decline)", "followup": "follow-up (what about ...?)",
    "ask_detail": "a detail of the previous answer", "ask_human": "a person to talk to",
}
# The retrieval intent itself is never a target: its answers are (faq/<key>).
NOT_TARGETS = {"faq"}


@dataclass(frozen=True)
class Target:
    name: str   # an intent of domain.yml, or faq/<key> of data/responses/faq.yml
    title: str  # plain words: "the tuition fee", "FAQ: abroad why"


def _load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


CATALOGUE = Path("knowledge/catalogue.yml")
FAQ_RESPONSES = Path("data/responses/faq.yml")


@lru_cache(maxsize=8)
def _targets(root: Path, stamp: tuple) -> tuple:
    questions = _load(root / CATALOGUE).get("questions") or {}
    faq_keys = [name.split("/", 1)[1] for name in _load(root / FAQ_RESPONSES).get("responses") or {}
                if name.startswith("utter_" + FAQ_PREFIX)]
    found = [Target(i, _title(i, spec)) for i, spec in questions.items() if i not in NOT_TARGETS]
    return tuple(found + [Target(FAQ_PREFIX + key, title(FAQ_PREFIX + key)) for key in faq_keys])


def training_targets(root: Path = PROJECT) -> List[Target]:
    """Every intent and FAQ answer a message can be taught as, in the files' order."""
    files = (root / CATALOGUE, root / FAQ_RESPONSES)
    return list(_targets(root.resolve(), tuple(p.stat().st_mtime_ns for p in files)))


def find_target(name: str, root: Path = PROJECT) -> Optional[Target]:
    """The target called `name` (an intent or faq/<key>), or None when there is none."""
    return next((t for t in training_targets(root) if t.name == (name or "").strip()), None)


def _title(name: str, spec: Optional[dict]) -> str:
    """The catalogue's English title without its article ("tuition fee"), else a plain phrase."""
    text = ((spec or {}).get("title") or {}).get("en")
    if not text:
        return OTHER_TITLES.get(name, name.replace("_", " "))
    if text.startswith("The "):
        return text[4:]
    return text if text.startswith("English") else text[0].lower() + text[1:]


def title(name: Optional[str], root: Path = PROJECT) -> str:
    """Plain words for an intent or faq/<key>: "tuition fee", "FAQ: abroad why"."""
    if not name:
        return ""
    if name.startswith(FAQ_PREFIX):
        return "FAQ: " + name[len(FAQ_PREFIX):].replace("_", " ")
    known = next((t.title for t in training_targets(root) if t.name == name), None)
    return known or OTHER_TITLES.get(name, name.replace("_", " "))


def titles(root: Path = PROJECT) -> Dict[str, str]:
    return {t.name: t.title for t in training_targets(root)}
