"""Agent and team scorecards against values computed by hand on a dedicated small store.

Period: Monday 2026-04-06 .. Sunday 2026-04-12, as of 2026-04-20 12:00. Four agents in two
teams: Ann and Bob in North, Cai and Dan in South. Channel standards are the defaults (phone
20 s, chat 60 s, email 24 h, social 1 h, walk-in 10 min). Every expected value is derived in
the comments next to its assertion.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from pydantic import ValidationError

from metrics.core import catalog
from metrics.core.filters import Filters
from metrics.core.scope import Scope
from metrics.core.settings import Settings
from metrics.engine import queries
from metrics.engine.store import Store
from metrics.present import tables
from metrics.views import drill, qa, scorecards
from tests.conftest import BOTH

# Every test here runs on DuckDB and on embedded ClickHouse (chDB), the same fixture rows.
ENGINES = BOTH

WEEK = Filters(date_from=date(2026, 4, 6), date_to=date(2026, 4, 12))
AS_OF = datetime(2026, 4, 20, 12, 0, 0)
# Rank with at least 3 tickets; answers not required (see test_answers_minimum_... for that).
SMALL = Settings(rank_min_tickets=3, rank_min_answers=0)

# Per ticket: first response (s), resolution (s), within the channel standard, resolved,
# FCR (contacts <= 1, missing 1, and reopen 0, missing 0), reopened.
SCORECARD_SQL = """
INSERT INTO tickets (ticket_id, created_at, channel, request_type, agent, team,
    first_response_at, resolved_at, closed_at, status, reopen_count, contacts) VALUES
-- A0: before the period, must count nowhere.
('A0', '2026-04-01 09:00:00', 'phone', 'inquiry', 'Ann', 'North',
    '2026-04-01 09:00:05', '2026-04-01 09:05:00', NULL, 'resolved', 0, 1),
-- A1: frt 10 s (<= 20 phone: within), res 600 s, FCR yes, reopen no
('A1', '2026-04-06 09:00:00', 'phone', 'inquiry', 'Ann', 'North',
    '2026-04-06 09:00:10', '2026-04-06 09:10:00', NULL, 'resolved', 0, 1),
-- A2: frt 30 s (> 20 phone: miss), res 3600 s, FCR no (2 contacts), reopen no
('A2', '2026-04-07 09:00:00', 'phone', 'complaint', 'Ann', 'North',
    '2026-04-07 09:00:30', '2026-04-07 10:00:00', NULL, 'resolved', 0, 2),
-- A3: frt 40 s (<= 60 chat: within), res 7200 s, FCR no, reopened
('A3', '2026-04-08 09:00:00', 'chat', 'inquiry', 'Ann', 'North',
    '2026-04-08 09:00:40', '2026-04-08 11:00:00', NULL, 'resolved', 1, 1),
-- A4: frt 7200 s (<= 24 h email: within), not resolved
('A4', '2026-04-09 09:00:00', 'email', 'repair', 'Ann', 'North',
    '2026-04-09 11:00:00', NULL, NULL, 'pending', 0, 1),
-- B1: frt 20 s (<= 60 chat: within), res 1800 s, FCR yes
('B1', '2026-04-06 10:00:00', 'chat', 'inquiry', 'Bob', 'North',
    '2026-04-06 10:00:20', '2026-04-06 10:30:00', NULL, 'resolved', 0, 1),
-- B2: frt 90 s (> 60 chat: miss), res 14400 s, FCR yes
('B2', '2026-04-08 10:00:00', 'chat', 'complaint', 'Bob', 'North',
    '2026-04-08 10:01:30', '2026-04-08 14:00:00', NULL, 'resolved', 0, 1),
-- B3: never answered (a miss: its 20 s have long elapsed), closed after 86400 s without a
--     resolved time (resolved all the same), contacts and reopens missing: FCR yes
('B3', '2026-04-10 10:00:00', 'phone', 'inquiry', 'Bob', 'North',
    NULL, NULL, '2026-04-11 10:00:00', 'closed', NULL, NULL),
