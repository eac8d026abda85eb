"""The one small compiler from metric declarations to DuckDB SQL with bind parameters.

Every source relation exposes the same filter columns (ts, channel, team, agent,
request_type, category, product), so one WHERE clause serves them all. Values never enter
the SQL text: filters, settings and the as-of time are `$name` parameters.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from metrics.core import hours
from metrics.core.catalog import Metric, Source
from metrics.core.filters import Filters
from metrics.core.scope import Scope

# Ruff's S608 (SQL built from strings) is silenced line by line: the compiler joins only the
# catalog's declared SQL fragments and this module's own text; every value is a bind
# parameter (tests/unit/test_sql.py feeds it injection attempts).

# Group columns: plain columns of the source relations, and derived ones (expression).
_DERIVED: Final[dict[str, str]] = {
    "weekday": "isodow(ts)",
    "hour": "hour(ts)",
    "frt_band": """CASE WHEN frt_s IS NULL THEN NULL WHEN frt_s <= 20 THEN 1
        WHEN frt_s <= 60 THEN 2 WHEN frt_s <= 300 THEN 3 WHEN frt_s <= 900 THEN 4
        WHEN frt_s <= 3600 THEN 5 WHEN frt_s <= 14400 THEN 6 WHEN frt_s <= 86400 THEN 7
        ELSE 8 END""",
    "res_band": """CASE WHEN res_s IS NULL THEN NULL WHEN res_s <= 3600 THEN 1
        WHEN res_s <= 14400 THEN 2 WHEN res_s <= 86400 THEN 3 WHEN res_s <= 259200 THEN 4
        WHEN res_s <= 604800 THEN 5 ELSE 6 END""",
    "age_band": """CASE WHEN res_s IS NOT NULL THEN NULL WHEN age_cal_s < 86400 THEN 1
        WHEN age_cal_s < 259200 THEN 2 WHEN age_cal_s < 604800 THEN 3 ELSE 4 END""",
    # a call's half hour of the day, 0 (00:00-00:30) .. 47 (23:30-24:00)
    "slot": "hour(ts) * 2 + minute(ts) // 30",
    "wait_band": """CASE WHEN wait_s IS NULL THEN NULL WHEN wait_s <= 5 THEN 1
        WHEN wait_s <= 10 THEN 2 WHEN wait_s <= 20 THEN 3 WHEN wait_s <= 30 THEN 4
        WHEN wait_s <= 60 THEN 5 WHEN wait_s <= 120 THEN 6 WHEN wait_s <= 300 THEN 7
        ELSE 8 END""",
}
# Upper bounds (seconds) of the bands above, for labels; the last band is open.
BANDS: Final[dict[str, tuple[float, ...]]] = {
    "frt_band": (20, 60, 300, 900, 3600, 14400, 86400),
    "res_band": (3600, 14400, 86400, 259200, 604800),
    "age_band": (86400, 259200, 604800),
    "wait_band": (5, 10, 20, 30, 60, 120, 300),
}
GROUP_COLUMNS: Final[frozenset[str]] = frozenset(
    {"bucket", "channel", "team", "agent", "request_type", "category", "product", "priority",
     "severity", "violation_category", "score", "dimension", "queue", "outcome", *_DERIVED}
)

# An agent's team, the one rule (docs/metrics.md, "An agent's team"): the team of their latest
# ticket in the period, else of their latest ticket at all; of two tickets at the same
# moment (minute-only exports), the one with the greater id, so that every engine (DuckDB
# took the first stored, ClickHouse the first by id) and every import order agree.
# Scorecards, QA, the sidebar and the exports all read it from here, so a moved agent is
# reviewed with one team everywhere.
def _agent_teams(only: str = "") -> str:
    """Each agent's team from their tickets (the period's latest, else the latest ever);
    `only`: a condition narrowing the agents mapped. The latest moments are found first, per
    agent, and only the tickets at them are read again for the tie-break: an arg_max over
    (created_at, ticket_id) for every ticket took 0.45 s at 10M, this 0.03 s."""
    # `only` is this module's constant text; values are bound
    return (
        "(WITH latest AS (SELECT agent, max(created_at) FILTER (WHERE created_at >= $date_from"  # noqa: S608
        " AND created_at < $date_to_excl) AS in_period, max(created_at) AS ever FROM tickets"
        f" WHERE agent IS NOT NULL AND team IS NOT NULL{only} GROUP BY agent)"
        " SELECT l.agent, coalesce(arg_max(t.team, t.ticket_id) FILTER (WHERE t.created_at ="
        " l.in_period), arg_max(t.team, t.ticket_id) FILTER (WHERE t.created_at = l.ever))"
        " AS team FROM latest l JOIN (SELECT agent, created_at, team, ticket_id FROM tickets"
        " WHERE team IS NOT NULL AND (agent, created_at) IN (SELECT agent, in_period FROM"
        " latest UNION ALL SELECT agent, ever FROM latest)) t ON t.agent = l.agent"
        " GROUP BY l.agent)"
    )


AGENT_TEAMS: Final[str] = _agent_teams()
# A call's team is looked up only when the call has none: only those calls' agents are mapped,
# which spares a scan of every ticket when the calls carry their teams (60-90 ms at 10M).
CALL_AGENT_TEAMS: Final[str] = _agent_teams(
    " AND agent IN (SELECT agent FROM calls WHERE team IS NULL AND agent IS NOT NULL)")



def _bpos(column: str) -> str:
    """Business seconds from the day table's start to a timestamp (null outside the table)."""
    d = f"greatest(date_diff('day', $bh_start, ({column})::DATE) + 1, 0)"  # 0 gives null
    return (f"($bh_cum[{d}] + least(greatest(epoch(({column}) - ({column})::DATE) - "
            f"$bh_open[{d}], 0), $bh_close[{d}] - $bh_open[{d}]))")


