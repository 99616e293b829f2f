"""The project's consistency rules (checks/consistency.py) hold for the real data, and each rule
catches the mistake it exists for."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from checks import consistency

PROJECT = Path(__file__).parents[2]


def test_project_data_is_consistent():
    assert consistency.check(PROJECT) == []


@pytest.fixture
def copy(tmp_path):
    for name in ("data", "knowledge", "tests/heldout"):
        shutil.copytree(PROJECT / name, tmp_path / name)
    shutil.copy(PROJECT / "domain.yml", tmp_path / "domain.yml")
    return tmp_path


def append(path: Path, text: str) -> None:
    path.write_text(path.read_text() + text)


def test_faq_without_response_is_reported(copy):
    append(copy / "data/nlu/faq.yml", "\n- intent: faq/housing\n  examples: |\n    - where can i live\n")
    assert any("faq/housing has examples but no response" in p for p in consistency.check(copy))


def test_example_under_two_intents_is_reported(copy):
    append(copy / "data/nlu/chitchat.yml", "\n- intent: thanks\n  examples: |\n    - Hello\n")
    assert any("example of both" in p for p in consistency.check(copy))


def test_intent_without_rule_is_reported(copy):
    (copy / "data/rules/chitchat.yml").write_text((copy / "data/rules/chitchat.yml").read_text().replace(
        "- rule: reply to thanks\n  steps:\n  - intent: thanks\n  - action: utter_thanks\n", ""))
    assert "intent thanks is in no rule or story" in consistency.check(copy)


def test_answer_without_source_is_reported(copy):
    path = copy / "data/responses/faq.yml"
    path.write_text(path.read_text().replace(
        "Source: LUMC study-abroad page\n\n  utter_faq/abroad_find_place", "\n\n  utter_faq/abroad_find_place"))
    assert any("utter_faq/abroad_preferred_partners does not end with" in p for p in consistency.check(copy))


def test_heldout_question_in_training_data_is_reported(copy):
    import yaml

    question = yaml.safe_load((copy / "tests/heldout/in_scope.yml").read_text())["questions"][0]["turns"][-1]
    append(copy / "data/nlu/chitchat.yml", f"\n- intent: help\n  examples: |\n    - {question}\n")
    assert any("is also a training example" in p for p in consistency.check(copy))
