"""The analysis pages in chromium: each renders in both languages, a chart click narrows the
drill-down, and the drill-down downloads masked rows as a CSV that Excel opens."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import ARTIFACTS

pytestmark = pytest.mark.e2e

TITLES = {
    "response": ("响应", "Response"),
    "resolution": ("解决", "Resolution"),
    "complaints": ("投诉", "Complaints"),
    "satisfaction": ("满意度", "Satisfaction"),
    "catalog": ("指标说明", "Metric catalog"),
    "settings": ("设置", "Settings"),
}


def _settled(page: Any) -> None:
    page.wait_for_selector("h1", timeout=90_000)
    page.wait_for_timeout(1000)
    page.wait_for_function(
        "!document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=90_000)
    page.wait_for_timeout(1500)


@pytest.mark.parametrize("name", list(TITLES))
def test_page_renders_in_both_languages(browser: Any, served_app: str, name: str) -> None:
    page = browser.new_page(viewport={"width": 1500, "height": 3200})
    for lang, title in zip(("zh", "en"), TITLES[name], strict=True):
        page.goto(f"{served_app}/{name}?lang={lang}&clock=business")
        _settled(page)
        assert page.locator('[data-testid="stException"]').count() == 0
        assert page.get_by_role("heading", name=title, exact=True).count() == 1
        if name not in ("catalog", "settings"):
            assert page.locator('[data-testid="stVegaLiteChart"]').count() >= 3
            text = page.inner_text("body")
            assert ("时长按工作时间计" if lang == "zh" else "durations in business hours") in text
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{name}_{lang}.png"), full_page=True)
    page.close()


def test_chart_click_narrows_the_drill_down_and_it_downloads(browser: Any,
                                                             served_app: str) -> None:
    page = browser.new_page(viewport={"width": 1500, "height": 3200}, accept_downloads=True)
    page.goto(f"{served_app}/response?lang=zh")
    _settled(page)
    caption = page.get_by_text(re.compile(r"^当前筛选范围：[\d,]+ 条记录"))
    whole = int(re.search(r"([\d,]+) 条", caption.inner_text()).group(1).replace(",", ""))
    # The within-standard bars: click the first bar (the best channel).
    chart = page.locator('[data-testid="stVegaLiteChart"]').nth(1)
    box = chart.bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.2)
    page.wait_for_timeout(1500)
    _settled(page)
    narrowed = page.get_by_text(re.compile(r"^渠道 = .+：[\d,]+ 条记录"))
    assert narrowed.count() == 1
    part = int(re.search(r"([\d,]+) 条", narrowed.inner_text()).group(1).replace(",", ""))
    assert 0 < part < whole
    with page.expect_download() as info:
        page.get_by_role("button", name="下载 CSV").last.click()
    body = Path(info.value.path()).read_bytes()
    assert body.startswith(b"\xef\xbb\xbf")
    text = body.decode("utf-8-sig")
    assert "工单号" in text.splitlines()[0]
    assert re.search(r"1\d\d\*\*\*\*\d{4}", text)  # phones masked
    assert not re.search(r"1\d{10}", text)  # and no full mobile number anywhere
    page.screenshot(path=str(ARTIFACTS / "response_drill_zh.png"), full_page=True)
    page.close()