-- C1: frt 1800 s (<= 1 h social: within), res 10800 s, FCR yes
('C1', '2026-04-06 11:00:00', 'social', 'inquiry', 'Cai', 'South',
    '2026-04-06 11:30:00', '2026-04-06 14:00:00', NULL, 'resolved', 0, 1),
-- C2: frt 15 s (within), res 1200 s, FCR yes
('C2', '2026-04-07 11:00:00', 'phone', 'inquiry', 'Cai', 'South',
    '2026-04-07 11:00:15', '2026-04-07 11:20:00', NULL, 'resolved', 0, 1),
-- C3: frt 300 s (<= 600 walk-in: within), res 86400 s, reopened twice: FCR no
('C3', '2026-04-09 11:00:00', 'walk_in', 'repair', 'Cai', 'South',
    '2026-04-09 11:05:00', '2026-04-10 11:00:00', NULL, 'resolved', 2, 1),
-- C4: frt 25 s (> 20 phone: miss), res 7200 s, 3 contacts: FCR no
('C4', '2026-04-12 23:00:00', 'phone', 'complaint', 'Cai', 'South',
    '2026-04-12 23:00:25', '2026-04-13 01:00:00', NULL, 'resolved', 0, 3),
-- D1: frt 5 s (within), res 300 s, FCR yes; Dan's only ticket
('D1', '2026-04-11 14:00:00', 'phone', 'inquiry', 'Dan', 'South',
    '2026-04-11 14:00:05', '2026-04-11 14:05:00', NULL, 'resolved', 0, 1);

-- A survey is credited to the agent of its ticket and selected by sent_at.
INSERT INTO surveys (survey_id, sent_at, ticket_id, responded_at, score, dont_know) VALUES
('S0', '2026-04-02 12:00:00', 'A0', '2026-04-02 13:00:00', 1, false),  -- before the period
('S9', '2026-04-06 08:00:00', 'A0', '2026-04-06 09:00:00', 4, false),  -- Ann: sent in period
('S1', '2026-04-06 12:00:00', 'A1', '2026-04-06 13:00:00', 5, false),  -- Ann
('S2', '2026-04-07 12:00:00', 'A2', '2026-04-07 13:00:00', 2, false),  -- Ann
('S3', '2026-04-08 12:00:00', 'A3', '2026-04-08 13:00:00', 4, false),  -- Ann
('S4', '2026-04-09 12:00:00', 'A4', '2026-04-09 13:00:00', NULL, true),  -- Ann, don't know
('S5', '2026-04-06 15:00:00', 'C1', '2026-04-06 16:00:00', 5, false),  -- Cai
('S6', '2026-04-07 15:00:00', 'C2', '2026-04-07 16:00:00', 4, false),  -- Cai
('S7', '2026-04-10 15:00:00', 'C3', '2026-04-10 16:00:00', 4, false),  -- Cai
('S8', '2026-04-12 23:30:00', 'C4', '2026-04-12 23:40:00', 5, false),  -- Cai
('SD', '2026-04-11 15:00:00', 'D1', '2026-04-11 16:00:00', 5, false),  -- Dan
('SX', '2026-04-08 12:00:00', NULL, '2026-04-08 13:00:00', 1, false);  -- no ticket: nobody's

-- An inspection is credited to its own agent, whoever handled the ticket.
INSERT INTO qa_inspections (inspection_id, agent, inspected_at, ticket_id, inspector,
    qa_score) VALUES
('Q1', 'Ann', '2026-04-07 15:00:00', 'A2', 'QA1', 70),
('Q2', 'Ann', '2026-04-09 15:00:00', 'A4', 'QA1', 90),
('Q3', 'Bob', '2026-04-08 15:00:00', 'B2', 'QA1', 85),
('Q4', 'Bob', '2026-04-10 15:00:00', NULL, 'QA2', 95),   -- no ticket: team from Bob's
('Q5', 'Cai', '2026-04-11 15:00:00', 'C3', 'QA2', 100),
('Q7', 'Cai', '2026-04-11 16:00:00', 'D1', 'QA2', 80),   -- Cai's, on Dan's ticket
('Q6', 'Cai', '2026-04-20 15:00:00', 'C4', 'QA2', 40);   -- after the period

