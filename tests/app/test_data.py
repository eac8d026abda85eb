"""AppTest: the Data page uploads, previews, imports and shows rejects, in both languages."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from metrics.engine.store import Store
from metrics.ingest import journal
from tests.app.conftest import frame_app, sign_in
from tests.app.test_plain_text import literal
from ui import uploads

ROOT = Path(__file__).parents[2]
APP = str(ROOT / "app.py")
SAMPLES = ROOT / "data" / "samples"


@pytest.fixture()
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    path = tmp_path / "store.duckdb"
    monkeypatch.setenv("SERVICELENS_STORE", str(path))
    return Store(path)


def data_page(lang: str = "zh") -> AppTest:
    """The Data page, signed in as an admin (imports are an admin's)."""
    at = frame_app(APP)
    sign_in(at, Store(os.environ["SERVICELENS_STORE"]))
    at.query_params["lang"] = lang
    at.run()
    at.switch_page("pages/data.py").run()
    assert not at.exception
    return at


def kind_control(at: AppTest):  # type: ignore[no-untyped-def]
    return next(s for s in at.segmented_control if str(s.key).startswith("kind_"))


def import_button(at: AppTest):  # type: ignore[no-untyped-def]
    return next(b for b in at.button if b.label.startswith(("导入", "Import")))


@pytest.mark.parametrize(("lang", "title"), [("zh", "数据导入"), ("en", "Data import")])
def test_empty_page_says_what_to_do(store: Store, lang: str, title: str) -> None:
    at = data_page(lang)
    assert at.title[0].value == title
    assert "data/samples/" in at.info[0].value
    assert any(c.value in ("还没有导入记录。", "Nothing imported yet.") for c in at.caption)


def test_upload_preview_import_and_rejects(store: Store) -> None:
    at = data_page("en")
    sample = SAMPLES / "tickets-gbk.csv"
    at.file_uploader[0].upload(sample.name, sample.read_bytes(), "text/csv").run()
    assert not at.exception
    assert kind_control(at).value == "tickets"  # guessed from the headers
    assert any("`ticket_id` ← 工单号" in c.value for c in at.caption)
    preview = at.dataframe[0].value
    assert preview.shape[0] == 20 and "channel" in preview.columns
    # The admin has no unmask privilege: the preview masks names and phones too.
    assert preview["customer_name"].str.fullmatch(r".\*\*").all()
    assert preview["customer_phone"].str.fullmatch(r"\d{3}\*{4}\d{4}").all()
    assert set(preview["channel"].dropna()) <= {"phone", "chat", "email", "social", "walk_in"}
    import_button(at).click().run()
    assert not at.exception
    summary = at.warning[-1].value
    assert "read 200" in summary and "inserted 198" in summary and "rejected 2" in summary
    rejects = at.dataframe[-2].value  # then the import log
    assert rejects["_row"].to_list() == [12, 22]
    assert rejects["客户姓名"].str.fullmatch(r".\*\*").all()  # the file's own headers, masked
    assert rejects["联系电话"].str.fullmatch(r"\d{3}\*{4}\d{4}").all()
    assert rejects["_field"].to_list() == ["channel", "created_at"]
    assert any(b.label.startswith("Download the rejects") for b in at.get("download_button"))
    log = at.dataframe[-1].value
    assert log["rows_inserted"].to_list() == [198]
    assert store.ticket_count() == 198
    sidebar = " ".join(c.value for c in at.caption)
    assert "Tickets 2026-11-" in sidebar  # the freshness of the new data


def test_a_missing_required_column_gets_a_picker(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "odd.csv"
    path.write_text(
        "单据号,创建时间,渠道,类型\nA1,2026-11-01 10:00,电话,咨询\nA2,2026-11-02 10:00,邮件,投诉\n",
        encoding="utf-8",
    )
    at = data_page("en")
    at.file_uploader[0].upload(path.name, path.read_bytes(), "text/csv").run()
    assert not at.exception
    # The kind cannot be guessed without ticket_id: choose it, then pick the column.
    kind_control(at).set_value("tickets").run()
    picker = next(s for s in at.selectbox if "ticket_id" in s.label)
    picker.set_value("单据号").run()
    assert not at.exception
    assert at.dataframe[0].value["ticket_id"].to_list() == ["A1", "A2"]
    import_button(at).click().run()
    assert "inserted 2" in at.success[-1].value
    assert store.ticket_count() == 2


def test_an_unreadable_file_is_an_error_not_a_traceback(store: Store) -> None:
    at = data_page("zh")
    at.file_uploader[0].upload("garbage.csv", bytes(range(256)) * 40, "text/csv").run()
    assert not at.exception
    assert "garbage.csv" in literal(at.error[0].value) and "binary" in at.error[0].value


def test_html_in_comments_is_shown_as_text(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "surveys.csv"
    path.write_text(
        "问卷编号,发送时间,回复时间,满意度,意见建议\n"
        "S1,2026-11-01 10:00,2026-11-01 11:00,满意,<script>alert('x')</script><b>好</b>\n",
        encoding="utf-8",
    )
    at = data_page("zh")
    at.file_uploader[0].upload(path.name, path.read_bytes(), "text/csv").run()
    assert at.dataframe[0].value["comment"].to_list() == ["<script>alert('x')</script><b>好</b>"]
    assert not any("<script>" in m.value for m in at.markdown)
    import_button(at).click().run()
    assert not at.exception
    with store.reader() as con:
        assert con.execute("SELECT comment FROM surveys").fetchall() == [
            ("<script>alert('x')</script><b>好</b>",)]


def test_a_call_log_imports_with_its_preset_and_a_queue_log_without(store: Store,
                                                                    tmp_path: Path) -> None:
    """The PwC call log (its CSV as an analyst would drop it) with the pwc-call-centre preset,
    then an Asterisk queue_log with no preset: both are calls, previewed and imported."""
    from tests.unit.test_calls import QUEUE_LOG, SHARED

    at = data_page("en")
    if SHARED is not None:
        pwc = SHARED / "pwc-call-centre-2021q1" / "Call-Center-Dataset.csv"
        at.selectbox(key="preset").set_value("pwc-call-centre").run()
        at.file_uploader[0].upload(pwc.name, pwc.read_bytes(), "text/csv").run()
        assert not at.exception
        assert kind_control(at).value == "calls"
        assert at.dataframe[0].value["outcome"].to_list()[:3] == ["answered"] * 3
        import_button(at).click().run()
        assert "inserted 5,000" in at.success[-1].value
        at.selectbox(key="preset").set_value(None).run()
    log = tmp_path / "queue_log.log"  # the browser's picker takes files with a known suffix
    log.write_text(QUEUE_LOG, encoding="utf-8")
    at.file_uploader[0].upload(log.name, log.read_bytes(), "text/plain").run()
    assert not at.exception
    assert kind_control(at).value == "calls"
    import_button(at).click().run()
    assert not at.exception
    assert any("not records" in c.value for c in at.caption)  # QUEUESTART & co., counted
    with store.reader() as con:
        assert con.execute("SELECT count(*) FROM calls WHERE call_id LIKE 'A%'").fetchone() \
            == (7,)


@pytest.mark.parametrize(("lang", "words"), [("zh", "没有完成"), ("en", "did not finish")])
def test_an_import_killed_halfway_is_said_under_the_log(store: Store, lang: str,
                                                        words: str) -> None:
    """The journal beside the store holds a start without an end whose process is gone (the
    name holds Markdown: it shows as text)."""
    store.ensure()
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    journal.path(store).write_text(json.dumps(
        {"event": "started", "token": "t", "file": "**big**.csv", "kind": "tickets",
         "pid": gone.pid, "host": socket.gethostname(), "at": "2026-11-30T09:15:00"}) + "\n",
        encoding="utf-8")
    at = data_page(lang)
    [warning] = [w for w in at.warning if words in w.value]
    assert "**big**.csv" in literal(warning.value) and "2026-11-30 09:15" in warning.value
    assert "\\*\\*big" in warning.value  # escaped: no bold made from a file name


def test_a_required_column_two_headers_give_gets_a_picker(store: Store, tmp_path: Path) -> None:
    """工单号 and ticket_id both name ticket_id: which holds it is the user's to say."""
    path = tmp_path / "twice.csv"
    path.write_text("工单号,ticket_id,创建时间,渠道,类型\nA1,X1,2026-11-01 10:00,电话,咨询\n",
                    encoding="utf-8")
    at = data_page("en")
    at.file_uploader[0].upload(path.name, path.read_bytes(), "text/csv").run()
    assert not at.exception and not at.error
    assert not at.dataframe  # no preview before the pick
    picker = next(s for s in at.selectbox if "Several of the file's columns" in s.label)
    assert picker.options == ["Choose…", "工单号", "ticket_id"]
    picker.set_value("工单号").run()
    assert not at.exception
    assert at.dataframe[0].value["ticket_id"].to_list() == ["A1"]


def test_staged_uploads_do_not_outlive_their_use(store: Store, tmp_path: Path) -> None:
    """Extracts hold customers' data: a file taken out of the uploader is deleted, and folders
    of sessions closed without signing out go once untouched for a day."""
    at = data_page("en")
    sample = SAMPLES / "tickets-gbk.csv"
    at.file_uploader[0].upload(sample.name, sample.read_bytes(), "text/csv").run()
    folder = Path(at.session_state["_upload_dir"])
    assert [p.name for p in folder.glob("*/*")] == [sample.name]
    at.file_uploader[0].clear().run()
    at.file_uploader[0].upload("surveys.csv", (SAMPLES / "surveys.csv").read_bytes(),
                               "text/csv").run()
    assert [p.name for p in folder.glob("*/*")] == ["surveys.csv"]  # the tickets file is gone

    old, fresh = tmp_path / "servicelens-upload-old", tmp_path / "servicelens-upload-new"
    for made in (old, fresh):
        (made / "k").mkdir(parents=True)
        (made / "k" / "x.csv").write_text("a")
    day_ago = time.time() - 25 * 3600
    for path in (old, old / "k", old / "k" / "x.csv"):
        os.utime(path, (day_ago, day_ago))
    assert uploads.sweep_stale(tmp_path) == 1
    assert not old.exists() and fresh.exists()
