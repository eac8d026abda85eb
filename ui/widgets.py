"""Drawing helpers: KPI cards, charts, tables and the drill-down, the same on every page."""

from __future__ import annotations

import copy
import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from typing import Any

import polars as pl
import streamlit as st
from streamlit.elements import vega_charts

from metrics.core import catalog
from metrics.core.filters import Filters
from metrics.core.hours import Schedule
from metrics.core.scope import Grain, auto_grain
from metrics.engine import audit
from metrics.engine.sql import BANDS
from metrics.present import cards as cards_words
from metrics.present import charts, exports, formatting
from metrics.present.charts import ChartSpec
from metrics.present.tables import presentable
from metrics.present.words import column_label, label, t, weekday
from metrics.views import analysis, control
from metrics.views import drill as drill_mod
from metrics.views.overview import Card
from ui import cached, frame
from ui.frame import PAGE_KEY, Context

ANONYMOUS = "(demo)"  # the audit trail's name for the operator of a store without sign-in


def _coloured(ok: bool, word: str) -> str:
    return f":green[{word}]" if ok else f":red[{word}]"


def _comparison() -> str:
    filters = frame.current().filters
    return filters.comparison if filters is not None else "prev"


def kpi_card(card: Card, lang: str) -> None:
    """A bordered card: value, change vs the previous period, target and its status."""
    m = card.metric
    cur, prev = card.current.value, card.previous.value
    delta = formatting.change(m, cur, prev, lang)
    color = {True: "normal", False: "inverse", None: "off"}[m.higher_is_better]
    spark = [v for v in card.sparkline if v is not None]
    with st.container(border=True):
        st.metric(
            label=m.name(lang),
            value=formatting.value(m, cur, lang),
            delta=delta,
            delta_color=color,  # type: ignore[arg-type]
            help=f"{m.formula(lang)}\n\n{m.note(lang)}".strip(),
            chart_data=spark if len(spark) > 1 else None,
            chart_type="area" if m.unit == "count" else "line",
            delta_description=t(f"vs_{_comparison()}", lang) if delta else None,
        )
        st.caption(cards_words.target_line(card, lang, mark=_coloured))



_VEGA: OrderedDict[int, tuple[ChartSpec, dict[str, Any]]] = OrderedDict()
_VEGA_LOCK = threading.Lock()
_VEGA_KEPT = 512


def _vega(spec: ChartSpec) -> dict[str, Any]:
    """The Vega-Lite dict (data as Arrow) Streamlit draws for this chart object, converted
    once: the charts module hands a rerun the very same object (`memo.by_content`), and the
    conversion (a schema check of the whole spec) is a third of drawing a chart. Kept with
    its chart, so an id is never reused while its entry lives."""
    with _VEGA_LOCK:
        kept = _VEGA.get(id(spec))
        if kept is not None and kept[0] is spec:
            _VEGA.move_to_end(id(spec))
            return copy.deepcopy(kept[1])  # Streamlit moves the data out of the dict it gets
    converted = vega_charts._convert_altair_to_vega_lite_spec(spec)  # st.altair_chart's own
    with _VEGA_LOCK:
        _VEGA[id(spec)] = (spec, converted)
        while len(_VEGA) > _VEGA_KEPT:
            _VEGA.popitem(last=False)
    return copy.deepcopy(converted)


def draw(spec: ChartSpec, key: str, *, pick: bool = False) -> Any:
    """st.altair_chart(spec, theme=None) without converting the same chart on every run; with
    `pick`, clicks select the chart's PICK segment and rerun (returns the selection)."""
    if pick:
        return st.vega_lite_chart(spec=_vega(spec), theme=None, width="stretch", key=key,
                                  on_select="rerun", selection_mode=[charts.PICK])
    return st.vega_lite_chart(spec=_vega(spec), theme=None, width="stretch", key=key)