INSERT INTO qa_violations VALUES
('Q1', 1, 'language', 'severe'),
('Q1', 2, 'attitude', 'minor'),
('Q7', 1, 'irregular', 'moderate'),
('Q6', 1, 'misleading', 'severe');
"""


@pytest.fixture()
def store(tmp_path: Path) -> Store:
    store = Store(tmp_path / "scorecards.duckdb")
    with store.writer() as con:
        con.execute(SCORECARD_SQL)
    return store


def by(df: pl.DataFrame, key: str, level: scorecards.Level = "agent") -> dict[str, Any]:
    """One row as a record of `scorecards.rows` (csat_n, csat_ci, rank), with the frame's
    unrounded values."""
    record = next(r for r in scorecards.rows(df, level) if r[level] == key)
    raw = df.filter(pl.col(level) == key).row(0, named=True)
    return {**record, **{m: raw[m] for m in scorecards.INDICATORS},
            "composite": raw[scorecards.COMPOSITE]}


def test_agent_indicators_by_hand(store: Store) -> None:
    df = scorecards.scorecard(store, Scope.of(WEEK, SMALL, as_of=AS_OF))
    assert sorted(df["agent"].to_list()) == ["Ann", "Bob", "Cai", "Dan"]
    ann, bob, cai, dan = (by(df, a) for a in ("Ann", "Bob", "Cai", "Dan"))

    # Ann: A1..A4 (A0 is before the period).
    assert ann["team"] == "North"
    assert ann["tickets"] == 4
    assert ann["first_response_median_s"] == pytest.approx(35)  # 10, 30, 40, 7200: (30+40)/2
    assert ann["resolution_median_s"] == pytest.approx(3600)  # 600, 3600, 7200
    assert ann["response_within_standard_rate"] == pytest.approx(3 / 4)  # A1, A3, A4
    assert ann["resolution_rate"] == pytest.approx(3 / 4)  # A1, A2, A3 of 4
    assert ann["fcr_rate"] == pytest.approx(1 / 3)  # A1 of the 3 resolved
    assert ann["reopen_rate"] == pytest.approx(1 / 3)  # A3 of the 3 resolved
    # Scored answers S9 4, S1 5, S2 2, S3 4 (S0 sent before the period, S4 "don't know"):
    # 3 of 4 score 4-5; mean (4 + 5 + 2 + 4) / 4
    assert ann["csat"] == pytest.approx(3 / 4)
    assert ann["csat_n"] == 4
    assert ann["mean_score"] == pytest.approx(15 / 4)
    # Q1 70 (language severe, attitude minor), Q2 90 (clean)
    assert ann["qa_score_mean"] == pytest.approx(80)
    assert ann["inspections"] == 2
    assert ann["violation_free_rate"] == pytest.approx(1 / 2)
    assert (ann["minor_violations"], ann["moderate_violations"],
            ann["severe_violations"]) == (1, 0, 1)

    # Bob: B1..B3, no survey at all; Q3 85 and Q4 95, both clean.
    assert bob["tickets"] == 3
    assert bob["first_response_median_s"] == pytest.approx(55)  # 20, 90 (B3 unanswered)
    assert bob["resolution_median_s"] == pytest.approx(14400)  # 1800, 14400, 86400
    assert bob["response_within_standard_rate"] == pytest.approx(1 / 3)  # B1 only
    assert bob["resolution_rate"] == 1.0
    assert bob["fcr_rate"] == 1.0
    assert bob["reopen_rate"] == 0.0
    assert bob["csat"] is None and bob["mean_score"] is None and bob["csat_n"] == 0
    assert bob["csat_ci"] is None
    assert bob["qa_score_mean"] == pytest.approx(90)
    assert bob["violation_free_rate"] == 1.0
    assert (bob["minor_violations"], bob["moderate_violations"],
            bob["severe_violations"]) == (0, 0, 0)

    # Cai: C1..C4; answers 5, 4, 4, 5; Q5 100 clean and Q7 80 (irregular, moderate) on Dan's
    # ticket; Q6 is after the period.
    assert cai["tickets"] == 4
    assert cai["first_response_median_s"] == pytest.approx(162.5)  # 15, 25, 300, 1800
    assert cai["resolution_median_s"] == pytest.approx(9000)  # 1200, 7200, 10800, 86400
    assert cai["response_within_standard_rate"] == pytest.approx(3 / 4)  # all but C4
    assert cai["resolution_rate"] == 1.0
    assert cai["fcr_rate"] == pytest.approx(1 / 2)  # C1, C2
    assert cai["reopen_rate"] == pytest.approx(1 / 4)  # C3
    assert cai["csat"] == 1.0 and cai["csat_n"] == 4
    assert cai["mean_score"] == pytest.approx(18 / 4)
    assert cai["qa_score_mean"] == pytest.approx(90)  # (100 + 80) / 2
    assert cai["inspections"] == 2
    assert cai["violation_free_rate"] == pytest.approx(1 / 2)
    assert (cai["minor_violations"], cai["moderate_violations"],
            cai["severe_violations"]) == (0, 1, 0)

    # Dan: D1 only, one answer (5), no inspection of his own (Q7 is Cai's).
    assert dan["tickets"] == 1
    assert dan["csat"] == 1.0 and dan["csat_n"] == 1
    assert dan["qa_score_mean"] is None and dan["inspections"] == 0
    assert dan["violation_free_rate"] is None and dan["severe_violations"] == 0


def test_wilson_interval_of_each_agent(store: Store) -> None:
    df = scorecards.scorecard(store, Scope.of(WEEK, SMALL, as_of=AS_OF))
    # Ann 3 of 4: z² = 3.841459; centre (0.75 + z²/8) / (1 + z²/4) = 1.230182 / 1.960365
    # = 0.627527; half z·sqrt(0.75·0.25/4 + z²/64) / 1.960365 = 0.326887 → 0.300640 .. 0.954414
    low, high = by(df, "Ann")["csat_ci"]
    assert (low, high) == (pytest.approx(0.300640, abs=1e-5), pytest.approx(0.954414, abs=1e-5))
    # Cai 4 of 4: with p = 1 the lower bound is n / (n + z²) = 4 / 7.841459 = 0.510109; upper 1
    low, high = by(df, "Cai")["csat_ci"]
    assert low == pytest.approx(4 / (4 + scorecards.Z95**2), abs=1e-6)
    assert low == pytest.approx(0.510109, abs=1e-5) and high == 1.0


def test_composite_by_hand_with_renormalising(store: Store) -> None:
    # Default weights: in standard 0.2, resolution 0.1, FCR 0.15, CSAT 0.25, QA 0.2,
    # violation-free 0.1; attainment: rates themselves, QA score / 100.
    assert Settings().agent_weights == catalog.DEFAULT_AGENT_WEIGHTS
    df = scorecards.scorecard(store, Scope.of(WEEK, SMALL, as_of=AS_OF))
    # Ann: .2·.75 + .1·.75 + .15·(1/3) + .25·.75 + .2·.80 + .1·.5
    #    = .15 + .075 + .05 + .1875 + .16 + .05 = .6725
    assert by(df, "Ann")["composite"] == pytest.approx(0.6725)
    # Bob has no CSAT: its weight .25 is left out and the rest renormalised over .75:
    # (.2·(1/3) + .1·1 + .15·1 + .2·.90 + .1·1) / .75 = (.066667 + .53) / .75 = 179/225
    assert by(df, "Bob")["composite"] == pytest.approx(179 / 225, abs=1e-6)  # 0.795556
    # Cai: .2·.75 + .1·1 + .15·.5 + .25·1 + .2·.90 + .1·.5
    #    = .15 + .1 + .075 + .25 + .18 + .05 = .805
    assert by(df, "Cai")["composite"] == pytest.approx(0.805)
    # Dan has no QA: (.2 + .1 + .15 + .25) / .7 = 1
    assert by(df, "Dan")["composite"] == pytest.approx(1.0)


def test_reopen_weighted_as_one_minus_rate(store: Store) -> None:
    settings = Settings(agent_weights={"reopen_rate": 0.5, "qa_score_mean": 0.5},
                        rank_min_tickets=3, rank_min_answers=0)
    df = scorecards.scorecard(store, Scope.of(WEEK, settings, as_of=AS_OF))
    # Cai: .5·(1 − .25) + .5·(90/100) = .375 + .45 = .825
    assert by(df, "Cai")["composite"] == pytest.approx(0.825)
    # Dan: reopen 0, no QA: (.5·1) / .5 = 1
    assert by(df, "Dan")["composite"] == pytest.approx(1.0)


def test_small_sample_is_listed_but_not_ranked(store: Store) -> None:
    df = scorecards.scorecard(store, Scope.of(WEEK, SMALL, as_of=AS_OF))
    # Ranked (≥ 3 tickets): Cai .805, Bob .7956, Ann .6725. Dan (1 ticket) has the best
    # composite (1.0) yet is not ranked and comes after the ranked agents.
    assert df["agent"].to_list() == ["Cai", "Bob", "Ann", "Dan"]
    assert df["rank"].to_list() == [1, 2, 3, None]
    assert df["ranked"].to_list() == [True, True, True, False]
    dan = by(df, "Dan")
    assert dan["rank"] is None and dan["composite"] == pytest.approx(1.0)


def test_answers_minimum_applies_when_csat_is_weighted(store: Store) -> None:
    settings = Settings(rank_min_tickets=3, rank_min_answers=2)
    df = scorecards.scorecard(store, Scope.of(WEEK, settings, as_of=AS_OF))
    # Bob has 0 scored answers (< 2): no longer ranked. Cai 1, Ann 2; the unranked follow
    # by composite: Dan 1.0, Bob .7956.
    assert df["agent"].to_list() == ["Cai", "Ann", "Dan", "Bob"]
    assert df["rank"].to_list() == [1, 2, None, None]
    # Without CSAT in the weights, answers do not matter: Bob ranks again.
    no_csat = Settings(agent_weights={"resolution_rate": 0.5, "fcr_rate": 0.5},
                       rank_min_tickets=3, rank_min_answers=2)
    df = scorecards.scorecard(store, Scope.of(WEEK, no_csat, as_of=AS_OF))
    assert by(df, "Bob")["rank"] is not None
    assert scorecards.rankable(3, 0, no_csat) and not scorecards.rankable(3, 0, settings)
    assert not scorecards.rankable(2, 50, settings)


def test_ties_share_a_rank(store: Store) -> None:
    settings = Settings(agent_weights={"resolution_rate": 1.0}, rank_min_tickets=3,
                        rank_min_answers=0)
    df = scorecards.scorecard(store, Scope.of(WEEK, settings, as_of=AS_OF))
    # Resolution rate: Bob 3/3 = 1, Cai 4/4 = 1, Ann 3/4 = .75, Dan 1/1 = 1 (unranked).
    # Bob and Cai share rank 1; Ann is 3rd ("min" ranking); ties list the larger sample first.
    assert df["agent"].to_list() == ["Cai", "Bob", "Ann", "Dan"]
    assert df["rank"].to_list() == [1, 1, 3, None]


def test_team_values_are_pooled_not_averaged(store: Store) -> None:
    df = scorecards.scorecard(store, Scope.of(WEEK, SMALL, as_of=AS_OF), "team")
    north, south = by(df, "North", "team"), by(df, "South", "team")
    # North = Ann + Bob tickets (7).
    assert north["tickets"] == 7
    assert north["first_response_median_s"] == pytest.approx(35)  # 10,20,30,40,90,7200
    assert north["resolution_median_s"] == pytest.approx(5400)  # 600,1800,3600,7200,14400,86400
    # in standard (3 + 1) / 7 — the mean of the agents' rates would be (3/4 + 1/3) / 2 = .5417
    assert north["response_within_standard_rate"] == pytest.approx(4 / 7)
    assert north["resolution_rate"] == pytest.approx(6 / 7)
    assert north["fcr_rate"] == pytest.approx(4 / 6)  # (1 + 3) / (3 + 3)
    assert north["reopen_rate"] == pytest.approx(1 / 6)
    assert north["csat"] == pytest.approx(3 / 4) and north["csat_n"] == 4  # Ann's only
    # Q1 70, Q2 90, Q3 85, Q4 95 (Q4 has no ticket: Bob's team); clean: Q2, Q3, Q4
    assert north["qa_score_mean"] == pytest.approx(85)
    assert north["inspections"] == 4
    assert north["violation_free_rate"] == pytest.approx(3 / 4)
    # .2·4/7 + .1·6/7 + .15·2/3 + .25·.75 + .2·.85 + .1·.75 = .2 + .1 + .1875 + .17 + .075
    assert north["composite"] == pytest.approx(0.7325)
    # South = Cai + Dan tickets (5).
    assert south["tickets"] == 5
    assert south["first_response_median_s"] == pytest.approx(25)  # 5, 15, 25, 300, 1800
    assert south["resolution_median_s"] == pytest.approx(7200)  # 300,1200,7200,10800,86400
    assert south["response_within_standard_rate"] == pytest.approx(4 / 5)
    assert south["resolution_rate"] == 1.0
    assert south["fcr_rate"] == pytest.approx(3 / 5)  # C1, C2, D1
    assert south["reopen_rate"] == pytest.approx(1 / 5)  # C3
    assert south["csat"] == 1.0 and south["csat_n"] == 5  # Cai 4 + Dan 1
    assert south["mean_score"] == pytest.approx(23 / 5)  # (5+4+4+5 + 5) / 5
    # 5 of 5: lower bound 5 / (5 + z²) = 0.565518
    assert south["csat_ci"][0] == pytest.approx(0.565518, abs=1e-5)
    assert south["qa_score_mean"] == pytest.approx(90)  # Q5 100, Q7 80 (Dan's ticket: South)
    assert south["moderate_violations"] == 1
    # .2·.8 + .1·1 + .15·.6 + .25·1 + .2·.9 + .1·.5 = .16 + .1 + .09 + .25 + .18 + .05 = .83
    assert south["composite"] == pytest.approx(0.83)
    assert [r["team"] for r in scorecards.rows(df, "team")] == ["South", "North"]
    assert df["rank"].to_list() == [1, 2]


def test_agents_carry_their_team_values(store: Store) -> None:
    df = scorecards.scorecard(store, Scope.of(WEEK, SMALL, as_of=AS_OF))
    ann = df.filter(df["agent"] == "Ann").row(0, named=True)
    # Rates are North's pooled values; counts are per agent of the team: 7 tickets / 2 agents.
    assert ann["team__response_within_standard_rate"] == pytest.approx(4 / 7)
    assert ann["team__agent_composite"] == pytest.approx(0.7325)
    assert ann["team__tickets"] == pytest.approx(7 / 2)
    assert ann["team__inspections"] == pytest.approx(4 / 2)
    # Filtering on one agent still compares with the whole team.
    only_ann = WEEK.model_copy(update={"agents": ("Ann",)})
    df = scorecards.scorecard(store, Scope.of(only_ann, SMALL, as_of=AS_OF))
    assert df["agent"].to_list() == ["Ann"]
    assert df["team__response_within_standard_rate"].to_list() == [pytest.approx(4 / 7)]
    assert df["team__tickets"].to_list() == [pytest.approx(7 / 2)]


def test_empty_period_gives_empty_frame_with_the_columns(store: Store) -> None:
    empty = Filters(date_from=date(2027, 1, 1), date_to=date(2027, 1, 7))
    full = scorecards.scorecard(store, Scope.of(WEEK, SMALL, as_of=AS_OF))
    for level in ("agent", "team"):
        df = scorecards.scorecard(store, Scope.of(empty, SMALL, as_of=AS_OF), level)
        assert df.is_empty()
        expected = {level, *scorecards.INDICATORS, "csat__num", "csat__den", "csat_low",
                    "csat_high", "ranked", "rank"}
        assert expected <= set(df.columns)
        assert scorecards.rows(df, level) == []
    agents = scorecards.scorecard(store, Scope.of(empty, SMALL, as_of=AS_OF))
    assert set(agents.columns) <= set(full.columns)  # the same names, team__<id> included
    assert "team__csat" in agents.columns


def test_wilson() -> None:
    assert scorecards.wilson(0, 0) == (None, None)
    assert scorecards.wilson(None, 10) == (None, None)
    # 8 of 10, checked independently: the Wilson bounds are the roots π of
    # (p − π)² = z² π (1 − π) / n, i.e. (1 + z²/n) π² − (2p + z²/n) π + p² = 0.
    z2 = 1.959963984540054**2
    a, b, c = 1 + z2 / 10, -(2 * 0.8 + z2 / 10), 0.8**2
    root = math.sqrt(b * b - 4 * a * c)
    low, high = scorecards.wilson(8, 10)
    assert low == pytest.approx((-b - root) / (2 * a)) == pytest.approx(0.4902, abs=1e-4)
    assert high == pytest.approx((-b + root) / (2 * a)) == pytest.approx(0.9433, abs=1e-4)
    assert scorecards.wilson(0, 5)[0] == 0.0 and scorecards.wilson(5, 5)[1] == 1.0


@pytest.mark.parametrize(
    ("weights", "why"),
    [
        ({"csat": 1.2, "fcr_rate": -0.2}, "negative"),
        ({"csat": 0.5, "fcr_rate": 0.3}, "must sum to 1"),
        ({"csat": 0.5, "complaint_rate": 0.5}, "cannot be weighted in the agent composite"),
        ({"csat": 0.5, "tickets": 0.5}, "cannot be weighted in the agent composite"),
        ({}, "at least one indicator"),
        ({"csat": float("nan")}, "not a number"),
    ],
)
def test_bad_agent_weights_are_refused(weights: dict[str, float], why: str) -> None:
    with pytest.raises(ValidationError, match=why):
        Settings(agent_weights=weights)


def test_good_agent_weights_are_kept() -> None:
    weights = {"reopen_rate": 0.25, "violation_free_rate": 0.25, "qa_score_mean": 0.5}
    assert Settings(agent_weights=weights).agent_weights == weights
    assert abs(sum(catalog.DEFAULT_AGENT_WEIGHTS.values()) - 1) < 1e-9
    assert set(catalog.DEFAULT_AGENT_WEIGHTS) <= set(catalog.AGENT_WEIGHTABLE)


def raw(df: pl.DataFrame, agent: str) -> dict[str, Any]:
    """One agent's row as the frame has it (team__ columns included)."""
    return df.filter(pl.col("agent") == agent).row(0, named=True)


