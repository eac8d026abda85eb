"""The QA page's numbers (metrics.views.qa) on the hand-made store, computed on paper, and sanity
checks on the demo store: every breakdown adds up to its KPI."""

from __future__ import annotations

from datetime import date, datetime

import polars as pl
import pytest

from metrics.core import catalog
from metrics.core.filters import Filters
from metrics.core.scope import Scope
from metrics.engine import queries
from metrics.engine.sql import compile_violation_agents, compile_violation_items
from metrics.engine.store import Store
from metrics.present.tables import qa_items_table as items_table
from metrics.present.tables import qa_offenders_table as offenders_table
from metrics.present.tables import qa_segment_table as segment_table
from metrics.views.qa import REPEAT_MIN_INSPECTIONS, agent_summary, qa_view

MARCH = Filters(date_from=date(2026, 3, 1), date_to=date(2026, 3, 31))  # Q1, Q2 and Q3
WEEK = Filters(date_from=date(2026, 3, 1), date_to=date(2026, 3, 7))  # Q1 and Q2
AS_OF = datetime(2026, 3, 31, 12, 0)
YEAR = Filters(date_from=date(2025, 10, 24), date_to=date(2026, 11, 23))


def test_cards_on_paper(tiny_store: Store) -> None:
    view = qa_view(tiny_store, tiny_store.scope(MARCH, as_of=AS_OF, grain="day"))
    # Q1 80, Q2 95, Q3 50; items: Q1 language severe + attitude minor, Q3 misleading severe
    assert view.count("inspections") == 3
    assert view.card("qa_score_mean").current.value == pytest.approx(75.0)
    assert view.count("violations") == 3
    assert view.count("severe_violations") == 2
    assert view.card("violations").on_target is False  # target: no severe violation


def test_repeat_offender_with_violations_in_two_inspections(tiny_store: Store) -> None:
    view = qa_view(tiny_store, tiny_store.scope(MARCH, as_of=AS_OF, grain="day"))
    offenders = view.repeat_offenders
    assert offenders["agent"].to_list() == ["A"]
    row = offenders.row(0, named=True)
    assert row["inspections_with_violations"] == 2  # Q1 (2 items) and Q3 (1 item)
    assert row["violation_items"] == 3
    assert row["severe_items"] == 2
    assert row["inspections"] == 2  # all of A's inspections in March
    assert row["team"] == "X"  # Q3 has no ticket: A's team from A's latest ticket
    assert row["latest"] == date(2026, 3, 20)
    shown = offenders_table(offenders, "zh")
    assert shown.row(0, named=True) == {
        "坐席": "A", "班组": "X", "有违规的质检": 2, "质检量": 2, "违规项": 3, "严重违规项": 2,
        "违规类别（项数）": "服务态度恶劣×1、言语不当×1、误导客户×1",
        "最近违规日期": "2026-03-20",
    }
    assert offenders_table(offenders, "en")["Categories (items)"][0] == \
        "Bad attitude ×1, Inappropriate language ×1, Misleading the customer ×1"


def test_two_items_in_one_inspection_are_not_a_repeat(tiny_store: Store) -> None:
    view = qa_view(tiny_store, tiny_store.scope(WEEK, as_of=AS_OF, grain="day"))
    assert view.repeat_offenders.is_empty()
    assert view.agents["agent"].to_list() == ["A"]  # still listed for the record
    assert view.agents["inspections_with_violations"].to_list() == [1]
    assert view.agents["violation_items"].to_list() == [2]
    assert view.severe_items["inspection_id"].to_list() == ["Q1"]


def test_agent_record_newest_first(tiny_store: Store) -> None:
    view = qa_view(tiny_store, tiny_store.scope(MARCH, as_of=AS_OF, grain="day"))
    record = view.record("A")
    assert record.select("inspection_id", "item", "ticket_id", "inspector", "qa_score",
                         "violation_category", "severity").rows() == [
        ("Q3", 1, None, "QA2", 50.0, "misleading", "severe"),
        ("Q1", 1, "T2", "QA1", 80.0, "language", "severe"),
        ("Q1", 2, "T2", "QA1", 80.0, "attitude", "minor"),
    ]
    assert agent_summary(view, "A") == {"items": 3, "severe": 2, "inspections": 2}
    assert view.record("B").is_empty()
    shown = items_table(record, "en", with_agent=False)
    assert shown.columns == ["Date", "Inspection ID", "Ticket ID", "Inspector", "QA score",
                             "Violation", "Severity"]
    assert shown["Severity"].to_list() == ["Severe", "Severe", "Minor"]
    assert shown["Date"].to_list() == ["2026-03-20", "2026-03-02", "2026-03-02"]


def test_by_team_and_agent_with_n(tiny_store: Store) -> None:
    view = qa_view(tiny_store, tiny_store.scope(MARCH, as_of=AS_OF, grain="day"))
    teams = {r["team"]: r for r in view.by_team.iter_rows(named=True)}
    assert set(teams) == {"X", "Y"}
    assert (teams["X"]["inspections"], teams["X"]["qa_score_mean"]) == (2, pytest.approx(65.0))
    assert (teams["X"]["violations"], teams["X"]["severe_violations"]) == (3, 2)
    assert teams["X"]["violation_free_rate"] == 0.0
    assert (teams["Y"]["inspections"], teams["Y"]["qa_score_mean"]) == (1, pytest.approx(95.0))
    assert (teams["Y"]["violations"], teams["Y"]["severe_violations"]) == (0, 0)  # not null
    assert teams["Y"]["violation_free_rate"] == 1.0
    agents = segment_table(view, "agent", "en")
    assert agents.rows() == [("A", "X", "2", "65.0", "3", "2", "0.0%"),
                             ("B", "Y", "1", "95.0", "0", "0", "100.0%")]


