"""The monthly review pack against the Overview's KPI cards, measured in the same run.

The baseline is what the Overview page computes for its cards (every card's value this
period and the previous one, and their sparklines); the contenders are the pack's steps:
`review.build` (every page's numbers, through the functions the pages call), rendering its
charts to PNG at 2x (vl-convert), laying out and writing the PDF (fpdf2, Noto Sans CJK
embedded), the zip (SVG and XLSX on top of the PNGs), and the whole PDF as
`servicelens report` makes it (without starting Python). Medians of --repeat runs after one
warm-up, and their ratio to the baseline.

Run: .venv/bin/python benchmarks/bench_report.py --store /tmp/demo1m.duckdb --month 2026-10
"""

from __future__ import annotations

import argparse
from datetime import date, timedelta

from bench_kpis import timed  # run as a script: benchmarks/ is on sys.path

from metrics.core.filters import Filters
from metrics.engine.store import Store
from metrics.report import archive as review_zip
from metrics.report import pack as review
from metrics.report import pdf as review_pdf
from metrics.views import overview


def last_full_month(latest: date) -> str:
    """The month before the one the data ends in (the latest one a review can cover whole)."""
    return f"{latest.replace(day=1) - timedelta(days=1):%Y-%m}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--store", default=None)
    parser.add_argument("--month", default=None, help="YYYY-MM (default: the last full month)")
    parser.add_argument("--lang", choices=("zh", "en"), default="zh")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    store = Store(args.store)
    latest = store.latest_dates()["tickets"] or date.today()
    month = args.month or last_full_month(latest)
    first, last = review.month_period(month)
    filters = Filters(date_from=first, date_to=min(last, latest))
    scope = store.scope(filters)
    lang = args.lang

    def cards() -> object:
        return overview.cards(store, scope, overview.CARD_METRICS)

    def build() -> review.Pack:
        return review.build(store, scope, lang)

    pack = build()
    rendered = pack.fresh()
    review.render(rendered, svg=True)
    pdf = review_pdf.to_pdf(rendered)

    base = timed(cards, args.repeat)
    steps = [
        ("build: every page's numbers", timed(build, args.repeat)),
        (f"render {len(pack.figures)} charts, PNG 2x",
         timed(lambda: review.render(pack.fresh()), args.repeat)),
        ("PDF from rendered charts", timed(lambda: review_pdf.to_pdf(rendered), args.repeat)),
        ("zip from rendered PNGs (+SVG, XLSX)",
         timed(lambda: review_zip.to_zip(_with_png(rendered)), args.repeat)),
        ("whole PDF: build, render, PDF", timed(lambda: review_pdf.to_pdf(build()), args.repeat)),
    ]
    print(f"store {store.path}: {store.ticket_count():,} tickets; review of {month} "
          f"({filters.date_from} – {filters.date_to}), {lang}; PDF {len(pdf) / 1e6:.1f} MB")
    print(f"{'what':<38} {'median s':>9} {'x cards':>8}")
    print(f"{'Overview KPI cards (baseline)':<38} {base:>9.2f} {1:>8.2f}")
    for name, seconds in steps:
        print(f"{name:<38} {seconds:>9.2f} {seconds / base:>8.2f}")


def _with_png(pack: review.Pack) -> review.Pack:
    """A copy holding the PNGs but no SVG, so that the zip renders the SVGs it needs."""
    fresh = pack.fresh()
    fresh.png.update(pack.png)
    return fresh


if __name__ == "__main__":
    main()
