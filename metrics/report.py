"""The monthly review pack (月度复盘): the pages' numbers, key charts and tables in one PDF or zip.

`build` gathers what the pages show by calling the functions the pages call (overview,
analysis, scorecards, qa) and the same chart and table functions, so every number in the pack
is the pages' number; `to_pdf` and `to_zip` only lay the pack out. Each chart is rendered once
per pack (`render`) and shared by the PDF and the zip.
"""

from __future__ import annotations

import io
import re
import shutil
import struct
import subprocess
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Final

import polars as pl
from fpdf import FPDF
from fpdf.enums import WrapMode
from fpdf.fonts import FontFace
from fpdf.outline import OutlineSection

from metrics import analysis, catalog, charts, exports, formatting, overview, qa, queries, tables
from metrics import scorecards as scorecards_mod
from metrics.charts import ChartSpec
from metrics.drill import column_label
from metrics.filters import Filters
from metrics.i18n import t
from metrics.overview import Card
from metrics.schema import label
from metrics.settings import Settings
from metrics.sql import Grain
from metrics.store import Store

Progress = Callable[[str], None]
BODY_PT: Final[float] = 8.0  # tables in the PDF
KPI_PT: Final[float] = 11.0  # the KPI page's table
SIDE_PX: Final[int] = 480  # a chart's width when its table sits beside it in the PDF
COACHED_IN_DETAIL: Final[int] = 5  # agents of the coaching list whose points are spelt out
ACTION_CATEGORIES: Final[int] = 3  # complaint categories at most proposed as actions
EN_MONTHS: Final[tuple[str, ...]] = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)
_ZERO = re.compile(r"^[+-]0(\.0+)?(%|个百分点| pp)?$")  # a change that rounds to nothing


class FontMissing(RuntimeError):
    """No CJK font to embed in the PDF."""


# --- the pack ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Figure:
    """A chart of the pack, built by the same function the page uses."""

    number: str  # "4.1": section and position, also in the zip's file names
    slug: str
    title: str
    chart: ChartSpec
    width: int | None = None  # CSS px when it sits beside its table (else the export width)

    @property
    def shown(self) -> ChartSpec:
        """The chart as rendered: the page's chart, narrower when it sits beside a table."""
        return self.chart if self.width is None else self.chart.properties(width=self.width)


@dataclass(frozen=True)
class Table:
    """A table as the page shows it (formatted text), with optional good/bad tones per cell."""

    number: str
    slug: str
    title: str
    frame: pl.DataFrame
    keys: int = 1  # leading columns repeated when the PDF splits a wide table
    tones: dict[str, list[int]] = field(default_factory=dict)  # column -> 1 good, -1 bad, 0
    size: float = BODY_PT  # the PDF's font size in points
    stretch: tuple[float, ...] = ()  # shares of the page's spare width per column (forms)
    row_height: float = 0.0  # at least this tall (mm), to write in


@dataclass(frozen=True)
class Note:
    """A sentence under a section: what moved, why a chart is missing. **bold** allowed."""

    text: str


Item = Figure | Table | Note


@dataclass(frozen=True)
class Section:
    number: int
    key: str
    title: str
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Pack:
    """Everything the review holds for one scope, in one language."""

    filters: Filters
    lang: str
    generated: datetime
    latest: date | None
    demo: bool
    sections: tuple[Section, ...]
    # PNG (2x) and SVG bytes by figure number, filled by `render` once per pack.
    png: dict[str, bytes] = field(default_factory=dict, compare=False, repr=False)
    svg: dict[str, bytes] = field(default_factory=dict, compare=False, repr=False)

    @property
    def scope(self) -> str:
        """Period, filters and clock: the subtitle of every chart."""
        return exports.scope_line(self.filters, self.lang)

    @property
    def figures(self) -> list[Figure]:
        return [i for s in self.sections for i in s.items if isinstance(i, Figure)]

    @property
    def tables(self) -> list[Table]:
        return [i for s in self.sections for i in s.items if isinstance(i, Table)]

    def fresh(self) -> Pack:
        """The same pack with nothing rendered yet (for timing)."""
        return replace(self, png={}, svg={})


