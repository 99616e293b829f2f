"""The project's own consistency rules for the training data, which `rasa data validate` misses.

Rasa 3.6 validates and trains with an `faq/<key>` that has no `utter_faq/<key>` (it only warns),
and says nothing about an example listed under two intents, an intent no rule or story uses,
or an answer without its source. Each rule below returns a list of problems in plain words.

Evaluation questions (the project's tests/heldout/ and the shared ../shared/eval/) measure the
assistant only while nothing was tuned to them: a training example that copies or nearly copies
one of their turns, or a test, module or document that quotes one, fails here. Natural collisions
of very short phrasings may be listed, each with its reason, in checks/near_duplicate_allowlist.yml.

  python -m checks.consistency        # prints the problems; exit 1 if there are any
"""

from __future__ import annotations

import bisect
import difflib
import functools
import re
import sys
from collections import defaultdict
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Set, Tuple

import yaml

PROJECT = Path(__file__).resolve().parent.parent
SHARED_EVAL = PROJECT.parent / "shared" / "eval"
ALLOWLIST = Path(__file__).resolve().parent / "near_duplicate_allowlist.yml"
# Two texts this similar (difflib ratio of their normalised words) are near-copies; shorter texts
# than NEAR_MIN_WORDS words are too generic to count ("tuition fee?").
NEAR_RATIO = 0.9
NEAR_MIN_WORDS = 3
# Near-copies share at least this share of their distinct words (a typo changes a word or two).
SHARED_WORDS = 0.4
# A quoted evaluation turn in code, tests or docs is found when it has at least this many words.
QUOTE_MIN_WORDS = 5
# Where quotes of evaluation questions are looked for (the evaluation sets themselves excepted).
QUOTE_GLOBS = ("actions/**/*.py", "nlu_components/**/*.py", "channels/**/*.py", "checks/**/*.py",
               "evaluation/**/*.py", "benchmarks/**/*.py", "trainer/**/*.py", "staff/**/*.py", "staff/**/*.yml",
               "serving/**/*.py", "tests/**/*.py", "tests/**/*.json", "tests/stories/*.yml",
               "docs/**/*.md", "README.md", "config.yml", "domain.yml", "knowledge/*.yml")
