"""Adds an FAQ entry (a question with a fixed answer) in the project's formatting.

  python -m trainer.faq add                      # asks for everything
  python -m trainer.faq add --from entry.yml     # key, examples, examples_nl, answer, answer_nl, source, as_of, quick_replies
  python -m trainer.faq add --key housing --example "..." (8+ times) --answer "..." --example-nl "..." (8+) --answer-nl "..." --source SOURCE

It writes three things, each appended as a block so existing comments and formatting stay:
the `faq/<key>` examples (data/nlu/faq.yml), the `utter_faq/<key>` response ending with the
"Source: <title>" line (data/responses/faq.yml) and a test conversation (tests/stories/). Every check
runs first; if anything is wrong nothing is written and the message says what to fix.
"""

from __future__ import annotations

import argparse
import datetime
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import yaml

from trainer import examples as ex
from trainer.project import (PROJECT, Refused, appended, report, relative, require_valid_yaml, write_atomically,
                             yaml_error, yaml_scalar)

MIN_EXAMPLES = 8
MIN_ANSWER_CHARS = 40
MAX_QUICK_REPLIES = 5
NLU_FILE = Path("data/nlu/faq.yml")
NLU_FILE_NL = Path("data/nlu/nl/faq.yml")
RESPONSES_FILE = Path("data/responses/faq.yml")
STORIES_FILE = Path("tests/stories/test_conversations.yml")
KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,40}$")
AS_OF_PATTERN = re.compile(r"^(\d{4}(-\d{2}(-\d{2})?)?|\d{4}-\d{4}|[A-Z][a-z]+ \d{4})$")


@dataclass
class FaqEntry:
    key: str = ""
    examples: List[str] = field(default_factory=list)
    answer: str = ""
    # The same answer and example questions in Dutch: every answer exists in both languages.
    answer_nl: str = ""
    examples_nl: List[str] = field(default_factory=list)
    source: str = ""
    as_of: str = ""
    quick_replies: List[Dict[str, str]] = field(default_factory=list)


def sources(root: Path) -> Dict[str, Dict[str, Any]]:
    return (yaml.safe_load((root / "knowledge" / "sources.yml").read_text(encoding="utf-8")) or {}).get("sources") or {}


def domain_intents(root: Path) -> List[str]:
    domain = yaml.safe_load((root / "domain.yml").read_text(encoding="utf-8")) or {}
    return [i if isinstance(i, str) else next(iter(i)) for i in domain.get("intents") or []]


def quick_reply(item: Any) -> Dict[str, str]:
    """'Title', 'Title=payload' or {title, payload}: a button; its payload is sent as the student's message."""
    if isinstance(item, dict):
        title, payload = str(item.get("title") or "").strip(), str(item.get("payload") or "").strip()
        return {"title": title, "payload": payload or title}
    title, _, payload = str(item).partition("=")
    return {"title": title.strip(), "payload": payload.strip() or title.strip()}


def source_line(root: Path, entry: FaqEntry, lang: str = "en") -> str:
    source = sources(root)[entry.source]
    if lang == "nl":
        line = f"Bron: {source.get('title_nl') or source['title']}"
        return f"{line} (stand {entry.as_of})" if entry.as_of else line
    line = f"Source: {source['title']}"
    return f"{line} (as of {entry.as_of})" if entry.as_of else line


def answer_text(root: Path, entry: FaqEntry, lang: str = "en") -> str:
    answer = entry.answer_nl if lang == "nl" else entry.answer
    lines = [line.rstrip() for line in answer.strip().splitlines()]
    return "\n".join(lines + [source_line(root, entry, lang)])


def _answer_problems(answer: str, language: str, marker: str) -> List[str]:
    answer = answer.strip()
    if not answer:
        return [f"the {language} answer is missing: write the answer in plain text"]
    problems = []
    if len(answer) < MIN_ANSWER_CHARS:
        problems.append(f"the {language} answer is too short ({len(answer)} characters): write at least "
                        f"{MIN_ANSWER_CHARS} characters, full sentences a student can act on")
    if re.search(rf"^\s*{marker}:", answer, re.IGNORECASE | re.MULTILINE):
        problems.append(f'the {language} answer contains a "{marker}:" line: leave it out, the tool adds it '
                        "from the source you give")
    return problems


