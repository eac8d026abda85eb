"""Extract files into a staging table of text cells: CSV/TSV, XLSX, Parquet, JSON lines.

Every reader fills `raw(__row BIGINT, c0 VARCHAR, c1 VARCHAR, ...)` in a DuckDB connection:
`__row` is the row a user sees in a spreadsheet (the header is row 1), `cN` the N-th header.
Files are streamed, so memory stays near the size of the table DuckDB builds.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import re
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Final

import duckdb
import pyarrow as pa

from metrics.core.errors import ServiceLensError
from metrics.engine.store import disk_full, fetch_one
from metrics.ingest import queue_log

if TYPE_CHECKING:  # openpyxl is imported where a workbook is read
    from openpyxl.workbook.workbook import Workbook
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

# Ruff's S608 (SQL built from strings) is silenced line by line: the readers name only their
# own columns (c0, c1, ...) and constants; every path, name list and limit is a parameter.

CHUNK: Final[int] = 4 << 20
SNIFF_BYTES: Final[int] = 4 << 20  # the head of a file that decides it is UTF-8
BATCH_ROWS: Final[int] = 50_000
MAX_LINE_BYTES: Final[int] = 4 << 20  # DuckDB's fast path; longer lines take the exact path
SNIFF_ROWS: Final[int] = 20_480
# Bounds any extract stays within, stated in the messages that enforce them: the widest kind
# has about 40 columns; a workbook's shared strings (held in memory whole; the sheets stream)
# inflate to at most XLSX_MAX_BYTES, no part more than XLSX_MAX_RATIO times its compressed
# size (a zip bomb does, by design; real sheets compress 10-20x) and hold at most
# XLSX_MAX_STRINGS distinct texts (a full-height sheet of 1,048,576 rows with one distinct
# comment a row fits; 2.7 million took 823 MB, 10.9 million 1.85 GB). A line of more than
# MAX_LINE_CHARS characters is a rejected row, read in pieces and dropped (Excel holds 32,767
# characters in a cell: such a line is a broken export); a kept cell is cut to KEPT_CELL_CHARS,
# more than any field allows (10,000), so it is still rejected as too long while no copy of it
# grows with the file.
MAX_COLUMNS: Final[int] = 1_000
DELIMITERS: Final[tuple[str, ...]] = (",", "\t", ";", "|")  # what may split a header line
XLSX_MAX_BYTES: Final[int] = 256 << 20
XLSX_MAX_STRINGS: Final[int] = 2_000_000
XLSX_MAX_RATIO: Final[int] = 200
XLSX_RATIO_FLOOR: Final[int] = 16 << 20  # parts smaller than this may compress any amount
MAX_LINE_CHARS: Final[int] = 32 << 20
KEPT_CELL_CHARS: Final[int] = 1 << 16
_OVERLONG: Final[str] = "\ue000servicelens: an overlong line\ue000"  # stands in for one
SNIFF_MAX_LINE: Final[int] = 2_000_000  # sniff_csv's default max_line_size
FORMATS: Final[dict[str, str]] = {
    ".csv": "csv", ".tsv": "csv", ".txt": "csv", ".xlsx": "xlsx", ".xlsm": "xlsx",
    ".parquet": "parquet", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl",
    ".log": "csv",  # e.g. an Asterisk queue_log saved as queue_log.log (its lines tell it)
}
ENCODINGS: Final[dict[str, str]] = {
    "utf8": "utf-8", "utf-8": "utf-8", "utf-8-sig": "utf-8-sig", "utf8-sig": "utf-8-sig",
    "gbk": "gbk", "gb2312": "gbk", "gb18030": "gb18030", "utf-16": "utf-16", "utf16": "utf-16",
}

ReadProgress = Callable[[float, str], None]
csv.field_size_limit(MAX_LINE_CHARS)  # a cell spread over lines stops the file, in words


class ReadError(ServiceLensError):
    """A file nothing can be imported from; the message names the file and the problem."""


@dataclass(frozen=True)
class BadRow:
    """A row the reader could not split into the header's columns."""

    row: int
    reason: str
    text: str
    cells: tuple[str, ...] = ()  # the row's cells where it could be split (for the rejects)


