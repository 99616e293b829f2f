"""`make check`, the trainer inbox and the before/after report of `make evaluate`."""

from __future__ import annotations

import pytest
import yaml

from staff import inbox as staff_inbox
from stores.db_url import create_engine
from tests.trainer.conftest import snapshot
from trainer import check, evaluate, inbox, faq, targets


# --- make check --------------------------------------------------------------------------------

def test_check_passes_on_the_project_data(project_copy, capsys):
    assert check.main(["--project", str(project_copy)]) == 0
    out = capsys.readouterr().out
    assert "1. YAML syntax: ok" in out and "2. Consistency rules: ok" in out


def test_check_reports_broken_yaml_with_file_and_line(project_copy, capsys):
    path = project_copy / "domain.yml"
    path.write_text(path.read_text().replace("  - greet\n", "  - greet\n bad: [\n", 1))
    assert check.main(["--project", str(project_copy)]) == 1
    out = capsys.readouterr().out
    assert "ERROR domain.yml line " in out


def test_check_reports_consistency_problems_and_near_duplicates(project_copy, capsys):
    path = project_copy / "data/nlu/chitchat.yml"
    path.write_text(path.read_text().replace("    - thank you\n", "    - thank you\n    - Hello!\n    - how can you help me\n", 1))
    assert check.main(["--project", str(project_copy)]) == 1
    out = capsys.readouterr().out
    assert '"Hello!" (data/nlu/chitchat.yml) is an example of both greet and thanks' in out
    # "how can you help me" (thanks) is close to "how can u help me" (help): a warning, not an error.
    assert 'WARNING 0.94 "how can u help me" (help)  ~  "how can you help me" (thanks)' in out


# --- the trainer inbox --------------------------------------------------------------------------

@pytest.fixture
def db(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'conversations.db'}"
    monkeypatch.setenv("TRACKER_DB_URL", url)
    return create_engine(url)


def mark(db, text, suggested="ask_fee"):
    return staff_inbox.mark(db, sender_id="s1", message_text=text, suggested_intent=suggested, marked_by="rev")


def status(db, item_id):
    return next(i.status for i in staff_inbox.list_items(db) if i.id == item_id)


def test_list_shows_pending_items(project_copy, db, capsys):
    mark(db, "how many euros is the master per year")
    assert inbox.main(["--project", str(project_copy), "list"]) == 0
    out = capsys.readouterr().out
    assert '"how many euros is the master per year"' in out and "suggested: ask_fee" in out


def test_accept_as_example_of_an_existing_intent(project_copy, db, capsys):
    item = mark(db, "how many euros is the master per year")
    before = (project_copy / "data/nlu/programme.yml").read_text()
    assert inbox.main(["--project", str(project_copy), "--by", "tom", "accept", str(item), "--intent", "ask_fee"]) == 0
    after = (project_copy / "data/nlu/programme.yml").read_text()
    assert after == before.replace("    - tution fee\n", "    - tution fee\n", 1).replace(
        "\n- intent: ask_duration", "    - how many euros is the master per year\n\n- intent: ask_duration", 1)
    fee = next(i for i in yaml.safe_load(after)["nlu"] if i["intent"] == "ask_fee")
    assert fee["examples"].endswith("- how many euros is the master per year\n")
    assert status(db, item) == "accepted"


def test_accept_of_a_used_example_is_refused_and_stays_pending(project_copy, db, capsys):
    item = mark(db, "Why should I study abroad?", "ask_study_abroad")
    before = snapshot(project_copy)
    assert inbox.main(["--project", str(project_copy), "accept", str(item), "--intent", "ask_study_abroad"]) == 2
    assert "faq/abroad_why" in capsys.readouterr().err
    assert snapshot(project_copy) == before and status(db, item) == "pending"


def test_accept_with_unknown_intent_is_refused(project_copy, db, capsys):
    item = mark(db, "where do i sleep")
    assert inbox.main(["--project", str(project_copy), "accept", str(item), "--intent", "faq"]) == 2
    assert "faq/<key>" in capsys.readouterr().err and status(db, item) == "pending"


def test_accept_as_new_faq_seed_writes_a_draft(project_copy, db, capsys):
    item = mark(db, "is there student housing near the lumc", staff_inbox.NEW_FAQ)
    assert inbox.main(["--project", str(project_copy), "accept", str(item), "--new-faq", "housing"]) == 0
    out = capsys.readouterr().out
    assert "make faq-add FROM=var/faq-drafts/housing.yml" in out and status(db, item) == "accepted"
    draft = yaml.safe_load((project_copy / "var/faq-drafts/housing.yml").read_text())
    assert draft["key"] == "housing" and draft["examples"] == ["is there student housing near the lumc"]
    # The draft is not complete yet: faq add says what is missing and changes nothing.
    before = snapshot(project_copy)
    assert faq.main(["add", "--from", str(project_copy / "var/faq-drafts/housing.yml"), "--project", str(project_copy)]) == 2
    err = capsys.readouterr().err
    assert "only 1 different English example" in err and "the English answer is missing" in err and "the source is missing" in err
    assert snapshot(project_copy) == before


