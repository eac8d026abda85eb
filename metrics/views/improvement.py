"""The PDCA view of improvement actions: each action with its KPI before (its baseline) and
after (the period under review), and the actions the numbers propose."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from metrics.core.scope import Scope
from metrics.engine import improvement, queries
from metrics.engine.improvement import Improvement
from metrics.engine.store import Store
from metrics.views import control, scorecards

# The trends whose special causes are proposed as actions (as the Overview draws them).
SIGNALLED: tuple[str, ...] = ("tickets", "csat", "resolution_median_s")


@dataclass(frozen=True)
class Tracked:
    """An action in a review: the KPI over its baseline and over the period reviewed (None
    when the period is the baseline itself, or the action names no KPI)."""

    action: Improvement
    before: float | None
    after: float | None


@dataclass(frozen=True)
class Proposal:
    """An action the numbers suggest, for a manager to accept: its kind (process: a target
    the whole scope misses; signal: points outside a trend's control limits), the KPI and
    the words' values."""

    kind: str
    metric_id: str
    value: float | None
    target: float | None
    buckets: tuple[date, ...] = ()
    agents_short: int = 0
    agents: int = 0


def tracked(store: Store, scope: Scope) -> list[Tracked]:
    """The actions a review of the scope's period shows, with their KPI before and after,
    under the scope's other filters and the viewer's access."""
    start, end = scope.filters.date_from, scope.filters.date_to
    out = []
    for action in improvement.for_review(store, start, end):
        before = after = None
        if action.metric_id is not None:
            base = scope.narrowed(date_from=action.baseline_from, date_to=action.baseline_to)
            before = queries.kpis(store, base, (action.metric_id,))[action.metric_id].value
            if action.after_baseline(start, end):
                after = queries.kpis(store, scope, (action.metric_id,))[action.metric_id].value
        out.append(Tracked(action, before, after))
    return out


def proposals(store: Store, scope: Scope, board: pl.DataFrame | None = None,
              trend: pl.DataFrame | None = None) -> list[Proposal]:
    """Targets the scope's agents miss as a whole (process actions) and trends with points
    outside their control limits (special causes), each once. `trend`: the scope's
    `queries.series` of SIGNALLED when the caller holds it already (the Overview's)."""
    made: list[Proposal] = []
    if board is not None:
        for a in scorecards.process_actions(board, scope.settings):
            made.append(Proposal("process", a.metric_id, a.value, a.target,
                                 agents_short=a.agents_short, agents=a.agents))
    if trend is None:
        trend = queries.series(store, scope, SIGNALLED)
    for metric_id in SIGNALLED:
        frame = control.for_scope(trend, metric_id, scope)
        found = frame.filter("signal")["bucket"].to_list()
        if found:
            made.append(Proposal("signal", metric_id, None,
                                 scope.settings.target(metric_id), tuple(found)))
    return made