def _tickets(business: bool) -> str:
    """Tickets with their durations in the chosen clock: calendar or business seconds."""
    done = "coalesce(tk.resolved_at, tk.closed_at)"
    if business:
        start = _bpos("tk.created_at")
        frt = f"{_bpos('tk.first_response_at')} - {start}"
        res = f"{_bpos(done)} - {start}"
        age = f"{_bpos('$as_of::TIMESTAMP')} - {start}"
    else:
        frt = "epoch(tk.first_response_at - tk.created_at)"
        res = f"epoch({done} - tk.created_at)"
        age = "epoch($as_of - tk.created_at)"
    return f"""
SELECT tk.*, tk.created_at AS ts,
       {frt} AS frt_s,
       {res} AS res_s,
       epoch({done} - tk.created_at) AS res_cal_s,
       {age} AS age_s,
       epoch($as_of - tk.created_at) AS age_cal_s,
       cs.standard_s
FROM tickets tk
LEFT JOIN (SELECT unnest($std_channels::VARCHAR[]) AS channel,
                  unnest($std_seconds::DOUBLE[]) AS standard_s) cs
       ON cs.channel = tk.channel"""  # noqa: S608 - only this module's clock expressions; $as_of and standards bound


def _names(uses: str, columns: Iterable[str]) -> bool:
    """Whether the text of a query (`uses`, "*" for any) names one of the columns."""
    return uses == "*" or any(re.search(rf"\b{c}\b", uses) for c in columns)


# A survey's ticket columns (its filters and groups) and whether it was answered at all.
SURVEY_TICKET_COLUMNS: Final[tuple[str, ...]] = (
    "channel", "team", "agent", "request_type", "category", "product", "priority")
_ANSWERED: Final[str] = """
       (sv.responded_at IS NOT NULL OR sv.score IS NOT NULL OR sv.dont_know
        OR sv.nps IS NOT NULL OR nullif(trim(sv.comment), '') IS NOT NULL
        OR dims.survey_id IS NOT NULL) AS answered"""


