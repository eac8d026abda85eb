"""Drill-down: the rows behind a metric, under the same filters plus a segment, masked.

The rows are chosen by the metric's own declared population (``Metric.population``), so the
count a drill-down shows is the metric's denominator by construction, and tested to be.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final

import polars as pl

from metrics.core import catalog
from metrics.core.access import Access, AccessDenied
from metrics.core.catalog import Source
from metrics.core.scope import Scope
from metrics.engine.queries import listing_total
from metrics.engine.sql import compile_rows
from metrics.engine.store import Store

COLUMNS: Final[dict[Source, tuple[str, ...]]] = {
    "tickets": (
        "ticket_id", "created_at", "channel", "request_type", "category", "priority", "status",
        "agent", "team", "first_response_at", "frt_s", "resolved_at", "closed_at", "res_s",
        "reopen_count", "contacts", "escalated", "customer_name", "customer_phone", "product",
    ),
    "surveys": (
        "survey_id", "sent_at", "ticket_id", "channel", "team", "agent", "survey_channel",
        "responded_at", "score", "dont_know", "nps", "comment",
    ),
    "qa": ("inspection_id", "inspected_at", "agent", "team", "ticket_id", "inspector",
           "qa_score"),
    "violations": ("inspection_id", "ts", "agent", "team", "violation_category", "severity"),
    "calls": ("call_id", "queued_at", "answered_at", "ended_at", "outcome", "queue", "agent",
              "team", "wait_s", "talk_s", "hold_s", "acw_s", "handle_s", "customer_phone",
              "ticket_id"),
}
LIMIT: Final[int] = 5000


@dataclass(frozen=True)
class Drill:
    """The rows behind a number: how many there are in all, and the newest `limit` of them."""

    metric_id: str
    segment: dict[str, object]
    total: int
    rows: pl.DataFrame

    @property
    def truncated(self) -> bool:
        return self.total > self.rows.height


def mask_name(column: str = "customer_name") -> pl.Expr:
    """张三丰 -> 张**: the family name stays, the length of the given name does not show."""
    name = pl.col(column).str.strip_chars()
    return (pl.when(name.str.len_chars() > 0).then(name.str.slice(0, 1) + "**")
            .otherwise(None).alias(column))


def mask_phone(column: str = "customer_phone") -> pl.Expr:
    """13812345678 -> 138****5678; shorter numbers keep only their last 2 digits."""
    digits = pl.col(column).str.replace_all(r"\D", "").str.replace(r"^86(1\d{10})$", "$1")
    n = digits.str.len_chars()
    return (pl.when(n >= 7).then(digits.str.slice(0, 3) + "****" + digits.str.slice(-4))
            .when(n > 2).then("****" + digits.str.slice(-2))
            .when(n > 0).then(pl.lit("****"))
            .otherwise(None).alias(column))


# The canonical columns holding customers' personal data, and how each is masked.
PRIVATE_COLUMNS: Final[dict[str, Callable[[str], pl.Expr]]] = {
    "customer_name": mask_name, "customer_phone": mask_phone}


def mask(df: pl.DataFrame) -> pl.DataFrame:
    """Customer names and phones masked wherever they appear in a frame."""
    exprs = [masked(c) for c, masked in PRIVATE_COLUMNS.items() if c in df.columns]
    return df.with_columns(exprs) if exprs else df


def private(df: pl.DataFrame) -> bool:
    """Whether a frame holds customers' names or phones."""
    return any(c in df.columns for c in PRIVATE_COLUMNS)


def unmasked(access: Access | None) -> bool:
    """Whether rows show customers' names and phones as they are: only to a signed-in user
    given the unmask privilege (the operator's CLI and every other role see them masked)."""
    return access is not None and access.unmask


def drill(
    store: Store,
    scope: Scope,
    metric_id: str,
    segment: Mapping[str, object] | None = None,
    *,
    limit: int = LIMIT,
    search: str | None = None,
    aggregate: bool = False,
) -> Drill:
    """The rows behind `metric_id` for the scope plus `segment`, newest first; customers'
    names and phones masked unless the scope's user has the unmask privilege.

    `search` keeps survey rows whose comment contains the text (any case). `aggregate`: the
    caller only counts the rows (comment themes), so a role without rows may have them.
    """
    metric = catalog.get(metric_id)
    if not metric.drillable:
        raise ValueError(f"{metric_id} has no rows to list")
    if scope.access is not None and not scope.access.rows and not aggregate:
        raise AccessDenied(f"{scope.access.user} ({scope.access.role}) sees aggregates only, "
                           "not the rows behind them")
    query = compile_rows(metric, scope, COLUMNS[metric.source], segment, limit, search)
    rows = store.frame(query.sql, query.params)
    total = listing_total(store, query, rows.height, limit)
    if not unmasked(scope.access):
        rows = mask(rows)
    if metric.kind != "ratio" or not metric.hit:
        rows = rows.drop("_counted")
    return Drill(metric_id, dict(segment or {}), total, rows)
