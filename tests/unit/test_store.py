"""The store: migrations, settings round trip, read-only readers, the layering rule."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from metrics.core import catalog
from metrics.core.filters import Filters
from metrics.core.scope import Scope
from metrics.core.settings import Settings, validate_weights
from metrics.engine import queries
from metrics.engine.store import SCHEMA_VERSION, Store, StoreError, migrate


def test_new_store_reaches_the_current_schema(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.duckdb")
    store.ensure()
    assert store.schema_version() == SCHEMA_VERSION
    store.ensure()  # idempotent
    assert store.schema_version() == SCHEMA_VERSION


def test_store_from_a_newer_release_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.duckdb"
    con = duckdb.connect(str(path))
    migrate(con)
    con.execute("INSERT INTO schema_migrations VALUES ($v, 'future', now())",
                {"v": SCHEMA_VERSION + 1})
    con.close()
    with pytest.raises(StoreError, match="newer than this release"), Store(path).writer():
        pass


def test_migrations_are_applied_in_order_and_recorded(tmp_path: Path) -> None:
    con = duckdb.connect(str(tmp_path / "m.duckdb"))
    migrate(con)
    rows = con.execute("SELECT version FROM schema_migrations ORDER BY version").fetchall()
    assert [r[0] for r in rows] == list(range(1, SCHEMA_VERSION + 1))
    con.close()


def test_settings_round_trip(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.duckdb")
    store.ensure()
    assert store.settings() == Settings()
    changed = Settings(timezone="Asia/Hong_Kong", targets={"csat": 0.92},
                       channel_standards_s={"phone": 30, "chat": 60, "email": 3600,
                                            "social": 3600, "walk_in": 600})
    store.save_settings(changed)
    assert store.settings() == changed
    assert store.settings().target("csat") == 0.92
    assert store.settings().target("resolution_rate") == catalog.get("resolution_rate").target


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        ({"csat": 0.5, "resolution_rate": 0.6}, "sum to 1"),
        ({"csat": 1.2, "resolution_rate": -0.2}, "negative"),
        ({"tickets": 1.0}, "not a rate"),
        ({"nope": 1.0}, "unknown metric"),
        ({}, "at least one"),
    ],
)
def test_bad_weights_give_a_clear_error(weights: dict[str, float], message: str) -> None:
    with pytest.raises((ValueError, KeyError), match=message):
        validate_weights(weights)


def test_reader_is_read_only(tiny_store: Store) -> None:
    with tiny_store.reader() as con, pytest.raises(duckdb.Error):
        con.execute("DELETE FROM tickets")
    assert tiny_store.ticket_count() == 7


def test_reader_on_missing_store_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="servicelens demo"), \
            Store(tmp_path / "none.duckdb").reader():
        pass


def test_metrics_never_imports_streamlit() -> None:
    """The domain stays importable without the UI (also an import-linter contract)."""
    code = (
        "import importlib, pkgutil, sys, metrics\n"
        "for m in pkgutil.walk_packages(metrics.__path__, 'metrics.'):\n"
        "    importlib.import_module(m.name)\n"
        "bad = sorted(n for n in sys.modules if n == 'streamlit' or n.startswith('streamlit.'))\n"
        "print(bad[:3]); sys.exit(1 if bad else 0)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=Path(__file__).parents[2], check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_scope_is_as_of_the_datas_latest_moment(tmp_path: Path) -> None:
    """Open tickets age to the latest moment the data knows, not to the wall clock: a cached
    result stays right until data is written (and page and CLI agree)."""
    store = Store(tmp_path / "asof.duckdb")
    store.ensure()
    assert store.data_as_of() is None
    with store.writer() as con:
        con.execute(
            "INSERT INTO tickets (ticket_id, created_at, channel, request_type, first_response_at,"
            " resolved_at) VALUES ('A', '2026-03-01 09:00:00', 'phone', 'inquiry',"
            " '2026-03-01 09:00:30', NULL), ('B', '2026-03-02 10:00:00', 'chat', 'inquiry',"
            " NULL, '2026-03-04 11:30:15.5')")
    assert store.data_as_of() == datetime(2026, 3, 4, 11, 30, 15)
    scope = store.scope(Filters(date_from=date(2026, 3, 1), date_to=date(2026, 3, 31)))
    assert scope.as_of == datetime(2026, 3, 4, 11, 30, 15)
    with store.writer() as con:  # a time ahead (the demo's day, a bad extract): capped at
        con.execute("UPDATE tickets SET closed_at = '2999-01-01' WHERE ticket_id = 'A'")
    capped = store.data_as_of()  # when the file was last written, not the clock of each call
    assert capped is not None and capped.year < 2999
    assert store.data_as_of() == capped == Store(store.path).scope(scope.filters).as_of
    assert capped == store._written_at(store.settings())


def test_shared_opens_the_file_once_for_the_blocks_readers(
        tiny_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[bool] = []
    connect = Store._connect

    def counting(self: Store, read_only: bool, on_wait: object) -> duckdb.DuckDBPyConnection:
        opened.append(read_only)
        return connect(self, read_only, on_wait)  # type: ignore[arg-type]

    monkeypatch.setattr(Store, "_connect", counting)
    week = Filters(date_from=date(2026, 3, 1), date_to=date(2026, 3, 7))
    scope = Scope.of(week, Settings(), as_of=datetime(2026, 3, 10))
    apart = queries.kpis(tiny_store, scope), queries.breakdown(tiny_store, scope, ["csat"], "team")
    apart_opened = len(opened)
    opened.clear()
    with tiny_store.shared():
        together = (queries.kpis(tiny_store, scope),
                    queries.breakdown(tiny_store, scope, ["csat"], "team"))
        with tiny_store.reader() as con:  # a reader is a cursor of the shared connection
            assert con.execute("SELECT count(*) FROM tickets").fetchone() == (7,)
    assert opened == [True] and apart_opened > 1
    assert {k: v.value for k, v in together[0].items()} == \
        {k: v.value for k, v in apart[0].items()}
    assert together[1].equals(apart[1])
    with tiny_store.reader():  # after the block, readers open their own again
        pass
    assert len(opened) == 2


def test_no_writer_inside_a_shared_read_block(tiny_store: Store) -> None:
    """It would wait for the thread's own read connection until the lock wait gives up."""
    with tiny_store.shared(), pytest.raises(StoreError, match="shared read block"), \
            tiny_store.writer():
        pass
    with tiny_store.writer():  # after the block, as ever
        pass


def test_cached_computations_share_the_connection_of_their_path_argument(
        tiny_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """`path` is found by name: cached.page takes the page's name first."""
    from ui import cached

    entered: list[str] = []
    shared = Store.shared

    def recording(self: Store):  # type: ignore[no-untyped-def]
        entered.append(str(self.path))
        return shared(self)

    monkeypatch.setattr(Store, "shared", recording)
    week = Filters(date_from=date(2026, 3, 1), date_to=date(2026, 3, 7))
    scope = Scope.of(week, Settings(), as_of=datetime(2026, 3, 10))
    path = str(tiny_store.path)
    cached.page.__wrapped__("response", path, tiny_store.version_token(), scope)  # type: ignore[attr-defined]
    cached.frame_by.__wrapped__(path, tiny_store.version_token(), scope, ("tickets",), ())  # type: ignore[attr-defined]
    assert entered == [path, path]
