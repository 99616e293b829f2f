"""When the next weekly walk-in hour is, in the office's own time zone.

Why a module of its own: "Monday 14:00-15:00" means Leiden time, while the servers run in UTC and
students may be anywhere; the hour moves against UTC when daylight saving time starts or ends.
Computing with zoneinfo (never with fixed offsets) keeps it right all year. The clock is a
parameter, so tests fix it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Mapping
from zoneinfo import ZoneInfo

from babel.dates import get_day_names

# The knowledge base writes the day in English ("Monday"); Babel's CLDR names, Monday being 0.
DAYS = {name.lower(): number for number, name in get_day_names("wide", locale="en").items()}


@dataclass(frozen=True)
class WeeklyHour:
    """A weekly slot such as Monday 14:00-15:00 in Europe/Amsterdam."""

    weekday: int  # Monday is 0
    start: dt.time
    end: dt.time
    zone: ZoneInfo

    @classmethod
    def from_knowledge(cls, data: Mapping[str, Any]) -> "WeeklyHour":
        """From the knowledge base's `walk_in: {day, from, until, timezone}`; ValueError if malformed."""
        try:
            weekday = DAYS[str(data["day"]).strip().lower()]
            start = dt.time.fromisoformat(str(data["from"]))
            end = dt.time.fromisoformat(str(data["until"]))
            zone = ZoneInfo(str(data["timezone"]))
        except (KeyError, ValueError, LookupError) as exc:
            raise ValueError(f"not a weekly hour (day, from, until, timezone): {dict(data)!r}") from exc
        if end <= start:
            raise ValueError(f"the walk-in hour ends before it starts: {dict(data)!r}")
        return cls(weekday, start, end, zone)


@dataclass(frozen=True)
class Occurrence:
    """One walk-in hour: its start and end (aware, in the office's zone) and whether it is on now."""

    start: dt.datetime
    end: dt.datetime
    ongoing: bool

    def describe(self, now: dt.datetime, lang: str = "en") -> str:
        """A clause for an answer: "it is on now, until 15:00 (Amsterdam time)", "the next one is today
        from 14:00 to 15:00 (...)" or "the next one is on Monday 30 November 2026 from 14:00 to 15:00 (...)";
        in Dutch "het volgende is op maandag 7 december 2026, 14:00–15:00 (...)"."""
        from actions.wording import long_date, phrase

        start, end = self.start.strftime("%H:%M"), self.end.strftime("%H:%M")
        if self.ongoing:
            return phrase("walk_in_now", lang, end=end)
        if self.start.date() == now.astimezone(self.start.tzinfo).date():
            return phrase("walk_in_today", lang, start=start, end=end)
        return phrase("walk_in_next", lang, date=long_date(self.start.date(), lang), start=start, end=end)


def next_occurrence(hour: WeeklyHour, now: dt.datetime) -> Occurrence:
    """The walk-in hour that is on at `now`, or else the next one to start.

    `now` must be timezone-aware (a naive time has no place on the calendar). The start counts as
    inside the hour and the end as outside it: at 15:00 sharp the next one is a week away.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    local = now.astimezone(hour.zone)
    days_ahead = (hour.weekday - local.weekday()) % 7
    for extra in (0, 7):
        day = local.date() + dt.timedelta(days=days_ahead + extra)
        # Wall-clock times on that day; zoneinfo gives each its own UTC offset (CET or CEST).
        start = dt.datetime.combine(day, hour.start, tzinfo=hour.zone)
        end = dt.datetime.combine(day, hour.end, tzinfo=hour.zone)
        if now < end:
            return Occurrence(start, end, ongoing=start <= now)
    raise AssertionError("unreachable: a weekly hour recurs within two weeks")  # pragma: no cover