def _surveys(uses: str = "*") -> str:
    """Surveys with their ticket's columns and `answered`, each joined only when `uses` (the
    text of the query over the relation) names it: at 10M tickets the join to every ticket
    was 890 of a year's CSAT query's 1,000 ms, and the DISTINCT over the dimension scores
    behind `answered` 220 ms, for columns a CSAT card never reads."""
    ticket = _names(uses, SURVEY_TICKET_COLUMNS)
    answered = _names(uses, ("answered",))
    columns = ["sv.*", "sv.sent_at AS ts"]
    joins = []
    if ticket:
        columns.append(", ".join(f"tk.{c}" for c in SURVEY_TICKET_COLUMNS))
        joins.append("LEFT JOIN tickets tk ON tk.ticket_id = sv.ticket_id")
    if answered:
        columns.append(_ANSWERED.strip())
        joins.append("LEFT JOIN (SELECT DISTINCT survey_id FROM survey_dimension_scores) dims"
                     " ON dims.survey_id = sv.survey_id")
    return f"SELECT {', '.join(columns)}\nFROM surveys sv\n" + "\n".join(joins)


def _dimensions(uses: str = "*") -> str:
    return f"""
SELECT d.dimension, d.score AS dim_score, s.*
FROM survey_dimension_scores d
JOIN ({_surveys(uses)}) s ON s.survey_id = d.survey_id"""  # noqa: S608 - joins the module's own survey text; no values


# The columns an inspection takes from its ticket (its filters and groups).
QA_TICKET_COLUMNS: Final[tuple[str, ...]] = (
    "channel", "request_type", "category", "product", "priority")


def _qa(with_teams: bool, uses: str = "*") -> str:
    """Inspections with their ticket's dimensions; an inspection reviews an agent, so its team
    is the agent's team (AGENT_TEAMS), not the inspected ticket's. The ticket and the count of
    violations are joined only when `uses` (the text of the query over the relation) names
    them: at 10M tickets the join to every ticket was most of a QA query's time, for columns
    the QA cards never read."""
    team = "agt.team" if with_teams else "NULL::VARCHAR"
    columns = ["qi.*", "qi.inspected_at AS ts", f"{team} AS team"]
    joins = []
    if _names(uses, QA_TICKET_COLUMNS):
        columns.append(", ".join(f"tk.{c}" for c in QA_TICKET_COLUMNS))
        joins.append("LEFT JOIN tickets tk ON tk.ticket_id = qi.ticket_id")
    if _names(uses, ("n_violations",)):
        columns.append("coalesce(nv.n, 0) AS n_violations")
        joins.append("LEFT JOIN (SELECT inspection_id, count(*) AS n FROM qa_violations"
                     " GROUP BY inspection_id) nv ON nv.inspection_id = qi.inspection_id")
    if with_teams:
        joins.append(f"LEFT JOIN {AGENT_TEAMS} agt ON agt.agent = qi.agent")
    return f"SELECT {', '.join(columns)}\nFROM qa_inspections qi\n" + "\n".join(joins)


# The calls relation: inbound calls with the filter columns every source has (a call is the
# phone channel and has no request type, category, product or priority), the handling time,
# whether an abandon was short, and whether the rows are the whole queue: a call nobody
# answered belongs to no agent and no team, so under a team or agent filter (or a team lead's
# scope) the rates that need the abandoned calls are not computed (`whole_queue` false).
def _calls(with_teams: bool) -> str:
    team = "coalesce(c.team, agt.team)" if with_teams else "c.team"
    join = f"\nLEFT JOIN {CALL_AGENT_TEAMS} agt ON agt.agent = c.agent" if with_teams else ""
    return f"""
SELECT c.* REPLACE ({team} AS team), c.queued_at AS ts, 'phone' AS channel,
       NULL::VARCHAR AS request_type, NULL::VARCHAR AS category, NULL::VARCHAR AS product,
       NULL::VARCHAR AS priority,
       coalesce(c.talk_s, 0) + coalesce(c.hold_s, 0) + coalesce(c.acw_s, 0) AS handle_s,
       coalesce(c.outcome = 'abandoned' AND c.wait_s < $short_abandon_s, false)
           AS short_abandon,
       $whole_queue AS whole_queue
FROM calls c{join}
WHERE c.direction = 'inbound'"""  # noqa: S608 - the module's own fragments; values bound


def _whole_queue(scope: Scope) -> bool:
    """Whether a calls query sees every call of the period: no team or agent narrows it."""
    segments = scope.filters.segments()
    return "team" not in segments and "agent" not in segments and not _access_teams(scope)


