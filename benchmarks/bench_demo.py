"""How long `servicelens demo` takes: generation and store write, by size (medians of runs).

Run: .venv/bin/python benchmarks/bench_demo.py [--sizes 100000,1000000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

from metrics.engine.store import Store
from metrics.ingest import demo


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"{'tickets':>10} {'generate s':>11} {'write s':>9} {'total s':>9} {'tickets/s':>11}")
    for size in (int(s) for s in args.sizes.split(",")):
        gens, writes = [], []
        for run in range(args.repeat):
            with tempfile.TemporaryDirectory() as tmp:
                store = Store(Path(tmp) / "bench.duckdb")
                store.ensure()
                t0 = time.perf_counter()
                frames = demo.generate(size, seed=run, end=date(2026, 11, 23))
                t1 = time.perf_counter()
                demo.write(store, frames, "bench")
                t2 = time.perf_counter()
                gens.append(t1 - t0)
                writes.append(t2 - t1)
        g, w = statistics.median(gens), statistics.median(writes)
        print(f"{size:>10,} {g:>11.2f} {w:>9.2f} {g + w:>9.2f} {size / (g + w):>11,.0f}")


if __name__ == "__main__":
    main()
