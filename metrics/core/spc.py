"""Statistical process control: telling a signal from noise.

- Rates over time get Laney's p′ chart: the p-chart's limits p̄ ± 3·√(p̄(1−p̄)/nᵢ) around the
  pooled rate, with each point's own n, widened by σz, the spread of the points' z-scores
  measured by their moving range (σz = mean |zᵢ − zᵢ₋₁| / 1.128, never below 1). At a centre's
  sample sizes (thousands a day) the plain p-chart calls every day a signal, because days
  differ by more than sampling noise; σz measures that ordinary day-to-day variation, and
  is 1 (the plain p-chart) when there is none.
- Durations, means and counts over time get an individuals chart (XmR): the mean ± 2.66 ×
  the mean moving range.
- Agents against their peers get funnel limits: the peers' rate ± 3 · √(p(1−p)/n + τ²), with
  τ² the variation between agents beyond sampling noise (Spiegelhalter's additive random
  effect, estimated from the z-scores winsorised at 10% so that the outliers being looked
  for do not hide themselves). A small sample gets wide limits, a large one narrow ones, and
  nobody is flagged for being on the wrong side of a target everybody misses.
- Run rule (optional): 8 points in a row on one side of the centre line.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Final

SIGMAS: Final[float] = 3.0  # control and funnel limits: 3σ (99.7%, 99.8% one-sided)
WARNING_SIGMAS: Final[float] = 2.0  # the funnel's inner (95%) line, drawn, never flagged
D2: Final[float] = 1.128  # the moving range of two points estimates σ × d2
XMR_FACTOR: Final[float] = 3.0 / D2  # 2.66: the individuals chart's limits in mean ranges
RUN: Final[int] = 8  # the run rule: this many points in a row on one side of the centre
WINSOR: Final[float] = 0.10  # z-scores pulled in to these quantiles before estimating τ²


@dataclass(frozen=True)
class Limits:
    """A point's centre and control limits (None where the point has no data)."""

    centre: float | None
    low: float | None
    high: float | None

    def outside(self, value: float | None) -> bool:
        if value is None or self.low is None or self.high is None:
            return False
        return value < self.low or value > self.high


def p_sigma(p: float, n: float) -> float | None:
    """The sampling σ of a rate p measured on n; None for n ≤ 0."""
    if n <= 0:
        return None
    return math.sqrt(max(p * (1 - p), 0.0) / n)


def pooled(nums: Sequence[float | None], dens: Sequence[float | None]) -> float | None:
    """Σ numerators / Σ denominators over the points with a denominator; None when none."""
    num = sum(float(x or 0) for x, d in zip(nums, dens, strict=True) if d)
    den = sum(float(d or 0) for d in dens if d)
    return num / den if den else None


def _clip(low: float, high: float, value: float) -> float:
    return min(max(value, low), high)


def laney_sigma_z(nums: Sequence[float | None], dens: Sequence[float | None],
                  centre: float) -> float:
    """σz: the moving range of the points' z-scores / 1.128 (points without n are skipped);
    1.0 when fewer than two points have a z-score or the centre is 0 or 1."""
    zs = []
    for x, n in zip(nums, dens, strict=True):
        sigma = p_sigma(centre, float(n or 0))
        if sigma:
            zs.append((float(x or 0) / float(n or 1) - centre) / sigma)
    if len(zs) < 2:
        return 1.0
    ranges = [abs(b - a) for a, b in pairwise(zs)]
    return sum(ranges) / len(ranges) / D2


def p_chart(nums: Sequence[float | None], dens: Sequence[float | None], *,
            laney: bool = True) -> list[Limits]:
    """Each point's limits on a p′ (Laney) chart, or a plain p-chart with laney=False.
    Limits are clipped to [0, 1]; a point with n = 0 has none."""
    centre = pooled(nums, dens)
    if centre is None:
        return [Limits(None, None, None) for _ in dens]
    # Never narrower than the plain p-chart: σz < 1 (points closer than sampling allows) is
    # no reason to call ordinary sampling noise a signal.
    widen = max(laney_sigma_z(nums, dens, centre), 1.0) if laney else 1.0
    out = []
    for n in dens:
        sigma = p_sigma(centre, float(n or 0))
        if sigma is None:
            out.append(Limits(centre, None, None))
            continue
        half = SIGMAS * sigma * widen
        out.append(Limits(centre, _clip(0, 1, centre - half), _clip(0, 1, centre + half)))
    return out


