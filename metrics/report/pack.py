"""The monthly review pack (月度复盘): the pages' numbers, key charts and tables in one PDF or zip.

`build` gathers what the pages show by calling the functions the pages call (overview,
analysis, scorecards, qa) and the same chart and table functions, so every number in the pack
is the pages' number; `to_pdf` and `to_zip` only lay the pack out. Each chart is rendered once
per pack (`render`) and shared by the PDF and the zip.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from functools import partial
from typing import Final

import polars as pl

from metrics.core import catalog
from metrics.core.access import AccessDenied, may_open
from metrics.core.errors import UsageError
from metrics.core.filters import Filters
from metrics.core.scope import Scope, site_now
from metrics.core.settings import Settings
from metrics.engine import queries
from metrics.engine.store import Store
from metrics.present import cards as card_words
from metrics.present import charts, exports, formatting, tables
from metrics.present.charts import ChartSpec
from metrics.present.words import column_label, label, list_sep, month_title, t
from metrics.views import analysis, overview, qa
from metrics.views import calls as calls_view
from metrics.views import improvement as pdca
from metrics.views import scorecards as scorecards_mod
from metrics.views.overview import Card

Progress = Callable[[str], None]
BODY_PT: Final[float] = 8.0  # tables in the PDF
KPI_PT: Final[float] = 11.0  # the KPI page's table
SIDE_PX: Final[int] = 480  # a chart's width when its table sits beside it in the PDF
COACHED_IN_DETAIL: Final[int] = 5  # agents of the coaching list whose points are spelt out
ACTION_CATEGORIES: Final[int] = 3  # complaint categories at most proposed as actions
_ZERO = re.compile(r"^[+-]0(\.0+)?(%|个百分点| pp)?$")  # a change that rounds to nothing



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
        return month_title(start.year, start.month, lang)
    return f"{start} – {end}"


# --- build: the pages' numbers ------------------------------------------------------------------

def build(store: Store, scope: Scope, lang: str, *,
          progress: Progress | None = None) -> Pack:
    """The review pack for the scope: each page's numbers from the functions the page calls."""
    say = progress or quiet
    filters, settings = scope.filters, scope.settings
    # The pack holds what its reader's role opens on the pages, and nothing more.
    if not may_open(scope.access, "overview"):
        raise AccessDenied("the review pack is made of the Overview and analysis pages, "
                           "which this role does not open")
    with_agents, with_qa = may_open(scope.access, "agents"), may_open(scope.access, "qa")
    say("Overview")
    view = overview.overview(store, scope)
    if view.empty:
        raise UsageError(f"no tickets in {filters.date_from} – {filters.date_to} with these "
                         "filters: nothing to review")
    say("Response, Resolution")
    response = analysis.response(store, scope)
    resolution = analysis.resolution(store, scope)
    say("Complaints")
    complaints = analysis.complaints(store, scope)
    say("Satisfaction")
    satisfaction = analysis.satisfaction(store, scope)
    hotline = None
    if may_open(scope.access, "calls") and store.holds_calls():
        say("Calls")
        hotline = (calls_view.calls_page(store, scope), calls_view.staffing(store, scope))
    say("Agents")
    board = scorecards_mod.scorecard(store, scope, "agent") if with_agents else None
    coach = scorecards_mod.needs_coaching(board, settings) if board is not None \
        else pl.DataFrame({"agent": []}, schema={"agent": pl.String})
    say("QA")
    checks = qa.qa_view(store, scope) if with_qa else None
    drafts: list[tuple[str, str, list[Item]] | None] = [
        ("kpis", t("review_s_kpis", lang), _kpis(store, scope, view, lang)),
        ("response", t("response_page", lang), _response(response, settings, lang)),
        ("resolution", t("resolution_page", lang), _resolution(resolution, lang)),
        ("complaints", t("complaints_page", lang), _complaints(complaints, settings, lang)),
        ("satisfaction", t("satisfaction_page", lang), _satisfaction(satisfaction, lang)),
        ("calls", t("calls_page", lang), _calls(*hotline, settings, lang))
        if hotline is not None else None,
        ("agents", t("agents_page", lang), _agents(board, coach, settings, lang))
        if board is not None else None,
        ("qa", t("qa_page", lang), _qa(checks, lang)) if checks is not None else None,
        ("actions", t("review_s_actions", lang),
         _actions(view.cards, complaints.frames["pareto"], coach, lang,
                  scorecards_mod.process_actions(board, settings) if board is not None else (),
                  *((pdca.tracked(store, scope), pdca.proposals(store, scope, trend=view.trend))
                    if may_open(scope.access, "actions") else ()))),
    ]
    sections = tuple(_numbered(n, key, title, items) for n, (key, title, items)
                     in enumerate((d for d in drafts if d is not None), start=1))
    return Pack(filters=filters, lang=lang, generated=site_now(settings),
                latest=store.latest_day(), demo=store.is_demo(),
                sections=sections)