def _examples_problems(examples: List[str], language: str) -> Tuple[List[str], List[str]]:
    cleaned, problems = ex.clean_examples(examples)
    different = len({ex.normalise(e) for e in cleaned})
    if different < MIN_EXAMPLES:
        problems.append(f"only {different} different {language} example question(s): give at least "
                        f"{MIN_EXAMPLES}, worded the way different students would ask")
    return cleaned, problems


def entry_problems(root: Path, entry: FaqEntry) -> List[str]:
    """Everything wrong with `entry`, each with what to do about it (empty when it can be added)."""
    problems: List[str] = []
    key = entry.key
    if not KEY_PATTERN.match(key):
        problems.append(f'the key "{key}" is not valid: use 2-41 lower-case letters, digits and '
                        f'underscores, starting with a letter (for example "housing")')
    project_examples = ex.all_examples(root)
    existing_keys = {i.split("/", 1)[1] for i in project_examples if i.startswith("faq/")}
    responses_text = (root / RESPONSES_FILE).read_text(encoding="utf-8") if (root / RESPONSES_FILE).exists() else ""
    if key in existing_keys or f"utter_faq/{key}:" in responses_text:
        problems.append(f'an FAQ entry with the key "{key}" already exists (data/nlu/faq.yml): choose '
                        f"another key, or edit the existing entry instead")
    entry.examples, found = _examples_problems(entry.examples, "English")
    problems += found
    entry.examples_nl, found = _examples_problems(entry.examples_nl, "Dutch")
    problems += found
    problems += _answer_problems(entry.answer, "English", "Source")
    problems += _answer_problems(entry.answer_nl, "Dutch", "Bron")
    known = sources(root)
    if not entry.source:
        problems.append(f"the source is missing: give one of {', '.join(sorted(known))} "
                        f"(knowledge/sources.yml)")
    elif entry.source not in known:
        problems.append(f'unknown source "{entry.source}": use one of {", ".join(sorted(known))}, or add '
                        f"the document first with `make kb-add KIND=source`")
    if entry.as_of and not AS_OF_PATTERN.match(entry.as_of):
        problems.append(f'the as-of date "{entry.as_of}" is not a date: write it like 2026, 2026-05, '
                        f"2026-05-01 or May 2026")
    intents = domain_intents(root)
    if len(entry.quick_replies) > MAX_QUICK_REPLIES:
        problems.append(f"{len(entry.quick_replies)} quick replies: give at most {MAX_QUICK_REPLIES}")
    for reply in entry.quick_replies:
        if not reply["title"]:
            problems.append("a quick reply has no title: give the text shown on the button")
        if reply["payload"].startswith("/") and reply["payload"][1:].split("{")[0] not in intents:
            problems.append(f'quick reply "{reply["title"]}" sends {reply["payload"]}, which is not an '
                            f"intent of domain.yml: use a question in words instead")
    if not problems:
        response = {f"utter_faq/{key}": [{"text": answer_text(root, entry)}, {
            "text": answer_text(root, entry, "nl"), "condition": DUTCH}]}
        problems += ex.added_problems(root, {f"faq/{key}": entry.examples}, root / NLU_FILE, response,
                                      [({f"faq/{key}": entry.examples_nl}, root / NLU_FILE_NL)])
    return problems


# Rasa's conditional response variation for Dutch (the slot `language`, actions/language.py).
DUTCH = [{"type": "slot", "name": "language", "value": "nl"}]


def nlu_block(entry: FaqEntry, lang: str = "en") -> str:
    examples = entry.examples_nl if lang == "nl" else entry.examples
    lines = [f"- intent: faq/{entry.key}", "  examples: |"] + [f"    - {e}" for e in examples]
    return "\n".join(lines) + "\n"


def response_block(root: Path, entry: FaqEntry) -> str:
    buttons = []
    if entry.quick_replies:
        buttons.append("    buttons:")
        for reply in entry.quick_replies:
            buttons += [f"    - title: {yaml_scalar(reply['title'])}",
                        f"      payload: {yaml_scalar(reply['payload'])}"]
    lines = [f"  utter_faq/{entry.key}:", "  - text: |-"]
    lines += [f"      {line}" if line else "" for line in answer_text(root, entry).splitlines()]
    lines += buttons
    lines += ["  - condition:", "    - type: slot", "      name: language", "      value: nl", "    text: |-"]
    lines += [f"      {line}" if line else "" for line in answer_text(root, entry, "nl").splitlines()]
    lines += buttons
    return "\n".join(lines) + "\n"


