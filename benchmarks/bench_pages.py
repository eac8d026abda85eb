"""The analysis pages' queries on a store, against raw DuckDB SQL measured in the same run.

- Each page (`metrics.views.analysis.*`): median seconds to compute everything it draws.
- Business hours: the ticket KPIs with durations in business hours, against the same KPIs in
  calendar time (the day-table lookups are the whole difference).
- Drill-down: `drill.drill` (compiled population, masking, newest 5,000) against a raw SQL
  statement selecting the same rows by hand.
- Scorecards: `scorecards.scorecard` per agent (tickets, surveys, QA and violations per
  agent, the team frame, Wilson intervals, composite, ranking) against one raw SQL statement
  computing the per-agent ticket aggregates; `queries.frame` on those same ticket metrics per
  agent shows the compiler's share.

Run: .venv/bin/python benchmarks/bench_pages.py --store /tmp/demo1m.duckdb
"""

from __future__ import annotations

import argparse
from datetime import datetime, timedelta

from bench_kpis import timed  # run as a script: benchmarks/ is on sys.path

from metrics.core.filters import Filters
from metrics.core.scope import Scope
from metrics.core.settings import Settings
from metrics.engine import queries
from metrics.engine.store import Store
from metrics.views import analysis, drill, scorecards

RAW_DRILL = """
SELECT ticket_id, created_at, channel, request_type, category, priority, status, agent, team,
       first_response_at, epoch(first_response_at - created_at) AS frt_s, resolved_at,
       closed_at, epoch(coalesce(resolved_at, closed_at) - created_at) AS res_s,
       reopen_count, contacts, escalated, customer_name, customer_phone, product
FROM tickets
WHERE created_at >= $a AND created_at < $b AND channel = 'phone'
ORDER BY created_at DESC LIMIT 5000
"""
RAW_AGENTS = """
SELECT agent, count(*) AS tickets,
       quantile_cont(frt_s, 0.5) AS first_response_median_s,
       quantile_cont(res_s, 0.5) AS resolution_median_s,
       count(*) FILTER (WHERE frt_s <= standard_s) AS within,
       count(*) FILTER (WHERE standard_s IS NOT NULL
                        AND (frt_s IS NOT NULL OR epoch($as_of - created_at) >= standard_s))
           AS within_den,
       count(res_s) AS resolved,
       count(*) FILTER (WHERE res_s IS NOT NULL AND coalesce(contacts, 1) <= 1
                        AND coalesce(reopen_count, 0) = 0) AS fcr,
       count(*) FILTER (WHERE res_s IS NOT NULL AND coalesce(reopen_count, 0) >= 1) AS reopened
FROM (SELECT *, epoch(first_response_at - created_at) AS frt_s,
             epoch(coalesce(resolved_at, closed_at) - created_at) AS res_s,
             CASE channel WHEN 'phone' THEN 20 WHEN 'chat' THEN 60 WHEN 'email' THEN 86400
                          WHEN 'social' THEN 3600 WHEN 'walk_in' THEN 600 END AS standard_s
      FROM tickets) t
WHERE created_at >= $a AND created_at < $b AND agent IS NOT NULL
GROUP BY agent ORDER BY agent
"""
AGENT_TICKET_KPIS = ["tickets", "first_response_median_s", "resolution_median_s",
                     "response_within_standard_rate", "resolution_rate", "fcr_rate",
                     "reopen_rate"]
TICKET_KPIS = ["tickets", "first_response_median_s", "first_response_p90_s",
               "response_within_standard_rate", "resolution_median_s", "resolution_p90_s"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--store", default=None)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    store = Store(args.store)
    latest = store.latest_dates()["tickets"]
    assert latest, "the store holds no tickets: run `servicelens demo` first"
    month = Filters(date_from=latest - timedelta(days=29), date_to=latest)
    settings = Settings()
    as_of = datetime.combine(latest, datetime.max.time()).replace(microsecond=0)
    scope = Scope.of(month, settings, as_of=as_of)
    daily = scope.with_grain("day")
    print(f"store {store.path}: {store.ticket_count():,} tickets; period {month.date_from} .. "
          f"{month.date_to}; medians of {args.repeat}")
    for name in ("response", "resolution", "complaints", "satisfaction"):
        compute = getattr(analysis, name)
        took = timed(lambda c=compute: c(store, scope), args.repeat)
        print(f"  page {name:<13} {took * 1000:8.0f} ms")
    business = month.model_copy(update={"business_hours": True})
    cal = timed(lambda: queries.kpis(store, scope, TICKET_KPIS), args.repeat)
    bus = timed(lambda: queries.kpis(store, Scope.of(business, settings, as_of=as_of),
                                     TICKET_KPIS), args.repeat)
    print(f"  ticket KPIs, calendar time  {cal * 1000:8.0f} ms")
    print(f"  ticket KPIs, business hours {bus * 1000:8.0f} ms   ratio {bus / cal:.2f}x")
    a = datetime.combine(month.date_from, datetime.min.time())
    b = datetime.combine(month.date_to + timedelta(days=1), datetime.min.time())

    def raw() -> object:
        with store.reader() as con:
            return con.sql(RAW_DRILL, params={"a": a, "b": b}).pl()

    base = timed(raw, args.repeat)
    ours = timed(lambda: drill.drill(store, daily, "tickets", {"channel": "phone"}), args.repeat)
    print(f"  drill-down phone, raw SQL   {base * 1000:8.0f} ms")
    print(f"  drill-down phone, drill()   {ours * 1000:8.0f} ms   ratio {ours / base:.2f}x")

    def raw_agents() -> object:
        with store.reader() as con:
            return con.sql(RAW_AGENTS, params={"a": a, "b": b, "as_of": as_of}).pl()

    base = timed(raw_agents, args.repeat)
    frame = timed(lambda: queries.frame(store, daily, AGENT_TICKET_KPIS, group_by=["agent"]),
                  args.repeat)
    agents = timed(lambda: scorecards.scorecard(store, scope), args.repeat)
    teams = timed(lambda: scorecards.scorecard(store, scope, "team"), args.repeat)
    n_agents = scorecards.scorecard(store, scope).height
    print(f"  agents, raw SQL (tickets)   {base * 1000:8.0f} ms   {n_agents} agents")
    print(f"  agents, frame() (tickets)   {frame * 1000:8.0f} ms   ratio {frame / base:.2f}x")
    print(f"  agents, scorecard()         {agents * 1000:8.0f} ms   ratio {agents / base:.2f}x")
    print(f"  teams, scorecard()          {teams * 1000:8.0f} ms   ratio {teams / base:.2f}x")


if __name__ == "__main__":
    main()
