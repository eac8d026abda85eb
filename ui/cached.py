"""Cached calls into metrics/: keyed by the store's path and write token and by the Scope, so
new data shows at once and a result is reused only for the very view it answers."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import polars as pl
import streamlit as st

from metrics.core.filters import Filters
from metrics.core.scope import Scope
from metrics.core.settings import Settings
from metrics.engine import improvement, queries
from metrics.engine.store import Store, StoreToken
from metrics.ingest import importer
from metrics.ingest.mapping import Mapping
from metrics.views import analysis, scorecards
from metrics.views import calls as calls_mod
from metrics.views import drill as drill_mod
from metrics.views import overview as overview_mod
from metrics.views import qa as qa_mod
from metrics.views import themes as themes_mod
from metrics.views.pages import THEMES_LIMIT  # the newest comments whose themes are counted
from metrics.views.scorecards import Level

# Scopes are keyed by what changes the answer (Scope.answer_key), not by who asks.
BY_ANSWER: dict[str | type[Any], Callable[[Any], Any]] = {Scope: Scope.answer_key}
P = ParamSpec("P")
R = TypeVar("R")


def _one_connection(compute: Callable[P, R]) -> Callable[P, R]:
    """Compute with one read connection to the store at the argument `path` for all its
    queries (Store.shared), opened once instead of once per query."""
    signature = inspect.signature(compute)

    @functools.wraps(compute)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        path = signature.bind(*args, **kwargs).arguments["path"]
        with Store(path).shared():
            return compute(*args, **kwargs)

    return run


@st.cache_resource(show_spinner=False)
def open_store(path: str) -> Store:
    """The store, migrated once per server process."""
    store = Store(path)
    if store.exists():
        store.ensure()
    return store


@st.cache_data(show_spinner=False, max_entries=8)
def settings(path: str, token: StoreToken) -> Settings:
    return Store(path).settings()


@st.cache_data(show_spinner=False, max_entries=8)
@_one_connection
def dimensions(path: str, token: StoreToken) -> dict[str, list[str]]:
    return queries.dimension_values(Store(path))


@st.cache_data(show_spinner=False, max_entries=16)
def agent_teams(path: str, token: StoreToken, period: Filters) -> dict[str, str]:
    """Each agent's team in the period (the one rule of `sql.AGENT_TEAMS`)."""
    return queries.agent_teams(Store(path), period)


@st.cache_data(show_spinner=False, max_entries=8)
@_one_connection
def freshness(path: str, token: StoreToken) -> dict[str, object]:
    store = Store(path)
    return {"latest": store.latest_dates(), "first": queries.first_day(store),
            "demo": store.is_demo(), "as_of": store.data_as_of()}


@st.cache_data(show_spinner=False, max_entries=32, hash_funcs=BY_ANSWER)
@_one_connection
def overview(path: str, token: StoreToken, scope: Scope) -> overview_mod.Overview:
    return overview_mod.overview(Store(path), scope)


@st.cache_data(show_spinner=False, max_entries=4)
def import_log(path: str, token: StoreToken) -> pl.DataFrame:
    return importer.log(Store(path))


@st.cache_data(show_spinner=False, max_entries=64)
def preview(path: Path, kind: str | None, mapping: Mapping, encoding: str | None, site_tz: str,
            lang: str, rows: int) -> importer.Preview:
    """The head of an uploaded file as it would be stored (files are keyed by content)."""
    return importer.preview_file(path, kind=kind, mapping=mapping, encoding=encoding,
                                 site_tz=site_tz, lang=lang, rows=rows)


@st.cache_data(show_spinner=False, max_entries=16, hash_funcs=BY_ANSWER)
@_one_connection
def calls(path: str, token: StoreToken, scope: Scope) -> calls_mod.CallsPage:
    """The Calls page's numbers."""
    return calls_mod.calls_page(Store(path), scope)


@st.cache_data(show_spinner=False, max_entries=16, hash_funcs=BY_ANSWER)
def staffing(path: str, token: StoreToken, scope: Scope) -> pl.DataFrame:
    """The staffing view: Erlang C need against the agents seen, per weekday x half hour."""
    return calls_mod.staffing(Store(path), scope)


