"""Measures the assistant and prints the figures for docs/benchmarks.md as Markdown.

  python -m benchmarks.assistant [--skip-training] [--messages 500]

- full training time (`rasa train --force`, our config) and, for comparison, a model trained on
  the same data with Rasa's default `rasa init` NLU pipeline (benchmarks/default_config.yml);
- held-out in-scope accuracy and off-topic decline rate of both models (both held-out sets);
- time from start to ready of the action server and the Rasa server together;
- REST round trip p50/p95 over N sequential messages (held-out questions, in turn);
- resident memory of both servers after the run.
Nothing here asserts a target: the figures are compared with the targets in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Dict, List

from evaluation.heldout import HELDOUT_SETS, load_heldout, run
from serving.launcher import BIN, PROJECT, Servers, free_port

DEFAULT_CONFIG = PROJECT / "benchmarks" / "default_config.yml"


def train(config: Path, out: Path, name: str) -> float:
    started = time.monotonic()
    subprocess.run([str(BIN / "rasa"), "train", "--force", "--config", str(config), "--out", str(out),
                    "--fixed-model-name", name], cwd=PROJECT, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    return time.monotonic() - started


def resident_mib(pid: int) -> float:
    """Resident memory of a process and its children, from /proc."""
    total = 0
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    for p in pids:
        for line in Path(f"/proc/{p}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total / 1024


def percentile(values: List[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def latency_and_memory(model: Path, messages: int, turns: int) -> Dict[str, float]:
    servers = Servers(rasa_port=free_port(), action_port=free_port(), widget_port=None, model=model)
    started = time.monotonic()
    servers.start()
    ready = time.monotonic() - started
    try:
        in_scope, off_topic = load_heldout(HELDOUT_SETS["first"])
        texts = [q["turns"][-1] for q in in_scope] + list(off_topic)
        servers.send("bench-warmup", "hello")
        timings = []
        for i in range(messages):
            if i % turns == 0:  # a new student every `turns` messages, as in real use
                sender = f"bench-{uuid.uuid4().hex[:8]}"
            t = time.perf_counter()
            servers.send(sender, texts[i % len(texts)])
            timings.append((time.perf_counter() - t) * 1000)
        return {"ready_s": ready, "p50_ms": statistics.median(timings), "p95_ms": percentile(timings, 0.95),
                "rasa_mib": resident_mib(servers.processes["rasa"].pid),
                "actions_mib": resident_mib(servers.processes["actions"].pid)}
    finally:
        servers.stop()


def main(argv: List[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-training", action="store_true", help="use models/lumc.tar.gz as it is")
    parser.add_argument("--messages", type=int, default=500)
    parser.add_argument("--turns", type=int, default=10, help="messages per conversation")
    parser.add_argument("--serving-only", action="store_true",
                        help="only start-up, latency and memory, with models/lumc.tar.gz")
    args = parser.parse_args(argv)
    if args.serving_only:
        print_serving(latency_and_memory(PROJECT / "models" / "lumc.tar.gz", args.messages, args.turns), args)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        ours, default = PROJECT / "models" / "lumc.tar.gz", out / "default.tar.gz"
        train_s = None
        if not args.skip_training:
            train_s = train(PROJECT / "config.yml", out, "ours")
            ours = out / "ours.tar.gz"
        default_train_s = train(DEFAULT_CONFIG, out, "default")
        quality = {"ours": run(None, ours), "rasa init default": run(None, default)}
        serving = latency_and_memory(ours, args.messages, args.turns)

    print("| model | set | in-scope accuracy | off-topic decline rate | full training |")
    print("| --- | --- | ---: | ---: | ---: |")
    for name, results in quality.items():
        seconds = train_s if name == "ours" else default_train_s
        for set_name, r in results.items():
            trained = f"{seconds:.0f} s" if seconds is not None else "not measured"
            print(f"| {name} | {set_name} | {r.accuracy:.1%} ({r.answered}/{r.in_scope}) | "
                  f"{r.decline_rate:.1%} ({r.declined}/{r.off_topic}) | {trained} |")
    print()
    print_serving(serving, args)
    return 0


def print_serving(serving: Dict[str, float], args: argparse.Namespace) -> None:
    print("| figure | value |")
    print("| --- | ---: |")
    print(f"| start to ready (action + Rasa server) | {serving['ready_s']:.1f} s |")
    print(f"| REST round trip p50 ({args.messages} sequential messages, {args.turns} per conversation) "
          f"| {serving['p50_ms']:.1f} ms |")
    print(f"| REST round trip p95 | {serving['p95_ms']:.1f} ms |")
    print(f"| resident memory, Rasa server | {serving['rasa_mib']:.0f} MiB |")
    print(f"| resident memory, action server | {serving['actions_mib']:.0f} MiB |")


if __name__ == "__main__":
    sys.exit(main())
