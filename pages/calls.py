"""话务 Calls: the hotline's cards against target, the daily trend, the weekday × half-hour
heat map, waits and the patience curve, queues, and staffing by Erlang C."""

from __future__ import annotations

import numpy as np
import streamlit as st

from metrics.engine.sql import BANDS
from metrics.present import charts, formatting, tables
from metrics.present.words import t
from metrics.views.calls import BY_QUEUE
from ui import cached, frame, widgets

ctx = frame.current()
lang = ctx.lang
filters = widgets.page_head(ctx, "calls")
settings = ctx.settings
st.caption(widgets.period_line(filters, lang) + " · " + t(
    "calls_caption", lang, t=formatting.duration(settings.channel_standards_s.get("phone"), lang),
    short=formatting.duration(settings.short_abandon_s, lang)))
scope = ctx.scope()
with st.spinner("…"):
    view = cached.calls(ctx.path, ctx.token, scope)
if view.empty:
    latest: dict[str, object] = cached.freshness(ctx.path, ctx.token)["latest"]  # type: ignore[assignment]
    if latest.get("calls") is None:
        st.info(t("calls_none", lang), icon=":material/call:")
        st.stop()
    widgets.empty(ctx, 0)

widgets.cards(view.cards, lang, per_row=5)

target = settings.target("service_level_rate")
widgets.chart(charts.calls_daily(view.trend, target, lang), key="calls_daily")

head, control = st.columns([3, 1], vertical_alignment="bottom")
head.subheader(t("calls_heat", lang))
measure = control.segmented_control(
    t("calls_heat", lang), ["offered", "sl"], default="offered", key="calls_heat_measure",
    format_func=lambda v: t("calls_heat_offered" if v == "offered" else "calls_heat_sl", lang),
    label_visibility="collapsed")
widgets.pickable(charts.calls_heat(view.heat, measure or "offered", lang), "calls_heat",
                 "calls_offered" if measure != "sl" else "service_level_rate", "calls")

st.subheader(t("calls_waits", lang))
widgets.chart(charts.patience(view.waits, BANDS["wait_band"], lang), key="calls_waits")
st.caption(t("calls_waits_note", lang))

st.subheader(t("calls_queues", lang))
widgets.table(tables.metric_table(view.queues, "queue", BY_QUEUE, lang,
                                  with_n=("answer_rate", "service_level_rate")),
              lang, "calls_queues", f"calls-queues-{filters.date_from}-{filters.date_to}")

st.subheader(t("staffing_title", lang))
staffing = cached.staffing(ctx.path, ctx.token, scope)
goal = settings.target("service_level_rate") or 0.8
st.caption(t("staffing_note", lang, target=f"{goal:.0%}",
             t=formatting.duration(settings.channel_standards_s.get("phone"), lang)))
if not staffing.is_empty():
    st.caption(t("staffing_short", lang, n=int(staffing["short"].sum()), all=staffing.height))
    shown = tables.staffing_table(staffing, lang)
    short_rows = staffing["short"].to_numpy()
    short_col = t("staffing_col_short", lang)
    needed = t("staffing_col_needed", lang)  # whole agents (a null makes pandas floats)
    table = shown.to_pandas()
    colours = np.where(short_rows, "background-color: #fee2e2", "")
    shade = table.apply(lambda _: colours)  # every column at once rather than row by row
    styled = table.style.set_uuid("staffing").apply(lambda _: shade, axis=None).format(
        precision=0, na_rep="—", subset=[needed])
    st.dataframe(styled, hide_index=True, width="stretch", height=420,
                 column_config={short_col: st.column_config.TextColumn(short_col)})
    widgets.download(shown, lang, "staffing_dl", f"staffing-{filters.date_from}-{filters.date_to}")

widgets.drill_panel(ctx, "calls", ("calls_offered", "calls_abandoned", "service_level_rate",
                                   "asa_s", "aht_s"), "day", dimensions=("queue", "agent", "team"))
