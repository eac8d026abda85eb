"""AppTest: the Audit trail page lists the trail in the UI's language, filters it by period and
user, shows names and filters as plain text, and offers the table as CSV and XLSX.

The page is not in app.py's navigation yet (it will be, for admins): these tests run it behind
the frame (frame.build(), the sidebar and the context every page reads) from a small script,
the way st.navigation would run it.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from metrics.core.access import Role
from metrics.core.filters import Filters
from metrics.core.scope import site_now
from metrics.core.settings import Settings
from metrics.engine import audit
from metrics.engine.store import Store
from tests.app.conftest import sign_in

PAGE = Path(__file__).parents[2] / "pages" / "audit.py"
HARNESS = f"""
import runpy
from ui import frame
frame.build()
runpy.run_path({str(PAGE)!r}, run_name="__page__")
"""
TRICKY = "**王芳** <b>x</b> $1$ :red[y]"


@pytest.fixture()
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    """Three entries in the last 30 days (one of them by a Markdown-looking name), one older."""
    path = tmp_path / "audit.duckdb"
    monkeypatch.setenv("SERVICELENS_STORE", str(path))
    store = Store(path)
    today = site_now(Settings()).date()
    at = datetime.combine(today, time(9, 0))
    team = Filters(date_from=today - timedelta(days=6), date_to=today, teams=("热线一组",))
    audit.record(store, user="王芳", action="export", view="agents/table.csv", filters=team,
                 rows=42, at=at - timedelta(days=2))
    audit.record(store, user=TRICKY, action="view", view="overview/drill", unmasked=True,
                 detail={"metric": "frt"}, rows=7, at=at - timedelta(days=1))
    audit.record(store, user="李强", action="sign_in", view="password", at=at)
    audit.record(store, user="李强", action="export", view="review_pack.pdf",
                 at=at - timedelta(days=40))
    return store


def audit_page(store: Store, lang: str = "en", role: Role | None = "admin") -> AppTest:
    """The page in `lang`, signed in with `role` (the store holds no demo: sign-in is asked;
    None: no sign-in)."""
    at = AppTest.from_string(HARNESS, default_timeout=60)
    at.query_params["lang"] = lang
    if role is not None:
        sign_in(at, store, role)
    at.run()
    assert not at.exception, at.exception
    return at


def test_the_trail_in_english_newest_first(store: Store) -> None:
    at = audit_page(store, "en")
    assert at.title[0].value == "Audit trail"
    table = at.dataframe[0].value
    assert list(table.columns) == ["Time", "User", "Action", "View", "Filters", "Rows",
                                   "Unmasked"]
    assert list(table["User"]) == ["李强", TRICKY, "王芳"]  # the 40-day-old entry is left out
    assert list(table["Action"]) == ["Sign-in", "View", "Export"]
    assert list(table["Unmasked"]) == [False, True, False]
    assert '"teams":["热线一组"]' in table["Filters"].iloc[2]
    assert all(TRICKY not in m.value for m in (*at.markdown, *at.caption))  # plain text only
    assert len(at.get("download_button")) == 2  # CSV and XLSX


def test_the_trail_in_chinese_by_user_and_period(store: Store) -> None:
    at = audit_page(store, "zh")
    assert at.title[0].value == "审计记录"
    assert at.dataframe[0].value.columns[0] == "时间"
    picker = at.selectbox(key="audit_user")
    assert picker.options[0] == "全部" and "李强" in picker.options
    picker.set_value("李强").run()
    table = at.dataframe[0].value
    assert list(table["操作"]) == ["登录"]
    today = site_now(Settings()).date()
    at.date_input(key="audit_period").set_value((today - timedelta(days=60), today)).run()
    assert list(at.dataframe[0].value["操作"]) == ["登录", "导出"]


def test_only_an_admin_opens_the_page(store: Store) -> None:
    at = audit_page(store, "en", role="manager")
    assert "does not open this page" in at.error[0].value
    assert not at.dataframe


def test_an_empty_trail_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SERVICELENS_STORE", str(tmp_path / "none.duckdb"))
    at = audit_page(Store(tmp_path / "none.duckdb"), "en", role=None)  # the operator
    assert at.info[0].value == "No audit entries in this selection."
    assert not at.dataframe
    assert not (tmp_path / "none.duckdb").exists()  # reading the trail created no store