def quiet(_message: str) -> None:
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


@dataclass(frozen=True)
class Compared:
    """A comparison column pair of the KPI table: the values of the compared period (by
    metric id) under `value_head`, the change under `change_head`."""

    value_head: str
    change_head: str
    values: dict[str, float | None]


def kpi_table(cards: Sequence[Card], lang: str, compared: Sequence[Compared] = (),
              mode: str | None = None) -> tuple[pl.DataFrame, dict[str, list[int]]]:
    """The Overview cards as rows: value, target, status, then for each comparison (the
    cards' own previous period when none is given, named by its `mode`) its value and the
    change, and n."""
    previous = t("review_previous", lang) + (f" · {t(f'vs_{mode}', lang)}" if mode else "")
    pairs = list(compared) or [Compared(
        previous, t("review_change", lang),
        {card.metric.id: card.previous.value for card in cards})]
    rows = []
    tones: dict[str, list[int]] = {t("status", lang): []}
    tones.update({pair.change_head: [] for pair in pairs})
    for card in cards:
        metric = card.metric
        now = card.current.value
        status = "—" if card.target is None else {
            True: t("met", lang), False: t("missed", lang), None: t("no_data", lang),
        }[card.on_target]
        n = card.current.denominator if metric.unit == "fraction" else None
        row = {
            t("indicator", lang): metric.name(lang),
            t("this_period", lang): formatting.value(metric, now, lang),
            t("target", lang): card_words.goal_text(card, lang),
            t("status", lang): status,
        }
        tones[t("status", lang)].append({True: 1, False: -1, None: 0}[card.on_target]
                                        if card.target is not None else 0)
        for pair in pairs:
            before = pair.values.get(metric.id)
            change = formatting.change(metric, now, before, lang)
            row[pair.value_head] = formatting.value(metric, before, lang)
            row[pair.change_head] = change or "—"
            tones[pair.change_head].append(_change_tone(metric, now, before, change))
        row["n"] = "—" if n is None else f"{int(n):,}"
        rows.append(row)
    return pl.DataFrame(rows), tones


def _change_tone(metric: catalog.Metric, now: float | None, before: float | None,
                 change: str | None) -> int:
    """A change cell's tone: 0 when there is none or it shows as zero, else its direction."""
    return 0 if change is None or _ZERO.match(change) else _direction(metric, now, before)


def _direction(metric: catalog.Metric, now: float | None, before: float | None) -> int:
    """1 when the change is an improvement, -1 when it is a deterioration."""
    if now is None or before is None or now == before or metric.higher_is_better is None:
        return 0
    better = now > before if metric.higher_is_better else now < before
    return 1 if better else -1


