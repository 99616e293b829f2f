"""The spaCy pipeline Rasa loads (build/spacy_en_lumc, made by `make spacy`) recognises every
knowledge-base synonym with its label, lemmatises, and tells other institutions from the LUMC."""

from __future__ import annotations

from pathlib import Path

import pytest
import spacy

from actions.knowledge_base import knowledge_base

PIPELINE = Path(__file__).parents[2] / "build" / "spacy_en_lumc"
SYNONYMS = list(knowledge_base().all_synonyms())


@pytest.fixture(scope="module")
def nlp():
    if not PIPELINE.exists():
        pytest.fail("build/spacy_en_lumc is missing: run `make spacy`")
    return spacy.load(PIPELINE)


def test_pipeline_has_the_expected_components(nlp):
    assert nlp.pipe_names == ["lemmatizer", "institution_shapes", "entity_ruler"]


def test_lookup_lemmatizer_works(nlp):
    assert [t.lemma_ for t in nlp("students were studying")] == ["student", "be", "study"]


@pytest.mark.parametrize("label, key, synonym", SYNONYMS, ids=[f"{l}:{s}" for l, _, s in SYNONYMS])
def test_every_synonym_is_recognised_in_a_sentence(nlp, label, key, synonym):
    doc = nlp(f"tell me about {synonym} please")
    assert [(e.label_, e.ent_id_) for e in doc.ents] == [(label, key)]


@pytest.mark.parametrize("text, name", [("fees at Tilburg University", "Tilburg University"),
                                        ("what does the university of ghent charge", "university of ghent"),
                                        ("yale medical school deadline", "yale medical school")])
def test_unknown_institutions_are_recognised_by_shape(nlp, text, name):
    assert [(e.text, e.label_) for e in nlp(text).ents] == [(name, "institution")]


@pytest.mark.parametrize("text", ["which university offers medicine", "at the university", "my university"])
def test_generic_university_words_are_not_institutions(nlp, text):
    assert [e.label_ for e in nlp(text).ents] == []
