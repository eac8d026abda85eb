"""Tables out of the app: CSV that Excel opens with Chinese intact and cannot be tricked.

A cell starting with = + - @ (or tab / carriage return) is a formula to Excel; it is written
with a leading ' so it stays text. The importer drops that ' again, so rejects round-trip.
"""

from __future__ import annotations

import importlib.util
import io
import re
import threading
from pathlib import Path
from typing import Any, Final

import altair as alt
import polars as pl
from polars.selectors import Selector

from metrics.core.filters import Filters
from metrics.present import formatting
from metrics.present.words import colon, column_label, label, list_sep

# The first characters that make a cell a formula to a spreadsheet (= + - @, tab, carriage
# return), as one regular-expression class that Python, polars and DuckDB all read. The
# importer drops the ' that neutralise() puts before them: both use this one definition.
FORMULA_START: Final[str] = r"[=+\-@\t\r]"


def neutralise(frame: pl.DataFrame) -> pl.DataFrame:
    """Text cells that a spreadsheet would run as formulas, prefixed with '."""
    pattern = "^" + FORMULA_START
    return frame.with_columns(
        pl.when(pl.col(c).str.contains(pattern)).then(pl.lit("'") + pl.col(c))
        .otherwise(pl.col(c)).alias(c)
        for c, dtype in frame.schema.items() if dtype == pl.String
    )


def _flat(frame: pl.DataFrame) -> pl.DataFrame:
    """Cells a file can hold: lists joined as text (CSV has no lists), times as the site's
    wall clock (Excel has no time zones)."""
    return frame.with_columns(
        pl.col(c).dt.replace_time_zone(None) if isinstance(d, pl.Datetime)
        else pl.col(c).list.eval(pl.element().cast(pl.String)).list.join(", ")
        for c, d in frame.schema.items()
        if isinstance(d, pl.List) or (isinstance(d, pl.Datetime) and d.time_zone))


def csv_bytes(frame: pl.DataFrame) -> bytes:
    """UTF-8 with BOM, formulas neutralised, times as Excel reads them."""
    text = neutralise(_flat(frame)).write_csv(datetime_format="%Y-%m-%d %H:%M:%S",
                                              date_format="%Y-%m-%d")
    return b"\xef\xbb\xbf" + text.encode("utf-8")


# --- tables as XLSX: typed cells, styled header ---

_PERCENT = re.compile(r"^[+-]?\d[\d,]*(\.\d+)?%$")
_NUMBER = re.compile(r"^[+-]?\d[\d,]*(\.\d+)?$")
# Digits that are a code, not a quantity: a leading zero (00123), or four digits or more
# without the thousands separator the app writes into every count it formats (1,584).
_IDENTIFIER = re.compile(r"^[+-]?(0\d|\d{4,}$)")
# Columns that hold codes and names whatever they look like (ids, phones, people).
_CODE_COLUMNS: Final[tuple[str, ...]] = (
    "ticket_id", "survey_id", "inspection_id", "customer_id", "customer_name",
    "customer_phone", "agent", "team", "inspector", "product",
)
CODE_LABELS: Final[frozenset[str]] = frozenset(
    {*_CODE_COLUMNS, *(column_label(c, lang) for c in _CODE_COLUMNS for lang in ("zh", "en"))})
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
BLANKS: Final[frozenset[str]] = frozenset({"—", "-", ""})
HEADER_FORMAT: Final[dict[str, object]] = {
    "bold": True, "font_color": "#FFFFFF", "bg_color": "#1E3A8A", "border": 1,
    "text_wrap": True, "valign": "vcenter", "font_name": "Microsoft YaHei",
}
XLSX_MIME: Final[str] = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS: Final[dict[str, str]] = {
    "percent": "0.0%", "duration": "[h]:mm:ss", "integer": "#,##0", "decimal": "#,##0.00",
}


def _kind(values: list[str]) -> str | None:
    """What a formatted text column holds, when every filled cell says the same."""
    filled = [v.strip() for v in values if v is not None and v.strip() not in BLANKS]
    if not filled:
        return None
    if all(_PERCENT.match(v) for v in filled):
        return "percent"
    if all(_NUMBER.match(v) and not _IDENTIFIER.match(v) for v in filled):
        return "integer" if all("." not in v for v in filled) else "decimal"
    if all(formatting.parse_duration(v) is not None for v in filled):
        return "duration"
    return None


def _cell(text: str | None, kind: str) -> float | None:
    if text is None or text.strip() in BLANKS:
        return None
    text = text.strip().replace(",", "")
    if kind == "percent":
        return round(float(text.rstrip("%")) / 100, 10)
    if kind == "duration":
        seconds = formatting.parse_duration(text)
        return None if seconds is None else seconds / 86400  # Excel counts days
    return round(float(text), 10) if kind == "decimal" else float(text)


