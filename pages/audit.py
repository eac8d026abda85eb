"""审计记录 Audit trail: unmasked views and downloads, exports, sign-ins; newest first (admins)."""

from __future__ import annotations

from datetime import date

import polars as pl
import streamlit as st

from metrics.core.scope import default_period, site_now
from metrics.engine import audit
from metrics.present.words import t
from ui import frame, widgets

LIMIT = 10_000

ctx = frame.current()
frame.require(ctx, "audit")  # admins only, also by a typed URL
lang = ctx.lang
st.title(t("audit_page", lang))
st.caption(t("audit_intro", lang))

today = site_now(ctx.settings).date()
left, right = st.columns([2, 1])
period = left.date_input(t("period", lang), value=default_period(today), max_value=today,
                         format="YYYY-MM-DD", key="audit_period")
picked = [day for day in period if isinstance(day, date)] \
    if isinstance(period, tuple | list) else []
start, end = (picked[0], picked[-1]) if picked else default_period(today)
who = right.selectbox(t("audit_user", lang), [None, *audit.names(ctx.store)], key="audit_user",
                      format_func=lambda name: t("all", lang) if name is None else name)

found = audit.entries(ctx.store, start=start, end=end, user=who, limit=LIMIT)
if found.is_empty():
    st.info(t("audit_none", lang), icon=":material/policy:")
    st.stop()
if found.height >= LIMIT:
    st.caption(t("audit_truncated", lang, n=f"{LIMIT:,}"))
actions = {action: t(f"audit_action_{action}", lang) for action in audit.ACTIONS}
headers = {column: t(f"audit_col_{column}", lang) for column in found.columns}
shown = found.with_columns(pl.col("action").replace(actions)).rename(headers)
st.dataframe(shown, hide_index=True, column_config={
    headers["at"]: st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm:ss"),
    headers["filters"]: st.column_config.TextColumn(width="large"),
})
widgets.download(shown, lang, "audit_dl", f"audit-{start}-{end}")
