"""Conversations of the real assistant, recorded over REST and replayed in bulk.

``record`` starts the trained assistant (serving.launcher.Servers) on a scratch SQLite tracker
store, sends it a few hundred conversations built from staff/demo_conversations.yml the way the
widget does (including some thumbs up and down through the feedback endpoint), and keeps what the
tracker store wrote, together with what every reply said. The recording is cached in
build/staff-demo/ per trained model, so it is made once per model.

``seed`` fills a database with N conversations copied from the recording (new conversation and
message ids, spread over the last ``days`` days): the staff tests and the page benchmark need
10,000 conversations, which would take hours to send one by one.

    python -m staff.demo_data record                     # (re)record with models/lumc.tar.gz
    python -m staff.demo_data --conversations 500        # fill TRACKER_DB_URL (records if needed)
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import random
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Dict, Iterable, List, Optional

import sqlalchemy as sa
import yaml

from stores.db_url import PROJECT_ROOT

SCRIPTS = Path(__file__).with_name("demo_conversations.yml")
RECORDING = PROJECT_ROOT / "build" / "staff-demo" / "recording.json.gz"
MODEL = PROJECT_ROOT / "models" / "lumc.tar.gz"
RECORDED_CONVERSATIONS = 300
# Seeded conversations' ids start with this, so the staff page can mark them as demo data: their
# dates and many of their votes are made up, and must never be read as what students did.
DEMO_PREFIX = "demo-"
VOTE_SHARE = 0.3


# ---- what the assistant said: the ground truth the staff index is checked against -------------

def decline_texts() -> List[str]:
    """Openings of every text by which the assistant declines: the domain's decline response and
    the answer about other institutions (built by the actions' own function)."""
    from actions import answers
    from actions.knowledge_base import Entry

    from actions.language import LANGUAGES
    from actions.wording import phrases

    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text())
    declines = [variant["text"].strip() for name in ("utter_decline", "utter_not_covered")
                for variant in domain["responses"][name]]
    other = Entry("institution", "other", {"name": "that institution"})
    institution = [answers.not_our_institution(other, lang).text.split(",", 1)[0] for lang in LANGUAGES]
    # "The documents I answer from don't give ... for ...": the words before the first value.
    not_stated = [phrases()[key][lang].split("{", 1)[0] for key in ("not_stated_for", "not_stated_topic",
                                                                    "not_stated_about") for lang in LANGUAGES]
    return [*declines, *institution, *not_stated]


def said_decline(texts: Iterable[str], openings: Optional[List[str]] = None) -> bool:
    openings = openings or decline_texts()
    return any((text or "").strip().startswith(opening) for text in texts for opening in openings)


# ---- recording ------------------------------------------------------------------------------------

def script(rng: random.Random, blocks: dict) -> List[str]:
    """The student messages of one conversation."""
    messages: List[str] = []
    if rng.random() < 0.5:
        messages.append(rng.choice(blocks["greetings"]))
    for _ in range(rng.choice([1, 1, 2, 2, 3, 4])):
        roll = rng.random()
        if roll < 0.62:
            topic = rng.choice(blocks["topics"])
            messages.append(rng.choice(topic["question"]))
            if topic["followups"] and rng.random() < 0.5:
                messages.append(rng.choice(topic["followups"]))
        elif roll < 0.72:
            messages.append(rng.choice(blocks["buttons"]))
        elif roll < 0.84:
            messages.append(rng.choice(blocks["off_topic"]))
        elif roll < 0.92:
            messages.append(rng.choice(blocks["other_institutions"]))
        else:
            messages.append(rng.choice(blocks["vague"]))
    if rng.random() < 0.4:
        messages.append(rng.choice(blocks["closings"]))
    return messages