def month_period(month: str) -> tuple[date, date]:
    """'2026-10' -> (2026-10-01, 2026-10-31); ValueError when it is not a month."""
    match = re.fullmatch(r"(\d{4})-(\d{2})", month.strip())
    if not match or not 1 <= int(match[2]) <= 12:
        raise ValueError(f"{month!r} is not a month of the form YYYY-MM")
    first = date(int(match[1]), int(match[2]), 1)
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return first, date.fromordinal(following.toordinal() - 1)


def period_title(filters: Filters, lang: str) -> str:
    """'2026年10月' / 'October 2026' for a whole calendar month, else the two dates."""
    start, end = filters.date_from, filters.date_to
    if start.day == 1 and (start, end) == month_period(f"{start:%Y-%m}"):
        if lang == "zh":
            return f"{start.year}年{start.month}月"
        return f"{EN_MONTHS[start.month - 1]} {start.year}"
    return f"{start} – {end}"


# --- build: the pages' numbers ------------------------------------------------------------------

def build(
    store: Store,
    filters: Filters,
    lang: str,
    *,
    settings: Settings,
    as_of: datetime,
    grain: Grain | None = None,
    progress: Progress | None = None,
) -> Pack:
    """The review pack for the scope: each page's numbers from the functions the page calls."""
    say = progress or _quiet
    grain = grain or queries.auto_grain(filters)
    say("Overview")
    view = overview.overview(store, filters, grain, settings=settings, as_of=as_of)
    if view.empty:
        raise ValueError(f"no tickets in {filters.date_from} – {filters.date_to} with these "
                         "filters: nothing to review")
    say("Response, Resolution")
    response = analysis.response(store, filters, grain, settings=settings, as_of=as_of)
    resolution = analysis.resolution(store, filters, grain, settings=settings, as_of=as_of)
    say("Complaints")
    complaints = analysis.complaints(store, filters, grain, settings=settings, as_of=as_of)
    say("Satisfaction")
    satisfaction = analysis.satisfaction(store, filters, grain, settings=settings, as_of=as_of)
    say("Agents")
    board = scorecards_mod.scorecard(store, filters, "agent", settings=settings, as_of=as_of)
    coach = scorecards_mod.needs_coaching(board, settings)
    say("QA")
    checks = qa.qa_view(store, filters, grain, settings=settings, as_of=as_of)
    drafts: list[tuple[str, str, list[Item]]] = [
        ("kpis", t("review_s_kpis", lang), _kpis(view, lang)),
        ("response", t("response_page", lang), _response(response, settings, lang)),
        ("resolution", t("resolution_page", lang), _resolution(resolution, lang)),
        ("complaints", t("complaints_page", lang), _complaints(complaints, settings, lang)),
        ("satisfaction", t("satisfaction_page", lang), _satisfaction(satisfaction, lang)),
        ("agents", t("agents_page", lang), _agents(board, coach, settings, lang)),
        ("qa", t("qa_page", lang), _qa(checks, lang)),
        ("actions", t("review_s_actions", lang),
         _actions(view.cards, complaints.frames["pareto"], coach, lang)),
    ]
    sections = tuple(_numbered(n, key, title, items)
                     for n, (key, title, items) in enumerate(drafts, start=1))
    return Pack(filters=filters, lang=lang, generated=queries.site_now(settings),
                latest=store.latest_dates().get("tickets"), demo=store.is_demo(),
                sections=sections)


def _quiet(_message: str) -> None:
    return None


def _numbered(number: int, key: str, title: str, items: list[Item]) -> Section:
    """Number the section's figures and tables in order: 4.1, 4.2, …"""
    out: list[Item] = []
    position = 0
    for item in items:
        if isinstance(item, Figure | Table):
            position += 1
            item = replace(item, number=f"{number}.{position}")
        out.append(item)
    return Section(number, key, title, tuple(out))


