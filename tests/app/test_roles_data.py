"""The role matrix of data: a team lead's numbers and rows are their team's, by widget or by
crafted URL; a viewer gets aggregates and no rows; names and phones show only to a user with
the unmask privilege, and that view goes to the audit trail."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from metrics.core.access import User
from metrics.core.filters import Filters
from metrics.engine import audit, queries
from metrics.engine.store import Store
from metrics.present.words import column_label, t
from tests.app.conftest import frame_app
from tests.app.roles import imported_copy, people, teams
from ui import auth

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
OCTOBER = (date(2026, 10, 1), date(2026, 10, 31))
MASKED_NAME = re.compile(r"^.\*\*$")
MASKED_PHONE = re.compile(r"^(\d{3}\*{4}\d{4}|\*{4}\d{0,2})$")


@pytest.fixture(scope="module")
def site(demo_store: Store, tmp_path_factory: pytest.TempPathFactory
         ) -> tuple[Store, dict[str, User]]:
    store = imported_copy(demo_store, tmp_path_factory.mktemp("roles_data"))
    return store, people(store)


def overview(site: tuple[Store, dict[str, User]], monkeypatch: pytest.MonkeyPatch, who: str,
             **query: str | list[str]) -> AppTest:
    """The Overview of October in English, signed in as `who`, the URL carrying `query`."""
    monkeypatch.setenv("SERVICELENS_STORE", str(site[0].path))
    at = frame_app(APP)
    at.query_params.update({"lang": "en", "from": "2026-10-01", "to": "2026-10-31", **query})
    at.session_state[auth.USER_KEY] = who
    at.run()
    assert not at.exception, at.exception
    return at


def cards(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def drill_rows(at: AppTest):  # type: ignore[no-untyped-def]
    """The drill-down's table (the last on the Overview), as a pandas frame."""
    return at.dataframe[-1].value


def test_a_team_lead_sees_their_team_by_widget_and_by_crafted_url(
        site: tuple[Store, dict[str, User]], monkeypatch: pytest.MonkeyPatch) -> None:
    lead = site[1]["team_lead"]
    own, other = lead.teams[0], next(x for x in teams(site[0]) if x not in lead.teams)
    mine = overview(site, monkeypatch, "team_lead")
    assert mine.sidebar.multiselect(key="team").options == [own]
    members = queries.agent_teams(site[0], Filters(date_from=OCTOBER[0], date_to=OCTOBER[1]))
    offered = mine.sidebar.multiselect(key="agent").options
    assert offered and {members[a] for a in offered} == {own}
    # The manager's view of the lead's team is the lead's whole view, card for card.
    managers = overview(site, monkeypatch, "manager", team=[own])
    assert cards(mine) == cards(managers)
    assert cards(mine) != cards(overview(site, monkeypatch, "manager"))
    # A crafted URL naming another team (or another team's agent) is dropped: own team only.
    stranger = next(a for a, team in members.items() if team == other)
    crafted = overview(site, monkeypatch, "team_lead", team=[other], agent=[stranger])
    assert crafted.sidebar.multiselect(key="team").value == []
    assert crafted.sidebar.multiselect(key="agent").value == []
    assert cards(crafted) == cards(mine)
    rows = drill_rows(mine)
    assert len(rows) and set(rows[column_label("team", "en")]) == {own}


def test_a_crafted_widget_value_gets_nothing_outside_the_scope(
        site: tuple[Store, dict[str, User]], monkeypatch: pytest.MonkeyPatch) -> None:
    lead = site[1]["team_lead"]
    other = next(x for x in teams(site[0]) if x not in lead.teams)
    at = overview(site, monkeypatch, "team_lead")
    at.session_state["team"] = [other]  # what a forged widget message would set
    at.run()
    assert not at.exception
    shown = [c for c in cards(at).values() if c not in ("—", "0")]
    rows = drill_rows(at) if at.dataframe else None
    assert not shown or rows is None or other not in set(rows[column_label("team", "en")])
    for frame in at.dataframe:
        column = column_label("team", "en")
        if column in frame.value.columns:
            assert other not in set(frame.value[column]), "no row of another team"