def story_block(entry: FaqEntry) -> str:
    return "\n".join([
        f"- story: FAQ {entry.key} (added with make faq-add)",
        "  steps:",
        "  - user: |",
        f"      {entry.examples[0]}",
        "    intent: faq",
        "  - action: action_answer",
    ]) + "\n"


STORIES_HEADER = 'version: "3.1"\n# Test conversations for `rasa test core`.\nstories:\n'


def planned_changes(root: Path, entry: FaqEntry) -> Dict[Path, str]:
    """The new text of each file, checked to read back as exactly the old content plus the entry."""
    changes: Dict[Path, str] = {}
    nlu_path, responses_path, stories_path = root / NLU_FILE, root / RESPONSES_FILE, root / STORIES_FILE
    nl_path = root / NLU_FILE_NL
    old = {p: p.read_text(encoding="utf-8") if p.exists() else ""
           for p in (nlu_path, nl_path, responses_path, stories_path)}
    changes[nlu_path] = appended(old[nlu_path], nlu_block(entry))
    changes[nl_path] = appended(old[nl_path] or 'version: "3.1"\nnlu:\n', nlu_block(entry, "nl"))
    changes[responses_path] = appended(old[responses_path], response_block(root, entry))
    changes[stories_path] = appended(old[stories_path] or STORIES_HEADER, story_block(entry))

    expected = {
        nlu_path: ("nlu", lambda items: items[-1] == {"intent": f"faq/{entry.key}",
                                                      "examples": "".join(f"- {e}\n" for e in entry.examples)}),
        nl_path: ("nlu", lambda items: items[-1] == {"intent": f"faq/{entry.key}",
                                                     "examples": "".join(f"- {e}\n" for e in entry.examples_nl)}),
        responses_path: ("responses", lambda items: [v["text"] for v in items[f"utter_faq/{entry.key}"]]
                         == [answer_text(root, entry), answer_text(root, entry, "nl")]),
        stories_path: ("stories", lambda items: items[-1]["steps"][0]["user"].strip() == entry.examples[0]),
    }
    for path, (section, ok) in expected.items():
        before = yaml.safe_load(old[path] or STORIES_HEADER) or {}
        after = yaml.safe_load(changes[path]) or {}
        items = after.get(section)
        if not items or not ok(items):
            raise RuntimeError(f"{relative(path, root)}: the '{section}' list is not the last part of the "
                               f"file, so the entry cannot be appended safely; nothing was changed")
        trimmed = dict(after)
        trimmed[section] = ({k: v for k, v in items.items() if k != f"utter_faq/{entry.key}"}
                            if isinstance(items, dict) else items[:-1])
        if trimmed != {**before, section: before.get(section) or ([] if isinstance(items, list) else {})}:
            raise RuntimeError(f"{relative(path, root)}: appending would change existing content; nothing was changed")
    return changes


def add(root: Path, entry: FaqEntry) -> Dict[Path, str]:
    """Checks `entry` and writes it; raises Refused (nothing written) when anything is wrong."""
    require_valid_yaml(root)
    problems = entry_problems(root, entry)
    if problems:
        raise Refused(problems)
    changes = planned_changes(root, entry)
    write_atomically(changes)
    return changes


# --- reading the entry: a YAML file, flags, or questions on the terminal --------------------------

def from_file(path: Path) -> FaqEntry:
    if not path.exists():
        raise Refused([f"{path}: no such file"])
    error = yaml_error(path, path.parent)
    if error:
        raise Refused([f"{error}. Fix the draft and run again."])
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise Refused([f"{path}: expected the fields key, examples, answer, source, as_of, quick_replies"])
    unknown = set(data) - set(FIELDS)
    if unknown:
        raise Refused([f"{path}: unknown field(s) {', '.join(sorted(unknown))}; the fields are "
                       f"{', '.join(FIELDS)}"])
    replies = data.get("quick_replies") or []
    return FaqEntry(key=str(data.get("key") or "").strip(),
                    examples=_questions(data.get("examples")),
                    examples_nl=_questions(data.get("examples_nl")),
                    answer=str(data.get("answer") or ""),
                    answer_nl=str(data.get("answer_nl") or ""),
                    source=str(data.get("source") or "").strip(),
                    as_of=_as_of(data.get("as_of")),
                    quick_replies=[quick_reply(q) for q in ([replies] if isinstance(replies, str) else replies)])


FIELDS = ("key", "examples", "examples_nl", "answer", "answer_nl", "source", "as_of", "quick_replies")


