"""The data tables on ClickHouse: embedded chDB in a folder (`chdb:PATH`), or a server or
cluster through clickhouse-connect (`clickhouse://user@host:port/db`).

Only the six data tables live there. Users, settings, the import log, its rejects and the
migrations stay in a small DuckDB file (the "control file"): they need transactions,
sequences, UPDATE and RETURNING, which ClickHouse does not give, and they are small.

Each data table is a ReplacingMergeTree on its id with `_version` (each import writes above
every version stored, `top_version`) and `_deleted` (a tombstone: a survey's dimension score or an
inspection's violation that a later import of it no longer has). Every read sets `final=1`:
ClickHouse then merges the versions of an id at read time, in every table of the query, so
a row imported twice never counts twice, even before the background merge. It merges within
a month partition: a corrected date that moves a row to another month leaves a tombstone of
the old version in the old month, so no id is live in two. A failed import is taken back
out by rows one version above its own (importer._undo_clickhouse).
"""

from __future__ import annotations

import io
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Final
from urllib.parse import unquote, urlsplit

import polars as pl
import pyarrow as pa

from metrics.core.errors import ServiceLensError

# What every query's meaning needs (docs/scale.md, "Two dialects"): each was turned off in
# turn and broke a real query.
SETTINGS: Final[dict[str, str]] = {
    "session_timezone": "UTC",  # times are the site's wall clock, stored as UTC
    "join_use_nulls": "1",  # an unmatched LEFT JOIN gives NULL, not '' or 0
    "group_by_use_nulls": "1",  # a rolled-up GROUPING SETS key is NULL, not '' or 0
    "prefer_column_name_to_alias": "1",  # WHERE team … reads the column, not `AS team`
    "aggregate_functions_null_for_empty": "1",  # avg/quantile/sum of nothing is NULL
    "final": "1",  # every ReplacingMergeTree read merges the versions of an id
    # ... within its month partition only: an import that moves a row to another month
    # leaves a tombstone of the old version in the old one (importer._write_clickhouse), so
    # an id is live in one partition at most. Merging across partitions read every month for
    # a month's page (ClickHouse defers the pruning until after FINAL): 0.77 s instead of
    # 0.09 s for a month's ticket trend at 10M.
    "do_not_merge_across_partitions_select_final": "1",
}
# The data tables: their id (the dedup key) and the moment a month partition is taken from.
KEYS: Final[dict[str, tuple[str, str | None]]] = {
    "tickets": ("ticket_id", "created_at"),
    "surveys": ("survey_id", "sent_at"),
    "survey_dimension_scores": ("survey_id, dimension", None),
    "qa_inspections": ("inspection_id", "inspected_at"),
    "qa_violations": ("inspection_id, item", None),
    "calls": ("call_id", "queued_at"),
}
_TYPES: Final[dict[str, str]] = {
    "VARCHAR": "String", "TIMESTAMP": "DateTime64(6, 'UTC')", "INTEGER": "Int32",
    "BIGINT": "Int64", "BOOLEAN": "Bool", "TINYINT": "Int8", "DOUBLE": "Float64",
}
PASSWORD_ENV: Final[str] = "SERVICELENS_CLICKHOUSE_PASSWORD"
CONTROL_ENV: Final[str] = "SERVICELENS_CONTROL"
WAIT_S: Final[float] = 60.0


class ClickHouseError(ServiceLensError):
    """A ClickHouse location that cannot be used as given, or a server that cannot be reached."""


@dataclass(frozen=True)
class Location:
    """Where a store's data tables live, parsed from `--store` or SERVICELENS_STORE."""

    kind: str  # "chdb" | "clickhouse"
    target: str  # the chDB folder, or the server URL without a password
    control: Path  # the DuckDB file of users, settings and the import log

    @property
    def shown(self) -> str:
        """The location as said to people and logs: never a password."""
        return f"chdb:{self.target}" if self.kind == "chdb" else self.target


def parse(text: str) -> Location | None:
    """The ClickHouse location `text` names, or None for a DuckDB file path."""
    if text.startswith("chdb:"):
        folder = Path(text.removeprefix("chdb:")).expanduser()
        if not str(folder) or str(folder) == ".":
            raise ClickHouseError("chdb: needs a folder, as in chdb:data/servicelens.chdb")
        return Location("chdb", str(folder), folder / "servicelens.duckdb")
    if text.startswith("clickhouse://"):
        url = urlsplit(text)
        if url.password is not None:
            raise ClickHouseError(
                f"the ClickHouse URL holds a password: put it in {PASSWORD_ENV} (or the "
                "app's secrets) instead, where process lists and logs do not show it")
        if not url.hostname:
            raise ClickHouseError("a ClickHouse URL is clickhouse://user@host:port/database")
        shown = f"clickhouse://{url.username + '@' if url.username else ''}{url.hostname}" \
                f"{':' + str(url.port) if url.port else ''}{url.path or '/default'}"
        control = Path(os.environ.get(CONTROL_ENV) or Path("data") / "servicelens.control.duckdb")
        return Location("clickhouse", shown, control)
    return None


