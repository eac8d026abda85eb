"""Every view, drill-down and the review pack give the same numbers on DuckDB and on embedded
ClickHouse (chDB), to 1e-9 relative, on the demo's rows copied across by `migrate`'s code;
and a ClickHouse store imports, re-imports and migrates as a DuckDB one does."""

from __future__ import annotations

import dataclasses
import json
import math
import shutil
from datetime import date, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from metrics.cli import main
from metrics.core.access import Access, User
from metrics.core.filters import Filters
from metrics.core.scope import Scope
from metrics.engine import clickhouse, dialect, queries, transfer
from metrics.engine.store import DATA_TABLES, Store, StoreError
from metrics.ingest import importer
from metrics.report import pack
from metrics.views import drill, scorecards
from metrics.views.pages import PAGE_VIEWS
from tests.conftest import on_engine

OCTOBER = Filters(date_from=date(2026, 10, 1), date_to=date(2026, 10, 31))
REL = 1e-9
CORPUS = Path(__file__).parents[1] / "corpus"


@pytest.fixture(scope="module")
def pair(demo_store: Store, tmp_path_factory: pytest.TempPathFactory) -> tuple[Store, Store]:
    """(the DuckDB demo store, a chDB store holding a copy of its rows)."""
    assert demo_store.ticket_count() > 5000
    return demo_store, on_engine(demo_store, "chdb", tmp_path_factory.mktemp("engines"))


def same(a: Any, b: Any, where: str = "") -> None:
    """a and b equal, floats to REL relative, frames row by row (in a stable order)."""
    if dataclasses.is_dataclass(a) and not isinstance(a, type):
        assert type(a) is type(b), where
        for field in dataclasses.fields(a):
            same(getattr(a, field.name), getattr(b, field.name), f"{where}.{field.name}")
    elif isinstance(a, pl.DataFrame):
        same_frames(a, b, where)
    elif isinstance(a, dict):
        assert isinstance(b, dict) and list(a) == list(b), f"{where}: {list(a)} != {list(b)}"
        for key in a:
            same(a[key], b[key], f"{where}[{key!r}]")
    elif isinstance(a, (list, tuple)):
        assert isinstance(b, (list, tuple)) and len(a) == len(b), f"{where}: {a} != {b}"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            same(x, y, f"{where}[{i}]")
    elif isinstance(a, float) and isinstance(b, (float, int)) and not isinstance(b, bool):
        assert (math.isnan(a) and math.isnan(b)) or \
            b == pytest.approx(a, rel=REL, abs=1e-12), f"{where}: {a!r} != {b!r}"
    else:
        assert a == b, f"{where}: {a!r} != {b!r}"


def same_frames(a: pl.DataFrame, b: Any, where: str) -> None:
    assert isinstance(b, pl.DataFrame), where
    assert a.columns == b.columns, where
    # the same types, an integer's width aside (a CASE's 1 is INTEGER in DuckDB, UInt8 in
    # ClickHouse, made Int64 on the way out)
    kinds = [[("int" if t.is_integer() else str(t)) for t in f.dtypes] for f in (a, b)]
    assert kinds[0] == kinds[1], f"{where}: {a.dtypes} != {b.dtypes}"
    keys = [c for c, t in a.schema.items() if t.is_numeric() or t in (pl.String, pl.Date,
                                                                      pl.Boolean)
            or isinstance(t, pl.Datetime)]
    if keys:
        a, b = a.sort(keys, nulls_last=True), b.sort(keys, nulls_last=True)
    same(a.rows(), b.rows(), where)


def scopes(store: Store) -> dict[str, Scope]:
    """October as the operator sees it, in business hours, narrowed, and as a team lead."""
    lead = User(name="lead", role="team_lead", teams=("热线一组",))
    return {
        "month": store.scope(OCTOBER),
        "business": store.scope(OCTOBER.model_copy(update={"business_hours": True})),
        "narrowed": store.scope(OCTOBER.model_copy(update={"channels": ("phone", "chat")})),
        "team lead": store.scope(OCTOBER, access=Access.of(lead)),
        "empty": store.scope(Filters(date_from=date(2031, 1, 1), date_to=date(2031, 1, 31))),
    }