def xmr(values: Sequence[float | None]) -> Limits:
    """The individuals chart's centre and limits: mean ± 2.66 × mean moving range, over the
    points that have a value (a gap breaks no range: the next value pairs with the last)."""
    seen = [float(v) for v in values if v is not None and not math.isnan(float(v))]
    if not seen:
        return Limits(None, None, None)
    centre = sum(seen) / len(seen)
    if len(seen) < 2:
        return Limits(centre, None, None)
    ranges = [abs(b - a) for a, b in pairwise(seen)]
    spread = XMR_FACTOR * sum(ranges) / len(ranges)
    return Limits(centre, centre - spread, centre + spread)


def run_flags(values: Sequence[float | None], centre: float | None,
              length: int = RUN) -> list[bool]:
    """True for each point that ends or continues a run of `length` or more points on one
    side of the centre (a point on the line or without a value breaks the run)."""
    flags = [False] * len(values)
    if centre is None:
        return flags
    side, start = 0, 0
    for i, v in enumerate([*values, None]):
        now = 0 if v is None or v == centre else (1 if v > centre else -1)
        if now != side or i == len(values):
            if side != 0 and i - start >= length:
                for j in range(start, i):
                    flags[j] = True
            side, start = now, i
    return flags


def winsorised(values: Sequence[float], share: float = WINSOR) -> list[float]:
    """The values with the lowest and highest `share` pulled in to the nearest kept value."""
    if not values:
        return []
    ordered = sorted(values)
    k = math.floor(share * len(ordered))
    low, high = ordered[k], ordered[len(ordered) - 1 - k]
    return [_clip(low, high, v) for v in values]


def between_variance(rates: Sequence[float], ns: Sequence[float],
                     centres: Sequence[float]) -> float:
    """τ²: how much units differ beyond sampling noise (Spiegelhalter 2005, additive random
    effect): (k·φ − (k − 1)) / (Σw − Σw²/Σw), φ the mean squared winsorised z-score, w = 1/s²;
    0 when the units differ no more than their samples explain."""
    zs, ws = [], []
    for p, n, c in zip(rates, ns, centres, strict=True):
        sigma = p_sigma(c, n)
        if sigma:
            zs.append((p - c) / sigma)
            ws.append(1 / sigma ** 2)
    k = len(zs)
    if k < 3:
        return 0.0
    phi = sum(z * z for z in winsorised(zs)) / k
    sw = sum(ws)
    denominator = sw - sum(w * w for w in ws) / sw
    if denominator <= 0:
        return 0.0
    return max(0.0, (k * phi - (k - 1)) / denominator)


def funnel(centre: float, n: float, tau2: float = 0.0,
           sigmas: float = SIGMAS) -> Limits:
    """The funnel's limits at sample size n around the peers' rate; none for n ≤ 0."""
    sigma = p_sigma(centre, n)
    if sigma is None:
        return Limits(centre, None, None)
    half = sigmas * math.sqrt(sigma ** 2 + tau2)
    return Limits(centre, _clip(0, 1, centre - half), _clip(0, 1, centre + half))


def z_score(value: float, centre: float, n: float, tau2: float = 0.0) -> float | None:
    """How many funnel σ the value lies from the centre (signed); None for n ≤ 0 or no σ."""
    sigma = p_sigma(centre, n)
    if sigma is None:
        return None
    total = math.sqrt(sigma ** 2 + tau2)
    return (value - centre) / total if total > 0 else None


def poisson_upper(mean: float, sigmas: float = SIGMAS) -> int:
    """The largest count still within a Poisson's one-sided 3σ tail (p ≥ 0.00135) for this
    mean: more than it is a signal. Exact summation (means here are small)."""
    tail = 1 - 0.5 * math.erfc(sigmas / math.sqrt(2))  # 0.99865
    if mean <= 0:
        return 0
    if mean > 500:  # exp(-mean) would underflow; the normal approximation is exact enough
        return math.floor(mean + sigmas * math.sqrt(mean))
    k, term, total = 0, math.exp(-mean), math.exp(-mean)
    while total < tail:
        k += 1
        term *= mean / k
        total += term
    return k
