"""Chart and table downloads in chromium: the Complaints page's Pareto as PNG (2x), SVG and
its table as XLSX whose numbers are the page's table; a chart of the Agents page."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import openpyxl
import pytest
from PIL import Image

from tests.e2e.conftest import ARTIFACTS, new_page, settled

pytestmark = pytest.mark.e2e

WAIT = 90_000
SHOTS = ARTIFACTS / "downloads"


def _page(browser: Any) -> Any:
    return new_page(browser, accept_downloads=True)


def _download(page: Any, button: Any) -> tuple[str, bytes]:
    """Click a download button; the file's suggested name and bytes."""
    with page.expect_download(timeout=WAIT) as info:
        button.click()
    download = info.value
    return download.suggested_filename, Path(download.path()).read_bytes()


def _period(page: Any) -> tuple[str, str]:
    query = parse_qs(urlparse(page.url).query)
    return query["from"][0], query["to"][0]


def _svg_size(body: bytes) -> tuple[int, int]:
    root = ET.fromstring(body)
    return round(float(root.attrib["width"])), round(float(root.attrib["height"]))


def _chart_files(page: Any, key: str, lang: str) -> tuple[Image.Image, bytes, str]:
    """The chart's PNG (checked to be twice the SVG's CSS size) and SVG, and the PNG's name."""
    row = page.locator(f".st-key-{key}_downloads")
    words = ("下载 PNG", "下载 SVG") if lang == "zh" else ("Download PNG", "Download SVG")
    png_name, png = _download(page, row.get_by_role("button", name=words[0]))
    svg_name, svg = _download(page, row.get_by_role("button", name=words[1]))
    assert png_name.endswith(".png") and svg_name == png_name[:-4] + ".svg"
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    width, height = _svg_size(svg)
    assert image.size == (2 * width, 2 * height)
    SHOTS.mkdir(parents=True, exist_ok=True)
    (SHOTS / png_name).write_bytes(png)
    (SHOTS / svg_name).write_bytes(svg)
    return image, svg, png_name


def _page_table(page: Any, key: str) -> list[list[str]]:
    """The table as the page draws it: the cells of the grid's accessible table (the grid's
    own CSV export is switched off, client.disableDataExport: it would bypass the audit)."""
    grid = page.locator(f".st-key-{key}_downloads").locator(
        "xpath=preceding::*[@data-testid='stDataFrame'][1]")
    rows = grid.locator("table tr")
    return [[c.strip() for c in rows.nth(i).locator("th, td").all_inner_texts()]
            for i in range(rows.count())]


def test_complaint_pareto_downloads_as_png_svg_and_xlsx(browser: Any, served_app: str) -> None:
    page = _page(browser)
    page.goto(f"{served_app}/complaints?lang=zh")
    settled(page)
    start, end = _period(page)
    image, svg, name = _chart_files(page, "pareto", "zh")
    assert name == f"pareto-{start}-{end}.png"
    text = svg.decode("utf-8")
    assert "投诉类别（柱）与累计占比（线）" in text  # the chart's own title
    assert f"{start} – {end}" in text  # the subtitle: the period ...
    assert "时长按自然时间计" in text  # ... and the clock
    assert image.width >= 1500  # 2x of the export's 760 px plot and its axes

    shown = _page_table(page, "pareto_table")
    xlsx_name, body = _download(page, page.locator(".st-key-pareto_table_downloads")
                                .get_by_role("button", name="下载 XLSX"))
    assert xlsx_name == f"complaint-pareto-{start}.xlsx"
    (SHOTS / xlsx_name).write_bytes(body)
    sheet = openpyxl.load_workbook(io.BytesIO(body)).active
    assert sheet is not None
    rows = [list(r) for r in sheet.iter_rows()]
    assert [c.value for c in rows[0]] == shown[0]
    assert all(c.font.b for c in rows[0])
    assert len(rows) == len(shown) > 2
    for cells, words in zip(rows[1:], shown[1:], strict=True):
        assert cells[0].value == words[0]  # the category, in Chinese
        assert cells[1].value == int(words[1]) and cells[1].number_format == "#,##0"
        for cell, word in zip(cells[2:], words[2:], strict=True):
            assert cell.number_format == "0.0%"
            assert f"{cell.value * 100:.1f}%" == word  # the page's percentage, as a number
    page.close()


def test_an_agents_chart_downloads(browser: Any, served_app: str) -> None:
    page = _page(browser)
    page.goto(f"{served_app}/agents?lang=zh")
    settled(page)
    start, end = _period(page)
    image, svg, name = _chart_files(page, "agents_composite", "zh")
    assert name == f"agents_composite-{start}-{end}.png"
    text = svg.decode("utf-8")
    assert "综合得分" in text and f"{start} – {end}" in text
    assert image.width > 1000
    page.close()


def test_review_pack_downloads_from_overview(browser: Any, served_app: str,
                                             demo_store: Any) -> None:
    """The 月度复盘包 popover on Overview: the PDF comes down, has several pages and its KPI
    page carries the ticket count the page's card shows."""
    import pypdf
    import pypdfium2

    page = _page(browser)
    page.goto(f"{served_app}/?lang=zh")  # Overview is the default page: its path is /
    settled(page)
    tickets = page.locator("[data-testid='stMetric']").filter(has_text="工单量").first \
        .locator("[data-testid='stMetricValue']").inner_text().strip()
    page.get_by_role("button", name="月度复盘包").click()
    name, body = _download(page, page.get_by_role("button", name="生成并下载"))
    assert name.endswith(".pdf") and body.startswith(b"%PDF")
    assert len(pypdf.PdfReader(io.BytesIO(body)).pages) >= 5
    pdf = pypdfium2.PdfDocument(body)
    text = "".join(pdf[i].get_textpage().get_text_range() for i in range(min(3, len(pdf))))
    assert tickets in text and "核心指标" in text
    SHOTS.mkdir(parents=True, exist_ok=True)
    (SHOTS / name).write_bytes(body)
    page.close()