@pytest.mark.parametrize("view", list(PAGE_VIEWS))
def test_every_view_is_equal_on_both_engines(pair: tuple[Store, Store], view: str) -> None:
    duck, ch = pair
    for name, scope in scopes(duck).items():
        assert scopes(ch)[name] == scope  # the same as-of, settings and access
        same(PAGE_VIEWS[view](duck, scope), PAGE_VIEWS[view](ch, scope), f"{view} {name}")


@pytest.mark.parametrize("metric_id", ["first_response_p90_s", "resolution_rate", "csat",
                                       "complaints", "answer_rate", "violations"])
def test_drill_rows_are_equal(pair: tuple[Store, Store], metric_id: str) -> None:
    duck, ch = pair
    for name, scope in scopes(duck).items():
        if name == "team lead":
            continue
        same(drill.drill(duck, scope, metric_id, {}), drill.drill(ch, scope, metric_id, {}),
             f"{metric_id} {name}")
    search = drill.drill(ch, scopes(ch)["month"], "csat", {}, search="慢")
    same(drill.drill(duck, scopes(duck)["month"], "csat", {}, search="慢"), search)


def test_rewrites_inside_rewrites_are_equal(pair: tuple[Store, Store]) -> None:
    """A construct the dialect rewrites, inside another it rewrites: each is translated."""
    sql = ("SELECT quantile_cont(epoch(first_response_at - created_at), 0.5) FILTER"
           " (WHERE lower(trim(channel)) = 'phone') AS q,"
           " count(*) FILTER (WHERE lower(trim(channel)) = 'phone') AS n,"
           " max(hour(created_at) * 2 + minute(created_at) // 30) AS slot FROM tickets")
    text = dialect.translate(sql, {})
    assert "TIME_TO_UNIX" not in text.upper() and "TRIM(" not in text.upper()
    duck, ch = pair
    same(duck.frame(sql), ch.frame(sql), "nested")


def test_the_store_facts_and_the_review_pack_are_equal(pair: tuple[Store, Store]) -> None:
    duck, ch = pair
    for fact in (queries.dimension_values, queries.first_day, Store.latest_dates,
                 Store.holds_calls, Store.ticket_count, Store.is_demo):
        same(fact(duck), fact(ch), fact.__name__)
    same(queries.agent_teams(duck, OCTOBER), queries.agent_teams(ch, OCTOBER))
    agent = next(iter(queries.agent_teams(duck, OCTOBER)))
    same(scorecards.agent_trends(duck, duck.scope(OCTOBER), agent, None),
         scorecards.agent_trends(ch, ch.scope(OCTOBER), agent, None))
    as_of = datetime(2026, 11, 23, 18, 0)
    made = [pack.build(s, s.scope(OCTOBER, as_of=as_of), "zh") for s in (duck, ch)]
    for field in dataclasses.fields(made[0]):
        if field.name != "generated":  # when it was built
            same(*(getattr(p, field.name) for p in made), f"pack.{field.name}")


def cli_json(capsys: pytest.CaptureFixture[str], *args: str) -> Any:
    assert main(list(args)) == 0
    return json.loads(capsys.readouterr().out)


