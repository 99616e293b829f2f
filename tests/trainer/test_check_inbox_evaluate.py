"""`make check`, the trainer inbox and the before/after report of `make evaluate`."""

from __future__ import annotations

import json

import pytest
import yaml

from evaluation import heldout
from staff import inbox as staff_inbox
from stores.db_url import create_engine
from tests.trainer.conftest import snapshot
from trainer import check, evaluate, inbox, faq, publish, targets


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

def item(question, right, group="ask_fee", reply="The tuition fee is EUR 18,016 per year.\nSource: LUMC page"):
    """One scored item as heldout.score records it, with the answer /model/parse predicts (`group`);
    "a / b" is a follow-up, "off: m" an off-topic message (right: declined)."""
    if question.startswith("off: "):
        return {"kind": "off_topic", "turns": [question[5:]], "right": right, "group": group, "reply": reply}
    turns = question.split(" / ")
    return {"kind": "followup" if len(turns) > 1 else "single_turn", "turns": turns, "right": right,
            "group": group, "reply": reply}


def run(**sets):
    """A model's run: set name -> its items."""
    titles = {"project": "project's own set", "nl": "shared Dutch set", "shared": "first shared English set"}
    return {"sets": {name: {"title": titles[name], "directory": f"dir/{name}", "items": items}
                     for name, items in sets.items()}}


def questions(pairs):
    return [" / ".join(now["turns"]) for was, now in pairs]


BEFORE = [item("fee?", True), item("fee? / per year?", False), item("start?", True, "ask_start_date"),
          item("abroad?", False, "faq/abroad_why"), item("contact?", True, "ask_contact"),
          item("housing?", False, "not_covered"), item("off: pizza?", True, "out_of_scope"),
          item("off: weather?", False, "ask_start_date")]
NOW = [item("fee?", True), item("fee? / per year?", True), item("start?", False, "faq/housing", "Rooms are scarce."),
       item("abroad?", False, "faq/abroad_find_place"), item("contact?", True, "ask_study_abroad"),
       item("housing?", True, "faq/housing"), item("off: pizza?", False, "faq/housing", "Rooms are scarce."),
       item("off: weather?", True, "out_of_scope")]


def test_compare_lists_every_item_whose_result_or_answer_changed():
    changes = evaluate.compare(BEFORE, NOW)
    assert questions(changes.better) == ["fee? / per year?", "housing?"]
    assert questions(changes.worse) == ["start?"]
    assert questions(changes.now_answered) == ["pizza?"]
    assert questions(changes.now_declined) == ["weather?"]
    # The predicted answer changed, whether or not the result did; off-topic messages are not listed here.
    assert questions(changes.newly_taken) == ["start?", "abroad?", "contact?", "housing?"]
    assert [evaluate.verdict(was, now) for was, now in changes.newly_taken] == \
        ["now wrong", "still wrong", "still right", "now right"]
    assert not evaluate.compare(BEFORE, BEFORE)


def test_compare_keeps_a_question_asked_twice_as_two_items():
    changes = evaluate.compare([item("fee?", False), item("fee?", True)], [item("fee?", True), item("fee?", False)])
    assert questions(changes.better) == ["fee?"] and questions(changes.worse) == ["fee?"]


