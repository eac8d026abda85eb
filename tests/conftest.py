"""Shared fixtures: a hand-made store whose KPIs are computed on paper (see test_metrics.py)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from metrics.core.filters import Filters
from metrics.core.scope import Scope
from metrics.engine import transfer
from metrics.engine.store import Store
from metrics.ingest import demo

if TYPE_CHECKING:
    from metrics.report.pack import Pack

# Period 2026-03-01..07. Times are site wall-clock. Expected values are derived in
# tests/unit/test_metrics.py next to each assertion.
FIXTURE_SQL = """
INSERT INTO tickets (ticket_id, created_at, channel, request_type, category, agent, team,
    first_response_at, resolved_at, closed_at, status, reopen_count, contacts, customer_id,
    customer_name, customer_phone) VALUES
('T1', '2026-03-01 09:00:00', 'phone', 'inquiry', NULL, 'A', 'X',
    '2026-03-01 09:00:10', '2026-03-01 09:10:00', NULL, 'resolved', 0, 1, 'C1', '张三', '13812345678'),
('T2', '2026-03-02 10:00:00', 'phone', 'complaint', 'product_quality', 'A', 'X',
    '2026-03-02 10:00:30', '2026-03-02 12:00:00', NULL, 'resolved', 0, 2, 'C2', '李四', '13900001111'),
('T3', '2026-03-03 11:00:00', 'chat', 'complaint', 'service_attitude', 'B', 'Y',
    '2026-03-03 11:01:00', NULL, '2026-03-04 12:00:00', 'closed', 1, NULL, 'C3', NULL, NULL),
('T4', '2026-03-04 12:00:00', 'email', 'repair', NULL, 'B', 'Y',
    '2026-03-04 13:00:00', NULL, NULL, 'pending', NULL, NULL, 'C1', NULL, NULL),
('T5', '2026-03-05 08:00:00', 'chat', 'complaint', 'delivery', 'A', 'X',
    NULL, NULL, NULL, 'open', 0, 1, 'C4', NULL, NULL),
('T6', '2026-02-28 23:59:59', 'phone', 'inquiry', NULL, 'A', 'X',
    '2026-03-01 00:00:05', '2026-03-01 00:05:00', NULL, 'resolved', 0, 1, 'C6', NULL, NULL),
('T7', '2026-03-07 23:59:59', 'social', 'suggestion', NULL, 'C', 'Y',
    '2026-03-08 01:59:59', '2026-03-09 23:59:59', NULL, 'resolved', 2, 1, 'C5', NULL, NULL);

INSERT INTO surveys (survey_id, sent_at, ticket_id, customer_id, responded_at, score,
    dont_know, nps, comment) VALUES
('S1', '2026-03-01 12:00:00', 'T1', NULL, '2026-03-01 13:00:00', 5, false, NULL, NULL),
('S2', '2026-03-02 12:00:00', 'T2', NULL, '2026-03-02 13:00:00', 2, false, 3, '太慢了'),
('S3', '2026-03-03 12:00:00', 'T3', NULL, '2026-03-03 13:00:00', NULL, true, NULL, NULL),
('S4', '2026-03-04 12:00:00', 'T4', NULL, NULL, NULL, false, NULL, NULL),
('S5', '2026-03-05 12:00:00', NULL, 'C9', '2026-03-05 13:00:00', 4, false, 10, NULL),
('S6', '2026-03-06 12:00:00', 'T7', NULL, NULL, NULL, false, 9, '很好'),
('S7', '2026-02-27 12:00:00', 'T1', NULL, '2026-02-27 13:00:00', 1, false, 0, NULL);

INSERT INTO qa_inspections (inspection_id, agent, inspected_at, ticket_id, inspector,
    qa_score) VALUES
('Q1', 'A', '2026-03-02 15:00:00', 'T2', 'QA1', 80),
('Q2', 'B', '2026-03-03 15:00:00', 'T3', 'QA1', 95),
('Q3', 'A', '2026-03-20 15:00:00', NULL, 'QA2', 50);