def _figure(slug: str, title: str, chart: ChartSpec, width: int | None = None) -> Figure:
    return Figure("", slug, title, chart, width)


def _table(slug: str, title: str, frame: pl.DataFrame, keys: int = 1,
           tones: dict[str, list[int]] | None = None, size: float = BODY_PT) -> Table:
    return Table("", slug, title, frame, keys, tones or {}, size)


def kpi_table(cards: Sequence[Card], lang: str) -> tuple[pl.DataFrame, dict[str, list[int]]]:
    """The Overview cards as rows: value, target, status, previous value, change, n."""
    rows = []
    status_tones, change_tones = [], []
    for card in cards:
        metric = card.metric
        now, before = card.current.value, card.previous.value
        status = "—" if card.target is None else {
            True: t("met", lang), False: t("missed", lang), None: t("no_data", lang),
        }[card.on_target]
        n = card.current.denominator if metric.unit == "fraction" else None
        rows.append({
            t("indicator", lang): metric.name(lang),
            t("this_period", lang): formatting.value(metric, now, lang),
            t("target", lang): overview.goal_text(card, lang),
            t("status", lang): status,
            t("review_previous", lang): formatting.value(metric, before, lang),
            t("review_change", lang): formatting.change(metric, now, before, lang) or "—",
            "n": "—" if n is None else f"{int(n):,}",
        })
        status_tones.append({True: 1, False: -1, None: 0}[card.on_target]
                            if card.target is not None else 0)
        change = formatting.change(metric, now, before, lang)
        change_tones.append(0 if change is None or _ZERO.match(change)
                            else _direction(metric, now, before))
    frame = pl.DataFrame(rows)
    return frame, {t("status", lang): status_tones, t("review_change", lang): change_tones}


def _direction(metric: catalog.Metric, now: float | None, before: float | None) -> int:
    """1 when the change is an improvement, -1 when it is a deterioration."""
    if now is None or before is None or now == before or metric.higher_is_better is None:
        return 0
    better = now > before if metric.higher_is_better else now < before
    return 1 if better else -1


def _kpis(view: overview.Overview, lang: str) -> list[Item]:
    frame, tones = kpi_table(view.cards, lang)
    prev = view.previous_filters
    return [
        _table("kpi-summary", t("headline", lang), frame, tones=tones, size=KPI_PT),
        Note(t("review_kpi_note", lang, now=f"{view.filters.date_from} – {view.filters.date_to}",
               before=f"{prev.date_from} – {prev.date_to}")),
    ]


def _response(page: analysis.Page, settings: Settings, lang: str) -> list[Item]:
    by_channel = page.frames["by_channel"]
    if not by_channel["tickets"].sum():
        return [Note(t("review_no_data", lang))]
    metric = catalog.get("response_within_standard_rate")
    chart = charts.rate_bars(by_channel, metric.id, "channel", settings.target(metric.id), lang,
                             "channel")
    shown = tables.metric_table(by_channel, "channel", ("tickets", *analysis.RESPONSE_CARDS),
                                lang, "channel", with_n=(metric.id,))
    shown.insert_column(2, tables.durations(by_channel, "standard_s", t("stat_standard", lang),
                                            lang))
    return [
        _figure("response-within-standard-by-channel",
                metric.name(lang) + t("by_channel_suffix", lang), chart),
        _table("response-by-channel", t("by_channel", lang), shown),
    ]


def _resolution(page: analysis.Page, lang: str) -> list[Item]:
    by_priority = page.frames["by_priority"]
    if not by_priority["tickets"].sum():
        return [Note(t("review_no_data", lang))]
    chart = charts.metric_lines(page.trend, ["resolution_rate", "fcr_rate", "reopen_rate",
                                             "escalation_rate"], lang, page.grain,
                                t("rates_trend", lang))
    shown = tables.metric_table(by_priority, "priority", ("tickets", *analysis.RESOLUTION_CARDS),
                                lang, "priority", with_n=("resolution_rate",))
    return [_figure("resolution-rates-trend", t("rates_trend", lang), chart),
            _table("resolution-by-priority", t("by_priority", lang), shown)]


