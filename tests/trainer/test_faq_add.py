"""`python -m trainer.faq add`: refusals leave every file byte-for-byte unchanged; a good entry is
written in the project's formatting and passes the project's consistency rules."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from checks import consistency
from tests.trainer.conftest import HOUSING, add_housing_source, snapshot
from trainer import faq


def run(root: Path, capsys, entry: dict, tmp_path: Path):
    draft = tmp_path / "draft.yml"
    draft.write_text(yaml.safe_dump(entry, sort_keys=False))
    code = faq.main(["add", "--from", str(draft), "--project", str(root)])
    out = capsys.readouterr()
    return code, out.out, out.err


def refused(project_copy, capsys, tmp_path, entry, *expected):
    before = snapshot(project_copy)
    code, out, err = run(project_copy, capsys, entry, tmp_path)
    assert code == 2, out + err
    assert "Refused: nothing was changed" in err
    for text in expected:
        assert text in err, err
    assert snapshot(project_copy) == before
    return err


@pytest.fixture
def housing(project_copy):
    add_housing_source(project_copy)
    return {**HOUSING, "examples": list(HOUSING["examples"])}


def test_duplicate_key_is_refused(project_copy, capsys, tmp_path, housing):
    refused(project_copy, capsys, tmp_path, {**housing, "key": "abroad_why"},
            'an FAQ entry with the key "abroad_why" already exists', "choose another key")


def test_example_of_another_intent_is_refused(project_copy, capsys, tmp_path, housing):
    # "why should i study abroad" is an example of faq/abroad_why; case and punctuation do not matter.
    housing["examples"][2] = "Why should I study abroad?!"
    err = refused(project_copy, capsys, tmp_path, housing,
                  '"Why should I study abroad?!" is already an example of faq/abroad_why', "remove or reword it")
    assert "data/nlu/faq.yml" in err


def test_example_of_a_non_faq_intent_is_refused(project_copy, capsys, tmp_path, housing):
    housing["examples"].append("How high is the tuition-Fee?")
    refused(project_copy, capsys, tmp_path, housing, "ask_fee")


def test_missing_answer_is_refused(project_copy, capsys, tmp_path, housing):
    refused(project_copy, capsys, tmp_path, {**housing, "answer": "  "}, "the English answer is missing")


def test_missing_dutch_answer_or_examples_are_refused(project_copy, capsys, tmp_path, housing):
    refused(project_copy, capsys, tmp_path, {**housing, "answer_nl": "", "examples_nl": housing["examples_nl"][:3]},
            "the Dutch answer is missing", "only 3 different Dutch example question(s): give at least 8")


def test_too_short_answer_is_refused(project_copy, capsys, tmp_path, housing):
    refused(project_copy, capsys, tmp_path, {**housing, "answer": "Ask the housing office."},
            "the English answer is too short (23 characters)", "at least 40")


def test_answer_with_its_own_source_line_is_refused(project_copy, capsys, tmp_path, housing):
    refused(project_copy, capsys, tmp_path, {**housing, "answer": housing["answer"] + "\nSource: me"},
            'contains a "Source:" line')


def test_too_few_examples_are_refused(project_copy, capsys, tmp_path, housing):
    refused(project_copy, capsys, tmp_path, {**housing, "examples": housing["examples"][:5]},
            "only 5 different English example question(s): give at least 8")


def test_repeated_example_counts_once(project_copy, capsys, tmp_path, housing):
    examples = housing["examples"][:7] + ["Where can I find housing in Leiden?"]
    refused(project_copy, capsys, tmp_path, {**housing, "examples": examples},
            "are the same question", "only 7 different English example question(s)")


def test_unknown_source_is_refused(project_copy, capsys, tmp_path, housing):
    refused(project_copy, capsys, tmp_path, {**housing, "source": "wikipedia"},
            'unknown source "wikipedia"', "research_page", "make kb-add KIND=source")


def test_heldout_question_as_example_is_refused(project_copy, capsys, tmp_path, housing):
    heldout = yaml.safe_load((project_copy / "tests/heldout/in_scope.yml").read_text())
    question = heldout["questions"][0]["turns"][-1]
    housing["examples"].append(question)
    refused(project_copy, capsys, tmp_path, housing, f'"{question}" (data/nlu/faq.yml) is an evaluation question',
            "remove or reword this example")


def test_broken_yaml_in_an_existing_file_is_refused(project_copy, capsys, tmp_path, housing):
    path = project_copy / "data/nlu/chitchat.yml"
    lines = path.read_text().splitlines(keepends=True)
    assert lines[3] == "- intent: greet\n"
    lines[3] = "- intent: greet: hello\n"  # a second colon on one line: invalid YAML
    path.write_text("".join(lines))
    err = refused(project_copy, capsys, tmp_path, housing, "data/nlu/chitchat.yml line 4, column",
                  "broken YAML", "mapping values are not allowed here")
    assert "Fix that line" in err


def test_invalid_key_and_bad_date_are_refused(project_copy, capsys, tmp_path, housing):
    refused(project_copy, capsys, tmp_path, {**housing, "key": "Housing Info", "as_of": "soon"},
            'the key "Housing Info" is not valid', 'the as-of date "soon" is not a date')


def test_good_entry_is_written_in_the_project_formatting(project_copy, capsys, tmp_path, housing):
    housing["quick_replies"] = ["Tuition fee=/ask_fee", "Who do I contact?"]
    nlu_before = (project_copy / "data/nlu/faq.yml").read_text()
    nl_before = (project_copy / "data/nlu/nl/faq.yml").read_text()
    responses_before = (project_copy / "data/responses/faq.yml").read_text()
    code, out, err = run(project_copy, capsys, housing, tmp_path)
    assert code == 0, err
    assert 'Added the FAQ entry "housing"' in out
    nlu = (project_copy / "data/nlu/faq.yml").read_text()
    responses = (project_copy / "data/responses/faq.yml").read_text()
    # Appended as blocks: the old text (with its comments) is an unchanged prefix.
    assert nlu.startswith(nlu_before) and responses.startswith(responses_before)
    assert nlu[len(nlu_before):] == "\n- intent: faq/housing\n  examples: |\n" + "".join(
        f"    - {e}\n" for e in housing["examples"])
    buttons = ("    buttons:\n    - title: Tuition fee\n      payload: /ask_fee\n"
               "    - title: Who do I contact?\n      payload: Who do I contact?\n")
    assert responses[len(responses_before):] == (
        "\n  utter_faq/housing:\n  - text: |-\n"
        f"      {housing['answer']}\n"
        "      Source: Leiden University housing page (as of 2026)\n" + buttons +
        "  - condition:\n    - type: slot\n      name: language\n      value: nl\n    text: |-\n"
        f"      {housing['answer_nl']}\n"
        "      Bron: Leiden University housing page (stand 2026)\n" + buttons)
    nl = (project_copy / "data/nlu/nl/faq.yml").read_text()
    assert nl[len(nl_before):] == "\n- intent: faq/housing\n  examples: |\n" + "".join(
        f"    - {e}\n" for e in housing["examples_nl"])
    stories = yaml.safe_load((project_copy / "tests/stories/test_conversations.yml").read_text())["stories"]
    assert stories[-1]["steps"] == [{"user": housing["examples"][0] + "\n", "intent": "faq"},
                                    {"action": "action_answer"}]
    assert consistency.check(project_copy) == []
    # The same entry again is now a duplicate.
    code, _, err = run(project_copy, capsys, housing, tmp_path)
    assert code == 2 and "already exists" in err


def test_interactive_questions(project_copy, monkeypatch, housing):
    answers = iter([housing["key"], *housing["examples"], "", housing["answer"], "", *housing["examples_nl"], "",
                    housing["answer_nl"], "", "housing_page", "", "Tuition fee=/ask_fee", ""])
    entry = faq.interactive(project_copy, ask=lambda prompt="": next(answers))
    assert entry.key == "housing" and entry.examples == housing["examples"]
    assert entry.source == "housing_page" and entry.as_of == "2026"  # default: the source's date
    assert entry.quick_replies == [{"title": "Tuition fee", "payload": "/ask_fee"}]
    faq.add(project_copy, entry)
    assert consistency.check(project_copy) == []


def test_flags(project_copy, capsys, housing):
    argv = ["add", "--project", str(project_copy), "--key", "housing", "--answer", housing["answer"],
            "--answer-nl", housing["answer_nl"], "--source", "housing_page"] + [
        a for e in housing["examples"] for a in ("--example", e)] + [
        a for e in housing["examples_nl"] for a in ("--example-nl", e)]
    assert faq.main(argv) == 0, capsys.readouterr().err
    assert "Source: Leiden University housing page\n" in (project_copy / "data/responses/faq.yml").read_text() + "\n"


def test_examples_close_to_another_intents_declines_are_warned_about(project_copy):
    """A new answer whose example nearly repeats a not_covered question would take it over
    (what `make faq-add` prints after adding an entry)."""
    from trainer import examples as ex

    new = ["is there a study association for biomedical sciences"] + HOUSING["examples"][1:]
    examples = ex.all_examples(project_copy)
    examples["faq/study_association"] = [(e, project_copy / "data/nlu/faq.yml") for e in new]
    assert (0.84, "faq/study_association", "is there a study association for biomedical sciences", "not_covered",
            "is there a study association for biomedical sciences in leiden, like mfls") in ex.near_repeats(examples, new)
    assert ex.near_repeats(examples, []) == []


def test_make_check_warns_about_new_examples_close_to_other_intents(project_copy, capsys):
    import subprocess

    from trainer import check

    git = lambda *args: subprocess.run(["git", "-C", str(project_copy), *args], check=True,  # noqa: E731
                                       capture_output=True)
    git("init", "-q")
    git("add", "-A")
    git("-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", "base")
    assert check.main(["--project", str(project_copy)]) == 0
    assert "New examples" not in capsys.readouterr().out
    path = project_copy / "data/nlu/programme.yml"
    path.write_text(path.read_text().replace(
        "    - tuition fees at utrecht university\n",
        "    - tuition fees at utrecht university\n    - is there a study association for biomedical sciences\n", 1))
    check.main(["--project", str(project_copy)])
    out = capsys.readouterr().out
    assert "New examples (since the last commit) close to examples of other intents: 1 warning(s)" in out
    assert 'new "is there a study association for biomedical sciences" (ask_fee)' in out and "(not_covered)" in out
