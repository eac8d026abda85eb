"""Business-hours schedules: weekly hours, Chinese holidays and make-up days, day tables.

Expected durations are counted by hand next to each assertion. Holiday facts come from the
installed chinese_calendar (1.11): National Day 2026 is Thu 10-01 .. Wed 10-07 with make-up
working days Sun 09-20 and Sat 10-10; Mid-autumn 2026 is Fri 09-25 .. Sun 09-27; Spring
Festival 2026 is Sun 02-15 .. Mon 02-23 with make-up working days Sat 02-14 and Sat 02-28.
"""

from __future__ import annotations

import random
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta

import chinese_calendar
import pytest

from metrics.core import hours
from metrics.core.hours import DayTable, Schedule, business_seconds, day_table

H = 3600
NINE_TO_SIX = (9 * H, 18 * H)
WEEKEND_OPEN = Schedule(
    weekly={d: "09:00-18:00" for d in range(1, 6)} | {6: "10:00-16:00", 7: "10:00-16:00"}
)


def dt(text: str) -> datetime:
    return datetime.fromisoformat(text)


# --- default schedule: Mon-Fri 09:00-18:00 (November 2026 has no Chinese holiday) ---


def test_default_schedule_is_weekdays_nine_to_six() -> None:
    s = Schedule()
    assert s.holidays == "cn"
    assert s.hours(date(2026, 11, 23)) == NINE_TO_SIX  # Monday
    assert s.hours(date(2026, 11, 27)) == NINE_TO_SIX  # Friday
    assert s.hours(date(2026, 11, 28)) is None  # Saturday
    assert s.hours(date(2026, 11, 29)) is None  # Sunday
    assert s.hours(dt("2026-11-23 12:34")) == NINE_TO_SIX  # a datetime counts as its date


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("2026-11-23 09:00", "2026-11-23 18:00", 9 * H),  # the whole Monday
        ("2026-11-23 10:30", "2026-11-23 12:15", 1 * H + 45 * 60),  # inside the day
        ("2026-11-23 10:00:00", "2026-11-23 10:00:30.5", 30.5),  # seconds and microseconds
        ("2026-11-23 07:00", "2026-11-23 10:00", 1 * H),  # before opening counts from 09:00
        ("2026-11-23 17:00", "2026-11-23 21:00", 1 * H),  # after closing counts to 18:00
        ("2026-11-23 06:00", "2026-11-23 08:59", 0),  # both before opening
        ("2026-11-23 18:00", "2026-11-23 23:59", 0),  # both after closing
        ("2026-11-23 05:00", "2026-11-23 23:00", 9 * H),  # around the whole day
        ("2026-11-23 17:30", "2026-11-24 09:30", 1 * H),  # overnight: 30 min + 30 min
        ("2026-11-27 17:00", "2026-11-30 10:00", 2 * H),  # Fri 1 h + weekend 0 + Mon 1 h
        ("2026-11-28 11:00", "2026-11-29 15:00", 0),  # inside a weekend
        ("2026-11-23 12:00", "2026-11-23 12:00", 0),  # empty span
        ("2026-11-23 09:00", "2026-11-30 09:00", 45 * H),  # a full week: 5 x 9 h
    ],
)
def test_default_spans(a: str, b: str, expected: float) -> None:
    assert business_seconds(dt(a), dt(b), Schedule()) == pytest.approx(expected)


def test_negative_spans_mirror_positive_ones() -> None:
    s = Schedule()
    assert business_seconds(dt("2026-11-30 10:00"), dt("2026-11-27 17:00"), s) == -2 * H
    assert business_seconds(dt("2026-11-23 12:15"), dt("2026-11-23 10:30"), s) == -(105 * 60)


def test_aware_datetimes_are_rejected() -> None:
    aware = datetime(2026, 11, 23, 9, tzinfo=UTC)
    with pytest.raises(ValueError, match="naive"):
        business_seconds(aware, dt("2026-11-23 18:00"), Schedule())


def test_closing_at_midnight() -> None:
    s = Schedule(weekly={1: "20:00-24:00", 2: "00:00-24:00"})
    assert s.hours(date(2026, 11, 23)) == (20 * H, 24 * H)
    # Mon 23:00 -> Tue 23:00: Monday's last hour + Tuesday until 23:00.
    assert business_seconds(dt("2026-11-23 23:00"), dt("2026-11-24 23:00"), s) == 24 * H
    assert business_seconds(dt("2026-11-23 23:59:59"), dt("2026-11-24 00:00"), s) == 1


