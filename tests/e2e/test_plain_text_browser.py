"""Data is text, never markup, in chromium. Names, teams, categories, products, queues,
inspectors, comments and file names holding Markdown, HTML and KaTeX, imported through the
importer beside the demo's renamed agent, team and category: every page an admin opens (in
Chinese, those where data reaches Markdown), each drill-down narrowed to such a value and the
One agent page of such an agent show them literally, draw no image, link, bold, colour or
formula made from them and never ask for their URLs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlparse

import pytest

from metrics.core.access import PAGES as ROLE_PAGES
from metrics.engine.store import Store
from metrics.present.words import column_label, t
from tests.app.test_plain_text import (
    AGENT,
    CATEGORY,
    I_AGENT,
    I_CATEGORY,
    I_QUEUE,
    I_TEAM,
    PASSWORD,
    TEAM,
    imported_hostile,
)
from tests.e2e.conftest import new_page, no_exception, serve, settled, shoot, sign_in, visit
from ui.nav import PAGES

pytestmark = pytest.mark.e2e

MAIN = '[data-testid="stMain"]'
JOINER = "\u2060"
PERIOD = "from=2026-11-01&to=2026-11-23"  # the hostile rows are dated in November 2026
# What the data's markup would make: bold words, image alts, link texts, coloured words.
EMPHASISED = ("bold", "b", "cat", "queue", "inspector", "tickets", "surveys", "qa", "calls")
ALTS = ("x", "p", "c")
LINKED = ("t", "a", "q", "c")
COLOURED = ("r",)
# Each page's drill-down, narrowed to a segment whose value is markup: (dimension, value).
DRILLS: dict[str, tuple[str, str]] = {
    "overview": ("category", CATEGORY),
    "response": ("agent", I_AGENT),
    "resolution": ("team", TEAM),
    "complaints": ("category", I_CATEGORY),
    "satisfaction": ("team", I_TEAM),
    "calls": ("queue", I_QUEUE),
    "agent": ("category", I_CATEGORY),
    "qa": ("agent", I_AGENT),
}
_TO_THERE = """
() => [...document.querySelectorAll('[href], [src], [srcset]')]
  .map((e) => e.getAttribute('href') || e.getAttribute('src') || e.getAttribute('srcset'))
  .filter((u) => { try { return new URL(u, location.href).hostname === 'example.invalid'; }
                   catch { return false; } })
"""
_SHOWS = """
([selector, text]) => [...document.querySelectorAll(selector)]
  .some((e) => e.textContent.replaceAll('\\u2060', '').includes(text))
"""
_MARKED = """
([emphasised, alts, linked, coloured]) => [
  ...[...document.querySelectorAll('strong, b, em')]
     .filter((e) => emphasised.includes(e.textContent.trim())).map((e) => e.outerHTML),
  ...[...document.querySelectorAll('img')]
     .filter((e) => alts.includes(e.getAttribute('alt'))).map((e) => e.outerHTML),
  ...[...document.querySelectorAll('a')]
     .filter((e) => linked.includes(e.textContent.trim())).map((e) => e.outerHTML),
  ...[...document.querySelectorAll('.stMarkdownColoredText')]
     .filter((e) => coloured.includes(e.textContent.trim())).map((e) => e.outerHTML),
  ...[...document.querySelectorAll('.katex')].map((e) => e.outerHTML),
]
"""


@pytest.fixture(scope="module")
def hostile_app(demo_store: Store, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    store = imported_hostile(demo_store, Path(tmp_path_factory.mktemp("plain")))
    with serve(store.path, "streamlit-plain.log") as url:
        yield url


def texts(page: Any, selector: str) -> list[str]:
    """The inner texts of the main area's elements, without plain()'s word joiners."""
    return [x.replace(JOINER, "") for x in page.locator(f"{MAIN} {selector}").all_inner_texts()]


def no_markup(page: Any, asked: list[str], where: str) -> None:
    """No exception; nothing points at example.invalid or was asked from it; no bold, image,
    link, formula or colour made from the data."""
    no_exception(page)
    assert page.evaluate(_TO_THERE) == [], where
    assert page.evaluate(_MARKED, [EMPHASISED, ALTS, LINKED, COLOURED]) == [], where
    assert [u for u in asked if urlparse(u).hostname == "example.invalid"] == [], where


def choose(page: Any, key: str, option: str, where: str, then: str = "") -> None:
    """Pick `option` in the selectbox of widget `key` (typed, so that a long list's option is
    drawn), then wait until an element matching `where` shows `then` and the page has
    settled: a quick rerun may never show "running" to the browser, so its effect is waited
    for rather than the run."""
    box = page.locator(f".st-key-{key} input[role='combobox']")
    box.click()
    box.fill(option)
    item = page.get_by_role("option", name=option, exact=True)
    if item.get_attribute("aria-selected") == "true":
        box.press("Escape")
    else:
        item.click()
    page.wait_for_function(_SHOWS, arg=[where, then], polling=50)
    settled(page)


def drill(page: Any, name: str, lang: str) -> None:
    """Narrow the page's drill-down to its DRILLS segment; the caption names it literally."""
    dim, value = DRILLS[name]
    choose(page, f"{name}_drill_dim", column_label(dim, lang), f".st-key-{name}_drill_value")
    captions = "[data-testid='stCaptionContainer']"
    choose(page, f"{name}_drill_value", value, f"{MAIN} {captions}", f"= {value}")
    assert any(f"= {value}" in c for c in texts(page, captions)), name
    # in sight for the screenshot (the main area scrolls within the window)
    page.locator(f"{MAIN} {captions}").filter(has_text="= ").last.scroll_into_view_if_needed()


