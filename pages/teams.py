"""班组对比 Teams: the scorecard's indicators team by team, for a manager."""

from __future__ import annotations

import streamlit as st

from metrics.core import catalog
from metrics.present import charts, tables
from metrics.present.words import t
from ui import cached, frame, scorecard_view, widgets

ctx = frame.current()
lang = ctx.lang
filters = scorecard_view.header(ctx, "teams")
df = cached.scorecard(ctx.path, ctx.token, ctx.scope(filters), "team")
if df.is_empty():
    widgets.empty(ctx, 0)

left, right = st.columns(2)
with left:
    widgets.chart(charts.composite_dots(df, lang, "team"), key="teams_composite")
with right:
    widgets.chart(charts.csat_intervals(df, ctx.settings.target("csat"), lang, "team"),
                  key="teams_csat")

rates = [m for m in tables.SCORECARD_SHOWN
         if catalog.get(m).kind == "ratio" and catalog.get(m).unit == "fraction"]
head, control = st.columns([2, 1], vertical_alignment="bottom")
head.subheader(t("teams_by_indicator", lang))
chosen = control.selectbox(t("indicator", lang), rates, key="teams_indicator",
                           format_func=lambda m: catalog.get(m).name(lang))
widgets.chart(charts.rate_bars(df, chosen, "team", ctx.settings.target(chosen), lang),
              key="teams_rate")

st.subheader(t("team_scorecard", lang))
st.caption(t("team_scorecard_help", lang))
spark = cached.sparklines(ctx.path, ctx.token, ctx.scope(filters), "team")
scorecard_view.table(ctx, df, spark, "team", "teams_table")
