"""Makes the staff page's pictures in docs/images/ from the real assistant's conversations.

    .venv/bin/python scripts/staff_screenshots.py            # writes docs/images/staff-*.png
    .venv/bin/python scripts/staff_screenshots.py --out DIR

A picture drawn from made-up data shows what the assistant does not do (FAQ keys it does not have);
these are made from what it did. The conversations are the trained model's own: staff/demo_data.py
records them over REST from models/lumc.tar.gz (again whenever the model changes). They are copied
into a scratch SQLite database spread over the last 30 days, a reviewer account is made, the staff
app is started on it, and Debian's headless Chromium (scripts/install-chromium.sh) logs in and takes
the top of the dashboard and one transcript that has a decline and a student's vote. Nothing outside the
scratch folder and the output folder is touched.
"""

from __future__ import annotations

import argparse
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

import sqlalchemy as sa  # noqa: E402

from serving.launcher import free_port, wait_until  # noqa: E402
from staff import demo_data, schema, turn_index  # noqa: E402
from stores.db_url import create_engine  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
WIDTH = 1250
CONVERSATIONS = 1000
USERNAME = "reviewer.demo"


def seed(url: str) -> str:
    """Fill the scratch database; returns the id of a short conversation with a decline and a vote."""
    engine = create_engine(url)
    schema.create_all(engine)
    demo_data.seed(engine, CONVERSATIONS, days=30)
    turn_index.sync(engine)
    t = schema.staff_turns
    with engine.connect() as conn:
        sender = conn.execute(
            sa.select(t.c.sender_id).group_by(t.c.sender_id)
            .having(sa.func.max(sa.case((t.c.declined.is_(True), 1), else_=0)) == 1)
            .having(sa.func.count(t.c.vote) >= 1)
            .having(sa.func.count() >= 3)
            .order_by(sa.func.count(), t.c.sender_id).limit(1)).scalar()
    engine.dispose()
    if sender is None:
        raise SystemExit("The recording has no conversation with a decline and a vote.")
    return sender


def start_app(url: str, folder: Path, password: str) -> tuple:
    """A reviewer account and the staff app on the scratch database; (process, base URL)."""
    env = {**os.environ, "PYTHONPATH": str(PROJECT), "TRACKER_DB_URL": url}
    subprocess.run([sys.executable, "-m", "staff.accounts", "create", "--username", USERNAME,
                    "--role", "reviewer"], input=password + "\n", text=True, check=True,
                   capture_output=True, cwd=PROJECT, env=env)
    port = free_port()
    env.update(STAFF_PORT=str(port), STAFF_HOST="127.0.0.1", STAFF_SYNC_LAG_SECONDS="0",
               STAFF_SECRET_KEY=secrets.token_urlsafe(32))
    with open(folder / "staff.log", "w") as log:
        proc = subprocess.Popen([sys.executable, "-m", "staff.app"], cwd=PROJECT, env=env,
                                stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until(base + "/login", time.monotonic() + 60, proc, "staff app")
    except (RuntimeError, TimeoutError) as error:
        proc.kill()
        raise SystemExit(f"{error}: " + (folder / "staff.log").read_text()) from None
    return proc, base


def photograph(base: str, password: str, sender: str, out: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": WIDTH, "height": 900}, base_url=base)
        page.goto("/login")
        page.get_by_label("Username").fill(USERNAME)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("heading", name="Conversations")).to_be_visible()
        page.goto("/dashboard")
        # The rates, the charts and the top intents and FAQ keys: the tables below only go on.
        tables = page.get_by_role("heading", name="Per day").bounding_box()
        page.screenshot(path=str(out / "staff-dashboard.png"), full_page=True,
                        clip={"x": 0, "y": 0, "width": WIDTH, "height": tables["y"] - 8})
        page.goto("/conversation?" + urlencode({"sender": sender}))
        page.screenshot(path=str(out / "staff-transcript.png"))
        browser.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=PROJECT / "docs" / "images")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    password = secrets.token_urlsafe(18)
    with tempfile.TemporaryDirectory(prefix="staff-screenshots-") as tmp:
        folder = Path(tmp)
        url = f"sqlite:///{folder / 'conversations.db'}"
        sender = seed(url)
        proc, base = start_app(url, folder, password)
        try:
            photograph(base, password, sender, args.out)
        finally:
            proc.terminate()
            proc.wait(timeout=20)
    print(f"Wrote staff-dashboard.png and staff-transcript.png to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
