"""What the Overview page shows, computed once: KPI cards, trends, complaint categories."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import polars as pl

from metrics.core import catalog
from metrics.core.catalog import Metric
from metrics.core.filters import Filters
from metrics.core.scope import Grain, Scope
from metrics.core.settings import Settings
from metrics.engine import queries
from metrics.engine.queries import MetricValue
from metrics.engine.store import Store

CARD_METRICS: Final[tuple[str, ...]] = (
    "tickets", "weighted_sla_score", "response_within_standard_rate", "first_response_median_s",
    "resolution_rate", "resolution_median_s", "fcr_rate", "complaint_rate",
    "complaint_closed_within_limit_rate", "csat", "qa_score_mean", "violations",
)
# The hotline's cards, shown when the store holds calls.
CALL_CARD_METRICS: Final[tuple[str, ...]] = (
    "calls_offered", "answer_rate", "service_level_rate", "aht_s",
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
        return not any(c.metric.id in ("tickets", "calls_offered") and c.current.value
                       for c in self.cards)


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


def cards(store: Store, scope: Scope,
          metric_ids: tuple[str, ...]) -> tuple[tuple[Card, ...], pl.DataFrame]:
    """KPI cards for the scope against target and the previous period, and their trend."""
    current = queries.kpis(store, scope, metric_ids)
    previous = queries.kpis(store, scope.previous(), metric_ids)
    trend = queries.series(store, scope, metric_ids)
    made = tuple(
        card(catalog.get(m), current, previous, scope.filters, scope.settings,
             tuple(trend[m].to_list()) if m in trend.columns else ())
        for m in metric_ids
    )
    return made, trend


def overview(store: Store, scope: Scope) -> Overview:
    """Everything the Overview page draws, for one scope."""
    with_calls = store.holds_calls()
    made, trend = cards(store, scope, CARD_METRICS + (CALL_CARD_METRICS if with_calls else ()))
    categories = queries.breakdown(store, scope, ["complaints"], "category") \
        .filter(pl.col("complaints") > 0)
    return Overview(scope.filters, scope.filters.previous(), scope.grain, made, trend,
                    categories)
