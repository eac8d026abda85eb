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

from metrics.engine.store import Store

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
    line = (json.dumps(entry) + "\n").encode()  # ASCII: a name not valid UTF-8 too
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(target, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)
    except OSError:
        return  # a full disk or a read-only folder: the import itself says what is wrong


def _boot_id() -> str | None:
    """This boot of the kernel (Linux): a process of an earlier boot is gone whatever its pid."""
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return None


def _started_ticks(pid: int) -> int | None:
    """When a process started, in clock ticks since boot (Linux): a pid reused by another
    process (the app again as pid 1 in a restarted container) has another start."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        return int(stat[stat.rindex(")") + 2:].split()[19])  # field 22, after "(comm)"
    except (OSError, ValueError, IndexError):
        return None


def _file_id(source: Path | None) -> list[int] | None:
    """The extract's size and modification time: the same file, imported again, ends its
    earlier unfinished import's notice; another file of the same name does not."""
    try:
        info = source.stat() if source is not None else None
    except OSError:
        return None
    return [info.st_size, info.st_mtime_ns] if info is not None else None


def started(store: Store, file_name: str, kind: str | None, source: Path | None = None) -> str:
    """Note an import's start; returns its token for `ended`."""
    token = uuid.uuid4().hex
    pid = os.getpid()
    _append(store, {"event": "started", "token": token, "file": file_name[:MAX_NAME],
                    "kind": kind, "pid": pid, "host": socket.gethostname(),
                    "boot": _boot_id(), "ticks": _started_ticks(pid), "id": _file_id(source),
                    "at": datetime.now().replace(microsecond=0).isoformat()})
    return token


def ended(store: Store, token: str, outcome: str) -> None:
    """Note an import's end: `done` (written as soon as its transaction commits), or `failed`
    (refused in words, nothing written)."""
    _append(store, {"event": "ended", "token": token, "outcome": outcome,
                    "at": datetime.now().replace(microsecond=0).isoformat()})


def _alive(entry: dict[str, object], pid: int) -> bool:
    boot = entry.get("boot")
    if boot is not None and _boot_id() is not None:
        if boot != _boot_id():
            return False  # started before the machine last booted
    elif entry.get("host") != socket.gethostname():
        return True  # another machine's import, with nothing to tell: not ours to judge
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # another user's process: alive, unless it is another process on that pid
    ticks = entry.get("ticks")
    return ticks is None or _started_ticks(pid) in (None, ticks)


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
        same = (begun.get("file"), begun.get("kind"), begun.get("id"))
        for key in [k for k, e in starts.items()
                    if (e.get("file"), e.get("kind"), e.get("id")) == same
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
        if not _alive(entry, pid):
            kind = entry.get("kind")
            name = str(entry.get("file", "?")).encode("utf-8", "replace").decode("utf-8")
            out.append(Unfinished(name, str(kind) if kind else None, at, pid))
    return out