# --- Chinese holidays (from chinese_calendar, see the module docstring) ---


def test_library_facts_this_module_relies_on() -> None:
    # If a chinese_calendar upgrade changes these, the hand counts below need revisiting.
    assert [
        d.day for d in chinese_calendar.get_holidays(date(2026, 10, 1), date(2026, 10, 11))
    ] == [1, 2, 3, 4, 5, 6, 7, 11]
    assert chinese_calendar.is_workday(date(2026, 9, 20))  # a Sunday
    assert chinese_calendar.is_workday(date(2026, 10, 10))  # a Saturday
    assert chinese_calendar.get_holiday_detail(date(2026, 10, 3)) == (True, "National Day")
    assert chinese_calendar.get_holiday_detail(date(2026, 9, 19)) == (True, None)  # weekend
    assert chinese_calendar.get_holiday_detail(date(2026, 9, 20)) == (False, "National Day")
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(2027, 1, 4))


def test_national_day_2026_is_closed() -> None:
    s = Schedule()
    assert s.hours(date(2026, 9, 30)) == NINE_TO_SIX  # Wednesday before
    for day in range(1, 8):  # Thu 10-01 .. Wed 10-07, weekdays and weekend alike
        assert s.hours(date(2026, 10, day)) is None, day
    assert s.hours(date(2026, 10, 8)) == NINE_TO_SIX  # Thursday after
    assert s.hours(date(2026, 10, 11)) is None  # an ordinary Sunday


def test_make_up_days_open_with_the_first_open_weekdays_hours() -> None:
    assert Schedule().hours(date(2026, 9, 20)) == NINE_TO_SIX  # Sunday 调休上班
    assert Schedule().hours(date(2026, 10, 10)) == NINE_TO_SIX  # Saturday 调休上班
    monday_late = Schedule(weekly={1: "10:00-19:00", 2: "08:00-17:00"})
    assert monday_late.hours(date(2026, 9, 20)) == (10 * H, 19 * H)  # Monday's hours
    no_monday = Schedule(weekly={2: "08:00-17:00", 3: "10:00-19:00"})
    assert no_monday.hours(date(2026, 9, 20)) == (8 * H, 17 * H)  # Tuesday's, the first open


@pytest.mark.parametrize(
    ("a", "b", "expected_hours"),
    [
        # Wed 09-30 1 h + 10-01..07 closed + Thu 10-08 1 h.
        ("2026-09-30 17:00", "2026-10-08 10:00", 2),
        # Fri 09-18 9 + Sat 0 + Sun 09-20 (make-up) 9 + Mon-Thu 09-21..24 36 + 09-25..27 closed
        # + Mon-Wed 09-28..30 27 + 10-01..07 closed + Thu-Fri 10-08..09 18 + Sat 10-10 (make-up) 9
        # + Sun 10-11 0 + Mon 10-12 until 09:00 0 = 108.
        ("2026-09-18 09:00", "2026-10-12 09:00", 108),
        # Spring Festival: Fri 02-13 1 h + Sat 02-14 (make-up) 9 h + 02-15..23 closed + Tue 02-24 1 h.
        ("2026-02-13 17:00", "2026-02-24 10:00", 11),
        # Inside the holiday.
        ("2026-10-02 09:00", "2026-10-06 18:00", 0),
    ],
)
def test_spans_across_chinese_holidays(a: str, b: str, expected_hours: int) -> None:
    assert business_seconds(dt(a), dt(b), Schedule()) == expected_hours * H


def test_no_holidays_keeps_the_weekly_schedule() -> None:
    s = Schedule(holidays="none")
    assert date(2026, 10, 1).isoweekday() == 4
    assert s.hours(date(2026, 10, 1)) == NINE_TO_SIX
    assert s.hours(date(2026, 9, 20)) is None  # a plain Sunday without the Chinese calendar
    # Wed 1 h + Thu-Fri 10-01..02 18 h + weekend 0 + Mon-Wed 10-05..07 27 h + Thu 1 h = 47 h.
    assert business_seconds(dt("2026-09-30 17:00"), dt("2026-10-08 10:00"), s) == 47 * H
    assert s.uncovered_years(date(2026, 12, 1), date(2027, 1, 31)) == []


