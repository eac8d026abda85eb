"""What every number depends on besides the store: filters, site settings, as-of time, grain,
and the user's access.

One frozen `Scope` travels from the page (or the CLI) down to the SQL compiler instead of each
function re-reading the settings and the clock; it is hashable, so it keys the page caches.
`access` is what the signed-in user may see (the compiler binds it like the filters).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict

from metrics.core.access import Access
from metrics.core.filters import Compare, Filters
from metrics.core.settings import Settings

Grain = Literal["day", "week", "month"]
DEFAULT_DAYS = 30  # the default view: the last 30 days of data


def site_now(settings: Settings) -> datetime:
    """The site's wall-clock time now, naive like the stored times, to the second."""
    return datetime.now(ZoneInfo(settings.timezone)).replace(tzinfo=None, microsecond=0)


def auto_grain(filters: Filters) -> Grain:
    """Day up to ~6 weeks, week up to ~7 months, month beyond."""
    if filters.days <= 45:
        return "day"
    if filters.days <= 210:
        return "week"
    return "month"


def default_period(latest: date | None, days: int = DEFAULT_DAYS) -> tuple[date, date]:
    """The default view: the last `days` days up to the latest data (today when empty)."""
    end = latest or date.today()
    return end - timedelta(days=days - 1), end


class Scope(BaseModel):
    """The filters, the site's settings, the time `now` is taken as and the trend grain."""

    model_config = ConfigDict(frozen=True)

    filters: Filters
    settings: Settings
    as_of: datetime
    grain: Grain
    # The signed-in user's access; None is the machine's operator (the CLI without --as),
    # who sees everything.
    access: Access | None = None

    @classmethod
    def of(cls, filters: Filters, settings: Settings | None = None, *,
           as_of: datetime | None = None, grain: Grain | None = None,
           access: Access | None = None) -> Scope:
        """A scope with the defaults filled in: default settings, the site's now, the grain
        that suits the period."""
        settings = settings or Settings()
        return cls(filters=filters, settings=settings, as_of=as_of or site_now(settings),
                   grain=grain or auto_grain(filters), access=access)

    def answer_key(self) -> str:
        """Everything that changes what the metric layer answers for this scope, as text (a
        cache key): the filters, settings, as-of time, grain and what the user sees, not who
        the user is (every viewer of all teams shares one cached Overview)."""
        sees = None if self.access is None else self.access.sees
        return f"{self.model_dump_json(exclude={'access'})}|{sees!r}"

    def narrowed(self, **segments: object) -> Scope:
        """The same scope with some filter fields replaced (agents=("A",), date_from=…)."""
        return self.model_copy(update={"filters": self.filters.model_copy(update=segments)})

    def with_grain(self, grain: Grain) -> Scope:
        return self.model_copy(update={"grain": grain})

    def previous(self) -> Scope:
        """The same scope over the period it is compared with (Filters.previous)."""
        return self.model_copy(update={"filters": self.filters.previous()})

    def compared(self, mode: Compare) -> Scope:
        """The same scope compared another way (prev, mom 环比, yoy 同比)."""
        return self.narrowed(compare=mode)
