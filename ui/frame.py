"""The frame every page shares: language, sidebar filters mirrored in the URL, freshness."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Final

import streamlit as st
from streamlit.delta_generator import DeltaGenerator
from streamlit.runtime.pages_manager import PagesManager

from metrics.core.access import ADMIN_PAGES, Access, User, may_open
from metrics.core.filters import COMPARE_MODES, Filters
from metrics.core.scope import Grain, Scope, default_period, site_now
from metrics.core.settings import Settings
from metrics.engine.store import Store, StoreToken, default_location, last_day
from metrics.present.words import LANGS, colon, label, role_label, t
from ui import auth, cached

# filter key in session state and URL -> (vocabulary for its words, i18n label key)
LIST_FILTERS: Final[dict[str, tuple[str | None, str]]] = {
    "channel": ("channel", "channels"),
    "team": (None, "teams"),
    "agent": (None, "agents"),
    "type": ("request_type", "request_types"),
    "category": ("category", "categories"),
}
DIMENSION_OF: Final[dict[str, str]] = {
    "channel": "channel", "team": "team", "agent": "agent", "type": "request_type",
    "category": "category",
}
# Page widgets whose value joins the URL: the trend grain, the One agent page's person.
PAGE_KEYS: Final[tuple[str, ...]] = ("grain", "person")
PAGE_KEY: Final[str] = "_page"  # the URL path of the page this run draws (for the audit trail)


@dataclass(frozen=True)
class Context:
    """What a page needs from the frame."""

    store: Store
    token: StoreToken
    lang: str
    settings: Settings
    filters: Filters | None  # None while the store holds no tickets
    first: date | None
    latest: date | None
    demo: bool
    user: User | None = None  # None: the operator of a store that needs no sign-in
    as_of: datetime | None = None  # the data's latest moment (Store.data_as_of)

    @property
    def access(self) -> Access | None:
        return auth.access(self.user)

    @property
    def path(self) -> str:
        return self.store.location  # a file, chdb:FOLDER or clickhouse://…

    def offered(self, dim: str, values: list[object]) -> list[object]:
        """A dimension's values as this user may pick them (the drill-down's segment values):
        a team lead's teams, and the agents of those teams in the period."""
        teams = self.user.teams if self.user else ()
        if not teams or dim not in ("team", "agent"):
            return values
        if dim == "team":
            return [v for v in values if v in teams]
        assert self.filters is not None
        teams_of = cached.agent_teams(self.path, self.token, Filters(
            date_from=self.filters.date_from, date_to=self.filters.date_to))
        return [v for v in values if teams_of.get(str(v)) in teams]

    def scope(self, filters: Filters | None = None, grain: Grain | None = None) -> Scope:
        """The sidebar's view (or `filters`) over the site's settings, as of the data's
        latest moment: the same as the CLI's (`Store.scope`), and a cache key that changes
        when the data does, not every minute."""
        chosen = filters or self.filters
        assert chosen is not None, "no scope while the store holds no tickets"
        as_of = self.as_of or site_now(self.settings).replace(second=0)
        return Scope.of(chosen, self.settings, as_of=as_of, grain=grain, access=self.access)


def lang() -> str:
    value = st.session_state.get("lang", "zh")
    return value if value in LANGS else "zh"


def current() -> Context:
    """The context app.py built for this run."""
    ctx = st.session_state.get("_ctx")
    if not isinstance(ctx, Context):
        # A fresh server whose first request is a page's URL (a bookmark of /data) runs that
        # file alone, in Streamlit's older pages/ mode, until st.navigation has run once.
        # Leave that mode as st.navigation would and rerun: app.py then runs this page.
        PagesManager.uses_pages_directory = False
        st.rerun()
    return ctx


def _load_query_params(options: dict[str, list[str]], first: date | None,
                       latest: date | None) -> None:
    """On a session's first run, take the view from the URL, ignoring values that don't fit."""
    if st.session_state.get("_qp_loaded"):
        return
    st.session_state["_qp_loaded"] = True
    qp = st.query_params
    if qp.get("lang") in LANGS:
        st.session_state["lang"] = qp.get("lang")
    start, end = _parse_date(qp.get("from")), _parse_date(qp.get("to"))
    if start and end and first and latest and start <= end:
        st.session_state["period"] = (_clamp(start, first, latest), _clamp(end, first, latest))
    for key in LIST_FILTERS:
        wanted = [v for v in qp.get_all(key) if v in options.get(key, [])]
        if wanted:
            st.session_state[key] = wanted
    if qp.get("clock") == "business":
        st.session_state["business_hours"] = True
    if qp.get("compare") in COMPARE_MODES:
        st.session_state["compare"] = qp.get("compare")
    for key in PAGE_KEYS:
        if qp.get(key):
            st.session_state[f"_qp_{key}"] = qp.get(key)


