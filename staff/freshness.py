"""The staff page of stale facts: facts past their review-by day (or marked stale), the answers
built from them, and how often students asked for those answers in the last 30 days.

Why: a date in a YAML file warns nobody. Staff see which out-of-date facts students actually meet,
most asked first, so they check those against the source first.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional

import sqlalchemy as sa

from actions.catalogue import FACT_BY_INTENT, INTENT_OF_LABEL
from actions.knowledge_base import ENTITY_SECTIONS, FactRecord, KnowledgeBase, knowledge_base, today_in_leiden
from staff.schema import staff_turns

WINDOW_DAYS = 30
# Answers that use a fact besides the one its intent is named for (actions/answers.py).
ALSO_USED_BY: Dict[str, List[str]] = {
    "programme.yml#facts.duration": ["ask_components"],           # "Altogether the programme is ..."
    "programme.yml#facts.degree_requirement": ["ask_entry_requirements"],
    "programme.yml#facts.general_contact": ["ask_contact", "ask_human"],
    "programme.yml#language_tests_meta": ["ask_entry_requirements"],
    "study_abroad.yml#contact": ["ask_contact", "ask_human"],
}


def intents_using(kb: KnowledgeBase) -> Dict[str, List[str]]:
    """Fact id -> the intents whose answers are built from it."""
    uses: Dict[str, List[str]] = {}
    for intent, key in FACT_BY_INTENT.items():
        uses.setdefault(f"programme.yml#facts.{key}", []).append(intent)
    for label, intent in INTENT_OF_LABEL.items():
        filename, section = ENTITY_SECTIONS[label]
        meta = f"{section}_meta" if f"{section}_meta" in kb.files[filename] else "meta"
        uses.setdefault(f"{filename}#{meta}", []).append(intent)
    for fact_id, intents in ALSO_USED_BY.items():
        uses.setdefault(fact_id, []).extend(i for i in intents if i not in uses[fact_id])
    return uses


@dataclass
class StaleFact:
    record: FactRecord
    reason: str
    intents: List[str]
    asked: Dict[str, int] = field(default_factory=dict)

    @property
    def asked_total(self) -> int:
        return sum(self.asked.values())


def asked_per_intent(conn: sa.engine.Connection, intents: List[str], since: float) -> Dict[str, int]:
    """Student messages per intent since `since` (epoch seconds), from the staff index."""
    if not intents:
        return {}
    rows = conn.execute(
        sa.select(staff_turns.c.intent, sa.func.count())
        .where(staff_turns.c.intent.in_(intents), staff_turns.c.ts >= since)
        .group_by(staff_turns.c.intent)
    ).fetchall()
    counts = {intent: 0 for intent in intents}
    counts.update({intent: n for intent, n in rows})
    return counts


def stale_facts(conn: sa.engine.Connection, kb: Optional[KnowledgeBase] = None,
                today: Optional[dt.date] = None, now: Optional[dt.datetime] = None) -> List[StaleFact]:
    """Every stale fact with its answers and how often they were asked, most asked first."""
    kb = kb or knowledge_base()
    today = today or today_in_leiden()
    now = now or dt.datetime.now(dt.timezone.utc)
    since = (now - dt.timedelta(days=WINDOW_DAYS)).timestamp()
    uses = intents_using(kb)
    found = []
    for record in kb.fact_records():
        if record.overdue(today):
            reason = (f"review was due {record.review_by.isoformat()}" if record.review_by
                      else "no review date")
        elif record.data.get("stale"):
            reason = "marked as possibly out of date"
        else:
            continue
        intents = uses.get(record.id, [])
        found.append(StaleFact(record, reason, intents, asked_per_intent(conn, intents, since)))
    return sorted(found, key=lambda f: (-f.asked_total, f.record.review_by or dt.date.min, f.record.id))


def register(app, login_required: Callable, render: Callable, sync_index: Callable, audit: Callable) -> None:
    """Adds GET /freshness to the staff app (any logged-in reviewer or admin)."""

    @app.get("/freshness")
    @login_required()
    async def freshness_page(request):
        sync_index()
        with app.ctx.engine.connect() as conn:
            facts = stale_facts(conn)
        audit(request, "view_freshness", f"{len(facts)} stale facts")
        return render(request, "freshness.html", facts=facts, window_days=WINDOW_DAYS)
