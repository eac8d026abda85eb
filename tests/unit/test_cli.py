"""The `servicelens` command: JSON contract, help for every option, clear errors."""

from __future__ import annotations

import argparse
import json
from datetime import date

import pytest

from metrics.cli import build_parser, catalog_markdown, main
from metrics.core import catalog
from metrics.core.filters import Filters
from metrics.core.scope import Scope
from metrics.core.settings import Settings
from metrics.engine import queries
from metrics.engine.store import Store
from metrics.views import scorecards
from tests.conftest import BOTH
from tests.unit.test_metrics import DOMAIN_IDS

# Every test here runs on DuckDB and on embedded ClickHouse (chDB), the same fixture rows.
ENGINES = BOTH


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_kpis_json_has_exactly_the_domain_ids(tiny_store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "kpis", "--store", tiny_store.location, "--from", "2026-03-01",
                       "--to", "2026-03-07", "--json")
    assert code == 0
    data = json.loads(out)
    assert set(data) == DOMAIN_IDS
    assert data["tickets"] == 6
    assert data["csat"] == pytest.approx(2 / 3)
    assert data["resolution_median_s"] == pytest.approx(48600)


def test_kpis_json_is_null_for_empty_denominators(tiny_store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "kpis", "--store", tiny_store.location, "--from", "2030-01-01",
                       "--to", "2030-01-31", "--json")
    data = json.loads(out)
    assert code == 0
    assert data["tickets"] == 0
    assert data["csat"] is None and data["fcr_rate"] is None and data["nps"] is None


def test_kpis_filters_match_the_query_layer(demo_store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "kpis", "--store", demo_store.location, "--from", "2026-09-01",
                       "--to", "2026-10-31", "--channel", "phone", "--channel", "chat",
                       "--team", "热线一组", "--json")
    assert code == 0
    data = json.loads(out)
    expected = queries.kpis(demo_store, demo_store.scope(Filters(date_from=date(2026, 9, 1),
                                                date_to=date(2026, 10, 31),
                                                channels=("phone", "chat"), teams=("热线一组",))))
    for metric_id in ("tickets", "csat", "resolution_median_s", "complaint_rate"):
        assert data[metric_id] == pytest.approx(expected[metric_id].value)
    assert data["tickets"] > 0


@pytest.mark.parametrize(("mode", "start", "end"), [
    ("mom", "2026-09-01", "2026-09-30"), ("yoy", "2025-10-01", "2025-10-31"),
    ("prev", "2026-08-31", "2026-09-30")])
def test_kpis_json_compare_adds_the_previous_period(
        demo_store: Store, capsys: pytest.CaptureFixture[str], mode: str, start: str,
        end: str) -> None:
    code, out, _ = run(capsys, "kpis", "--store", demo_store.location, "--from", "2026-10-01",
                       "--to", "2026-10-31", "--compare", mode, "--json")
    assert code == 0
    data = json.loads(out)
    assert data["previous_period"] == {"from": start, "to": end, "compare": mode}
    _, alone, _ = run(capsys, "kpis", "--store", demo_store.location, "--from", start,
                      "--to", end, "--json")
    assert data["previous"] == json.loads(alone)  # the same ids and values
    assert data["previous"]["tickets"] > 0
    _, plain, _ = run(capsys, "kpis", "--store", demo_store.location, "--from", "2026-10-01",
                      "--to", "2026-10-31", "--json")
    assert "previous" not in json.loads(plain)  # only when asked for


def test_default_period_is_the_last_30_days_of_data(demo_store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "kpis", "--store", demo_store.location, "--json")
    explicit_code, explicit, _ = run(capsys, "kpis", "--store", demo_store.location,
                                     "--from", "2026-10-25", "--to", "2026-11-23", "--json")
    assert code == explicit_code == 0
    assert json.loads(out)["tickets"] == json.loads(explicit)["tickets"]


def test_every_command_and_option_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    for name, subparser in sub.choices.items():  # type: ignore[union-attr]
        for action in subparser._actions:
            assert action.help, f"{name} {action.option_strings} has no help"
            verbs = action.choices if isinstance(action.choices, dict) else {}
            for verb, verb_parser in verbs.items():  # `users add` and co.
                if isinstance(verb_parser, argparse.ArgumentParser):
                    for inner in verb_parser._actions:
                        assert inner.help, f"{name} {verb} {inner.option_strings} has no help"
        with pytest.raises(SystemExit) as done:
            main([name, "--help"])
        assert done.value.code == 0
        assert "usage: servicelens" in capsys.readouterr().out


