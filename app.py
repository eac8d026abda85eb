"""ServiceLens 客服质量看板: the frame. Page config, language, shared filters, navigation."""

from __future__ import annotations

import streamlit as st

from metrics.core.errors import ServiceLensError
from metrics.present.words import t
from ui import frame

st.set_page_config(
    page_title="ServiceLens 客服质量看板",
    page_icon=":material/support_agent:",
    layout="wide",
)

ctx = frame.build()
lang = ctx.lang
pages = {
    t("nav_analysis", lang): [
        st.Page("pages/overview.py", title=t("overview", lang), icon=":material/dashboard:",
                url_path="overview", default=True),
        st.Page("pages/response.py", title=t("response_page", lang), icon=":material/timer:",
                url_path="response"),
        st.Page("pages/resolution.py", title=t("resolution_page", lang),
                icon=":material/task_alt:", url_path="resolution"),
        st.Page("pages/complaints.py", title=t("complaints_page", lang),
                icon=":material/report:", url_path="complaints"),
        st.Page("pages/satisfaction.py", title=t("satisfaction_page", lang),
                icon=":material/sentiment_satisfied:", url_path="satisfaction"),
    ],
    t("nav_team", lang): [
        st.Page("pages/agents.py", title=t("agents_page", lang), icon=":material/groups:",
                url_path="agents"),
        st.Page("pages/agent.py", title=t("agent_page", lang), icon=":material/person:",
                url_path="agent"),
        st.Page("pages/teams.py", title=t("teams_page", lang), icon=":material/diversity_3:",
                url_path="teams"),
        st.Page("pages/qa.py", title=t("qa_page", lang), icon=":material/fact_check:",
                url_path="qa"),
    ],
    t("nav_admin", lang): [
        st.Page("pages/catalog.py", title=t("catalog_page", lang), icon=":material/menu_book:",
                url_path="catalog"),
        st.Page("pages/settings.py", title=t("settings_page", lang), icon=":material/tune:",
                url_path="settings"),
        # The file keeps its URL's name: a fresh server serves a bookmark of /data from
        # pages/data.py before st.navigation has run once.
        st.Page("pages/data.py", title=t("data_page", lang), icon=":material/upload_file:",
                url_path="data"),
    ],
}
page = st.navigation(pages)
if ctx.demo:
    st.caption(f":orange-badge[:material/science: {t('demo_banner', lang)}]")
try:
    page.run()
except ServiceLensError as error:  # a problem the user can act on; anything else is a bug
    st.error(str(error), icon=":material/error:")
frame.finish(ctx)
