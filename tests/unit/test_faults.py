"""Faults during an import (issue 17): killed halfway, a full disk, two imports of one file at
once. Each leaves the store readable with its earlier data intact, and says what happened:
the journal beside the store names an import that did not finish."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from metrics.engine import store as store_module
from metrics.engine.store import Store
from metrics.ingest import importer, journal
from tests.unit.test_ingest import CORPUS, ROOT, imported, query, snapshot

CHANNELS = ("phone", "chat", "email", "social", "walk_in")


def big_file(path: Path, rows: int, *, seed: int = 1) -> Path:
    """`rows` tickets whose agent and product are random hex: they compress as little as real
    names do, so that they fill a disk."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as f:
        f.write("ticket_id,created_at,channel,request_type,agent,product\n")
        f.writelines(
            f"R{i:07d},2026-{1 + i % 10:02d}-{1 + i % 28:02d} {i % 24:02d}:{i % 60:02d}:00,"
            f"{CHANNELS[i % 5]},inquiry,{rng.getrandbits(64):016x},{rng.getrandbits(128):032x}\n"
            for i in range(rows))
    return path


def cli(store: Store, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "metrics.cli", *args, "--store", str(store.path)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)})


# --------------------------------------------------------------------------- killed halfway


@pytest.mark.slow
def test_an_import_killed_halfway_is_said_and_leaves_the_store_as_it_was(
        tmp_path: Path) -> None:
    big = big_file(tmp_path / "BIG.csv", 200_000)
    # how long the whole import takes here, to kill the real one at half of it
    scratch = Store(tmp_path / "scratch.duckdb")
    began = time.monotonic()
    done = cli(scratch, "import", "tickets", str(big))
    assert done.wait(timeout=120) == 0, done.communicate()
    whole = time.monotonic() - began

    for attempt in range(4):  # a busy machine times unevenly: earlier, if it beat the clock
        store = Store(tmp_path / f"store{attempt}.duckdb")
        imported(store, "tickets", CORPUS / "tickets_zh_utf8.csv")  # the earlier data
        before = snapshot(store)
        proc = cli(store, "import", "tickets", str(big))
        began = time.monotonic()
        while proc.poll() is None and not (journal.path(store).exists()
                                           and "BIG.csv" in journal.path(store).read_text()):
            time.sleep(0.01)  # under way: its start noted in the journal
        time.sleep(max(whole * 0.45 / 2 ** attempt - (time.monotonic() - began), 0))
        if proc.poll() is None:
            break
        proc.communicate()
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL

    assert snapshot(store) == before  # opens; earlier data and the import log as they were
    assert not store.writer_waiting()  # a killed import holds no reader back
    [stopped] = journal.unfinished(store)
    assert (stopped.file_name, stopped.kind, stopped.pid) == ("BIG.csv", "tickets", proc.pid)
    check = cli(store, "check")
    out, err = check.communicate(timeout=60)
    assert check.returncode == 0, err
    assert "The import of BIG.csv (tickets, started " in out and "did not finish" in out
    assert "holds none of its rows" in out

    again = cli(store, "import", "tickets", str(big))  # imported again: nothing left to say
    assert again.wait(timeout=120) == 0, again.communicate()
    assert query(store, "SELECT count(*) FROM tickets") == [(200_005,)]
    assert journal.unfinished(store) == []


def _journal_lines(store: Store, *entries: dict[str, Any]) -> None:
    journal.path(store).write_text("".join(json.dumps(e) + "\n" for e in entries),
                                   encoding="utf-8")


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_the_journal_names_only_imports_whose_process_is_gone(tmp_path: Path) -> None:
    store = Store(tmp_path / "store.duckdb")
    store.ensure()
    host = __import__("socket").gethostname()
    dead = _dead_pid()
    start = {"event": "started", "kind": "tickets", "host": host, "at": "2026-11-30T09:00:00"}
    _journal_lines(
        store,
        {**start, "token": "a", "file": "killed.csv", "pid": dead,
         "id": journal._file_id(CORPUS / "tickets_zh_utf8.csv")},
        {**start, "token": "b", "file": "running.csv", "pid": os.getpid()},
        {**start, "token": "c", "file": "failed.csv", "pid": dead},
        {"event": "ended", "token": "c", "outcome": "failed"},
        {**start, "token": "d", "file": "elsewhere.csv", "pid": dead, "host": "another-host"},
        {"event": "started", "token": "e", "file": "cut.csv", "pid": dead},  # no time: skipped
    )
    with journal.path(store).open("a", encoding="utf-8") as f:
        f.write('{"event": "started", "token": "f", "file": "half a li')  # cut by a crash
    assert [u.file_name for u in journal.unfinished(store)] == ["killed.csv"]
    # another file of that name imported since: still said
    imported(store, "tickets", CORPUS / "tickets_zh_gbk.csv", name="killed.csv")
    assert [u.file_name for u in journal.unfinished(store)] == ["killed.csv"]
    # the same file (size and time) imported in full since: said no more
    imported(store, "tickets", CORPUS / "tickets_zh_utf8.csv", name="killed.csv")
    assert journal.unfinished(store) == []


