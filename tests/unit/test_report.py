"""The monthly review pack: the pages' numbers in a PDF and a zip, and `servicelens report`."""

from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import date
from pathlib import Path
from xml.etree import ElementTree

import openpyxl
import pypdf
import pypdfium2
import pytest
from PIL import Image

from metrics.cli import main
from metrics.core.filters import Filters
from metrics.core.scope import Scope
from metrics.engine.store import Store
from metrics.present import exports, formatting, tables
from metrics.report import archive as review_zip
from metrics.report import pack as review
from metrics.report import pdf as review_pdf
from metrics.views import overview, scorecards
from tests.conftest import REVIEW_AS_OF, REVIEW_MONTH
from tests.privacy import customers, leaks

AS_OF = REVIEW_AS_OF
OCTOBER = REVIEW_MONTH
SECTIONS = {
    "zh": ("核心指标与目标", "响应", "解决", "投诉", "满意度", "话务", "坐席绩效", "质检",
           "改进行动"),
    "en": ("Headline KPIs against target", "Response", "Resolution", "Complaints",
           "Satisfaction", "Calls", "Agents", "QA", "Actions"),
}


# The packs are built once per session (tests/conftest.py: review_packs and its files).
@pytest.fixture()
def packs(review_packs: dict[str, review.Pack]) -> dict[str, review.Pack]:
    return review_packs


@pytest.fixture()
def pdfs(review_pack_pdfs: dict[str, bytes]) -> dict[str, bytes]:
    return review_pack_pdfs


@pytest.fixture()
def zipped(review_pack_zip: bytes) -> zipfile.ZipFile:
    """The zh pack as a zip, made after its PDF (so that the charts are shared)."""
    return zipfile.ZipFile(io.BytesIO(review_pack_zip))


def pdf_text(data: bytes) -> str:
    """The PDF's text, page after page (pdfium reads fpdf2's CID font encoding; pypdf's
    extract_text does not support an embedded encoding CMap and spaces every CJK glyph)."""
    document = pypdfium2.PdfDocument(data)
    return "\n".join(page.get_textpage().get_text_range() for page in document)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_pdf_has_a_cover_and_a_page_per_section(pdfs: dict[str, bytes], lang: str) -> None:
    reader = pypdf.PdfReader(io.BytesIO(pdfs[lang]))
    assert len(reader.pages) >= 1 + len(SECTIONS[lang])
    assert reader.pages[0].mediabox.width > reader.pages[0].mediabox.height  # landscape
    assert ("月度复盘" if lang == "zh" else "Monthly review") in (reader.metadata.title or "")
    outline = [item.title for item in reader.outline if not isinstance(item, list)]
    assert [title.split(maxsplit=1)[1] for title in outline] == list(SECTIONS[lang])


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_pdf_holds_the_overview_cards_as_the_page_formats_them(
        pdfs: dict[str, bytes], demo_store: Store, lang: str) -> None:
    text = pdf_text(pdfs[lang])
    view = overview.overview(demo_store, Scope.of(OCTOBER, demo_store.settings(), as_of=AS_OF))
    for card in view.cards:
        metric = card.metric
        assert metric.name(lang) in text, metric.id
        assert formatting.value(metric, card.current.value, lang) in text, metric.id
        assert formatting.value(metric, card.previous.value, lang) in text, metric.id
        change = formatting.change(metric, card.current.value, card.previous.value, lang)
        assert change is None or change in text, metric.id


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_pdf_speaks_one_language(pdfs: dict[str, bytes], lang: str) -> None:
    text = pdf_text(pdfs[lang])
    other = "en" if lang == "zh" else "zh"
    for title in SECTIONS[lang]:
        assert title in text
    assert ("2026年10月" if lang == "zh" else "October 2026") in text
    assert SECTIONS[other][0] not in text
    assert ("Monthly review" if lang == "zh" else "月度复盘") not in text
    assert re.search(r"第 \d+ / \d+ 页" if lang == "zh" else r"Page \d+ of \d+", text)


