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

from metrics.core import catalog, spc
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
    if level == "agent":
        ranked = with_peers(ranked)  # among everyone in scope, as the ranks
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
        columns.update({c: pl.Float64() for c in PEER_COLUMNS})
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


def rows(df: pl.DataFrame, level: Level = "agent",
         settings: Settings | None = None) -> list[dict[str, object]]:
    """Scorecard rows as plain records: the CLI's JSON and the tests' expectations. Agents'
    rows carry `coaching`, the indicator ids they are flagged on (with `settings`)."""
    out: list[dict[str, object]] = []
    flagged = coaching_ids(df, settings) if level == "agent" and settings is not None else {}
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
        if level == "agent" and settings is not None:
            record["coaching"] = flagged.get(row["agent"], [])
        out.append(record)
    return out


def _plain(metric_id: str, value: float | None) -> float | int | None:
    if value is None:
        return None
    if catalog.get(metric_id).kind == "count":
        return int(value)
    return round(float(value), 6)


# --- coaching: who is clearly worse than their peers, and what the whole centre misses ---

# Indicators a team lead coaches on, in the order the points are listed.
COACHED: Final[tuple[str, ...]] = (
    "severe_violations", "csat", "response_within_standard_rate", "fcr_rate", "reopen_rate",
    "resolution_rate", "qa_score_mean", "first_response_median_s", "resolution_median_s",
)
# The rates judged on the funnel: against the peers' rate, with the agent's own n.
FUNNELLED: Final[tuple[str, ...]] = (
    "csat", "response_within_standard_rate", "fcr_rate", "reopen_rate", "resolution_rate",
)
# Medians and the QA mean have no sampling model here; they count as clearly worse when a
# median is this much slower than the team's, or the QA mean this many points lower, on a
# sample of at least the ranking's fewest tickets, or QA_MIN_INSPECTIONS inspections.
SLOWER_THAN_TEAM: Final[float] = 0.25
QA_POINTS_BELOW_TEAM: Final[float] = 5.0
QA_MIN_INSPECTIONS: Final[int] = 10


@dataclass(frozen=True)
class CoachingPoint:
    """One finding: the indicator, the agent's value, what it is compared with, the gap.

    against: "peers" (beyond the funnel's 3σ limit around the peers' rate, or more severe
    violations than the centre's rate explains), "team" (a median 25% slower, a QA mean 5
    points lower) or "target" (short of the target but within the peers' noise: not the
    person's to fix, see process_actions)."""

    metric_id: str
    value: float
    reference: float
    against: Literal["target", "team", "peers"]
    gap: float  # in the metric's unit, positive = how far on the wrong side
    clear: bool  # a coaching point: beyond the limits, not only short of a target
    n: int | None = None
    beyond: float | None = None  # σ beyond the 3σ limit (funnelled rates, severe violations)


# Each agent's peers, attached by `scorecard` among everyone in scope (the agent filter
# aside): peer__<rate> the rate of their peers, peer_n__ its n, peer_k__ how many agents they
# are, tau2__<rate> the variation between agents beyond sampling noise, peer__severe the
# other agents' severe violations per inspection.
PEER_COLUMNS: Final[tuple[str, ...]] = (
    *(f"peer__{m}" for m in FUNNELLED), *(f"peer_n__{m}" for m in FUNNELLED),
    *(f"peer_k__{m}" for m in FUNNELLED), *(f"tau2__{m}" for m in FUNNELLED), "peer__severe")


def _sums(rows: list[dict[str, Any]], metric_id: str) -> tuple[float, float]:
    return (sum(float(r.get(f"{metric_id}__num") or 0) for r in rows),
            sum(float(r.get(f"{metric_id}__den") or 0) for r in rows))


def _peers(row: dict[str, Any], metric_id: str, team: tuple[float, float, int],
           everyone: tuple[float, float, int]) -> tuple[float | None, float, int]:
    """The agent's peers on a rate: their rate, its n and how many agents they are; the
    team's other agents pooled, else (alone in the team) every other agent."""
    own = (float(row.get(f"{metric_id}__num") or 0), float(row.get(f"{metric_id}__den") or 0))
    mine = 1 if own[1] > 0 else 0
    for num, den, agents in (team, everyone):
        if den - own[1] > 0:
            return (num - own[0]) / (den - own[1]), den - own[1], agents - mine
    return None, 0.0, 0


def _counted(rows: list[dict[str, Any]], metric_id: str) -> tuple[float, float, int]:
    num, den = _sums(rows, metric_id)
    return num, den, sum(1 for r in rows if float(r.get(f"{metric_id}__den") or 0) > 0)