def test_uncovered_year_falls_back_to_the_weekly_schedule() -> None:
    s = Schedule()
    assert s.hours(date(2027, 1, 1)) == NINE_TO_SIX  # a Friday; no holiday data for 2027
    assert s.hours(date(2027, 1, 2)) is None  # Saturday
    assert s.uncovered_years(date(2026, 12, 1), date(2027, 1, 31)) == [2027]
    assert s.uncovered_years(date(2003, 6, 1), date(2004, 1, 1)) == [2003]
    assert s.uncovered_years(date(2025, 1, 1), date(2026, 12, 31)) == []
    # Thu 12-31 1 h + Fri 01-01 (weekly) 9 h + weekend 0 + Mon 01-04 1 h = 11 h.
    assert business_seconds(dt("2026-12-31 17:00"), dt("2027-01-04 10:00"), s) == 11 * H


def test_weekend_open_site_closes_statutory_holidays_only() -> None:
    s = WEEKEND_OPEN
    assert s.hours(date(2026, 9, 19)) == (10 * H, 16 * H)  # ordinary Saturday: open
    assert s.hours(date(2026, 10, 11)) == (10 * H, 16 * H)  # ordinary Sunday: open
    assert s.hours(date(2026, 10, 3)) is None  # Saturday inside National Day
    assert s.hours(date(2026, 10, 4)) is None  # Sunday inside National Day
    assert s.hours(date(2026, 9, 26)) is None  # Saturday inside Mid-autumn
    assert s.hours(date(2026, 10, 1)) is None  # Thursday, National Day
    assert s.hours(date(2026, 9, 20)) == NINE_TO_SIX  # make-up Sunday: Monday's hours
    # Fri 10-09 17:00 -> Mon 10-12 10:00: Fri 1 h + Sat (make-up, Monday's) 9 h + Sun 6 h + Mon 1 h.
    assert business_seconds(dt("2026-10-09 17:00"), dt("2026-10-12 10:00"), s) == 17 * H


def test_weekend_only_site_keeps_its_own_hours_on_make_up_days() -> None:
    s = Schedule(weekly={6: "10:00-16:00", 7: "11:00-15:00"})
    assert s.hours(date(2026, 9, 20)) == (11 * H, 15 * H)  # no weekday hours to borrow
    assert s.hours(date(2026, 10, 4)) is None  # statutory holiday
    assert s.hours(date(2026, 10, 8)) is None  # Thursday: never open


def test_hours_follow_get_holiday_detail_for_every_covered_day() -> None:
    # The per-year cache only looks up weekends and statutory holidays; check it loses nothing.
    s = WEEKEND_OPEN
    day, checked = date(2004, 1, 1), 0
    while day <= date(2026, 12, 31):
        is_holiday, name = chinese_calendar.get_holiday_detail(day)
        if is_holiday and name is not None:
            expected = None
        elif name is not None and day.isoweekday() >= 6:
            expected = NINE_TO_SIX
        else:
            expected = (10 * H, 16 * H) if day.isoweekday() >= 6 else NINE_TO_SIX
        assert s.hours(day) == expected, day
        day += timedelta(days=1)
        checked += 1
    assert checked == 8401


# --- validation and serialisation ---


@pytest.mark.parametrize(
    ("weekly", "needle"),
    [
        ({8: "09:00-18:00"}, "weekday 8"),
        ({0: "09:00-18:00"}, "weekday 0"),
        ({3: "18:00-09:00"}, "weekday 3"),
        ({1: "9am-5pm"}, "weekday 1"),
        ({2: "09:00-09:00"}, "weekday 2"),
        ({4: "09:00-24:30"}, "weekday 4"),
        ({5: "09:60-18:00"}, "weekday 5"),
        ({6: "25:00-26:00"}, "weekday 6"),
        ({7: ""}, "weekday 7"),
    ],
)
def test_invalid_weekly_hours_name_the_weekday(weekly: dict[int, str], needle: str) -> None:
    with pytest.raises(ValueError, match=needle) as info:
        Schedule(weekly=weekly)
    bad = next(iter(weekly.values()))
    assert repr(bad) in str(info.value)  # the message quotes the bad text


def test_invalid_holidays_and_frozen() -> None:
    with pytest.raises(ValueError, match="holidays"):
        Schedule(holidays="us")  # type: ignore[arg-type]
    s = Schedule()
    with pytest.raises(ValueError, match="frozen"):
        s.holidays = "none"


def test_closed_days_and_empty_week_are_valid() -> None:
    s = Schedule(weekly={}, holidays="none")
    assert s.hours(date(2026, 11, 23)) is None
    assert business_seconds(dt("2026-11-01 00:00"), dt("2026-11-30 00:00"), s) == 0


