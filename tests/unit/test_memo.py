"""Remembered charts and rows: equal contents give the remembered result, any change in a
value, a column name, a type or an argument gives a new one."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from metrics.present import charts, tables
from metrics.present.memo import Unreadable, content_key, remembering


def counted() -> tuple[list[int], object]:
    calls: list[int] = []

    @remembering(2)
    def twice(df: pl.DataFrame, factor: float, lang: str = "zh") -> list[float]:
        calls.append(1)
        return [v * factor for v in df["v"].to_list()]

    return calls, twice


def test_equal_contents_are_answered_from_memory() -> None:
    calls, twice = counted()
    a = twice(pl.DataFrame({"v": [1, 2]}), 2.0)  # type: ignore[operator]
    b = twice(pl.DataFrame({"v": [1, 2]}), 2.0)  # another frame, the same content
    assert a == b == [2.0, 4.0]
    assert a is b and len(calls) == 1


@pytest.mark.parametrize("other", [
    (pl.DataFrame({"v": [1, 3]}), 2.0, {}),  # a value
    (pl.DataFrame({"w": [1, 2]}).rename({"w": "v"}).with_columns(pl.col("v").cast(pl.Int32)),
     2.0, {}),  # a type
    (pl.DataFrame({"v": [1, 2]}), 3.0, {}),  # an argument
    (pl.DataFrame({"v": [1, 2]}), 2.0, {"lang": "en"}),  # a keyword
    (pl.DataFrame({"v": [1, 2]}), 2, {}),  # 2 is not 2.0: the type is part of the key
])
def test_any_change_is_computed_again(other: tuple[pl.DataFrame, float, dict[str, str]]) -> None:
    calls, twice = counted()
    twice(pl.DataFrame({"v": [1, 2]}), 2.0)  # type: ignore[operator]
    df, factor, kwargs = other
    twice(df, factor, **kwargs)  # type: ignore[operator]
    assert len(calls) == 2


def test_only_the_last_results_are_kept() -> None:
    calls, twice = counted()
    for v in (1, 2, 3, 1):  # size 2: the first is gone when it comes back
        twice(pl.DataFrame({"v": [v]}), 1.0)  # type: ignore[operator]
    assert len(calls) == 4


def test_unreadable_arguments_are_computed_every_time() -> None:
    with pytest.raises(Unreadable):
        content_key(object())
    seen: list[int] = []

    @remembering(4)
    def f(x: object) -> int:
        seen.append(1)
        return 1

    marker = object()
    f(marker)
    f(marker)
    assert len(seen) == 2


def test_keys_of_nested_values() -> None:
    assert content_key({"a": [1, (2, date(2026, 1, 1))]}) == content_key(
        {"a": [1, (2, date(2026, 1, 1))]})
    assert content_key([1, 2]) != content_key((1, 2))
    assert content_key(True) != content_key(1)


def test_a_chart_comes_back_for_the_same_data_and_not_for_other_data() -> None:
    trend = pl.DataFrame({"bucket": [date(2026, 11, 1), date(2026, 11, 2)],
                          "tickets": [10, 12]})
    first = charts.volume_trend(trend, "zh", "day")
    assert charts.volume_trend(trend.clone(), "zh", "day") is first
    other = charts.volume_trend(trend.with_columns(pl.col("tickets") + 1), "zh", "day")
    assert other is not first
    assert other.to_dict()["datasets"] != first.to_dict()["datasets"]
    assert charts.volume_trend(trend, "en", "day") is not first


def test_remembered_rows_are_not_changed_by_their_readers() -> None:
    items = pl.DataFrame({
        "ts": [date(2026, 11, 2)], "inspection_id": ["Q1"], "ticket_id": ["T1"],
        "agent": ["a"], "team": ["t"], "inspector": ["i"], "qa_score": [80.0],
        "violation_category": ["rude"], "severity": ["severe"],
    }).with_columns(pl.col("ts").cast(pl.Datetime))
    once = tables.qa_items_table(items, "zh")
    again = tables.qa_items_table(items, "zh")  # the remembered rows get no second date column
    assert once.columns == again.columns and once.width == 9
