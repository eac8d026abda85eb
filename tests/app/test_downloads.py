"""AppTest: every chart on every page has its PNG and SVG download, every table its CSV and
XLSX one, and each of those buttons really makes its file.

AppTest runs without a Streamlit runtime, where a download button given a callable registers
nothing; the test records the callable each button was given (keyed by the button's element
id) and calls it after the run, as the server does on a click.
"""

from __future__ import annotations

import io
import os
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import openpyxl
import pytest
from PIL import Image
from streamlit.elements.widgets import button as button_module
from streamlit.testing.v1 import AppTest

from metrics.engine import audit
from metrics.engine.store import Store
from metrics.present.words import t
from tests.app.conftest import frame_app, open_file, sign_in
from tests.app.test_analysis import CHART

APP = str(Path(__file__).parents[2] / "app.py")
FILES = {
    "overview": "pages/overview.py", "response": "pages/response.py",
    "resolution": "pages/resolution.py", "complaints": "pages/complaints.py",
    "satisfaction": "pages/satisfaction.py", "agents": "pages/agents.py",
    "agent": "pages/agent.py", "teams": "pages/teams.py", "qa": "pages/qa.py",
    "catalog": "pages/catalog.py", "data": "pages/data.py",
}
# The fewest charts and tables each page shows on the demo store (so that a page that
# stops early, drawing nothing, cannot pass by having nothing to count).
LEAST = {
    "overview": (4, 1), "response": (5, 2), "resolution": (4, 2), "complaints": (6, 5),
    "satisfaction": (6, 5), "agents": (2, 2), "agent": (2, 3), "teams": (3, 1),
    "qa": (4, 5), "catalog": (0, 3), "data": (0, 1),
}


@pytest.fixture()
def made() -> Iterator[dict[str, Callable[[], Any]]]:
    """Element id -> the callable its download button was given, for every run."""
    found: dict[str, Callable[[], Any]] = {}
    original = button_module.marshall_file

    def recording(coordinates: str, data: Any, proto: Any, *args: Any, **kwargs: Any) -> None:
        if callable(data):
            found[proto.id] = data
        original(coordinates, data, proto, *args, **kwargs)

    with mock.patch.object(button_module, "marshall_file", recording):
        yield found


@pytest.fixture()
def app(demo_store: Store, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("SERVICELENS_STORE", str(demo_store.path))
    return frame_app(APP, timeout=180)


def open_at(at: AppTest, page: str, lang: str) -> AppTest:
    return open_file(at, FILES[page], lang)


def buttons(at: AppTest, key: str, lang: str) -> list[Any]:
    return [b for b in at.get("download_button") if b.proto.label == t(key, lang)]


def check_png(body: bytes) -> None:
    image = Image.open(io.BytesIO(body))
    assert image.format == "PNG" and image.width > 400 and image.height > 200


def check_svg(body: bytes) -> None:
    root = ET.fromstring(body)
    assert root.tag.endswith("svg")


def check_csv(body: bytes) -> None:
    assert body.startswith(b"\xef\xbb\xbf")
    assert body.decode("utf-8-sig").count("\n") >= 1


def check_xlsx(body: bytes) -> None:
    assert zipfile.is_zipfile(io.BytesIO(body))
    sheet = openpyxl.load_workbook(io.BytesIO(body)).active
    assert sheet is not None and sheet.max_row >= 1
    assert all(cell.font.b for cell in sheet[1] if cell.value is not None)


@pytest.mark.parametrize("page", list(FILES))
def test_every_chart_and_table_has_its_downloads(app: AppTest, made: dict[str, Any],
                                                 page: str, request: pytest.FixtureRequest
                                                 ) -> None:
    lang = "zh" if page not in ("agents", "catalog", "data") else "en"
    store = Store(os.environ["SERVICELENS_STORE"])
    if page == "data":  # imports are an admin's: signed in, on a copy of the demo store
        store = request.getfixturevalue("store_copy")
        sign_in(app, store)
    exported = audit.entries(store).height
    at = open_at(app, page, lang)
    charts, tables = len(at.get(CHART)), len(at.dataframe)
    least_charts, least_tables = LEAST[page]
    assert charts >= least_charts and tables >= least_tables, (charts, tables)
    png, svg = buttons(at, "download_png", lang), buttons(at, "download_svg", lang)
    csv, xlsx = buttons(at, "download_csv", lang), buttons(at, "download_xlsx", lang)
    assert (len(png), len(svg)) == (charts, charts)
    assert (len(csv), len(xlsx)) == (tables, tables)
    for group in (png, svg, csv, xlsx):
        assert all(b.proto.type == "tertiary" and b.proto.ignore_rerun for b in group)
        assert all(b.proto.id in made for b in group), "a download with no file behind it"
    # Each button makes its file: every SVG, CSV and XLSX, and the first chart's PNG (a PNG
    # is the SVG's drawing rasterised; tests/unit/test_exports.py checks the PNGs closely).
    for b in svg:
        check_svg(made[b.proto.id]())
    for b in csv:
        check_csv(made[b.proto.id]())
    for b in xlsx:
        check_xlsx(made[b.proto.id]())
    if png:
        check_png(made[png[0].proto.id]())
    # Each file made is an export in the audit trail, under the page it was made on.
    trail = audit.entries(store).head(audit.entries(store).height - exported)
    assert trail.height == len(svg) + len(csv) + len(xlsx) + bool(png)
    assert set(trail["action"]) <= {"export"} and set(trail["unmasked"]) <= {False}
    assert {v.split("/", 1)[0] for v in trail["view"]} <= {page}


def test_chart_exports_carry_the_period_and_the_filters(app: AppTest,
                                                        made: dict[str, Any]) -> None:
    app.session_state["channel"] = ["phone"]
    at = open_at(app, "complaints", "zh")
    period = at.session_state["period"]
    svg = buttons(at, "download_svg", "zh")
    body = made[svg[0].proto.id]().decode("utf-8")
    assert f"{period[0]} – {period[1]}" in body
    assert "渠道：电话" in body