def _inspection_tickets(uses: str) -> tuple[str, str]:
    """For a relation over inspections (as `q`): the ticket columns to select when `uses`
    names one, and the text `_qa` is to join them for ("" joins no ticket)."""
    if not _names(uses, QA_TICKET_COLUMNS):
        return "", ""
    return "".join(f", q.{c}" for c in QA_TICKET_COLUMNS), uses


def _violations(with_teams: bool, uses: str = "*") -> str:
    from_ticket, qa_uses = _inspection_tickets(uses)
    return f"""
SELECT v.inspection_id, v.item, v.category AS violation_category, v.severity,
       q.ts, q.team, q.agent{from_ticket}
FROM qa_violations v
JOIN ({_qa(with_teams, qa_uses)}) q ON q.inspection_id = v.inspection_id"""  # noqa: S608 - the module's own _qa text; no values


@dataclass(frozen=True)
class Query:
    """Compiled SQL and the parameters it binds; for a listing cut by a limit, `total` counts
    every row it would list (counted apart: a window count over all rows keeps them all in
    memory before the limit takes the newest)."""

    sql: str
    params: dict[str, Any]
    total: Query | None = None


def period_params(filters: Filters) -> dict[str, Any]:
    """The period as the half-open timestamp range [$date_from, $date_to_excl)."""
    return {
        "date_from": datetime.combine(filters.date_from, datetime.min.time()),
        "date_to_excl": datetime.combine(filters.date_to + timedelta(days=1), datetime.min.time()),
    }


def _filter_clause(scope: Scope) -> tuple[str, dict[str, Any]]:
    """The period, the filters and the user's teams as one WHERE clause over bound lists."""
    filters = scope.filters
    clauses = ["ts >= $date_from", "ts < $date_to_excl"]
    params = period_params(filters)
    for column, values in filters.segments().items():
        clauses.append(f"list_contains($f_{column}::VARCHAR[], {column})")
        params[f"f_{column}"] = list(values)
    if _access_teams(scope):
        clauses.append("list_contains($access_teams::VARCHAR[], team)")
        params["access_teams"] = list(_access_teams(scope))
    return " AND ".join(clauses), params


def _access_teams(scope: Scope) -> tuple[str, ...]:
    """The teams a team lead's rows are limited to; () when the user sees every team."""
    return scope.access.teams if scope.access is not None else ()


def _needs_teams(scope: Scope, *columns: str) -> bool:
    """Whether the relation must carry `team` (derived for QA rows): filtered, shown or
    limited by the user's teams."""
    return "team" in scope.filters.segments() or "team" in columns \
        or bool(_access_teams(scope))


def _source_relation(source: Source, needs_teams: bool, business: bool = False,
                     uses: str = "*") -> str:
    """The relation a source's metrics read; `uses`, the text of the query over it, lets the
    surveys' relation leave out the joins nothing reads."""
    if source == "tickets":
        return _tickets(business)
    if source == "surveys":
        return _surveys(uses)
    if source == "dimensions":
        return _dimensions(uses)
    if source == "qa":
        return _qa(needs_teams, uses)
    if source == "violations":
        return _violations(needs_teams, uses)
    if source == "calls":
        return _calls(needs_teams)
    raise ValueError(f"no plain relation for source {source!r}")


def _only(rows: str) -> str:
    return "" if rows == "true" else f" FILTER (WHERE {rows})"


def aggregates(metric: Metric) -> list[tuple[str, str]]:
    """The (alias, aggregate SQL) pairs one metric needs: value, or numerator and denominator."""
    m, only = metric.id, _only(metric.rows)
    if metric.kind == "count":
        return [(f"{m}__value", f"count(*){only}")]
    if metric.kind == "ratio":
        hit = metric.hit if metric.rows == "true" else f"({metric.rows}) AND ({metric.hit})"
        numerator = metric.numerator or f"count(*) FILTER (WHERE {hit})"
        return [(f"{m}__num", numerator), (f"{m}__den", f"count(*){only}")]
    if metric.kind == "quantile":
        return [
            (f"{m}__value", f"quantile_cont({metric.value}, {metric.q!r}){only}"),
            (f"{m}__den", f"count({metric.value}){only}"),
        ]
    if metric.kind == "mean":
        return [(f"{m}__value", f"avg({metric.value}){only}"),
                (f"{m}__den", f"count({metric.value}){only}")]
    raise ValueError(f"{m} ({metric.kind}) is not computed in SQL")


