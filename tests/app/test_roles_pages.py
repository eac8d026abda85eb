"""Sign-in and the role matrix of pages: each of the five roles, signed in, opens exactly the
pages DOMAIN.md's table gives it, also when a page's URL is typed; nobody sees data before
signing in to a store holding imported data."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from metrics.core.access import PAGES, User
from metrics.engine import audit
from metrics.engine.store import Store
from metrics.present.words import t
from tests.app.conftest import frame_app
from tests.app.roles import ALL_PAGES, PASSWORD, imported_copy, people, title_key
from ui import auth

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")


@pytest.fixture(scope="module")
def site(demo_store: Store, tmp_path_factory: pytest.TempPathFactory
         ) -> tuple[Store, dict[str, User]]:
    store = imported_copy(demo_store, tmp_path_factory.mktemp("roles"))
    return store, people(store)


@pytest.fixture()
def at(site: tuple[Store, dict[str, User]], monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("SERVICELENS_STORE", str(site[0].path))
    app = frame_app(APP)
    app.query_params["lang"] = "en"
    return app


def signed_in_as(at: AppTest, name: str) -> AppTest:
    """Sign in through the form, as a person would."""
    at.run()
    assert [x.value for x in at.title] == [t("signin_title", "en")]
    at.text_input[0].input(name)
    at.text_input[1].input(PASSWORD)
    at.button[-1].click().run()  # the form's submit button
    assert not at.exception, at.exception
    assert at.session_state[auth.USER_KEY] == name
    return at


def titles(at: AppTest) -> list[str]:
    return [x.value for x in at.title]


def test_imported_data_asks_for_a_sign_in_and_shows_nothing_before(at: AppTest) -> None:
    for page in ALL_PAGES:
        at.switch_page(f"pages/{page}.py").run()
        assert not at.exception
        assert titles(at) == [t("signin_title", "en")], page
        assert not at.metric and not at.dataframe and not at.get("download_button")
        assert not at.sidebar.multiselect, "no filter offers a team or an agent"


@pytest.mark.parametrize("who", ["admin", "manager", "team_lead", "qa", "viewer"])
def test_each_role_opens_exactly_its_pages(at: AppTest, site: tuple[Store, dict[str, User]],
                                           who: str) -> None:
    user = site[1][who]
    signed_in_as(at, who)
    home = titles(at)
    assert home == [t("overview" if user.role != "qa" else "qa_page", "en")]
    for page in ALL_PAGES:
        if page not in PAGES[user.role]:  # the session has no such page to switch to (a
            # typed URL of it opens the home page: tests/e2e/test_sign_in_browser.py)
            with pytest.raises(ValueError, match="Could not find a navigation page"):
                at.switch_page(f"pages/{page}.py")
            continue
        at.switch_page(f"pages/{page}.py").run()
        assert not at.exception, (who, page, at.exception)
        assert t(title_key(page), "en") in titles(at), (who, page, titles(at))
        denied = t("page_denied", "en", role="")[:9]  # "Your role"
        assert not [e for e in at.error if e.value.startswith(denied)], (who, page)


def test_a_wrong_password_is_refused_and_then_the_name_is_locked(
        at: AppTest, site: tuple[Store, dict[str, User]]) -> None:
    auth.limiter().succeeded("manager")
    at.run()
    for _ in range(auth.limiter().attempts):
        at.text_input[0].input("manager")
        at.text_input[1].input("not the password")
        at.button[-1].click().run()
        assert [e.value for e in at.error] == [t("signin_wrong", "en")]
        assert auth.USER_KEY not in at.session_state
    at.text_input[0].input("manager")
    at.text_input[1].input(PASSWORD)  # even the right password waits now
    at.button[-1].click().run()
    assert t("signin_locked", "en", minutes=5) in [e.value for e in at.error]
    assert auth.USER_KEY not in at.session_state
    trail = audit.entries(site[0], user="manager")
    failed = trail.filter(trail["action"] == "sign_in_failed")
    assert failed.height >= auth.limiter().attempts  # the locked attempt adds none
    at.text_input[0].input("hunter2-in-the-name-box")  # a password typed as the name
    at.text_input[1].input("x")
    at.button[-1].click().run()
    assert audit.entries(site[0]).row(0, named=True)["user"] == auth.UNKNOWN_NAME
    trail = audit.entries(site[0])
    assert not any(word in str(v) for word in (PASSWORD, "not the password", "hunter2")
                   for row in trail.iter_rows() for v in row), "no password in the trail"
    auth.limiter().succeeded("manager")


def test_sign_out_ends_the_session(at: AppTest, tmp_path: Path) -> None:
    signed_in_as(at, "manager")
    staged = tmp_path / "servicelens-upload-x"  # as ui.uploads stages a file
    staged.mkdir()
    (staged / "tickets.csv").write_text("客户姓名,联系电话\n张三丰,13812345678\n")
    at.session_state[auth.UPLOADS_KEY] = str(staged)
    next(b for b in at.sidebar.button if b.label == t("signout", "en")).click().run()
    assert not staged.exists(), "staged extracts leave with the session"
    assert titles(at) == [t("signin_title", "en")]
    assert t("signin_signed_out", "en") in [i.value for i in at.info]
    for page in ("overview", "agents"):  # back to a page the session had open
        at.switch_page(f"pages/{page}.py").run()
        assert titles(at) == [t("signin_title", "en")] and not at.metric


def test_an_idle_session_ends(at: AppTest, monkeypatch: pytest.MonkeyPatch) -> None:
    signed_in_as(at, "manager")
    at.session_state[auth.SEEN_KEY] = 0.0  # the last click was long ago
    at.run()
    assert titles(at) == [t("signin_title", "en")]
    assert t("signin_idle", "en", minutes=auth.idle_minutes()) in [i.value for i in at.info]


def test_a_removed_user_is_signed_out(at: AppTest, site: tuple[Store, dict[str, User]]
                                      ) -> None:
    from metrics.engine import accounts

    accounts.add(site[0], User(name="leaver", role="manager"), PASSWORD)
    signed_in_as(at, "leaver")
    accounts.remove(site[0], "leaver")
    at.run()
    assert titles(at) == [t("signin_title", "en")] and not at.metric


def test_the_demo_opens_without_a_sign_in_and_says_so(demo_store: Store,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SERVICELENS_STORE", str(demo_store.path))
    at = frame_app(APP)
    at.query_params["lang"] = "en"
    at.run()
    assert titles(at) == [t("overview", "en")] and at.metric
    assert any("opens without signing in" in c.value for c in at.caption)


def test_imported_data_without_users_says_how_to_make_the_first_admin(
        demo_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = imported_copy(demo_store, tmp_path)
    monkeypatch.setenv("SERVICELENS_STORE", str(store.path))
    at = frame_app(APP)
    at.query_params["lang"] = "en"
    at.run()
    assert [w.value for w in at.warning] == [t("signin_no_users", "en")]
    assert "servicelens users add NAME --role admin --password-stdin" in at.warning[0].value
    assert not at.text_input and not at.metric


def test_on_the_demo_an_import_needs_a_signed_in_admin(demo_store: Store,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Importing turns the demo into a site's store, which then asks everyone to sign in: so
    the operator of the demo is told to sign in as an admin first, and gets no uploader."""
    monkeypatch.setenv("SERVICELENS_STORE", str(demo_store.path))
    at = frame_app(APP)
    at.query_params["lang"] = "en"
    at.switch_page("pages/data.py").run()
    assert titles(at) == [t("data_page", "en")]
    assert [i.value for i in at.info] == [t("admin_sign_in", "en")]
    assert not at.get("file_uploader")