def test_kpi_table_is_the_overview_cards(packs: dict[str, review.Pack],
                                         demo_store: Store) -> None:
    view = overview.overview(demo_store, Scope.of(OCTOBER, demo_store.settings(), as_of=AS_OF))
    kpis = packs["en"].tables[0].frame
    assert kpis["Indicator"].to_list() == [c.metric.name("en") for c in view.cards]
    assert kpis["This period"].to_list() == [
        formatting.value(c.metric, c.current.value, "en") for c in view.cards]
    status = dict(zip(kpis["Indicator"], kpis["Status"], strict=True))
    assert status["CSAT"] in ("on target", "off target")
    assert status["Tickets"] == "—"  # no target


def test_complaints_section_is_the_complaints_page(packs: dict[str, review.Pack]) -> None:
    complaints = next(s for s in packs["zh"].sections if s.key == "complaints")
    slugs = [i.slug for i in complaints.items if isinstance(i, review.Figure | review.Table)]
    assert slugs == ["complaint-pareto", "complaint-pareto", "complaint-change-by-category",
                     "complaint-change-by-category"]
    pareto = next(i for i in complaints.items if isinstance(i, review.Table)).frame
    assert pareto.columns[:4] == ["投诉类别", "投诉量", "占比", "累计占比"]
    assert pareto["累计占比"][-1] == "100.0%"
    moved = [i for i in complaints.items if isinstance(i, review.Table)][1].frame
    assert moved["投诉类别"][-1] == "合计"  # the parts add up, as on the page


def test_agents_section_holds_the_scorecard_and_coaching(packs: dict[str, review.Pack],
                                                          demo_store: Store) -> None:
    settings = demo_store.settings()
    board = scorecards.scorecard(demo_store, Scope.of(OCTOBER, settings, as_of=AS_OF))
    coach = scorecards.needs_coaching(board, settings)
    agents = {i.slug: i for i in next(s for s in packs["en"].sections if s.key == "agents").items
              if isinstance(i, review.Table)}
    assert agents["agent-scorecard"].frame.equals(
        tables.scorecard_table(board, "en", settings, "agent"))
    assert agents["coaching-list"].frame.equals(tables.coaching_table(coach, "en"))
    first = coach["agent"][0]
    row = board.filter(board["agent"] == first).row(0, named=True)
    points = agents["coaching-points"].frame.filter(agents["coaching-points"].frame["Agent"]
                                                    == first)
    assert points["Coaching points"].to_list() == tables.coaching_lines(
        scorecards.coaching(row, settings), "en")