def _parse_date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _clamp(day: date, first: date, latest: date) -> date:
    return min(max(day, first), latest)


def _write_query_params(filters: Filters | None) -> None:
    """Mirror the view into the URL so that a copied link reproduces it."""
    params = view_params(filters)
    wanted = {k: v if isinstance(v, list) else [v] for k, v in params.items()}
    if {k: st.query_params.get_all(k) for k in st.query_params} != wanted:
        st.query_params.from_dict(params)


def switch_keeping_view(page: str, filters: Filters | None, **extra: str) -> None:
    """st.switch_page, keeping language, filters and clock (Streamlit drops widget state on a
    page switch): the next run reads the view back from the URL, as a shared link would."""
    st.session_state["_qp_loaded"] = False
    st.switch_page(page, query_params={**view_params(filters), **extra})


def view_params(filters: Filters | None) -> dict[str, str | list[str]]:
    """The URL parameters of the current view."""
    params: dict[str, str | list[str]] = {"lang": lang()}
    if filters is not None:
        params["from"] = filters.date_from.isoformat()
        params["to"] = filters.date_to.isoformat()
    for key in LIST_FILTERS:
        values = st.session_state.get(key) or []
        if values:
            params[key] = list(values)
    if filters is not None and filters.business_hours:
        params["clock"] = "business"
    if filters is not None and filters.compare is not None:
        params["compare"] = filters.compare
    for key in PAGE_KEYS:
        value = st.session_state.get(key)
        if value:
            params[key] = str(value)
    return params


def page_default(key: str, fallback: str) -> str:
    """A page widget's initial value: from the URL on first load, else the fallback."""
    return str(st.session_state.pop(f"_qp_{key}", fallback))


def _reset() -> None:
    for key in (*LIST_FILTERS, "period", "business_hours", "compare"):
        st.session_state.pop(key, None)


def build() -> Context:
    """Draw the sidebar (language, filters, freshness) and return the page context."""
    store = cached.open_store(default_location())
    token = store.version_token()
    # In every run, not only when waiting: an element only the first run of a session draws
    # would shift every later one, and the browser would draw the whole page again on the
    # next rerun.
    notice = st.empty()
    if store.exists() and (st.session_state.get("_seen_token") != token
                           or store.writer_waiting()):
        # new data is written, or an import waits to write: wait, and say so
        _wait_for_writers(store, notice)
        token = store.version_token()
        st.session_state["_seen_token"] = token
    path = store.location
    info = cached.freshness(path, token) if store.exists() else {
        "latest": {}, "first": None, "demo": False, "as_of": None}
    latest_dates: dict[str, date | None] = info["latest"]  # type: ignore[assignment]
    latest = last_day(latest_dates)
    first: date | None = info["first"]  # type: ignore[assignment]
    if st.session_state.get("lang") not in LANGS:
        st.session_state["lang"] = st.query_params.get("lang") \
            if st.query_params.get("lang") in LANGS else "zh"
    # A store holding imported data asks who is there; the demo opens as the operator's.
    required = store.exists() and not info["demo"]
    user = auth.signed_in(store, token, required=required, lang=lang())
    options = cached.dimensions(path, token) if latest else {}
    options = {key: options.get(DIMENSION_OF[key], []) for key in LIST_FILTERS}
    if user is not None and user.teams:  # a team lead is offered their teams only
        options["team"] = [team for team in options["team"] if team in user.teams]
    _load_query_params(options, first, latest)

    sb = st.sidebar
    sb.markdown(f"### :material/support_agent: {t('app_title', 'zh')} · ServiceLens")
    if st.session_state.get("lang") not in LANGS:
        st.session_state["lang"] = "zh"
    sb.segmented_control(
        t("language", lang()), options=list(LANGS), format_func=LANGS.__getitem__,
        key="lang", required=True,
    )
    current_lang = lang()
    auth.sidebar(store, token, user, current_lang, required=required)
    filters: Filters | None = None
    if latest and first:
        filters = _filter_widgets(current_lang, options, path, token, first, latest,
                                  user.teams if user else ())
    _freshness(current_lang, latest_dates)
    ctx = Context(
        store=store, token=token, lang=current_lang,
        settings=cached.settings(path, token) if store.exists() else Settings(),
        filters=filters, first=first, latest=latest, demo=bool(info["demo"]), user=user,
        as_of=info.get("as_of"),  # type: ignore[arg-type]
    )
    st.session_state["_ctx"] = ctx
    return ctx


