"""The view behind each page (and panel) the dashboard draws, by name: what the engine
comparison (tests/unit/test_engines.py) and its benchmark (benchmarks/bench_engines.py) run,
each page as the app computes it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from metrics.core.scope import Scope
from metrics.engine.store import Store
from metrics.views import analysis, calls, overview, qa, scorecards, themes

# The themes of the newest comments, as many as the Satisfaction page reads (ui.cached).
THEMES_LIMIT: Final[int] = 50_000

PAGE_VIEWS: Final[dict[str, Callable[[Store, Scope], object]]] = {
    "overview": overview.overview,
    "response": analysis.response,
    "resolution": analysis.resolution,
    "complaints": analysis.complaints,
    "satisfaction": analysis.satisfaction,
    "calls": calls.calls_page,
    "staffing": calls.staffing,
    "qa": qa.qa_view,
    "agents": lambda store, scope: scorecards.scorecard(store, scope, "agent"),
    "teams": lambda store, scope: scorecards.scorecard(store, scope, "team"),
    "sparklines": lambda store, scope: scorecards.sparklines(store, scope, "agent"),
    "themes": lambda store, scope: themes.scope_themes(store, scope, THEMES_LIMIT),
}
