"""总览 Overview: headline KPIs against target and the previous period, trends, complaints."""

from __future__ import annotations

import streamlit as st

from metrics.present import charts
from metrics.present.words import t
from metrics.views.overview import CARD_METRICS
from ui import cached, frame, widgets

ctx = frame.current()
lang = ctx.lang
st.title(t("overview", lang))

if ctx.filters is None:
    st.info(t("no_store", lang), icon=":material/database:")
    st.stop()

filters = ctx.filters
prev = filters.previous()
st.caption(widgets.period_line(filters, lang))

if ctx.first and prev.date_from < ctx.first:
    st.caption(f":material/info: {t('partial_previous', lang, first=ctx.first)}")

with st.spinner("…"):
    scope = ctx.scope(grain=widgets.grain(ctx))
    view = cached.overview(ctx.path, ctx.token, scope)

if view.empty:
    st.info(t("empty_selection", lang, first=ctx.first, last=ctx.latest),
            icon=":material/filter_alt_off:")
    st.stop()

head, pack = st.columns([3, 1], vertical_alignment="bottom")
head.subheader(t("headline", lang))
with pack.popover(t("review_pack", lang), icon=":material/summarize:", width="stretch",
                  key="review_pack"):
    st.caption(t("review_pack_help", lang))
    kind = st.segmented_control(t("review_pack_format", lang), ["pdf", "zip"], default="pdf",
                                required=True, key="review_pack_kind",
                                format_func=lambda k: t(f"review_pack_{k}", lang)) or "pdf"
    chosen = (ctx.path, ctx.token, scope, lang, kind, cached.actions_version(ctx.path))
    pack_name = f"servicelens-review-{filters.date_from}-{filters.date_to}.{kind}"
    st.download_button(  # made on the click, on its own thread (the button spins meanwhile)
        t("review_pack_download", lang),
        data=widgets.audited(ctx, lambda: cached.review_pack(*chosen), pack_name, rows=None),
        file_name=pack_name,
        mime="application/pdf" if kind == "pdf" else "application/zip", on_click="ignore",
        icon=":material/download:", type="primary", width="stretch", key="review_pack_dl")
    st.caption(t("review_pack_wait", lang))
widgets.cards(view.cards, lang, per_row=4)

widgets.section(t("trends", lang), lang, with_grain=True)
left, middle, right = st.columns(3)
with left:
    limits = widgets.trend_limits(ctx, view.trend, "tickets", view.grain)
    widgets.pickable(charts.volume_trend(view.trend, lang, view.grain, limits=limits),
                     "trend_tickets", "tickets", "overview")
    widgets.control_caption(limits, "tickets", view.grain, lang)
with middle:
    limits = widgets.trend_limits(ctx, view.trend, "csat", view.grain)
    widgets.pickable(charts.rate_trend(view.trend, "csat", ctx.settings.target("csat"), lang,
                                       view.grain, limits), "trend_csat", "csat", "overview")
    widgets.control_caption(limits, "csat", view.grain, lang)
with right:
    limits = widgets.trend_limits(ctx, view.trend, "resolution_median_s", view.grain)
    widgets.pickable(charts.duration_trend(view.trend, "resolution_median_s", lang, view.grain,
                                           limits), "trend_resolution", "resolution_median_s",
                     "overview")
    widgets.control_caption(limits, "resolution_median_s", view.grain, lang)

st.subheader(t("complaints_at_a_glance", lang))
if view.categories.is_empty():
    st.info(t("no_complaints", lang), icon=":material/sentiment_satisfied:")
else:
    widgets.chart(charts.category_bars(view.categories, lang), key="complaint_categories")

widgets.drill_panel(ctx, "overview", CARD_METRICS, view.grain)
