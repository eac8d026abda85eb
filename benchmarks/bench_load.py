"""Load and faults: --sessions browser sessions click through the pages for --seconds while a
--rows-ticket import (`servicelens import`) is merged into the store they read.

The store is a copy of a demo store (--store; else a demo of --demo-tickets built here) passed
off as imported data, so that the import adds to it (a demo-only store would be replaced) and
the app asks for a sign-in as on a real site; a manager is added to sign in with. The import
is bench_import's tickets extract with new ids, its days moved to end on the store's last day:
the period the sessions view (its last 30 days) gains tickets.

One chromium, a browser context per session. Each signs in on the Overview (its ticket count
for the period is the baseline), then clicks through the pages in the sidebar without
pausing, each session starting at another page. A visit is timed from the click until the
page has settled (tests/e2e's `settled`: the run over and nothing left drawing), on the
browser's clock; noted with it: an exception box, an error alert, the store-busy notice the
frame shows while the import holds the store's write lock (Store._retry, ui/frame.py), the
Overview's ticket count. The import starts --import-after seconds in; its write lock on the
store (seen in /proc/locks) is its merge. Sessions go on past --seconds until the import has
ended and each has opened the Overview since, which must show more tickets than before.

Prints visits, p50 and p95 page times before, during the import's reading and checking,
during its merge (or with the notice shown) and after it; the import's times and peak RSS
(benchmarks/peak.py), the server's peak RSS and the tracebacks in its log
(artifacts/bench-load.log); when pages never settled, the server's threads (py-spy dump,
artifacts/bench-load-stacks.txt) before it is stopped. Writes the figures into
benchmarks/results_load.json (other runs kept). Exits 1 on an exception or error alert (the
QA page's severe-violation callout is one by design), a failed sign-in, a page that never
settled, a traceback in the server's log, a failed import or an Overview without the data.

Run (tests/e2e's helpers need the repository on the path; or `make bench-load`):
    PYTHONPATH=. .venv/bin/python benchmarks/bench_load.py [--sessions 20] [--seconds 120]
        [--rows 1000000] [--store /tmp/servicelens-bench/demo1000000.duckdb]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl
from bench_browser import PAGES, TITLES, VIEWPORT, latest_day, peak_rss_mb  # benchmarks/ on path
from bench_import import write_csv
from playwright.async_api import async_playwright

from metrics.core import catalog
from metrics.engine.store import Store
from metrics.present.words import t
from tests.e2e.conftest import (
    _SETTLED,
    _STATE,
    ARTIFACTS,
    CHROMIUM,
    QUIET,
    ROOT,
    WATCH_RUNS,
    serving,
)

HERE = Path(__file__).parent
RESULTS = HERE / "results_load.json"
DEMO_STORE = Path("/tmp/servicelens-bench/demo1000000.duckdb")
LOG = "bench-load.log"  # in artifacts/, as the browser tests' server logs
STACKS = "bench-load-stacks.txt"  # the server's threads when pages never settled
USER, PASSWORD = "load", "correct horse battery"
POLL = 100  # ms: settled's polling, in 20 pages at once
PHASES = {"before": "before the import", "import": "import reading, checking",
          "merge": "merge (lock held / notice)", "after": "after the import", "all": "all"}
BUSY = [t("store_busy", lang) for lang in ("zh", "en")]
TICKETS = next(m for m in catalog.METRICS if m.id == "tickets").name("zh")
# Error alerts a page shows by design (the QA page's severe violations), not faults.
BY_DESIGN = [re.compile(".+?".join(re.escape(part) for part in re.split(
    r"\{\w+\}", t("qa_severe_callout", lang).replace("**", "")))) for lang in ("zh", "en")]
# What a visit shows beside the page: exception boxes and error alerts (their text), and when
# the store-busy notice was first and last seen (ms, the page's clock). Checked on every change
# of the page, so that a box or notice removed before the page settled still counts; the last
# run's boxes (stale, or there before the click: _CLICK) are not this visit's.
_WATCH_FAULTS = """
(() => {
  const busy = BUSY;
  window.__slFaults = {exceptions: [], errors: [], busyFirst: null, busyLast: null};
  const look = () => {
    const f = window.__slFaults;
    for (const box of document.querySelectorAll('[data-testid="stException"], '
                                                + '[data-testid="stAlertContentError"]')) {
      if (box.closest('[data-stale="true"]')) continue;  // the last run's, fading out
      if (box.__slBefore === box.textContent) continue;  // shown before the click
      const exception = box.dataset.testid === 'stException';
      if (!exception && box.closest('[data-testid="stException"]')) continue;  // its header
      const list = exception ? f.exceptions : f.errors;
      const text = box.textContent.slice(0, 4000);
      if (text && !list.includes(text)) list.push(text);
    }
    for (const note of document.querySelectorAll('[data-testid="stAlertContentInfo"]')) {
      if (busy.some((words) => note.textContent.includes(words))) {
        f.busyFirst = f.busyFirst ?? performance.now();
        f.busyLast = performance.now();
      }
    }
  };
  new MutationObserver(look).observe(document, {childList: true, subtree: true,
                                                characterData: true});
})();
""".replace("BUSY", json.dumps(BUSY, ensure_ascii=False))
# A click on a sidebar link, in the page: when it was made (ms). Faults forgotten, and the
# boxes shown then marked: the last page's, not this visit's (unless they change).
_CLICK = """
(selector) => {
  window.__slFaults = {exceptions: [], errors: [], busyFirst: null, busyLast: null};
  for (const box of document.querySelectorAll('[data-testid="stException"], '
                                              + '[data-testid="stAlertContentError"]')) {
    box.__slBefore = box.textContent;
  }
  const link = document.querySelector(selector);
  if (!link) throw new Error('no link ' + selector);
  const clicked = performance.now();
  link.click();
  return clicked;
}
"""
_SHOWN_TICKETS = """
(label) => {
  for (const card of document.querySelectorAll('[data-testid="stMetric"]')) {
    const name = card.querySelector('[data-testid="stMetricLabel"]');
    if (name && name.textContent.trim() === label) {
      return card.querySelector('[data-testid="stMetricValue"]')?.textContent ?? null;
    }
  }
  return null;
}
"""


@dataclass
class Visit:
    """One click on a page's link and what it showed; times in s since the sessions began."""

    session: int
    page: str
    start: float
    end: float = 0.0
    seconds: float | None = None  # the click until settled, the browser's clock; None: never
    busy_s: float | None = None  # how long the store-busy notice showed; None: it did not
    exceptions: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    failure: str | None = None
    tickets: int | None = None  # the Overview's ticket count for the period


