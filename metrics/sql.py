"""The one small compiler from metric declarations to DuckDB SQL with bind parameters.

Every source relation exposes the same filter columns (ts, channel, team, agent,
request_type, category, product), so one WHERE clause serves them all. Values never enter
the SQL text: filters, settings and the as-of time are `$name` parameters.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final, Literal

from metrics.catalog import Metric, Source
from metrics.filters import Filters
from metrics.settings import Settings

Grain = Literal["day", "week", "month"]
GROUP_COLUMNS: Final[frozenset[str]] = frozenset(
    {"bucket", "channel", "team", "agent", "request_type", "category", "product", "priority",
     "severity", "violation_category"}
)

_AGENT_TEAMS: Final[str] = (
    "(SELECT agent, arg_max(team, created_at) AS team FROM tickets "
    "WHERE agent IS NOT NULL AND team IS NOT NULL GROUP BY agent)"
)

_TICKETS: Final[str] = """
SELECT tk.*, tk.created_at AS ts,
       epoch(tk.first_response_at - tk.created_at) AS frt_s,
       epoch(coalesce(tk.resolved_at, tk.closed_at) - tk.created_at) AS res_s,
       cs.standard_s
FROM tickets tk
LEFT JOIN (SELECT unnest($std_channels::VARCHAR[]) AS channel,
                  unnest($std_seconds::DOUBLE[]) AS standard_s) cs
       ON cs.channel = tk.channel"""

_SURVEYS: Final[str] = """
SELECT sv.*, sv.sent_at AS ts,
       tk.channel, tk.team, tk.agent, tk.request_type, tk.category, tk.product, tk.priority,
       (sv.responded_at IS NOT NULL OR sv.score IS NOT NULL OR sv.dont_know
        OR sv.nps IS NOT NULL OR nullif(trim(sv.comment), '') IS NOT NULL
        OR dims.survey_id IS NOT NULL) AS answered
FROM surveys sv
LEFT JOIN tickets tk ON tk.ticket_id = sv.ticket_id
LEFT JOIN (SELECT DISTINCT survey_id FROM survey_dimension_scores) dims
       ON dims.survey_id = sv.survey_id"""


def _qa(with_teams: bool) -> str:
    team = "coalesce(tk.team, agt.team)" if with_teams else "tk.team"
    join = f"LEFT JOIN {_AGENT_TEAMS} agt ON agt.agent = qi.agent" if with_teams else ""
    return f"""
SELECT qi.*, qi.inspected_at AS ts,
       tk.channel, {team} AS team, tk.request_type, tk.category, tk.product, tk.priority
FROM qa_inspections qi
LEFT JOIN tickets tk ON tk.ticket_id = qi.ticket_id
{join}"""


def _violations(with_teams: bool) -> str:
    return f"""
SELECT v.inspection_id, v.item, v.category AS violation_category, v.severity,
       q.ts, q.channel, q.team, q.agent, q.request_type, q.category, q.product, q.priority
