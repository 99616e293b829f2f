"""`make evaluate`: held-out questions on the current model and on the last published one, side by side.

When nothing is published yet, the comparison is with a model trained on the training data of the
last commit (trained once per commit into var/evaluation/, about two minutes), so a trainer's first
change is measured against the assistant before it, not shown alone.

Uses the first held-out set (tests/heldout/*.yml, scored exactly as evaluation/heldout.py scores it:
over REST, with the action server, a reply counting only when it matches every expected pattern and
is not a decline). Each in-scope question is grouped by the intent the CURRENT model gives its last
turn (Rasa HTTP API /model/parse; FAQ questions by their faq/<key>), so a group shows how one topic
fared. The grouping is by prediction, not by the right answer: a question the current model sends to
the wrong intent is counted in that wrong intent's group, where its failure is the useful signal.
The unseen set is never used here (see evaluation/heldout.py for why).

Exit code 1 when the current model answers more than MAX_DROP_QUESTIONS fewer in-scope questions
than the published one. Retraining alone moves answers both ways: the same examples read in another
order moved five shared answers, and adding one example moved eight of these questions to failing
and four to passing (docs/benchmarks.md, "Training noise"). A smaller drop is reported, not failed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tarfile
import tempfile
import urllib.request
from collections import defaultdict
from pathlib import Path
from typing import Dict, List, Optional

from evaluation import heldout
from serving.launcher import Servers, free_port
from trainer.project import PROJECT, relative

MAX_DROP_QUESTIONS = 5
CURRENT = Path("models/lumc.tar.gz")
PUBLISHED = Path("models/published/lumc.tar.gz")
PUBLISHED_FIGURES = Path("models/published/lumc.json")
LAST_RUN = Path("var/evaluation/current.json")
BASELINES = Path("var/evaluation")
# What a model is trained from (as `make train` sees it): a commit's copy of these is its model.
TRAINING_INPUTS = ("data", "domain.yml", "config.yml")


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


def run_model(root: Path, model: Path, label: str, with_groups: bool = False) -> dict:
    """Per-question results of one model on the first held-out set."""
    in_scope, off_topic = heldout.load_heldout(root / "tests" / "heldout")
    declines = heldout.decline_texts(root / "domain.yml")
    print(f"Scoring the {label} model ({model}) on {len(in_scope)} in-scope and {len(off_topic)} "
          f"off-topic held-out questions ...", flush=True)
    with tempfile.TemporaryDirectory() as scratch:
        # Evaluation conversations go to a scratch database, never to the one the review page reads.
        servers = Servers(rasa_port=free_port(), action_port=free_port(), widget_port=None, model=model,
                          project=root, log_dir=root / "var" / "logs",
                          env={"TRACKER_DB_URL": f"sqlite:///{scratch}/conversations.db"})
        servers.start()
        try:
            items = []
            for item in in_scope:
                row = {"turns": item["turns"],
                       "answered": heldout.score(servers.send, [item], [], declines).answered == 1}
                if with_groups:
                    row["group"] = predicted_group(parse(servers, item["turns"][-1]))
                items.append(row)
            declined = [{"message": m, "declined": heldout.score(servers.send, [], [m], declines).declined == 1}
                        for m in off_topic]
        finally:
            servers.stop()
    return {"model": str(model), "sha256": sha256(model), "in_scope": items, "off_topic": declined,
            **figures(items, declined)}


def figures(items: List[dict], declined: List[dict]) -> Dict[str, float]:
    answered = sum(i["answered"] for i in items)
    refused = sum(d["declined"] for d in declined)
    return {"in_scope_accuracy": round(answered / len(items), 4) if items else 0.0,
            "answered": answered, "in_scope_count": len(items),
            "off_topic_decline_rate": round(refused / len(declined), 4) if declined else 0.0,
            "declined": refused, "off_topic_count": len(declined)}


def report(current: dict, published: Optional[dict], label: str = "published") -> int:
    """`published` is the model compared with: the published one, or the last commit's (label "commit")."""
    def pct(x: float) -> str:
        return f"{100 * x:5.1f}%"

    print()
    if published is None:
        print("No published model yet (models/published/lumc.tar.gz) and no last commit to train one from: "
              "only the current figures are shown.")
        print(f"  in-scope accuracy  {pct(current['in_scope_accuracy'])}  ({current['answered']}/{current['in_scope_count']})")
        print(f"  off-topic declined {pct(current['off_topic_decline_rate'])}  ({current['declined']}/{current['off_topic_count']})")
        print("Publish it with `make publish` once you are happy with it.")
        return 0
    if label != "published":
        print("Nothing is published yet: compared with the model of the last commit's training data (\"commit\").")
    print(f"{'':28} {label:>10} {'current':>10} {'change':>8}")
    for name, key in (("in-scope accuracy", "in_scope_accuracy"), ("off-topic decline rate", "off_topic_decline_rate")):
        before, after = published[key], current[key]
        print(f"{name:28} {pct(before):>10} {pct(after):>10} {100 * (after - before):+7.1f}")
    before = {tuple(i["turns"]): i["answered"] for i in published["in_scope"]}
    groups: Dict[str, List[dict]] = defaultdict(list)
    for item in current["in_scope"]:
        groups[item.get("group", "?")].append(item)
    print("\nAccuracy per group (intent the current model predicts for the question):")
    print(f"  {'group':34} {'n':>3} {label:>10} {'current':>10}")
    for group in sorted(groups):
        rows = groups[group]
        old = [before[tuple(r["turns"])] for r in rows if tuple(r["turns"]) in before]
        old_text = pct(sum(old) / len(old)) if old else "     -"
        marker = "  <- worse" if old and sum(r["answered"] for r in rows) < sum(old) else ""
        print(f"  {group:34} {len(rows):3} {old_text:>10} {pct(sum(r['answered'] for r in rows) / len(rows)):>10}{marker}")
    newly_failing = [i for i in current["in_scope"] if not i["answered"] and before.get(tuple(i["turns"]))]
    newly_passing = [i for i in current["in_scope"] if i["answered"] and before.get(tuple(i["turns"])) is False]
    old_declines = {d["message"]: d["declined"] for d in published["off_topic"]}
    newly_answered = [d for d in current["off_topic"] if not d["declined"] and old_declines.get(d["message"])]
    print(f"\nNewly failing questions ({len(newly_failing)}):")
    for item in newly_failing:
        print(f"  - {' / '.join(item['turns'])}   [now: {item.get('group', '?')}]")
    if newly_answered:
        print(f"Off-topic messages no longer declined ({len(newly_answered)}):")
        for item in newly_answered:
            print(f"  - {item['message']}")
    print(f"Newly passing questions: {len(newly_passing)}")
    old_groups = {tuple(i["turns"]): i.get("group") for i in published["in_scope"] if i.get("group")}
    moved = [(i, old_groups[tuple(i["turns"])]) for i in current["in_scope"]
             if old_groups.get(tuple(i["turns"])) not in (None, i.get("group"))]
    if moved:
        print(f"Questions now taken by another answer ({len(moved)}; the new one first):")
        for item, before_group in moved:
            verdict = "still right" if item["answered"] and before.get(tuple(item["turns"])) else \
                "now right" if item["answered"] else "now wrong" if before.get(tuple(item["turns"])) else "still wrong"
            print(f"  - {' / '.join(item['turns'])}   [{item.get('group')} <- {before_group}; {verdict}]")
    drop = round((published["in_scope_accuracy"] - current["in_scope_accuracy"]) * current["in_scope_count"])
    if drop > MAX_DROP_QUESTIONS:
        print(f"\nFAILED: {drop} fewer in-scope questions answered ({100 * (published['in_scope_accuracy'] - current['in_scope_accuracy']):.1f} points; "
              f"a retrain alone moves up to {MAX_DROP_QUESTIONS}). Look at the newly failing questions before publishing.")
        return 1
    print(f"\nOK: in-scope accuracy did not drop by more than {MAX_DROP_QUESTIONS} questions "
          f"(what a retrain alone moves); still read the newly failing questions above.")
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m trainer.evaluate", description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, default=PROJECT, help=argparse.SUPPRESS)
    root = parser.parse_args(argv).project.resolve()
    if not (root / CURRENT).exists():
        print(f"No current model at {CURRENT}: run `make train` first.", file=sys.stderr)
        return 1
    current = run_model(root, root / CURRENT, "current", with_groups=True)
    (root / LAST_RUN).parent.mkdir(parents=True, exist_ok=True)
    (root / LAST_RUN).write_text(json.dumps(current, indent=1))
    if (root / PUBLISHED).exists():
        return report(current, run_model(root, root / PUBLISHED, "published", with_groups=True))
    try:
        baseline = last_commit_model(root)
    except RuntimeError as error:
        print(f"Stopped: {error}", file=sys.stderr)
        return 1
    if baseline is None:
        return report(current, None)
    return report(current, run_model(root, baseline, "last commit's", with_groups=True), "commit")


if __name__ == "__main__":
    sys.exit(main())