@dataclass
class ExtractFile:
    """What a reader learnt about a file, next to the `raw` table it filled."""

    path: Path
    name: str
    format: str
    headers: list[str]
    rows: int = 0
    encoding: str | None = None
    content_hash: str = ""
    bad_rows: list[BadRow] = field(default_factory=list)
    # Where the cells are: the table `raw`, or (CSV fast path) a read_csv scan with params.
    relation: str = "raw"
    params: dict[str, object] = field(default_factory=dict)
    text_path: Path | None = None
    delimiter: str = ","
    # Lines that are not records and were skipped and counted (a queue_log's QUEUESTART)
    not_records: int = 0

    @property
    def lazy(self) -> bool:
        return self.relation != "raw"


def _quiet(fraction: float, message: str) -> None:
    """The default progress callback: report nothing."""


def sniff_format(path: Path) -> str:
    """csv | xlsx | parquet | jsonl | queue_log, from the first bytes, else from the file's
    suffix; or what no import reads, said by `load`: ole2, gzip, markup."""
    with path.open("rb") as f:
        head = f.read(8192)
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole2"  # an encrypted workbook, or an old .xls
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"\x1f\x8b"):
        return "gzip"
    start = head.lstrip(b"\xef\xbb\xbf \r\n\t").lower()
    if start.startswith((b"<!doctype html", b"<html", b"<table", b"<?xml")):
        return "markup"  # a web report or an Excel 2003 XML file, often named .xls
    fmt = FORMATS.get(path.suffix.lower(), "csv")
    if fmt == "jsonl" or start.startswith(b"{"):
        return "jsonl"
    if queue_log.looks_like(head):
        return "queue_log"
    return fmt


def _line_of(path: Path, offset: int) -> int:
    line = 1
    with path.open("rb") as f:
        remaining = offset
        while remaining > 0:
            chunk = f.read(min(CHUNK, remaining))
            if not chunk:
                break
            line += chunk.count(b"\n")
            remaining -= len(chunk)
    return line


def _decodes(path: Path, encoding: str, limit: int | None = None) -> int | None:
    """None when the file (or its first `limit` bytes) decodes, else the first bad offset."""
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    offset = 0
    with path.open("rb") as f:
        while chunk := f.read(CHUNK if limit is None else min(CHUNK, limit - offset)):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as error:
                return offset + error.start
            offset += len(chunk)
            if limit is not None and offset >= limit:
                return None  # a character cut at the limit is not an error
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return offset
    return None


def detect_encoding(path: Path, forced: str | None = None) -> str:
    """The text encoding: a BOM, else UTF-8 if the whole file is, else GB18030 if it is.

    `forced` (e.g. from --encoding) is checked rather than trusted: ReadError names the line
    where it fails.
    """
    with path.open("rb") as f:
        head = f.read(8192)
    if forced is not None:
        encoding = ENCODINGS.get(forced.lower().replace("_", "-"))
        if encoding is None:
            try:
                encoding = codecs.lookup(forced).name
            except LookupError as error:
                raise ReadError(f"{path.name}: unknown encoding {forced!r}") from error
        candidates = [encoding]
    elif head.startswith(codecs.BOM_UTF8):
        candidates = ["utf-8-sig"]
    elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ["utf-16"]
    else:
        if b"\x00" in head:
            raise ReadError(
                f"{path.name}: binary data, not a CSV, XLSX, Parquet or JSON-lines file"
            )
        # UTF-8 is judged on the head of the file; DuckDB checks every byte as it reads, and
        # a bad one later sends the file to the exact reader, which names its line.
        if _decodes(path, "utf-8", limit=SNIFF_BYTES) is None:
            return "utf-8"
        candidates = ["utf-8", "gb18030"]
    failures = []
    for encoding in candidates:
        bad = _decodes(path, encoding)
        if bad is None:
            return encoding
        failures.append(f"{encoding} fails at line {_line_of(path, bad)}")
    hint = "" if forced else "; save it as UTF-8 or name its encoding with --encoding"
    raise ReadError(f"{path.name}: cannot decode the text ({', '.join(failures)}){hint}")


def file_hash(path: Path) -> str:
    """The content's BLAKE2b digest: as good as SHA-256 here, and three times as fast."""
    digest = hashlib.blake2b(digest_size=32)
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _transcode(path: Path, encoding: str, folder: Path) -> Path:
    """A UTF-8 copy of a file in another encoding, written chunk by chunk."""
    target = folder / "utf8.csv"
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    with path.open("rb") as src, target.open("w", encoding="utf-8", newline="") as dst:
        while chunk := src.read(CHUNK):
            dst.write(decoder.decode(chunk))
        dst.write(decoder.decode(b"", final=True))
    return target


