"""AppTest: the analysis pages (Response, Resolution, Complaints, Satisfaction), the metric
catalog and the settings page, in both languages; their numbers against `servicelens kpis`,
the drill-down's count and masking, what moved the complaint rate, comment search and
saving settings."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from metrics.cli import main
from metrics.core import catalog
from metrics.core.filters import Filters
from metrics.core.scope import Scope, site_now
from metrics.engine import queries
from metrics.engine.store import Store
from metrics.present import formatting
from metrics.present.words import t
from metrics.views.analysis import (
    COMPLAINT_CARDS,
    RESOLUTION_CARDS,
    RESPONSE_CARDS,
    SATISFACTION_CARDS,
)
from tests.app.conftest import frame_app, open_file
from tests.app.test_plain_text import literal

APP = str(Path(__file__).parents[2] / "app.py")
CHART = "vega_lite_chart"  # the element type st.altair_chart gives in AppTest (Streamlit 1.67)

# page -> (file, zh title, en title)
PAGES: dict[str, tuple[str, str, str]] = {
    "response": ("pages/response.py", "响应", "Response"),
    "resolution": ("pages/resolution.py", "解决", "Resolution"),
    "complaints": ("pages/complaints.py", "投诉", "Complaints"),
    "satisfaction": ("pages/satisfaction.py", "满意度", "Satisfaction"),
    "catalog": ("pages/catalog.py", "指标说明", "Metric catalog"),
    "settings": ("pages/settings.py", "设置", "Settings"),
}
# The cards each analysis page draws (Resolution adds the open tickets behind its caveat).
CARDS: dict[str, tuple[str, ...]] = {
    "response": RESPONSE_CARDS,
    "resolution": (*RESOLUTION_CARDS, "open_tickets"),
    "complaints": COMPLAINT_CARDS,
    "satisfaction": tuple(m for m in SATISFACTION_CARDS if catalog.get(m).public),
}
NOVEMBER = (date(2026, 11, 1), date(2026, 11, 23))
NOVEMBER_CLI = ["--from", "2026-11-01", "--to", "2026-11-23"]


@pytest.fixture()
def app(demo_store: Store, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("SERVICELENS_STORE", str(demo_store.path))
    return frame_app(APP)


def open_page(at: AppTest, page: str, lang: str = "zh", **state: Any) -> AppTest:
    """Run app.py once with the view in session state, then switch to `page`."""
    return open_file(at, PAGES[page][0], lang, **state)


def metric_values(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def cli_kpis(store: Store, capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    capsys.readouterr()  # drop whatever the app printed
    assert main(["kpis", "--store", str(store.path), *args, "--json"]) == 0
    out: dict[str, Any] = json.loads(capsys.readouterr().out)
    return out


def shown_as_cli(at: AppTest, cli: dict[str, Any], metric_ids: tuple[str, ...],
                 lang: str) -> None:
    shown = metric_values(at)
    for metric_id in metric_ids:
        metric = catalog.get(metric_id)
        assert cli[metric_id] is not None, metric_id  # a comparison of two blanks proves little
        assert shown[metric.name(lang)] == formatting.value(metric, cli[metric_id], lang), \
            metric_id


def card_captions(at: AppTest) -> dict[str, str]:
    """Each KPI card's metric label -> the caption under it (its target line)."""
    found: dict[str, str] = {}

    def walk(node: Any) -> None:
        children = getattr(node, "children", None)
        if not isinstance(children, dict):
            return
        kids = list(children.values())
        metrics = [k for k in kids if getattr(k, "type", None) == "metric"]
        captions = [k for k in kids if getattr(k, "type", None) == "caption"]
        if len(metrics) == 1 and captions:
            found[metrics[0].label] = captions[0].value
        for kid in kids:
            walk(kid)

    walk(at.main)
    return found


def frame_with(at: AppTest, column: str, without: str | None = None) -> pd.DataFrame:
    """The one table with `column` (and not `without`)."""
    tables = [d.value for d in at.dataframe if column in d.value.columns
              and (without is None or without not in d.value.columns)]
    assert len(tables) == 1, f"{len(tables)} tables with a {column!r} column"
    return tables[0]


def drill_count(at: AppTest, lang: str = "zh") -> tuple[str, int]:
    """The drill-down caption's scope and record count."""
    pattern = r"^(.+?)：([\d,]+) 条记录" if lang == "zh" else r"^(.+?): ([\d,]+) records"
    for caption in at.caption:
        found = re.match(pattern, caption.value)
        if found:
            return found.group(1), int(found.group(2).replace(",", ""))
    raise AssertionError("no drill-down count caption")


