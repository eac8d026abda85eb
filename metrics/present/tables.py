"""Breakdown tables as people read them: a segment column in words, metrics in their units."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Final

import polars as pl

from metrics.core import catalog
from metrics.core.settings import Settings
from metrics.present import formatting
from metrics.present.memo import remembering
from metrics.present.words import column_label, label, list_sep, t, times_sign, weekday
from metrics.views import qa
from metrics.views.improvement import Proposal, Tracked
from metrics.views.scorecards import CoachingPoint, ProcessAction, wilson


def segment_words(df: pl.DataFrame, column: str, lang: str,
                  vocabulary: str | None = None, none: str = "unclassified") -> pl.Series:
    """A segment column in the UI's words; missing values read 未分类 / Unclassified."""
    def word(code: object) -> str:
        if code is None or code == "__none__":
            return t(none, lang)
        return label(vocabulary, str(code), lang) if vocabulary else str(code)

    return each(df[column], word, skip_nulls=False)


def _formatted(values: pl.Series, metric: catalog.Metric, lang: str) -> pl.Series:
    return pl.Series([formatting.value(metric, v, lang) for v in values.to_list()],
                     dtype=pl.String)


def metric_table(df: pl.DataFrame, by: str, metric_ids: Sequence[str], lang: str,
                 vocabulary: str | None = None, with_n: Sequence[str] = (),
                 none: str = "unclassified") -> pl.DataFrame:
    """One row per segment: its name, then each metric formatted, with n after the rates named."""
    columns: dict[str, pl.Series] = {
        column_label(by, lang) if by != "dimension" else t("dimension", lang):
        segment_words(df, by, lang, vocabulary, none),
    }
    for metric_id in metric_ids:
        metric = catalog.get(metric_id)
        columns[metric.name(lang)] = _formatted(df[metric_id], metric, lang)
        if metric_id in with_n:
            columns[f"{metric.name(lang)} n"] = df[f"{metric_id}__den"].fill_null(0).cast(
                pl.Int64)
    return pl.DataFrame(columns)


def durations(df: pl.DataFrame, column: str, title: str, lang: str) -> pl.Series:
    """A seconds column as words (3小时20分), titled."""
    return each(df[column], lambda v: formatting.duration(v, lang),
                skip_nulls=False).alias(title)


def _pp(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:+.2f}"


def moved_table(df: pl.DataFrame, by: str, lang: str) -> pl.DataFrame:
    """The change in complaint rate by segment, with a total row showing the parts add up."""
    vocabulary = {"category": "category", "channel": "channel"}.get(by)
    pp = t("pp", lang)
    out = pl.DataFrame({
        column_label(by, lang): segment_words(df, by, lang, vocabulary),
        t("complaints_before", lang): df["complaints_before"].cast(pl.Int64),
        t("complaints_now", lang): df["complaints_now"].cast(pl.Int64),
        t("tickets_before", lang): df["tickets_before"].cast(pl.Int64),
        t("tickets_now", lang): df["tickets_now"].cast(pl.Int64),
        f"{t('contribution', lang)} ({pp})": each(df["contribution"],
            _pp, skip_nulls=False),
        f"{t('mix_effect', lang)} ({pp})": each(df["mix"],
            _pp, skip_nulls=False),
        f"{t('rate_effect', lang)} ({pp})": each(df["rate"],
            _pp, skip_nulls=False),
    })
    if by == "category":  # complaints split by category: ticket counts would repeat them
        out = out.drop(t("tickets_before", lang), t("tickets_now", lang))
    if df.is_empty():
        return out
    counts = ["complaints_before", "complaints_now"] + (
        [] if by == "category" else ["tickets_before", "tickets_now"])
    effects = [_pp(float(df[c].sum())) if df[c].null_count() < df.height else "—"
               for c in ("contribution", "mix", "rate")]
    row = [t("total", lang), *(int(df[c].sum()) for c in counts), *effects]
    total = pl.DataFrame([row], schema=out.schema, orient="row")
    return pl.concat([out, total])