@st.cache_data(show_spinner=False, max_entries=32, hash_funcs=BY_ANSWER)
@_one_connection
def page(name: str, path: str, token: StoreToken, scope: Scope) -> analysis.Page:
    """One analysis page's numbers (response, resolution, complaints, satisfaction)."""
    compute = {"response": analysis.response, "resolution": analysis.resolution,
               "complaints": analysis.complaints, "satisfaction": analysis.satisfaction}[name]
    return compute(Store(path), scope)


@st.cache_data(show_spinner=False, max_entries=32, hash_funcs=BY_ANSWER)
@_one_connection
def drill(path: str, token: StoreToken, scope: Scope, metric_id: str,
          segment: tuple[tuple[str, object], ...], search: str | None = None,
          limit: int = drill_mod.LIMIT) -> drill_mod.Drill:
    """The rows behind a metric for the scope plus a segment, masked."""
    return drill_mod.drill(Store(path), scope, metric_id, dict(segment), search=search,
                           limit=limit)


@st.cache_data(show_spinner=False, max_entries=16, hash_funcs=BY_ANSWER)
@_one_connection
def themes(path: str, token: StoreToken, scope: Scope) -> pl.DataFrame:
    """Recurring words of the scope's comments, lowest-scoring first."""
    return themes_mod.scope_themes(Store(path), scope, THEMES_LIMIT)


@st.cache_data(show_spinner=False, max_entries=32, hash_funcs=BY_ANSWER)
@_one_connection
def scorecard(path: str, token: StoreToken, scope: Scope, level: Level) -> pl.DataFrame:
    """Every agent (or team) in scope with its indicators, composite and rank."""
    return scorecards.scorecard(Store(path), scope, level)


@st.cache_data(show_spinner=False, max_entries=32, hash_funcs=BY_ANSWER)
@_one_connection
def sparklines(path: str, token: StoreToken, scope: Scope,
               level: Level) -> dict[str, list[float | None]]:
    """Each agent's (team's) composite per week or month."""
    return scorecards.sparklines(Store(path), scope, level)


@st.cache_data(show_spinner=False, max_entries=32, hash_funcs=BY_ANSWER)
@_one_connection
def agent_trends(path: str, token: StoreToken, scope: Scope, agent: str,
                 team: str | None) -> pl.DataFrame:
    """One agent's trended indicators beside their team's."""
    return scorecards.agent_trends(Store(path), scope, agent, team)


@st.cache_data(show_spinner=False, max_entries=64, hash_funcs=BY_ANSWER)
@_one_connection
def frame_by(path: str, token: StoreToken, scope: Scope, metric_ids: tuple[str, ...],
             group_by: tuple[str, ...]) -> pl.DataFrame:
    """Metrics per group for the scope (a breakdown a page needs once)."""
    return queries.frame(Store(path), scope, metric_ids, group_by=group_by)


@st.cache_data(show_spinner=False, max_entries=32, hash_funcs=BY_ANSWER)
@_one_connection
def qa(path: str, token: StoreToken, scope: Scope) -> qa_mod.QaView:
    """The QA page's numbers: cards, team and agent scores, violations, repeat offenders."""
    return qa_mod.qa_view(Store(path), scope)


@st.cache_data(show_spinner=False, max_entries=4)
def review_pack(path: str, token: StoreToken, scope: Scope, lang: str, kind: str,
                actions: tuple[float, int] = (0.0, 0)) -> bytes:
    """The monthly review pack for the scope, as PDF or zip bytes (made when downloaded).
    Keyed by the whole scope, the user's role included: its sections follow the role; and by
    the improvement actions' file (`actions_version`), which changes without the store."""
    # here, not on top: fpdf loads only when a pack is made
    from metrics.report import archive as review_zip
    from metrics.report import pack as review
    from metrics.report import pdf as review_pdf

    pack = review.build(Store(path), scope, lang)
    return review_pdf.to_pdf(pack) if kind == "pdf" else review_zip.to_zip(pack)


def actions_version(path: str) -> tuple[float, int]:
    """The improvement actions' file's modification time and size (0, 0 when none): a cache
    key part for what shows the actions, since editing one leaves the store's token alone."""
    try:
        stat = improvement.path(Store(path)).stat()
    except FileNotFoundError:
        return (0.0, 0)
    return (stat.st_mtime, stat.st_size)
