"""Every page's queries against hand-written DuckDB SQL computing the same numbers.

For each page and period (the last 30 days, and 12 months), three figures, medians:
- page: the view calls the page makes (as `ui.cached` makes them: one shared read connection,
  compiled SQL, polars frames, the Python around them), nothing cached;
- replay: the very statements the page ran, sent again straight to DuckDB on one connection
  (what the page costs without the compiler, polars and the Python around them);
- hand: statements written by hand for the page's numbers, as an analyst would write them
  against the base tables (the current and previous period in one scan with FILTER, one
  statement per panel). The page's headline numbers are checked equal to the hand-written
  ones before anything is timed, so the baseline computes what the page shows.

Ratios: page / hand (the target: <= 1.3x) and page / replay (the framework's share).
Writes the figures into benchmarks/results.json under "queries" / --label.

Run: .venv/bin/python benchmarks/bench_queries.py --store /tmp/demo1m.duckdb --label 1M
"""

from __future__ import annotations

import argparse
import json
import math
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
from bench_kpis import timed  # run as a script: benchmarks/ is on sys.path

from metrics.core.filters import Filters
from metrics.core.scope import Scope
from metrics.engine import queries
from metrics.engine.store import Store, fetch_one
from metrics.views import analysis, drill, overview, qa, scorecards, themes
from metrics.views import calls as calls_view

RESULTS = Path(__file__).parent / "results.json"

# --- hand-written SQL ------------------------------------------------------------------------
# $a .. $b: the period; $a0: the previous period's start (it ends at $a); $as_of; $grain.
TICKETS = """(SELECT *, created_at AS ts, created_at >= $a AS cur,
       epoch(first_response_at - created_at) AS frt_s,
       epoch(coalesce(resolved_at, closed_at) - created_at) AS res_s,
       epoch($as_of - created_at) AS age_s,
       CASE channel WHEN 'phone' THEN $s_phone WHEN 'chat' THEN $s_chat
            WHEN 'email' THEN $s_email WHEN 'social' THEN $s_social
            WHEN 'walk_in' THEN $s_walk_in END AS standard_s
FROM tickets WHERE created_at >= $a0 AND created_at < $b)"""
SURVEYS = """(SELECT s.*, s.sent_at AS ts, s.sent_at >= $a AS cur, t.channel, t.team, t.agent,
       (s.responded_at IS NOT NULL OR s.score IS NOT NULL OR s.dont_know OR s.nps IS NOT NULL
        OR nullif(trim(s.comment), '') IS NOT NULL
        OR EXISTS (SELECT 1 FROM survey_dimension_scores d WHERE d.survey_id = s.survey_id))
        AS answered
FROM surveys s LEFT JOIN tickets t ON t.ticket_id = s.ticket_id
WHERE s.sent_at >= $a0 AND s.sent_at < $b)"""
INSPECTIONS = """(SELECT q.*, q.inspected_at AS ts, q.inspected_at >= $a AS cur,
       (SELECT count(*) FROM qa_violations v WHERE v.inspection_id = q.inspection_id) AS n_v
FROM qa_inspections q WHERE q.inspected_at >= $a0 AND q.inspected_at < $b)"""
VIOLATIONS = """(SELECT v.*, q.agent, q.inspected_at AS ts, q.inspected_at >= $a AS cur
FROM qa_violations v JOIN qa_inspections q USING (inspection_id)
WHERE q.inspected_at >= $a0 AND q.inspected_at < $b)"""
TEAMS = """(SELECT agent, coalesce(arg_max(team, created_at) FILTER (WHERE created_at >= $a
       AND created_at < $b), arg_max(team, created_at)) AS team
FROM tickets WHERE agent IS NOT NULL AND team IS NOT NULL GROUP BY agent)"""

