"""AppTest: data is text, never markup. An agent, a team and a category named like Markdown
(an image, bold + KaTeX + a colour directive, a link) reach every Markdown-rendering element
escaped, on the One agent page, the QA page and the Overview drill-down.

`imported_hostile` also brings HTML, Markdown and KaTeX in through the importer, in every text
column of every extract kind, for the browser test (tests/e2e/test_plain_text_browser.py)."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from metrics.core.access import User
from metrics.engine import accounts
from metrics.engine.store import Store
from metrics.ingest.importer import import_file
from metrics.present.formatting import plain
from tests.app.conftest import copy_store, frame_app, open_file

APP = str(Path(__file__).parents[2] / "app.py")
AGENT = "![x](http://example.invalid/a.png)"
TEAM = "**bold** $$x$$ :red[r]"
CATEGORY = "[t](http://example.invalid)"
NOVEMBER = (date(2026, 11, 1), date(2026, 11, 23))  # the demo store's last weeks
AUTUMN = (date(2026, 9, 1), date(2026, 11, 23))
RAW = (AGENT, TEAM, CATEGORY, "example.invalid", "**bold**", "$$x$$", ":red[r]")
# Imported by `imported_hostile`, through the importer: HTML, Markdown and KaTeX.
I_AGENT = "<img src=http://example.invalid/h.png> $y$"
I_TEAM = "<b>b</b> [t](http://example.invalid/team)"
I_CATEGORY = "<a href=http://example.invalid>a</a> **cat**"
I_PRODUCT = "![p](http://example.invalid/p.png) $$p$$"
I_QUEUE = "<a href=http://example.invalid/q>q</a> **queue** $y$"
I_INSPECTOR = "<b>b</b> **inspector**"
COMMENT = ("**bold** ![c](http://example.invalid/c.png) <img src=http://example.invalid/c.png>"
           " [c](http://example.invalid/c) <b>b</b> $$x$$ $y$")
FILE_NAME = "<b>b</b> **{kind}** $$x$$.csv"  # the name the import log keeps
IMPORTED = (I_AGENT, I_TEAM, I_CATEGORY, I_PRODUCT, I_QUEUE, I_INSPECTOR, COMMENT)
PASSWORD = "correct horse battery"


def literal(markdown: str) -> str:
    """The text a reader sees of Markdown that formatting.plain made: escapes and word joiners
    gone (for tests that look for a value inside a message)."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown).replace("\u2060", "")


def hostile_copy(source: Store, path: Path) -> Store:
    """A copy of `source` whose agent with the most comments in November 2026 (among those
    with violations since September), their team and that team's commonest category are
    renamed AGENT, TEAM and CATEGORY."""
    store = copy_store(source, path)
    with store.writer() as con:
        def one(sql: str, *params: object) -> Any:
            row = con.execute(sql, list(params)).fetchone()
            assert row is not None, sql
            return row[0]

        agent = one(
            "SELECT t.agent FROM tickets t JOIN surveys s USING (ticket_id) "
            "WHERE s.comment IS NOT NULL AND s.sent_at >= '2026-11-01' AND t.agent IN ("
            "  SELECT agent FROM qa_inspections JOIN qa_violations USING (inspection_id)"
            "  WHERE inspected_at >= '2026-09-01') "
            "GROUP BY t.agent ORDER BY count(*) DESC, t.agent LIMIT 1")
        team = one(  # their team in November, as engine.sql.AGENT_TEAMS decides
            "SELECT arg_max(team, (created_at, ticket_id)) FROM tickets WHERE agent = ? "
            "AND created_at BETWEEN '2026-11-01' AND '2026-11-23 23:59:59'", agent)
        category = one(
            "SELECT category FROM tickets WHERE team = ? AND category IS NOT NULL "
            "GROUP BY category ORDER BY count(*) DESC, category LIMIT 1", team)
        con.execute("UPDATE tickets SET agent = ? WHERE agent = ?", [AGENT, agent])
        con.execute("UPDATE qa_inspections SET agent = ? WHERE agent = ?", [AGENT, agent])
        con.execute("UPDATE tickets SET team = ? WHERE team = ?", [TEAM, team])
        con.execute("UPDATE tickets SET category = ? WHERE category = ?", [CATEGORY, category])
    return store