def _names(n: int) -> list[str]:
    return [f"c{i}" for i in range(n)]


def _create_raw(con: duckdb.DuckDBPyConnection, n: int) -> None:
    cols = ", ".join(f"{c} VARCHAR" for c in _names(n))
    fetch_one(con, f"CREATE OR REPLACE TABLE raw (__row BIGINT, {cols})")


def _append(con: duckdb.DuckDBPyConnection, rows: list[int], cells: list[list[str | None]],
            n: int) -> None:
    if not rows:
        return
    arrays = {"__row": pa.array(rows, pa.int64())}
    for i, name in enumerate(_names(n)):
        arrays[name] = pa.array([r[i] for r in cells], pa.string())
    batch = pa.table(arrays)
    con.register("raw_batch", batch)
    con.execute("INSERT INTO raw SELECT * FROM raw_batch")
    con.unregister("raw_batch")


def _headers(values: Iterable[object]) -> list[str]:
    headers = ["" if v is None else str(v).strip() for v in values]
    while headers and not headers[-1]:
        headers.pop()
    return [h or f"column{i + 1}" for i, h in enumerate(headers)]


def _long_line_sampled(path: Path) -> bool:
    """Whether a line among those DuckDB's sniffer samples is longer than it takes.

    The sniffer spends seconds per 10 MB failing on such a line; the exact path reads it.
    """
    run = lines = 0  # bytes since the last newline, lines seen
    with path.open("rb") as f:
        while lines < SNIFF_ROWS and (chunk := f.read(1 << 20)):
            start = 0
            while (end := chunk.find(b"\n", start)) >= 0:
                if run + end - start > SNIFF_MAX_LINE:
                    return True
                run, start, lines = 0, end + 1, lines + 1
            run += len(chunk) - start
            if run > SNIFF_MAX_LINE:
                return True
    return False


def _delimiter(header: str, sniffed: str | None) -> str:
    """The sniffed delimiter, unless the header line lacks it and , tab ; or | splits it.

    DuckDB's sniffer settles on another delimiter when a row has more fields than the header.
    """
    found = [d for d in DELIMITERS if d in header]
    if sniffed and (sniffed in header or not found):
        return sniffed
    return max(found, key=header.count) if found else ","


def _first_line(src: ExtractFile, text_path: Path) -> str:
    """The header line, refused in words when it cannot be one: longer than a line may be,
    or wider than MAX_COLUMNS (before DuckDB tries to hold a table that wide)."""
    with text_path.open(encoding="utf-8-sig", newline="") as f:
        first = f.readline(MAX_LINE_BYTES)
    if len(first) >= MAX_LINE_BYTES and not first.endswith(("\n", "\r")):
        raise ReadError(f"{src.name}: the first line is longer than {MAX_LINE_BYTES >> 20} MB, "
                        "so it is no header row; is this the right file?")
    widest = max(first.count(d) for d in DELIMITERS) + 1
    if widest > MAX_COLUMNS:
        raise ReadError(f"{src.name}: the header has {widest:,} columns; an extract has at most "
                        f"{MAX_COLUMNS:,} (save only the columns the import needs)")
    return first


