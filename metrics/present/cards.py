"""A KPI card's words: its target as a condition and the line under the value."""

from __future__ import annotations

from collections.abc import Callable

from metrics.present import formatting
from metrics.present.words import colon, t
from metrics.views.overview import Card


def goal_text(card: Card, lang: str) -> str:
    """A card's target as a condition: ≥ 95.0%, 严重违规项 = 0, 按渠道标准, or —."""
    metric = card.metric
    if metric.target_kind == "channel_standard" and card.target is None:
        return t("channel_target", lang)
    if card.target is None:
        return "—"
    if metric.target_metric:
        return f"{t('severe', lang)} = 0"
    return formatting.target(metric, card.target, lang)


def target_line(card: Card, lang: str, mark: Callable[[bool, str], str] = lambda _ok, w: w) -> str:
    """"Target ≥ 95.0% · met · n = 1,234": the card's target, its status (through `mark`, which
    may colour it), and the sample behind a rate where it matters."""
    m = card.metric
    goal = f"{t('target', lang)}{colon(lang)}{goal_text(card, lang)}"
    if card.target is None:
        return goal if m.target_kind == "channel_standard" else t("no_target", lang)
    status = (t("no_data", lang) if card.on_target is None
              else mark(card.on_target, t("met" if card.on_target else "missed", lang)))
    parts = [goal, status]
    if m.target_metric:
        parts.append(f"{t('severe', lang)} {int(card.target_value or 0)}")
    if m.unit == "fraction" and card.current.denominator is not None:
        parts.append(f"n = {int(card.current.denominator):,}")
    return " · ".join(parts)
