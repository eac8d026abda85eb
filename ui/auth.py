"""Who is signed in: local passwords or the site's OIDC (st.login), idle timeout, sign-out.

A store holding imported data always asks for a sign-in; the demo store (and a store not yet
created) opens without one, as the machine's operator. The signed-in user is re-read from the
store on every run, so a removed user or a changed role takes effect at once.
"""

from __future__ import annotations

import math
import os
import shutil
import time
from typing import Final, NoReturn

import streamlit as st

from metrics.core.access import Access, SignInLimiter, User
from metrics.engine import accounts, audit
from metrics.engine.store import Store, StoreToken
from metrics.present.formatting import plain
from metrics.present.words import LANGS, colon, role_label, t
from ui import nav

USER_KEY: Final[str] = "_auth_user"  # not a widget key: a browser cannot set it
SEEN_KEY: Final[str] = "_auth_seen"
NOTICE_KEY: Final[str] = "_auth_notice"
WANTED_KEY: Final[str] = "_auth_wanted"
UPLOADS_KEY: Final[str] = "_upload_dir"  # the session's staged uploads (ui.uploads)
IDLE_DEFAULT_MINUTES: Final[int] = 30
UNKNOWN_NAME: Final[str] = "(unknown name)"  # the trail's word for a name no user has


def idle_minutes() -> int:
    """`SERVICELENS_IDLE_MINUTES` (default 30): a session without a click for this long ends."""
    try:
        return max(1, int(os.environ.get("SERVICELENS_IDLE_MINUTES", IDLE_DEFAULT_MINUTES)))
    except ValueError:
        return IDLE_DEFAULT_MINUTES


@st.cache_resource(show_spinner=False)
def limiter() -> SignInLimiter:
    """Failed sign-ins per user name, for every session of this server process."""
    return SignInLimiter()


@st.cache_data(show_spinner=False, max_entries=64)
def _user(path: str, token: StoreToken, name: str) -> User | None:
    return accounts.get(Store(path), name)


@st.cache_data(show_spinner=False, max_entries=64)
def _user_by_email(path: str, token: StoreToken, email: str) -> User | None:
    return accounts.by_email(Store(path), email)


@st.cache_data(show_spinner=False, max_entries=8)
def has_users(path: str, token: StoreToken) -> bool:
    return bool(accounts.users(Store(path)))


def sso_configured() -> bool:
    """Whether the site configured OIDC (`[auth]` in .streamlit/secrets.toml)."""
    try:
        return bool(st.secrets.load_if_toml_exists()) and "auth" in st.secrets
    except Exception:  # an unreadable secrets file means no SSO
        return False


def _sso_email() -> str | None:
    if not sso_configured():
        return None
    try:
        if st.user.is_logged_in:
            return str(st.user.get("email") or "") or None
    except Exception:  # no identity cookie: not signed in
        return None
    return None


def signed_in(store: Store, token: StoreToken, *, required: bool, lang: str) -> User | None:
    """The signed-in user, or None for the operator of a store that needs no sign-in. Draws
    the sign-in page and stops the run when one is needed (or asked for)."""
    user = _current(store, token, lang)
    if user is not None:
        return user
    if required or st.session_state.get(WANTED_KEY):
        _sign_in_page(store, token, lang, required=required)
        st.stop()
    return None


def _current(store: Store, token: StoreToken, lang: str) -> User | None:
    now = time.time()
    name = st.session_state.get(USER_KEY)
    email = _sso_email()
    if name is None and email is not None:
        found = _user_by_email(store.location, token, email)
        if found is None:
            _unknown_email(email, lang)
        _start(store, found, "sso")
        name = found.name
    if name is None:
        return None
    seen = st.session_state.get(SEEN_KEY, now)
    if now - float(seen) > idle_minutes() * 60:
        sign_out(store, name, notice="idle")
    user = _user(store.location, token, str(name))
    if user is None:  # removed (or renamed) since signing in
        sign_out(store, str(name), notice="signed_out")
    st.session_state[SEEN_KEY] = now
    return user


def _start(store: Store, user: User, how: str) -> None:
    st.session_state[USER_KEY] = user.name
    st.session_state[SEEN_KEY] = time.time()
    st.session_state.pop(WANTED_KEY, None)
    st.session_state.pop(NOTICE_KEY, None)
    audit.record(store, user=user.name, action="sign_in", view=how)


