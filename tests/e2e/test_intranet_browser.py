"""Intranet-ready: a full tour of the pages (every page the operator opens, both languages, a
chart click, the drill-down) makes no request to any host but the app's own: icons, fonts,
scripts and images are all served by the app itself."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

import pytest

from tests.e2e.conftest import new_page, no_exception, settled
from ui.nav import PAGES

pytestmark = pytest.mark.e2e


def test_a_tour_of_every_page_asks_no_other_host(browser: Any, served_app: str) -> None:
    own = urlparse(served_app).netloc
    asked: list[str] = []
    page = new_page(browser)
    page.on("request", lambda request: asked.append(request.url))
    paths = [path for section in PAGES.values() for path, _, _ in section]
    for lang in ("zh", "en"):
        for path in paths:
            page.goto(f"{served_app}/{path}?lang={lang}&from=2026-10-01&to=2026-10-31")
            settled(page)
            no_exception(page)
    elsewhere = sorted({u for u in asked if urlparse(u).scheme in ("http", "https", "ws", "wss")
                        and urlparse(u).netloc != own})
    assert elsewhere == [], elsewhere
    assert len(asked) > 50  # the tour did load pages, scripts, fonts and data
    page.close()
