"""A site's business-hours schedule, so response and resolution durations can be measured in
business hours: weekly opening hours per ISO weekday, with Chinese public holidays and make-up
working days (调休上班) taken from the `chinese_calendar` library (never a hand-kept list);
`day_table` gives per-day opening and closing seconds plus running business seconds for the SQL
side, and `business_seconds` is the pure-Python reference for the same arithmetic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Literal

import chinese_calendar
from pydantic import BaseModel, ConfigDict, field_validator

_WEEKDAY_NAMES = {
    1: "Monday",
    2: "Tuesday",
    3: "Wednesday",
    4: "Thursday",
    5: "Friday",
    6: "Saturday",
    7: "Sunday",
}
_HOURS = re.compile(r"(\d{2}):(\d{2})\s*-\s*(\d{2}):(\d{2})")


def _clock(hh: str, mm: str) -> int | None:
    """Seconds after midnight for a "HH:MM" clock reading (24:00 allowed), or None if invalid."""
    h, m = int(hh), int(mm)
    if m > 59 or h > 24 or (h == 24 and m != 0):
        return None
    return h * 3600 + m * 60


@lru_cache(maxsize=256)
def _parse_hours(text: str) -> tuple[int, int]:
    """Parse "HH:MM-HH:MM" into (open, close) seconds after midnight; ValueError if malformed."""
    match = _HOURS.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"opening hours {text!r} are not in the form 'HH:MM-HH:MM'")
    open_s = _clock(match[1], match[2])
    close_s = _clock(match[3], match[4])
    if open_s is None or close_s is None:
        raise ValueError(f"opening hours {text!r} contain an invalid time of day")
    if open_s >= close_s:
        raise ValueError(f"opening hours {text!r} close at or before they open")
    return open_s, close_s


@lru_cache(maxsize=64)
def _cn_year(year: int) -> dict[date, tuple[bool, str | None]] | None:
    """get_holiday_detail for a year's weekends and holidays, or None if the year is not covered."""
    # One lookup scans the library's tables, so only weekend days and statutory holidays are
    # looked up; any other day is an ordinary weekday, whose detail is (False, None).
    first, last = date(year, 1, 1), date(year, 12, 31)
    try:
        statutory = chinese_calendar.get_holidays(first, last, include_weekends=False)
    except NotImplementedError:
        return None
    days = (first + timedelta(days=i) for i in range((last - first).days + 1))
    candidates = {day for day in days if day.isoweekday() >= 6} | set(statutory)
    result: dict[date, tuple[bool, str | None]] = {}
    for day in candidates:
        is_holiday, name = chinese_calendar.get_holiday_detail(day)
        result[day] = (bool(is_holiday), name)
    return result


class Schedule(BaseModel):
    """Weekly opening hours per ISO weekday, with or without Chinese public holidays."""

    model_config = ConfigDict(frozen=True)

    # ISO weekday (1 = Monday ... 7 = Sunday) -> "HH:MM-HH:MM"; a weekday absent is closed.
    weekly: dict[int, str] = {d: "09:00-18:00" for d in range(1, 6)}
    # "cn": Chinese statutory holidays closed, make-up working days open; "none": weekly only.
    holidays: Literal["cn", "none"] = "cn"

    @field_validator("weekly")
    @classmethod
    def _check_weekly(cls, weekly: dict[int, str]) -> dict[int, str]:
        """Reject weekday keys outside 1..7 and hours that do not parse or do not open first."""
        for weekday, text in weekly.items():
            if weekday not in _WEEKDAY_NAMES:
                raise ValueError(
                    f"weekday {weekday} is not an ISO weekday (1 = Monday ... 7 = Sunday); "
                    f"hours {text!r}"
                )
            try:
                _parse_hours(text)
            except ValueError as exc:
                raise ValueError(f"weekday {weekday} ({_WEEKDAY_NAMES[weekday]}): {exc}") from None
        return weekly

    def _weekly_hours(self, weekday: int) -> tuple[int, int] | None:
        """The weekly timetable's (open, close) seconds for an ISO weekday, None when closed."""
        text = self.weekly.get(weekday)
        return None if text is None else _parse_hours(text)

    def hours(self, day: date) -> tuple[int, int] | None:
        """(open, close) in seconds after midnight on a day, or None when the site is closed."""
        if isinstance(day, datetime):
            day = day.date()
        weekday = day.isoweekday()
        if self.holidays == "cn":
            year = _cn_year(day.year)
            if year is not None:
                is_holiday, name = year.get(day, (False, None))
                if name is not None and is_holiday:
                    return None  # a statutory holiday (including weekend days inside one)
                if name is not None and weekday >= 6:
                    # A make-up working day on a weekend: the first open weekday's hours.
                    for workday in range(1, 6):
                        opening = self._weekly_hours(workday)
                        if opening is not None:
                            return opening
        return self._weekly_hours(weekday)

    def uncovered_years(self, start: date, end: date) -> list[int]:
        """Years in [start, end] whose Chinese holidays the installed library does not know."""
        if self.holidays != "cn":
            return []
        return [y for y in range(start.year, end.year + 1) if _cn_year(y) is None]


@dataclass(frozen=True)
class DayTable:
    """Per-day opening and closing seconds and running business seconds from `start`."""

    start: date
    open_s: list[float]
    close_s: list[float]
    cum_s: list[float]


def day_table(schedule: Schedule, start: date, end: date) -> DayTable:
    """One entry per day in [start, end] inclusive; ValueError if end is before start."""
    if end < start:
        raise ValueError(f"day table end {end} is before its start {start}")
    open_s: list[float] = []
    close_s: list[float] = []
    cum_s: list[float] = []
    total = 0.0
    for i in range((end - start).days + 1):
        opening = schedule.hours(start + timedelta(days=i))
        o, c = (0.0, 0.0) if opening is None else (float(opening[0]), float(opening[1]))
        open_s.append(o)
        close_s.append(c)
        cum_s.append(total)
        total += c - o
    return DayTable(start=start, open_s=open_s, close_s=close_s, cum_s=cum_s)


def _position(table: DayTable, t: datetime) -> float:
    """Business seconds from the table's start to t: cum + clamp(sec - open, 0, close - open)."""
    d = (t.date() - table.start).days
    second = t.hour * 3600 + t.minute * 60 + t.second + t.microsecond / 1_000_000
    span = table.close_s[d] - table.open_s[d]
    return table.cum_s[d] + min(max(second - table.open_s[d], 0.0), span)


def business_seconds(a: datetime, b: datetime, schedule: Schedule) -> float:
    """Business seconds from a to b (naive, site time); negative when b is before a."""
    if a.tzinfo is not None or b.tzinfo is not None:
        raise ValueError("business_seconds takes naive datetimes in site time")
    if b < a:
        return -business_seconds(b, a, schedule)
    table = day_table(schedule, a.date(), b.date())
    return _position(table, b) - _position(table, a)