def chart(spec: ChartSpec, key: str, *, covers: Filters | None = None) -> None:
    """Render a chart built in metrics.present.charts exactly as it exports (no Streamlit
    theme), with its PNG and SVG downloads. `covers`: the filters the chart covers when they are
    not the sidebar's (the One agent page's person)."""
    draw(spec, key)
    chart_downloads(spec, key, covers)


def who(ctx: Context) -> str:
    """The name the audit trail gives this session's user."""
    return ctx.user.name if ctx.user else ANONYMOUS


def audited(ctx: Context, make: Callable[[], bytes], view: str, *, rows: int | None,
            unmasked: bool = False, covers: Filters | None = None,
            detail: dict[str, object] | None = None) -> Callable[[], bytes]:
    """`make`, writing the export to the audit trail when it runs (on the click): who, which
    page and file, the filters (`covers`, else the sidebar's) and `detail` (a drill-down's
    segment), how many rows, whether names and phones were unmasked."""
    user, page, filters = who(ctx), st.session_state.get(PAGE_KEY, ""), covers or ctx.filters

    def made() -> bytes:
        data = make()
        audit.record(ctx.store, user=user, action="export", view=f"{page}/{view}",
                     filters=filters, detail=detail, rows=rows, unmasked=unmasked)
        return data

    return made


def _download(lang: str, what: str, make: Callable[[], bytes], file_name: str, mime: str,
              key: str, icon: str, *, rows: int | None = None, unmasked: bool = False,
              covers: Filters | None = None, detail: dict[str, object] | None = None) -> None:
    """A small download button whose file is made only when clicked (Streamlit runs `make` in
    a worker thread then), so drawing a page renders no image and writes no workbook. Every
    download is written to the audit trail."""
    make = audited(frame.current(), make, file_name, rows=rows, unmasked=unmasked,
                   covers=covers, detail=detail)
    st.download_button(t(f"download_{what}", lang), data=make, file_name=file_name, mime=mime,
                       key=key, icon=icon, type="tertiary", on_click="ignore",
                       help=t(f"download_{what}_help", lang))


def file_stem(key: str, filters: Filters | None) -> str:
    """pareto-2026-10-25-2026-11-23: what the file shows and when."""
    return f"{key}-{filters.date_from}-{filters.date_to}" if filters else key


def chart_downloads(spec: ChartSpec, key: str, covers: Filters | None = None) -> None:
    """PNG (2x) and SVG of this very chart object, rendered offline by vl-convert, titled
    with the period and filters it covers (the sidebar's unless `covers` is given)."""
    ctx = frame.current()
    filters = covers or ctx.filters
    subtitle = exports.scope_line(filters, ctx.lang) if filters else ""
    stem = file_stem(key, filters)
    with st.container(horizontal=True, gap="small", key=f"{key}_downloads"):
        _download(ctx.lang, "png", partial(exports.chart_png, spec, subtitle), f"{stem}.png",
                  "image/png", f"{key}_png", ":material/image:", covers=filters)
        _download(ctx.lang, "svg", partial(exports.chart_svg, spec, subtitle), f"{stem}.svg",
                  "image/svg+xml", f"{key}_svg", ":material/polyline:", covers=filters)


def cards(items: tuple[Card, ...], lang: str, per_row: int = 4) -> None:
    """KPI cards in rows."""
    for start in range(0, len(items), per_row):
        for column, item in zip(st.columns(per_row), items[start:start + per_row], strict=False):
            with column:
                kpi_card(item, lang)


def pickable(spec: ChartSpec, key: str, metric_id: str, page: str, *,
             covers: Filters | None = None) -> None:
    """A chart whose clicked segment opens the drill-down below with that segment; with its
    PNG and SVG downloads."""
    event = draw(spec, key, pick=True)
    chart_downloads(spec, key, covers)
    chosen = picked(event)
    if chosen is not None and st.session_state.get(f"_{key}_last") != chosen:
        st.session_state[f"_{key}_last"] = chosen
        st.session_state[f"{page}_drill_metric"] = metric_id
        st.session_state[f"{page}_drill_segment"] = chosen
        st.session_state[f"{page}_drill_dim"] = None
        st.session_state.pop(f"{page}_drill_by_dim", None)