def themes_table(df: pl.DataFrame, lang: str) -> pl.DataFrame:
    """Comment themes, lowest mean score first: word, comments, mean score, share scoring 1-2,
    and an example comment when the frame has one (a role without rows gets none)."""
    return pl.DataFrame({
        t("theme", lang): df["theme"],
        t("comments", lang): df["comments"].cast(pl.Int64),
        t("mean_score_short", lang): each(df["mean_score"],
            lambda v: f"{v:.2f}", skip_nulls=False).fill_null("—"),
        t("low_share", lang): each(df["low_share"],
            formatting.percent, skip_nulls=False),
    } | ({t("example", lang): df["example"]} if "example" in df.columns else {}))


def catalog_table(lang: str, settings: Settings | None = None,
                  public: bool | None = True) -> pl.DataFrame:
    """The metric catalog from its declarations: one row per metric, targets as in force."""
    settings = settings or Settings()
    zh = lang == "zh"
    rows = []
    for m in catalog.METRICS:
        if public is not None and m.public != public:
            continue
        direction = {True: "越高越好" if zh else "higher is better",
                     False: "越低越好" if zh else "lower is better",
                     None: "—"}[m.higher_is_better]
        if m.target_kind == "channel_standard":
            goal = t("channel_target", lang)
        elif m.target_metric:
            goal = "严重违规 = 0" if zh else "0 severe"
        else:
            goal = formatting.target(m, settings.target(m.id), lang)
        rows.append({"id": m.id, "name": m.name(lang), "formula": m.formula(lang),
                     "unit": t(f"unit_{m.unit}", lang), "direction": direction,
                     "target": goal, "notes": m.note(lang)})
    return pl.DataFrame(rows, schema=dict.fromkeys(
        ("id", "name", "formula", "unit", "direction", "target", "notes"), pl.String))


# --- agent and team scorecards ---

SCORECARD_SHOWN: Final[tuple[str, ...]] = (
    "agent_composite", "tickets", "first_response_median_s", "resolution_median_s",
    "response_within_standard_rate", "resolution_rate", "fcr_rate", "reopen_rate", "csat",
    "mean_score", "qa_score_mean", "inspections", "minor_violations", "moderate_violations",
    "severe_violations", "calls_answered", "aht_s",
)
# Shown only when someone in the table answered a call (a ticket-only site has no hotline).
CALL_COLUMNS: Final[tuple[str, ...]] = ("calls_answered", "aht_s")
# Indicators whose cell is compared with the team's (counts are not: teams differ in size).
COMPARED: Final[frozenset[str]] = frozenset(
    m for m in SCORECARD_SHOWN if catalog.get(m).kind != "count"
)


def _interval_text(low: float | None, high: float | None) -> str:
    if low is None or high is None:
        return "—"
    return f"{low * 100:.1f}–{high * 100:.1f}%"


def unranked_reason(row: dict[str, object], settings: Settings, lang: str) -> str:
    """Why a row has no rank: too few tickets, too few scored answers, or no data at all."""
    tickets = int(row.get("tickets") or 0)  # type: ignore[call-overload]
    answers = int(row.get("csat__den") or 0)  # type: ignore[call-overload]
    if tickets < settings.rank_min_tickets:
        return t("few_tickets", lang, n=tickets, min=settings.rank_min_tickets)
    if settings.agent_weights.get("csat", 0) > 0 and answers < settings.rank_min_answers:
        return t("few_answers", lang, n=answers, min=settings.rank_min_answers)
    return t("no_composite", lang)


def scorecard_table(df: pl.DataFrame, lang: str, settings: Settings,
                    level: str = "agent") -> pl.DataFrame:
    """The scorecard as people read it: rank (or why not), who, team, each indicator in its
    unit, CSAT with its 95% interval and n, and the team's composite beside the agent's."""
    composite = catalog.get("agent_composite")
    columns: dict[str, pl.Series | list[object]] = {
        t("rank", lang): df["rank"],
        column_label(level, lang): df[level],
    }
    if level == "agent":
        columns[column_label("team", lang)] = df["team"]
    with_calls = bool(df["calls_answered"].fill_null(0).sum()) if "calls_answered" in df.columns \
        else False
    for metric_id in SCORECARD_SHOWN:
        if metric_id in CALL_COLUMNS and not with_calls:
            continue
        metric = catalog.get(metric_id)
        columns[metric.name(lang)] = df[metric_id].fill_null(0).cast(pl.Int64) \
            if metric.kind == "count" else _formatted(df[metric_id], metric, lang)
        if metric_id == "agent_composite" and level == "agent":
            columns[t("team_composite", lang)] = _formatted(df["team__agent_composite"],
                                                            composite, lang)
        if metric_id == "csat":
            columns[t("csat_interval", lang)] = [
                _interval_text(lo, hi) for lo, hi in zip(df["csat_low"].to_list(),
                                                         df["csat_high"].to_list(), strict=True)]
            columns[t("csat_n", lang)] = df["csat__den"].fill_null(0).cast(pl.Int64)
    columns[t("ranking_note", lang)] = [
        "" if row["ranked"] else unranked_reason(row, settings, lang)
        for row in df.iter_rows(named=True)]
    return pl.DataFrame(columns)


