"""Cached calls into metrics/: results keyed by the store's write token, so new data shows."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import polars as pl
import streamlit as st

from metrics import ingest, queries
from metrics import overview as overview_mod
from metrics.filters import Filters
from metrics.mapping import Mapping
from metrics.settings import Settings
from metrics.sql import Grain
from metrics.store import Store


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
    return ingest.log(Store(path))


@st.cache_data(show_spinner=False, max_entries=64)
def preview(path: Path, kind: str | None, mapping: Mapping, encoding: str | None, site_tz: str,
            lang: str, rows: int) -> ingest.Preview:
    """The head of an uploaded file as it would be stored (files are keyed by content)."""
    return ingest.preview_file(path, kind=kind, mapping=mapping, encoding=encoding,
                               site_tz=site_tz, lang=lang, rows=rows)
