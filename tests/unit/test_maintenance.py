"""Backups while the app serves, and checks that tell a damaged store in words."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

import pytest

from metrics.cli import main
from metrics.core.filters import Filters
from metrics.engine import audit, improvement, maintenance, queries
from metrics.engine.improvement import Plan
from metrics.engine.store import Store, StoreError
from tests.app.conftest import copy_store


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_a_backup_while_a_page_reads_is_the_same_store(tmp_path: Path, demo_store: Store,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    store = copy_store(demo_store, tmp_path / "live" / "servicelens.duckdb")
    audit.record(store, user="王芳", action="export", view="overview/kpis.csv")
    improvement.add(store, Plan(what="回访", owner="李", baseline_from=date(2026, 10, 1),
                                baseline_to=date(2026, 10, 31)), by="m")
    with store.reader():  # a page is reading: the backup still goes ahead
        written = maintenance.backup(store, tmp_path / "backups", at=datetime(2026, 11, 30, 9))
    names = sorted(p.name for p in written)
    assert names == ["servicelens.actions.duckdb", "servicelens.audit.duckdb",
                     "servicelens.duckdb"]
    copy = Store(written[0].parent / "servicelens.duckdb")
    october = Filters(date_from=date(2026, 10, 1), date_to=date(2026, 10, 31))
    assert queries.kpis(copy, copy.scope(october)) == queries.kpis(store, store.scope(october))
    assert len(improvement.listing(copy)) == 1 and audit.entries(copy).height == 1
    code, out, _ = run(capsys, "check", "--store", str(copy.path))
    assert code == 0 and "ok, schema" in out
    assert re.search(r"tickets [\d,]+, ", out)


def test_the_backup_command(tmp_path: Path, demo_store: Store,
                            capsys: pytest.CaptureFixture[str]) -> None:
    store = copy_store(demo_store, tmp_path / "s.duckdb")
    code, out, _ = run(capsys, "backup", str(tmp_path / "b"), "--store", str(store.path))
    assert code == 0 and "backed up" in out and "the copy checks" in out


@pytest.mark.parametrize("damage", ["truncated", "overwritten", "empty"])
def test_a_damaged_store_is_said_in_words(tmp_path: Path, demo_store: Store,
                                          capsys: pytest.CaptureFixture[str],
                                          damage: str) -> None:
    store = copy_store(demo_store, tmp_path / "s.duckdb")
    data = store.path.read_bytes()
    if damage == "truncated":
        store.path.write_bytes(data[: len(data) // 2])
    elif damage == "overwritten":  # 64 KB of zeros in the middle of the data
        middle = len(data) // 2
        store.path.write_bytes(data[:middle] + b"\0" * 65536 + data[middle + 65536:])
    else:
        store.path.write_bytes(b"")
    with pytest.raises(StoreError, match=r"damaged|empty"):
        maintenance.check(store.path)
    code, out, err = run(capsys, "check", "--store", str(store.path))
    assert (code, out) == (2, "")
    assert err.startswith("servicelens check: ") and "Traceback" not in err
    assert "backup" in err  # what to do


def test_the_app_says_a_damaged_store_in_words(tmp_path: Path, demo_store: Store,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.app.conftest import frame_app

    store = copy_store(demo_store, tmp_path / "s.duckdb")
    data = store.path.read_bytes()
    store.path.write_bytes(data[: len(data) // 3])
    monkeypatch.setenv("SERVICELENS_STORE", str(store.path))
    at = frame_app(str(Path(__file__).parents[2] / "app.py"))
    at.run()
    assert not at.exception
    assert any("cannot be" in e.value and "backup" in e.value for e in at.error)


def test_a_busy_store_is_waited_for_not_called_damaged(tmp_path: Path, demo_store: Store,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """A writer in another process holds the store: check waits (here: gives up at once) and
    says the store is busy, never that it is damaged."""
    import subprocess
    import sys

    from metrics.engine import store as store_mod

    store = copy_store(demo_store, tmp_path / "s.duckdb")
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
         "print('held', flush=True); time.sleep(30)", str(store.path)],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        monkeypatch.setattr(store_mod, "LOCK_WAIT_S", 0.5)
        with pytest.raises(StoreError, match="stayed locked") as found:
            maintenance.check(store.path)
        assert "damaged" not in str(found.value)
    finally:
        holder.kill()
        holder.wait()


def test_a_failed_backup_keeps_no_folder(tmp_path: Path, demo_store: Store,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    store = copy_store(demo_store, tmp_path / "s.duckdb")

    def broken(path: Path) -> maintenance.Checked:
        raise StoreError(f"{path} is damaged (test)")

    monkeypatch.setattr(maintenance, "check", broken)
    with pytest.raises(StoreError, match="damaged"):
        maintenance.backup(store, tmp_path / "b")
    assert list((tmp_path / "b").iterdir()) == []  # no half backup left to restore from


@pytest.mark.parametrize("command", [
    ("kpis", "--from", "2026-01-01", "--to", "2026-11-23", "--json"),
    ("agents", "--from", "2026-01-01", "--to", "2026-11-23"),
])
def test_a_store_overwritten_in_the_middle_is_said_by_every_command(
        tmp_path: Path, demo_store: Store, capsys: pytest.CaptureFixture[str],
        command: tuple[str, ...]) -> None:
    """Zeros over the middle third: whichever block a command reads there is said in words
    (DuckDB calls it a corrupt file, an error of its own class), never a traceback."""
    store = copy_store(demo_store, tmp_path / "s.duckdb")
    data = store.path.read_bytes()
    third = len(data) // 3
    store.path.write_bytes(data[:third] + b"\0" * third + data[2 * third:])
    code, out, err = run(capsys, *command, "--store", str(store.path))
    assert "Traceback" not in err
    assert code == 2, out[:300]
    assert err.startswith(f"servicelens {command[0]}: ") and "backup" in err
