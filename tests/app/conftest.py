"""AppTest helpers."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

from metrics.core.access import Role, User
from metrics.engine import accounts
from metrics.engine.store import Store
from ui import auth


def frame_app(path: str, timeout: float = 90) -> AppTest:
    """An AppTest whose every run goes through app.py's frame and st.navigation.

    Streamlit 1.67's AppTest resets `PagesManager.uses_pages_directory` before each run, and
    with a `pages/` folder present it then runs the requested page file alone, the old
    multipage way, skipping app.py (the sidebar and its filters vanish from the second run).
    A served app calls st.navigation once, which turns that mode off for good; this does
    the same at the start of every test run, so `switch_page` also works as in a browser.
    """
    at = AppTest.from_file(path, default_timeout=timeout)
    original = at._run  # both at.run() and a widget's .run() go through _run
    init = PagesManager.__init__

    def served_init(self: PagesManager, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    def run(*args: Any, **kwargs: Any) -> AppTest:
        with mock.patch.object(PagesManager, "__init__", served_init):
            return original(*args, **kwargs)

    at._run = run  # type: ignore[method-assign]
    return at


def open_file(at: AppTest, page: str, lang: str = "zh", **state: Any) -> AppTest:
    """Run app.py on the page file with the view in session state: one run, through the frame
    (the pages' url_paths are their file names, so the page is found before the first run and
    the Overview is not drawn first for nothing)."""
    at.query_params["lang"] = lang
    for key, value in state.items():
        at.session_state[key] = value
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def copy_store(source: Store, path: Path) -> Store:
    """A copy of `source` at `path`, with its write-ahead log when it has one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source.path, path)
    wal = source.path.with_name(source.path.name + ".wal")
    if wal.exists():
        shutil.copyfile(wal, path.with_name(path.name + ".wal"))
    return Store(path)


@pytest.fixture()
def store_copy(demo_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    """A private copy of the demo store, for tests that write settings."""
    copied = copy_store(demo_store, tmp_path / "copy.duckdb")
    monkeypatch.setenv("SERVICELENS_STORE", str(copied.path))
    return copied


def sign_in(at: AppTest, store: Store, role: Role = "admin", *, name: str | None = None,
            teams: tuple[str, ...] = (), unmask: bool = False) -> User:
    """A user of `role` in the store, signed in for this AppTest's session (as the sign-in
    form leaves it: the user's name under the session key no widget can write)."""
    user = User(name=name or f"test-{role}", role=role, teams=teams, unmask=unmask)
    if accounts.get(store, user.name) is None:
        store.ensure()
        accounts.add(store, user, "correct horse battery")
    at.session_state[auth.USER_KEY] = user.name
    return user
