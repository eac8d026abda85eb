"""Each metric against values computed by hand on the tiny fixture (tests/conftest.py)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from metrics.core import catalog
from metrics.core.filters import Filters
from metrics.core.scope import Scope
from metrics.core.settings import Settings
from metrics.engine import queries
from metrics.engine.store import Store
from tests.conftest import BOTH

# Every test here runs on DuckDB and on embedded ClickHouse (chDB), the same fixture rows.
ENGINES = BOTH

MARCH = Filters(date_from=date(2026, 3, 1), date_to=date(2026, 3, 7))
AS_OF = datetime(2026, 3, 10, 12, 0, 0)

# The metric ids of DOMAIN.md's table: the contract `servicelens kpis --json` keys follow.
DOMAIN_IDS = {
    "tickets", "first_response_median_s", "first_response_p90_s",
    "response_within_standard_rate", "resolution_median_s", "resolution_p90_s",
    "resolution_rate", "complaints", "complaint_rate", "complaint_closed_within_limit_rate",
    "fcr_rate", "reopen_rate", "surveys_sent", "survey_response_rate", "survey_coverage_rate",
    "csat", "mean_score", "nps", "qa_score_mean", "violations", "weighted_sla_score",
    # Phone-call metrics (话务指标)
    "calls_offered", "calls_answered", "calls_abandoned", "answer_rate", "abandon_rate",
    "service_level_rate", "asa_s", "wait_p90_s", "aht_s", "aht_median_s",
}


def values(store: Store, filters: Filters = MARCH, as_of: datetime = AS_OF) -> dict[str, float | None]:
    result = queries.kpis(store, Scope.of(filters, Settings(), as_of=as_of))
    return {k: v.value for k, v in result.items()}


def test_catalog_declares_exactly_the_domain_metrics() -> None:
    assert set(catalog.PUBLIC_IDS) == DOMAIN_IDS
    for metric in catalog.METRICS:
        assert metric.name_zh and metric.name_en and metric.formula_zh and metric.formula_en


def test_ticket_counts(tiny_store: Store) -> None:
    v = values(tiny_store)
    # T1..T5 and T7; T6 was created 2026-02-28 23:59:59, the day before the period.
    assert v["tickets"] == 6
    assert v["complaints"] == 3  # T2, T3, T5
    assert v["complaint_rate"] == pytest.approx(3 / 6)


def test_first_response_quantiles(tiny_store: Store) -> None:
    v = values(tiny_store)
    # first responses: T1 10 s, T2 30 s, T3 60 s, T4 3600 s, T7 7200 s (T5 none)
    assert v["first_response_median_s"] == pytest.approx(60)
    # linear interpolation at (5 - 1) * 0.9 = 3.6: 3600 + 0.6 * (7200 - 3600)
    assert v["first_response_p90_s"] == pytest.approx(5760)


def test_response_within_standard(tiny_store: Store) -> None:
    result = queries.kpis(tiny_store, Scope.of(MARCH, Settings(), as_of=AS_OF), ["response_within_standard_rate"])["response_within_standard_rate"]
    # within: T1 (10 <= 20 phone), T3 (60 <= 60 chat, exactly at the standard), T4 (email)
    # missed: T2 (30 > 20), T7 (7200 > 3600 social), T5 unanswered with its 60 s elapsed
    assert (result.numerator, result.denominator) == (3, 6)
    assert result.value == pytest.approx(0.5)


def test_unanswered_ticket_is_left_out_until_its_standard_elapses(tiny_store: Store) -> None:
    t5_day = Filters(date_from=date(2026, 3, 5), date_to=date(2026, 3, 5), channels=("chat",))
    early = queries.kpis(tiny_store, Scope.of(t5_day, Settings(), as_of=datetime(2026, 3, 5, 8, 0, 30)), ["response_within_standard_rate"])
    assert early["response_within_standard_rate"].denominator == 0
    assert early["response_within_standard_rate"].value is None
    late = queries.kpis(tiny_store, Scope.of(t5_day, Settings(), as_of=datetime(2026, 3, 5, 8, 1, 0)), ["response_within_standard_rate"])
    assert late["response_within_standard_rate"].denominator == 1
    assert late["response_within_standard_rate"].value == 0.0


def test_resolution(tiny_store: Store) -> None:
    v = values(tiny_store)
    # resolved (else closed) - created: T1 600, T2 7200, T3 90000 (closed), T7 172800
    assert v["resolution_median_s"] == pytest.approx((7200 + 90000) / 2)
    # (4 - 1) * 0.9 = 2.7: 90000 + 0.7 * (172800 - 90000)
    assert v["resolution_p90_s"] == pytest.approx(147960)
    assert v["resolution_rate"] == pytest.approx(4 / 6)  # T4 and T5 unresolved


def test_complaints_closed_within_limit(tiny_store: Store) -> None:
    v = values(tiny_store)
    # T2 in 2 h; T3 closed after 25 h (a miss); T5 unresolved (a miss)
    assert v["complaint_closed_within_limit_rate"] == pytest.approx(1 / 3)


def test_fcr_and_reopen_over_resolved_tickets(tiny_store: Store) -> None:
    v = values(tiny_store)
    # resolved: T1 (1 contact, 0 reopen: FCR), T2 (2 contacts), T3 (missing contacts = 1 but
    # reopened once), T7 (reopened twice)
    assert v["fcr_rate"] == pytest.approx(1 / 4)
    assert v["reopen_rate"] == pytest.approx(2 / 4)


def test_surveys(tiny_store: Store) -> None:
    v = values(tiny_store)
    assert v["surveys_sent"] == 6  # S7 was sent in February
    # answered: S1, S2, S3 (don't know), S5, S6 (no responded_at but a comment and an nps)
    assert v["survey_response_rate"] == pytest.approx(5 / 6)
    # 1-5 answers: S1 5, S2 2, S5 4; S3's "don't know" is left out
    assert v["csat"] == pytest.approx(2 / 3)
    assert v["mean_score"] == pytest.approx(11 / 3)
    # nps answers: S2 3 (detractor), S5 10, S6 9 (promoters)
    assert v["nps"] == pytest.approx((2 - 1) / 3 * 100)


def test_survey_coverage(tiny_store: Store) -> None:
    v = values(tiny_store)
    # customers with tickets: C1 C2 C3 C4 C5; surveyed: C1 (S1, S4), C2, C3, C5 (via T7);
    # S5 went to C9, who has no ticket in the period
    assert v["survey_coverage_rate"] == pytest.approx(4 / 5)


def test_qa(tiny_store: Store) -> None:
    result = queries.kpis(tiny_store, Scope.of(MARCH, Settings(), as_of=AS_OF), ["qa_score_mean", "violations"])
    assert result["qa_score_mean"].value == pytest.approx(87.5)  # Q1 80, Q2 95
    assert result["violations"].value == 2  # Q1's two items; Q3 is outside the period
    assert result["severe_violations"].value == 1


def test_weighted_sla_score(tiny_store: Store) -> None:
    v = values(tiny_store)
    expected = 0.3 * 0.5 + 0.3 * (4 / 6) + 0.2 * (1 / 3) + 0.2 * (2 / 3)
    assert v["weighted_sla_score"] == pytest.approx(expected)


def test_weighted_score_renormalises_over_indicators_with_data(tiny_store: Store) -> None:
    # Agent C: T7 only. No complaint, no 1-5 answer: those two weights drop out.
    v = values(tiny_store, MARCH.model_copy(update={"agents": ("C",)}))
    assert v["complaint_closed_within_limit_rate"] is None
    assert v["csat"] is None
    # response within: 0/1, resolution: 1/1 -> (0.3 * 0 + 0.3 * 1) / 0.6
    assert v["weighted_sla_score"] == pytest.approx(0.5)


def test_team_filter_reaches_surveys_and_inspections(tiny_store: Store) -> None:
    v = values(tiny_store, MARCH.model_copy(update={"teams": ("X",)}))
    assert v["tickets"] == 3  # T1, T2, T5
    assert v["complaints"] == 2
    assert v["csat"] == pytest.approx(1 / 2)  # S1 5 and S2 2; S5 has no ticket
    assert v["qa_score_mean"] == pytest.approx(80)  # Q1 via T2


def test_only_dont_know_gives_null_csat(tiny_store: Store) -> None:
    # Agent B's surveys: S3 "don't know" and S4 unanswered
    result = queries.kpis(tiny_store, Scope.of(MARCH.model_copy(update={"agents": ("B",)}), Settings(), as_of=AS_OF), ["csat", "mean_score", "dont_know", "survey_response_rate"])
    assert result["csat"].value is None
    assert result["csat"].denominator == 0
    assert result["mean_score"].value is None
    assert result["dont_know"].value == 1
    assert result["survey_response_rate"].value == pytest.approx(1 / 2)


def test_empty_period_gives_null_rates_and_zero_counts(tiny_store: Store) -> None:
    empty = Filters(date_from=date(2027, 1, 1), date_to=date(2027, 1, 31))
    v = values(tiny_store, empty)
    for metric_id in DOMAIN_IDS:
        unit = catalog.get(metric_id).unit
        if unit == "count":
            assert v[metric_id] == 0, metric_id
        else:
            assert v[metric_id] is None, metric_id


def test_previous_period_has_equal_length() -> None:
    prev = MARCH.previous()
    assert (prev.date_from, prev.date_to) == (date(2026, 2, 22), date(2026, 2, 28))
    assert prev.days == MARCH.days


@pytest.mark.parametrize(("start", "end", "mode", "unit", "expected"), [
    # whole calendar periods: 环比 by default, the one before; 同比 a year earlier
    ("2026-10-01", "2026-10-31", None, "month", ("2026-09-01", "2026-09-30")),
    ("2026-03-01", "2026-03-31", None, "month", ("2026-02-01", "2026-02-28")),
    ("2024-03-01", "2024-03-31", "mom", "month", ("2024-02-01", "2024-02-29")),
    ("2026-10-01", "2026-10-31", "prev", "month", ("2026-08-31", "2026-09-30")),
    ("2026-10-01", "2026-10-31", "yoy", "month", ("2025-10-01", "2025-10-31")),
    ("2024-02-01", "2024-02-29", "yoy", "month", ("2023-02-01", "2023-02-28")),
    ("2026-11-02", "2026-11-08", None, "week", ("2026-10-26", "2026-11-01")),
    ("2026-11-02", "2026-11-08", "yoy", "week", ("2025-11-03", "2025-11-09")),  # Mon-Sun
    ("2026-07-01", "2026-09-30", None, "quarter", ("2026-04-01", "2026-06-30")),
    ("2026-01-01", "2026-03-31", "yoy", "quarter", ("2025-01-01", "2025-03-31")),
    ("2026-01-01", "2026-12-31", None, "year", ("2025-01-01", "2025-12-31")),
    # other ranges: the equal stretch before by default; 环比 the same days a month earlier
    ("2026-10-25", "2026-11-23", None, None, ("2026-09-25", "2026-10-24")),
    ("2026-11-01", "2026-11-15", "mom", None, ("2026-10-01", "2026-10-15")),
    ("2026-03-31", "2026-03-31", "mom", None, ("2026-02-28", "2026-02-28")),
    ("2026-01-01", "2026-02-27", "mom", None, ("2025-11-04", "2025-12-31")),  # > a month
    ("2026-03-29", "2026-03-31", "mom", None, ("2026-02-28", "2026-03-02")),  # 3 days still
    ("2024-02-29", "2024-02-29", "yoy", None, ("2023-02-28", "2023-02-28")),
    ("2026-11-03", "2026-11-09", None, None, ("2026-10-27", "2026-11-02")),  # not Mon-Sun
])
def test_compared_periods(start: str, end: str, mode: str | None, unit: str | None,
                          expected: tuple[str, str]) -> None:
    filters = Filters(date_from=date.fromisoformat(start), date_to=date.fromisoformat(end),
                      compare=mode)  # type: ignore[arg-type]
    assert filters.calendar_unit() == unit
    longer = (date.fromisoformat(end) - date.fromisoformat(start)).days > 30
    said = "prev" if mode == "mom" and unit is None and longer else mode
    assert filters.comparison == (said or ("mom" if unit else "prev"))  # what it does
    prev = filters.previous()
    assert (prev.date_from.isoformat(), prev.date_to.isoformat()) == expected
    assert prev.compare == mode  # the segments and the mode go along


def test_series_fills_empty_days_with_zero_counts(tiny_store: Store) -> None:
    df = queries.series(tiny_store, Scope.of(MARCH, Settings(), as_of=AS_OF, grain="day"), ["tickets", "csat"])
    assert df["bucket"].to_list()[0] == date(2026, 3, 1)
    assert df.height == 7
    assert df["tickets"].to_list() == [1, 1, 1, 1, 1, 0, 1]
    assert df["tickets"].sum() == 6
    # 2026-03-06 had S6 (no 1-5 answer): csat is null that day, not 0
    assert df.filter(df["bucket"] == date(2026, 3, 6))["csat"].item() is None


def test_breakdown_by_channel_adds_up(tiny_store: Store) -> None:
    df = queries.breakdown(tiny_store, Scope.of(MARCH, Settings(), as_of=AS_OF), ["tickets", "complaints"], "channel")
    counts = dict(zip(df["channel"].to_list(), df["tickets"].to_list(), strict=True))
    assert counts == {"chat": 2, "email": 1, "phone": 2, "social": 1}


def test_channel_standard_setting_changes_the_rate(tiny_store: Store) -> None:
    strict = Settings(channel_standards_s={"phone": 5, "chat": 30, "email": 60, "social": 60,
                                           "walk_in": 60})
    result = queries.kpis(tiny_store, Scope.of(MARCH, strict, as_of=AS_OF), ["response_within_standard_rate"])["response_within_standard_rate"]
    assert result.numerator == 0  # nothing answered within these standards
    assert result.denominator == 6
