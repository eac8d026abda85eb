"""指标说明 Metric catalog: every metric's name, formula, unit and target, from the declarations."""

from __future__ import annotations

import polars as pl
import streamlit as st

from metrics.present import formatting, tables
from metrics.present.words import label, t
from ui import frame, widgets

ctx = frame.current()
lang = ctx.lang
st.title(t("catalog_page", lang))
st.caption(t("catalog_intro", lang))

headers = {c: t(f"catalog_{c}", lang) for c in
           ("id", "name", "formula", "unit", "direction", "target", "notes")}
config = {headers["formula"]: st.column_config.TextColumn(width="large"),
          headers["notes"]: st.column_config.TextColumn(width="large")}
st.subheader(t("catalog_main", lang))
main = tables.catalog_table(lang, ctx.settings, public=True).rename(headers)
widgets.table(main, lang, "catalog_dl", "metric-catalog", column_config=config)
st.subheader(t("catalog_supporting", lang))
widgets.table(tables.catalog_table(lang, ctx.settings, public=False).rename(headers), lang,
              "catalog_supporting_dl", "metric-catalog-supporting", column_config=config)

st.subheader(t("catalog_rules", lang))
st.markdown(t("catalog_rules_text", lang))
standards = pl.DataFrame({
    t("channel", lang): [label("channel", c, lang) for c in ctx.settings.channel_standards_s],
    t("stat_standard", lang): [formatting.duration(s, lang)
                               for s in ctx.settings.channel_standards_s.values()],
})
left, right = st.columns(2)
with left:
    st.markdown(f"**{t('channel_standards', lang)}**")
    widgets.table(standards, lang, "standards_dl", "channel-standards")
with right:
    st.markdown(f"**{t('schedule', lang)}**")
    st.markdown(widgets.schedule_text(ctx.settings.business_hours, lang))
    limit = formatting.duration(ctx.settings.complaint_limit_s, lang)
    st.markdown(t("limit_line", lang, limit=limit))
