"""Agent and team scorecards: every indicator per agent, the ITSS composite, fair ranking.

A scorecard row holds the catalog's values (`<id>`, `<id>__num`, `<id>__den`), CSAT's Wilson
interval, the composite, the rank (null when the sample is too small) and, for agents, the
same indicators of the agent's team as `team__<id>`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Final, Literal

import polars as pl

from metrics.core import catalog
from metrics.core.filters import Filters
from metrics.core.scope import Grain, Scope
from metrics.core.settings import Settings
from metrics.engine import queries
from metrics.engine.store import Store

Level = Literal["agent", "team"]

# The scorecard's indicators, in the order the table shows them.
INDICATORS: Final[tuple[str, ...]] = (
    "tickets", "first_response_median_s", "resolution_median_s",
    "response_within_standard_rate", "resolution_rate", "fcr_rate", "reopen_rate", "csat",
    "mean_score", "qa_score_mean", "inspections", "violation_free_rate",
    "minor_violations", "moderate_violations", "severe_violations", "calls_answered", "aht_s",
    "agent_composite",
)
COMPOSITE: Final[str] = "agent_composite"
# z for a 95% two-sided interval.
Z95: Final[float] = 1.959963984540054


def wilson(hits: float | None, n: float | None,
           z: float = Z95) -> tuple[float | None, float | None]:
    """The Wilson score interval of a proportion; (None, None) when n is 0 or unknown."""
    if not n or hits is None:
        return None, None
    p = hits / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def _with_wilson(df: pl.DataFrame) -> pl.DataFrame:
    """csat_low / csat_high from csat__num / csat__den."""
    if df.is_empty():
        return df.with_columns(pl.lit(None, pl.Float64).alias("csat_low"),
                               pl.lit(None, pl.Float64).alias("csat_high"))
    bounds = [wilson(h, n) for h, n in zip(df["csat__num"].to_list(), df["csat__den"].to_list(),
                                           strict=True)]
    return df.with_columns(
        pl.Series("csat_low", [b[0] for b in bounds], pl.Float64),
        pl.Series("csat_high", [b[1] for b in bounds], pl.Float64),
    )


def rankable(tickets: float | None, answers: float | None, settings: Settings) -> bool:
    """Whether a sample is large enough to rank: enough tickets and, when CSAT is weighted,
    enough scored answers."""
    if (tickets or 0) < settings.rank_min_tickets:
        return False
    return not (settings.agent_weights.get("csat", 0) > 0
                and (answers or 0) < settings.rank_min_answers)


def _ranked(df: pl.DataFrame, settings: Settings, level: Level) -> pl.DataFrame:
    """`ranked` and `rank` (1 = best composite, ties share a rank; null when not ranked),
    sorted: ranked rows by rank, then the others by composite; ties by tickets, then name."""
    ok = [
        rankable(t, a, settings) and c is not None
        for t, a, c in zip(df["tickets"].to_list(), df["csat__den"].to_list(),
                           df[COMPOSITE].to_list(), strict=True)
    ]
    df = df.with_columns(pl.Series("ranked", ok, pl.Boolean))
    rank = pl.when(pl.col("ranked")).then(pl.col(COMPOSITE)).otherwise(None) \
        .rank(method="min", descending=True).cast(pl.Int64)
    return df.with_columns(rank.alias("rank")).sort(
        ["ranked", COMPOSITE, "tickets", level], descending=[True, True, True, False],
        nulls_last=True,
    )


def _level_frame(store: Store, scope: Scope, level: Level) -> pl.DataFrame:
    df = queries.frame(store, scope, INDICATORS, group_by=[level])
    if df.is_empty():
        return df
    df = df.filter(pl.col(level).is_not_null())
    counts = [m for m in INDICATORS if catalog.get(m).kind == "count"]
    return _with_wilson(df.with_columns([pl.col(m).fill_null(0.0) for m in counts]))


def scorecard(store: Store, scope: Scope, level: Level = "agent") -> pl.DataFrame:
    """One row per agent (or team) in scope with every indicator, composite and rank.

    Agents carry `team` (their team in the period, by the one rule of `sql.AGENT_TEAMS`) and
    their team's values as `team__<id>`; ranks are among all agents in scope, whatever the
    agent filter.
    """
    df = _level_frame(store, scope, level)
    if df.is_empty():
        return _empty(level)
    if level == "agent":
        df = _beside_team(df, store, scope)
    ranked = _ranked(df, scope.settings, level)
    agents = scope.filters.agents
    if level == "agent" and agents:
        # Ranks are among everyone in scope: picking agents must not promote them.
        ranked = ranked.filter(pl.col("agent").is_in(list(agents)))
    return ranked


def _beside_team(df: pl.DataFrame, store: Store, scope: Scope) -> pl.DataFrame:
    """Every agent of the scope (the agent filter aside) with their team and its values."""
    whole = scope.narrowed(agents=())
    everyone = df if not scope.filters.agents else _level_frame(store, whole, "agent")
    everyone = queries.with_agent_team(everyone, store, scope.filters)
    # Rates, durations and scores: the team's rows pooled.
    team_df = _level_frame(store, whole, "team")
    keep = ["team", *INDICATORS, "csat_low", "csat_high"]
    team_df = team_df.select([c for c in keep if c in team_df.columns]).rename(
        {c: f"team__{c}" for c in keep if c != "team"})
    # Counts: the mean over the team's agents, so they compare with one agent's count.
    counts = [m for m in INDICATORS if catalog.get(m).kind == "count"]
    means = everyone.group_by("team").agg(
        [pl.col(m).mean().alias(f"team__{m}") for m in counts]
        + [pl.len().alias("team__agents")])
    team_df = team_df.drop([f"team__{m}" for m in counts]).join(
        means, on="team", how="left", nulls_equal=False)
    return everyone.join(team_df, on="team", how="left")


def _empty(level: Level) -> pl.DataFrame:
    columns: dict[str, pl.DataType] = {level: pl.String()}
    if level == "agent":
        columns["team"] = pl.String()
    for m in INDICATORS:
        columns[m] = pl.Float64()
    columns.update({"csat__num": pl.Float64(), "csat__den": pl.Float64(),
                    "csat_low": pl.Float64(), "csat_high": pl.Float64(),
                    "ranked": pl.Boolean(), "rank": pl.Int64()})
    if level == "agent":
        columns.update({f"team__{c}": pl.Float64()
                        for c in (*INDICATORS, "csat_low", "csat_high")})
    return pl.DataFrame(schema=columns)


def sparklines(store: Store, scope: Scope, level: Level = "agent",
               metric_id: str = COMPOSITE) -> dict[str, list[float | None]]:
    """Each agent's (team's) metric per week or month (`trend_grain`) over the period, empty
    buckets null."""
    trend = scope.with_grain(trend_grain(scope.filters))
    df = queries.frame(store, trend, [metric_id], group_by=[level, "bucket"])
    spine = queries.buckets(scope.filters.date_from, scope.filters.date_to, trend.grain)
    out: dict[str, list[float | None]] = {}
    if df.is_empty():
        return out
    for (key,), part in df.filter(pl.col(level).is_not_null()).group_by([level]):
        values = dict(zip(part["bucket"].to_list(), part[metric_id].to_list(), strict=True))
        out[str(key)] = [None if values.get(b) is None else float(values[b]) for b in spine]
    return out


def trend_grain(filters: Filters) -> Grain:
    """Per-agent trends need more than a day's sample: week up to ~7 months, month beyond."""
    return "week" if filters.days <= 210 else "month"