def _group_expr(column: str, time_grain: bool = True) -> str:
    """The SQL of a group column; only known names pass."""
    if column not in GROUP_COLUMNS:
        raise ValueError(f"cannot group by {column!r}")
    if column == "bucket" and time_grain:
        return "date_trunc($grain, ts)::DATE"
    return _DERIVED.get(column, column)


def _group_select(group_by: Sequence[str], time_grain: bool) -> tuple[str, str]:
    exprs = [f"{_group_expr(c, time_grain)} AS {c}" for c in group_by]
    return ", ".join(exprs), ", ".join(group_by)


def compile_source(
    source: Source,
    metrics: Iterable[Metric],
    scope: Scope,
    group_by: Sequence[str] = (),
) -> Query:
    """One SELECT computing every given metric of one source, optionally grouped."""
    metrics = list(metrics)
    filters = scope.filters
    where, params = _filter_clause(scope)
    needs_teams = _needs_teams(scope, *group_by)
    select_cols = [f"{sql} AS {alias}" for m in metrics for alias, sql in aggregates(m)]
    group_exprs, group_names = _group_select(group_by, time_grain=source != "coverage")
    head = f"{group_exprs}, " if group_by else ""
    tail = f"\nGROUP BY ALL\nORDER BY {group_names}" if group_by else ""
    if source == "coverage":
        relation = _coverage_relation(where, group_by)
        sql = f"SELECT {head}{', '.join(select_cols)}\nFROM ({relation}) c{tail}"
    else:
        outer = f"SELECT {head}{', '.join(select_cols)}\nWHERE {where}{tail}"
        relation = _source_relation(source, needs_teams, filters.business_hours, outer)
        sql = f"SELECT {head}{', '.join(select_cols)}\nFROM ({relation}) s\nWHERE {where}{tail}"
    params.update(_settings_params(scope))
    return Query(sql=sql, params=_used(sql, params))


def compile_sets(
    source: Source,
    metrics: Iterable[Metric],
    scope: Scope,
    columns: Sequence[str],
) -> Query:
    """One SELECT computing the metrics per value of each column in turn (GROUPING SETS, one
    scan for them all); `_g_<column>` is 0 on the rows grouped by that column."""
    if source == "coverage" or "bucket" in columns:
        raise ValueError(f"no grouping sets over {source!r} or the time grain")
    metrics = list(metrics)
    where, params = _filter_clause(scope)
    keys = [f"{_group_expr(c)} AS {c}" for c in columns]
    flags = [f"grouping({c}) AS _g_{c}" for c in columns]
    aggs = [f"{sql} AS {alias}" for m in metrics for alias, sql in aggregates(m)]
    select = ", ".join([*keys, *flags, *aggs])
    sets = ", ".join(f"({c})" for c in columns)
    outer = f"SELECT {select}\nWHERE {where}\nGROUP BY GROUPING SETS ({sets})"
    relation = _source_relation(source, _needs_teams(scope, *columns),
                                scope.filters.business_hours, outer)
    sql = (f"SELECT {select}\nFROM ({relation}) s\nWHERE {where}\n"
           f"GROUP BY GROUPING SETS ({sets})")
    params.update(_settings_params(scope))
    return Query(sql=sql, params=_used(sql, params))


def _settings_params(scope: Scope) -> dict[str, Any]:
    settings, as_of = scope.settings, scope.as_of
    params: dict[str, Any] = {
        "std_channels": list(settings.channel_standards_s),
        "std_seconds": list(settings.channel_standards_s.values()),
        "as_of": as_of,
        "complaint_limit_s": settings.complaint_limit_s,
        "short_abandon_s": settings.short_abandon_s,
        "phone_standard_s": settings.channel_standards_s.get("phone"),
        "whole_queue": _whole_queue(scope),
        "grain": scope.grain,
    }
    if scope.filters.business_hours:
        params.update(_business_params(scope))
    return params


