"""Metric queries: a scope in, numbers and polars frames out. The only door to the SQL."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import polars as pl

from metrics.core import catalog
from metrics.core.catalog import Metric, Source
from metrics.core.filters import Filters
from metrics.core.scope import Grain, Scope
from metrics.core.settings import Settings
from metrics.engine.sql import Query, compile_agent_teams, compile_sets, compile_source
from metrics.engine.store import Store


@dataclass(frozen=True)
class MetricValue:
    """A metric's value with the counts behind it (numerator / denominator, or n)."""

    metric_id: str
    value: float | None
    numerator: float | None = None
    denominator: float | None = None



def expand(metric_ids: Iterable[str], settings: Settings) -> list[Metric]:
    """The declarations to compute: the ids asked for plus what derived ones are made of."""
    wanted: dict[str, Metric] = {}
    for metric_id in metric_ids:
        metric = catalog.get(metric_id)
        if metric.kind == "weighted":
            for component in getattr(settings, metric.weights):
                wanted.setdefault(component, catalog.get(component))
        if metric.target_metric:
            wanted.setdefault(metric.target_metric, catalog.get(metric.target_metric))
        wanted.setdefault(metric_id, metric)
    return list(wanted.values())


def frame(
    store: Store,
    scope: Scope,
    metric_ids: Iterable[str],
    *,
    group_by: Sequence[str] = (),
) -> pl.DataFrame:
    """One row per group (one row in all when ungrouped): `<id>` values, `<id>__num/__den`.
    A `bucket` group is the scope's grain."""
    metrics = expand(metric_ids, scope.settings)
    parts: list[pl.DataFrame] = []
    for source, members in _by_source(metrics).items():
        query = compile_source(source, members, scope, group_by)
        parts.append(store.frame(query.sql, query.params))
    combined = _join(parts, list(group_by))
    return _finish(combined, metrics, scope.settings)


def _by_source(metrics: list[Metric]) -> dict[Source, list[Metric]]:
    """The metrics computed in SQL, by the source relation each reads (one query each)."""
    by_source: dict[Source, list[Metric]] = {}
    for metric in metrics:
        if metric.kind != "weighted":
            by_source.setdefault(metric.source, []).append(metric)
    return by_source


def _join(parts: list[pl.DataFrame], keys: list[str]) -> pl.DataFrame:
    if not parts:
        return pl.DataFrame()
    result = parts[0]
    for part in parts[1:]:
        if keys:
            result = result.join(part, on=keys, how="full", coalesce=True, nulls_equal=True)
        else:
            result = pl.concat([result, part], how="horizontal")
    return result.sort(keys, nulls_last=True) if keys else result


def _finish(df: pl.DataFrame, metrics: list[Metric], settings: Settings) -> pl.DataFrame:
    """Values from numerators and denominators; an empty denominator gives null, never 0."""
    columns: list[pl.Expr] = []
    for m in metrics:
        if m.kind == "ratio":
            den = pl.col(f"{m.id}__den")
            columns.append(
                pl.when(den > 0)
                .then(pl.col(f"{m.id}__num").cast(pl.Float64) / den * m.scale)
                .otherwise(None)
                .alias(m.id)
            )
        elif m.kind in ("quantile", "mean", "count"):
            columns.append(pl.col(f"{m.id}__value").cast(pl.Float64).alias(m.id))
    df = df.with_columns(columns) if columns else df
    for m in metrics:
        if m.kind == "weighted":
            df = df.with_columns(_weighted(getattr(settings, m.weights), settings).alias(m.id))
    return df


def _weighted(weights: dict[str, float], settings: Settings) -> pl.Expr:
    """Σ attainment × weight over indicators with data, weights renormalised over them."""
    attained = {k: _attained(k, settings) for k in weights}
    num = pl.sum_horizontal([attained[k].fill_null(0.0) * w for k, w in weights.items()])
    den = pl.sum_horizontal(
        [attained[k].is_not_null().cast(pl.Float64) * w for k, w in weights.items()]
    )
    return pl.when(den > 0).then(num / den).otherwise(None)


def _attained(metric_id: str, settings: Settings) -> pl.Expr:
    """An indicator as an attainment 0-1 for the weighted scores: a rate itself, 1 − a rate
    better when lower, a 0-100 score / 100, a duration as its target over itself (at most 1:
    AHT within its target attains fully; without a target it has none and drops out)."""
    metric = catalog.get(metric_id)
    if metric.unit == "points":
        return pl.col(metric_id) / 100.0
    if metric.unit == "seconds":
        goal = settings.target(metric_id)
        if not goal:
            return pl.lit(None, pl.Float64)
        return pl.when(pl.col(metric_id) > 0).then(
            (goal / pl.col(metric_id)).clip(upper_bound=1.0))
    return pl.col(metric_id) if metric.higher_is_better else 1.0 - pl.col(metric_id)


def kpis(
    store: Store,
    scope: Scope,
    metric_ids: Iterable[str] | None = None,
) -> dict[str, MetricValue]:
    """Each metric over the whole filtered scope."""
    ids = list(metric_ids) if metric_ids is not None else list(catalog.PUBLIC_IDS)
    row = frame(store, scope, ids).row(0, named=True)
    result: dict[str, MetricValue] = {}
    for metric in expand(ids, scope.settings):
        m = metric.id
        value = row.get(m)
        result[m] = MetricValue(
            metric_id=m,
            value=None if value is None else float(value),
            numerator=_num(row.get(f"{m}__num")),
            denominator=_num(row.get(f"{m}__den")),
        )
    return result


