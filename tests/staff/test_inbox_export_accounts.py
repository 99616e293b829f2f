"""Trainer inbox API, export escaping, accounts and the secret key file."""

import csv
import io
import json
import os
import stat
import subprocess
import sys

import pytest
import sqlalchemy as sa

from staff import accounts, config, export, inbox, schema
from stores.db_url import PROJECT_ROOT, create_engine


@pytest.fixture
def engine(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'staff.db'}")
    schema.create_all(engine)
    yield engine
    engine.dispose()


def test_inbox_mark_list_reject_and_claim(engine):
    a = inbox.mark(engine, sender_id="c1", message_text="is there a bike shed?",
                   suggested_intent=inbox.NEW_FAQ, marked_by="rita", note="asked often")
    b = inbox.mark(engine, sender_id="c2", message_text="fee?", suggested_intent="faq/tuition_fees",
                   marked_by="rita")
    pending = inbox.list_pending(engine)
    assert [(i.id, i.status, i.suggested_intent) for i in pending] == [
        (a, "pending", "new FAQ"), (b, "pending", "faq/tuition_fees")]
    assert pending[0].note == "asked often" and pending[0].marked_by == "rita"
    with engine.begin() as conn:  # what trainer.inbox.accept_item does around writing the example
        assert inbox.claim(conn, a, "accepted", "tom") is True
    assert inbox.reject(engine, b, decided_by="tom") is True
    assert inbox.reject(engine, b, decided_by="tom") is False  # already decided
    assert inbox.list_pending(engine) == []
    decided = {i.id: i for i in inbox.list_items(engine)}
    assert decided[a].status == "accepted" and decided[a].decided_by == "tom" and decided[a].decided_at
    assert decided[b].status == "rejected" and inbox.get(engine, b) == decided[b]


def test_a_claim_rolls_back_with_its_transaction(engine):
    a = inbox.mark(engine, sender_id="c1", message_text="fee?", suggested_intent="ask_fee", marked_by="rita")
    with pytest.raises(RuntimeError):
        with engine.begin() as conn:
            assert inbox.claim(conn, a, "accepted", "tom")
            raise RuntimeError("writing the example failed")
    assert inbox.get(engine, a).status == "pending"


def test_marking_the_same_message_again_merges(engine):
    a = inbox.mark(engine, sender_id="c1", message_text="fee?", suggested_intent="ask_detail", marked_by="rita",
                   note="short")
    again = inbox.mark(engine, sender_id="c1", message_text="fee?", suggested_intent="ask_fee", marked_by="adam",
                       note="it is about the fee")
    other = inbox.mark(engine, sender_id="c2", message_text="fee?", suggested_intent="ask_fee", marked_by="rita")
    assert again == a and other != a
    item = inbox.get(engine, a)
    assert (item.suggested_intent, item.note) == ("ask_fee", "short / it is about the fee")
    assert [i.id for i in inbox.list_items(engine)] == [a, other]
    inbox.reject(engine, a, "tom")
    assert inbox.mark(engine, sender_id="c1", message_text="fee?", suggested_intent="ask_fee",
                      marked_by="rita") == a and inbox.get(engine, a).status == "rejected"


def test_inbox_requires_a_suggestion(engine):
    with pytest.raises(ValueError):
        inbox.mark(engine, sender_id="c", message_text="x", suggested_intent=" ", marked_by="r")


@pytest.mark.parametrize("cell,expected", [
    ("=1+1", "'=1+1"), ("+31 6", "'+31 6"), ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=cmd", "'\t=cmd"), ("fee?", "fee?"), (None, ""), (0.93, "0.93"),
])
def test_csv_cells_that_start_a_formula_are_neutralised(cell, expected):
    assert export.neutralise(cell) == expected