def _wait_for_writers(store: Store, box: DeltaGenerator) -> None:
    def waiting(message: str) -> None:
        box.info(t("store_busy", lang()), icon=":material/hourglass_top:")

    with store.reader(on_wait=waiting):
        pass
    box.empty()


def _filter_widgets(
    current_lang: str, options: dict[str, list[str]], path: str, token: StoreToken,
    first: date, latest: date, granted: tuple[str, ...] = (),
) -> Filters:
    sb = st.sidebar
    sb.subheader(t("filters", current_lang))
    if "period" not in st.session_state:
        st.session_state["period"] = default_period(latest)
    # Keep the period inside the data: a small or new import may start later than it.
    st.session_state["period"] = tuple(
        _clamp(day, first, max(latest, date.today()))
        for day in st.session_state["period"] if isinstance(day, date)
    )
    period = sb.date_input(
        t("period", current_lang), key="period", min_value=first,
        max_value=max(latest, date.today()), format="YYYY-MM-DD",
    )
    start, end = _period(period, latest)
    # The teams whose agents are offered: those chosen, else those a team lead is given.
    selected_teams = st.session_state.get("team") or list(granted)
    # An agent belongs to their team in the chosen period, as on the scorecard and QA pages.
    teams_of = cached.agent_teams(path, token, Filters(date_from=start, date_to=end)) \
        if selected_teams else {}
    for key, (vocabulary, title) in LIST_FILTERS.items():
        choices = options.get(key, [])
        if key == "agent" and selected_teams:
            choices = [a for a in choices if teams_of.get(a) in selected_teams]
            if "agent" in st.session_state:
                st.session_state["agent"] = [a for a in st.session_state["agent"] if a in choices]
        sb.multiselect(
            t(title, current_lang), options=choices, key=key,
            placeholder=t("all", current_lang),
            format_func=(lambda code, v=vocabulary: label(v, code, current_lang)) if vocabulary
            else str,
        )
    sb.toggle(t("business_hours", current_lang), key="business_hours",
              help=t("business_hours_help", current_lang))
    auto = Filters(date_from=start, date_to=end).comparison  # what no choice gives this period
    sb.selectbox(
        t("compare", current_lang), [None, *COMPARE_MODES], key="compare",
        format_func=lambda mode: t("compare_auto", current_lang,
                                   mode=t(f"compare_{auto}", current_lang))
        if mode is None else t(f"compare_{mode}", current_lang),
        help=t("compare_help", current_lang))
    sb.button(t("reset", current_lang), on_click=_reset, icon=":material/restart_alt:",
              width="stretch")
    return Filters(
        date_from=start, date_to=end,
        channels=tuple(st.session_state.get("channel") or ()),
        teams=tuple(st.session_state.get("team") or ()),
        agents=tuple(st.session_state.get("agent") or ()),
        request_types=tuple(st.session_state.get("type") or ()),
        categories=tuple(st.session_state.get("category") or ()),
        business_hours=bool(st.session_state.get("business_hours")),
        compare=st.session_state.get("compare"),
    )


def _period(value: object, latest: date) -> tuple[date, date]:
    """A finished range from the date widget; while only one end is picked, that one day."""
    if isinstance(value, tuple | list) and len(value) == 2 and all(value):
        start, end = value
        return start, end
    if isinstance(value, tuple | list) and len(value) == 1 and value[0]:
        return value[0], value[0]
    return default_period(latest)


def _freshness(current_lang: str, latest: dict[str, date | None]) -> None:
    sb = st.sidebar
    sb.divider()
    parts = [
        f"{t('kind_' + kind, current_lang)} {day.isoformat() if day else '—'}"
        for kind, day in latest.items()
    ]
    if parts:
        sb.caption(f"{t('freshness', current_lang)}{colon(current_lang)}" + " · ".join(parts))


def finish(ctx: Context) -> None:
    """After the page ran: mirror the view into the URL."""
    _write_query_params(ctx.filters)


def require(ctx: Context, page: str) -> None:
    """Stop with a sentence unless the user's role opens this page (pages call it too, for a
    page file run on its own). Without a sign-in (the demo), the admin pages ask for an admin
    once the store has users, and imports always do: an import makes the store one that
    asks everyone to sign in."""
    if ctx.user is None and page in ADMIN_PAGES and (page == "data"
                                                     or auth.has_users(ctx.path, ctx.token)):
        st.title(t(f"{page}_page", ctx.lang))
        auth.ask_admin(ctx.store, ctx.token, ctx.lang)
        st.stop()
    if not may_open(ctx.access, page):
        role = role_label(ctx.access.role, ctx.lang) if ctx.access else ""
        st.error(t("page_denied", ctx.lang, role=role), icon=":material/block:")
        st.stop()
