"""Headers and words recognised without a mapping; presets for real helpdesk exports."""

from __future__ import annotations

from pathlib import Path

import pytest

from metrics.core.errors import UsageError
from metrics.engine.store import Store
from metrics.ingest import importer
from metrics.ingest.mapping import (
    Mapping,
    MappingError,
    guess_kind,
    load_mapping,
    normalise,
    presets,
    resolve,
    save_preset,
    vocabulary,
)

ZENDESK_CSV = """\
Id,Requester,Requester id,Assignee,Group,Subject,Status,Priority,Via,Ticket type,Created at,Updated at,Solved at,Reopens,First reply time in minutes
101,Ann Lee,9001,Wang Fang,Tier 1,Broken widget,Solved,Normal,Web Widget,Incident,2026-10-01 09:00,2026-10-02 10:00,2026-10-02 09:30,0,12
102,Bo Chen,9002,Wang Fang,Tier 1,Question,Open,-,Mail,-,2026-10-03 10:00,2026-10-03 11:00,,1,
103,Cy Liu,9003,Li Ming,Tier 2,Call back,On-hold,Urgent,Phone call (inbound),Question,2026-10-04 08:00,2026-10-04 09:00,,0,-5
"""

FRESHDESK_CSV = """\
Ticket ID,Subject,Status,Priority,Source,Type,Agent,Group,Created time,Resolved time,Closed time,Last update time,Initial response time,Product,Full name,Contact ID,Mobile phone
5001,Refund please,Waiting on Customer,Medium,Email,Refund,Zhao Lei,Billing,2026-10-01 09:00:00,,,2026-10-01 10:00:00,2026-10-01 09:20:00,Shop,Dee Xu,77,13800001111
5002,Thanks,Closed,Low,Chat,Question,Zhao Lei,Billing,2026-10-02 09:00:00,2026-10-02 09:30:00,2026-10-02 10:00:00,2026-10-02 10:00:00,2026-10-02 09:01:00,Shop,Eve Wu,78,
"""


def test_headers_are_matched_ignoring_case_spacing_and_language() -> None:
    assert normalise("Ticket ID") == normalise("ticket_id") == normalise(" TICKET-id ")
    found = resolve(["工单编号", "受理时间", "受理渠道", "工单类型", "Agent", "班组"], "tickets")
    assert found.columns == {"ticket_id": 0, "created_at": 1, "channel": 2,
                             "request_type": 3, "agent": 4, "team": 5}
    assert not found.missing


def test_missing_required_columns_are_named() -> None:
    found = resolve(["工单号", "渠道"], "tickets")
    assert found.missing == ("created_at", "request_type")


def test_kind_is_guessed_from_the_required_headers() -> None:
    assert guess_kind(["工单号", "创建时间", "渠道", "类型"]) == "tickets"
    assert guess_kind(["问卷编号", "工单号", "发送时间", "满意度"]) == "surveys"
    assert guess_kind(["质检编号", "坐席", "质检时间", "质检得分"]) == "qa"
    assert guess_kind(["foo", "bar"]) is None


def test_survey_dimension_columns_are_recognised() -> None:
    found = resolve(["问卷编号", "发送时间", "score_speed", "服务态度", "score_taste"], "surveys")
    assert found.dimensions == {"speed": 2, "attitude": 3, "taste": 4}


def test_mapping_words_come_before_the_built_in_ones() -> None:
    mapping = Mapping(values={"channel": {"chat": ["Web Widget"]}})
    words, codes = vocabulary("channel", mapping)
    assert codes[words.index("web widget")] == "chat"
    assert codes[words.index("热线")] == "phone"
    assert codes[words.index("walk-in")] == "walk_in"


