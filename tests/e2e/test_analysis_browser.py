"""The analysis pages in chromium: each renders in both languages (one session per language), a chart click narrows the
drill-down, and the drill-down downloads masked rows as a CSV that Excel opens."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import new_page, rerun, settled, shoot, walk

pytestmark = pytest.mark.e2e

TITLES = {
    "response": ("响应", "Response"),
    "resolution": ("解决", "Resolution"),
    "complaints": ("投诉", "Complaints"),
    "satisfaction": ("满意度", "Satisfaction"),
    "catalog": ("指标说明", "Metric catalog"),
    "settings": ("设置", "Settings"),
}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_pages_render(browser: Any, served_app: str, lang: str) -> None:
    """Every analysis page, drawn by chromium in one session per language: the title, the
    charts, the business-hours caption, a CJK font and a screenshot of each."""
    for page, name, title in walk(browser, served_app, TITLES, lang, "&clock=business"):
        assert page.get_by_role("heading", name=title, exact=True).count() == 1, name
        if name not in ("catalog", "settings"):
            assert page.locator('[data-testid="stVegaLiteChart"]').count() >= 3, name
            text = page.inner_text("body")
            assert ("时长按工作时间计" if lang == "zh" else "durations in business hours") \
                in text, name


def test_chart_click_narrows_the_drill_down_and_it_downloads(browser: Any,
                                                             served_app: str) -> None:
    page = new_page(browser, accept_downloads=True)
    page.goto(f"{served_app}/response?lang=zh")
    settled(page)
    caption = page.get_by_text(re.compile(r"^当前筛选范围：[\d,]+ 条记录"))
    whole = int(re.search(r"([\d,]+) 条", caption.inner_text()).group(1).replace(",", ""))
    # The within-standard bars: click the first bar (the best channel).
    chart = page.locator('[data-testid="stVegaLiteChart"]').nth(1)
    box = chart.bounding_box()
    with rerun(page):  # the selection reruns the page
        page.mouse.click(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.2)
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
    shoot(page, "response_drill_zh")
    page.close()
