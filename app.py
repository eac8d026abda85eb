"""ServiceLens 客服质量看板: the frame. Page config, language, sign-in, shared filters,
navigation over the pages the user's role opens."""

from __future__ import annotations

# Altair and Streamlit import pandas on first use. Twenty sessions opening at once on a fresh
# server did so from twenty script threads together, and some got pandas half-imported
# ("partially initialized module 'pandas' has no attribute 'Timestamp'"). Imported here, at a
# session's first line, every other session waits for the one import to finish.
import pandas  # noqa: F401
import streamlit as st

from metrics.core.errors import ServiceLensError
from metrics.present.formatting import plain
from metrics.present.words import t
from ui import frame, nav

st.set_page_config(
    page_title="ServiceLens 客服质量看板",
    page_icon="📊",  # an emoji favicon is drawn in the page: a Material one is fetched from Google
    layout="wide",
)

try:
    ctx = frame.build()
except ServiceLensError as error:  # the store cannot be opened: say what to do, no traceback
    st.error(plain(str(error)), icon=":material/error:")
    st.stop()
lang = ctx.lang
page, path = nav.navigation(ctx.access, lang)
if ctx.demo:
    st.caption(f":orange-badge[:material/science: {t('demo_banner', lang)}]")
try:
    frame.require(ctx, path)
    st.session_state[frame.PAGE_KEY] = path
    page.run()
except ServiceLensError as error:  # a problem the user can act on; anything else is a bug
    st.error(plain(str(error)), icon=":material/error:")  # it may quote a file's values
frame.finish(ctx)
