"""`rasa ...` with the HTTP API token taken from the environment instead of the command line.

Rasa 3.6 reads its API token only from ``--auth-token``, and a process's command line is readable
by every local user (``ps aux``). This runs Rasa's own command-line entry point with the token from
``RASA_AUTH_TOKEN`` appended to its arguments inside the process, so the token never appears in
the command line the operating system shows:

    RASA_AUTH_TOKEN=... python -m serving.rasa_server run --enable-api --port 5005 ...

The variable is removed from the environment before Rasa starts (child processes do not inherit
it); a process's environment, unlike its command line, is readable by its owner only.

It also bounds how long OpenMP's idle threads spin before they sleep (``GOMP_SPINCOUNT``, unless
already set), which the OpenMP runtime reads once, when scikit-learn's import loads it, so it is set
before Rasa is imported. With it the sentence embedding serves each message on every core
(nlu_components/sentence_embeddings.py, `serving_threads`): p50 17.8 -> 9.4 ms on two idle cores,
and 25.5 -> 21.5 ms with both cores busy, where unbounded spinning took p95 to 180 ms
(docs/benchmarks.md, "Eighteenth session").
"""

from __future__ import annotations

import os
import sys
from typing import List, Optional

ENV_VAR = "RASA_AUTH_TOKEN"
# Spins of an idle OpenMP thread before it sleeps: 1,000 woke too late (14.3 ms), 100,000 and the
# runtime's default 300,000 too long (the default starves a busy machine).
SPIN_COUNT = "10000"


def arguments(argv: List[str], token: Optional[str]) -> List[str]:
    """Rasa's arguments with ``--auth-token`` added; refuses a token given on the command line.

    The token is joined to its option (``--auth-token=...``): a random URL-safe token starts with
    "-" one time in 64, and argparse reads a separate "-..." argument as another option."""
    if any(arg in ("-t", "--auth-token") or arg.startswith("--auth-token=") for arg in argv):
        raise SystemExit(f"Give the token in {ENV_VAR}, not on the command line.")
    if "--enable-api" in argv and not token:
        raise SystemExit(f"--enable-api needs a token in {ENV_VAR}.")
    return [*argv, f"--auth-token={token}"] if token else list(argv)


def main() -> None:
    token = os.environ.pop(ENV_VAR, None)
    os.environ.setdefault("GOMP_SPINCOUNT", SPIN_COUNT)
    sys.argv = ["rasa", *arguments(sys.argv[1:], token)]
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
