"""What the analysis pages show, computed in one call per page: Response, Resolution,
Complaints, Satisfaction. Every number is a catalog metric, aggregated in SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import polars as pl

from metrics.core.filters import Filters
from metrics.core.scope import Grain, Scope
from metrics.engine import queries
from metrics.engine.store import Store
from metrics.views.overview import Card, cards

RESPONSE_CARDS: Final[tuple[str, ...]] = (
    "first_response_median_s",
    "first_response_p90_s",
    "response_within_standard_rate",
    "unanswered",
    "unanswered_overdue",
)
RESOLUTION_CARDS: Final[tuple[str, ...]] = (
    "resolution_median_s",
    "resolution_p90_s",
    "resolution_rate",
    "fcr_rate",
    "reopen_rate",
    "escalation_rate",
)
COMPLAINT_CARDS: Final[tuple[str, ...]] = (
    "complaints",
    "complaint_rate",
    "complaint_closed_within_limit_rate",
)
SATISFACTION_CARDS: Final[tuple[str, ...]] = (
    "surveys_sent",
    "survey_response_rate",
    "survey_coverage_rate",
    "csat",
    "mean_score",
    "nps",
)
MOVED_BY: Final[tuple[str, ...]] = ("category", "team", "channel")
UNASSIGNED: Final[str] = "__none__"


@dataclass(frozen=True)
class Page:
    """A page's numbers: cards against target and the previous period, plus its frames."""

    filters: Filters
    grain: Grain
    cards: tuple[Card, ...]
    trend: pl.DataFrame
    frames: dict[str, pl.DataFrame]

    def card(self, metric_id: str) -> Card:
        return next(c for c in self.cards if c.metric.id == metric_id)


def _page(scope: Scope, made: tuple[Card, ...], trend: pl.DataFrame,
          frames: dict[str, pl.DataFrame]) -> Page:
    return Page(scope.filters, scope.grain, made, trend, frames)


def response(store: Store, scope: Scope) -> Page:
    """First response by channel against its standard, distribution, staffing heat map."""
    made, trend = cards(store, scope, RESPONSE_CARDS)
    standards = scope.settings.channel_standards_s
    by_channel = queries.breakdown(store, scope, ["tickets", *RESPONSE_CARDS], "channel") \
        .with_columns(pl.col("channel")
                      .replace_strict(standards, default=None, return_dtype=pl.Float64)
                      .alias("standard_s"))
    channel_trend = queries.frame(store, scope, ["response_within_standard_rate"],
                                  group_by=["bucket", "channel"])
    distribution = queries.frame(store, scope, ["first_response_median_s"],
                                 group_by=["channel", "frt_band"]) \
        .filter(pl.col("frt_band").is_not_null())
    heat = queries.frame(store, scope, ["tickets", "first_response_median_s"],
                         group_by=["weekday", "hour"])
    return _page(scope, made, trend, {
        "by_channel": by_channel,
        "channel_trend": channel_trend,
        "distribution": distribution.rename({"first_response_median_s__den": "tickets"}),
        "heat": heat,
    })


def resolution(store: Store, scope: Scope) -> Page:
    """Resolution times and rates, their trends, distribution and the open-ticket ageing."""
    made, trend = cards(store, scope, (*RESOLUTION_CARDS, "open_tickets"))
    distribution = queries.frame(store, scope, ["resolution_median_s"], group_by=["res_band"]) \
        .filter(pl.col("res_band").is_not_null())
    ageing = queries.frame(store, scope, ["open_tickets"], group_by=["priority", "age_band"]) \
        .filter(pl.col("age_band").is_not_null())
    by_priority = queries.breakdown(store, scope, ["tickets", *RESOLUTION_CARDS], "priority")
    return _page(scope, made, trend, {
        "distribution": distribution.rename({"resolution_median_s__den": "tickets"}),
        "ageing": ageing,
        "by_priority": by_priority,
    })


def complaints(store: Store, scope: Scope) -> Page:
    """Complaint rate against the previous period, Pareto, matrices and what moved it."""
    made, trend = cards(store, scope, COMPLAINT_CARDS)
    previous = scope.previous()
    prev_trend = queries.series(store, previous, ["complaint_rate", "complaints", "tickets"])
    pareto_frame = pareto(queries.breakdown(
        store, scope, ["complaints", "complaint_closed_within_limit_rate"], "category"))
    frames: dict[str, pl.DataFrame] = {"previous_trend": prev_trend, "pareto": pareto_frame}
    for other in ("channel", "team", "product"):
        frames[f"matrix_{other}"] = queries.frame(
            store, scope, ["complaints"], group_by=["category", other],
        ).filter(pl.col("complaints") > 0)
    now = queries.breakdowns(store, scope, ["complaints", "tickets"], MOVED_BY)
    before = queries.breakdowns(store, previous, ["complaints", "tickets"], MOVED_BY)
    for by in MOVED_BY:
        frames[f"moved_{by}"] = contributions(now[by], before[by], by)
    return _page(scope, made, trend, frames)


