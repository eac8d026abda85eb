"""数据导入 Data import: upload extracts, check the mapping on a preview, import, see rejects."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from metrics.ingest import journal
from metrics.ingest.mapping import Mapping, MappingError, load_mapping, presets, save_preset
from metrics.ingest.rows import KINDS
from metrics.present.formatting import plain
from metrics.present.words import t
from metrics.views import drill
from ui import cached, frame, uploads, widgets

ctx = frame.current()
frame.require(ctx, "data")  # admins only, also by a typed URL
lang = ctx.lang
st.title(t("data_page", lang))
st.caption(t("data_intro", lang))

files = st.file_uploader(
    t("upload", lang), type=list(uploads.SUFFIXES), accept_multiple_files=True, key="uploads",
    help=t("upload_help", lang),
)
staged = uploads.stage(files or [])

left, right = st.columns(2)
preset_names = list(presets())
preset = left.selectbox(
    t("mapping_preset", lang), [None, *preset_names], key="preset",
    format_func=lambda p: t("auto_detect", lang) if p is None else p,
)
encoding = right.selectbox(
    t("encoding", lang), [None, "utf-8", "gb18030", "gbk", "utf-16"], key="encoding",
    format_func=lambda e: t("auto_detect", lang) if e is None else e,
)
try:
    base = load_mapping(presets()[preset]) if preset else Mapping()
except MappingError as error:
    st.error(plain(str(error)), icon=":material/error:")
    base = Mapping()

ready: list[tuple[uploads.Staged, str, Mapping]] = []
for item in staged:
    with st.container(border=True):
        st.markdown(f"**:material/description: {plain(item.name)}**")
        guess = cached.preview(item.path, None, base, encoding, ctx.settings.timezone, lang, 1)
        if guess.error:
            st.error(plain(guess.error), icon=":material/error:")
            continue
        kind = st.segmented_control(
            t("kind", lang), list(KINDS), key=f"kind_{item.key}", required=True,
            default=guess.kind, format_func=lambda k: t(f"kind_{k}", lang),
        )
        if kind is None:
            st.warning(t("kind_guess_failed", lang), icon=":material/help:")
            continue
        probe = guess if kind == guess.kind else cached.preview(  # the guess resolved this kind
            item.path, kind, base, encoding, ctx.settings.timezone, lang, 1)
        # a required column not found (any header), or given by several (one of those)
        picks = [("pick_column", c, probe.headers) for c in probe.resolution.missing] + [
            ("pick_ambiguous", c, [probe.headers[i] for i in found])
            for c, found in probe.resolution.ambiguous.items()] if probe.resolution else []
        for words, column, options in picks:
            st.selectbox(  # drawn on every run, so that the pick is kept
                t(words, lang, column=column), [None, *options],
                key=f"pick_{item.key}_{column}",
                format_func=lambda h: t("choose", lang) if h is None else h,
            )
        mapping = uploads.picked_mapping(item, base)
        view = cached.preview(item.path, kind, mapping, encoding, ctx.settings.timezone, lang, 20)
        if view.resolution is None:
            st.error(plain(view.error or ""), icon=":material/error:")
            continue
        if view.resolution.missing or view.resolution.ambiguous:
            continue
        uploads.describe_columns(view, lang)
        problems = view.rows.filter(view.rows["problems"] != "").height
        st.caption(t("preview", lang, n=view.rows.height))
        unmask = drill.unmasked(ctx.access)  # names and phones: as everywhere
        widgets.table(view.rows if unmask else drill.mask(view.rows), lang,
                      f"preview_{item.key}", f"preview-{Path(item.name).stem}", height=260,
                      as_shown=False, unmasked=unmask)
        if problems:
            st.warning(t("preview_problems", lang, n=problems), icon=":material/rule:")
        if mapping.columns:
            with st.popover(t("save_preset", lang), icon=":material/bookmark_add:"):
                name = st.text_input(t("preset_name", lang), key=f"preset_name_{item.key}")
                if st.button(t("save_preset", lang), key=f"save_{item.key}") and name:
                    path = save_preset(mapping.model_copy(update={"kind": kind}), name)
                    st.success(t("preset_saved", lang, path=plain(path.name)))
        ready.append((item, kind, mapping))

if not staged:
    st.info(t("no_uploads", lang), icon=":material/upload_file:")
elif ready and st.button(t("import_button", lang, n=len(ready)), type="primary",
                         icon=":material/database_upload:"):
    st.session_state["import_results"] = uploads.run_imports(ctx.store, ready, encoding, lang)
    st.rerun()

for result in st.session_state.get("import_results", []):
    uploads.show_result(ctx, result, lang)

st.subheader(t("import_log", lang))
for stopped in journal.unfinished(ctx.store):
    st.warning(t("import_unfinished", lang, file=plain(stopped.file_name),
                 kind=plain(stopped.kind or "?"), at=f"{stopped.started_at:%Y-%m-%d %H:%M}"),
               icon=":material/warning:")
log = cached.import_log(ctx.path, ctx.token) if ctx.store.exists() else None
if log is None or log.is_empty():
    st.caption(t("no_imports", lang))
else:
    widgets.table(log, lang, "import_log_dl", "import-log")
