"""质检 QA: severe violations first, violations by severity and category, scores by team and
agent, repeat offenders and each agent's violation record."""

from __future__ import annotations

from datetime import date

import polars as pl
import streamlit as st
from pandas.io.formats.style import Styler

from metrics.present import charts, tables
from metrics.present.formatting import plain
from metrics.present.words import column_label, label, t
from metrics.views import qa
from ui import cached, frame, widgets

SEVERE_ROW = "background-color: #fee2e2; color: #991b1b; font-weight: 600"

ctx = frame.current()
lang = ctx.lang
st.title(t("qa_page", lang))
if ctx.filters is None:
    st.info(t("no_store", lang), icon=":material/database:")
    st.stop()
latest: dict[str, date | None] = cached.freshness(ctx.path, ctx.token)["latest"]  # type: ignore[assignment]
latest_qa = latest.get("qa")
if latest_qa is None:
    st.info(t("qa_no_data", lang), icon=":material/fact_check:")
    st.page_link("pages/data.py", label=t("qa_go_data", lang), icon=":material/upload_file:")
    st.stop()
filters = ctx.filters
st.caption(widgets.period_line(filters, lang))
with st.spinner("…"):
    view = cached.qa(ctx.path, ctx.token, ctx.scope(filters, grain=widgets.grain(ctx)))
if not view.count("inspections"):
    st.info(t("qa_empty", lang, last=latest_qa), icon=":material/filter_alt_off:")
    st.stop()
name = f"{filters.date_from}-{filters.date_to}"


def red_severe(shown: pl.DataFrame) -> Styler:
    """The record with its severe rows in red."""
    column, word = column_label("severity", lang), label("severity", "severe", lang)
    return shown.to_pandas().style.set_uuid("severe").apply(  # the same table each run
        lambda row: [SEVERE_ROW if row[column] == word else ""] * len(row), axis=1,
    ).format(precision=1)


widgets.cards(view.cards, lang, per_row=4)
severe = view.severe_items
if severe.height:
    st.error(t("qa_severe_callout", lang, n=f"{view.count('severe_violations'):,}",
               agents=severe["agent"].n_unique(), inspections=severe["inspection_id"].n_unique()),
             icon=":material/error:")
    st.markdown(f"**{t('qa_severe_title', lang)}**")
    widgets.table(tables.qa_items_table(severe, lang), lang, "qa_severe_table", f"qa-severe-{name}")

widgets.section(t("qa_violations_title", lang), lang, with_grain=True)
if not view.count("violations"):
    st.info(t("qa_no_violations", lang), icon=":material/verified:")
else:
    left, right = st.columns(2)
    with left:
        widgets.chart(charts.severity_trend(view.severity_trend, lang, view.grain),
                      key="qa_severity_trend")
    with right:
        widgets.chart(charts.violation_categories(view.by_category, lang), key="qa_categories")

st.subheader(t("qa_by_title", lang))
overall = view.card("qa_score_mean").current.value
for tab, by in zip(st.tabs([t("qa_tab_team", lang), t("qa_tab_agent", lang)]),
                   ("team", "agent"), strict=True):
    with tab:
        left, right = st.columns([2, 3])
        with left:
            widgets.pickable(charts.qa_score_dots(view.by_team if by == "team" else view.by_agent,
                                                  by, overall, lang, t(f"qa_score_by_{by}", lang)),
                             f"qa_score_{by}", "qa_score_mean", "qa")
        with right:
            widgets.table(tables.qa_segment_table(view, by, lang), lang, f"qa_table_{by}",
                          f"qa-by-{by}-{name}")
st.caption(t("qa_n_note", lang))

st.subheader(t("qa_repeat_title", lang))
st.caption(t("qa_repeat_rule", lang, n=qa.REPEAT_MIN_INSPECTIONS))
offenders = view.repeat_offenders
if offenders.is_empty():
    st.success(t("qa_no_repeat", lang), icon=":material/verified:")
else:
    widgets.table(tables.qa_offenders_table(offenders, lang), lang, "qa_repeat_table",
                  f"qa-repeat-offenders-{name}")

st.subheader(t("qa_record_title", lang))
agents = view.agents["agent"].to_list()  # worst first: the worst repeat offender leads
if not agents:
    st.info(t("qa_no_violations", lang), icon=":material/verified:")
else:
    repeat = set(offenders["agent"].to_list())
    if st.session_state.get("qa_agent") not in agents:
        st.session_state["qa_agent"] = agents[0]
    agent = st.selectbox(t("qa_record_agent", lang), agents, key="qa_agent",
                         format_func=lambda a: a + (t("qa_repeat_mark", lang) if a in repeat
                                                    else ""))
    st.caption(t("qa_record_summary", lang, agent=plain(agent), **qa.agent_summary(view, agent)))
    record = tables.qa_items_table(view.record(agent), lang, with_agent=False)
    st.dataframe(red_severe(record), hide_index=True)
    widgets.download(record, lang, "qa_record_dl", f"qa-record-{agent}-{name}")
if view.items_total > view.items.height:
    st.caption(t("qa_items_truncated", lang, n=f"{view.items.height:,}"))

widgets.drill_panel(ctx, "qa", ("violations", "severe_violations", "inspections",
                                "qa_score_mean"), view.grain,
                    dimensions=("team", "agent", "channel"))
