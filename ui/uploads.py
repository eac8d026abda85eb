"""The Data page's moving parts: uploaded files on disk, picked columns, imports with progress."""

from __future__ import annotations

import hashlib
import shutil
import tempfile
import time
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Final

import streamlit as st

from metrics.core.errors import ServiceLensError
from metrics.engine.store import Store
from metrics.ingest import importer
from metrics.ingest.mapping import Mapping
from metrics.present.exports import XLSX_MIME, csv_bytes, xlsx_bytes
from metrics.present.formatting import code, plain
from metrics.present.words import t
from metrics.views import drill
from ui import auth, widgets
from ui.frame import Context

SUFFIXES: Final[tuple[str, ...]] = (
    "csv", "tsv", "txt", "xlsx", "xlsm", "parquet", "jsonl", "ndjson", "json", "log",
)
STAGES: Final[dict[str, str]] = {
    "read": "stage_read", "check": "stage_check", "write": "stage_write", "done": "stage_done",
}


UPLOADS_PREFIX: Final[str] = "servicelens-upload-"
STALE_UPLOADS_S: Final[float] = 24 * 3600  # longer than any session stays open


@dataclass(frozen=True)
class Staged:
    """An uploaded file saved to disk for the importer."""

    name: str
    path: Path
    key: str  # stable widget-key suffix: the content hash


def _folder() -> Path:
    """This session's folder of staged uploads (sign-out deletes it: ui.auth.sign_out). A
    session closed without signing out leaves its folder: the first upload of a later session
    removes those not touched for STALE_UPLOADS_S (extracts hold customers' data)."""
    if auth.UPLOADS_KEY not in st.session_state:
        sweep_stale(Path(tempfile.gettempdir()))
        st.session_state[auth.UPLOADS_KEY] = tempfile.mkdtemp(prefix=UPLOADS_PREFIX)
    return Path(st.session_state[auth.UPLOADS_KEY])


def sweep_stale(folder: Path, now: float | None = None) -> int:
    """Delete the staged-upload folders in `folder` untouched for STALE_UPLOADS_S; how many."""
    now = time.time() if now is None else now
    gone = 0
    for old in folder.glob(f"{UPLOADS_PREFIX}*"):
        try:
            newest = max([old.stat().st_mtime, *(p.stat().st_mtime for p in old.rglob("*"))])
        except OSError:
            continue  # another session's sweep got there first
        if now - newest > STALE_UPLOADS_S:
            shutil.rmtree(old, ignore_errors=True)
            gone += 1
    return gone


def stage(files: list[Any]) -> list[Staged]:
    """Uploaded files, each written once to this session's folder; a file taken out of the
    uploader is deleted from it."""
    staged = []
    for upload in files:
        content = upload.getvalue()
        key = hashlib.sha256(content).hexdigest()[:16]
        path = _folder() / key / Path(upload.name).name
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
        staged.append(Staged(upload.name, path, key))
    if auth.UPLOADS_KEY in st.session_state and _folder().is_dir():  # swept after a day
        kept = {item.key for item in staged}
        for old in _folder().iterdir():
            if old.name not in kept:
                shutil.rmtree(old, ignore_errors=True)
    return staged


def picked_mapping(item: Staged, base: Mapping) -> Mapping:
    """The preset's mapping plus the columns picked for this file's missing required ones."""
    prefix = f"pick_{item.key}_"
    picked = {
        key[len(prefix):]: value for key, value in st.session_state.items()
        if isinstance(key, str) and key.startswith(prefix) and value
    }
    if not picked:
        return base
    return base.model_copy(update={"columns": {**base.columns, **picked}})


def describe_columns(view: importer.Preview, lang: str) -> None:
    assert view.resolution is not None
    found = [f"`{name}` ← {plain(view.headers[i])}"
             for name, i in view.resolution.columns.items()]
    found += [f"{code(f'score_{d}')} ← {plain(view.headers[i])}"
              for d, i in view.resolution.dimensions.items()]
    st.caption(f"{t('columns_found', lang)}: " + " · ".join(found))
    if view.resolution.doubtful:  # optional columns several headers give: the first is read
        st.caption(plain(f"{t('columns_doubtful', lang)}: "
                         f"{view.resolution.claims(view.resolution.doubtful)}"))
    if view.resolution.ignored:
        st.caption(f"{t('columns_ignored', lang)}: "
                   + ", ".join(map(plain, view.resolution.ignored)))


