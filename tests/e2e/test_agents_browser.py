"""A team lead's path in chromium: the Agents, One agent, Teams and QA pages render in both
languages (one session per language); a click on the scorecard table or on the composite chart opens that agent's page;
and a link with ?person=NAME opens that agent directly."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable
from datetime import date
from typing import Any
from urllib.parse import parse_qs, quote, urlparse

import pytest

from metrics.core.filters import Filters
from metrics.core.scope import Scope
from metrics.engine.store import Store
from metrics.views import scorecards
from tests.e2e.conftest import ROOT, new_page, no_exception, rerun, settled, shoot, walk

pytestmark = pytest.mark.e2e

TITLES = {
    "agents": ("坐席绩效", "Agents"),
    "agent": ("坐席详情", "One agent"),
    "teams": ("班组对比", "Teams"),
    "qa": ("质检", "QA"),
}
# A period long enough that agents reach the ranking sample (≥ 30 tickets, ≥ 10 answers);
# the default 30 days ranks nobody in the demo store.
FROM, TO = "2026-08-01", "2026-11-23"
PERIOD = f"from={FROM}&to={TO}"
ROW_HEIGHT = 35  # st.dataframe's row and header height in px
MAIN_H3 = "[data-testid=\"stMain\"] h3"  # the sidebar has its own h3 title


def _cli_agents(store: Store, *args: str) -> list[dict[str, Any]]:
    """`servicelens agents --json` on the store: the scorecard rows, rank order."""
    done = subprocess.run(
        [sys.executable, "-m", "metrics.cli", "agents", "--store", str(store.path),
         "--json", *args],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=True,
    )
    rows: list[dict[str, Any]] = json.loads(done.stdout)
    return rows


@pytest.fixture(scope="module")
def ranked(demo_store: Store) -> list[dict[str, Any]]:
    """The CLI's agents over PERIOD; the first ones are ranked."""
    rows = _cli_agents(demo_store, "--from", FROM, "--to", TO)
    assert rows[0]["rank"] == 1 and rows[1]["rank"] == 2
    return rows


def _agent_page(page: Any, click: Callable[[], None]) -> tuple[str, dict[str, list[str]]]:
    """Click, and wait for the One agent page it opens; its heading line and the URL's params."""
    with rerun(page):
        click()
    page.wait_for_url(re.compile(r"/agent\?.*person="))
    settled(page)
    no_exception(page)
    url = urlparse(page.url)
    assert url.path == "/agent"
    return page.locator(MAIN_H3).filter(has_text=" · ").first.inner_text(), parse_qs(url.query)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_pages_render(browser: Any, served_app: str, lang: str) -> None:
    """The team pages, drawn by chromium in one session per language: the title, a chart, a
    table, a CJK font and a screenshot of each."""
    for page, name, title in walk(browser, served_app, TITLES, lang):
        assert page.locator("h1").filter(has_text=re.compile(f"^{title}$")).count() == 1, name
        assert page.locator('[data-testid="stVegaLiteChart"]').count() >= 1, name
        assert page.locator('[data-testid="stDataFrame"]').count() >= 1, name


def test_scorecard_row_click_opens_the_agent(browser: Any, served_app: str,
                                             ranked: list[dict[str, Any]]) -> None:
    first = ranked[0]
    page = new_page(browser)
    page.goto(f"{served_app}/agents?lang=zh&{PERIOD}")
    settled(page)
    no_exception(page)
    table = page.locator('[data-testid="stDataFrame"]').first
    table.scroll_into_view_if_needed()
    # The grid's accessible copy says which agent the first data row holds.
    shown = table.locator("table[role=grid] tr").nth(1).inner_text()
    assert re.match(rf"^\s*1\s*{first['agent']}", shown), shown
    box = table.bounding_box()
    # The row-marker (selection checkbox) column, in the middle of the first data row.
    heading, params = _agent_page(page, lambda: page.mouse.click(
        box["x"] + 18, box["y"] + ROW_HEIGHT + ROW_HEIGHT / 2))
    assert page.locator("h1").filter(has_text=re.compile("^坐席详情$")).count() == 1
    assert heading.startswith(f"{first['agent']} · {first['team']} · 排名 #1 / ")
    assert params["person"] == [first["agent"]]
    assert params["from"] == [FROM] and params["to"] == [TO]
    shoot(page, "agent_from_row_zh")
    page.close()


