"""The project's consistency rules (checks/consistency.py) hold for the real data, and each rule
catches the mistake it exists for."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

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
    content = yaml.safe_load(path.read_text())
    english = content["responses"]["utter_faq/abroad_preferred_partners"][0]
    english["text"] = english["text"].rsplit("\n", 1)[0]
    path.write_text(yaml.safe_dump(content, allow_unicode=True))
    assert any("utter_faq/abroad_preferred_partners does not end with" in p for p in consistency.check(copy))


def first_heldout_question(copy: Path) -> str:
    import yaml

    return yaml.safe_load((copy / "tests/heldout/in_scope.yml").read_text())["questions"][0]["turns"][-1]


def test_heldout_question_in_training_data_is_reported(copy):
    question = first_heldout_question(copy)
    append(copy / "data/nlu/chitchat.yml", f"\n- intent: help\n  examples: |\n    - {question}\n")
    assert any("is an evaluation question" in p for p in consistency.check(copy))


def test_near_copy_of_an_evaluation_question_is_reported(copy):
    # A typo variant: two letters swapped and the punctuation dropped.
    question = "is there a student discount on the yearly tuition for people from canada"
    near = question.replace("student", "stduent").replace("yearly", "yaerly")
    (copy / "tests/heldout/in_scope.yml").write_text(
        (copy / "tests/heldout/in_scope.yml").read_text() + f"  - turns: [\"{question}?\"]\n    expect: ['x']\n")
    append(copy / "data/nlu/chitchat.yml", f"\n- intent: help\n  examples: |\n    - {near}\n")
    problems = consistency.check(copy)
    assert any("nearly copies the evaluation question" in p and "stduent" in p for p in problems)


def test_every_turn_of_a_conversation_counts(copy):
    opening = "my cousin studies in delft and says the canteen closes early on fridays"
    (copy / "tests/heldout/in_scope.yml").write_text(
        (copy / "tests/heldout/in_scope.yml").read_text()
        + f"  - turns: [\"{opening}\", \"and the library?\"]\n    expect: ['x']\n")
    append(copy / "data/nlu/chitchat.yml", f"\n- intent: help\n  examples: |\n    - {opening}\n")
    assert any(opening in p for p in consistency.check(copy))


def test_allow_listed_collision_is_not_reported(copy):
    question = first_heldout_question(copy)
    (copy / "checks").mkdir()
    (copy / "checks/near_duplicate_allowlist.yml").write_text(
        f"allowed:\n  - example: \"{question}\"\n    why: a test\n")
    append(copy / "data/nlu/chitchat.yml", f"\n- intent: help\n  examples: |\n    - {question}\n")
    assert not any(question in p for p in consistency.check(copy))


def test_a_test_quoting_an_evaluation_question_is_reported(copy):
    question = "which bicycle shop near the station repairs flat tyres on sundays"
    (copy / "tests/heldout/in_scope.yml").write_text(
        (copy / "tests/heldout/in_scope.yml").read_text() + f"  - turns: [\"{question}\"]\n    expect: ['x']\n")
    (copy / "tests/e2e").mkdir(parents=True)
    (copy / "tests/e2e/test_quote.py").write_text(f"MESSAGE = \"{question.capitalize()}?\"\n")
    assert any("tests/e2e/test_quote.py quotes the evaluation question" in p for p in consistency.check(copy))


def test_an_answer_or_intent_without_its_dutch_wording_is_reported(copy):
    path = copy / "data/responses/faq.yml"
    content = yaml.safe_load(path.read_text())
    content["responses"]["utter_faq/covid_notice"] = content["responses"]["utter_faq/covid_notice"][:1]
    path.write_text(yaml.safe_dump(content, allow_unicode=True))
    nl_faq = copy / "data/nlu/nl/faq.yml"
    data = yaml.safe_load(nl_faq.read_text())
    data["nlu"] = [item for item in data["nlu"] if item.get("intent") != "faq/covid_notice"]
    nl_faq.write_text(yaml.safe_dump(data, allow_unicode=True))
    problems = consistency.check(copy)
    assert "utter_faq/covid_notice has no Dutch variation (condition: slot language = nl)" in problems
    assert "intent faq/covid_notice has no Dutch examples in data/nlu/nl/" in problems