def test_charts_are_rendered_once_for_pdf_and_zip(packs: dict[str, review.Pack],
                                                  zipped: zipfile.ZipFile,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    pack = packs["zh"]
    assert set(pack.png) == set(pack.svg) == {f.number for f in pack.figures}
    assert len(pack.figures) >= 6

    def again(*_args: object, **_kwargs: object) -> bytes:
        raise AssertionError("rendered twice")

    monkeypatch.setattr(exports, "chart_png", again)
    monkeypatch.setattr(exports, "chart_svg", again)
    review.render(pack, svg=True)
    assert review_pdf.to_pdf(pack).startswith(b"%PDF")


def test_zip_lists_every_chart_and_table(packs: dict[str, review.Pack],
                                         zipped: zipfile.ZipFile) -> None:
    names = zipped.namelist()
    assert names == review_zip.zip_names(packs["zh"])
    for expected in ("README.txt", "01-1-kpi-summary.xlsx",
                     "02-1-response-within-standard-by-channel.png",
                     "04-1-complaint-pareto.png", "04-1-complaint-pareto.svg",
                     "04-2-complaint-pareto.xlsx", "04-4-complaint-change-by-category.xlsx",
                     "05-1-satisfaction-scores.png", "06-1-calls-kpis.xlsx",
                     "06-2-calls-daily.png", "07-1-agent-composite.png",
                     "07-2-agent-scorecard.xlsx", "07-3-coaching-list.xlsx",
                     "08-1-qa-violations-by-category.png", "09-1-actions.xlsx"):
        assert expected in names
    readme = zipped.read("README.txt").decode("utf-8-sig")
    for name in names[1:]:
        assert name.rsplit(".", 1)[0] in readme
    assert "2026-10-01 – 2026-10-31" in readme


def test_zip_images_open(zipped: zipfile.ZipFile) -> None:
    for name in zipped.namelist():
        if name.endswith(".png"):
            with Image.open(io.BytesIO(zipped.read(name))) as image:
                image.verify()
                assert image.size[0] >= 2 * review.SIDE_PX, name  # rendered at 2x
        elif name.endswith(".svg"):
            assert ElementTree.fromstring(zipped.read(name)).tag.endswith("svg"), name


def test_scorecard_xlsx_holds_the_scorecard_numbers(zipped: zipfile.ZipFile,
                                                    demo_store: Store) -> None:
    board = scorecards.scorecard(demo_store, Scope.of(OCTOBER, demo_store.settings(), as_of=AS_OF))
    book = openpyxl.load_workbook(io.BytesIO(zipped.read("07-2-agent-scorecard.xlsx")))
    rows = list(book.active.iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    assert header[:3] == ("排名", "坐席", "班组")
    assert len(body) == board.height
    by_agent = {r[1]: dict(zip(header, r, strict=True)) for r in body}
    for row in board.iter_rows(named=True):
        cells = by_agent[row["agent"]]
        assert cells["工单量"] == row["tickets"]
        shown = formatting.percent(row["agent_composite"])  # 83.5%, as the page shows it
        assert cells["坐席综合得分"] == pytest.approx(float(shown.rstrip("%")) / 100)


def test_month_period() -> None:
    assert review.month_period("2026-10") == (date(2026, 10, 1), date(2026, 10, 31))
    assert review.month_period("2028-02") == (date(2028, 2, 1), date(2028, 2, 29))
    assert review.month_period("2026-12") == (date(2026, 12, 1), date(2026, 12, 31))
    for bad in ("2026-13", "2026-00", "202610", "2026-1", "Oct 2026"):
        with pytest.raises(ValueError, match="YYYY-MM"):
            review.month_period(bad)
    assert review.period_title(OCTOBER, "zh") == "2026年10月"
    assert review.period_title(OCTOBER, "en") == "October 2026"
    assert review.period_title(Filters(date_from=date(2026, 10, 2), date_to=date(2026, 10, 31)),
                               "en") == "2026-10-02 – 2026-10-31"


def test_missing_font_names_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(review_pdf, "_fc_match", lambda _pattern: None)
    monkeypatch.setattr(review_pdf, "FONT_PATHS", ())
    monkeypatch.setattr(exports, "packaged_fonts", lambda: None)
    review_pdf.cjk_fonts.cache_clear()
    try:
        with pytest.raises(review_pdf.FontMissing, match=r"fonts-noto-cjk.*noto-cjk-sans-otc"):
            review_pdf.cjk_fonts()
    finally:
        review_pdf.cjk_fonts.cache_clear()


def test_without_a_system_font_the_pack_embeds_the_packaged_one(
        monkeypatch: pytest.MonkeyPatch, packs: dict[str, review.Pack]) -> None:
    """A machine with no system CJK font (fontconfig and the usual folders find nothing):
    the PDF embeds Noto Sans CJK SC from the package index and its Chinese reads back."""
    packaged = exports.packaged_fonts()
    assert packaged is not None, "the dev extra installs noto-cjk-sans-otc"
    monkeypatch.setattr(review_pdf, "_fc_match", lambda _pattern: None)
    monkeypatch.setattr(review_pdf, "FONT_PATHS", ())
    review_pdf.cjk_fonts.cache_clear()
    try:
        (regular, index), _ = review_pdf.cjk_fonts()
        assert regular.parent == packaged and index == review_pdf.SC_INDEX
        data = review_pdf.to_pdf(packs["zh"])
    finally:
        review_pdf.cjk_fonts.cache_clear()
    text = pdf_text(data)
    assert "核心指标与目标" in text and "满意率" in text
    fonts = {str(f.get("/BaseFont")) for page in pypdf.PdfReader(io.BytesIO(data)).pages
             for f in (page.get("/Resources", {}).get("/Font", {}) or {}).values()}
    assert any("NotoSansCJK" in name for name in fonts), fonts


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.slow
def test_cli_writes_a_pdf_and_a_zip(demo_store: Store, tmp_path: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    pdf = tmp_path / "out" / "review.pdf"
    code, out, err = run(capsys, "report", "--store", str(demo_store.path), "--month",
                         "2026-10", "--out", str(pdf))
    assert code == 0, err
    assert pdf.read_bytes().startswith(b"%PDF")
    pages = len(pypdf.PdfReader(pdf).pages)
    assert re.fullmatch(rf"wrote {re.escape(str(pdf))}: {pages} pages, [\d.]+ MB in [\d.]+ s\n",
                        out)
    assert "servicelens report: rendering" in err
    assert "核心指标与目标" in pdf_text(pdf.read_bytes())  # zh by default

    pack = tmp_path / "review.zip"
    code, out, err = run(capsys, "report", "--store", str(demo_store.path), "--from",
                         "2026-10-01", "--to", "2026-10-31", "--channel", "phone", "--lang",
                         "en", "--out", str(pack))
    assert code == 0, err
    with zipfile.ZipFile(pack) as archive:
        assert "07-2-agent-scorecard.xlsx" in archive.namelist()
        readme = archive.read("README.txt").decode("utf-8-sig")
    assert "Channel: Phone" in readme
    assert f"{len(archive.namelist())} files" in out


def test_cli_refuses_a_bad_extension_or_month(demo_store: Store, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    store = str(demo_store.path)
    code, _, err = run(capsys, "report", "--store", store, "--month", "2026-10", "--out",
                       str(tmp_path / "review.docx"))
    assert code == 2 and ".pdf or .zip" in err
    with pytest.raises(SystemExit) as exited:
        main(["report", "--store", store, "--month", "2026-13", "--out", "r.pdf"])
    assert exited.value.code == 2
    assert "not a month of the form YYYY-MM" in capsys.readouterr().err
    code, _, err = run(capsys, "report", "--store", store, "--month", "2026-10", "--from",
                       "2026-10-01", "--out", str(tmp_path / "r.pdf"))
    assert code == 2 and "exclusive" in err
    code, _, err = run(capsys, "report", "--store", store, "--month", "2030-01", "--out",
                       str(tmp_path / "r.pdf"))
    assert code == 2 and "no data in 2030-01" in err
    assert not list(tmp_path.iterdir())


def test_pack_files_hold_no_customer_name_or_phone(demo_store: Store,
                                                   review_pack_pdfs: dict[str, bytes],
                                                   review_pack_zip: bytes) -> None:
    """The pack as the operator (and any user without unmask) downloads it: every layer of
    the PDFs and of the zip, XLSX members included, scanned for each customer's name and
    phone (tests/privacy.py)."""
    names, phones = customers(demo_store)
    assert names and phones
    for lang, data in review_pack_pdfs.items():
        assert leaks(f"pack-{lang}.pdf", data, names, phones) == []
    assert leaks("pack.zip", review_pack_zip, names, phones) == []


def test_calls_section_holds_the_hotline_numbers(packs: dict[str, review.Pack],
                                                 demo_store: Store) -> None:
    """话务: the hotline's cards as the Calls page computes them, and the staffing view's
    short-staffed intervals when there are any."""
    from metrics.core import catalog
    from metrics.engine import queries
    from metrics.views.calls import CALL_CARDS

    section = next(s for s in packs["en"].sections if s.key == "calls")
    tables_ = [i for i in section.items if isinstance(i, review.Table)]
    assert tables_[0].slug == "calls-kpis"
    shown = dict(zip(tables_[0].frame["Indicator"], tables_[0].frame["This period"],
                     strict=True))
    scope = Scope.of(OCTOBER, demo_store.settings(), as_of=AS_OF)
    values = queries.kpis(demo_store, scope, CALL_CARDS)
    for metric_id in CALL_CARDS:
        metric = catalog.get(metric_id)
        assert shown[metric.name("en")] == formatting.value(metric, values[metric_id].value,
                                                            "en")
    assert [i.slug for i in section.items if isinstance(i, review.Figure)] == ["calls-daily"]


@pytest.mark.parametrize(("head", "start", "end"), [
    ("Previous calendar period", "2026-09-01", "2026-09-30"),  # 环比 of October: September
    ("Same period last year", "2025-10-01", "2025-10-31"),  # 同比: last October
])
def test_kpi_table_shows_mom_and_yoy_as_the_cli_computes_them(
        packs: dict[str, review.Pack], demo_store: Store, capsys: pytest.CaptureFixture[str],
        head: str, start: str, end: str) -> None:
    view = overview.overview(demo_store, Scope.of(OCTOBER, demo_store.settings(), as_of=AS_OF))
    kpis = packs["en"].tables[0].frame
    assert main(["kpis", "--store", str(demo_store.path), "--from", start, "--to", end,
                 "--json"]) == 0
    values = json.loads(capsys.readouterr().out)
    shown = [formatting.value(c.metric, values[c.metric.id], "en") for c in view.cards]
    assert kpis[head].to_list() == shown
    assert any(v != "—" for v in shown)  # the demo holds both periods (from 2025-10-24)
    note = next(i for i in packs["en"].sections[0].items if isinstance(i, review.Note))
    assert f"{start} – {end}" in note.text


def test_an_action_entered_appears_in_this_months_pack_and_with_before_after_next_month(
        tmp_path: Path, demo_store: Store) -> None:
    """The PDCA loop: an action raised at the October review (in early November) is in the
    October pack; the November pack (the clock moved to December) shows its KPI before
    (October) and after (November); closing it in January keeps it out of later packs."""
    from datetime import datetime

    from metrics.core import catalog
    from metrics.engine import improvement, queries
    from metrics.engine.improvement import Plan
    from tests.app.conftest import copy_store

    store = copy_store(demo_store, tmp_path / "pdca.duckdb")
    settings = store.settings()
    plan = Plan(what="夜班增配两名坐席 <b>=1+1</b>", owner="王经理", due=date(2026, 11, 30),
                metric_id="csat", baseline_from=date(2026, 10, 1),
                baseline_to=date(2026, 10, 31))
    action_id = improvement.add(store, plan, by="manager", at=datetime(2026, 11, 3, 9, 0))

    def pdca_table(start: date, end: date) -> dict[str, object] | None:
        scope = Scope.of(Filters(date_from=start, date_to=end), settings,
                         as_of=datetime(2026, 12, 2, 9, 0))
        pack = review.build(store, scope, "en")
        found = [tb for tb in pack.tables if tb.slug == "pdca"]
        return found[0].frame.row(0, named=True) if found else None

    october = pdca_table(date(2026, 10, 1), date(2026, 10, 31))
    assert october is not None and october["Action"] == plan.what  # kept as text
    before = queries.kpis(store, Scope.of(Filters(date_from=date(2026, 10, 1),
                                                  date_to=date(2026, 10, 31)), settings),
                          ("csat",))["csat"].value
    csat = catalog.get("csat")
    assert october["Before (baseline)"] == formatting.value(csat, before, "en")
    assert october["After (this period)"] == "—"  # this period is the baseline

    november = pdca_table(date(2026, 11, 1), date(2026, 11, 23))
    after = queries.kpis(store, Scope.of(Filters(date_from=date(2026, 11, 1),
                                                 date_to=date(2026, 11, 23)), settings),
                         ("csat",))["csat"].value
    assert november is not None and november["No."] == f"#{action_id}"
    assert november["Before (baseline)"] == formatting.value(csat, before, "en")
    assert november["After (this period)"] == formatting.value(csat, after, "en")
    assert november["Change"] == formatting.change(csat, after, before, "en")

    improvement.close(store, action_id, result="满意率回升", by="manager",
                      at=datetime(2026, 12, 20, 10, 0))
    closed = pdca_table(date(2026, 11, 1), date(2026, 11, 23))
    assert closed is not None and closed["Status"] == "closed: 满意率回升"
    assert improvement.for_review(store, date(2027, 1, 1), date(2027, 1, 31)) == []