def test_bad_mapping_files_say_what_is_wrong(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[values.channel]\nfax = ["Fax"]\n', encoding="utf-8")
    with pytest.raises(MappingError, match=r"unknown code 'fax'"):
        load_mapping(bad)
    bad.write_text("[columns\n", encoding="utf-8")
    with pytest.raises(MappingError, match="not a valid TOML"):
        load_mapping(bad)
    bad.write_text('[columns]\nticket_number = "No"\n', encoding="utf-8")
    with pytest.raises(MappingError, match="unknown canonical column 'ticket_number'"):
        load_mapping(bad)


def test_presets_ship_for_two_helpdesks_and_two_call_logs() -> None:
    shipped = presets()
    assert {"zendesk", "freshdesk", "technion-anonymous-bank", "pwc-call-centre"} <= set(shipped)
    kinds = {name: load_mapping(path).kind for name, path in shipped.items()}
    assert kinds["zendesk"] == kinds["freshdesk"] == "tickets"
    assert kinds["technion-anonymous-bank"] == kinds["pwc-call-centre"] == "calls"


def test_zendesk_export_imports_with_its_preset(tmp_path: Path) -> None:
    path = tmp_path / "zendesk.csv"
    path.write_text(ZENDESK_CSV, encoding="utf-8")
    store = Store(tmp_path / "s.duckdb")
    result = importer.import_file(store, None, path, mapping=load_mapping(presets()["zendesk"]))
    assert (result.kind, result.inserted, result.rejected) == ("tickets", 2, 1)
    with store.reader() as con:
        rows = con.execute(
            "SELECT ticket_id, channel, request_type, status, priority, agent, team,"
            " first_response_at, resolved_at FROM tickets ORDER BY ticket_id"
        ).fetchall()
    assert [r[:7] for r in rows] == [
        ("101", "chat", "repair", "resolved", "medium", "Wang Fang", "Tier 1"),
        ("102", "email", "other", "open", None, "Wang Fang", "Tier 1"),
    ]
    assert str(rows[0][7]) == "2026-10-01 09:12:00"  # 12 minutes after creation
    assert str(rows[0][8]) == "2026-10-02 09:30:00"
    bad = importer.rejects(store, result.import_id)
    assert bad["_row"].to_list() == [4]  # -5 minutes: a reply before the ticket existed
    assert bad["_field"].to_list() == ["first_response_at"]


def test_freshdesk_export_imports_with_its_preset(tmp_path: Path) -> None:
    path = tmp_path / "freshdesk.csv"
    path.write_text(FRESHDESK_CSV, encoding="utf-8")
    store = Store(tmp_path / "s.duckdb")
    result = importer.import_file(store, None, path, mapping=load_mapping(presets()["freshdesk"]))
    assert (result.inserted, result.rejected) == (2, 0)
    with store.reader() as con:
        rows = con.execute(
            "SELECT ticket_id, channel, request_type, status, product, customer_phone"
            " FROM tickets ORDER BY ticket_id"
        ).fetchall()
    assert rows == [("5001", "email", "other", "pending", "Shop", "13800001111"),
                    ("5002", "chat", "inquiry", "closed", "Shop", None)]


def test_a_picked_column_saves_as_a_preset_that_loads_back(tmp_path: Path) -> None:
    mapping = Mapping(columns={"ticket_id": "单据号"}, values={"channel": {"phone": ["400"]}})
    path = save_preset(mapping, "我们的 导出/v2", folder=tmp_path)
    assert path.parent == tmp_path and "/" not in path.name
    loaded = load_mapping(path)
    assert loaded.columns == {"ticket_id": "单据号"}
    assert loaded.values == {"channel": {"phone": ["400"]}}
    assert loaded.name == "我们的 导出/v2"


def test_headers_and_cells_that_are_sql_are_only_data(tmp_path: Path) -> None:
    path = tmp_path / "evil.csv"
    path.write_text(
        'ticket_id,created_at,channel,request_type,"x""); DROP TABLE tickets; --",agent\n'
        "T1,2026-11-01 10:00,phone,inquiry,1,'); DROP TABLE tickets; --\n"
        "T2,2026-11-01 11:00,\"phone'; DELETE FROM tickets; --\",inquiry,2,a\n",
        encoding="utf-8",
    )
    store = Store(tmp_path / "s.duckdb")
    result = importer.import_file(store, "tickets", path)
    assert (result.inserted, result.rejected) == (1, 1)
    with store.reader() as con:
        assert con.execute("SELECT ticket_id, agent FROM tickets").fetchall() == [
            ("T1", "'); DROP TABLE tickets; --")]
    assert importer.rejects(store, result.import_id)["_field"].to_list() == ["channel"]


def test_importing_into_a_demo_store_replaces_the_demo(tmp_path: Path) -> None:
    from datetime import date

    from metrics.ingest import demo

    store = Store(tmp_path / "s.duckdb")
    store.ensure()
    # the demo numbers its tickets like the sample (T00002801...): the ids collide
    demo.write(store, demo.generate(3000, seed=1, end=date(2026, 11, 1)), "demo")
    assert store.is_demo()
    sample = Path(__file__).parents[2] / "data" / "samples" / "tickets-gbk.csv"
    result = importer.import_file(store, None, sample)
    assert result.demo_removed
    assert not store.is_demo()
    assert store.ticket_count() == result.inserted == 198
    with store.reader() as con:
        assert con.execute("SELECT count(*) FROM surveys").fetchall() == [(0,)]
    with pytest.raises(UsageError, match="holds imported data"):
        demo.write(store, demo.generate(100, seed=1, end=date(2026, 11, 1)), "demo")
