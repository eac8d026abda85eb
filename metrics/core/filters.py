"""The shared filters every page, the CLI and the exports apply: period plus segment lists."""

from __future__ import annotations

from datetime import date, timedelta

from pydantic import BaseModel, ConfigDict, model_validator


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

    @model_validator(mode="after")
    def _ordered(self) -> Filters:
        if self.date_from > self.date_to:
            raise ValueError(f"the period starts ({self.date_from}) after it ends ({self.date_to})")
        return self

    @property
    def days(self) -> int:
        return (self.date_to - self.date_from).days + 1

    def previous(self) -> Filters:
        """The same segments over the period of equal length just before this one."""
        return self.model_copy(
            update={
                "date_from": self.date_from - timedelta(days=self.days),
                "date_to": self.date_from - timedelta(days=1),
            }
        )

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