def test_severity_trend_has_every_bucket(tiny_store: Store) -> None:
    view = qa_view(tiny_store, tiny_store.scope(MARCH, as_of=AS_OF, grain="day"))
    trend = view.severity_trend
    assert trend.height == 31 * 3
    assert trend["violations"].sum() == 3
    found = trend.filter(pl.col("violations") > 0).select("bucket", "severity").rows()
    assert found == [(date(2026, 3, 2), "minor"), (date(2026, 3, 2), "severe"),
                     (date(2026, 3, 20), "severe")]
    weekly = qa_view(tiny_store, tiny_store.scope(MARCH, as_of=AS_OF, grain="week")).severity_trend
    assert weekly["bucket"].n_unique() == 6  # weeks starting 02-23 … 03-30
    assert weekly["violations"].sum() == 3


def test_filters_reach_the_items(tiny_store: Store) -> None:
    phone = qa_view(tiny_store, tiny_store.scope(MARCH.model_copy(update={"channels": ("phone",)}), as_of=AS_OF, grain="day"))
    # Q1's ticket T2 is a phone ticket; Q3 has no ticket, so a channel filter drops it
    assert phone.count("violations") == 2
    assert phone.items["inspection_id"].unique().to_list() == ["Q1"]
    assert phone.repeat_offenders.is_empty()
    only_b = qa_view(tiny_store, tiny_store.scope(MARCH.model_copy(update={"agents": ("B",)}), as_of=AS_OF, grain="day"))
    assert only_b.count("inspections") == 1
    assert only_b.agents.is_empty() and only_b.items.is_empty() and only_b.items_total == 0


def test_violation_sql_binds_every_value() -> None:
    evil = "x'); DROP TABLE qa_violations; --"
    filters = MARCH.model_copy(update={"agents": (evil,), "teams": (evil,)})
    for query in (compile_violation_items(Scope.of(filters), 10), compile_violation_agents(Scope.of(filters))):
        assert evil not in query.sql
        assert query.params["f_agent"] == [evil]
        assert query.params["f_team"] == [evil]


def test_the_rule_is_in_the_catalog_note() -> None:
    note = catalog.get("violations")
    assert f"{REPEAT_MIN_INSPECTIONS} or more distinct inspections" in note.note_en
    assert f"{REPEAT_MIN_INSPECTIONS} 次或以上不同质检" in note.note_zh


# The demo store: breakdowns add up to the KPIs ------------------------------------------------

def test_demo_breakdowns_add_up(demo_store: Store) -> None:
    view = qa_view(demo_store, demo_store.scope(YEAR, grain="month"))
    kpis = queries.kpis(demo_store, demo_store.scope(YEAR), ["inspections", "violations", "severe_violations",
                                           "qa_score_mean"])
    violations = int(kpis["violations"].value or 0)
    severe = int(kpis["severe_violations"].value or 0)
    assert violations > 0 and severe > 0  # the premise
    assert view.count("violations") == violations
    assert view.by_category["violations"].sum() == violations
    assert view.severity_trend["violations"].sum() == violations
    assert view.severity_trend.filter(severity="severe")["violations"].sum() == severe
    assert view.items_total == view.items.height == violations
    assert view.severe_items.height == severe
    assert view.agents["violation_items"].sum() == violations
    assert view.agents["severe_items"].sum() == severe
    assert view.by_team["inspections"].sum() == kpis["inspections"].value
    assert view.by_agent["inspections"].sum() == kpis["inspections"].value
    assert view.by_agent["violations"].sum() == violations
    pooled = (view.by_agent["qa_score_mean"] * view.by_agent["qa_score_mean__den"]).sum() \
        / view.by_agent["qa_score_mean__den"].sum()
    assert pooled == pytest.approx(kpis["qa_score_mean"].value)


def test_demo_worst_repeat_offender_is_zhao_lei(demo_store: Store) -> None:
    view = qa_view(demo_store, demo_store.scope(YEAR, grain="month"))
    offenders = view.repeat_offenders
    assert not offenders.is_empty()
    assert (offenders["inspections_with_violations"] >= REPEAT_MIN_INSPECTIONS).all()
    assert offenders["agent"][0] == "赵磊"  # the demo's agent with 12× the violations
    assert view.agents["agent"][0] == "赵磊"  # the record's default
    first = offenders.row(0, named=True)
    assert first["severe_items"] == view.record("赵磊").filter(severity="severe").height > 0
    # worst first: no later agent has more severe items
    assert offenders["severe_items"].to_list() == sorted(offenders["severe_items"].to_list(),
                                                         reverse=True)
    assert set(view.agents.filter(~pl.col("repeat"))["inspections_with_violations"]) <= {1}
