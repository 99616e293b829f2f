"""`make evaluate`: every evaluation set a trainer may see, on the current model and on the last published one.

When nothing is published yet, the comparison is with a model trained on the training data of the
last commit (trained once per commit into var/evaluation/, about two minutes), so a trainer's first
change is measured against the assistant before it, not shown alone.

The sets are those of evaluation/heldout.py except `unseen` (TRAINER_SETS): the project's own set
(tests/heldout/) and the three shared sets next to the project (../shared/eval/: the first English
set, the second English set en2/ and the Dutch set nl/). A shared set that is not there (a clone
outside /work) is named as missing and left out; the others are still scored. The unseen set is
never used here: shown to whoever changes the training data, it would be tuned for like the others,
and it is the figure that has not been (docs/benchmarks.md; tests/trainer never copy it either).

Each model's servers are started once (serving.launcher.Servers, conversations in a scratch tracker
database, never the one the review page reads) and every set is scored by heldout.score, the same
code and rules as the `make test` gate: over REST with the action server; an item is right when the
last reply matches every expected pattern and is not a decline (declined / not_stated outcomes count
as declines); on the Dutch set only a reply in Dutch counts. Besides, the last turn of every item is
parsed (Rasa HTTP API /model/parse) for the answer the model predicts: its intent, or faq/<key>
(for a follow-up, the last message on its own, without the conversation before it).

Per set the report gives the figures side by side (single-turn right, follow-ups right where the set
has them, off-topic declined), then every item whose result changed: better (wrong before, right
now), worse (right before, wrong now), off-topic messages now answered / now declined, and questions
newly taken by another answer (the predicted answer changed, with whether the question is right).
Worse and newly taken items show the first line of the current reply. The current model's results,
item by item, are saved in var/evaluation/current.json (`make publish` reuses the project set's).

Exit code 1 when, on any one set, the current model answers more than MAX_DROP_QUESTIONS fewer
in-scope questions than the model compared with. The rule is per set, not over the total: the sets
measure different things (the Dutch set is the only Dutch measure), and a total would let gains on
one set hide a loss on another; the total would also add up the retraining noise of four sets.
Retraining alone moves answers both ways: the same examples read in another order moved five shared
answers, and adding one example moved eight questions of the project's set to failing and four to
passing (docs/benchmarks.md, "Training noise"); each set is of that size (138 to 290 questions), so
the same allowance applies to each. Adding the housing entry of docs/trainers.md to a copy of the
project (December 2026) moved the four sets by -2, +4, +2 and -7 questions: -3 in total, within the
allowance, while the Dutch set lost 7, none of them about housing. A smaller drop is reported, not
failed; off-topic changes are reported, never failed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Tuple

from evaluation import heldout
from serving.launcher import Servers, free_port
from trainer import targets
from trainer.project import PROJECT, relative

MAX_DROP_QUESTIONS = 5
CURRENT = Path("models/lumc.tar.gz")
PUBLISHED = Path("models/published/lumc.tar.gz")
PUBLISHED_FIGURES = Path("models/published/lumc.json")
LAST_RUN = Path("var/evaluation/current.json")
BASELINES = Path("var/evaluation")
# What a model is trained from (as `make train` sees it): a commit's copy of these is its model.
TRAINING_INPUTS = ("data", "domain.yml", "config.yml")
# The sets a trainer sees, in the order shown: every set of evaluation/heldout.py but `unseen`.
TRAINER_SETS = ("project", "shared", "en2", "nl")
IN_SCOPE = ("single_turn", "followup")
FIGURE_NAMES = {"single_turn": "single-turn right", "followup": "follow-ups right",
                "off_topic": "off-topic declined"}
# Predictions that are no answer of the catalogue or the FAQ, in plain words.
OTHER_ANSWERS = {"nlu_fallback": "not understood", "none": "nothing", "faq": "an FAQ answer"}
REPLY_WIDTH = 70
QUESTION_WIDTH = 100


def _git(root: Path, *args: str) -> Optional[str]:
    done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True)
    return done.stdout.strip() if done.returncode == 0 else None


def last_commit_model(root: Path) -> Optional[Path]:
    """The model trained on the last commit's training data, trained now if it is not cached;
    None outside a git work tree. The current spaCy pipeline and components are used, so the only
    difference from the current model is the training data (and the retraining noise)."""
    commit = _git(root, "rev-parse", "HEAD")
    if not commit:
        return None
    name = f"last-commit-{commit[:12]}"
    model = root / BASELINES / f"{name}.tar.gz"
    if model.exists():
        return model
    print(f"No published model yet: training a model on the last commit's data ({commit[:12]}) to compare "
          f"with, once per commit (about 2 minutes) ...", flush=True)
    archive = subprocess.run(["git", "-C", str(root), "archive", "--format=tar", commit, *TRAINING_INPUTS],
                             capture_output=True)
    if archive.returncode != 0:
        raise RuntimeError(f"git archive failed: {archive.stderr.decode(errors='replace').strip()}")
    with tempfile.TemporaryDirectory() as scratch:
        with tempfile.TemporaryFile() as handle:
            handle.write(archive.stdout)
            handle.seek(0)
            with tarfile.open(fileobj=handle) as tar:
                tar.extractall(scratch)
        rasa = Path(sys.executable).with_name("rasa")
        log = root / BASELINES / f"{name}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        with open(log, "w") as out:
            trained = subprocess.run(
                [str(rasa), "train", "--data", f"{scratch}/data", "--domain", f"{scratch}/domain.yml",
                 "--config", f"{scratch}/config.yml", "--out", str(root / BASELINES), "--fixed-model-name", name],
                cwd=root, stdout=out, stderr=subprocess.STDOUT)
    if trained.returncode != 0 or not model.exists():
        raise RuntimeError(f"training the last commit's model failed (exit code {trained.returncode}); "
                           f"its log: {relative(log, root)}")
    return model


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# --- the sets -----------------------------------------------------------------------------------

@dataclass
class LoadedSet:
    name: str
    eval_set: heldout.EvalSet
    in_scope: list
    off_topic: list


def _shown(path: Path, root: Path) -> str:
    """A path as a trainer types it from the project folder (../shared/eval/nl)."""
    return os.path.relpath(path, root)


def load_sets(root: Path, names: Iterable[str] = TRAINER_SETS) -> Tuple[Dict[str, LoadedSet], Dict[str, str]]:
    """The sets of the project at `root` that are there, and why each other one is missing."""
    sets = heldout.eval_sets(root)
    loaded, missing = {}, {}
    for name in names:
        eval_set = sets[name]
        files = (eval_set.directory / eval_set.in_scope_file, eval_set.directory / eval_set.off_topic_file)
        absent = [path for path in files if not path.is_file()]
        if absent:
            missing[name] = f"the {eval_set.title}, no {_shown(absent[0], root)}"
            continue
        loaded[name] = LoadedSet(name, eval_set, *heldout.load_set(eval_set))
    return loaded, missing


# --- scoring ------------------------------------------------------------------------------------

def parse(servers: Servers, text: str) -> dict:
    request = urllib.request.Request(f"{servers.rasa_url}/model/parse?token={servers.token}",
                                     data=json.dumps({"text": text}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as reply:
        return json.loads(reply.read())


def predicted_group(result: dict) -> str:
    intent = (result.get("intent") or {}).get("name") or "none"
    if intent == "faq":
        response = ((result.get("response_selector") or {}).get("faq") or {}).get("response") or {}
        return response.get("intent_response_key") or "faq"
    return intent


def run_model(root: Path, model: Path, label: str, sets: Dict[str, LoadedSet]) -> dict:
    """Per-item results of one model on each of `sets`, its servers started once."""
    declines = heldout.decline_texts(root / "domain.yml")
    print(f"Scoring the {label} model ({relative(model, root)}) on {len(sets)} sets ...", flush=True)
    results: Dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as scratch:
        # Evaluation conversations go to a scratch database, never to the one the review page reads.
        servers = Servers(rasa_port=free_port(), action_port=free_port(), widget_port=None, model=model,
                          project=root, log_dir=root / "var" / "logs",
                          env={"TRACKER_DB_URL": f"sqlite:///{scratch}/conversations.db"})
        servers.start()
        try:
            answer_of = heldout.tracker_reader(servers.rasa_url, servers.token)
            for name, loaded in sets.items():
                print(f"  {loaded.eval_set.title}: {len(loaded.in_scope)} questions, "
                      f"{len(loaded.off_topic)} off-topic messages ...", flush=True)
                score = heldout.score(servers.send, loaded.in_scope, loaded.off_topic, declines, answer_of,
                                      language=loaded.eval_set.language)
                for item in score.items:
                    item["group"] = predicted_group(parse(servers, item["turns"][-1]))
                results[name] = {"title": loaded.eval_set.title,
                                 "directory": _shown(loaded.eval_set.directory, root),
                                 "figures": score.as_dict(), "items": score.items}
        finally:
            servers.stop()
    return {"model": str(model), "sha256": sha256(model), "sets": results}


# --- comparing two runs -------------------------------------------------------------------------

@dataclass
class Changes:
    """The items of one set whose result changed, as (before, now) pairs of items."""
    better: List[Tuple[dict, dict]] = field(default_factory=list)
    worse: List[Tuple[dict, dict]] = field(default_factory=list)
    now_answered: List[Tuple[dict, dict]] = field(default_factory=list)
    now_declined: List[Tuple[dict, dict]] = field(default_factory=list)
    newly_taken: List[Tuple[dict, dict]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return any((self.better, self.worse, self.now_answered, self.now_declined, self.newly_taken))


def _keyed(items: List[dict]) -> Dict[tuple, dict]:
    """Items by (rate, turns, n-th time the same turns come): a question asked twice stays two items."""
    seen: Counter = Counter()
    keyed = {}
    for item in items:
        key = (item["kind"], tuple(item["turns"]))
        keyed[key + (seen[key],)] = item
        seen[key] += 1
    return keyed


def compare(before: List[dict], now: List[dict]) -> Changes:
    """What changed between two runs of the same set, in the order of the set."""
    old = _keyed(before)
    changes = Changes()
    for key, item in _keyed(now).items():
        was = old.get(key)
        if was is None:
            continue
        if item["kind"] == "off_topic":
            if was["right"] and not item["right"]:
                changes.now_answered.append((was, item))
            elif item["right"] and not was["right"]:
                changes.now_declined.append((was, item))
            continue
        if item["right"] and not was["right"]:
            changes.better.append((was, item))
        elif was["right"] and not item["right"]:
            changes.worse.append((was, item))
        if was.get("group") and item.get("group") and was["group"] != item["group"]:
            changes.newly_taken.append((was, item))
    return changes


def count(items: List[dict], kinds: Iterable[str]) -> Tuple[int, int]:
    """(right, total) of the items of these rates."""
    chosen = [i for i in items if i["kind"] in kinds]
    return sum(bool(i["right"]) for i in chosen), len(chosen)


def verdict(was: dict, now: dict) -> str:
    if now["right"]:
        return "still right" if was["right"] else "now right"
    return "now wrong" if was["right"] else "still wrong"


# --- the report ---------------------------------------------------------------------------------

def answer_title(group: Optional[str], root: Path = PROJECT) -> str:
    """Plain words for a predicted answer: "tuition fee", "FAQ: abroad why", "not understood"."""
    if not group:
        return "?"
    return OTHER_ANSWERS.get(group) or targets.title(group, root)


def shortened(text: str, width: int) -> str:
    return text if len(text) <= width else text[:width - 3].rstrip() + "..."


def first_line(reply: str, width: int = REPLY_WIDTH) -> str:
    """The first line of a reply, shortened: what a trainer needs to see what it says now."""
    return shortened(next((line.strip() for line in (reply or "").splitlines() if line.strip()), ""), width)


def _question(item: dict) -> str:
    return shortened(" / ".join(item["turns"]), QUESTION_WIDTH)


def _rate(right: int, total: int) -> str:
    return f"{right}/{total} {100 * right / total:5.1f}%" if total else "-"


def _difference(before: int, after: int) -> str:
    change = after - before
    if change == 0:
        return "no change"
    return f"{change:+d} question{'s' if abs(change) != 1 else ''}"


def set_lines(name: str, before: Optional[dict], now: dict, label: str, root: Path = PROJECT) -> List[str]:
    """The report of one set: its figures side by side, then every item whose result changed."""
    items = now["items"]
    questions, messages = count(items, IN_SCOPE)[1], count(items, ("off_topic",))[1]
    lines = [f"== {now['title'][0].upper()}{now['title'][1:]} ({now['directory']}): "
             f"{questions} questions, {messages} off-topic messages"]
    if before is None:
        for kind, words in FIGURE_NAMES.items():
            right, total = count(items, (kind,))
            if total:
                lines.append(f"  {words:20} {_rate(right, total):>16}")
        return lines
    lines.append(f"  {'':20} {label:>16} {'current':>16}   change")
    for kind, words in FIGURE_NAMES.items():
        (old, total), (new, _) = count(before["items"], (kind,)), count(items, (kind,))
        if total:
            lines.append(f"  {words:20} {_rate(old, total):>16} {_rate(new, total):>16}   {_difference(old, new)}")
    changes = compare(before["items"], items)
    if not changes:
        lines.append("  No question changed its result or its answer.")
        return lines

    def title(item: dict) -> str:
        return answer_title(item.get("group"), root)

    def says(item: dict) -> str:
        return f'"{first_line(item["reply"])}"'

    if changes.better:
        lines.append(f"  Better: wrong before, right now ({len(changes.better)}):")
        lines += [f"    - {_question(now)}   [{title(now)}]" for was, now in changes.better]
    for heading, pairs in (("Worse: right before, wrong now", changes.worse),
                           ("Off-topic, now answered instead of declined", changes.now_answered)):
        if pairs:
            lines.append(f"  {heading} ({len(pairs)}):")
            for was, now in pairs:
                lines += [f"    - {_question(now)}", f"        gets {title(now)}, which says {says(now)}"]
    if changes.now_declined:
        lines.append(f"  Off-topic, now declined instead of answered ({len(changes.now_declined)}):")
        lines += [f"    - {_question(now)}" for was, now in changes.now_declined]
    if changes.newly_taken:
        taken: Dict[str, List[Tuple[dict, dict]]] = {}
        for was, now in changes.newly_taken:
            taken.setdefault(title(now), []).append((was, now))
        lines.append(f"  Newly taken by another answer ({len(changes.newly_taken)}), by the answer that took them:")
        for answer, pairs in sorted(taken.items(), key=lambda kv: (-len(kv[1]), kv[0])):
            lines.append(f"    {answer} took {len(pairs)}:")
            for was, now in pairs:
                lines += [f"      - {_question(now)}   [was {title(was)}; {verdict(was, now)}]",
                          f"          says {says(now)}"]
    return lines


def drops(before: dict, current: dict) -> Dict[str, int]:
    """Per set scored by both: how many fewer in-scope questions the current model answers."""
    return {name: count(before["sets"][name]["items"], IN_SCOPE)[0] - count(now["items"], IN_SCOPE)[0]
            for name, now in current["sets"].items() if name in before["sets"]}


def report(current: dict, before: Optional[dict], label: str = "published",
           missing: Optional[Dict[str, str]] = None, root: Path = PROJECT) -> int:
    """`before` is the model compared with: the published one, or the last commit's (label "last commit")."""
    print()
    if before is None:
        print("No published model yet (models/published/lumc.tar.gz) and no last commit to train one from: "
              "only the current figures are shown.")
    elif label != "published":
        print("Nothing is published yet: compared with the model of the last commit's training data "
              f"(\"{label}\").")
    for name, now in current["sets"].items():
        print()
        print("\n".join(set_lines(name, before["sets"].get(name) if before else None, now, label, root)))
    print()
    for problem in (missing or {}).values():
        print(f"Not scored: {problem}.")
    if missing:
        print("(The shared sets are read from ../shared/eval next to the project folder, or from SHARED_EVAL_DIR.)")
    if before is None:
        print("Publish it with `make publish` once you are happy with it.")
        return 0
    lost = drops(before, current)
    failed = {name: drop for name, drop in lost.items() if drop > MAX_DROP_QUESTIONS}
    print(f"In short, {label} -> current:")
    print(f"  {'':28} {'questions right':>20}  {'off-topic declined':>20}")
    for name, now in current["sets"].items():
        if name not in before["sets"]:
            continue
        was = before["sets"][name]["items"]
        (old_right, total), (new_right, _) = count(was, IN_SCOPE), count(now["items"], IN_SCOPE)
        (old_declined, messages), (new_declined, _) = count(was, ("off_topic",)), count(now["items"], ("off_topic",))
        right = f"{old_right} -> {new_right} of {total}"
        declined = f"{old_declined} -> {new_declined} of {messages}"
        flag = f"   more than {MAX_DROP_QUESTIONS} fewer" if name in failed else ""
        print(f"  {now['title']:28} {right:>20}  {declined:>20}{flag}")
    print()
    for name, drop in failed.items():
        print(f"FAILED: {drop} fewer questions right on the {current['sets'][name]['title']} (a retrain alone "
              f"moves up to {MAX_DROP_QUESTIONS}). Look at its worse questions before publishing.")
    if failed:
        return 1
    print(f"OK: in-scope accuracy did not drop by more than {MAX_DROP_QUESTIONS} questions on any set "
          f"(what a retrain alone moves); still read the worse questions above.")
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m trainer.evaluate", description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, default=PROJECT, help=argparse.SUPPRESS)
    root = parser.parse_args(argv).project.resolve()
    if not (root / CURRENT).exists():
        print(f"No current model at {CURRENT}: run `make train` first.", file=sys.stderr)
        return 1
    sets, missing = load_sets(root)
    for problem in missing.values():
        print(f"Left out: {problem}.", flush=True)
    if not sets:
        print("No evaluation set found: nothing to compare.", file=sys.stderr)
        return 1
    current = run_model(root, root / CURRENT, "current", sets)
    (root / LAST_RUN).parent.mkdir(parents=True, exist_ok=True)
    (root / LAST_RUN).write_text(json.dumps({**current, "missing": missing}, indent=1))
    if (root / PUBLISHED).exists():
        return report(current, run_model(root, root / PUBLISHED, "published", sets), "published", missing, root)
    try:
        baseline = last_commit_model(root)
    except RuntimeError as error:
        print(f"Stopped: {error}", file=sys.stderr)
        return 1
    if baseline is None:
        return report(current, None, missing=missing, root=root)
    return report(current, run_model(root, baseline, "last commit's", sets), "last commit", missing, root)


if __name__ == "__main__":
    sys.exit(main())
