"""The embedded DuckDB store: its file, versioned migrations, connections and settings.

Connections are opened per unit of work and closed after it, read-only for reads, so that
the dashboard never holds the file's write lock and a CLI import can run while it serves.
"""

from __future__ import annotations

import fcntl
import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any, Final, TypeVar
from zoneinfo import ZoneInfo

import duckdb
import polars as pl

from metrics.core.access import Access
from metrics.core.errors import ServiceLensError
from metrics.core.filters import Filters
from metrics.core.scope import Grain, Scope
from metrics.core.settings import Settings
from metrics.engine import clickhouse

T = TypeVar("T")
# (mtime, size) of the file and of its WAL: changes whenever the store is written.
StoreToken = tuple[float, int, float, int]

DEFAULT_PATH: Final[Path] = Path("data") / "servicelens.duckdb"
LOCK_WAIT_S: Final[float] = 60.0

# (version, why, DDL). Append only: a store made by an earlier release is brought forward.
MIGRATIONS: Final[tuple[tuple[int, str, str], ...]] = (
    (
        1,
        "tickets, surveys, QA inspections and violations, import log, settings",
        """
        CREATE TABLE tickets (
            ticket_id VARCHAR PRIMARY KEY,
            created_at TIMESTAMP NOT NULL,
            channel VARCHAR NOT NULL,
            request_type VARCHAR NOT NULL,
            category VARCHAR,
            priority VARCHAR,
            customer_level VARCHAR,
            agent VARCHAR,
            team VARCHAR,
            first_response_at TIMESTAMP,
            resolved_at TIMESTAMP,
            closed_at TIMESTAMP,
            status VARCHAR,
            reopen_count INTEGER,
            contacts INTEGER,
            escalated BOOLEAN,
            customer_id VARCHAR,
            customer_name VARCHAR,
            customer_phone VARCHAR,
            product VARCHAR,
            updated_at TIMESTAMP,
            import_id INTEGER
        );
        CREATE TABLE surveys (
            survey_id VARCHAR PRIMARY KEY,
            sent_at TIMESTAMP NOT NULL,
            ticket_id VARCHAR,
            customer_id VARCHAR,
            survey_channel VARCHAR,
            responded_at TIMESTAMP,
            score TINYINT,
            dont_know BOOLEAN NOT NULL DEFAULT false,
            nps TINYINT,
            comment VARCHAR,
            import_id INTEGER
        );
        CREATE TABLE survey_dimension_scores (
            survey_id VARCHAR NOT NULL,
            dimension VARCHAR NOT NULL,
            score TINYINT NOT NULL,
            PRIMARY KEY (survey_id, dimension)
        );
        CREATE TABLE qa_inspections (
            inspection_id VARCHAR PRIMARY KEY,
            agent VARCHAR NOT NULL,
            inspected_at TIMESTAMP NOT NULL,
            ticket_id VARCHAR,
            inspector VARCHAR,
            qa_score DOUBLE,
            import_id INTEGER
        );
        CREATE TABLE qa_violations (
            inspection_id VARCHAR NOT NULL,
            item INTEGER NOT NULL,
            category VARCHAR NOT NULL,
            severity VARCHAR NOT NULL,
            PRIMARY KEY (inspection_id, item)
        );
        CREATE SEQUENCE import_id_seq START 1;
        CREATE TABLE import_log (
            import_id INTEGER PRIMARY KEY DEFAULT nextval('import_id_seq'),
            kind VARCHAR NOT NULL,
            source VARCHAR NOT NULL,
            file_name VARCHAR,
            content_hash VARCHAR,
            rows_read BIGINT NOT NULL DEFAULT 0,
            rows_inserted BIGINT NOT NULL DEFAULT 0,
            rows_updated BIGINT NOT NULL DEFAULT 0,
            rows_rejected BIGINT NOT NULL DEFAULT 0,
            started_at TIMESTAMP NOT NULL,
            finished_at TIMESTAMP
        );
        CREATE TABLE settings (key VARCHAR PRIMARY KEY, value JSON NOT NULL);
        """,
    ),
    (
        2,
        "imports: unchanged and skipped counts, format, encoding, mapping; quarantined rows",
        """
        ALTER TABLE import_log ADD COLUMN rows_unchanged BIGINT DEFAULT 0;
        ALTER TABLE import_log ADD COLUMN rows_skipped BIGINT DEFAULT 0;
        ALTER TABLE import_log ADD COLUMN file_format VARCHAR;
        ALTER TABLE import_log ADD COLUMN encoding VARCHAR;
        ALTER TABLE import_log ADD COLUMN mapping JSON;
        CREATE TABLE import_rejects (
            import_id INTEGER NOT NULL,
            row_number BIGINT NOT NULL,
            field VARCHAR,
            value VARCHAR,
            reason VARCHAR NOT NULL,
            record JSON
        );
        """,
    ),
    (
        3,
        "users: role, teams, unmask privilege, argon2 password hash",
        """
        CREATE TABLE users (
            name VARCHAR PRIMARY KEY,
            role VARCHAR NOT NULL,
            teams VARCHAR[] NOT NULL,
            unmask BOOLEAN NOT NULL DEFAULT false,
            email VARCHAR,
            password_hash VARCHAR,
            created_at TIMESTAMP NOT NULL,
            updated_at TIMESTAMP NOT NULL
        );
        """,
    ),
    (
        4,
        "phone calls",
        """
        CREATE TABLE calls (
            call_id VARCHAR PRIMARY KEY,
            queued_at TIMESTAMP NOT NULL,
            answered_at TIMESTAMP,
            ended_at TIMESTAMP,
            outcome VARCHAR NOT NULL,
            queue VARCHAR,
            agent VARCHAR,
            team VARCHAR,
            wait_s DOUBLE,
            talk_s DOUBLE,
            hold_s DOUBLE,
            acw_s DOUBLE,
            direction VARCHAR NOT NULL,
            customer_id VARCHAR,
            customer_phone VARCHAR,
            ticket_id VARCHAR,
            import_id INTEGER
        );
        """,
    ),
)
SCHEMA_VERSION: Final[int] = MIGRATIONS[-1][0]
DATA_TABLES: Final[tuple[str, ...]] = (
    "tickets",
    "surveys",
    "survey_dimension_scores",
    "qa_inspections",
    "qa_violations",
    "calls",
)


