"""The pages, in their sections, and the navigation over those the user's role opens."""

from __future__ import annotations

from typing import Final

import streamlit as st
from streamlit.navigation.page import StreamlitPage

from metrics.core.access import Access, may_open
from metrics.present.words import t

# section -> (url path = file name, title key, icon). pages/data.py keeps its URL's name: a
# fresh server serves a bookmark of /data from that file before st.navigation has run once.
PAGES: Final[dict[str, tuple[tuple[str, str, str], ...]]] = {
    "nav_analysis": (
        ("overview", "overview", ":material/dashboard:"),
        ("response", "response_page", ":material/timer:"),
        ("resolution", "resolution_page", ":material/task_alt:"),
        ("complaints", "complaints_page", ":material/report:"),
        ("satisfaction", "satisfaction_page", ":material/sentiment_satisfied:"),
        ("calls", "calls_page", ":material/call:"),
    ),
    "nav_team": (
        ("agents", "agents_page", ":material/groups:"),
        ("agent", "agent_page", ":material/person:"),
        ("teams", "teams_page", ":material/diversity_3:"),
        ("qa", "qa_page", ":material/fact_check:"),
    ),
    "nav_admin": (
        ("actions", "actions_page", ":material/checklist:"),
        ("catalog", "catalog_page", ":material/menu_book:"),
        ("settings", "settings_page", ":material/tune:"),
        ("data", "data_page", ":material/upload_file:"),
        ("audit", "audit_page", ":material/policy:"),
    ),
}


def navigation(access: Access | None, lang: str) -> tuple[StreamlitPage, str]:
    """st.navigation over the pages this access opens: in this session no other page exists,
    so a typed URL of one finds nothing. The first one left is the home page (the QA page for
    a QA supervisor). Returns the page to run and its path (`url_path` is "" for the home
    page)."""
    opened = [(section, spec) for section, specs in PAGES.items() for spec in specs
              if may_open(access, spec[0])]
    pages: dict[str, list[StreamlitPage]] = {}
    paths: dict[int, str] = {}
    for number, (section, (path, title, icon)) in enumerate(opened):
        page = st.Page(f"pages/{path}.py", title=t(title, lang), icon=icon, url_path=path,
                       default=number == 0)
        pages.setdefault(t(section, lang), []).append(page)
        paths[id(page)] = path
    chosen = st.navigation(pages, expanded=True)  # 13 pages for an admin: none hidden
    return chosen, paths[id(chosen)]


def hidden() -> None:
    """Navigation with no menu, for the sign-in page: the URL asked for stays as it is (and
    opens after signing in, if the role opens it), no page is listed, none runs."""
    st.navigation([st.Page(f"pages/{path}.py", url_path=path, default=path == "overview")
                   for specs in PAGES.values() for path, _, _ in specs], position="hidden")
