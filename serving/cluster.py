"""Several Rasa replicas on one machine behind HAProxy: `make cluster`, the cluster tests, the benchmark.

Each replica is a `serving.launcher.Servers` (a Rasa server and its own action server) on free
loopback ports; all of them keep conversations in one PostgreSQL database (TRACKER_DB_URL) and lock
them in one Redis (LOCK_STORE_URL, stores/lock_store.py). HAProxy (Debian's package, installed by
scripts/install-haproxy.sh) listens on CLUSTER_PORT and sends every message of a conversation to
the same replica: it hashes the "sender" of the REST body (`balance hash` on
`req.body,json_query('$.sender')`, consistent hashing, so a replica going down or up moves only its
own conversations). The lock store stays correct when a conversation's messages do reach two
replicas (while a replica goes down or comes back, or when a client talks to replicas directly).
A replica that stops answering health checks gets no new messages; a message it was handling gets
a JSON 502 that the widget resends (channels/rest.py makes a resend harmless).

Environment (defaults): CLUSTER_REPLICAS (2), CLUSTER_PORT (8080), CLUSTER_HOST (127.0.0.1),
CLUSTER_WIDGET_PORT (8081; 0: no widget page), TRACKER_DB_URL
(postgresql://postgres@127.0.0.1:5432/lumc_cluster, created when missing), LOCK_STORE_URL
(redis://127.0.0.1:6379/1), LOCK_STORE_PREFIX (none), RASA_MODEL, RASA_TOKEN, HAPROXY
(/usr/sbin/haproxy), SANIC_WORKERS (1 per replica). The replicas' HTTP API needs the token, as with
`make run`; through the load balancer `PUT`/`DELETE /model` are refused (swap models by restarting
replicas one at a time, docs/deploy.md).
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

from sqlalchemy.engine import make_url

from serving.launcher import PROJECT, VAR, Servers, api_token, free_port, send_message, wait_until
from stores.db_url import ensure_database, masked
from stores.lock_store import _masked as masked_redis

DEFAULT_DB_URL = "postgresql://postgres@127.0.0.1:5432/lumc_cluster"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/1"
ERROR_MESSAGES = {
    502: "The assistant lost this message on its way (a server stopped). Please send it again.",
    503: "The assistant is not available right now. Please try again in a moment.",
    504: "The assistant took too long to answer. Please send your message again.",
}


def haproxy_binary() -> str:
    found = os.environ.get("HAPROXY") or shutil.which("haproxy") or "/usr/sbin/haproxy"
    if not Path(found).exists():
        raise RuntimeError("HAProxy is not installed: run `bash scripts/install-haproxy.sh` (or `make cluster`).")
    return found


def _error_file(status: int, reason: str, message: str) -> str:
    body = '{"error": "%s"}' % message
    return (f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nCache-Control: no-cache\r\n"
            f"Connection: close\r\nContent-Length: {len(body)}\r\n\r\n{body}")


def haproxy_stats(sock_path: Path) -> List[Dict[str, str]]:
    """HAProxy's `show stat` rows (one per frontend, backend and replica), from its socket."""
    with socket.socket(socket.AF_UNIX) as sock:
        sock.settimeout(5)
        sock.connect(str(sock_path))
        sock.sendall(b"show stat\n")
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    return list(csv.DictReader(io.StringIO(data.decode().lstrip("# "))))


