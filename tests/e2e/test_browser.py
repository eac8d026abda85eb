"""Browser smoke test: the served app loads in chromium, shows KPIs, and no exception box."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import new_page, settled, shoot

pytestmark = pytest.mark.e2e


def _open(browser: Any, url: str, name: str) -> tuple[Any, Path]:
    """The page once the app has run and drawn it (charts included); its screenshot."""
    page = new_page(browser, viewport={"width": 1500, "height": 2000})
    page.goto(url)
    settled(page)
    page.wait_for_selector('[data-testid="stMetric"]')
    page.wait_for_selector('[data-testid="stVegaLiteChart"]')
    return page, shoot(page, name)


def test_overview_loads_in_chinese(browser: Any, served_app: str) -> None:
    page, shot = _open(browser, served_app, "overview_zh")
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.get_by_role("heading", name="总览").count() == 1
    assert page.locator('[data-testid="stMetric"]').count() == 16  # 12 + the hotline's 4
    # a CJK font is there to draw the labels (no empty boxes in the screenshot)
    assert page.evaluate("document.fonts.check('16px \"Noto Sans CJK SC\"', '总览')")
    assert shot.stat().st_size > 50_000
    page.close()


def test_link_reproduces_the_view(browser: Any, served_app: str) -> None:
    url = f"{served_app}/?lang=en&from=2026-09-01&to=2026-10-31&channel=email"
    page, _ = _open(browser, url, "overview_en_email")
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.get_by_role("heading", name="Overview").count() == 1
    assert "2026-09-01 – 2026-10-31" in page.inner_text("body")
    assert "channel=email" in page.url  # the filters stay in the URL
    page.close()
