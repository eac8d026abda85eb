"""Metric queries against raw DuckDB SQL written by hand, measured in the same run.

The baseline is one hand-written SQL statement computing the same ticket KPIs straight off
the table; the contender is `queries.kpis` (compiler, connection per call, polars frames)
for every public metric and the Overview's full load. Medians of --repeat runs and their ratio.

Run: .venv/bin/python benchmarks/bench_kpis.py --store data/servicelens.duckdb
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from datetime import date, datetime

import duckdb

from metrics.core import catalog
from metrics.core.filters import Filters
from metrics.engine import queries
from metrics.engine.store import Store
from metrics.views import overview

BASELINE_SQL = """
SELECT count(*),
       quantile_cont(epoch(first_response_at - created_at), 0.5),
       quantile_cont(epoch(first_response_at - created_at), 0.9),
       quantile_cont(epoch(coalesce(resolved_at, closed_at) - created_at), 0.5),
       quantile_cont(epoch(coalesce(resolved_at, closed_at) - created_at), 0.9),
       count(*) FILTER (WHERE coalesce(resolved_at, closed_at) IS NOT NULL),
       count(*) FILTER (WHERE request_type = 'complaint')
FROM tickets WHERE created_at >= $a AND created_at < $b
"""


def timed(fn: Callable[[], object], repeat: int) -> float:
    fn()  # warm the OS cache
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t0)
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--store", default=None)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    store = Store(args.store)
    latest = store.latest_dates()["tickets"] or date.today()
    month = Filters(date_from=latest.replace(day=1), date_to=latest)
    year = Filters(date_from=date(latest.year - 1, latest.month, 1), date_to=latest)
    print(f"store {store.path}: {store.ticket_count():,} tickets")
    print(f"{'scope':<8} {'what':<34} {'median ms':>10} {'x raw SQL':>10}")
    for name, f in (("month", month), ("year", year)):
        params = {"a": datetime.combine(f.date_from, datetime.min.time()),
                  "b": datetime.combine(f.date_to, datetime.max.time())}

        def raw(p: dict[str, datetime] = params) -> object:
            con = duckdb.connect(str(store.path), read_only=True)
            try:
                return con.execute(BASELINE_SQL, p).fetchall()
            finally:
                con.close()

        base = timed(raw, args.repeat)
        ticket_only = timed(lambda f=f: queries.kpis(store, store.scope(f), [  # type: ignore[misc]
            "tickets", "first_response_median_s", "first_response_p90_s",
            "resolution_median_s", "resolution_p90_s", "resolution_rate", "complaints"]),
            args.repeat)
        every = timed(lambda f=f: queries.kpis(store, store.scope(f)), args.repeat)  # type: ignore[misc]
        page = timed(lambda f=f: overview.overview(store, store.scope(f)), args.repeat)  # type: ignore[misc]
        print(f"{name:<8} {'raw SQL, 7 ticket KPIs':<34} {base * 1000:>10.1f} {1:>10.2f}")
        print(f"{name:<8} {'kpis(), same 7 ticket KPIs':<34} {ticket_only * 1000:>10.1f} "
              f"{ticket_only / base:>10.2f}")
        every_label = f"kpis(), all {len(catalog.PUBLIC_IDS)} metrics"
        print(f"{name:<8} {every_label:<34} {every * 1000:>10.1f} "
              f"{every / base:>10.2f}")
        print(f"{name:<8} {'Overview page data (cold)':<34} {page * 1000:>10.1f} "
              f"{page / base:>10.2f}")


if __name__ == "__main__":
    main()
