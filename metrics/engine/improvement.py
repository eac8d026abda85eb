"""Improvement actions: the PDCA loop a monthly review closes.

A manager records what will be done (Plan), by whom and when, and the KPI it should move; the
period it was raised on is its baseline. Later reviews show the KPI before (the baseline) and
after (the review's period) until it is closed with its result (Check, Act).

The actions live in their own file beside the store (servicelens.actions.duckdb), as the audit
trail does: editing one must not change the store's token, which would drop every cached
number, nor wait behind an import's write lock. Times are the site's wall clock.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any, Final, Literal

import duckdb
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from metrics.core import catalog
from metrics.core.errors import UsageError
from metrics.core.scope import site_now
from metrics.engine.store import Store, StoreError, StoreLocked, one_writer

Status = Literal["open", "closed"]
DDL: Final[str] = """
    CREATE SEQUENCE IF NOT EXISTS pdca_id_seq START 1;
    CREATE TABLE IF NOT EXISTS pdca_actions (
        id BIGINT PRIMARY KEY DEFAULT nextval('pdca_id_seq'),
        what VARCHAR NOT NULL,
        owner VARCHAR NOT NULL,
        due DATE,
        metric_id VARCHAR,
        baseline_from DATE NOT NULL,
        baseline_to DATE NOT NULL,
        status VARCHAR NOT NULL,
        source VARCHAR NOT NULL,
        result VARCHAR,
        created_at TIMESTAMP NOT NULL,
        created_by VARCHAR NOT NULL,
        updated_at TIMESTAMP NOT NULL,
        closed_at TIMESTAMP,
        closed_by VARCHAR
    );
"""
FIELDS: Final[str] = ("id, what, owner, due, metric_id, baseline_from, baseline_to, status, "
                      "source, result, created_at, created_by, updated_at, closed_at, closed_by")


class Plan(BaseModel):
    """What a person enters: the action, its owner, due date and the KPI it should move,
    and the period it was raised on (the baseline its effect is measured against)."""

    model_config = ConfigDict(frozen=True, str_strip_whitespace=True)

    what: str = Field(min_length=1, max_length=500)
    owner: str = Field(min_length=1, max_length=100)
    due: date | None = None
    metric_id: str | None = None
    baseline_from: date
    baseline_to: date

    @field_validator("metric_id")
    @classmethod
    def _known_metric(cls, value: str | None) -> str | None:
        if value is not None and value not in catalog.BY_ID:
            raise ValueError(f"no metric {value!r} in the catalog")
        return value

    @model_validator(mode="after")
    def _ordered(self) -> Plan:
        if self.baseline_from > self.baseline_to:
            raise ValueError("the baseline period starts after it ends")
        return self


class Improvement(Plan):
    """A stored action: the plan, its state and who did what when."""

    id: int
    status: Status
    source: str
    result: str | None = None
    created_at: datetime
    created_by: str
    updated_at: datetime
    closed_at: datetime | None = None
    closed_by: str | None = None

    def after_baseline(self, start: date, end: date) -> bool:
        """Whether a review of start-end shows an "after": any period other than the
        baseline itself that does not start before it (a month's review after a rolling
        30-day baseline that overlaps it included)."""
        return (start, end) != (self.baseline_from, self.baseline_to) \
            and start > self.baseline_from


def path(store: Store) -> Path:
    """The actions' file beside the store."""
    return store.sibling("actions")


def _now(store: Store, at: datetime | None) -> datetime:
    return (at or site_now(store.settings())).replace(microsecond=0)


def add(store: Store, plan: Plan, *, by: str, source: str = "manual",
        at: datetime | None = None) -> int:
    """Record a new open action; returns its id."""
    now = _now(store, at)
    with one_writer(path(store)):
        row = _inserted(store, plan, source=source, by=by, now=now)
    assert row is not None
    return int(row[0])