RETRIEVAL_INTENT = "faq"
# Intents Rasa provides itself; they need no examples.
BUILT_IN_INTENTS = {"nlu_fallback", "restart", "back", "out_of_scope_default", "session_start"}


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[^\w@' ]", " ", text.lower())).strip()


# libyaml's loader when PyYAML has it: the data is read many times by the trainer tools.
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(path: Path):
    return yaml.load(path.read_text(encoding="utf-8"), Loader=LOADER)


def _yaml_files(folder: Path) -> Iterable[Tuple[Path, dict]]:
    for path in sorted(folder.rglob("*.yml")):
        yield path, load_yaml(path) or {}


def _examples(block: str) -> List[str]:
    lines = [line.strip() for line in (block or "").splitlines()]
    return [line[2:].strip() for line in lines if line.startswith("- ")]


class Project:
    """The training data, domain, knowledge base and held-out questions of one project folder."""

    def __init__(self, root: Path = PROJECT, shared_eval: Path = SHARED_EVAL) -> None:
        self.root = root
        self.shared_eval = shared_eval
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
        self.source_titles = [s[k] for s in sources["sources"].values() for k in ("title", "title_nl") if s.get(k)]

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
            # Emoji and punctuation-only examples have no words: compare them as written.
            key = normalise(example) or example.strip()
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
            if not last.startswith(("Source: ", "Bron: ")) or not any(t in last for t in p.source_titles):
                problems.append(f"{name} does not end with a 'Source: <document>' (Dutch: 'Bron: ...') line "
                                f"naming a document of knowledge/sources.yml")
    return problems


def words(text: str) -> str:
    """Lower-case words only, without Rasa entity markup: what a near-copy is compared on."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    return " ".join(re.findall(r"[^\W_]+|@", text.lower()))


def evaluation_turns(p: Project) -> List[Tuple[str, str]]:
    """(turn, where) for every turn of every evaluation conversation and off-topic message."""
    folders = [p.root / "tests" / "heldout"] + ([p.shared_eval] if p.shared_eval.is_dir() else [])
    turns = []
    for folder in folders:
        for path in sorted(folder.rglob("*.yml")):
            content = load_yaml(path) or {}
            where = str(path.relative_to(p.root)) if path.is_relative_to(p.root) else f"shared/eval/{path.name}"
            for question in content.get("questions") or []:
                turns += [(str(t), where) for t in question.get("turns") or []]
            turns += [(str(m), where) for m in content.get("messages") or []]
    return turns


def allowed_near_copies(path: Path = ALLOWLIST) -> Set[str]:
    content = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else None
    return {words(item["example"]) for item in (content or {}).get("allowed") or []}


@functools.lru_cache(maxsize=None)
def _near_copy_index(turns: Tuple[Tuple[str, str, str], ...]) -> Tuple[list, list]:
    """The turns long enough to compare, sorted by length (only similar lengths can match)."""
    long_turns = sorted(((*t, frozenset(t[0].split())) for t in turns if len(t[0].split()) >= NEAR_MIN_WORDS),
                        key=lambda t: len(t[0]))
    return long_turns, [len(t[0]) for t in long_turns]


@functools.lru_cache(maxsize=None)
def _nearly_copied(key: str, turns: Tuple[Tuple[str, str, str], ...]) -> Optional[Tuple[str, str]]:
    """(turn, where) of the evaluation turn `key` nearly copies, if any. Cached: the trainer tools
    check the project before and after each change."""
    long_turns, lengths = _near_copy_index(turns)
    reach = NEAR_RATIO / (2 - NEAR_RATIO)
    start = bisect.bisect_left(lengths, len(key) * reach)
    stop = bisect.bisect_right(lengths, len(key) / reach)
    matcher = difflib.SequenceMatcher(None, b=key)  # difflib analyses the second sequence once
    key_words = set(key.split())
    for turn_words, turn, where, turn_word_set in long_turns[start:stop]:
        # Texts this close share most of their words; a set intersection rules out the rest fast.
        if len(key_words & turn_word_set) < SHARED_WORDS * min(len(key_words), len(turn_word_set)):
            continue
        matcher.set_seq1(turn_words)
        if (matcher.real_quick_ratio() >= NEAR_RATIO and matcher.quick_ratio() >= NEAR_RATIO
                and matcher.ratio() >= NEAR_RATIO):
            return turn, where
    return None


def evaluation_is_not_trained(p: Project) -> List[str]:
    turns = tuple((words(t), t, where) for t, where in evaluation_turns(p))
    exact = {w for w, _, _ in turns if w}
    local = p.root / "checks" / ALLOWLIST.name
    allowed = allowed_near_copies(local if local.exists() else ALLOWLIST)
    problems = []
    for intent, examples in p.examples.items():
        for example, path in examples:
            key = words(example)
            if key in allowed:
                continue
            if key in exact:
                problems.append(f'"{example}" ({path.relative_to(p.root)}) is an evaluation question')
                continue
            if len(key.split()) < NEAR_MIN_WORDS:
                continue
            match = _nearly_copied(key, turns)
            if match:
                problems.append(f'"{example}" ({path.relative_to(p.root)}) nearly copies the '
                                f'evaluation question "{match[0]}" ({match[1]})')
    return problems


def evaluation_is_not_quoted(p: Project) -> List[str]:
    quotes = {words(t) for t, _ in evaluation_turns(p) if len(words(t).split()) >= QUOTE_MIN_WORDS}
    problems = []
    for pattern in QUOTE_GLOBS:
        for path in sorted(p.root.glob(pattern)):
            if "heldout" in path.parts:
                continue
            text = f" {words(path.read_text(encoding='utf-8', errors='replace'))} "
            for quote in quotes:
                if f" {quote} " in text:
                    problems.append(f'{path.relative_to(p.root)} quotes the evaluation question "{quote}"')
    return problems


def both_languages(p: Project) -> List[str]:
    """Every fixed answer and every response has a Dutch variation (condition: slot language = nl),
    and every intent and fixed answer has Dutch examples (under data/nlu/nl/), so that a student
    writing Dutch is understood and answered in Dutch."""
    problems = []
    for name, variants in sorted(p.responses.items()):
        dutch = [v for v in variants if any(c.get("name") == "language" and c.get("value") == "nl"
                                            for c in v.get("condition") or [])]
        if not dutch:
            problems.append(f"{name} has no Dutch variation (condition: slot language = nl)")
    dutch_folder = p.root / "data" / "nlu" / "nl"
    for intent, examples in sorted(p.examples.items()):
        if intent.split("/", 1)[0] in BUILT_IN_INTENTS:
            continue
        if not any(dutch_folder in path.parents for _, path in examples):
            problems.append(f"intent {intent} has no Dutch examples in data/nlu/nl/")
    return problems


RULES = [faq_keys_have_responses, examples_are_unique, intents_are_used, actions_are_used,
         answers_name_their_source, both_languages, evaluation_is_not_trained, evaluation_is_not_quoted]


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
