"""Browser smoke test: the served app loads in chromium, shows KPIs, and no exception box."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import ARTIFACTS

pytestmark = pytest.mark.e2e


def _open(browser: Any, url: str, name: str) -> Any:
    page = browser.new_page(viewport={"width": 1500, "height": 2000})
    page.goto(url)
    page.wait_for_selector('[data-testid="stMetric"]', timeout=90_000)
    page.wait_for_selector('[data-testid="stVegaLiteChart"]', timeout=60_000)
    page.wait_for_timeout(1500)  # let the charts draw before the screenshot
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    return page


def test_overview_loads_in_chinese(browser: Any, served_app: str) -> None:
    page = _open(browser, served_app, "overview_zh")
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.get_by_role("heading", name="总览").count() == 1
    assert page.locator('[data-testid="stMetric"]').count() == 12
    # a CJK font is there to draw the labels (no empty boxes in the screenshot)
    assert page.evaluate("document.fonts.check('16px \"Noto Sans CJK SC\"', '总览')")
    assert (ARTIFACTS / "overview_zh.png").stat().st_size > 50_000


def test_link_reproduces_the_view(browser: Any, served_app: str) -> None:
    url = f"{served_app}/?lang=en&from=2026-09-01&to=2026-10-31&channel=email"
    page = _open(browser, url, "overview_en_email")
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.get_by_role("heading", name="Overview").count() == 1
    assert "2026-09-01 – 2026-10-31" in page.inner_text("body")
    assert "channel=email" in page.url  # the filters stay in the URL