def test_cli_json_is_identical_and_a_reimport_changes_nothing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The same files imported into a DuckDB file and into chDB: `kpis` and `agents` print the
    same JSON; importing every file again changes no number and writes no row."""
    files = [("tickets", "tickets_zh_utf8.csv"), ("tickets", "tickets_overlap_a.csv"),
             ("tickets", "tickets_overlap_b.csv"), ("surveys", "surveys_zh.csv"),
             ("qa", "qa_zh.csv")]
    stores = [Store(tmp_path / "s.duckdb"), Store(f"chdb:{tmp_path / 's.chdb'}")]
    period = ("--from", "2026-01-01", "--to", "2026-12-31", "--json")
    printed = []
    for store in stores:
        for kind, name in files:
            importer.import_file(store, kind, CORPUS / name)
        kpis = cli_json(capsys, "kpis", "--store", store.location, *period)
        agents = cli_json(capsys, "agents", "--store", store.location, *period)
        assert kpis["tickets"] > 0 and agents
        for kind, name in files:
            again = importer.import_file(store, kind, CORPUS / name)
            assert again.inserted == again.updated == 0, name
        assert cli_json(capsys, "kpis", "--store", store.location, *period) == kpis
        assert cli_json(capsys, "agents", "--store", store.location, *period) == agents
        printed.append((kpis, agents))
    assert printed[0] == printed[1]


def test_a_changed_row_replaces_the_stored_one_and_its_child_rows(tmp_path: Path) -> None:
    """A re-import that corrects a survey (a dimension score dropped) and moves a ticket to
    another month: read once, never twice, before any merge."""
    store = Store(f"chdb:{tmp_path / 'c.chdb'}")
    first = tmp_path / "t.csv"
    first.write_text("ticket_id,created_at,channel,request_type\n"
                     "T1,2026-02-27 10:00:00,phone,inquiry\nT2,2026-02-28 10:00:00,chat,repair\n")
    importer.import_file(store, "tickets", first)
    first.write_text("ticket_id,created_at,channel,request_type\n"
                     "T1,2026-03-02 10:00:00,phone,inquiry\n")
    result = importer.import_file(store, "tickets", first)
    assert (result.inserted, result.updated) == (0, 1)
    assert store.ticket_count() == 2
    march = queries.kpis(store, store.scope(Filters(date_from=date(2026, 3, 1),
                                                    date_to=date(2026, 3, 31))))
    assert march["tickets"].value == 1
    february = queries.kpis(store, store.scope(Filters(date_from=date(2026, 2, 1),
                                                       date_to=date(2026, 2, 28))))
    assert february["tickets"].value == 1  # T2 only: T1's old version is not read
    surveys = tmp_path / "s.csv"
    surveys.write_text("survey_id,sent_at,score,score_speed,score_attitude\n"
                       "S1,2026-03-02 12:00:00,4,5,3\n")
    importer.import_file(store, "surveys", surveys)
    surveys.write_text("survey_id,sent_at,score,score_speed\nS1,2026-03-02 12:00:00,4,2\n")
    assert importer.import_file(store, "surveys", surveys).updated == 1
    rows = store.fetch("SELECT dimension, score FROM survey_dimension_scores")
    assert rows == [("speed", 2)]


def test_migrate_copies_and_says_both_sides(
        demo_store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = f"chdb:{tmp_path / 'm.chdb'}"
    assert main(["migrate", "--store", demo_store.location, "--to", target]) == 0
    out = capsys.readouterr().out
    for table in DATA_TABLES:
        line = next(li for li in out.splitlines() if li.startswith(table + " "))
        left, right = line.split()[1:3]
        assert (left == right and left != "0") or table == "survey_dimension_scores"
    assert Store(target).ticket_count() == demo_store.ticket_count()
    assert main(["migrate", "--store", demo_store.location, "--to", target]) == 2
    assert "already holds" in capsys.readouterr().err
    # a backup of a ClickHouse store says that the data tables are not in it
    assert main(["backup", str(tmp_path / "copies"), "--store", target]) == 0
    said = capsys.readouterr()
    assert "the control file of" in said.out and "are not in this copy" in said.err


def test_locations_never_show_a_password(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(clickhouse.ClickHouseError, match="SERVICELENS_CLICKHOUSE_PASSWORD"):
        Store("clickhouse://ops:s3cret@ch.example:8123/servicelens")
    store = Store("clickhouse://ops@ch.example:8123/servicelens")
    assert store.location == "clickhouse://ops@ch.example:8123/servicelens"
    assert "s3cret" not in repr(store)
    monkeypatch.setenv("SERVICELENS_CONTROL", "/tmp/control.duckdb")
    assert Store("clickhouse://ch.example/db").path == Path("/tmp/control.duckdb")
    with pytest.raises(clickhouse.ClickHouseError, match="needs a folder"):
        Store("chdb:")
    with pytest.raises(StoreError):
        transfer.copy(Store("chdb:/nonexistent/x"), Store("chdb:/nonexistent/y"))


def test_bind_parameters_stay_parameters_in_clickhouse_text() -> None:
    """A hostile value never enters the text: the ClickHouse SQL has {name:Type} where the
    DuckDB SQL had $name, and a value fails loudly when the text names an unbound one."""
    sql = "SELECT count(*) FROM tickets WHERE list_contains($f_team::VARCHAR[], team)" \
          " AND created_at >= $date_from"
    hostile = {"f_team": ["x'); DROP TABLE tickets; --"], "date_from": datetime(2026, 1, 1)}
    text = dialect.translate(sql, hostile)
    assert "{f_team:Array(String)}" in text and "{date_from:DateTime64(6, 'UTC')}" in text
    assert "DROP" not in text
    with pytest.raises(KeyError):
        dialect.translate(sql, {"f_team": []})


def test_a_hostile_value_is_data_on_chdb(tmp_path: Path) -> None:
    store = Store(f"chdb:{tmp_path / 'h.chdb'}")
    rows = tmp_path / "t.csv"
    rows.write_text("ticket_id,created_at,channel,request_type,agent,team\n"
                    "T1,2026-03-02 10:00:00,phone,inquiry,\"a'); DROP TABLE tickets; --\","
                    "\"x\tq\"\n")
    importer.import_file(store, "tickets", rows)
    scope = store.scope(Filters(date_from=date(2026, 3, 1), date_to=date(2026, 3, 31),
                                agents=("a'); DROP TABLE tickets; --",)))
    assert queries.kpis(store, scope)["tickets"].value == 1
    assert store.ticket_count() == 1
    shutil.rmtree(tmp_path / "h.chdb")


def test_a_server_gets_the_password_from_the_environment_and_bound_parameters(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """clickhouse:// through clickhouse-connect, its client replaced by a recorder (no server
    runs here): the password comes from the environment, the database from the URL, the
    settings with the client, and each query is the translated text with its parameters
    bound by the driver, never pasted."""
    seen: dict[str, Any] = {}

    class Client:
        def query_arrow(self, sql: str, parameters: dict[str, Any]) -> Any:
            seen["sql"], seen["parameters"] = sql, parameters
            import pyarrow as pa
            return pa.table({"n": pa.array([7], pa.uint64())})

        def command(self, sql: str) -> None:
            seen.setdefault("commands", []).append(sql)

    def get_client(**options: Any) -> Client:
        seen["options"] = options
        return Client()

    import types
    monkeypatch.setitem(__import__("sys").modules, "clickhouse_connect",
                        types.SimpleNamespace(get_client=get_client))
    monkeypatch.setenv("SERVICELENS_CLICKHOUSE_PASSWORD", "s3cret")
    monkeypatch.setenv("SERVICELENS_CONTROL", str(tmp_path / "control.duckdb"))
    store = Store("clickhouse://ops@ch.example:9000/servicelens")
    store.ensure()
    hostile = "x'); DROP TABLE tickets; --"
    rows = store.fetch("SELECT count(*) AS n FROM tickets WHERE agent = $a", {"a": hostile})
    assert rows == [(7,)]
    options = seen["options"]
    assert (options["host"], options["port"], options["username"], options["password"],
            options["database"]) == ("ch.example", 9000, "ops", "s3cret", "servicelens")
    assert options["settings"] == clickhouse.SETTINGS
    assert "{a:String}" in seen["sql"] and "DROP" not in seen["sql"]
    assert seen["parameters"] == {"a": hostile}
    assert any("ReplacingMergeTree(_version, _deleted)" in c for c in seen["commands"])


def test_an_agents_team_at_a_tie_is_the_greater_tickets_on_both_engines(tmp_path: Path) -> None:
    """Two tickets of one agent at the same minute, in two teams: the team is the one of the
    greater ticket id, whatever the engine and whichever row the file lists first."""
    rows = tmp_path / "t.csv"
    rows.write_text("ticket_id,created_at,channel,request_type,agent,team\n"
                    "T1,2026-03-02 10:00,phone,inquiry,A,一组\n"
                    "T2,2026-03-02 10:00,phone,inquiry,A,二组\n")
    march = Filters(date_from=date(2026, 3, 1), date_to=date(2026, 3, 31))
    for store in (Store(tmp_path / "t.duckdb"), Store(f"chdb:{tmp_path / 't.chdb'}")):
        importer.import_file(store, "tickets", rows)
        assert queries.agent_teams(store, march) == {"A": "二组"}, store


def _state(store: Store) -> tuple[Any, ...]:
    """What a page could read of the store: its rows (versions merged) and its import log."""
    with store.reader() as con:
        log = con.execute("SELECT import_id, file_name FROM import_log ORDER BY 1").fetchall()
    return (store.fetch("SELECT ticket_id, created_at, channel FROM tickets ORDER BY 1"),
            store.fetch("SELECT survey_id, sent_at, score FROM surveys ORDER BY 1"),
            store.fetch("SELECT survey_id, dimension, score FROM survey_dimension_scores"
                        " ORDER BY 1, 2"), log)


@pytest.mark.parametrize("fails", ["commit", "child insert"])
def test_a_failed_import_leaves_a_chdb_store_as_it_was(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fails: str) -> None:
    """An import that fails once its rows reached ClickHouse (the control file's COMMIT on a
    full disk, or the child table's insert after the parent's): new rows, changed rows, a row
    moved to another month and a dropped dimension score all read as before; the next import
    of the file then gives the same store as on DuckDB."""
    tickets, surveys = tmp_path / "t.csv", tmp_path / "s.csv"
    tickets.write_text("ticket_id,created_at,channel,request_type\n"
                       "T1,2026-02-27 10:00:00,phone,inquiry\nT2,2026-02-28 10:00:00,chat,repair\n")
    surveys.write_text("survey_id,sent_at,score,score_speed,score_attitude\n"
                       "S1,2026-02-27 12:00:00,4,5,3\n")
    stores = [Store(tmp_path / "d.duckdb"), Store(f"chdb:{tmp_path / 'c.chdb'}")]
    for store in stores:
        importer.import_file(store, "tickets", tickets)
        importer.import_file(store, "surveys", surveys)
    ch = stores[1]
    before = _state(ch)
    tickets.write_text("ticket_id,created_at,channel,request_type\n"  # T1 moves to March
                       "T1,2026-03-02 10:00:00,phone,inquiry\nT2,2026-02-28 10:00:00,email,repair\n"
                       "T3,2026-03-03 10:00:00,chat,inquiry\n")
    surveys.write_text("survey_id,sent_at,score,score_speed\n"  # attitude dropped, moved
                       "S1,2026-03-01 12:00:00,2,1\nS2,2026-03-02 12:00:00,5,5\n")
    if fails == "commit":
        real = importer._write_clickhouse

        def then_fail(*args: Any, **kwargs: Any) -> None:
            real(*args, **kwargs)
            if not kwargs.get("undo"):
                raise OSError("No space left on device")
        monkeypatch.setattr(importer, "_write_clickhouse", then_fail)
    else:
        real_insert = type(ch.engine).insert

        def child_fails(self: Any, table: str, data: Any) -> None:
            if table == "survey_dimension_scores" and data.column("_version")[0].as_py() % 2 == 0:
                raise RuntimeError("Code: 241. DB::Exception: Memory limit exceeded")
            real_insert(self, table, data)
        monkeypatch.setattr(type(ch.engine), "insert", child_fails)
    for path, kind in ((tickets, "tickets"), (surveys, "surveys")):
        if fails == "commit" or kind == "surveys":
            with pytest.raises(Exception, match=r"No space|Memory limit"):
                importer.import_file(ch, kind, path)
        else:
            importer.import_file(ch, kind, path)
            before = _state(ch)  # the tickets' import went through
    assert _state(ch) == before
    monkeypatch.undo()
    for store in stores:
        importer.import_file(store, "tickets", tickets)
        importer.import_file(store, "surveys", surveys)
    duck_rows, ch_rows = _state(stores[0])[:3], _state(ch)[:3]
    assert duck_rows == ch_rows and len(ch_rows[0]) == 3
