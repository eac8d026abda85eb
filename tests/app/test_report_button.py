"""AppTest: the Overview's review pack (月度复盘包) control in both languages, and the cached
wrapper that makes the pack when the button is clicked."""

from __future__ import annotations

import io
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pypdf
import pytest
from streamlit.testing.v1 import AppTest

from metrics.core.filters import Filters
from metrics.core.scope import Scope
from metrics.engine.store import Store
from tests.app.conftest import frame_app
from ui import cached

APP = str(Path(__file__).parents[2] / "app.py")
LABELS = {"zh": ("月度复盘包", "生成并下载", ["PDF 报告", "ZIP（图表与表格）"]),
          "en": ("Review pack", "Generate and download", ["PDF report", "ZIP (charts and tables)"])}


@pytest.fixture()
def app(demo_store: Store, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("SERVICELENS_STORE", str(demo_store.path))
    return frame_app(APP)


def popover(node: Any) -> Any:
    """The first st.popover block under node."""
    for child in getattr(node, "children", {}).values():
        proto = getattr(child, "proto", None)
        if type(proto).__name__ == "Block" and proto.WhichOneof("type") == "popover":
            return child
        found = popover(child)
        if found is not None:
            return found
    return None


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_review_pack_control_is_on_the_overview(app: AppTest, lang: str) -> None:
    title, button, formats = LABELS[lang]
    app.query_params["lang"] = lang
    app.run()
    assert not app.exception
    block = popover(app._tree)
    assert block is not None and block.proto.popover.label == title
    assert app.download_button(key="review_pack_dl").label == button
    kind = app.button_group(key="review_pack_kind")
    assert kind.value == "pdf" and list(kind.options) == formats
    assert len(app.metric) == 16  # the cards are still drawn (12 + the hotline's 4)


def test_choosing_zip_keeps_the_page(app: AppTest) -> None:
    app.run()
    app.button_group(key="review_pack_kind").set_value("zip").run()
    assert not app.exception
    assert app.button_group(key="review_pack_kind").value == "zip"
    assert app.download_button(key="review_pack_dl").label == "生成并下载"
    assert app.title[0].value == "总览"


@pytest.mark.slow
def test_the_wrapper_makes_the_pack_for_the_pages_scope(demo_store: Store) -> None:
    """What the button's callable returns (AppTest has no runtime to run it on a click)."""
    scope = Scope.of(Filters(date_from=date(2026, 10, 25), date_to=date(2026, 11, 23),
                             channels=("phone",)),
                     demo_store.settings(), as_of=datetime(2026, 11, 23, 18, 0), grain="day")
    made = cached.review_pack(str(demo_store.path), (0.0, 0, 0.0, 0), scope, "en", "pdf")
    reader = pypdf.PdfReader(io.BytesIO(made))
    assert len(reader.pages) > 8
    assert "2026-10-25 – 2026-11-23" in reader.metadata.title
