"""Control limits on a metric's trend: which points are signals, which are noise.

A rate (numerator and denominator per bucket) gets Laney's p′ chart, anything else (counts,
durations, means, scores) an individuals (XmR) chart; metrics.core.spc has the formulas and
why. Optionally the run rule: 8 points in a row on one side of the centre line.

Choices written down here and in the catalog document:
- fewer than MIN_POINTS buckets with data get no limits (a week of days is too few to tell
  a signal from the weekly rhythm);
- a count per day is compared with its weekday's level: each day's value is divided by its
  weekday's mean over the period (relative to the period's mean) before the XmR, and the
  limits multiplied back, so that quiet Sundays are ordinary and Double 11 is not;
- a count's first or last bucket that the period covers only in part (a week cut by the
  period's start) gets no limits: it is small because it is short, not because of a cause.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Final, Literal

import polars as pl

from metrics.core import catalog, spc
from metrics.core.scope import Scope

Chart = Literal["p", "xmr"]
SCHEMA: Final[dict[str, pl.DataType]] = {
    "bucket": pl.Date(), "value": pl.Float64(), "n": pl.Float64(), "centre": pl.Float64(),
    "low": pl.Float64(), "high": pl.Float64(), "outside": pl.Boolean(), "run": pl.Boolean(),
    "signal": pl.Boolean(),
}


MIN_POINTS: Final[int] = 12


def chart_kind(metric_id: str) -> Chart:
    """p′ for a rate, XmR for everything else."""
    return "p" if catalog.get(metric_id).kind == "ratio" else "xmr"


def _bucket_end(start: date, grain: str) -> date:
    if grain == "week":
        return start + timedelta(days=6)
    if grain == "month":
        following = date(start.year + start.month // 12, start.month % 12 + 1, 1)
        return following - timedelta(days=1)
    return start


def _whole(buckets: list[date], grain: str, period: tuple[date, date] | None) -> list[bool]:
    """Whether the period covers each bucket whole."""
    if period is None:
        return [True] * len(buckets)
    return [b >= period[0] and _bucket_end(b, grain) <= period[1] for b in buckets]


def _weekday_factors(buckets: list[date], values: list[float | None]) -> list[float | None]:
    """Each day's weekday level relative to the period's mean (1.0 when a weekday has fewer
    than two days with data); None for a weekday with nothing at all (closed on Sundays):
    those days get no limits, and do not widen the others'."""
    seen = [v for v in values if v is not None]
    overall = sum(seen) / len(seen) if seen else 0.0
    by_day: dict[int, list[float]] = {}
    for b, v in zip(buckets, values, strict=True):
        if v is not None:
            by_day.setdefault(b.isoweekday(), []).append(v)
    factor: dict[int, float | None] = {}
    for d, vs in by_day.items():
        mean = sum(vs) / len(vs)
        factor[d] = None if mean <= 0 else (mean / overall if overall and len(vs) >= 2 else 1.0)
    return [factor.get(b.isoweekday(), 1.0) for b in buckets]


def _xmr_points(values: list[float | None], buckets: list[date], grain: str,
                count: bool, whole: list[bool], floor: float | None) -> list[spc.Limits]:
    """XmR limits per point: a count's partial buckets left out, a daily count by weekday
    (closed weekdays left out); no lower limit under `floor` (0 for counts and durations)."""
    used = [v if w else None for v, w in zip(values, whole, strict=True)] if count else values
    factors = _weekday_factors(buckets, used) if count and grain == "day" \
        else [1.0] * len(used)
    one = spc.xmr([None if v is None or f is None else v / f
                   for v, f in zip(used, factors, strict=True)])
    out = []
    for v, f in zip(used, factors, strict=True):
        if v is None or f is None or one.centre is None or one.low is None or one.high is None:
            centre = None if one.centre is None or f is None else one.centre * f
            out.append(spc.Limits(centre, None, None))
        else:
            low = one.low * f if floor is None else max(one.low * f, floor)
            out.append(spc.Limits(one.centre * f, low, one.high * f))
    return out


def limits(trend: pl.DataFrame, metric_id: str, *, grain: str = "day",
           period: tuple[date, date] | None = None, run_rule: bool = False) -> pl.DataFrame:
    """Per bucket of a `queries.series` frame: the value, its n, the centre line, the control
    limits, whether it lies outside them, whether it is part of a run (with `run_rule`), and
    `signal` (either). A bucket with no data (n = 0) has no limits and is never a signal."""
    if trend.is_empty() or metric_id not in trend.columns:
        return pl.DataFrame(schema=SCHEMA)
    buckets: list[date] = trend["bucket"].to_list()
    values = [None if v is None else float(v) for v in trend[metric_id].to_list()]
    den = f"{metric_id}__den"
    ns: list[float | None] = [float(d or 0) for d in trend[den].to_list()] \
        if den in trend.columns else [None] * len(values)
    if sum(v is not None for v in values) < MIN_POINTS:
        per_point = [spc.Limits(None, None, None)] * len(values)
    elif chart_kind(metric_id) == "p" and den in trend.columns:
        per_point = spc.p_chart(trend[f"{metric_id}__num"].to_list(), ns)
    else:
        unit = catalog.get(metric_id).unit
        per_point = _xmr_points(values, buckets, grain, unit == "count",
                                _whole(buckets, grain, period),
                                0.0 if unit in ("count", "seconds") else None)
    outside = [lim.outside(v) for lim, v in zip(per_point, values, strict=True)]
    centre = next((lim.centre for lim in per_point if lim.centre is not None), None)
    runs = spc.run_flags(values, centre) if run_rule and chart_kind(metric_id) == "p" \
        else [False] * len(values)
    return pl.DataFrame({
        "bucket": buckets, "value": values, "n": ns,
        "centre": [lim.centre for lim in per_point], "low": [lim.low for lim in per_point],
        "high": [lim.high for lim in per_point], "outside": outside, "run": runs,
        "signal": [o or r for o, r in zip(outside, runs, strict=True)],
    }, schema=SCHEMA)


def for_scope(trend: pl.DataFrame, metric_id: str, scope: Scope) -> pl.DataFrame:
    """`limits` of a trend computed for `scope`: its grain, its period, its run-rule setting."""
    return limits(trend, metric_id, grain=scope.grain,
                  period=(scope.filters.date_from, scope.filters.date_to),
                  run_rule=scope.settings.run_rule)


def signals(frame: pl.DataFrame) -> int:
    """How many points of a `limits` frame are signals."""
    return int(frame["signal"].sum()) if not frame.is_empty() else 0
