"""Drawing the scorecards: the page head, the styled table, and the way into one agent."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pandas as pd
import polars as pl
import streamlit as st

from metrics.core import catalog
from metrics.core.filters import Filters
from metrics.core.settings import Settings
from metrics.present import formatting, tables
from metrics.present.charts import ChartSpec
from metrics.present.words import t
from ui import frame, widgets
from ui.frame import Context

AGENT_PAGE = "pages/agent.py"
BETTER, WORSE = "background-color: #dcfce7", "background-color: #fee2e2"


def header(ctx: Context, page: str) -> Filters:
    """Title, scope line and the composite's rule; stops with a next step when there is no data."""
    lang = ctx.lang
    filters = widgets.page_head(ctx, page)
    clock = formatting.clock_word(filters, lang)
    st.caption(f"{filters.date_from} – {filters.date_to} · {clock}  \n"
               f"{weights_text(ctx.settings, lang)}  \n{rule_text(ctx.settings, lang)}")
    return filters


def weights_text(settings: Settings, lang: str) -> str:
    """综合得分 = 及时响应率 × 0.2 + …"""
    name = catalog.get("agent_composite").name(lang)
    parts = " + ".join(f"{catalog.get(m).name(lang)} × {w:g}"
                       for m, w in settings.agent_weights.items())
    return f"{name} = {parts}"


def rule_text(settings: Settings, lang: str) -> str:
    return t("rank_rule", lang, tickets=settings.rank_min_tickets,
             answers=settings.rank_min_answers)


def go_to_agent(agent: str) -> None:
    """Open the One agent page on this agent, in the same view (language, filters, clock)."""
    st.session_state["person"] = agent
    frame.switch_keeping_view(AGENT_PAGE, frame.current().filters, person=agent)


def pick_to_agent(spec: ChartSpec, key: str) -> None:
    """A chart whose clicked agent opens their page; with its PNG and SVG downloads."""
    event = widgets.draw(spec, key, pick=True)
    widgets.chart_downloads(spec, key)
    picked = widgets.picked(event)
    if picked and picked.get("agent") and st.session_state.get(f"_{key}_last") != picked:
        st.session_state[f"_{key}_last"] = picked
        go_to_agent(str(picked["agent"]))


def agent_link(ctx: Context, agent: str) -> str:
    """A link to the agent's page that reproduces the view (language, filters, clock)."""
    params = {**frame.view_params(ctx.filters), "person": agent}
    return "agent?" + urlencode(params, doseq=True)


def table(ctx: Context, df: pl.DataFrame, spark: dict[str, list[float | None]], level: str,
          key: str) -> None:
    """The scorecard, cells shaded against the team, a trend per row; a picked row opens the
    agent's page. Downloads as CSV and XLSX."""
    lang = ctx.lang
    shown = tables.scorecard_table(df, lang, ctx.settings, level)
    frame_ = shown.to_pandas()
    trend_col = t("trend", lang)
    frame_.insert(3 if level == "agent" else 2, trend_col,
                  [_points(spark.get(str(name), [])) for name in df[level].to_list()])
    config: dict[str, Any] = {
        trend_col: st.column_config.LineChartColumn(
            trend_col, help=t("trend_help", lang), width="small"),
        t("rank", lang): st.column_config.NumberColumn(t("rank", lang), format="%d",
                                                       width="small", pinned=True),
    }
    name_col = shown.columns[1]
    if level == "agent":
        link_col = t("open_agent", lang)
        frame_[link_col] = [agent_link(ctx, a) for a in df["agent"].to_list()]
        config[link_col] = st.column_config.LinkColumn(link_col, display_text="↗",
                                                       width="small")
        config[name_col] = st.column_config.TextColumn(name_col, pinned=True)
    shade = _shade(tables.team_comparison(df, lang))  # a fixed uuid: the same table each run
    styled = frame_.style.set_uuid(key).apply(shade, axis=None) if level == "agent" else frame_
    if level == "agent":
        event: object = st.dataframe(styled, hide_index=True, column_config=config, key=key,
                                     on_select="rerun", selection_mode="single-row",
                                     placeholder="—")
    else:
        event = st.dataframe(styled, hide_index=True, column_config=config, key=key,
                             placeholder="—")
    widgets.download(shown, lang, f"{key}_dl", f"scorecard-{level}-{ctx.filters.date_from}"
                     f"-{ctx.filters.date_to}" if ctx.filters else f"scorecard-{level}")
    rows = _selected_rows(event)
    if level == "agent" and rows:
        go_to_agent(str(df["agent"][rows[0]]))


def _points(values: list[float | None]) -> list[float]:
    """A sparkline's points: weeks without data are skipped (the column takes numbers only)."""
    points = [v for v in values if v is not None]
    return points if len(points) > 1 else []


def _selected_rows(event: object) -> list[int]:
    try:
        return list(event["selection"]["rows"])  # type: ignore[index]
    except (KeyError, TypeError):
        return []


def _shade(signs: dict[str, list[int]]):  # type: ignore[no-untyped-def]
    """A Styler function colouring each compared cell: green better than the team, red worse."""
    def apply(frame_: pd.DataFrame) -> pd.DataFrame:
        css = pd.DataFrame("", index=frame_.index, columns=frame_.columns)
        for column, values in signs.items():
            if column in css.columns:
                css[column] = [BETTER if s > 0 else WORSE if s < 0 else "" for s in values]
        return css
    return apply


def coaching_block(points_text: list[str], lang: str) -> None:
    """The coaching points as a list, or a note that there is nothing to coach."""
    if not points_text:
        st.success(t("no_points", lang), icon=":material/thumb_up:")
        return
    st.markdown("\n".join(f"- {line}" for line in points_text))