def sign_out(store: Store, name: str, notice: str = "signed_out") -> None:
    """End the session: forget everything it held, and rerun onto the sign-in page."""
    audit.record(store, user=name, action="sign_out", view=notice)
    sso = _sso_email() is not None
    lang = st.session_state.get("lang", "zh")
    staged = st.session_state.get(UPLOADS_KEY)
    if staged:  # uploaded extracts hold customers' data: they leave with the session
        shutil.rmtree(staged, ignore_errors=True)
    st.session_state.clear()
    st.session_state["lang"] = lang
    st.session_state[NOTICE_KEY] = notice
    st.session_state[WANTED_KEY] = True
    if sso:
        st.logout()  # removes the identity cookie and starts a new session
    st.rerun()


def _unknown_email(email: str, lang: str) -> NoReturn:
    nav.hidden()
    st.title(t("signin_title", lang))
    st.warning(t("signin_unknown_email", lang), icon=":material/person_off:")
    st.text(email)
    st.button(t("signout", lang), on_click=st.logout, icon=":material/logout:")
    st.stop()
    raise AssertionError("st.stop() ends the run")


def _sign_in_page(store: Store, token: StoreToken, lang: str, *, required: bool) -> None:
    nav.hidden()
    st.segmented_control(t("language", lang), options=list(LANGS), format_func=LANGS.__getitem__,
                         key="lang", required=True, label_visibility="collapsed")
    lang = str(st.session_state.get("lang", lang))
    st.title(t("signin_title", lang))
    notice = st.session_state.get(NOTICE_KEY)
    if notice == "idle":
        st.info(t("signin_idle", lang, minutes=idle_minutes()), icon=":material/schedule:")
    elif notice == "signed_out":
        st.info(t("signin_signed_out", lang), icon=":material/logout:")
    if required and not has_users(store.location, token):
        st.warning(t("signin_no_users", lang), icon=":material/admin_panel_settings:")
        return
    st.caption(t("signin_why" if required else "signin_optional", lang))
    if sso_configured():
        st.button(t("signin_sso", lang), on_click=st.login, icon=":material/badge:",
                  type="primary")
    with st.form("signin", clear_on_submit=True, width=420):
        name = st.text_input(t("signin_name", lang), autocomplete="username")
        password = st.text_input(t("signin_password", lang), type="password",
                                 autocomplete="current-password")
        submitted = st.form_submit_button(t("signin_submit", lang), type="primary",
                                          icon=":material/login:")
    if submitted:
        _check(store, name.strip(), password, lang)


def _check(store: Store, name: str, password: str, lang: str) -> None:
    """Verify a typed name and password; the password goes nowhere but the hash check."""
    gate, now = limiter(), time.time()
    wait = gate.wait(name, now)
    if wait > 0:  # the failures that locked the name are in the trail already
        st.error(t("signin_locked", lang, minutes=math.ceil(wait / 60)), icon=":material/lock:")
        return
    user = accounts.verify(store, name, password) if name and password else None
    if user is None:
        gate.failed(name, now)
        # A name no user has is not kept: it may be a password typed in the wrong box.
        known = bool(name) and accounts.get(store, name) is not None
        audit.record(store, user=name if known else UNKNOWN_NAME, action="sign_in_failed",
                     view="password")
        st.error(t("signin_wrong", lang), icon=":material/error:")
        return
    gate.succeeded(name)
    _start(store, user, "password")
    st.rerun()


def _ask_to_sign_in() -> None:
    """A sign-in button's click: the next run draws the sign-in page (signed_in)."""
    st.session_state[WANTED_KEY] = True


def sidebar(store: Store, token: StoreToken, user: User | None, lang: str, *,
            required: bool) -> None:
    """Who is signed in, with a sign-out button; on the demo, a way to sign in."""
    sb = st.sidebar
    if user is None:
        if not required and has_users(store.location, token):
            sb.button(t("signin_submit", lang), icon=":material/login:", type="tertiary",
                      on_click=_ask_to_sign_in)
        return
    teams = f" · {', '.join(user.teams)}" if user.teams else ""
    sb.caption(f"{t('signin_as', lang)}{colon(lang)}"
               + plain(f"{user.name} · {role_label(user.role, lang)}{teams}"))
    if sb.button(t("signout", lang), icon=":material/logout:", type="tertiary"):
        sign_out(store, user.name)


def ask_admin(store: Store, token: StoreToken, lang: str) -> None:
    """On a page only a signed-in admin may use: how to become one."""
    st.info(t("admin_sign_in", lang), icon=":material/admin_panel_settings:")
    if has_users(store.location, token):
        st.button(t("signin_submit", lang), icon=":material/login:", type="primary",
                  on_click=_ask_to_sign_in)


def access(user: User | None) -> Access | None:
    return None if user is None else Access.of(user)