def test_csv_and_jsonl_round_trip():
    rows = [{"text": '=HYPERLINK("http://x","y")', "n": 1}, {"text": 'a "quote", comma', "n": 2}]
    parsed = list(csv.DictReader(io.StringIO(export.to_csv(rows, ["text", "n"]))))
    assert parsed[0]["text"].startswith("'=HYPERLINK") and parsed[1]["text"] == 'a "quote", comma'
    assert [json.loads(line) for line in export.to_jsonl(rows).splitlines()] == rows


def test_passwords_are_argon2id_hashes(engine):
    accounts.create_user(engine, "rita", "a long enough password", "reviewer")
    with engine.connect() as conn:
        stored = conn.execute(sa.select(schema.staff_users.c.password_hash)).scalar()
    assert stored.startswith("$argon2id$") and "a long enough password" not in stored
    assert accounts.authenticate(engine, "rita", "a long enough password")["role"] == "reviewer"
    assert accounts.authenticate(engine, "rita", "a long enough passworD") is None
    assert accounts.authenticate(engine, "nobody", "a long enough password") is None
    accounts.set_active(engine, "rita", False)
    assert accounts.authenticate(engine, "rita", "a long enough password") is None


@pytest.mark.parametrize("username,password,role", [
    ("rita", "short", "reviewer"), ("ri ta", "a long enough password", "reviewer"),
    ("rita", "a long enough password", "superuser"),
])
def test_bad_accounts_are_refused(engine, username, password, role):
    with pytest.raises(ValueError):
        accounts.create_user(engine, username, password, role)


def test_accounts_command_reads_password_from_stdin(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    env = {**os.environ, "TRACKER_DB_URL": url}

    def run(*args, stdin=""):
        return subprocess.run([sys.executable, "-m", "staff.accounts", *args], input=stdin,
                              text=True, capture_output=True, cwd=PROJECT_ROOT, env=env, timeout=60)

    made = run("create", "--username", "adam", "--role", "admin", stdin="s3cret-passphrase!\n")
    assert made.returncode == 0 and "s3cret-passphrase" not in made.stdout + made.stderr
    again = run("create", "--username", "adam", "--role", "admin", stdin="s3cret-passphrase!\n")
    assert again.returncode == 2 and "already exists" in again.stderr
    assert "adam\tadmin\tactive" in run("list").stdout
    engine = create_engine(url)
    assert accounts.authenticate(engine, "adam", "s3cret-passphrase!")["role"] == "admin"
    engine.dispose()


def test_make_staff_account_works_outside_the_virtualenv(tmp_path):
    """The documented command runs inside .venv whatever python the shell has (no sqlalchemy needed)."""
    url = f"sqlite:///{tmp_path / 'make.db'}"
    env = {key: value for key, value in os.environ.items() if key not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env.update(TRACKER_DB_URL=url, PATH="/usr/bin:/bin")

    def make(args, stdin):
        return subprocess.run(["make", "-s", "staff-account", f"ARGS={args}"], input=stdin, text=True,
                              capture_output=True, cwd=PROJECT_ROOT, env=env, timeout=120)

    made = make("create --username rita --role reviewer", "s3cret-passphrase!\n")
    assert made.returncode == 0, made.stderr
    assert "created reviewer rita" in made.stdout
    assert "rita\treviewer\tactive" in make("list", "").stdout
    # Without a terminal to ask at, a missing name is a clear error, not a traceback.
    missing = make("create --role reviewer", "s3cret-passphrase!\n")
    assert missing.returncode != 0 and "give --username NAME and --role reviewer|admin" in missing.stderr


def test_generated_secret_key_is_kept_private_and_stable(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("STAFF_SECRET_KEY", raising=False)
    path = tmp_path / "var" / "staff-secret"
    monkeypatch.setenv("STAFF_SECRET_FILE", str(path))
    key = config.secret_key()
    assert len(key) >= 40 and config.secret_key() == key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert key not in capsys.readouterr().out
    monkeypatch.setenv("STAFF_SECRET_KEY", "from-env")
    assert config.secret_key() == "from-env"