WITHIN = "frt_s <= standard_s"
WITHIN_DEN = "standard_s IS NOT NULL AND (frt_s IS NOT NULL OR age_s >= standard_s)"
FCR = "coalesce(contacts, 1) <= 1 AND coalesce(reopen_count, 0) = 0"
COMPLAINT = "request_type = 'complaint'"
TICKET_AGGS = {
    "tickets": "count(*)",
    "frt_median": "quantile_cont(frt_s, 0.5)",
    "frt_p90": "quantile_cont(frt_s, 0.9)",
    "within": f"count(*) FILTER (WHERE {WITHIN_DEN} AND {WITHIN})",
    "within_den": f"count(*) FILTER (WHERE {WITHIN_DEN})",
    "res_median": "quantile_cont(res_s, 0.5)",
    "res_p90": "quantile_cont(res_s, 0.9)",
    "resolved": "count(res_s)",
    "fcr": f"count(*) FILTER (WHERE res_s IS NOT NULL AND {FCR})",
    "reopened": "count(*) FILTER (WHERE res_s IS NOT NULL AND coalesce(reopen_count, 0) >= 1)",
    "escalated": "count(*) FILTER (WHERE escalated)",
    "complaints": f"count(*) FILTER (WHERE {COMPLAINT})",
    "complaints_in_limit": f"count(*) FILTER (WHERE {COMPLAINT} AND epoch(coalesce(resolved_at,"
                           " closed_at) - created_at) <= $limit_s)",
    "open": "count(*) FILTER (WHERE res_s IS NULL)",
    "unanswered": "count(*) FILTER (WHERE frt_s IS NULL AND res_s IS NULL)",
    "unanswered_overdue": "count(*) FILTER (WHERE frt_s IS NULL AND res_s IS NULL"
                          " AND age_s >= standard_s)",
}
SURVEY_AGGS = {
    "sent": "count(*)",
    "answered": "count(*) FILTER (WHERE answered)",
    "csat": "count(*) FILTER (WHERE score BETWEEN 4 AND 5)",
    "scored": "count(*) FILTER (WHERE score BETWEEN 1 AND 5)",
    "mean_score": "avg(score) FILTER (WHERE score BETWEEN 1 AND 5)",
    "nps": "count(*) FILTER (WHERE nps >= 9) - count(*) FILTER (WHERE nps <= 6)",
    "nps_den": "count(*) FILTER (WHERE nps BETWEEN 0 AND 10)",
    "dont_know": "count(*) FILTER (WHERE dont_know)",
}
QA_AGGS = {"inspections": "count(*)", "qa_mean": "avg(qa_score)",
           "violation_free": "count(*) FILTER (WHERE n_v = 0)"}
VIOLATION_AGGS = {"violations": "count(*)",
                  "severe": "count(*) FILTER (WHERE severity = 'severe')",
                  "moderate": "count(*) FILTER (WHERE severity = 'moderate')",
                  "minor": "count(*) FILTER (WHERE severity = 'minor')"}


def pick(aggs: dict[str, str], *names: str) -> dict[str, str]:
    return {n: aggs[n] for n in names}


def listed(aggs: dict[str, str]) -> str:
    return ", ".join(f"{agg} AS {name}" for name, agg in aggs.items())


def cards(relation: str, aggs: dict[str, str]) -> list[str]:
    """The aggregates over the current period and over the previous one."""
    return [f"SELECT {listed(aggs)} FROM {relation} r WHERE {period}"  # noqa: S608 - bench's own text
            for period in ("cur", "NOT cur")]


def trend(relation: str, aggs: dict[str, str]) -> str:
    return (f"SELECT date_trunc($grain, ts)::DATE AS bucket, {listed(aggs)} "  # noqa: S608
            f"FROM {relation} r WHERE cur GROUP BY 1 ORDER BY 1")


def by(relation: str, aggs: dict[str, str], *columns: str, where: str = "cur") -> str:
    keys = ", ".join(columns)
    return (f"SELECT {keys}, {listed(aggs)} FROM {relation} r WHERE {where} "  # noqa: S608
            f"GROUP BY {keys} ORDER BY {keys}")


