"""The demo generator: deterministic, and shaped like a real service centre."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import polars as pl
import pytest

from metrics.cli import main
from metrics.core.filters import Filters
from metrics.engine import queries
from metrics.engine.store import Store
from metrics.ingest import demo

END = date(2026, 11, 23)


@pytest.fixture(scope="module")
def frames() -> demo.DemoFrames:
    return demo.generate(40_000, seed=3, end=END)


def test_same_seed_same_data(frames: demo.DemoFrames) -> None:
    again = demo.generate(40_000, seed=3, end=END)
    assert frames.tickets.equals(again.tickets)
    assert frames.surveys.equals(again.surveys)
    assert frames.inspections.equals(again.inspections)
    other = demo.generate(40_000, seed=4, end=END)
    assert not frames.tickets.equals(other.tickets)


def test_about_13_months_up_to_the_end(frames: demo.DemoFrames) -> None:
    first, last = frames.tickets["created_at"].min(), frames.tickets["created_at"].max()
    assert isinstance(first, datetime) and isinstance(last, datetime)
    assert 380 <= (last - first).days <= 396
    assert last.date() == END
    assert frames.tickets["ticket_id"].is_unique().all()


def test_agents_teams_and_profiles(frames: demo.DemoFrames) -> None:
    t = frames.tickets
    assert t["agent"].n_unique() == 30
    assert t["team"].n_unique() == 5
    fast = t.filter(pl.col("agent") == "李明")
    slow = t.filter(pl.col("agent") == "陈静")
    frt = (pl.col("first_response_at") - pl.col("created_at")).dt.total_seconds()
    assert fast.select(frt.median()).item() < slow.select(frt.median()).item()
    assert fast["reopen_count"].mean() > slow["reopen_count"].mean()  # type: ignore[operator]
    offender = frames.inspections.join(frames.violations, on="inspection_id")
    by_agent = offender.group_by("agent").len().sort("len", descending=True)
    assert by_agent["agent"][0] == "赵磊"


def test_complaint_categories_have_a_pareto_shape(frames: demo.DemoFrames) -> None:
    counts = (frames.tickets.filter(pl.col("request_type") == "complaint")
              .group_by("category").len().sort("len", descending=True))
    shares = (counts["len"] / counts["len"].sum()).to_list()
    assert counts["category"][0] == "product_quality"
    assert sum(shares[:3]) > 0.6  # a few categories carry most complaints


def test_weekday_and_hour_seasonality(frames: demo.DemoFrames) -> None:
    t = frames.tickets
    by_day = t.group_by(pl.col("created_at").dt.weekday()).len().sort("created_at")
    weekday = by_day.filter(pl.col("created_at") <= 5)["len"].mean()
    weekend = by_day.filter(pl.col("created_at") >= 6)["len"].mean()
    assert weekend < 0.75 * weekday  # type: ignore[operator]
    phone_night = t.filter((pl.col("channel") == "phone") & (pl.col("created_at").dt.hour() < 6))
    assert phone_night.height == 0


def test_november_campaign(frames: demo.DemoFrames) -> None:
    s = frames.surveys
    campaign = s.filter(pl.col("ticket_id").is_null())
    assert campaign.height > 0
    assert set(campaign["sent_at"].dt.month().unique().to_list()) == {11}
    assert set(campaign["survey_channel"].unique().to_list()) == {"phone_callback"}


def test_backlog_and_survey_shape(tmp_path: object, frames: demo.DemoFrames) -> None:
    store = Store(f"{tmp_path}/d.duckdb")
    store.ensure()
    demo.write(store, frames, "demo: test")
    year = Filters(date_from=date(2025, 12, 1), date_to=date(2026, 10, 31))
    v = queries.kpis(store, store.scope(year, as_of=datetime(2026, 11, 23, 23, 59)))
    assert 0.28 <= (v["survey_response_rate"].value or 0) <= 0.42
    assert 0.85 <= (v["csat"].value or 0) <= 0.95
    assert (v["reopen_rate"].value or 0) > 0.03
    assert store.is_demo()
    recent = Filters(date_from=date(2026, 11, 20), date_to=END)
    backlog = queries.kpis(store, store.scope(recent, as_of=datetime(2026, 11, 23, 23, 59)), ["resolution_rate"])
    assert (backlog["resolution_rate"].value or 1) < 0.9  # recent tickets still open
    with store.reader() as con:
        dk = con.execute("SELECT count(*) FROM surveys WHERE dont_know").fetchone()
    assert dk and dk[0] > 0


def test_a_large_demo_is_made_and_written_in_parts(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Memory holds one part, not the store: three parts of a 2,500-ticket demo have their own
    ids (no clash), cover the whole period each, and are written in one import."""
    monkeypatch.setattr(demo, "PART_TICKETS", 1000)
    end = date(2026, 11, 23)
    parts = list(demo.generate_parts(2500, seed=3, end=end))
    assert [p.tickets.height for p in parts] == [834, 833, 833]
    assert parts[0].tickets.equals(demo.generate(834, seed=3, end=end).tickets)
    for column, frames in (("ticket_id", [p.tickets for p in parts]),
                           ("survey_id", [p.surveys for p in parts]),
                           ("inspection_id", [p.inspections for p in parts])):
        ids = pl.concat([f[column] for f in frames])
        assert ids.n_unique() == len(ids), column
    linked = pl.concat([p.surveys for p in parts]).filter(pl.col("ticket_id").is_not_null())
    assert set(linked["ticket_id"]) <= set(pl.concat([p.tickets for p in parts])["ticket_id"])
    assert all(p.tickets["created_at"].min() < datetime(2025, 11, 30) for p in parts)
    store = Store(tmp_path / "parts.duckdb")
    store.ensure()
    made = demo.write_parts(store, demo.generate_parts(2500, seed=3, end=end), "demo: parts")
    assert made.tickets == store.ticket_count() == 2500 and store.is_demo()