_CHDB_LOCK = threading.Lock()
_CHDB_STATE: dict[str, Any] = {"folder": None, "users": 0, "module": None}
_CHDB_FREE = threading.Condition(_CHDB_LOCK)


_EXTRA: Final[str] = ("a ClickHouse store needs the clickhouse extra: "
                      "pip install 'servicelens[clickhouse]'")


def _dialect() -> Any:
    """engine.dialect, which needs SQLGlot (the clickhouse extra): a DuckDB site lacks it."""
    try:
        from metrics.engine import dialect
    except ImportError as error:
        raise ClickHouseError(f"{_EXTRA} ({error})") from error
    return dialect


def _chdb_module() -> Any:
    """chdb, imported once (it takes 1-3 s and changes the working folder while it loads)."""
    if _CHDB_STATE["module"] is None:
        cwd = os.getcwd()
        try:
            import chdb
        except ImportError as error:
            raise ClickHouseError(f"{_EXTRA} ({error})") from error
        finally:
            os.chdir(cwd)
        _CHDB_STATE["module"] = chdb
    return _CHDB_STATE["module"]


def _is_busy(error: BaseException) -> bool:
    text = str(error)
    return "Cannot lock file" in text or "already running" in text or \
        "already initialized" in text


class Engine:
    """The data tables of one ClickHouse location: query, insert, create."""

    def __init__(self, location: Location) -> None:
        self.location = location
        self._client: Any = None
        # the stored columns of each data table (from `create`), for the dialect's stars
        self.schema: tuple[tuple[str, tuple[str, ...]], ...] = ()

    # --- connections ------------------------------------------------------------------

    @contextmanager
    def _chdb(self) -> Iterator[Any]:
        """A chDB connection to the folder. chDB runs one engine per process, on one folder,
        and holds the folder's lock while any connection is open: this process waits for its
        other folder's users to finish, and another process's engine is waited out (the CLI
        importing while the dashboard reads) for up to WAIT_S, like DuckDB's write lock."""
        folder = self.location.target
        opened = f"{folder}?" + "&".join(f"{k}={v}" for k, v in SETTINGS.items())
        deadline = time.monotonic() + WAIT_S
        with _CHDB_FREE:
            chdb = _chdb_module()
            while True:
                if _CHDB_STATE["users"] and _CHDB_STATE["folder"] != folder:
                    if time.monotonic() > deadline:
                        raise ClickHouseError(f"chdb:{folder}: this process keeps chdb:"
                                              f"{_CHDB_STATE['folder']} open")
                    _CHDB_FREE.wait(0.2)
                    continue
                Path(folder).mkdir(parents=True, exist_ok=True)
                try:
                    con = chdb.connect(opened)
                    break
                except Exception as error:  # chdb raises RuntimeError/OSError variants
                    if not _is_busy(error) or time.monotonic() > deadline:
                        raise ClickHouseError(
                            f"chdb:{folder} cannot be opened ({str(error)[:300]})") from error
                _CHDB_FREE.wait(0.2)
            _CHDB_STATE["folder"] = folder
            _CHDB_STATE["users"] += 1
        try:
            yield con
        finally:
            with _CHDB_FREE:
                con.close()
                _CHDB_STATE["users"] -= 1
                _CHDB_FREE.notify_all()

    @contextmanager
    def held(self) -> Iterator[None]:
        """The engine kept up while the block runs (one page's queries): chDB's start on its
        folder is then paid once, not per query."""
        if self.location.kind == "chdb":
            with self._chdb():
                yield
        else:
            yield

    def _server(self) -> Any:
        if self._client is None:
            try:
                import clickhouse_connect
            except ImportError as error:
                raise ClickHouseError(f"{_EXTRA} ({error})") from error
            url = urlsplit(self.location.target)
            try:
                self._client = clickhouse_connect.get_client(
                    host=url.hostname, port=url.port or 8123,
                    username=unquote(url.username or "default"),
                    password=os.environ.get(PASSWORD_ENV, ""),
                    database=(url.path or "/default").strip("/") or "default",
                    settings=SETTINGS)
            except Exception as error:  # the driver's own classes; said with the location
                raise ClickHouseError(f"{self.location.shown} cannot be reached "
                                      f"({str(error)[:300]})") from error
        return self._client

    # --- reading ----------------------------------------------------------------------

    def arrow(self, sql: str, params: dict[str, Any]) -> pa.Table:
        """A DuckDB query of the compiler run here: translated, bound, as Arrow."""
        text = _dialect().translate(sql, params, self.schema)
        if self.location.kind == "chdb":
            with self._chdb() as con:
                result = con.query(text, "ArrowTable",
                                   params={k: _encoded(v) for k, v in params.items()})
            return result if isinstance(result, pa.Table) else pa.table({})
        table: pa.Table = self._server().query_arrow(text, parameters=params)
        return table

    def frame(self, sql: str, params: dict[str, Any]) -> pl.DataFrame:
        """The query's rows as DuckDB gives them: Int64 counts, naive times, Boolean flags."""
        frame = pl.from_arrow(self.arrow(sql, params))
        assert isinstance(frame, pl.DataFrame)
        return normalised(frame)

    # --- writing ----------------------------------------------------------------------

    def command(self, sql: str) -> None:
        """A statement of this module's own text (DDL, TRUNCATE): no values in it."""
        if self.location.kind == "chdb":
            with self._chdb() as con:
                con.query(sql)
        else:
            self._server().command(sql)

    def create(self, columns: dict[str, list[tuple[str, str, bool]]]) -> None:
        """The data tables (if missing) from the DuckDB schema: {table: [(column, DuckDB
        type, nullable)]}, each a ReplacingMergeTree on its id, by month of its moment."""
        for table, cols in columns.items():
            self.command(ddl(table, cols))
        self.schema = tuple((table, tuple(c[0] for c in cols))
                            for table, cols in sorted(columns.items()))

    def insert(self, table: str, data: pa.Table) -> None:
        """Append rows (with their _version and _deleted) to a data table."""
        if data.num_rows == 0:
            return
        names = ", ".join(f"`{c}`" for c in data.column_names)
        if self.location.kind == "chdb":
            sink = io.BytesIO()
            with pa.ipc.new_stream(sink, data.schema) as writer:
                writer.write_table(data)
            with self._chdb() as con:
                inserter = con.send_insert(f"INSERT INTO {table} ({names})", format="ArrowStream")
                inserter.append(sink.getvalue())
                inserter.finish()
        else:
            self._server().insert_arrow(table, data)

    def top_version(self, tables: tuple[str, ...]) -> int:
        """The highest `_version` stored in the tables (0 when empty), tombstones and replaced
        rows included (read without FINAL). An import writes above it, under its write lock:
        the import ids cannot serve, DuckDB's ROLLBACK of a failed import gives its id again."""
        text = " UNION ALL ".join(f"SELECT max(_version) AS v FROM {t}" for t in tables)  # noqa: S608 - fixed table names
        sql = f"SELECT toUInt64(coalesce(max(v), 0)) FROM ({text}) SETTINGS final = 0"  # noqa: S608 - this module's text
        if self.location.kind == "chdb":
            with self._chdb() as con:
                return int(con.query(sql, "CSV").bytes().decode().strip() or 0)
        return int(self._server().command(sql))

    def truncate(self, tables: tuple[str, ...]) -> None:
        for table in tables:
            self.command(f"TRUNCATE TABLE IF EXISTS {table}")

    def counts(self, tables: tuple[str, ...]) -> dict[str, int]:
        """Each table's rows as read (FINAL: tombstones and older versions not counted)."""
        return {t: int(self.frame(f"SELECT count(*) FROM {t}", {}).item())  # noqa: S608 - fixed names
                for t in tables}