def coverage(group: str = "") -> str:
    """Distinct customers with tickets in the period, and how many a survey reached."""
    key = "date_trunc($grain, created_at)::DATE" if group else "NULL"
    skey = "date_trunc($grain, s.sent_at)::DATE" if group else "NULL"
    return f"""
WITH t AS (SELECT DISTINCT customer_id, {key} AS g FROM tickets
           WHERE created_at >= $a AND created_at < $b AND customer_id IS NOT NULL),
r AS (SELECT DISTINCT coalesce(s.customer_id, k.customer_id) AS customer_id, {skey} AS g
      FROM surveys s LEFT JOIN tickets k ON s.customer_id IS NULL AND k.ticket_id = s.ticket_id
      WHERE s.sent_at >= $a AND s.sent_at < $b)
SELECT t.g, count(*) AS customers, count(r.customer_id) AS surveyed
FROM t LEFT JOIN r ON r.customer_id = t.customer_id AND r.g IS NOT DISTINCT FROM t.g
GROUP BY t.g ORDER BY t.g"""  # noqa: S608 - the bench's own text


FRT_BANDS = ("CASE WHEN frt_s <= 20 THEN 1 WHEN frt_s <= 60 THEN 2 WHEN frt_s <= 300 THEN 3 "
             "WHEN frt_s <= 900 THEN 4 WHEN frt_s <= 3600 THEN 5 WHEN frt_s <= 14400 THEN 6 "
             "WHEN frt_s <= 86400 THEN 7 ELSE 8 END")
RES_BANDS = ("CASE WHEN res_s <= 3600 THEN 1 WHEN res_s <= 14400 THEN 2 WHEN res_s <= 86400 "
             "THEN 3 WHEN res_s <= 259200 THEN 4 WHEN res_s <= 604800 THEN 5 ELSE 6 END")
AGE_BANDS = ("CASE WHEN epoch($as_of - created_at) < 86400 THEN 1 WHEN epoch($as_of - "
             "created_at) < 259200 THEN 2 WHEN epoch($as_of - created_at) < 604800 THEN 3 "
             "ELSE 4 END")
OVERVIEW_TICKETS = pick(TICKET_AGGS, "tickets", "within", "within_den", "frt_median",
                        "resolved", "res_median", "fcr", "complaints", "complaints_in_limit")
RESPONSE = pick(TICKET_AGGS, "tickets", "frt_median", "frt_p90", "within", "within_den",
                "unanswered", "unanswered_overdue")
RESOLUTION = pick(TICKET_AGGS, "tickets", "res_median", "res_p90", "resolved", "fcr",
                  "reopened", "escalated", "open")
COMPLAINTS = pick(TICKET_AGGS, "tickets", "complaints", "complaints_in_limit")
PER_AGENT_TICKETS = pick(TICKET_AGGS, "tickets", "frt_median", "res_median", "within",
                         "within_den", "resolved", "fcr", "reopened")


def level_sql(level: str, where: str = "cur") -> list[str]:
    """A scorecard: tickets, surveys, inspections and violations per agent (or team)."""
    key = "agent" if level == "agent" else "tm.team"
    teams = f"LEFT JOIN {TEAMS} tm USING (agent)"
    return [
        by(TICKETS, PER_AGENT_TICKETS, level, where=f"{where} AND {level} IS NOT NULL"),
        by(SURVEYS, pick(SURVEY_AGGS, "csat", "scored", "mean_score"), level,
           where=f"{where} AND {level} IS NOT NULL"),
        f"SELECT {key} AS k, {listed(QA_AGGS)} FROM {INSPECTIONS} r {teams} "  # noqa: S608
        f"WHERE {where} GROUP BY 1",
        f"SELECT {key} AS k, {listed(VIOLATION_AGGS)} FROM {VIOLATIONS} r {teams} "  # noqa: S608
        f"WHERE {where} GROUP BY 1",
    ]


Statements = list[str | tuple[str, dict[str, Any]]]