INSERT INTO qa_violations VALUES
('Q1', 1, 'language', 'severe'),
('Q1', 2, 'attitude', 'minor'),
('Q3', 1, 'misleading', 'severe');
"""


# The engines a module's stores run on: a module that sets ENGINES = BOTH runs each of its
# tests that reads `tiny_store` or `demo_store` on DuckDB and on embedded ClickHouse (chDB),
# the same fixture rows copied across by `servicelens migrate`'s own code.
BOTH: tuple[str, ...] = ("duckdb", "chdb")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    engines = getattr(metafunc.module, "ENGINES", ("duckdb",))
    if "engine" in metafunc.fixturenames and len(engines) > 1:
        metafunc.parametrize("engine", engines, indirect=True, scope="session")


@pytest.fixture(scope="session")
def engine(request: pytest.FixtureRequest) -> str:
    """The engine the test's stores run on (DuckDB unless its module asks for both)."""
    return str(getattr(request, "param", "duckdb"))


def on_engine(store: Store, engine: str, folder: Path | None = None) -> Store:
    """`store` itself on DuckDB; on chDB, a chDB store holding a copy of its rows, in
    `folder` (else beside the store)."""
    if engine == "duckdb":
        return store
    target = Store(f"chdb:{(folder or store.path.parent) / (store.path.stem + '.chdb')}")
    copied = transfer.copy(store, target)
    assert copied.equal, copied
    return target


@pytest.fixture()
def tiny_store(tmp_path: Path, engine: str) -> Store:
    """The hand-made store: 7 tickets, 7 surveys, 3 inspections."""
    store = Store(tmp_path / "tiny.duckdb")
    with store.writer() as con:
        con.execute(FIXTURE_SQL)
    return on_engine(store, engine)


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory: pytest.TempPathFactory, engine: str) -> Store:
    """A small deterministic demo store ending 2026-11-23."""
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    store = Store(path)
    store.ensure()
    frames = demo.generate(6000, seed=11, end=date(2026, 11, 23))
    demo.write(store, frames, "demo: test")
    return on_engine(store, engine)


PACK_FIXTURES = {"review_packs", "review_pack_pdfs", "review_pack_zip"}


@pytest.hookimpl(tryfirst=True)  # before -m deselects
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that reads the session's review pack is slow: the pack takes seconds to build.
    (They all live in tests/unit/test_report.py, and --dist loadfile keeps that file on one
    xdist worker, so the pack is built once.)"""
    for item in items:
        if PACK_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


# The monthly review pack the tests read: October 2026 of the demo store, made on 23 November.
REVIEW_MONTH = Filters(date_from=date(2026, 10, 1), date_to=date(2026, 10, 31))
REVIEW_AS_OF = datetime(2026, 11, 23, 18, 0)


@pytest.fixture(scope="session")
def review_packs(demo_store: Store) -> dict[str, Pack]:
    """The review pack of REVIEW_MONTH in both languages, built once per session (worker)."""
    from metrics.report import pack as review  # loads fpdf and the charts for these tests only

    scope = Scope.of(REVIEW_MONTH, demo_store.settings(), as_of=REVIEW_AS_OF)
    return {lang: review.build(demo_store, scope, lang) for lang in ("zh", "en")}


@pytest.fixture(scope="session")
def review_pack_pdfs(review_packs: dict[str, Pack]) -> dict[str, bytes]:
    """Both packs as PDF (which renders their charts as PNG)."""
    from metrics.report import pdf as review_pdf

    return {lang: review_pdf.to_pdf(pack) for lang, pack in review_packs.items()}


@pytest.fixture(scope="session")
def review_pack_zip(review_packs: dict[str, Pack], review_pack_pdfs: dict[str, bytes]) -> bytes:
    """The zh pack as a zip, made after its PDF (so that the charts are shared)."""
    from metrics.report import archive

    return archive.to_zip(review_packs["zh"])