def compile_rows(
    metric: Metric,
    scope: Scope,
    columns: Sequence[str],
    segment: Mapping[str, object] | None = None,
    limit: int = 5000,
    search: str | None = None,
) -> Query:
    """The rows behind one metric under the filters plus a segment (group column = value).

    Each row carries `_counted` (whether it counts in the numerator, for a ratio); the
    query's `total` counts the rows in all (the metric's denominator).
    """
    if not metric.drillable:
        raise ValueError(f"{metric.id} has no rows to list")
    filters = scope.filters
    where, params = _filter_clause(scope)
    segment = dict(segment or {})
    needs_teams = _needs_teams(scope, *segment, *columns)
    clauses = [where, f"({metric.population()})"]
    for i, (column, value) in enumerate(segment.items()):
        expr = _group_expr(column)
        if value is None:
            clauses.append(f"({expr}) IS NULL")
        else:
            clauses.append(f"({expr}) = $seg_{i}")
            params[f"seg_{i}"] = value
    if search and metric.source == "surveys":
        clauses.append("contains(lower(comment), lower($search))")
        params["search"] = search
    counted = f"coalesce(({metric.hit}), false)" if metric.kind == "ratio" and metric.hit \
        else "NULL"
    uses = f"{', '.join(columns)} {counted} {' AND '.join(clauses)}"
    relation = _source_relation(metric.source, needs_teams, filters.business_hours, uses)
    body = f"FROM ({relation}) s\nWHERE {' AND '.join(clauses)}"
    sql = (f"SELECT {', '.join(columns)}, {counted} AS _counted\n{body}\n"
           "ORDER BY ts DESC\nLIMIT $limit")
    params["limit"] = int(limit)
    params.update(_settings_params(scope))
    count = f"SELECT count(*) AS _total\n{body}"
    return Query(sql=sql, params=_used(sql, params),
                 total=Query(sql=count, params=_used(count, params)))


def _business_params(scope: Scope) -> dict[str, Any]:
    """The site's day table from the period's start to well after now, as list parameters."""
    filters = scope.filters
    end = max(filters.date_to, scope.as_of.date()) + timedelta(days=7)
    table = hours.day_table(scope.settings.business_hours, filters.date_from, end)
    return {"bh_start": table.start, "bh_open": table.open_s, "bh_close": table.close_s,
            "bh_cum": table.cum_s}


def _coverage_relation(where: str, group_by: Sequence[str]) -> str:
    """Distinct customers with tickets in scope, each flagged when a survey reached them. The
    tickets are read as stored: no duration or clock enters who was surveyed (the tickets'
    relation with its channel standards took 0.9 s of a year at 10M). Customers are made
    distinct before the join to the (distinct) surveyed ones, which then matches each at most
    once: 1.13 s instead of 1.51 s for a year at 10M."""
    by_bucket = "bucket" in group_by
    bucket_t = ", date_trunc($grain, ts)::DATE AS bucket" if by_bucket else ""
    bucket_s = ", date_trunc($grain, sv.sent_at)::DATE AS bucket" if by_bucket else ""
    bucket_join = " AND s.bucket = t.bucket" if by_bucket else ""
    dims = [c for c in group_by if c != "bucket"]
    dim_cols = "".join(f", t.{c}" for c in dims) + (", t.bucket" if by_bucket else "")
    return f"""
WITH t AS (
    SELECT DISTINCT customer_id{"".join(f", {c}" for c in dims)}{bucket_t}
    FROM (SELECT tk.*, tk.created_at AS ts FROM tickets tk) s
    WHERE {where} AND customer_id IS NOT NULL
), sent AS (
    SELECT customer_id, ticket_id, sent_at FROM surveys
    WHERE sent_at >= $date_from AND sent_at < $date_to_excl
), surveyed AS (
    -- The survey's own customer, else its ticket's: the ticket join is for the surveys
    -- without one only (joining every ticket to every survey took 2.9 s a year at 10M).
    SELECT DISTINCT customer_id{bucket_s} FROM (
        SELECT sv.customer_id, sv.sent_at FROM sent sv WHERE sv.customer_id IS NOT NULL
        UNION ALL
        SELECT tk.customer_id, sv.sent_at FROM sent sv
        JOIN tickets tk ON tk.ticket_id = sv.ticket_id WHERE sv.customer_id IS NULL
    ) sv
)
SELECT t.customer_id{dim_cols}, (s.customer_id IS NOT NULL) AS surveyed
FROM t LEFT JOIN surveyed s ON s.customer_id = t.customer_id{bucket_join}"""  # noqa: S608 - group columns checked against GROUP_COLUMNS; WHERE has $params only


