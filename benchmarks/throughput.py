"""Throughput of one server and of the cluster: msg/s and p50/p95/p99 at 1, 8, 16 and 32 students.

  python -m benchmarks.throughput [--setups single,cluster] [--levels 1,8,16,32] [--seconds 20]
                                  [--profile 16] [--replicas 2]

Each student is the widget: one conversation, the next message as soon as the answer is there
(no think time: this is the most a set-up can take), a new conversation every 10 messages, the
questions of the project's first development set in turn (read from tests/heldout, as
benchmarks/assistant.py does). Bounded: each level runs `--seconds` on loopback, every request
has a 30 s time-out, nothing is resent. Set-ups:

- single: `make run`'s servers (one Rasa server and its action server, SQLite tracker store,
  in-memory lock store);
- single-pg: the same on PostgreSQL and Redis (a scratch database, the stores of the cluster);
- cluster: `make cluster` (serving/cluster.py) with `--replicas` replicas behind HAProxy.

`--profile N` also samples the single server's Rasa and action server with py-spy while N
students talk to it and prints where the time goes. py-spy is not a project requirement: install
it on its own (`python3 -m venv /tmp/tools && /tmp/tools/bin/pip install py-spy`) and point PY_SPY
at it. Prints Markdown for docs/benchmarks.md ("Throughput and replicas"), with the load average
before each measurement: the CPU is shared, so read the figures with it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Dict, Iterator, List, Optional

import aiohttp

from benchmarks.load import post
from evaluation.heldout import HELDOUT_SETS, load_heldout
from serving.launcher import PROJECT, Servers, free_port

TURNS = 10


def load_average() -> str:
    return " / ".join(Path("/proc/loadavg").read_text().split()[:3])


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, its threads and its living child processes (Sanic
    workers) so far, from /proc."""
    total = 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        for task in Path(f"/proc/{pid}/task").iterdir():
            for child in (task / "children").read_text().split():
                total += cpu_seconds(int(child))
    except (FileNotFoundError, ProcessLookupError):
        pass
    return total


def server_pids(running) -> Dict[str, int]:
    """The processes a message passes through: each replica's Rasa and action server, HAProxy."""
    groups = getattr(running, "members", None) or [running]
    pids = {}
    for i, group in enumerate(groups):
        suffix = f" {i + 1}" if len(groups) > 1 else ""
        pids.update({f"{name}{suffix}": p.pid for name, p in group.processes.items()})
    front = getattr(running, "front", None)
    if front is not None:
        pids.update({name: p.pid for name, p in front.processes.items()})
    return pids


