"""What a user waits for: each page served and drawn in headless chromium, until Streamlit's
script state says the run is over and nothing is still drawing (tests/e2e's `settled`, no
fixed sleeps).

For each page and period (the last 30 days, and 12 months):
- first visit: a new tab opens the page's URL, a new Streamlit session (a cold server cache
  for the first period, as after a restart). The browser has been to the dashboard before
  (its HTTP cache holds Streamlit's scripts, as a manager's browser does from the day
  before); `ran` is when the server's run ended, the rest is the browser drawing;
- rerun: the same page, same filters, rerun (the "r" key): what any click that changes
  nothing costs;
- click: from the Catalog (which queries nothing), the page's link in the sidebar, in the
  same session, the page already computed once.
Medians of --repeat. Measured in the same run: Streamlit's floor (benchmarks/floor_app.py, a
title and a line) and the Catalog, each also with an empty browser cache (a browser's first
visit ever), so the share that is Streamlit's own shows. Also the server's peak RSS (VmHWM).
Writes the figures into benchmarks/results.json under --label (other labels kept).

Run: .venv/bin/python benchmarks/bench_browser.py --store /tmp/demo1m.duckdb --label 1M
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
from playwright.sync_api import sync_playwright

from tests.e2e.conftest import CHROMIUM, QUIET, WAIT, WATCH_RUNS, runs, serving, settled, visit

PAGES = ("overview", "response", "resolution", "complaints", "satisfaction", "calls",
         "agents", "agent", "teams", "qa", "catalog")
TITLES = {"overview": "总览", "response": "响应", "resolution": "解决", "complaints": "投诉",
          "satisfaction": "满意度", "calls": "话务", "agents": "坐席绩效", "agent": "坐席详情",
          "teams": "班组对比", "qa": "质检", "catalog": "指标说明"}
RESULTS = Path(__file__).parent / "results.json"
POLL = 60  # ms: settled polls every 50 ms
VIEWPORT = {"width": 1500, "height": 1400}
# When the first run of the page's session ended (ms since the page was opened): the server's
# share of a first visit; what follows until `settled` is the browser drawing.
_FIRST_RUN = """
(() => {
  window.__slFirstRun = null;
  new MutationObserver((records, observer) => {
    for (const r of records) {
      if (r.target.getAttribute('data-test-script-state') === 'notRunning') {
        window.__slFirstRun = performance.now();
        observer.disconnect();
        return;
      }
    }
  }).observe(document, {subtree: true, attributes: true,
                        attributeFilter: ['data-test-script-state']});
})();
"""


def latest_day(store: Path) -> date:
    with duckdb.connect(str(store), read_only=True) as con:
        row = con.execute("SELECT max(created_at)::DATE FROM tickets").fetchone()
    assert row and row[0], "the store holds no tickets"
    return row[0]


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def finished_at(page: Any) -> float:
    """When the page was done, on its own clock (ms since it was opened). `settled` waits for
    the state to hold QUIET ms: when it was found settled within that window of the last
    change of script state, the run ended at that change, not at the detection."""
    now, changed = page.evaluate("[performance.now(), window.__slChanged]")
    return float(changed) if now - changed <= QUIET + POLL else float(now)


def timed(page: Any, action: Any, done: Any = None) -> float:
    """Seconds from `action` until the page has settled after the runs it started.

    With `done` (the new page's heading shown): a run of a page the server already holds can
    be so quick that the browser never shows its script state change, so the run is not
    counted; then the page is done when the heading showed and nothing is left drawing."""
    before = runs(page)
    t0 = page.evaluate("performance.now()")
    action()
    if done is None:
        settled(page, before)
        return (finished_at(page) - t0) / 1000
    done()
    shown = float(page.evaluate("performance.now()"))
    settled(page)
    changed = float(page.evaluate("window.__slChanged"))
    return ((finished_at(page) if changed > t0 else shown) - t0) / 1000


def context(browser: Any) -> Any:
    """A browser profile of its own (its own HTTP cache) whose pages `settled` can wait on."""
    ctx = browser.new_context(viewport=VIEWPORT)
    ctx.add_init_script(WATCH_RUNS)
    ctx.add_init_script(_FIRST_RUN)
    return ctx


def open_page(ctx: Any, url: str) -> tuple[Any, float, float]:
    """A new tab on `url`: the page, when it was drawn and when its first run ended (s)."""
    page = ctx.new_page()
    page.set_default_timeout(WAIT)
    page.goto(url)
    settled(page)
    return page, finished_at(page) / 1000, float(page.evaluate("window.__slFirstRun")) / 1000


def measure(ctx: Any, url: str, query: str, name: str) -> dict[str, float | None]:
    """First visit, rerun and in-app click for one page: seconds."""
    page, first, ran = open_page(ctx, f"{url}/{name}?{query}")
    rerun = timed(page, lambda: page.keyboard.press("r"))
    click: float | None = None  # the Catalog is where the clicks start from
    if name != "catalog":
        visit(page, "catalog", TITLES["catalog"])
        link = page.locator('[data-testid="stSidebarNav"] a').filter(
            has_text=TITLES[name])  # no title is part of another
        heading = page.locator("h1").filter(has_text=re.compile(f"^{TITLES[name]}$"))
        click = timed(page, link.first.click, heading.wait_for)
    page.close()
    return {"first": first, "ran": ran, "rerun": rerun, "click": click}


def floors(browser: Any, url: str, path: str, repeat: int) -> dict[str, float]:
    """A page's first visit with an empty browser cache, with a warm one, and its rerun:
    medians of `repeat`, seconds."""
    empty, warm, rerun = [], [], []
    for _ in range(repeat):
        ctx = context(browser)
        page, first, _ = open_page(ctx, f"{url}/{path}")
        empty.append(first)
        rerun.append(timed(page, lambda p=page: p.keyboard.press("r")))
        page.close()
        page, first, _ = open_page(ctx, f"{url}/{path}")
        warm.append(first)
        page.close()
        ctx.close()
    return {"first_empty_cache": statistics.median(empty), "first": statistics.median(warm),
            "rerun": statistics.median(rerun)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--store", required=True, type=Path)
    parser.add_argument("--label", required=True, help="e.g. 1M or 10M")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--pages", default=",".join(PAGES))
    args = parser.parse_args()
    last = latest_day(args.store)
    periods = {
        "month": f"lang=zh&from={last - timedelta(days=29)}&to={last}",
        "year": f"lang=zh&from={last - timedelta(days=364)}&to={last}",
    }
    chosen = [p for p in args.pages.split(",") if p in PAGES]
    figures: dict[str, Any] = {}
    with serving(args.store, f"bench-{args.label}.log") as (url, proc), \
            serving(args.store, f"bench-{args.label}-floor.log",
                    "benchmarks/floor_app.py") as (floor_url, _), sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                    args=["--no-sandbox", "--disable-gpu"])
        print(f"store {args.store} ({args.label}), medians of {args.repeat}; seconds")
        figures["floor"] = floors(browser, floor_url, "", args.repeat)
        figures["catalog/empty-cache"] = floors(browser, url, f"catalog?{periods['month']}",
                                                args.repeat)
        for what in ("floor", "catalog/empty-cache"):
            f = figures[what]
            print(f"{what:<21} first visit, empty browser cache {f['first_empty_cache']:.2f}, "
                  f"warm {f['first']:.2f}; rerun {f['rerun']:.2f}")
        ctx = context(browser)
        open_page(ctx, f"{url}/catalog?{periods['month']}")[0].close()  # the browser's cache
        print(f"{'page':<14}{'period':<7}{'cold':>8}{'(ran)':>8}{'first':>8}{'rerun':>8}"
              f"{'click':>8}")
        for period, query in periods.items():
            for name in chosen:
                samples = [measure(ctx, url, query, name) for _ in range(args.repeat)]
                later = samples[1:] or samples  # the server's cache holds the view by then

                def median(key: str, of: list[dict[str, float | None]]) -> float | None:
                    values = [float(v) for v in (s[key] for s in of) if v is not None]
                    return statistics.median(values) if values else None

                row = {"cold": samples[0]["first"], "cold_ran": samples[0]["ran"],
                       "first": median("first", later), "rerun": median("rerun", samples),
                       "click": median("click", samples)}
                figures[f"{name}/{period}"] = row
                print(f"{name:<14}{period:<7}" + "".join(
                    f"{'—' if row[k] is None else format(row[k], '.2f'):>8}"
                    for k in ("cold", "cold_ran", "first", "rerun", "click")), flush=True)
        ctx.close()
        browser.close()
        rss = peak_rss_mb(proc.pid)
    print(f"server peak RSS {rss:,.0f} MB")
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    # A --pages run adds its pages to the last run's (and keeps the larger peak RSS).
    last = results.get(args.label, {}) if args.pages != ",".join(PAGES) else {}
    results[args.label] = {
        "store": str(args.store), "measured": time.strftime("%Y-%m-%d"),
        "pages": {**last.get("pages", {}), **figures},
        "server_peak_rss_mb": max(round(rss), last.get("server_peak_rss_mb", 0))}
    RESULTS.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
