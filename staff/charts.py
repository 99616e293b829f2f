"""Small bar charts as inline SVG, drawn on the server (no JavaScript).

Labels go through Jinja2's escaping like every other value: the templates
build the SVG from the numbers computed here.
"""

from __future__ import annotations

from typing import List, Sequence, Tuple


def columns(values: Sequence[Tuple[str, float]], width: int = 720, height: int = 160) -> dict:
    """Geometry for a vertical bar chart of (label, value) pairs."""
    peak = max([v for _, v in values] or [0]) or 1
    n = max(len(values), 1)
    slot = width / n
    bars = []
    for i, (label, value) in enumerate(values):
        h = round((value / peak) * (height - 20), 1)
        bars.append({"x": round(i * slot + slot * 0.1, 1), "y": round(height - h, 1),
                     "w": round(max(slot * 0.8, 1), 1), "h": h, "label": label, "value": value})
    return {"width": width, "height": height, "bars": bars, "peak": peak}


def rows(values: Sequence[Tuple[str, float]], width: int = 420, bar_h: int = 18) -> dict:
    """Geometry for a horizontal bar chart (label left, bar right)."""
    peak = max([v for _, v in values] or [0]) or 1
    label_w = 190
    out: List[dict] = []
    for i, (label, value) in enumerate(values):
        out.append({"y": i * (bar_h + 6), "w": round((value / peak) * (width - label_w - 50), 1),
                    "label": label, "value": value})
    return {"width": width, "height": max(len(values), 1) * (bar_h + 6), "label_w": label_w,
            "bar_h": bar_h, "bars": out}