FROM qa_violations v
JOIN ({_qa(with_teams)}) q ON q.inspection_id = v.inspection_id"""


@dataclass(frozen=True)
class Query:
    """Compiled SQL and the parameters it binds."""

    sql: str
    params: dict[str, Any]


def _filter_clause(filters: Filters) -> tuple[str, dict[str, Any]]:
    clauses = ["ts >= $date_from", "ts < $date_to_excl"]
    params: dict[str, Any] = {
        "date_from": datetime.combine(filters.date_from, datetime.min.time()),
        "date_to_excl": datetime.combine(filters.date_to + timedelta(days=1), datetime.min.time()),
    }
    for column, values in filters.segments().items():
        clauses.append(f"list_contains($f_{column}::VARCHAR[], {column})")
        params[f"f_{column}"] = list(values)
    return " AND ".join(clauses), params


def _source_relation(source: Source, needs_teams: bool) -> str:
    if source == "tickets":
        return _TICKETS
    if source == "surveys":
        return _SURVEYS
    if source == "qa":
        return _qa(needs_teams)
    if source == "violations":
        return _violations(needs_teams)
    raise ValueError(f"no plain relation for source {source!r}")


def aggregates(metric: Metric) -> list[tuple[str, str]]:
    """The (alias, aggregate SQL) pairs one metric needs: value, or numerator and denominator."""
    m = metric.id
    if metric.kind == "count":
        return [(f"{m}__value", str(metric.value))]
    if metric.kind == "ratio":
        return [(f"{m}__num", str(metric.numerator)), (f"{m}__den", str(metric.denominator))]
    if metric.kind == "quantile":
        return [
            (f"{m}__value", f"quantile_cont({metric.value}, {metric.q!r})"),
            (f"{m}__den", f"count({metric.value})"),
        ]
    if metric.kind == "mean":
        return [(f"{m}__value", f"avg({metric.value})"), (f"{m}__den", f"count({metric.value})")]
    raise ValueError(f"{m} ({metric.kind}) is not computed in SQL")


def _group_select(group_by: Sequence[str], time_grain: bool) -> tuple[str, str]:
    for column in group_by:
        if column not in GROUP_COLUMNS:
            raise ValueError(f"cannot group by {column!r}")
    exprs = [
        "date_trunc($grain, ts)::DATE AS bucket" if c == "bucket" and time_grain else c
        for c in group_by
    ]
    return ", ".join(exprs), ", ".join(group_by)


def compile_source(
    source: Source,
    metrics: Iterable[Metric],
    filters: Filters,
    settings: Settings,
    as_of: datetime,
    group_by: Sequence[str] = (),
    grain: Grain = "day",
) -> Query:
    """One SELECT computing every given metric of one source, optionally grouped."""
    metrics = list(metrics)
    where, params = _filter_clause(filters)
    needs_teams = "team" in filters.segments() or "team" in group_by
    select_cols = [f"{sql} AS {alias}" for m in metrics for alias, sql in aggregates(m)]
    group_exprs, group_names = _group_select(group_by, time_grain=source != "coverage")
    head = f"{group_exprs}, " if group_by else ""
    tail = f"\nGROUP BY ALL\nORDER BY {group_names}" if group_by else ""
    if source == "coverage":
        relation = _coverage_relation(where, group_by)
        sql = f"SELECT {head}{', '.join(select_cols)}\nFROM ({relation}) c{tail}"
    else:
        relation = _source_relation(source, needs_teams)
        sql = f"SELECT {head}{', '.join(select_cols)}\nFROM ({relation}) s\nWHERE {where}{tail}"
    params.update(
        {
            "std_channels": list(settings.channel_standards_s),
            "std_seconds": list(settings.channel_standards_s.values()),
            "as_of": as_of,
            "complaint_limit_s": settings.complaint_limit_s,
            "grain": grain,
        }
    )
    return Query(sql=sql, params=_used(sql, params))


def _coverage_relation(where: str, group_by: Sequence[str]) -> str:
    """Distinct customers with tickets in scope, each flagged when a survey reached them."""
    by_bucket = "bucket" in group_by
    bucket_t = ", date_trunc($grain, ts)::DATE AS bucket" if by_bucket else ""
    bucket_s = ", date_trunc($grain, sv.sent_at)::DATE AS bucket" if by_bucket else ""
    bucket_join = " AND s.bucket = t.bucket" if by_bucket else ""
    dims = [c for c in group_by if c != "bucket"]
    dim_cols = "".join(f", t.{c}" for c in dims) + (", t.bucket" if by_bucket else "")
    return f"""
WITH t AS (
    SELECT customer_id{"".join(f", {c}" for c in dims)}{bucket_t}
    FROM ({_TICKETS}) s
    WHERE {where} AND customer_id IS NOT NULL
), surveyed AS (
    SELECT DISTINCT coalesce(sv.customer_id, tk.customer_id) AS customer_id{bucket_s}
    FROM surveys sv LEFT JOIN tickets tk ON tk.ticket_id = sv.ticket_id
    WHERE sv.sent_at >= $date_from AND sv.sent_at < $date_to_excl
)
SELECT DISTINCT t.customer_id{dim_cols}, (s.customer_id IS NOT NULL) AS surveyed
FROM t LEFT JOIN surveyed s ON s.customer_id = t.customer_id{bucket_join}"""


_PARAM = re.compile(r"\$([a-z_][a-z0-9_]*)")


def _used(sql: str, params: dict[str, Any]) -> dict[str, Any]:
    """Only the parameters the text names: DuckDB rejects extra ones."""
    names = set(_PARAM.findall(sql))
    return {name: value for name, value in params.items() if name in names}