def run_imports(store: Store, ready: list[tuple[Staged, str, Mapping]], encoding: str | None,
                lang: str) -> list[dict[str, Any]]:
    """Import each file with a progress bar; a result or an error per file, nothing raised."""
    results: list[dict[str, Any]] = []
    bar = st.progress(0.0)
    note = st.empty()
    for number, (item, kind, mapping) in enumerate(ready):
        def progress(fraction: float, stage: str, number: int = number,
                     name: str = item.name) -> None:
            overall = (number + fraction) / len(ready)
            bar.progress(min(overall, 1.0), text=f"{t('importing', lang, name=plain(name))} "
                         f"{t(STAGES.get(stage, 'stage_read'), lang)}")

        def waiting(message: str) -> None:
            note.info(t("store_busy", lang), icon=":material/hourglass_top:")

        try:
            result = importer.import_file(store, kind, item.path, mapping=mapping, name=item.name,
                                        encoding=encoding, lang=lang, progress=progress,
                                        on_wait=waiting)
            results.append({"result": result})
        except ServiceLensError as error:  # refused, or the store locked too long
            results.append({"name": item.name, "error": str(error)})
        note.empty()
    bar.empty()
    return results


def show_result(ctx: Context, outcome: dict[str, Any], lang: str) -> None:
    """One import's summary, notes and rejects with their (audited) download; customers'
    names and phones in the rejects masked unless the user has the unmask privilege."""
    store = ctx.store
    if "error" in outcome:
        st.error(t("import_failed", lang, error=plain(outcome["error"])), icon=":material/error:")
        return
    result: importer.ImportResult = outcome["result"]
    counts = {k: f"{getattr(result, k):,}" for k in
              ("inserted", "updated", "unchanged", "skipped", "rejected")}
    text = t("import_done", lang, name=plain(result.file_name), read=f"{result.rows_read:,}",
             **counts)
    (st.warning if result.rejected else st.success)(text, icon=":material/task_alt:")
    if result.not_records:
        st.caption(t("import_not_records", lang, n=f"{result.not_records:,}"))
    if result.demo_removed:
        st.caption(t("demo_removed", lang))
    if result.previous_import is not None:
        st.caption(t("imported_before", lang, n=result.previous_import))
    if result.note:  # the disk filled after the commit: English, as the import's errors
        st.warning(plain(result.note), icon=":material/hard_drive:")
    if not result.rejected:
        return
    unmask = drill.unmasked(ctx.access)
    rejects = importer.rejects(store, result.import_id, unmask=unmask)
    st.markdown(f"**{t('rejects_title', lang, n=f'{rejects.height:,}')}**")
    shown = rejects.select("_row", "_field", "_value", "_reason", *rejects.columns[:-5])
    st.dataframe(shown.head(1000), hide_index=True, height=240)
    stem = f"{Path(result.file_name).stem}.rejects"
    with st.container(horizontal=True, gap="small"):
        st.download_button(
            t("download_rejects", lang),
            widgets.audited(ctx, partial(csv_bytes, rejects), f"{stem}.csv",
                            rows=rejects.height, unmasked=unmask),
            file_name=f"{stem}.csv", mime="text/csv", key=f"rejects_{result.import_id}",
            icon=":material/download:", on_click="ignore",
        )
        st.download_button(
            t("download_rejects_xlsx", lang),
            widgets.audited(ctx, partial(xlsx_bytes, rejects, "rejects", as_shown=False),
                            f"{stem}.xlsx", rows=rejects.height, unmasked=unmask),
            file_name=f"{stem}.xlsx", mime=XLSX_MIME, key=f"rejects_{result.import_id}_xlsx",
            icon=":material/table_view:", on_click="ignore",
        )
