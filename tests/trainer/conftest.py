"""A copy of the project in tmp_path for the trainer tools: the real files are never modified."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Dict

import pytest

PROJECT = Path(__file__).resolve().parents[2]
# The first held-out set only: the unseen set is never read or copied.
HELDOUT_FIRST_SET = ("in_scope.yml", "off_topic.yml")


def copy_project(target: Path, code: bool = False) -> Path:
    """data/, domain.yml, config.yml, knowledge/, tests/stories/ and the first held-out set; with
    `code`, also what training and the servers need (the Python packages, credentials, endpoints)."""
    for name in ("data", "knowledge", "tests/stories"):
        shutil.copytree(PROJECT / name, target / name)
    for name in ("domain.yml", "config.yml"):
        shutil.copy(PROJECT / name, target / name)
    (target / "tests" / "heldout").mkdir(parents=True)
    for name in HELDOUT_FIRST_SET:
        shutil.copy(PROJECT / "tests" / "heldout" / name, target / "tests" / "heldout" / name)
    if code:
        # Every top-level Python package (actions, channels, serving, ...), so a new one is never missed.
        for package in sorted(p.parent for p in PROJECT.glob("*/__init__.py")):
            shutil.copytree(package, target / package.name, ignore=shutil.ignore_patterns("__pycache__"))
        for name in ("credentials.yml", "endpoints.yml"):
            shutil.copy(PROJECT / name, target / name)
    return target


def snapshot(root: Path) -> Dict[str, bytes]:
    """Every file under `root`, byte for byte."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and "__pycache__" not in p.parts}


@pytest.fixture
def project_copy(tmp_path) -> Path:
    return copy_project(tmp_path / "project")


HOUSING = {
    "key": "housing",
    "examples": [
        "where can i find housing in leiden",
        "how do i find a room in leiden as a new student",
        "does the lumc help with accommodation",
        "is there student housing for international students",
        "how do i get a student room",
        "where can international master students live",
        "can the university help me find a place to live",
        "housing for master students?",
        "accommodation for new students in leiden",
    ],
    "answer": ("The LUMC does not offer rooms itself. International students can apply for a room "
               "through Leiden University's Housing Office; start looking as soon as you are "
               "admitted, because rooms in Leiden are scarce."),
    "examples_nl": [
        "waar vind ik een kamer in leiden",
        "helpt het lumc bij het zoeken naar woonruimte",
        "is er huisvesting voor internationale studenten",
        "hoe kom ik aan een studentenkamer",
        "waar kunnen masterstudenten wonen",
        "kan de universiteit me helpen met een woning",
        "huisvesting voor masterstudenten?",
        "woonruimte voor nieuwe studenten in leiden",
    ],
    "answer_nl": ("Het LUMC heeft zelf geen kamers. Internationale studenten kunnen een kamer aanvragen via "
                  "het Housing Office van de Universiteit Leiden; begin met zoeken zodra je bent toegelaten, "
                  "want kamers in Leiden zijn schaars."),
    "source": "housing_page",
    "as_of": "2026",
}


def add_housing_source(root: Path) -> None:
    from trainer import knowledge
    knowledge.add(root, "source", "housing_page", {"title": "Leiden University housing page", "as_of": "2026"})
