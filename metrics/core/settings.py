"""Site settings kept in the store: time zone, standards, limits, targets, weights, hours."""

from __future__ import annotations

import math
from typing import Final

from pydantic import BaseModel, ConfigDict, Field, field_validator

from metrics.core import catalog
from metrics.core.hours import Schedule

DEFAULT_CHANNEL_STANDARDS_S: Final[dict[str, float]] = {
    "phone": 20.0,
    "chat": 60.0,
    "email": 24 * 3600.0,
    "social": 3600.0,
    "walk_in": 600.0,
}


class Settings(BaseModel):
    """What a site configures; every field has the manuals' default."""

    model_config = ConfigDict(frozen=True)

    timezone: str = "Asia/Shanghai"
    channel_standards_s: dict[str, float] = Field(
        default_factory=lambda: dict(DEFAULT_CHANNEL_STANDARDS_S)
    )
    complaint_limit_s: float = 24 * 3600.0
    # An abandoned call that waited less than this is a short abandon (a wrong number).
    short_abandon_s: float = Field(default=5.0, ge=0, le=600)
    # Metric id -> target, overriding the catalog's default target.
    targets: dict[str, float | None] = Field(default_factory=dict)
    sla_weights: dict[str, float] = Field(
        default_factory=lambda: dict(catalog.DEFAULT_SLA_WEIGHTS)
    )
    business_hours: Schedule = Field(default_factory=Schedule)
    # The agent composite's weights, and the sample an agent needs to be ranked.
    agent_weights: dict[str, float] = Field(
        default_factory=lambda: dict(catalog.DEFAULT_AGENT_WEIGHTS)
    )
    rank_min_tickets: int = Field(default=30, ge=1)
    rank_min_answers: int = Field(default=10, ge=0)
    # Control charts: also call 8 rates in a row on one side of the centre line a signal.
    run_rule: bool = False

    @field_validator("channel_standards_s")
    @classmethod
    def _standards_positive(cls, value: dict[str, float]) -> dict[str, float]:
        for channel, seconds in value.items():
            if seconds <= 0:
                raise ValueError(f"the standard for {channel!r} must be positive, got {seconds}")
        return value

    @field_validator("sla_weights")
    @classmethod
    def _weights_valid(cls, value: dict[str, float]) -> dict[str, float]:
        return validate_weights(value)

    @field_validator("agent_weights")
    @classmethod
    def _agent_weights_valid(cls, value: dict[str, float]) -> dict[str, float]:
        return validate_agent_weights(value)

    @field_validator("targets")
    @classmethod
    def _targets_known(cls, value: dict[str, float | None]) -> dict[str, float | None]:
        for metric_id in value:
            catalog.get(metric_id)
        return value

    def target(self, metric_id: str) -> float | None:
        """The target in force for a metric: the site's override, else the catalog default."""
        if metric_id in self.targets:
            return self.targets[metric_id]
        return catalog.get(metric_id).target

    def channel_standard(self, channel: str) -> float | None:
        return self.channel_standards_s.get(channel)


def validate_weights(weights: dict[str, float]) -> dict[str, float]:
    """Weights over rate metrics: non-negative and summing to 1, else a ValueError saying why."""
    if not weights:
        raise ValueError("choose at least one indicator for the weighted score")
    for metric_id in weights:
        metric = catalog.get(metric_id)
        if metric.unit != "fraction" or metric.kind != "ratio":
            raise ValueError(f"{metric_id!r} is not a rate and cannot be weighted")
        if not metric.higher_is_better:
            raise ValueError(f"{metric_id!r} is better when lower; only rates where higher is "
                             "better can be weighted as attainment")
    return _weights_sum_to_one(weights, "the weights")


def validate_agent_weights(weights: dict[str, float]) -> dict[str, float]:
    """The agent composite's weights: known indicators, non-negative, summing to 1."""
    if not weights:
        raise ValueError("choose at least one indicator for the agent composite")
    for metric_id in weights:
        if metric_id not in catalog.AGENT_WEIGHTABLE:
            raise ValueError(f"{metric_id!r} cannot be weighted in the agent composite; "
                             f"choose from {', '.join(catalog.AGENT_WEIGHTABLE)}")
    return _weights_sum_to_one(weights, "the agent weights")


def _weights_sum_to_one(weights: dict[str, float], what: str) -> dict[str, float]:
    for metric_id, weight in weights.items():
        if not math.isfinite(weight):
            raise ValueError(f"the weight of {metric_id!r} is not a number ({weight})")
        if weight < 0:
            raise ValueError(f"the weight of {metric_id!r} is negative ({weight})")
    total = sum(weights.values())
    if abs(total - 1.0) > 1e-6:
        raise ValueError(f"{what} must sum to 1, they sum to {total:g}")
    return weights
