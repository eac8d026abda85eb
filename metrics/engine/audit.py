"""The audit trail: who saw rows unmasked or took data away, when, with which view and filters.

Issue 13: an unmasked view or download is recorded, and so is every export and every sign-in
(failed ones with the name typed, never a password). Entries are only ever added; admins read
them on the Audit page and with `servicelens audit`. Times are the site's wall clock, naive,
to the second, like every other time in the store.

The trail lives in its own file beside the store (servicelens.audit.duckdb): writing it must not
change the store's token, which would drop every cached result of every session at each export
or sign-in, nor wait behind a long import's write lock.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Final, Literal, get_args
from zoneinfo import ZoneInfo

import polars as pl

from metrics.core.filters import Filters
from metrics.core.scope import site_now
from metrics.engine.store import Store, one_writer

Action = Literal["view", "export", "sign_in", "sign_out", "sign_in_failed"]
# Checked here rather than by a CHECK constraint, so that a new action needs no table rebuild.
ACTIONS: Final[tuple[Action, ...]] = get_args(Action)
TRAIL_DDL: Final[str] = """
    CREATE SEQUENCE IF NOT EXISTS audit_id_seq START 1;
    CREATE TABLE IF NOT EXISTS audit_log (
        id BIGINT PRIMARY KEY DEFAULT nextval('audit_id_seq'),
        logged_at TIMESTAMP NOT NULL,
        user_name VARCHAR NOT NULL,
        action VARCHAR NOT NULL,
        view VARCHAR NOT NULL,
        filters JSON,
        rows BIGINT,
        unmasked BOOLEAN NOT NULL DEFAULT false
    );
"""
# A name typed at a failed sign-in can be anything; the trail keeps a bounded prefix of it.
NAME_MAX: Final[int] = 200
COLUMNS: Final[dict[str, pl.DataType]] = {
    "at": pl.Datetime("us"), "user": pl.String(), "action": pl.String(), "view": pl.String(),
    "filters": pl.String(), "rows": pl.Int64(), "unmasked": pl.Boolean(),
}


def details(filters: Filters | None, detail: Mapping[str, object] | None) -> str | None:
    """One compact JSON object: the filter fields that are set, then the detail; None when
    there is neither."""
    fields: dict[str, object] = {}
    if filters is not None:
        fields.update(filters.model_dump(mode="json", exclude_defaults=True))
    for key, value in (detail or {}).items():
        if key in fields:
            raise ValueError(f"the audit detail {key!r} would hide the filter of that name")
        fields[key] = value
    if not fields:
        return None
    return json.dumps(fields, ensure_ascii=False, separators=(",", ":"), default=str)


def _site_time(store: Store, at: datetime | None) -> datetime:
    """`at` as the site's naive wall clock (now when None), to the second."""
    if at is not None and at.tzinfo is None:
        return at.replace(microsecond=0)
    settings = store.settings()
    if at is None:
        return site_now(settings)
    return at.astimezone(ZoneInfo(settings.timezone)).replace(tzinfo=None, microsecond=0)


def record(store: Store, *, user: str, action: Action, view: str,
           filters: Filters | None = None, detail: Mapping[str, object] | None = None,
           rows: int | None = None, unmasked: bool = False, at: datetime | None = None) -> None:
    """Add one entry to the trail (creating the trail's file on the first)."""
    if action not in ACTIONS:
        raise ValueError(f"not an audit action: {action!r}")
    params = {
        "at": _site_time(store, at), "user": user[:NAME_MAX], "action": action, "view": view,
        "filters": details(filters, detail), "rows": rows, "unmasked": unmasked,
    }
    with one_writer(trail_path(store)):
        con = store.connect_file(trail_path(store), read_only=False)
        try:
            con.execute(TRAIL_DDL)
            con.execute(
                "INSERT INTO audit_log (logged_at, user_name, action, view, filters, rows,"
                " unmasked) VALUES ($at, $user, $action, $view, $filters, $rows, $unmasked)",
                params)
        finally:
            con.close()


def trail_path(store: Store) -> Path:
    """The trail's file beside the store."""
    return store.sibling("audit")


def _has_trail(store: Store) -> bool:
    """Whether the trail's file exists (reading never creates it)."""
    return trail_path(store).exists()


def _where(start: date | None, end: date | None,
           user: str | None) -> tuple[str, dict[str, object]]:
    """The WHERE clause of a trail query (constant text) and its bind parameters."""
    clauses: list[str] = ["true"]
    params: dict[str, object] = {}
    if start is not None:
        clauses.append("logged_at >= $start")
        params["start"] = datetime.combine(start, datetime.min.time())
    if end is not None:
        clauses.append("logged_at < $after")
        params["after"] = datetime.combine(end + timedelta(days=1), datetime.min.time())
    if user is not None:
        clauses.append("user_name = $user")
        params["user"] = user
    return " AND ".join(clauses), params


def entries(store: Store, *, start: date | None = None, end: date | None = None,
            user: str | None = None, limit: int = 10_000) -> pl.DataFrame:
    """The trail, newest first: at, user, action, view, filters (JSON text), rows, unmasked.
    `start` and `end` are inclusive days; at most `limit` entries."""
    if not _has_trail(store):
        return pl.DataFrame(schema=COLUMNS)
    where, params = _where(start, end, user)
    con = store.connect_file(trail_path(store), read_only=True)
    try:
        found = con.sql(
            "SELECT logged_at AS at, user_name AS user, action, view,"  # noqa: S608 - `where` is this module's own text; values are $params
            f" CAST(filters AS VARCHAR) AS filters, rows, unmasked FROM audit_log WHERE {where}"
            " ORDER BY logged_at DESC, id DESC LIMIT $limit",
            params={**params, "limit": max(limit, 0)},
        ).pl()
    finally:
        con.close()
    return found.cast(COLUMNS)


def names(store: Store) -> list[str]:
    """Everyone who appears in the trail, by name."""
    if not _has_trail(store):
        return []
    con = store.connect_file(trail_path(store), read_only=True)
    try:
        rows = con.execute("SELECT DISTINCT user_name FROM audit_log ORDER BY 1").fetchall()
    finally:
        con.close()
    return [str(r[0]) for r in rows]
