"""The Settings page's arithmetic, kept out of the page: targets in the units people type."""

from __future__ import annotations

from typing import Final

from pydantic import ValidationError

from metrics.core import catalog
from metrics.core.catalog import Metric
from metrics.core.settings import Settings

# Metrics whose target a site may set: a direction, and not the per-channel standard.
TARGETED: Final[tuple[Metric, ...]] = tuple(
    catalog.get(m.target_metric) if m.target_metric else m
    for m in catalog.METRICS
    if m.public and m.higher_is_better is not None and m.target_kind != "channel_standard"
    and m.kind != "weighted"
)
WEIGHTABLE: Final[tuple[Metric, ...]] = tuple(
    m for m in catalog.METRICS
    if m.public and m.kind == "ratio" and m.unit == "fraction" and m.higher_is_better
)
AGENT_WEIGHTABLE: Final[tuple[Metric, ...]] = tuple(
    catalog.get(m) for m in catalog.AGENT_WEIGHTABLE
)
_SCALE: Final[dict[str, tuple[float, str]]] = {
    # unit -> (factor from stored to typed, unit word)
    "fraction": (100.0, "%"),
    "seconds": (1 / 3600, "h"),
    "count": (1.0, "#"),
    "score": (1.0, "1-5"),
    "points": (1.0, "0-100"),
    "nps": (1.0, "NPS"),
}


def target_widget(metric: Metric, target: float | None) -> tuple[float | None, str]:
    """The target as typed (95.0 for 0.95, hours for seconds) and its unit word."""
    factor, unit = _SCALE[metric.unit]
    return (None if target is None else round(target * factor, 6)), unit


def target_value(metric: Metric, typed: float | None) -> float | None:
    """The stored target for what was typed; empty means no target."""
    if typed is None:
        return None
    return typed / _SCALE[metric.unit][0]


def parse_targets(typed: dict[str, str]) -> dict[str, float | None]:
    """Targets from the form's text: empty is no target; anything else must be a number ≥ 0."""
    targets: dict[str, float | None] = {}
    for metric_id, text in typed.items():
        metric = catalog.get(metric_id)
        text = text.strip().rstrip("%").strip()
        if not text:
            targets[metric_id] = None
            continue
        try:
            number = float(text)
        except ValueError:
            raise ValueError(
                f"{metric.name_zh} / {metric.name_en}: {text!r} is not a number") from None
        if number < 0:
            raise ValueError(f"{metric.name_zh} / {metric.name_en}: a target cannot be negative")
        targets[metric_id] = target_value(metric, number)
    return targets


def build(current: Settings, *, targets: dict[str, float | None], standards: dict[str, float],
          limit_h: float, weekly: dict[int, str], holidays: bool,
          weights: dict[str, float], agent_weights: dict[str, float] | None = None,
          rank_min_tickets: int | None = None, rank_min_answers: int | None = None,
          run_rule: bool | None = None) -> Settings:
    """New settings from the form; pydantic's ValidationError says what is wrong."""
    ranking = {
        "agent_weights": current.agent_weights if agent_weights is None else agent_weights,
        "rank_min_tickets": current.rank_min_tickets if rank_min_tickets is None
        else rank_min_tickets,
        "rank_min_answers": current.rank_min_answers if rank_min_answers is None
        else rank_min_answers,
        "run_rule": current.run_rule if run_rule is None else run_rule,
    }
    return Settings.model_validate({
        **current.model_dump(),
        **ranking,
        "targets": {**current.targets, **targets},
        "channel_standards_s": standards,
        "complaint_limit_s": limit_h * 3600,
        "business_hours": {"weekly": weekly, "holidays": "cn" if holidays else "none"},
        "sla_weights": weights,
    })


def problems(error: ValidationError) -> list[str]:
    """One readable line per problem: where, then why."""
    lines = []
    for item in error.errors():
        where = ".".join(str(p) for p in item["loc"])
        why = str(item["msg"]).removeprefix("Value error, ")
        lines.append(f"{where}: {why}" if where else why)
    return lines
