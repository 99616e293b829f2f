"""`make inbox`: the trainer inbox, messages that reviewers marked "Use for training" on the staff page.

  python -m trainer.inbox list                       # pending items, oldest first (--all: every item)
  python -m trainer.inbox accept ID --intent ask_fee # add the message as an example of that intent
  python -m trainer.inbox accept ID                  # ... of the intent the reviewer suggested
  python -m trainer.inbox accept ID --new-faq KEY    # start a new FAQ entry from it (a draft in var/)
  python -m trainer.inbox reject ID
  python -m trainer.inbox targets                    # the intents and FAQ answers to choose from

The database is the conversation database (TRACKER_DB_URL, as for the staff page; docs/staff.md).
Accepting (`accept_item`, which the staff page's Accept calls too) writes the example into the file
that holds its intent's examples, after the same checks as `make faq-add` (a real intent or FAQ
answer, no example used twice, no held-out question, valid YAML), in the transaction that marks the
item accepted: when a check fails nothing changes and the item stays pending.
"""

from __future__ import annotations

import argparse
import datetime
import getpass
import json
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Tuple

import yaml

from actions.language import DEFAULT_LANGUAGE, sure_language
from staff import inbox
from trainer import examples as ex
from trainer import targets
from trainer.faq import KEY_PATTERN, MIN_EXAMPLES, sources
from trainer.project import PROJECT, Refused, relative, report, require_valid_yaml, write_atomically

DRAFTS = Path("var/faq-drafts")


def engine():
    from stores.db_url import create_engine
    return create_engine()


@dataclass(frozen=True)
class Accepted:
    item: inbox.InboxItem
    path: Path      # the training data file or the FAQ draft written
    target: str     # the intent or faq/<key>, or "new FAQ <key>"
    message: str    # what happened and what to do next, for the trainer


def find(db, item_id: int) -> inbox.InboxItem:
    item = inbox.get(db, item_id)
    if item is None:
        raise Refused([f"there is no inbox item {item_id}: see `make inbox` for the pending ones"])
    if item.status != "pending":
        raise Refused([f"inbox item {item_id} was already {item.status} by {item.decided_by}"])
    return item


def unknown_target(name: str) -> Refused:
    return Refused([f'"{name}" is not an intent or FAQ answer of the assistant: choose one of the list '
                    f"(`make inbox ARGS=targets` prints it; FAQ answers are faq/<key>), or accept it as "
                    f"the first question of a new FAQ entry (--new-faq KEY)"])


def accept_item(db, root: Path, item_id: int, decided_by: str, target: Optional[str] = None,
                new_faq: Optional[str] = None) -> Accepted:
    """Accept an inbox item: its message becomes an example of `target` (default: the suggested
    intent) or the first question of the FAQ draft `new_faq`. The staff page and `make inbox` both
    call this, so an item is never accepted without its training data changing."""
    item = find(db, item_id)
    target = (target or "").strip() or item.suggested_intent.strip()
    if not new_faq and target.lower().startswith(inbox.NEW_FAQ.lower()):
        new_faq = target[len(inbox.NEW_FAQ):].strip(" :")
        if not new_faq:
            raise Refused([f'inbox item {item_id} was suggested as a new FAQ entry: give its key '
                           f'(--new-faq KEY, e.g. --new-faq housing), or choose an existing answer'])
    if not new_faq and targets.find_target(target, root) is None:
        raise unknown_target(target)
    with db.begin() as conn:
        if not inbox.claim(conn, item.id, "accepted", decided_by):
            raise Refused([f"inbox item {item_id} was decided by someone else just now"])
        if new_faq:
            path = write_draft(root, new_faq, item)
            return Accepted(item, path, f"{inbox.NEW_FAQ} {new_faq}",
                            f"Started a new FAQ entry in {relative(path, root)}; inbox item {item.id} accepted.\n"
                            f"Open that file, add more example questions, the answer and the source, then run:\n"
                            f"  make faq-add FROM={relative(path, root)}")
        path = add_example(root, target, item.message_text)
        return Accepted(item, path, target,
                        f'Added "{item.message_text}" as an example of {target} in {relative(path, root)}; '
                        f"inbox item {item.id} accepted.\nNext: make check, make train, make evaluate.")


def add_example(root: Path, intent: str, text: str) -> Path:
    """Appends `text` to the examples of `intent` in its data/nlu file, after every check passes."""
    require_valid_yaml(root)
    if targets.find_target(intent, root) is None:
        raise unknown_target(intent)
    examples = ex.all_examples(root)
    if intent not in examples:
        raise Refused([f'{intent} has no example questions in data/nlu/ yet: add its first ones by hand '
                       f"(docs/trainers.md)"])
    cleaned, problems = ex.clean_examples([text])
    if not cleaned:
        raise Refused(["the message is empty"])
    path = example_file(examples[intent], cleaned[0])
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


def example_file(rows: List[Tuple[str, Path]], text: str) -> Path:
    """The file of the intent's examples in the message's language (data/nlu/nl/ for a message that is
    surely Dutch, else an English one): the one holding most of them, the intent's own file rather than
    one of the files where it appears by concern (in_context.yml, subjects.yml)."""
    dutch = (sure_language(text) or DEFAULT_LANGUAGE) == "nl"
    counts = Counter(path for _, path in rows)
    files = [path for path in counts if (path.parent.name == "nl") == dutch] or list(counts)
    return max(files, key=lambda path: counts[path])


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
    how = accept.add_mutually_exclusive_group()
    how.add_argument("--intent", help="an existing intent or faq/<key> (default: the one suggested)")
    how.add_argument("--new-faq", metavar="KEY", help="start a new FAQ entry with this key")
    reject = sub.add_parser("reject", help="reject an item")
    reject.add_argument("id", type=int)
    sub.add_parser("targets", help="the intents and FAQ answers a message can be accepted as")
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
                print("\nAccept: make inbox ARGS='accept ID' (as suggested), ARGS='accept ID --intent INTENT' or "
                      "ARGS='accept ID --new-faq KEY'; reject: make inbox ARGS='reject ID'; "
                      "the intents and FAQ answers: make inbox ARGS=targets")
            return 0
        if args.command == "targets":
            for target in targets.training_targets(root):
                print(f"{target.name:32} {target.title}")
            return 0
        if args.command == "reject":
            item = find(db, args.id)
            if not inbox.reject(db, item.id, by):
                raise Refused([f"inbox item {item.id} was decided by someone else just now"])
            print(f"Rejected inbox item {item.id}.")
            return 0
        print(accept_item(db, root, args.id, by, target=args.intent, new_faq=args.new_faq).message)
        return 0
    except (Refused, RuntimeError) as stopped:
        return report(stopped)


if __name__ == "__main__":
    sys.exit(main())
