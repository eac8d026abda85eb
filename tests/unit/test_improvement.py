"""Improvement actions (PDCA): kept beside the store, validated, edited and closed; the
numbers' proposals."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from pydantic import ValidationError

from metrics.core.errors import UsageError
from metrics.core.filters import Filters
from metrics.engine import improvement
from metrics.engine.improvement import Plan
from metrics.engine.store import Store, StoreError
from metrics.views import improvement as pdca
from metrics.views import scorecards
from tests.app.conftest import copy_store

OCTOBER = (date(2026, 10, 1), date(2026, 10, 31))


def plan(**changes: object) -> Plan:
    fields: dict[str, object] = {"what": "回访培训", "owner": "李组长", "due": date(2026, 11, 30),
                                 "metric_id": "fcr_rate", "baseline_from": OCTOBER[0],
                                 "baseline_to": OCTOBER[1]}
    return Plan(**{**fields, **changes})  # type: ignore[arg-type]


@pytest.mark.parametrize(("changes", "why"), [
    ({"what": "  "}, "what"), ({"owner": ""}, "owner"), ({"metric_id": "nope"}, "nope"),
    ({"baseline_from": date(2026, 11, 1)}, "starts after"), ({"what": "x" * 501}, "what"),
])
def test_a_bad_plan_is_refused_in_words(changes: dict[str, object], why: str) -> None:
    with pytest.raises(ValidationError, match=why):
        plan(**changes)


def test_actions_live_beside_the_store_and_leave_its_token(tmp_path: Path,
                                                           demo_store: Store) -> None:
    store = copy_store(demo_store, tmp_path / "s.duckdb")
    token = store.version_token()
    assert improvement.listing(store) == []  # reading creates nothing
    first = improvement.add(store, plan(), by="王经理", at=datetime(2026, 11, 2, 9))
    second = improvement.add(store, plan(what="夜班排班", metric_id=None), by="王经理",
                             at=datetime(2026, 11, 2, 10))
    assert store.version_token() == token  # cached numbers stay valid
    assert improvement.path(store).exists()
    improvement.edit(store, second, plan(what="夜班排班（增2人）", due=date(2026, 11, 15),
                                         metric_id="service_level_rate"))
    improvement.close(store, first, result="一次解决率 +2 个百分点", by="王经理",
                      at=datetime(2026, 12, 1, 9))
    listed = improvement.listing(store)
    assert [(a.id, a.status) for a in listed] == [(second, "open"), (first, "closed")]
    assert listed[0].what == "夜班排班（增2人）" and listed[0].metric_id == "service_level_rate"
    assert listed[1].closed_by == "王经理" and listed[1].result == "一次解决率 +2 个百分点"
    with pytest.raises(UsageError, match="1 to 1,000"):
        improvement.close(store, second, result=" ", by="x")
    with pytest.raises(UsageError, match="#999"):
        improvement.close(store, 999, result="done", by="x")


def test_tracked_actions_carry_before_and_after(tmp_path: Path, demo_store: Store) -> None:
    store = copy_store(demo_store, tmp_path / "s.duckdb")
    improvement.add(store, plan(), by="m", at=datetime(2026, 11, 2, 9))
    scope = store.scope(Filters(date_from=date(2026, 11, 1), date_to=date(2026, 11, 23)))
    [row] = pdca.tracked(store, scope)
    assert row.before is not None and row.after is not None
    same = pdca.tracked(store, store.scope(Filters(date_from=OCTOBER[0], date_to=OCTOBER[1])))
    assert same[0].after is None  # the baseline period itself has no "after"


def test_proposals_are_process_misses_and_signals(demo_store: Store) -> None:
    scope = demo_store.scope(Filters(date_from=date(2026, 6, 1), date_to=date(2026, 11, 22)),
                             grain="week")
    board = scorecards.scorecard(demo_store, scope, "agent")
    found = pdca.proposals(demo_store, scope, board)
    kinds = {(p.kind, p.metric_id) for p in found}
    assert ("process", "csat") in kinds  # the centre-wide CSAT miss, once
    assert ("signal", "tickets") in kinds  # the Double 11 weeks
    signal = next(p for p in found if p.kind == "signal" and p.metric_id == "tickets")
    assert date(2026, 11, 9) in signal.buckets


def test_an_empty_actions_file_holds_no_actions_and_is_started_again(
        tmp_path: Path, demo_store: Store) -> None:
    store = copy_store(demo_store, tmp_path / "s.duckdb")
    improvement.path(store).write_bytes(b"")
    assert improvement.listing(store) == []
    assert improvement.add(store, plan(), by="m") == 1
    improvement.path(store).write_bytes(b"not a database at all" * 100)
    with pytest.raises(StoreError, match="damaged"):
        improvement.listing(store)


def test_a_role_without_the_actions_page_gets_no_actions_in_its_pack(
        tmp_path: Path, demo_store: Store) -> None:
    from metrics.core.access import Access
    from metrics.report import pack as review

    store = copy_store(demo_store, tmp_path / "s.duckdb")
    improvement.add(store, plan(what="涉及个人的辅导安排"), by="m", at=datetime(2026, 11, 2, 9))
    november = Filters(date_from=date(2026, 11, 1), date_to=date(2026, 11, 23))
    lead = Access(user="组长", role="team_lead", teams=("热线一组",))
    built = review.build(store, store.scope(november, access=lead), "zh")
    assert not [tb for tb in built.tables if tb.slug == "pdca"]
    manager = Access(user="经理", role="manager")
    built = review.build(store, store.scope(november, access=manager), "zh")
    assert [tb for tb in built.tables if tb.slug == "pdca"]
