"""Each page's queries on DuckDB and on embedded ClickHouse (chDB), in one run, on the same
rows: the demo store copied across by `servicelens migrate`'s code when the chDB folder is
empty.

For each page: the median seconds of its view (every query it draws from, as the page's
cached call runs them) over a month and over a year, on each engine, and the ratio chDB /
DuckDB. The chDB store is held open for the run (as the app's `shared()` block holds it
for a page), so the ratio is the engine's, not chDB's start on its folder (~0.1 s).

Run: .venv/bin/python benchmarks/bench_engines.py \
         --store /tmp/servicelens-bench/demo10000000.duckdb \
         --chdb /tmp/servicelens-bench/demo10000000.chdb
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from contextlib import nullcontext
from datetime import date, timedelta
from functools import partial
from pathlib import Path

from bench_kpis import timed  # run as a script: benchmarks/ is on sys.path

from metrics.core.filters import Filters
from metrics.core.scope import Scope
from metrics.engine import transfer
from metrics.engine.store import Store
from metrics.views import drill
from metrics.views.pages import PAGE_VIEWS

PAGES: dict[str, Callable[[Store, Scope], object]] = {
    **PAGE_VIEWS,
    "drill (FRT rows)": lambda s, sc: drill.drill(s, sc, "first_response_p90_s", {}),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--store", required=True, help="the DuckDB demo store")
    parser.add_argument("--chdb", required=True, help="a chDB folder (copied into if empty)")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    duck, ch = Store(args.store), Store(f"chdb:{args.chdb}")
    if not (Path(args.chdb) / "servicelens.duckdb").exists():
        started = time.perf_counter()
        copied = transfer.copy(duck, ch, progress=lambda t, n: print(
            f"  copying {t}: {n:,}", file=sys.stderr, flush=True) if n % 2_000_000 == 0
            else None)
        print(f"migrate: {copied.source['tickets']:,} tickets and "
              f"{sum(copied.source.values()):,} rows in all in "
              f"{time.perf_counter() - started:.0f} s; counts equal: {copied.equal}")
    last = duck.latest_day() or date.today()
    month = Filters(date_from=last.replace(day=1), date_to=last)
    year = Filters(date_from=last - timedelta(days=364), date_to=last)
    print(f"{duck.ticket_count():,} tickets; {args.repeat} runs each, median seconds")
    print(f"{'page':<18}{'period':<7}{'DuckDB':>9}{'chDB':>9}{'chDB/DuckDB':>13}")
    ratios = []
    with ch.engine.held() if ch.engine else nullcontext():
        for name, view in PAGES.items():
            for label, filters in (("month", month), ("year", year)):
                times = [timed(partial(view, store, store.scope(filters)), args.repeat)
                         for store in (duck, ch)]
                ratios.append(times[1] / times[0])
                print(f"{name:<18}{label:<7}{times[0]:>9.3f}{times[1]:>9.3f}"
                      f"{times[1] / times[0]:>13.2f}", flush=True)
    print(f"median ratio chDB/DuckDB over {len(ratios)} page-periods: "
          f"{statistics.median(ratios):.2f} (min {min(ratios):.2f}, max {max(ratios):.2f})")


if __name__ == "__main__":
    main()
