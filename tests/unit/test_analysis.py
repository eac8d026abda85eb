"""Analysis pages' domain: drill-down = denominator, complaint change parts, business hours,
masking, settings form. Expected values are computed by hand next to each assertion."""

from __future__ import annotations

from datetime import date, datetime

import polars as pl
import pytest
from pydantic import ValidationError

from metrics.core import catalog, hours
from metrics.core.filters import Filters
from metrics.core.scope import Scope
from metrics.core.settings import Settings
from metrics.engine import queries
from metrics.engine.store import Store
from metrics.present import settings_form
from metrics.views import analysis, drill

WEEK = Filters(date_from=date(2026, 3, 1), date_to=date(2026, 3, 7))
AS_OF = datetime(2026, 3, 10)
DEMO = Filters(date_from=date(2026, 10, 1), date_to=date(2026, 11, 23))
DEMO_AS_OF = datetime(2026, 11, 23, 23, 59)
DRILLABLE = [m.id for m in catalog.METRICS if m.drillable]


@pytest.mark.parametrize("metric_id", DRILLABLE)
def test_drill_rows_number_the_metric_denominator(demo_store: Store, metric_id: str) -> None:
    metric = catalog.get(metric_id)
    values = queries.kpis(demo_store, Scope.of(DEMO, Settings(), as_of=DEMO_AS_OF), [metric_id])
    found = drill.drill(demo_store, Scope.of(DEMO, Settings(), as_of=DEMO_AS_OF, grain="day"), metric_id, limit=1_000_000)
    expected = values[metric_id].denominator if metric.kind != "count" \
        else values[metric_id].value
    assert found.total == found.rows.height == expected
    if metric.kind == "ratio" and metric.hit:
        assert int(found.rows["_counted"].sum()) == values[metric_id].numerator


@pytest.mark.parametrize(("by", "segment_value"), [("channel", "phone"), ("team", "热线一组"),
                                                   ("category", None)])
def test_drill_by_segment_matches_the_breakdown(demo_store: Store, by: str,
                                                segment_value: str | None) -> None:
    table = queries.breakdown(demo_store, Scope.of(DEMO, Settings(), as_of=DEMO_AS_OF), ["resolution_rate"], by)
    row = table.filter(pl.col(by).is_null() if segment_value is None
                       else pl.col(by) == segment_value)
    found = drill.drill(demo_store, Scope.of(DEMO, Settings(), as_of=DEMO_AS_OF, grain="day"), "resolution_rate", {by: segment_value}, limit=1_000_000)
    assert found.total == row["resolution_rate__den"][0] > 0
    assert int(found.rows["_counted"].sum()) == row["resolution_rate__num"][0]


def test_drill_by_derived_segments(demo_store: Store) -> None:
    heat = queries.frame(demo_store, Scope.of(DEMO, Settings(), as_of=DEMO_AS_OF, grain="day"), ["tickets"], group_by=["weekday", "hour"])
    cell = heat.sort("tickets", descending=True).row(0, named=True)
    found = drill.drill(demo_store, Scope.of(DEMO, Settings(), as_of=DEMO_AS_OF, grain="day"), "tickets", {"weekday": cell["weekday"],
                                                       "hour": cell["hour"]}, limit=1_000_000)
    assert found.total == cell["tickets"]
    assert set(found.rows["created_at"].dt.hour()) == {cell["hour"]}
    assert set(found.rows["created_at"].dt.weekday()) == {cell["weekday"]}  # polars: Mon = 1


def test_drill_on_the_hand_made_store(tiny_store: Store) -> None:
    # Complaints in the week: T2, T3, T5. Within 24 h: T2 (2 h); T3 closed after 25 h; T5 open.
    found = drill.drill(tiny_store, Scope.of(WEEK, Settings(), as_of=AS_OF, grain="day"), "complaint_closed_within_limit_rate")
    assert found.total == 3
    assert dict(zip(found.rows["ticket_id"], found.rows["_counted"], strict=True)) == {
        "T2": True, "T3": False, "T5": False}
    # Names and phones are masked: 李四 / 13900001111.
    t2 = found.rows.filter(pl.col("ticket_id") == "T2").row(0, named=True)
    assert (t2["customer_name"], t2["customer_phone"]) == ("李**", "139****1111")