def picked(event: object) -> dict[str, object] | None:
    try:
        chosen = event["selection"][charts.PICK]  # type: ignore[index]
    except (KeyError, TypeError):
        return None
    if isinstance(chosen, list):
        chosen = chosen[0] if chosen else None
    if not isinstance(chosen, dict) or not chosen:
        return None
    return {k: _bucket_day(v) if k == "bucket" else (None if v == "__none__" else v)
            for k, v in chosen.items() if not str(k).startswith("_vgsid")}


def _bucket_day(value: object) -> object:
    """A picked time bucket: Vega gives epoch milliseconds (UTC midnight); the drill-down's
    segment is the day."""
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value / 1000, tz=UTC).date().isoformat()
    return value


def trend_limits(ctx: Context, trend: pl.DataFrame, metric_id: str,
                 grain: Grain) -> pl.DataFrame:
    """The metric's control limits on this trend (metrics.views.control), for the chart."""
    return control.for_scope(trend, metric_id, ctx.scope(grain=grain))


def control_caption(limits: pl.DataFrame, metric_id: str, grain: Grain, lang: str) -> None:
    """Under a trend: how many points are outside its control limits, and which chart."""
    if limits.is_empty() or limits["high"].is_null().all():
        st.caption(t("control_few", lang, n=control.MIN_POINTS))
        return
    if control.chart_kind(metric_id) == "p":
        st.caption(t("control_caption_p", lang, n=control.signals(limits)))
        return
    daily = grain == "day" and catalog.get(metric_id).unit == "count"
    st.caption(t("control_caption_xmr", lang, n=control.signals(limits),
                 weekday=t("control_weekday", lang) if daily else ""))


def segment_text(segment: dict[str, object], lang: str) -> str:
    """channel = 电话 · hour = 9, in the UI's words; as Markdown, the data's values escaped."""
    parts = []
    for column, value in segment.items():
        if column in ("frt_band", "res_band", "age_band") and value is not None:
            words = charts.band_label(int(str(value)), BANDS[column], lang) \
                if column != "age_band" else t(f"age_{int(str(value))}", lang)
        elif column == "weekday" and value is not None:
            words = weekday(int(str(value)), lang)
        elif column == "slot" and value is not None:
            words = formatting.slot_label(int(str(value)))
        elif column == "bucket":
            words = str(value)[:10]
        else:
            words = formatting.plain(label(column, str(value), lang)) \
                if value is not None else t("unclassified", lang)
        name = column_label(column, lang) if column in DIMENSIONS \
            else t("seg_" + column, lang)
        parts.append(f"{name} = {words}")
    return " · ".join(parts)


DIMENSIONS = ("channel", "team", "agent", "category", "priority", "product", "request_type",
              "score", "queue")