def _questions(value: Any) -> List[str]:
    """A list of example questions, also written as a block of "- question" lines."""
    if isinstance(value, str):
        value = [re.sub(r"^\s*-\s*", "", line) for line in value.splitlines()]
    return [str(e) for e in value or [] if e is not None]


def _as_of(value: Any) -> str:
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()[:10]
    return "" if value is None else str(value).strip()


def _lines(prompt: str, ask=input) -> List[str]:
    print(prompt)
    lines = []
    while True:
        line = ask("  > ")
        if not line.strip():
            return lines
        lines.append(line)


def interactive(root: Path, ask=input) -> FaqEntry:
    entry = FaqEntry()
    entry.key = ask("Key (a short name, lower case with underscores, e.g. housing): ").strip()
    entry.examples = _lines(f"Example questions, one per line, at least {MIN_EXAMPLES}; an empty line ends the list:", ask)
    entry.answer = "\n".join(_lines("The answer in plain text (no Source line); an empty line ends it:", ask))
    entry.examples_nl = _lines(f"The same kind of questions in Dutch, at least {MIN_EXAMPLES}; an empty line ends "
                               "the list:", ask)
    entry.answer_nl = "\n".join(_lines("The answer in Dutch (no Bron line); an empty line ends it:", ask))
    known = sources(root)
    for name, source in known.items():
        print(f"  {name:24} {source.get('title')}")
    entry.source = ask("Source (one of the names above): ").strip()
    default = str((known.get(entry.source) or {}).get("as_of") or "")
    entry.as_of = ask(f"As-of date of the information{f' [{default}]' if default else ''} (empty: none): ").strip() or default
    entry.quick_replies = [quick_reply(q) for q in _lines(
        "Quick replies (buttons), one per line as 'Title' or 'Title=what it sends'; an empty line ends:", ask)]
    return entry


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m trainer.faq", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("add", help="add an FAQ entry")
    p.add_argument("--from", dest="from_file", type=Path, help="YAML draft with the entry's fields")
    p.add_argument("--key")
    p.add_argument("--example", action="append", default=[], help="an example question (repeat 8+ times)")
    p.add_argument("--answer")
    p.add_argument("--example-nl", action="append", default=[], help="an example question in Dutch (8+)")
    p.add_argument("--answer-nl", help="the answer in Dutch")
    p.add_argument("--source", help="a key of knowledge/sources.yml")
    p.add_argument("--as-of", dest="as_of")
    p.add_argument("--quick-reply", action="append", default=[], help="'Title' or 'Title=payload'")
    p.add_argument("--project", type=Path, default=PROJECT, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    root = args.project.resolve()
    flags = any([args.key, args.example, args.answer, args.example_nl, args.answer_nl, args.source, args.as_of,
                 args.quick_reply])
    try:
        require_valid_yaml(root)
        if args.from_file:
            entry = from_file(args.from_file)
        elif flags or not sys.stdin.isatty():
            entry = FaqEntry()
        else:
            entry = interactive(root)
        entry.key = args.key or entry.key
        entry.examples = entry.examples + args.example
        entry.answer = args.answer if args.answer is not None else entry.answer
        entry.examples_nl = entry.examples_nl + args.example_nl
        entry.answer_nl = args.answer_nl if args.answer_nl is not None else entry.answer_nl
        entry.source = args.source or entry.source
        entry.as_of = args.as_of or entry.as_of
        entry.quick_replies = entry.quick_replies + [quick_reply(q) for q in args.quick_reply]
        changes = add(root, entry)
    except (Refused, RuntimeError, EOFError) as stopped:
        return report(stopped)
    print(f'Added the FAQ entry "{entry.key}":')
    for path in changes:
        print(f"  {relative(path, root)}")
    print(f"  {len(entry.examples)} example questions; the answer ends with: {source_line(root, entry)}")
    close = ex.near_repeats(ex.all_examples(root), entry.examples)
    if close:
        print("Warning: these examples are close to examples of other intents; after training the new answer may "
              "take their questions:")
        for ratio, intent_a, text_a, intent_b, text_b in close:
            print(f'  {ratio:.2f}  "{text_a}" ({intent_a})  ~  "{text_b}" ({intent_b})')
        print("  After make train, ask the assistant those other questions: they must still get their own answer "
              "(not_covered and out_of_scope ones must still be declined). Reword an example if not.")
    print("Next: make check, make train, make evaluate (docs/trainers.md).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