def test_an_interrupted_demo_is_unfinished_and_made_again(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Parts are committed one by one (memory stays one part's): a demo cut off after its
    first part says so, and `demo --if-missing` does not take it for a finished store."""
    monkeypatch.setattr(demo, "PART_TICKETS", 1000)
    store = Store(tmp_path / "cut.duckdb")
    store.ensure()

    def cut_off() -> Iterator[demo.DemoFrames]:
        parts = demo.generate_parts(2500, seed=3, end=date(2026, 11, 23))
        yield next(parts)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        demo.write_parts(store, cut_off(), "demo: cut")
    assert store.ticket_count() == 834 and demo.unfinished_demo(store)
    assert main(["demo", "--if-missing", "--tickets", "2500", "--store", str(store.path)]) == 0
    assert store.ticket_count() == 2500 and not demo.unfinished_demo(store)
    assert main(["demo", "--if-missing", "--tickets", "100", "--store", str(store.path)]) == 0
    assert store.ticket_count() == 2500  # finished: left alone


def test_demo_calls_open_its_phone_tickets_and_tell_a_staffing_story(demo_store: Store) -> None:
    """Every phone ticket was opened by an answered call carrying its ticket_id, answered
    when the ticket was created; callers who gave up come on top."""
    with demo_store.reader() as con:
        phone, answered, joined, abandoned_with_ticket = con.execute(
            "SELECT (SELECT count(*) FROM tickets WHERE channel = 'phone'),"
            " (SELECT count(*) FROM calls WHERE outcome = 'answered'),"
            " (SELECT count(*) FROM calls c JOIN tickets t USING (ticket_id)"
            "  WHERE t.channel = 'phone' AND c.answered_at = t.created_at),"
            " (SELECT count(*) FROM calls WHERE outcome = 'abandoned'"
            "  AND ticket_id IS NOT NULL)").fetchone()
    assert phone == answered == joined > 0 and abandoned_with_ticket == 0


def test_demo_evening_shift_is_short_staffed(tmp_path: Path) -> None:
    """The staffing view's story on a default-sized demo: the three-agent evening shift
    (18:00-22:00) runs short of what Erlang C needs; the daytime hotline does not."""
    from metrics.views import calls

    store = Store(tmp_path / "demo.duckdb")
    store.ensure()
    demo.write(store, demo.generate(200_000, seed=7, end=END), "test")
    scope = store.scope(Filters(date_from=date(2026, 1, 1), date_to=END))
    rows = calls.staffing(store, scope)
    evening = rows.filter(pl.col("slot").is_between(36, 43))  # 18:00-22:00
    daytime = rows.filter(pl.col("slot").is_between(18, 22))  # 09:00-11:30
    assert evening["short"].mean() > 0.5 > daytime["short"].mean()  # type: ignore[operator]