def test_report_shows_the_figures_and_the_changes_of_each_set(capsys):
    assert evaluate.report(run(project=NOW), run(project=BEFORE), "last commit") == 0
    out = capsys.readouterr().out
    assert "Nothing is published yet: compared with the model of the last commit's training data" in out
    assert "== Project's own set (dir/project): 6 questions, 2 off-topic messages" in out
    lines = out.splitlines()
    assert "                            last commit          current   change" in lines
    assert "  single-turn right          3/5  60.0%       3/5  60.0%   no change" in lines
    assert "  follow-ups right           0/1   0.0%       1/1 100.0%   +1 question" in lines
    assert "  off-topic declined         1/2  50.0%       1/2  50.0%   no change" in lines
    assert "  Better: wrong before, right now (2):" in lines and "    - fee? / per year?   [tuition fee]" in lines
    assert "\n".join(lines[lines.index("  Worse: right before, wrong now (1):"):]).startswith(
        """  Worse: right before, wrong now (1):
    - start?
        gets FAQ: housing, which says "Rooms are scarce."
  Off-topic, now answered instead of declined (1):
    - pizza?
        gets FAQ: housing, which says "Rooms are scarce."
  Off-topic, now declined instead of answered (1):
    - weather?
  Newly taken by another answer (4), by the answer that took them:
    FAQ: housing took 2:
      - start?   [was start date; now wrong]
          says "Rooms are scarce."
      - housing?   [was not in the documents (to decline); now right]
          says "The tuition fee is EUR 18,016 per year."
    FAQ: abroad find place took 1:
      - abroad?   [was FAQ: abroad why; still wrong]
          says "The tuition fee is EUR 18,016 per year."
    studying abroad took 1:
      - contact?   [was whom to contact; still right]
          says "The tuition fee is EUR 18,016 per year."
""")
    assert "  project's own set                     3 -> 4 of 6           1 -> 1 of 2" in lines
    assert "OK: in-scope accuracy did not drop by more than 5 questions on any set" in out


def test_report_says_so_when_nothing_changed_and_shortens_long_replies(capsys):
    assert evaluate.report(run(project=BEFORE), run(project=BEFORE)) == 0
    assert "  No question changed its result or its answer." in capsys.readouterr().out.splitlines()
    assert evaluate.first_line("\n  " + "word " * 30) == ("word " * 14)[:67].rstrip() + "..."
    assert len(evaluate.first_line("word " * 30)) == evaluate.REPLY_WIDTH


def test_the_failure_rule_is_per_set_not_over_the_total(capsys):
    # The Dutch set loses 6 questions, the project's set gains 20: the total went up, yet it fails.
    before = run(project=[item(f"p{i}", i < 80) for i in range(100)], nl=[item(f"n{i}", True) for i in range(50)])
    after = run(project=[item(f"p{i}", True) for i in range(100)],
                nl=[item(f"n{i}", i >= 6, reply="Dat staat niet in de documenten.") for i in range(50)])
    assert evaluate.drops(before, after) == {"project": -20, "nl": 6}
    assert evaluate.report(after, before) == 1
    out = capsys.readouterr().out
    assert "FAILED: 6 fewer questions right on the shared Dutch set (a retrain alone moves up to 5)" in out
    assert "  Worse: right before, wrong now (6):" in out
    assert '    - n5\n        gets tuition fee, which says "Dat staat niet in de documenten."' in out
    assert "  project's own set                80 -> 100 of 100           0 -> 0 of 0\n" in out
    assert "  shared Dutch set                   50 -> 44 of 50           0 -> 0 of 0   more than 5 fewer\n" in out
    assert "OK:" not in out


def test_drops_within_retraining_noise_on_every_set_pass(capsys):
    # Five fewer on each of two sets (ten in total): within what a retrain moves on each set.
    before = run(project=[item(f"p{i}", True) for i in range(100)], nl=[item(f"n{i}", True) for i in range(50)])
    after = run(project=[item(f"p{i}", i >= 5) for i in range(100)], nl=[item(f"n{i}", i >= 5) for i in range(50)])
    assert evaluate.report(after, before) == 0
    assert "OK: in-scope accuracy did not drop by more than 5 questions on any set" in capsys.readouterr().out


def test_report_without_a_model_to_compare_with(capsys):
    assert evaluate.report(run(project=NOW), None, missing={"nl": "the shared Dutch set, no x.yml"}) == 0
    out = capsys.readouterr().out
    assert "No published model yet" in out and "  single-turn right          3/5  60.0%\n" in out
    assert "Not scored: the shared Dutch set, no x.yml.\n(The shared sets are read from ../shared/eval" in out


def test_the_trainer_sets_are_every_set_but_the_unseen_one():
    assert sorted(evaluate.TRAINER_SETS) == sorted(n for n in heldout.EVAL_SETS if n != "unseen")