def _inserted(store: Store, plan: Plan, *, source: str, by: str,
              now: datetime) -> tuple[Any, ...] | None:
    con = _opened(store, read_only=False)
    try:
        con.execute(DDL)
        return con.execute(
            "INSERT INTO pdca_actions (what, owner, due, metric_id, baseline_from, baseline_to,"
            " status, source, created_at, created_by, updated_at) VALUES ($what, $owner, $due,"
            " $metric, $start, $end, 'open', $source, $now, $by, $now) RETURNING id",
            {"what": plan.what, "owner": plan.owner, "due": plan.due, "metric": plan.metric_id,
             "start": plan.baseline_from, "end": plan.baseline_to, "source": source[:100],
             "now": now, "by": by[:100]}).fetchone()
    finally:
        con.close()


def _changed(store: Store, action_id: int, sql: str, params: dict[str, object]) -> None:
    with one_writer(path(store)):
        _change(store, action_id, sql, params)


def _change(store: Store, action_id: int, sql: str, params: dict[str, object]) -> None:
    con = _opened(store, read_only=False)
    try:
        con.execute(DDL)
        found = con.execute("SELECT count(*) FROM pdca_actions WHERE id = $id",
                            {"id": action_id}).fetchone()
        if not found or not found[0]:
            raise UsageError(f"no improvement action #{action_id}")
        con.execute(sql, {**params, "id": action_id})
    finally:
        con.close()


def edit(store: Store, action_id: int, plan: Plan, *, at: datetime | None = None) -> None:
    """Change an action's plan (what, owner, due date, KPI, baseline)."""
    _changed(store, action_id,
             "UPDATE pdca_actions SET what = $what, owner = $owner, due = $due, "
             "metric_id = $metric, baseline_from = $start, baseline_to = $end, "
             "updated_at = $now WHERE id = $id",
             {"what": plan.what, "owner": plan.owner, "due": plan.due,
              "metric": plan.metric_id, "start": plan.baseline_from, "end": plan.baseline_to,
              "now": _now(store, at)})


def close(store: Store, action_id: int, *, result: str, by: str,
          at: datetime | None = None) -> None:
    """Close an action with what came of it."""
    text = result.strip()
    if not text or len(text) > 1000:
        raise UsageError("say in 1 to 1,000 characters what came of the action")
    now = _now(store, at)
    _changed(store, action_id,
             "UPDATE pdca_actions SET status = 'closed', result = $result, closed_at = $now, "
             "closed_by = $by, updated_at = $now WHERE id = $id",
             {"result": text, "now": now, "by": by[:100]})


def _readable(store: Store) -> bool:
    """Whether there is an actions file to read: none, or an empty one (a file left by a
    create that never wrote), hold no actions; a damaged one is said in words."""
    file = path(store)
    return file.exists() and file.stat().st_size > 0


def _opened(store: Store, read_only: bool) -> duckdb.DuckDBPyConnection:
    file = path(store)
    if not read_only and file.exists() and file.stat().st_size == 0:
        file.unlink()  # an empty file is no database: start it again
    try:
        return store.connect_file(file, read_only=read_only)
    except StoreLocked:
        raise
    except StoreError as error:
        raise StoreError(f"the improvement actions file {file} is damaged ({error.__cause__}); "
                         "restore it from a backup, or move it away to start a new one"
                         ) from error


def listing(store: Store) -> list[Improvement]:
    """Every action: open ones first by due date, then closed ones, latest closed first."""
    if not _readable(store):
        return []
    con = _opened(store, read_only=True)
    try:
        tables = con.execute("SELECT count(*) FROM duckdb_tables() "
                             "WHERE table_name = 'pdca_actions'").fetchone()
        if not tables or not tables[0]:
            return []
        rows = con.execute(
            f"SELECT {FIELDS} FROM pdca_actions ORDER BY status = 'closed', "  # noqa: S608 - constant text
            "CASE WHEN status = 'open' THEN due END NULLS LAST, closed_at DESC, id").fetchall()
    finally:
        con.close()
    names = [f.strip() for f in FIELDS.split(",")]
    return [Improvement(**dict(zip(names, row, strict=True))) for row in rows]


def for_review(store: Store, start: date, end: date) -> list[Improvement]:
    """The actions a review of start-end shows: raised on or before its end (baseline) and
    still open, or closed on or after its start."""
    return [a for a in listing(store)
            if a.baseline_from <= end
            and (a.status == "open" or (a.closed_at is not None and a.closed_at.date() >= start))]