def _read_csv(con: duckdb.DuckDBPyConnection, src: ExtractFile, text_path: Path,
              limit: int | None, progress: ReadProgress) -> None:
    first = _first_line(src, text_path)
    try:
        sniffed = None if _long_line_sampled(text_path) else fetch_one(
            con,
            "SELECT Columns, Delimiter FROM sniff_csv($p, header = true, all_varchar = true,"  # noqa: S608 - SNIFF_ROWS is an int constant; the path is $p
            f" sample_size = {SNIFF_ROWS})",
            {"p": str(text_path)},
        )
    except duckdb.Error:  # e.g. a line longer than the sniffer reads: the exact path copes
        sniffed = None
    if sniffed is not None and not sniffed[0]:
        raise ReadError(f"{src.name}: no header row")
    delim = _delimiter(first, sniffed[1] if sniffed else None)
    header_cells = next(csv.reader([first], delimiter=delim)) if first.strip() else []
    src.headers = _headers(header_cells) or _headers(c["name"] for c in (sniffed or [[]])[0])
    n = len(src.headers)
    progress(0.1, "read")
    src.text_path, src.delimiter = text_path, delim
    if sniffed is None or delim != sniffed[1] or n != len(sniffed[0]):
        # DuckDB's sniffer failed or split the header differently: trust only the exact path
        read_exact(con, src, limit, progress)
        return
    src.params = {
        "raw_path": str(text_path), "raw_names": _names(n), "raw_delim": sniffed[1],
        "raw_max_line": MAX_LINE_BYTES,
    }
    tail = ""
    if limit is not None:
        src.params["raw_limit"] = limit
        tail = " LIMIT $raw_limit"
    # Scanned by the check itself, not copied first; bad lines send us to the exact path.
    # Rows are numbered from the staged table's rowid: DuckDB keeps the file's order.
    src.relation = (
        "(SELECT NULL::BIGINT AS __row, * FROM read_csv($raw_path, header = true,"  # noqa: S608 - tail is a fixed LIMIT $raw_limit; the rest is bound
        " all_varchar = true, names = $raw_names, delim = $raw_delim, max_line_size ="
        " $raw_max_line, ignore_errors = true, store_rejects = true, rejects_table ="
        f" 'csv_rejects', rejects_scan = 'csv_scans'){tail})"
    )


def bad_lines(con: duckdb.DuckDBPyConnection) -> bool:
    """After a fast-path scan: did DuckDB skip lines it could not split?"""
    try:
        row = fetch_one(con, "SELECT count(*) FROM csv_rejects")
    except duckdb.CatalogException:
        return False
    return bool(row and row[0])


def read_exact(con: duckdb.DuckDBPyConnection, src: ExtractFile, limit: int | None = None,
               progress: ReadProgress = _quiet) -> None:
    """Re-read a fast-path CSV into `raw` with Python's csv module, numbering every row."""
    assert src.text_path is not None
    src.relation, src.params = "raw", {}
    _read_csv_exact(con, src, src.text_path, src.delimiter, len(src.headers), limit, progress)
    row = fetch_one(con, "SELECT count(*) FROM raw")
    src.rows = int(row[0]) if row else 0


@contextmanager
def _text(path: Path, name: str) -> Iterator[tuple[BinaryIO, io.TextIOWrapper]]:
    """A UTF-8 file as text, with its binary handle for the read position (progress).

    A bad byte past the head that chose UTF-8 becomes a ReadError naming the file.
    """
    with path.open("rb") as raw, io.TextIOWrapper(raw, "utf-8-sig", newline="") as text:
        try:
            yield raw, text
        except UnicodeDecodeError as error:
            raise ReadError(
                f"{name}: not UTF-8 text after the first {SNIFF_BYTES >> 20} MB"
                f" ({error.reason}); name its encoding with --encoding, e.g. gb18030"
            ) from error


def _read_csv_exact(con: duckdb.DuckDBPyConnection, src: ExtractFile, text_path: Path, delim: str,
                    n: int, limit: int | None, progress: ReadProgress) -> None:
    _create_raw(con, n)
    total = max(text_path.stat().st_size, 1)
    rows: list[int] = []
    cells: list[list[str | None]] = []
    with _text(text_path, src.name) as (raw, f):
        reader = csv.reader(_bounded_lines(f), delimiter=delim)
        next(reader, None)
        done = 0
        for number, record in _records(reader, src.name):
            if limit is not None and done >= limit:
                break
            if any(_OVERLONG in v for v in record):  # alone, or inside a quoted cell
                src.bad_rows.append(BadRow(number, _overlong_words(), ""))
                continue
            record = [v if len(v) <= KEPT_CELL_CHARS else v[:KEPT_CELL_CHARS] for v in record]
            if len(record) > n and not any(v.strip() for v in record[n:]):
                record = record[:n]
            if len(record) != n:
                if not any(v.strip() for v in record):
                    continue
                text = delim.join(record)
                src.bad_rows.append(BadRow(number, f"{len(record)} fields, header has {n}",
                                           text[:200], tuple(record)))
                continue
            rows.append(number)
            cells.append(list(record))
            done += 1
            if len(rows) >= BATCH_ROWS:
                _append(con, rows, cells, n)
                rows, cells = [], []
                progress(min(0.9, 0.1 + 0.8 * raw.tell() / total), "read")
        _append(con, rows, cells, n)


