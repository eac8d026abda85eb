"""Cached calls into metrics/: results keyed by the store's write token, so new data shows."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import polars as pl
import streamlit as st

from metrics.core.filters import Filters
from metrics.core.settings import Settings
from metrics.engine import queries
from metrics.engine.sql import Grain
from metrics.engine.store import Store
from metrics.ingest import importer
from metrics.ingest.mapping import Mapping
from metrics.views import analysis, scorecards
from metrics.views import drill as drill_mod
from metrics.views import overview as overview_mod
from metrics.views import qa as qa_mod
from metrics.views import themes as themes_mod

THEMES_LIMIT = 50_000  # the newest comments whose themes are counted


@st.cache_resource(show_spinner=False)
def open_store(path: str) -> Store:
    """The store, migrated once per server process."""
    store = Store(path)
    if store.exists():
        store.ensure()
    return store


@st.cache_data(show_spinner=False, max_entries=8)
def settings(path: str, token: tuple[float, int, float, int]) -> Settings:
    return Store(path).settings()


@st.cache_data(show_spinner=False, max_entries=8)
def dimensions(path: str, token: tuple[float, int, float, int]) -> dict[str, list[str]]:
    return queries.dimension_values(Store(path))


@st.cache_data(show_spinner=False, max_entries=8)
def agent_teams(path: str, token: tuple[float, int, float, int]) -> dict[str, str]:
    return queries.agent_teams(Store(path))


@st.cache_data(show_spinner=False, max_entries=8)
def freshness(path: str, token: tuple[float, int, float, int]) -> dict[str, object]:
    store = Store(path)
    return {"latest": store.latest_dates(), "first": queries.first_ticket_date(store),
            "demo": store.is_demo()}


@st.cache_data(show_spinner=False, max_entries=32)
def overview(
    path: str,
    token: tuple[float, int, float, int],
    filters: Filters,
    grain: Grain,
    site: Settings,
    as_of: datetime,
) -> overview_mod.Overview:
    return overview_mod.overview(Store(path), filters, grain, settings=site, as_of=as_of)


@st.cache_data(show_spinner=False, max_entries=4)
def import_log(path: str, token: tuple[float, int, float, int]) -> pl.DataFrame:
    return importer.log(Store(path))


@st.cache_data(show_spinner=False, max_entries=64)
def preview(path: Path, kind: str | None, mapping: Mapping, encoding: str | None, site_tz: str,
            lang: str, rows: int) -> importer.Preview:
    """The head of an uploaded file as it would be stored (files are keyed by content)."""
    return importer.preview_file(path, kind=kind, mapping=mapping, encoding=encoding,
                               site_tz=site_tz, lang=lang, rows=rows)


@st.cache_data(show_spinner=False, max_entries=32)
def page(
    name: str,
    path: str,
    token: tuple[float, int, float, int],
    filters: Filters,
    grain: Grain,
    site: Settings,
    as_of: datetime,
) -> analysis.Page:
    """One analysis page's numbers (response, resolution, complaints, satisfaction)."""
    compute = {"response": analysis.response, "resolution": analysis.resolution,
               "complaints": analysis.complaints, "satisfaction": analysis.satisfaction}[name]
    return compute(Store(path), filters, grain, settings=site, as_of=as_of)


@st.cache_data(show_spinner=False, max_entries=32)
def drill(
    path: str,
    token: tuple[float, int, float, int],
    filters: Filters,
    metric_id: str,
    segment: tuple[tuple[str, object], ...],
    site: Settings,
    as_of: datetime,
    grain: Grain,
    search: str | None = None,
    limit: int = drill_mod.LIMIT,
) -> drill_mod.Drill:
    """The rows behind a metric for the filters plus a segment, masked."""
    return drill_mod.drill(Store(path), filters, metric_id, dict(segment), settings=site,
                           as_of=as_of, grain=grain, search=search, limit=limit)


@st.cache_data(show_spinner=False, max_entries=16)
def themes(path: str, token: tuple[float, int, float, int], filters: Filters, site: Settings,
           as_of: datetime) -> pl.DataFrame:
    """Recurring words of the scope's comments, lowest-scoring first."""
    rows = drill_mod.drill(Store(path), filters, "comments", settings=site, as_of=as_of,
                           limit=THEMES_LIMIT).rows
    return themes_mod.themes(rows.select("comment", "score"))


@st.cache_data(show_spinner=False, max_entries=32)
def scorecard(path: str, token: tuple[float, int, float, int], filters: Filters, level: str,
              site: Settings, as_of: datetime) -> pl.DataFrame:
    """Every agent (or team) in scope with its indicators, composite and rank."""
    return scorecards.scorecard(Store(path), filters, "team" if level == "team" else "agent",
                                settings=site, as_of=as_of)


@st.cache_data(show_spinner=False, max_entries=32)
def sparklines(path: str, token: tuple[float, int, float, int], filters: Filters, level: str,
               site: Settings, as_of: datetime) -> dict[str, list[float | None]]:
    """Each agent's (team's) composite per week or month."""
    return scorecards.sparklines(Store(path), filters, "team" if level == "team" else "agent",
                                 settings=site, as_of=as_of)


@st.cache_data(show_spinner=False, max_entries=32)
def agent_trends(path: str, token: tuple[float, int, float, int], filters: Filters, agent: str,
                 team: str | None, site: Settings, as_of: datetime) -> pl.DataFrame:
    """One agent's trended indicators beside their team's."""
    return scorecards.agent_trends(Store(path), filters, agent, team,
                                   scorecards.trend_grain(filters), settings=site, as_of=as_of)


@st.cache_data(show_spinner=False, max_entries=64)
def frame_by(path: str, token: tuple[float, int, float, int], filters: Filters,
             metric_ids: tuple[str, ...], group_by: tuple[str, ...], site: Settings,
             as_of: datetime) -> pl.DataFrame:
    """Metrics per group for the scope (a breakdown a page needs once)."""
    return queries.frame(Store(path), filters, metric_ids, group_by=group_by, settings=site,
                         as_of=as_of)


@st.cache_data(show_spinner=False, max_entries=32)
def qa(
    path: str,
    token: tuple[float, int, float, int],
    filters: Filters,
    grain: Grain,
    site: Settings,
    as_of: datetime,
) -> qa_mod.QaView:
    """The QA page's numbers: cards, team and agent scores, violations, repeat offenders."""
    return qa_mod.qa_view(Store(path), filters, grain, settings=site, as_of=as_of)


@st.cache_data(show_spinner=False, max_entries=4)
def review_pack(path: str, token: tuple[float, int, float, int], filters: Filters, grain: Grain,
                site: Settings, as_of: datetime, lang: str, kind: str) -> bytes:
    """The monthly review pack for the scope, as PDF or zip bytes (made when downloaded)."""
    # here, not on top: fpdf loads only when a pack is made
    from metrics.report import archive as review_zip
    from metrics.report import pack as review
    from metrics.report import pdf as review_pdf

    pack = review.build(Store(path), filters, lang, settings=site, as_of=as_of, grain=grain)
    return review_pdf.to_pdf(pack) if kind == "pdf" else review_zip.to_zip(pack)
