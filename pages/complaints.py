"""投诉 Complaints: rate against the previous period, Pareto, matrices, what moved the number."""

from __future__ import annotations

import streamlit as st

from metrics.present import charts, formatting, tables
from metrics.present.words import t
from metrics.views.analysis import MOVED_BY
from ui import frame, widgets

ctx = frame.current()
lang = ctx.lang
view = widgets.analysis_page(ctx, "complaints")
rate = view.card("complaint_rate")
widgets.empty(ctx, rate.current.denominator)

widgets.cards(view.cards, lang, per_row=3)

widgets.section(t("trend_vs_previous", lang), lang, with_grain=True)
widgets.chart(charts.period_lines(view.trend, view.frames["previous_trend"], "complaint_rate",
                                  lang, view.grain), key="rate_periods")

pareto = view.frames["pareto"]
if pareto.is_empty():
    st.info(t("no_complaints", lang), icon=":material/sentiment_satisfied:")
    st.stop()

st.subheader(t("pareto", lang))
left, right = st.columns([3, 2])
with left:
    widgets.pickable(charts.pareto(pareto, lang), "pareto", "complaints", "complaints")
with right:
    limit = formatting.duration(ctx.settings.complaint_limit_s, lang)
    widgets.table(tables.pareto_table(pareto, lang), lang, "pareto_table",
                  f"complaint-pareto-{view.filters.date_from}")
    st.caption(t("limit_note", lang, limit=limit))

st.subheader(t("what_moved", lang))
change = (rate.current.value or 0) - (rate.previous.value or 0)
if rate.previous.value is None:
    st.info(t("no_previous", lang), icon=":material/history:")
else:
    st.markdown(t("moved_total", lang, before=formatting.percent(rate.previous.value),
                  now=formatting.percent(rate.current.value), pp=f"{change * 100:+.2f}",
                  vs=formatting.compared_words(view.filters, lang)))
    tabs = st.tabs([t(f"moved_tab_{by}", lang) for by in MOVED_BY])
    for tab, by in zip(tabs, MOVED_BY, strict=True):
        moved = view.frames[f"moved_{by}"]
        with tab:
            widgets.pickable(charts.contribution_bars(moved, by, lang), f"moved_{by}",
                             "complaints", "complaints")
            widgets.table(tables.moved_table(moved, by, lang), lang, f"moved_table_{by}",
                          f"complaint-change-by-{by}-{view.filters.date_from}")
    st.caption(t("moved_note", lang))

head, control = st.columns([3, 1], vertical_alignment="bottom")
head.subheader(t("matrix", lang))
other = control.segmented_control(
    t("matrix_by", lang), ["channel", "team", "product"], default="channel", key="matrix_by",
    format_func=lambda c: t(f"seg_{c}", lang), label_visibility="collapsed") or "channel"
widgets.pickable(charts.matrix(view.frames[f"matrix_{other}"], other, lang), "matrix",
                 "complaints", "complaints")

widgets.drill_panel(ctx, "complaints", ("complaints", "complaint_closed_within_limit_rate",
                                        "complaint_rate"), view.grain,
                    dimensions=("category", "channel", "team", "agent", "priority"))