def signed_in(browser: Any, url: str, path: str, lang: str,
              query: str = "") -> tuple[Any, list[str]]:
    """A page on `path` ("": the home page, which has no other URL) signed in as the admin,
    with the requests it makes recorded."""
    page = new_page(browser)
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    page.goto(f"{url}/{path}?lang={lang}&{PERIOD}{query}")
    settled(page)
    sign_in(page, "admin", PASSWORD, lang)
    return page, asked


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_pages_and_drill_downs_show_markup_as_text(browser: Any, hostile_app: str,
                                                   lang: str) -> None:
    """In English every page an admin opens; in Chinese the pages where the data reaches
    Markdown (drill-down captions, One agent's heading): the others draw only the app's own
    words around tables and charts, as in English. One session, the pages opened through the
    sidebar."""
    wanted = set(ROLE_PAGES["admin"]) if lang == "en" else set(DRILLS)
    specs = [spec for specs in PAGES.values() for spec in specs if spec[0] in wanted]
    assert {path for path, _, _ in specs} == wanted  # the navigation lists every one
    home = next(iter(PAGES.values()))[0][0]
    assert specs[0][0] == home
    page, asked = signed_in(browser, hostile_app, "", lang)
    for path, title, _ in specs:
        if path != home:
            visit(page, path, t(title, lang))
        if path == "agent":  # the renamed agent, then the imported one
            for agent, team in ((AGENT, TEAM), (I_AGENT, I_TEAM)):
                choose(page, "person", agent, f"{MAIN} h3", f"{agent} · {team} · ")
                no_markup(page, asked, agent)
        if path in DRILLS:
            drill(page, path, lang)
        no_markup(page, asked, path)
        shoot(page, f"plain_text_{path}_{lang}")
    page.close()


def test_a_link_to_the_agent_page_shows_markup_names_as_text(browser: Any,
                                                             hostile_app: str) -> None:
    """A link with ?person= the imported agent and the sidebar's team filter set to their
    team: the heading, the comments' count and the filter's chip name both literally."""
    page, asked = signed_in(browser, hostile_app, "agent", "zh",
                            f"&person={quote(I_AGENT)}&team={quote(I_TEAM)}")
    # plain() puts invisible word joiners (U+2060) where GFM would autolink: "http:\u2060//"
    heading = page.locator(f"{MAIN} h3").filter(has_text=" · ").first
    assert heading.is_visible()
    assert heading.inner_text().replace(JOINER, "").startswith(f"{I_AGENT} · {I_TEAM} · ")
    assert any(I_AGENT in c for c in texts(page, "[data-testid='stCaptionContainer']"))
    assert page.locator('[data-testid="stSidebar"] [data-tag]').all_inner_texts() == [I_TEAM]
    no_markup(page, asked, I_AGENT)
    shoot(page, "plain_text_agent_link_zh")
    page.close()
