"""`make publish`: marks the current model as the one students get, with its held-out figures.

Copies models/lumc.tar.gz to models/published/lumc.tar.gz and writes models/published/lumc.json
(held-out figures, per-question results, checksum, date). `make evaluate` compares new models with
this one. Reuses the figures of the last `make evaluate` when it scored this very model; refuses a
model below the held-out minimums of evaluation/heldout.py unless --force.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import shutil
import sys
from pathlib import Path
from typing import List, Optional

from evaluation.heldout import MIN_DECLINE, MIN_IN_SCOPE
from trainer.evaluate import (CURRENT, IN_SCOPE, LAST_RUN, PUBLISHED, PUBLISHED_FIGURES, count, load_sets, run_model,
                              sha256)
from trainer.project import PROJECT, write_atomically


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m trainer.publish", description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="publish even below the held-out minimums")
    parser.add_argument("--project", type=Path, default=PROJECT, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    root = args.project.resolve()
    model = root / CURRENT
    if not model.exists():
        print(f"No model at {CURRENT}: run `make train` first.", file=sys.stderr)
        return 1
    digest = sha256(model)
    last = json.loads((root / LAST_RUN).read_text()) if (root / LAST_RUN).exists() else {}
    if last.get("sha256") == digest and "project" in last.get("sets", {}):
        results = last["sets"]["project"]
    else:
        results = run_model(root, model, "current", load_sets(root, ["project"])[0])["sets"]["project"]
    items = results["items"]
    (answered, questions), (declined, messages) = count(items, IN_SCOPE), count(items, ("off_topic",))
    accuracy = round(answered / questions, 4) if questions else 0.0
    decline = round(declined / messages, 4) if messages else 0.0
    print(f"Held-out (first set): in-scope accuracy {accuracy:.1%}, off-topic decline rate {decline:.1%}")
    if (accuracy < MIN_IN_SCOPE or decline < MIN_DECLINE) and not args.force:
        print(f"Not published: below the minimums ({MIN_IN_SCOPE:.0%} / {MIN_DECLINE:.0%}). "
              f"Fix the training data, or use --force if you really must.", file=sys.stderr)
        return 1
    target = root / PUBLISHED
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    shutil.copyfile(model, partial)
    os.replace(partial, target)
    summary = {"in_scope_accuracy": accuracy, "answered": answered, "in_scope_count": questions,
               "off_topic_decline_rate": decline, "declined": declined, "off_topic_count": messages}
    write_atomically({root / PUBLISHED_FIGURES: json.dumps({
        "published_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "sha256": digest, "heldout_first_set": summary,
        "in_scope": [i for i in items if i["kind"] != "off_topic"],
        "off_topic": [i for i in items if i["kind"] == "off_topic"]}, indent=1) + "\n"})
    print(f"Published {CURRENT} as {PUBLISHED} (figures in {PUBLISHED_FIGURES}).")
    print("Restart the bot so students get it: RASA_MODEL=models/published/lumc.tar.gz make run")
    return 0


if __name__ == "__main__":
    sys.exit(main())