def _post_vote(rasa_url: str, body: dict) -> int:
    request = urllib.request.Request(f"{rasa_url}/webhooks/rest/feedback", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as reply:
        return reply.status


def drive(servers, conversations: int, seed_value: int = 9) -> List[dict]:
    """Sends `conversations` scripted conversations to running servers; what each reply said."""
    blocks = yaml.safe_load(SCRIPTS.read_text())
    rng = random.Random(seed_value)
    turns = []
    for _ in range(conversations):
        sender = f"demo-{uuid.UUID(int=rng.getrandbits(128)).hex[:16]}"
        for text in script(rng, blocks):
            replies = servers.send(sender, text)
            turn = {"sender": sender, "text": text, "replies": [r.get("text") or "" for r in replies],
                    "message_id": replies[0]["in_reply_to"] if replies else None, "vote": None}
            if replies and text not in blocks["greetings"] and rng.random() < VOTE_SHARE:
                turn["vote"] = {"rating": rng.choice(["up", "up", "down"]), "reason": ""}
                if turn["vote"]["rating"] == "down":
                    turn["vote"]["reason"] = rng.choice(blocks["vote_reasons"])
                _post_vote(servers.rasa_url, {"sender": sender, "answer_to": turn["message_id"],
                                              **turn["vote"]})
            turns.append(turn)
    return turns


def _model_digest(model: Path) -> str:
    return hashlib.sha256(model.read_bytes()).hexdigest()[:16] if model.exists() else "none"


def record(conversations: int = RECORDED_CONVERSATIONS, path: Path = RECORDING, model: Path = MODEL) -> dict:
    """Records conversations of the real assistant and caches them at `path`."""
    from serving.launcher import Servers, free_port
    from stores.db_url import create_engine

    from staff.schema import events

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/recording.db"
        servers = Servers(rasa_port=free_port(), action_port=free_port(), model=model,
                          log_dir=Path(tmp) / "logs", env={"TRACKER_DB_URL": url, "LOCK_STORE_URL": ""})
        servers.start()
        try:
            turns = drive(servers, conversations)
        finally:
            servers.stop()
        engine = create_engine(url)
        by_sender: Dict[str, list] = {}
        with engine.connect() as conn:
            for row in conn.execute(sa.select(events).order_by(events.c.id)):
                by_sender.setdefault(row.sender_id, []).append(
                    {"type_name": row.type_name, "timestamp": row.timestamp, "intent_name": row.intent_name,
                     "action_name": row.action_name, "data": row.data})
        engine.dispose()
    result = {"model": _model_digest(model), "size": conversations, "recorded_at": time.time(), "turns": turns,
              "conversations": [{"sender": s, "events": evs} for s, evs in by_sender.items()]}
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wt", encoding="utf-8") as out:
        json.dump(result, out)
    return result


def recording(path: Path = RECORDING, model: Path = MODEL) -> dict:
    """The cached recording for the current model, recorded first when missing or stale."""
    if path.exists():
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            cached = json.load(handle)
        if cached.get("model") == _model_digest(model) and cached.get("size") == RECORDED_CONVERSATIONS:
            return cached
    return record(path=path, model=model)


# ---- replaying ------------------------------------------------------------------------------------

def copy_conversation(recorded: List[dict], sender: str, start: float, rng: random.Random,
                      payload: Optional[str] = None) -> List[dict]:
    """Event rows of a recorded conversation under a new id, starting at `start`: new message ids
    (votes follow them), a pause of 5 to 90 seconds before each student message and, with
    `payload`, that text instead of the first student message."""
    ids: Dict[str, str] = {}
    rows, clock, last = [], start, None
    for event in recorded:
        data = json.loads(event["data"])
        ts = event["timestamp"] or 0.0
        if last is not None:
            clock += max(0.0, ts - last)
        last = ts
        if event["type_name"] == "user":
            clock += rng.uniform(5, 90)
            ids[data.get("message_id") or ""] = uuid.UUID(int=rng.getrandbits(128)).hex
            data["message_id"] = ids[data.get("message_id") or ""]
            if payload is not None:
                data["text"] = payload
                data.setdefault("parse_data", {})["text"] = payload
                payload = None
        elif event["type_name"] == "slot" and isinstance(data.get("value"), dict):
            answer_to = data["value"].get("answer_to")
            data["value"] = {**data["value"], "answer_to": ids.get(answer_to, answer_to)}
        data["timestamp"] = clock
        rows.append({"sender_id": sender, "type_name": event["type_name"], "timestamp": clock,
                     "intent_name": event["intent_name"], "action_name": event["action_name"],
                     "data": json.dumps(data)})
    return rows


def conversation(rng: random.Random, start: float) -> List:
    """Rasa events of one recorded conversation (picked by `rng`), moved to start at `start`."""
    from rasa.shared.core.events import Event

    source = rng.choice(recording()["conversations"])["events"]
    rows = copy_conversation(source, "unused", start, rng)
    return [Event.from_parameters(json.loads(row["data"])) for row in rows]


def event_rows(sender_id: str, evs: Iterable) -> List[dict]:
    """Rows exactly as ``SQLTrackerStore.save`` writes them."""
    rows = []
    for event in evs:
        data = event.as_dict()
        rows.append({
            "sender_id": sender_id,
            "type_name": event.type_name,
            "timestamp": data.get("timestamp"),
            "intent_name": data.get("parse_data", {}).get("intent", {}).get("name"),
            "action_name": data.get("name"),
            "data": json.dumps(data),
        })
    return rows


def is_demo(sender_id: str) -> bool:
    """Whether a conversation was seeded by this module rather than had by a student."""
    return (sender_id or "").startswith(DEMO_PREFIX)


def seed(engine: sa.engine.Engine, conversations: int, days: int = 60, seed_value: int = 4,
         now: Optional[float] = None, payloads: Optional[List[str]] = None,
         recorded: Optional[dict] = None) -> List[str]:
    """Bulk-insert ``conversations`` copies of recorded conversations spread over ``days`` days."""
    from staff.schema import events, metadata

    metadata.create_all(engine, tables=[events], checkfirst=True)
    source = [c["events"] for c in (recorded or recording())["conversations"]]
    rng = random.Random(seed_value)
    now = now or time.time()
    payloads = list(payloads or [])
    senders, batch = [], []
    for i in range(conversations):
        sender = DEMO_PREFIX + uuid.UUID(int=rng.getrandbits(128)).hex
        start = now - rng.uniform(3600, days * 86400)
        batch.extend(copy_conversation(source[i % len(source)], sender, start, rng,
                                       payloads.pop() if payloads else None))
        senders.append(sender)
        if len(batch) >= 20000:
            with engine.begin() as conn:
                conn.execute(events.insert(), batch)
            batch = []
    if batch:
        with engine.begin() as conn:
            conn.execute(events.insert(), batch)
    return senders


def main(argv: Optional[List[str]] = None) -> None:
    from stores.db_url import create_engine, masked, tracker_db_url

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", nargs="?", choices=["seed", "record"], default="seed")
    parser.add_argument("--conversations", type=int, default=500)
    parser.add_argument("--days", type=int, default=60)
    args = parser.parse_args(argv)
    if args.command == "record":
        result = record()
        print(f"recorded {len(result['conversations'])} conversations, {len(result['turns'])} "
              f"messages into {RECORDING}")
        return
    url = tracker_db_url()
    seed(create_engine(url), args.conversations, args.days)
    print(f"seeded {args.conversations} conversations into {masked(url)}")


if __name__ == "__main__":
    main()


def indexed_turns(recorded: dict, database: Path) -> dict:
    """The staff index's row of every student message of a recording, by message id, from a fresh
    SQLite file: what the staff pages would show for those conversations."""
    from staff import schema, turn_index
    from stores.db_url import create_engine

    engine = create_engine(f"sqlite:///{database}")
    schema.create_all(engine)
    with engine.begin() as conn:
        for conv in recorded["conversations"]:
            conn.execute(schema.events.insert(), [{**e, "sender_id": conv["sender"]} for e in conv["events"]])
    turn_index.sync(engine)
    with engine.connect() as conn:
        rows = {r.message_id: r for r in conn.execute(sa.select(schema.staff_turns))}
    engine.dispose()
    return rows