def _overlong_words() -> str:
    return (f"a line longer than {MAX_LINE_CHARS >> 20} million characters, left out unread "
            "(a cell holds at most 32,767 in Excel)")


def _bounded_lines(f: io.TextIOWrapper, *, keep_nul: bool = False) -> Iterator[str]:
    """The file's lines, none held longer than MAX_LINE_CHARS: a longer one is read in pieces,
    dropped and stands as one _OVERLONG line (its number kept). A NUL byte (a broken export)
    reads as U+FFFD, visible and never a terminator to whatever reads the store later."""
    ahead = ""
    while line := ahead or f.readline(MAX_LINE_CHARS):
        ahead = ""
        if len(line) == MAX_LINE_CHARS:  # cut by the bound: a line exactly that long, or more
            ahead = f.readline(MAX_LINE_CHARS)
            if ahead in ("", "\n", "\r\n", "\r"):  # exactly as long (or its CRLF cut in two)
                line, ahead = line + ahead, ""
            elif not line.endswith(("\n", "\r")):
                while ahead and not ahead.endswith(("\n", "\r")):
                    ahead = f.readline(MAX_LINE_CHARS)
                ahead = ""
                yield _OVERLONG + "\n"
                continue
        yield line if keep_nul else line.replace("\0", "\ufffd")


def _records(reader: Iterator[list[str]], name: str) -> Iterator[tuple[int, list[str]]]:
    """(line number, cells) of a csv.reader past its header; its errors in words."""
    number = 1
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise ReadError(f"{name}: line {number + 1} cannot be read ({error}); a cell holds "
                            f"at most {MAX_LINE_CHARS >> 20} million characters") from error
        number += 1
        yield number, record


def _cell(value: object) -> str | None:
    """An XLSX / JSON cell as the text a CSV export would hold."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _read_xlsx(con: duckdb.DuckDBPyConnection, src: ExtractFile, sheet: str | None,
               limit: int | None, progress: ReadProgress) -> None:
    """Fill `raw` from a workbook's sheet, its first non-empty row the headers."""
    import openpyxl

    _check_zip(src)
    try:
        book = openpyxl.load_workbook(src.path, read_only=True, data_only=True)
    except Exception as error:  # zip / XML errors of a damaged workbook
        raise ReadError(f"{src.name}: not a readable XLSX workbook ({error})") from error
    try:
        ws = _worksheet(book, sheet, src.name)
        rows_iter: Iterator[tuple[object, ...]] = ws.iter_rows(values_only=True)
        header_row = _xlsx_headers(src, rows_iter)
        if len(src.headers) > MAX_COLUMNS:
            raise ReadError(f"{src.name}: the sheet has {len(src.headers):,} columns; an "
                            f"extract has at most {MAX_COLUMNS:,}")
        _xlsx_cells(con, src, rows_iter, header_row, max(ws.max_row or 1, 1), limit, progress)
    except (ReadError, duckdb.Error, MemoryError):  # memory or disk: not the workbook's fault
        raise
    except Exception as error:  # the sheet's XML or deflate data breaks off while read
        raise ReadError(f"{src.name}: the workbook is damaged inside its sheet "
                        f"({type(error).__name__}: {error}); open and save it again in Excel, "
                        "or export the sheet as CSV") from error
    finally:
        book.close()


def _check_zip(src: ExtractFile) -> None:
    """Refuse a workbook before inflating it: a damaged or encrypted zip, more than
    XLSX_MAX_BYTES inflated, or a part inflating more than XLSX_MAX_RATIO times (a bomb)."""
    try:
        with zipfile.ZipFile(src.path) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError) as error:
        raise ReadError(f"{src.name}: not a readable XLSX workbook (the zip is damaged: "
                        f"{error})") from error
    if any(part.flag_bits & 0x1 for part in parts):
        raise ReadError(f"{src.name}: the workbook is encrypted; save it without a password")
    # The sheets stream; the shared strings are held in memory whole: that part is bounded,
    # found as openpyxl finds it (by its content type), whatever its name.
    shared = _shared_parts(src, parts)
    held = sum(part.file_size for part in parts if part.filename in shared)
    if held > XLSX_MAX_BYTES:
        raise ReadError(f"{src.name}: the workbook's shared strings would inflate to "
                        f"{held / 2 ** 20:,.1f} MB, more than the {XLSX_MAX_BYTES >> 20:,} MB an "
                        "import holds; export the sheet as CSV (imports of CSV stream)")
    for part in parts:
        if part.file_size > XLSX_RATIO_FLOOR \
                and part.file_size > XLSX_MAX_RATIO * max(part.compress_size, 1):
            raise ReadError(f"{src.name}: {part.filename} would inflate {part.file_size >> 20:,}"
                            f" MB from {part.compress_size:,} bytes, more than "
                            f"{XLSX_MAX_RATIO}x: refused as a zip bomb")
    for part in parts:
        if part.filename in shared:
            _count_strings(src, part)