def drill_panel(ctx: Context, page: str, metric_ids: tuple[str, ...], grain: Grain,
                dimensions: tuple[str, ...] = ("channel", "team", "agent", "priority",
                                               "category")) -> None:
    """The tickets (or surveys) behind a KPI, under the filters plus a chosen segment."""
    lang = ctx.lang
    assert ctx.filters is not None
    if not rows_allowed(ctx, t("drill_title", lang)):
        return
    seg_key, metric_key, dim_key = (f"{page}_drill_segment", f"{page}_drill_metric",
                                    f"{page}_drill_dim")
    drillable = [m for m in metric_ids if catalog.get(m).drillable]
    if st.session_state.get(metric_key) not in drillable:
        st.session_state[metric_key] = drillable[0]
    st.subheader(t("drill_title", lang), anchor="drill")
    left, middle, right = st.columns([2, 1, 1])
    metric_id = left.selectbox(t("drill_metric", lang), drillable, key=metric_key,
                               format_func=lambda m: catalog.get(m).name(lang))
    dim = middle.selectbox(t("drill_dimension", lang), [None, *dimensions], key=dim_key,
                           format_func=lambda d: t("drill_any", lang) if d is None
                           else column_label(d, lang))
    chosen_by_dim = f"{page}_drill_by_dim"
    if dim is None and st.session_state.pop(chosen_by_dim, False):
        st.session_state.pop(seg_key, None)  # back to 不细分: the whole scope again
    segment: dict[str, object] = dict(st.session_state.get(seg_key) or {})
    if dim is not None:
        values = _segment_values(ctx, dim)
        current = segment.get(dim) if set(segment) == {dim} else None
        value = right.selectbox(t("drill_value", lang), values, key=f"{page}_drill_value",
                                index=values.index(current) if current in values else 0,
                                format_func=lambda v: label(dim, str(v), lang))
        segment = {dim: value}
        st.session_state[seg_key] = segment
        st.session_state[chosen_by_dim] = True
    elif segment:
        right.button(t("drill_clear", lang), on_click=lambda: st.session_state.pop(seg_key),
                     icon=":material/close:", key=f"{page}_drill_clear")
    scope = ctx.scope(grain=grain)
    found = cached.drill(ctx.path, ctx.token, scope, metric_id, tuple(segment.items()))
    # Unmasked, and so audited, only where the rows hold customers' names or phones.
    unmasked = drill_mod.unmasked(scope.access) and drill_mod.private(found.rows)
    if unmasked:
        seen(ctx, f"{page}/drill", found.total, {"metric": metric_id, "segment": segment})
    metric = catalog.get(metric_id)
    narrowed = segment_text(segment, lang) if segment else t("drill_whole_scope", lang)
    st.caption(t("drill_count", lang, n=f"{found.total:,}", metric=metric.name(lang),
                 scope=narrowed))
    if found.truncated:
        st.caption(t("drill_truncated", lang, n=f"{found.rows.height:,}"))
    rows = presentable(found.rows, lang)
    table(rows, lang, f"{page}_drill_dl", file_stem(metric_id, ctx.filters), height=320,
          unmasked=unmasked, detail={"metric": metric_id, "segment": segment})


def rows_allowed(ctx: Context, title: str) -> bool:
    """Whether the user may list rows; if not, the section says so under its title."""
    if ctx.access is None or ctx.access.rows:
        return True
    st.subheader(title)
    st.info(t("rows_denied", ctx.lang), icon=":material/visibility_off:")
    return False


def seen(ctx: Context, view: str, rows: int, detail: dict[str, object]) -> None:
    """Write an unmasked view to the audit trail, once per view, filters and detail in this
    session (a rerun for another widget does not write it again), and say so on the page."""
    st.caption(t("unmasked_note", ctx.lang))
    mark = (view, ctx.filters, repr(sorted(detail.items(), key=str)))
    if st.session_state.get(f"_seen_{view}") == mark:
        return
    st.session_state[f"_seen_{view}"] = mark
    audit.record(ctx.store, user=who(ctx), action="view", view=view, filters=ctx.filters,
                 detail=detail, rows=rows, unmasked=True)


def _segment_values(ctx: Context, dim: str) -> list[object]:
    if dim == "priority":
        return ["urgent", "high", "medium", "low"]
    if dim == "score":
        return [5, 4, 3, 2, 1]
    return ctx.offered(dim, list(cached.dimensions(ctx.path, ctx.token).get(dim, [])))


def table(df: pl.DataFrame, lang: str, key: str, name: str, *, height: int | None = None,
          column_config: dict[str, Any] | None = None, as_shown: bool = True,
          unmasked: bool = False, covers: Filters | None = None,
          detail: dict[str, object] | None = None) -> None:
    """A table with its CSV and XLSX downloads (formulas neutralised in both); `covers`,
    `detail`: what the table shows beyond the sidebar's filters, for the audit trail."""
    st.dataframe(df, hide_index=True, column_config=column_config, height=height or "auto")
    download(df, lang, key, name, as_shown=as_shown, unmasked=unmasked, covers=covers,
             detail=detail)