def _overview(agent: str, team: str) -> Statements:
    sql: Statements = [*cards(TICKETS, OVERVIEW_TICKETS), trend(TICKETS, OVERVIEW_TICKETS),
           by(TICKETS, pick(TICKET_AGGS, "complaints"), "category",
              where=f"cur AND {COMPLAINT}"),
           *cards(SURVEYS, pick(SURVEY_AGGS, "csat", "scored")),
           trend(SURVEYS, pick(SURVEY_AGGS, "csat", "scored")),
           *cards(INSPECTIONS, pick(QA_AGGS, "qa_mean")),
           trend(INSPECTIONS, pick(QA_AGGS, "qa_mean")),
           *cards(VIOLATIONS, pick(VIOLATION_AGGS, "violations", "severe")),
           trend(VIOLATIONS, pick(VIOLATION_AGGS, "violations", "severe"))]
    return sql


def _response(agent: str, team: str) -> Statements:
    sql: Statements = [*cards(TICKETS, RESPONSE), trend(TICKETS, RESPONSE),
           by(TICKETS, RESPONSE, "channel"),
           f"SELECT date_trunc($grain, ts)::DATE AS bucket, channel, "  # noqa: S608
           f"{listed(pick(TICKET_AGGS, 'within', 'within_den'))} FROM {TICKETS} r "
           "WHERE cur GROUP BY ALL ORDER BY ALL",
           f"SELECT channel, {FRT_BANDS} AS band, count(*) FROM {TICKETS} r "  # noqa: S608
           "WHERE cur AND frt_s IS NOT NULL GROUP BY ALL ORDER BY ALL",
           f"SELECT isodow(ts) AS weekday, hour(ts) AS hour, count(*), "  # noqa: S608
           f"quantile_cont(frt_s, 0.5) FROM {TICKETS} r WHERE cur GROUP BY ALL ORDER BY ALL"]
    return sql


def _resolution(agent: str, team: str) -> Statements:
    sql: Statements = [*cards(TICKETS, RESOLUTION), trend(TICKETS, RESOLUTION),
           f"SELECT {RES_BANDS} AS band, count(*) FROM {TICKETS} r "  # noqa: S608
           "WHERE cur AND res_s IS NOT NULL GROUP BY 1 ORDER BY 1",
           f"SELECT priority, {AGE_BANDS} AS band, count(*) FROM {TICKETS} r "  # noqa: S608
           "WHERE cur AND res_s IS NULL GROUP BY ALL ORDER BY ALL",
           by(TICKETS, RESOLUTION, "priority")]
    return sql


def _complaints(agent: str, team: str) -> Statements:
    moved = ("count(*) FILTER (WHERE cur AND request_type = 'complaint'), "
             "count(*) FILTER (WHERE cur), "
             "count(*) FILTER (WHERE NOT cur AND request_type = 'complaint'), "
             "count(*) FILTER (WHERE NOT cur)")
    sql: Statements = [*cards(TICKETS, COMPLAINTS), trend(TICKETS, COMPLAINTS),
           f"SELECT date_trunc($grain, ts)::DATE, {listed(COMPLAINTS)} "  # noqa: S608
           f"FROM {TICKETS} r WHERE NOT cur GROUP BY 1 ORDER BY 1",
           by(TICKETS, pick(TICKET_AGGS, "complaints", "complaints_in_limit"), "category",
              where=f"cur AND {COMPLAINT}"),
           *[by(TICKETS, pick(TICKET_AGGS, "complaints"), "category", other,
                where=f"cur AND {COMPLAINT}") for other in ("channel", "team", "product")],
           *[f"SELECT {key}, {moved} FROM {TICKETS} r GROUP BY 1"  # noqa: S608
             for key in ("category", "team", "channel")]]
    return sql


