"""The scorer of evaluation/heldout.py: what counts as right, the three rates, the gate against the
figures recorded in docs/benchmarks.md, and the answers that would have satisfied a question."""

from __future__ import annotations

from pathlib import Path

from evaluation import heldout
from evaluation.answer_labels import expected_answers

DECLINE = "Sorry, I can't help with that."


def assistant(replies):
    """A stand-in for the REST channel: the reply to each message, by its text."""
    def send(sender, message):
        return [{"text": replies[message]}]
    return send


def test_single_turn_follow_up_and_off_topic_are_counted_apart():
    in_scope = [{"turns": ["fee?"], "expect": ["18,016"]},
                {"turns": ["fee?", "per year?"], "expect": ["per year"]},
                {"turns": ["start?"], "expect": ["september"]}]
    off_topic = ["pizza?", "weather?"]
    send = assistant({"fee?": "It is €18,016 per year.", "per year?": "Yes, per year.",
                      "start?": DECLINE, "pizza?": DECLINE, "weather?": "It is €18,016 per year."})
    result = heldout.score(send, in_scope, off_topic, [DECLINE])
    assert (result.rates["single_turn"].right, result.rates["single_turn"].total) == (1, 2)
    assert (result.rates["followup"].right, result.rates["followup"].total) == (1, 1)
    assert (result.rates["off_topic"].right, result.rates["off_topic"].total) == (1, 2)
    assert [f["turns"] for f in result.failures] == [["start?"], ["weather?"]]
    # Every item, in the order scored, with its own result (the trainers' before/after report reads these).
    assert [(i["kind"], i["turns"], i["right"]) for i in result.items] == [
        ("single_turn", ["fee?"], True), ("followup", ["fee?", "per year?"], True),
        ("single_turn", ["start?"], False), ("off_topic", ["pizza?"], True), ("off_topic", ["weather?"], False)]
    assert result.items[2]["reply"] == DECLINE and result.items[2]["answer"] == "decline"


def test_a_decline_is_never_a_right_answer_even_if_it_matches():
    send = assistant({"q": DECLINE})
    result = heldout.score(send, [{"turns": ["q"], "expect": ["help"]}], [], [DECLINE])
    assert result.rates["single_turn"].right == 0


def test_not_covered_answer_counts_as_a_decline():
    assert any("don't cover" in text for text in heldout.decline_texts())


def test_gate_reads_the_recorded_figures_and_allows_two_points(tmp_path: Path):
    doc = tmp_path / "benchmarks.md"
    doc.write_text("text\nshared-set gate: single-turn 90.0%, follow-ups 80.0%, off-topic declines 85.5%\n")
    recorded = heldout.recorded_gate(doc)
    assert recorded == {"single_turn": 0.9, "followup": 0.8, "off_topic": 0.855}
    result = heldout.Score()
    for name, (right, total) in {"single_turn": (88, 100), "followup": (77, 100), "off_topic": (84, 100)}.items():
        result.rates[name] = heldout.Rate(right, total)
    problems = heldout.gate_failures(result, recorded)
    assert len(problems) == 1 and problems[0].startswith("followup")


def test_on_a_small_set_one_item_of_slack_is_allowed():
    recorded = {"single_turn": 0.9, "followup": 36 / 42, "off_topic": 0.9}
    result = heldout.Score()
    result.rates.update(single_turn=heldout.Rate(90, 100), followup=heldout.Rate(35, 42),
                        off_topic=heldout.Rate(90, 100))
    assert heldout.gate_failures(result, recorded) == []
    result.rates["followup"] = heldout.Rate(34, 42)
    assert [p.split(":")[0] for p in heldout.gate_failures(result, recorded)] == ["followup"]


def test_one_item_of_slack_is_not_lost_to_the_rounding_of_the_recorded_figure(tmp_path: Path):
    doc = tmp_path / "benchmarks.md"
    doc.write_text("shared-set gate: single-turn 90.0%, follow-ups 90.5%, off-topic declines 90.0%\n")  # 38/42
    result = heldout.Score()
    result.rates.update(single_turn=heldout.Rate(90, 100), followup=heldout.Rate(37, 42),
                        off_topic=heldout.Rate(90, 100))
    assert heldout.gate_failures(result, heldout.recorded_gate(doc)) == []
    result.rates["followup"] = heldout.Rate(36, 42)
    assert [p.split(":")[0] for p in heldout.gate_failures(result, heldout.recorded_gate(doc))] == ["followup"]


def test_recorded_gate_is_in_the_benchmarks_document():
    assert heldout.recorded_gate() is not None


def test_expected_answers_are_found_from_the_answers_texts():
    assert "ask_fee" in expected_answers([r"18[,.]?016"])
    assert expected_answers([r"\bv5\W?28"]) == ("ask_contact:study_abroad",)
    assert expected_answers(["no answer says this"]) == ()


def test_on_a_dutch_set_only_a_dutch_reply_counts():
    send = assistant({"collegegeld?": "Het collegegeld is €18,016 per jaar.\nBron: LUMC-pagina",
                      "kosten?": "The tuition fee is €18,016 per year.\nSource: LUMC page",
                      "pizza?": DECLINE})
    result = heldout.score(send, [{"turns": ["collegegeld?"], "expect": ["18,016"]},
                                  {"turns": ["kosten?"], "expect": ["18,016"]}], ["pizza?"], [DECLINE],
                           language="nl")
    assert result.rates["single_turn"].right == 1
    assert result.rates["off_topic"].right == 0


def test_a_precise_not_stated_answer_counts_as_a_decline():
    send = assistant({"e-mail of evelien?": "The page gives no e-mail address for Evelien Hack."})
    said = {"answer": "ask_contact", "outcome": "not_stated"}
    result = heldout.score(send, [], ["e-mail of evelien?"], [DECLINE], answer_of=lambda sender: said)
    assert result.rates["off_topic"].right == 1
    answered = {"answer": "ask_contact", "outcome": "answered"}
    result = heldout.score(send, [], ["e-mail of evelien?"], [DECLINE], answer_of=lambda sender: answered)
    assert result.rates["off_topic"].right == 0


def test_every_gated_set_has_its_recorded_line():
    for name, eval_set in heldout.EVAL_SETS.items():
        if eval_set.gated:
            assert heldout.recorded_gate(name=name) is not None, name


def test_the_sets_of_another_copy_are_read_from_that_copy(tmp_path: Path, monkeypatch):
    monkeypatch.delenv("SHARED_EVAL_DIR", raising=False)
    sets = heldout.eval_sets(tmp_path / "project")
    assert sets["project"].directory == tmp_path / "project" / "tests" / "heldout"
    assert sets["unseen"].directory == tmp_path / "project" / "tests" / "heldout" / "unseen"
    assert sets["nl"].directory == tmp_path / "shared" / "eval" / "nl" and sets["nl"].language == "nl"
    assert set(sets) == set(heldout.EVAL_SETS)