def with_peers(df: pl.DataFrame) -> pl.DataFrame:
    """The scorecard with PEER_COLUMNS, computed over its rows (everyone in scope)."""
    rows = list(df.iter_rows(named=True))
    by_team: dict[str | None, list[dict[str, Any]]] = {}
    for r in rows:
        by_team.setdefault(r.get("team"), []).append(r)
    added: dict[str, list[float | None]] = {}
    for metric_id in FUNNELLED:
        teams = {team: _counted(members, metric_id) for team, members in by_team.items()}
        everyone = _counted(rows, metric_id)
        found = [_peers(r, metric_id, teams[r.get("team")], everyone) for r in rows]
        usable = [(float(r[metric_id]), float(r[f"{metric_id}__den"]), c)
                  for r, (c, _, _) in zip(rows, found, strict=True)
                  if c is not None and r.get(metric_id) is not None
                  and float(r.get(f"{metric_id}__den") or 0) > 0]
        tau2 = spc.between_variance([u[0] for u in usable], [u[1] for u in usable],
                                    [u[2] for u in usable])
        added[f"peer__{metric_id}"] = [f[0] for f in found]
        added[f"peer_n__{metric_id}"] = [f[1] for f in found]
        added[f"peer_k__{metric_id}"] = [float(f[2]) for f in found]
        added[f"tau2__{metric_id}"] = [tau2] * len(rows)
    # Severe violations per inspection of everyone else: an agent's own items would raise
    # the rate they are judged against.
    inspections = sum(float(r.get("inspections") or 0) for r in rows)
    severe = sum(float(r.get("severe_violations") or 0) for r in rows)
    others = [(severe - float(r.get("severe_violations") or 0),
               inspections - float(r.get("inspections") or 0)) for r in rows]
    added["peer__severe"] = [items / checked if checked > 0 else None
                             for items, checked in others]
    return df.with_columns([pl.Series(name, values, pl.Float64)
                            for name, values in added.items()])


def shortfall(metric_id: str, value: float, reference: float) -> float:
    """How far value falls on the wrong side of reference (≤ 0 when it does not)."""
    higher = catalog.get(metric_id).higher_is_better
    return reference - value if higher else value - reference


def _short_of_target(metric_id: str, value: float, settings: Settings,
                     n: int | None) -> CoachingPoint | None:
    goal = settings.target(metric_id)
    if goal is None or catalog.get(metric_id).target_kind not in ("min", "max") \
            or shortfall(metric_id, value, goal) <= 0:
        return None
    return CoachingPoint(metric_id, value, goal, "target", shortfall(metric_id, value, goal),
                         False, n)


def _funnel_point(row: dict[str, Any], metric_id: str, value: float,
                  n: int | None) -> CoachingPoint | None:
    """A funnelled rate beyond the funnel's 3σ limit around the peers' rate, on the wrong side."""
    centre = row.get(f"peer__{metric_id}")
    if centre is None or not n:
        return None
    # The peers' rate is an estimate too: a few peers carry their own sampling error and
    # their own share of the variation between agents.
    tau2 = row.get(f"tau2__{metric_id}") or 0.0
    peers_n, peers_k = row.get(f"peer_n__{metric_id}") or 0.0, row.get(f"peer_k__{metric_id}")
    extra = (centre * (1 - centre) / peers_n if peers_n else 0.0) \
        + (tau2 / peers_k if peers_k else 0.0)
    z = spc.z_score(value, centre, n, tau2 + extra)
    wrong = None if z is None else (-z if catalog.get(metric_id).higher_is_better else z)
    if wrong is None or wrong <= spc.SIGMAS:
        return None
    return CoachingPoint(metric_id, value, centre, "peers", shortfall(metric_id, value, centre),
                         True, n, wrong - spc.SIGMAS)


def _severe_point(row: dict[str, Any], value: float) -> CoachingPoint | None:
    """More severe violations than a Poisson count at the centre's rate reaches at 3σ."""
    inspected = int(row.get("inspections") or 0)
    rate = row.get("peer__severe")
    if rate is None or not inspected:
        return None
    mean = float(rate) * inspected
    if value <= spc.poisson_upper(mean):
        return None
    beyond = (value - mean) / math.sqrt(mean) - spc.SIGMAS if mean > 0 else None
    return CoachingPoint("severe_violations", value, mean, "peers", value - mean, True,
                         inspected, beyond)


def _team_point(row: dict[str, Any], metric_id: str, value: float, n: int | None,
                settings: Settings) -> CoachingPoint | None:
    """A median 25% slower than the team's, a QA mean 5 points under it, on a sample large
    enough for a median or a mean to mean something."""
    team, unit = row.get(f"team__{metric_id}"), catalog.get(metric_id).unit
    least = settings.rank_min_tickets if unit == "seconds" else QA_MIN_INSPECTIONS
    if team is None or shortfall(metric_id, value, team) <= 0 or (n or 0) < least:
        return None
    if (unit == "seconds" and team > 0 and value > team * (1 + SLOWER_THAN_TEAM)) \
            or (unit == "points" and team - value >= QA_POINTS_BELOW_TEAM):
        return CoachingPoint(metric_id, value, team, "team", abs(value - team), True, n)
    return None