def _satisfaction(agent: str, team: str) -> Statements:
    every = SURVEY_AGGS
    sql: Statements = [*cards(SURVEYS, every), trend(SURVEYS, every), coverage(),
           coverage("bucket"),
           by(SURVEYS, pick(SURVEY_AGGS, "scored"), "score",
              where="cur AND score BETWEEN 1 AND 5"),
           "SELECT d.dimension, avg(d.score) FROM survey_dimension_scores d JOIN surveys s "
           "USING (survey_id) WHERE s.sent_at >= $a AND s.sent_at < $b GROUP BY 1",
           *[by(SURVEYS, pick(SURVEY_AGGS, "csat", "scored", "mean_score", "sent",
                              "answered", "dont_know"), key) for key in ("channel", "team")],
           ("SELECT survey_id, sent_at, score, comment FROM surveys WHERE sent_at >= $a "
            "AND sent_at < $b AND nullif(trim(comment), '') IS NOT NULL "
            "ORDER BY sent_at DESC LIMIT 50000")]
    return sql


CALLS = """(SELECT *, queued_at AS ts, queued_at >= $a AS cur,
       coalesce(talk_s, 0) + coalesce(hold_s, 0) + coalesce(acw_s, 0) AS handle_s,
       coalesce(outcome = 'abandoned' AND wait_s < $short_s, false) AS short
FROM calls WHERE direction = 'inbound' AND queued_at >= $a0 AND queued_at < $b)"""
CALL_AGGS = {
    "offered": "count(*)", "answered": "count(*) FILTER (WHERE outcome = 'answered')",
    "abandoned": "count(*) FILTER (WHERE outcome = 'abandoned')",
    "counted": "count(*) FILTER (WHERE NOT short)",
    "within": "count(*) FILTER (WHERE NOT short AND outcome = 'answered' AND wait_s <= $t_s)",
    "asa": "avg(wait_s) FILTER (WHERE outcome = 'answered')",
    "wait_p90": "quantile_cont(wait_s, 0.9) FILTER (WHERE outcome = 'answered')",
    "aht": "avg(handle_s) FILTER (WHERE outcome = 'answered')",
}


def _calls(agent: str, team: str) -> Statements:
    slot = "hour(ts) * 2 + minute(ts) // 30"
    sql: Statements = [
        *cards(CALLS, CALL_AGGS), trend(CALLS, CALL_AGGS),
        f"SELECT isodow(ts), {slot}, {listed(pick(CALL_AGGS, 'offered', 'counted', 'within'))}"  # noqa: S608
        f" FROM {CALLS} r WHERE cur GROUP BY ALL",
        f"SELECT CASE WHEN wait_s <= 5 THEN 1 WHEN wait_s <= 10 THEN 2 WHEN wait_s <= 20 THEN 3"  # noqa: S608
        " WHEN wait_s <= 30 THEN 4 WHEN wait_s <= 60 THEN 5 WHEN wait_s <= 120 THEN 6"
        " WHEN wait_s <= 300 THEN 7 ELSE 8 END AS band,"
        f" {listed(pick(CALL_AGGS, 'answered', 'abandoned'))} FROM {CALLS} r"
        " WHERE cur AND wait_s IS NOT NULL GROUP BY 1",
        by(CALLS, CALL_AGGS, "queue"),
        f"SELECT ts::DATE, isodow(ts), {slot}, count(*), count(*) FILTER (WHERE outcome ="  # noqa: S608
        " 'answered'), sum(handle_s) FILTER (WHERE outcome = 'answered'), count(DISTINCT agent)"
        f" FILTER (WHERE outcome = 'answered') FROM {CALLS} r WHERE cur GROUP BY ALL",
        f"SELECT * FROM {CALLS} r WHERE cur ORDER BY ts DESC LIMIT 5000",  # noqa: S608
    ]
    return sql


def _scorecard(level: str) -> Statements:
    sql: Statements = [*level_sql(level),
           f"SELECT {level}, date_trunc('week', ts)::DATE, "  # noqa: S608
           f"{listed(PER_AGENT_TICKETS)} FROM {TICKETS} r WHERE cur GROUP BY ALL"]
    if level == "agent":
        sql += level_sql("team")
    return sql


