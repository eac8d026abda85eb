"""The app serves every page on a chDB store (embedded ClickHouse) with no exception: the
session's demo rows copied across by `servicelens migrate`'s code, served by `streamlit run`
in its own process (which opens the chDB folder once the copy let it go)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from metrics.core.filters import Filters
from metrics.engine import queries
from metrics.engine.store import Store
from tests.conftest import on_engine
from tests.e2e.conftest import new_page, no_exception, serve, settled, shoot
from ui.nav import PAGES

pytestmark = pytest.mark.e2e

OCTOBER = Filters(date_from=date(2026, 10, 1), date_to=date(2026, 10, 31))


def test_every_page_serves_on_chdb(browser: Any, demo_store: Store,
                                   tmp_path_factory: pytest.TempPathFactory) -> None:
    target = on_engine(demo_store, "chdb", tmp_path_factory.mktemp("chdb"))
    tickets = queries.kpis(demo_store, demo_store.scope(OCTOBER))["tickets"].value
    paths = [path for section in PAGES.values() for path, _, _ in section]
    with serve(Path(target.location), "streamlit-chdb.log") as url:
        page = new_page(browser)
        for lang in ("zh", "en"):
            for path in paths:
                page.goto(f"{url}/{path}?lang={lang}&from=2026-10-01&to=2026-10-31")
                settled(page)
                no_exception(page)
        page.goto(f"{url}/?lang=en&from=2026-10-01&to=2026-10-31")
        settled(page)
        shoot(page, "chdb-overview")
        # the Overview's ticket card shows the count DuckDB computes for the same rows
        assert f"{int(tickets or 0):,}" in page.inner_text("body")
        page.close()
