"""The canonical vocabularies of the store (DOMAIN.md): the codes it holds, no words.

Their zh / en words are in metrics.present.words; a test keeps the two in step.
"""

from __future__ import annotations

from typing import Final

CHANNELS: Final[tuple[str, ...]] = ("phone", "chat", "email", "social", "walk_in")
REQUEST_TYPES: Final[tuple[str, ...]] = ("inquiry", "complaint", "repair", "suggestion", "other")
STATUSES: Final[tuple[str, ...]] = ("open", "pending", "resolved", "closed")
PRIORITIES: Final[tuple[str, ...]] = ("urgent", "high", "medium", "low")
CATEGORIES: Final[tuple[str, ...]] = (
    "product_quality", "service_attitude", "process", "information", "delivery", "price",
    "after_sales", "other",
)
VIOLATION_CATEGORIES: Final[tuple[str, ...]] = (
    "language", "attitude", "privacy", "misleading", "irregular",
)
SEVERITIES: Final[tuple[str, ...]] = ("minor", "moderate", "severe")
SURVEY_CHANNELS: Final[tuple[str, ...]] = ("phone_callback", "sms", "email", "online")
CUSTOMER_LEVELS: Final[tuple[str, ...]] = ("vip", "regular")
SCORE_WORDS: Final[tuple[str, ...]] = ("5", "4", "3", "2", "1", "dont_know")
DIMENSIONS: Final[tuple[str, ...]] = ("product", "attitude", "speed", "competence", "after_sales")
CALL_OUTCOMES: Final[tuple[str, ...]] = ("answered", "abandoned")
CALL_DIRECTIONS: Final[tuple[str, ...]] = ("inbound", "outbound")

VOCABULARIES: Final[dict[str, tuple[str, ...]]] = {
    "channel": CHANNELS,
    "request_type": REQUEST_TYPES,
    "status": STATUSES,
    "priority": PRIORITIES,
    "category": CATEGORIES,
    "violation_category": VIOLATION_CATEGORIES,
    "severity": SEVERITIES,
    "survey_channel": SURVEY_CHANNELS,
    "customer_level": CUSTOMER_LEVELS,
    "score": SCORE_WORDS,
    "dimension": DIMENSIONS,
    "call_outcome": CALL_OUTCOMES,
    "call_direction": CALL_DIRECTIONS,
}