def _agent(agent: str, team: str) -> Statements:
    sql: Statements = [*level_sql("agent"), *level_sql("team")]
    for where in ("agent = $who", "team = $team"):
        sql += [(f"SELECT date_trunc('week', ts)::DATE, "  # noqa: S608
                 f"{listed(PER_AGENT_TICKETS)} FROM {TICKETS} r WHERE cur AND {where} "
                 "GROUP BY 1", {"who": agent, "team": team}),
                (f"SELECT date_trunc('week', ts)::DATE, "  # noqa: S608
                 f"{listed(pick(SURVEY_AGGS, 'csat', 'scored'))} FROM {SURVEYS} r "
                 f"WHERE cur AND {where} GROUP BY 1", {"who": agent, "team": team})]
    sql += [("SELECT * FROM surveys s JOIN tickets t USING (ticket_id) WHERE t.agent = $who"
             " AND s.sent_at >= $a AND s.sent_at < $b AND nullif(trim(s.comment), '')"
             " IS NOT NULL ORDER BY s.sent_at DESC LIMIT 5000", {"who": agent}),
            ("SELECT * FROM qa_inspections WHERE agent = $who AND inspected_at >= $a AND "
             "inspected_at < $b ORDER BY inspected_at DESC LIMIT 5000", {"who": agent}),
            (f"SELECT category, severity, count(*) FROM {VIOLATIONS} r "  # noqa: S608
             "WHERE cur AND agent = $who GROUP BY ALL", {"who": agent})]
    return sql


def _qa(agent: str, team: str) -> Statements:
    inspections = QA_AGGS
    sql: Statements = [*cards(INSPECTIONS, inspections), trend(INSPECTIONS, inspections),
           *cards(VIOLATIONS, VIOLATION_AGGS), trend(VIOLATIONS, VIOLATION_AGGS),
           f"SELECT tm.team, {listed(inspections)} FROM {INSPECTIONS} r "  # noqa: S608
           f"LEFT JOIN {TEAMS} tm USING (agent) WHERE cur GROUP BY 1",
           f"SELECT agent, {listed(inspections)} FROM {INSPECTIONS} r "  # noqa: S608
           "WHERE cur GROUP BY 1",
           f"SELECT category, severity, count(*) FROM {VIOLATIONS} r "  # noqa: S608
           "WHERE cur GROUP BY ALL",
           f"SELECT agent, count(DISTINCT inspection_id), count(*), "  # noqa: S608
           f"max(ts) FROM {VIOLATIONS} r WHERE cur GROUP BY 1",
           f"SELECT * FROM {VIOLATIONS} r WHERE cur ORDER BY ts DESC "  # noqa: S608
           "LIMIT 5000"]



    return sql

def hand_sql(page: str, agent: str, team: str) -> list[tuple[str, dict[str, Any]]]:
    """The page's numbers written by hand: (statement, extra parameters)."""
    if page in ("agents", "teams"):
        sql = _scorecard("agent" if page == "agents" else "team")
    else:
        sql = {"overview": _overview, "response": _response, "resolution": _resolution,
               "complaints": _complaints, "satisfaction": _satisfaction, "agent": _agent,
               "qa": _qa, "calls": _calls}[page](agent, team)
    return [s if isinstance(s, tuple) else (s, {}) for s in sql]


# --- the pages, as ui.cached computes them ---------------------------------------------------

