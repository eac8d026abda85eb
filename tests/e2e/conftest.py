"""A served app on a free loopback port and Debian's headless chromium driven by Playwright.

Pages are opened with `new_page` and waited on with `settled`: Streamlit's own
`data-test-script-state` attribute on the app container says when a run has finished, so no
test sleeps a fixed time for a render. Every test in this folder is marked `e2e`. Under
pytest-xdist each worker that runs browser tests serves its own app and starts its own chromium
(session fixtures); --dist loadfile keeps a file's tests on one worker.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from metrics.engine.store import Store
from metrics.present.words import t

ROOT = Path(__file__).parents[2]
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "artifacts" / "e2e"
HERE = Path(__file__).parent
WAIT = 90_000  # ms: a cold page of the served app on a busy 2-core machine

# Streamlit (1.67, static/js/index.*.js) marks its app container
# <div data-testid="stApp" data-test-script-state=... data-test-connection-state=...>: the script
# state is "initial" before the first run, then "running" / "rerunRequested" /
# "stopRequested" while a run goes on and "notRunning" (or "compilationError") when it is over.
# This observer, installed before the page's own scripts, counts the runs that finished and
# notes when the state last changed.
WATCH_RUNS = """
(() => {
  window.__slFinished = 0;
  window.__slChanged = performance.now();
  new MutationObserver((records) => {
    for (const r of records) {
      const now = r.target.getAttribute('data-test-script-state');
      if (now === r.oldValue) continue;
      window.__slChanged = performance.now();
      if (now === 'notRunning' || now === 'compilationError') window.__slFinished += 1;
    }
  }).observe(document, {subtree: true, attributes: true, attributeOldValue: true,
                        attributeFilter: ['data-test-script-state']});
})();
"""
# Settled: more than `runs` runs finished since the page loaded, the app is connected and not
# running, and nothing is still drawing (skeletons, spinners, the running-man status widget, a
# shown chart without its marks: a chart in a tab not chosen stays undrawn, fonts loading). A run that ends in st.rerun or st.switch_page shows
# "notRunning" for a moment before the next run starts: the state must have held for QUIET ms.
QUIET = 250
_SETTLED = """
([runs, quiet]) => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || window.__slFinished === undefined || window.__slFinished <= runs) return false;
  if (app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  if (app.getAttribute('data-test-connection-state') !== 'CONNECTED') return false;
  if (performance.now() - window.__slChanged < quiet) return false;
  if (document.querySelector('[data-testid="stSkeleton"], [data-testid="stSpinner"], '
                             + '[data-testid="stStatusWidget"]')) return false;
  for (const chart of document.querySelectorAll('[data-testid="stVegaLiteChart"]')) {
    if (chart.checkVisibility() && !chart.querySelector('canvas, svg.marks')) return false;
  }
  return document.fonts.status === 'loaded';
}
"""

_STATE = """
() => {
  const app = document.querySelector('[data-testid="stApp"]');
  return {finished: window.__slFinished, state: app?.getAttribute('data-test-script-state'),
          connection: app?.getAttribute('data-test-connection-state'),
          busy: [...document.querySelectorAll('[data-testid="stSkeleton"], '
                 + '[data-testid="stSpinner"], [data-testid="stStatusWidget"]')]
                 .map((e) => e.getAttribute('data-testid')),
          undrawn: [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')]
                   .filter((c) => c.checkVisibility() && !c.querySelector('canvas, svg.marks'))
                   .length,
          fonts: document.fonts.status};
}
"""


@pytest.hookimpl(tryfirst=True)  # before -m deselects
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every browser test is `e2e` (deselect them with -m "not e2e"), whether or not its
    module says so."""
    for item in items:
        if HERE in Path(item.path).parents:
            item.add_marker(pytest.mark.e2e)


def new_page(browser: Any, **options: Any) -> Any:
    """A chromium page that `settled` can wait on (viewport 1500 x 3200 unless given)."""
    options.setdefault("viewport", {"width": 1500, "height": 3200})
    page = browser.new_page(**options)
    page.set_default_timeout(WAIT)
    page.add_init_script(WATCH_RUNS)
    return page


def runs(page: Any) -> int:
    """How many script runs the page has finished so far."""
    return int(page.evaluate("window.__slFinished"))


def settled(page: Any, after: int = 0) -> None:
    """Wait until the app has finished a run (more than `after` of them: pass `runs(page)`
    taken before a click) and shows everything that run drew."""
    try:
        page.wait_for_function(_SETTLED, arg=[after, QUIET], timeout=WAIT, polling=50)
    except Exception as error:  # playwright's TimeoutError: say what was still going on
        raise AssertionError(f"{page.url} did not settle: {page.evaluate(_STATE)}") from error


@contextmanager
def rerun(page: Any) -> Iterator[None]:
    """`with rerun(page): click(...)` returns once the run the click started has finished."""
    before = runs(page)
    yield
    settled(page, before)


def visit(page: Any, name: str, title: str) -> None:
    """Open a page through the sidebar's navigation link (the session and its language stay,
    the browser loads nothing again) and wait until it has drawn. A page that runs in a blink
    (Catalog) may never show "running" to the browser, so this waits for the new page's URL
    and title rather than for a counted run, then for the app to settle."""
    page.locator(f'[data-testid="stSidebarNav"] a[href$="/{name}"]').click()
    page.wait_for_url(re.compile(rf"/{name}(\?|$)"))
    page.locator("h1").filter(has_text=re.compile(f"^{re.escape(title)}$")).wait_for()
    settled(page)


def walk(browser: Any, url: str, titles: dict[str, tuple[str, str]], lang: str,
         query: str = "") -> Iterator[tuple[Any, str, str]]:
    """Open the first of `titles` (page path -> (zh, en) title) and then each other one through
    the sidebar, in one browser session; yield (page, path, title) once each has drawn without
    an exception. After the caller's checks of a page, it is screenshotted and, in zh, checked
    to be drawn with a CJK font (no empty boxes)."""
    page = new_page(browser)
    first = next(iter(titles))
    page.goto(f"{url}/{first}?lang={lang}{query}")
    settled(page)
    for name, words in titles.items():
        title = words[0 if lang == "zh" else 1]
        if name != first:
            visit(page, name, title)
        no_exception(page)
        yield page, name, title
        if lang == "zh":
            assert page.evaluate(f"document.fonts.check('16px \"Noto Sans CJK SC\"', '{title}')")
        shoot(page, f"{name}_{lang}")
    page.close()


def sign_in(page: Any, name: str, password: str = "correct horse battery",
            lang: str = "en") -> None:
    """Sign in through the form on the page shown (its labels in `lang`)."""
    page.get_by_label(t("signin_name", lang)).fill(name)
    page.get_by_label(t("signin_password", lang), exact=True).fill(password)
    with rerun(page):
        page.get_by_role("button", name=t("signin_submit", lang)).click()
    # The submit's run ends in st.rerun; the page's own run follows (a stale copy of the form
    # may show meanwhile): wait until no sign-in field is left.
    page.wait_for_function(
        "() => !document.querySelector('input[aria-label=\"User name\"]')", polling=50)
    settled(page)
    no_exception(page)


def no_exception(page: Any) -> None:
    boxes = page.locator('[data-testid="stException"]')
    assert boxes.count() == 0, boxes.first.inner_text()


def shoot(page: Any, name: str) -> Path:
    """A full-page screenshot in artifacts/e2e/NAME.png."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve(store: Path, log_name: str) -> Iterator[str]:
    """`streamlit run app.py` on a store; yields its base URL."""
    with serving(store, log_name) as (url, _):
        yield url


@contextmanager
def serving(store: Path, log_name: str,
            script: str = "app.py") -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`streamlit run app.py` (or another `script`) on a store; yields its base URL and the
    server's process."""
    port = _free_port()
    env = {**os.environ, "SERVICELENS_STORE": str(store)}
    log = ARTIFACTS.parent / log_name
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", script, "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                        if r.status == 200:
                            break
                except OSError:
                    pass
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"streamlit did not start: see {log}")
                time.sleep(0.3)
            yield url, proc
        finally:
            proc.terminate()
            proc.wait(timeout=20)


@pytest.fixture(scope="session")
def served_app(demo_store: Store) -> Iterator[str]:
    """The app on the session's demo store."""
    with serve(demo_store.path, "streamlit.log") as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (make test installs it as root)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync"],
        )
        yield b
        b.close()
