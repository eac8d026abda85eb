"""Data is text, never markup, in chromium: the One agent page of an agent named like a
Markdown image, in a team named like bold + KaTeX + a colour directive, shows both names
literally, draws no image or link to their URL and never asks for it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlparse

import pytest

from metrics.engine.store import Store
from tests.app.test_plain_text import AGENT, TEAM, hostile_copy
from tests.e2e.conftest import new_page, no_exception, serve, settled, shoot

pytestmark = pytest.mark.e2e

MAIN = '[data-testid="stMain"]'
JOINER = "\u2060"
_TO_THERE = """
() => [...document.querySelectorAll('[href], [src], [srcset]')]
  .map((e) => e.getAttribute('href') || e.getAttribute('src') || e.getAttribute('srcset'))
  .filter((u) => { try { return new URL(u, location.href).hostname === 'example.invalid'; }
                   catch { return false; } })
"""


@pytest.fixture(scope="module")
def hostile_app(demo_store: Store, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    store = hostile_copy(demo_store, Path(tmp_path_factory.mktemp("plain")) / "hostile.duckdb")
    with serve(store.path, "streamlit-plain.log") as url:
        yield url


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_agent_page_shows_markup_names_as_text(browser: Any, hostile_app: str,
                                               lang: str) -> None:
    page = new_page(browser)
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    page.goto(f"{hostile_app}/agent?lang={lang}&from=2026-11-01&to=2026-11-23"
              f"&person={quote(AGENT)}")
    settled(page)
    no_exception(page)
    # plain() puts invisible word joiners (U+2060) where GFM would autolink: "http:\u2060//"
    heading = page.locator(f"{MAIN} h3").filter(has_text=" · ").first
    assert heading.is_visible()
    assert heading.inner_text().replace(JOINER, "").startswith(f"{AGENT} · {TEAM} · ")
    captions = page.locator(f"{MAIN} [data-testid='stCaptionContainer']").all_inner_texts()
    assert any(AGENT in c.replace(JOINER, "") for c in captions)  # the comments' count
    assert page.evaluate(_TO_THERE) == []  # no <img>, <a> or any other element points there
    assert page.locator(f"{MAIN} .katex").count() == 0
    assert page.locator(f"{MAIN} strong").filter(has_text="bold").count() == 0
    assert page.locator(f"{MAIN} .stMarkdownColoredText").filter(has_text="r").count() == 0
    assert [u for u in asked if urlparse(u).hostname == "example.invalid"] == []
    shoot(page, f"plain_text_agent_{lang}")
    page.close()