_SHARED_TYPE: Final[bytes] = b"spreadsheetml.sharedStrings+xml"
_SI: Final[re.Pattern[bytes]] = re.compile(rb"<(?:[\w.-]+:)?si[\s/>]")


def _shared_parts(src: ExtractFile, parts: list[zipfile.ZipInfo]) -> set[str]:
    """The names of the parts openpyxl reads as shared strings: those [Content_Types].xml
    gives their content type, and any named sharedStrings.xml."""
    names = {p.filename for p in parts if p.filename.lower().endswith("sharedstrings.xml")}
    types = next((p for p in parts if p.filename == "[Content_Types].xml"), None)
    if types is None or types.file_size > 1 << 20:
        return names
    with zipfile.ZipFile(src.path) as archive:
        text = archive.read(types)
    for found in re.finditer(rb'PartName="/?([^"]+)"[^>]*' + re.escape(_SHARED_TYPE), text):
        names.add(found.group(1).decode("utf-8", "replace"))
    for found in re.finditer(re.escape(_SHARED_TYPE) + rb'"[^>]*PartName="/?([^"]+)"', text):
        names.add(found.group(1).decode("utf-8", "replace"))
    return names


def _count_strings(src: ExtractFile, part: zipfile.ZipInfo) -> None:
    """Refuse more than XLSX_MAX_STRINGS shared strings, counted while streaming the part
    (each takes about 170 bytes of Python objects once read, whatever its length)."""
    count, tail = 0, b""
    with zipfile.ZipFile(src.path) as archive, archive.open(part) as stream:
        while True:
            chunk = stream.read(CHUNK)
            data = tail + chunk
            # tags starting in the last 64 bytes may be cut: counted with the next chunk
            cut = max(len(data) - 64, 0) if chunk else len(data)
            count += sum(1 for tag in _SI.finditer(data) if tag.start() < cut)
            tail = data[cut:]
            if count > XLSX_MAX_STRINGS:
                raise ReadError(
                    f"{src.name}: the workbook holds more than {XLSX_MAX_STRINGS:,} distinct "
                    "texts (its shared strings), more than an import holds; export the sheet "
                    "as CSV (imports of CSV stream)")
            if not chunk:
                return


def _worksheet(book: Workbook, sheet: str | None, name: str) -> ReadOnlyWorksheet:
    """The sheet named `sheet`, else numbered `sheet` (from 1), else the first; or ReadError."""
    names = list(book.sheetnames)
    if sheet is None:
        return book[names[0]]
    if sheet in names:
        return book[sheet]
    if sheet.isdigit() and 1 <= int(sheet) <= len(names):
        return book[names[int(sheet) - 1]]
    raise ReadError(f"{name}: no sheet {sheet!r}; sheets: {', '.join(names)}")


def _xlsx_headers(src: ExtractFile, rows_iter: Iterator[tuple[object, ...]]) -> int:
    """Set `src.headers` from the first non-empty row; returns its number, or ReadError."""
    header_row = 0
    for header_row, values in enumerate(rows_iter, start=1):  # noqa: B007 - returned
        if any(v is not None and str(v).strip() for v in values):
            src.headers = _headers(values)
            break
    if not src.headers:
        raise ReadError(f"{src.name}: the sheet is empty")
    return header_row


def _xlsx_cells(con: duckdb.DuckDBPyConnection, src: ExtractFile,
                rows_iter: Iterator[tuple[object, ...]], header_row: int, total: int,
                limit: int | None, progress: ReadProgress) -> None:
    """Create `raw` from the rows after the header: empty ones skipped, overlong ones rejected."""
    n = len(src.headers)
    _create_raw(con, n)
    rows: list[int] = []
    cells: list[list[str | None]] = []
    for number, values in enumerate(rows_iter, start=header_row + 1):
        if limit is not None and len(rows) >= limit:
            break
        row = [_cell(v) for v in values[:n]]
        if not any(c is not None and c.strip() for c in row):
            continue
        extra = [v for v in values[n:] if v is not None and str(v).strip()]
        if extra:
            src.bad_rows.append(_beyond_headers(number, n, row, values))
            continue
        rows.append(number)
        cells.append(row + [None] * (n - len(row)))
        if len(rows) >= BATCH_ROWS:
            _append(con, rows, cells, n)
            rows, cells = [], []
            progress(min(0.9, 0.1 + 0.8 * number / total), "read")
    _append(con, rows, cells, n)