def ddl(table: str, cols: list[tuple[str, str, bool]]) -> str:
    """CREATE TABLE of one data table, ReplacingMergeTree(_version, _deleted)."""
    key, moment = KEYS[table]
    parts = [f"`{name}` {_TYPES[kind] if not nullable else f'Nullable({_TYPES[kind]})'}"
             for name, kind, nullable in cols]
    parts += ["`_version` UInt64", "`_deleted` UInt8 DEFAULT 0"]
    by_month = f" PARTITION BY toYYYYMM({moment})" if moment else ""
    return (f"CREATE TABLE IF NOT EXISTS {table} ({', '.join(parts)})"
            f" ENGINE = ReplacingMergeTree(_version, _deleted){by_month} ORDER BY ({key})")


def normalised(df: pl.DataFrame) -> pl.DataFrame:
    """ClickHouse's answer in DuckDB's types: counts (UInt64) and small numbers (a weekday's
    UInt8) as Int64, times without their UTC zone (the site's wall clock). Truth values are
    Bool already (engine.dialect casts them); a list's counts stay UInt64, as DuckDB's."""
    return df.with_columns(_as_duckdb(df[name]).alias(name) for name in df.columns)


def _as_duckdb(series: pl.Series) -> pl.Series:
    if series.dtype in (pl.UInt8, pl.UInt16, pl.UInt32, pl.UInt64):
        return series.cast(pl.Int64)
    if isinstance(series.dtype, pl.Datetime) and series.dtype.time_zone is not None:
        return series.dt.replace_time_zone(None)
    return series


def _quoted(value: object) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, str):
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (date, datetime)):
        return f"'{_encoded(value)}'"
    return repr(value)


def _encoded(value: object) -> str:
    """A parameter's value as the text chDB parses for a {name:Type} (its escaped format):
    chDB's own conversion fails on None, a list of strings and a tab or line break."""
    if value is None:
        return "\\N"
    if isinstance(value, str):
        return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n") \
            .replace("\r", "\\r")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_quoted(v) for v in value) + "]"
    return repr(value)