def test_missing_store_is_one_clear_line(tmp_path: object, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "kpis", "--store", "/nonexistent/x.duckdb", "--json")
    assert code == 2
    assert out == ""
    assert "no store at /nonexistent/x.duckdb" in err
    assert len(err.strip().splitlines()) == 1


def test_reversed_period_is_refused(tiny_store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "kpis", "--store", tiny_store.location, "--from", "2026-03-07",
                       "--to", "2026-03-01", "--json")
    assert code == 2
    assert "starts" in err


def test_bad_date_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["kpis", "--from", "2026-13-01"])
    assert done.value.code == 2
    assert "is not a date of the form YYYY-MM-DD" in capsys.readouterr().err


def test_demo_refuses_to_replace_imported_data(tmp_path: object, tiny_store: Store,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    with tiny_store.writer() as con:
        con.execute("INSERT INTO import_log (kind, source, file_name, started_at)"
                    " VALUES ('tickets', 'file', 'real.csv', now())")
    code, _, err = run(capsys, "demo", "--tickets", "100", "--store", tiny_store.location)
    assert code == 2
    assert "holds imported data" in err
    assert tiny_store.ticket_count() == 7  # untouched


def test_demo_if_missing_keeps_existing_store(tiny_store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "demo", "--if-missing", "--tickets", "100", "--store",
                       tiny_store.location)
    assert code == 0
    assert "nothing to do" in out
    assert tiny_store.ticket_count() == 7


def test_catalog_markdown_lists_every_public_metric() -> None:
    text = catalog_markdown("en")
    for metric_id in catalog.PUBLIC_IDS:
        assert f"`{metric_id}`" in text
    assert "≥ 95.0%" in text  # csat's default target
    assert "满意率" in catalog_markdown("zh")


def test_docs_catalog_is_generated_from_the_declarations() -> None:
    from pathlib import Path

    from metrics.cli import catalog_document

    committed = (Path(__file__).parents[2] / "docs" / "metrics.md").read_text(encoding="utf-8")
    assert committed == catalog_document(), "run: servicelens catalog --format doc > docs/metrics.md"


def test_kpis_business_hours_says_which_clock(tiny_store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    week = ("--store", tiny_store.location, "--from", "2026-03-01", "--to", "2026-03-07")
    code, out, err = run(capsys, "kpis", *week, "--json", "--business-hours")
    assert code == 0 and "business hours" in err and "holidays" in err
    business = json.loads(out)
    _, out, err = run(capsys, "kpis", *week, "--json")
    calendar_time = json.loads(out)
    assert "calendar time" in err
    # Resolved in the week: T1 50 min (Sunday: 0 business), T2 2 h, T3 25 h (10 h business),
    # T7 48 h (9 h business): calendar median (2 h + 25 h) / 2 = 13.5 h; business median of
    # 0, 2, 9, 10 h = 5.5 h.
    assert calendar_time["resolution_median_s"] == pytest.approx(13.5 * 3600)
    assert business["resolution_median_s"] == pytest.approx(5.5 * 3600)
    _, out, _ = run(capsys, "kpis", *week, "--business-hours")
    assert out.splitlines()[0].startswith("2026-03-01 .. 2026-03-07 · durations in business hours")


def _small_sample_rule(store: Store) -> Settings:
    """Rank agents from 2 tickets, answers not required: in the tiny store's first week A (T1,
    T2, T5) and B (T3, T4) are ranked, C (T7 only) is not."""
    settings = Settings(rank_min_tickets=2, rank_min_answers=0)
    store.save_settings(settings)
    return settings


def test_agents_json_is_the_scorecard_rows(tiny_store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    settings = _small_sample_rule(tiny_store)
    week = Filters(date_from=date(2026, 3, 1), date_to=date(2026, 3, 7))
    for level in ("agent", "team"):
        code, out, err = run(capsys, "agents", "--store", tiny_store.location, "--from",
                             "2026-03-01", "--to", "2026-03-07", "--by", level, "--json")
        assert code == 0
        assert err.strip() == "servicelens agents: durations in calendar time"
        expected = scorecards.rows(scorecards.scorecard(tiny_store, Scope.of(week, settings), level), level,
                                   settings)
        assert json.loads(out) == expected
    code, out, _ = run(capsys, "agents", "--store", tiny_store.location, "--from",
                       "2026-03-01", "--to", "2026-03-07", "--json")
    data = json.loads(out)
    # B .72 (in standard 2/2, resolved 1/2, FCR 0/1, QA 95, no violation; no CSAT) ranks above
    # A .4933; C has one ticket: listed, composite .2222, rank null.
    assert [(r["agent"], r["rank"]) for r in data] == [("B", 1), ("A", 2), ("C", None)]
    assert data[0]["composite"] == pytest.approx(0.72)
    assert data[2]["composite"] == pytest.approx(0.1 / 0.45, abs=1e-6)
    assert data[1]["csat"] == pytest.approx(0.5) and data[1]["csat_n"] == 2
    assert data[1]["team"] == "X" and data[1]["tickets"] == 3
    assert set(data[0]) >= {"agent", "team", "csat_n", "csat_ci", "composite", "rank",
                            *(m for m in scorecards.INDICATORS if m != scorecards.COMPOSITE)}


def test_agents_table_in_chinese(tiny_store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    _small_sample_rule(tiny_store)
    code, out, _ = run(capsys, "agents", "--store", tiny_store.location, "--from",
                       "2026-03-01", "--to", "2026-03-07", "--lang", "zh")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "坐席绩效 · 2026-03-01 .. 2026-03-07 · 时长按自然时间计算"
    assert lines[1].startswith("综合得分权重：及时响应率 20%、")
    assert lines[2].startswith("排名要求：工单 ≥ 2 单")
    assert lines[4].split()[:3] == ["排名", "坐席", "班组"]
    assert [line.split()[:3] for line in lines[5:]] == [["1", "B", "Y"], ["2", "A", "X"],
                                                         ["–", "C", "Y"]]
    assert "50.0% (2)" in lines[6]  # A's CSAT with its sample


def test_agents_table_in_english_by_team(tiny_store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "agents", "--store", tiny_store.location, "--from",
                       "2026-03-01", "--to", "2026-03-07", "--by", "team")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "Teams · 2026-03-01 .. 2026-03-07 · durations in calendar time"
    # The store's default rule: 30 tickets, so no team of three tickets is ranked.
    assert lines[2].startswith("Ranked only with ≥ 30 tickets and ≥ 10 scored CSAT answers")
    assert lines[4].split()[:2] == ["Rank", "Team"]
    assert sorted(line.split()[1] for line in lines[5:]) == ["X", "Y"]
    assert all(line.split()[0] == "–" for line in lines[5:])


def test_agents_empty_period_and_missing_store(tiny_store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "agents", "--store", tiny_store.location, "--from",
                       "2030-01-01", "--to", "2030-01-31")
    assert code == 0 and out.splitlines()[-1] == "No agent has data in this selection."
    code, out, _ = run(capsys, "agents", "--store", tiny_store.location, "--from",
                       "2030-01-01", "--to", "2030-01-31", "--json")
    assert code == 0 and json.loads(out) == []
    code, out, err = run(capsys, "agents", "--store", "/nonexistent/x.duckdb")
    assert code == 2 and out == ""
    assert err.strip() == ("servicelens agents: no store at /nonexistent/x.duckdb: run "
                           "`servicelens demo` or import first")


def test_agents_json_carries_each_agents_coaching(demo_store: Store,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "agents", "--store", demo_store.location, "--from",
                       "2026-11-01", "--to", "2026-11-23", "--json")
    assert code == 0
    data = {r["agent"]: r["coaching"] for r in json.loads(out)}
    scope = demo_store.scope(Filters(date_from=date(2026, 11, 1), date_to=date(2026, 11, 23)))
    listed = scorecards.needs_coaching(scorecards.scorecard(demo_store, scope, "agent"),
                                       scope.settings)
    assert {a for a, ids in data.items() if ids} == set(listed["agent"].to_list())
    assert all(isinstance(ids, list) for ids in data.values())
    for row in listed.iter_rows(named=True):
        assert data[row["agent"]] == row["metrics"].split(",")
    # Picking one agent keeps their peers: the same flags as in the whole list.
    flagged = listed["agent"][0]
    code, out, _ = run(capsys, "agents", "--store", demo_store.location, "--from",
                       "2026-11-01", "--to", "2026-11-23", "--agent", flagged, "--json")
    assert [r["coaching"] for r in json.loads(out)] == [data[flagged]]