# Below these a difference from the team is not shaded: noise, or too small to act on.
# (Rates use their 95% interval instead.)
SHADE_MARGIN: Final[dict[str, float]] = {
    "seconds": 0.10,  # relative: 10% faster or slower
    "points": 2.0,  # QA score points
    "score": 0.1,  # mean score on 1-5
    "fraction": 0.01,  # the composite: one percentage point
}


def team_comparison(df: pl.DataFrame, lang: str) -> dict[str, list[int]]:
    """Per shown column, each agent against their team: 1 better, -1 worse, 0 when the gap is
    within noise (a rate's 95% interval holds the team's value) or below SHADE_MARGIN."""
    out: dict[str, list[int]] = {}
    for metric_id in SCORECARD_SHOWN:
        if metric_id not in COMPARED or f"team__{metric_id}" not in df.columns:
            continue
        metric = catalog.get(metric_id)
        ratio = metric.kind == "ratio" and f"{metric_id}__den" in df.columns
        signs = []
        for row in df.iter_rows(named=True):
            mine, team = row[metric_id], row[f"team__{metric_id}"]
            signs.append(_versus(metric, mine, team,
                                 wilson(row[f"{metric_id}__num"], row[f"{metric_id}__den"])
                                 if ratio else None))
        out[metric.name(lang)] = signs
    return out


def _versus(metric: catalog.Metric, mine: float | None, team: float | None,
            interval: tuple[float | None, float | None] | None) -> int:
    if mine is None or team is None:
        return 0
    if interval is not None:
        low, high = interval
        if low is None or high is None or low <= team <= high:
            return 0
    else:
        margin = SHADE_MARGIN.get(metric.unit, 0.0)
        gap = abs(mine - team) / abs(team) if metric.unit == "seconds" and team else \
            abs(mine - team)
        if gap < margin:
            return 0
    better = mine > team if metric.higher_is_better else mine < team
    return 1 if better else -1


def coaching_lines(points: Sequence[CoachingPoint], lang: str) -> list[str]:
    """Coaching points as sentences: 满意率 84.0%，明显差于同伴 91.0%，差 7.0 个百分点（n = 812），
    超出控制限 2.1σ; then what is short of target within the peers' noise."""
    lines = []
    for p in points:
        metric = catalog.get(p.metric_id)
        if p.metric_id == "severe_violations" and p.against == "peers":
            line = t("coach_severe", lang, metric=metric.name(lang), value=f"{p.value:,.0f}",
                     reference=f"{p.reference:,.1f}")
        else:
            key = {"target": "coach_target", "team": "coach_team", "peers": "coach_peers"}
            line = t(key[p.against], lang, metric=metric.name(lang),
                     value=formatting.value(metric, p.value, lang),
                     reference=formatting.value(metric, p.reference, lang),
                     gap=gap_text(metric, p.gap, lang))
        if p.n is not None and (metric.kind == "ratio" or p.metric_id == "severe_violations"):
            line += f"（n = {p.n:,}）" if lang == "zh" else f" (n = {p.n:,})"
        if p.beyond is not None:
            line += t("coach_beyond", lang, sigma=f"{p.beyond:.1f}")
        if not p.clear:
            line += t("coach_noise", lang)
        lines.append(line)
    return lines