def rows(df: pl.DataFrame, level: Level = "agent") -> list[dict[str, object]]:
    """Scorecard rows as plain records: the CLI's JSON and the tests' expectations."""
    out: list[dict[str, object]] = []
    for row in df.iter_rows(named=True):
        record: dict[str, object] = {level: row[level]}
        if level == "agent":
            record["team"] = row["team"]
        for m in INDICATORS:
            if m == COMPOSITE:
                continue
            record[m] = _plain(m, row[m])
        record["csat_n"] = int(row["csat__den"] or 0)
        record["csat_ci"] = None if row["csat_low"] is None \
            else [round(row["csat_low"], 6), round(row["csat_high"], 6)]
        record["composite"] = None if row[COMPOSITE] is None else round(row[COMPOSITE], 6)
        record["rank"] = row["rank"]
        out.append(record)
    return out


def _plain(metric_id: str, value: float | None) -> float | int | None:
    if value is None:
        return None
    if catalog.get(metric_id).kind == "count":
        return int(value)
    return round(float(value), 6)


# --- coaching: what is below target or clearly below the team, and by how much ---

# Indicators a team lead coaches on, in the order the points are listed.
COACHED: Final[tuple[str, ...]] = (
    "severe_violations", "csat", "response_within_standard_rate", "fcr_rate", "reopen_rate",
    "resolution_rate", "qa_score_mean", "first_response_median_s", "resolution_median_s",
)
# Below the team is "clear" when: a rate's 95% interval excludes the team's value; a median
# is this much slower than the team's; a QA mean is this many points lower.
SLOWER_THAN_TEAM: Final[float] = 0.25
QA_POINTS_BELOW_TEAM: Final[float] = 5.0


@dataclass(frozen=True)
class CoachingPoint:
    """One finding: the indicator, the agent's value, what it falls short of, and the gap."""

    metric_id: str
    value: float
    reference: float
    against: Literal["target", "team"]
    gap: float  # in the metric's unit, positive = how far on the wrong side
    clear: bool  # beyond noise: the rate's 95% interval lies on the wrong side
    n: int | None = None


