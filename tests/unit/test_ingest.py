"""The import pipeline against the bad-file corpus (tests/corpus/README.md lists every case).

Each case asserts its exact outcome: counts, which rows were rejected for which field, and
the values stored. Exit-code cases go through `servicelens import` (metrics.cli.main) and
must print one line, never a traceback. Huge and random files are generated in tmp_path.
"""

from __future__ import annotations

import csv
import io
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import openpyxl
import polars as pl
import pytest
from pydantic import ValidationError

from metrics.cli import main
from metrics.engine.store import Store
from metrics.ingest import importer
from metrics.ingest.rows import KINDS, QaRow, SurveyRow, TicketRow

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
ROOT = Path(__file__).resolve().parent.parent.parent
TABLES = ("tickets", "surveys", "survey_dimension_scores", "qa_inspections", "qa_violations",
          "import_log", "import_rejects")

# The good tickets extract (tickets_zh_*): Chinese headers and words, stored as codes.
GOOD_TICKETS = {
    "GD001": dict(created_at=datetime(2026, 3, 1, 9, 0), channel="phone", request_type="inquiry",
                  category=None, priority="medium", customer_level="regular", agent="王芳",
                  team="热线一组", first_response_at=datetime(2026, 3, 1, 9, 0, 15),
                  resolved_at=datetime(2026, 3, 1, 9, 20), status="resolved", reopen_count=0,
                  contacts=1, escalated=False, customer_name="张三",
                  customer_phone="13812345678", product="宽带"),
    "GD002": dict(created_at=datetime(2026, 3, 1, 10, 30), channel="chat",
                  request_type="complaint", category="service_attitude", priority="high",
                  customer_level="vip", agent="李娜", team="在线二组",
                  first_response_at=datetime(2026, 3, 1, 10, 31),
                  resolved_at=datetime(2026, 3, 2, 9, 0), status="closed", reopen_count=1,
                  contacts=2, escalated=True, customer_name="李四",
                  customer_phone="13900001111", product="手机"),
    "GD003": dict(created_at=datetime(2026, 3, 2, 14, 0), channel="email", request_type="repair",
                  category=None, priority="low", customer_level="regular", agent="王芳",
                  team="热线一组", first_response_at=None, resolved_at=None, status="pending",
                  reopen_count=None, contacts=None, escalated=None, customer_name=None,
                  customer_phone=None, product="宽带"),
    "GD004": dict(created_at=datetime(2026, 3, 3, 8, 15), channel="social",
                  request_type="complaint", category="delivery", priority="urgent",
                  customer_level="vip", agent="赵磊", team="在线二组",
                  first_response_at=datetime(2026, 3, 3, 9, 15), resolved_at=None,
                  status="open", reopen_count=0, contacts=1, escalated=False,
                  customer_name="王五", customer_phone="13700002222", product="电视"),
    "GD005": dict(created_at=datetime(2026, 3, 4, 16, 45), channel="walk_in",
                  request_type="suggestion", category=None, priority=None,
                  customer_level="regular", agent="赵磊", team="柜台组",
                  first_response_at=datetime(2026, 3, 4, 16, 50),
                  resolved_at=datetime(2026, 3, 4, 17, 0), status="resolved", reopen_count=0,
                  contacts=1, escalated=False, customer_name="陈𫖯",
                  customer_phone="13600003333", product="宽带"),
}


# --------------------------------------------------------------------------- helpers


@pytest.fixture()
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "store.duckdb")


def query(store: Store, sql: str, params: dict[str, object] | None = None) -> list[tuple[Any, ...]]:
    with store.reader() as con:
        return con.execute(sql, params or {}).fetchall()


