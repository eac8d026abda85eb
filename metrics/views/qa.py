"""质检 QA: inspections and scores by team and agent, violations by category and severity,
repeat offenders and each agent's violation record. Pure functions: filters in, polars out.

A repeat offender is an agent with violations in `REPEAT_MIN_INSPECTIONS` or more distinct
inspections of the period (several items found in one inspection count as one inspection).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import polars as pl

from metrics.core.filters import Filters
from metrics.core.scope import Grain, Scope
from metrics.engine import queries
from metrics.engine.sql import compile_violation_agents, compile_violation_items
from metrics.engine.store import Store
from metrics.views.overview import Card, cards

QA_CARDS: Final[tuple[str, ...]] = ("inspections", "qa_score_mean", "violations",
                                    "severe_violations")
BY_METRICS: Final[tuple[str, ...]] = ("inspections", "qa_score_mean", "violations",
                                      "severe_violations", "violation_free_rate")
SEVERITIES: Final[tuple[str, ...]] = ("severe", "moderate", "minor")  # worst first
REPEAT_MIN_INSPECTIONS: Final[int] = 2
ITEMS_LIMIT: Final[int] = 50_000  # violation items listed per view (they are rare events)
_COUNTS: Final[tuple[str, ...]] = ("inspections", "violations", "severe_violations")
# Worst first: severe items, then inspections with violations, items, the most recent.
_WORST: Final[tuple[str, ...]] = ("repeat", "severe_items", "inspections_with_violations",
                                  "violation_items", "latest")


@dataclass(frozen=True)
class QaView:
    """The QA page's numbers: cards against target and the previous period, plus frames."""

    filters: Filters
    grain: Grain
    cards: tuple[Card, ...]
    trend: pl.DataFrame
    by_team: pl.DataFrame
    by_agent: pl.DataFrame
    severity_trend: pl.DataFrame  # bucket × severity, 0 where none
    by_category: pl.DataFrame  # violation_category × severity
    agents: pl.DataFrame  # agents with a violation in the period, worst first
    items: pl.DataFrame  # violation items, newest first (at most ITEMS_LIMIT)
    items_total: int

    def card(self, metric_id: str) -> Card:
        return next(c for c in self.cards if c.metric.id == metric_id)

    def count(self, metric_id: str) -> int:
        return int(self.card(metric_id).current.value or 0)

    @property
    def repeat_offenders(self) -> pl.DataFrame:
        return self.agents.filter(pl.col("repeat"))

    @property
    def severe_items(self) -> pl.DataFrame:
        return self.items.filter(pl.col("severity") == "severe")

    def record(self, agent: str) -> pl.DataFrame:
        """One agent's violation items in the period, newest first."""
        return self.items.filter(pl.col("agent") == agent)


def qa_view(store: Store, scope: Scope) -> QaView:
    """Everything the QA page draws, for one scope."""
    filters, grain = scope.filters, scope.grain
    made, trend = cards(store, scope, QA_CARDS)
    split = queries.breakdowns(store, scope, BY_METRICS, ("team", "agent"))
    by_team = _counted(split["team"])
    teams = queries.agent_teams(store, filters)  # once for the three frames with agents
    by_agent = queries.team_of(_counted(split["agent"]), teams)
    by_severity = queries.frame(store, scope, ["violations"], group_by=["bucket", "severity"])
    by_category = queries.frame(store, scope, ["violations"],
                                group_by=["violation_category", "severity"])
    agents, items, total = _violation_frames(store, scope)
    agents, items = queries.team_of(agents, teams), queries.team_of(items, teams)
    return QaView(
        filters=filters, grain=grain, cards=made, trend=trend, by_team=by_team,
        by_agent=by_agent,
        severity_trend=severity_grid(by_severity, filters, grain),
        by_category=by_category.select("violation_category", "severity", "violations"),
        agents=worst_first(agents, by_agent), items=items, items_total=total,
    )


def _counted(df: pl.DataFrame) -> pl.DataFrame:
    """Counts of a segment with inspections but no violation (or none scored) are 0."""
    return df.with_columns(pl.col(c).fill_null(0.0) for c in _COUNTS if c in df.columns)


def _violation_frames(store: Store,
                      scope: Scope) -> tuple[pl.DataFrame, pl.DataFrame, int]:
    """Each agent's violation record, the newest violation items and how many there are."""
    agents_q = compile_violation_agents(scope)
    items_q = compile_violation_items(scope, ITEMS_LIMIT)
    agents = store.frame(agents_q.sql, agents_q.params)
    items = store.frame(items_q.sql, items_q.params)
    total = queries.listing_total(store, items_q, items.height, ITEMS_LIMIT)
    return agents, items, total


def severity_grid(df: pl.DataFrame, filters: Filters, grain: Grain) -> pl.DataFrame:
    """Violation items per bucket and severity, every bucket × severity present (0 if none)."""
    spine = pl.DataFrame({"bucket": queries.buckets(filters.date_from, filters.date_to, grain)})
    grid = spine.join(pl.DataFrame({"severity": list(SEVERITIES)}), how="cross")
    found = df.select("bucket", "severity", pl.col("violations").cast(pl.Float64))
    return (grid.join(found, on=["bucket", "severity"], how="full", coalesce=True)
            .with_columns(pl.col("violations").fill_null(0.0))
            .sort("bucket", "severity"))


def worst_first(agents: pl.DataFrame, by_agent: pl.DataFrame) -> pl.DataFrame:
    """Agents with violations, repeat offenders first, then by severe items, inspections with
    violations, items and the latest date; each with all their inspections in the period."""
    inspections = by_agent.select("agent", pl.col("inspections").cast(pl.Int64))
    return (
        agents.with_columns(
            (pl.col("inspections_with_violations") >= REPEAT_MIN_INSPECTIONS).alias("repeat"))
        .join(inspections, on="agent", how="left")
        .sort([*_WORST, "agent"], descending=[*(True for _ in _WORST), False], nulls_last=True)
    )


def agent_summary(view: QaView, agent: str) -> dict[str, int]:
    """One agent's items, severe items and inspections with violations in the period."""
    rows = view.record(agent)
    return {"items": rows.height,
            "severe": rows.filter(pl.col("severity") == "severe").height,
            "inspections": rows["inspection_id"].n_unique()}
