"""The canonical vocabularies of the store: codes stored, with their zh / en words."""

from __future__ import annotations

from typing import Final

# code -> (zh, en). Codes are what the store holds; the words are what users read.
Vocabulary = dict[str, tuple[str, str]]

CHANNELS: Final[Vocabulary] = {
    "phone": ("电话", "Phone"),
    "chat": ("在线", "Chat"),
    "email": ("邮件", "Email"),
    "social": ("社交媒体", "Social"),
    "walk_in": ("现场", "Walk-in"),
}

REQUEST_TYPES: Final[Vocabulary] = {
    "inquiry": ("咨询", "Inquiry"),
    "complaint": ("投诉", "Complaint"),
    "repair": ("报修", "Repair"),
    "suggestion": ("建议", "Suggestion"),
    "other": ("其他", "Other"),
}

STATUSES: Final[Vocabulary] = {
    "open": ("待处理", "Open"),
    "pending": ("处理中", "Pending"),
    "resolved": ("已解决", "Resolved"),
    "closed": ("已关闭", "Closed"),
}

PRIORITIES: Final[Vocabulary] = {
    "urgent": ("紧急", "Urgent"),
    "high": ("高", "High"),
    "medium": ("中", "Medium"),
    "low": ("低", "Low"),
}

CATEGORIES: Final[Vocabulary] = {
    "product_quality": ("产品质量", "Product quality"),
    "service_attitude": ("服务态度", "Service attitude"),
    "process": ("操作流程", "Process"),
    "information": ("信息不透明", "Information transparency"),
    "delivery": ("物流配送", "Delivery"),
    "price": ("价格费用", "Price & fees"),
    "after_sales": ("售后服务", "After-sales"),
    "other": ("其他", "Other"),
}

VIOLATION_CATEGORIES: Final[Vocabulary] = {
    "language": ("言语不当", "Inappropriate language"),
    "attitude": ("服务态度恶劣", "Bad attitude"),
    "privacy": ("泄露客户信息", "Leaking customer information"),
    "misleading": ("误导客户", "Misleading the customer"),
    "irregular": ("违规操作", "Irregular operation"),
}

SEVERITIES: Final[Vocabulary] = {
    "minor": ("轻微", "Minor"),
    "moderate": ("一般", "Moderate"),
    "severe": ("严重", "Severe"),
}

SURVEY_CHANNELS: Final[Vocabulary] = {
    "phone_callback": ("电话回访", "Phone call-back"),
    "sms": ("短信", "SMS"),
    "email": ("邮件", "Email"),
    "online": ("在线", "Online"),
}

CUSTOMER_LEVELS: Final[Vocabulary] = {
    "vip": ("VIP", "VIP"),
    "regular": ("普通", "Regular"),
}

SCORE_WORDS: Final[Vocabulary] = {
    "5": ("非常满意", "Very satisfied"),
    "4": ("满意", "Satisfied"),
    "3": ("一般", "Neutral"),
    "2": ("不满意", "Dissatisfied"),
    "1": ("很不满意", "Very dissatisfied"),
    "dont_know": ("不知道", "Don't know"),
}

DIMENSIONS: Final[Vocabulary] = {
    "product": ("产品", "Product"),
    "attitude": ("服务态度", "Attitude"),
    "speed": ("响应速度", "Speed"),
    "competence": ("专业能力", "Competence"),
    "after_sales": ("售后", "After-sales"),
}

# ISO weekday 1..7 -> short name, for heat maps, schedules and the CLI.
WEEKDAYS: Final[dict[str, tuple[str, ...]]] = {
    "zh": ("周一", "周二", "周三", "周四", "周五", "周六", "周日"),
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
}

VOCABULARIES: Final[dict[str, Vocabulary]] = {
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
}


def label(vocabulary: str, code: str | None, lang: str) -> str:
    """The word for a stored code in the UI language; unknown codes (site-added) show as is."""
    if code is None:
        return "—"
    words = VOCABULARIES.get(vocabulary, {}).get(code)
    if words is None:
        return code
    return words[0] if lang == "zh" else words[1]
