"""Keeping a store safe: a consistent backup while the dashboard serves, and a check that
reads every block of every table.

`backup` holds a read-only connection while it copies: DuckDB lets no writer in while one is
open, so the copy is the store as the last finished import left it (a running import is
waited for, as the pages wait). The files beside the store (the audit trail, the improvement
actions) are copied the same way. `check` opens the copy or the store and scans every column
of every table, so that DuckDB verifies each block's checksum, and says what it found.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Final

import duckdb

from metrics.engine.store import (
    DATA_TABLES,
    SCHEMA_VERSION,
    Store,
    StoreError,
    current_version,
)

# Beside the data: tables a store keeps that a check reads too.
KEPT_TABLES: Final[tuple[str, ...]] = (*DATA_TABLES, "import_log", "import_rejects")
SIBLINGS: Final[tuple[str, ...]] = ("audit", "actions")


@dataclass(frozen=True)
class Checked:
    """What a check found: the file, its schema version and each table's rows."""

    path: Path
    version: int
    rows: dict[str, int]


def _damaged(path: Path, error: Exception) -> StoreError:
    return StoreError(
        f"{path} is damaged ({str(error)[:300]}); restore the latest backup (servicelens "
        "backup writes one) and import the extracts since then again")


def check(path: Path) -> Checked:
    """Open the store read-only and read every column of every table; StoreError in words
    when the file is not a store, is damaged, or is newer than this release."""
    if not path.exists():
        raise StoreError(f"no store at {path}")
    if path.stat().st_size == 0:
        raise StoreError(f"{path} is empty (0 bytes): not a store; restore the latest backup")
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as error:
        raise _damaged(path, error) from error
    try:
        version = current_version(con)
        if version > SCHEMA_VERSION:
            raise StoreError(f"{path} was written by a newer ServiceLens (schema {version}, "
                             f"this release reads {SCHEMA_VERSION}): upgrade ServiceLens")
        present = {r[0] for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'").fetchall()}
        rows = {}
        for table in KEPT_TABLES:
            if table not in present:
                continue
            # every column of every row: DuckDB checks each block it reads
            found = con.execute(
                f"SELECT count(*), sum(hash(t)) FROM {table} t").fetchone()  # noqa: S608 - names from KEPT_TABLES
            rows[table] = int(found[0]) if found else 0
    except StoreError:
        raise
    except duckdb.Error as error:
        raise _damaged(path, error) from error
    finally:
        con.close()
    return Checked(path, version, rows)


def backup(store: Store, folder: Path, *, at: datetime | None = None) -> list[Path]:
    """Copy the store and the files beside it into `folder`/servicelens-YYYYMMDD-HHMMSS/,
    consistently (no writer can start while the copy is made); the copy is then checked.
    Returns the files written."""
    if not store.exists():
        raise StoreError(f"no store at {store.path}")
    stamp = (at or datetime.now()).strftime("%Y%m%d-%H%M%S")
    target = folder / f"servicelens-{stamp}"
    if target.exists():
        raise StoreError(f"{target} exists already; choose another folder or wait a second")
    target.mkdir(parents=True)
    written = []
    try:
        with store.reader():  # a read-only connection: writers wait until the copy is made
            written.append(_copy(store.path, target))
            wal = store.path.with_name(store.path.name + ".wal")
            if wal.exists():
                written.append(_copy(wal, target))
        for name in SIBLINGS:
            sibling = store.sibling(name)
            if sibling.exists() and sibling.stat().st_size > 0:
                con = store.connect_file(sibling, read_only=True)
                try:
                    written.append(_copy(sibling, target))
                finally:
                    con.close()
        check(target / store.path.name)
    except OSError as error:
        shutil.rmtree(target, ignore_errors=True)
        raise StoreError(f"the backup into {target} failed ({error}); nothing was kept") from error
    return written


def _copy(source: Path, folder: Path) -> Path:
    copied = folder / source.name
    shutil.copyfile(source, copied)
    return copied