def _interval(row: dict[str, Any], metric_id: str) -> tuple[float | None, float | None]:
    return wilson(row.get(f"{metric_id}__num"), row.get(f"{metric_id}__den"))


def _worse(metric_id: str, value: float, reference: float) -> float:
    """How far value falls on the wrong side of reference (≤ 0 when it does not)."""
    higher = catalog.get(metric_id).higher_is_better
    return reference - value if higher else value - reference


def coaching(row: dict[str, Any], settings: Settings) -> list[CoachingPoint]:
    """An agent's coaching points: below target first, then clearly below the team.

    Severe violations miss their target (0) at one item. A rate is compared with its target
    and, when its Wilson interval lies wholly on the wrong side, called clear; below the team
    it counts only when clear. Medians count when 25% slower than the team, the QA mean when
    5 points under it.
    """
    points: list[CoachingPoint] = []
    for metric_id in COACHED:
        value = row.get(metric_id)
        if value is None:
            continue
        metric = catalog.get(metric_id)
        low, high = _interval(row, metric_id) if metric.kind == "ratio" else (None, None)
        n = row.get(f"{metric_id}__den")
        n = None if n is None else int(n)
        goal = settings.target(metric_id)
        if goal is not None and metric.target_kind in ("min", "max") \
                and _worse(metric_id, value, goal) > 0:
            bound = high if metric.higher_is_better else low
            clear = metric.kind != "ratio" or (bound is not None
                                               and _worse(metric_id, bound, goal) > 0)
            points.append(CoachingPoint(metric_id, value, goal, "target",
                                        _worse(metric_id, value, goal), clear, n))
            continue
        team = row.get(f"team__{metric_id}")
        if team is None or _worse(metric_id, value, team) <= 0:
            continue
        if metric.kind == "ratio":
            bound = high if metric.higher_is_better else low
            if bound is not None and _worse(metric_id, bound, team) > 0:
                points.append(CoachingPoint(metric_id, value, team, "team",
                                            _worse(metric_id, value, team), True, n))
        elif metric.unit == "seconds" and team > 0 and value > team * (1 + SLOWER_THAN_TEAM):
            points.append(CoachingPoint(metric_id, value, team, "team", value - team, True, n))
        elif metric.unit == "points" and team - value >= QA_POINTS_BELOW_TEAM:
            points.append(CoachingPoint(metric_id, value, team, "team", team - value, True, n))
    return points


def needs_coaching(df: pl.DataFrame, settings: Settings) -> pl.DataFrame:
    """Agents with a clear coaching point, most urgent first: severe violations, then how
    many indicators are clearly below the team, then how many are below target."""
    records = []
    for row in df.iter_rows(named=True):
        found = [p for p in coaching(row, settings) if p.clear]
        if not found:
            continue
        records.append({
            "agent": row["agent"], "team": row.get("team"),
            "severe_violations": int(row.get("severe_violations") or 0),
            "below_team": sum(p.against == "team" for p in found),
            "below_target": sum(p.against == "target" for p in found),
            "metrics": ",".join(p.metric_id for p in found),
            "agent_composite": row.get(COMPOSITE),
        })
    schema = {"agent": pl.String, "team": pl.String, "severe_violations": pl.Int64,
              "below_team": pl.Int64, "below_target": pl.Int64, "metrics": pl.String,
              "agent_composite": pl.Float64}
    return pl.DataFrame(records, schema=schema).sort(
        ["severe_violations", "below_team", "below_target", "agent_composite"],
        descending=[True, True, True, False], nulls_last=True)


# --- one agent over time, beside the team ---

TRENDED: Final[tuple[str, ...]] = (
    "agent_composite", "response_within_standard_rate", "fcr_rate", "csat", "qa_score_mean",
    "first_response_median_s",
)


def agent_trends(store: Store, scope: Scope, agent: str, team: str | None) -> pl.DataFrame:
    """Long frame (bucket, metric, who = agent | team, value) of TRENDED over the period, per
    week or month (`trend_grain`)."""
    trend = scope.with_grain(trend_grain(scope.filters))
    scopes = {"agent": trend.narrowed(agents=(agent,))}
    if team is not None:
        scopes["team"] = trend.narrowed(agents=(), teams=(team,))
    parts = []
    for who, narrowed in scopes.items():
        wide = queries.series(store, narrowed, TRENDED)
        long = wide.select("bucket", *TRENDED).unpivot(
            index="bucket", variable_name="metric", value_name="value")
        parts.append(long.with_columns(pl.lit(who).alias("who")))
    return pl.concat(parts).select("bucket", "metric", "who", "value")