_THREAD = threading.local()


def _held() -> dict[str, duckdb.DuckDBPyConnection]:
    """This thread's shared read connections, by store path (Store.shared)."""
    if not hasattr(_THREAD, "held"):
        _THREAD.held = {}
    held: dict[str, duckdb.DuckDBPyConnection] = _THREAD.held
    return held


class StoreError(ServiceLensError):
    """A store problem a user can act on (missing file, newer schema, lock held too long)."""


class StoreLocked(StoreError):
    """Another process kept the file's write lock longer than LOCK_WAIT_S: busy, not damaged."""


def default_location() -> str:
    """Where the store is: `SERVICELENS_STORE` (a DuckDB file, chdb:FOLDER or
    clickhouse://user@host:port/db) when set, else data/servicelens.duckdb."""
    return os.environ.get("SERVICELENS_STORE") or str(DEFAULT_PATH)


_ENGINES: dict[str, clickhouse.Engine] = {}
_ENGINES_GUARD = threading.Lock()


def _engine(location: clickhouse.Location) -> clickhouse.Engine:
    """One Engine per ClickHouse location in this process (a server's client is reused)."""
    with _ENGINES_GUARD:
        return _ENGINES.setdefault(location.shown, clickhouse.Engine(location))


def _is_lock_error(error: duckdb.Error) -> bool:
    """Another process's lock on the file, or (in this process) another connection's handle
    on it: an import's ATTACH while the server's sessions read ('Unique file handle
    conflict'), a read-only open while a read-write one is open ('different configuration')."""
    text = str(error).lower()
    return ("lock" in text or "conflicting" in text or "different configuration" in text
            or "file handle conflict" in text)


_FILE_LOCKS: dict[str, threading.Lock] = {}
_FILE_LOCKS_GUARD = threading.Lock()


