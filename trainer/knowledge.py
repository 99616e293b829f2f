"""Adds an entry to the knowledge base (knowledge/*.yml): a destination, track, component, document,
language test, institution, or a source document that answers can cite.

  python -m trainer.knowledge add --kind destination --key lund --name "Lund University" \
      --synonym lund --synonym "lund university" --programme biomedical_sciences
  python -m trainer.knowledge add --from entry.yml        # kind, key and the fields below
  python -m trainer.knowledge add                         # asks for everything

The entry is inserted at the end of its section, so comments and formatting stay. After adding,
`make spacy` rebuilds the EntityRuler so the assistant recognises the new names (`make kb-add`
does that for you). Nothing is written when any check fails.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import yaml

from actions.knowledge_base import KnowledgeBase, normalise
from trainer.project import PROJECT, Refused, relative, report, require_valid_yaml, write_atomically, yaml_error, yaml_scalar

KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,40}$")
AS_OF_PATTERN = re.compile(r"^(\d{4}(-\d{2}(-\d{2})?)?|\d{4}-\d{4}|[A-Z][a-z]+ \d{4})$")

# kind -> (file, section, required fields, optional fields); the named kinds are the entity labels of
# actions/knowledge_base.ENTITY_SECTIONS, in the same files and sections.
KINDS: Dict[str, Tuple[str, str, List[str], List[str]]] = {
    "destination": ("study_abroad.yml", "destinations", ["name", "synonyms", "programme"], []),
    "track": ("programme.yml", "tracks", ["name", "synonyms"], []),
    "component": ("programme.yml", "components", ["name", "ec", "synonyms"], []),
    "document": ("programme.yml", "documents", ["name", "synonyms"], []),
    "language_test": ("programme.yml", "language_tests", ["name", "synonyms", "value", "answer"], []),
    "institution": ("institutions.yml", "institutions", ["name", "synonyms"], []),
    "source": ("sources.yml", "sources", ["title"], ["as_of", "note"]),
}
HELP = {
    "name": "the name used in answers (e.g. Lund University)",
    "synonyms": "words students may type for it, lower case (the name is added automatically)",
    "programme": "whose students can go: a key of `programmes` in knowledge/study_abroad.yml",
    "ec": "the credits, e.g. 6 EC",
    "value": "the requirement in short, e.g. overall band 6.0",
    "answer": "the full answer in plain text",
    "title": "the document's title, as it appears in the 'Source:' line",
    "as_of": "the date the document speaks for (e.g. 2026), empty when undated",
    "note": "a remark for trainers (optional)",
}


def entry_problems(root: Path, kind: str, key: str, fields: Dict[str, Any]) -> List[str]:
    if kind not in KINDS:
        return [f'unknown kind "{kind}": use one of {", ".join(KINDS)}']
    filename, section, required, optional = KINDS[kind]
    problems = []
    content = yaml.safe_load((root / "knowledge" / filename).read_text(encoding="utf-8")) or {}
    if not KEY_PATTERN.match(key or ""):
        problems.append(f'the key "{key}" is not valid: use 2-41 lower-case letters, digits and underscores, '
                        f"starting with a letter")
    elif key in (content.get(section) or {}):
        problems.append(f'knowledge/{filename} already has "{key}" under {section}: choose another key, '
                        f"or edit that entry")
    for name in required:
        if not fields.get(name):
            problems.append(f"{name} is missing: give {HELP[name]}")
    unknown = set(fields) - set(required) - set(optional)
    if unknown:
        problems.append(f"unknown field(s) {', '.join(sorted(unknown))} for a {kind}: the fields are "
                        f"{', '.join(required + optional)}")
    if kind == "destination" and fields.get("programme"):
        programmes = (content.get("programmes") or {})
        if fields["programme"] not in programmes:
            problems.append(f'unknown programme "{fields["programme"]}": use one of {", ".join(programmes)}')
    if kind == "source" and fields.get("as_of") and not AS_OF_PATTERN.match(str(fields["as_of"])):
        problems.append(f'the as-of date "{fields["as_of"]}" is not a date: write it like 2026 or 2026-05')
    if "synonyms" in required:
        kb = KnowledgeBase(root / "knowledge")
        taken: Dict[str, str] = {}
        for label, entries in kb.entries.items():
            for entry in entries.values():
                for word in [entry.name, entry.key, *entry.synonyms]:
                    taken.setdefault(normalise(word), f"{label} {entry.key}")
        seen = set()
        for synonym in fields.get("synonyms") or []:
            word = normalise(synonym)
            if not word:
                problems.append("an empty synonym: remove it")
            elif word in seen:
                problems.append(f'the synonym "{synonym}" is listed twice: keep one')
            elif word in taken:
                problems.append(f'the synonym "{synonym}" already names {taken[word]}: the assistant could not '
                                f"tell them apart; remove it or make it more specific")
            seen.add(word)
    return problems


def _flow_list(items: List[str]) -> str:
    """A flow list like the existing ones: [a, b c, "d, e"] (quoted only where needed)."""
    return "[" + ", ".join(s if re.fullmatch(r"[\w@'. &+-]+", s) and yaml_scalar(s) == s
                           else json.dumps(s, ensure_ascii=False) for s in items) + "]"


def entry_block(key: str, fields: Dict[str, Any], order: List[str]) -> List[str]:
    lines = [f"  {key}:"]
    for name in order:
        if name not in fields or fields[name] in (None, ""):
            continue
        value = fields[name]
        lines.append(f"    {name}: {_flow_list(value) if isinstance(value, list) else yaml_scalar(str(value))}")
    return [line + "\n" for line in lines]


def insert_into_section(text: str, section: str, block: List[str]) -> str:
    lines = text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if line.rstrip() == f"{section}:"), None)
    if start is None:
        raise RuntimeError(f"section {section} not found")
    last = start
    for i in range(start + 1, len(lines)):
        line = lines[i]
        if line.strip() and not line.startswith((" ", "#")):
            break
        if line.strip() and line.startswith(" "):
            last = i
    if not lines[last].endswith("\n"):
        lines[last] += "\n"
    return "".join(lines[: last + 1] + block + lines[last + 1:])


def add(root: Path, kind: str, key: str, fields: Dict[str, Any]) -> Path:
    """Checks and writes one entry; raises Refused (nothing written) when anything is wrong."""
    require_valid_yaml(root, ["knowledge"])
    fields = {k: v for k, v in fields.items() if v not in (None, "", [])}
    if "synonyms" in KINDS.get(kind, ("", "", [], []))[2] and fields.get("name"):
        synonyms = [" ".join(str(s).split()) for s in fields.get("synonyms") or []]
        name = " ".join(str(fields["name"]).lower().split())
        fields["synonyms"] = synonyms if not synonyms or name in synonyms else [name] + synonyms
    problems = entry_problems(root, kind, key, fields)
    if problems:
        raise Refused(problems)
    filename, section, required, optional = KINDS[kind]
    path = root / "knowledge" / filename
    old = path.read_text(encoding="utf-8")
    new = insert_into_section(old, section, entry_block(key, fields, required + optional))
    before, after = yaml.safe_load(old), yaml.safe_load(new)
    expected = {**before, section: {**before[section], key: {k: fields[k] for k in required + optional if k in fields}}}
    if after != expected:
        raise RuntimeError(f"{relative(path, root)}: inserting the entry would change other content; nothing was changed")
    write_atomically({path: new})
    return path


def from_file(path: Path) -> Tuple[str, str, Dict[str, Any]]:
    error = yaml_error(path, path.parent) if path.exists() else f"{path}: no such file"
    if error:
        raise Refused([error])
    data = dict(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
    return str(data.pop("kind", "")), str(data.pop("key", "")), data


def interactive(ask=input, kind: Optional[str] = None) -> Tuple[str, str, Dict[str, Any]]:
    kind = kind or ask(f"Kind ({', '.join(KINDS)}): ").strip()
    if kind not in KINDS:
        raise Refused([f'unknown kind "{kind}": use one of {", ".join(KINDS)}'])
    key = ask("Key (lower case with underscores, e.g. lund): ").strip()
    _, _, required, optional = KINDS[kind]
    fields: Dict[str, Any] = {}
    for name in required + optional:
        answer = ask(f"{name} ({HELP[name]}{'; comma-separated' if name == 'synonyms' else ''}): ").strip()
        fields[name] = [s.strip() for s in answer.split(",") if s.strip()] if name == "synonyms" else answer
    return kind, key, fields


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m trainer.knowledge", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("add", help="add a knowledge-base entry")
    p.add_argument("--from", dest="from_file", type=Path)
    p.add_argument("--kind", choices=list(KINDS))
    p.add_argument("--key")
    p.add_argument("--synonym", action="append", default=[])
    for name in ("name", "programme", "ec", "value", "answer", "title", "as_of", "note"):
        p.add_argument(f"--{name.replace('_', '-')}", dest=name)
    p.add_argument("--project", type=Path, default=PROJECT, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    root = args.project.resolve()
    try:
        require_valid_yaml(root, ["knowledge"])
        if args.from_file:
            kind, key, fields = from_file(args.from_file)
        elif args.key or not sys.stdin.isatty():
            kind, key, fields = "", "", {}
        else:
            kind, key, fields = interactive(kind=args.kind)
        kind, key = args.kind or kind, args.key or key
        for name in ("name", "programme", "ec", "value", "answer", "title", "as_of", "note"):
            if getattr(args, name):
                fields[name] = getattr(args, name)
        if args.synonym:
            fields["synonyms"] = list(fields.get("synonyms") or []) + args.synonym
        path = add(root, kind, key, fields)
    except (Refused, RuntimeError, EOFError) as stopped:
        return report(stopped)
    print(f'Added {kind} "{key}" to {relative(path, root)}.')
    if kind == "source":
        print(f'FAQ answers can now cite it: --source {key}')
    else:
        print("Next: `make spacy` rebuilds the entity recogniser (make kb-add does it), then restart the bot.")
        if kind == "destination":
            print("Also check the `answer` and `overview` texts in knowledge/study_abroad.yml: they list the "
                  "destinations in words.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
