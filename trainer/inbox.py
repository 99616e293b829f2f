"""`make inbox`: the trainer inbox, messages that reviewers marked "Use for training" on the staff page.

  python -m trainer.inbox list                       # pending items, oldest first (--all: every item)
  python -m trainer.inbox accept ID --intent ask_fee # add the message as an example of that intent
  python -m trainer.inbox accept ID --new-faq KEY    # start a new FAQ entry from it (a draft in var/)
  python -m trainer.inbox reject ID

The database is the conversation database (TRACKER_DB_URL, as for the staff page; docs/staff.md).
Accepting as an example runs the same checks as `make faq-add` (no example used twice, no held-out
question, valid YAML) and changes nothing when one fails; the item then stays pending.
"""

from __future__ import annotations

import argparse
import datetime
import getpass
import json
import sys
from pathlib import Path
from typing import List, Optional

import yaml

from staff import inbox
from trainer import examples as ex
from trainer.faq import KEY_PATTERN, MIN_EXAMPLES, sources
from trainer.project import PROJECT, Refused, relative, require_valid_yaml, write_atomically

DRAFTS = Path("var/faq-drafts")


def engine():
    from stores.db_url import create_engine
    return create_engine()


def find(db, item_id: int) -> inbox.InboxItem:
    for item in inbox.list_items(db):
        if item.id == item_id:
            if item.status != "pending":
                raise Refused([f"inbox item {item_id} was already {item.status} by {item.decided_by}"])
            return item
    raise Refused([f"there is no inbox item {item_id}: see `make inbox` for the pending ones"])


def add_example(root: Path, intent: str, text: str) -> Path:
    """Appends `text` to the examples of `intent` in its data/nlu file, after every check passes."""
    require_valid_yaml(root)
    examples = ex.all_examples(root)
    if intent not in examples:
        faq_hint = " (FAQ answers are faq/<key>, e.g. faq/abroad_why)" if intent == "faq" or "/" not in intent else ""
        raise Refused([f'"{intent}" is not an intent with examples{faq_hint}: use one of the intents in data/nlu/, '
                       f"or --new-faq KEY to start a new FAQ entry"])
    cleaned, problems = ex.clean_examples([text])
    if not cleaned:
        raise Refused(["the message is empty"])
    path = examples[intent][-1][1]
    problems += ex.added_problems(root, {intent: cleaned}, path)
    if problems:
        raise Refused(problems)
    old = path.read_text(encoding="utf-8")
    new = ex.insert_examples(old, intent, cleaned)
    before, after = yaml.safe_load(old), yaml.safe_load(new)
    for item in before["nlu"]:
        if item.get("intent") == intent:
            item["examples"] += f"- {cleaned[0]}\n"
            break
    if before != after:
        raise RuntimeError(f"{relative(path, root)}: could not add the example without changing other content")
    write_atomically({path: new})
    return path


def write_draft(root: Path, key: str, item: inbox.InboxItem) -> Path:
    """var/faq-drafts/<key>.yml with the message as its first example (or one more example)."""
    if not KEY_PATTERN.match(key):
        raise Refused([f'the key "{key}" is not valid: use lower-case letters, digits and underscores'])
    if any(i == f"faq/{key}" for i in ex.all_examples(root)):
        raise Refused([f'the FAQ entry "{key}" already exists: accept the message with --intent faq/{key}'])
    path = root / DRAFTS / f"{key}.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else {}
    examples = list(data.get("examples") or [])
    if item.message_text not in examples:
        examples.append(item.message_text)
    q = lambda value: json.dumps(value or "", ensure_ascii=False)  # noqa: E731  (JSON strings are YAML)
    lines = [f"# Draft FAQ entry, started from trainer inbox item {item.id} on {datetime.date.today()}.",
             f"# Complete it (at least {MIN_EXAMPLES} example questions, the answer, the source), then run:",
             f"#   make faq-add FROM={DRAFTS}/{key}.yml",
             f"key: {key}", "examples:"] + [f"  - {q(e)}" for e in examples] + [
             f"  # add more questions, worded the way different students would ask ({len(examples)} so far)",
             f"answer: {q(data.get('answer'))}",
             f"source: {q(data.get('source'))}   # one of: {', '.join(sources(root))}",
             f"as_of: {q(data.get('as_of'))}",
             "quick_replies: []", ""]
    write_atomically({path: "\n".join(lines)})
    return path


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m trainer.inbox", description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, default=PROJECT, help=argparse.SUPPRESS)
    parser.add_argument("--by", default=None, help="your name for the record (default: your login)")
    sub = parser.add_subparsers(dest="command")
    listing = sub.add_parser("list", help="pending items")
    listing.add_argument("--all", action="store_true", help="also accepted and rejected items")
    accept = sub.add_parser("accept", help="accept an item")
    accept.add_argument("id", type=int)
    how = accept.add_mutually_exclusive_group(required=True)
    how.add_argument("--intent", help="an existing intent or faq/<key>")
    how.add_argument("--new-faq", metavar="KEY", help="start a new FAQ entry with this key")
    reject = sub.add_parser("reject", help="reject an item")
    reject.add_argument("id", type=int)
    args = parser.parse_args(argv)
    root = args.project.resolve()
    by = args.by or getpass.getuser() or "trainer"
    db = engine()
    try:
        if args.command in (None, "list"):
            items = inbox.list_items(db) if getattr(args, "all", False) else inbox.list_pending(db)
            if not items:
                print("The inbox is empty." if getattr(args, "all", False) else "No pending items.")
            for item in items:
                when = datetime.datetime.fromtimestamp(item.created_at).strftime("%Y-%m-%d")
                print(f"#{item.id:<5} {when}  {item.status:8}  suggested: {item.suggested_intent}  "
                      f"(by {item.marked_by})\n       \"{item.message_text}\""
                      + (f"\n       note: {item.note}" if item.note else ""))
            if items and not getattr(args, "all", False):
                print("\nAccept: make inbox ARGS='accept ID --intent INTENT'  or  ARGS='accept ID --new-faq KEY'; "
                      "reject: make inbox ARGS='reject ID'")
            return 0
        item = find(db, args.id)
        if args.command == "reject":
            inbox.reject(db, item.id, by)
            print(f"Rejected inbox item {item.id}.")
            return 0
        if args.intent:
            path = add_example(root, args.intent, item.message_text)
            inbox.accept(db, item.id, by)
            print(f'Added "{item.message_text}" as an example of {args.intent} in {relative(path, root)}; '
                  f"inbox item {item.id} accepted.\nNext: make check, make train, make evaluate.")
        else:
            path = write_draft(root, args.new_faq, item)
            inbox.accept(db, item.id, by)
            print(f"Started a new FAQ entry in {relative(path, root)}; inbox item {item.id} accepted.\n"
                  f"Open that file, add more example questions, the answer and the source, then run:\n"
                  f"  make faq-add FROM={relative(path, root)}")
        return 0
    except Refused as refused:
        print("Refused: nothing was changed. Fix the following and run the command again:", file=sys.stderr)
        for problem in refused.problems:
            print(f"  - {problem}", file=sys.stderr)
        return 2
    except RuntimeError as error:
        print(f"Stopped: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
