"""The catalogue of questions (knowledge/catalogue.yml), and the tables the decision reads from it.

Each question the assistant tells apart is defined once there; these are views of it, so that an
attribute added to the catalogue is known to the decision, the answers, the "Did you mean" buttons
and the staff pages without editing a list in each.
"""

from __future__ import annotations

import functools
from typing import Any, Dict, Tuple

import yaml

from actions.knowledge_base import KNOWLEDGE_DIR
from actions.wording import pick

CATALOGUE = KNOWLEDGE_DIR / "catalogue.yml"


@functools.lru_cache(maxsize=1)
def questions() -> Dict[str, Dict[str, Any]]:
    return yaml.safe_load(CATALOGUE.read_text(encoding="utf-8"))["questions"]


def _where(field: str) -> Dict[str, Any]:
    """Intent -> its `field`, for the questions that have one."""
    return {intent: spec[field] for intent, spec in questions().items() if spec.get(field) is not None}


def title(intent: str, lang: str) -> str:
    return pick(questions()[intent]["title"], lang)


def attribute(intent: str, lang: str) -> str:
    """What the question asks, as a sentence names it ("the application deadline")."""
    return pick(questions()[intent]["attribute"], lang)


# Questions whose answer is composed from the knowledge base (they have a title to offer as a choice).
ANSWERABLE: Tuple[str, ...] = tuple(_where("title"))
# Intent -> programme fact that answers it.
FACT_BY_INTENT: Dict[str, str] = _where("fact")
# Entity label -> the question about its entries, and the topic that answer leaves.
INTENT_OF_LABEL: Dict[str, str] = {label: intent for intent, label in _where("about").items()}
LABEL_OF_INTENT: Dict[str, str] = _where("about")
TOPIC_OF_LABEL: Dict[str, str] = {spec["about"]: spec["topic"] for spec in questions().values() if spec.get("about")}
# Facts of this master: asked about another programme, the documents do not state them.
PROGRAMME_FACTS: Tuple[str, ...] = tuple(intent for intent, spec in questions().items() if spec.get("programme"))
# Question -> the kinds of entry whose own answer answers it when one of them is named or was just
# discussed (and no entry of the question's own kind is named).
ENTRIES_ANSWER: Dict[str, Tuple[str, ...]] = {intent: tuple(kinds) for intent, kinds in _where("entries_answer").items()}
# Question -> what composes its answer (actions/answers.py, COMPOSERS).
COMPOSER_OF_INTENT: Dict[str, str] = _where("compose")
# Question -> the lookup table (data/nlu/vocabulary.yml) of the words that ask it.
WORDS_OF_INTENT: Dict[str, str] = _where("words")
