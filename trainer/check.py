"""`make check`: the fast checks a trainer runs before training (no model needed).

1. YAML syntax of data/, domain.yml, config.yml and knowledge/, with file and line numbers;
2. the project's consistency rules (checks/consistency.py);
3. near-duplicate examples across intents (difflib ratio >= 0.9 after normalisation), as warnings:
   the bot cannot reliably tell such questions apart, so one of them usually belongs elsewhere; and
   examples added since the last commit that come close (>= 0.75) to another intent's, not_covered
   and out_of_scope included: the new ones may take those questions over;
4. fact freshness (checks/freshness.py): a fact without an as-of or review-by date is an error, a
   fact past its review-by day a warning (`--today YYYY-MM-DD` checks as if it were that day);
   facts marked `stale: true` are listed once as known stale, not as warnings.
`rasa data validate --fail-on-warnings` runs after this (Makefile), only when these pass.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import List, Optional

from checks import consistency, freshness
from trainer import examples as ex
from trainer.project import PROJECT, syntax_problems

SYNTAX_LOCATIONS = ("data", "domain.yml", "config.yml", "knowledge")


def run(root: Path, today: Optional[dt.date] = None) -> int:
    problems = syntax_problems(root, SYNTAX_LOCATIONS)
    print("1. YAML syntax:", "ok" if not problems else f"{len(problems)} broken file(s)")
    for problem in problems:
        print(f"   ERROR {problem}")
    if problems:
        print("Fix the YAML first (the line number is where the parser got stuck; the mistake is often "
              "on the line before: indentation, a missing '- ' or an unquoted ':').")
        return 1
    problems = consistency.check(root)
    print("2. Consistency rules:", "ok" if not problems else f"{len(problems)} problem(s)")
    for problem in problems:
        print(f"   ERROR {problem}")
    examples = ex.all_examples(root)
    close = ex.near_duplicates(examples)
    print("3. Near-duplicate examples across intents:", "none" if not close else f"{len(close)} warning(s)")
    for ratio, intent_a, text_a, intent_b, text_b in close:
        print(f'   WARNING {ratio:.2f} "{text_a}" ({intent_a})  ~  "{text_b}" ({intent_b})')
    print_near_repeats(ex.near_repeats(examples, ex.uncommitted_examples(root)), "   ")
    return max(1 if problems else 0, check_freshness(root, today))


def print_near_repeats(pairs, indent: str = "") -> None:
    """New examples close to another intent's: after training, the new ones may take those questions."""
    if not pairs:
        return
    print(f"{indent}New examples (since the last commit) close to examples of other intents: {len(pairs)} warning(s)")
    for ratio, intent, text, other, other_text in pairs:
        print(f'{indent}WARNING {ratio:.2f} new "{text}" ({intent})  ~  "{other_text}" ({other})')
    print(f"{indent}After training, ask the assistant those other questions: they must still get their own answer "
          f"(not_covered and out_of_scope ones must still be declined). Reword the new example if not.")


def check_freshness(root: Path, today: Optional[dt.date]) -> int:
    """Step 4: missing review dates fail; facts past their review-by day are warnings, unless they
    are marked stale (their answers say so already): those are listed once, as information."""
    errors, warnings = freshness.check(root, today)
    print("4. Fact freshness:", "ok" if not errors and not warnings else
          f"{len(errors)} problem(s), {len(warnings)} fact(s) past their review-by day")
    for line in errors:
        print(f"   ERROR {line}")
    for line in warnings:
        print(f"   WARNING {line}")
    stale = freshness.known_stale(root)
    if stale:
        print(f"   Known to be out of date (marked stale: true; nothing to do until the source changes): "
              f"{len(stale)}")
        for line in stale:
            print(f"     {line}")
    return 1 if errors else 0


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m trainer.check", description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, default=PROJECT, help=argparse.SUPPRESS)
    parser.add_argument("--today", type=freshness.parse_day, help="judge review-by dates as if it were this day")
    args = parser.parse_args(argv)
    return run(args.project.resolve(), args.today)


if __name__ == "__main__":
    sys.exit(main())