def test_composite_dot_click_opens_the_agent(browser: Any, served_app: str,
                                             demo_store: Store) -> None:
    """The composite chart's dot for the second-ranked e-mail agent, in English with the
    e-mail channel and the business-hours clock chosen."""
    rows = _cli_agents(demo_store, "--from", FROM, "--to", TO, "--channel", "email",
                       "--business-hours")
    second = next(r for r in rows if r["rank"] == 2)
    page = new_page(browser)
    page.goto(f"{served_app}/agents?lang=en&{PERIOD}&channel=email&clock=business")
    settled(page)
    no_exception(page)
    chart = page.locator('[data-testid="stVegaLiteChart"]').first
    dot = chart.locator(f'g.mark-symbol path[aria-label*="; agent: {second["agent"]};"]')
    assert dot.count() == 1
    assert dot.get_attribute("aria-label").startswith("Agent composite score: ")
    dot.scroll_into_view_if_needed()
    box = dot.bounding_box()
    heading, params = _agent_page(page, lambda: page.mouse.click(
        box["x"] + box["width"] / 2, box["y"] + box["height"] / 2))
    assert heading.startswith(f"{second['agent']} · {second['team']} · ")
    assert params["person"] == [second["agent"]]
    shoot(page, "agent_from_dot_en")
    # The view comes along: language, channel filter and business-hours clock.
    kept = {"lang": params.get("lang"), "channel": params.get("channel"),
            "clock": params.get("clock")}
    assert kept == {"lang": ["en"], "channel": ["email"], "clock": ["business"]}
    assert page.locator("h1").filter(has_text=re.compile("^One agent$")).count() == 1
    captions = page.locator("[data-testid='stMain'] [data-testid='stCaptionContainer']")
    assert any("durations in business hours" in c for c in captions.all_inner_texts())
    page.close()


def test_link_opens_that_agent(browser: Any, served_app: str, demo_store: Store,
                               ranked: list[dict[str, Any]]) -> None:
    # A ranked agent the page would not show anyway: not the first, nobody to coach (the
    # page's fallback when the person is missing or unknown is the first one to coach).
    settings = demo_store.settings()
    board = scorecards.scorecard(demo_store, Scope.of(Filters(date_from=date.fromisoformat(FROM), date_to=date.fromisoformat(TO)), settings), "agent")
    to_coach = set(scorecards.needs_coaching(board, settings)["agent"].to_list())
    chosen = next(r for r in ranked[1:] if r["rank"] and r["agent"] not in to_coach)
    n_ranked = sum(1 for r in ranked if r["rank"])
    page = new_page(browser)
    page.goto(f"{served_app}/agent?person={quote(chosen['agent'])}&lang=en&{PERIOD}")
    settled(page)
    no_exception(page)
    assert page.locator("h1").filter(has_text=re.compile("^One agent$")).count() == 1
    heading = page.locator(MAIN_H3).filter(has_text=" · ").first.inner_text()
    assert heading == f"{chosen['agent']} · {chosen['team']} · Rank #{chosen['rank']} / " \
                      f"{n_ranked}"
    assert page.get_by_role("heading", name="Coaching points", exact=True).count() == 1
    assert "showing another agent" not in page.inner_text("body")
    assert page.get_by_role("combobox", name="Agent", exact=True).input_value() \
        == chosen["agent"]  # the person picker shows them too
    shoot(page, "agent_link_en")
    page.close()