@dataclass
class Import:
    """The import's moments (s since the sessions began) and what it printed."""

    start: float | None = None
    end: float | None = None
    locked: list[float] = field(default_factory=list)  # when its write lock was seen
    output: list[tuple[float, str]] = field(default_factory=list)
    code: int | None = None

    def merge(self) -> tuple[float, float] | None:
        return (self.locked[0], self.locked[-1]) if self.locked else None


@dataclass
class Run:
    """What the sessions share: where, how long, and what they saw."""

    url: str
    query: str
    seconds: float
    grace: float
    timeout: float
    sessions: int
    pages: tuple[str, ...]
    imp: Import = field(default_factory=Import)
    visits: list[Visit] = field(default_factory=list)
    baseline: dict[int, int | None] = field(default_factory=dict)
    unsigned: dict[int, str] = field(default_factory=dict)  # sessions that could not sign in
    signin_faults: dict[int, list[str]] = field(default_factory=dict)  # on the first Overview
    go: asyncio.Event = field(default_factory=asyncio.Event)
    t0: float = 0.0

    def now(self) -> float:
        return time.monotonic() - self.t0

    def signed_in(self, number: int, tickets: int | None) -> None:
        self.baseline[number] = tickets
        if len(self.baseline) == self.sessions:
            print(f"{self.sessions - len(self.unsigned)} of {self.sessions} sessions signed in;"
                  f" clicking through {len(self.pages)} pages for {self.seconds:.0f} s",
                  flush=True)
            self.t0 = time.monotonic()
            self.go.set()

    def finished(self, number: int) -> bool:
        """Past --seconds, the import over and this session's Overview opened since; or past
        the grace period whatever happened."""
        if self.now() >= self.seconds + self.grace:
            return True
        end = self.imp.end
        return self.now() >= self.seconds and end is not None and any(
            v.session == number and v.page == "overview" and v.start >= end
            for v in self.visits)


