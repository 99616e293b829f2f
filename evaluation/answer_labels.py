"""Which of the assistant's answers would satisfy an evaluation question, found without labelling.

Evaluation questions carry expected patterns, not intents. Every answer the assistant can give
(each knowledge-base answer, about everything or about one entry, and each fixed FAQ answer) is
rendered once; the answers whose text matches all of a question's patterns are the right ones.
That gives the scorer a confusion between the answer given and the answers that were wanted.
"""

from __future__ import annotations

import functools
import re
from typing import Dict, List, Sequence, Tuple

import yaml

from evaluation.heldout import PROJECT


@functools.lru_cache(maxsize=1)
def catalogue() -> Dict[str, str]:
    """Answer label -> answer text, for every answer the assistant can give."""
    from actions import answers
    from actions.knowledge_base import knowledge_base
    from actions.answers import FACT_BY_INTENT

    kb = knowledge_base()
    texts: Dict[str, str] = {intent: answers.programme_fact(kb, fact).text for intent, fact in FACT_BY_INTENT.items()}
    texts["ask_entry_requirements"] = answers.entry_requirements(kb).text
    by_label = {"language_test": ("ask_language_test", lambda found: answers.language_test(kb, found)),
                "document": ("ask_documents", lambda found: answers.documents(kb, found)),
                "component": ("ask_components", lambda found: answers.components(kb, found)),
                "track": ("ask_tracks", lambda found: answers.tracks(kb, found)),
                "destination": ("ask_study_abroad", lambda found: answers.study_abroad(kb, found))}
    for label, (intent, render) in by_label.items():
        texts[intent] = render([]).text
        for entry in kb.entries_of(label):
            texts[f"{intent}:{entry.key}"] = render([entry]).text
    texts["ask_contact"] = answers.contact(kb, None).text
    texts["ask_contact:study_abroad"] = answers.contact(kb, "study_abroad").text
    responses = yaml.safe_load((PROJECT / "data" / "responses" / "faq.yml").read_text())["responses"]
    for name, variants in responses.items():
        texts[name.removeprefix("utter_")] = variants[0]["text"]
    return texts


def expected_answers(patterns: Sequence[str]) -> Tuple[str, ...]:
    """The labels of the answers whose text matches every pattern."""
    return tuple(label for label, text in catalogue().items()
                 if all(re.search(p, text, re.IGNORECASE) for p in patterns))


def coverage(questions: List[dict]) -> Tuple[int, int]:
    """How many questions at least one answer could satisfy, of all."""
    return sum(bool(expected_answers(q["expect"])) for q in questions), len(questions)
