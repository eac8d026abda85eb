"""More bad files of issue 17, each with its outcome asserted through `servicelens import`:
ambiguous and duplicated headers, impossible dates, numbers no column can hold, injection
attempts in cells and headers, odd line ends and delimiters, rows that are all bad, files that
are no extract (a folder, a missing path, gzip, a web page named .xls, an empty workbook) and a
Latin-1 file. tests/corpus/README.md lists them with the other corpus cases.

A refused file exits 2 with one sentence naming it and leaves the store as it was; an imported
one keeps every valid row and names each rejected row's line and field."""

from __future__ import annotations

import gzip
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import openpyxl
import pytest

from metrics.engine.store import Store
from metrics.ingest import importer
from metrics.ingest.importer import EARLIEST_TIME
from tests.unit.test_ingest import cli_import, one_line, query

H = "ticket_id,created_at,channel,request_type"
OK = "2026-03-01 09:00,phone,inquiry"
DROP = "x'); DROP TABLE tickets; --"


@dataclass(frozen=True)
class Case:
    name: str
    body: bytes | str | None  # None: the test makes it (see `_made`)
    refused: str = ""  # words of the one-line refusal; "" when the file imports
    kind: str = "tickets"
    inserted: int = 0
    rejected: tuple[tuple[int, str, str], ...] = ()  # (row, field, words of the reason)
    stored: tuple[tuple[str, str], ...] = ()  # (SQL giving one value, the value expected)
    extra: tuple[str, ...] = field(default=())


CASES = [
    Case("dup_header.csv", f"{H},channel\nA1,{OK},email\n",
         refused="more than one header gives the same column: channel ('channel' in column C "
                 "/ 'channel' in column E)"),
    Case("dup_alias.csv", f"工单号,{H}\nA1,A2,{OK}\n",
         refused="ticket_id ('工单号' in column A / 'ticket_id' in column B); remove or rename "
                 "all but one, or name the one to use in a mapping's [columns]"),
    Case("future.csv", f"{H}\nF1,2031-03-01 09:00,phone,inquiry\nF2,{OK}\n",
         inserted=1, rejected=((2, "created_at", "a date outside 1970-01-01 to "),)),
    Case("zero_date.csv", f"{H}\nZ1,1899-12-30 00:00,phone,inquiry\nZ2,{OK}\n",
         inserted=1, rejected=((2, "created_at", "a date outside 1970-01-01"),)),
    Case("huge_numbers.csv", "survey_id,ticket_id,sent_at,score\nS1,T1,2026-03-01 09:00,1e308\n"
         "S2,T1,2026-03-01 09:00,inf\nS3,T1,2026-03-01 09:00,-1\nS4,T1,2026-03-01 09:00,4.5\n"
         "S5,T1,2026-03-01 09:00,5\n", kind="surveys", inserted=1,
         rejected=((2, "score", "not a score 1-5"), (3, "score", "not a score 1-5"),
                   (4, "score", "outside 1 to 5"), (5, "score", "not a score 1-5")),
         stored=(("SELECT score::VARCHAR FROM surveys", "5"),)),
    Case("huge_duration.csv", "call_id,queued_at,answered_at,talk_s\n"
         "C1,2026-03-01 09:00,2026-03-01 09:01,1e400\nC2,2026-03-01 09:00,2026-03-01 09:01,60\n",
         kind="calls", inserted=1, rejected=((2, "talk_s", "not a duration"),)),
    Case("inject_cell.csv", f"{H},agent\nI1,{OK},\"{DROP}\"\n", inserted=1,
         stored=(("SELECT agent FROM tickets", DROP),)),
    Case("inject_header.csv", f'{H},"x""; DROP TABLE tickets; --"\nI2,{OK},1\n', inserted=1,
         stored=(("SELECT count(*)::VARCHAR FROM tickets", "1"),)),
    Case("mac_line_ends.csv", f"{H}\rM1,{OK}\rM2,{OK}\r", inserted=2),
    Case("semicolons.csv", f"{H.replace(',', ';')}\nP1;{OK.replace(',', ';')}\n", inserted=1),
    Case("all_bad.csv", f"{H}\nB1,2026-03-01 09:00,fax,inquiry\nB2,tomorrow,phone,inquiry\n",
         rejected=((2, "channel", "unknown value"), (3, "created_at", "not a date-time"))),
    Case("empty_id.csv", f"{H}\n,{OK}\nE2,{OK}\n", inserted=1,
         rejected=((2, "ticket_id", "required, but empty"),)),
    Case("unclosed_quote.csv", f'{H}\nQ1,2026-03-01 09:00,"phone,inquiry\nQ2,{OK}\n',
         inserted=1, rejected=((2, "channel", "unknown value"),)),
    Case("bidi_name.csv", f"{H},agent\nR1,{OK},\u202egnp.exe\n", inserted=1,
         stored=(("SELECT agent FROM tickets", "\u202egnp.exe"),)),
    Case("array_line.jsonl", '{"ticket_id":"J1","created_at":"2026-03-01 09:00",'
         '"channel":"phone","request_type":"inquiry"}\n[1,2,3]\n', inserted=1,
         rejected=((2, "", "not a JSON object"),)),
    Case("report.xls", "<html><body><table><tr><td>ticket_id</td></tr></table></body></html>\n",
         refused="a web page or XML file, not a CSV or workbook"),
    Case("tickets.csv.gz", None, refused="a gzip-compressed file; unpack it"),
    Case("folder", None, refused="is a folder, not a file"),
    Case("missing.csv", None, refused="no such file"),
    Case("blank.xlsx", None, refused="the sheet is empty"),
    Case("latin1.csv", None, refused="cannot decode the text (utf-8 fails at line 2, gb18030 "
         "fails at line 2); save it as UTF-8 or name its encoding with --encoding"),
    Case("latin1.csv", None, inserted=1, extra=("--encoding", "latin-1"),
         stored=(("SELECT agent FROM tickets", "José"),)),
]


