"""Sign-in in chromium: a team lead signs in with a password and sees their team only; a typed
URL of an admin page opens the home page; after signing out neither the back button nor a
copied URL gets back to data; a user with the unmask privilege sees names and downloads rows,
and the audit trail lists both, which an admin then reads on the Audit page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from metrics.core.access import User
from metrics.engine import audit
from metrics.engine.store import Store
from tests.app.roles import imported_copy, people, teams
from tests.e2e.conftest import WAIT, new_page, rerun, serve, settled, shoot, sign_in

pytestmark = pytest.mark.e2e
OCTOBER = "lang=en&from=2026-10-01&to=2026-10-31"


@pytest.fixture(scope="module")
def site(demo_store: Store, tmp_path_factory: pytest.TempPathFactory
         ) -> Iterator[tuple[str, Store, dict[str, User]]]:
    store = imported_copy(demo_store, tmp_path_factory.mktemp("signin"))
    made = people(store)
    with serve(store.path, "streamlit-signin.log") as url:
        yield url, store, made


def sign_in_page(page: Any) -> bool:
    """The sign-in page and nothing else: no card, no table, no filter."""
    return (page.locator("h1").first.inner_text() == "Sign in"
            and page.locator('[data-testid="stMetric"]').count() == 0
            and page.locator('[data-testid="stDataFrame"]').count() == 0
            and page.locator('[data-testid="stSidebarNav"]').count() == 0)


def test_a_team_lead_signs_in_sees_the_scope_and_signs_out(
        browser: Any, site: tuple[str, Store, dict[str, User]]) -> None:
    url, store, users = site
    own = users["team_lead"].teams[0]
    others = [x for x in teams(store) if x != own]
    page = new_page(browser)
    page.goto(f"{url}/agents?{OCTOBER}&team={others[0]}")  # a crafted link to another team
    settled(page)
    assert sign_in_page(page)
    shoot(page, "signin_form")
    sign_in(page, "team_lead")
    assert page.locator("h1").first.inner_text() == "Agents"
    text = page.locator("body").inner_text()
    assert f"team_lead · Team lead · {own}" in text
    assert not [x for x in others if x in text], "nothing of another team on the page"
    assert page.locator('[data-testid="stDataFrame"]').count() > 0
    shoot(page, "signin_team_lead_agents")
    data_url = page.url
    # Sign out: the sign-in page; the back button and the copied URL find no data.
    with rerun(page):
        page.get_by_role("button", name="Sign out").click()
    assert sign_in_page(page)
    page.go_back()
    page.wait_for_timeout(1500)
    settled(page)
    assert sign_in_page(page)
    copied = new_page(browser)
    copied.goto(data_url)
    settled(copied)
    assert sign_in_page(copied)
    shoot(copied, "signin_copied_url")
    copied.close()
    page.close()


def test_a_typed_admin_url_opens_the_home_page(
        browser: Any, site: tuple[str, Store, dict[str, User]]) -> None:
    url = site[0]
    page = new_page(browser)
    page.goto(f"{url}/settings?lang=en")
    settled(page)
    sign_in(page, "manager")
    page.wait_for_timeout(1000)
    settled(page)
    assert page.locator("h1").first.inner_text() == "Overview"
    nav = page.locator('[data-testid="stSidebarNav"]').inner_text()
    assert "Settings" not in nav and "Data import" not in nav and "Audit" not in nav
    assert page.locator("text=Save").count() == 0
    page.close()


def test_unmasked_views_and_downloads_reach_the_audit_page(
        browser: Any, site: tuple[str, Store, dict[str, User]], tmp_path: Path) -> None:
    url, store = site[0], site[1]
    page = new_page(browser, accept_downloads=True)
    page.goto(f"{url}/?{OCTOBER}")
    settled(page)
    sign_in(page, "unmasker")
    assert "unmasked here" in page.locator("body").inner_text()
    row = page.locator(".st-key-overview_drill_dl_downloads")
    with page.expect_download(timeout=WAIT) as info:
        row.get_by_role("button", name="Download CSV").click()
    body = Path(info.value.path()).read_text(encoding="utf-8-sig")
    assert re.search(r",1\d{10},", body), "the unmasker's file holds phones as they are"
    page.wait_for_timeout(500)
    trail = audit.entries(store, user="unmasker")
    done = {(r["action"], r["view"], r["unmasked"]) for r in trail.iter_rows(named=True)}
    assert ("view", "overview/drill", True) in done
    assert ("export", f"overview/{info.value.suggested_filename}", True) in done
    page.close()

    admin = new_page(browser)
    admin.goto(f"{url}/audit?lang=en")
    settled(admin)
    sign_in(admin, "admin")
    admin.wait_for_timeout(1000)
    settled(admin)
    assert admin.locator("h1").first.inner_text() == "Audit trail"
    shown = admin.locator('[data-testid="stDataFrame"]').first
    assert shown.count() == 1
    shoot(admin, "audit_page")
    admin.close()