def scratch_store(source: Path | None, folder: Path, demo_tickets: int) -> Path:
    """A copy of `source` (a demo store) that says it holds imported data, with a manager."""
    store = folder / "load.duckdb"
    if source is None:
        subprocess.run([sys.executable, "-m", "metrics.cli", "demo", "--tickets",
                        str(demo_tickets), "--seed", "7", "--store", str(store)],
                       cwd=ROOT, check=True)
    else:
        shutil.copyfile(source, store)
        if source.with_name(source.name + ".wal").exists():
            shutil.copyfile(source.with_name(source.name + ".wal"),
                            store.with_name(store.name + ".wal"))
    with Store(store).writer() as con:  # an import would otherwise replace the demo's data
        con.execute("UPDATE import_log SET source = 'file' WHERE source = 'demo'")
    subprocess.run([sys.executable, "-m", "metrics.cli", "users", "add", USER, "--role",
                    "manager", "--password-stdin", "--store", str(store)],
                   cwd=ROOT, check=True, input=PASSWORD, text=True, capture_output=True)
    return store


def new_tickets(rows: int, path: Path, last: date, period: tuple[date, date]) -> int:
    """bench_import's tickets extract with new ids (L…), its times moved so that its last
    ticket is created on `last`; returns how many are created in `period`."""
    write_csv("tickets", rows, path)
    frame = pl.read_csv(path, infer_schema=False)
    times = [c for c in frame.columns if c.endswith("_at")]
    parsed = frame.with_columns(pl.col(times).str.to_datetime("%Y-%m-%d %H:%M:%S"))
    newest = parsed["created_at"].max()
    assert isinstance(newest, datetime)
    shift = timedelta(days=(last - newest.date()).days)
    moved = parsed.with_columns(pl.col(times) + shift,
                                ("L" + pl.col("ticket_id").str.slice(1)).alias("ticket_id"))
    day = pl.col("created_at").dt.date()
    within = moved.filter(day.is_between(*period)).height
    moved.with_columns(pl.col(times).dt.strftime("%Y-%m-%d %H:%M:%S")).write_csv(path)
    return within


def lock_key(store: Path) -> str:
    """How /proc/locks names the store's file: MAJOR:MINOR:INODE (hex device numbers)."""
    st = store.stat()
    return f"{os.major(st.st_dev):02x}:{os.minor(st.st_dev):02x}:{st.st_ino} "


def write_locked(key: str) -> bool:
    """Whether a process holds the file's write lock (an import's merge: the app only reads)."""
    return any(" WRITE " in line and key in line
               for line in Path("/proc/locks").read_text().splitlines())


async def watch_lock(run: Run, key: str) -> None:
    while True:
        if write_locked(key):
            run.imp.locked.append(run.now())
        await asyncio.sleep(0.1)