def typed(frame: pl.DataFrame) -> tuple[pl.DataFrame, dict[str, str]]:
    """Text columns the app formatted (88.1%, 3小时20分, 1,584) back to numbers, with the
    Excel number format each needs; other text is neutralised against formulas."""
    formats: dict[str, str] = {}
    columns: list[pl.Series] = []
    for name in frame.columns:
        series = frame[name]
        if series.dtype == pl.String and name not in CODE_LABELS:
            kind = _kind(series.to_list())
            if kind is not None:
                series = pl.Series(name, [_cell(v, kind) for v in series.to_list()],
                                   dtype=pl.Float64)
                formats[name] = FORMATS[kind]
        elif series.dtype.is_float():
            formats[name] = FORMATS["decimal"]
        elif series.dtype.is_integer():
            formats[name] = FORMATS["integer"]
        columns.append(series)
    return neutralise(pl.DataFrame(columns)), formats


def xlsx_bytes(frame: pl.DataFrame, sheet: str = "data", *, as_shown: bool = True) -> bytes:
    """An XLSX of the table: header styled, percentages, durations and counts as numbers in
    their formats, text that looks like a formula kept as text. `as_shown=False` keeps raw
    cells as they are (rejected rows to fix and import again), formulas still neutralised."""
    import xlsxwriter  # only exports need it: imported when one is made

    data, formats = typed(_flat(frame)) if as_shown else (neutralise(_flat(frame)), {})
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False,
                                            "strings_to_urls": False,
                                            "strings_to_numbers": False})
    column_formats: dict[str | Selector | tuple[str | Selector, ...], str] = {
        name: number_format for name, number_format in formats.items()}
    data.write_excel(workbook, worksheet=sheet_name(sheet), header_format=HEADER_FORMAT,
                     column_formats=column_formats, autofit=True, freeze_panes=(1, 0),
                     table_style=None, autofilter=True)
    workbook.close()
    return buffer.getvalue()


def sheet_name(text: str) -> str:
    """A name Excel accepts for a worksheet: no []:*?/\\, at most 31 characters, not empty."""
    return _SHEET_FORBIDDEN.sub("_", text).strip("'")[:31] or "data"


# --- charts as PNG and SVG, rendered offline by vl-convert ---

EXPORT_WIDTH: Final[int] = 760
_FONT_DIRS: Final[tuple[str, ...]] = ("/usr/share/fonts", "/usr/local/share/fonts")
_fonts_ready = False
_fonts_lock = threading.Lock()


def packaged_fonts() -> Path | None:
    """The folder of Noto Sans CJK installed from the package index (the `fonts` extra,
    noto-cjk-sans-otc), when it is: NotoSansCJK-Regular.ttc."""
    found = importlib.util.find_spec("noto_cjk_sans_otc")
    if found is None or not found.submodule_search_locations:
        return None
    folder = Path(next(iter(found.submodule_search_locations)))
    return folder if (folder / "NotoSansCJK-Regular.ttc").is_file() else None


def _fonts() -> None:
    """Let vl-convert find the system's CJK fonts (Noto Sans CJK, installed by the set-up).
    Downloads render in Streamlit's worker threads, so the first two may race here."""
    global _fonts_ready
    with _fonts_lock:
        if _fonts_ready:
            return
        import vl_convert as vlc

        packaged = packaged_fonts()
        for folder in (*_FONT_DIRS, *([str(packaged)] if packaged else [])):
            if Path(folder).is_dir():
                vlc.register_font_directory(folder)
        _fonts_ready = True


def export_spec(chart: alt.TopLevelMixin, subtitle: str) -> dict[str, Any]:
    """The chart's Vega-Lite spec titled for a review: its title plus period and filters."""
    spec: dict[str, Any] = chart.to_dict()
    title = spec.get("title")
    text = title.get("text", "") if isinstance(title, dict) else (title or "")
    base = dict(title) if isinstance(title, dict) else {}
    spec["title"] = {**base, "text": text, "subtitle": subtitle, "anchor": "start",
                     "subtitleColor": "#64748b", "subtitleFontSize": 11}
    single = not any(k in spec for k in ("hconcat", "vconcat", "concat", "facet", "repeat"))
    if single and not isinstance(spec.get("width"), int | float):
        spec["width"] = EXPORT_WIDTH  # the page's "container" width has no container here
    return spec


def chart_png(chart: alt.TopLevelMixin, subtitle: str, scale: float = 2.0) -> bytes:
    """A PNG at `scale`x (2x for slides and print)."""
    import vl_convert as vlc

    _fonts()
    return bytes(vlc.vegalite_to_png(export_spec(chart, subtitle), scale=scale))


def chart_svg(chart: alt.TopLevelMixin, subtitle: str) -> bytes:
    """An SVG (text stays text; its font family names Noto Sans CJK first)."""
    import vl_convert as vlc

    _fonts()
    return str(vlc.vegalite_to_svg(export_spec(chart, subtitle))).encode("utf-8")


def scope_line(filters: Filters, lang: str) -> str:
    """What a chart or table covers, for its export: period, the period it is compared with
    (and how: 环比, 同比 or the equal stretch before), filters, clock."""
    sep, joiner = colon(lang), list_sep(lang)
    parts = [f"{filters.date_from} – {filters.date_to}",
             formatting.compared_words(filters, lang)]
    vocab = {"channel": "channel", "request_type": "request_type", "category": "category"}
    for column, values in filters.segments().items():
        words = [label(vocab[column], v, lang) if column in vocab else v for v in values]
        parts.append(f"{column_label(column, lang)}{sep}{joiner.join(words)}")
    parts.append(formatting.clock_word(filters, lang))
    return " · ".join(parts)
