"""CSV and JSONL renderings of exported review rows.

CSV cells that a spreadsheet would run as a formula (starting with = + - @,
tab or carriage return) get a leading apostrophe: student text is untrusted.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Iterable, List

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def to_csv(rows: Iterable[dict], fields: List[str]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(fields)
    for row in rows:
        writer.writerow([neutralise(row.get(name)) for name in fields])
    return out.getvalue()


def to_jsonl(rows: Iterable[dict]) -> str:
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
