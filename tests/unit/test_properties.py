"""Property tests (hypothesis): any valid generated tickets import and read back equal, every
rate stays within 0..1, breakdowns add up to their totals, and importing again changes
nothing."""

from __future__ import annotations

import csv
import tempfile
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from metrics.core import catalog
from metrics.core.filters import Filters
from metrics.core.schema import CHANNELS, REQUEST_TYPES
from metrics.core.scope import Scope
from metrics.core.settings import Settings
from metrics.engine import queries
from metrics.engine.store import Store
from metrics.ingest import importer
from metrics.ingest.mapping import EMPTY_WORDS

START = datetime(2026, 3, 1)
# Any letters or digits, except the words an export writes for "empty" (NULL, None, nan…),
# which the importer reads as empty by design (mapping.EMPTY_WORDS).
NAMES = st.text(alphabet=st.characters(codec="utf-8", categories=("L", "N"),
                                        exclude_characters="\u2028\u2029"),
                min_size=1, max_size=12).filter(lambda s: s.casefold() not in EMPTY_WORDS)


@st.composite
def tickets(draw: Any) -> list[dict[str, object]]:
    """1-40 valid tickets in the first week of March 2026: created, maybe answered, maybe
    resolved after that, any channel, type, agent and team."""
    rows = []
    for i in range(draw(st.integers(1, 40))):
        created = START + timedelta(minutes=draw(st.integers(0, 7 * 24 * 60 - 1)))
        answered = draw(st.one_of(st.none(), st.integers(0, 3 * 24 * 3600)))
        resolved = draw(st.one_of(st.none(), st.integers(0, 10 * 24 * 3600)))
        rows.append({
            "ticket_id": f"P{i:03d}",
            "created_at": created,
            "channel": draw(st.sampled_from(CHANNELS)),
            "request_type": draw(st.sampled_from(REQUEST_TYPES)),
            "agent": draw(NAMES),
            "team": draw(st.sampled_from(["一组", "二组", "B team"])),
            "first_response_at": None if answered is None
            else created + timedelta(seconds=answered),
            "resolved_at": None if resolved is None else created + timedelta(seconds=resolved),
        })
    return rows


def written(rows: list[dict[str, object]], folder: Path) -> Path:
    path = folder / "tickets.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f)
        out.writerow(list(rows[0]))
        for row in rows:
            out.writerow(["" if v is None else v.strftime("%Y-%m-%d %H:%M:%S")
                          if isinstance(v, datetime) else v for v in row.values()])
    return path


WEEK = Scope.of(Filters(date_from=date(2026, 3, 1), date_to=date(2026, 3, 14)), Settings(),
                as_of=datetime(2026, 4, 1))
SETTINGS = settings(max_examples=20, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@SETTINGS
@given(tickets())
def test_valid_rows_import_and_read_back_equal(rows: list[dict[str, object]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        store = Store(Path(folder) / "s.duckdb")
        result = importer.import_file(store, "tickets", written(rows, Path(folder)))
        assert (result.rows_read, result.inserted, result.rejected) == (len(rows), len(rows), 0)
        with store.reader() as con:
            stored = {r[0]: r[1:] for r in con.execute(
                "SELECT ticket_id, created_at, channel, request_type, agent, team, "
                "first_response_at, resolved_at FROM tickets").fetchall()}
        for row in rows:
            assert stored[row["ticket_id"]] == tuple(
                row[k] for k in ("created_at", "channel", "request_type", "agent", "team",
                                 "first_response_at", "resolved_at"))


@SETTINGS
@given(tickets())
def test_rates_stay_in_0_1_and_breakdowns_add_up(rows: list[dict[str, object]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        store = Store(Path(folder) / "s.duckdb")
        importer.import_file(store, "tickets", written(rows, Path(folder)))
        values = queries.kpis(store, WEEK)
        for metric_id, value in values.items():
            if catalog.get(metric_id).unit == "fraction" and value.value is not None:
                assert 0.0 <= value.value <= 1.0, (metric_id, value.value)
        assert values["tickets"].value == len(rows)
        for by in ("channel", "team", "request_type"):
            parts = queries.breakdown(store, WEEK, ["tickets", "complaints"], by)
            assert parts["tickets"].sum() == len(rows)
            assert parts["complaints"].sum() == values["complaints"].value


@SETTINGS
@given(tickets())
def test_importing_again_changes_nothing(rows: list[dict[str, object]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        store = Store(Path(folder) / "s.duckdb")
        path = written(rows, Path(folder))
        importer.import_file(store, "tickets", path)
        before = queries.kpis(store, WEEK)
        again = importer.import_file(store, "tickets", path)
        assert (again.inserted, again.updated, again.rejected) == (0, 0, 0)
        assert queries.kpis(store, WEEK) == before
