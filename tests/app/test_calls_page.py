"""The 话务 Calls page: cards equal to the metric layer, staffing, drill-down with the caller's
phone masked, the empty states, and who opens it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from metrics.core.filters import Filters
from metrics.engine import queries
from metrics.engine.store import Store
from metrics.ingest import importer
from metrics.present import formatting
from metrics.present.words import t
from metrics.views.calls import CALL_CARDS
from tests.app.conftest import frame_app, open_file, sign_in

CALLS = """call_id,queued_at,answered_at,ended_at,outcome,queue,agent,team,wait_s,talk_s,customer_phone
C1,2026-03-02 09:00:00,2026-03-02 09:00:10,2026-03-02 09:05:00,answered,sales,Ann,A,10,290,13812345678
C2,2026-03-02 09:10:00,2026-03-02 09:10:40,2026-03-02 09:13:00,answered,sales,Bo,A,40,140,13900001111
C3,2026-03-02 09:20:00,,2026-03-02 09:21:00,abandoned,service,,,60,,13700002222
C4,2026-03-03 14:40:00,2026-03-03 14:40:05,2026-03-03 14:42:00,answered,service,Ann,A,5,115,
"""


@pytest.fixture()
def calls_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    path = tmp_path / "calls.csv"
    path.write_text(CALLS, encoding="utf-8")
    store = Store(tmp_path / "hotline.duckdb")
    result = importer.import_file(store, "calls", path)
    assert result.inserted == 4
    monkeypatch.setenv("SERVICELENS_STORE", str(store.path))
    return store


def _open(store: Store, role: str = "admin", lang: str = "zh") -> object:
    at = frame_app("../../app.py")
    sign_in(at, store, role)  # type: ignore[arg-type]
    at.query_params["from"], at.query_params["to"] = "2026-03-01", "2026-03-07"
    return open_file(at, "pages/calls.py", lang=lang)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_cards_show_the_metric_layer_values(calls_store: Store, lang: str) -> None:
    at = _open(calls_store, lang=lang)
    assert [x.value for x in at.title] == [t("calls_page", lang)]  # type: ignore[attr-defined]
    scope = calls_store.scope(Filters(date_from=date(2026, 3, 1), date_to=date(2026, 3, 7)))
    values = queries.kpis(calls_store, scope, CALL_CARDS)
    from metrics.core import catalog

    shown = {m.label: m.value for m in at.metric}  # type: ignore[attr-defined]
    for metric_id in CALL_CARDS:
        metric = catalog.get(metric_id)
        assert shown[metric.name(lang)] == formatting.value(metric, values[metric_id].value,
                                                            lang)
    assert shown[catalog.get("calls_offered").name(lang)] == "4"
    assert at.get("arrow_vega_lite_chart") or at.get("vega_lite_chart")  # type: ignore[attr-defined]


def test_staffing_and_masked_drill(calls_store: Store) -> None:
    at = _open(calls_store, lang="en")
    frames = at.dataframe  # type: ignore[attr-defined]
    staffing = next(f.value for f in frames if "Agents needed" in f.value.columns)
    # the half hours with calls: Monday 09:00 (C1-C3; one Monday in the period, two agents
    # answering) and Tuesday 14:30 (C4)
    assert list(staffing["Interval"]) == ["Mon 09:00", "Tue 14:30"]
    assert list(staffing["Mean calls"]) == ["3.0", "1.0"]
    assert list(staffing["Agents seen"]) == ["2.0", "1.0"]
    drilled = next(f.value for f in frames if "Customer phone" in f.value.columns)
    phones = [str(p) for p in drilled["Customer phone"] if isinstance(p, str)]
    # every caller's phone masked (no unmask privilege); C4 left none
    assert sorted(phones) == ["137****2222", "138****5678", "139****1111"]


@pytest.mark.parametrize(("segment", "named"), [
    ({"queue": "sales"}, "Queue = sales: 2 records"),  # the drill-down's own Queue segment
    ({"weekday": 1, "slot": 18}, "Weekday = Mon · Half hour = 09:00: 3 records"),  # a heat cell
])
def test_the_drill_down_names_a_queue_or_a_half_hour(calls_store: Store,
                                                     segment: dict[str, object],
                                                     named: str) -> None:
    at = frame_app("../../app.py")
    sign_in(at, calls_store, "admin")
    at.query_params["from"], at.query_params["to"] = "2026-03-01", "2026-03-07"
    at.session_state["calls_drill_segment"] = segment
    open_file(at, "pages/calls.py", lang="en")
    assert any(c.value.startswith(named) for c in at.caption)


def test_a_viewer_sees_the_numbers_but_no_rows(calls_store: Store) -> None:
    at = _open(calls_store, role="viewer", lang="en")
    assert len(at.metric) == len(CALL_CARDS)  # type: ignore[attr-defined]
    frames = at.dataframe  # type: ignore[attr-defined]
    assert not any("Customer phone" in f.value.columns for f in frames)


def test_a_store_without_calls_says_how_to_import_them(tiny_store: Store,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SERVICELENS_STORE", str(tiny_store.path))
    at = frame_app("../../app.py")
    sign_in(at, tiny_store, "admin")
    at.query_params["from"], at.query_params["to"] = "2026-03-01", "2026-03-07"
    open_file(at, "pages/calls.py", lang="en")
    assert [x.value for x in at.info] == [t("calls_none", "en")]


def test_overview_shows_the_hotline_cards_when_the_store_holds_calls(
        calls_store: Store, tiny_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    from metrics.core import catalog
    from metrics.views.overview import CALL_CARD_METRICS

    names = [catalog.get(m).name("en") for m in CALL_CARD_METRICS]
    at = frame_app("../../app.py")
    sign_in(at, calls_store, "admin")
    at.query_params["from"], at.query_params["to"] = "2026-03-01", "2026-03-07"
    open_file(at, "pages/overview.py", lang="en")
    shown = {m.label: m.value for m in at.metric}
    assert [shown[n] for n in names][:2] == ["4", "75.0%"]  # 4 offered, 3 answered of 4
    monkeypatch.setenv("SERVICELENS_STORE", str(tiny_store.path))
    plain = frame_app("../../app.py")
    sign_in(plain, tiny_store, "admin")
    plain.query_params["from"], plain.query_params["to"] = "2026-03-01", "2026-03-07"
    open_file(plain, "pages/overview.py", lang="en")
    labels = {m.label for m in plain.metric}
    assert labels and not set(names) & labels  # tickets' cards only
