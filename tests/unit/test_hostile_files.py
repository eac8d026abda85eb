"""Hostile and broken files the importer must answer with a sentence naming the file, never a
traceback, with the store as it was (issue 17): broken and damaged workbooks, a zip bomb, an
encrypted workbook, absurd widths, an overlong first line, NUL bytes."""

from __future__ import annotations

import io
import random
import zipfile
from pathlib import Path

import openpyxl
import pytest

from metrics.engine.store import Store
from metrics.ingest import importer, readers
from tests.unit.test_ingest import cli_import, one_line, query

HEADER = "ticket_id,created_at,channel,request_type\n"


@pytest.fixture()
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "store.duckdb")


def workbook(rows: int = 50) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["ticket_id", "created_at", "channel", "request_type"])
    for i in range(rows):
        sheet.append([f"W{i:04d}", f"2026-03-01 09:{i % 60:02d}", "phone", "inquiry"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def rewritten(data: bytes, part: str, change: object) -> bytes:
    """The workbook with one part's bytes replaced (change: bytes -> bytes), or its stored
    compressed bytes damaged (change: "deflate")."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = source.read(info.filename)
            if info.filename == part and callable(change):
                body = change(body)
            target.writestr(info.filename, body)
    result = out.getvalue()
    if change == "deflate":  # flip bytes in the middle of the sheet's compressed stream
        offset = result.index(part.encode()) + len(part) + 200
        result = result[:offset] + bytes(b ^ 0xFF for b in result[offset:offset + 64]) \
            + result[offset + 64:]
    return result


def refused(store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str,
            content: bytes, words: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    code, out, err = cli_import(capsys, store, tmp_path, "tickets", path)
    assert (code, out) == (2, ""), err
    line = one_line(err)  # one sentence, no traceback
    assert f"{name}: " in line and words in line, line
    assert "Traceback" not in err
    if store.exists():  # the store as it was: nothing imported
        assert query(store, "SELECT count(*) FROM tickets") == [(0,)]


def test_a_sheet_whose_xml_breaks_halfway(store: Store, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    broken = rewritten(workbook(400), "xl/worksheets/sheet1.xml",
                       lambda body: body[: len(body) // 2])
    refused(store, tmp_path, capsys, "half.xlsx", broken, "damaged inside its sheet")


def test_damaged_deflate_data(store: Store, tmp_path: Path,
                              capsys: pytest.CaptureFixture[str]) -> None:
    refused(store, tmp_path, capsys, "deflate.xlsx",
            rewritten(workbook(400), "xl/worksheets/sheet1.xml", "deflate"),
            "XLSX workbook")


def test_a_zip_bomb_is_refused_before_it_inflates(store: Store, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    bomb = rewritten(workbook(), "docProps/app.xml",
                     lambda body: body + b" " * (64 << 20))  # 64 MB of spaces: ~64 KB zipped
    assert len(bomb) < 1 << 20
    refused(store, tmp_path, capsys, "bomb.xlsx", bomb, "refused as a zip bomb")


def test_shared_strings_beyond_the_bound(monkeypatch: pytest.MonkeyPatch,
                                        store: Store, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    """The shared strings are held in memory whole: past the bound (made small here) the
    workbook is refused before it is read; the sheets themselves stream."""
    monkeypatch.setattr(readers, "XLSX_MAX_BYTES", 1000)
    out = io.BytesIO(workbook())
    with zipfile.ZipFile(out, "a") as archive:
        archive.writestr("xl/sharedStrings.xml", "<sst>" + "<si><t>x</t></si>" * 200 + "</sst>")
    refused(store, tmp_path, capsys, "big.xlsx", out.getvalue(),
            "shared strings would inflate to 0.0 MB, more than the 0 MB")


def test_too_many_shared_strings(monkeypatch: pytest.MonkeyPatch, store: Store,
                                 tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Short distinct texts take about 170 bytes each once read: past XLSX_MAX_STRINGS (made
    small here), counted while streaming, the workbook is refused before it is read."""
    monkeypatch.setattr(readers, "XLSX_MAX_STRINGS", 150)
    monkeypatch.setattr(readers, "XLSX_RATIO_FLOOR", 0)  # counted for small parts too
    out = io.BytesIO(workbook())
    with zipfile.ZipFile(out, "a") as archive:
        archive.writestr("xl/sharedStrings.xml", "<sst>" + "".join(
            f"<si><t>{i}</t></si>" for i in range(200)) + "</sst>")
    refused(store, tmp_path, capsys, "many.xlsx", out.getvalue(),
            "the workbook holds more than 150 distinct texts")


def test_an_encrypted_workbook(store: Store, tmp_path: Path,
                               capsys: pytest.CaptureFixture[str]) -> None:
    ole2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + random.Random(1).randbytes(4000)
    refused(store, tmp_path, capsys, "secret.xlsx", ole2, "encrypted workbook or an old .xls")


def test_twenty_thousand_columns(store: Store, tmp_path: Path,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    wide = ",".join(f"c{i}" for i in range(20_000)) + "\n" + ",".join("1" * 20_000) + "\n"
    refused(store, tmp_path, capsys, "wide.csv", wide.encode(),
            "the header has 20,000 columns; an extract has at most 1,000")


def test_a_first_line_longer_than_any_header(store: Store, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    refused(store, tmp_path, capsys, "oneline.csv", b"x" * (5 << 20),
            "the first line is longer than 4 MB")


def test_nul_bytes_inside_a_row_keep_the_other_rows(store: Store, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "nul.csv"
    body = HEADER + "".join(f"N{i:03d},2026-03-01 09:00,phone,inquiry\n" for i in range(300))
    path.write_bytes(body.encode() + b"N900,2026-03-01 09:00,ph\x00one,inquiry\n")
    code, _, err = cli_import(capsys, store, tmp_path, "tickets", path)
    assert code == 0, err
    assert query(store, "SELECT count(*) FROM tickets") == [(300,)]  # the valid rows kept
    rejected = query(store, "SELECT row_number, field FROM import_rejects")
    assert rejected == [(302, "channel")]  # the NUL row, by its line and field


@pytest.mark.slow
def test_a_line_longer_than_any_row_is_left_out_unread(store: Store, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    """A 40 MB line (an unclosed quote, a binary blob) is read in pieces and dropped, so the
    import's memory does not grow with it; the rows around it are kept."""
    path = tmp_path / "overlong.csv"
    with path.open("w", encoding="utf-8") as f:
        f.write(HEADER + "O1,2026-03-01 09:00,phone,inquiry\n")
        f.write('O2,2026-03-01 09:00,phone,"' + "z" * (40 << 20) + '"\n')
        f.write("O3,2026-03-01 09:00,chat,inquiry\n")
    code, out, err = cli_import(capsys, store, tmp_path, "tickets", path)
    assert code == 0, err
    assert "read 3 · inserted 2" in out and "rejected 1" in out
    assert query(store, "SELECT ticket_id FROM tickets ORDER BY 1") == [("O1",), ("O3",)]
    [(row, reason)] = query(store, "SELECT row_number, reason FROM import_rejects")
    assert row == 3 and reason.startswith(
        f"a line longer than {readers.MAX_LINE_CHARS >> 20} million characters, left out")


def test_a_long_cell_is_cut_to_what_any_field_could_hold(tmp_path: Path) -> None:
    """Kept cells are cut to KEPT_CELL_CHARS, over every field's limit, so a 1 MB product is
    still rejected as too long."""
    store = Store(tmp_path / "store.duckdb")
    path = tmp_path / "cut.csv"
    path.write_text(HEADER.rstrip("\n") + ",product\n" + "C1,2026-03-01 09:00,phone,inquiry,"
                    + "p" * (5 << 20) + "\nC2,2026-03-01 09:00,phone,inquiry,ok\n",
                    encoding="utf-8")
    result = importer.import_file(store, "tickets", path)
    assert (result.inserted, result.rejected) == (1, 1)
    [(field, reason, kept)] = query(
        store, "SELECT field, reason, length(record->>4) FROM import_rejects")  # 5th cell
    assert (field, reason) == ("product", "longer than 500 characters")
    assert kept == readers.KEPT_CELL_CHARS


@pytest.mark.parametrize(("text", "lines"), [
    ("a,b\n123456789\nx\n", ["a,b\n", "123456789\n", "x\n"]),
    ("1234567890\nx\n", ["1234567890\n", "x\n"]),  # exactly the bound, then its newline
    ("123456789\r\nx\n", ["123456789\r\n", "x\n"]),  # a CRLF the bound cuts in two
    ("1234567890", ["1234567890"]),  # exactly the bound at the end of the file
    ("12345678901234567890123\nx\n", ["OVERLONG", "x\n"]),
    ("123456789012345\r\nx\n", ["OVERLONG", "x\n"]),
    ("a\rb\rc\r", ["a\r", "b\r", "c\r"]),  # CR-only line ends
])
def test_lines_are_held_to_the_bound(monkeypatch: pytest.MonkeyPatch, text: str,
                                     lines: list[str]) -> None:
    monkeypatch.setattr(readers, "MAX_LINE_CHARS", 10)
    f = io.TextIOWrapper(io.BytesIO(text.encode()), "utf-8", newline="")
    got = list(readers._bounded_lines(f))
    assert got == [readers._OVERLONG + "\n" if line == "OVERLONG" else line for line in lines]


def test_an_overlong_line_inside_a_quoted_cell_rejects_its_row(
        monkeypatch: pytest.MonkeyPatch, store: Store, tmp_path: Path) -> None:
    monkeypatch.setattr(readers, "MAX_LINE_CHARS", 1000)  # a 5 MB line: the exact path
    path = tmp_path / "quoted.csv"
    path.write_text(HEADER.rstrip("\n") + ",product\nQ1,2026-03-01 09:00,phone,inquiry,ok\n"
                    'Q2,2026-03-01 09:00,phone,inquiry,"start\n' + "x" * (5 << 20) + '\nend"\n'
                    "Q3,2026-03-01 09:00,phone,inquiry,ok\n", encoding="utf-8")
    result = importer.import_file(store, "tickets", path)
    assert (result.inserted, result.rejected) == (2, 1)
    [(row, reason)] = query(store, "SELECT row_number, reason FROM import_rejects")
    assert row == 3 and reason.startswith("a line longer than")
    assert query(store, "SELECT count(*) FROM tickets WHERE product LIKE '%overlong%'") == [(0,)]


def test_json_lines_are_held_to_the_line_and_column_bounds(
        monkeypatch: pytest.MonkeyPatch, store: Store, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(readers, "MAX_LINE_CHARS", 1000)
    good = '{"ticket_id":"J%d","created_at":"2026-03-01 09:00","channel":"phone",' \
           '"request_type":"inquiry"}\n'
    path = tmp_path / "long.jsonl"
    path.write_text(good % 1 + '{"ticket_id":"J2","product":"' + "p" * 5000 + '"}\n'
                    + good % 3, encoding="utf-8")
    result = importer.import_file(store, "tickets", path)
    assert (result.inserted, result.rejected) == (2, 1)
    assert query(store, "SELECT row_number FROM import_rejects") == [(2,)]
    monkeypatch.undo()  # the real line bound: the wide line below is 10 KB
    wide = "{" + ",".join(f'"k{i}":1' for i in range(1_200)) + "}\n"
    refused(Store(tmp_path / "other.duckdb"), tmp_path, capsys, "wide.jsonl",
            (good % 4 + wide).encode(),
            "line 2 brings the keys to 1,204 columns; an extract has at most 1,000")