def test_a_viewer_gets_aggregates_and_no_rows(site: tuple[Store, dict[str, User]],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    at = overview(site, monkeypatch, "viewer")
    assert cards(at) == cards(overview(site, monkeypatch, "manager"))
    assert t("rows_denied", "en") in [i.value for i in at.info]
    assert not [d for d in at.dataframe
                if column_label("customer_name", "en") in d.value.columns
                or column_label("ticket_id", "en") in d.value.columns]
    keys = [str(b.proto.id) for b in at.get("download_button")]
    assert keys and not [k for k in keys if "drill" in k]
    at.switch_page("pages/satisfaction.py").run()
    assert not at.exception
    assert t("rows_denied", "en") in [i.value for i in at.info]
    assert not [d for d in at.dataframe if column_label("comment", "en") in d.value.columns]
    assert not [d for d in at.dataframe if t("example", "en") in d.value.columns]


def test_names_and_phones_show_only_with_the_unmask_privilege(
        site: tuple[Store, dict[str, User]], monkeypatch: pytest.MonkeyPatch) -> None:
    name, phone = column_label("customer_name", "en"), column_label("customer_phone", "en")
    for who in ("admin", "manager", "team_lead"):
        rows = drill_rows(overview(site, monkeypatch, who))
        names = [v for v in rows[name] if v is not None]
        phones = [v for v in rows[phone] if v is not None]
        assert names and all(MASKED_NAME.match(v) for v in names), who
        assert phones and all(MASKED_PHONE.match(v) for v in phones), who
    before = audit.entries(site[0], user="unmasker").height
    at = overview(site, monkeypatch, "unmasker")
    rows = drill_rows(at)
    assert not any(MASKED_NAME.match(v) for v in rows[name] if v is not None)
    assert any(re.fullmatch(r"1\d{10}", v) for v in rows[phone] if v is not None)
    assert t("unmasked_note", "en") in [c.value for c in at.caption]
    at.run()  # a rerun of the same view does not write it again
    trail = audit.entries(site[0], user="unmasker")
    assert trail.height == before + 1
    entry = trail.row(0, named=True)
    assert (entry["action"], entry["view"], entry["unmasked"]) == ("view", "overview/drill", True)
    assert entry["rows"] > 0 and '"date_from":"2026-10-01"' in entry["filters"]


def test_a_crafted_person_link_to_another_team_shows_only_the_own_team(
        site: tuple[Store, dict[str, User]], monkeypatch: pytest.MonkeyPatch) -> None:
    lead = site[1]["team_lead"]
    members = queries.agent_teams(site[0], Filters(date_from=OCTOBER[0], date_to=OCTOBER[1]))
    stranger = next(a for a, team in members.items() if team not in lead.teams)
    at = overview(site, monkeypatch, "team_lead", person=stranger)
    at.switch_page("pages/agent.py").run()
    assert not at.exception
    assert at.warning and stranger in at.warning[0].value  # what was asked for, and no more
    picker = at.selectbox(key="person")
    assert stranger not in picker.options and picker.value in picker.options
    assert {members[a] for a in picker.options} == set(lead.teams)
    for frame in at.dataframe:
        assert stranger not in frame.value.to_string()


def test_the_drill_down_offers_a_team_lead_their_team_and_agents_only(
        site: tuple[Store, dict[str, User]], monkeypatch: pytest.MonkeyPatch) -> None:
    own = site[1]["team_lead"].teams[0]
    members = queries.agent_teams(site[0], Filters(date_from=OCTOBER[0], date_to=OCTOBER[1]))
    at = overview(site, monkeypatch, "team_lead")
    at.selectbox(key="overview_drill_dim").set_value("team").run()
    assert at.selectbox(key="overview_drill_value").options == [own]
    at.selectbox(key="overview_drill_dim").set_value("agent").run()
    offered = at.selectbox(key="overview_drill_value").options
    assert offered and {members[a] for a in offered} == {own}
