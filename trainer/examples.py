"""Checks and writes training examples, with the project's own consistency rules (checks/consistency.py).

New examples are checked by running every consistency rule on the project as it would be after the
change and reporting only the problems the change would add, so the trainer tools can never accept
what `make check` rejects (an example already used by any intent, a held-out question, an answer
without its source line, ...).
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import Collection, Dict, Iterable, List, Optional, Sequence, Set, Tuple

from checks import consistency
from checks.consistency import normalise

MIN_EXAMPLE_CHARS = 3
NEAR_DUPLICATE_RATIO = 0.9
# New examples are held to a looser line: 0.75 catches "is there a study association for biomedical
# sciences" ~ "is there a student association for medicine students" (0.81).
NEW_EXAMPLE_RATIO = 0.75


def clean_examples(examples: Iterable[str]) -> Tuple[List[str], List[str]]:
    """The examples stripped, and the problems of their form (empty, several lines, markup)."""
    cleaned, problems = [], []
    for raw in examples:
        example = " ".join(str(raw).split())
        if not example:
            continue
        if "\n" in str(raw).strip():
            problems.append(f'example "{example}" spans several lines: give one question per line')
        if re.search(r"\]\(|\]\{", example):
            problems.append(f'example "{example}" contains "](" (Rasa entity markup): write plain text')
        elif len(normalise(example)) < MIN_EXAMPLE_CHARS:
            problems.append(f'example "{example}" is too short to be a question: write it out')
        cleaned.append(example)
    seen: Dict[str, str] = {}
    for example in cleaned:
        key = normalise(example)
        if key in seen:
            problems.append(f'"{example}" and "{seen[key]}" are the same question (ignoring case and '
                            f"punctuation): keep one of them")
        seen.setdefault(key, example)
    return cleaned, problems


def added_problems(root: Path, examples: Dict[str, List[str]], file: Path,
                   responses: Optional[Dict[str, list]] = None,
                   elsewhere: Sequence[Tuple[Dict[str, List[str]], Path]] = ()) -> List[str]:
    """Problems the consistency rules would find only after adding these examples (to `file`, and
    `elsewhere`: more examples with their file, such as the Dutch ones) and responses."""
    project = consistency.Project(root)
    before = {p for rule in consistency.RULES for p in rule(project)}
    # Where each question is already used, said plainly (the rule below names only one file).
    used = {normalise(e): (intent, path) for intent, rows in project.examples.items() for e, path in rows}
    reported, problems = set(), []
    batches = [(examples, file), *elsewhere]
    for batch, _ in batches:
        for intent, items in batch.items():
            for example in items:
                if normalise(example) not in used:
                    continue
                other, path = used[normalise(example)]
                problems.append(f'"{example}" is already an example of {other} ({path.relative_to(root)}): '
                                f"use each question for one intent only; remove or reword it here"
                                + (f" (or move it out of {other} first)" if other != intent else ""))
                reported.add(example)
    for batch, where in batches:
        for intent, items in batch.items():
            project.examples[intent] += [(example, where) for example in items]
    project.responses.update(responses or {})
    hints = {"is an example of both": "use each question for one intent only: remove or reword it",
             "is listed twice under": "remove one of the two",
             "is an evaluation question": "evaluation questions test the bot on words it never saw: "
                                          "remove or reword this example",
             "nearly copies the evaluation question": "evaluation questions test the bot on words it never "
                                                      "saw: write a different question of the same kind",
             "does not end with": "end the answer with its source"}
    for rule in consistency.RULES:
        for problem in rule(project):
            if problem in before or any(problem.startswith(f'"{e}" ') for e in reported):
                continue
            hint = next((h for marker, h in hints.items() if marker in problem), "")
            problems.append(f"{problem}{' — ' + hint if hint else ''}")
    return problems


def all_examples(root: Path) -> Dict[str, List[Tuple[str, Path]]]:
    return consistency.Project(root).examples


def near_duplicates(examples: Dict[str, List[Tuple[str, Path]]], involving: Collection[str] = (),
                    ratio: float = NEAR_DUPLICATE_RATIO) -> List[Tuple[float, str, str, str, str]]:
    """(ratio, intent A, example A, intent B, example B) for similar examples of different intents.

    Compared after the consistency rules' normalisation; exact repeats are the consistency rules'
    business and are left out. With `involving` (examples, as written), just pairs with one of them.
    """
    wanted = {normalise(e) for e in involving}
    items = sorted({(normalise(e), intent, e) for intent, rows in examples.items() for e, _ in rows},
                   key=lambda item: len(item[0]))
    found = []
    for i, (a, intent_a, text_a) in enumerate(items):
        matcher = difflib.SequenceMatcher(None, "", a, autojunk=False)
        for b, intent_b, text_b in items[i + 1:]:
            # ratio = 2*matches/(len a + len b) <= 2*len a/(len a + len b): stop once it cannot reach.
            if 2 * len(a) < ratio * (len(a) + len(b)):
                break
            if intent_a == intent_b or a == b or (wanted and a not in wanted and b not in wanted):
                continue
            matcher.set_seq1(b)
            if matcher.real_quick_ratio() >= ratio and matcher.quick_ratio() >= ratio:
                r = matcher.ratio()
                if r >= ratio:
                    found.append((round(r, 2), intent_a, text_a, intent_b, text_b))
    return sorted(found, reverse=True)


def near_repeats(examples: Dict[str, List[Tuple[str, Path]]],
                 new: Collection[str]) -> List[Tuple[float, str, str, str, str]]:
    """Pairs of a new example and a similar example of another intent, the new one first.

    Looser than `near_duplicates` (NEW_EXAMPLE_RATIO): a new answer's examples that nearly repeat
    questions another intent handles, `not_covered` and `out_of_scope` declines included, will
    take those questions over after training ("is there a student association for medicine
    students" was declined until an FAQ example asked about the biomedical one)."""
    wanted = {normalise(e) for e in new}
    if not wanted:
        return []
    pairs = []
    for r, intent_a, text_a, intent_b, text_b in near_duplicates(examples, new, NEW_EXAMPLE_RATIO):
        if normalise(text_a) not in wanted:
            intent_a, text_a, intent_b, text_b = intent_b, text_b, intent_a, text_a
        pairs.append((r, intent_a, text_a, intent_b, text_b))
    return pairs


def committed_examples(root: Path, ref: str = "HEAD") -> Optional[Set[str]]:
    """The normalised examples of data/ as of the commit `ref`; None outside a git work tree."""
    import subprocess

    import yaml

    listed = subprocess.run(["git", "-C", str(root), "ls-tree", "-r", "--name-only", ref, "--", "data"],
                            capture_output=True, text=True)
    if listed.returncode != 0:
        return None
    found: Set[str] = set()
    for name in listed.stdout.split():
        if not name.endswith((".yml", ".yaml")):
            continue
        shown = subprocess.run(["git", "-C", str(root), "show", f"{ref}:{name}"], capture_output=True, text=True)
        try:
            data = yaml.safe_load(shown.stdout) or {}
        except yaml.YAMLError:
            continue
        for item in data.get("nlu") or [] if isinstance(data, dict) else []:
            if isinstance(item, dict) and isinstance(item.get("examples"), str):
                found |= {normalise(line.strip()[2:]) for line in item["examples"].splitlines()
                          if line.strip().startswith("- ")}
    return found


def uncommitted_examples(root: Path) -> List[str]:
    """Examples added since the last commit (none outside a git work tree)."""
    committed = committed_examples(root)
    if committed is None:
        return []
    return [e for rows in all_examples(root).values() for e, _ in rows if normalise(e) not in committed]


def insert_examples(text: str, intent: str, examples: List[str]) -> str:
    """`text` (a data/nlu file) with `examples` added after the last example of `intent`."""
    lines = text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if line.rstrip() in (f"- intent: {intent}",
                                                                          f'- intent: "{intent}"')), None)
    if start is None:
        raise ValueError(f"intent {intent} not found")
    last = None
    for i in range(start + 1, len(lines)):
        stripped = lines[i].strip()
        if lines[i].startswith("- ") or (stripped and not lines[i].startswith(" ")):
            break
        if lines[i].startswith("    - "):
            last = i
    if last is None:
        raise ValueError(f"intent {intent} has no example list to extend")
    if not lines[last].endswith("\n"):
        lines[last] += "\n"
    new = [f"    - {example}\n" for example in examples]
    return "".join(lines[: last + 1] + new + lines[last + 1:])
