"""End to end: a trainer adds a housing FAQ entry to a copy of the project, trains it there, and the
bot started from that copy gives the new answer over REST while the old answers stay as they were.

Takes a few minutes (training on the whole data set); the real project is never touched.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import yaml

from checks import consistency
from serving.launcher import Servers, free_port
from tests.trainer.conftest import HOUSING, PROJECT, add_housing_source, copy_project
from trainer import faq

RASA = Path(sys.executable).parent / "rasa"


def reply(servers: Servers, message: str) -> list:
    return servers.send(f"trainer-e2e-{uuid.uuid4().hex[:8]}", message)


def test_new_faq_is_answered_and_old_answers_stay(tmp_path):
    root = copy_project(tmp_path / "project", code=True)
    # config.yml loads the spaCy pipeline from build/spacy_en_lumc, relative to the working directory
    # (the servers run in the copy: Servers.project); the copy uses the project's built pipeline.
    (root / "build").symlink_to(PROJECT / "build", target_is_directory=True)
    add_housing_source(root)
    draft = tmp_path / "housing.yml"
    draft.write_text(yaml.safe_dump({**HOUSING, "quick_replies": ["Tuition fee=/ask_fee"]}, sort_keys=False))
    assert faq.main(["add", "--from", str(draft), "--project", str(root)]) == 0
    assert consistency.check(root) == []
    assert (root / "config.yml").read_bytes() == (PROJECT / "config.yml").read_bytes()

    log = tmp_path / "train.log"
    with open(log, "wb") as output:
        trained = subprocess.run(
            [str(RASA), "train", "--config", "config.yml", "--domain", "domain.yml", "--data", "data",
             "--out", "models", "--fixed-model-name", "lumc"],
            cwd=root, stdout=output, stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONPATH": str(root), "RASA_TELEMETRY_ENABLED": "false"})
    assert trained.returncode == 0, log.read_text()[-3000:]

    # The test conversation the tool wrote passes `rasa test core`, as `make test` runs it.
    with open(tmp_path / "test-core.log", "wb") as output:
        tested = subprocess.run(
            [str(RASA), "test", "core", "--stories", "tests/stories", "--fail-on-prediction-errors",
             "--out", str(tmp_path / "results"), "--model", "models/lumc.tar.gz"],
            cwd=root, stdout=output, stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONPATH": str(root), "RASA_TELEMETRY_ENABLED": "false"})
    assert tested.returncode == 0, (tmp_path / "test-core.log").read_text()[-3000:]

    responses = yaml.safe_load((root / "data/responses/faq.yml").read_text())["responses"]
    servers = Servers(rasa_port=free_port(), action_port=free_port(), widget_port=None,
                      model=root / "models" / "lumc.tar.gz", endpoints=root / "endpoints.yml",
                      project=root, log_dir=tmp_path / "logs", token=uuid.uuid4().hex,
                      env={"TRACKER_DB_URL": f"sqlite:///{tmp_path / 'conversations.db'}"})
    servers.start(timeout=300)
    try:
        # The new question (a student's wording of an example) gets the new answer and its button.
        messages = reply(servers, "Where can I find housing in Leiden?")
        assert [m.get("text") for m in messages] == [responses["utter_faq/housing"][0]["text"]]
        assert messages[0]["text"].endswith("Source: Leiden University housing page (as of 2026)")
        assert messages[0].get("buttons") == [{"title": "Tuition fee", "payload": "/ask_fee"}]

        # Three old questions still get their old answers.
        messages = reply(servers, "why should i study abroad")
        assert [m.get("text") for m in messages] == [responses["utter_faq/abroad_why"][0]["text"]]
        text = "\n".join(m.get("text") or "" for m in reply(servers, "what does a year of tuition cost fee"))
        assert re.search(r"18[,.]016", text) and "Source: LUMC Biomedical Sciences research specialisation page" in text
        text = "\n".join(m.get("text") or "" for m in reply(servers, "whom do I ask about studying abroad"))
        assert "Evelien Hack" in text and "V5-28" in text
    finally:
        servers.stop()
