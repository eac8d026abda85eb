"""Browser: upload an extract on the Data page, import it, download its rejects; and a CLI
import while the app serves shows up in the app."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from metrics.core.access import User
from metrics.engine import accounts
from metrics.engine.store import Store
from tests.app.roles import PASSWORD
from tests.e2e.conftest import ROOT, new_page, rerun, serve, settled, shoot, sign_in

pytestmark = pytest.mark.e2e
SAMPLES = ROOT / "data" / "samples"


@pytest.fixture(scope="module")
def empty_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Store]]:
    store = Store(tmp_path_factory.mktemp("import-e2e") / "store.duckdb")
    store.ensure()
    accounts.add(store, User(name="admin", role="admin"), PASSWORD)
    with serve(store.path, "streamlit-import.log") as url:
        yield url, store


def test_upload_import_and_download_rejects(browser: Any, empty_app: tuple[str, Store],
                                            tmp_path: Path) -> None:
    url, store = empty_app
    page = new_page(browser, viewport={"width": 1500, "height": 2200}, accept_downloads=True)
    page.goto(f"{url}/data?lang=en")
    settled(page)
    sign_in(page, "admin")  # an import is an admin's
    page.get_by_role("heading", name="Data import").wait_for()
    with rerun(page):
        page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
            str(SAMPLES / "tickets-gbk.csv"))
    page.get_by_text("Preview (first 20 rows").wait_for()
    with rerun(page):
        page.get_by_role("button", name="Import 1 files").click()
    page.get_by_text("inserted 198").wait_for()
    settled(page)
    assert page.locator('[data-testid="stException"]').count() == 0
    shoot(page, "data_import_en")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the rejects as CSV").click()
    saved = tmp_path / "rejects.csv"
    download.value.save_as(saved)
    text = saved.read_bytes()
    assert text.startswith(b"\xef\xbb\xbf")  # Excel opens it with Chinese intact
    assert "传真" in text.decode("utf-8-sig") and "_reason" in text.decode("utf-8-sig")
    assert store.ticket_count() == 198
    page.close()


def test_cli_import_while_serving_shows_in_the_app(browser: Any,
                                                   empty_app: tuple[str, Store]) -> None:
    url, store = empty_app
    page = new_page(browser, viewport={"width": 1500, "height": 1600})
    page.goto(f"{url}/?lang=en")
    settled(page)
    sign_in(page, "admin")
    page.get_by_role("heading", name="Overview").wait_for()
    done = subprocess.run(
        [sys.executable, "-m", "metrics.cli", "import", "surveys", str(SAMPLES / "surveys.csv"),
         "--store", str(store.path)],
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "inserted 60" in done.stdout
    page.reload()  # a new session: signed in again
    settled(page)
    sign_in(page, "admin")
    page.get_by_role("heading", name="Overview").wait_for()
    page.wait_for_selector('[data-testid="stMetric"]')
    sidebar = page.locator('[data-testid="stSidebar"]').inner_text()
    assert "Surveys 2026-11-" in sidebar  # the new kind's freshness
    assert page.locator('[data-testid="stException"]').count() == 0
    shoot(page, "overview_after_cli_import")
    page.close()