def gap_text(metric: catalog.Metric, gap: float, lang: str) -> str:
    if metric.unit == "fraction":
        return f"{gap * 100:.1f}{' 个百分点' if lang == 'zh' else ' pp'}"
    if metric.unit == "seconds":
        return formatting.duration(gap, lang)
    if metric.unit == "count":
        return f"{round(gap)}"
    return f"{gap:.1f}"


def coaching_table(df: pl.DataFrame, lang: str) -> pl.DataFrame:
    """The agents to coach, furthest beyond the limits first, with what they are flagged on."""
    sep = "、" if lang == "zh" else ", "
    return pl.DataFrame({
        column_label("agent", lang): df["agent"],
        column_label("team", lang): df["team"],
        t("beyond_limits", lang): ["—" if v is None else f"{v:.1f}"
                                   for v in df["beyond"].to_list()],
        catalog.get("severe_violations").name(lang): df["severe_violations"],
        t("coached_indicators", lang): df["below_team"],
        t("coach_on", lang): [sep.join(catalog.get(m).name(lang) for m in text.split(","))
                              for text in df["metrics"].to_list()],
    }, schema={column_label("agent", lang): pl.String, column_label("team", lang): pl.String,
               t("beyond_limits", lang): pl.String,
               catalog.get("severe_violations").name(lang): pl.Int64,
               t("coached_indicators", lang): pl.Int64, t("coach_on", lang): pl.String})


def process_table(actions: Sequence[ProcessAction], lang: str) -> pl.DataFrame:
    """Targets the whole scope misses: the indicator, its value and target, the gap and the
    agents' spread (lowest to highest, how many of them are short)."""
    rows = []
    for a in actions:
        metric = catalog.get(a.metric_id)
        rows.append({
            t("indicator", lang): metric.name(lang),
            t("this_period", lang): formatting.value(metric, a.value, lang),
            t("target", lang): formatting.value(metric, a.target, lang),
            t("process_gap", lang): gap_text(metric, a.gap, lang),
            t("process_spread", lang): f"{formatting.value(metric, a.lowest, lang)} – "
                                       f"{formatting.value(metric, a.highest, lang)}",
            t("process_short", lang): f"{a.agents_short} / {a.agents}",
        })
    columns = ("indicator", "this_period", "target", "process_gap", "process_spread",
               "process_short")
    return pl.DataFrame(rows, schema=dict.fromkeys((t(c, lang) for c in columns), pl.String))


def pareto_table(pareto: pl.DataFrame, lang: str) -> pl.DataFrame:
    """The Complaints page's Pareto table: category, complaints, share, cumulative, on time."""
    shown = metric_table(pareto, "category",
                                ["complaints", "complaint_closed_within_limit_rate"], lang,
                                "category")
    shown.insert_column(2, each(pareto["share"], formatting.percent)
                        .alias(t("share", lang)))
    shown.insert_column(3, each(pareto["cumulative"], formatting.percent)
                        .alias(t("cumulative", lang)))
    return shown


def agent_kpi_table(row: dict[str, Any], settings: Settings, lang: str) -> pl.DataFrame:
    """One agent's indicators beside the team's and the target, with where each stands."""
    out = []
    with_calls = bool(row.get("calls_answered"))  # an agent of the hotline
    for metric_id in SCORECARD_SHOWN:
        if metric_id in CALL_COLUMNS and not with_calls:
            continue
        metric = catalog.get(metric_id)
        mine, team = row.get(metric_id), row.get(f"team__{metric_id}")
        # No target for the per-channel standard; violations' target is on severe items,
        # which have their own row.
        goal = None if metric.target_kind == "channel_standard" or metric.target_metric \
            else settings.target(metric_id)
        out.append({
            t("indicator", lang): metric.name(lang),
            t("this_agent", lang): formatting.value(metric, mine, lang),
            t("team_average", lang): formatting.value(metric, team, lang),
            t("target", lang): formatting.target(metric, goal, lang),
            t("status", lang): _standing(metric, mine, team, goal, lang),
        })
    return pl.DataFrame(out)