def _extract(path: Path, header: Sequence[str], rows: Sequence[Sequence[object]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _at(day: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, 9) + timedelta(minutes=minute)


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def imported_hostile(source: Store, folder: Path) -> Store:
    """`hostile_copy` of `source` holding imported data (so it asks for a sign-in; user
    `admin`, PASSWORD), into which the importer has read one extract of each kind dated in
    NOVEMBER: 36 tickets of I_AGENT in I_TEAM (a third complaints in I_CATEGORY, all about
    I_PRODUCT), 18 answered surveys with COMMENT, 4 inspections by I_INSPECTOR with
    violations and 30 calls of I_AGENT in I_QUEUE, each file named like FILE_NAME."""
    store = hostile_copy(source, folder / "hostile.duckdb")
    with store.writer() as con:  # not the demo any more: an import then keeps its rows
        con.execute("UPDATE import_log SET source = 'file'")
    accounts.add(store, User(name="admin", role="admin"), PASSWORD)
    days = [2 + i % 21 for i in range(36)]
    tickets = [
        (f"H{i:03d}", _stamp(_at(day, i)), ("phone", "chat", "email")[i % 3],
         "complaint" if i % 3 == 0 else "inquiry", I_CATEGORY if i % 3 == 0 else "",
         I_AGENT, I_TEAM, I_PRODUCT, _stamp(_at(day, i + 1)), _stamp(_at(day, i + 90)),
         "resolved", f"HC{i:03d}")
        for i, day in enumerate(days)]
    surveys = [
        (f"HS{i:03d}", _stamp(_at(days[i], i + 120)), f"H{i:03d}", _stamp(_at(days[i], i + 180)),
         1 + i % 5, i % 11, f"{COMMENT} {i}")
        for i in range(0, 36, 2)]
    inspections = [
        (f"HQ{i}", I_AGENT, _stamp(_at(3 + 5 * i, 300)), f"H{i:03d}", I_INSPECTOR, 60 + 5 * i,
         "attitude:severe;privacy:minor" if i % 2 == 0 else "misleading:moderate")
        for i in range(4)]
    calls = [
        (f"HK{i:03d}", _stamp(_at(days[i], i)), _stamp(_at(days[i], i) + timedelta(seconds=15)),
         _stamp(_at(days[i], i + 6)), I_QUEUE, I_AGENT, I_TEAM)
        for i in range(30)]
    extracts: dict[str, tuple[Sequence[str], Sequence[Sequence[object]]]] = {
        "tickets": (("ticket_id", "created_at", "channel", "request_type", "category", "agent",
                     "team", "product", "first_response_at", "resolved_at", "status",
                     "customer_id"), tickets),
        "surveys": (("survey_id", "sent_at", "ticket_id", "responded_at", "score", "nps",
                     "comment"), surveys),
        "qa": (("inspection_id", "agent", "inspected_at", "ticket_id", "inspector", "qa_score",
                "violations"), inspections),
        "calls": (("call_id", "queued_at", "answered_at", "ended_at", "queue", "agent", "team"),
                  calls),
    }
    for kind, (header, rows) in extracts.items():
        path = _extract(folder / f"{kind}.csv", header, rows)
        result = import_file(store, kind, path, name=FILE_NAME.format(kind=kind))
        assert result.inserted == len(rows) and not result.rejected, result
    return store


@pytest.fixture()
def app(demo_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    store = hostile_copy(demo_store, tmp_path / "hostile.duckdb")
    monkeypatch.setenv("SERVICELENS_STORE", str(store.path))
    return frame_app(APP)


def markdown_bodies(at: AppTest) -> Iterator[str]:
    """Every string the frontend renders as Markdown: bodies, headings, alerts, labels, help."""
    for kind in ("markdown", "caption", "title", "header", "subheader", "info", "warning",
                 "error", "success", "toast"):
        for element in at.get(kind):
            yield str(getattr(element, "value", element.proto.body))
    for kind in ("selectbox", "multiselect", "text_input", "number_input", "toggle", "button",
                 "metric", "tabs", "expander", "date_input", "radio", "segmented_control"):
        for widget in at.get(kind):
            proto: Any = widget.proto
            yield str(getattr(widget, "label", "") or getattr(proto, "label", ""))
            yield str(getattr(proto, "help", ""))


def assert_escaped(at: AppTest) -> list[str]:
    """No Markdown-rendering element holds the data's raw text; returns the bodies."""
    bodies = list(markdown_bodies(at))
    for body in bodies:
        for raw in (*RAW, *IMPORTED):
            assert raw not in body, (raw, body)
    return bodies


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_agent_page_shows_names_as_text(app: AppTest, lang: str) -> None:
    app.query_params["person"] = AGENT
    open_file(app, "pages/agent.py", lang, period=NOVEMBER)
    assert app.selectbox(key="person").value == AGENT  # options are plain text: kept as is
    bodies = assert_escaped(app)
    assert any(b.startswith(f"### {plain(AGENT)} · {plain(TEAM)} · ") for b in bodies)
    assert any(plain(AGENT) in b for b in (c.value for c in app.caption))


def test_agent_not_in_scope_warning_escapes_the_url_name(app: AppTest) -> None:
    name = "[t](http://example.invalid) **bold**"
    app.query_params["person"] = name
    open_file(app, "pages/agent.py", "en", period=NOVEMBER)
    assert any(plain(name) in w.value for w in app.warning)
    assert_escaped(app)


def test_qa_record_summary_escapes_the_agent(app: AppTest) -> None:
    open_file(app, "pages/qa.py", "en", period=AUTUMN, qa_agent=AGENT)
    assert app.selectbox(key="qa_agent").value == AGENT
    bodies = assert_escaped(app)
    assert any(b.startswith(f"{plain(AGENT)}: ") for b in bodies)


@pytest.mark.parametrize("segment", [{"agent": AGENT}, {"team": TEAM, "category": CATEGORY}])
def test_overview_drill_down_caption_escapes_the_segment(app: AppTest,
                                                         segment: dict[str, str]) -> None:
    open_file(app, "pages/overview.py", "en", period=NOVEMBER,
              overview_drill_segment=segment, overview_drill_metric="tickets")
    bodies = assert_escaped(app)
    drill = [b for b in bodies if "records, the denominator" in b]
    assert len(drill) == 1
    for value in segment.values():
        assert f"= {plain(value)}" in drill[0]


def test_calls_drill_down_caption_escapes_the_queue(app: AppTest) -> None:
    open_file(app, "pages/calls.py", "en", period=NOVEMBER,
              calls_drill_segment={"queue": I_QUEUE}, calls_drill_metric="calls_offered")
    bodies = assert_escaped(app)
    assert any(f"Queue = {plain(I_QUEUE)}: 0 records" in b for b in bodies)
