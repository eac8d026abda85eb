"""`servicelens migrate --to LOCATION`: a DuckDB store's rows copied to a ClickHouse store.

The control tables (users, settings, the import log and its rejects) go to the new store's
DuckDB control file as they are, keeping their import ids; the data tables stream to
ClickHouse in batches, each row's `_version` its import id (0 for rows no import wrote): a
later import writes above every version stored (`Engine.top_version`), so it replaces them
as it would have in DuckDB.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

import pyarrow as pa

from metrics.engine.store import DATA_TABLES, Store, StoreError

CONTROL_TABLES: Final[tuple[str, ...]] = ("settings", "users", "import_log", "import_rejects")
BATCH_ROWS: Final[int] = 500_000


@dataclass(frozen=True)
class Copied:
    """Rows per table on each side after the copy."""

    source: dict[str, int]
    target: dict[str, int]

    @property
    def equal(self) -> bool:
        return self.source == self.target


def copy(source: Store, target: Store,
         progress: Callable[[str, int], None] = lambda table, rows: None) -> Copied:
    """Copy every row of a DuckDB store to a ClickHouse store that holds no import yet."""
    if source.engine is not None:
        raise StoreError(f"{source.location} is already on ClickHouse: migrate copies a "
                         "DuckDB store")
    if target.engine is None:
        raise StoreError(f"{target.location} is a DuckDB file: give chdb:FOLDER or "
                         "clickhouse://user@host:port/db")
    if not source.exists():
        raise StoreError(f"no store at {source.path}")
    target.ensure()
    with target.reader() as con:
        held = con.execute("SELECT count(*) FROM import_log").fetchone()
    if held and held[0]:
        raise StoreError(f"{target.location} already holds {held[0]} imports: migrate into "
                         "an empty store")
    _copy_control(source, target)
    engine = target.engine
    engine.truncate(DATA_TABLES)
    counts: dict[str, int] = {}
    columns = dict(engine.schema)
    with source.reader() as con:
        for table in DATA_TABLES:
            # a row's version is the import that wrote it; child rows do not say (0)
            version = "coalesce(import_id, 0)" if "import_id" in columns[table] else "0"
            reader = con.sql(
                f"SELECT *, {version}::UBIGINT AS _version, 0::UTINYINT AS _deleted"  # noqa: S608 - fixed table names
                f" FROM {table}").to_arrow_reader(BATCH_ROWS)
            counts[table] = 0
            for batch in reader:
                engine.insert(table, pa.Table.from_batches([batch]))
                counts[table] += batch.num_rows
                progress(table, counts[table])
    return Copied(source=counts, target=engine.counts(DATA_TABLES))


def _copy_control(source: Store, target: Store) -> None:
    """The control tables, as they are; the import ids go on after the copied ones."""
    with target.writer() as con:
        con.execute("ATTACH $path AS src (READ_ONLY)", {"path": str(source.path)})
        try:
            con.execute("BEGIN TRANSACTION")
            for table in CONTROL_TABLES:
                con.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names
                con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM src.{table}")  # noqa: S608 - fixed table names
            last = con.execute("SELECT coalesce(max(import_id), 0) FROM import_log").fetchone()
            # a DuckDB sequence cannot be set: it is stepped past the copied ids
            con.execute("SELECT max(nextval('import_id_seq')) FROM range($n)",
                        {"n": int(last[0]) if last else 0})
            con.execute("COMMIT")
        finally:
            con.execute("DETACH src")