def _beyond_headers(number: int, n: int, row: list[str | None],
                    values: tuple[object, ...]) -> BadRow:
    """The reject of a sheet row with values beyond its `n` headed columns (all its cells)."""
    whole = [_cell(v) or "" for v in values]
    while whole and not whole[-1].strip():
        whole.pop()
    return BadRow(number, f"values beyond the {n} headed columns",
                  "\t".join(c or "" for c in row)[:200], tuple(whole))


def _read_parquet(con: duckdb.DuckDBPyConnection, src: ExtractFile, limit: int | None) -> None:
    try:
        rel = con.read_parquet(str(src.path))
    except duckdb.Error as error:
        raise ReadError(f"{src.name}: not a readable Parquet file ({error})") from error
    src.headers = list(rel.columns)
    varchar = duckdb.sqltype("VARCHAR")
    exprs = [duckdb.ColumnExpression(h).cast(varchar).alias(c)
             for h, c in zip(src.headers, _names(len(src.headers)), strict=True)]
    rel = rel.select(*exprs)
    if limit is not None:
        rel = rel.limit(limit)
    fetch_one(con, "DROP TABLE IF EXISTS raw")
    rel.create("raw_cells")
    con.execute(
        "CREATE TABLE raw AS SELECT row_number() OVER () + 1 AS __row, * FROM raw_cells"
    )
    con.execute("DROP TABLE raw_cells")


def _read_jsonl(con: duckdb.DuckDBPyConnection, src: ExtractFile, text_path: Path,
                limit: int | None, progress: ReadProgress) -> None:
    """Fill `raw` from JSON lines, one column per key in order of first appearance."""
    keys: list[str] = []
    records: list[tuple[int, dict[str, object]]] = []
    width = -1  # columns `raw` has; -1 until it exists
    con.execute("DROP TABLE IF EXISTS raw")
    total = max(text_path.stat().st_size, 1)
    with _text(text_path, src.name) as (raw, f):
        for number, line in enumerate(_bounded_lines(f, keep_nul=True), start=1):
            if limit is not None and number > limit:
                break
            if not line.strip():
                continue
            if line.startswith(_OVERLONG):
                src.bad_rows.append(BadRow(number, _overlong_words(), ""))
                continue
            obj = _json_object(number, line)
            if isinstance(obj, BadRow):
                src.bad_rows.append(obj)
                continue
            keys.extend(k for k in obj if k not in keys)
            if len(keys) > MAX_COLUMNS:
                raise ReadError(f"{src.name}: line {number} brings the keys to {len(keys):,} "
                                f"columns; an extract has at most {MAX_COLUMNS:,}")
            records.append((number, obj))
            if len(records) >= BATCH_ROWS:
                width = _append_json(con, keys, records, width)
                progress(min(0.9, 0.1 + 0.8 * raw.tell() / total), "read")
    if records or not keys:
        if not keys and not src.bad_rows:
            raise ReadError(f"{src.name}: no JSON records")
        _append_json(con, keys, records, width)
    src.headers = list(keys)


def _json_object(number: int, line: str) -> dict[str, object] | BadRow:
    """A JSON line's object, or the BadRow saying why it is not one."""
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as error:
        return BadRow(number, f"not valid JSON ({error.msg})", line[:200])
    if not isinstance(obj, dict):
        return BadRow(number, "not a JSON object", line[:200])
    return obj


def _append_json(con: duckdb.DuckDBPyConnection, keys: list[str],
                 records: list[tuple[int, dict[str, object]]], width: int) -> int:
    """Append and clear `records`, creating or widening `raw` to `keys`; returns its new width."""
    n = len(keys)
    if width < 0:
        _create_raw(con, n)
        width = n
    for i in range(width, n):  # keys first seen in this batch
        con.execute(f"ALTER TABLE raw ADD COLUMN c{i} VARCHAR")
    _append(con, [r for r, _ in records],
            [[_cell(obj.get(k)) for k in keys] for _, obj in records], n)
    records.clear()
    return n


