"""One number format: percent with one decimal, durations as people say them."""

from __future__ import annotations

import pytest

from metrics.core import catalog
from metrics.present import formatting


@pytest.mark.parametrize(
    ("seconds", "zh", "en"),
    [
        (45, "45秒", "45 s"),
        (600, "10分钟", "10 min"),
        (725, "12分5秒", "12 min 5 s"),
        (12_000, "3小时20分", "3 h 20 min"),
        (7200, "2小时", "2 h"),
        (183_600, "2天3小时", "2 d 3 h"),
        (None, "—", "—"),
    ],
)
def test_durations(seconds: float | None, zh: str, en: str) -> None:
    assert formatting.duration(seconds, "zh") == zh
    assert formatting.duration(seconds, "en") == en


def test_values_by_unit() -> None:
    assert formatting.value(catalog.get("csat"), 0.9234, "en") == "92.3%"
    assert formatting.value(catalog.get("tickets"), 28742, "en") == "28,742"
    assert formatting.value(catalog.get("mean_score"), 4.3456, "en") == "4.35"
    assert formatting.value(catalog.get("nps"), 39.25, "en") == "+39.2"
    assert formatting.value(catalog.get("csat"), None, "zh") == "—"


def test_change_is_in_points_for_rates_and_relative_otherwise() -> None:
    assert formatting.change(catalog.get("csat"), 0.92, 0.90, "en") == "+2.0 pp"
    assert formatting.change(catalog.get("csat"), 0.92, 0.90, "zh") == "+2.0个百分点"
    assert formatting.change(catalog.get("tickets"), 110, 100, "en") == "+10.0%"
    assert formatting.change(catalog.get("tickets"), 5, 0, "en") == "new"
    assert formatting.change(catalog.get("tickets"), 5, None, "en") is None


def test_meets_respects_direction() -> None:
    assert catalog.meets(catalog.get("csat"), 0.96, 0.95) is True
    assert catalog.meets(catalog.get("csat"), 0.94, 0.95) is False
    assert catalog.meets(catalog.get("severe_violations"), 0, 0) is True
    assert catalog.meets(catalog.get("severe_violations"), 2, 0) is False
    assert catalog.meets(catalog.get("tickets"), 10, None) is None