async def run_import(run: Run, csv: Path, store: Path, after: float) -> None:
    """`servicelens import tickets` (under peak.py) `after` s into the sessions' run."""
    await run.go.wait()
    await asyncio.sleep(after)
    run.imp.start = run.now()
    watcher = asyncio.create_task(watch_lock(run, lock_key(store)))
    proc = await asyncio.create_subprocess_exec(
        sys.executable, str(HERE / "peak.py"), sys.executable, "-m", "metrics.cli", "import",
        "tickets", str(csv), "--store", str(store), cwd=ROOT,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    assert proc.stdout is not None
    async for line in proc.stdout:
        run.imp.output.append((run.now(), line.decode().rstrip()))
    run.imp.code = await proc.wait()
    run.imp.end = run.now()
    watcher.cancel()


async def settled(page: Any, timeout: float) -> None:
    """tests/e2e's `settled`, for the async API."""
    try:
        await page.wait_for_function(_SETTLED, arg=[0, QUIET], timeout=timeout * 1000,
                                     polling=POLL)
    except Exception as error:  # playwright's TimeoutError: say what was still going on
        raise AssertionError(f"did not settle: {await page.evaluate(_STATE)}") from error


async def shown_tickets(page: Any) -> int | None:
    text = await page.evaluate(_SHOWN_TICKETS, TICKETS)
    digits = re.sub(r"\D", "", text or "")
    return int(digits) if digits else None


async def sign_in(page: Any, run: Run) -> None:
    """Open the Overview on the period and sign in through its form (Chinese labels). The
    home page's own URL: /overview is not found while the sign-in form shows."""
    await page.goto(f"{run.url}/?{run.query}")
    await settled(page, run.timeout)
    await page.get_by_label(t("signin_name", "zh")).fill(USER)
    await page.get_by_label(t("signin_password", "zh"), exact=True).fill(PASSWORD)
    await page.get_by_role("button", name=t("signin_submit", "zh")).click()
    await page.locator("h1").filter(has_text=re.compile(f"^{TITLES['overview']}$")).wait_for()
    await settled(page, run.timeout)


async def visit(page: Any, number: int, name: str, run: Run) -> Visit:
    """Click the page's sidebar link; time it until the page settled, note what it showed."""
    seen = Visit(session=number, page=name, start=run.now())
    path = "" if name == "overview" else name  # the home page's URL is the site's
    try:
        clicked = await page.evaluate(
            _CLICK, f'[data-testid="stSidebarNav"] a[href$="/{path}"]')
        await page.wait_for_url(re.compile(rf"/{path}(\?|$)"))
        await page.locator("h1").filter(
            has_text=re.compile(f"^{re.escape(TITLES[name])}$")).wait_for()
        shown = float(await page.evaluate("performance.now()"))
        await settled(page, run.timeout)
        now, changed = await page.evaluate("[performance.now(), window.__slChanged]")
        # As bench_browser's `timed`: the run's end when it was seen, else the heading shown.
        done = (changed if now - changed <= QUIET + POLL else now) if changed > clicked \
            else shown
        seen.seconds = (done - clicked) / 1000
        if name == "overview":
            seen.tickets = await shown_tickets(page)
    except Exception as error:  # a timeout or a page gone: noted, and the session goes on
        seen.failure = f"{type(error).__name__}: {str(error).splitlines()[0][:300]}"
    faults = await shown_faults(page)
    seen.exceptions = faults["exceptions"]
    seen.errors = [e for e in faults["errors"] if not any(p.search(e) for p in BY_DESIGN)]
    if faults["busyFirst"] is not None:
        seen.busy_s = (faults["busyLast"] - faults["busyFirst"]) / 1000
    seen.end = run.now()
    return seen


async def shown_faults(page: Any) -> dict[str, Any]:
    """What _WATCH_FAULTS saw since the last click (nothing when the page is gone)."""
    try:
        return dict(await page.evaluate("window.__slFaults"))
    except Exception:  # a closed or crashed page: its visit has failed already
        return {"exceptions": [], "errors": [], "busyFirst": None, "busyLast": None}


async def session(number: int, browser: Any, run: Run) -> None:
    """Sign in, wait for every other session, then click through the pages until done."""
    ctx = await browser.new_context(viewport=VIEWPORT)
    for script in (WATCH_RUNS, _WATCH_FAULTS):
        await ctx.add_init_script(script)
    page = await ctx.new_page()
    page.set_default_timeout(run.timeout * 1000)
    try:
        await sign_in(page, run)
        faults = await shown_faults(page)
        if faults["exceptions"] or faults["errors"]:
            run.signin_faults[number] = faults["exceptions"] + faults["errors"]
        run.signed_in(number, await shown_tickets(page))
    except Exception as error:  # said in the report; the other sessions go on
        shown = (await shown_faults(page))["exceptions"]  # an exception box on the form
        run.unsigned[number] = " | ".join(
            [f"{type(error).__name__}: {str(error).splitlines()[0][:300]}", *shown])
        run.signed_in(number, None)
        await ctx.close()
        return
    await run.go.wait()
    first = number % len(run.pages)
    order = run.pages[first:] + run.pages[:first]
    current, step = "overview", 0
    while not run.finished(number):
        name = order[step % len(order)]
        step += 1
        if name != current:
            run.visits.append(await visit(page, number, name, run))
            current = name
    await ctx.close()


async def load(url: str, query: str, csv: Path, store: Path, args: argparse.Namespace) -> Run:
    wanted = args.pages.split(",")
    run = Run(url=url, query=query, seconds=args.seconds, grace=args.grace,
              timeout=args.timeout, sessions=args.sessions,
              pages=tuple(p for p in PAGES if p in wanted or p == "overview"))
    async with async_playwright() as p:
        browser = await p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync"])
        await asyncio.gather(run_import(run, csv, store, args.import_after),
                             *(session(n, browser, run) for n in range(args.sessions)))
        await browser.close()
    return run


def phase(v: Visit, imp: Import) -> str:
    """When a visit was made: before the import, while it read and checked the file, during
    its merge (its write lock held, or the notice shown), after it."""
    merge = imp.merge()
    if v.busy_s is not None or (merge and v.start <= merge[1] + 0.1 and v.end >= merge[0]):
        return "merge"
    if imp.start is None or v.start < imp.start:
        return "before"
    if imp.end is not None and v.start >= imp.end:
        return "after"
    return "import"


def quantiles(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"p50": None, "p95": None, "max": None}
    p95 = statistics.quantiles(values, n=20, method="inclusive")[18] if len(values) > 1 \
        else values[0]
    return {"p50": statistics.median(values), "p95": p95, "max": max(values)}


def figures(visits: list[Visit]) -> dict[str, Any]:
    times = [v.seconds for v in visits if v.seconds is not None]
    return {"visits": len(visits), **quantiles(times),
            "notice": sum(v.busy_s is not None for v in visits),
            "exceptions": sum(bool(v.exceptions) for v in visits),
            "errors": sum(bool(v.errors) for v in visits),
            "failed": sum(v.failure is not None for v in visits)}


def new_data(run: Run, expected: int) -> dict[str, Any]:
    """Each session's first Overview after the import against its baseline (grown, and by
    the imported tickets of the period exactly); the Overviews that showed the notice."""
    end = run.imp.end
    firsts: dict[int, Visit] = {}
    for v in sorted(run.visits, key=lambda v: v.start):
        if end is not None and v.page == "overview" and v.start >= end:
            firsts.setdefault(v.session, v)
    grew = [n for n, v in firsts.items()
            if v.tickets is not None and (run.baseline.get(n) or 0) < v.tickets]
    waited = [v for v in run.visits if v.page == "overview" and v.busy_s is not None]
    before = max((b for b in run.baseline.values() if b is not None), default=0)
    exact = [n for n in grew if firsts[n].tickets == (run.baseline.get(n) or 0) + expected]
    return {"baseline": sorted({b for b in run.baseline.values() if b is not None}),
            "after": sorted({v.tickets for v in firsts.values() if v.tickets is not None}),
            "sessions": run.sessions, "checked": len(firsts), "grew": len(grew),
            "grew_by_expected": len(exact),
            "notice_overviews": len(waited),
            "notice_overviews_new": sum((v.tickets or 0) > before for v in waited)}


def stop(proc: subprocess.Popen[bytes], hung: bool) -> Path | None:
    """Stop the server, first writing its threads' stacks (py-spy, when there) if pages never
    settled: where their runs hang. A server that ignores SIGTERM (a hung run) is killed."""
    stacks = dump_stacks(proc.pid) if hung else None
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    return stacks


def dump_stacks(pid: int) -> Path | None:
    spy = shutil.which("py-spy", path=f"{Path(sys.executable).parent}{os.pathsep}"
                                      f"{os.environ.get('PATH', '')}")
    if spy is None:
        return None
    done = subprocess.run([spy, "dump", "--native", "--pid", str(pid)], capture_output=True,
                          text=True, timeout=120, check=False)
    path = ARTIFACTS.parent / STACKS
    path.write_text(done.stdout + done.stderr)
    return path


def script_threads(stacks: Path) -> list[str]:
    """The page runs in a stack dump: each script thread's innermost frames and the app's."""
    shown = []
    for block in stacks.read_text().split("\nThread "):
        if "ScriptRunner.scriptThread" not in block:
            continue
        lines = block.splitlines()
        ours = [line for line in lines[4:] if re.search(r"\((metrics|ui)/|<module> \(\w+\.py", line)
                and "(app.py" not in line]
        shown.append("\n".join(["Thread " + lines[0], *lines[1:4], *ours]))
    return shown


def tracebacks(log: Path) -> list[str]:
    """The tracebacks the server logged (an uncaught exception in a page's run), as plain
    text: Streamlit draws them in colour, in boxes."""
    text = log.read_text(errors="replace") if log.exists() else ""
    text = re.sub(r"\x1b\[[0-9;]*m", "", text)
    text = "\n".join(line.strip().strip("│").rstrip() for line in text.splitlines())
    starts = [m.start() for m in re.finditer(r"Traceback \(most recent call last\)", text)]
    return [text[a:b] for a, b in zip(starts, [*starts[1:], len(text)], strict=False)]


def fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def print_table(stats: dict[str, dict[str, Any]], pages: dict[str, dict[str, Any]]) -> None:
    print(f"{'visits':<28}{'n':>6}{'p50 s':>8}{'p95 s':>8}{'max s':>8}{'notice':>8}"
          f"{'exc.':>6}{'errors':>8}{'failed':>8}")
    for key, title in PHASES.items():
        f = stats[key]
        print(f"{title:<28}{f['visits']:>6}{fmt(f['p50']):>8}{fmt(f['p95']):>8}"
              f"{fmt(f['max']):>8}{f['notice']:>8}{f['exceptions']:>6}{f['errors']:>8}"
              f"{f['failed']:>8}")
    print("by page: " + "; ".join(f"{name} {f['visits']} × p50 {fmt(f['p50'])} / p95 "
                                  f"{fmt(f['p95'])}" for name, f in pages.items()))


def print_import(imp: Import, rows: int) -> dict[str, Any]:
    start, end, merge = imp.start, imp.end, imp.merge()
    took = end - start if start is not None and end is not None else None
    rss = next((m.group(1) for _, line in imp.output
                if (m := re.search(r"peak RSS ([\d.]+) GiB", line))), None)
    waits = [at for at, line in imp.output if "waiting" in line]
    print(f"import of {rows:,} tickets: started at {fmt(start)} s, write lock held "
          + (f"{merge[0]:.1f}–{merge[1]:.1f} s ({merge[1] - merge[0]:.1f} s)" if merge
             else "unseen")
          + f", ended at {fmt(end)} s: {fmt(took)} s"
          + (f", {rows / took:,.0f} rows/s" if took else "")
          + f", peak RSS {rss or '?'} GiB, exit {imp.code}"
          + (f"; it waited for readers from {waits[0]:.1f} s" if waits else ""))
    for _, line in imp.output:
        print(f"  | {line}")
    return {"start_s": start, "end_s": end, "seconds": took, "exit": imp.code,
            "merge_s": list(merge) if merge else None, "peak_rss_gib": rss,
            "waited_from_s": waits[0] if waits else None}


def report(run: Run, rows: int, expected: int) -> tuple[dict[str, Any], bool]:
    """Print the figures; return them and whether the run passed."""
    by_phase: dict[str, list[Visit]] = {key: [] for key in PHASES}
    for v in run.visits:
        by_phase[phase(v, run.imp)].append(v)
        by_phase["all"].append(v)
    stats = {key: figures(visits) for key, visits in by_phase.items()}
    pages = {name: figures([v for v in run.visits if v.page == name]) for name in run.pages}
    print(f"{run.sessions} sessions, {run.now():.0f} s (asked {run.seconds:.0f} s); seconds "
          "from a click to the page settled")
    print_table(stats, pages)
    imported = print_import(run.imp, rows)
    fresh = new_data(run, expected)
    print(f"Overview {TICKETS} for the period: before {fresh['baseline']}, after the import "
          f"{fresh['after']} (expected +{expected:,}); grew in {fresh['grew']} of "
          f"{fresh['checked']} sessions checked ({fresh['sessions']} ran), by exactly the "
          f"tickets imported in {fresh['grew_by_expected']}; Overviews that "
          f"showed the notice: {fresh['notice_overviews']}, with the new data "
          f"{fresh['notice_overviews_new']}")
    for number, why in run.unsigned.items():
        print(f"  session {number} could not sign in: {why[:1500]}")
    for number, shown in run.signin_faults.items():
        print(f"  session {number} signed in onto an Overview showing: "
              + " | ".join(shown)[:1500])
    bad = [v for v in run.visits if v.exceptions or v.errors or v.failure]
    for v in bad[:10]:
        print(f"  session {v.session} {v.page} at {v.start:.1f} s: "
              + " | ".join([*v.exceptions, *v.errors, v.failure or ""])[:1500])
    passed = (not bad and not run.unsigned and not run.signin_faults and run.imp.code == 0
              and fresh["checked"] == fresh["grew"] == run.sessions)
    return {"phases": stats, "pages": pages, "import": imported, "new_data": fresh,
            "expected_new_in_period": expected,
            "unsigned": run.unsigned, "signin_faults": run.signin_faults,
            "faults": [asdict(v) for v in bad[:50]]}, passed


def save(path: Path, label: str, result: dict[str, Any]) -> None:
    results = json.loads(path.read_text()) if path.exists() else {}
    results[label] = result
    path.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--rows", type=int, default=1_000_000, help="tickets imported")
    parser.add_argument("--store", type=Path, default=DEMO_STORE if DEMO_STORE.exists() else None,
                        help=f"the demo store copied (default {DEMO_STORE}, if there)")
    parser.add_argument("--demo-tickets", type=int, default=300_000,
                        help="the demo built when there is no --store")
    parser.add_argument("--import-after", type=float, default=5, help="s after the start")
    parser.add_argument("--grace", type=float, default=300,
                        help="s past --seconds the sessions may wait for the import")
    parser.add_argument("--timeout", type=float, default=180, help="s a page may take")
    parser.add_argument("--results", type=Path, default=RESULTS,
                        help=f"the JSON file the figures go into (default {RESULTS.name})")
    parser.add_argument("--pages", default=",".join(PAGES),
                        help="the pages clicked through (the Overview always)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="servicelens-load-") as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        store = scratch_store(args.store, folder, args.demo_tickets)
        last = latest_day(store)
        period = (last - timedelta(days=29), last)
        csv = folder / "tickets.csv"
        expected = new_tickets(args.rows, csv, last, period)
        print(f"store {args.store or 'demo'} copied, {args.rows:,} new tickets written "
              f"({csv.stat().st_size / 1e6:.0f} MB, {expected:,} in {period[0]}..{period[1]}) "
              f"in {time.perf_counter() - t0:.0f} s", flush=True)
        query = f"lang=zh&from={period[0]}&to={period[1]}"
        with serving(store, LOG) as (url, proc):
            run = asyncio.run(load(url, query, csv, store, args))
            rss = peak_rss_mb(proc.pid)
            hung = any(v.failure for v in run.visits) or any(
                "TimeoutError" in why or "did not settle" in why for why in run.unsigned.values())
            stacks = stop(proc, hung)
    result, passed = report(run, args.rows, expected)
    logged = tracebacks(ARTIFACTS.parent / LOG)
    print(f"server peak RSS {rss:,.0f} MB; tracebacks in artifacts/{LOG}: {len(logged)}")
    for block in logged[:3]:
        print(block[-2500:])
    if stacks is not None:
        runs = script_threads(stacks)
        print(f"pages never settled: the server's {len(runs)} page runs then "
              f"(all threads: artifacts/{STACKS}):")
        print("\n".join(runs[:8]))
    save(args.results, f"{args.sessions}x{args.seconds:.0f}s-{args.rows}", {
        "measured": time.strftime("%Y-%m-%d"), "store": str(args.store or "demo"),
        "sessions": args.sessions, "seconds": args.seconds, "rows": args.rows,
        "ran_s": round(run.now(), 1), "server_peak_rss_mb": round(rss),
        "server_tracebacks": len(logged), **result})
    return 0 if passed and not logged else 1


if __name__ == "__main__":
    sys.exit(main())
