"""Peak memory of `servicelens import` on big and hostile files, against the DuckDB cap.

Issue 17: no import may take more than the configured DuckDB cap (SERVICELENS_IMPORT_MEMORY,
512MB by default) plus a stated margin, whatever the file. Each file is imported by the CLI in
a child process (a small launcher reads its peak RSS from getrusage), at the default cap and
at half of it; the table gives the outcome, the peak and the peak above the cap, and the run
ends non-zero when a peak exceeds cap + MARGIN_MB. The baseline is the same CLI printing its
help: what Python and the libraries take before any file is read.

Run: .venv/bin/python benchmarks/bench_import_memory.py [--rows 1000000] [--quick]
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
from bench_import import write_csv  # run as a script: benchmarks/ is on sys.path

ROOT = Path(__file__).resolve().parents[1]
# What an import may take above the DuckDB cap (for caps of 256 MB and more): Python, polars
# and pyarrow (about 140 MB before a file is read), read chunks, a line in pieces of
# readers.MAX_LINE_CHARS, a workbook's shared strings (readers.XLSX_MAX_BYTES and
# readers.XLSX_MAX_STRINGS: 735 MB in all at both bounds).
MARGIN_MB = 512
LAUNCHER = ("import resource, subprocess, sys; r = subprocess.run(sys.argv[1:],"
            " capture_output=True, text=True); print(r.returncode);"
            " print((r.stderr.strip().splitlines() or r.stdout.strip().splitlines() or [''])[-1]"
            "[:110]); print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")


def run(args: list[str], cap: str) -> tuple[int, str, float]:
    """(exit code, its last line, peak RSS in MB) of `servicelens ARGS` under `cap`."""
    done = subprocess.run(
        [sys.executable, "-c", LAUNCHER, sys.executable, "-m", "metrics.cli", *args],
        capture_output=True, text=True, cwd=ROOT, check=True,
        env={**os.environ, "SERVICELENS_IMPORT_MEMORY": cap, "PYTHONPATH": str(ROOT)})
    code, line, kb = done.stdout.strip().splitlines()[-3:]
    return int(code), line, int(kb) / 1024


def _random_csv(path: Path, rows: int) -> None:
    """Tickets whose agent and product are random hex: nothing compresses."""
    rng = random.Random(7)
    with path.open("w", encoding="utf-8") as f:
        f.write("ticket_id,created_at,channel,request_type,agent,product\n")
        for i in range(rows):
            f.write(f"R{i:08d},2026-{1 + i % 10:02d}-{1 + i % 28:02d} 09:00:00,phone,inquiry,"
                    f"{rng.getrandbits(64):016x},{rng.getrandbits(128):032x}\n")


def _workbook(path: Path, rows: int) -> None:
    """A workbook with distinct text in every row: its shared strings grow with it."""
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("工单")
    sheet.append(["ticket_id", "created_at", "channel", "request_type", "agent", "product"])
    for i in range(rows):
        sheet.append([f"X{i:08d}", f"2026-03-{1 + i % 28:02d} 09:00", "phone", "inquiry",
                      f"坐席{i}", f"产品 {i} 的一段说明文字"])
    book.save(path)


_PARTS = {
    "[Content_Types].xml":
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/'
        'sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
        'worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
    "_rels/.rels":
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
    "xl/workbook.xml":
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r='
        '"http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet '
        'name="S" sheetId="1" r:id="rId1"/></sheets></workbook>',
    "xl/_rels/workbook.xml.rels":
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'sharedStrings" Target="sharedStrings.xml"/></Relationships>',
    "xl/worksheets/sheet1.xml":
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s">'
        '<v>2</v></c><c r="D1" t="s"><v>3</v></c></row><row r="2"><c r="A2" t="inlineStr"><is>'
        '<t>T1</t></is></c><c r="B2" t="inlineStr"><is><t>2026-03-01 09:00</t></is></c><c r="C2"'
        ' t="inlineStr"><is><t>phone</t></is></c><c r="D2" t="inlineStr"><is><t>inquiry</t></is>'
        '</c></row></sheetData></worksheet>',
}


def _at_the_bounds(path: Path) -> None:
    """A workbook whose shared strings sit at both bounds: just under XLSX_MAX_BYTES in just
    under XLSX_MAX_STRINGS distinct texts (118 random characters each)."""
    rng = random.Random(3)
    count = 1_995_000
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, body in _PARTS.items():
            z.writestr(name, body)
        with z.open("xl/sharedStrings.xml", "w", force_zip64=True) as part:
            part.write(b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                       b"<si><t>ticket_id</t></si><si><t>created_at</t></si>"
                       b"<si><t>channel</t></si><si><t>request_type</t></si>")
            for start in range(0, count, 10_000):
                part.write("".join(f"<si><t>{rng.getrandbits(472):0118x}</t></si>"
                                   for _ in range(min(10_000, count - start))).encode())
            part.write(b"</sst>")


def _bomb(path: Path) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
        with z.open("xl/sharedStrings.xml", "w", force_zip64=True) as part:
            part.write(b"<sst>")
            for _ in range(2048):  # 2 GiB in 1 MB writes
                part.write(b" " * (1 << 20))
            part.write(b"</sst>")


def _wide(path: Path) -> None:
    path.write_text(",".join(f"c{i}" for i in range(20_000)) + "\n"
                    + ",".join("x" for _ in range(20_000)) + "\n", encoding="utf-8")


def _long_line(path: Path, mb: int) -> None:
    with path.open("w", encoding="utf-8") as f:
        f.write("ticket_id,created_at,channel,request_type,product\n")
        f.write("L1,2026-03-01 09:00,phone,inquiry,ok\n")
        f.write('L2,2026-03-01 09:00,phone,inquiry,"')
        chunk = "x" * (1 << 20)
        for _ in range(mb):
            f.write(chunk)
        f.write('"\nL3,2026-03-01 09:00,phone,inquiry,ok\n')


def _one_line(path: Path, mb: int) -> None:
    with path.open("w", encoding="utf-8") as f:
        chunk = "y" * (1 << 20)
        for _ in range(mb):
            f.write(chunk)


def files(folder: Path, rows: int, quick: bool) -> list[tuple[str, str, Path]]:
    """(what, kind, path): the files measured, made in `folder`."""
    made: list[tuple[str, str, Path, Callable[[Path], None]]] = [
        (f"{rows:,} tickets (demo rows)", "tickets", folder / "tickets.csv",
         lambda p: write_csv("tickets", rows, p)),
        (f"{rows * 2:,} tickets, random text", "tickets", folder / "random.csv",
         lambda p: _random_csv(p, rows * 2)),
        (f"{rows // 5:,}-row workbook, distinct text", "tickets", folder / "book.xlsx",
         lambda p: _workbook(p, rows // 5)),
        ("workbook at both shared-string bounds", "tickets", folder / "bounds.xlsx",
         _at_the_bounds),
        ("zip bomb (2 GiB of shared strings)", "tickets", folder / "bomb.xlsx", _bomb),
        ("20,000 columns", "tickets", folder / "wide.csv", _wide),
        ("a 200 MB cell", "tickets", folder / "cell.csv", lambda p: _long_line(p, 200)),
        ("a 200 MB line, no break", "tickets", folder / "line.csv", lambda p: _one_line(p, 200)),
    ]
    if quick:
        made = made[4:]
    out = []
    for what, kind, path, make in made:
        make(path)
        out.append((what, kind, path))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="the hostile files only")
    args = parser.parse_args()
    over = 0
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        base = run(["import", "--help"], "512MB")[2]
        print(f"baseline (the CLI's help): {base:,.0f} MB; margin stated: {MARGIN_MB} MB\n")
        print(f"| file | MB | cap | exit | peak RSS MB | above the cap | within cap + "
              f"{MARGIN_MB} MB | said |")
        print("|---|---:|---:|---:|---:|---:|---|---|")
        for what, kind, path in files(folder, args.rows, args.quick):
            size = path.stat().st_size / 2 ** 20
            for cap_mb in (512, 256):
                store = folder / f"s{cap_mb}.duckdb"
                store.unlink(missing_ok=True)
                code, line, peak = run(["import", kind, str(path), "--store", str(store),
                                        "--rejects", str(folder / "rejects")], f"{cap_mb}MB")
                ok = peak <= cap_mb + MARGIN_MB
                over += not ok
                said = line.removeprefix("servicelens import: ").replace("|", "/")
                print(f"| {what} | {size:,.0f} | {cap_mb} MB | {code} | {peak:,.0f} | "
                      f"{peak - cap_mb:+,.0f} | {'yes' if ok else 'NO'} | {said} |",
                      flush=True)
            path.unlink()
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