# 1. Every page renders in both languages ---------------------------------------------------

@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("page", list(PAGES))
def test_page_renders(app: AppTest, page: str, lang: str) -> None:
    open_page(app, page, lang)
    _, zh_title, en_title = PAGES[page]
    assert app.title[0].value == (zh_title if lang == "zh" else en_title)
    assert not app.error
    if page in CARDS:
        labels = [m.label for m in app.metric]
        assert sorted(labels) == sorted(catalog.get(m).name(lang) for m in CARDS[page])
        assert len(app.get(CHART)) >= 3
        assert app.dataframe
        assert t("drill_title", lang) in [s.value for s in app.subheader]
        assert all(d.value.shape[0] > 0 for d in app.dataframe)
    elif page == "catalog":
        assert len(app.dataframe) == 3
    else:
        assert app.text_input(key="target_csat").value == "95"


def test_satisfaction_hides_nps_without_answers(app: AppTest, demo_store: Store) -> None:
    period = (date(2026, 11, 20), date(2026, 11, 23))
    filters = Filters(date_from=period[0], date_to=period[1], channels=("chat",))
    answers = queries.kpis(demo_store, demo_store.scope(filters), ["surveys_sent", "nps"])
    assert answers["surveys_sent"].value and not answers["nps"].denominator  # the premise
    open_page(app, "satisfaction", "en", channel=["chat"], period=period)
    labels = set(metric_values(app))
    assert "NPS" not in labels and catalog.get("nps").name_en not in labels
    assert labels == {catalog.get(m).name_en for m in CARDS["satisfaction"] if m != "nps"}


# 2. The same numbers as `servicelens kpis` -------------------------------------------------

PAGE_METRICS: dict[str, tuple[str, ...]] = {
    "response": ("response_within_standard_rate", "first_response_median_s"),
    "resolution": ("resolution_rate", "fcr_rate", "reopen_rate"),
    "complaints": ("complaint_rate", "complaint_closed_within_limit_rate"),
    "satisfaction": ("csat", "survey_response_rate"),
}


@pytest.mark.parametrize(("page", "lang"), [("response", "zh"), ("resolution", "en"),
                                            ("complaints", "zh"), ("satisfaction", "en")])
def test_filtered_numbers_match_cli(app: AppTest, demo_store: Store,
                                    capsys: pytest.CaptureFixture[str], page: str,
                                    lang: str) -> None:
    open_page(app, page, lang, channel=["phone"], period=NOVEMBER)
    assert app.multiselect(key="channel").value == ["phone"]
    cli = cli_kpis(demo_store, capsys, *NOVEMBER_CLI, "--channel", "phone")
    shown_as_cli(app, cli, PAGE_METRICS[page], lang)
    # and the filter matters: the whole scope gives other numbers
    everything = cli_kpis(demo_store, capsys, *NOVEMBER_CLI)
    assert any(everything[m] != cli[m] for m in PAGE_METRICS[page])