_PARAM = re.compile(r"\$([a-z_][a-z0-9_]*)")


def _used(sql: str, params: dict[str, Any]) -> dict[str, Any]:
    """Only the parameters the text names: DuckDB rejects extra ones."""
    names = set(_PARAM.findall(sql))
    return {name: value for name, value in params.items() if name in names}


# --- QA page: violation items and each agent's violation record ---------------------------

def _violation_items(uses: str, with_teams: bool) -> str:
    """Violation items with their inspection (ticket, inspector, score) and the filter columns
    the query names (`uses`); `team` only `with_teams` (a team filter or a team lead's scope:
    else it is null here and the view sets it from one `queries.agent_teams`)."""
    from_ticket, qa_uses = _inspection_tickets(uses)
    return f"""
SELECT v.inspection_id, v.item, v.category AS violation_category, v.severity,
       q.ts, q.ticket_id, q.inspector, q.qa_score, q.team, q.agent{from_ticket}
FROM qa_violations v
JOIN ({_qa(with_teams, qa_uses)}) q ON q.inspection_id = v.inspection_id"""  # noqa: S608 - the module's own _qa text; no values


def compile_violation_items(scope: Scope, limit: int) -> Query:
    """The period's violation items under the filters, newest first (`total` counts them)."""
    where, params = _filter_clause(scope)
    body = f"FROM ({_violation_items(where, _needs_teams(scope))}) s\nWHERE {where}"
    sql = (f"SELECT inspection_id, item, ts, ticket_id, inspector, qa_score, agent, team,\n"
           f"       violation_category, severity\n{body}\n"
           "ORDER BY ts DESC, inspection_id DESC, item\nLIMIT $limit")
    params["limit"] = int(limit)
    count = f"SELECT count(*) AS _total\n{body}"
    return Query(sql=sql, params=_used(sql, params),
                 total=Query(sql=count, params=_used(count, params)))


def compile_violation_agents(scope: Scope) -> Query:
    """Per agent with a violation in the period: inspections with one, items, severe items,
    items per category and the latest violation date."""
    where, params = _filter_clause(scope)
    sql = f"""SELECT agent, arg_max(team, (ts, inspection_id, item)) AS team,
       count(DISTINCT inspection_id) AS inspections_with_violations,
       count(*) AS violation_items,
       count(*) FILTER (WHERE severity = 'severe') AS severe_items,
       map_entries(histogram(violation_category)) AS categories,
       max(ts)::DATE AS latest
FROM ({_violation_items(where, _needs_teams(scope))}) s
WHERE {where}
GROUP BY agent"""  # noqa: S608 - WHERE from _filter_clause: every value a $param
    return Query(sql=sql, params=_used(sql, params))


def compile_staffing(scope: Scope) -> Query:
    """Per day and half hour of the period: calls offered, answered, their summed handling
    time and the distinct agents who answered one (the staffing view's raw counts)."""
    where, params = _filter_clause(scope)
    sql = f"""SELECT ts::DATE AS day, isodow(ts) AS weekday, {_DERIVED['slot']} AS slot,
       count(*) AS offered,
       count(*) FILTER (WHERE outcome = 'answered') AS answered,
       sum(handle_s) FILTER (WHERE outcome = 'answered') AS handle_s,
       count(DISTINCT agent) FILTER (WHERE outcome = 'answered') AS agents
FROM ({_calls(_needs_teams(scope))}) s
WHERE {where}
GROUP BY ALL"""  # noqa: S608 - the module's own relation; WHERE has $params only
    params.update(_settings_params(scope))
    return Query(sql=sql, params=_used(sql, params))


def compile_agent_teams(filters: Filters) -> Query:
    """Each agent's team under the one rule (AGENT_TEAMS), for the filters' period."""
    sql = f"SELECT agent, team FROM {AGENT_TEAMS} t ORDER BY agent"  # noqa: S608 - constant text
    return Query(sql=sql, params=_used(sql, period_params(filters)))