def test_picking_agents_keeps_their_rank_among_everyone(store: Store) -> None:
    # Without a filter: Cai 1, Bob 2, Ann 3 (see test_small_sample_is_listed_but_not_ranked).
    everyone = scorecards.scorecard(store, Scope.of(WEEK, SMALL, as_of=AS_OF))
    picked = scorecards.scorecard(store, Scope.of(WEEK.model_copy(update={"agents": ("Ann", "Dan")}), SMALL, as_of=AS_OF))
    assert picked["agent"].to_list() == ["Ann", "Dan"]
    assert picked["rank"].to_list() == [raw(everyone, "Ann")["rank"], None] == [3, None]
    # and the team's values are the whole team's, not the picked agents'
    assert raw(picked, "Ann")["team__tickets"] == pytest.approx(7 / 2)


def test_team_counts_are_per_agent_leaving_unassigned_tickets_out(store: Store) -> None:
    with store.writer() as con:  # a North ticket nobody handled yet
        con.execute("INSERT INTO tickets (ticket_id, created_at, channel, request_type, team)"
                    " VALUES ('N1', '2026-04-08 12:00:00', 'phone', 'inquiry', 'North')")
    df = scorecards.scorecard(store, Scope.of(WEEK, SMALL, as_of=AS_OF))
    # North: Ann 4 + Bob 3 tickets over 2 agents = 3.5; N1 has no agent to count it for
    assert raw(df, "Ann")["team__tickets"] == pytest.approx(7 / 2)
    # the pooled team rates do include N1: 4 of 8 responded within standard (N1 unanswered)
    assert raw(df, "Ann")["team__response_within_standard_rate"] == pytest.approx(4 / 8)