def test_accept_takes_the_suggested_intent_when_none_is_given(project_copy, db, capsys):
    item = mark(db, "how many euros is the master per year")
    assert inbox.main(["--project", str(project_copy), "--by", "tom", "accept", str(item)]) == 0
    assert "as an example of ask_fee in data/nlu/programme.yml" in capsys.readouterr().out
    assert "- how many euros is the master per year\n" in (project_copy / "data/nlu/programme.yml").read_text()
    assert status(db, item) == "accepted"


@pytest.mark.parametrize("suggested,expected", [
    ("sports", '"sports" is not an intent or FAQ answer of the assistant'),
    (staff_inbox.NEW_FAQ, "was suggested as a new FAQ entry: give its key"),
])
def test_accept_of_a_suggestion_that_is_no_target_is_refused(project_copy, db, capsys, suggested, expected):
    item = mark(db, "is there a sports club for students", suggested)
    before = snapshot(project_copy)
    assert inbox.main(["--project", str(project_copy), "accept", str(item)]) == 2
    assert expected in capsys.readouterr().err
    assert snapshot(project_copy) == before and status(db, item) == "pending"


def test_accept_of_an_item_decided_meanwhile_writes_nothing(project_copy, db):
    item = mark(db, "how many euros is the master per year")
    found = staff_inbox.get(db, item)
    staff_inbox.reject(db, item, "adam")  # someone else decides between reading and accepting
    before = snapshot(project_copy)
    with pytest.raises(inbox.Refused, match="already rejected"):
        inbox.accept_item(db, project_copy, found.id, "tom", target="ask_fee")
    assert snapshot(project_copy) == before


def test_targets_are_the_domains_intents_and_the_faq_answers(project_copy, capsys):
    found = {t.name: t.title for t in targets.training_targets(project_copy)}
    assert found["ask_fee"] == "tuition fee" and found["faq/abroad_why"] == "FAQ: abroad why"
    assert found["not_covered"] == "not in the documents (to decline)"
    assert "faq" not in found and "nlu_fallback" not in found
    assert targets.find_target("sports", project_copy) is None


def test_reject_and_double_decision(project_copy, db, capsys):
    item = mark(db, "lol")
    assert inbox.main(["--project", str(project_copy), "reject", str(item)]) == 0
    assert status(db, item) == "rejected"
    assert inbox.main(["--project", str(project_copy), "reject", str(item)]) == 2
    assert "already rejected" in capsys.readouterr().err


# --- the before/after report ---------------------------------------------------------------------

def results(answered, declined=(True, True)):
    items = [{"turns": [f"q{i}"], "answered": a, "group": "ask_fee" if i < 2 else "faq/abroad_why"}
             for i, a in enumerate(answered)]
    off = [{"message": f"m{i}", "declined": d} for i, d in enumerate(declined)]
    return {"in_scope": items, "off_topic": off, **evaluate.figures(items, off)}


def test_report_without_published_model(capsys):
    assert evaluate.report(results([True] * 4), None) == 0
    assert "No published model yet" in capsys.readouterr().out


def test_report_fails_when_more_questions_fail_than_a_retrain_moves(capsys):
    before = results([True] * 100)
    after = results([True] * 94 + [False] * 6, declined=(True, False))
    assert evaluate.report(after, before) == 1
    out = capsys.readouterr().out
    assert "Newly failing questions (6):" in out and "- q94" in out and "- q99" in out
    assert "FAILED: 6 fewer in-scope questions answered (6.0 points" in out
    assert "faq/abroad_why" in out and "<- worse" in out
    assert "Off-topic messages no longer declined (1):" in out


def test_report_passes_on_a_drop_within_retraining_noise(capsys):
    assert evaluate.report(results([True] * 95 + [False] * 5), results([True] * 100)) == 0
    assert "OK" in capsys.readouterr().out


def test_report_against_the_last_commit_lists_questions_taken_by_another_answer(capsys):
    before, after = results([True] * 4), results([True, True, False, True])
    after["in_scope"][2]["group"] = "faq/study_association"  # the new answer took an ask_fee question
    assert evaluate.report(after, before, "commit") == 0
    out = capsys.readouterr().out
    assert "Nothing is published yet: compared with the model of the last commit's training data" in out
    assert "Questions now taken by another answer (1; the new one first):" in out
    assert "- q2   [faq/study_association <- faq/abroad_why; now wrong]" in out


def test_the_last_commits_model_is_trained_once_per_commit(project_copy):
    import subprocess

    assert evaluate.last_commit_model(project_copy) is None  # not a git work tree: nothing to compare with
    git = lambda *args: subprocess.run(["git", "-C", str(project_copy), *args], check=True,  # noqa: E731
                                       capture_output=True, text=True).stdout.strip()
    git("init", "-q")
    git("add", "-A")
    git("-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", "base")
    cached = project_copy / evaluate.BASELINES / f"last-commit-{git('rev-parse', 'HEAD')[:12]}.tar.gz"
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"a model")
    assert evaluate.last_commit_model(project_copy) == cached  # cached: no training


def test_accept_writes_a_dutch_message_into_the_dutch_examples(project_copy, db, capsys):
    item = mark(db, "hoeveel moet ik per jaar betalen voor deze master ongeveer")
    assert inbox.main(["--project", str(project_copy), "accept", str(item), "--intent", "ask_fee"]) == 0
    assert "in data/nlu/nl/programme.yml" in capsys.readouterr().out
    assert "- hoeveel moet ik per jaar betalen voor deze master ongeveer\n" in \
        (project_copy / "data/nlu/nl/programme.yml").read_text()
