"""The audit trail: what `record` keeps, what `entries` returns (period, user, order), the
migration that adds it, and `servicelens audit`."""

from __future__ import annotations

import json
import shutil
import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from metrics.cli import main
from metrics.core.access import User
from metrics.core.filters import Filters
from metrics.core.scope import site_now
from metrics.core.settings import Settings
from metrics.engine import accounts, audit
from metrics.engine.store import SCHEMA_VERSION, Store

MARCH = Filters(date_from=date(2026, 3, 1), date_to=date(2026, 3, 7), teams=("热线一组",),
                channels=("phone",))
INJECTION = "O'Brien'); DROP TABLE users; --"


@pytest.fixture()
def store(tmp_path: Path) -> Store:
    made = Store(tmp_path / "audit.duckdb")
    made.ensure()
    return made


@pytest.fixture()
def trail(store: Store) -> Store:
    """Four entries over 1-3 March 2026, at the ends of the days."""
    audit.record(store, user="王芳", action="sign_in", view="password",
                 at=datetime(2026, 3, 1, 0, 0, 0))
    audit.record(store, user="王芳", action="export", view="agents/table.csv", filters=MARCH,
                 rows=1234, at=datetime(2026, 3, 1, 23, 59, 59))
    audit.record(store, user="李强", action="view", view="overview/drill", filters=MARCH,
                 detail={"segment": {"channel": "phone"}, "metric": "frt"}, rows=7,
                 unmasked=True, at=datetime(2026, 3, 2, 12, 0))
    audit.record(store, user="李强", action="export", view="review_pack.pdf",
                 at=datetime(2026, 3, 3, 0, 0, 0))
    return store


def test_record_then_entries_round_trip(store: Store) -> None:
    assert audit.entries(store).columns == ["at", "user", "action", "view", "filters", "rows",
                                            "unmasked"]
    assert audit.entries(store).is_empty() and not audit.trail_path(store).exists()
    audit.record(store, user="李强", action="view", view="overview/drill", filters=MARCH,
                 rows=7, unmasked=True, at=datetime(2026, 3, 2, 12, 0, 0, 500_000))
    assert audit.entries(store).to_dicts() == [{
        "at": datetime(2026, 3, 2, 12, 0), "user": "李强", "action": "view",
        "view": "overview/drill", "rows": 7, "unmasked": True,
        "filters": '{"date_from":"2026-03-01","date_to":"2026-03-07","channels":["phone"],'
                   '"teams":["热线一组"]}',
    }]


def test_filters_json_is_one_compact_readable_object(trail: Store) -> None:
    drill = audit.entries(trail, user="李强")["filters"][1]
    assert drill == ('{"date_from":"2026-03-01","date_to":"2026-03-07","channels":["phone"],'
                     '"teams":["热线一组"],"segment":{"channel":"phone"},"metric":"frt"}')
    assert "agents" not in drill and "business_hours" not in drill  # only the fields set
    assert audit.entries(trail, user="李强")["filters"][0] is None  # neither filters nor detail
    assert audit.details(None, {"period": date(2026, 3, 1)}) == '{"period":"2026-03-01"}'
    with pytest.raises(ValueError, match="would hide the filter"):
        audit.details(MARCH, {"teams": ["x"]})


def test_start_and_end_are_inclusive_days(trail: Store) -> None:
    def days(start: date | None, end: date | None) -> list[datetime]:
        return list(audit.entries(trail, start=start, end=end)["at"])

    assert days(date(2026, 3, 1), date(2026, 3, 1)) == [datetime(2026, 3, 1, 23, 59, 59),
                                                         datetime(2026, 3, 1, 0, 0)]
    assert days(date(2026, 3, 2), date(2026, 3, 2)) == [datetime(2026, 3, 2, 12, 0)]
    assert days(date(2026, 3, 2), None) == [datetime(2026, 3, 3), datetime(2026, 3, 2, 12)]
    assert len(days(None, date(2026, 3, 2))) == 3
    assert days(date(2026, 3, 4), None) == []


