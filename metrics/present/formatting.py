"""One number format across the app: percent with one decimal, durations as "3 h 20 min"."""

from __future__ import annotations

import re

from metrics.core.catalog import Metric
from metrics.core.filters import Filters
from metrics.core.settings import Settings
from metrics.present.words import pick, t, weekday


def duration(seconds: float | None, lang: str) -> str:
    """A duration as people say it: 45 s, 12 min 5 s, 3 h 20 min, 2 d 3 h (zh: 3小时20分)."""
    if seconds is None:
        return "—"
    sign = "-" if seconds < 0 else ""
    s = abs(round(seconds))
    zh = lang == "zh"
    if s < 60:
        return f"{sign}{s}{'秒' if zh else ' s'}"
    minutes, sec = divmod(s, 60)
    if minutes < 60:
        if zh:
            return f"{sign}{minutes}分{sec}秒" if sec else f"{sign}{minutes}分钟"
        return f"{sign}{minutes} min {sec} s" if sec else f"{sign}{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        if zh:
            return f"{sign}{hours}小时{minutes}分" if minutes else f"{sign}{hours}小时"
        return f"{sign}{hours} h {minutes} min" if minutes else f"{sign}{hours} h"
    days, hours = divmod(hours, 24)
    if zh:
        return f"{sign}{days}天{hours}小时" if hours else f"{sign}{days}天"
    return f"{sign}{days} d {hours} h" if hours else f"{sign}{days} d"


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def value(metric: Metric, number: float | None, lang: str) -> str:
    """A metric value in its unit, for cards, tables and exports."""
    if number is None:
        return "—"
    if metric.unit == "fraction":
        return percent(number)
    if metric.unit == "seconds":
        return duration(number, lang)
    if metric.unit == "count":
        return f"{round(number):,}"
    if metric.unit == "score":
        return f"{number:.2f}"
    if metric.unit == "nps":
        return f"{number:+.1f}"
    return f"{number:.1f}"


def change(metric: Metric, current: float | None, previous: float | None, lang: str) -> str | None:
    """The change against the previous period: points for rates, relative % otherwise."""
    if current is None or previous is None:
        return None
    if metric.unit == "fraction":
        pp = round((current - previous) * 100, 1) or 0.0  # no "-0.0"
        return f"{pp:+.1f}{'个百分点' if lang == 'zh' else ' pp'}"
    if metric.unit in ("nps", "points"):
        return f"{round(current - previous, 1) or 0.0:+.1f}"
    if previous == 0:
        return None if current == 0 else ("新增" if lang == "zh" else "new")
    return f"{round((current - previous) / abs(previous) * 100, 1) or 0.0:+.1f}%"


def target(metric: Metric, goal: float | None, lang: str) -> str:
    """A target as a condition: "≥ 95.0%", "≤ 20 s", "= 0"."""
    if goal is None:
        return "—"
    sign = "≥" if metric.higher_is_better else "≤"
    return f"{sign} {value(metric, goal, lang)}"



_DURATION_UNITS: dict[str, int] = {
    "天": 86400, "小时": 3600, "分钟": 60, "分": 60, "秒": 1,
    "d": 86400, "h": 3600, "min": 60, "s": 1,
}
_DURATION = re.compile(r"^-?(\d+\s*(天|小时|分钟|分|秒|d|h|min|s)\s*)+$")
_PART = re.compile(r"(\d+)\s*(天|小时|分钟|分|秒|d|h|min|s)")


def parse_duration(text: str) -> float | None:
    """The seconds `duration()` wrote ("3小时20分", "3 h 20 min"); None if it is not one."""
    text = text.strip()
    if not _DURATION.match(text):
        return None
    seconds = sum(int(n) * _DURATION_UNITS[u] for n, u in _PART.findall(text))
    return -float(seconds) if text.startswith("-") else float(seconds)


def clock_word(filters: Filters, lang: str) -> str:
    """The short clock note under a page's title and an export's: 时长按工作时间计 / …"""
    return t("clock_business" if filters.business_hours else "clock_calendar", lang)


def clock_line(filters: Filters, settings: Settings, lang: str) -> str:
    """Which clock the durations used, with the weekly hours and holiday rule when it is
    business hours: the CLI's header and stderr line."""
    if not filters.business_hours:
        return t("cli_clock_calendar", lang)
    hours = pick(("，", ", "), lang).join(
        f"{weekday(d, lang)} {h}" for d, h in sorted(settings.business_hours.weekly.items()))
    rule = t("cli_holidays_cn" if settings.business_hours.holidays == "cn"
             else "cli_holidays_none", lang)
    return t("cli_clock_business", lang, hours=hours or t("cli_closed", lang), rule=rule)


# Every ASCII punctuation character: CommonMark lets a backslash make each one literal.
_MARKUP = re.compile(r"([!-/:-@\[-`{-~])")
# Streamlit's frontend turns `:smile:`, `:material_x:` and `:streamlit:` into pictures,
# `http://…`, `www.…` and `a@b.c` into links and `-> <- <-> -- >= <= ~=` into arrows after
# parsing, in the text itself, where a backslash no longer counts. An invisible word joiner
# (U+2060) breaks those patterns instead (a shortcode may also end in the text that follows:
# "a:smile" + ": 3 records").
_BREAKS = re.compile(
    r"(?<=:)(?=[A-Za-z0-9_+-]+(?::|$))"  # shortcodes
    r"|(?<=:)(?=//)|(?<=[Ww]{3})(?=\.)|(?<=@)(?=[\w-])"  # autolinks
    r"|(?<=[<>~-])(?=[>=-])"  # arrows
)
_JOINER = "\u2060"


def plain(text: str) -> str:
    """`text` (a name, comment, file name: anything from data or people) as Streamlit
    Markdown shows it literally, on one line: no links, images, HTML, KaTeX, colours, icons,
    emoji or emphasis (invisible word joiners break what escapes cannot). For st.markdown,
    captions, headings, widget labels, tabs, alerts and help."""
    flat = " ".join(text.split())
    return _MARKUP.sub(r"\\\1", _BREAKS.sub(_JOINER, flat))


def code(text: str) -> str:
    """`text` as an inline code span that shows it literally, whatever backticks it holds."""
    flat = " ".join(text.split())
    fence = "`" * (max(map(len, re.findall("`+", flat)), default=0) + 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") else ""
    return f"{fence}{pad}{flat}{pad}{fence}"



def slot_label(slot: int) -> str:
    """A half hour of the day, 0-47, as its start: 00:00 .. 23:30."""
    return f"{slot // 2:02d}:{30 * (slot % 2):02d}"


def compared_words(filters: Filters, lang: str) -> str:
    """How and with which dates the period is compared: 环比 2026-10-01 – 2026-10-31."""
    prev = filters.previous()
    return f"{t(f'vs_{filters.comparison}', lang)} {prev.date_from} – {prev.date_to}"