def comparisons(store: Store, scope: Scope, ids: Sequence[str], lang: str
                ) -> tuple[tuple[Compared, Compared], tuple[Filters, Filters]]:
    """环比 and 同比 of the KPIs: the values of the previous calendar period and of the same
    period a year earlier, and those two periods."""
    made, periods = [], []
    for mode in ("mom", "yoy"):
        before = scope.compared(mode).previous()
        values = queries.kpis(store, before, tuple(ids))
        made.append(Compared(t(f"review_{mode}", lang), t(f"review_{mode}_change", lang),
                             {m: v.value for m, v in values.items()}))
        periods.append(before.filters)
    return (made[0], made[1]), (periods[0], periods[1])


def _kpis(store: Store, scope: Scope, view: overview.Overview, lang: str) -> list[Item]:
    pairs, (mom, yoy) = comparisons(store, scope, [c.metric.id for c in view.cards], lang)
    frame, tones = kpi_table(view.cards, lang, pairs)
    return [
        _table("kpi-summary", t("headline", lang), frame, tones=tones, size=KPI_PT),
        Note(t("review_kpi_note", lang, now=f"{view.filters.date_from} – {view.filters.date_to}",
               mom=f"{mom.date_from} – {mom.date_to}", yoy=f"{yoy.date_from} – {yoy.date_to}")),
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
               now=formatting.percent(rate.current.value), pp=f"{change * 100:+.2f}",
               vs=formatting.compared_words(page.filters, lang))),
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


def _calls(page: calls_view.CallsPage, staffing: pl.DataFrame, settings: Settings,
           lang: str) -> list[Item]:
    """话务: the hotline's KPIs, the daily trend, the queues and the short-staffed intervals."""
    if page.empty:
        return [Note(t("review_no_data", lang))]
    frame, tones = kpi_table(page.cards, lang, mode=page.filters.comparison)
    items: list[Item] = [
        _table("calls-kpis", t("headline", lang), frame, tones=tones, size=KPI_PT),
        _figure("calls-daily", t("calls_daily", lang),
                charts.calls_daily(page.trend, settings.target("service_level_rate"), lang)),
        _table("calls-by-queue", t("calls_queues", lang),
               tables.metric_table(page.queues, "queue", calls_view.BY_QUEUE, lang,
                                   with_n=("answer_rate", "service_level_rate"))),
    ]
    short = staffing.filter(pl.col("short"))
    if short.is_empty():
        items.append(Note(t("staffing_short", lang, n=0, all=staffing.height)))
    else:
        worst = short.with_columns((pl.col("needed") - pl.col("seen")).alias("gap")) \
            .sort("gap", descending=True).head(12).sort("weekday", "slot")
        items += [_table("calls-short-staffed", t("staffing_title", lang),
                         tables.staffing_table(worst, lang)),
                  Note(t("staffing_short", lang, n=short.height, all=staffing.height)
                       + " " + t("review_staffing_note", lang))]
    return items


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
                        tables.qa_segment_table(view, "team", lang)))
    offenders = view.repeat_offenders
    if offenders.height:
        items.append(_table("qa-repeat-offenders", t("qa_repeat_title", lang),
                            tables.qa_offenders_table(offenders, lang)))
    return items


def process_issue(action: scorecards_mod.ProcessAction, lang: str,
                  value: float | None = None) -> str:
    """A target the whole scope misses, as one issue: its size (the card's `value` when the
    KPI table shows one, so that the two agree) and the agents' spread."""
    metric = catalog.get(action.metric_id)
    shown = partial(formatting.value, metric, lang=lang)
    now = action.value if value is None else value
    gap = action.gap if value is None else max(0.0, scorecards_mod.shortfall(
        action.metric_id, value, action.target))
    return t("review_issue_process", lang, metric=metric.name(lang), value=shown(now),
             target=shown(action.target), gap=tables.gap_text(metric, gap, lang),
             low=shown(action.lowest), high=shown(action.highest), short=action.agents_short,
             n=action.agents)


