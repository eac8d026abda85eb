"""改进行动 Improvement actions: the PDCA loop. Record an action (what, owner, due date, the KPI
it should move) with the period in view as its baseline, follow the KPI before and after,
close it with its result; accept the actions the numbers propose."""

from __future__ import annotations

from datetime import timedelta

import streamlit as st
from pydantic import ValidationError

from metrics.core import catalog
from metrics.core.errors import UsageError
from metrics.engine import improvement
from metrics.engine.improvement import Plan
from metrics.present import tables
from metrics.present.formatting import plain
from metrics.present.words import t
from metrics.views import improvement as pdca
from ui import cached, frame, widgets

ctx = frame.current()
lang = ctx.lang
filters = widgets.page_head(ctx, "actions")
st.caption(t("pdca_help", lang))
st.caption(widgets.period_line(filters, lang))
scope = ctx.scope()
by = widgets.who(ctx)
kpis = [None, *catalog.PUBLIC_IDS]


def kpi_word(metric_id: str | None) -> str:
    return t("pdca_metric_none", lang) if metric_id is None else catalog.get(metric_id).name(lang)


def said(problem: Exception) -> None:
    """A refused input in words (the entered text shown as text)."""
    if isinstance(problem, ValidationError):
        for error in problem.errors():
            st.error(plain(f"{'.'.join(str(x) for x in error['loc'])}: {error['msg']}"),
                     icon=":material/error:")
    else:
        st.error(plain(str(problem)), icon=":material/error:")


for note in st.session_state.pop("_pdca_notes", []):
    st.success(note, icon=":material/check:")

rows = pdca.tracked(ctx.store, scope)
open_rows = [r for r in rows if r.action.status == "open"]
closed_rows = [r for r in rows if r.action.status == "closed"]
if not rows:
    st.info(t("pdca_none" if not improvement.listing(ctx.store) else "pdca_none_here", lang),
            icon=":material/checklist:")
if open_rows:
    st.subheader(t("pdca_open", lang))
    widgets.table(tables.pdca_table(open_rows, lang), lang, "pdca_open_dl",
                  f"actions-{filters.date_from}-{filters.date_to}")
    st.subheader(t("pdca_edit", lang))
    chosen_id = st.selectbox(t("pdca_pick", lang), [r.action.id for r in open_rows],
                             key="pdca_pick",
                             format_func=lambda i: next(
                                 f"#{r.action.id} {r.action.what[:60]}" for r in open_rows
                                 if r.action.id == i))
    chosen = next(r.action for r in open_rows if r.action.id == chosen_id)
    with st.form(f"pdca_edit_{chosen.id}"):
        what = st.text_input(t("pdca_what", lang), value=chosen.what, max_chars=500)
        left, middle, right = st.columns(3)
        owner = left.text_input(t("pdca_owner", lang), value=chosen.owner, max_chars=100)
        due = middle.date_input(t("pdca_due", lang), value=chosen.due, format="YYYY-MM-DD")
        metric = right.selectbox(t("pdca_metric", lang), kpis, format_func=kpi_word,
                                 index=kpis.index(chosen.metric_id)
                                 if chosen.metric_id in kpis else 0)
        result = st.text_area(t("pdca_result", lang), max_chars=1000)
        save, close = st.columns(2)
        saved = save.form_submit_button(t("pdca_save", lang), icon=":material/save:")
        closing = close.form_submit_button(t("pdca_close", lang), type="primary",
                                           icon=":material/task_alt:")
    if saved or closing:
        try:
            if saved:
                improvement.edit(ctx.store, chosen.id, Plan(
                    what=what, owner=owner, due=due, metric_id=metric,
                    baseline_from=chosen.baseline_from, baseline_to=chosen.baseline_to))
                note = t("pdca_saved", lang, id=chosen.id)
            else:
                improvement.close(ctx.store, chosen.id, result=result, by=by)
                note = t("pdca_closed_note", lang, id=chosen.id)
            st.session_state["_pdca_notes"] = [note]
            st.rerun()
        except (ValidationError, UsageError) as problem:
            said(problem)
if closed_rows:
    st.subheader(t("pdca_closed", lang))
    widgets.table(tables.pdca_table(closed_rows, lang), lang, "pdca_closed_dl",
                  f"actions-closed-{filters.date_from}-{filters.date_to}")

st.subheader(t("pdca_new", lang))
with st.form("pdca_new", clear_on_submit=True):
    what = st.text_input(t("pdca_what", lang), max_chars=500)
    left, middle, right = st.columns(3)
    owner = left.text_input(t("pdca_owner", lang), max_chars=100)
    due = middle.date_input(t("pdca_due", lang), value=filters.date_to + timedelta(days=30),
                            format="YYYY-MM-DD")
    metric = right.selectbox(t("pdca_metric", lang), kpis, format_func=kpi_word)
    st.caption(t("pdca_baseline_note", lang, start=filters.date_from, end=filters.date_to))
    added = st.form_submit_button(t("pdca_add", lang), type="primary", icon=":material/add:")
if added:
    try:
        new_id = improvement.add(ctx.store, Plan(
            what=what, owner=owner, due=due, metric_id=metric,
            baseline_from=filters.date_from, baseline_to=filters.date_to), by=by)
        st.session_state["_pdca_notes"] = [t("pdca_added", lang, id=new_id)]
        st.rerun()
    except (ValidationError, UsageError) as problem:
        said(problem)

st.subheader(t("pdca_proposals", lang))
st.caption(t("pdca_proposals_help", lang))
board = cached.scorecard(ctx.path, ctx.token, scope, "agent")
proposed = pdca.proposals(ctx.store, scope, board)
if not proposed:
    st.info(t("pdca_no_proposals", lang), icon=":material/thumb_up:")
for number, proposal in enumerate(proposed):
    text, accept = st.columns([5, 1], vertical_alignment="center")
    words = tables.proposal_text(proposal, lang)
    text.text(words)
    if accept.button(t("pdca_accept", lang), key=f"pdca_accept_{number}",
                     icon=":material/add_task:"):
        new_id = improvement.add(ctx.store, Plan(
            what=words, owner=by, due=filters.date_to + timedelta(days=30),
            metric_id=proposal.metric_id, baseline_from=filters.date_from,
            baseline_to=filters.date_to), by=by, source=f"proposed:{proposal.kind}")
        st.session_state["_pdca_notes"] = [t("pdca_added", lang, id=new_id)]
        st.rerun()