def _standing(metric: catalog.Metric, mine: float | None, team: float | None,
              goal: float | None, lang: str) -> str:
    meets = catalog.meets(metric, mine, goal)
    parts = []
    if meets is not None:
        # Words, no emoji: the table's canvas has no colour-emoji font on most intranet PCs.
        parts.append(t("met", lang) if meets else t("missed", lang))
    if metric.kind != "count" and mine is not None and team is not None:
        better = catalog.meets(metric, mine, team)
        parts.append(t("vs_team_better", lang) if better else t("vs_team_worse", lang))
    return " · ".join(parts)


# --- rows as people read them (drill-downs, QA items) -------------------------------------------

_CODED: Final[tuple[str, ...]] = (
    "channel", "request_type", "category", "priority", "status", "survey_channel",
    "violation_category", "severity",
)
# A call's coded columns and their vocabularies.
_CALL_CODED: Final[dict[str, str]] = {"outcome": "call_outcome", "direction": "call_direction"}


def each(series: pl.Series, fn: Callable[[Any], str | None], *,
         skip_nulls: bool = True) -> pl.Series:
    """`fn` over a column's values as text, in this thread, never on polars' thread pool.
    map_elements runs Python there (eager or in an expression), which needs the GIL; polars'
    to_pandas (st.dataframe of a polars frame) waits on that pool holding the GIL: with
    twenty sessions both met and the whole server hung (polars 2.1)."""
    return pl.Series(series.name, [None if v is None and skip_nulls else fn(v)
                                   for v in series.to_list()], dtype=pl.String)


def _worder(vocabulary: str, lang: str) -> Callable[[str | None], str]:
    return lambda code: label(vocabulary, code, lang)


@remembering(32)  # a drill-down's rows (up to its cap) come back on every rerun
def presentable(df: pl.DataFrame, lang: str) -> pl.DataFrame:
    """Rows as people read them: words for codes, durations in words, labelled headers."""
    exprs: list[pl.Expr | pl.Series] = []
    for column in df.columns:
        if column in _CODED:
            exprs.append(each(df[column], _worder(column, lang)))
        elif column in _CALL_CODED:
            exprs.append(each(df[column], _worder(_CALL_CODED[column], lang)))
        elif column in ("frt_s", "res_s", "wait_s", "talk_s", "hold_s", "acw_s", "handle_s"):
            exprs.append(each(df[column], lambda v: formatting.duration(v, lang)))
        elif column == "_counted":
            exprs.append(pl.col(column).replace_strict({True: "✓", False: "✗"}, default=None,
                                                      return_dtype=pl.String))
    shown = df.with_columns(exprs) if exprs else df
    return shown.rename({c: column_label(c, lang) for c in df.columns})


# --- QA tables (the QA page, One agent, the review pack) ----------------------------------

def qa_segment_table(view: qa.QaView, by: str, lang: str) -> pl.DataFrame:
    """Per team or agent: inspections (the n), QA score mean, violations, severe, clean share."""
    df = view.by_team if by == "team" else view.by_agent.sort("team", "agent", nulls_last=True)
    df = df.filter(pl.col("inspections") > 0)
    shown = metric_table(df, by, qa.BY_METRICS, lang)
    if by == "agent":
        words = df["team"].fill_null(t("unclassified", lang)).alias(column_label("team", lang))
        shown.insert_column(1, words)
    return shown


def _categories(entries: list[dict[str, object]] | None, lang: str) -> str:
    """[{key: attitude, value: 3}, …] -> 服务态度恶劣×3、误导客户×1, most items first."""
    pairs = sorted(((str(e["key"]), int(str(e["value"]))) for e in entries or ()),
                   key=lambda kv: (-kv[1], kv[0]))
    return list_sep(lang).join(f"{label('violation_category', k, lang)}{times_sign(lang)}{n}"
                               for k, n in pairs)


def qa_offenders_table(agents: pl.DataFrame, lang: str) -> pl.DataFrame:
    """Repeat offenders (or any agents with violations) with their record in numbers."""
    return pl.DataFrame({
        column_label("agent", lang): agents["agent"],
        column_label("team", lang): agents["team"].fill_null(t("unclassified", lang)),
        t("qa_inspections_with", lang): agents["inspections_with_violations"].cast(pl.Int64),
        catalog.get("inspections").name(lang): agents["inspections"].cast(pl.Int64),
        catalog.get("violations").name(lang): agents["violation_items"].cast(pl.Int64),
        catalog.get("severe_violations").name(lang): agents["severe_items"].cast(pl.Int64),
        t("qa_latest", lang): agents["latest"].cast(pl.String),
        t("qa_categories", lang): pl.Series([_categories(c, lang)
                                             for c in agents["categories"].to_list()],
                                            dtype=pl.String),
    })


