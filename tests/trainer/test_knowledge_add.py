"""`python -m trainer.knowledge add`: refusals change nothing; a new destination is resolved by the
knowledge base and recognised by the rebuilt EntityRuler."""

from __future__ import annotations

from pathlib import Path


from actions.knowledge_base import KnowledgeBase
from tests.trainer.conftest import snapshot
from trainer import knowledge

LUND = ["add", "--kind", "destination", "--key", "lund", "--name", "Lund University",
        "--synonym", "lund", "--synonym", "lunds universitet", "--programme", "biomedical_sciences"]


def run(root: Path, capsys, argv):
    code = knowledge.main(argv + ["--project", str(root)])
    out = capsys.readouterr()
    return code, out.out, out.err


def refused(root, capsys, argv, *expected):
    before = snapshot(root)
    code, out, err = run(root, capsys, argv)
    assert code == 2, out + err
    assert "Refused: nothing was changed" in err
    for text in expected:
        assert text in err, err
    assert snapshot(root) == before


def test_duplicate_key_is_refused(project_copy, capsys):
    refused(project_copy, capsys, [*LUND[:4], "cuba", *LUND[5:]], 'already has "cuba" under destinations')


def test_synonym_of_another_entry_is_refused(project_copy, capsys):
    # "france" already names Bordeaux; "karolinska" names a destination too.
    refused(project_copy, capsys, LUND + ["--synonym", "France"], 'the synonym "France" already names destination bordeaux')


def test_synonym_across_kinds_is_refused(project_copy, capsys):
    refused(project_copy, capsys, ["add", "--kind", "track", "--key", "ageing", "--name", "Ageing",
                                   "--synonym", "ageing", "--synonym", "ielts"], "already names language_test ielts")


def test_missing_field_is_refused(project_copy, capsys):
    refused(project_copy, capsys, LUND[:-2], "programme is missing")


def test_unknown_programme_is_refused(project_copy, capsys):
    refused(project_copy, capsys, LUND[:-1] + ["law"], 'unknown programme "law"', "medicine, biomedical_sciences")


def test_broken_yaml_is_refused(project_copy, capsys):
    path = project_copy / "knowledge/study_abroad.yml"
    path.write_text(path.read_text().replace("  cuba:\n", "  cuba\n"))
    refused(project_copy, capsys, LUND, "knowledge/study_abroad.yml line ", "broken YAML")


def test_destination_is_added_and_recognised(project_copy, capsys, tmp_path):
    before = (project_copy / "knowledge/study_abroad.yml").read_text()
    code, out, err = run(project_copy, capsys, LUND)
    assert code == 0, err
    after = (project_copy / "knowledge/study_abroad.yml").read_text()
    # Inserted after the last destination, before the programmes; everything else unchanged.
    block = ("  lund:\n    name: Lund University\n    synonyms: [lund university, lund, lunds universitet]\n"
             "    programme: biomedical_sciences\n")
    assert after == before.replace("\nprogrammes:\n", block + "\nprogrammes:\n", 1)
    kb = KnowledgeBase(project_copy / "knowledge")
    assert kb.resolve("destination", "Lunds Universitet").key == "lund"
    from spacy_pipeline.build import build
    nlp = build(tmp_path / "spacy", kb)
    doc = nlp("can i do an exchange at lund university?")
    assert [(e.text, e.label_, e.ent_id_) for e in doc.ents] == [("lund university", "destination", "lund")]


def test_source_is_added(project_copy, capsys):
    code, out, _ = run(project_copy, capsys, ["add", "--kind", "source", "--key", "housing_page",
                                              "--title", "Leiden University housing page", "--as-of", "2026"])
    assert code == 0
    assert KnowledgeBase(project_copy / "knowledge").sources["housing_page"] == {
        "title": "Leiden University housing page", "as_of": "2026"}


def test_interactive_questions(project_copy):
    answers = iter(["ageing", "Ageing and Longevity", "ageing, longevity, healthy ageing"])
    kind, key, fields = knowledge.interactive(ask=lambda prompt="": next(answers), kind="track")
    assert (kind, key) == ("track", "ageing")
    knowledge.add(project_copy, kind, key, fields)
    entry = KnowledgeBase(project_copy / "knowledge").resolve("track", "healthy ageing")
    assert entry.key == "ageing" and entry.synonyms == ["ageing and longevity", "ageing", "longevity", "healthy ageing"]


def test_kinds_match_the_knowledge_base_sections():
    from actions.knowledge_base import ENTITY_SECTIONS
    for label, (filename, section) in ENTITY_SECTIONS.items():
        assert knowledge.KINDS[label][:2] == (filename, section)