@contextmanager
def one_writer(path: Path) -> Iterator[None]:
    """Writes to a file beside the store, one thread of this process at a time: DuckDB shares
    one database between a process's connections to a file, and two sessions signing in at
    once ran its CREATE ... IF NOT EXISTS together ('write-write conflict on create')."""
    with _FILE_LOCKS_GUARD:
        lock = _FILE_LOCKS.setdefault(str(path.resolve()), threading.Lock())
    with lock:
        yield


# What to do about a store file that cannot be opened or read.
_RESTORE: Final[str] = ("if the file is damaged, `servicelens check` says so: restore the latest "
                        "backup (servicelens backup) and import the extracts since then")


def _unopened(error: duckdb.Error, file: Path) -> StoreError:
    """The error to raise for a file that could not be opened: locked too long, or else."""
    if _is_lock_error(error):
        return StoreLocked(f"the store {file} stayed locked by another writer for "
                           f"{LOCK_WAIT_S:.0f} s")
    return StoreError(f"{file} cannot be opened ({str(error)[:300]}); {_RESTORE}")


def disk_full(error: BaseException) -> bool:
    """Whether DuckDB stopped for want of disk space (the store's disk or its spill folder)."""
    text = str(error).lower()
    return "no space left" in text or "disk is full" in text or "disk full" in text


def _is_damage(error: duckdb.Error) -> bool:
    """A read that failed on the file itself (an unreadable or corrupt block), not the query."""
    return isinstance(error, duckdb.IOException) or "corrupt" in str(error).lower()


