"""设置 Settings: targets, channel standards, complaint limit, business hours, kept in the store."""

from __future__ import annotations

import streamlit as st
from pydantic import ValidationError

from metrics.core.catalog import Metric
from metrics.core.settings import Settings
from metrics.present import settings_form
from metrics.present.formatting import plain
from metrics.present.words import label, parenthesised, t, weekday
from ui import frame

ctx = frame.current()
frame.require(ctx, "settings")  # admins only, also by a typed URL
lang = ctx.lang
st.title(t("settings_page", lang))
if not ctx.store.exists():
    st.info(t("no_store", lang), icon=":material/database:")
    st.stop()
current = ctx.settings
st.caption(t("settings_intro", lang))

def weight_inputs(metrics: tuple[Metric, ...], current: dict[str, float],
                  prefix: str) -> dict[str, float]:
    """One 0-1 box per indicator, four to a row; the indicators weighted above 0."""
    chosen: dict[str, float] = {}
    columns = list(st.columns(4))
    for i, metric in enumerate(metrics):
        with columns[i % 4]:
            weight = st.number_input(metric.name(lang), min_value=0.0, max_value=1.0, step=0.05,
                                     value=float(current.get(metric.id, 0.0)),
                                     key=f"{prefix}_{metric.id}")
        if weight > 0:
            chosen[metric.id] = weight
    return chosen


with st.form("settings"):
    st.subheader(t("targets", lang))
    typed: dict[str, str] = {}
    columns = list(st.columns(3))
    for i, metric in enumerate(settings_form.TARGETED):
        shown, unit = settings_form.target_widget(metric, current.target(metric.id))
        title = parenthesised(metric.name(lang), unit, lang)
        with columns[i % 3]:
            typed[metric.id] = st.text_input(
                title,
                value="" if shown is None else f"{shown:g}", key=f"target_{metric.id}",
                placeholder=t("no_target", lang), help=metric.note(lang) or None)

    st.subheader(t("channel_standards", lang))
    standards: dict[str, float] = {}
    columns = list(st.columns(len(current.channel_standards_s)))
    for column, (channel, seconds) in zip(columns, current.channel_standards_s.items(),
                                          strict=True):
        standards[channel] = column.number_input(
            f"{label('channel', channel, lang)}（{t('seconds', lang)}）", value=float(seconds),
            min_value=1.0, step=10.0, key=f"std_{channel}")
    limit_h = st.number_input(t("complaint_limit_hours", lang),
                              value=current.complaint_limit_s / 3600, min_value=0.5, step=1.0)

    st.subheader(t("schedule", lang))
    st.caption(t("schedule_help", lang))
    weekly: dict[int, str] = {}
    columns = list(st.columns(7))
    for day, column in zip(range(1, 8), columns, strict=True):
        text = column.text_input(weekday(day, lang),
                                 value=current.business_hours.weekly.get(day, ""),
                                 placeholder=t("closed", lang), key=f"hours_{day}")
        if text.strip():
            weekly[day] = text.strip()
    holidays = st.toggle(t("cn_holidays", lang),
                         value=current.business_hours.holidays == "cn")

    st.subheader(t("sla_weights", lang))
    st.caption(t("sla_weights_help", lang))
    weights = weight_inputs(settings_form.WEIGHTABLE, current.sla_weights, "weight")
    st.subheader(t("agent_weights", lang))
    st.caption(t("agent_weights_help", lang))
    agent_weights = weight_inputs(settings_form.AGENT_WEIGHTABLE, current.agent_weights,
                                  "agent_weight")
    left, right = st.columns(2)
    min_tickets = left.number_input(t("rank_min_tickets", lang), min_value=1, step=5,
                                    value=current.rank_min_tickets, key="rank_min_tickets")
    min_answers = right.number_input(t("rank_min_answers", lang), min_value=0, step=5,
                                     value=current.rank_min_answers, key="rank_min_answers")
    run_rule = st.toggle(t("run_rule", lang), value=current.run_rule, key="run_rule",
                         help=t("run_rule_help", lang))
    saved = st.form_submit_button(t("save", lang), type="primary", icon=":material/save:")

if saved:
    try:
        targets = settings_form.parse_targets(typed)
        new = settings_form.build(current, targets=targets, standards=standards,
                                  limit_h=limit_h, weekly=weekly, holidays=holidays,
                                  weights=weights, agent_weights=agent_weights,
                                  rank_min_tickets=int(min_tickets),
                                  rank_min_answers=int(min_answers), run_rule=bool(run_rule))
    except ValidationError as error:
        for problem in settings_form.problems(error):
            st.error(plain(problem), icon=":material/error:")
    except ValueError as error:
        st.error(plain(str(error)), icon=":material/error:")
    else:
        ctx.store.save_settings(new)
        st.session_state["_settings_saved"] = True
        st.rerun()
if st.session_state.pop("_settings_saved", False):
    st.success(t("settings_saved", lang), icon=":material/check_circle:")

uncovered = current.business_hours.uncovered_years(ctx.first, ctx.latest) \
    if ctx.first and ctx.latest else []
if uncovered:
    st.warning(t("holidays_uncovered", lang, years=", ".join(map(str, uncovered))),
               icon=":material/event_busy:")
if st.button(t("reset_settings", lang), icon=":material/restart_alt:"):
    ctx.store.save_settings(Settings())
    st.rerun()
