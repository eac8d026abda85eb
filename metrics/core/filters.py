"""The shared filters every page, the CLI and the exports apply: period plus segment lists."""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, model_validator

Compare = Literal["prev", "mom", "yoy"]
# prev: the period of equal length just before; mom (环比): the previous calendar week, month,
# quarter or year; yoy (同比): the same period a year earlier.
COMPARE_MODES: Final[tuple[Compare, ...]] = ("prev", "mom", "yoy")
Unit = Literal["week", "month", "quarter", "year"]


def shift_months(day: date, months: int) -> date:
    """The same day `months` earlier (negative: later), on the month's last day when that
    month is shorter (03-31 one month back is 02-28 or 02-29)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _month_end(day: date) -> date:
    return date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])


class Filters(BaseModel):
    """A period (both ends inclusive, as dates) and optional segment lists; empty = all."""

    model_config = ConfigDict(frozen=True)

    date_from: date
    date_to: date
    channels: tuple[str, ...] = ()
    teams: tuple[str, ...] = ()
    agents: tuple[str, ...] = ()
    request_types: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    # Durations in the site's business hours instead of calendar time (a view, not a scope).
    business_hours: bool = False
    # What "the previous period" is (cards, "what moved", exports); None: 环比 when the period
    # is a whole calendar week, month, quarter or year, else the period of equal length.
    compare: Compare | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Filters:
        if self.date_from > self.date_to:
            raise ValueError(f"the period starts ({self.date_from}) after it ends ({self.date_to})")
        return self

    @property
    def days(self) -> int:
        return (self.date_to - self.date_from).days + 1

    def calendar_unit(self) -> Unit | None:
        """The calendar week (Monday to Sunday), month, quarter or year the period covers
        whole, if it is one."""
        start, end = self.date_from, self.date_to
        if self.days == 7 and start.isoweekday() == 1:
            return "week"
        if start.day != 1 or end != _month_end(end):
            return None
        months = (end.year - start.year) * 12 + end.month - start.month + 1
        if months == 1:
            return "month"
        if months == 3 and start.month % 3 == 1:
            return "quarter"
        if months == 12 and start.month == 1:
            return "year"
        return None

    def _month_sized(self) -> bool:
        """Whether the period fits within a month (its end a month back is before its start)."""
        return shift_months(self.date_to, 1) < self.date_from

    @property
    def comparison(self) -> Compare:
        """The comparison in force: the one chosen, else 环比 for a whole calendar period and
        the previous period of equal length for any other range. 环比 of a range that is no
        calendar period and longer than a month is the equal stretch before, and says so."""
        unit = self.calendar_unit()
        if self.compare == "mom" and unit is None and not self._month_sized():
            return "prev"
        if self.compare is not None:
            return self.compare
        return "mom" if unit else "prev"

    def previous(self) -> Filters:
        """The same segments over the period this one is compared with (`comparison`):
        - prev: the period of equal length just before;
        - mom (环比): the calendar week, month, quarter or year before a whole one; for any
          other range of at most a month, as many days from the same day a month earlier
          (11-01 – 11-15 against 10-01 – 10-15); longer ranges, the equal stretch before;
        - yoy (同比): the same week (52 weeks earlier, the same weekdays), month, quarter or
          year a year earlier; any other range, the same dates a year earlier (02-29 to 02-28).
        """
        mode, unit = self.comparison, self.calendar_unit()
        start, end = self.date_from, self.date_to
        if mode == "mom" and unit == "week":
            start, end = start - timedelta(days=7), end - timedelta(days=7)
        elif mode == "mom" and unit is not None:
            months = {"month": 1, "quarter": 3, "year": 12}[unit]
            start, end = shift_months(start, months), _month_end(shift_months(end, months))
        elif mode == "mom" and unit is None:  # within a month: as many days, a month back
            start = shift_months(start, 1)
            end = start + timedelta(days=self.days - 1)
        elif mode == "yoy" and unit == "week":
            start, end = start - timedelta(days=364), end - timedelta(days=364)
        elif mode == "yoy":
            start, end = shift_months(start, 12), shift_months(end, 12)
            if unit is not None:
                end = _month_end(end)
        else:
            start, end = start - timedelta(days=self.days), start - timedelta(days=1)
        return self.model_copy(update={"date_from": start, "date_to": end})

    def segments(self) -> dict[str, tuple[str, ...]]:
        """The non-empty segment lists by the column they filter."""
        pairs = {
            "channel": self.channels,
            "team": self.teams,
            "agent": self.agents,
            "request_type": self.request_types,
            "category": self.categories,
        }
        return {column: values for column, values in pairs.items() if values}
