"""Page load times of the staff review app on 10,000 seeded conversations.

Seeds a fresh SQLite file and a fresh PostgreSQL database (a scratch database
beside TEST_POSTGRES_URL, dropped afterwards), starts the app as production
does (``python -m staff.app``), logs in and times each page over HTTP on
loopback. Prints a Markdown table of p50/p95 in milliseconds (target: 300 ms).

    .venv/bin/python benchmarks/staff_pages.py [--conversations 10000] [--runs 30]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from staff import accounts, demo_data, schema, turn_index  # noqa: E402
from stores.db_url import create_engine  # noqa: E402
from stores.scratch_db import scratch_postgres  # noqa: E402

PASSWORD = "benchmark password 123"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def measure(url: str, conversations: int, runs: int) -> dict:
    engine = create_engine(url)
    schema.create_all(engine)
    t0 = time.perf_counter()
    demo_data.seed(engine, conversations)
    seed_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    turn_index.sync(engine)
    index_s = time.perf_counter() - t0
    accounts.create_user(engine, "bench", PASSWORD, "reviewer")
    with engine.connect() as conn:
        senders = [r[0] for r in conn.execute(sa.select(schema.staff_turns.c.sender_id).distinct().limit(2000))]
    engine.dispose()

    port = _free_port()
    env = {**os.environ, "TRACKER_DB_URL": url, "STAFF_PORT": str(port),
           "STAFF_SECRET_KEY": "benchmark-only", "STAFF_SYNC_LAG_SECONDS": "0"}
    proc = subprocess.Popen([sys.executable, "-m", "staff.app"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                requests.get(base + "/login", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        s = requests.Session()
        token = re.search(r'name="csrf_token" value="([^"]+)"', s.get(base + "/login").text).group(1)
        s.post(base + "/login", data={"csrf_token": token, "username": "bench", "password": PASSWORD})
        rng = random.Random(1)
        pages = {
            "list": lambda: "/conversations",
            "list, page 200": lambda: "/conversations?page=200",
            "filtered list": lambda: "/conversations?declined=1&low=1&threshold=0.7&q=the&sort=lowest_confidence",
            "transcript": lambda: f"/conversations/{rng.choice(senders)}",
            "dashboard": lambda: "/dashboard",
            "export CSV (declined)": lambda: "/export.csv?declined=1",
            "export JSONL (one FAQ key)": lambda: "/export.jsonl?faq=faq/open_days",
        }
        results = {}
        for name, path in pages.items():
            s.get(base + path())  # warm up
            times = []
            for _ in range(runs):
                t0 = time.perf_counter()
                r = s.get(base + path())
                times.append((time.perf_counter() - t0) * 1000)
                assert r.status_code == 200, (name, r.status_code)
            results[name] = (statistics.median(times), _percentile(times, 0.95), len(r.content))
        return {"seed_s": seed_s, "index_s": index_s, "pages": results}
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    measured = {}
    with tempfile.TemporaryDirectory() as tmp:
        measured["SQLite"] = measure(f"sqlite:///{tmp}/bench.db", args.conversations, args.runs)
    with scratch_postgres("lsa_bench") as url:
        measured["PostgreSQL"] = measure(url, args.conversations, args.runs)

    print(f"Staff review pages, {args.conversations:,} conversations, {args.runs} requests per page "
          f"(after one warm-up), loopback HTTP, 2-core machine. Times in ms.\n")
    print("| page | SQLite p50 | SQLite p95 | PostgreSQL p50 | PostgreSQL p95 | response size |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name in measured["SQLite"]["pages"]:
        lite, pg = measured["SQLite"]["pages"][name], measured["PostgreSQL"]["pages"][name]
        print(f"| {name} | {lite[0]:.0f} | {lite[1]:.0f} | {pg[0]:.0f} | {pg[1]:.0f} | {lite[2] / 1024:.0f} KB |")
    print()
    for backend, m in measured.items():
        print(f"- {backend}: bulk seed {m['seed_s']:.1f} s, first indexing of all messages {m['index_s']:.1f} s")


if __name__ == "__main__":
    main()
