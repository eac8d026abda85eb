"""满意度 Satisfaction: response and coverage, CSAT with its n, scores, themes of comments."""

from __future__ import annotations

import streamlit as st

from metrics.present import charts, tables
from metrics.present.tables import presentable
from metrics.present.words import t
from ui import cached, frame, widgets

ctx = frame.current()
lang = ctx.lang
view = widgets.analysis_page(ctx, "satisfaction")
sent = view.card("surveys_sent")
if not sent.current.value:
    st.info(t("no_surveys", lang, first=ctx.first, last=ctx.latest), icon=":material/mail:")
    st.stop()

widgets.cards(tuple(c for c in view.cards if c.metric.public and
                    (c.metric.id != "nps" or c.current.denominator)), lang, per_row=3)
csat = view.card("csat")
dont_know = int(view.card("dont_know").current.value or 0)
st.caption(t("csat_sample", lang, n=f"{int(csat.current.denominator or 0):,}",
             dk=f"{dont_know:,}"))

widgets.section(t("trends", lang), lang, with_grain=True)
left, right = st.columns(2)
with left:
    limits = widgets.trend_limits(ctx, view.trend, "csat", view.grain)
    widgets.pickable(charts.rate_trend(view.trend, "csat", ctx.settings.target("csat"), lang,
                                       view.grain, limits), "csat_trend", "csat", "satisfaction")
    widgets.control_caption(limits, "csat", view.grain, lang)
with right:
    limits = widgets.trend_limits(ctx, view.trend, "surveys_sent", view.grain)
    widgets.pickable(charts.volume_trend(view.trend, lang, view.grain, "surveys_sent", limits),
                     "surveys_sent_trend", "surveys_sent", "satisfaction")
    widgets.control_caption(limits, "surveys_sent", view.grain, lang)
widgets.chart(charts.metric_lines(view.trend, ["survey_response_rate", "survey_coverage_rate"],
                                  lang, view.grain, t("survey_rates_trend", lang)),
              key="survey_trend")

left, right = st.columns(2)
with left:
    widgets.pickable(charts.score_bars(view.frames["scores"], dont_know, lang), "scores",
                     "surveys_answered", "satisfaction")
with right:
    dims = view.frames["dimensions"]
    if dims.is_empty():
        st.info(t("no_dimensions", lang), icon=":material/info:")
    else:
        widgets.chart(charts.mean_bars(dims, "dimension_score_mean", "dimension", lang,
                                       "dimension", t("dimension_scores", lang)), key="dims")

st.subheader(t("csat_by", lang))
left, right = st.columns(2)
for column, by in ((left, "channel"), (right, "team")):
    with column:
        frame_by = view.frames[f"by_{by}"]
        widgets.pickable(charts.rate_bars(frame_by, "csat", by, ctx.settings.target("csat"),
                                          lang, "channel" if by == "channel" else None,
                                          title=t(f"csat_by_{by}", lang), none="no_ticket"),
                         f"csat_{by}", "csat", "satisfaction")
        widgets.table(tables.metric_table(frame_by, by, ["csat", "mean_score",
                                                         "survey_response_rate"], lang,
                                          "channel" if by == "channel" else None,
                                          with_n=("csat",), none="no_ticket"),
                      lang, f"csat_table_{by}", f"csat-by-{by}-{view.filters.date_from}")

st.subheader(t("comments", lang))
themes = cached.themes(ctx.path, ctx.token, ctx.scope(view.filters))
left, right = st.columns([2, 3])
with left:
    st.markdown(f"**{t('themes', lang)}**")
    if themes.is_empty():
        st.info(t("no_themes", lang), icon=":material/forum:")
    else:
        widgets.table(tables.themes_table(themes, lang), lang, "themes_table",
                      f"comment-themes-{view.filters.date_from}")
with right:
    if widgets.rows_allowed(ctx, t("search_comments", lang)):
        search_col, score_col = st.columns([2, 1])
        search = search_col.text_input(t("search_comments", lang), key="comment_search",
                                       placeholder=t("search_placeholder", lang))
        score = score_col.selectbox(
            t("score", lang), [None, 1, 2, 3, 4, 5], key="comment_score",
            format_func=lambda s: t("all", lang) if s is None else str(s))
        found = cached.drill(ctx.path, ctx.token, ctx.scope(view.filters, grain=view.grain),
                             "comments", (("score", score),) if score else (),
                             search.strip() or None, 500)
        st.caption(t("comments_found", lang, n=f"{found.total:,}", shown=found.rows.height))
        shown = presentable(found.rows.select("sent_at", "score", "comment", "channel",
                                              "team", "agent", "ticket_id"), lang)
        widgets.table(shown, lang, "comments_table", f"comments-{view.filters.date_from}")

widgets.drill_panel(ctx, "satisfaction", ("csat", "surveys_sent", "survey_response_rate",
                                          "dont_know", "nps"), view.grain,
                    dimensions=("channel", "team", "agent", "score"))