def satisfaction(store: Store, scope: Scope) -> Page:
    """Survey response and coverage, CSAT with its n, scores, dimensions, by channel and team."""
    made, trend = cards(store, scope, (*SATISFACTION_CARDS, "surveys_answered", "dont_know"))
    scores = queries.frame(store, scope, ["surveys_answered"], group_by=["score"]) \
        .filter(pl.col("score").is_not_null())
    dimensions = queries.breakdown(store, scope, ["dimension_score_mean"], "dimension")
    frames = {"scores": scores, "dimensions": dimensions}
    split = queries.breakdowns(
        store, scope, ["csat", "mean_score", "survey_response_rate", "dont_know"],
        ("channel", "team"))
    for by, df in split.items():
        frames[f"by_{by}"] = df.filter(pl.col("csat__den") + pl.col("dont_know") > 0)
    return _page(scope, made, trend, frames)


def pareto(df: pl.DataFrame) -> pl.DataFrame:
    """Complaints per category, largest first, with each one's share and the cumulative share."""
    data = df.filter(pl.col("complaints") > 0).sort(
        "complaints", "category", descending=[True, False]
    )
    total = data["complaints"].sum()
    if not total:
        return data.with_columns(
            pl.lit(None, pl.Float64).alias("share"), pl.lit(None, pl.Float64).alias("cumulative")
        )
    return data.with_columns(
        (pl.col("complaints") / total).alias("share"),
        (pl.col("complaints").cum_sum() / total).alias("cumulative"),
    )


def contributions(now: pl.DataFrame, before: pl.DataFrame, by: str) -> pl.DataFrame:
    """The change in complaint rate split into each segment's contribution, largest first.

    rate = Σ complaints_g / tickets, so the change is Σ (c'_g / N' − c_g / N): each part is
    the change in that segment's complaints per ticket of the whole, and the parts add up to
    the total change exactly. For a segment of tickets (team, channel) the part splits further
    into mix (its share of tickets moved) and rate (its own complaint rate moved), each
    weighted by the mean of the other factor, so that mix + rate = the part.
    """
    keys = [by]
    cur = now.select(pl.col(by).fill_null(UNASSIGNED), "complaints", "tickets")
    old = before.select(pl.col(by).fill_null(UNASSIGNED), "complaints", "tickets")
    n_now, n_before = cur["tickets"].sum(), old["tickets"].sum()
    if not n_now or not n_before:
        return pl.DataFrame(
            schema={
                by: pl.String,
                "complaints_before": pl.Float64,
                "complaints_now": pl.Float64,
                "tickets_before": pl.Float64,
                "tickets_now": pl.Float64,
                "contribution": pl.Float64,
                "mix": pl.Float64,
                "rate": pl.Float64,
            }
        )
    df = (
        old.join(cur, on=keys, how="full", coalesce=True, suffix="_now")
        .rename({"complaints": "complaints_before", "tickets": "tickets_before"})
        .with_columns(pl.exclude(by).fill_null(0).cast(pl.Float64))
    )
    w0, w1 = pl.col("tickets_before") / n_before, pl.col("tickets_now") / n_now
    before_rate: pl.Expr = pl.when(pl.col("tickets_before") > 0).then(
        pl.col("complaints_before") / pl.col("tickets_before")
    )
    now_rate: pl.Expr = pl.when(pl.col("tickets_now") > 0).then(
        pl.col("complaints_now") / pl.col("tickets_now")
    )
    # A segment absent in one period takes the other period's rate: all of its part is mix.
    r0, r1 = before_rate.fill_null(now_rate), now_rate.fill_null(before_rate)
    df = df.with_columns(
        (pl.col("complaints_now") / n_now - pl.col("complaints_before") / n_before).alias(
            "contribution"
        ),
        ((w1 - w0) * (r0 + r1) / 2).alias("mix"),
        ((r1 - r0) * (w0 + w1) / 2).alias("rate"),
    )
    if by == "category":  # categories split complaints, not tickets: no mix, and a
        # category with no complaint in either period (the tickets with none) adds nothing
        df = df.filter(pl.col("complaints_before") + pl.col("complaints_now") > 0).with_columns(
            pl.lit(None, pl.Float64).alias("mix"), pl.lit(None, pl.Float64).alias("rate")
        )
    return df.sort(pl.col("contribution").abs(), by, descending=[True, False])
