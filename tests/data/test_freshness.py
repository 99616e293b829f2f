"""Every fact in knowledge/ has an as-of and a review-by date (CI fails otherwise), and `make check`
warns about facts past their review-by day, judged with a fixed clock, except facts marked stale."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from actions.knowledge_base import KnowledgeBase
from checks import freshness
from tests.trainer.conftest import copy_project
from trainer import check

PROJECT = Path(__file__).parents[2]


def test_every_fact_has_valid_as_of_and_review_by_dates():
    kb = KnowledgeBase(PROJECT / "knowledge")
    assert kb.freshness_problems() == []
    ids = {r.id for r in kb.fact_records()}
    # The facts answers are built from are all found, wherever they sit in knowledge/.
    assert {"programme.yml#facts.tuition_fee", "programme.yml#tracks_meta", "study_abroad.yml#meta",
            "study_abroad.yml#contact"} <= ids
    assert all(not i.startswith("sources.yml") for i in ids)


@pytest.fixture
def knowledge(tmp_path) -> Path:
    shutil.copytree(PROJECT / "knowledge", tmp_path / "knowledge")
    return tmp_path


def edit(root: Path, name: str, old: str, new: str) -> None:
    path = root / "knowledge" / name
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_missing_or_malformed_date_is_an_error(knowledge):
    edit(knowledge, "study_abroad.yml", '  review_by: "2027-02-01"\n', "")
    edit(knowledge, "programme.yml", '    as_of: "2022"\n', '    as_of: "last year"\n')
    errors, _ = freshness.check(knowledge, dt.date(2026, 11, 22))
    assert errors == [
        'programme.yml#facts.tuition_fee: as_of "last year" is not a date: write it like 2026, 2026-05 or 2026-05-31',
        "study_abroad.yml#contact has no review_by date: add the day staff check it again (YYYY-MM-DD)",
    ]


def test_a_new_fact_without_dates_is_caught_wherever_it_is(knowledge):
    path = knowledge / "knowledge" / "study_abroad.yml"
    path.write_text(path.read_text() + "\nhousing:\n  value: rooms\n  source: study_abroad_page\n")
    errors, _ = freshness.check(knowledge, dt.date(2026, 11, 22))
    assert [e.split(" has no")[0] for e in errors] == ["study_abroad.yml#housing", "study_abroad.yml#housing"]


def test_warnings_for_facts_past_their_review_day_with_a_fixed_clock(knowledge):
    # The fee, start date and deadline are marked stale (their answers say "as of 2022"): never warned.
    _, warnings = freshness.check(knowledge, dt.date(2023, 9, 2))
    assert warnings == []
    edit(knowledge, "programme.yml", "    stale: true\n    as_of: \"2022\"\n    review_by: \"2023-09-01\"",
         "    stale: false\n    as_of: \"2022\"\n    review_by: \"2023-09-01\"")
    _, warnings = freshness.check(knowledge, dt.date(2023, 9, 1))  # the fee is due that day: not late yet
    assert warnings == []
    _, warnings = freshness.check(knowledge, dt.date(2023, 9, 2))
    assert warnings == ["programme.yml#facts.tuition_fee (Tuition fees, as of 2022) was due for review on "
                        "2023-09-01, 1 day ago: check it against the source and move review_by forward"]
    _, warnings = freshness.check(knowledge, dt.date(2027, 7, 1))  # everything is due by then
    records = KnowledgeBase(knowledge / "knowledge").fact_records()
    assert len(warnings) == len([r for r in records if not r.data.get("stale")])


def test_facts_marked_stale_are_listed_once_as_known_stale(knowledge):
    assert freshness.known_stale(knowledge) == [
        'programme.yml#facts.tuition_fee (Tuition fees): answers say "as of 2022"',
        'programme.yml#facts.start_date (Start date): answers say "as of 2022"',
        'programme.yml#facts.application_deadline (Application deadline): answers say "as of 2022"',
    ]


def test_make_check_warns_but_passes_and_fails_on_a_missing_date(tmp_path, capsys):
    root = copy_project(tmp_path / "project")
    assert check.main(["--project", str(root), "--today", "2026-12-01"]) == 0
    out = capsys.readouterr().out
    assert "4. Fact freshness: ok" in out and "WARNING" not in out.split("4. Fact freshness")[1]
    assert "Known to be out of date (marked stale: true; nothing to do until the source changes): 3" in out

    assert check.main(["--project", str(root), "--today", "2027-03-01"]) == 0
    out = capsys.readouterr().out
    assert "4. Fact freshness: 0 problem(s), 1 fact(s) past their review-by day" in out
    assert "   WARNING study_abroad.yml#contact (Information about studying abroad, as of 2026-11-21) was due " \
           "for review on 2027-02-01, 28 days ago" in out

    edit(root, "programme.yml", '    review_by: "2027-06-30"\n', "")
    assert check.main(["--project", str(root), "--today", "2026-12-01"]) == 1
    out = capsys.readouterr().out
    assert "   ERROR programme.yml#facts.duration has no review_by date" in out


def test_answers_from_a_fact_past_review_keep_saying_how_old_it_is(knowledge):
    from actions import answers

    before = KnowledgeBase(knowledge / "knowledge", today=lambda: dt.date(2027, 6, 30))
    after = KnowledgeBase(knowledge / "knowledge", today=lambda: dt.date(2027, 7, 1))
    assert answers.programme_fact(before, "duration").text.endswith("research specialisation page")
    assert answers.programme_fact(after, "duration").text.endswith(
        "research specialisation page (as of 2022, due for a check; confirm it on the LUMC website)")
    # Facts marked stale say so whatever the day.
    assert "(as of 2022; check the LUMC website" in answers.programme_fact(before, "tuition_fee").text