GRAINS = ["day", "week", "month"]


def grain(ctx: Context) -> Grain:
    """The trend grain: the page's choice, else from the URL, else by the period's length."""
    assert ctx.filters is not None
    if st.session_state.get("grain") not in GRAINS:
        auto = auto_grain(ctx.filters)
        wanted = frame.page_default("grain", auto)
        st.session_state["grain"] = wanted if wanted in GRAINS else auto
    chosen: Grain = st.session_state["grain"]
    return chosen


def grain_control(lang: str) -> None:
    st.segmented_control(
        t("grain", lang), options=GRAINS, key="grain", required=True,
        format_func=lambda g: t(f"grain_{g}", lang), label_visibility="collapsed",
    )


def section(title: str, lang: str, with_grain: bool = False) -> None:
    """A section heading, with the grain switch at its right when it has trends."""
    if not with_grain:
        st.subheader(title)
        return
    head, control = st.columns([3, 1], vertical_alignment="bottom")
    head.subheader(title)
    with control:
        grain_control(lang)


def page_head(ctx: Context, name: str) -> Filters:
    """The page's title; stops with a pointer to the Data page while the store is empty."""
    st.title(t(f"{name}_page", ctx.lang))
    if ctx.filters is None:
        st.info(t("no_store", ctx.lang), icon=":material/database:")
        st.stop()
    return ctx.filters


def period_line(filters: Filters, lang: str) -> str:
    """The caption under a page's title: the period and the one it is compared with."""
    return f"{filters.date_from} – {filters.date_to} · {formatting.compared_words(filters, lang)}"


def analysis_page(ctx: Context, name: str) -> analysis.Page:
    """Title, scope line and the page's numbers; stops with a next step when there are none."""
    lang = ctx.lang
    filters = page_head(ctx, name)
    st.caption(f"{period_line(filters, lang)} · {formatting.clock_word(filters, lang)}")
    with st.spinner("…"):
        return cached.page(name, ctx.path, ctx.token, ctx.scope(grain=grain(ctx)))


def empty(ctx: Context, count: object) -> None:
    """Stop with the data's span and what to change when the selection holds nothing."""
    if not count:
        st.info(t("empty_selection", ctx.lang, first=ctx.first, last=ctx.latest),
                icon=":material/filter_alt_off:")
        st.stop()



def schedule_text(schedule: Schedule, lang: str) -> str:
    """Mon 09:00-18:00 · … · public holidays closed, make-up days open."""
    days = " · ".join(f"{weekday(d, lang)} {h}" for d, h in sorted(schedule.weekly.items()))
    rule = t("holidays_cn" if schedule.holidays == "cn" else "holidays_none", lang)
    return f"{days or t('closed', lang)}  \n{rule}"


def download(df: pl.DataFrame, lang: str, key: str, name: str, *,
             as_shown: bool = True, unmasked: bool = False, covers: Filters | None = None,
             detail: dict[str, object] | None = None) -> None:
    """The table as CSV (UTF-8 with BOM) and XLSX (styled header, numbers in their formats;
    raw cells kept when not `as_shown`), each made when clicked."""
    with st.container(horizontal=True, gap="small", key=f"{key}_downloads"):
        _download(lang, "csv", partial(exports.csv_bytes, df), f"{name}.csv", "text/csv", key,
                  ":material/download:", rows=df.height, unmasked=unmasked, covers=covers,
                  detail=detail)
        _download(lang, "xlsx", partial(exports.xlsx_bytes, df, name, as_shown=as_shown),
                  f"{name}.xlsx", exports.XLSX_MIME, f"{key}_xlsx", ":material/table_view:",
                  rows=df.height, unmasked=unmasked, covers=covers, detail=detail)