def test_a_missing_shared_set_is_named_and_the_others_are_loaded(project_copy, tmp_path, monkeypatch):
    shared = tmp_path / "shared-eval"
    shared.mkdir()
    for name in ("student_questions.yml", "off_topic.yml"):  # the first shared set only, a stand-in
        (shared / name).write_text((project_copy / "tests/heldout" / name.replace("student_questions", "in_scope"))
                                   .read_text())
    (shared / "nl").mkdir()
    (shared / "nl" / "student_questions.yml").write_text("questions: []\n")  # its off-topic file is missing
    monkeypatch.setenv("SHARED_EVAL_DIR", str(shared))
    loaded, missing = evaluate.load_sets(project_copy)
    assert list(loaded) == ["project", "shared"]
    assert len(loaded["project"].in_scope) == len(loaded["shared"].in_scope) > 100
    assert missing == {"en2": "the second shared English set, no ../shared-eval/en2/student_questions.yml",
                       "nl": "the shared Dutch set, no ../shared-eval/nl/off_topic.yml"}


def test_make_evaluate_goes_on_without_the_shared_sets_and_saves_every_item(project_copy, monkeypatch, capsys):
    monkeypatch.delenv("SHARED_EVAL_DIR", raising=False)  # ../shared/eval next to the copy: not there
    for path in (evaluate.CURRENT, evaluate.PUBLISHED):
        (project_copy / path).parent.mkdir(parents=True, exist_ok=True)
        (project_copy / path).write_bytes(path.name.encode() + str(path).encode())
    scored = []

    def fake_run_model(root, model, label, sets):  # the servers are not started: the runs are fixed
        scored.append((model.relative_to(root), list(sets)))
        items = NOW if model == root / evaluate.CURRENT else BEFORE
        return {"model": str(model), "sha256": evaluate.sha256(model),
                "sets": {name: {"title": s.eval_set.title, "directory": "tests/heldout", "items": items}
                         for name, s in sets.items()}}

    monkeypatch.setattr(evaluate, "run_model", fake_run_model)
    assert evaluate.main(["--project", str(project_copy)]) == 0
    out = capsys.readouterr().out
    assert scored == [(evaluate.CURRENT, ["project"]), (evaluate.PUBLISHED, ["project"])]
    assert "Left out: the first shared English set, no ../shared/eval/student_questions.yml." in out
    assert "Left out: the shared Dutch set, no ../shared/eval/nl/student_questions.yml." in out
    assert "== Project's own set (tests/heldout)" in out and "OK: in-scope accuracy did not drop" in out
    saved = json.loads((project_copy / evaluate.LAST_RUN).read_text())
    assert saved["sets"]["project"]["items"] == NOW and set(saved["missing"]) == {"shared", "en2", "nl"}
    assert saved["sha256"] == evaluate.sha256(project_copy / evaluate.CURRENT)


def test_publish_reuses_the_project_set_of_the_last_evaluation(project_copy, monkeypatch, capsys):
    model = project_copy / evaluate.CURRENT
    model.parent.mkdir(parents=True, exist_ok=True)
    model.write_bytes(b"a model")
    items = [item(f"q{i}", i < 19) for i in range(20)] + [item(f"off: m{i}", True) for i in range(10)]
    (project_copy / evaluate.LAST_RUN).parent.mkdir(parents=True)
    (project_copy / evaluate.LAST_RUN).write_text(json.dumps(
        {"sha256": evaluate.sha256(model), "sets": {"project": {"items": items}}}))
    monkeypatch.setattr(publish, "run_model", lambda *args: pytest.fail("the last evaluation was not reused"))
    assert publish.main(["--project", str(project_copy)]) == 0
    assert "in-scope accuracy 95.0%, off-topic decline rate 100.0%" in capsys.readouterr().out
    published = json.loads((project_copy / evaluate.PUBLISHED_FIGURES).read_text())
    assert published["heldout_first_set"] == {"in_scope_accuracy": 0.95, "answered": 19, "in_scope_count": 20,
                                              "off_topic_decline_rate": 1.0, "declined": 10, "off_topic_count": 10}
    assert len(published["in_scope"]) == 20 and len(published["off_topic"]) == 10
    assert (project_copy / evaluate.PUBLISHED).read_bytes() == b"a model"


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
