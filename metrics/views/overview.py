"""What the Overview page shows, computed once: KPI cards, trends, complaint categories."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

import polars as pl

from metrics.core import catalog
from metrics.core.catalog import Metric
from metrics.core.filters import Filters
from metrics.core.settings import Settings
from metrics.engine import queries
from metrics.engine.queries import MetricValue
from metrics.engine.sql import Grain
from metrics.engine.store import Store

CARD_METRICS: Final[tuple[str, ...]] = (
    "tickets", "weighted_sla_score", "response_within_standard_rate", "first_response_median_s",
    "resolution_rate", "resolution_median_s", "fcr_rate", "complaint_rate",
    "complaint_closed_within_limit_rate", "csat", "qa_score_mean", "violations",
)


@dataclass(frozen=True)
class Card:
    """One KPI: its value now and in the previous period, target and status, sparkline."""

    metric: Metric
    current: MetricValue
    previous: MetricValue
    target: float | None
    on_target: bool | None
    target_value: float | None  # the number the target is checked on (severe items for violations)
    sparkline: tuple[float | None, ...]


@dataclass(frozen=True)
class Overview:
    filters: Filters
    previous_filters: Filters
    grain: Grain
    cards: tuple[Card, ...]
    trend: pl.DataFrame
    categories: pl.DataFrame

    @property
    def empty(self) -> bool:
        return not any(c.metric.id == "tickets" and c.current.value for c in self.cards)


def resolve_target(metric: Metric, filters: Filters, settings: Settings) -> float | None:
    """The target in force for this scope: a channel standard needs exactly one channel."""
    if metric.target_kind == "channel_standard":
        if len(filters.channels) == 1:
            return settings.channel_standard(filters.channels[0])
        return None
    return settings.target(metric.target_metric or metric.id)



def card(
    metric: Metric,
    current: dict[str, MetricValue],
    previous: dict[str, MetricValue],
    filters: Filters,
    settings: Settings,
    sparkline: tuple[float | None, ...] = (),
) -> Card:
    """A KPI card's numbers, with the target checked on the metric it applies to."""
    goal = resolve_target(metric, filters, settings)
    checked = catalog.get(metric.target_metric) if metric.target_metric else metric
    checked_value = current[checked.id].value
    return Card(
        metric=metric,
        current=current[metric.id],
        previous=previous[metric.id],
        target=goal,
        on_target=catalog.meets(checked, checked_value, goal),
        target_value=checked_value,
        sparkline=sparkline,
    )


def cards(
    store: Store,
    filters: Filters,
    metric_ids: tuple[str, ...],
    grain: Grain,
    *,
    settings: Settings,
    as_of: datetime,
) -> tuple[tuple[Card, ...], pl.DataFrame]:
    """KPI cards for the scope against target and the previous period, and their trend."""
    current = queries.kpis(store, filters, metric_ids, settings=settings, as_of=as_of)
    previous = queries.kpis(store, filters.previous(), metric_ids, settings=settings,
                            as_of=as_of)
    trend = queries.series(store, filters, metric_ids, grain, settings=settings, as_of=as_of)
    made = tuple(
        card(catalog.get(m), current, previous, filters, settings,
             tuple(trend[m].to_list()) if m in trend.columns else ())
        for m in metric_ids
    )
    return made, trend


def overview(
    store: Store,
    filters: Filters,
    grain: Grain | None = None,
    *,
    settings: Settings | None = None,
    as_of: datetime | None = None,
) -> Overview:
    """Everything the Overview page draws, for one scope."""
    settings = settings or store.settings()
    as_of = as_of or queries.site_now(settings)
    grain = grain or queries.auto_grain(filters)
    made, trend = cards(store, filters, CARD_METRICS, grain, settings=settings, as_of=as_of)
    categories = queries.breakdown(
        store, filters, ["complaints"], "category", settings=settings, as_of=as_of
    ).filter(pl.col("complaints") > 0)
    return Overview(filters, filters.previous(), grain, made, trend, categories)
