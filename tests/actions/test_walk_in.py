"""The next walk-in hour (Monday 14:00-15:00, Leiden time) with a fixed clock: around the hour
itself, from other time zones, and across both daylight-saving changes."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from actions.knowledge_base import knowledge_base
from actions.walk_in import WeeklyHour, next_occurrence

AMS = ZoneInfo("Europe/Amsterdam")
UTC = dt.timezone.utc
HOUR = WeeklyHour.from_knowledge(knowledge_base().study_abroad["contact"]["walk_in"])


def at(year, month, day, hour, minute=0, zone=AMS) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=zone)


def test_the_knowledge_base_gives_monday_two_to_three_in_amsterdam():
    assert (HOUR.weekday, HOUR.start, HOUR.end, HOUR.zone.key) == (0, dt.time(14), dt.time(15), "Europe/Amsterdam")


# Monday 23 November 2026 (CET, UTC+1).
@pytest.mark.parametrize("now, start, ongoing", [
    (at(2026, 11, 23, 13, 59), at(2026, 11, 23, 14), False),   # a minute before: today
    (at(2026, 11, 23, 14, 0), at(2026, 11, 23, 14), True),     # at 14:00 sharp it is on
    (at(2026, 11, 23, 14, 59), at(2026, 11, 23, 14), True),
    (at(2026, 11, 23, 15, 0), at(2026, 11, 30, 14), False),    # at 15:00 it is over: next week
    (at(2026, 11, 22, 23, 30), at(2026, 11, 23, 14), False),   # Sunday night
    (at(2026, 11, 24, 9, 0), at(2026, 11, 30, 14), False),     # Tuesday
])
def test_around_the_hour(now, start, ongoing):
    got = next_occurrence(HOUR, now)
    assert (got.start, got.ongoing) == (start, ongoing)
    assert got.end - got.start == dt.timedelta(hours=1)


def test_a_clock_in_utc_or_another_zone_means_the_same_instant():
    # 13:30 UTC on that Monday is 14:30 in Leiden: the hour is on.
    assert next_occurrence(HOUR, at(2026, 11, 23, 13, 30, UTC)).ongoing
    # 08:30 in New York is 14:30 in Leiden.
    assert next_occurrence(HOUR, at(2026, 11, 23, 8, 30, ZoneInfo("America/New_York"))).ongoing
    # 23:30 on Monday in Tokyo is 15:30 in Leiden: over, next week.
    got = next_occurrence(HOUR, at(2026, 11, 23, 23, 30, ZoneInfo("Asia/Tokyo")))
    assert got.start == at(2026, 11, 30, 14) and not got.ongoing


def test_across_the_end_of_summer_time():
    # Summer time ends on Sunday 25 October 2026. Asked on the Friday before (CEST, UTC+2), the next
    # hour is Monday 26 October at 14:00 CET, which is 13:00 UTC, not 12:00 UTC.
    got = next_occurrence(HOUR, at(2026, 10, 23, 12, 0, UTC))
    assert got.start == at(2026, 10, 26, 14)
    assert got.start.astimezone(UTC) == at(2026, 10, 26, 13, 0, UTC)
    # Asked the Monday before, in summer time, the hour was at 12:00 UTC.
    assert next_occurrence(HOUR, at(2026, 10, 19, 11, 0, UTC)).start.astimezone(UTC) == at(2026, 10, 19, 12, 0, UTC)
    # At 02:30 on the night the clocks go back (a time that happens twice), still Monday 14:00.
    assert next_occurrence(HOUR, at(2026, 10, 25, 1, 30, UTC)).start == at(2026, 10, 26, 14)


def test_across_the_start_of_summer_time():
    # Summer time starts on Sunday 28 March 2027: the next Monday's hour is 12:00 UTC.
    got = next_occurrence(HOUR, at(2027, 3, 26, 13, 30, UTC))
    assert got.start == at(2027, 3, 29, 14)
    assert got.start.astimezone(UTC) == at(2027, 3, 29, 12, 0, UTC)
    assert got.start.utcoffset() == dt.timedelta(hours=2)


def test_wording():
    monday_morning = at(2026, 11, 23, 9, 0)
    assert next_occurrence(HOUR, monday_morning).describe(monday_morning) == \
        "the next one is today from 14:00 to 15:00 (Amsterdam time)"
    during = at(2026, 11, 23, 14, 20)
    assert next_occurrence(HOUR, during).describe(during) == "it is on now, until 15:00 (Amsterdam time)"
    friday = at(2026, 11, 27, 10, 0)
    assert next_occurrence(HOUR, friday).describe(friday) == \
        "the next one is on Monday 30 November 2026 from 14:00 to 15:00 (Amsterdam time)"


def test_naive_times_and_malformed_hours_are_refused():
    with pytest.raises(ValueError):
        next_occurrence(HOUR, dt.datetime(2026, 11, 23, 14, 0))
    for bad in ({"day": "Moonday", "from": "14:00", "until": "15:00", "timezone": "Europe/Amsterdam"},
                {"day": "Monday", "from": "15:00", "until": "14:00", "timezone": "Europe/Amsterdam"},
                {"day": "Monday", "from": "14:00", "until": "15:00", "timezone": "Mars/Olympus"},
                {"day": "Monday", "from": "two", "until": "15:00", "timezone": "Europe/Amsterdam"},
                {"day": "Monday"}):
        with pytest.raises(ValueError):
            WeeklyHour.from_knowledge(bad)
