"""Erlang C (M/M/N): how many agents a half hour's calls need for a service level
(DOMAIN.md, 排班测算). Pure arithmetic, no I/O.

With traffic A = calls x AHT / interval (Erlangs) and N agents, the chance that a call waits
is C(N, A) = (A^N/N! x N/(N-A)) / (sum_{k<N} A^k/k! + A^N/N! x N/(N-A)); service level =
1 - C x exp(-(N - A) x T / AHT); ASA = C x AHT / (N - A); occupancy = A / N. C is computed
through Erlang B's recursion (B(0) = 1, B(n) = A B(n-1) / (n + A B(n-1)),
C = N B / (N - A (1 - B))), which stays exact where A^N / N! would overflow.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

MAX_AGENTS = 10_000  # no interval of any hotline needs more; stops a runaway search


@dataclass(frozen=True)
class Staffing:
    """The agents an interval needs, and what they would achieve."""

    agents: int
    service_level: float
    asa_s: float
    occupancy: float


def traffic(calls: float, aht_s: float, interval_s: float = 1800.0) -> float:
    """Offered traffic in Erlangs."""
    return calls * aht_s / interval_s


def wait_probability(agents: int, erlangs: float) -> float:
    """C(N, A): the chance a call has to wait; 1 when N <= A (the queue never empties)."""
    if erlangs <= 0:
        return 0.0
    if agents <= erlangs:
        return 1.0
    b = 1.0
    for n in range(1, agents + 1):
        b = erlangs * b / (n + erlangs * b)
    return agents * b / (agents - erlangs * (1 - b))


def service_level(agents: int, erlangs: float, aht_s: float, answer_s: float) -> float:
    """The share of calls answered within `answer_s` seconds."""
    if erlangs <= 0:
        return 1.0
    if agents <= erlangs:
        return 0.0
    c = wait_probability(agents, erlangs)
    return 1.0 - c * math.exp(-(agents - erlangs) * answer_s / aht_s)


def asa(agents: int, erlangs: float, aht_s: float) -> float:
    """The mean wait of all calls (seconds); infinite when N <= A."""
    if erlangs <= 0:
        return 0.0
    if agents <= erlangs:
        return math.inf
    return wait_probability(agents, erlangs) * aht_s / (agents - erlangs)


def agents_needed(calls: float, aht_s: float, target: float, answer_s: float,
                  interval_s: float = 1800.0) -> Staffing:
    """The fewest agents whose service level reaches `target` for the interval's calls."""
    if not 0 < target < 1:
        raise ValueError(f"the service-level target must be between 0 and 1, not {target}")
    erlangs = traffic(calls, aht_s, interval_s)
    if erlangs <= 0:
        return Staffing(agents=0, service_level=1.0, asa_s=0.0, occupancy=0.0)
    agents = max(1, math.floor(erlangs) + 1)
    while service_level(agents, erlangs, aht_s, answer_s) < target:
        agents += 1
        if agents > MAX_AGENTS:
            raise ValueError(f"more than {MAX_AGENTS:,} agents would be needed")
    return Staffing(agents=agents,
                    service_level=service_level(agents, erlangs, aht_s, answer_s),
                    asa_s=asa(agents, erlangs, aht_s), occupancy=erlangs / agents)
