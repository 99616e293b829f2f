"""Answer quality side by side: our pipeline, Rasa's default pipeline, and ours without each part.

Trains every variant from scratch on the same data (`rasa train --force` into a temporary folder),
scores each end to end over REST on the evaluation sets (evaluation/heldout.py: single-turn
questions, follow-ups in context, off-topic declines) and prints one Markdown table for
docs/benchmarks.md. A variant takes about 4 minutes on 2 cores (training, start-up, scoring).

  python -m benchmarks.quality                       # every variant, shared set
  python -m benchmarks.quality --variants ours "rasa init default pipeline" --sets shared project
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

import yaml

from evaluation.heldout import EVAL_SETS, RATES, run
from serving.launcher import BIN, PROJECT

DEFAULT_CONFIG = PROJECT / "benchmarks" / "default_config.yml"
Edit = Callable[[dict], None]


def without_component(name: str) -> Edit:
    def edit(config: dict) -> None:
        config["pipeline"] = [c for c in config["pipeline"] if not c["name"].endswith(name)]
    return edit


def with_option(component: str, **options) -> Edit:
    def edit(config: dict) -> None:
        for c in config["pipeline"]:
            if c["name"] == component:
                c.update(options)
    return edit


# name -> (config edit or another config file, data files left out)
VARIANTS: Dict[str, Tuple[Optional[Edit] | Path, Tuple[str, ...]]] = {
    "ours": (None, ()),
    "rasa init default pipeline": (DEFAULT_CONFIG, ()),
    "ours without lookup tables (vocabulary.yml)": (with_option("RegexFeaturizer", use_lookup_tables=False), ()),
    "ours without examples in context (in_context.yml)": (None, ("data/nlu/in_context.yml",)),
    "ours without near misses (near_misses.yml)": (None, ("data/nlu/near_misses.yml",)),
    "ours without the answer-confidence fallback": (without_component("ResponseConfidenceFallback"), ()),
    "ours with DIET for the intents (the classifier before the logistic regression)": (
        lambda config: config["pipeline"].__setitem__(
            next(i for i, c in enumerate(config["pipeline"]) if c["name"].endswith("LinearIntents")),
            {"name": "DIETClassifier", "epochs": 100, "number_of_transformer_layers": 0,
             "entity_recognition": False, "constrain_similarities": True, "random_seed": 42}), ()),
    "ours without the unknown-words check": (without_component("UnknownWordsFallback"), ()),
    "ours without the answer-support check": (without_component("AnswerSupport"), ()),
    "ours with the ResponseSelector for the FAQ answer (before the regression)": (
        lambda config: config["pipeline"].insert(
            next(i for i, c in enumerate(config["pipeline"]) if c["name"].endswith("LinearIntents")) + 1,
            {"name": "ResponseSelector", "retrieval_intent": "faq", "epochs": 100,
             "constrain_similarities": True, "random_seed": 42}), ()),
}


def config_for(variant: Optional[Edit] | Path, folder: Path) -> Path:
    if isinstance(variant, Path):
        return variant
    config = yaml.safe_load((PROJECT / "config.yml").read_text())
    if variant:
        variant(config)
    path = folder / "config.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def train(config: Path, left_out: Tuple[str, ...], out: Path, name: str) -> float:
    # The whole folder when nothing is left out, as `make train` reads it: the order of the examples
    # alone moves a handful of answers (docs/benchmarks.md), so "ours" must be the shipped model.
    data = [str(p) for p in sorted((PROJECT / "data").rglob("*.yml"))
            if p.relative_to(PROJECT).as_posix() not in left_out] if left_out else [str(PROJECT / "data")]
    started = time.monotonic()
    subprocess.run([str(BIN / "rasa"), "train", "--force", "--config", str(config), "--data", *data,
                    "--out", str(out), "--fixed-model-name", name], cwd=PROJECT, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.monotonic() - started


def main(argv: List[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", nargs="+", choices=list(VARIANTS), default=list(VARIANTS))
    parser.add_argument("--sets", nargs="+", choices=list(EVAL_SETS), default=["shared"])
    args = parser.parse_args(argv)
    print("| variant | set | single-turn | follow-ups | off-topic declined | wrong answers | training |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: |", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        for index, name in enumerate(args.variants):
            folder = Path(tmp) / f"v{index}"
            folder.mkdir()
            edit, left_out = VARIANTS[name]
            seconds = train(config_for(edit, folder), left_out, folder, "model")
            # Each row as soon as it is measured: a long run that is stopped keeps what it measured.
            for set_name, score in run(None, folder / "model.tar.gz", args.sets).items():
                wrong = sum(r.total - r.right for r in score.rates.values())
                cells = " | ".join(str(score.rates[rate]) for rate in RATES)
                print(f"| {name} | {set_name} | {cells} | {wrong} | {seconds:.0f} s |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