def page_calls(page: str, store: Store, scope: Scope, agent: str,
               team: str) -> list[Callable[[], Any]]:
    calls: dict[str, list[Callable[[], Any]]] = {
        "overview": [lambda: overview.overview(store, scope)],
        "response": [lambda: analysis.response(store, scope)],
        "resolution": [lambda: analysis.resolution(store, scope)],
        "complaints": [lambda: analysis.complaints(store, scope)],
        "satisfaction": [lambda: analysis.satisfaction(store, scope),
                         lambda: themes.scope_themes(store, scope, 50_000)],
        "agents": [lambda: scorecards.scorecard(store, scope, "agent"),
                   lambda: scorecards.sparklines(store, scope, "agent")],
        "teams": [lambda: scorecards.scorecard(store, scope, "team"),
                  lambda: scorecards.sparklines(store, scope, "team")],
        "agent": [lambda: scorecards.scorecard(store, scope, "agent"),
                  lambda: scorecards.agent_trends(store, scope, agent, team),
                  lambda: drill.drill(store, scope.narrowed(agents=(agent,)), "comments", {}),
                  lambda: queries.frame(store, scope.narrowed(agents=(agent,)), ["violations"],
                                        group_by=["violation_category", "severity"]),
                  lambda: drill.drill(store, scope.narrowed(agents=(agent,)), "inspections",
                                      {})],
        "qa": [lambda: qa.qa_view(store, scope)],
        "calls": [lambda: calls_view.calls_page(store, scope),
                  lambda: calls_view.staffing(store, scope),
                  lambda: drill.drill(store, scope.with_grain("day"), "calls_offered", {})],
    }
    return calls[page]


PAGES = ("overview", "response", "resolution", "complaints", "satisfaction", "calls", "agents",
         "agent", "teams", "qa")