def qa_items_table(items: pl.DataFrame, lang: str, with_agent: bool = True) -> pl.DataFrame:
    """Violation items newest first: date, inspection, ticket, (agent, team), inspector, score,
    category and severity in words."""
    columns = ["inspection_id", "ticket_id", *(("agent", "team") if with_agent else ()),
               "inspector", "qa_score", "violation_category", "severity"]
    shown = presentable(items.select(columns), lang)  # shared (remembered): not changed here
    day = items["ts"].dt.strftime("%Y-%m-%d").alias(t("date", lang))
    return day.to_frame().hstack(shown)


def staffing_table(df: pl.DataFrame, lang: str) -> pl.DataFrame:
    """The staffing rows for people: weekday and half hour, mean calls and AHT, agents needed
    and the service level they would give, agents seen, and whether it ran short."""
    sl = catalog.get("service_level_rate")
    return pl.DataFrame({
        t("staffing_col_interval", lang): [
            f"{weekday(int(d), lang)} {formatting.slot_label(int(s))}"
            for d, s in zip(df["weekday"], df["slot"], strict=True)],
        t("staffing_col_calls", lang): each(df["calls"],
            lambda v: f"{v:,.1f}"),
        t("staffing_col_aht", lang): durations(df, "aht_s", "aht", lang),
        t("staffing_col_needed", lang): df["needed"],
        t("staffing_col_sl", lang): _formatted(df["service_level"], sl, lang),
        t("staffing_col_seen", lang): each(df["seen"],
            lambda v: f"{v:,.1f}"),
        t("staffing_col_short", lang): each(df["short"],
            lambda v: t("yes", lang) if v else ""),
    })


# --- improvement actions (PDCA) ---------------------------------------------------------

def pdca_table(rows: Sequence[Tracked], lang: str) -> pl.DataFrame:
    """The actions as people read them: number, action, owner, due date, KPI, baseline,
    before, after, change, status (and the result of a closed one)."""
    out = []
    for row in rows:
        a = row.action
        metric = catalog.get(a.metric_id) if a.metric_id else None
        change = formatting.change(metric, row.after, row.before, lang) if metric else None
        out.append({
            t("pdca_id", lang): f"#{a.id}",
            t("pdca_what", lang): a.what,
            t("pdca_owner", lang): a.owner,
            t("pdca_due", lang): "—" if a.due is None else a.due.isoformat(),
            t("pdca_metric", lang): metric.name(lang) if metric else "—",
            t("pdca_baseline", lang): f"{a.baseline_from} – {a.baseline_to}",
            t("pdca_before", lang): formatting.value(metric, row.before, lang) if metric else "—",
            t("pdca_after", lang): formatting.value(metric, row.after, lang) if metric else "—",
            t("review_change", lang): change or "—",
            t("pdca_status", lang): t(f"pdca_status_{a.status}", lang)
            + (f"：{a.result}" if lang == "zh" and a.result else
               f": {a.result}" if a.result else ""),
        })
    columns = ("pdca_id", "pdca_what", "pdca_owner", "pdca_due", "pdca_metric", "pdca_baseline",
               "pdca_before", "pdca_after", "review_change", "pdca_status")
    return pl.DataFrame(out, schema=dict.fromkeys((t(c, lang) for c in columns), pl.String))


def proposal_text(p: Proposal, lang: str) -> str:
    """A proposed action in words."""
    metric = catalog.get(p.metric_id)
    if p.kind == "process":
        return t("proposal_process", lang, metric=metric.name(lang),
                 value=formatting.value(metric, p.value, lang),
                 target=formatting.value(metric, p.target, lang), short=p.agents_short,
                 n=p.agents)
    shown = [d.isoformat()[5:] for d in p.buckets[:6]]
    days = list_sep(lang).join(shown) + ("…" if len(p.buckets) > len(shown) else "")
    return t("proposal_signal", lang, metric=metric.name(lang), days=days)