def haproxy_config(bind_host: str, port: int, replicas: List[Servers], origins: List[str], conf_dir: Path) -> str:
    """The HAProxy configuration for these replicas (errors as JSON the widget can show)."""
    conf_dir.mkdir(parents=True, exist_ok=True)
    reasons = {502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}
    for status, message in ERROR_MESSAGES.items():
        (conf_dir / f"{status}.http").write_text(_error_file(status, reasons[status], message))
    servers = "\n".join(
        f"    server replica{i + 1} 127.0.0.1:{r.rasa_port}" for i, r in enumerate(replicas))
    allowed = " ".join(origins) or "none"
    errors = "\n".join(f"    errorfile {s} {conf_dir / f'{s}.http'}" for s in ERROR_MESSAGES)
    return f"""# Written by serving/cluster.py; see docs/deploy.md.
global
    maxconn 4096
    log stdout format raw local0 info
    stats socket {conf_dir / "haproxy.sock"} mode 600 level operator

defaults
    mode http
    log global
    # Only errors are logged, and never the query string (the API token travels in it).
    option dontlog-normal
    log-format "%ci:%cp [%tr] %ft %b/%s %TR/%Tw/%Tc/%Tr/%Ta %ST %B %tsc %ac/%fc/%bc/%sc/%rc %sq/%bq %HM %HPO"
    timeout connect 2s
    timeout client 75s
    timeout server 70s
    timeout http-request 15s
    timeout queue 30s
    # A connection refused is safe to try on another replica: nothing was sent.
    retries 2
    option redispatch 1
{errors}

frontend assistant
    bind {bind_host}:{port}
    # The body must be read before the sender in it can choose the replica.
    option http-buffer-request
    http-request set-var(txn.origin) req.hdr(origin)
    # One model per replica: a model swapped through the balancer would reach one replica only.
    http-request deny deny_status 403 if {{ path /model }} {{ method PUT DELETE }}
    # The balancer's own error pages must be readable by the widget's page (CORS).
    acl allowed_origin var(txn.origin) -m str {allowed}
    http-after-response set-header Access-Control-Allow-Origin %[var(txn.origin)] if allowed_origin {{ status ge 500 }}
    default_backend replicas

backend replicas
    # Every message of a conversation to one replica; no sender (GET, OPTIONS): round robin.
    balance hash req.body,json_query('$.sender')
    hash-type consistent
    # ... unless that replica has 50% more messages in hand than the average: then the next one on
    # the ring takes it (bounded-load hashing; the lock store keeps such a conversation correct).
    hash-balance-factor 150
    option httpchk GET /
    http-check expect status 200
    default-server check inter 1s fall 2 rise 2
{servers}
"""


@dataclass
class Cluster:
    replicas: int = 2
    port: int = 8080
    host: str = "127.0.0.1"
    widget_port: Optional[int] = 8081
    tracker_db_url: str = DEFAULT_DB_URL
    lock_store_url: str = DEFAULT_REDIS_URL
    lock_prefix: str = ""
    model: Path = PROJECT / "models" / "lumc.tar.gz"
    log_dir: Path = VAR / "logs" / "cluster"
    env: Dict[str, str] = field(default_factory=dict)
    token: str = ""
    members: List[Servers] = field(default_factory=list)
    front: Optional[Servers] = None

    @classmethod
    def from_environment(cls) -> "Cluster":
        replicas = int(os.environ.get("CLUSTER_REPLICAS", "2"))
        if not 1 <= replicas <= 16:
            raise ValueError("CLUSTER_REPLICAS must be between 1 and 16")
        widget_port = int(os.environ.get("CLUSTER_WIDGET_PORT", "8081")) or None
        return cls(
            replicas=replicas,
            port=int(os.environ.get("CLUSTER_PORT", "8080")),
            host=os.environ.get("CLUSTER_HOST", "127.0.0.1"),
            widget_port=widget_port,
            tracker_db_url=os.environ.get("TRACKER_DB_URL") or DEFAULT_DB_URL,
            lock_store_url=os.environ.get("LOCK_STORE_URL") or DEFAULT_REDIS_URL,
            lock_prefix=os.environ.get("LOCK_STORE_PREFIX", ""),
            model=Path(os.environ.get("RASA_MODEL", PROJECT / "models" / "lumc.tar.gz")),
        )

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def widget_url(self) -> Optional[str]:
        return f"http://{self.host}:{self.widget_port}/" if self.widget_port else None

    @property
    def origins(self) -> List[str]:
        if not self.widget_port:
            return []
        return [f"http://127.0.0.1:{self.widget_port}", f"http://localhost:{self.widget_port}"] + (
            [f"http://{self.host}:{self.widget_port}"] if self.host not in ("127.0.0.1", "localhost") else [])

    def check_settings(self) -> None:
        """Clear errors for settings several replicas cannot work with."""
        if make_url(self.tracker_db_url).get_backend_name() != "postgresql":
            raise ValueError("TRACKER_DB_URL must be a postgresql:// URL for several replicas "
                             f"(got {masked(self.tracker_db_url)})")
        if not self.lock_store_url.startswith(("redis://", "rediss://")):
            raise ValueError("LOCK_STORE_URL must be a redis:// URL for several replicas")
        if not self.model.exists():
            raise FileNotFoundError(f"No trained model at {self.model}: run `make train` first.")

    def start(self, timeout: float = 300.0) -> "Cluster":
        try:
            return self._start(timeout)
        except BaseException:
            self.stop()
            raise

    def _start(self, timeout: float) -> "Cluster":
        self.check_settings()
        haproxy = haproxy_binary()
        ensure_database(self.tracker_db_url)
        self.token = self.token or api_token()
        env = {"TRACKER_DB_URL": self.tracker_db_url, "LOCK_STORE_URL": self.lock_store_url,
               **({"LOCK_STORE_PREFIX": self.lock_prefix} if self.lock_prefix else {}), **self.env}
        deadline = time.monotonic() + timeout
        self.members = [
            Servers(rasa_port=free_port(), action_port=free_port(), widget_port=None, model=self.model,
                    cors_origins=self.origins, log_dir=self.log_dir / f"replica{i + 1}", env=env,
                    token=self.token)
            for i in range(self.replicas)]
        for member in self.members:  # all load their model at once
            member.launch()
        self.front = Servers(host=self.host, widget_port=self.widget_port, log_dir=self.log_dir, token=self.token)
        config = self.log_dir / "haproxy" / "haproxy.cfg"
        config.write_text(haproxy_config(self.host, self.port, self.members, self.origins, self.log_dir / "haproxy"))
        check = subprocess.run([haproxy, "-c", "-q", "-f", str(config)], capture_output=True, text=True)
        if check.returncode != 0:
            raise RuntimeError(f"HAProxy refused {config}: {check.stdout}{check.stderr}")
        if self.widget_port:
            self.front.launch_widget(self.url)
        for member in self.members:
            member.wait_ready(deadline)
        self.front._spawn("haproxy", [haproxy, "-db", "-f", str(config)], self.front.base_env())
        self.front.wait_ready(deadline)
        wait_until(f"{self.url}/", deadline, self.front.processes["haproxy"], "load balancer")
        self.wait_for_states(["UP"] * self.replicas, deadline)
        return self

    def stats(self) -> List[Dict[str, str]]:
        return haproxy_stats(self.log_dir / "haproxy" / "haproxy.sock")

    def replica_states(self) -> List[str]:
        """Each replica's state as HAProxy's health checks see it ("UP", "DOWN", ...)."""
        states = {row["svname"]: row["status"].split()[0] for row in self.stats()}
        return [states.get(f"replica{i + 1}", "?") for i in range(len(self.members))]

    def wait_for_states(self, wanted: List[str], deadline: float) -> None:
        while True:
            states = self.replica_states()
            if states == wanted:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"replicas are {states}, not {wanted}")
            time.sleep(0.2)

    def stop(self) -> None:
        for group in ([self.front] if self.front else []) + self.members:
            group.stop()

    def kill_replica(self, index: int) -> None:
        """SIGKILL to replica `index`'s Rasa server and action server, as when its machine dies."""
        for process in self.members[index].processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
        for process in self.members[index].processes.values():
            process.wait()

    def send(self, sender: str, message: str) -> List[dict]:
        return send_message(self.url, sender, message)


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


