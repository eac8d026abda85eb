"""What the 话务 Calls page shows, computed in one call: cards against target and the
previous period, the daily trend, the weekday x half-hour heat map, the wait distribution
with its patience curve, the per-queue table; and the staffing view (Erlang C per weekday x
half hour, against the agents actually seen answering)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Final

import polars as pl

from metrics.core import erlang
from metrics.core.filters import Filters
from metrics.core.scope import Grain, Scope
from metrics.engine import queries
from metrics.engine.sql import compile_staffing
from metrics.engine.store import Store
from metrics.views.overview import Card, cards

CALL_CARDS: Final[tuple[str, ...]] = (
    "calls_offered", "calls_answered", "calls_abandoned", "answer_rate", "abandon_rate",
    "service_level_rate", "asa_s", "wait_p90_s", "aht_s",
)
TREND: Final[tuple[str, ...]] = ("calls_offered", "calls_answered", "calls_abandoned",
                                 "service_level_rate")
BY_QUEUE: Final[tuple[str, ...]] = ("calls_offered", "calls_answered", "calls_abandoned",
                                    "answer_rate", "service_level_rate", "asa_s", "aht_s")
INTERVAL_S: Final[float] = 1800.0  # the staffing interval: half an hour


@dataclass(frozen=True)
class CallsPage:
    filters: Filters
    grain: Grain
    cards: tuple[Card, ...]
    trend: pl.DataFrame  # bucket (day), offered, answered, abandoned, service level
    heat: pl.DataFrame  # weekday 1-7, slot 0-47, calls_offered, service_level_rate
    waits: pl.DataFrame  # wait_band, answered, abandoned, abandoned_share (patience curve)
    queues: pl.DataFrame  # queue with BY_QUEUE

    @property
    def empty(self) -> bool:
        return not any(c.metric.id == "calls_offered" and c.current.value for c in self.cards)


def calls_page(store: Store, scope: Scope) -> CallsPage:
    """Everything the Calls page draws, for one scope (the trend by day)."""
    daily = scope.with_grain("day")
    made, trend = cards(store, daily, CALL_CARDS)
    heat = queries.frame(store, scope, ["calls_offered", "service_level_rate"],
                         group_by=["weekday", "slot"])
    waits = queries.frame(store, scope, ["calls_answered", "calls_abandoned"],
                          group_by=["wait_band"]).filter(pl.col("wait_band").is_not_null())
    waits = waits.select(
        "wait_band", pl.col("calls_answered").alias("answered"),
        pl.col("calls_abandoned").alias("abandoned"),
    ).with_columns(
        (pl.col("abandoned") / (pl.col("answered") + pl.col("abandoned")))
        .alias("abandoned_share"))
    queues = queries.breakdown(store, scope, BY_QUEUE, "queue") \
        .sort("calls_offered", "queue", descending=[True, False], nulls_last=True)
    return CallsPage(scope.filters, "day", made,
                     trend.select("bucket", *TREND), heat, waits, queues)


def staffing(store: Store, scope: Scope, target: float | None = None) -> pl.DataFrame:
    """Per weekday x half hour of the period: the mean calls offered (over the period's days
    of that weekday, days without calls counted), the mean handling time of its answered
    calls, the agents Erlang C needs for the service-level target within T (the phone
    standard), the mean distinct agents seen answering in it (over the days someone
    answered in it), and whether it ran short.

    Columns: weekday, slot, days, calls, aht_s, needed, service_level, seen, short."""
    settings = scope.settings
    goal = target if target is not None else settings.target("service_level_rate")
    # Erlang C never reaches 100% (nor needs anyone for 0%): a target outside is clamped
    goal = min(max(0.8 if goal is None else goal, 0.01), 0.999)
    answer_s = settings.channel_standards_s.get("phone", 20.0)
    query = compile_staffing(scope)
    raw = store.frame(query.sql, query.params)
    days = _weekday_counts(scope.filters)
    if raw.is_empty():
        return _empty_staffing()
    per = raw.group_by("weekday", "slot").agg(
        pl.col("offered").sum(), pl.col("answered").sum(), pl.col("handle_s").sum(),
        pl.col("agents").sum(), (pl.col("answered") > 0).sum().alias("answering_days"))
    per = per.with_columns(
        pl.col("weekday").replace_strict(days, return_dtype=pl.Int64).alias("days"))
    rows = []
    for r in per.sort("weekday", "slot").iter_rows(named=True):
        calls = r["offered"] / r["days"]
        aht = r["handle_s"] / r["answered"] if r["answered"] else None
        need = erlang.agents_needed(calls, aht, goal, answer_s, INTERVAL_S) if aht else None
        # On the days someone answered in it: a quiet half hour's agents show only when a
        # call comes, so the days without an answer say nothing about who was there.
        seen = r["agents"] / r["answering_days"] if r["answering_days"] else 0.0
        rows.append({
            "weekday": r["weekday"], "slot": r["slot"], "days": r["days"], "calls": calls,
            "aht_s": aht, "needed": need.agents if need else None,
            "service_level": need.service_level if need else None, "seen": seen,
            "short": bool(need and seen < need.agents),
        })
    return pl.DataFrame(rows, schema=_STAFFING_SCHEMA)


_STAFFING_SCHEMA: Final = pl.Schema({
    "weekday": pl.Int64, "slot": pl.Int64, "days": pl.Int64, "calls": pl.Float64,
    "aht_s": pl.Float64, "needed": pl.Int64, "service_level": pl.Float64, "seen": pl.Float64,
    "short": pl.Boolean,
})


def _empty_staffing() -> pl.DataFrame:
    return pl.DataFrame(schema=_STAFFING_SCHEMA)


def _weekday_counts(filters: Filters) -> dict[int, int]:
    """How many days of each ISO weekday the period holds."""
    counts = dict.fromkeys(range(1, 8), 0)
    day = filters.date_from
    while day <= filters.date_to:
        counts[day.isoweekday()] += 1
        day += timedelta(days=1)
    return counts