def test_newest_first_by_user_and_limited(trail: Store) -> None:
    everything = audit.entries(trail)
    assert list(everything["view"]) == ["review_pack.pdf", "overview/drill",
                                        "agents/table.csv", "password"]
    assert list(audit.entries(trail, user="王芳")["action"]) == ["export", "sign_in"]
    assert audit.entries(trail, user="王").is_empty()  # a name, not a pattern
    assert list(audit.entries(trail, limit=1)["view"]) == ["review_pack.pdf"]
    same_second = datetime(2026, 3, 5, 8, 0)
    for view in ("first", "second"):  # within one second: the later one first
        audit.record(trail, user="x", action="export", view=view, at=same_second)
    assert list(audit.entries(trail, user="x")["view"]) == ["second", "first"]
    assert audit.names(trail) == ["x", "李强", "王芳"]


def test_a_name_with_quotes_is_stored_verbatim(store: Store) -> None:
    accounts.add(store, User(name="boss", role="admin"), "correct horse battery")
    audit.record(store, user=INJECTION, action="sign_in_failed", view="password")
    audit.record(store, user=INJECTION + "%", action="sign_in_failed", view="password")
    assert list(audit.entries(store, user=INJECTION)["user"]) == [INJECTION]
    assert [u.name for u in accounts.users(store)] == ["boss"]  # the users table is still there
    audit.record(store, user="x" * 10_000, action="sign_in_failed", view="password")
    assert audit.entries(store)["user"][0] == "x" * audit.NAME_MAX  # a bounded prefix


def test_only_known_actions(store: Store) -> None:
    with pytest.raises(ValueError, match="not an audit action"):
        audit.record(store, user="x", action="delete", view="x")  # type: ignore[arg-type]
    assert not audit.trail_path(store).exists()


def test_times_are_the_sites_wall_clock(store: Store) -> None:
    before = site_now(Settings())
    audit.record(store, user="x", action="export", view="now")
    store.save_settings(Settings(timezone="Europe/Berlin"))
    audit.record(store, user="x", action="export", view="aware",
                 at=datetime(2026, 3, 1, 1, 0, tzinfo=UTC))
    found = {row["view"]: row["at"] for row in audit.entries(store).iter_rows(named=True)}
    assert before <= found["now"] <= site_now(Settings()) and found["now"].microsecond == 0
    assert found["aware"] == datetime(2026, 3, 1, 2, 0)  # Berlin, naive


def test_the_trail_lives_beside_the_store_and_leaves_its_token(tmp_path: Path) -> None:
    """Writing the trail must not drop every session's cached results (the store's token) nor
    touch the store's schema; reading it never creates its file."""
    store = Store(tmp_path / "s.duckdb")
    store.ensure()
    accounts.add(store, User(name="王芳", role="team_lead", teams=("热线一组",)), "long enough")
    assert audit.entries(store).is_empty() and audit.names(store) == []
    assert not audit.trail_path(store).exists()
    token = store.version_token()
    audit.record(store, user="王芳", action="sign_in", view="password")
    assert audit.trail_path(store) == tmp_path / "s.audit.duckdb"
    assert store.version_token() == token and store.schema_version() == SCHEMA_VERSION
    assert list(audit.entries(store)["user"]) == ["王芳"]
    assert [u.name for u in accounts.users(store)] == ["王芳"]


# --- servicelens audit ------------------------------------------------------------------------

def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_audit_json(trail: Store, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "audit", "--store", str(trail.path), "--json")
    assert (code, err) == (0, "")
    records = json.loads(out)
    assert [r["view"] for r in records] == ["review_pack.pdf", "overview/drill",
                                           "agents/table.csv", "password"]
    assert records[1] == {
        "at": "2026-03-02T12:00:00", "user": "李强", "action": "view",
        "view": "overview/drill", "rows": 7, "unmasked": True,
        "filters": {"date_from": "2026-03-01", "date_to": "2026-03-07", "channels": ["phone"],
                    "teams": ["热线一组"], "segment": {"channel": "phone"}, "metric": "frt"},
    }
    assert records[0]["filters"] is None and records[0]["rows"] is None


