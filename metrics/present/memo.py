"""Remembering pure functions of small frames by their content.

A chart is a pure function of its arguments, and a page's rerun draws the very same charts
again. Building one costs 20-200 ms (Altair copies every layer and checks the spec against
its schema), which is most of a rerun's time on the busier pages. `by_content` keeps the last
results keyed by what the arguments hold: a frame by a digest of its Arrow IPC bytes, never
by its identity or the time. A call whose arguments cannot be read that way (an object column,
an unknown type) is simply computed, never guessed.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from datetime import date, datetime, time, timedelta
from functools import wraps
from typing import Final, ParamSpec, TypeVar

import polars as pl

SIZE: Final[int] = 512  # charts kept per process; a chart's frame is small (aggregates)
_SCALARS: Final = (str, int, float, bool, type(None), date, datetime, time, timedelta)

P = ParamSpec("P")
R = TypeVar("R")


class Unreadable(TypeError):
    """An argument whose content cannot be keyed exactly."""


def content_key(value: object) -> Hashable:
    """A key equal for equal contents (a frame's schema and values, a list's items)."""
    if isinstance(value, pl.DataFrame):
        try:
            data = value.write_ipc(None).getvalue()
        except Exception as error:  # an Object column has no Arrow form
            raise Unreadable(str(error)) from error
        return ("frame", hashlib.blake2b(data, digest_size=20).digest())
    if isinstance(value, _SCALARS):
        return (type(value).__name__, value)
    if isinstance(value, list | tuple):
        return (type(value).__name__, tuple(content_key(v) for v in value))
    if isinstance(value, Mapping):
        return ("map", tuple(sorted((repr(k), content_key(v)) for k, v in value.items())))
    raise Unreadable(type(value).__name__)


def remembering(size: int) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """A decorator keeping the last `size` results of a function, keyed by content."""
    def decorate(fn: Callable[P, R]) -> Callable[P, R]:
        """`fn`, answering a call with content-equal arguments from the kept results. The
        result is shared: callers read it and never change it (charts are drawn and
        exported from copies)."""
        kept: OrderedDict[Hashable, R] = OrderedDict()
        lock = threading.Lock()

        @wraps(fn)
        def remembered(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                key = (content_key(args), content_key(kwargs))
            except Unreadable:
                return fn(*args, **kwargs)
            with lock:
                if key in kept:
                    kept.move_to_end(key)
                    return kept[key]
            result = fn(*args, **kwargs)
            with lock:
                kept[key] = result
                while len(kept) > size:
                    kept.popitem(last=False)
            return result

        remembered.cache_clear = kept.clear  # type: ignore[attr-defined]
        return remembered
    return decorate


by_content = remembering(SIZE)