def test_drill_refuses_values_in_sql_and_unknown_columns(tiny_store: Store) -> None:
    hostile = "phone' OR 1=1 --"
    found = drill.drill(tiny_store, Scope.of(WEEK, Settings(), as_of=AS_OF, grain="day"), "tickets", {"channel": hostile})
    assert found.total == 0
    with pytest.raises(ValueError, match="cannot group by"):
        drill.drill(tiny_store, Scope.of(WEEK, Settings(), as_of=AS_OF, grain="day"), "tickets", {"customer_phone": "1"})
    with pytest.raises(ValueError, match="no rows"):
        drill.drill(tiny_store, Scope.of(WEEK, Settings(), as_of=AS_OF, grain="day"), "survey_coverage_rate")


def test_comment_search_is_a_bound_parameter(tiny_store: Store) -> None:
    # Comments in the week: S2 太慢了 (score 2), S6 很好 (no score).
    found = drill.drill(tiny_store, Scope.of(WEEK, Settings(), as_of=AS_OF, grain="day"), "comments")
    assert sorted(found.rows["comment"]) == ["太慢了", "很好"]
    slow = drill.drill(tiny_store, Scope.of(WEEK, Settings(), as_of=AS_OF, grain="day"), "comments", search="慢")
    assert slow.rows["survey_id"].to_list() == ["S2"]
    none = drill.drill(tiny_store, Scope.of(WEEK, Settings(), as_of=AS_OF, grain="day"), "comments", search="%' OR '1'='1")
    assert none.total == 0


@pytest.mark.parametrize(("name", "phone", "shown"), [
    ("张三丰", "13812345678", ("张**", "138****5678")),
    (" 王 ", "138-1234-5678", ("王**", "138****5678")),
    ("", "+86 138 1234 5678", (None, "138****5678")),
    (None, "12", (None, "****")),
    ("Li", "0755-8888", ("L**", "075****8888")),
])
def test_masking(name: str | None, phone: str, shown: tuple[str | None, str]) -> None:
    frame = pl.DataFrame({"customer_name": [name], "customer_phone": [phone]},
                         schema={"customer_name": pl.String, "customer_phone": pl.String})
    assert drill.mask(frame).row(0) == shown


def test_complaint_change_parts_add_up_by_hand() -> None:
    # Before: 100 tickets (A 60 with 6 complaints, B 40 with 2): rate 8%.
    # Now: 200 tickets (A 80 with 4, B 100 with 10, C 20 with 6): rate 10%. Change +2 pp.
    before = pl.DataFrame({"team": ["A", "B"], "complaints": [6.0, 2.0],
                           "tickets": [60.0, 40.0]})
    now = pl.DataFrame({"team": ["A", "B", "C"], "complaints": [4.0, 10.0, 6.0],
                        "tickets": [80.0, 100.0, 20.0]})
    parts = analysis.contributions(now, before, "team")
    by_team = {r["team"]: r for r in parts.iter_rows(named=True)}
    # A: 4/200 - 6/100 = -0.04; B: 10/200 - 2/100 = +0.03; C: 6/200 - 0 = +0.03.
    assert by_team["A"]["contribution"] == pytest.approx(-0.04)
    assert by_team["B"]["contribution"] == pytest.approx(0.03)
    assert by_team["C"]["contribution"] == pytest.approx(0.03)
    assert parts["contribution"].sum() == pytest.approx(0.02)
    assert parts["team"].to_list()[0] == "A"  # largest first, by size
    for row in by_team.values():
        assert row["mix"] + row["rate"] == pytest.approx(row["contribution"])
    # C is new: all of it is mix (its share went 0 -> 10% at its own rate 30%).
    assert by_team["C"]["rate"] == pytest.approx(0.0)


def test_complaint_change_parts_add_up_on_the_demo(demo_store: Store) -> None:
    page = analysis.complaints(demo_store, Scope.of(DEMO, Settings(), as_of=DEMO_AS_OF))
    rate = page.card("complaint_rate")
    change = (rate.current.value or 0) - (rate.previous.value or 0)
    for by in analysis.MOVED_BY:
        assert page.frames[f"moved_{by}"]["contribution"].sum() == pytest.approx(change)


def test_pareto_shares(demo_store: Store) -> None:
    page = analysis.complaints(demo_store, Scope.of(DEMO, Settings(), as_of=DEMO_AS_OF))
    pareto = page.frames["pareto"]
    assert pareto["complaints"].is_sorted(descending=True)
    assert pareto["cumulative"][-1] == pytest.approx(1.0)
    assert pareto["complaints"].sum() == page.card("complaints").current.value


