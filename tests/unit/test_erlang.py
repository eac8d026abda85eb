"""Erlang C against DOMAIN.md's published test vector and the formula written out."""

from __future__ import annotations

import math

import pytest

from metrics.core import erlang


def test_published_vector() -> None:
    """100 calls in 30 min, AHT 180 s, T 20 s, target 80% -> 14 agents, service level
    0.8884, occupancy 0.714, ASA 7.84 s."""
    need = erlang.agents_needed(100, 180, target=0.8, answer_s=20)
    assert need.agents == 14
    assert need.service_level == pytest.approx(0.8884, abs=5e-5)
    assert need.occupancy == pytest.approx(0.714, abs=5e-4)
    assert need.asa_s == pytest.approx(7.84, abs=5e-3)
    # 13 agents fall short of 80%
    assert erlang.service_level(13, 10.0, 180, 20) < 0.8


@pytest.mark.parametrize("agents, erlangs", [(11, 10.0), (14, 10.0), (3, 0.5), (40, 35.2)])
def test_recursion_equals_the_closed_formula(agents: int, erlangs: float) -> None:
    top = erlangs ** agents / math.factorial(agents) * agents / (agents - erlangs)
    below = sum(erlangs ** k / math.factorial(k) for k in range(agents)) + top
    assert erlang.wait_probability(agents, erlangs) == pytest.approx(top / below, rel=1e-12)


def test_edges() -> None:
    assert erlang.agents_needed(0, 180, 0.8, 20).agents == 0
    assert erlang.wait_probability(10, 10.0) == 1.0  # never catches up
    assert erlang.asa(9, 10.0, 180) == math.inf
    assert erlang.agents_needed(3000, 300, 0.8, 20).agents > 500  # large traffic stays finite
    with pytest.raises(ValueError, match="between 0 and 1"):
        erlang.agents_needed(10, 180, 1.0, 20)