def test_a_pid_taken_by_another_process_or_an_earlier_boot_is_gone(tmp_path: Path) -> None:
    """After a restart the app may be pid 1 again, or the machine rebooted: the start time of
    the process on the pid, and the boot, tell the import's own process from another."""
    store = Store(tmp_path / "store.duckdb")
    store.ensure()
    here = os.getpid()
    ticks, boot = journal._started_ticks(here), journal._boot_id()
    if ticks is None or boot is None:
        pytest.skip("needs Linux's /proc")
    start = {"event": "started", "kind": "tickets", "host": "elsewhere", "pid": here,
             "at": "2026-11-30T09:00:00"}
    _journal_lines(
        store,
        {**start, "token": "a", "file": "running.csv", "boot": boot, "ticks": ticks},
        {**start, "token": "b", "file": "reused.csv", "boot": boot, "ticks": ticks + 1},
        {**start, "token": "c", "file": "rebooted.csv", "boot": "another-boot", "ticks": ticks},
    )
    assert sorted(u.file_name for u in journal.unfinished(store)) == ["rebooted.csv",
                                                                      "reused.csv"]


def test_an_import_killed_after_its_commit_is_not_said_unfinished(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The journal's end is written as the transaction commits: stopped while the store file
    is compacted, the import did write everything and is not said to be unfinished."""
    store = Store(tmp_path / "store.duckdb")

    def killed(*_: object) -> str:
        raise SystemExit(137)  # the process ends here, as if killed

    monkeypatch.setattr(importer, "_checkpoint", killed)
    with pytest.raises(SystemExit):
        importer.import_file(store, "tickets", CORPUS / "tickets_zh_utf8.csv")
    assert query(store, "SELECT count(*) FROM tickets") == [(5,)]
    ends = [json.loads(line)["event"] for line in journal.path(store).read_text().splitlines()]
    assert ends == ["started", "ended"]  # one end, written at the commit
    assert journal.unfinished(store) == []


# --------------------------------------------------------------------------- a full disk


def test_a_disk_without_room_is_said_before_anything_is_written(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = Store(tmp_path / "store.duckdb")
    imported(store, "tickets", CORPUS / "tickets_zh_utf8.csv")
    before = snapshot(store)
    big = big_file(tmp_path / "big.csv", 2_000)
    real = shutil.disk_usage

    def nearly_full(path: Any) -> Any:
        usage = real(path)
        return usage._replace(free=8.25 * 2 ** 20)  # 6 rows fit (8.0 MB), 2,000 (8.5) not

    monkeypatch.setattr(importer.shutil, "disk_usage", nearly_full)
    with pytest.raises(importer.ImportFailed, match=r"big\.csv: the disk holding the store .* "
                       r"has 8\.2 MB free and 2,000 rows to write need about 8 MB; nothing was imported"):
        importer.import_file(store, "tickets", big)
    assert snapshot(store) == before
    assert imported(store, "surveys", CORPUS / "surveys_zh.csv").inserted == 4  # 6 rows fit


def _tmpfs(where: Path, size: str) -> Iterator[Path]:
    """A small tmpfs at `where` (root only: skipped where mount is not allowed)."""
    where.mkdir()
    if os.geteuid() != 0 or subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
            capture_output=True).returncode != 0:
        pytest.skip("mounting a small tmpfs needs root")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


@pytest.fixture()
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """16 MB: a small import's room (8 MB) fits, 600,000 rows do not."""
    yield from _tmpfs(tmp_path / "disk", "16m")


@pytest.fixture()
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """8 MB: less than 600,000 rows spill at a 128 MB cap."""
    yield from _tmpfs(tmp_path / "tmp", "8m")


def test_a_disk_that_fills_during_the_merge(small_disk: Path, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    store = Store(small_disk / "store.duckdb")
    imported(store, "tickets", CORPUS / "tickets_zh_utf8.csv")
    before = snapshot(store)
    big = big_file(tmp_path / "big.csv", 600_000)  # over 20 MB stored: more than the disk
    with pytest.raises(importer.ImportFailed, match="need about"):  # said before writing
        importer.import_file(store, "tickets", big)
    monkeypatch.setattr(importer, "ROW_BYTES", 0)  # no room asked: the disk fills mid-merge
    monkeypatch.setattr(importer, "ROOM_MARGIN", 0)
    with pytest.raises(importer.ImportFailed, match=r"big\.csv: the disk holding the store .* "
                       r"is full .*; nothing was imported and the store's data is as it was, though its "
                       r"file grew to"):
        importer.import_file(store, "tickets", big)
    assert snapshot(store) == before
    code = cli(store, "check")
    out, err = code.communicate(timeout=60)
    assert code.returncode == 0 and "ok, schema" in out, err


def test_a_full_temporary_folder_is_said(tiny_disk: Path, tmp_path: Path) -> None:
    """Past its memory cap DuckDB spills to TMPDIR: full, that is said, naming the folder."""
    big = big_file(tmp_path / "big.csv", 600_000)
    store = Store(tmp_path / "store.duckdb")
    done = subprocess.run(
        [sys.executable, "-m", "metrics.cli", "import", "tickets", str(big), "--store",
         str(store.path)], cwd=ROOT, capture_output=True, text=True, timeout=300,
        env={**os.environ, "PYTHONPATH": str(ROOT), "TMPDIR": str(tiny_disk),
             "SERVICELENS_IMPORT_MEMORY": "128MB"})
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr[-2000:]
    assert f"the import's temporary folder ({tiny_disk}/servicelens-spill) is full" \
        in done.stderr


def test_a_checkpoint_the_disk_stops_is_a_note_not_a_failure(tmp_path: Path) -> None:
    class Full:
        def execute(self, sql: str) -> None:
            raise duckdb.IOException('Could not write file "x": No space left on device')

    note = importer._checkpoint(Full(), Store(tmp_path / "s.duckdb"))  # type: ignore[arg-type]
    assert note.startswith("imported, but the disk holding the store") and ".wal" in note


# --------------------------------------------------------------------------- two at once


@pytest.mark.slow
def test_two_imports_of_one_file_at_once_write_it_once(tmp_path: Path) -> None:
    big = big_file(tmp_path / "same.csv", 100_000)
    store = Store(tmp_path / "store.duckdb")
    store.ensure()
    first, second = cli(store, "import", "tickets", str(big)), cli(store, "import", "tickets",
                                                                    str(big))
    outs = [p.communicate(timeout=180) for p in (first, second)]
    assert (first.returncode, second.returncode) == (0, 0), outs
    assert query(store, "SELECT count(*), count(DISTINCT ticket_id) FROM tickets") == [
        (100_000, 100_000)]
    logged = query(store, "SELECT rows_inserted, rows_unchanged FROM import_log "
                          "ORDER BY import_id")
    assert logged == [(100_000, 0), (0, 100_000)]  # one wrote, the other found it all there
    assert any("imported before" in out for out, _ in outs)
    assert journal.unfinished(store) == []


# --------------------------------------------------------------------------- readers keep on


def test_an_import_gets_in_while_pages_keep_reading(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Sessions reading page after page (one read connection each) used to keep an import's
    merge out until it gave up: the import marks that it waits, new readers wait for it, and
    read the new data after."""
    monkeypatch.setattr(store_module, "LOCK_WAIT_S", 15.0)
    store = Store(tmp_path / "store.duckdb")
    imported(store, "tickets", CORPUS / "tickets_zh_utf8.csv")
    big = big_file(tmp_path / "big.csv", 20_000)
    stop, seen, errors = threading.Event(), [], []

    def page() -> None:
        while not stop.is_set():
            try:
                with store.shared(), store.reader() as con:
                    seen.append(con.execute("SELECT count(*) FROM tickets").fetchone()[0])
                    time.sleep(0.05)  # the rest of the page's queries
            except Exception as error:  # every failure is the finding
                errors.append(error)

    readers = [threading.Thread(target=page) for _ in range(6)]
    for reader in readers:
        reader.start()
    try:
        time.sleep(0.5)
        result = importer.import_file(store, "tickets", big)
        time.sleep(0.5)
    finally:
        stop.set()
        for reader in readers:
            reader.join()
    assert result.inserted == 20_000
    assert errors == []
    assert seen[0] == 5 and seen[-1] == 20_005  # before, then the new data
    assert not store.writer_waiting()  # the import's sign went with it
