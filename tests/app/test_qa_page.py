"""AppTest: the QA page (质检) in both languages; its KPIs against `servicelens kpis`, the
severe callout, repeat offenders, an agent's violation record and the empty states."""

from __future__ import annotations

import json
import os
import re
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from metrics.cli import main
from metrics.core import catalog
from metrics.core.filters import Filters
from metrics.engine import queries
from metrics.engine.store import Store
from metrics.present import formatting
from metrics.present.words import t
from metrics.views.qa import QA_CARDS
from tests.app.conftest import frame_app, open_file, sign_in
from tests.conftest import FIXTURE_SQL

APP = str(Path(__file__).parents[2] / "app.py")
PAGE = "pages/qa.py"
YEAR = (date(2025, 10, 24), date(2026, 11, 23))  # the demo store's whole span
NOVEMBER = (date(2026, 11, 1), date(2026, 11, 23))
NOVEMBER_CLI = ["--from", "2026-11-01", "--to", "2026-11-23"]
COLUMNS = {"zh": ("坐席", "质检员", "严重程度"), "en": ("Agent", "Inspector", "Severity")}


@pytest.fixture()
def app(demo_store: Store, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("SERVICELENS_STORE", str(demo_store.path))
    return frame_app(APP)


def open_qa(at: AppTest, lang: str = "zh", **state: Any) -> AppTest:
    """Run app.py once with the view in session state, then switch to the QA page; signed in
    as an admin when the store holds imported data."""
    store = Store(os.environ["SERVICELENS_STORE"])
    if not store.is_demo():
        sign_in(at, store)
    return open_file(at, PAGE, lang, **state)


def metric_values(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def table_with(at: AppTest, *columns: str, without: str | None = None) -> pd.DataFrame:
    """The one table with these columns (and not `without`)."""
    found = [d.value for d in at.dataframe if set(columns) <= set(d.value.columns)
             and (without is None or without not in d.value.columns)]
    assert len(found) == 1, f"{len(found)} tables with columns {columns!r}"
    return found[0]


def cli_kpis(store: Store, capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    capsys.readouterr()
    assert main(["kpis", "--store", str(store.path), *args, "--json"]) == 0
    out: dict[str, Any] = json.loads(capsys.readouterr().out)
    return out


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_qa_page_renders(app: AppTest, lang: str) -> None:
    open_qa(app, lang, period=YEAR)
    assert app.title[0].value == ("质检" if lang == "zh" else "QA")
    assert sorted(metric_values(app)) == sorted(catalog.get(m).name(lang) for m in QA_CARDS)
    assert len(app.get("vega_lite_chart")) >= 4  # trend, categories, by team, by agent
    subheads = [s.value for s in app.subheader]
    for key in ("qa_repeat_title", "qa_record_title", "drill_title"):
        assert t(key, lang) in subheads
    assert any(c.value.startswith(t("qa_repeat_rule", lang, n=2)[:12]) for c in app.caption)
    # severe violations stand out: a red callout and their table
    severe = int(metric_values(app)[catalog.get("severe_violations").name(lang)])
    assert severe > 0
    assert len(app.error) == 1 and str(severe) in app.error[0].value
    agent, inspector, severity = COLUMNS[lang]
    severe_rows = table_with(app, agent, inspector)  # the record has no agent column
    assert len(severe_rows) == severe
    assert set(severe_rows[severity]) == {"严重" if lang == "zh" else "Severe"}
    # repeat offenders: the demo's 赵磊 leads
    offenders = table_with(app, t("qa_inspections_with", lang))
    assert len(offenders) > 0 and offenders.iloc[0][agent] == "赵磊"
    assert (offenders[t("qa_inspections_with", lang)] >= 2).all()
    assert all(d.value.shape[0] > 0 for d in app.dataframe)
    assert len(app.get("download_button")) >= 6


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_kpis_match_cli(app: AppTest, demo_store: Store, capsys: pytest.CaptureFixture[str],
                        lang: str) -> None:
    open_qa(app, lang, period=NOVEMBER, team=["热线一组"])
    assert app.multiselect(key="team").value == ["热线一组"]
    cli = cli_kpis(demo_store, capsys, *NOVEMBER_CLI, "--team", "热线一组")
    shown = metric_values(app)
    for metric_id in ("qa_score_mean", "violations"):
        metric = catalog.get(metric_id)
        assert cli[metric_id] is not None, metric_id
        assert shown[metric.name(lang)] == formatting.value(metric, cli[metric_id], lang)
    # the cards the CLI does not print, against the same queries
    filters = Filters(date_from=NOVEMBER[0], date_to=NOVEMBER[1], teams=("热线一组",))
    values = queries.kpis(demo_store, demo_store.scope(filters), ["inspections", "severe_violations"])
    for metric_id in ("inspections", "severe_violations"):
        metric = catalog.get(metric_id)
        assert shown[metric.name(lang)] == formatting.value(metric, values[metric_id].value, lang)
    assert values["inspections"].value
    # and the filter matters
    everything = cli_kpis(demo_store, capsys, *NOVEMBER_CLI)
    assert everything["qa_score_mean"] != cli["qa_score_mean"]


def record(at: AppTest, lang: str) -> pd.DataFrame:
    """The agent record: inspector but no agent column (the severe table has both)."""
    agent, inspector, _ = COLUMNS[lang]
    return table_with(at, inspector, without=agent)


def severe_count(store: Store, agent: str) -> tuple[int, int]:
    filters = Filters(date_from=YEAR[0], date_to=YEAR[1], agents=(agent,))
    values = queries.kpis(store, store.scope(filters), ["violations", "severe_violations"])
    return int(values["violations"].value or 0), int(values["severe_violations"].value or 0)


def test_agent_record_shows_severe_items(app: AppTest, demo_store: Store) -> None:
    open_qa(app, "zh", period=YEAR)
    picker = app.selectbox(key="qa_agent")
    assert picker.value == "赵磊"  # the worst repeat offender by default
    rows = record(app, "zh")
    items, severe = severe_count(demo_store, "赵磊")
    assert len(rows) == items
    assert (rows["严重程度"] == "严重").sum() == severe > 0
    assert list(rows["日期"]) == sorted(rows["日期"], reverse=True)  # newest first
    summary = [c.value for c in app.caption if c.value.startswith("赵磊：")]
    assert len(summary) == 1 and f"严重 {severe} 项" in summary[0]

    other = re.sub(r"（.*）$", "", next(a for a in picker.options if not a.startswith("赵磊")))
    picker.set_value(other).run()
    assert not app.exception
    assert app.selectbox(key="qa_agent").value == other
    rows = record(app, "zh")
    items, severe = severe_count(demo_store, other)
    assert len(rows) == items > 0
    assert (rows["严重程度"] == "严重").sum() == severe


def test_drill_down_lists_the_violations(app: AppTest) -> None:
    open_qa(app, "en", period=YEAR)
    violations = int(metric_values(app)[catalog.get("violations").name_en])
    counts = [re.match(r"^the current filters: ([\d,]+) records", c.value) for c in app.caption]
    found = [int(m.group(1).replace(",", "")) for m in counts if m]
    assert found == [violations]


def test_empty_selection_says_what_to_do(tiny_store: Store,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SERVICELENS_STORE", str(tiny_store.path))
    at = open_qa(frame_app(APP), "zh", period=(date(2026, 3, 4), date(2026, 3, 7)))
    assert [i.value for i in at.info] == [t("qa_empty", "zh", last=date(2026, 3, 20))]
    assert not at.metric


def test_no_qa_data_points_to_the_data_page(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    store = Store(tmp_path / "no_qa.duckdb")
    with store.writer() as con:
        con.execute(FIXTURE_SQL)
        con.execute("DELETE FROM qa_violations; DELETE FROM qa_inspections")
    monkeypatch.setenv("SERVICELENS_STORE", str(store.path))
    at = open_qa(frame_app(APP), "en")
    assert [i.value for i in at.info] == [t("qa_no_data", "en")]
    assert not at.metric
    links = at.get("page_link")
    assert len(links) == 1 and links[0].proto.label == t("qa_go_data", "en")
