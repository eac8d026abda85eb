"""Metric queries: filters in, numbers and polars frames out. The only door to the SQL."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import polars as pl

from metrics.core import catalog
from metrics.core.catalog import Metric, Source
from metrics.core.filters import Filters
from metrics.core.settings import Settings
from metrics.engine.sql import Grain, compile_source
from metrics.engine.store import Store


@dataclass(frozen=True)
class MetricValue:
    """A metric's value with the counts behind it (numerator / denominator, or n)."""

    metric_id: str
    value: float | None
    numerator: float | None = None
    denominator: float | None = None


def site_now(settings: Settings) -> datetime:
    """The site's wall-clock time now, naive like the stored times, to the second."""
    return datetime.now(ZoneInfo(settings.timezone)).replace(tzinfo=None, microsecond=0)


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
    filters: Filters,
    metric_ids: Iterable[str],
    *,
    group_by: Sequence[str] = (),
    grain: Grain = "day",
    settings: Settings | None = None,
    as_of: datetime | None = None,
) -> pl.DataFrame:
    """One row per group (one row in all when ungrouped): `<id>` values, `<id>__num/__den`."""
    settings = settings or store.settings()
    as_of = as_of or site_now(settings)
    metrics = expand(metric_ids, settings)
    by_source: dict[Source, list[Metric]] = {}
    for metric in metrics:
        if metric.kind != "weighted":
            by_source.setdefault(metric.source, []).append(metric)
    parts: list[pl.DataFrame] = []
    with store.reader() as con:
        for source, members in by_source.items():
            query = compile_source(source, members, filters, settings, as_of, group_by, grain)
            parts.append(con.sql(query.sql, params=query.params).pl())
    combined = _join(parts, list(group_by))
    return _finish(combined, metrics, settings)


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
            df = df.with_columns(_weighted(getattr(settings, m.weights)).alias(m.id))
    return df


def _weighted(weights: dict[str, float]) -> pl.Expr:
    """Σ attainment × weight over indicators with data, weights renormalised over them."""
    num = pl.sum_horizontal([_attained(k).fill_null(0.0) * w for k, w in weights.items()])
    den = pl.sum_horizontal(
        [pl.col(k).is_not_null().cast(pl.Float64) * w for k, w in weights.items()]
    )
    return pl.when(den > 0).then(num / den).otherwise(None)


def _attained(metric_id: str) -> pl.Expr:
    """An indicator as an attainment 0-1 for the weighted scores: a rate itself, 1 − a rate
    better when lower, a 0-100 score / 100."""
    metric = catalog.get(metric_id)
    if metric.unit == "points":
        return pl.col(metric_id) / 100.0
    return pl.col(metric_id) if metric.higher_is_better else 1.0 - pl.col(metric_id)


def kpis(
    store: Store,
    filters: Filters,
    metric_ids: Iterable[str] | None = None,
    *,
    settings: Settings | None = None,
    as_of: datetime | None = None,
) -> dict[str, MetricValue]:
    """Each metric over the whole filtered scope."""
    ids = list(metric_ids) if metric_ids is not None else list(catalog.PUBLIC_IDS)
    settings = settings or store.settings()
    row = frame(store, filters, ids, settings=settings, as_of=as_of).row(0, named=True)
    result: dict[str, MetricValue] = {}
    for metric in expand(ids, settings):
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


def series(
    store: Store,
    filters: Filters,
    metric_ids: Iterable[str],
    grain: Grain,
    *,
    settings: Settings | None = None,
    as_of: datetime | None = None,
) -> pl.DataFrame:
    """Metrics per time bucket over the period; counts of empty buckets are 0."""
    ids = list(metric_ids)
    df = frame(
        store, filters, ids, group_by=["bucket"], grain=grain, settings=settings, as_of=as_of
    )
    spine = pl.DataFrame({"bucket": buckets(filters.date_from, filters.date_to, grain)})
    df = spine.join(df, on="bucket", how="left") if df.width else spine
    counts = [m for m in ids if catalog.get(m).kind == "count" and m in df.columns]
    return df.with_columns([pl.col(m).fill_null(0.0) for m in counts])


def breakdown(
    store: Store,
    filters: Filters,
    metric_ids: Iterable[str],
    by: str,
    *,
    settings: Settings | None = None,
    as_of: datetime | None = None,
) -> pl.DataFrame:
    """Metrics per value of one column (channel, team, category…)."""
    return frame(store, filters, metric_ids, group_by=[by], settings=settings, as_of=as_of)


def auto_grain(filters: Filters) -> Grain:
    """Day up to ~6 weeks, week up to ~7 months, month beyond."""
    if filters.days <= 45:
        return "day"
    if filters.days <= 210:
        return "week"
    return "month"


def dimension_values(store: Store) -> dict[str, list[str]]:
    """The values each filter can take, as present in the store."""
    if not store.exists():
        return {"channel": [], "team": [], "agent": [], "request_type": [], "category": []}
    out: dict[str, list[str]] = {}
    with store.reader() as con:
        for column in ("channel", "team", "agent", "request_type", "category"):
            rows = con.execute(
                f"SELECT DISTINCT {column} FROM tickets WHERE {column} IS NOT NULL ORDER BY 1"  # noqa: S608 - column is from the fixed tuple above
            ).fetchall()
            out[column] = [str(r[0]) for r in rows]
    return out


def agent_teams(store: Store, date_from: date | None = None,
                date_to: date | None = None) -> dict[str, str]:
    """Each agent's team: the team of their latest ticket in the period when one is given
    (an agent who moved is reviewed with the team they worked in), else their latest."""
    if not store.exists():
        return {}
    start = datetime.combine(date_from or date.min, datetime.min.time())
    end = datetime.combine((date_to or date.max - timedelta(days=1)) + timedelta(days=1),
                           datetime.min.time())
    with store.reader() as con:
        rows = con.execute(
            "SELECT agent, coalesce(arg_max(team, created_at) FILTER (WHERE created_at >= $start"
            " AND created_at < $end), arg_max(team, created_at)) FROM tickets"
            " WHERE agent IS NOT NULL AND team IS NOT NULL GROUP BY agent ORDER BY agent",
            {"start": start, "end": end},
        ).fetchall()
    return {str(agent): str(team) for agent, team in rows}


def with_agent_team(df: pl.DataFrame, store: Store, filters: Filters) -> pl.DataFrame:
    """`team` beside each `agent`: the team of their latest ticket in the filters' period."""
    teams = agent_teams(store, filters.date_from, filters.date_to)
    return df.with_columns(
        pl.col("agent").replace_strict(teams, default=None, return_dtype=pl.String)
        .alias("team"))


def first_ticket_date(store: Store) -> date | None:
    if not store.exists():
        return None
    with store.reader() as con:
        row = con.execute("SELECT min(created_at)::DATE FROM tickets").fetchone()
    return row[0] if row else None