def _complaints(page: analysis.Page, settings: Settings, lang: str) -> list[Item]:
    pareto = page.frames["pareto"]
    if pareto.is_empty():
        return [Note(t("no_complaints", lang))]
    rate = page.card("complaint_rate")
    limit = formatting.duration(settings.complaint_limit_s, lang)
    items: list[Item] = [
        _figure("complaint-pareto", t("pareto", lang), charts.pareto(pareto, lang), SIDE_PX),
        _table("complaint-pareto", t("pareto", lang), tables.pareto_table(pareto, lang)),
        Note(t("limit_note", lang, limit=limit)),
    ]
    if rate.previous.value is None:
        return [*items, Note(t("no_previous", lang))]
    change = (rate.current.value or 0) - rate.previous.value
    moved = page.frames["moved_category"]
    return [
        *items,
        Note(t("moved_total", lang, before=formatting.percent(rate.previous.value),
               now=formatting.percent(rate.current.value), pp=f"{change * 100:+.2f}")),
        _figure("complaint-change-by-category", t("moved_by_category", lang),
                charts.contribution_bars(moved, "category", lang), SIDE_PX),
        _table("complaint-change-by-category", t("what_moved", lang),
               tables.moved_table(moved, "category", lang)),
        Note(t("moved_note", lang)),
    ]


def _satisfaction(page: analysis.Page, lang: str) -> list[Item]:
    if not page.card("surveys_sent").current.value:
        return [Note(t("review_no_data", lang))]
    dont_know = int(page.card("dont_know").current.value or 0)
    csat = page.card("csat")
    by_channel = page.frames["by_channel"]
    shown = tables.metric_table(by_channel, "channel", ["csat", "mean_score",
                                                        "survey_response_rate"], lang, "channel",
                                with_n=("csat",), none="no_ticket")
    return [
        _figure("satisfaction-scores", t("score_distribution", lang, n=f"{dont_know:,}"),
                charts.score_bars(page.frames["scores"], dont_know, lang), SIDE_PX),
        _table("csat-by-channel", t("csat_by_channel", lang), shown),
        Note(t("csat_sample", lang, n=f"{int(csat.current.denominator or 0):,}",
               dk=f"{dont_know:,}")),
    ]


def coaching_points(board: pl.DataFrame, coach: pl.DataFrame, settings: Settings, lang: str,
                    limit: int = COACHED_IN_DETAIL) -> pl.DataFrame:
    """The first agents of the coaching list with each point as the agent page states it."""
    rows = []
    for agent in coach["agent"].head(limit).to_list():
        row = board.filter(pl.col("agent") == agent).row(0, named=True)
        for line in tables.coaching_lines(scorecards_mod.coaching(row, settings), lang):
            rows.append({column_label("agent", lang): agent,
                         column_label("team", lang): row["team"] or "—",
                         t("coaching_points", lang): line})
    schema = dict.fromkeys((column_label("agent", lang), column_label("team", lang),
                            t("coaching_points", lang)), pl.String)
    return pl.DataFrame(rows, schema=schema)


def _agents(board: pl.DataFrame, coach: pl.DataFrame, settings: Settings,
            lang: str) -> list[Item]:
    if board.is_empty():
        return [Note(t("review_no_data", lang))]
    items: list[Item] = [
        _figure("agent-composite", t("composite_chart", lang),
                charts.composite_dots(board, lang)),
        _table("agent-scorecard", t("scorecard", lang),
               tables.scorecard_table(board, lang, settings, "agent"), keys=2,
               tones=tables.team_comparison(board, lang)),
    ]
    if coach.is_empty():
        return [*items, Note(t("no_coaching", lang))]
    shown = min(COACHED_IN_DETAIL, coach.height)
    return [
        *items,
        _table("coaching-list", t("coaching_list", lang), tables.coaching_table(coach, lang)),
        Note(t("coaching_list_help", lang)),
        _table("coaching-points", t("review_coaching_points", lang, n=shown),
               coaching_points(board, coach, settings, lang), keys=2),
    ]


