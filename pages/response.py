"""响应 Response: first response by channel against its standard, trend, staffing heat map."""

from __future__ import annotations

import streamlit as st

from metrics.engine.sql import BANDS
from metrics.present import charts, tables
from metrics.present.words import t
from metrics.views.analysis import RESPONSE_CARDS
from ui import frame, widgets

ctx = frame.current()
lang = ctx.lang
view = widgets.analysis_page(ctx, "response")
by_channel = view.frames["by_channel"]
widgets.empty(ctx, by_channel["tickets"].sum())
target = ctx.settings.target("response_within_standard_rate")

widgets.cards(view.cards, lang, per_row=5)
st.caption(t("response_note", lang))

st.subheader(t("by_channel", lang))
left, right = st.columns(2)
with left:
    widgets.chart(charts.standard_dots(by_channel, lang), key="frt_dots")
with right:
    widgets.pickable(
        charts.rate_bars(by_channel, "response_within_standard_rate", "channel", target, lang,
                         "channel"),
        "within_bars", "response_within_standard_rate", "response")
shown = tables.metric_table(by_channel, "channel", ("tickets", *RESPONSE_CARDS), lang, "channel",
                            with_n=("response_within_standard_rate",))
shown.insert_column(2, tables.durations(by_channel, "standard_s", t("stat_standard", lang), lang))
widgets.table(shown, lang, "response_table", f"response-{view.filters.date_from}")

widgets.section(t("trends", lang), lang, with_grain=True)
widgets.chart(charts.segment_lines(view.frames["channel_trend"], "response_within_standard_rate",
                                   "channel", target, lang, view.grain, "channel"),
              key="within_trend")

st.subheader(t("distribution", lang))
widgets.chart(charts.band_shares(view.frames["distribution"], "frt_band", BANDS["frt_band"], lang,
                                 by="channel", title=t("frt_distribution", lang)),
              key="frt_bands")

head, control = st.columns([3, 1], vertical_alignment="bottom")
head.subheader(t("staffing", lang))
measure = control.segmented_control(
    t("heat_measure", lang), ["tickets", "frt"], default="tickets", key="heat_measure",
    format_func=lambda v: t(f"heat_{v}_short", lang), label_visibility="collapsed")
widgets.pickable(charts.heat_map(view.frames["heat"], measure or "tickets", lang), "heat",
                 "tickets" if measure != "frt" else "first_response_median_s", "response")
st.caption(t("heat_note", lang))

widgets.drill_panel(ctx, "response", ("response_within_standard_rate", "first_response_median_s",
                                      "unanswered", "unanswered_overdue", "tickets"), view.grain)