def test_an_agent_who_moved_is_reviewed_with_the_team_of_the_period(store: Store) -> None:
    with store.writer() as con:  # Bob joins South in May
        con.execute("INSERT INTO tickets (ticket_id, created_at, channel, request_type, agent,"
                    " team) VALUES ('B9', '2026-05-04 09:00:00', 'phone', 'inquiry', 'Bob',"
                    " 'South')")
    april = scorecards.scorecard(store, Scope.of(WEEK, SMALL, as_of=AS_OF))
    assert by(april, "Bob")["team"] == "North"
    may = Filters(date_from=date(2026, 5, 1), date_to=date(2026, 5, 31))
    assert by(scorecards.scorecard(store, Scope.of(may, SMALL, as_of=AS_OF)), "Bob")["team"] \
        == "South"


def test_an_agent_who_moved_within_the_period_has_one_team_everywhere(store: Store) -> None:
    """Bob works North until Friday, then takes a South ticket on Saturday 04-11: his team in
    the week is South (his latest ticket in the period) on the scorecard, in every QA table,
    for the sidebar's team filter and in the drill-down rows that exports write."""
    with store.writer() as con:
        con.execute("INSERT INTO tickets (ticket_id, created_at, channel, request_type, agent,"
                    " team) VALUES ('B4', '2026-04-11 09:00:00', 'phone', 'inquiry', 'Bob',"
                    " 'South')")
    scope = Scope.of(WEEK, SMALL, as_of=AS_OF)
    assert by(scorecards.scorecard(store, scope), "Bob")["team"] == "South"
    assert queries.agent_teams(store, WEEK)["Bob"] == "South"  # the sidebar's agent options
    view = qa.qa_view(store, scope)
    assert view.by_agent.filter(pl.col("agent") == "Bob")["team"].to_list() == ["South"]
    # Bob's inspections Q3 (on North's ticket B2) and Q4 count for South, with Cai's Q5 and Q7;
    # North keeps Ann's Q1 and Q2.
    teams = dict(zip(view.by_team["team"], view.by_team["inspections"], strict=True))
    assert teams == {"North": 2, "South": 4}
    shown = tables.qa_segment_table(view, "agent", "en")
    assert shown.filter(pl.col("Agent") == "Bob")["Team"].to_list() == ["South"]
    rows = drill.drill(store, scope.narrowed(agents=("Bob",)), "inspections").rows
    assert rows["team"].to_list() == ["South", "South"]
    # Filtering on his former team finds none of his inspections.
    north = qa.qa_view(store, scope.narrowed(teams=("North",)))
    assert "Bob" not in north.by_agent["agent"].to_list()
