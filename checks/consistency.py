"""The project's own consistency rules for the training data, which `rasa data validate` misses.

Rasa 3.6 validates and trains with an `faq/<key>` that has no `utter_faq/<key>` (it only warns),
and says nothing about an example listed under two intents, an intent no rule or story uses,
or an answer without its source. Each rule below returns a list of problems in plain words.

  python -m checks.consistency        # prints the problems; exit 1 if there are any
"""

from __future__ import annotations

import re
import sys
from collections import defaultdict
from pathlib import Path
from typing import Dict, Iterable, List, Set, Tuple

import yaml

PROJECT = Path(__file__).resolve().parent.parent
RETRIEVAL_INTENT = "faq"
# Intents Rasa provides itself; they need no examples.
BUILT_IN_INTENTS = {"nlu_fallback", "restart", "back", "out_of_scope_default", "session_start"}


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[^\w@' ]", " ", text.lower())).strip()


def _yaml_files(folder: Path) -> Iterable[Tuple[Path, dict]]:
    for path in sorted(folder.rglob("*.yml")):
        yield path, yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def _examples(block: str) -> List[str]:
    lines = [line.strip() for line in (block or "").splitlines()]
    return [line[2:].strip() for line in lines if line.startswith("- ")]


class Project:
    """The training data, domain, knowledge base and held-out questions of one project folder."""

    def __init__(self, root: Path = PROJECT) -> None:
        self.root = root
        self.domain = yaml.safe_load((root / "domain.yml").read_text(encoding="utf-8"))
        self.examples: Dict[str, List[Tuple[str, Path]]] = defaultdict(list)
        self.responses: Dict[str, list] = dict(self.domain.get("responses") or {})
        self.rule_intents: Set[str] = set()
        self.rule_actions: Set[str] = set()
        for path, content in _yaml_files(root / "data"):
            for item in content.get("nlu") or []:
                if "intent" in item:
                    for example in _examples(item.get("examples", "")):
                        self.examples[item["intent"]].append((example, path))
            self.responses.update(content.get("responses") or {})
            for flow in (content.get("rules") or []) + (content.get("stories") or []):
                for step in flow.get("steps") or []:
                    if "intent" in step:
                        self.rule_intents.add(step["intent"])
                    if "action" in step:
                        self.rule_actions.add(step["action"])
        sources = yaml.safe_load((root / "knowledge" / "sources.yml").read_text(encoding="utf-8"))
        self.source_titles = [s["title"] for s in sources["sources"].values()]

    @property
    def faq_keys(self) -> Set[str]:
        return {i.split("/", 1)[1] for i in self.examples if i.startswith(f"{RETRIEVAL_INTENT}/")}

    @property
    def faq_responses(self) -> Set[str]:
        prefix = f"utter_{RETRIEVAL_INTENT}/"
        return {r[len(prefix):] for r in self.responses if r.startswith(prefix)}


def faq_keys_have_responses(p: Project) -> List[str]:
    return [f"faq/{k} has examples but no response utter_faq/{k}" for k in sorted(p.faq_keys - p.faq_responses)] + [
        f"utter_faq/{k} has no examples under faq/{k}" for k in sorted(p.faq_responses - p.faq_keys)]


def examples_are_unique(p: Project) -> List[str]:
    seen: Dict[str, str] = {}
    problems = []
    for intent, examples in p.examples.items():
        for example, path in examples:
            key = normalise(example)
            if key in seen and seen[key] != intent:
                problems.append(f'"{example}" ({path.relative_to(p.root)}) is an example of both '
                                f"{seen[key]} and {intent}")
            elif key in seen:
                problems.append(f'"{example}" is listed twice under {intent}')
            seen[key] = intent
    return problems


def intents_are_used(p: Project) -> List[str]:
    problems = []
    for intent in p.domain.get("intents") or []:
        name = intent if isinstance(intent, str) else next(iter(intent))
        if name in BUILT_IN_INTENTS:
            continue
        has_examples = name in p.examples or any(i.startswith(f"{name}/") for i in p.examples)
        if not has_examples:
            problems.append(f"intent {name} has no training examples")
        if name not in p.rule_intents:
            problems.append(f"intent {name} is in no rule or story")
    for intent in p.examples:
        base = intent.split("/", 1)[0]
        if base not in [i if isinstance(i, str) else next(iter(i)) for i in p.domain.get("intents") or []]:
            problems.append(f"intent {intent} has examples but is not in domain.yml")
    return problems


def actions_are_used(p: Project) -> List[str]:
    return [f"action {a} is in domain.yml but no rule or story runs it"
            for a in p.domain.get("actions") or [] if a not in p.rule_actions]


def answers_name_their_source(p: Project) -> List[str]:
    problems = []
    for name, variants in p.responses.items():
        if not name.startswith(f"utter_{RETRIEVAL_INTENT}/"):
            continue
        for variant in variants:
            last = (variant.get("text") or "").strip().splitlines()[-1]
            if not last.startswith("Source: ") or not any(t in last for t in p.source_titles):
                problems.append(f"{name} does not end with a 'Source: <document>' line naming "
                                f"a document of knowledge/sources.yml")
    return problems


def heldout_is_not_trained(p: Project) -> List[str]:
    trained = {normalise(e) for examples in p.examples.values() for e, _ in examples}
    problems = []
    for path in sorted((p.root / "tests" / "heldout").rglob("*.yml")):
        content = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        # The scored text of each held-out item: the last turn of a conversation, or the message.
        texts = [q["turns"][-1] for q in content.get("questions") or []] + list(content.get("messages") or [])
        problems += [f'held-out "{t}" ({path.relative_to(p.root)}) is also a training example'
                     for t in texts if normalise(t) in trained]
    return problems


RULES = [faq_keys_have_responses, examples_are_unique, intents_are_used, actions_are_used,
         answers_name_their_source, heldout_is_not_trained]


def check(root: Path = PROJECT) -> List[str]:
    project = Project(root)
    return [problem for rule in RULES for problem in rule(project)]


def main() -> int:
    problems = check()
    for problem in problems:
        print(f"- {problem}")
    print(f"{len(problems)} consistency problem(s)." if problems else "Training data is consistent.")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