def main() -> int:
    try:
        cluster = Cluster.from_environment()
        cluster.check_settings()
        haproxy_binary()
    except (ValueError, FileNotFoundError, RuntimeError) as error:
        print(f"Could not start: {error}", file=sys.stderr)
        return 1
    print(f"Starting {cluster.replicas} Rasa replicas with their action servers, HAProxy and the widget page")
    print(f"  conversations: {masked(cluster.tracker_db_url)}; locks: {masked_redis(cluster.lock_store_url)}")
    print(f"  logs in {cluster.log_dir.relative_to(PROJECT) if cluster.log_dir.is_relative_to(PROJECT) else cluster.log_dir}/ ...")
    started = time.monotonic()
    try:
        cluster.start()
    except Exception as error:
        cluster.stop()
        print(f"Could not start: {error}", file=sys.stderr)
        return 1
    print(f"Ready in {time.monotonic() - started:.0f} s.")
    print(f"  Load balancer (REST channel): {cluster.url}/webhooks/rest/webhook")
    for i, member in enumerate(cluster.members):
        print(f"  replica {i + 1}: Rasa {member.rasa_url}, actions http://127.0.0.1:{member.action_port}")
    print("  Rasa HTTP API token: in var/rasa-token (or RASA_TOKEN)")
    if cluster.widget_url:
        print(f"  Open the chat widget demo page: {cluster.widget_url}")
    print("Press Ctrl-C to stop.")
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, _interrupt)  # also when started with SIGINT ignored (in the background)
    reported = set()
    try:
        while cluster.front.processes["haproxy"].poll() is None:
            for i, member in enumerate(cluster.members):
                if i not in reported and any(p.poll() is not None for p in member.processes.values()):
                    reported.add(i)
                    print(f"Replica {i + 1} stopped; the others go on (see its log in {member.log_dir}).",
                          file=sys.stderr)
            if len(reported) == len(cluster.members):
                print("Every replica has stopped.", file=sys.stderr)
                return 1
            time.sleep(1)
        print("The load balancer stopped unexpectedly; see its log.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("Stopping ...")
        return 0
    finally:
        cluster.stop()


if __name__ == "__main__":
    sys.exit(main())
