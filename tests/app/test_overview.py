"""AppTest: the Overview page in both languages, filters from the query string, and the
same numbers as `servicelens kpis`."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from metrics.cli import main
from metrics.core import catalog
from metrics.engine.store import Store
from metrics.present import formatting
from metrics.views.overview import CALL_CARD_METRICS, CARD_METRICS
from tests.app.conftest import frame_app

APP = str(Path(__file__).parents[2] / "app.py")
# The demo holds a hotline's calls: their cards follow the tickets'.
SHOWN = CARD_METRICS + CALL_CARD_METRICS


@pytest.fixture()
def app(demo_store: Store, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("SERVICELENS_STORE", str(demo_store.path))
    return frame_app(APP)


def metric_values(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_overview_renders_in_chinese_by_default(app: AppTest) -> None:
    app.run()
    assert not app.exception
    assert app.title[0].value == "总览"
    labels = set(metric_values(app))
    assert {catalog.get(m).name_zh for m in SHOWN} == labels
    assert any("演示数据" in c.value for c in app.caption)  # the demo is said plainly


def test_overview_renders_in_english(app: AppTest) -> None:
    app.query_params["lang"] = "en"
    app.run()
    assert not app.exception
    assert app.title[0].value == "Overview"
    assert {catalog.get(m).name_en for m in SHOWN} == set(metric_values(app))


def test_language_switch_keeps_the_filters(app: AppTest) -> None:
    app.run()
    app.multiselect(key="channel").set_value(["email"]).run()
    tickets_zh = metric_values(app)["工单量"]
    app.segmented_control(key="lang").set_value("en").run()
    assert not app.exception
    assert app.title[0].value == "Overview"
    assert app.multiselect(key="channel").value == ["email"]
    assert metric_values(app)["Tickets"] == tickets_zh


def test_filters_from_query_string_match_cli(app: AppTest, demo_store: Store,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    app.query_params["lang"] = "en"
    app.query_params["from"] = "2026-09-01"
    app.query_params["to"] = "2026-10-31"
    app.query_params["channel"] = ["phone", "chat"]
    app.query_params["team"] = ["热线一组"]
    app.run()
    assert not app.exception
    assert app.multiselect(key="channel").value == ["phone", "chat"]
    assert app.date_input(key="period").value == (date(2026, 9, 1), date(2026, 10, 31))
    shown = metric_values(app)

    code = main(["kpis", "--store", str(demo_store.path), "--from", "2026-09-01", "--to",
                 "2026-10-31", "--channel", "phone", "--channel", "chat", "--team", "热线一组",
                 "--json"])
    assert code == 0
    cli = json.loads(capsys.readouterr().out)
    for metric_id in CARD_METRICS:
        metric = catalog.get(metric_id)
        assert shown[metric.name_en] == formatting.value(metric, cli[metric_id], "en"), metric_id
    assert shown["Tickets"] != "0"


def test_filter_widget_updates_numbers(app: AppTest) -> None:
    app.query_params["lang"] = "en"
    app.run()
    before = metric_values(app)["Tickets"]
    app.multiselect(key="channel").set_value(["email"]).run()
    assert not app.exception
    after = metric_values(app)["Tickets"]
    assert before != after
    assert int(after.replace(",", "")) < int(before.replace(",", ""))


def test_empty_selection_says_what_to_change(app: AppTest) -> None:
    app.query_params["lang"] = "en"
    app.run()
    app.multiselect(key="channel").set_value(["walk_in"]).run()
    app.multiselect(key="type").set_value(["suggestion"]).run()
    app.multiselect(key="category").set_value(["price"]).run()
    assert not app.exception
    assert any("No tickets in this selection" in i.value for i in app.info)
    assert not app.metric


def test_grain_control_changes_trend_grain(app: AppTest) -> None:
    app.query_params["grain"] = "week"
    app.run()
    assert not app.exception
    assert app.segmented_control(key="grain").value == "week"


def test_missing_store_shows_next_step(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SERVICELENS_STORE", str(tmp_path / "none.duckdb"))
    at = frame_app(APP)
    at.run()
    assert not at.exception
    assert any("servicelens demo" in i.value for i in at.info)


@pytest.mark.parametrize(("mode", "start", "end", "words"), [
    (None, "2026-09-01", "2026-09-30", "vs previous calendar period"),  # a whole month: 环比
    ("yoy", "2025-10-01", "2025-10-31", "vs same period last year"),
    ("prev", "2026-08-31", "2026-09-30", "vs previous period"),
])
def test_comparison_mode_from_the_url_matches_the_cli(
        app: AppTest, demo_store: Store, capsys: pytest.CaptureFixture[str], mode: str | None,
        start: str, end: str, words: str) -> None:
    """The sidebar's comparison: kept in the URL, named in the period line, and the cards'
    changes are against the same previous values `servicelens kpis --compare` prints."""
    app.query_params.update({"lang": "en", "from": "2026-10-01", "to": "2026-10-31"})
    if mode:
        app.query_params["compare"] = mode
    app.run()
    assert not app.exception
    assert app.selectbox(key="compare").value == mode
    assert any(f"{words} {start} – {end}" in c.value for c in app.caption)
    assert app.query_params.get("compare") in (mode, [mode])  # kept in the URL
    assert main(["kpis", "--store", str(demo_store.path), "--from", "2026-10-01", "--to",
                 "2026-10-31", "--compare", mode or "mom", "--json"]) == 0
    cli = json.loads(capsys.readouterr().out)
    assert cli["previous_period"]["from"] == start
    tickets = next(m for m in app.metric if m.label == "Tickets")
    metric = catalog.get("tickets")
    assert tickets.proto.delta == formatting.change(metric, cli["tickets"],
                                                    cli["previous"]["tickets"], "en")
    assert tickets.proto.delta_description == words