def _qa(view: qa.QaView, lang: str) -> list[Item]:
    if not view.count("inspections"):
        return [Note(t("review_no_data", lang))]
    items: list[Item] = []
    if view.count("violations"):
        items.append(_figure("qa-violations-by-category", t("violations_by_category", lang),
                             charts.violation_categories(view.by_category, lang), SIDE_PX))
    else:
        items.append(Note(t("qa_no_violations", lang)))
    items.append(_table("qa-by-team", t("qa_score_by_team", lang),
                        qa.segment_table(view, "team", lang)))
    offenders = view.repeat_offenders
    if offenders.height:
        items.append(_table("qa-repeat-offenders", t("qa_repeat_title", lang),
                            qa.offenders_table(offenders, lang)))
    return items


def action_rows(cards: Sequence[Card], pareto: pl.DataFrame, coach: pl.DataFrame,
                lang: str) -> pl.DataFrame:
    """Issues to act on (KPIs off target, the main complaint categories, agents to coach),
    with empty cells for the action, the owner and the date, to fill in at the review."""
    issues = [t("review_issue_kpi", lang, metric=c.metric.name(lang),
                value=formatting.value(c.metric, c.current.value, lang),
                target=overview.goal_text(c, lang))
              for c in cards if c.target is not None and c.on_target is False]
    vital = pareto.filter(pl.col("cumulative").shift(1, fill_value=0.0) < 0.8) \
        .head(ACTION_CATEGORIES) if pareto.height else pareto
    for row in vital.iter_rows(named=True):
        name = label("category", row["category"], lang) if row["category"] \
            else t("unclassified", lang)
        issues.append(t("review_issue_category", lang, category=name,
                        n=f"{int(row['complaints']):,}", share=formatting.percent(row["share"])))
    if coach.height:
        sep = "、" if lang == "zh" else ", "
        names = sep.join(coach["agent"].head(COACHED_IN_DETAIL).to_list())
        more = "…" if coach.height > COACHED_IN_DETAIL else ""
        issues.append(t("review_issue_coach", lang, n=coach.height, agents=names + more))
    columns = ("review_col_issue", "review_col_action", "review_col_owner", "review_col_due")
    return pl.DataFrame([[i, "", "", ""] for i in issues],
                        schema=dict.fromkeys((t(c, lang) for c in columns), pl.String),
                        orient="row")


def _actions(cards: Sequence[Card], pareto: pl.DataFrame, coach: pl.DataFrame,
             lang: str) -> list[Item]:
    return [Note(t("review_actions_note", lang)),
            replace(_table("actions", t("review_s_actions", lang),
                           action_rows(cards, pareto, coach, lang), size=9.5),
                    stretch=(0, 3, 1, 1), row_height=11)]


# --- render: each chart once ------------------------------------------------------------------

