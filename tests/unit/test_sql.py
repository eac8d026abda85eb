"""The compiler: bind parameters only, injection-proof filters, a snapshot of the SQL."""

from __future__ import annotations

import os
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from polars.testing import assert_frame_equal

from metrics.core import catalog
from metrics.core.access import Access
from metrics.core.filters import Filters
from metrics.core.scope import Scope
from metrics.core.settings import Settings
from metrics.engine import queries
from metrics.engine.sql import compile_source, compile_violation_items
from metrics.engine.store import Store

SNAPSHOTS = Path(__file__).parent / "snapshots"
HOSTILE = "phone') OR 1=1; DROP TABLE tickets; --"


def test_filter_values_never_enter_the_sql_text() -> None:
    filters = Filters(date_from=date(2026, 3, 1), date_to=date(2026, 3, 7), channels=(HOSTILE,),
                      teams=("O'Brien",))
    metrics = [m for m in catalog.METRICS if m.source == "tickets" and m.kind != "weighted"]
    query = compile_source("tickets", metrics, Scope.of(filters, Settings(), as_of=datetime(2026, 3, 10), grain="day"))
    assert HOSTILE not in query.sql and "O'Brien" not in query.sql
    assert query.params["f_channel"] == [HOSTILE]
    assert "2026-03-01" not in query.sql


def test_hostile_filter_values_match_nothing_and_harm_nothing(tiny_store: Store) -> None:
    filters = Filters(date_from=date(2026, 3, 1), date_to=date(2026, 3, 7), channels=(HOSTILE,))
    result = queries.kpis(tiny_store, Scope.of(filters, Settings(), as_of=datetime(2026, 3, 10)))
    assert result["tickets"].value == 0
    assert tiny_store.ticket_count() == 7


def test_unknown_group_column_is_refused(tiny_store: Store) -> None:
    filters = Filters(date_from=date(2026, 3, 1), date_to=date(2026, 3, 7))
    with pytest.raises(ValueError, match="cannot group by"):
        queries.breakdown(tiny_store, tiny_store.scope(filters), ["tickets"], "customer_phone; DROP TABLE x")


@pytest.mark.parametrize("source", ["tickets", "surveys", "qa", "violations", "coverage"])
def test_compiled_sql_matches_snapshot(source: str) -> None:
    """Like metricflow's plan snapshots: a change to the generated SQL shows in review.

    Refresh with UPDATE_SNAPSHOTS=1 after checking the difference is intended.
    """
    filters = Filters(date_from=date(2026, 3, 1), date_to=date(2026, 3, 7), teams=("X",))
    metrics = [m for m in catalog.METRICS if m.source == source and m.kind != "weighted"]
    query = compile_source(source, metrics, Scope.of(filters, Settings(), as_of=datetime(2026, 3, 10), grain="week"), group_by=["bucket"])
    path = SNAPSHOTS / f"{source}.sql"
    text = query.sql.strip() + "\n"
    if os.environ.get("UPDATE_SNAPSHOTS"):
        SNAPSHOTS.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")
    assert sorted(query.params) == sorted(
        {p for p in query.params if f"${p}" in query.sql}
    )


def test_survey_queries_join_only_what_they_read() -> None:
    """A CSAT card needs neither the ticket behind each survey nor its dimension scores; a
    team filter needs the ticket, the response rate the scores (`answered`)."""
    week = Filters(date_from=date(2026, 3, 1), date_to=date(2026, 3, 7))
    as_of = datetime(2026, 3, 10)

    def sql(filters: Filters, metric_id: str, group_by: tuple[str, ...] = ()) -> str:
        scope = Scope.of(filters, Settings(), as_of=as_of)
        return compile_source("surveys", [catalog.get(metric_id)], scope, group_by).sql

    bare = sql(week, "csat")
    assert "JOIN tickets" not in bare and "survey_dimension_scores" not in bare
    assert "JOIN tickets" in sql(week.model_copy(update={"teams": ("X",)}), "csat")
    assert "JOIN tickets" in sql(week, "csat", ("channel",))
    rate = sql(week, "survey_response_rate")
    assert "survey_dimension_scores" in rate and "JOIN tickets" not in rate
    team_lead = Scope.of(week, Settings(), as_of=as_of,
                         access=Access(user="l", role="team_lead", teams=("X",)))
    assert "JOIN tickets" in compile_source("surveys", [catalog.get("csat")], team_lead).sql


def test_qa_queries_join_only_what_they_read() -> None:
    """QA cards read no ticket column: the join to every ticket comes only with a ticket
    filter or group; the violations count per inspection only with the violation-free rate."""
    week = Filters(date_from=date(2026, 3, 1), date_to=date(2026, 3, 7))
    scope = Scope.of(week, Settings(), as_of=datetime(2026, 3, 10))

    def sql(source: str, metric_id: str, scope: Scope = scope,
            group_by: tuple[str, ...] = ()) -> str:
        return compile_source(source, [catalog.get(metric_id)], scope, group_by).sql  # type: ignore[arg-type]

    assert "JOIN tickets tk" not in sql("qa", "qa_score_mean")
    assert "qa_violations" not in sql("qa", "qa_score_mean")
    assert "qa_violations" in sql("qa", "violation_free_rate")
    assert "JOIN tickets tk" not in sql("violations", "violations")
    assert "JOIN tickets tk" in sql("violations", "violations", group_by=("category",))
    assert "JOIN tickets tk" not in sql("violations", "violations",
                                        group_by=("violation_category",))
    phone = scope.narrowed(channels=("phone",))
    assert "JOIN tickets tk" in sql("qa", "qa_score_mean", phone)
    assert "JOIN tickets tk" in compile_violation_items(phone, 10).sql
    assert "JOIN tickets tk" not in compile_violation_items(scope, 10).sql


@pytest.mark.parametrize("metric_ids, columns", [
    (["complaints", "tickets", "first_response_median_s", "response_within_standard_rate"],
     ("category", "team", "channel")),
    (["csat", "mean_score", "survey_response_rate", "dont_know"], ("channel", "team")),
    (["inspections", "qa_score_mean", "violation_free_rate", "violations",
      "severe_violations"], ("team", "agent")),
    (["survey_coverage_rate", "surveys_sent"], ("channel", "priority")),
])
@pytest.mark.parametrize("teams", [(), ("T1",)])
def test_grouping_sets_give_each_breakdown(demo_store: Store, metric_ids: list[str],
                                           columns: tuple[str, ...],
                                           teams: tuple[str, ...]) -> None:
    """One GROUPING SETS query per source (`breakdowns`) gives, column by column, the very
    frames of one `breakdown` each: values, counts, nulls and order."""
    latest = demo_store.latest_dates()["tickets"]
    assert latest is not None
    team = queries.dimension_values(demo_store)["team"][0]
    filters = Filters(date_from=latest - timedelta(days=40), date_to=latest,
                      teams=(team,) if teams else ())
    scope = demo_store.scope(filters)
    together = queries.breakdowns(demo_store, scope, metric_ids, columns)
    assert set(together) == set(columns)
    for column in columns:
        alone = queries.breakdown(demo_store, scope, metric_ids, column)
        assert alone.height > 0
        assert_frame_equal(together[column], alone, check_column_order=False)
