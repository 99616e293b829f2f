"""The staff review app: is its "declined" flag true, and are its pages fast?

1. Decline-flag agreement: the real assistant's conversations recorded over REST
   (staff/demo_data.py; ``--record`` records afresh, else the recording cached for
   the current model is used) are indexed, and each student message's flag is
   compared with what the replies to it said (a decline text or not). Target 100%.
2. Page loads: seeds a fresh SQLite file and a fresh PostgreSQL database (a
   scratch database beside TEST_POSTGRES_URL, dropped afterwards) with copies of
   those conversations, starts the app as production does (``python -m
   staff.app``), logs in and times each page over HTTP on loopback. Prints
   Markdown tables; target p95 under 300 ms.

    .venv/bin/python benchmarks/staff_pages.py [--conversations 10000] [--runs 30] [--record]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
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


def agreement(recorded: dict) -> dict:
    """Each recorded student message: the index's outcome against what the replies said."""
    with tempfile.TemporaryDirectory() as tmp:
        rows = demo_data.indexed_turns(recorded, Path(tmp) / "agreement.db")
    openings = demo_data.decline_texts()
    said = {"declined": 0, "agree": 0, "flagged": 0, "missed": [], "wrong": [],
            "intent_rule_flagged": 0, "intent_rule_agree": 0}
    outcomes, reasons, votes = {}, {}, {"stored": 0, "indexed": 0}
    for turn in recorded["turns"]:
        row = rows[turn["message_id"]]
        truth = demo_data.said_decline(turn["replies"], openings)
        said["declined"] += truth
        said["flagged"] += bool(row.declined)
        said["agree"] += truth == bool(row.declined)
        # the index's former rule, for comparison: a fallback intent means declined
        by_intent = row.intent in ("out_of_scope", "nlu_fallback")
        said["intent_rule_flagged"] += by_intent
        said["intent_rule_agree"] += truth == by_intent
        if truth and not row.declined:
            said["missed"].append(turn["text"])
        if row.declined and not truth:
            said["wrong"].append(turn["text"])
        outcomes[row.outcome] = outcomes.get(row.outcome, 0) + 1
        if row.reason:
            reasons[row.reason] = reasons.get(row.reason, 0) + 1
        if turn["vote"]:
            votes["stored"] += 1
            votes["indexed"] += row.vote == turn["vote"]["rating"]
    return {"messages": len(recorded["turns"]), "conversations": len(recorded["conversations"]),
            **said, "outcomes": outcomes, "reasons": reasons, "votes": votes}


def measure(url: str, conversations: int, runs: int, recorded: dict) -> dict:
    engine = create_engine(url)
    schema.create_all(engine)
    t0 = time.perf_counter()
    demo_data.seed(engine, conversations, recorded=recorded)
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
            "thumbs-down list": lambda: "/conversations?vote=down&sort=most_matches",
            "declined, other institution": lambda: "/conversations?outcome=declined&reason=other_institution",
            "transcript": lambda: f"/conversation?sender={rng.choice(senders)}",
            "dashboard (30 days)": lambda: "/dashboard",
            "dashboard (60 days)": lambda: f"/dashboard?from={(dt.date.today() - dt.timedelta(days=60)).isoformat()}",
            "export CSV (declined)": lambda: "/export.csv?declined=1",
            "export JSONL (one intent)": lambda: "/export.jsonl?intent=ask_fee",
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
    parser.add_argument("--record", action="store_true", help="record the real assistant afresh")
    args = parser.parse_args()
    recorded = demo_data.record() if args.record else demo_data.recording()
    a = agreement(recorded)
    print(f"Decline flag against what the assistant said: {a['messages']:,} student messages in "
          f"{a['conversations']} conversations with the real assistant over REST.\n")
    print("| messages | declined (said) | flagged declined | agree | missed | flagged but answered |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: |")
    print(f"| {a['messages']:,} | {a['declined']} | {a['flagged']} | {a['agree'] / a['messages']:.1%} "
          f"| {len(a['missed'])} | {len(a['wrong'])} |")
    print(f"| same messages, former rule (intent out_of_scope or nlu_fallback) | {a['declined']} | "
          f"{a['intent_rule_flagged']} | {a['intent_rule_agree'] / a['messages']:.1%} | | |")
    print(f"\nOutcomes: {json.dumps(a['outcomes'], sort_keys=True)}; decline reasons: "
          f"{json.dumps(a['reasons'], sort_keys=True)}; votes posted {a['votes']['stored']}, "
          f"indexed on the right message {a['votes']['indexed']}.")
    for label in ("missed", "wrong"):
        for text in a[label][:10]:
            print(f"  {label}: {text!r}")
    print()
    measured = {}
    with tempfile.TemporaryDirectory() as tmp:
        measured["SQLite"] = measure(f"sqlite:///{tmp}/bench.db", args.conversations, args.runs, recorded)
    with scratch_postgres("lsa_bench") as url:
        measured["PostgreSQL"] = measure(url, args.conversations, args.runs, recorded)

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