def percentile(values: List[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def texts() -> List[str]:
    in_scope, off_topic = load_heldout(HELDOUT_SETS["first"])
    return [q["turns"][-1] for q in in_scope] + list(off_topic)


async def measure(url: str, students: int, seconds: float, questions: List[str]) -> Dict[str, float]:
    """`students` closed-loop students for `seconds`: throughput and latency of what was answered."""
    latencies: List[float] = []
    errors: Counter = Counter()
    deadline = time.monotonic() + seconds

    async def student(index: int, session: aiohttp.ClientSession) -> None:
        sent = 0
        while time.monotonic() < deadline:
            if sent % TURNS == 0:
                sender = f"tp-{index}-{uuid.uuid4().hex[:8]}"
            text = questions[(index * 7 + sent) % len(questions)]
            started = time.perf_counter()
            try:
                status, _ = await post(session, url, sender, text, uuid.uuid4().hex)
            except (asyncio.TimeoutError, aiohttp.ClientError) as error:
                status = type(error).__name__
            if status == 200:
                latencies.append(time.perf_counter() - started)
            else:
                errors[str(status)] += 1
            sent += 1

    connector = aiohttp.TCPConnector(limit=students + 4)
    async with aiohttp.ClientSession(connector=connector) as session:
        started = time.monotonic()
        await asyncio.gather(*(student(i, session) for i in range(students)))
        wall = time.monotonic() - started
    return {"students": students, "messages": len(latencies), "msg_s": len(latencies) / wall,
            "p50": percentile(latencies, 0.50) * 1000, "p95": percentile(latencies, 0.95) * 1000,
            "p99": percentile(latencies, 0.99) * 1000, "errors": sum(errors.values()),
            "error_kinds": dict(errors)}


async def warm_up(url: str, questions: List[str]) -> None:
    async with aiohttp.ClientSession() as session:
        for i, text in enumerate(questions[:20]):
            await post(session, url, f"warm-{i % 4}", text, uuid.uuid4().hex)


@contextlib.contextmanager
def single(postgres: bool = False, project: Path = PROJECT, env_extra: Optional[Dict[str, str]] = None) -> Iterator[Servers]:
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        if postgres:
            from stores.scratch_db import scratch_postgres

            env = {"TRACKER_DB_URL": stack.enter_context(scratch_postgres("lsa_bench")),
                   "LOCK_STORE_URL": redis_url(), "LOCK_STORE_PREFIX": "lsabench" + uuid.uuid4().hex[:8]}
        else:
            env = {"TRACKER_DB_URL": f"sqlite:///{tmp}/conversations.db"}
        servers = Servers(rasa_port=free_port(), action_port=free_port(), widget_port=None,
                          log_dir=Path(tmp) / "logs", env={**env, **(env_extra or {})}, project=project,
                          model=project / "models" / "lumc.tar.gz")
        servers.start()
        try:
            yield servers
        finally:
            servers.stop()
            clean_redis(env.get("LOCK_STORE_PREFIX"))


@contextlib.contextmanager
def cluster(replicas: int) -> Iterator["object"]:
    from serving.cluster import Cluster
    from stores.scratch_db import scratch_postgres

    prefix = "lsabench" + uuid.uuid4().hex[:8]
    with tempfile.TemporaryDirectory() as tmp, scratch_postgres("lsa_bench") as db_url:
        running = Cluster(replicas=replicas, port=free_port(), widget_port=None, tracker_db_url=db_url,
                          lock_store_url=redis_url(), lock_prefix=prefix, log_dir=Path(tmp) / "logs")
        running.start()
        try:
            yield running
        finally:
            running.stop()
            clean_redis(prefix)


def redis_url() -> str:
    """The benchmark's own Redis database (BENCH_REDIS_URL, default db 12)."""
    return os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")


def clean_redis(prefix: Optional[str]) -> None:
    if not prefix:
        return
    import redis

    client = redis.Redis.from_url(redis_url())
    keys = client.keys(f"{prefix}:*")
    if keys:
        client.delete(*keys)


# ---- profile --------------------------------------------------------------------------------------

CATEGORIES = [  # (label, any of these in a frame's file or function)
    ("action server call (client side: request, JSON)", ("rasa/core/actions/action.py:run", "aiohttp", "rasa/utils/endpoints.py")),
    ("tracker store: load and save (SQL, events from JSON)", ("rasa/core/tracker_store.py",)),
    ("NLU: TensorFlow (DIET, ResponseSelector)", ("tensorflow", "keras")),
    ("NLU: featurizers and spaCy", ("rasa/nlu/featurizers", "spacy", "rasa/nlu/utils/spacy_utils", "rasa/nlu/tokenizers")),
    ("NLU: other components", ("rasa/nlu/", "nlu_components/")),
    ("policies (rules, memoization, TED)", ("rasa/core/policies", "rasa/core/featurizers")),
    ("tracker: events, states, serialisation", ("rasa/shared/core/trackers.py", "rasa/shared/core/events.py",
                                                 "rasa/shared/core/domain.py", "rasa/shared/core/slots.py")),
    ("graph runner and processor", ("rasa/engine", "rasa/core/processor.py", "rasa/core/agent.py")),
    ("HTTP server (Sanic), channel, lock store", ("sanic", "channels/rest.py", "rasa/core/channels", "lock_store", "redis")),
]


def summarise_profile(raw: Path, top: int = 12) -> List[str]:
    """py-spy's collapsed stacks ("frame;frame;... count") as shares of the busy time per category
    and per function. Samples in the event loop's own C code (waiting for I/O) count as idle."""
    samples: Counter = Counter()
    inclusive: Counter = Counter()
    own: Counter = Counter()
    total = idle = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        total += n
        frames = stack.split(";")
        if _short(frames[-1]).endswith("sanic/server/runners.py:serve"):
            idle += n
            continue
        # The innermost frame that belongs to a category names the sample's category.
        label = next((name for f in reversed(frames) for name, marks in CATEGORIES if any(m in f for m in marks)),
                     "other")
        samples[label] += n
        for name in {_short(f) for f in frames}:
            inclusive[name] += n
        own[_short(frames[-1])] += n
    busy = total - idle
    if not busy:
        return ["(no samples)"]
    lines = [f"{total} samples, {idle / total:.0%} of them idle (waiting for I/O); shares of the busy time:", "",
             "| where | share |", "| --- | ---: |"]
    lines += [f"| {name} | {n / busy:.0%} |" for name, n in samples.most_common()]
    lines += ["", "Functions by inclusive share (project and Rasa code):", ""]
    interesting = [(name, n) for name, n in inclusive.most_common() if n < 0.7 * busy and any(
        k in name for k in ("rasa/", "actions/", "channels/", "stores/", "nlu_components/", "sqlalchemy"))]
    lines += [f"- {n / busy:.0%} {name}" for name, n in interesting[:top]]
    lines += ["", "Functions by own time:", ""]
    lines += [f"- {n / busy:.0%} {name}" for name, n in own.most_common(top)]
    return lines


def _short(frame: str) -> str:
    """'function (path/to/site-packages/pkg/file.py:123)' as 'pkg/file.py:function'."""
    function, _, where = frame.partition(" (")
    path = where.rstrip(")").rsplit(":", 1)[0]
    for marker in ("site-packages/", str(PROJECT) + "/"):
        if marker in path:
            path = path.split(marker, 1)[1]
    return f"{path}:{function}"


def profile(servers: Servers, students: int, seconds: float, questions: List[str], out: Path) -> Dict[str, Path]:
    py_spy = os.environ.get("PY_SPY") or shutil.which("py-spy") or "/tmp/tools/bin/py-spy"
    if not Path(py_spy).exists():
        raise SystemExit("--profile needs py-spy: python3 -m venv /tmp/tools && /tmp/tools/bin/pip install py-spy")
    out.mkdir(parents=True, exist_ok=True)
    recorders, files = [], {}
    for name in ("rasa", "actions"):
        files[name] = out / f"profile-{name}.txt"
        recorders.append(subprocess.Popen(
            [py_spy, "record", "--nonblocking", "--format", "raw", "--rate", "200", "--duration", str(int(seconds)),
             "--output", str(files[name]), "--pid", str(servers.processes[name].pid)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    time.sleep(1.0)
    result = asyncio.run(measure(f"{servers.rasa_url}", students, seconds - 2, questions))
    for recorder in recorders:
        recorder.wait(timeout=seconds + 60)
    print(f"(while profiled: {result['msg_s']:.1f} msg/s, p95 {result['p95']:.0f} ms)")
    return files


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--setups", default="single,cluster", help="single, single-pg, cluster")
    parser.add_argument("--levels", default="1,8,16,32")
    parser.add_argument("--seconds", type=float, default=20.0, help="per level (bounded)")
    parser.add_argument("--replicas", type=int, default=2)
    parser.add_argument("--profile", type=int, default=0, help="students while profiling the single server")
    parser.add_argument("--project", type=Path, default=PROJECT,
                        help="run the single server from another checkout (a before/after comparison)")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                        help="extra environment for the single server (e.g. SANIC_WORKERS=2)")
    args = parser.parse_args(argv)
    levels = [int(n) for n in args.levels.split(",")]
    if not 1 <= args.seconds <= 120 or any(not 1 <= n <= 64 for n in levels):
        parser.error("levels 1..64 students, 1..120 seconds each")
    questions = texts()
    cpu_ms: Dict[tuple, Dict[str, float]] = {}
    print("| set-up | students | messages | msg/s | p50 ms | p95 ms | p99 ms | errors | load before |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    for setup in args.setups.split(","):
        if setup == "cluster":
            context, label = cluster(args.replicas), f"cluster, {args.replicas} replicas"
        elif setup in ("single", "single-pg"):
            extra = dict(item.split("=", 1) for item in args.env)
            context = single(postgres=setup == "single-pg", project=args.project.resolve(), env_extra=extra)
            label = "one server (SQLite)" if setup == "single" else "one server (PostgreSQL, Redis)"
            if args.project.resolve() != PROJECT:
                label += f", {args.project.name}"
            if extra:
                label += ", " + " ".join(args.env)
        else:
            parser.error(f"unknown set-up {setup!r}")
        with context as running:
            url = running.url if setup == "cluster" else running.rasa_url
            asyncio.run(warm_up(url, questions))
            pids = server_pids(running)
            for students in levels:
                load = load_average()
                before = {name: cpu_seconds(pid) for name, pid in pids.items()}
                r = asyncio.run(measure(url, students, args.seconds, questions))
                cpu = {name: (cpu_seconds(pid) - before[name]) * 1000 / max(1, r["messages"])
                       for name, pid in pids.items()}
                cpu_ms[(label, students)] = cpu
                kinds = f" {r['error_kinds']}" if r["errors"] else ""
                print(f"| {label} | {students} | {r['messages']} | {r['msg_s']:.1f} | {r['p50']:.0f} | "
                      f"{r['p95']:.0f} | {r['p99']:.0f} | {r['errors']}{kinds} | {load} |", flush=True)
            if args.profile and setup.startswith("single"):
                files = profile(running, args.profile, 20.0, questions, PROJECT / "results")
                for name, path in files.items():
                    print(f"\nProfile of the {name} process ({args.profile} students, {path}):\n")
                    print("\n".join(summarise_profile(path)))
    print("\nCPU time per answered message (ms), by process:\n")
    for (label, students), cpu in cpu_ms.items():
        parts = ", ".join(f"{name} {ms:.1f}" for name, ms in cpu.items() if ms >= 0.05)
        print(f"- {label}, {students} students: {parts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