class Store:
    """One DuckDB file; a short-lived connection per unit of work. At a ClickHouse location
    (`chdb:FOLDER`, `clickhouse://…`) the data tables are ClickHouse's (`engine`) and the
    DuckDB file (`path`) keeps the users, settings and import log only."""

    def __init__(self, path: Path | str | None = None) -> None:
        text = str(path) if path is not None else default_location()
        where = clickhouse.parse(text)
        self.engine: clickhouse.Engine | None = _engine(where) if where else None
        self.path = where.control if where else Path(text)
        # how the store is named to people, logs, caches and `--store`: never a password
        self.location = where.shown if where else str(self.path)

    def __repr__(self) -> str:
        return f"Store({self.location!r})"

    def frame(self, sql: str, params: dict[str, Any] | None = None) -> pl.DataFrame:
        """A query of the data tables (the compiler's DuckDB SQL), on the store's engine."""
        if self.engine is not None:
            self._tables()
            return self.engine.frame(sql, params or {})
        with self.reader() as con:
            return con.sql(sql, params=params or {}).pl()

    def fetch(self, sql: str, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
        """`frame`'s rows as tuples (for a count or a date)."""
        return self.frame(sql, params).rows()

    def _tables(self, con: duckdb.DuckDBPyConnection | None = None) -> None:
        """The data tables on ClickHouse, made once per process from the DuckDB schema (read
        on `con`, a connection to the control file, when the caller holds one)."""
        if self.engine is None or self.engine.schema:  # DuckDB, or made already
            return
        if con is None:
            with self.reader() as own:
                self._tables(own)
            return
        rows = con.execute(
            "SELECT table_name, column_name, data_type, is_nullable = 'YES'"
            " FROM information_schema.columns WHERE table_schema = 'main'"
            " AND table_name IN (SELECT unnest($t)) ORDER BY table_name,"
            " ordinal_position", {"t": list(DATA_TABLES)}).fetchall()
        columns: dict[str, list[tuple[str, str, bool]]] = {}
        for table, column, kind, nullable in rows:
            columns.setdefault(table, []).append((column, kind, bool(nullable)))
        self.engine.create(columns)

    def exists(self) -> bool:
        return self.path.exists()

    def version_token(self) -> StoreToken:
        """Changes whenever the file is written; a cheap cache key for query results."""
        stats = []
        for p in (self.path, self.path.with_name(self.path.name + ".wal")):
            try:
                st = p.stat()
                stats.extend([st.st_mtime, st.st_size])
            except FileNotFoundError:
                stats.extend([0.0, 0])
        return (float(stats[0]), int(stats[1]), float(stats[2]), int(stats[3]))

    def _connect(
        self, read_only: bool, on_wait: Callable[[str], None] | None
    ) -> duckdb.DuckDBPyConnection:
        return self._retry(lambda: duckdb.connect(str(self.path), read_only=read_only), on_wait,
                           after_writer=read_only)

    def intent_path(self) -> Path:
        return self.path.with_name(f"{self.path.name}.writing")

    @contextmanager
    def writer_first(self) -> Iterator[None]:
        """While an import waits for the write lock and merges: readers opening meanwhile
        wait for it to end. Twenty sessions reading page after page kept an import's merge
        out for the whole 60 s it waits (each page a new read connection); now the pages in
        flight finish, the next ones wait with their notice, and show the new data.

        The sign is an exclusive flock on `<store>.writing`: the kernel drops it with the
        process, so an import killed halfway holds no reader back (no stale marker, no pid
        to be reused). A second import waits here for the first."""
        try:
            fd: int | None = os.open(self.intent_path(), os.O_RDWR | os.O_CREAT, 0o644)
        except OSError:
            fd = None  # a full disk or a read-only folder: readers are then not held back
        if fd is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        _THREAD.writing = str(self.path)
        try:
            yield
        finally:
            _THREAD.writing = None
            if fd is not None:
                fcntl.flock(fd, fcntl.LOCK_UN)
                os.close(fd)

    def writer_waiting(self) -> bool:
        """Whether an import (another thread's or process's) holds `<store>.writing`."""
        if getattr(_THREAD, "writing", None) == str(self.path):
            return False  # this thread's own import
        try:
            fd = os.open(self.intent_path(), os.O_RDONLY)
        except OSError:
            return False  # no import has run here
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        finally:
            os.close(fd)  # closing drops the shared lock taken, if it was
        return False

    def sibling(self, suffix: str) -> Path:
        """A file beside the store for what must not change its token: servicelens.audit.duckdb
        beside servicelens.duckdb."""
        return self.path.with_name(f"{self.path.stem}.{suffix}{self.path.suffix or '.duckdb'}")

    def connect_file(self, path: Path, *, read_only: bool) -> duckdb.DuckDBPyConnection:
        """A connection to a file beside the store, waiting out other writers as the store's
        own connections do."""
        path.parent.mkdir(parents=True, exist_ok=True)
        return self._retry(lambda: duckdb.connect(str(path), read_only=read_only), None, path)

    def _retry(self, open_it: Callable[[], T], on_wait: Callable[[str], None] | None,
               file: Path | None = None, *, after_writer: bool = False) -> T:
        """open_it(), retried while another process holds the file's lock, and with
        `after_writer` (a reader) first held back while an import is let in (writer_first):
        both within one LOCK_WAIT_S, said once. `file` (the store itself unless given) is the
        one named when it cannot be opened."""
        file = file or self.path
        deadline = time.monotonic() + LOCK_WAIT_S
        told = False
        while True:
            if not (after_writer and self.writer_waiting() and time.monotonic() < deadline):
                try:
                    return open_it()
                except (duckdb.IOException, duckdb.ConnectionException,
                        duckdb.ResourceInUseException) as error:
                    if not _is_lock_error(error) or time.monotonic() > deadline:
                        raise _unopened(error, file) from error
            if on_wait is not None and not told:
                on_wait(f"the store {self.path} is being written by another process; waiting")
                told = True
            time.sleep(0.2)

    def ensure(self, on_wait: Callable[[str], None] | None = None) -> None:
        """Create the store if missing and bring its schema to this release's version."""
        if not (self.exists() and self.schema_version(on_wait) == SCHEMA_VERSION):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            con = self._connect(read_only=False, on_wait=on_wait)
            try:
                migrate(con)
            finally:
                con.close()
        self._tables()

    def schema_version(self, on_wait: Callable[[str], None] | None = None) -> int:
        con = self._connect(read_only=True, on_wait=on_wait)
        try:
            return current_version(con)
        finally:
            con.close()

    @contextmanager
    def reader(
        self, on_wait: Callable[[str], None] | None = None
    ) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-only connection for one unit of work: a cursor of the `shared()` one when
        this thread holds it, else a connection of its own."""
        if not self.exists():
            raise StoreError(
                f"no store at {self.path}: run `servicelens demo` or import an extract first"
            )
        held = _held().get(str(self.path))
        con = held.cursor() if held is not None else self._connect(read_only=True,
                                                                     on_wait=on_wait)
        try:
            yield con
        except duckdb.Error as error:  # a block that cannot be read: a damaged file
            if not _is_damage(error):
                raise
            raise StoreError(
                f"the store {self.path} cannot be read ({str(error)[:300]}); {_RESTORE}"
            ) from error
        finally:
            con.close()

    @contextmanager
    def shared(self) -> Iterator[None]:
        """One read-only connection for every `reader()` of this store in this thread while
        the block runs (one page's numbers: 10 to 15 queries), instead of opening the file
        for each (about 20 ms each here). It is closed at the end of the block, so that a
        writer in another process gets in between pages."""
        held, key = _held(), str(self.path)
        if key in held or not self.exists():
            yield
            return
        held[key] = self._connect(read_only=True, on_wait=None)
        try:
            if self.engine is None:
                yield
            else:
                with self.engine.held():
                    yield
        finally:
            held.pop(key).close()

    @contextmanager
    def writer(
        self, on_wait: Callable[[str], None] | None = None
    ) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-write connection on a migrated store; the caller owns transactions."""
        if str(self.path) in _held():  # it would wait for the thread's own read connection
            raise StoreError(f"cannot write {self.path} inside its shared read block")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        con = self._connect(read_only=False, on_wait=on_wait)
        try:
            migrate(con)
            self._tables(con)
            yield con
        finally:
            con.close()

    @contextmanager
    def attached(
        self, con: duckdb.DuckDBPyConnection, alias: str,
        on_wait: Callable[[str], None] | None = None,
    ) -> Iterator[None]:
        """Attach the store to another connection (for a merge), waiting out other writers."""
        if not alias.isidentifier():
            raise ValueError(f"not an alias: {alias!r}")
        self.ensure(on_wait)
        self._retry(lambda: con.execute(f"ATTACH $path AS {alias}", {"path": str(self.path)}),
                    on_wait)
        try:
            yield
        finally:
            try:
                con.execute(f"DETACH {alias}")
            except duckdb.IOException as error:
                # its checkpoint failed (a full disk): what was committed is in the WAL, which
                # the next connection replays; anything else is the caller's to hear of
                if not disk_full(error):
                    raise

    def settings(self) -> Settings:
        """The site's settings; the defaults for anything never saved."""
        if not self.exists():
            return Settings()
        with self.reader() as con:
            rows = con.execute("SELECT key, value FROM settings").fetchall()
        return Settings.model_validate({key: json.loads(value) for key, value in rows})

    def scope(self, filters: Filters, *, as_of: datetime | None = None,
              grain: Grain | None = None, access: Access | None = None) -> Scope:
        """A scope over this store's settings (read once here), as of the data's latest moment
        (`data_as_of`) unless `as_of` is given."""
        settings = self.settings()
        return Scope.of(filters, settings, as_of=as_of or self.data_as_of(settings),
                        grain=grain, access=access)

    def data_as_of(self, settings: Settings | None = None) -> datetime | None:
        """The latest moment the tickets know (a creation, response, resolution or closing),
        never later than the store was last written (in the site's time): what a still-open
        ticket's age is counted to. It depends on the file alone, not on the clock, so the
        page (which reads it once per store token) and the CLI agree, and results stay cached
        until data is written; None for a store without tickets."""
        if not self.exists():
            return None
        rows = self.fetch("SELECT greatest(max(created_at), max(first_response_at),"
                          " max(resolved_at), max(closed_at)) FROM tickets")
        latest = rows[0][0] if rows else None
        if latest is None:
            return None
        return min(latest.replace(microsecond=0), self._written_at(settings or self.settings()))

    def _written_at(self, settings: Settings) -> datetime:
        """When the store's file (or its WAL) was last written, as the site's wall clock:
        the later of the two modification times in its token."""
        file_mtime, _, wal_mtime, _ = self.version_token()
        return datetime.fromtimestamp(max(file_mtime, wal_mtime), ZoneInfo(settings.timezone)
                                      ).replace(tzinfo=None, microsecond=0)

    def save_settings(self, settings: Settings) -> None:
        data = settings.model_dump()
        with self.writer() as con:
            con.execute("BEGIN TRANSACTION")
            for key, value in data.items():
                con.execute(
                    "INSERT OR REPLACE INTO settings VALUES ($key, $value)",
                    {"key": key, "value": json.dumps(value, ensure_ascii=False)},
                )
            con.execute("COMMIT")

    def latest_dates(self) -> dict[str, date | None]:
        """The latest record date per kind: the store's freshness."""
        if not self.exists():
            return {"tickets": None, "surveys": None, "qa": None, "calls": None}
        (row,) = self.fetch(
            "SELECT (SELECT max(created_at) FROM tickets)::DATE AS tickets,"
            " (SELECT max(sent_at) FROM surveys)::DATE AS surveys,"
            " (SELECT max(inspected_at) FROM qa_inspections)::DATE AS qa,"
            " (SELECT max(queued_at) FROM calls)::DATE AS calls")
        return {"tickets": row[0], "surveys": row[1], "qa": row[2], "calls": row[3]}

    def latest_day(self) -> date | None:
        """The last day the tickets or the calls reach: where the default view ends."""
        return last_day(self.latest_dates())

    def holds_calls(self) -> bool:
        """Whether the store holds any phone call (the hotline's cards and sections)."""
        if not self.exists():
            return False
        rows = self.fetch("SELECT EXISTS (SELECT 1 FROM calls) AS held")
        return bool(rows and rows[0][0])

    def is_demo(self) -> bool:
        """True when the data came from `servicelens demo` and nothing real was imported."""
        if not self.exists():
            return False
        with self.reader() as con:
            row = con.execute(
                "SELECT count(*) FILTER (WHERE source = 'demo'),"
                " count(*) FILTER (WHERE source <> 'demo') FROM import_log"
            ).fetchone()
        assert row is not None
        return bool(row[0]) and not row[1]

    def ticket_count(self) -> int:
        if not self.exists():
            return 0
        rows = self.fetch("SELECT count(*) AS n FROM tickets")
        return int(rows[0][0]) if rows else 0


def last_day(latest: dict[str, date | None]) -> date | None:
    """The last day of tickets or calls in `latest_dates()`: where the default view ends (a
    hotline's store may hold calls only)."""
    days = [d for d in (latest.get("tickets"), latest.get("calls")) if d is not None]
    return max(days) if days else None


def fetch_one(
    con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, object] | None = None
) -> tuple[Any, ...] | None:
    """The first row of a query, with the result consumed so the connection can go on."""
    rows = con.execute(sql, params or {}).fetchall()
    return rows[0] if rows else None


def current_version(con: duckdb.DuckDBPyConnection) -> int:
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_migrations'"
    ).fetchone()
    if not exists or not exists[0]:
        return 0
    row = con.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchone()
    return int(row[0]) if row else 0


def migrate(con: duckdb.DuckDBPyConnection) -> int:
    """Apply every migration newer than the store's version, each in its own transaction."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, description VARCHAR, applied_at TIMESTAMP)"
    )
    version = current_version(con)
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"the store has schema version {version}, newer than this release "
            f"({SCHEMA_VERSION}): upgrade ServiceLens"
        )
    for number, why, ddl in MIGRATIONS:
        if number <= version:
            continue
        con.execute("BEGIN TRANSACTION")
        con.execute(ddl)
        con.execute(
            "INSERT INTO schema_migrations VALUES ($v, $why, current_localtimestamp())",
            {"v": number, "why": why},
        )
        con.execute("COMMIT")
    return SCHEMA_VERSION
