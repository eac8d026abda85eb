"""Tables out of the app: CSV that Excel opens with Chinese intact and cannot be tricked.

A cell starting with = + - @ (or tab / carriage return) is a formula to Excel; it is written
with a leading ' so it stays text. The importer drops that ' again, so rejects round-trip.
"""

from __future__ import annotations

from typing import Final

import polars as pl

FORMULA_STARTS: Final[tuple[str, ...]] = ("=", "+", "-", "@", "\t", "\r")


def neutralise(frame: pl.DataFrame) -> pl.DataFrame:
    """Text cells that a spreadsheet would run as formulas, prefixed with '."""
    pattern = "^[=+\\-@\\t\\r]"
    return frame.with_columns(
        pl.when(pl.col(c).str.contains(pattern)).then(pl.lit("'") + pl.col(c))
        .otherwise(pl.col(c)).alias(c)
        for c, dtype in frame.schema.items() if dtype == pl.String
    )


def csv_bytes(frame: pl.DataFrame) -> bytes:
    """UTF-8 with BOM, formulas neutralised."""
    return b"\xef\xbb\xbf" + neutralise(frame).write_csv().encode("utf-8")
