"""Control and funnel limits against hand-computed values, edge cases included (n = 1,
n = 0, an empty period, a flat series)."""

from __future__ import annotations

import math

import polars as pl
import pytest

from metrics.core import spc
from metrics.core.settings import Settings
from metrics.views import scorecards


def test_p_chart_limits_by_hand() -> None:
    # p̄ = 30 / 300 = 0.1; σ₁ = √(0.1·0.9/100) = 0.03, σ₂ = √(0.09/200) = 0.021213
    limits = spc.p_chart([10, 20, 0], [100, 200, 0], laney=False)
    assert limits[0].centre == pytest.approx(0.1)
    assert (limits[0].low, limits[0].high) == (pytest.approx(0.01), pytest.approx(0.19))
    assert limits[1].low == pytest.approx(0.1 - 3 * math.sqrt(0.09 / 200))
    assert (limits[2].low, limits[2].high) == (None, None)  # n = 0: no limits, no signal
    assert not limits[2].outside(0.9)


def test_p_chart_with_n_of_one_is_clipped_to_the_unit_interval() -> None:
    # p̄ = 5/11; n = 1: σ = √(p̄(1−p̄)) ≈ 0.498, 3σ covers everything
    one = spc.p_chart([5, 0], [10, 1], laney=False)[1]
    assert (one.low, one.high) == (0.0, 1.0)
    assert not one.outside(0.0) and not one.outside(1.0)


def test_an_empty_period_has_no_centre() -> None:
    assert spc.p_chart([None, None], [0, None]) == [spc.Limits(None, None, None)] * 2
    assert spc.xmr([]) == spc.Limits(None, None, None)


def test_laney_widens_by_the_moving_range_of_z() -> None:
    # p̄ = 0.5, n = 100 each: σ = 0.05; z = (0.6−0.5)/0.05 = 2, then −2, 2, −2:
    # moving ranges 4, 4, 4 → σz = 4 / 1.128 = 3.546; limits 0.5 ± 3 · 0.05 · 3.546
    nums, dens = [60, 40, 60, 40], [100] * 4
    assert spc.laney_sigma_z(nums, dens, 0.5) == pytest.approx(4 / 1.128)
    laney = spc.p_chart(nums, dens)[0]
    assert laney.high == pytest.approx(min(1.0, 0.5 + 3 * 0.05 * 4 / 1.128))
    plain = spc.p_chart(nums, dens, laney=False)[0]
    assert plain.high == pytest.approx(0.65)
    assert not laney.outside(0.6) and not plain.outside(0.6)
    # Points closer than sampling allows never narrow the chart below the p-chart.
    flat = spc.p_chart([50, 50, 50], [100, 100, 100])[0]
    assert flat.high == pytest.approx(0.65)


def test_xmr_by_hand() -> None:
    # mean 12; moving ranges 2, 1, 4 → 7/3; limits 12 ± 2.6596 · 7/3
    limits = spc.xmr([10, 12, None, 11, 15])
    spread = 3 / 1.128 * 7 / 3
    assert limits.centre == pytest.approx(12)
    assert (limits.low, limits.high) == (pytest.approx(12 - spread), pytest.approx(12 + spread))
    assert limits.outside(18.3) and not limits.outside(18.1)
    assert spc.xmr([7]) == spc.Limits(7.0, None, None)  # one point: no range


def test_run_rule() -> None:
    values = [1, 2, 3, 3, 3, 3, 3, 3, 3, 3, 1, 3]  # eight in a row above 2 (index 2-9)
    flags = spc.run_flags(values, 2.0)
    assert flags == [False, False] + [True] * 8 + [False, False]
    assert not any(spc.run_flags([3] * 7, 2.0))
    assert not any(spc.run_flags([3, 3, 3, 3, 2, 3, 3, 3, 3], 2.0))  # on the line breaks it


def test_funnel_limits_by_hand() -> None:
    # centre 0.9, n = 100: σ = 0.03 → 0.81-0.99; with τ² = 0.0004: √(0.0009+0.0004) = 0.036056
    plain = spc.funnel(0.9, 100)
    assert (plain.low, plain.high) == (pytest.approx(0.81), pytest.approx(0.99))
    wider = spc.funnel(0.9, 100, 0.0004)
    assert wider.low == pytest.approx(0.9 - 3 * math.sqrt(0.0013))
    one = spc.funnel(0.9, 1)  # n = 1: 0.9 ± 0.9, clipped
    assert (one.low, one.high) == (pytest.approx(0.0, abs=1e-12), 1.0)
    assert spc.funnel(0.9, 0) == spc.Limits(0.9, None, None)  # n = 0
    assert spc.z_score(0.81, 0.9, 100) == pytest.approx(-3)
    assert spc.z_score(0.5, 0.9, 0) is None


