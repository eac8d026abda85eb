"""The user's access in the metric layer: a team lead's numbers are their teams' numbers, by
the CLI's --as as by the pages' Scope; a viewer gets no rows; the teams are bind parameters."""

from __future__ import annotations

import io
import json
import shutil
from datetime import date, datetime
from pathlib import Path

import pytest

from metrics.cli import main
from metrics.core.access import Access, AccessDenied, User
from metrics.core.catalog import get
from metrics.core.filters import Filters
from metrics.core.scope import Scope
from metrics.engine import accounts
from metrics.engine.sql import compile_rows, compile_source
from metrics.engine.store import Store
from metrics.views import drill

LEAD = User(name="王芳", role="team_lead", teams=("热线一组",))
VIEWER = User(name="赵敏", role="viewer")
NOVEMBER = Filters(date_from=date(2026, 11, 1), date_to=date(2026, 11, 23))


@pytest.fixture()
def store(demo_store: Store, tmp_path: Path) -> Store:
    """A private copy of the demo store with a team lead and a viewer."""
    path = tmp_path / "access.duckdb"
    shutil.copyfile(demo_store.path, path)
    copy = Store(path)
    accounts.add(copy, LEAD, "password of the lead")
    accounts.add(copy, VIEWER, "password of the viewer")
    return copy


def cli_json(capsys: pytest.CaptureFixture[str], *args: str) -> object:
    capsys.readouterr()
    assert main(list(args)) == 0
    return json.loads(capsys.readouterr().out)


def test_kpis_as_a_team_lead_are_their_teams_kpis(store: Store,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    period = ["--from", "2026-11-01", "--to", "2026-11-23", "--store", str(store.path)]
    mine = cli_json(capsys, "kpis", "--json", "--as", "王芳", *period)
    team = cli_json(capsys, "kpis", "--json", "--team", "热线一组", *period)
    everyone = cli_json(capsys, "kpis", "--json", *period)
    assert mine == team
    assert isinstance(mine, dict) and isinstance(everyone, dict)
    assert 0 < mine["tickets"] < everyone["tickets"]
    # Asking for another team as the team lead gives nothing of it.
    other = cli_json(capsys, "kpis", "--json", "--as", "王芳", "--team", "热线二组", *period)
    assert isinstance(other, dict) and other["tickets"] == 0 and other["csat"] is None


def test_agents_as_a_team_lead_are_their_teams_agents(store: Store,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    rows = cli_json(capsys, "agents", "--json", "--as", "王芳", "--store", str(store.path))
    assert isinstance(rows, list) and rows
    assert {r["team"] for r in rows} == {"热线一组"}


def test_an_unknown_user_is_one_clear_line(store: Store, capsys: pytest.CaptureFixture[str],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    capsys.readouterr()
    assert main(["kpis", "--json", "--as", "nobody", "--store", str(store.path)]) == 2
    assert capsys.readouterr().err == \
        "servicelens kpis: no user 'nobody': see `servicelens users list`\n"


def test_a_viewer_gets_aggregates_but_no_rows(store: Store) -> None:
    scope = store.scope(NOVEMBER, access=Access.of(VIEWER))
    with pytest.raises(AccessDenied, match="aggregates only"):
        drill.drill(store, scope, "tickets")
    lead = store.scope(NOVEMBER, access=Access.of(LEAD))
    rows = drill.drill(store, lead, "tickets").rows
    assert rows.height > 0 and set(rows["team"]) == {"热线一组"}


def test_the_users_teams_are_a_bind_parameter_of_every_query() -> None:
    attack = "x') OR true --"
    scope = Scope.of(NOVEMBER, as_of=datetime(2026, 11, 23, 18, 0),
                     access=Access(user="u", role="team_lead", teams=(attack,)))
    for query in (compile_source("qa", [get("qa_score_mean")], scope),
                  compile_source("tickets", [get("tickets")], scope),
                  compile_rows(get("tickets"), scope, ("ticket_id", "team"))):
        assert "list_contains($access_teams::VARCHAR[], team)" in query.sql
        assert query.params["access_teams"] == [attack]
        assert attack not in query.sql
    operator = Scope.of(NOVEMBER, as_of=datetime(2026, 11, 23, 18, 0))
    assert "access_teams" not in compile_source("tickets", [get("tickets")], operator).params


def test_the_cli_as_a_user_prints_only_what_their_role_opens(
        store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    """--as applies the dashboard's page rules too: a viewer gets the teams' scorecard but not
    the agents' (personnel data); a QA supervisor gets neither the KPIs nor the pack."""
    accounts.add(store, User(name="质检", role="qa"), "password of the qa")
    at = ["--store", str(store.path)]
    assert cli_json(capsys, "agents", "--json", "--by", "team", "--as", "赵敏", *at)
    refused = (("agents", "--json", "--as", "赵敏"), ("kpis", "--json", "--as", "质检"),
               ("report", "--out", str(store.path.with_suffix(".pdf")), "--as", "质检"))
    for args in refused:
        capsys.readouterr()
        assert main([*args, *at]) == 2, args
        out, err = capsys.readouterr()
        assert out == "" and "does not open the" in err, args