def test_business_hours_durations_equal_the_reference(demo_store: Store) -> None:
    schedule = Settings().business_hours
    filters = DEMO.model_copy(update={"business_hours": True})
    found = drill.drill(demo_store, Scope.of(filters, Settings(), as_of=DEMO_AS_OF, grain="day"), "resolution_median_s", limit=400)
    with demo_store.reader() as con:
        raw = con.sql(
            "SELECT ticket_id, created_at, first_response_at, "
            "coalesce(resolved_at, closed_at) AS done FROM tickets "
            "WHERE list_contains($ids, ticket_id)",
            params={"ids": found.rows["ticket_id"].to_list()},
        ).pl()
    merged = found.rows.select("ticket_id", "frt_s", "res_s").join(raw, on="ticket_id")
    assert merged.height == 400
    for row in merged.iter_rows(named=True):
        assert row["res_s"] == pytest.approx(
            hours.business_seconds(row["created_at"], row["done"], schedule))
        if row["first_response_at"] is not None:
            assert row["frt_s"] == pytest.approx(
                hours.business_seconds(row["created_at"], row["first_response_at"],
                                          schedule))


def test_business_hours_on_the_hand_made_store(tiny_store: Store) -> None:
    # Mon-Fri 09:00-18:00; 2026-03-01 is a Sunday. T2 (Mon 03-02 10:00 -> 12:00) = 2 h both
    # ways. T3 (Tue 03-03 11:00 -> Wed 03-04 12:00 closed) = 25 h calendar, 7 + 3 = 10 h
    # business. T7 (Sat 03-07 23:59:59 -> Mon 03-09 23:59:59) = 48 h calendar, 9 h business.
    filters = WEEK.model_copy(update={"business_hours": True})
    rows = drill.drill(tiny_store, Scope.of(filters, Settings(), as_of=AS_OF, grain="day"), "resolution_median_s").rows
    got = dict(zip(rows["ticket_id"], rows["res_s"], strict=True))
    assert got["T2"] == 2 * 3600
    assert got["T3"] == 10 * 3600
    assert got["T7"] == 9 * 3600
    # The complaint limit stays calendar time: T3 (25 h) misses it in both clocks.
    values = queries.kpis(tiny_store, Scope.of(filters, Settings(), as_of=AS_OF), ["complaint_closed_within_limit_rate"])
    assert values["complaint_closed_within_limit_rate"].numerator == 1


def test_settings_form_round_trips_and_explains_errors() -> None:
    current = Settings()
    csat = catalog.get("csat")
    shown, unit = settings_form.target_widget(csat, current.target("csat"))
    assert (shown, unit) == (95.0, "%")
    new = settings_form.build(
        current, targets={"csat": settings_form.target_value(csat, 92.0)},
        standards={"phone": 30.0}, limit_h=48, weekly={6: "10:00-16:00"}, holidays=False,
        weights={"csat": 0.5, "resolution_rate": 0.5})
    assert new.target("csat") == pytest.approx(0.92)
    assert new.complaint_limit_s == 48 * 3600
    assert new.business_hours.hours(date(2026, 11, 28)) == (36000, 57600)  # a Saturday
    with pytest.raises(ValidationError) as bad:
        settings_form.build(current, targets={}, standards={"phone": 20.0}, limit_h=24,
                            weekly={1: "9am-5pm"}, holidays=True, weights={"csat": 0.7})
    problems = " | ".join(settings_form.problems(bad.value))
    assert "9am-5pm" in problems and "sum to 1" in problems
    with pytest.raises(ValidationError, match="better when lower"):
        settings_form.build(current, targets={}, standards={"phone": 20.0}, limit_h=24,
                            weekly={}, holidays=True, weights={"complaint_rate": 1.0})


def test_settings_with_a_schedule_survive_the_store(tmp_path: object) -> None:
    from pathlib import Path
    store = Store(Path(str(tmp_path)) / "s.duckdb")
    store.ensure()
    chosen = Settings.model_validate({"business_hours": {"weekly": {7: "08:00-12:00"},
                                                         "holidays": "none"}})
    store.save_settings(chosen)
    assert store.settings() == chosen


@pytest.mark.parametrize("metric_id", ["tickets", "csat", "inspections"])
def test_a_listing_cut_by_its_limit_still_counts_every_row(demo_store: Store,
                                                           metric_id: str) -> None:
    """The count is a query of its own (no window over all rows): cut, at the limit exactly
    and uncut, the total is the denominator."""
    scope = Scope.of(DEMO, Settings(), as_of=DEMO_AS_OF, grain="day")
    whole = drill.drill(demo_store, scope, metric_id, limit=1_000_000)
    assert whole.total == whole.rows.height > 7
    cut = drill.drill(demo_store, scope, metric_id, limit=7)
    assert (cut.total, cut.rows.height, cut.truncated) == (whole.total, 7, True)
    exact = drill.drill(demo_store, scope, metric_id, limit=whole.total)
    assert (exact.total, exact.truncated) == (whole.total, False)