def test_single_sign_on_maps_an_e_mail_to_its_user_and_refuses_an_unknown_one(
        at: AppTest, site: tuple[Store, dict[str, User]], monkeypatch: pytest.MonkeyPatch
        ) -> None:
    """With `[auth]` configured, st.login's identity (st.user.email) finds the user whose
    e-mail it is; an e-mail no user has gets no data and a message naming whom to ask. (The
    identity provider itself is Streamlit's; here its answer is given.)"""
    from metrics.engine import accounts

    if accounts.get(site[0], "sso-lead") is None:
        accounts.add(site[0], User(name="sso-lead", role="team_lead", email="Lead@Example.com",
                                   teams=site[1]["team_lead"].teams), PASSWORD)
    monkeypatch.setattr(auth, "sso_configured", lambda: True)
    monkeypatch.setattr(auth, "_sso_email", lambda: "stranger@example.com")
    at.run()
    assert titles(at) == [t("signin_title", "en")]
    assert [w.value for w in at.warning] == [t("signin_unknown_email", "en")]
    assert [x.value for x in at.text] == ["stranger@example.com"]
    assert not at.metric and not at.dataframe and auth.USER_KEY not in at.session_state
    monkeypatch.setattr(auth, "_sso_email", lambda: "lead@example.com")
    at.run()
    assert at.session_state[auth.USER_KEY] == "sso-lead"
    assert titles(at) == [t("overview", "en")] and at.metric
    assert at.sidebar.multiselect(key="team").options == list(site[1]["team_lead"].teams)


def test_on_a_demo_with_users_the_admin_pages_ask_for_an_admin(
        demo_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The README's first-admin flow adds users to the demo store: from then on its Settings
    and Audit trail are an admin's (the trail names who failed to sign in)."""
    from metrics.engine import accounts
    from tests.app.conftest import copy_store

    store = copy_store(demo_store, tmp_path / "demo.duckdb")
    accounts.add(store, User(name="boss", role="admin"), PASSWORD)
    monkeypatch.setenv("SERVICELENS_STORE", str(store.path))
    at = frame_app(APP)
    at.query_params["lang"] = "en"
    at.run()
    assert titles(at) == [t("overview", "en")] and at.metric  # the demo still opens
    for page in ("settings", "audit", "data"):
        at.switch_page(f"pages/{page}.py").run()
        assert titles(at) == [t(f"{page}_page", "en")]
        assert [i.value for i in at.info] == [t("admin_sign_in", "en")]
        assert not at.dataframe and not at.text_input and not at.get("file_uploader")
