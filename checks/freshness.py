"""Freshness of the knowledge base: every fact has an as-of and a review-by date, and staff hear
about facts past their review-by day.

A fact without a review date can go out of date without anyone noticing, so that is an error (CI
fails on it through tests/data/test_freshness.py); a fact past its review-by day is a warning
(`make check` prints it, the staff page lists it, and answers built from it say how old it is).
A fact marked `stale: true` is known to be out of date and its answers already say "as of ...":
it is listed once as known-stale information, never as a warning, so that a clean run stays quiet
and a new warning stands out.

  python -m checks.freshness [--today 2027-07-01]    # exit 1 only when a date is missing or malformed
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import List, Optional, Tuple

from actions.knowledge_base import KnowledgeBase, today_in_leiden

PROJECT = Path(__file__).resolve().parent.parent


def check(root: Path = PROJECT, today: Optional[dt.date] = None) -> Tuple[List[str], List[str]]:
    """(errors, warnings): facts without valid dates, and facts not marked stale past their review-by day."""
    day = today or today_in_leiden()
    kb = KnowledgeBase(root / "knowledge", today=lambda: day)
    errors = kb.freshness_problems()
    warnings = []
    for record in kb.overdue_facts(day):
        if record.review_by is None or record.data.get("stale"):
            continue  # already an error, or known to be stale (see known_stale)
        late = (day - record.review_by).days
        section = record.data.get("section", "")
        warnings.append(f"{record.id} ({section}, as of {record.data.get('as_of')}) was due for review on "
                        f"{record.review_by.isoformat()}, {late} day{'s' if late != 1 else ''} ago: check it "
                        f"against the source and move review_by forward")
    return errors, warnings


def known_stale(root: Path = PROJECT) -> List[str]:
    """Facts marked `stale: true`: known to be out of date, and their answers say as of when."""
    kb = KnowledgeBase(root / "knowledge")
    return [f"{record.id} ({record.data.get('section', '')}): answers say \"as of {record.data.get('as_of')}\""
            for record in kb.fact_records() if record.data.get("stale")]


def parse_day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f'"{text}" is not a day: write it like 2027-07-01') from None


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m checks.freshness", description=__doc__.splitlines()[0])
    parser.add_argument("--today", type=parse_day, help="check as if it were this day (YYYY-MM-DD)")
    args = parser.parse_args(argv)
    errors, warnings = check(PROJECT, args.today)
    for line in errors:
        print(f"ERROR {line}")
    for line in warnings:
        print(f"WARNING {line}")
    for line in known_stale(PROJECT):
        print(f"known stale: {line}")
    if not errors and not warnings:
        print("Every fact has its dates and none is past its review-by day.")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