def _made(path: Path) -> None:
    """The files a literal cannot hold."""
    if path.name == "tickets.csv.gz":
        path.write_bytes(gzip.compress(f"{H}\nG1,{OK}\n".encode()))
    elif path.name == "folder":
        path.mkdir()
    elif path.name == "blank.xlsx":
        openpyxl.Workbook().save(path)
    elif path.name == "latin1.csv":
        path.write_bytes(f"{H},agent\nL1,{OK},José\n".encode("latin-1"))


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.name}{''.join(c.extra)}")
def test_bad_file(case: Case, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = Store(tmp_path / "store.duckdb")
    path = tmp_path / case.name
    if isinstance(case.body, str):
        path.write_text(case.body, encoding="utf-8", newline="")
    elif case.body is not None:
        path.write_bytes(case.body)
    elif case.name != "missing.csv":
        _made(path)
    code, out, err = cli_import(capsys, store, tmp_path, case.kind, path, extra=case.extra)
    assert "Traceback" not in err
    if case.refused:
        assert (code, out) == (2, ""), err
        line = one_line(err)
        assert f"{case.name}: " in line and case.refused in line, line
        if store.exists():  # the store as it was: nothing imported, nothing logged
            assert query(store, "SELECT count(*) FROM import_log") == [(0,)]
        return
    assert code == 0, err
    logged = query(store, "SELECT rows_read, rows_inserted, rows_rejected FROM import_log")
    assert len(logged) == 1
    read, inserted, rejected = logged[0]
    assert (inserted, rejected) == (case.inserted, len(case.rejected))
    assert read == inserted + rejected  # no row lost between the file and the store
    found = query(store, "SELECT row_number, field, reason FROM import_rejects ORDER BY 1")
    assert len(found) == len(case.rejected), found
    for (row, fld, words), (got_row, got_field, got_reason) in zip(case.rejected, found,
                                                                   strict=True):
        assert (got_row, got_field or "") == (row, fld)
        assert words in got_reason, got_reason
    for sql, expected in case.stored:
        assert query(store, sql) == [(expected,)]


def test_the_date_bounds_are_the_stated_ones(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    """The first moment of 1970 is a record; the moment before is not; tomorrow is a record
    (a site ahead of the server's clock), the day after tomorrow is not."""
    store = Store(tmp_path / "store.duckdb")
    tomorrow = (datetime.now() + timedelta(hours=20)).strftime("%Y-%m-%d %H:%M")
    later = (datetime.now() + timedelta(days=3)).strftime("%Y-%m-%d %H:%M")
    early = EARLIEST_TIME.strftime("%Y-%m-%d %H:%M")
    path = tmp_path / "bounds.csv"
    path.write_text(f"{H}\nD1,{early},phone,inquiry\nD2,1969-12-31 23:59,phone,inquiry\n"
                    f"D3,{tomorrow},phone,inquiry\nD4,{later},phone,inquiry\n", encoding="utf-8")
    code, _, err = cli_import(capsys, store, tmp_path, "tickets", path)
    assert code == 0, err
    assert query(store, "SELECT ticket_id FROM tickets ORDER BY 1") == [("D1",), ("D3",)]
    assert query(store, "SELECT row_number, field FROM import_rejects ORDER BY 1") == [
        (3, "created_at"), (5, "created_at")]



def test_an_optional_column_two_headers_give_reads_the_first_and_says_so(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """手机号 and 联系电话 both name customer_phone: optional, so the file imports (a required
    column is refused, above), read from the header of the better-known name, and the note
    names both."""
    store = Store(tmp_path / "store.duckdb")
    path = tmp_path / "phones.csv"
    path.write_text(f"{H},手机号,联系电话\nP1,{OK},13800000001,010-1\n", encoding="utf-8")
    code, out, err = cli_import(capsys, store, tmp_path, "tickets", path)
    assert code == 0, err
    assert ("customer_phone was read from '联系电话' in column F, though '手机号' in column E "
            "also gives it (name the one to use in a mapping's [columns])") in out
    assert query(store, "SELECT customer_phone FROM tickets") == [("010-1",)]


def test_dimension_headers_with_markup_and_sql_are_names_not_sql(tmp_path: Path) -> None:
    """A survey's dimension column is named by its header: `score a+b` or an injection
    attempt used to reach a parameter name in the checking SQL (a DuckDB ParserException)."""
    store = Store(tmp_path / "store.duckdb")
    path = tmp_path / "dims.csv"
    path.write_text("survey_id,ticket_id,sent_at,score,score **dim** $$d$$,score a+b,"
                    "score x'; DROP TABLE surveys; --\nS1,T1,2026-03-01 09:00,5,4,3,9\n"
                    "S2,T1,2026-03-01 09:00,4,2,1,1\n", encoding="utf-8")
    result = importer.import_file(store, "surveys", path)
    assert (result.inserted, result.rejected) == (1, 1)  # S1's third dimension scores 9
    assert query(store, "SELECT dimension, score FROM survey_dimension_scores ORDER BY 1") == [
        ("**dim**$$d$$", 2), ("a+b", 1), ("x';droptablesurveys;", 1)]
    assert query(store, "SELECT row_number, reason FROM import_rejects") == [
        (2, "outside 1 to 5")]