def test_business_hours_match_cli(app: AppTest, demo_store: Store,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    business = cli_kpis(demo_store, capsys, *NOVEMBER_CLI, "--business-hours")
    calendar = cli_kpis(demo_store, capsys, *NOVEMBER_CLI)
    open_page(app, "response", "en", period=NOVEMBER, business_hours=True)
    assert app.toggle(key="business_hours").value is True
    assert any("business hours" in c.value for c in app.caption)
    shown_as_cli(app, business, ("first_response_median_s",), "en")
    app.switch_page(PAGES["resolution"][0]).run()
    assert not app.exception
    shown_as_cli(app, business, ("resolution_median_s",), "en")
    for metric_id in ("first_response_median_s", "resolution_median_s"):
        metric = catalog.get(metric_id)
        assert formatting.value(metric, business[metric_id], "en") != \
            formatting.value(metric, calendar[metric_id], "en"), metric_id


# 3. Drill-down ---------------------------------------------------------------------------

def test_response_drill_down_counts_the_denominator_and_masks(app: AppTest,
                                                              demo_store: Store) -> None:
    period = (date(2026, 10, 1), date(2026, 11, 15))
    open_page(app, "response", "zh", period=period)
    assert t("drill_title", "zh") in [s.value for s in app.subheader]
    app.selectbox(key="response_drill_metric").set_value("response_within_standard_rate").run()
    app.selectbox(key="response_drill_dim").set_value("channel").run()
    app.selectbox(key="response_drill_value").set_value("phone").run()
    assert not app.exception
    assert app.selectbox(key="response_drill_value").value == "phone"
    scope, count = drill_count(app)
    assert scope == "渠道 = 电话"

    filters = Filters(date_from=period[0], date_to=period[1])
    settings = demo_store.settings()
    as_of = site_now(settings).replace(second=0)
    by_channel = queries.breakdown(demo_store, Scope.of(filters, settings, as_of=as_of), ["response_within_standard_rate", "first_response_median_s"], "channel").filter(channel="phone").row(0, named=True)
    assert count == by_channel["response_within_standard_rate__den"] > 0

    rows = frame_with(app, "客户姓名")
    assert len(rows) == min(count, 5000)
    assert set(rows["渠道"]) == {"电话"}
    names = rows["客户姓名"].dropna()
    assert len(names) > 0
    assert all(re.fullmatch(r".\*\*", name) for name in names), names.head().tolist()
    phones = rows["联系电话"].dropna()
    assert len(phones) > 0
    assert all(re.fullmatch(r"\d{3}\*{4}\d{4}", p) for p in phones), phones.head().tolist()

    # a metric whose denominator does not depend on the clock: tickets with a first response
    app.selectbox(key="response_drill_metric").set_value("first_response_median_s").run()
    assert not app.exception
    scope, count = drill_count(app)
    assert scope == "渠道 = 电话"
    assert count == by_channel["first_response_median_s__den"] > 0

    # back to 不细分: the whole scope again
    app.selectbox(key="response_drill_dim").set_value(None).run()
    scope, whole = drill_count(app)
    assert scope == t("drill_whole_scope", "zh")
    assert whole > count


# 4. What moved the complaint rate ----------------------------------------------------------

@pytest.mark.parametrize("lang", ["zh", "en"])
def test_what_moved_adds_up_to_the_change(app: AppTest, lang: str) -> None:
    open_page(app, "complaints", lang)
    assert t("what_moved", lang) in [s.value for s in app.subheader]
    # It names the comparison too: the default range is not a calendar month (prev).
    pattern = (r"由上期（较上一等长周期 [\d-]+ – [\d-]+）\*\*([\d.]+)%\*\* 变为本期 "
               r"\*\*([\d.]+)%\*\*，变化 \*\*([+-][\d.]+)\*\*"
               if lang == "zh" else
               r"from \*\*([\d.]+)%\*\* \(vs previous period [\d-]+ – [\d-]+\) to "
               r"\*\*([\d.]+)%\*\*, a change of \*\*([+-][\d.]+)\*\*")
    lines = [m for m in (re.search(pattern, md.value) for md in app.markdown) if m]
    assert len(lines) == 1
    before, now, change = (float(x) for x in lines[0].groups())
    assert change == pytest.approx(now - before, abs=0.051)  # the rates show one decimal
    assert metric_values(app)[catalog.get("complaint_rate").name(lang)] == f"{now:.1f}%"

    column = f"{t('contribution', lang)} ({t('pp', lang)})"
    moved = [d.value for d in app.dataframe if column in d.value.columns]
    assert len(moved) == 3  # by category, team, channel
    complaints = int(metric_values(app)[catalog.get("complaints").name(lang)].replace(",", ""))
    for table in moved:
        total = table.iloc[-1]
        assert total.iloc[0] == t("total", lang)
        assert float(total[column]) == pytest.approx(change, abs=0.01)
        parts = table.iloc[:-1][column].astype(float).sum()
        assert parts == pytest.approx(change, abs=0.005 * len(table) + 0.01)
        assert int(total[t("complaints_now", lang)]) == complaints


# 5. Comment search ---------------------------------------------------------------------------

def comments(at: AppTest) -> pd.DataFrame:
    """The comments table (the drill-down below it shows comments too, with survey ids)."""
    return frame_with(at, "意见建议", without="问卷编号")


def comments_total(at: AppTest) -> int:
    for caption in at.caption:
        found = re.match(r"共 ([\d,]+) 条评论", caption.value)
        if found:
            return int(found.group(1).replace(",", ""))
    raise AssertionError("no comment count caption")


def test_comment_search_and_score_narrow_the_comments(app: AppTest) -> None:
    open_page(app, "satisfaction", "zh", period=(date(2026, 9, 1), date(2026, 11, 23)))
    everything = comments(app)
    total = comments_total(app)
    assert total == len(everything) > 0
    assert len(set(everything["满意度"].dropna())) > 1

    word = "退款"
    assert everything["意见建议"].str.contains(word).any()  # the premise
    app.text_input(key="comment_search").input(word).run()
    assert not app.exception
    found = comments(app)
    assert 0 < len(found) < len(everything)
    assert comments_total(app) == len(found) < total
    assert all(word in comment for comment in found["意见建议"])

    app.text_input(key="comment_search").input("").run()
    app.selectbox(key="comment_score").set_value(1).run()
    assert not app.exception
    ones = comments(app)
    assert len(ones) > 0
    assert set(ones["满意度"]) == {1}
    assert comments_total(app) == len(ones) < total


# 6. Settings ---------------------------------------------------------------------------------

def save_button(at: AppTest) -> Any:
    buttons = [b for b in at.button if str(b.key or "").startswith("FormSubmitter:settings")]
    assert len(buttons) == 1
    return buttons[0]


def test_settings_clears_a_target_and_refuses_text(store_copy: Store) -> None:
    at = open_page(frame_app(APP), "settings", "en")
    at.text_input(key="target_csat").set_value("")
    save_button(at).click().run()
    assert not at.exception and not at.error
    assert Store(store_copy.path).settings().target("csat") is None
    at.text_input(key="target_resolution_rate").set_value("ninety")
    save_button(at).click().run()
    assert any("'ninety' is not a number" in literal(e.value) for e in at.error)
    assert Store(store_copy.path).settings().target("resolution_rate") == pytest.approx(0.9)


def test_settings_saves_a_target_that_pages_then_use(store_copy: Store) -> None:
    at = open_page(frame_app(APP), "settings", "zh")
    assert store_copy.settings().target("csat") == pytest.approx(0.95)
    at.text_input(key="target_csat").set_value("80")
    save_button(at).click().run()
    assert not at.exception
    assert not at.error
    assert any(t("settings_saved", "zh") in s.value for s in at.success)
    assert Store(store_copy.path).settings().target("csat") == pytest.approx(0.8)
    assert at.text_input(key="target_csat").value == "80"

    at.switch_page(PAGES["satisfaction"][0]).run()
    assert not at.exception
    caption = card_captions(at)[catalog.get("csat").name_zh]
    assert caption.startswith("目标：≥ 80.0%"), caption
    csat = float(metric_values(at)[catalog.get("csat").name_zh].rstrip("%"))
    assert (":green[达标]" in caption) == (csat >= 80.0), caption


def test_settings_rejects_weights_not_summing_to_one(store_copy: Store) -> None:
    before = store_copy.settings()
    at = open_page(frame_app(APP), "settings", "en")
    at.number_input(key="weight_csat").set_value(0.9)
    save_button(at).click().run()
    assert not at.exception
    errors = [literal(e.value) for e in at.error]
    assert len(errors) == 1
    assert "sum" in errors[0] and "1.7" in errors[0], errors
    assert not at.success
    assert Store(store_copy.path).settings() == before


def test_settings_rejects_bad_business_hours(store_copy: Store) -> None:
    before = store_copy.settings()
    at = open_page(frame_app(APP), "settings", "zh")
    at.text_input(key="hours_1").input("9am-5pm")
    save_button(at).click().run()
    assert not at.exception
    errors = [literal(e.value) for e in at.error]
    assert len(errors) == 1
    assert "9am-5pm" in errors[0]
    assert any(word in errors[0] for word in ("周一", "Monday", "weekday 1")), errors
    assert not at.success
    assert Store(store_copy.path).settings() == before


# 7. The metric catalog -----------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["zh", "en"])
def test_catalog_lists_every_public_metric_with_its_formula(app: AppTest, lang: str) -> None:
    open_page(app, "catalog", lang)
    main_table = app.dataframe[0].value
    assert len(main_table) == len(catalog.PUBLIC_IDS)
    assert main_table[t("catalog_id", lang)].tolist() == list(catalog.PUBLIC_IDS)
    assert main_table[t("catalog_formula", lang)].tolist() == [
        catalog.get(m).formula(lang) for m in catalog.PUBLIC_IDS]
    assert main_table[t("catalog_name", lang)].tolist() == [
        catalog.get(m).name(lang) for m in catalog.PUBLIC_IDS]
    supporting = app.dataframe[1].value
    assert not set(supporting[t("catalog_id", lang)]) & set(catalog.PUBLIC_IDS)
