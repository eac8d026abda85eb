"""坐席绩效 Agents: every agent's scorecard, the composite, fair ranking and who needs coaching."""

from __future__ import annotations

import streamlit as st

from metrics.core import catalog
from metrics.present import charts, tables
from metrics.present.words import t
from metrics.views import scorecards
from ui import cached, frame, scorecard_view, widgets

ctx = frame.current()
lang = ctx.lang
filters = scorecard_view.header(ctx, "agents")
df = cached.scorecard(ctx.path, ctx.token, ctx.scope(filters), "agent")
if df.is_empty():
    widgets.empty(ctx, 0)

coach = scorecards.needs_coaching(df, ctx.settings)
ranked = int(df["ranked"].sum())
cols = st.columns(4)
cols[0].metric(t("agents_in_scope", lang), f"{df.height}")
cols[1].metric(t("agents_ranked", lang), f"{ranked}",
               help=scorecard_view.rule_text(ctx.settings, lang))
cols[2].metric(t("agents_to_coach", lang), f"{coach.height}")
cols[3].metric(catalog.get("severe_violations").name(lang),
               f"{int(df['severe_violations'].sum())}")

left, right = st.columns(2)
with left:
    scorecard_view.pick_to_agent(charts.composite_dots(df, lang), "agents_composite")
with right:
    scorecard_view.pick_to_agent(
        charts.csat_intervals(df, ctx.settings.target("csat"), lang), "agents_csat")

st.subheader(t("scorecard", lang))
st.caption(t("scorecard_help", lang))
spark = cached.sparklines(ctx.path, ctx.token, ctx.scope(filters), "agent")
scorecard_view.table(ctx, df, spark, "agent", "agents_table")

st.subheader(t("coaching_list", lang))
if coach.is_empty():
    st.success(t("no_coaching", lang), icon=":material/thumb_up:")
else:
    st.caption(t("coaching_list_help", lang))
    widgets.table(tables.coaching_table(coach, lang), lang, "coaching_dl",
                  f"coaching-{filters.date_from}-{filters.date_to}")

process = scorecards.process_actions(df, ctx.settings)
if process:
    st.subheader(t("process_title", lang))
    st.caption(t("process_help", lang))
    widgets.table(tables.process_table(process, lang), lang, "process_dl",
                  f"process-{filters.date_from}-{filters.date_to}")

head, control = st.columns([3, 2], vertical_alignment="bottom")
head.subheader(t("funnel_section", lang))
funnelled = control.selectbox(
    t("indicator", lang), list(scorecards.FUNNELLED), key="agents_funnel",
    format_func=lambda m: catalog.get(m).name(lang), label_visibility="collapsed") or "csat"
flagged = [a for a, ids in scorecards.coaching_ids(df, ctx.settings).items() if funnelled in ids]
st.caption(t("funnel_help", lang) + " " + t("funnel_outside", lang, n=len(flagged)))
scorecard_view.pick_to_agent(charts.funnel_plot(df, funnelled, flagged, lang),
                             "agents_funnel_chart")