@pytest.mark.parametrize(
    "schedule",
    [
        Schedule(),
        Schedule(weekly={1: "08:30-17:30", 6: "10:00-16:00", 7: "00:00-24:00"}, holidays="none"),
    ],
)
def test_json_round_trip(schedule: Schedule) -> None:
    text = schedule.model_dump_json()
    assert '"1":' in text  # JSON object keys are strings ...
    back = Schedule.model_validate_json(text)
    assert back == schedule
    assert all(type(k) is int for k in back.weekly)  # ... and come back as ints
    assert back.hours(date(2026, 11, 23)) == schedule.hours(date(2026, 11, 23))


# --- day tables ---


def test_day_table_by_hand() -> None:
    t = day_table(Schedule(), date(2026, 9, 30), date(2026, 10, 10))
    assert t.start == date(2026, 9, 30)
    # Wed 09-30 open, 10-01..07 closed, Thu-Fri 10-08..09 open, Sat 10-10 make-up open.
    assert t.open_s == [9.0 * H] + [0.0] * 7 + [9.0 * H] * 3
    assert t.close_s == [18.0 * H] + [0.0] * 7 + [18.0 * H] * 3
    assert t.cum_s == [0.0] + [9.0 * H] * 8 + [18.0 * H, 27.0 * H]


def test_day_table_single_day_and_bad_range() -> None:
    t = day_table(Schedule(), date(2026, 11, 23), date(2026, 11, 23))
    assert t == DayTable(date(2026, 11, 23), [9.0 * H], [18.0 * H], [0.0])
    with pytest.raises(ValueError, match="before"):
        day_table(Schedule(), date(2026, 11, 23), date(2026, 11, 22))


def sql_position(t: DayTable, ts: datetime) -> float:
    """What the SQL side computes: cum_s[d] + least(greatest(sod - open, 0), close - open)."""
    d = (ts.date() - t.start).days
    sod = ts.hour * 3600 + ts.minute * 60 + ts.second + ts.microsecond / 1e6
    return t.cum_s[d] + min(max(sod - t.open_s[d], 0.0), t.close_s[d] - t.open_s[d])


def brute_force_minutes(a: datetime, b: datetime, schedule: Schedule) -> int:
    """Open whole minutes in [a, b), counted one by one (a, b on whole minutes, a <= b)."""
    per_day: dict[date, tuple[int, int] | None] = {}
    count, m = 0, a
    while m < b:
        day = m.date()
        if day not in per_day:
            per_day[day] = schedule.hours(day)
        opening = per_day[day]
        sod = m.hour * 3600 + m.minute * 60
        if opening is not None and opening[0] <= sod and sod + 60 <= opening[1]:
            count += 1
        m += timedelta(minutes=1)
    return count


@pytest.mark.parametrize("schedule", [Schedule(), WEEKEND_OPEN], ids=["default", "weekend"])
def test_day_table_agrees_with_business_seconds_and_brute_force(schedule: Schedule) -> None:
    rng = random.Random(20260920)
    lo, hi = datetime(2026, 9, 1), datetime(2026, 11, 1)
    table = day_table(schedule, lo.date(), date(2026, 10, 31))
    span_s = int((hi - lo).total_seconds())
    pairs = [
        (
            lo + timedelta(seconds=rng.randrange(span_s)),
            lo + timedelta(seconds=rng.randrange(span_s)),
        )
        for _ in range(200)
    ]
    for a, b in pairs:
        expected = business_seconds(a, b, schedule)
        assert sql_position(table, b) - sql_position(table, a) == pytest.approx(expected, abs=1e-6)
        assert business_seconds(b, a, schedule) == -expected
    for a, b in pairs[:6]:
        a, b = sorted((a.replace(second=0), b.replace(second=0)))
        assert business_seconds(a, b, schedule) == 60 * brute_force_minutes(a, b, schedule)


def test_day_table_over_three_years_is_fast() -> None:
    best = float("inf")
    for _ in range(3):
        hours._cn_year.cache_clear()  # measure the cold path, library lookups included
        started = time.perf_counter()
        t = day_table(Schedule(), date(2024, 1, 1), date(2026, 12, 31))
        best = min(best, time.perf_counter() - started)
    assert len(t.cum_s) == 1096
    assert best < 0.05


def test_module_does_not_import_streamlit() -> None:
    code = "import sys, metrics.core.hours; print('streamlit' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
