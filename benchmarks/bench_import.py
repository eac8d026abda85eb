"""Importing a ticket CSV and a call CSV: `servicelens import` against DuckDB's own read_csv +
INSERT OR REPLACE.

Both load the same file into the same table (primary key the kind's id), timed in the same
run; medians of --repeat runs. "fresh" loads an empty store, "again" re-imports the
same file into the filled store. Peak memory of an import is measured in a child process.

Run: .venv/bin/python benchmarks/bench_import.py [--rows 1000000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import polars as pl

from metrics.engine.store import Store
from metrics.ingest import demo, importer

TABLES = {"tickets": "tickets", "calls": "calls"}


def baseline_sql(kind: str) -> str:
    return (f"INSERT OR REPLACE INTO {TABLES[kind]} BY NAME"  # noqa: S608 - fixed table names
            " SELECT * FROM read_csv($p, header = true)")


def write_csv(kind: str, rows: int, path: Path) -> None:
    """Demo rows as an export would hold them: canonical headers, codes, text times. Calls
    come from as many demo tickets as it takes (about 0.45 calls a ticket), in parts."""
    if kind == "tickets":
        frame = demo.generate(rows, seed=5, end=date(2026, 11, 23)).tickets
    else:
        parts, have = [], 0
        for part in demo.generate_parts(int(rows / 0.44) + 1, seed=5, end=date(2026, 11, 23)):
            parts.append(part.calls)
            have += part.calls.height
            if have >= rows:
                break
        frame = pl.concat(parts).head(rows)
    frame.with_columns(pl.col(pl.Datetime).dt.strftime("%Y-%m-%d %H:%M:%S")).write_csv(path)


def baseline(store: Store, path: Path, kind: str) -> float:
    with store.writer() as con:
        t0 = time.perf_counter()
        con.execute("BEGIN TRANSACTION")
        con.execute(baseline_sql(kind), {"p": str(path)})
        con.execute("COMMIT")
        con.execute("CHECKPOINT")
        return time.perf_counter() - t0


def ours(store: Store, path: Path, kind: str) -> float:
    t0 = time.perf_counter()
    importer.import_file(store, kind, path)
    return time.perf_counter() - t0


def peak_rss_mb(code: str, path: Path, folder: Path) -> float:
    """Peak resident memory (MB) of a child process running `code` on the file.

    A small launcher starts it: a child forked from this big process would inherit its size.
    """
    store = folder / "rss.duckdb"
    store.unlink(missing_ok=True)
    launcher = (
        "import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True);"
        " print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    done = subprocess.run(
        [sys.executable, "-c", launcher, sys.executable, "-c", code, str(path), str(store)],
        check=True, capture_output=True, text=True,
    )
    return int(done.stdout.split()[-1]) / 1024


def ours_child(kind: str) -> str:
    return ("import sys; from pathlib import Path; from metrics.ingest import importer;"
            " from metrics.engine.store import Store;"
            f" importer.import_file(Store(sys.argv[2]), {kind!r}, Path(sys.argv[1]))")


def base_child(kind: str) -> str:
    return ("import sys; from metrics.engine.store import Store; s = Store(sys.argv[2]);"
            " s.ensure(); c = __import__('duckdb').connect(sys.argv[2]);"
            " c.execute(\"SET enable_progress_bar = false\"); c.execute("
            + repr(baseline_sql(kind)) + ", {'p': sys.argv[1]})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--kinds", default="tickets,calls")
    args = parser.parse_args()
    for kind in args.kinds.split(","):
        with tempfile.TemporaryDirectory() as tmp:
            measure(kind, args.rows, args.repeat, Path(tmp))


def measure(kind: str, rows: int, repeat: int, folder: Path) -> None:
    path = folder / f"{kind}.csv"
    write_csv(kind, rows, path)
    size_mb = path.stat().st_size / 1e6
    print(f"{rows:,} {kind} rows, {size_mb:.0f} MB CSV")
    times: dict[str, list[float]] = {k: [] for k in ("base fresh", "ours fresh",
                                                    "base again", "ours again")}
    for run in range(repeat):
        for who, load in (("base", baseline), ("ours", ours)):
            store = Store(folder / f"{who}-{run}.duckdb")
            store.ensure()
            times[f"{who} fresh"].append(load(store, path, kind))
            times[f"{who} again"].append(load(store, path, kind))
            store.path.unlink()
    med = {k: statistics.median(v) for k, v in times.items()}
    for case in ("fresh", "again"):
        b, o = med[f"base {case}"], med[f"ours {case}"]
        print(f"{kind} {case:>6}: read_csv + INSERT OR REPLACE {b:6.2f} s | servicelens import "
              f"{o:6.2f} s | ratio {o / b:4.2f}x | {rows / o:,.0f} rows/s")
    for who, code in (("read_csv + INSERT OR REPLACE", base_child(kind)),
                      ("servicelens import", ours_child(kind))):
        rss = peak_rss_mb(code, path, folder)
        print(f"{kind} peak memory, {who}: {rss:,.0f} MB ({rss / size_mb:.1f}x the file)")


if __name__ == "__main__":
    main()