def snapshot(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    """Every data and log table, fully, in a stable order (times of the log left out)."""
    out = {}
    for table in TABLES:
        if table == "import_log":
            sql = ("SELECT * EXCLUDE (started_at, finished_at, import_id) FROM import_log"
                   " ORDER BY import_id")
        elif table in ("tickets", "surveys", "qa_inspections"):
            sql = f"SELECT * EXCLUDE (import_id) FROM {table} ORDER BY ALL"
        else:
            sql = f"SELECT * FROM {table} ORDER BY ALL"
        out[table] = query(store, sql)
    return out


def tickets(store: Store) -> dict[str, dict[str, Any]]:
    with store.reader() as con:
        frame = con.sql("SELECT * FROM tickets ORDER BY ticket_id").pl()
    return {r["ticket_id"]: r for r in frame.to_dicts()}


def balanced(result: importer.ImportResult) -> bool:
    return result.rows_read == (result.inserted + result.updated + result.unchanged
                                + result.skipped + result.rejected)


def imported(store: Store, kind: str, path: Path, **options: Any) -> importer.ImportResult:
    result = importer.import_file(store, kind, path, **options)
    assert balanced(result), result
    return result


def rejected(store: Store, import_id: int) -> list[tuple[int, str | None, str | None]]:
    """(row, field, value) of each rejected row."""
    frame = importer.rejects(store, import_id)
    return list(zip(frame["_row"].to_list(), frame["_field"].to_list(),
                    frame["_value"].to_list(), strict=True))


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def cli_import(capsys: pytest.CaptureFixture[str], store: Store, tmp_path: Path, kind: str,
               *files: Path | str, extra: tuple[str, ...] = ()) -> tuple[int, str, str]:
    return run_cli(capsys, "import", kind, *map(str, files), "--store", str(store.path),
                   "--rejects", str(tmp_path / "rejects"), *extra)


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("servicelens import: ")
    return lines[0]


# --------------------------------------------------------------------------- good extracts


@pytest.mark.parametrize(
    ("name", "encoding"),
    [
        ("tickets_zh_utf8.csv", "utf-8"),
        ("tickets_zh_gbk.csv", "gb18030"),
        ("tickets_zh_gb18030.csv", "gb18030"),
        ("tickets_zh_utf8_bom.csv", "utf-8-sig"),
        ("tickets_zh.tsv", "utf-8"),
        ("tickets_zh_utf16.txt", "utf-16"),
    ],
)
def test_good_tickets_in_every_encoding_and_delimiter(store: Store, name: str,
                                                      encoding: str) -> None:
    result = imported(store, "tickets", CORPUS / name)
    assert (result.file_format, result.encoding) == ("csv", encoding)
    assert (result.rows_read, result.inserted, result.rejected) == (5, 5, 0)
    stored = tickets(store)
    assert list(stored) == list(GOOD_TICKETS)
    for ticket_id, expected in GOOD_TICKETS.items():
        if name == "tickets_zh_gbk.csv" and ticket_id == "GD005":
            expected = {**expected, "customer_name": "陈明"}  # 𫖯 has no GBK code
        got = {k: stored[ticket_id][k] for k in expected}
        assert got == expected, ticket_id
    assert importer.rejects(store, result.import_id).is_empty()


def test_good_tickets_through_the_cli(store: Store, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = cli_import(capsys, store, tmp_path, "tickets",
                                CORPUS / "tickets_zh_gb18030.csv")
    assert (code, err) == (0, "")
    assert "tickets_zh_gb18030.csv (tickets, csv, gb18030): read 5 · inserted 5" in out
    assert "rejected 0" in out
    assert not (tmp_path / "rejects").exists()


# --------------------------------------------------------------------------- unreadable files


@pytest.mark.parametrize(
    ("name", "encoding", "message"),
    [
        ("tickets_zh_gbk.csv", "utf-8", "utf-8 fails at line 1"),
        ("tickets_zh_gb18030.csv", "gbk", "gbk fails at line 6"),  # 𫖯 is GB18030 only
    ],
)
def test_forced_wrong_encoding_names_the_encoding_and_line(
        store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str,
        encoding: str, message: str) -> None:
    code, out, err = cli_import(capsys, store, tmp_path, "tickets", CORPUS / name,
                                extra=("--encoding", encoding))
    assert (code, out) == (2, "")
    assert one_line(err) == f"servicelens import: {name}: cannot decode the text ({message})"
    assert query(store, "SELECT count(*) FROM import_log") == [(0,)]


def test_unknown_encoding_name_is_one_line(store: Store, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = cli_import(capsys, store, tmp_path, "tickets", CORPUS / "tickets_zh_utf8.csv",
                              extra=("--encoding", "klingon"))
    assert code == 2
    assert "unknown encoding 'klingon'" in one_line(err)


def test_neither_utf8_nor_gb18030_is_refused_with_the_line(
        store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rng = random.Random(3)
    path = tmp_path / "latin.csv"
    garbage = bytes(rng.choice([0x80, 0xFF]) for _ in range(64))  # never valid in either
    path.write_bytes(b"ticket_id,created_at,channel,request_type\n"
                     b"X1,2026-03-01 09:00,phone,inquiry\n" + b"X2," + garbage + b"\n")
    code, out, err = cli_import(capsys, store, tmp_path, "tickets", path)
    assert (code, out) == (2, "")
    line = one_line(err)
    assert "latin.csv: cannot decode the text (utf-8 fails at line 3, gb18030 fails at line 3)" in line
    assert "--encoding" in line


def test_missing_required_column_names_it_and_lists_the_headers(
        store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = cli_import(capsys, store, tmp_path, "tickets",
                                CORPUS / "tickets_missing_channel.csv")
    assert (code, out) == (2, "")
    assert one_line(err) == (
        "servicelens import: tickets_missing_channel.csv: required column channel not found for"
        " tickets; headers found: 工单号, 创建时间, 类型, 坐席"
    )
    assert query(store, "SELECT count(*) FROM import_log") == [(0,)]


def test_empty_file_is_refused(store: Store, tmp_path: Path,
                               capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(importer.ImportFailed, match=r"^empty\.csv: the file is empty$"):
        importer.import_file(store, "tickets", CORPUS / "empty.csv")
    code, out, err = cli_import(capsys, store, tmp_path, "tickets", CORPUS / "empty.csv")
    assert (code, out) == (2, "")
    assert one_line(err) == "servicelens import: empty.csv: the file is empty"


def test_header_only_imports_nothing_successfully(store: Store, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = cli_import(capsys, store, tmp_path, "tickets",
                                CORPUS / "tickets_header_only.csv")
    assert (code, err) == (0, "")
    assert "read 0 · inserted 0" in out
    assert query(store, "SELECT count(*) FROM tickets") == [(0,)]
    assert query(store, "SELECT kind, rows_read, rows_inserted, rows_rejected FROM import_log") \
        == [("tickets", 0, 0, 0)]


@pytest.mark.parametrize(
    ("name", "head", "message"),
    [
        ("garbage.csv", b"", "binary data, not a CSV, XLSX, Parquet or JSON-lines file"),
        ("garbage.xlsx", b"PK\x03\x04", "not a readable XLSX workbook"),
        ("garbage.parquet", b"PAR1", "not a readable Parquet file"),
    ],
)
def test_binary_garbage_is_refused(store: Store, tmp_path: Path,
                                   capsys: pytest.CaptureFixture[str], name: str, head: bytes,
                                   message: str) -> None:
    rng = random.Random(name)
    path = tmp_path / name
    path.write_bytes(head + b"\x00" + rng.randbytes(20_000))
    code, out, err = cli_import(capsys, store, tmp_path, "tickets", path)
    assert (code, out) == (2, "")
    assert f"{name}: {message}" in one_line(err)


def test_one_bad_file_among_good_ones_exits_2_and_imports_the_rest(
        store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = cli_import(capsys, store, tmp_path, "tickets", CORPUS / "empty.csv",
                                CORPUS / "tickets_zh_utf8.csv")
    assert code == 2
    assert one_line(err).endswith("empty.csv: the file is empty")
    assert "tickets_zh_utf8.csv (tickets, csv, utf-8): read 5 · inserted 5" in out
    assert query(store, "SELECT count(*) FROM tickets") == [(5,)]


# --------------------------------------------------------------------------- rejected rows


def test_bad_values_reject_their_rows_only(store: Store) -> None:
    result = imported(store, "tickets", CORPUS / "tickets_bad_values.csv")
    assert (result.rows_read, result.inserted, result.rejected) == (5, 2, 3)
    assert list(tickets(store)) == ["B001", "B005"]
    assert rejected(store, result.import_id) == [
        (3, "channel", "传真"),  # unknown channel
        (4, "created_at", "昨天下午三点"),  # unparseable date
        (5, "first_response_at", "2026-03-01 11:59:00"),  # response before creation
    ]
    reasons = importer.rejects(store, result.import_id)["_reason"].to_list()
    assert reasons[0].startswith("unknown value; known values: phone, chat, email, social,")
    assert reasons[1].startswith("not a date-time we recognise")
    assert reasons[2] == "earlier than created_at"


def test_rejected_rows_go_to_a_rejects_csv_through_the_cli(
        store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = cli_import(capsys, store, tmp_path, "tickets",
                                CORPUS / "tickets_bad_values.csv")
    assert (code, err) == (0, "")
    assert "read 5 · inserted 2 · updated 0 · unchanged 0 · skipped as older 0 · rejected 3" in out
    files = list((tmp_path / "rejects").glob("*.csv"))
    assert [f.name for f in files] == ["tickets_bad_values.import-1.rejects.csv"]
    assert str(files[0]) in out
    records = list(csv.DictReader(io.StringIO(files[0].read_text(encoding="utf-8-sig"))))
    assert [(r["ticket_id"], r["_row"], r["_field"]) for r in records] == [
        ("B002", "3", "channel"), ("B003", "4", "created_at"), ("B004", "5", "first_response_at")]


def test_reasons_in_chinese(store: Store) -> None:
    result = imported(store, "tickets", CORPUS / "tickets_bad_values.csv", lang="zh")
    reasons = importer.rejects(store, result.import_id)["_reason"].to_list()
    assert reasons[0].startswith("未知取值")
    assert reasons[2] == "早于 created_at"


def test_surveys_scores_words_ranges_and_html(store: Store) -> None:
    result = imported(store, "surveys", CORPUS / "surveys_zh.csv")
    assert (result.rows_read, result.inserted, result.rejected) == (6, 4, 2)
    assert rejected(store, result.import_id) == [(4, "score", "7"), (5, "nps", "11")]
    rows = query(store, "SELECT survey_id, ticket_id, score, dont_know, nps, comment,"
                        " responded_at FROM surveys ORDER BY survey_id")
    assert rows == [
        ("WJ001", "GD001", 5, False, 9, "很好", datetime(2026, 3, 1, 12, 30)),  # 非常满意
        ("WJ002", "GD002", None, True, None, None, datetime(2026, 3, 1, 13, 0)),  # 不知道
        ("WJ005", "GD005", 2, False, 3,
         '<script>alert("x")</script><b>太慢</b> & <br/>', datetime(2026, 3, 4, 18, 5)),
        ("WJ006", None, None, False, None, None, None),
    ]
    assert query(store, "SELECT * FROM survey_dimension_scores ORDER BY ALL") == [
        ("WJ001", "attitude", 5), ("WJ001", "speed", 4),
        ("WJ005", "attitude", 2), ("WJ005", "speed", 1),
    ]


def test_qa_scores_and_violations(store: Store) -> None:
    result = imported(store, "qa", CORPUS / "qa_zh.csv")
    assert (result.rows_read, result.inserted, result.rejected) == (4, 2, 2)
    assert rejected(store, result.import_id) == [(3, "qa_score", "101"),
                                                 (4, "violations", "打瞌睡:轻微")]
    assert query(store, "SELECT inspection_id, agent, inspector, qa_score FROM qa_inspections"
                        " ORDER BY ALL") == [("ZJ001", "王芳", "质检一", 85.0),
                                             ("ZJ004", "赵磊", "质检二", 100.0)]
    assert query(store, "SELECT * FROM qa_violations ORDER BY ALL") == [
        ("ZJ001", 1, "language", "severe"), ("ZJ001", 2, "misleading", "moderate"),
    ]


def test_duplicate_ids_keep_the_later_row(store: Store) -> None:
    result = imported(store, "tickets", CORPUS / "tickets_duplicates.csv")
    assert (result.rows_read, result.inserted, result.rejected, result.duplicates) == (5, 3, 2, 2)
    assert {k: v["agent"] for k, v in tickets(store).items()} == {
        "D001": "third", "D002": "only", "D003": "only"}
    frame = importer.rejects(store, result.import_id)
    assert rejected(store, result.import_id) == [(2, "ticket_id", "D001"),
                                                 (4, "ticket_id", "D001")]
    assert frame["agent"].to_list() == ["first", "second"]
    assert all("row 6" in r for r in frame["_reason"].to_list())


def test_duplicate_ids_keep_the_later_updated_at(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "dups.csv"
    path.write_text(
        "ticket_id,created_at,channel,request_type,agent,updated_at\n"
        "D1,2026-03-01 09:00,phone,inquiry,newest,2026-03-05 00:00\n"
        "D1,2026-03-01 09:00,phone,inquiry,older,2026-03-02 00:00\n", encoding="utf-8")
    result = imported(store, "tickets", path)
    assert (result.inserted, result.duplicates) == (1, 1)
    assert tickets(store)["D1"]["agent"] == "newest"
    assert rejected(store, result.import_id) == [(3, "ticket_id", "D1")]


def test_ragged_row_is_rejected_with_its_row_number(store: Store) -> None:
    result = imported(store, "tickets", CORPUS / "tickets_ragged.csv")
    assert (result.rows_read, result.inserted, result.rejected) == (3, 2, 1)
    assert list(tickets(store)) == ["R001", "R003"]
    frame = importer.rejects(store, result.import_id)
    assert frame["_row"].to_list() == [3]
    assert frame["_reason"].to_list() == ["7 fields, header has 5"]


def test_the_exact_reader_stores_what_the_fast_one_does(store: Store, tmp_path: Path) -> None:
    # A ragged row sends the whole file through Python's csv module instead of DuckDB's.
    path = tmp_path / "ragged_zh.csv"
    text = (CORPUS / "tickets_zh_utf8.csv").read_text(encoding="utf-8")
    path.write_text(text + "GD006,2026-03-05 09:00,电话,咨询,,,,,,,,,,,,,,,多余\n",
                    encoding="utf-8")
    result = imported(store, "tickets", path)
    assert (result.rows_read, result.inserted, result.rejected) == (6, 5, 1)
    stored = tickets(store)
    for ticket_id, expected in GOOD_TICKETS.items():
        assert {k: stored[ticket_id][k] for k in expected} == expected, ticket_id
    assert importer.rejects(store, result.import_id)["_row"].to_list() == [7]


def test_ragged_row_rejects_csv_shows_its_cells_and_reimports(store: Store,
                                                              tmp_path: Path) -> None:
    result = imported(store, "tickets", CORPUS / "tickets_ragged.csv")
    out = importer.write_rejects(store, result.import_id, tmp_path)
    assert out is not None
    records = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert records == [
        ["ticket_id", "created_at", "channel", "request_type", "agent", "column6", "column7",
         "_file", "_row", "_field", "_value", "_reason"],
        ["R002", "2026-03-01 10:00:00", "chat", "complaint", "李娜", "extra", "cells",
         "tickets_ragged.csv", "3", "", "", "7 fields, header has 5"],
    ]
    # the analyst clears the stray cells and imports the file again
    records[1][5:7] = ["", ""]
    fixed = tmp_path / "fixed.csv"
    with fixed.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(records)
    again = imported(store, "tickets", fixed)
    assert (again.rows_read, again.inserted, again.rejected) == (1, 1, 0)
    assert tickets(store)["R002"]["agent"] == "李娜"


def test_xlsx_row_with_values_beyond_the_headers_keeps_its_cells(store: Store,
                                                                 tmp_path: Path) -> None:
    path = tmp_path / "export.xlsx"
    _xlsx(path)
    result = imported(store, "tickets", path, sheet="工单")
    frame = importer.rejects(store, result.import_id).filter(pl.col("_row") == 6)
    assert frame.select("工单号", "渠道", "坐席", "column8").row(0) == ("X004", "邮件", "赵磊",
                                                                      "多出来")


@pytest.mark.slow
def test_a_50_mb_field_rejects_that_row_only(store: Store, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "long.csv"
    with path.open("w", encoding="utf-8") as f:
        f.write("ticket_id,created_at,channel,request_type,product\n")
        f.write("L1,2026-03-01 09:00,phone,inquiry,宽带\n")
        f.write('L2,2026-03-01 10:00,chat,complaint,"' + "长" * ((50 << 20) // 3 + 1) + '"\n')
        f.write("L3,2026-03-01 11:00,email,repair,手机\n")
    assert path.stat().st_size > 50 << 20
    code, out, err = cli_import(capsys, store, tmp_path, "tickets", path)
    assert (code, err) == (0, "")
    assert "read 3 · inserted 2" in out and "rejected 1" in out
    assert {k: v["product"] for k, v in tickets(store).items()} == {"L1": "宽带", "L3": "手机"}
    assert query(store, "SELECT row_number, field, length(value), reason FROM import_rejects") \
        == [(3, "product", 200, "longer than 500 characters")]


# --------------------------------------------------------------------------- formulas


def test_formula_cells_are_text_and_neutralised_in_the_rejects_csv(store: Store,
                                                                   tmp_path: Path) -> None:
    result = imported(store, "tickets", CORPUS / "tickets_formulas.csv")
    assert (result.rows_read, result.inserted, result.rejected) == (3, 2, 1)
    stored = tickets(store)
    assert (stored["F001"]["agent"], stored["F001"]["team"], stored["F001"]["product"]) == (
        '=HYPERLINK("http://evil.example","click")', "+1", "@SUM(A1:A9)")

    out = importer.write_rejects(store, result.import_id, tmp_path / "rejects")
    assert out is not None
    assert out.name == f"tickets_formulas.import-{result.import_id}.rejects.csv"
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    records = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert len(records) == 1
    row = records[0]
    assert (row["ticket_id"], row["channel"], row["agent"], row["team"], row["product"]) == (
        "F002", "fax", "'=1+2", "'-3", "'@x")
    assert (row["_row"], row["_field"], row["_value"]) == ("3", "channel", "fax")

    # The analyst fixes the channel and imports the rejects file: the values come back intact.
    fixed = tmp_path / "fixed.csv"
    fixed.write_bytes(data.replace(b",fax,", b",phone,", 1))
    again = imported(store, "tickets", fixed)
    assert (again.rows_read, again.inserted, again.rejected) == (1, 1, 0)
    f002 = tickets(store)["F002"]
    assert (f002["channel"], f002["agent"], f002["team"], f002["product"]) == (
        "phone", "=1+2", "-3", "@x")


def test_rejects_csv_neutralises_every_formula_start(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "evil.csv"
    path.write_text(
        "ticket_id,created_at,channel,request_type,agent\n"
        '=cmd|\' /C calc\'!A0,2026-03-01 09:00,fax,inquiry,"@SUM(1,2)"\n', encoding="utf-8")
    result = imported(store, "tickets", path)
    out = importer.write_rejects(store, result.import_id, tmp_path)
    assert out is not None
    text = out.read_text(encoding="utf-8-sig")
    assert "'=cmd" in text and "'@SUM(1,2)" in text
    for record in csv.reader(io.StringIO(text)):
        assert not any(cell[:1] in ("=", "+", "-", "@") for cell in record)


def test_tab_and_carriage_return_cells_round_trip_through_the_rejects_csv(
        store: Store, tmp_path: Path) -> None:
    # Excel skips a leading tab or CR before a formula, so the export marks those cells too;
    # importing the export must drop that mark again, as it does for = + - @.
    path = tmp_path / "blank_starts.csv"
    path.write_text(
        "ticket_id,created_at,channel,request_type,agent,team,product\n"
        'W1,2026-03-01 09:00,fax,inquiry,"\t=1+1","\r=2+2","\tplain"\n', encoding="utf-8")
    result = imported(store, "tickets", path)
    assert (result.rows_read, result.inserted, result.rejected) == (1, 0, 1)
    out = importer.write_rejects(store, result.import_id, tmp_path / "rejects")
    assert out is not None
    data = out.read_bytes()
    row = next(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert (row["agent"], row["team"], row["product"]) == ("'\t=1+1", "'\r=2+2", "'\tplain")

    fixed = tmp_path / "fixed.csv"
    fixed.write_bytes(data.replace(b",fax,", b",phone,", 1))
    again = imported(store, "tickets", fixed)
    assert (again.rows_read, again.inserted, again.rejected) == (1, 1, 0)
    w1 = tickets(store)["W1"]
    assert (w1["channel"], w1["agent"], w1["team"], w1["product"]) == (
        "phone", "\t=1+1", "\r=2+2", "\tplain")


# --------------------------------------------------------------------------- other formats


def _xlsx(path: Path) -> None:
    book = openpyxl.Workbook()
    notes = book.active
    notes.title = "说明"
    notes.append(["本表由工单系统导出"])
    sheet = book.create_sheet("工单")
    sheet.append(["工单号", "创建时间", "渠道", "类型", "重开次数", "是否升级", "坐席"])
    sheet.append(["X001", datetime(2026, 3, 1, 9, 0), "电话", "咨询", 0, "否", "王芳"])
    sheet.append([None] * 7)  # blank rows are skipped, numbering goes on
    sheet.append(["X002", datetime(2026, 3, 1, 10, 30, 5), "在线", "投诉", 2, "是", "李娜"])
    sheet.append(["X003", datetime(2026, 3, 1, 11, 0), "传真", "投诉", 1, "否", "李娜"])
    sheet.append(["X004", "2026-03-01 12:00", "邮件", "报修", 1.0, "否", "赵磊", "多出来"])
    sheet.append([1005, "2026/03/02", "现场", "建议", None, None, "=A1"])
    sheet.cell(row=sheet.max_row, column=7).data_type = "s"  # text that looks like a formula
    book.save(path)


def test_xlsx_with_a_chosen_sheet(store: Store, tmp_path: Path,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "export.xlsx"
    _xlsx(path)
    with pytest.raises(importer.ImportFailed, match=r"required columns? .* not found"):
        importer.import_file(store, "tickets", path)  # the first sheet holds notes
    result = imported(store, "tickets", path, sheet="工单")
    assert (result.file_format, result.encoding) == ("xlsx", None)
    assert (result.rows_read, result.inserted, result.rejected) == (5, 3, 2)
    assert rejected(store, result.import_id) == [(5, "channel", "传真"), (6, "", "")]
    assert importer.rejects(store, result.import_id)["_reason"][1] == "values beyond the 7 headed columns"
    got = {k: (v["created_at"], v["channel"], v["reopen_count"], v["escalated"], v["agent"])
           for k, v in tickets(store).items()}
    assert got == {
        "1005": (datetime(2026, 3, 2), "walk_in", None, None, "=A1"),
        "X001": (datetime(2026, 3, 1, 9, 0), "phone", 0, False, "王芳"),
        "X002": (datetime(2026, 3, 1, 10, 30, 5), "chat", 2, True, "李娜"),
    }


def test_xlsx_sheet_by_number_and_unknown_sheet_through_the_cli(
        store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "export.xlsx"
    _xlsx(path)
    code, out, err = cli_import(capsys, store, tmp_path, "tickets", path, extra=("--sheet", "2"))
    assert (code, err) == (0, "")
    assert "export.xlsx (tickets, xlsx): read 5 · inserted 3" in out
    code, out, err = cli_import(capsys, store, tmp_path, "tickets", path,
                                extra=("--sheet", "汇总"))
    assert (code, out) == (2, "")
    assert one_line(err).endswith("export.xlsx: no sheet '汇总'; sheets: 说明, 工单")


def test_parquet_with_typed_columns(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "tickets.parquet"
    pl.DataFrame({
        "ticket_id": ["P1", "P2", "P3"],
        "created_at": [datetime(2026, 3, 1, 9), datetime(2026, 3, 1, 10), datetime(2026, 3, 1, 11)],
        "channel": ["phone", "传真", "在线"],
        "request_type": ["inquiry", "complaint", "投诉"],
        "reopen_count": [0, 1, None],
        "escalated": [False, True, True],
        "first_response_minutes": [1.5, None, 30.0],
    }).write_parquet(path)
    result = imported(store, "tickets", path)
    assert (result.file_format, result.rows_read, result.inserted, result.rejected) == (
        "parquet", 3, 2, 1)
    assert rejected(store, result.import_id) == [(3, "channel", "传真")]
    got = {k: (v["channel"], v["request_type"], v["reopen_count"], v["escalated"],
               v["first_response_at"]) for k, v in tickets(store).items()}
    assert got == {
        "P1": ("phone", "inquiry", 0, False, datetime(2026, 3, 1, 9, 1, 30)),
        "P3": ("chat", "complaint", None, True, datetime(2026, 3, 1, 11, 30)),
    }


def test_json_lines_with_an_invalid_line(store: Store) -> None:
    result = imported(store, "tickets", CORPUS / "tickets.jsonl")
    assert (result.file_format, result.rows_read, result.inserted, result.rejected) == (
        "jsonl", 4, 3, 1)
    frame = importer.rejects(store, result.import_id)
    assert frame["_row"].to_list() == [3]
    assert frame["_reason"].to_list()[0].startswith("not valid JSON")
    got = {k: (v["created_at"], v["channel"], v["request_type"], v["agent"], v["escalated"],
               v["contacts"]) for k, v in tickets(store).items()}
    assert got == {
        "J001": (datetime(2026, 3, 1, 9), "phone", "inquiry", "王芳", None, None),
        # +00:00 is converted to the site's wall clock (Asia/Shanghai)
        "J002": (datetime(2026, 3, 1, 18), "chat", "complaint", "李娜", True, None),
        "J004": (datetime(2026, 3, 1, 12), "email", "repair", None, None, 2),
    }


@pytest.mark.slow
def test_json_lines_longer_than_a_batch(store: Store, tmp_path: Path) -> None:
    """Progress is reported between batches; a key first seen late becomes a new column."""
    path = tmp_path / "many.jsonl"
    lines = [json.dumps({"ticket_id": f"M{i}", "created_at": "2026-03-01 09:00",
                         "channel": "电话", "request_type": "咨询"}) for i in range(60_001)]
    lines[-1] = lines[-1][:-1] + ', "agent": "王芳"}'
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    seen: list[str] = []
    result = importer.import_file(store, "tickets", path, progress=lambda f, s: seen.append(s))
    assert (result.rows_read, result.inserted, result.rejected) == (60_001, 60_001, 0)
    assert tickets(store)["M60000"]["agent"] == "王芳"
    assert seen.count("read") == 3  # start, after the first 50,000-line batch, end


# --------------------------------------------------------------------------- merging by id


def test_importing_twice_equals_importing_once(store: Store, tmp_path: Path) -> None:
    files = [("tickets", "tickets_zh_utf8.csv"), ("surveys", "surveys_zh.csv"),
             ("qa", "qa_zh.csv"), ("tickets", "tickets_duplicates.csv")]
    first = [imported(store, kind, CORPUS / name) for kind, name in files]
    once = snapshot(store)
    second = [imported(store, kind, CORPUS / name) for kind, name in files]
    twice = snapshot(store)
    for table in ("tickets", "surveys", "survey_dimension_scores", "qa_inspections",
                  "qa_violations"):
        assert twice[table] == once[table], table
    for a, b in zip(first, second, strict=True):
        assert b.previous_import == a.import_id
        assert (b.rows_read, b.rejected, b.duplicates) == (a.rows_read, a.rejected, a.duplicates)
        assert (b.inserted, b.updated, b.skipped) == (0, 0, 0)
        assert b.unchanged == a.inserted
    # the rejects of each import are its own, the same rows each time
    for a, b in zip(first, second, strict=True):
        assert rejected(store, a.import_id) == rejected(store, b.import_id)


def test_overlapping_extract_updates_by_id_and_later_updated_at_wins(store: Store) -> None:
    imported(store, "tickets", CORPUS / "tickets_overlap_a.csv")
    result = imported(store, "tickets", CORPUS / "tickets_overlap_b.csv")
    assert (result.rows_read, result.inserted, result.updated, result.unchanged,
            result.skipped, result.rejected) == (4, 1, 1, 1, 1, 0)
    got = {k: (v["status"], v["updated_at"], v["import_id"]) for k, v in tickets(store).items()}
    assert got == {
        "O001": ("resolved", datetime(2026, 3, 1, 12), result.import_id),  # later: updated
        "O002": ("open", datetime(2026, 3, 1, 10), result.import_id - 1),  # same: unchanged
        "O003": ("pending", datetime(2026, 3, 2, 11), result.import_id - 1),  # older: skipped
        "O004": ("open", datetime(2026, 3, 2, 9), result.import_id),  # new
    }
    assert query(store, "SELECT rows_read, rows_inserted, rows_updated, rows_unchanged,"
                        " rows_skipped, rows_rejected FROM import_log ORDER BY import_id") == [
        (3, 3, 0, 0, 0, 0), (4, 1, 1, 1, 1, 0)]


def test_changed_children_replace_the_stored_ones(store: Store, tmp_path: Path) -> None:
    imported(store, "qa", CORPUS / "qa_zh.csv")
    path = tmp_path / "qa2.csv"
    path.write_text(
        "质检编号,工单号,坐席,质检员,质检时间,质检得分,违规项\n"
        "ZJ001,GD001,王芳,质检一,2026-03-02 10:00:00,85,泄露客户信息：轻微\n"
        "ZJ004,GD004,赵磊,质检二,2026-03-02 13:00:00,100,\n", encoding="utf-8")
    result = imported(store, "qa", path)
    assert (result.updated, result.unchanged) == (1, 1)
    assert query(store, "SELECT * FROM qa_violations ORDER BY ALL") == [
        ("ZJ001", 1, "privacy", "minor")]


def test_a_failure_inside_the_merge_leaves_the_store_as_it_was(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    imported(store, "tickets", CORPUS / "tickets_overlap_a.csv")
    imported(store, "qa", CORPUS / "qa_zh.csv")
    before = snapshot(store)
    real = importer.fetch_one
    calls: list[str] = []

    def failing(con: duckdb.DuckDBPyConnection, sql: str,
                params: dict[str, object] | None = None) -> tuple[Any, ...] | None:
        calls.append(sql)
        row = real(con, sql, params)
        if "INSERT INTO s.import_log" in sql:  # the log row is written, in the transaction
            raise RuntimeError("disk on fire")
        return row

    monkeypatch.setattr(importer, "fetch_one", failing)
    with pytest.raises(RuntimeError, match="disk on fire"):
        importer.import_file(store, "tickets", CORPUS / "tickets_overlap_b.csv")
    assert any("BEGIN" in sql for sql in calls)  # it failed inside the transaction
    assert snapshot(store) == before
    monkeypatch.setattr(importer, "fetch_one", real)
    result = imported(store, "tickets", CORPUS / "tickets_overlap_b.csv")  # store still usable
    assert (result.inserted, result.updated, result.skipped) == (1, 1, 1)


@pytest.mark.slow
def test_sigkill_during_a_big_import_leaves_all_or_nothing(tmp_path: Path) -> None:
    rows = 300_000
    path = tmp_path / "BIG.csv"
    channels = ("phone", "chat", "email", "social", "walk_in")
    with path.open("w", encoding="utf-8") as f:
        f.write("ticket_id,created_at,channel,request_type,agent,team,reopen_count\n")
        f.writelines(
            f"T{i:07d},2026-{1 + i % 12:02d}-{1 + i % 28:02d} {i % 24:02d}:{i % 60:02d}:00,"
            f"{channels[i % 5]},inquiry,坐席{i % 97},组{i % 7},{i % 3}\n"
            for i in range(rows)
        )
    store = Store(tmp_path / "killed.duckdb")
    store.ensure()
    size0 = store.path.stat().st_size
    wal = store.path.with_name(store.path.name + ".wal")
    proc = subprocess.Popen(
        [sys.executable, "-m", "metrics.cli", "import", "tickets", str(path), "--store",
         str(store.path), "--rejects", str(tmp_path / "rejects")],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    deadline = time.monotonic() + 30
    try:
        # Kill as soon as the store file starts to change: the merge is writing its rows.
        while proc.poll() is None and time.monotonic() < deadline:
            if wal.exists() or store.path.stat().st_size != size0:
                break
            time.sleep(0.002)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL  # killed, not finished
    count = query(store, "SELECT count(*) FROM tickets")[0][0]
    log = query(store, "SELECT rows_read, rows_inserted FROM import_log")
    assert (count, log) in ((0, []), (rows, [(rows, rows)])), (count, log)
    assert not store.writer_waiting()  # killed in the merge: its flock went with it
    # the store still takes writes
    result = imported(store, "tickets", CORPUS / "tickets_zh_utf8.csv")
    assert result.inserted == 5


# --------------------------------------------------------------------------- row models


def _stored_models(store: Store) -> list[tuple[type, dict[str, Any]]]:
    """Every stored row as the input of its pydantic row model."""
    out: list[tuple[type, dict[str, Any]]] = []
    with store.reader() as con:
        for row in con.sql("SELECT * EXCLUDE (import_id) FROM tickets").pl().to_dicts():
            out.append((TicketRow, row))
        dims: dict[str, dict[str, int]] = {}
        for sid, dim, score in con.execute(
                "SELECT * FROM survey_dimension_scores").fetchall():
            dims.setdefault(sid, {})[dim] = score
        for row in con.sql("SELECT * EXCLUDE (import_id) FROM surveys").pl().to_dicts():
            out.append((SurveyRow, {**row, "dimensions": dims.get(row["survey_id"], {})}))
        items: dict[str, list[dict[str, str]]] = {}
        for iid, _item, cat, sev in con.execute(
                "SELECT * FROM qa_violations ORDER BY ALL").fetchall():
            items.setdefault(iid, []).append({"category": cat, "severity": sev})
        for row in con.sql("SELECT * EXCLUDE (import_id) FROM qa_inspections").pl().to_dicts():
            out.append((QaRow, {**row, "violations": items.get(row["inspection_id"], [])}))
    return out


def test_every_stored_corpus_row_validates_against_its_model(store: Store) -> None:
    for kind, name in [("tickets", "tickets_zh_utf8.csv"), ("tickets", "tickets_bad_values.csv"),
                       ("tickets", "tickets_formulas.csv"), ("tickets", "tickets.jsonl"),
                       ("surveys", "surveys_zh.csv"), ("qa", "qa_zh.csv")]:
        imported(store, kind, CORPUS / name)
    models = _stored_models(store)
    assert len(models) == 5 + 2 + 2 + 3 + 4 + 2
    for model, row in models:
        model.model_validate(row)


# Random rows whose faults are all of the kinds the models and the vectorised check share
# (range, vocabulary, order). Each cell is (text in the file, value the model is given).
Cell = tuple[str, Any]


def _ticket_case(rng: random.Random) -> dict[str, Cell]:
    created = datetime(2026, 3, 1) + timedelta(minutes=rng.randrange(60 * 24 * 30))
    channel = rng.choice([("电话", "phone"), ("chat", "chat"), ("在线客服", "chat"),
                          ("Walk-in", "walk_in"), ("传真", "传真"), ("fax", "fax")])
    rtype = rng.choice([("咨询", "inquiry"), ("投诉", "complaint"), ("other", "other"),
                        ("催单", "催单")])
    priority = rng.choice([("", None), ("紧急", "urgent"), ("低", "low"), ("特急", "特急")])
    status = rng.choice([("", None), ("已解决", "resolved"), ("挂起", "pending"),
                         ("作废", "作废")])
    reopen = rng.choice([None, 0, 1, 3, -1, 1000, 1001])
    contacts = rng.choice([None, 1, 2, 0, 1000, 1001])
    out: dict[str, Cell] = {
        "created_at": (f"{created:%Y-%m-%d %H:%M:%S}", created),
        "channel": channel, "request_type": rtype, "priority": priority, "status": status,
        "reopen_count": ("" if reopen is None else str(reopen), reopen),
        "contacts": ("" if contacts is None else str(contacts), contacts),
        "category": rng.choice([("", None), ("物流配送", "delivery"), ("新类别", "新类别")]),
    }
    for name in ("first_response_at", "resolved_at"):
        if rng.random() < 0.7:
            t = created + timedelta(minutes=rng.randrange(-90, 600))
            out[name] = (f"{t:%Y-%m-%d %H:%M:%S}", t)
        else:
            out[name] = ("", None)
    return out


def _survey_case(rng: random.Random) -> dict[str, Cell]:
    sent = datetime(2026, 3, 1) + timedelta(minutes=rng.randrange(60 * 24 * 30))
    answered = rng.random() < 0.8
    responded = sent + timedelta(minutes=rng.randrange(-60, 600)) if answered else None
    score = rng.choice([("", None), ("非常满意", 5), ("满意", 4), ("一般", 3), ("1", 1), ("5", 5),
                        ("0", 0), ("6", 6), ("7", 7), ("不知道", "dont_know")])
    nps = rng.choice([None, 0, 6, 9, 10, 11, -1])
    speed = rng.choice([None, 1, 3, 5, 0, 6])
    return {
        "sent_at": (f"{sent:%Y-%m-%d %H:%M:%S}", sent),
        "responded_at": ("" if responded is None else f"{responded:%Y-%m-%d %H:%M:%S}",
                         responded),
        "score": score,
        "nps": ("" if nps is None else str(nps), nps),
        "score_speed": ("" if speed is None else str(speed), speed),
    }


def _qa_case(rng: random.Random) -> dict[str, Cell]:
    inspected = datetime(2026, 3, 1) + timedelta(minutes=rng.randrange(60 * 24 * 30))
    score = rng.choice([None, 0, 55.5, 100, 100.5, -1, 101])
    words = {"言语不当": "language", "误导客户": "misleading", "违规操作": "irregular",
             "打瞌睡": "打瞌睡"}
    levels = {"严重": "severe", "轻微": "minor", "很重": "很重"}
    items = [(rng.choice(list(words)), rng.choice(list(levels))) for _ in range(rng.randrange(3))]
    return {
        "inspected_at": (f"{inspected:%Y-%m-%d %H:%M:%S}", inspected),
        "qa_score": ("" if score is None else f"{score:g}", score),
        "violations": (";".join(f"{c}:{s}" for c, s in items),
                       [{"category": words[c], "severity": levels[s]} for c, s in items]),
    }


CASES: dict[str, tuple[Callable[[random.Random], dict[str, Cell]], dict[str, Cell]]] = {
    "tickets": (_ticket_case, {}),
    "surveys": (_survey_case, {}),
    "qa": (_qa_case, {"agent": ("王芳", "王芳")}),
}


def _model_input(kind: str, row_id: str, cells: dict[str, Cell]) -> dict[str, Any]:
    data: dict[str, Any] = {KINDS[kind].key: row_id}
    for name, (_text, value) in cells.items():
        if name.startswith("score_"):
            if value is not None:
                data.setdefault("dimensions", {})[name.removeprefix("score_")] = value
        elif name == "score" and value == "dont_know":
            data["dont_know"] = True
        elif value is not None:
            data[name] = value
    return data


@pytest.mark.parametrize("kind", ["tickets", "surveys", "qa"])
def test_vectorised_check_and_row_model_agree(store: Store, tmp_path: Path, kind: str) -> None:
    make, fixed = CASES[kind]
    rng = random.Random(f"agree-{kind}")
    key = KINDS[kind].key
    cases = {f"{kind[0].upper()}{i:04d}": {**fixed, **make(rng)} for i in range(400)}
    names = list(next(iter(cases.values())))
    path = tmp_path / f"{kind}.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow([key, *names])
        for row_id, cells in cases.items():
            writer.writerow([row_id, *(cells[n][0] for n in names)])
    result = imported(store, kind, path)
    by_row = {row: fields for row, fields, _ in rejected(store, result.import_id)}
    model = KINDS[kind].model
    stored = {m[1][key]: m for m in _stored_models(store)}
    verdicts = {"accepted": 0, "rejected": 0}
    for number, (row_id, cells) in enumerate(cases.items(), start=2):
        data = _model_input(kind, row_id, cells)
        try:
            model.model_validate(data)
            valid, errors = True, ""
        except ValidationError as error:
            valid, errors = False, str(error)
        if number in by_row:
            verdicts["rejected"] += 1
            assert not valid, (row_id, cells, by_row[number])
            fields = [f.removeprefix("score_") for f in str(by_row[number]).split("; ")]
            assert any(f in errors for f in fields), (row_id, fields, errors)
        else:
            verdicts["accepted"] += 1
            assert valid, (row_id, cells, errors)
            assert row_id in stored
            _, stored_row = stored[row_id]
            assert model.model_validate(stored_row) == model.model_validate(data)
    assert min(verdicts.values()) >= 40, verdicts  # both sides of the rule were exercised