def _num(value: object) -> float | None:
    return None if value is None else float(value)  # type: ignore[arg-type]


def buckets(date_from: date, date_to: date, grain: Grain) -> list[date]:
    """Every bucket start a period touches, so an empty day shows as 0, not as a gap."""
    start = _truncate(date_from, grain)
    out: list[date] = []
    current = start
    while current <= date_to:
        out.append(current)
        current = _next(current, grain)
    return out


def _truncate(day: date, grain: Grain) -> date:
    if grain == "week":
        return day - timedelta(days=day.weekday())
    if grain == "month":
        return day.replace(day=1)
    return day


def _next(day: date, grain: Grain) -> date:
    if grain == "week":
        return day + timedelta(days=7)
    if grain == "month":
        return (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return day + timedelta(days=1)


def series(store: Store, scope: Scope, metric_ids: Iterable[str]) -> pl.DataFrame:
    """Metrics per time bucket (the scope's grain) over the period; empty buckets count 0."""
    ids = list(metric_ids)
    df = frame(store, scope, ids, group_by=["bucket"])
    filters = scope.filters
    spine = pl.DataFrame({"bucket": buckets(filters.date_from, filters.date_to, scope.grain)})
    df = spine.join(df, on="bucket", how="left") if df.width else spine
    counts = [m for m in ids if catalog.get(m).kind == "count" and m in df.columns]
    return df.with_columns([pl.col(m).fill_null(0.0) for m in counts])


def breakdown(store: Store, scope: Scope, metric_ids: Iterable[str], by: str) -> pl.DataFrame:
    """Metrics per value of one column (channel, team, category…)."""
    return frame(store, scope, metric_ids, group_by=[by])



def breakdowns(store: Store, scope: Scope, metric_ids: Iterable[str],
               columns: Sequence[str]) -> dict[str, pl.DataFrame]:
    """`breakdown` by each of `columns`, the same frames, in one query per source (GROUPING
    SETS): one scan of the rows instead of one per column."""
    metrics = expand(metric_ids, scope.settings)
    parts: dict[str, list[pl.DataFrame]] = {c: [] for c in columns}
    for source, members in _by_source(metrics).items():
        if source == "coverage":  # its own relation per column: no grouping sets
            for c in columns:
                query = compile_source(source, members, scope, [c])
                parts[c].append(store.frame(query.sql, query.params))
            continue
        query = compile_sets(source, members, scope, columns)
        df = store.frame(query.sql, query.params)
        flags = [f"_g_{c}" for c in columns]
        for c in columns:
            others = [o for o in columns if o != c]
            parts[c].append(df.filter(pl.col(f"_g_{c}") == 0).drop(*flags, *others))
    return {c: _finish(_join(parts[c], [c]), metrics, scope.settings) for c in columns}


def dimension_values(store: Store) -> dict[str, list[str]]:
    """The values each filter can take, as present in the store."""
    if not store.exists():
        return {"channel": [], "team": [], "agent": [], "request_type": [], "category": [],
                "queue": []}
    out: dict[str, list[str]] = {}
    # (column, the tables holding it): agents and teams answer calls too
    sources = (("channel", ("tickets",)), ("team", ("tickets", "calls")),
               ("agent", ("tickets", "calls")), ("request_type", ("tickets",)),
               ("category", ("tickets",)), ("queue", ("calls",)))
    for column, tables in sources:
        union = " UNION ".join(
            f"SELECT {column} FROM {table} WHERE {column} IS NOT NULL"  # noqa: S608 - fixed names
            for table in tables)
        rows = store.fetch(f"SELECT DISTINCT {column} FROM ({union}) ORDER BY 1")  # noqa: S608 - columns and tables from the fixed tuple above
        out[column] = [str(r[0]) for r in rows]
    return out


def agent_teams(store: Store, filters: Filters) -> dict[str, str]:
    """Each agent's team in the filters' period, by the one rule of `sql.AGENT_TEAMS`: the
    team of their latest ticket in the period, else of their latest ticket at all."""
    if not store.exists():
        return {}
    query = compile_agent_teams(filters)
    rows = store.fetch(query.sql, query.params)
    return {str(agent): str(team) for agent, team in rows}


def with_agent_team(df: pl.DataFrame, store: Store, filters: Filters) -> pl.DataFrame:
    """`team` beside each `agent`: their team in the filters' period (`agent_teams`)."""
    return team_of(df, agent_teams(store, filters))


def team_of(df: pl.DataFrame, teams: dict[str, str]) -> pl.DataFrame:
    """`team` (in place, or added) from each `agent` by an `agent_teams` mapping."""
    return df.with_columns(
        pl.col("agent").replace_strict(teams, default=None, return_dtype=pl.String)
        .alias("team"))


def first_day(store: Store) -> date | None:
    """The first day the tickets or the calls reach (where the period picker starts)."""
    if not store.exists():
        return None
    rows = store.fetch("SELECT least((SELECT min(created_at) FROM tickets),"
                       " (SELECT min(queued_at) FROM calls))::DATE AS day")
    return rows[0][0] if rows else None


def listing_total(store: Store, query: Query, shown: int, limit: int) -> int:
    """How many rows a listing cut at `limit` has in all: `shown` when the limit did not cut
    it, else its `total` query's count (one aggregate, no rows kept)."""
    if shown < limit or query.total is None:
        return shown
    rows = store.fetch(query.total.sql, query.total.params)
    return int(rows[0][0]) if rows else 0
