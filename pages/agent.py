"""坐席详情 One agent: each KPI against the team and target over time, tickets, comments, QA,
and what to coach. Reached from the Agents page or by a link with ?person=NAME."""

from __future__ import annotations

import dataclasses

import polars as pl
import streamlit as st

from metrics.core import catalog
from metrics.present import charts, formatting, tables
from metrics.present.formatting import plain
from metrics.present.words import t
from metrics.views import scorecards
from ui import cached, frame, scorecard_view, widgets

ctx = frame.current()
lang = ctx.lang
filters = scorecard_view.header(ctx, "agent")
# The person picker replaces the sidebar's agent filter on this page.
everyone = ctx.scope().narrowed(agents=())
board = cached.scorecard(ctx.path, ctx.token, everyone, "agent")
known = board["agent"].to_list()
if not known:
    widgets.empty(ctx, 0)
wanted = frame.page_default("person", str(st.session_state.get("person") or ""))
if wanted not in known:
    if wanted:
        st.warning(t("agent_not_in_scope", lang, agent=plain(wanted)), icon=":material/person_off:")
    wanted = str(scorecards.needs_coaching(board, ctx.settings)["agent"].first() or known[0])
st.session_state["person"] = wanted
person = st.selectbox(t("pick_agent", lang), known, key="person")
row = board.filter(pl.col("agent") == person).row(0, named=True)
team = row["team"]

rank = f"#{row['rank']} / {int(board['ranked'].sum())}" if row["ranked"] \
    else tables.unranked_reason(row, ctx.settings, lang)
st.markdown(f"### {plain(person)} · {plain(team) if team else '—'} · {t('rank', lang)} {rank}")
shown = ("agent_composite", "tickets", "response_within_standard_rate", "fcr_rate", "csat",
         "qa_score_mean", "severe_violations")
for i, metric_id in enumerate(shown):
    if i % 4 == 0:
        row_columns = st.columns(4)
    column = row_columns[i % 4]
    metric = catalog.get(metric_id)
    mine, theirs = row[metric_id], row[f"team__{metric_id}"]
    column.metric(metric.name(lang), formatting.value(metric, mine, lang),
                  delta=formatting.change(metric, mine, theirs, lang),
                  delta_color={True: "normal", False: "inverse", None: "off"}[  # type: ignore[arg-type]
                      metric.higher_is_better],
                  delta_description=t("vs_team", lang), border=True)

st.subheader(t("coaching_points", lang))
scorecard_view.coaching_block(
    tables.coaching_lines(scorecards.coaching(row, ctx.settings), lang), lang)

mine = everyone.narrowed(agents=(person,))
left, right = st.columns(2)
with left:
    st.subheader(t("vs_team_and_target", lang))
    widgets.table(tables.agent_kpi_table(row, ctx.settings, lang), lang,
                  "agent_kpis_dl", f"agent-{person}-{filters.date_from}-{filters.date_to}",
                  covers=mine.filters)
with right:
    st.subheader(t("over_time", lang))
    trends = cached.agent_trends(ctx.path, ctx.token, everyone, person, team)
    targets = {m: ctx.settings.target(m) for m in scorecards.TRENDED
               if catalog.get(m).target_kind in ("min", "max")}
    widgets.chart(charts.agent_vs_team(trends, targets, person, lang,
                                       scorecards.trend_grain(filters)), key="agent_trends",
                  covers=mine.filters)

view = dataclasses.replace(ctx, filters=mine.filters)
st.subheader(t("survey_comments", lang))
said = cached.drill(ctx.path, ctx.token, mine, "comments", ())
if said.total:
    st.caption(t("comments_count", lang, n=f"{said.total:,}", agent=plain(person)))
    comments = tables.presentable(said.rows.select("sent_at", "ticket_id", "score", "comment")
                                 .with_columns(pl.col("score").cast(pl.String).fill_null("—")),
                                 lang)
    widgets.table(comments, lang, "agent_comments_dl", f"comments-{person}",
                  covers=mine.filters)
else:
    st.info(t("no_comments_agent", lang), icon=":material/chat_bubble_outline:")

st.subheader(t("qa_of_agent", lang))
found = cached.frame_by(ctx.path, ctx.token, mine, ("violations",),
                        ("violation_category", "severity"))
inspected = cached.drill(ctx.path, ctx.token, mine, "inspections", ())
if not inspected.total:
    st.info(t("no_inspections_agent", lang), icon=":material/fact_check:")
else:
    left, right = st.columns([2, 3])
    with left:
        if found.is_empty():
            st.success(t("no_violations_agent", lang), icon=":material/verified:")
        else:
            widgets.chart(charts.violation_categories(found, lang), key="agent_violations",
                          covers=mine.filters)
    with right:
        widgets.table(tables.presentable(inspected.rows, lang), lang, "agent_qa_dl",
                      f"inspections-{person}", covers=mine.filters)

widgets.drill_panel(view, "agent", ("tickets", "response_within_standard_rate", "fcr_rate",
                                    "reopen_rate", "csat", "violations"), "day",
                    dimensions=("channel", "request_type", "category", "priority"))
