"""Drawing helpers: KPI cards and charts, the same look on every page."""

from __future__ import annotations

import streamlit as st

from metrics import formatting
from metrics.charts import ChartSpec
from metrics.i18n import t
from metrics.overview import Card


def kpi_card(card: Card, lang: str) -> None:
    """A bordered card: value, change vs the previous period, target and its status."""
    m = card.metric
    cur, prev = card.current.value, card.previous.value
    delta = formatting.change(m, cur, prev, lang)
    color = {True: "normal", False: "inverse", None: "off"}[m.higher_is_better]
    spark = [v for v in card.sparkline if v is not None]
    with st.container(border=True):
        st.metric(
            label=m.name(lang),
            value=formatting.value(m, cur, lang),
            delta=delta,
            delta_color=color,  # type: ignore[arg-type]
            help=f"{m.formula(lang)}\n\n{m.note(lang)}".strip(),
            chart_data=spark if len(spark) > 1 else None,
            chart_type="area" if m.unit == "count" else "line",
            delta_description=t("vs_previous", lang) if delta else None,
        )
        st.caption(target_line(card, lang))


def target_line(card: Card, lang: str) -> str:
    """"Target ≥ 95.0% · below target", with the sample behind a rate where it matters."""
    m = card.metric
    if m.target_kind == "channel_standard" and card.target is None:
        text = f"{t('target', lang)}：{t('channel_target', lang)}" if lang == "zh" \
            else f"{t('target', lang)}: {t('channel_target', lang)}"
        return text
    if card.target is None:
        return t("no_target", lang)
    if m.target_metric:
        goal = f"{t('severe', lang)} = 0"
        sample = f"{t('severe', lang)} {int(card.target_value or 0)}"
    else:
        goal = formatting.target(m, card.target, lang)
        sample = ""
    status = {True: f":green[{t('met', lang)}]", False: f":red[{t('missed', lang)}]",
              None: t("no_data", lang)}[card.on_target]
    sep = "：" if lang == "zh" else ": "
    parts = [f"{t('target', lang)}{sep}{goal}", status]
    if sample:
        parts.append(sample)
    if m.unit == "fraction" and card.current.denominator is not None:
        parts.append(f"n = {int(card.current.denominator):,}")
    return " · ".join(parts)


def chart(spec: ChartSpec, key: str) -> None:
    """Render a chart built in metrics.charts exactly as it exports (no Streamlit theme)."""
    st.altair_chart(spec, theme=None, width="stretch", key=key)
