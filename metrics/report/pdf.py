"""The review pack laid out as an A4 PDF with Noto Sans CJK (fpdf2): cover, contents, sections."""

from __future__ import annotations

import io
import re
import shutil
import struct
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Final

from fpdf import FPDF
from fpdf.enums import WrapMode
from fpdf.fonts import FontFace
from fpdf.outline import OutlineSection

from metrics.core.errors import ServiceLensError
from metrics.present import exports, formatting
from metrics.present.words import colon, html_lang, t, uses_cjk
from metrics.report.pack import (
    Figure,
    Note,
    Pack,
    Progress,
    Section,
    Table,
    period_title,
    quiet,
    render,
)


class FontMissing(ServiceLensError):
    """No CJK font to embed in the PDF."""


def png_size(data: bytes) -> tuple[int, int]:
    """A PNG's width and height in pixels, from its header."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


# --- the PDF ------------------------------------------------------------------------------------

FONT: Final[str] = "NotoSansCJK"
FONT_PATHS: Final[tuple[str, ...]] = (
    "/usr/share/fonts/opentype/noto", "/usr/share/fonts/noto-cjk",
    "/usr/share/fonts/google-noto-cjk", "/usr/local/share/fonts", "/System/Library/Fonts",
)
SC_INDEX: Final[int] = 2  # Noto Sans CJK SC in the JP/KR/SC/TC/HK collection
PAGE_W, PAGE_H = 297.0, 210.0  # A4 landscape, mm
MARGIN: Final[float] = 12.0
BOTTOM: Final[float] = 14.0
CONTENT_W: Final[float] = PAGE_W - 2 * MARGIN
MM_PER_PX: Final[float] = 0.30  # a chart's CSS pixel on paper: 760 px -> 23 cm
NAVY: Final[tuple[int, int, int]] = (30, 58, 138)
INK: Final[tuple[int, int, int]] = (15, 23, 42)
GREY: Final[tuple[int, int, int]] = (100, 116, 139)
RULE: Final[tuple[int, int, int]] = (203, 213, 225)
ZEBRA: Final[tuple[int, int, int]] = (248, 250, 252)
TONE_FILL: Final[dict[int, tuple[int, int, int]]] = {1: (220, 252, 231), -1: (254, 226, 226)}
CELL_PAD: Final[float] = 1.3
MAX_COL: Final[float] = 75.0
HEADER_WRAP: Final[float] = 24.0
FULL_H: Final[float] = PAGE_H - BOTTOM - MARGIN - 14  # below a section's heading bar
GAP: Final[float] = 6.0
SHRINK: Final[float] = 0.8  # a chart beside its table may shrink to this share of its size
# counts, rates, changes, targets
_NUMERIC = re.compile(r"^[+\-]?[\d,]+(\.\d+)?\s*(%|个百分点| pp)?$|^[≥≤] ")


def _fc_match(pattern: str) -> tuple[Path, int] | None:
    """fontconfig's file and collection index for a pattern, if it names a CJK SC face."""
    if shutil.which("fc-match") is None:
        return None
    try:
        out = subprocess.run(
            ["fc-match", "-f", "%{file}\t%{index}\t%{family}", pattern],
            capture_output=True, text=True, timeout=10, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    parts = out.split("\t")
    if len(parts) < 3 or "CJK SC" not in parts[2] or not Path(parts[0]).is_file():
        return None
    return Path(parts[0]), int(parts[1] or 0)


@cache
def cjk_fonts() -> tuple[tuple[Path, int], tuple[Path, int]]:
    """Noto Sans CJK SC regular and bold (file, index in the collection).

    Found by fontconfig, else in the usual folders; FontMissing names the package otherwise.
    """
    regular = _fc_match("Noto Sans CJK SC:style=Regular")
    bold = _fc_match("Noto Sans CJK SC:style=Bold")
    for folder in FONT_PATHS:
        base = Path(folder)
        if regular is None and (base / "NotoSansCJK-Regular.ttc").is_file():
            regular = (base / "NotoSansCJK-Regular.ttc", SC_INDEX)
        if bold is None and (base / "NotoSansCJK-Bold.ttc").is_file():
            bold = (base / "NotoSansCJK-Bold.ttc", SC_INDEX)
    packaged = exports.packaged_fonts()
    if regular is None and packaged is not None:  # from the package index (no bold face)
        regular = (packaged / "NotoSansCJK-Regular.ttc", SC_INDEX)
    if regular is None:
        raise FontMissing(
            "the PDF needs the Noto Sans CJK font for Chinese text and none was found: install "
            "the Debian package fonts-noto-cjk (apt-get install fonts-noto-cjk), or without "
            "root pip install noto-cjk-sans-otc (make run does either)")
    return regular, bold or regular


class _Document(FPDF):
    """A4 landscape with the pack's running footer: title, period, page n of N."""

    def __init__(self, pack: Pack) -> None:
        super().__init__(orientation="L", unit="mm", format="A4")
        self.pack = pack
        (regular, r_index), (bold, b_index) = cjk_fonts()
        self.add_font(FONT, "", str(regular), collection_font_number=r_index)
        self.add_font(FONT, "B", str(bold), collection_font_number=b_index)
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(True, margin=BOTTOM)
        self.set_title(f"{t('review_title', pack.lang)} · {period_title(pack.filters, pack.lang)}")
        self.set_author("ServiceLens")
        self.set_creator("ServiceLens report")
        self.set_lang(html_lang(pack.lang))
        self.alias_nb_pages()

    def footer(self) -> None:
        if self.page_no() == 1:
            return
        lang = self.pack.lang
        self.set_y(-10)
        self.set_font(FONT, "", 7.5)
        self.set_text_color(*GREY)
        left = f"{t('app_title', lang)} · {t('review_title', lang)} · {self.pack.scope}"
        self.cell(CONTENT_W * 0.8, 5, left, align="L")
        self.cell(CONTENT_W * 0.2, 5, t("review_page", lang, n=self.page_no(), total="{nb}"),
                  align="R")

    @property
    def room(self) -> float:
        """Height left on this page above the bottom margin."""
        return PAGE_H - BOTTOM - self.get_y()


def pdf_document(pack: Pack, progress: Progress | None = None) -> FPDF:
    """The review as an FPDF document: cover with contents, the KPI page, then one section
    per page with its chart, tables and notes. Renders the charts it still needs."""
    say = progress or quiet
    render(pack, progress=say)
    say("laying out the PDF")
    doc = _Document(pack)
    _cover(doc, pack)
    for section in pack.sections:  # the contents' page break already opened the first page
        _section(doc, pack, section, new_page=section is not pack.sections[0])
    return doc


def to_pdf(pack: Pack, progress: Progress | None = None) -> bytes:
    """The review as PDF bytes."""
    return bytes(pdf_document(pack, progress).output())


def _cover(doc: _Document, pack: Pack) -> None:
    lang = pack.lang
    doc.add_page()
    doc.set_fill_color(*NAVY)
    doc.rect(0, 0, PAGE_W, 8, style="F")
    doc.set_y(26)
    doc.set_text_color(*GREY)
    doc.set_font(FONT, "", 12)
    doc.cell(0, 7, t("app_title", lang) + (" · ServiceLens" if uses_cjk(lang) else ""),
             new_x="LMARGIN", new_y="NEXT")
    doc.set_text_color(*INK)
    doc.set_font(FONT, "B", 32)
    doc.cell(0, 16, t("review_title", lang), new_x="LMARGIN", new_y="NEXT")
    doc.set_font(FONT, "B", 18)
    doc.set_text_color(*NAVY)
    doc.cell(0, 11, period_title(pack.filters, lang), new_x="LMARGIN", new_y="NEXT")
    doc.ln(4)
    prev = pack.filters.previous()
    sep = colon(lang)
    lines = [
        (t("review_period", lang), f"{pack.filters.date_from} – {pack.filters.date_to}"),
        (t("review_previous_period", lang), f"{prev.date_from} – {prev.date_to}"
                                            + t("in_brackets", lang,
                                                text=t(f"vs_{pack.filters.comparison}", lang))),
        (t("review_scope", lang), pack.scope),
        (t("freshness", lang), str(pack.latest or "—")),
        (t("review_generated", lang), f"{pack.generated:%Y-%m-%d %H:%M}"),
    ]
    doc.set_font(FONT, "", 11)
    for name, value in lines:
        doc.set_text_color(*GREY)
        doc.cell(34, 7, name + sep)
        doc.set_text_color(*INK)
        doc.multi_cell(CONTENT_W - 34, 7, value, new_x="LMARGIN", new_y="NEXT")
    if pack.demo:
        doc.ln(2)
        doc.set_text_color(180, 83, 9)
        doc.multi_cell(CONTENT_W, 6, t("review_demo", lang), new_x="LMARGIN", new_y="NEXT")
    doc.ln(6)
    doc.insert_toc_placeholder(_contents(lang), pages=1)


def _contents(lang: str) -> Callable[[FPDF, list[OutlineSection]], None]:
    def draw(doc: FPDF, outline: list[OutlineSection]) -> None:
        doc.set_x(MARGIN)
        doc.set_font(FONT, "B", 13)
        doc.set_text_color(*NAVY)
        doc.cell(0, 9, t("review_contents", lang), new_x="LMARGIN", new_y="NEXT")
        doc.set_font(FONT, "", 11)
        doc.set_text_color(*INK)
        for entry in outline:
            if entry.level:
                continue
            link = doc.add_link(page=entry.page_number)
            doc.cell(90, 7, entry.name, link=link)
            doc.cell(15, 7, str(entry.page_number), align="R", link=link,
                     new_x="LMARGIN", new_y="NEXT")
    return draw


def _section(doc: _Document, pack: Pack, section: Section, new_page: bool = True) -> None:
    """The section's heading bar, then its items; a chart followed by a narrow table sit side
    by side, as on the page."""
    if new_page:
        doc.add_page()
    heading = f"{section.number}  {section.title}"
    doc.start_section(heading)
    doc.set_fill_color(*NAVY)
    doc.set_text_color(255, 255, 255)
    doc.set_font(FONT, "B", 15)
    doc.cell(CONTENT_W, 11, "  " + heading, fill=True, new_x="LMARGIN", new_y="NEXT")
    doc.ln(3)
    items = list(section.items)
    i = 0
    while i < len(items):
        item = items[i]
        following = items[i + 1] if i + 1 < len(items) else None
        if isinstance(item, Figure) and item.width and isinstance(following, Table):
            grid = _measure(doc, pack.lang, following)
            chart_w, _ = _chart_size(pack.png[item.number], CONTENT_W, 10_000)
            # beside its table, shrunk a little if need be
            if len(grid.groups) == 1 and sum(grid.widths) <= CONTENT_W - SHRINK * chart_w - GAP:
                after = items[i + 2] if i + 2 < len(items) else None
                _place_pair(doc, pack, item, grid, reserve=14 if isinstance(after, Note) else 0)
                i += 2
                continue
        if isinstance(item, Figure):
            _place_figure(doc, pack, item)
        elif isinstance(item, Table):
            _place_table(doc, _measure(doc, pack.lang, item))
        else:
            _place_note(doc, item)
        i += 1


def _caption(doc: _Document, text: str) -> None:
    doc.set_font(FONT, "B", 10)
    doc.set_text_color(*INK)
    doc.cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")


def _chart_size(png: bytes, width: float, height: float) -> tuple[float, float]:
    """The chart's size on paper: its natural size, shrunk to fit width × height."""
    px_w, px_h = png_size(png)
    w = min(width, px_w / 2 * MM_PER_PX)
    h = w * px_h / px_w
    if h > height:
        h, w = height, height * px_w / px_h
    return w, h


def _draw_chart(doc: _Document, lang: str, figure: Figure, png: bytes, x: float, w: float,
                h: float) -> float:
    """The figure's number, then the image at x; returns the y below it."""
    doc.set_font(FONT, "", 8)
    doc.set_text_color(*GREY)
    doc.set_x(x)
    doc.cell(w, 5, t("review_figure", lang, n=figure.number), new_x="LMARGIN", new_y="NEXT")
    top = doc.get_y()
    doc.image(io.BytesIO(png), x=x, y=top, w=w, h=h)
    return top + h + 3


def _place_figure(doc: _Document, pack: Pack, figure: Figure) -> None:
    """The chart at up to full width, scaled down or moved to a new page to fit its height."""
    png = pack.png[figure.number]
    _, want_h = _chart_size(png, CONTENT_W, 10_000)
    if want_h + 8 > doc.room and doc.room < 0.6 * min(want_h + 8, FULL_H):
        doc.add_page()
    w, h = _chart_size(png, CONTENT_W, doc.room - 8)
    doc.set_y(_draw_chart(doc, pack.lang, figure, png, MARGIN + (CONTENT_W - w) / 2, w, h))


def _place_pair(doc: _Document, pack: Pack, figure: Figure, grid: _Grid,
                reserve: float = 0) -> None:
    """The chart on the left and its table on the right, both from the same top, leaving
    `reserve` mm for a note below."""
    png = pack.png[figure.number]
    chart_w, want_h = _chart_size(png, CONTENT_W - sum(grid.widths) - GAP, 10_000)
    needed = max(want_h + 8, grid.height)
    if needed > doc.room and doc.room < 0.6 * min(needed, FULL_H):
        doc.add_page()
    limit = doc.room - 8 - reserve if doc.room - 8 - reserve > 40 else doc.room - 8
    w, h = _chart_size(png, chart_w, limit)
    top, page = doc.get_y(), doc.page
    below_chart = _draw_chart(doc, pack.lang, figure, png, MARGIN, w, h)
    doc.set_left_margin(MARGIN + chart_w + GAP)
    doc.set_xy(MARGIN + chart_w + GAP, top)
    _place_table(doc, grid, fit=False)
    doc.set_left_margin(MARGIN)
    doc.set_xy(MARGIN, max(below_chart, doc.get_y()) if doc.page == page else doc.get_y())


def _place_note(doc: _Document, note: Note) -> None:
    if doc.room < 12:
        doc.add_page()
    doc.set_font(FONT, "", 9)
    doc.set_text_color(*GREY)
    doc.multi_cell(0, 5, note.text, markdown=True, align="L", new_x="LMARGIN", new_y="NEXT")
    doc.ln(2)


def _numeric(values: list[str]) -> bool:
    filled = [v for v in values if v and v not in ("—", "-")]
    return bool(filled) and all(_NUMERIC.match(v) or formatting.parse_duration(v) is not None
                                for v in filled)


def _cell_text(value: object) -> str:
    return "—" if value is None else str(value)


@dataclass(frozen=True)
class _Grid:
    """A table measured for the page: its cells as text, column widths and groups."""

    table: Table
    lang: str
    header: list[str]
    rows: list[list[str]]
    widths: list[float]
    groups: list[list[int]]
    aligns: list[str]

    @property
    def height(self) -> float:
        """About how tall it is, one line per row (for deciding where it starts)."""
        row = max(self.table.size * 0.53 + 1.8, self.table.row_height)
        return (len(self.rows) + 2) * row + 8


def _measure(doc: _Document, lang: str, table: Table) -> _Grid:
    """Each column's width (its widest cell, its header wrapped past HEADER_WRAP, capped),
    the column groups that fit the page (each led by the key columns), the alignment."""
    header = list(table.frame.columns)
    rows = [[_cell_text(v) for v in row] for row in table.frame.iter_rows()]
    natural = []
    for i, name in enumerate(header):
        doc.set_font(FONT, "", table.size)
        body = max((doc.get_string_width(r[i]) for r in rows), default=0.0) + 2 * CELL_PAD + 0.5
        doc.set_font(FONT, "B", table.size)
        head = doc.get_string_width(name) + 2 * CELL_PAD + 0.5
        natural.append(max(body, min(head, max(body, HEADER_WRAP)), 9.0))
    widths = [min(MAX_COL, w) for w in natural]
    spare, wanted = CONTENT_W - sum(widths), sum(n - w for n, w in zip(natural, widths,
                                                                        strict=True))
    if spare > 0 and wanted > 0:  # long text columns take the page's spare width
        widths = [w + (n - w) * min(1.0, spare / wanted)
                  for n, w in zip(natural, widths, strict=True)]
    aligns = ["RIGHT" if _numeric([r[i] for r in rows]) else "LEFT" for i in range(len(header))]
    if table.stretch and sum(widths) < CONTENT_W:
        spare, shares = CONTENT_W - sum(widths), sum(table.stretch)
        widths = [w + spare * share / shares for w, share in zip(widths, table.stretch,
                                                                 strict=True)]
    return _Grid(table, lang, header, rows, widths, _column_groups(widths, table.keys), aligns)


def _column_groups(widths: list[float], keys: int) -> list[list[int]]:
    """Columns in groups that fit the page, each group led by the key columns."""
    if sum(widths) <= CONTENT_W:
        return [list(range(len(widths)))]
    lead = list(range(min(keys, len(widths))))
    groups: list[list[int]] = []
    current = list(lead)
    for i in range(len(lead), len(widths)):
        if sum(widths[c] for c in current) + widths[i] > CONTENT_W and len(current) > len(lead):
            groups.append(current)
            current = list(lead)
        current.append(i)
    groups.append(current)
    return groups


def _place_table(doc: _Document, grid: _Grid, fit: bool = True) -> None:
    """A table with a styled header row; wide ones split by columns, long ones across pages
    (the header repeats on each page). With `fit`, one that fits on a page starts on a new
    page rather than break after a few rows."""
    table, lang = grid.table, grid.lang
    for part, columns in enumerate(grid.groups):
        if fit and (doc.room < min(30.0, grid.height) or doc.room < grid.height <= FULL_H):
            doc.add_page()
        title = t("review_table", lang, n=table.number) + "  " + table.title
        if part:
            title += t("review_continued", lang)
        _caption(doc, title)
        if not grid.rows:
            _place_note(doc, Note(t("review_no_data", lang)))
            continue
        _draw_rows(doc, grid, columns)
        doc.ln(4)


def _draw_rows(doc: _Document, grid: _Grid, columns: list[int]) -> None:
    table = grid.table
    total_word = t("total", grid.lang)
    doc.set_font(FONT, "", table.size)
    doc.set_text_color(*INK)
    doc.set_fill_color(255, 255, 255)  # the table's base style takes the current colours
    doc.set_draw_color(*RULE)
    doc.set_line_width(0.2)
    with doc.table(
        width=sum(grid.widths[c] for c in columns),
        col_widths=tuple(grid.widths[c] for c in columns),
        align="LEFT",
        text_align=tuple(grid.aligns[c] for c in columns),
        headings_style=FontFace(emphasis="BOLD", color=(255, 255, 255), fill_color=NAVY),
        line_height=table.size * 0.53,
        padding=(0.9, CELL_PAD),
        borders_layout="HORIZONTAL_LINES",
        cell_fill_color=ZEBRA,
        cell_fill_mode="ROWS",
        wrapmode=WrapMode.CHAR if uses_cjk(grid.lang) else WrapMode.WORD,
        repeat_headings=1,
    ) as rows:
        rows.row([grid.header[c] for c in columns])
        for r, values in enumerate(grid.rows):
            bold = values[0] == total_word
            line = rows.row(style=FontFace(emphasis="BOLD") if bold else None,
                            min_height=table.row_height or None)
            for c in columns:
                tone = table.tones.get(grid.header[c], [])
                sign = tone[r] if r < len(tone) else 0
                line.cell(values[c], style=FontFace(fill_color=TONE_FILL[sign]) if sign else None)


