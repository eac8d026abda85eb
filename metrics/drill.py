"""Drill-down: the rows behind a metric, under the same filters plus a segment, masked.

The rows are chosen by the metric's own declared population (``Metric.population``), so the
count a drill-down shows is the metric's denominator by construction, and tested to be.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Final

import polars as pl

from metrics import catalog, formatting, queries
from metrics.catalog import Source
from metrics.filters import Filters
from metrics.mapping import HEADERS
from metrics.schema import label
from metrics.settings import Settings
from metrics.sql import Grain, compile_rows
from metrics.store import Store

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


def mask(df: pl.DataFrame) -> pl.DataFrame:
    """Customer names and phones masked wherever they appear in a frame."""
    exprs = [e for c, e in (("customer_name", mask_name()), ("customer_phone", mask_phone()))
             if c in df.columns]
    return df.with_columns(exprs) if exprs else df


def drill(
    store: Store,
    filters: Filters,
    metric_id: str,
    segment: Mapping[str, object] | None = None,
    *,
    settings: Settings | None = None,
    as_of: datetime | None = None,
    grain: Grain = "day",
    limit: int = LIMIT,
    search: str | None = None,
) -> Drill:
    """The rows behind `metric_id` for the filters plus `segment`, newest first, masked.

    `search` keeps survey rows whose comment contains the text (any case).
    """
    metric = catalog.get(metric_id)
    if not metric.drillable:
        raise ValueError(f"{metric_id} has no rows to list")
    settings = settings or store.settings()
    as_of = as_of or queries.site_now(settings)
    query = compile_rows(metric, filters, settings, as_of, COLUMNS[metric.source], segment,
                         grain, limit, search)
    with store.reader() as con:
        df = con.sql(query.sql, params=query.params).pl()
    total = int(df["_total"][0]) if df.height else 0
    rows = mask(df.drop("_total"))
    if metric.kind != "ratio" or not metric.hit:
        rows = rows.drop("_counted")
    return Drill(metric_id, dict(segment or {}), total, rows)


_WORDS: Final[tuple[str, ...]] = (
    "channel", "request_type", "category", "priority", "status", "survey_channel",
    "violation_category", "severity",
)
_OWN_LABELS: Final[dict[str, tuple[str, str]]] = {
    "frt_s": ("首次响应时长", "First response"),
    "res_s": ("解决时长", "Resolution time"),
    "ts": ("时间", "Time"),
    "dont_know": ("不知道", "Don't know"),
    "_counted": ("计入分子", "In numerator"),
    "team": ("班组", "Team"),
    "violation_category": ("违规类别", "Violation"),
    "severity": ("严重程度", "Severity"),
}


def column_label(column: str, lang: str) -> str:
    """A column's header for people: DOMAIN.md's Chinese header, or its English one."""
    if column in _OWN_LABELS:
        zh, en = _OWN_LABELS[column]
        return zh if lang == "zh" else en
    names = HEADERS.get(column)
    if not names:
        return column
    if lang == "zh":
        return names[0]
    return next((n for n in names if n.isascii()), column)


def _worder(vocabulary: str, lang: str) -> Callable[[str | None], str]:
    return lambda code: label(vocabulary, code, lang)


def presentable(df: pl.DataFrame, lang: str) -> pl.DataFrame:
    """Rows as people read them: words for codes, durations in words, labelled headers."""
    exprs: list[pl.Expr] = []
    for column in df.columns:
        if column in _WORDS:
            exprs.append(pl.col(column).map_elements(_worder(column, lang),
                                                     return_dtype=pl.String))
        elif column in ("frt_s", "res_s"):
            exprs.append(pl.col(column).map_elements(
                lambda v: formatting.duration(v, lang), return_dtype=pl.String))
        elif column == "_counted":
            exprs.append(pl.col(column).replace_strict({True: "✓", False: "✗"}, default=None,
                                                      return_dtype=pl.String))
    shown = df.with_columns(exprs) if exprs else df
    return shown.rename({c: column_label(c, lang) for c in df.columns})
