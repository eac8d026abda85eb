"""ServiceLens 客服质量看板: the frame. Page config, language, shared filters, navigation."""

from __future__ import annotations

import streamlit as st

from metrics.i18n import t
from ui import frame

st.set_page_config(
    page_title="ServiceLens 客服质量看板",
    page_icon=":material/support_agent:",
    layout="wide",
)

ctx = frame.build()
lang = ctx.lang
pages = [
    st.Page("pages/overview.py", title=t("overview", lang), icon=":material/dashboard:",
            url_path="overview", default=True),
    st.Page("pages/data.py", title=t("data_page", lang), icon=":material/upload_file:",
            url_path="data"),
]
page = st.navigation(pages)
if ctx.demo:
    st.caption(f":orange-badge[:material/science: {t('demo_banner', lang)}]")
page.run()
frame.finish(ctx)
