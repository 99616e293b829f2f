"""`make check`, step 5: Rasa's own data validation, quiet when all is well.

`rasa data validate --fail-on-warnings` prints a page of log lines and a few warnings that are true
of this project by design. A trainer cannot tell those from a new problem, so this runs it, keeps
its exit code, and shows only what is not listed below (each with why it is expected). Anything
else Rasa says as a warning or error is printed in full; `--verbose` prints everything.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Optional

from trainer.project import PROJECT

# Rasa's warnings that hold by design: the text Rasa prints -> why it is not a problem.
EXPECTED: Dict[str, str] = {
    "The following duplicated intents have been found across multiple domain files: faq":
        "Rasa reads the retrieval intent faq both from domain.yml and from its answers "
        "(data/responses/faq.yml); it is one intent",
    "The utterance 'utter_decline' is not used in any story or rule.":
        "the custom action action_answer says it (actions/answer_action.py)",
    "The utterance 'utter_not_covered' is not used in any story or rule.":
        "the custom action action_answer says it (actions/answer_action.py)",
    "The utterance 'utter_faq' is not used in any story or rule.":
        "the FAQ rule answers with action_answer, which picks the utter_faq/<key> answer",
}
ANSI = re.compile(r"\x1b\[[0-9;]*m")
# Python's warning lines: "path:line: Category: text", then the source line and any more text.
WARNING = re.compile(r"^\S+:\d+: (?P<category>\w*Warning): (?P<text>.*)$")
LOG = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d (?P<level>[A-Z]+) ")
# Libraries' deprecation notices speak of Python packages, never of the training data.
LIBRARY_NOTICES = ("DeprecationWarning", "PendingDeprecationWarning")


def unexpected(output: str) -> List[str]:
    """What Rasa's output says besides its progress log, the expected warnings and libraries' notices."""
    found, skipping = [], False
    for line in ANSI.sub("", output).splitlines():
        warning, log = WARNING.search(line), LOG.search(line)
        if warning:
            text = warning.group("text").strip()
            skipping = warning.group("category") in LIBRARY_NOTICES or text in EXPECTED
            if not skipping:
                found.append(f"WARNING {text}")
        elif log:
            skipping = log.group("level") in ("INFO", "DEBUG")
            if not skipping:
                found.append(line.rstrip())
        elif line.strip() and not skipping:
            found.append(line.rstrip())
    return found


def run(root: Path, verbose: bool = False) -> int:
    env = dict(os.environ, PYTHONWARNINGS="ignore::DeprecationWarning",
               SQLALCHEMY_SILENCE_UBER_WARNING="1", RASA_TELEMETRY_ENABLED="false")
    rasa = Path(sys.executable).with_name("rasa")
    completed = subprocess.run([str(rasa), "data", "validate", "--fail-on-warnings"], cwd=root, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if verbose:
        print(completed.stdout)
    lines = unexpected(completed.stdout)
    ok = completed.returncode == 0 and not any(line.startswith("WARNING") for line in lines)
    print("5. Rasa's data validation:", "ok" if ok else "problems (Rasa's own words below)")
    for line in lines if not ok else []:
        print(f"   {line}")
    return completed.returncode


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m trainer.validate", description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, default=PROJECT, help=argparse.SUPPRESS)
    parser.add_argument("--verbose", action="store_true", help="print all of Rasa's output")
    args = parser.parse_args(argv)
    return run(args.project.resolve(), args.verbose)


if __name__ == "__main__":
    sys.exit(main())
