"""The imports under way, in a file beside the store (servicelens.imports.jsonl).

An import's rows, rejects and log entry reach the store in one transaction, so an import
killed halfway (SIGKILL, the out-of-memory killer, a power cut) leaves nothing there, not
even a trace that it ran. Each import therefore writes one line here when it starts and one
when it ends; a start without an end whose process is gone is an import that did not finish,
and the Data page and `servicelens check` say so. The file is beside the store, not in it,
so that a failed import leaves the store exactly as it was (and its StoreToken unchanged).
"""

from __future__ import annotations

import json
import os
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Final

from metrics.engine.store import Store, fetch_one

SUFFIX: Final[str] = "imports"
# one line is written with one os.write on a file opened O_APPEND: lines of several
# processes never interleave (lines stay far below PIPE_BUF)
MAX_NAME: Final[int] = 300


@dataclass(frozen=True)
class Unfinished:
    """An import that started and never ended: its process is gone."""

    file_name: str
    kind: str | None
    started_at: datetime
    pid: int


def path(store: Store) -> Path:
    return store.sibling(SUFFIX).with_suffix(".jsonl")


def _append(store: Store, entry: dict[str, object]) -> None:
    target = path(store)
    line = (json.dumps(entry, ensure_ascii=False) + "\n").encode()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(target, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)
    except OSError:
        return  # a full disk or a read-only folder: the import itself says what is wrong


def started(store: Store, file_name: str, kind: str | None) -> str:
    """Note an import's start; returns its token for `ended`."""
    token = uuid.uuid4().hex
    _append(store, {"event": "started", "token": token, "file": file_name[:MAX_NAME],
                    "kind": kind, "pid": os.getpid(), "host": socket.gethostname(),
                    "at": datetime.now().replace(microsecond=0).isoformat()})
    return token


def ended(store: Store, token: str, outcome: str) -> None:
    """Note an import's end: `done`, or `failed` (refused in words, nothing written)."""
    _append(store, {"event": "ended", "token": token, "outcome": outcome,
                    "at": datetime.now().replace(microsecond=0).isoformat()})


def _alive(pid: int, host: str) -> bool:
    if host != socket.gethostname():
        return True  # another machine's import: not ours to judge
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True


def _entries(target: Path) -> list[dict[str, object]]:
    out = []
    for line in target.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue  # a line cut by a crash while it was written
        if isinstance(entry, dict):
            out.append(entry)
    return out


def _open_starts(entries: list[dict[str, object]]) -> list[dict[str, object]]:
    """The starts without an end, less those whose file was imported in full since."""
    starts: dict[str, dict[str, object]] = {}
    for entry in entries:
        if entry.get("event") == "started":
            starts[str(entry.get("token"))] = entry
            continue
        begun = starts.pop(str(entry.get("token")), None)
        if begun is None or entry.get("outcome") != "done":
            continue
        same = (begun.get("file"), begun.get("kind"))
        for key in [k for k, e in starts.items()
                    if (e.get("file"), e.get("kind")) == same
                    and str(e.get("at")) <= str(begun.get("at"))]:
            starts.pop(key)
    return list(starts.values())


def unfinished(store: Store) -> list[Unfinished]:
    """Imports that started and whose process ended without saying so, oldest first."""
    target = path(store)
    if not target.exists():
        return []
    out = []
    for entry in _open_starts(_entries(target)):
        try:
            pid, at = int(str(entry["pid"])), datetime.fromisoformat(str(entry["at"]))
        except (KeyError, ValueError):
            continue
        if not _alive(pid, str(entry.get("host", ""))):
            kind = entry.get("kind")
            out.append(Unfinished(str(entry.get("file", "?")),
                                  str(kind) if kind else None, at, pid))
    return [u for u in out if not _committed(store, u)]


def _committed(store: Store, stopped: Unfinished) -> bool:
    """Whether the store logs the import: killed after its commit (while the file was being
    compacted), it did write everything."""
    if not store.exists():
        return False
    with store.reader() as con:
        found = fetch_one(con, "SELECT count(*) FROM import_log WHERE file_name = $f"
                          " AND started_at >= $at",
                          {"f": stopped.file_name, "at": stopped.started_at})
    return bool(found and found[0])