def test_between_variance_by_hand() -> None:
    # Three units at centre 0.5, n = 100 (s = 0.05, w = 400): z = 2, −2, 0 (winsorising 10%
    # of three keeps all): φ = 8/3; τ² = (3·8/3 − 2) / (1200 − 400) = 6/800 = 0.0075
    assert spc.between_variance([0.6, 0.4, 0.5], [100] * 3, [0.5] * 3) == pytest.approx(0.0075)
    # No more spread than sampling: τ² = 0
    assert spc.between_variance([0.5, 0.52, 0.48], [100] * 3, [0.5] * 3) == 0.0
    assert spc.between_variance([0.6], [100], [0.5]) == 0.0  # too few units


def test_poisson_upper_by_hand() -> None:
    assert spc.poisson_upper(0) == 0
    # mean 1: P(≤4) = 0.99634, P(≤5) = 0.99941 ≥ 0.99865
    assert spc.poisson_upper(1.0) == 5
    # mean 0.143: P(≤1) = 0.9910, P(≤2) = 0.99955
    assert spc.poisson_upper(0.143) == 2


def _board(rows: list[tuple[str, str, int, int]]) -> pl.DataFrame:
    """A scorecard's CSAT columns for (agent, team, good answers, answers)."""
    return scorecards.with_peers(pl.DataFrame({
        "agent": [r[0] for r in rows], "team": [r[1] for r in rows],
        "csat__num": [float(r[2]) for r in rows], "csat__den": [float(r[3]) for r in rows],
        "csat": [r[2] / r[3] for r in rows], "inspections": [0.0] * len(rows),
        "severe_violations": [0.0] * len(rows), "agent_composite": [None] * len(rows),
    }, schema_overrides={"agent_composite": pl.Float64}))


def test_small_samples_are_not_flagged_for_chance_and_a_clear_outlier_is() -> None:
    rows = [(f"a{i}", "T", 900 + i, 1000) for i in range(8)]  # 90.0-90.7%, n = 1000
    rows += [("small", "T", 1, 2),  # 50% on two answers: wide limits
             ("bad", "T", 780, 1000)]  # 78% on 1000: far beyond 3σ
    board = _board(rows)
    flagged = scorecards.coaching_ids(board, Settings())
    assert flagged["bad"] == ["csat"]
    assert flagged["small"] == [] and all(flagged[f"a{i}"] == [] for i in range(8))
    # bad's peers: the team's others, (8·900 + 28 + 1) / (8000 + 2)
    bad = board.filter(pl.col("agent") == "bad").row(0, named=True)
    assert bad["peer__csat"] == pytest.approx((7200 + 28 + 1) / 8002)
    listed = scorecards.needs_coaching(board, Settings())
    assert listed["agent"].to_list() == ["bad"]
    assert listed["beyond"][0] > 0


def test_a_target_everyone_misses_is_one_process_action_not_thirty_people() -> None:
    rows = [(f"a{i}", "T", 895 + (i % 5) * 3, 1000) for i in range(30)]  # all ≈ 90%
    board = _board(rows)
    settings = Settings()
    assert settings.target("csat") == pytest.approx(0.95)
    assert scorecards.needs_coaching(board, settings).is_empty()
    [action] = scorecards.process_actions(board, settings)
    assert action.metric_id == "csat" and action.agents == 30 and action.agents_short == 30
    assert action.value == pytest.approx(sum(r[2] for r in rows) / 30000)
    assert (action.lowest, action.highest) == (pytest.approx(0.895), pytest.approx(0.907))
    # Each agent still hears that they are short of target, as the process's, not flagged.
    row = board.row(0, named=True)
    [point] = scorecards.coaching(row, settings)
    assert (point.against, point.clear) == ("target", False)


def test_a_peer_group_of_one_small_sample_does_not_name_its_partner() -> None:
    """A team of two: A at 86% on 800 answers, B at 92% on 150. B's rate is itself uncertain;
    judged against it as if exact, A would be 3.6σ below (named); with B's own error counted,
    A is within the limits."""
    board = _board([("A", "T", 688, 800), ("B", "T", 138, 150)]
                   + [(f"u{i}", "U", 880 + 4 * i, 1000) for i in range(8)])
    a = board.filter(pl.col("agent") == "A").row(0, named=True)
    centre, n = a["peer__csat"], 800
    assert centre == pytest.approx(138 / 150)
    assert (0.86 - centre) / math.sqrt(centre * (1 - centre) / n) < -3  # exact peers: named
    assert scorecards.coaching_ids(board, Settings())["A"] == []
