"""Topic words from the lookup tables send a specific question away from a general description."""

from __future__ import annotations

import pytest

from actions.topic_words import INTENT_OF_LOOKUP, _patterns, single_topic


@pytest.mark.parametrize("text, intent", [
    ("a friend told me the research spec costs 20k, true?", "ask_fee"),
    ("is it taught in engels", "ask_language_of_instruction"),
    ("anything about brains in it?", "ask_tracks"),  # a plural of a lookup word
    ("what is the big internship called", "ask_components"),
    ("what will i learn there", None),  # no topic word
    ("fees and duration?", None),  # two topics: the classifier's answer stands
    ("is it cheapskate friendly", None),  # a lookup word inside another word does not count
])
def test_one_named_topic_is_found(text, intent):
    assert single_topic(text) == intent


def test_every_mapped_lookup_table_exists():
    assert set(_patterns()) == set(INTENT_OF_LOOKUP.values())
