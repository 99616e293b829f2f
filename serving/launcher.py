"""Starts the action server, the Rasa server and the widget page together, and waits until they answer.

`make run` calls this module; the end-to-end tests and the benchmarks use the same `Servers` class,
so what is tested is what students get. Everything is configured from the environment:

  RASA_HOST (127.0.0.1), RASA_PORT (5005), ACTION_PORT (5055), WIDGET_PORT (8000),
  RASA_MODEL (models/lumc.tar.gz), RASA_TOKEN (generated into var/rasa-token when unset),
  CORS_ORIGINS (the widget's origin), RASA_ENDPOINTS (endpoints.yml).

The Rasa HTTP API is only ever enabled together with a token, which reaches Rasa through the
environment (serving/rasa_server.py), not the command line; the action server listens on 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Set

import yaml

from stores.private_files import private_dir, write_private

PROJECT = Path(__file__).resolve().parent.parent
VAR = PROJECT / "var"
BIN = Path(sys.executable).parent
# The action server is called only by the Rasa server on the same machine.
ACTION_HOST = "127.0.0.1"


def _die_with_parent() -> None:
    """Runs in each child before exec: Linux sends it SIGTERM when the launcher dies, however it
    dies, so no server outlives `make run` or a test session."""
    import ctypes

    PR_SET_PDEATHSIG = 1
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except OSError:
        pass  # not Linux: stop() still ends the servers on a normal exit


_HANDED_OUT: Set[int] = set()


def free_port() -> int:
    """A port nothing listens on now, never the same one twice in this process: two calls in a row
    may otherwise both get a port back before either is bound (a test then fails "address in use")."""
    while True:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        if port not in _HANDED_OUT:
            _HANDED_OUT.add(port)
            return port


def api_token() -> str:
    """RASA_TOKEN, or a random token kept in var/rasa-token (readable by the owner only)."""
    token = os.environ.get("RASA_TOKEN")
    if token:
        return token
    path = VAR / "rasa-token"
    if not path.exists():
        write_private(path, secrets.token_urlsafe(32))
    return path.read_text().strip()


def endpoints_for(action_url: str, base: Path, target: Path) -> Path:
    """A copy of endpoints.yml whose action endpoint is `action_url` (ports come from the environment)."""
    config = yaml.safe_load(base.read_text()) or {}
    config.setdefault("action_endpoint", {})["url"] = action_url
    private_dir(target.parent)
    target.write_text(yaml.safe_dump(config, sort_keys=False))
    return target


def send_message(rasa_url: str, sender: str, message: str) -> List[dict]:
    """One message over the REST channel, as the widget sends it; the bot's replies."""
    request = urllib.request.Request(
        f"{rasa_url}/webhooks/rest/webhook",
        data=json.dumps({"sender": sender, "message": message}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as reply:
        return json.loads(reply.read())


def spawn(name: str, command: List[str], env: Dict[str, str], cwd: Path, log_dir: Path) -> subprocess.Popen:
    """Starts `command` in its own process group, its output appended to log_dir/NAME.log."""
    private_dir(log_dir)
    with open(log_dir / f"{name}.log", "ab") as log:
        return subprocess.Popen(
            command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True, preexec_fn=_die_with_parent,
        )


def stop_all(processes: Dict[str, subprocess.Popen]) -> None:
    """SIGTERM to each process group, SIGKILL to those still there after 20 s."""
    for process in processes.values():
        if process.poll() is None:
            _signal_group(process, signal.SIGTERM)
    for process in processes.values():
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            _signal_group(process, signal.SIGKILL)
            process.wait()
    processes.clear()


def _signal_group(process: subprocess.Popen, signum: int) -> None:
    try:
        os.killpg(process.pid, signum)
    except ProcessLookupError:
        pass  # it has just gone


def wait_until(url: str, deadline: float, process: subprocess.Popen, name: str) -> None:
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with code {process.returncode}; see its log")
        try:
            with urllib.request.urlopen(url, timeout=2) as reply:
                if reply.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.25)
    raise TimeoutError(f"{name} did not answer at {url} in time")


@dataclass
class Servers:
    host: str = "127.0.0.1"
    rasa_port: int = 5005
    action_port: int = 5055
    widget_port: Optional[int] = None
    model: Path = PROJECT / "models" / "lumc.tar.gz"
    endpoints: Path = PROJECT / "endpoints.yml"
    cors_origins: List[str] = field(default_factory=list)
    log_dir: Path = VAR / "logs"
    env: Dict[str, str] = field(default_factory=dict)
    token: str = ""
    # The folder the servers run in (config-relative paths such as build/ resolve there): another
    # copy of the project, for example one a test has added an FAQ entry to.
    project: Path = PROJECT
    processes: Dict[str, subprocess.Popen] = field(default_factory=dict)

    @classmethod
    def from_environment(cls) -> "Servers":
        host = os.environ.get("RASA_HOST", "127.0.0.1")
        widget_port = int(os.environ.get("WIDGET_PORT", "8000"))
        origins = os.environ.get("CORS_ORIGINS", f"http://127.0.0.1:{widget_port} http://localhost:{widget_port}")
        return cls(
            host=host,
            rasa_port=int(os.environ.get("RASA_PORT", "5005")),
            action_port=int(os.environ.get("ACTION_PORT", "5055")),
            widget_port=widget_port,
            model=Path(os.environ.get("RASA_MODEL", PROJECT / "models" / "lumc.tar.gz")),
            endpoints=Path(os.environ.get("RASA_ENDPOINTS", PROJECT / "endpoints.yml")),
            cors_origins=origins.split(),
        )

    @property
    def rasa_url(self) -> str:
        return f"http://{self.host}:{self.rasa_port}"

    @property
    def widget_url(self) -> Optional[str]:
        return f"http://{self.host}:{self.widget_port}/" if self.widget_port else None

    def _spawn(self, name: str, command: List[str], env: Dict[str, str]) -> subprocess.Popen:
        process = spawn(name, command, env, self.project, self.log_dir)
        self.processes[name] = process
        return process

    def start(self, timeout: float = 180.0) -> "Servers":
        try:
            self.launch()
            self.wait_ready(time.monotonic() + timeout)
            return self
        except BaseException:
            self.stop()
            raise

    def base_env(self) -> Dict[str, str]:
        return {**os.environ, "PYTHONPATH": str(self.project), "RASA_TELEMETRY_ENABLED": "false",
                "TF_CPP_MIN_LOG_LEVEL": "2", "SQLALCHEMY_SILENCE_UBER_WARNING": "1", "PYTHONUNBUFFERED": "1",
                **self.env}

    def launch(self) -> None:
        """Starts the processes without waiting for them (several sets can then load at once)."""
        self.token = self.token or api_token()
        env = self.base_env()
        endpoints = endpoints_for(
            f"http://127.0.0.1:{self.action_port}/webhook", self.endpoints,
            self.log_dir / f"endpoints-{self.rasa_port}.yml",
        )
        # rasa_sdk takes the action server's address from SANIC_HOST (its default is 0.0.0.0):
        # only the Rasa server beside it calls it.
        self._spawn("actions", [str(BIN / "rasa"), "run", "actions", "--port",
                                str(self.action_port), "--actions", "actions"],
                    {**env, "SANIC_HOST": ACTION_HOST})
        # The token travels in the environment (serving/rasa_server.py), never on the command line.
        command = [sys.executable, "-m", "serving.rasa_server", "run", "--enable-api",
                   "--interface", self.host, "--port", str(self.rasa_port), "--model", str(self.model),
                   "--endpoints", str(endpoints), "--credentials", str(self.project / "credentials.yml")]
        if self.cors_origins:
            command += ["--cors", *self.cors_origins]
        self._spawn("rasa", command, {**env, "RASA_AUTH_TOKEN": self.token})
        if self.widget_port:
            self.launch_widget(self.rasa_url)

    def launch_widget(self, rasa_url: str) -> subprocess.Popen:
        """The widget demo page on `widget_port`, talking to the bot at `rasa_url`."""
        widget_env = {**self.base_env(), "WIDGET_HOST": self.host, "WIDGET_PORT": str(self.widget_port),
                      "RASA_URL": rasa_url}
        return self._spawn("widget", [sys.executable, str(self.project / "widget" / "serve.py")], widget_env)

    def wait_ready(self, deadline: float) -> None:
        """Waits until every launched process answers (raises when one exits or time runs out)."""
        if "widget" in self.processes:
            wait_until(self.widget_url, deadline, self.processes["widget"], "widget page")
        if "actions" in self.processes:
            wait_until(f"http://127.0.0.1:{self.action_port}/health", deadline, self.processes["actions"],
                       "action server")
        if "rasa" in self.processes:
            wait_until(f"{self.rasa_url}/status?token={self.token}", deadline, self.processes["rasa"],
                       "Rasa server")

    def stop(self) -> None:
        stop_all(self.processes)

    def send(self, sender: str, message: str) -> List[dict]:
        return send_message(self.rasa_url, sender, message)


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


def main() -> int:
    servers = Servers.from_environment()
    if not (PROJECT / "widget" / "serve.py").exists():
        servers.widget_port = None
    print("Starting the action server, the Rasa server and the widget page (logs in var/logs/) ...")
    started = time.monotonic()
    try:
        servers.start()
    except Exception as error:
        servers.stop()
        print(f"Could not start: {error}", file=sys.stderr)
        return 1
    print(f"Ready in {time.monotonic() - started:.0f} s.")
    print(f"  Rasa server (REST channel): {servers.rasa_url}/webhooks/rest/webhook")
    print("  Rasa HTTP API token: in var/rasa-token (or RASA_TOKEN)")
    if servers.widget_url:
        print(f"  Open the chat widget demo page: {servers.widget_url}")
    print("Press Ctrl-C to stop.")
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        while all(p.poll() is None for p in servers.processes.values()):
            time.sleep(1)
        print("A server stopped unexpectedly; see var/logs/.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        servers.stop()


if __name__ == "__main__":
    sys.exit(main())
