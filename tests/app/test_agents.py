"""AppTest: the Agents (坐席绩效), One agent (坐席详情) and Teams (班组对比) pages, in both
languages; their numbers against `servicelens agents --json`, unranked small samples, the
agent page by link, and the agent weights in Settings."""

from __future__ import annotations

import json
import math
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from metrics.cli import main
from metrics.core import catalog
from metrics.core.settings import Settings
from metrics.engine.store import Store
from metrics.present import formatting
from metrics.present.words import t
from tests.app.conftest import frame_app, open_file, sign_in
from tests.app.test_analysis import NOVEMBER, NOVEMBER_CLI, save_button

APP = str(Path(__file__).parents[2] / "app.py")
FILES = {"agents": "pages/agents.py", "agent": "pages/agent.py", "teams": "pages/teams.py"}
TITLES = {"agents": ("坐席绩效", "Agents"), "agent": ("坐席详情", "One agent"),
          "teams": ("班组对比", "Teams")}


@pytest.fixture()
def app(demo_store: Store, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("SERVICELENS_STORE", str(demo_store.path))
    return frame_app(APP)


def open_at(at: AppTest, page: str, lang: str = "zh", **state: Any) -> AppTest:
    return open_file(at, FILES[page], lang, **state)


def cli_agents(store: Store, capsys: pytest.CaptureFixture[str], *args: str) -> list[Any]:
    capsys.readouterr()
    assert main(["agents", "--store", str(store.path), *args, "--json"]) == 0
    rows: list[Any] = json.loads(capsys.readouterr().out)
    return rows


def scorecard_frame(at: AppTest, lang: str) -> pd.DataFrame:
    found = [d.value for d in at.dataframe if t("ranking_note", lang) in d.value.columns]
    assert len(found) == 1
    return found[0]


def blank(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("page", ["agents", "agent", "teams"])
def test_page_renders(app: AppTest, page: str, lang: str) -> None:
    open_at(app, page, lang, period=NOVEMBER)
    assert app.title[0].value == TITLES[page][lang == "en"]
    assert not app.error
    assert len(app.get("vega_lite_chart")) >= (1 if page == "agent" else 2)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_agents_table_equals_cli(app: AppTest, demo_store: Store,
                                 capsys: pytest.CaptureFixture[str], lang: str) -> None:
    teams = sorted({r["team"] for r in cli_agents(demo_store, capsys, *NOVEMBER_CLI)})
    open_at(app, "agents", lang, period=NOVEMBER, team=[teams[0]])
    cli = cli_agents(demo_store, capsys, *NOVEMBER_CLI, "--team", teams[0])
    table = scorecard_frame(app, lang)
    assert len(table) == len(cli) > 1
    composite = catalog.get("agent_composite")
    csat = catalog.get("csat")
    for (_, shown), row in zip(table.iterrows(), cli, strict=True):
        assert shown[t("seg_agent", lang)] == row["agent"]
        assert (None if blank(shown[t("rank", lang)]) else int(shown[t("rank", lang)])) \
            == row["rank"]
        assert shown[composite.name(lang)] == formatting.value(composite, row["composite"], lang)
        assert shown[csat.name(lang)] == formatting.value(csat, row["csat"], lang)
        assert int(shown[t("csat_n", lang)]) == row["csat_n"]
        assert int(shown[catalog.get("tickets").name(lang)]) == row["tickets"]
        assert shown[catalog.get("fcr_rate").name(lang)] == \
            formatting.value(catalog.get("fcr_rate"), row["fcr_rate"], lang)


def test_small_samples_are_shown_but_not_ranked(store_copy: Store,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    # The minimum: the median agent's tickets in November, so that about half are too small.
    counts = sorted(r["tickets"] for r in cli_agents(store_copy, capsys, *NOVEMBER_CLI))
    least = counts[len(counts) // 2]
    store_copy.save_settings(Settings(rank_min_tickets=least, rank_min_answers=0))
    at = open_at(frame_app(APP), "agents", "en", period=NOVEMBER)
    table = scorecard_frame(at, "en")
    unranked = table[table[t("rank", "en")].isna()]
    ranked = table[table[t("rank", "en")].notna()]
    assert len(unranked) > 0 and len(ranked) > 0
    assert (unranked[catalog.get("tickets").name_en] < least).all()
    assert (ranked[catalog.get("tickets").name_en] >= least).all()
    assert unranked[t("ranking_note", "en")].str.startswith("too few tickets").all()
    # ranked rows come first, ranks 1..n
    assert list(table.index[: len(ranked)]) == list(ranked.index)
    assert sorted(ranked[t("rank", "en")].astype(int)) == list(range(1, len(ranked) + 1))
    cli = cli_agents(store_copy, capsys, *NOVEMBER_CLI)
    assert {r["agent"] for r in cli if r["rank"] is None} == \
        set(unranked[t("seg_agent", "en")])


def test_agent_page_by_link(app: AppTest, demo_store: Store,
                            capsys: pytest.CaptureFixture[str]) -> None:
    cli = cli_agents(demo_store, capsys, *NOVEMBER_CLI)
    worst = max(cli, key=lambda r: r["severe_violations"])
    assert worst["severe_violations"] > 0
    app.query_params["person"] = worst["agent"]
    open_at(app, "agent", "zh", period=NOVEMBER)
    assert app.selectbox(key="person").value == worst["agent"]
    assert any(m.startswith(f"### {worst['agent']} · {worst['team']}")
               for m in (x.value for x in app.markdown))
    shown = {m.label: m.value for m in app.metric}
    assert shown[catalog.get("agent_composite").name_zh] == \
        formatting.value(catalog.get("agent_composite"), worst["composite"], "zh")
    points = next(x.value for x in app.markdown if x.value.startswith("- "))
    # More severe violations than the peers' rate explains: a coaching point, listed first.
    assert points.startswith(f"- {catalog.get('severe_violations').name_zh} "
                             f"{worst['severe_violations']} 项，按全中心违规率应约")


def test_agent_page_switches_agent(app: AppTest, demo_store: Store,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    cli = {r["agent"]: r for r in cli_agents(demo_store, capsys, *NOVEMBER_CLI)}
    open_at(app, "agent", "en", period=NOVEMBER)
    other = next(a for a in cli if a != app.selectbox(key="person").value)
    app.selectbox(key="person").set_value(other).run()
    assert not app.exception
    shown = {m.label: m.value for m in app.metric}
    assert shown[catalog.get("tickets").name_en] == f"{cli[other]['tickets']:,}"
    assert app.query_params["person"] == [other] or app.query_params["person"] == other


def test_settings_refuses_bad_agent_weights(store_copy: Store) -> None:
    before = store_copy.settings()
    at = open_at(frame_app(APP), "agents", "en")
    at.switch_page("pages/settings.py").run()
    at.number_input(key="agent_weight_csat").set_value(0.9)
    save_button(at).click().run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and "agent weights must sum to 1" in errors[0], errors
    assert Store(store_copy.path).settings() == before
    at.number_input(key="agent_weight_csat").set_value(0.25)
    at.number_input(key="agent_weight_fcr_rate").set_value(0.0)
    at.number_input(key="agent_weight_reopen_rate").set_value(0.15)
    save_button(at).click().run()
    assert not at.error
    saved = Store(store_copy.path).settings().agent_weights
    assert "fcr_rate" not in saved and saved["reopen_rate"] == pytest.approx(0.15)


def test_teams_table_equals_cli(app: AppTest, demo_store: Store,
                                capsys: pytest.CaptureFixture[str]) -> None:
    open_at(app, "teams", "en", period=NOVEMBER, channel=["phone", "chat"])
    cli = cli_agents(demo_store, capsys, *NOVEMBER_CLI, "--channel", "phone", "--channel",
                     "chat", "--by", "team")
    table = scorecard_frame(app, "en")
    assert list(table[t("seg_team", "en")]) == [r["team"] for r in cli]
    for (_, shown), row in zip(table.iterrows(), cli, strict=True):
        for metric_id in ("response_within_standard_rate", "csat", "qa_score_mean"):
            metric = catalog.get(metric_id)
            assert shown[metric.name_en] == formatting.value(metric, row[metric_id], "en")
        assert shown[catalog.get("agent_composite").name_en] == \
            formatting.value(catalog.get("agent_composite"), row["composite"], "en")
    everything = cli_agents(demo_store, capsys, *NOVEMBER_CLI, "--by", "team")
    assert [r["tickets"] for r in everything] != [r["tickets"] for r in cli]


@pytest.mark.parametrize(("team", "agents"), [("South", ["Bob", "Cai", "Dan"]),
                                               ("North", ["Ann"])])
def test_sidebar_places_a_moved_agent_in_the_team_of_the_period(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, team: str, agents: list[str]) -> None:
    """Bob moved from North to South within the week (test_scorecards' store plus ticket B4)
    and on to West in May (B9): for the week, the sidebar offers him under South only, and the
    QA page's agent table agrees."""
    from tests.unit.test_scorecards import SCORECARD_SQL

    store = Store(tmp_path / "moved.duckdb")
    with store.writer() as con:
        con.execute(SCORECARD_SQL)
        con.execute("INSERT INTO tickets (ticket_id, created_at, channel, request_type, agent,"
                    " team) VALUES ('B4', '2026-04-11 09:00:00', 'phone', 'inquiry', 'Bob',"
                    " 'South'), ('B9', '2026-05-04 09:00:00', 'phone', 'inquiry', 'Bob', 'West')")
    monkeypatch.setenv("SERVICELENS_STORE", str(store.path))
    at = frame_app(APP)
    sign_in(at, store, "manager")
    at = open_file(at, "pages/qa.py", "en", period=(date(2026, 4, 6), date(2026, 4, 12)),
                   team=[team])
    assert at.multiselect(key="agent").options == agents
    tables = [d.value for d in at.dataframe if "Team" in d.value.columns
              and "Agent" in d.value.columns]
    assert tables, "the QA page shows an agent table"
    shown = {(a, t_) for df in tables for a, t_ in zip(df["Agent"], df["Team"], strict=True)}
    assert ("Bob", "North") not in shown
    assert (("Bob", "South") in shown) == (team == "South")
