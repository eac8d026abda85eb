"""Control limits on trends: by hand on small frames, and the demo's special causes (the
Double 11 peak, the November call-back campaign) found while a quiet month shows none."""

from __future__ import annotations

import math
from datetime import date, timedelta
from itertools import pairwise

import polars as pl
import pytest

from metrics.core.filters import Filters
from metrics.engine import queries
from metrics.engine.store import Store
from metrics.views import control


def days(n: int, start: date = date(2026, 3, 2)) -> list[date]:
    return [start + timedelta(days=i) for i in range(n)]


def test_rates_get_p_prime_limits_with_each_points_n() -> None:
    # 14 days of 90/100 except day 7 with 60/100: p̄ = 1230/1400; σz from the z moving ranges
    nums = [90] * 14
    nums[6] = 60
    trend = pl.DataFrame({"bucket": days(14), "csat__num": nums, "csat__den": [100] * 14,
                          "csat": [n / 100 for n in nums]})
    frame = control.limits(trend, "csat")
    centre = 1230 / 1400
    sigma = math.sqrt(centre * (1 - centre) / 100)
    zs = [(n / 100 - centre) / sigma for n in nums]
    sigma_z = max(sum(abs(b - a) for a, b in pairwise(zs)) / 13 / 1.128, 1)
    assert frame["centre"][0] == pytest.approx(centre)
    assert frame["low"][0] == pytest.approx(centre - 3 * sigma * sigma_z)
    assert frame["signal"].to_list() == [i == 6 for i in range(14)]
    assert control.signals(frame) == 1


def test_too_few_points_get_no_limits() -> None:
    trend = pl.DataFrame({"bucket": days(7), "tickets": [10, 12, 11, 40, 10, 2, 3]})
    frame = control.limits(trend, "tickets", grain="day")
    assert frame["high"].is_null().all() and control.signals(frame) == 0


def test_an_empty_trend_and_a_day_without_data() -> None:
    assert control.limits(pl.DataFrame({"bucket": [], "csat": []}), "csat").is_empty()
    nums = [90] * 13 + [0]
    trend = pl.DataFrame({"bucket": days(14), "csat__num": nums, "csat__den": [100] * 13 + [0],
                          "csat": [0.9] * 13 + [None]})
    frame = control.limits(trend, "csat")
    assert frame["high"][13] is None and not frame["signal"][13]  # n = 0: never a signal


def test_daily_counts_are_judged_against_their_weekday() -> None:
    # Four weeks: weekdays 100, weekends 40, and one Wednesday of 100 → 160 (a peak).
    values = [40 if d.isoweekday() >= 6 else 100 for d in days(28)]
    peak = days(28).index(date(2026, 3, 18))
    values[peak] = 160
    trend = pl.DataFrame({"bucket": days(28), "tickets": values})
    frame = control.limits(trend, "tickets", grain="day")
    flagged = frame.filter("signal")["bucket"].to_list()
    assert flagged == [date(2026, 3, 18)]  # the quiet weekends are ordinary
    # The limits follow each weekday's level: a Sunday's band sits lower than a Monday's.
    sunday, monday = frame.row(6, named=True), frame.row(7, named=True)
    assert sunday["high"] < monday["low"]
    assert sunday["centre"] / monday["centre"] == pytest.approx(40 / 100)


def test_a_partial_first_bucket_of_counts_is_left_out() -> None:
    weeks = [date(2026, 1, 5) + timedelta(weeks=i) for i in range(14)]
    values = [5, 100, 104, 98, 101, 99, 103, 97, 100, 102, 98, 101, 99, 100]
    trend = pl.DataFrame({"bucket": weeks, "tickets": values})
    # The period starts on a Sunday: its first week holds one day.
    frame = control.limits(trend, "tickets", grain="week",
                           period=(date(2026, 1, 11), date(2026, 4, 12)))
    assert frame["high"][0] is None and not frame["signal"][0]
    assert control.signals(frame) == 0


def test_the_run_rule_is_optional() -> None:
    nums = [92] * 8 + [88] * 8  # 8 above then 8 below the centre 0.90, within the limits
    trend = pl.DataFrame({"bucket": days(16), "csat__num": nums, "csat__den": [1000] * 16,
                          "csat": [n / 100 for n in nums]})
    assert not control.limits(trend, "csat")["run"].any()
    with_rule = control.limits(trend, "csat", run_rule=True)
    assert with_rule["run"].all() and control.signals(with_rule) == 16


def _signals(store: Store, metric: str, start: date, end: date, grain: str) -> list[date]:
    scope = store.scope(Filters(date_from=start, date_to=end), grain=grain)  # type: ignore[arg-type]
    frame = control.limits(queries.series(store, scope, [metric]), metric, grain=grain,
                           period=(start, end))
    return frame.filter("signal")["bucket"].to_list()


def test_the_demos_special_causes_are_signals_and_a_quiet_month_is_not(
        demo_store: Store) -> None:
    half_year = (date(2026, 6, 1), date(2026, 11, 22))
    double_11 = date(2026, 11, 9)  # the week of 11 November
    assert double_11 in _signals(demo_store, "tickets", *half_year, "week")
    campaign = _signals(demo_store, "surveys_sent", *half_year, "week")
    assert campaign and all(d.month == 11 for d in campaign)  # the call-back campaign
    september = (date(2026, 9, 1), date(2026, 9, 30))
    assert _signals(demo_store, "tickets", *september, "day") == []
    assert _signals(demo_store, "surveys_sent", *september, "day") == []


def test_a_weekday_the_centre_is_closed_is_neither_a_signal_nor_widens_the_rest() -> None:
    # Four weeks of about 1,000 tickets a day, closed on Sundays.
    values = [0 if d.isoweekday() == 7 else 1000 + (17 * i) % 80 - 40
              for i, d in enumerate(days(28))]
    frame = control.limits(pl.DataFrame({"bucket": days(28), "tickets": values}), "tickets",
                           grain="day")
    sundays = frame.filter(pl.col("bucket").dt.weekday() == 7)
    assert sundays["high"].is_null().all() and not sundays["signal"].any()
    weekday = frame.filter(pl.col("bucket").dt.weekday() == 1).row(0, named=True)
    assert weekday["high"] - weekday["low"] < 400  # not 80 to 1,620
    assert control.signals(frame) == 0


def test_the_compared_trend_is_laid_on_this_periods_buckets_by_position() -> None:
    from metrics.present import charts

    october = pl.DataFrame({"bucket": days(31, date(2026, 10, 1)), "complaint_rate": [0.1] * 31})
    september = pl.DataFrame({"bucket": days(30, date(2026, 9, 1)),
                              "complaint_rate": [0.2] * 30})
    spec = charts.period_lines(october, september, "complaint_rate", "zh", "day").to_dict()
    [rows] = spec["datasets"].values()
    before = [r for r in rows if r["value"] == 0.2]
    assert len(before) == 30 and before[0]["bucket"].startswith("2026-10-01")
