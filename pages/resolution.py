"""解决 Resolution: resolution times and rates, FCR, reopens, escalations, open-ticket ageing."""

from __future__ import annotations

import streamlit as st

from metrics.engine.sql import BANDS
from metrics.present import charts, formatting, tables
from metrics.present.words import t
from metrics.views.analysis import RESOLUTION_CARDS
from ui import frame, widgets

ctx = frame.current()
lang = ctx.lang
view = widgets.analysis_page(ctx, "resolution")
by_priority = view.frames["by_priority"]
widgets.empty(ctx, by_priority["tickets"].sum())

widgets.cards(view.cards, lang, per_row=4)
open_card = view.card("open_tickets")
st.caption(t("censoring_note", lang,
             n=formatting.value(open_card.metric, open_card.current.value, lang)))

widgets.section(t("trends", lang), lang, with_grain=True)
left, right = st.columns(2)
with left:
    widgets.chart(charts.metric_lines(view.trend, ["resolution_rate", "fcr_rate", "reopen_rate",
                                                   "escalation_rate"], lang, view.grain,
                                      t("rates_trend", lang)), key="rates_trend")
with right:
    widgets.chart(charts.metric_lines(view.trend, ["resolution_median_s", "resolution_p90_s"],
                                      lang, view.grain, t("durations_trend", lang)),
                  key="durations_trend")

left, right = st.columns(2)
with left:
    st.subheader(t("distribution", lang))
    widgets.pickable(
        charts.band_shares(view.frames["distribution"], "res_band", BANDS["res_band"], lang,
                           title=t("res_distribution", lang)),
        "res_bands", "resolution_median_s", "resolution")
with right:
    st.subheader(t("ageing", lang))
    if view.frames["ageing"].is_empty():
        st.info(t("no_open", lang), icon=":material/task_alt:")
    else:
        widgets.pickable(charts.ageing_bars(view.frames["ageing"], lang), "ageing",
                         "open_tickets", "resolution")

st.subheader(t("by_priority", lang))
widgets.table(tables.metric_table(by_priority, "priority", ("tickets", *RESOLUTION_CARDS), lang,
                                  "priority", with_n=("resolution_rate",)),
              lang, "priority_table", f"resolution-{view.filters.date_from}")

widgets.drill_panel(ctx, "resolution", ("resolution_median_s", "resolution_rate", "fcr_rate",
                                        "reopen_rate", "escalation_rate", "open_tickets"),
                    view.grain)