def _read_text(con: duckdb.DuckDBPyConnection, src: ExtractFile, workdir: Path,
               encoding: str | None, limit: int | None, progress: ReadProgress) -> None:
    """A text file (CSV/TSV, JSON lines, a queue_log), read as UTF-8 (a copy when it is not)."""
    src.encoding = detect_encoding(src.path, encoding)
    text_path = src.path
    if src.encoding not in ("utf-8", "utf-8-sig"):
        text_path = _transcode(src.path, src.encoding, workdir)
    if src.format == "jsonl":
        _read_jsonl(con, src, text_path, limit, progress)
    elif src.format == "queue_log":
        src.rows, src.not_records = queue_log.read(con, text_path)
        src.headers = list(queue_log.HEADERS)
    else:
        _read_csv(con, src, text_path, limit, progress)


def _read_any(con: duckdb.DuckDBPyConnection, src: ExtractFile, workdir: Path,
              encoding: str | None, sheet: str | None, limit: int | None,
              progress: ReadProgress) -> None:
    """The format's reader; whatever it raises becomes a ReadError naming the file."""
    try:
        if src.format == "xlsx":
            _read_xlsx(con, src, sheet, limit, progress)
        elif src.format == "parquet":
            _read_parquet(con, src, limit)
        else:
            _read_text(con, src, workdir, encoding, limit, progress)
    except ServiceLensError:
        raise
    except duckdb.OutOfMemoryException as error:
        raise ReadError(out_of_room(src.name, error)) from error
    except (Exception, MemoryError) as error:  # any reader's own error, in words, named
        raise ReadError(f"{src.name}: cannot be read ({type(error).__name__}: "
                        f"{str(error)[:300]})") from error


def out_of_room(name: str, error: duckdb.Error) -> str:
    """Why DuckDB stopped an import for lack of memory, in words: its temporary folder full
    (it spills there past the memory cap), or the cap itself."""
    text = str(error).lower()
    if disk_full(error) or "offload" in text or "disk" in text:  # spilling failed
        spill = Path(tempfile.gettempdir()) / "servicelens-spill"
        return (f"{name}: the import's temporary folder ({spill}) is full; free space on that "
                "disk or point TMPDIR at a larger one, and import again")
    return (f"{name}: the import needs more memory than it may take (SERVICELENS_IMPORT_MEMORY"
            ", 512MB by default); raise it or split the file")


def load(con: duckdb.DuckDBPyConnection, path: Path, *, workdir: Path, name: str | None = None,
         encoding: str | None = None, sheet: str | None = None, limit: int | None = None,
         progress: ReadProgress = _quiet) -> ExtractFile:
    """Read a file's header and cells for `con` (see ExtractFile.relation); ReadError if unreadable.

    `workdir` holds a UTF-8 copy of a file in another encoding while the import lasts.
    """
    src = ExtractFile(path=path, name=name or path.name, format="csv", headers=[])
    if not path.exists():
        raise ReadError(f"{src.name}: no such file")
    if path.is_dir():
        raise ReadError(f"{src.name}: is a folder, not a file")
    if path.stat().st_size == 0:
        raise ReadError(f"{src.name}: the file is empty")
    src.format = sniff_format(path)
    if src.format == "gzip":
        raise ReadError(f"{src.name}: a gzip-compressed file; unpack it (7-Zip, gunzip) and "
                        "import the file inside")
    if src.format == "markup":
        raise ReadError(f"{src.name}: a web page or XML file, not a CSV or workbook (some "
                        "systems export these as .xls); open it in Excel and save it as .xlsx "
                        "or CSV")
    if src.format == "ole2":
        raise ReadError(f"{src.name}: an encrypted workbook or an old .xls; open it in Excel, "
                        "remove the password and save it as .xlsx or CSV")
    src.content_hash = file_hash(path) if limit is None else ""
    progress(0.02, "read")
    _read_any(con, src, workdir, encoding, sheet, limit, progress)
    if not src.headers:
        raise ReadError(f"{src.name}: no header row")
    if not src.lazy:
        row = fetch_one(con, "SELECT count(*) FROM raw")
        src.rows = int(row[0]) if row else 0
    progress(0.4, "read")
    return src