class Recorder:
    """A connection that notes every statement it runs (for the replay)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, log: list[tuple[str, Any]]) -> None:
        self._con, self._log = con, log

    def sql(self, query: str, *args: Any, **kwargs: Any) -> Any:
        self._log.append((query, kwargs.get("params", args[0] if args else None)))
        return self._con.sql(query, *args, **kwargs)

    def execute(self, query: str, parameters: Any = None) -> Any:
        self._log.append((query, parameters))
        return self._con.execute(query, parameters or {})

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)


class RecordingStore(Store):
    log: list[tuple[str, Any]]

    @contextmanager
    def reader(self, on_wait: Any = None) -> Iterator[Any]:
        with super().reader(on_wait) as con:
            yield Recorder(con, self.log)


def bound(sql: str, params: dict[str, Any]) -> dict[str, Any]:
    """The parameters a statement names (DuckDB rejects the others)."""
    return {k: v for k, v in params.items() if re.search(rf"\${k}\b", sql)}


def first_row(con: duckdb.DuckDBPyConnection, sql: str,
              params: dict[str, Any]) -> tuple[Any, ...]:
    row = fetch_one(con, sql, bound(sql, params))
    assert row is not None
    return row


def close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)


def check(page: str, store: Store, scope: Scope, con: duckdb.DuckDBPyConnection,
          params: dict[str, Any]) -> None:
    """The page's headline numbers equal the hand-written ones (else the baseline is wrong)."""
    kpis = queries.kpis(store, scope, ["tickets", "first_response_median_s", "csat",
                                       "qa_score_mean", "violations", "resolution_median_s",
                                       "calls_offered", "service_level_rate", "aht_s"])
    t = first_row(con, cards(TICKETS, pick(TICKET_AGGS, "tickets", "frt_median",
                                           "res_median"))[0], params)
    s = first_row(con, cards(SURVEYS, pick(SURVEY_AGGS, "csat", "scored"))[0], params)
    q = first_row(con, cards(INSPECTIONS, pick(QA_AGGS, "qa_mean"))[0], params)
    v = first_row(con, cards(VIOLATIONS, pick(VIOLATION_AGGS, "violations"))[0], params)
    c = first_row(con, cards(CALLS, pick(CALL_AGGS, "offered", "counted", "within",
                                         "aht"))[0], params)
    pairs = {"tickets": (kpis["tickets"].value, t[0]),
             "first_response_median_s": (kpis["first_response_median_s"].value, t[1]),
             "resolution_median_s": (kpis["resolution_median_s"].value, t[2]),
             "csat": (kpis["csat"].value, s[0] / s[1] if s[1] else None),
             "qa_score_mean": (kpis["qa_score_mean"].value, q[0]),
             "violations": (kpis["violations"].value, v[0]),
             "calls_offered": (kpis["calls_offered"].value, c[0]),
             "service_level_rate": (kpis["service_level_rate"].value, c[2] / c[1] if c[1]
                                    else None),
             "aht_s": (kpis["aht_s"].value, c[3])}
    wrong = {k: p for k, p in pairs.items() if not close(*p)}
    assert not wrong, f"{page}: hand-written SQL disagrees with the page: {wrong}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--store", required=True, type=Path)
    parser.add_argument("--label", required=True)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--pages", default=",".join(PAGES))
    args = parser.parse_args()
    store = RecordingStore(args.store)
    store.log = []
    latest: date = store.latest_dates()["tickets"]  # type: ignore[assignment]
    periods = {"month": Filters(date_from=latest - timedelta(days=29), date_to=latest),
               "year": Filters(date_from=latest - timedelta(days=364), date_to=latest)}
    board = scorecards.scorecard(store, store.scope(periods["month"]), "agent")
    agent, team = str(board["agent"][0]), str(board["team"][0])
    settings = store.settings()
    figures: dict[str, Any] = {}
    print(f"store {args.store} ({args.label}): {store.ticket_count():,} tickets; medians of "
          f"{args.repeat}; ms")
    print(f"{'page':<14}{'period':<7}{'page':>9}{'replay':>9}{'hand':>9}"
          f"{'x hand':>8}{'x replay':>9}{'stmts':>7}")
    with duckdb.connect(str(args.store), read_only=True) as con:
        for period, filters in periods.items():
            scope = store.scope(filters)
            params: dict[str, Any] = {
                "a": datetime.combine(filters.date_from, datetime.min.time()),
                "b": datetime.combine(filters.date_to + timedelta(days=1), datetime.min.time()),
                "a0": datetime.combine(filters.previous().date_from, datetime.min.time()),
                "as_of": scope.as_of, "grain": scope.grain,
                "limit_s": settings.complaint_limit_s, "short_s": settings.short_abandon_s,
                "t_s": settings.channel_standards_s.get("phone"),
                **{f"s_{c}": s for c, s in settings.channel_standards_s.items()}}
            check("all", store, scope, con, params)
            for page in [p for p in args.pages.split(",") if p in PAGES]:
                calls = page_calls(page, store, scope, agent, team)

                def run(calls: list[Callable[[], Any]] = calls) -> None:
                    with store.shared():
                        for call in calls:
                            call()

                store.log.clear()
                run()
                ran = list(store.log)
                hand = hand_sql(page, agent, team)

                def replay(ran: list[tuple[str, Any]] = ran) -> None:
                    for sql, p in ran:
                        con.execute(sql, p or {}).fetchall()

                def by_hand(hand: list[tuple[str, dict[str, Any]]] = hand,
                            params: dict[str, Any] = params) -> None:
                    for sql, extra in hand:
                        con.execute(sql, bound(sql, {**params, **extra})).fetchall()

                t_page = timed(run, args.repeat)
                t_replay = timed(replay, args.repeat)
                t_hand = timed(by_hand, args.repeat)
                row = {"page_ms": round(t_page * 1000, 1), "replay_ms": round(t_replay * 1000, 1),
                       "hand_ms": round(t_hand * 1000, 1), "statements": len(ran),
                       "hand_statements": len(hand)}
                figures[f"{page}/{period}"] = row
                print(f"{page:<14}{period:<7}{t_page * 1000:>9.0f}{t_replay * 1000:>9.0f}"
                      f"{t_hand * 1000:>9.0f}{t_page / t_hand:>8.2f}{t_page / t_replay:>9.2f}"
                      f"{len(ran):>7}", flush=True)
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    kept = results.get("queries", {}).get(args.label, {}) \
        if args.pages != ",".join(PAGES) else {}
    results.setdefault("queries", {})[args.label] = {
        "store": str(args.store), "measured": time.strftime("%Y-%m-%d"),
        "pages": {**kept.get("pages", {}), **figures}}
    RESULTS.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