def render(pack: Pack, *, svg: bool = False, progress: Progress | None = None) -> None:
    """Render every chart of the pack to PNG at 2x (and SVG), once: later calls reuse them."""
    say = progress or _quiet
    todo = [f for f in pack.figures if f.number not in pack.png
            or (svg and f.number not in pack.svg)]
    if todo:
        say(f"rendering {len(todo)} charts" + (" (PNG and SVG)" if svg else ""))
    for figure in todo:
        if figure.number not in pack.png:
            pack.png[figure.number] = exports.chart_png(figure.shown, pack.scope, scale=2)
        if svg and figure.number not in pack.svg:
            pack.svg[figure.number] = exports.chart_svg(figure.shown, pack.scope)


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
    if regular is None:
        raise FontMissing(
            "the PDF needs the Noto Sans CJK font for Chinese text and none was found: install "
            "the Debian package fonts-noto-cjk (apt-get install fonts-noto-cjk)")
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
        self.set_lang("zh-CN" if pack.lang == "zh" else "en")
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
    say = progress or _quiet
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
    doc.cell(0, 7, t("app_title", lang) + (" · ServiceLens" if lang == "zh" else ""),
             new_x="LMARGIN", new_y="NEXT")
    doc.set_text_color(*INK)
    doc.set_font(FONT, "B", 32)
    doc.cell(0, 16, t("review_title", lang), new_x="LMARGIN", new_y="NEXT")
    doc.set_font(FONT, "B", 18)
    doc.set_text_color(*NAVY)
    doc.cell(0, 11, period_title(pack.filters, lang), new_x="LMARGIN", new_y="NEXT")
    doc.ln(4)
    prev = pack.filters.previous()
    sep = "：" if lang == "zh" else ": "
    lines = [
        (t("review_period", lang), f"{pack.filters.date_from} – {pack.filters.date_to}"),
        (t("review_previous_period", lang), f"{prev.date_from} – {prev.date_to}"),
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
        wrapmode=WrapMode.CHAR if grid.lang == "zh" else WrapMode.WORD,
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


# --- the zip ------------------------------------------------------------------------------------

def file_stem(item: Figure | Table) -> str:
    """'04-1-complaint-pareto': section, position, what it is (ASCII, for every unzip tool)."""
    section, position = item.number.split(".")
    return f"{int(section):02d}-{position}-{item.slug}"


def zip_names(pack: Pack) -> list[str]:
    """The zip's file names in order, README.txt first."""
    names = ["README.txt"]
    for section in pack.sections:
        for item in section.items:
            if isinstance(item, Figure):
                names += [f"{file_stem(item)}.png", f"{file_stem(item)}.svg"]
            elif isinstance(item, Table):
                names.append(f"{file_stem(item)}.xlsx")
    return names


def readme(pack: Pack) -> str:
    """What the zip holds, file by file, with the scope it covers."""
    lang = pack.lang
    sep = "：" if lang == "zh" else ": "
    prev = pack.filters.previous()
    lines = [
        f"{t('app_title', lang)} · {t('review_title', lang)} · {period_title(pack.filters, lang)}",
        "",
        f"{t('review_period', lang)}{sep}{pack.filters.date_from} – {pack.filters.date_to}",
        f"{t('review_previous_period', lang)}{sep}{prev.date_from} – {prev.date_to}",
        f"{t('review_scope', lang)}{sep}{pack.scope}",
        f"{t('review_generated', lang)}{sep}{pack.generated:%Y-%m-%d %H:%M}",
        "",
        t("review_readme_intro", lang),
    ]
    if pack.demo:
        lines += ["", t("review_demo", lang)]
    for section in pack.sections:
        lines += ["", f"{section.number}. {section.title}"]
        for item in section.items:
            if isinstance(item, Figure):
                lines.append(f"  {file_stem(item)}.png / .svg  "
                             f"{t('review_figure', lang, n=item.number)} {item.title}")
            elif isinstance(item, Table):
                lines.append(f"  {file_stem(item)}.xlsx  "
                             f"{t('review_table', lang, n=item.number)} {item.title}")
    return "\n".join(lines) + "\n"


def to_zip(pack: Pack, progress: Progress | None = None) -> bytes:
    """Every chart as PNG (2x) and SVG, every table as XLSX, and README.txt listing them."""
    say = progress or _quiet
    render(pack, svg=True, progress=say)
    say("writing the zip")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", "\ufeff" + readme(pack))
        for section in pack.sections:
            for item in section.items:
                if isinstance(item, Figure):
                    stem = file_stem(item)
                    archive.writestr(f"{stem}.png", pack.png[item.number],
                                     compress_type=zipfile.ZIP_STORED)
                    archive.writestr(f"{stem}.svg", pack.svg[item.number])
                elif isinstance(item, Table):
                    archive.writestr(f"{file_stem(item)}.xlsx",
                                     exports.xlsx_bytes(item.frame, item.slug[:31]),
                                     compress_type=zipfile.ZIP_STORED)
    return buffer.getvalue()
