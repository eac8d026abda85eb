"""A site for the role tests: the demo store as a centre's imported data, with one user of
each role (and a manager given the unmask privilege)."""

from __future__ import annotations

from pathlib import Path
from typing import Final

from metrics.core.access import PAGES, Role, User
from metrics.engine import accounts
from metrics.engine.store import Store
from tests.app.conftest import copy_store

PASSWORD: Final[str] = "correct horse battery"
ALL_PAGES: Final[tuple[str, ...]] = tuple(sorted(set().union(*PAGES.values())))


def title_key(page: str) -> str:
    return "overview" if page == "overview" else f"{page}_page"


def imported_copy(demo: Store, folder: Path) -> Store:
    """The demo store copied and marked as imported (so that it asks for a sign-in)."""
    store = copy_store(demo, folder / "site.duckdb")
    with store.writer() as con:
        con.execute("UPDATE import_log SET source = 'file'")
    assert not store.is_demo()
    return store


def teams(store: Store) -> list[str]:
    with store.reader() as con:
        return [r[0] for r in con.execute(
            "SELECT DISTINCT team FROM tickets WHERE team IS NOT NULL ORDER BY 1").fetchall()]


def people(store: Store) -> dict[str, User]:
    """One user per role (the team lead given the first team), and `unmasker`, a manager who
    sees names and phones."""
    lead_team = teams(store)[0]
    made: dict[str, User] = {}
    roles: tuple[tuple[str, Role, tuple[str, ...], bool], ...] = (
        ("admin", "admin", (), False), ("manager", "manager", (), False),
        ("team_lead", "team_lead", (lead_team,), False), ("qa", "qa", (), False),
        ("viewer", "viewer", (), False), ("unmasker", "manager", (), True),
    )
    for name, role, given, unmask in roles:
        user = User(name=name, role=role, teams=given, unmask=unmask)
        accounts.add(store, user, PASSWORD)
        made[name] = user
    return made