def test_cli_audit_filters_by_period_and_user(trail: Store,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    def views(*args: str) -> list[str]:
        code, out, _ = run(capsys, "audit", "--store", str(trail.path), "--json", *args)
        assert code == 0
        return [r["view"] for r in json.loads(out)]

    assert views("--from", "2026-03-01", "--to", "2026-03-01") == ["agents/table.csv",
                                                                   "password"]
    assert views("--from", "2026-03-02") == ["review_pack.pdf", "overview/drill"]
    assert views("--to", "2026-03-02", "--user", "李强") == ["overview/drill"]
    assert views("--user", "nobody") == []


def test_cli_audit_lines_in_both_languages(trail: Store,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "audit", "--store", str(trail.path), "--to", "2026-03-01",
                       "--lang", "zh")
    assert code == 0
    assert out.splitlines() == [
        '2026-03-01 23:59:59 · 王芳 · 导出 · agents/table.csv · 1,234 行 · {"date_from":'
        '"2026-03-01","date_to":"2026-03-07","channels":["phone"],"teams":["热线一组"]}',
        "2026-03-01 00:00:00 · 王芳 · 登录 · password",
    ]
    code, out, _ = run(capsys, "audit", "--store", str(trail.path), "--user", "李强")
    assert out.splitlines()[0] == "2026-03-03 00:00:00 · 李强 · Export · review_pack.pdf"
    assert out.splitlines()[1].startswith(
        "2026-03-02 12:00:00 · 李强 · View · overview/drill · 7 rows · unmasked · {")
    code, out, _ = run(capsys, "audit", "--store", str(trail.path), "--user", "nobody",
                       "--lang", "zh")
    assert (code, out) == (0, "所选范围内没有审计记录。\n")


def test_cli_audit_keeps_a_typed_name_on_one_harmless_line(
        store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    audit.record(store, user="eve\n\x1b[2J", action="sign_in_failed", view="password",
                 at=datetime(2026, 3, 1, 8, 0))
    code, out, _ = run(capsys, "audit", "--store", str(store.path))
    assert (code, out) == (0, "2026-03-01 08:00:00 · eve\\n\\x1b[2J · Failed sign-in · password\n")


def test_cli_audit_bad_dates_and_missing_store(trail: Store,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["audit", "--store", str(trail.path), "--from", "2026-02-30"])
    assert done.value.code == 2
    assert "'2026-02-30' is not a date of the form YYYY-MM-DD" in capsys.readouterr().err
    code, out, err = run(capsys, "audit", "--store", str(trail.path), "--from", "2026-03-02",
                         "--to", "2026-03-01")
    assert (code, out) == (2, "")
    assert err == "servicelens audit: the period starts (2026-03-02) after it ends (2026-03-01)\n"
    code, _, err = run(capsys, "audit", "--store", str(trail.path.with_name("none.duckdb")))
    assert code == 2 and "no store at" in err and len(err.splitlines()) == 1


def test_without_a_period_entries_is_the_whole_trail(trail: Store) -> None:
    """`entries` without a period is the whole trail (the page asks for its 30 days)."""
    assert audit.entries(trail, start=date.today() - timedelta(days=29)).is_empty()
    assert audit.entries(trail).height == 4


def test_cli_exports_are_in_the_trail(demo_store: Store, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    """`kpis`, `agents` and `report` write what they give away to the trail, under the --as
    user (or the operator), with the filters and, for agents, the rows."""
    copy = tmp_path / "copy.duckdb"
    shutil.copyfile(demo_store.path, copy)
    store = Store(copy)
    accounts.add(store, User(name="王芳", role="manager"), "long enough")
    period = ["--from", "2026-10-01", "--to", "2026-10-31", "--store", str(copy)]
    assert run(capsys, "kpis", "--json", *period)[0] == 0
    code, out, _ = run(capsys, "agents", "--json", "--as", "王芳", *period)
    assert code == 0
    trail = audit.entries(store)
    assert trail["user"].to_list() == ["王芳", "(cli)"]
    assert trail["view"].to_list() == ["cli/agents/agent", "cli/kpis"]
    assert trail["rows"].to_list() == [len(json.loads(out)), None]
    assert all('"date_from":"2026-10-01"' in f for f in trail["filters"])


def test_twenty_sign_ins_at_once_each_leave_one_entry(tmp_path: Path) -> None:
    """Sessions signing in together: each thread's CREATE ... IF NOT EXISTS and insert on the
    shared in-process database used to conflict ('write-write conflict on create')."""
    store = Store(tmp_path / "s.duckdb")
    store.ensure()
    errors: list[BaseException] = []

    def sign_in(i: int) -> None:
        try:
            audit.record(store, user=f"u{i}", action="sign_in", view="password")
        except BaseException as error:  # every failure is the finding
            errors.append(error)

    threads = [threading.Thread(target=sign_in, args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert audit.entries(store).height == 20
