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
    StoreLocked,
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


def _damaged(path: Path, error: BaseException) -> StoreError:
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
    try:  # waits while an import writes (a busy store is not a damaged one)
        con = Store(path)._connect(read_only=True, on_wait=None)
    except StoreLocked:
        raise
    except StoreError as error:
        raise _damaged(path, error.__cause__ or error) from error
    try:
        version = current_version(con)
        if version == 0:
            raise StoreError(f"{path} is a DuckDB file but not a ServiceLens store (no schema "
                             "version); is it the right file?")
        if version > SCHEMA_VERSION:
            raise StoreError(f"{path} was written by a newer ServiceLens (schema {version}, "
                             f"this release reads {SCHEMA_VERSION}): upgrade ServiceLens")
        present = sorted(r[0] for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'").fetchall())
        rows = {}
        for table in present:  # every table, the data's first in their usual order
            # every column of every row: DuckDB checks each block it reads
            found = con.execute(
                f'SELECT count(*), sum(hash(t)) FROM "{table}" t').fetchone()  # noqa: S608 - names from the catalog of the file itself
            rows[table] = int(found[0]) if found else 0
        rows = {t: rows[t] for t in (*[k for k in KEPT_TABLES if k in rows],
                                     *[k for k in rows if k not in KEPT_TABLES])}
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
    written: list[Path] = []
    try:
        with store.reader():  # a read-only connection: writers wait until the copy is made
            written += _copy_with_wal(store.path, target)
        for name in SIBLINGS:
            sibling = store.sibling(name)
            if sibling.exists() and sibling.stat().st_size > 0:
                con = store.connect_file(sibling, read_only=True)
                try:
                    written += _copy_with_wal(sibling, target)
                finally:
                    con.close()
        check(target / store.path.name)
    except OSError as error:
        shutil.rmtree(target, ignore_errors=True)
        raise StoreError(f"the backup into {target} failed ({error}); nothing was kept") from error
    except BaseException:  # a copy that is not whole or does not check is no backup
        shutil.rmtree(target, ignore_errors=True)
        raise
    return written


def _copy_with_wal(source: Path, folder: Path) -> list[Path]:
    """A DuckDB file and its write-ahead log (committed entries not yet checkpointed)."""
    copied = [_copy(source, folder)]
    wal = source.with_name(source.name + ".wal")
    if wal.exists():
        copied.append(_copy(wal, folder))
    return copied


def _copy(source: Path, folder: Path) -> Path:
    copied = folder / source.name
    shutil.copyfile(source, copied)
    return copied
