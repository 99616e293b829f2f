"""Builds the spaCy pipeline that Rasa's SpacyNLP loads: blank English, lookup lemmatizer, EntityRuler.

No pretrained spaCy model can be installed on our machines, so the pipeline is made here from
packages we can install (spaCy and spacy-lookups-data) and from the knowledge base: every synonym of
a destination, track, language test, document, component or institution becomes an EntityRuler
pattern, so a new entry in knowledge/ is recognised after `make spacy` (no retraining needed).

Usage: python -m spacy_pipeline.build [OUTPUT_DIR]   (default: build/spacy_en_lumc)
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Dict, List

import spacy

from actions.knowledge_base import KnowledgeBase

DEFAULT_OUTPUT = Path(__file__).resolve().parent.parent / "build" / "spacy_en_lumc"

# Words that may stand before "university"/"medical school" without naming another institution.
NOT_A_NAME = ["the", "a", "an", "which", "what", "this", "that", "my", "your", "our", "any",
              "other", "another", "dutch", "leiden", "medical", "good", "best", "same", "at", "of",
              "in", "to", "for", "lumc", "which", "every", "each", "some", "her", "his"]


def synonym_patterns(nlp: spacy.Language, kb: KnowledgeBase) -> List[Dict[str, Any]]:
    """One case-insensitive token pattern per knowledge-base synonym."""
    patterns = []
    for label, key, synonym in kb.all_synonyms():
        tokens = [{"LOWER": token.lower_} for token in nlp.make_doc(synonym)]
        patterns.append({"label": label, "pattern": tokens, "id": key})
    return patterns


def institution_shape_patterns() -> List[Dict[str, Any]]:
    """'X university', 'university of X', 'X medical school': institutions the KB does not list."""
    name = {"IS_ALPHA": True, "LOWER": {"NOT_IN": NOT_A_NAME}}
    school = {"LOWER": {"IN": ["university", "uni", "college", "umc"]}}
    return [
        {"label": "institution", "pattern": [name, school], "id": "other"},
        {"label": "institution", "pattern": [{"LOWER": "university"}, {"LOWER": "of"}, name],
         "id": "other"},
        {"label": "institution", "pattern": [name, {"LOWER": "medical"}, {"LOWER": "school"}],
         "id": "other"},
    ]


def build(output: Path = DEFAULT_OUTPUT, kb: KnowledgeBase | None = None) -> spacy.Language:
    kb = kb or KnowledgeBase()
    nlp = spacy.blank("en")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    # Shapes first, so that the knowledge base's own names overwrite them where both match.
    shapes = nlp.add_pipe("entity_ruler", name="institution_shapes")
    ruler = nlp.add_pipe("entity_ruler", config={"overwrite_ents": True})
    nlp.initialize()  # loads the lemma tables from spacy-lookups-data; must precede add_patterns
    shapes.add_patterns(institution_shape_patterns())
    ruler.add_patterns(synonym_patterns(nlp, kb))
    nlp.meta["name"] = "en_lumc"
    nlp.meta["description"] = "Leiden Study Assistant: blank en + lookup lemmatizer + knowledge-base EntityRuler"
    output.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(output)
    return nlp


def main(argv: List[str]) -> int:
    output = Path(argv[1]) if len(argv) > 1 else DEFAULT_OUTPUT
    nlp = build(output)
    ruler = nlp.get_pipe("entity_ruler")
    print(f"spaCy pipeline with {len(ruler.patterns)} entity patterns written to {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
