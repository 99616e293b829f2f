"""The whole improvement loop, end to end, on a copy of the project (the real one is never touched):

a student's question is declined -> it is among the dashboard's unanswered questions -> a reviewer
marks it "Use for training" on the staff page -> a trainer accepts it in the inbox as an example of
the right answer (`make inbox`) -> the trainer also adds a new FAQ entry (housing) with the trainer
tool -> one `make train` -> the assistant answers both, and the old answers stay -> the test
conversation the tool wrote passes `rasa test core` -> `make evaluate` shows that nothing else got
worse than the published model (the model before the changes).

The two trainers' changes share one training run (about two minutes on two cores; the embeddings of
the unchanged examples come from build/'s cache): the module's fixture walks the loop, and each test
checks one thing the student or the trainer gets at its end.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import uuid
from pathlib import Path
from types import SimpleNamespace

import pytest
import requests
import sqlalchemy as sa
import yaml

from checks import consistency
from serving.launcher import Servers, free_port
from staff import demo_data, schema
from stores.db_url import create_engine
from tests.trainer.conftest import HOUSING, PROJECT, add_housing_source, copy_project
from trainer import faq

from staff_testkit import PASSWORD, create_account, start_app

# In-scope questions the assistant declined when this test was written, with the answer they should
# get. The first that the current model declines is used; if the NLU has since learnt all of them,
# add a question it declines now.
# The last ones are in other languages, which the assistant declines until it has an example.
CANDIDATES = [
    ("how do I become a medical specialist in the netherlands", "faq/nl_admission"),
    ("what do I need to become a specialist doctor in holland", "faq/nl_admission"),
    ("quali requisiti servono per una specializzazione medica nei paesi bassi?", "faq/nl_admission"),
    ("welche voraussetzungen brauche ich fuer eine facharztausbildung in den niederlanden?",
     "faq/nl_admission"),
]
RASA = Path(sys.executable).parent / "rasa"
# `make` in the copy must not reinstall the shared virtualenv or rebuild the linked spaCy pipeline.
MAKE = ["make", "--no-print-directory", "-o", ".venv/.installed", "-o", "build/spacy_en_lumc/meta.json"]


def _servers(root: Path, tmp: Path, db_url: str, name: str) -> Servers:
    return Servers(rasa_port=free_port(), action_port=free_port(), widget_port=None,
                   model=root / "models" / "lumc.tar.gz", endpoints=root / "endpoints.yml", project=root,
                   log_dir=tmp / f"logs-{name}", token=uuid.uuid4().hex, env={"TRACKER_DB_URL": db_url})


def _make(root: Path, db_url: str, log: Path, *target: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "TRACKER_DB_URL": db_url, "RASA_TELEMETRY_ENABLED": "false"}
    env.pop("PYTHONPATH", None)  # the Makefile sets it to the copy
    with open(log, "w") as out:
        done = subprocess.run([*MAKE, *target], cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT,
                              text=True, timeout=1800)
    done.output = log.read_text()
    return done


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


@pytest.fixture(scope="module")
def loop(tmp_path_factory):
    """The copy after the loop, with its servers running the newly trained model."""
    tmp_path = tmp_path_factory.mktemp("loop")
    root = copy_project(tmp_path / "project", code=True)
    for name in ("Makefile", "requirements", "scripts"):
        source = PROJECT / name
        (shutil.copytree if source.is_dir() else shutil.copy2)(source, root / name)
    (root / ".venv").symlink_to(PROJECT / ".venv", target_is_directory=True)
    # config.yml loads the spaCy pipeline from build/, relative to the working directory (the
    # servers run in the copy); the copy uses the project's built pipeline and embedding cache.
    (root / "build").symlink_to(PROJECT / "build", target_is_directory=True)
    (root / "models" / "published").mkdir(parents=True)
    shutil.copy2(PROJECT / "models" / "lumc.tar.gz", root / "models" / "published" / "lumc.tar.gz")
    shutil.copy2(PROJECT / "models" / "lumc.tar.gz", root / "models" / "lumc.tar.gz")
    db_url = f"sqlite:///{tmp_path / 'conversations.db'}"
    decline = demo_data.decline_texts()

    # 1. A student asks; the assistant declines.
    servers = _servers(root, tmp_path, db_url, "before").start(timeout=300)
    try:
        # Each candidate in a conversation of its own: after an answered one, the next is read in its context.
        for question, answer_key in CANDIDATES:
            sender = f"loop-{uuid.uuid4().hex[:8]}"
            if demo_data.said_decline([r.get("text") for r in servers.send(sender, question)], decline):
                break
        else:
            raise AssertionError("the model answers every candidate: add a question it declines to CANDIDATES")
    finally:
        servers.stop()

    # 2. It is among the unanswered questions; a reviewer marks it for training on the staff page.
    create_account(db_url, "rita", "reviewer")
    app, base = start_app(db_url, tmp_path / "staff.log", STAFF_PROJECT_DIR=str(root))
    try:
        s = requests.Session()
        s.post(base + "/login", data={"csrf_token": _csrf(s.get(base + "/login").text),
                                      "username": "rita", "password": PASSWORD})
        dashboard = s.get(base + "/dashboard").text
        unanswered = dashboard.split("Most frequent unanswered questions", 1)[1]
        assert question.lower() in unanswered
        listing = s.get(base + "/conversations", params={"outcome": "declined", "q": question}).text
        assert f"sender={sender}" in listing
        transcript = s.get(base + "/conversation", params={"sender": sender}).text
        event_id = re.findall(r'name="event_id" value="(\d+)"', transcript)[-1]
        marked = s.post(base + "/conversation/mark", data={
            "csrf_token": _csrf(transcript), "sender": sender, "event_id": event_id,
            "suggested_intent": answer_key, "note": "declined, but we have this answer"})
        assert marked.status_code == 200 and "Message added to the trainer inbox." in marked.text
    finally:
        app.terminate()
        app.wait(timeout=10)
    engine = create_engine(db_url)
    with engine.connect() as conn:
        item_id, text = conn.execute(sa.select(schema.trainer_inbox.c.id, schema.trainer_inbox.c.message_text)
                                     .where(schema.trainer_inbox.c.status == "pending")).one()
    assert text == question

    # 3. A trainer accepts it as an example of the right answer.
    accepted = _make(root, db_url, tmp_path / "inbox.log", "inbox", f"ARGS=accept {item_id} --intent {answer_key}")
    assert accepted.returncode == 0, accepted.output
    with engine.connect() as conn:
        assert conn.execute(sa.select(schema.trainer_inbox.c.status)).scalar() == "accepted"
    engine.dispose()
    # The trainer tool adds it to the file that holds that answer's examples.
    assert any(question in path.read_text() for path in (root / "data" / "nlu").rglob("*.yml"))

    # 4. The trainer adds a new FAQ entry, with its source, in both languages; the data stay consistent.
    add_housing_source(root)
    draft = tmp_path / "housing.yml"
    draft.write_text(yaml.safe_dump({**HOUSING, "quick_replies": ["Tuition fee=/ask_fee"]}, sort_keys=False))
    assert faq.main(["add", "--from", str(draft), "--project", str(root)]) == 0
    assert consistency.check(root) == []
    assert (root / "config.yml").read_bytes() == (PROJECT / "config.yml").read_bytes()

    # 5. One training for both changes.
    trained = _make(root, db_url, tmp_path / "train.log", "train")
    assert trained.returncode == 0 and "Training took" in trained.output, trained.output[-3000:]

    servers = _servers(root, tmp_path, db_url, "after").start(timeout=300)
    try:
        yield SimpleNamespace(root=root, tmp=tmp_path, db_url=db_url, servers=servers,
                              question=question, answer_key=answer_key)
    finally:
        servers.stop()


def _texts(loop, message: str) -> list:
    return [r.get("text") or "" for r in loop.servers.send(f"loop-{uuid.uuid4().hex[:8]}", message)]


def _responses(loop) -> dict:
    return yaml.safe_load((loop.root / "data/responses/faq.yml").read_text())["responses"]


def test_the_declined_question_is_now_answered_with_the_answer_it_was_marked_for(loop):
    expected = _responses(loop)[f"utter_{loop.answer_key}"]
    # In whichever language the message was read in (two languages: a German question reads as Dutch).
    replies = _texts(loop, loop.question)
    assert replies in [[variant["text"]] for variant in expected], replies


def test_the_new_faq_entry_is_answered_with_its_source_and_button(loop):
    # A student's wording of one of the entry's examples.
    messages = loop.servers.send(f"loop-{uuid.uuid4().hex[:8]}", "Where can I find housing in Leiden?")
    assert [m.get("text") for m in messages] == [_responses(loop)["utter_faq/housing"][0]["text"]]
    assert messages[0]["text"].endswith("Source: Leiden University housing page (as of 2026)")
    assert messages[0].get("buttons") == [{"title": "Tuition fee", "payload": "/ask_fee"}]


def test_old_answers_stay_as_they_were(loop):
    assert _texts(loop, "why should i study abroad") == [_responses(loop)["utter_faq/abroad_why"][0]["text"]]
    text = "\n".join(_texts(loop, "what does a year of tuition cost fee"))
    assert re.search(r"18[,.]016", text) and "Source: LUMC Biomedical Sciences research specialisation page" in text
    text = "\n".join(_texts(loop, "whom do I ask about studying abroad"))
    assert "Evelien Hack" in text and "V5-28" in text


def test_the_conversation_test_the_tool_wrote_passes_rasa_test_core(loop):
    """As `make test` runs it, on the copy's new model."""
    log = loop.tmp / "test-core.log"
    with open(log, "wb") as output:
        tested = subprocess.run(
            [str(RASA), "test", "core", "--stories", "tests/stories", "--fail-on-prediction-errors",
             "--out", str(loop.tmp / "results"), "--model", "models/lumc.tar.gz"],
            cwd=loop.root, stdout=output, stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONPATH": str(loop.root), "RASA_TELEMETRY_ENABLED": "false"})
    assert tested.returncode == 0, log.read_text()[-3000:]


def test_evaluate_finds_nothing_worse_than_the_published_model(loop):
    evaluated = _make(loop.root, loop.db_url, loop.tmp / "evaluate.log", "evaluate")
    assert evaluated.returncode == 0, evaluated.output[-4000:]
    assert "OK: in-scope accuracy did not drop" in evaluated.output
