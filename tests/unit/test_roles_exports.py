"""Exports by role: the review pack holds what its reader's role opens, and no file made for a
user without the unmask privilege holds a customer's name or phone (the byte scan of the
review pack's PDF and zip is in test_report.py, beside the pack built once per session)."""

from __future__ import annotations

from datetime import date, datetime

import polars as pl
import pytest

from metrics.core.access import Access, AccessDenied
from metrics.core.filters import Filters
from metrics.core.scope import Scope
from metrics.engine.store import Store
from metrics.present import exports
from metrics.present.tables import presentable
from metrics.report import pack as review
from metrics.views import drill, themes
from tests.conftest import REVIEW_AS_OF, REVIEW_MONTH
from tests.privacy import customers, leaks

AS_OF = datetime(2026, 11, 23, 18, 0)
EVERY = ("kpis", "response", "resolution", "complaints", "satisfaction", "calls", "agents",
         "qa", "actions")


def scope(store: Store, access: Access | None) -> Scope:
    return Scope.of(REVIEW_MONTH, store.settings(), as_of=REVIEW_AS_OF, access=access)


def lead_team(store: Store) -> str:
    with store.reader() as con:
        return str(con.execute("SELECT min(team) FROM tickets").fetchone()[0])  # type: ignore[index]


@pytest.mark.parametrize(("role", "sections"), [
    ("admin", EVERY), ("manager", EVERY), ("team_lead", EVERY),
    ("viewer", ("kpis", "response", "resolution", "complaints", "satisfaction", "calls",
                "actions")),
])
def test_the_review_pack_holds_what_the_role_opens(demo_store: Store, role: str,
                                                   sections: tuple[str, ...]) -> None:
    teams = (lead_team(demo_store),) if role == "team_lead" else ()
    access = Access(user=role, role=role, teams=teams)  # type: ignore[arg-type]
    made = review.build(demo_store, scope(demo_store, access), "en")
    assert tuple(s.key for s in made.sections) == sections
    if role == "team_lead":
        agents = next(s for s in made.sections if s.key == "agents")
        board = next(i.frame for i in agents.items if getattr(i, "frame", None) is not None)
        assert set(board["Team"]) == set(teams)


def test_a_qa_supervisor_gets_no_review_pack(demo_store: Store) -> None:
    with pytest.raises(AccessDenied, match="does not open"):
        review.build(demo_store, scope(demo_store, Access(user="q", role="qa")), "en")


@pytest.mark.parametrize("metric_id", ["tickets", "complaints", "csat", "inspections"])
def test_drill_downloads_hold_no_name_or_phone_without_unmask(demo_store: Store,
                                                              metric_id: str) -> None:
    names, phones = customers(demo_store)
    assert names and phones
    manager = Access(user="m", role="manager")
    rows = presentable(drill.drill(demo_store, scope(demo_store, manager), metric_id).rows, "zh")
    assert rows.height
    for name, data in ((f"{metric_id}.csv", exports.csv_bytes(rows)),
                       (f"{metric_id}.xlsx", exports.xlsx_bytes(rows, metric_id))):
        assert leaks(name, data, names, phones) == [], name


def test_the_scan_finds_what_unmask_shows(demo_store: Store) -> None:
    """The same download for a user with the privilege holds the names and phones: the scan
    above can fail."""
    names, phones = customers(demo_store)
    unmasker = Access(user="u", role="manager", unmask=True)
    rows = presentable(drill.drill(demo_store, scope(demo_store, unmasker), "tickets").rows,
                       "zh")
    assert rows.height and isinstance(rows, pl.DataFrame)
    for name, data in (("t.csv", exports.csv_bytes(rows)),
                       ("t.xlsx", exports.xlsx_bytes(rows, "t"))):
        found = leaks(name, data, names, phones)
        assert any(f in phones for f in found) and any(f in names for f in found), name


def test_comment_themes_of_a_viewer_count_words_but_quote_no_comment(demo_store: Store) -> None:
    autumn = Filters(date_from=date(2026, 9, 1), date_to=date(2026, 11, 23))
    seen = {}
    for role in ("manager", "viewer"):
        access = Access(user=role, role=role)  # type: ignore[arg-type]
        seen[role] = themes.scope_themes(
            demo_store, Scope.of(autumn, demo_store.settings(), as_of=AS_OF, access=access),
            50_000)
    assert seen["manager"].height and "example" in seen["manager"].columns
    assert "example" not in seen["viewer"].columns
    assert seen["viewer"].equals(seen["manager"].drop("example"))