def action_rows(cards: Sequence[Card], pareto: pl.DataFrame, coach: pl.DataFrame,
                lang: str, process: Sequence[scorecards_mod.ProcessAction] = ()
                ) -> pl.DataFrame:
    """Issues to act on (KPIs off target, each a process action with the agents' spread when
    the whole scope misses it, the main complaint categories, agents to coach), with empty
    cells for the action, the owner and the date, to fill in at the review."""
    by_metric = {a.metric_id: a for a in process}
    issues = [process_issue(by_metric[c.metric.id], lang, c.current.value)
              if c.metric.id in by_metric
              else t("review_issue_kpi", lang, metric=c.metric.name(lang),
                     value=formatting.value(c.metric, c.current.value, lang),
                     target=card_words.goal_text(c, lang))
              for c in cards if c.target is not None and c.on_target is False]
    shown = {c.metric.id for c in cards if c.target is not None and c.on_target is False}
    issues += [process_issue(a, lang) for a in process if a.metric_id not in shown]
    vital = pareto.filter(pl.col("cumulative").shift(1, fill_value=0.0) < 0.8) \
        .head(ACTION_CATEGORIES) if pareto.height else pareto
    for row in vital.iter_rows(named=True):
        name = label("category", row["category"], lang) if row["category"] \
            else t("unclassified", lang)
        issues.append(t("review_issue_category", lang, category=name,
                        n=f"{int(row['complaints']):,}", share=formatting.percent(row["share"])))
    if coach.height:
        names = list_sep(lang).join(coach["agent"].head(COACHED_IN_DETAIL).to_list())
        more = "…" if coach.height > COACHED_IN_DETAIL else ""
        issues.append(t("review_issue_coach", lang, n=coach.height, agents=names + more))
    columns = ("review_col_issue", "review_col_action", "review_col_owner", "review_col_due")
    return pl.DataFrame([[i, "", "", ""] for i in issues],
                        schema=dict.fromkeys((t(c, lang) for c in columns), pl.String),
                        orient="row")


def _actions(cards: Sequence[Card], pareto: pl.DataFrame, coach: pl.DataFrame,
             lang: str, process: Sequence[scorecards_mod.ProcessAction] = (),
             followed: Sequence[pdca.Tracked] = (),
             signals: Sequence[pdca.Proposal] = ()) -> list[Item]:
    """The PDCA page: the actions this review follows (before and after), then the issues to
    act on, the numbers' proposals among them, with cells to fill in at the review."""
    items: list[Item] = []
    if followed:
        tones = []
        for f in followed:
            metric = catalog.get(f.action.metric_id) if f.action.metric_id else None
            tones.append(0 if metric is None else _change_tone(
                metric, f.after, f.before, formatting.change(metric, f.after, f.before, lang)))
        items += [Note(t("review_pdca_note", lang)),
                  _table("pdca", t("review_pdca", lang), tables.pdca_table(followed, lang),
                         keys=2, tones={t("review_change", lang): tones}, size=8.0)]
    rows = action_rows(cards, pareto, coach, lang, process)
    extra = [tables.proposal_text(p, lang) for p in signals if p.kind == "signal"]
    if extra:
        rows = pl.concat([rows, pl.DataFrame([[e, "", "", ""] for e in extra],
                                             schema=rows.schema, orient="row")])
    return [*items, Note(t("review_actions_note", lang)),
            replace(_table("actions", t("review_s_actions", lang), rows, size=9.5),
                    stretch=(0, 3, 1, 1), row_height=11)]


# --- render: each chart once ------------------------------------------------------------------

def render(pack: Pack, *, svg: bool = False, progress: Progress | None = None) -> None:
    """Render every chart of the pack to PNG at 2x (and SVG), once: later calls reuse them."""
    say = progress or quiet
    todo = [f for f in pack.figures if f.number not in pack.png
            or (svg and f.number not in pack.svg)]
    if todo:
        say(f"rendering {len(todo)} charts" + (" (PNG and SVG)" if svg else ""))
    for figure in todo:
        if figure.number not in pack.png:
            pack.png[figure.number] = exports.chart_png(figure.shown, pack.scope, scale=2)
        if svg and figure.number not in pack.svg:
            pack.svg[figure.number] = exports.chart_svg(figure.shown, pack.scope)