def coaching(row: dict[str, Any], settings: Settings) -> list[CoachingPoint]:
    """An agent's points: what is clearly worse than their peers (coaching), then what is
    short of target but within the peers' noise (said, not flagged).

    - a funnelled rate is clearly worse when it lies beyond the funnel's 3σ limit around the
      peers' rate for the agent's n (τ² added: the ordinary variation between agents);
    - severe violations, when more than a Poisson count at the centre's rate per inspection
      reaches at 3σ for the agent's inspections;
    - a median when 25% slower than the team's, the QA mean when 5 points under it, on at
      least the ranking's fewest tickets (10 inspections).
    The row is a `scorecard` row (its peer__ and tau2__ columns).
    """
    points: list[CoachingPoint] = []
    for metric_id in COACHED:
        value = row.get(metric_id)
        if value is None:
            continue
        den = row.get(f"{metric_id}__den")
        n = None if den is None else int(den)
        if metric_id in FUNNELLED:
            found = _funnel_point(row, metric_id, value, n)
        elif metric_id == "severe_violations":
            n = int(row.get("inspections") or 0)
            found = _severe_point(row, value)
        else:
            found = _team_point(row, metric_id, value, n, settings)
        found = found or _short_of_target(metric_id, value, settings, n)
        if found is not None:
            points.append(found)
    return sorted(points, key=lambda p: not p.clear)


def needs_coaching(df: pl.DataFrame, settings: Settings) -> pl.DataFrame:
    """Agents clearly worse than their peers on something, furthest beyond the limits first
    (σ beyond the 3σ line, over their points), then by severe violations and how many
    indicators are flagged. `metrics`: the flagged indicator ids."""
    records = []
    for row in df.iter_rows(named=True):
        points = coaching(row, settings)
        found = [p for p in points if p.clear]
        if not found:
            continue
        beyond = [p.beyond for p in found if p.beyond is not None]
        # Severe violations where the peers have none are beyond any limit: listed first.
        unbounded = any(p.metric_id == "severe_violations" and p.beyond is None for p in found)
        records.append({
            "_order": math.inf if unbounded else max(beyond, default=-math.inf),
            "agent": row["agent"], "team": row.get("team"),
            "severe_violations": int(row.get("severe_violations") or 0),
            "beyond": max(beyond) if beyond else None,
            "below_team": len(found),
            "below_target": sum(not p.clear for p in points),
            "metrics": ",".join(p.metric_id for p in found),
            "agent_composite": row.get(COMPOSITE),
        })
    schema = {"_order": pl.Float64, "agent": pl.String, "team": pl.String,
              "severe_violations": pl.Int64, "beyond": pl.Float64, "below_team": pl.Int64,
              "below_target": pl.Int64, "metrics": pl.String, "agent_composite": pl.Float64}
    return pl.DataFrame(records, schema=schema).sort(
        ["_order", "severe_violations", "below_team", "agent_composite"],
        descending=[True, True, True, False], nulls_last=True).drop("_order")


def coaching_ids(df: pl.DataFrame, settings: Settings) -> dict[str, list[str]]:
    """Each agent's flagged indicator ids (empty when none): `agents --json`'s `coaching`."""
    return {row["agent"]: [p.metric_id for p in coaching(row, settings) if p.clear]
            for row in df.iter_rows(named=True)}


@dataclass(frozen=True)
class ProcessAction:
    """An indicator the scope as a whole misses: one action for the process, not for people.
    The centre's value (pooled), the target, and the agents' spread."""

    metric_id: str
    value: float
    target: float
    gap: float
    lowest: float
    highest: float
    agents: int
    agents_short: int


def process_actions(df: pl.DataFrame, settings: Settings) -> list[ProcessAction]:
    """The funnelled rates whose pooled value over the scope's agents misses its target."""
    actions = []
    for metric_id in FUNNELLED:
        goal = settings.target(metric_id)
        num, den = _sums(list(df.iter_rows(named=True)), metric_id)
        if goal is None or not den or catalog.get(metric_id).target_kind not in ("min", "max"):
            continue
        value = num / den
        if shortfall(metric_id, value, goal) <= 0:
            continue
        values = [float(v) for v in df[metric_id].to_list() if v is not None]
        short = sum(shortfall(metric_id, v, goal) > 0 for v in values)
        actions.append(ProcessAction(metric_id, value, goal, shortfall(metric_id, value, goal),
                                     min(values), max(values), len(values), short))
    return actions


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
