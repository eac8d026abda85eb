"""Realistic synthetic extracts for a demo store, deterministic for a seed and an end date.

About 13 months up to the end date: channel mix, weekday and hour-of-day seasonality,
the November satisfaction campaign, ~30 agents in 5 teams with distinct profiles, a Pareto
of complaint categories, ~35% survey response, CSAT near 90% with some "don't know",
reopened tickets and an unresolved backlog. Vectorised with numpy: 1M tickets in seconds.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Final

import numpy as np
import polars as pl

from metrics.core.errors import UsageError
from metrics.engine.store import DATA_TABLES, Store

SECONDS_PER_DAY: Final[int] = 86_400


@dataclass(frozen=True)
class AgentProfile:
    """How one agent works: multipliers on speed, reopen, CSAT and violations."""

    name: str
    team: str
    capacity: float = 1.0  # share of the team's tickets
    speed: float = 1.0  # >1 is slower
    reopen: float = 1.0
    csat_shift: float = 0.0  # added to the probability of a 4-5 score
    violations: float = 1.0
    qa_shift: float = 0.0


TEAMS: Final[dict[str, tuple[str, ...]]] = {
    "热线一组": ("phone",),
    "热线二组": ("phone",),
    "在线服务组": ("chat", "social"),
    "邮件工单组": ("email",),
    "门店服务组": ("walk_in",),
}

AGENTS: Final[tuple[AgentProfile, ...]] = (
    AgentProfile("王芳", "热线一组", qa_shift=3),
    AgentProfile("李明", "热线一组", speed=0.5, reopen=3.0, csat_shift=-0.10, qa_shift=-6),
    AgentProfile("张伟", "热线一组"),
    AgentProfile("刘洋", "热线一组", speed=1.1),
    AgentProfile("陈静", "热线一组", speed=1.9, reopen=0.5, csat_shift=0.07, qa_shift=5),
    AgentProfile("杨帆", "热线一组", capacity=0.8),
    AgentProfile("赵磊", "热线一组", violations=12.0, csat_shift=-0.06, qa_shift=-8),
    AgentProfile("黄丽", "热线二组", speed=0.9),
    AgentProfile("周杰", "热线二组", speed=1.2, csat_shift=0.02),
    AgentProfile("吴敏", "热线二组"),
    AgentProfile("徐婷", "热线二组", reopen=1.4),
    AgentProfile("孙浩", "热线二组", capacity=1.2, speed=0.8),
    AgentProfile("马超", "热线二组", csat_shift=-0.03),
    AgentProfile("朱琳", "热线二组", capacity=0.05),  # new hire: too few tickets to rank
    AgentProfile("胡军", "在线服务组", speed=0.7),
    AgentProfile("郭佳", "在线服务组", csat_shift=0.03),
    AgentProfile("何琪", "在线服务组", speed=1.3, reopen=0.7),
    AgentProfile("高翔", "在线服务组"),
    AgentProfile("林晓", "在线服务组", capacity=1.3, speed=0.6, reopen=2.2, csat_shift=-0.05),
    AgentProfile("罗娜", "在线服务组", violations=3.0),
    AgentProfile("郑宇", "在线服务组"),
    AgentProfile("梁燕", "邮件工单组", speed=1.2),
    AgentProfile("宋雪", "邮件工单组", csat_shift=0.04),
    AgentProfile("谢鹏", "邮件工单组", speed=0.8),
    AgentProfile("韩冰", "邮件工单组", reopen=1.5),
    AgentProfile("唐磊", "门店服务组", speed=1.1),
    AgentProfile("冯雨", "门店服务组", csat_shift=0.05),
    AgentProfile("邓超", "门店服务组"),
    AgentProfile("曹颖", "门店服务组", speed=1.4, csat_shift=0.03),
    AgentProfile("彭博", "门店服务组", violations=2.5),
)

CHANNELS: Final[tuple[str, ...]] = ("phone", "chat", "email", "social", "walk_in")
CHANNEL_SHARE: Final[tuple[float, ...]] = (0.42, 0.30, 0.11, 0.09, 0.08)
# Median first response relative to the channel standard, and its spread (log-normal sigma).
RESPONSE_MEDIAN_S: Final[tuple[float, ...]] = (12.0, 38.0, 5 * 3600.0, 28 * 60.0, 4 * 60.0)
RESPONSE_SIGMA: Final[tuple[float, ...]] = (0.65, 0.6, 1.1, 0.8, 0.7)
REQUEST_TYPES: Final[tuple[str, ...]] = ("inquiry", "complaint", "repair", "suggestion", "other")
REQUEST_SHARE: Final[tuple[float, ...]] = (0.52, 0.12, 0.27, 0.05, 0.04)
RESOLUTION_MEDIAN_H: Final[tuple[float, ...]] = (0.4, 13.0, 30.0, 48.0, 3.0)
CATEGORIES: Final[tuple[str, ...]] = (
    "product_quality", "service_attitude", "delivery", "process",
    "price", "after_sales", "information", "other",
)
CATEGORY_SHARE: Final[tuple[float, ...]] = (0.34, 0.21, 0.15, 0.11, 0.08, 0.05, 0.04, 0.02)
PRIORITIES: Final[tuple[str, ...]] = ("urgent", "high", "medium", "low")
PRIORITY_SHARE: Final[tuple[float, ...]] = (0.04, 0.16, 0.50, 0.30)
PRODUCTS: Final[tuple[str, ...]] = ("智能手机", "平板电脑", "智能家居", "可穿戴设备", "配件")
PRODUCT_SHARE: Final[tuple[float, ...]] = (0.38, 0.16, 0.22, 0.14, 0.10)
# Hour-of-day volume by channel (24 weights each).
_OFFICE = (0, 0, 0, 0, 0, 0, 0, 0.2, 1.0, 1.6, 1.8, 1.6, 1.0, 1.2, 1.6, 1.7, 1.5, 1.2, 0.8,
           0.6, 0.5, 0.3, 0, 0)
_ALL_DAY = (0.15, 0.1, 0.05, 0.05, 0.05, 0.1, 0.2, 0.5, 0.9, 1.3, 1.5, 1.4, 1.1, 1.2, 1.4, 1.5,
            1.4, 1.2, 1.1, 1.2, 1.3, 1.1, 0.7, 0.35)
_STORE = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0.8, 1.4, 1.5, 1.1, 1.2, 1.5, 1.5, 1.3, 1.0, 0.5, 0, 0, 0,
          0, 0)
HOURS: Final[tuple[tuple[float, ...], ...]] = (_OFFICE, _ALL_DAY, _ALL_DAY, _ALL_DAY, _STORE)
WEEKDAY_WEIGHT: Final[tuple[float, ...]] = (1.08, 1.03, 1.0, 0.98, 0.95, 0.62, 0.52)

SURNAMES: Final[str] = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN: Final[str] = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍鹏辉建红文斌宇浩凯健俊帆雪琳晨欣怡婷颖倩雅思佳梦晓宁波涛亮成龙飞鑫"
)
INSPECTORS: Final[tuple[str, ...]] = ("质检-孔蕾", "质检-方舟", "质检-白露", "质检-秦川")
VIOLATION_CATEGORIES: Final[tuple[str, ...]] = (
    "attitude", "misleading", "irregular", "language", "privacy",
)
VIOLATION_SHARE: Final[tuple[float, ...]] = (0.35, 0.25, 0.20, 0.12, 0.08)
SEVERITIES: Final[tuple[str, ...]] = ("minor", "moderate", "severe")
SURVEY_CHANNELS: Final[tuple[str, ...]] = ("sms", "online", "email", "phone_callback")
SURVEY_CHANNEL_SHARE: Final[tuple[float, ...]] = (0.45, 0.30, 0.15, 0.10)
SURVEY_RESPONSE: Final[tuple[float, ...]] = (0.27, 0.45, 0.16, 0.62)
DIMENSIONS: Final[tuple[str, ...]] = ("attitude", "speed", "competence", "product")

COMMENTS_GOOD: Final[tuple[str, ...]] = (
    "客服态度很好，耐心解答", "处理速度快，问题一次就解决了", "服务专业，讲解清楚",
    "回复及时，非常满意", "工作人员很热情，点赞", "问题解决得很彻底，谢谢",
    "售后服务周到，下次还会选择", "客服很有耐心，态度亲切",
)
COMMENTS_MID: Final[tuple[str, ...]] = (
    "问题解决了，但等待时间有点长", "流程有点复杂，希望简化", "电话排队时间较长",
    "回复还算及时，但解释不够清楚", "整体还可以，物流有点慢",
)
COMMENTS_BAD: Final[tuple[str, ...]] = (
    "等待时间太长，电话一直打不通", "问题反复出现，一直没有解决", "客服态度冷淡，敷衍了事",
    "承诺的回电没有兑现", "物流太慢，包装破损", "退款流程太复杂，拖了很久",
    "答复前后不一致，误导消费者", "产品质量差，维修多次还是坏",
)


@dataclass(frozen=True)
class DemoFrames:
    """The canonical tables of a demo store."""

    tickets: pl.DataFrame
    surveys: pl.DataFrame
    dimension_scores: pl.DataFrame
    inspections: pl.DataFrame
    violations: pl.DataFrame
    calls: pl.DataFrame


@dataclass(frozen=True)
class DemoCounts:
    """Rows written per table by a demo made in parts."""

    tickets: int = 0
    surveys: int = 0
    inspections: int = 0
    violations: int = 0
    calls: int = 0

    def plus(self, frames: DemoFrames) -> DemoCounts:
        return DemoCounts(self.tickets + frames.tickets.height,
                          self.surveys + frames.surveys.height,
                          self.inspections + frames.inspections.height,
                          self.violations + frames.violations.height,
                          self.calls + frames.calls.height)


def _pick(rng: np.random.Generator, n: int, shares: tuple[float, ...]) -> np.ndarray:
    p = np.asarray(shares, dtype=float)
    return rng.choice(len(p), size=n, p=p / p.sum())


def _day_weights(start: date, days: int) -> np.ndarray:
    weights = np.empty(days)
    for i in range(days):
        day = start + timedelta(days=i)
        w = WEEKDAY_WEIGHT[day.weekday()] * (0.85 + 0.25 * i / max(days - 1, 1))
        if day.month == 11 and 11 <= day.day <= 20:  # after the Double 11 sales
            w *= 1.45
        if day.month == 2 and day.day <= 12:  # the Spring Festival lull
            w *= 0.6
        weights[i] = w
    return weights / weights.sum()


def _ts(epoch_s: np.ndarray, name: str) -> pl.Series:
    values = pl.Series(name, np.floor(epoch_s)).fill_nan(None).cast(pl.Int64)
    return (values * 1_000_000).cast(pl.Datetime("us")).alias(name)


def _names(rng: np.random.Generator, n: int) -> pl.Series:
    surnames = np.array(list(SURNAMES))[rng.integers(0, len(SURNAMES), n)]
    first = np.array(list(GIVEN))[rng.integers(0, len(GIVEN), n)]
    second = np.array(list(GIVEN))[rng.integers(0, len(GIVEN), n)]
    two = rng.random(n) < 0.6
    given = np.where(two, np.char.add(first, second), first)
    return pl.Series(np.char.add(surnames, given))


def _epoch_s(moment: datetime) -> float:
    """Seconds from 1970-01-01 to a naive local datetime (the demo's time axis)."""
    return (moment - datetime(1970, 1, 1)).total_seconds()


def _arrivals(rng: np.random.Generator, n: int, start: date, days: int,
              as_of_s: float) -> tuple[np.ndarray, np.ndarray]:
    """(channel index, created epoch s) of the tickets created by `as_of_s`, oldest first.

    The day follows the weekday and season weights, the hour the channel's profile.
    """
    start_s = _epoch_s(datetime.combine(start, datetime.min.time()))
    channel = _pick(rng, n, CHANNEL_SHARE)
    day = rng.choice(days, size=n, p=_day_weights(start, days))
    hour = np.empty(n, dtype=np.int64)
    for c, profile in enumerate(HOURS):
        mask = channel == c
        hour[mask] = _pick(rng, int(mask.sum()), profile)
    created = start_s + day * SECONDS_PER_DAY + hour * 3600 + rng.integers(0, 3600, n)
    keep = created <= as_of_s
    order = np.argsort(created[keep], kind="stable")
    return channel[keep][order], created[keep][order]


def _assign_agents(rng: np.random.Generator, channel: np.ndarray) -> np.ndarray:
    """Each ticket's index into AGENTS: a member of a team serving its channel, by capacity."""
    agent_idx = np.empty(len(channel), dtype=np.int64)
    for c, code in enumerate(CHANNELS):
        members = [i for i, a in enumerate(AGENTS) if code in TEAMS[a.team]]
        weights = np.array([AGENTS[i].capacity for i in members])
        mask = channel == c
        agent_idx[mask] = np.array(members)[_pick(rng, int(mask.sum()), tuple(weights))]
    return agent_idx


# The hotline's evening shift (18:00-22:00) is three agents, and half the hotline is at lunch
# from 12:00 to 13:00: the staffing view's short intervals.
EVENING_SHIFT: Final[tuple[str, ...]] = ("张伟", "吴敏", "马超")
LUNCH_SHIFT: Final[tuple[str, ...]] = ("王芳", "刘洋", "杨帆", "黄丽", "周杰", "孙浩")


def _shifts(rng: np.random.Generator, agent_idx: np.ndarray,
            answered: np.ndarray) -> np.ndarray:
    """Who answered each call: the ticket's handler, except in the evening and the lunch
    hour, when only the agents on shift answer (they hand the ticket on to its handler)."""
    hour = (np.floor(answered).astype(np.int64) % SECONDS_PER_DAY) // 3600
    out = agent_idx.copy()
    for names, when in ((EVENING_SHIFT, (hour >= 18) & (hour < 22)), (LUNCH_SHIFT, hour == 12)):
        on = np.array([i for i, a in enumerate(AGENTS) if a.name in names])
        out[when] = on[rng.integers(0, len(on), int(when.sum()))]
    return out


def _requests(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(request type, complaint category or -1, priority) indexes; complaints skew urgent."""
    request = _pick(rng, n, REQUEST_SHARE)
    is_complaint = request == 1
    category = np.full(n, -1)
    category[is_complaint] = _pick(rng, int(is_complaint.sum()), CATEGORY_SHARE)
    priority = _pick(rng, n, PRIORITY_SHARE)
    priority[is_complaint & (rng.random(n) < 0.15)] = 0
    return request, category, priority


def _lifecycle(rng: np.random.Generator, channel: np.ndarray, request: np.ndarray,
               speed: np.ndarray, created: np.ndarray,
               as_of_s: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(first response, resolved, closed) epoch s, NaN where it has not happened by `as_of_s`."""
    n = len(created)
    is_complaint = request == 1
    # First response: log-normal around the channel's usual speed, scaled by the agent.
    med = np.array(RESPONSE_MEDIAN_S)[channel] * speed
    frt = med * np.exp(rng.normal(0, 1, n) * np.array(RESPONSE_SIGMA)[channel])
    frt[rng.random(n) < 0.012] = np.nan  # never answered
    first_response = created + frt

    # Resolution: log-normal by request type, slower for urgent-less and for slow agents.
    res_h = np.array(RESOLUTION_MEDIAN_H)[request] * speed
    res_h = np.where((channel == 0) & (request == 0), res_h * 0.3, res_h)
    res = res_h * 3600 * np.exp(rng.normal(0, 1.0, n))
    res = np.maximum(res, np.nan_to_num(frt, nan=0.0) + 30)
    stuck = rng.random(n) < 0.015 + 0.03 * is_complaint
    resolved = np.where(stuck | np.isnan(frt), np.nan, created + res)
    closed = resolved + np.where(
        rng.random(n) < 0.75, 86_400 * np.exp(rng.normal(0.7, 0.6, n)), np.nan
    )
    # Nothing has happened after the as-of time: that makes the open backlog.
    first_response = np.where(first_response > as_of_s, np.nan, first_response)
    resolved = np.where((resolved > as_of_s) | np.isnan(first_response), np.nan, resolved)
    closed = np.where((closed > as_of_s) | np.isnan(resolved), np.nan, closed)
    return first_response, resolved, closed


def _follow_ups(rng: np.random.Generator, request: np.ndarray, reopen_f: np.ndarray,
                resolved: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(reopen count, contacts or -1 when not recorded, escalated) of each ticket."""
    n = len(request)
    is_complaint = request == 1
    reopen = rng.binomial(1, np.clip(0.05 * reopen_f * (1 + 1.5 * is_complaint), 0, 0.9))
    reopen = reopen + (reopen & (rng.random(n) < 0.2))
    reopen = np.where(np.isnan(resolved), 0, reopen)
    contacts = 1 + rng.binomial(3, np.clip(0.05 * reopen_f + 0.06 * (request == 2), 0, 0.9))
    contacts = np.where(rng.random(n) < 0.03, -1, contacts)  # not recorded
    escalated = rng.random(n) < np.where(is_complaint, 0.16, 0.02)
    return reopen, contacts, escalated


def _status(first_response: np.ndarray, resolved: np.ndarray, closed: np.ndarray) -> np.ndarray:
    """Each ticket's status index into (open, pending, resolved, closed) from its times."""
    answered = np.where(~np.isnan(first_response), 1, 0)
    return np.where(~np.isnan(closed), 3, np.where(~np.isnan(resolved), 2, answered))


PART_TICKETS: Final[int] = 1_000_000  # a larger demo is made and written this many at a time


def generate_parts(n_tickets: int, seed: int = 7, end: date | None = None,
                   now: datetime | None = None) -> Iterator[DemoFrames]:
    """The demo in parts of at most PART_TICKETS tickets, each a sample of the whole period
    with its own customers and ids (part 0 is exactly `generate(n, seed)` when n fits in
    one part), so that memory holds one part, not the store."""
    parts = max(1, math.ceil(n_tickets / PART_TICKETS))
    end = end or date.today()  # once: a demo written across midnight keeps one period
    now = now or datetime.combine(end, datetime.max.time()).replace(microsecond=0)
    for part in range(parts):
        size = n_tickets // parts + (1 if part < n_tickets % parts else 0)
        frames = generate(size, seed=seed if part == 0 else (seed, part), end=end, now=now)
        yield frames if part == 0 else _tagged(frames, f"{part:02d}")


def _tagged(frames: DemoFrames, tag: str) -> DemoFrames:
    """A part's ids made its own: T00000001 -> T0100000001 (and C, S, Q likewise)."""
    def ids(df: pl.DataFrame, *columns: str) -> pl.DataFrame:
        return df.with_columns(pl.col(c).str.replace(r"^([TCSQK])", f"${{1}}{tag}")
                               for c in columns)

    return DemoFrames(
        tickets=ids(frames.tickets, "ticket_id", "customer_id"),
        surveys=ids(frames.surveys, "survey_id", "ticket_id", "customer_id"),
        dimension_scores=ids(frames.dimension_scores, "survey_id"),
        inspections=ids(frames.inspections, "inspection_id", "ticket_id"),
        violations=ids(frames.violations, "inspection_id"),
        calls=ids(frames.calls, "call_id", "ticket_id", "customer_id"),
    )


def generate(n_tickets: int, seed: int | tuple[int, int] = 7, end: date | None = None,
             now: datetime | None = None) -> DemoFrames:
    """All demo tables; nothing after `now` (default: the end date's end) has happened yet."""
    rng = np.random.default_rng(seed)
    end = end or date.today()
    start = end - timedelta(days=395)
    as_of = now or datetime.combine(end, datetime.max.time()).replace(microsecond=0)
    as_of_s = _epoch_s(as_of)

    channel, created = _arrivals(rng, n_tickets, start, (end - start).days + 1, as_of_s)
    n = len(created)
    agent_idx = _assign_agents(rng, channel)
    speed = np.array([a.speed for a in AGENTS])[agent_idx]
    reopen_f = np.array([a.reopen for a in AGENTS])[agent_idx]
    request, category, priority = _requests(rng, n)
    is_complaint = request == 1
    first_response, resolved, closed = _lifecycle(rng, channel, request, speed, created, as_of_s)
    reopen, contacts, escalated = _follow_ups(rng, request, reopen_f, resolved)
    status = _status(first_response, resolved, closed)

    n_customers = max(int(n * 0.55), 1)
    customer = rng.integers(0, n_customers, n)
    vip = rng.random(n_customers) < 0.1
    product = _pick(rng, n, PRODUCT_SHARE)
    ticket_ids = pl.int_range(1, n + 1, eager=True).cast(pl.String).str.zfill(8)
    customer_names = _names(rng, n_customers)
    phones = pl.Series(rng.integers(13_000_000_000, 19_999_999_999, n_customers)).cast(pl.String)
    updated = np.fmax(np.fmax(created, np.nan_to_num(first_response, nan=0)),
                      np.fmax(np.nan_to_num(resolved, nan=0), np.nan_to_num(closed, nan=0)))
    cust_idx = pl.Series(customer)
    tickets = pl.DataFrame(
        {
            "ticket_id": ("T" + ticket_ids),
            "created_at": _ts(created, "created_at"),
            "channel": pl.Series(np.array(CHANNELS)[channel]),
            "request_type": pl.Series(np.array(REQUEST_TYPES)[request]),
            "category": pl.Series(np.array((*CATEGORIES, ""))[category]).replace("", None),
            "priority": pl.Series(np.array(PRIORITIES)[priority]),
            "customer_level": pl.Series(np.where(vip[customer], "vip", "regular")),
            "agent": pl.Series(np.array([a.name for a in AGENTS])[agent_idx]),
            "team": pl.Series(np.array([a.team for a in AGENTS])[agent_idx]),
            "first_response_at": _ts(first_response, "first_response_at"),
            "resolved_at": _ts(resolved, "resolved_at"),
            "closed_at": _ts(closed, "closed_at"),
            "status": pl.Series(np.array(("open", "pending", "resolved", "closed"))[status]),
            "reopen_count": pl.Series(reopen.astype(np.int32)),
            "contacts": pl.Series(contacts.astype(np.int32)).replace(-1, None),
            "escalated": pl.Series(escalated),
            "customer_id": "C" + cust_idx.cast(pl.String).str.zfill(7),
            "customer_name": customer_names.gather(cust_idx),
            "customer_phone": phones.gather(cust_idx),
            "product": pl.Series(np.array(PRODUCTS)[product]),
            "updated_at": _ts(updated, "updated_at"),
        }
    )
    surveys, dims = _surveys(rng, tickets, created, resolved, reopen, is_complaint, agent_idx,
                             customer, start, end, as_of_s)
    inspections, violations = _qa(rng, tickets, created, agent_idx, as_of_s)
    calls = _calls(rng, tickets, created, channel, agent_idx, as_of_s)
    return DemoFrames(tickets, surveys, dims, inspections, violations, calls)


def _load(created: np.ndarray) -> np.ndarray:
    """How far the hotline is behind its calls at each moment: 1 in a normal half hour; the
    evening shift (18:00-22:00) is short-staffed, the week after Double 11 (11-20 November)
    swamps everyone, and the lunch hour runs on half the agents."""
    moment = np.floor(created).astype(np.int64).astype("datetime64[s]")
    days = moment.astype("datetime64[D]")
    hour = (moment - days).astype(np.int64) // 3600
    months = days.astype("datetime64[M]")
    month = months.astype(np.int64) % 12 + 1
    day_of_month = (days - months.astype("datetime64[D]")).astype(np.int64) + 1
    load = np.ones(len(created))
    load[(hour >= 18) & (hour < 22)] = 3.5
    load[hour == 12] *= 1.8
    load[(month == 11) & (day_of_month >= 11) & (day_of_month <= 20)] *= 2.5
    return load


def _calls(rng: np.random.Generator, tickets: pl.DataFrame, created: np.ndarray,
           channel: np.ndarray, agent_idx: np.ndarray, as_of_s: float) -> pl.DataFrame:
    """The hotline's call records: every phone ticket was opened by an answered call (answered
    when the ticket was created, carrying its ticket_id; by its handler, or by the agent on
    shift in the evening and at lunch), and callers who gave up came on top, more of them
    where the hotline was behind (`_load`); a few hung up within seconds."""
    phone = np.flatnonzero(channel == 0)
    answered = created[phone]
    answering = _shifts(rng, agent_idx[phone], answered)
    load = _load(answered)
    n = len(phone)
    wait = np.round(rng.exponential(9.0 * load))
    talk = np.round(rng.lognormal(np.log(170), 0.55, n))
    hold = np.where(rng.random(n) < 0.2, np.round(rng.exponential(35, n)), 0.0)
    acw = np.round(20 + rng.exponential(25, n))
    # only the columns a call takes, gathered once (the whole ticket rows were 1M x 21 columns)
    t = tickets.select("ticket_id", "request_type", "customer_level", "customer_id",
                       "customer_phone")[phone]
    queue = np.where(t["request_type"].to_numpy() == "complaint", "complaints",
                     np.where(t["customer_level"].to_numpy() == "vip", "vip", "general"))
    answered_calls = pl.DataFrame({
        "call_id": "K" + t["ticket_id"].str.slice(1),
        "queued_at": _ts(answered - wait, "queued_at"),
        "answered_at": _ts(answered, "answered_at"),
        "ended_at": _ts(np.minimum(answered + talk + hold, as_of_s), "ended_at"),
        "outcome": pl.Series(["answered"] * n, dtype=pl.String),
        "queue": pl.Series(queue),
        "agent": pl.Series(np.array([a.name for a in AGENTS])[answering]),
        "team": pl.Series(np.array([a.team for a in AGENTS])[answering]),
        "wait_s": pl.Series(wait), "talk_s": pl.Series(talk), "hold_s": pl.Series(hold),
        "acw_s": pl.Series(acw),
        "direction": pl.Series(["inbound"] * n, dtype=pl.String),
        "customer_id": t["customer_id"], "customer_phone": t["customer_phone"],
        "ticket_id": t["ticket_id"],
    })
    # Callers who gave up: about 5% of the answered in a normal half hour, more when behind.
    gave_up = rng.random(n) < np.clip(0.05 * load, 0, 0.6)
    m = int(gave_up.sum())
    at = answered[gave_up] + rng.integers(-900, 900, m)
    waited = np.where(rng.random(m) < 0.12, rng.integers(1, 5, m),
                      np.round(rng.exponential(35 * load[gave_up])) + 5).astype(float)
    keep = at + waited <= as_of_s
    at, waited, src = at[keep], waited[keep], np.flatnonzero(gave_up)[keep]
    k = len(at)
    abandoned_calls = pl.DataFrame({
        "call_id": "K" + t["ticket_id"].str.slice(1).gather(src) + "A",
        "queued_at": _ts(at, "queued_at"),
        "answered_at": _ts(np.full(k, np.nan), "answered_at"),
        "ended_at": _ts(at + waited, "ended_at"),
        "outcome": pl.Series(["abandoned"] * k, dtype=pl.String),
        "queue": pl.Series(queue[src]),
        "agent": pl.Series([None] * k, dtype=pl.String),
        "team": pl.Series([None] * k, dtype=pl.String),
        "wait_s": pl.Series(waited), "talk_s": pl.Series([None] * k, dtype=pl.Float64),
        "hold_s": pl.Series([None] * k, dtype=pl.Float64),
        "acw_s": pl.Series([None] * k, dtype=pl.Float64),
        "direction": pl.Series(["inbound"] * k, dtype=pl.String),
        "customer_id": t["customer_id"].gather(src),
        "customer_phone": t["customer_phone"].gather(src),
        "ticket_id": pl.Series([None] * k, dtype=pl.String),
    })
    return pl.concat([answered_calls, abandoned_calls]).sort("queued_at")


def _surveys(rng: np.random.Generator, tickets: pl.DataFrame, created: np.ndarray,
             resolved: np.ndarray, reopen: np.ndarray, is_complaint: np.ndarray,
             agent_idx: np.ndarray, customer: np.ndarray, start: date, end: date,
             as_of_s: float) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(surveys, dimension scores): after-service surveys plus the November campaign's."""
    n = len(created)
    # After-service surveys: ~38% of resolved tickets, a few hours after resolution.
    sent_mask = ~np.isnan(resolved) & (rng.random(n) < 0.38)
    sent = resolved + rng.uniform(0.5, 30, n) * 3600
    sent_mask &= sent <= as_of_s
    idx = np.flatnonzero(sent_mask)
    ticket_ids = tickets["ticket_id"].gather(pl.Series(idx))
    customer_ids = tickets["customer_id"].gather(pl.Series(idx))
    s_sent = sent[idx]
    s_channel = _pick(rng, len(idx), SURVEY_CHANNEL_SHARE)
    slow = np.nan_to_num((resolved[idx] - created[idx]) / 86_400, nan=0.0)
    p_good = (0.935 + np.array([a.csat_shift for a in AGENTS])[agent_idx[idx]]
              - 0.07 * np.minimum(slow / 3, 1) - 0.08 * (reopen[idx] > 0)
              - 0.06 * is_complaint[idx])

    campaign_ids, campaign_sent = _campaign(rng, created, customer, start, end, as_of_s)
    m = len(campaign_ids)
    all_sent = np.concatenate([s_sent, np.array(campaign_sent)])
    all_channel = np.concatenate([s_channel, np.full(m, 3)])
    all_good = np.concatenate([p_good, np.full(m, 0.9)])
    total = len(all_sent)

    responded = rng.random(total) < np.array(SURVEY_RESPONSE)[all_channel]
    responded_at = all_sent + rng.lognormal(np.log(3 * 3600), 1.0, total)
    responded &= responded_at <= as_of_s
    dont_know = responded & (rng.random(total) < 0.035)
    good = rng.random(total) < np.clip(all_good, 0.05, 0.995)
    score = np.where(good, np.where(rng.random(total) < 0.62, 5, 4),
                     _pick(rng, total, (0.5, 0.3, 0.2)) + 1)
    score = np.where(responded & ~dont_know, score, -1)
    nps_given = responded & (rng.random(total) < 0.7)
    nps = np.clip(np.round(score * 2 + rng.normal(-0.3, 1.3, total)), 0, 10)
    nps = np.where(nps_given & (score > 0), nps, -1)
    comment_given = responded & (rng.random(total) < 0.3)
    bucket = np.where(score >= 4, 0, np.where(score == 3, 1, 2))
    texts = [COMMENTS_GOOD, COMMENTS_MID, COMMENTS_BAD]
    choice = rng.integers(0, 1000, total)
    comments = [
        texts[b][c % len(texts[b])] if g else None
        for b, c, g in zip(bucket.tolist(), choice.tolist(), comment_given.tolist(), strict=True)
    ]
    survey_ids = pl.int_range(1, total + 1, eager=True).cast(pl.String).str.zfill(8)
    surveys = pl.DataFrame(
        {
            "survey_id": "S" + survey_ids,
            "sent_at": _ts(all_sent, "sent_at"),
            "ticket_id": pl.concat([ticket_ids, pl.Series([None] * m, dtype=pl.String)]),
            "customer_id": pl.concat([customer_ids, pl.Series(campaign_ids, dtype=pl.String)]),
            "survey_channel": pl.Series(np.array(SURVEY_CHANNELS)[all_channel]),
            "responded_at": _ts(np.where(responded, responded_at, np.nan), "responded_at"),
            "score": pl.Series(score.astype(np.int8)).replace(-1, None),
            "dont_know": pl.Series(dont_know),
            "nps": pl.Series(nps.astype(np.int8)).replace(-1, None),
            "comment": pl.Series(comments, dtype=pl.String),
        }
    )
    return surveys, _dimension_scores(rng, surveys["survey_id"], score)


def _campaign(rng: np.random.Generator, created: np.ndarray, customer: np.ndarray, start: date,
              end: date, as_of_s: float) -> tuple[list[str], list[float]]:
    """(customer id, sent epoch s) of the mid-November campaign's surveys sent by `as_of_s`.

    The annual satisfaction campaign: phone call-backs to customers of the last 90 days.
    """
    n = len(created)
    campaign_ids: list[str] = []
    campaign_sent: list[float] = []
    for year in range(start.year, end.year + 1):
        c_start = datetime(year, 11, 10)
        if not (start <= c_start.date() <= end):
            continue
        c_from = _epoch_s(c_start)
        c_to = c_from + 10 * 86_400
        recent = (created >= c_from - 90 * 86_400) & (created < c_from)
        pool = np.unique(customer[recent])
        size = min(len(pool), int(n * 0.03))
        chosen = rng.choice(pool, size=size, replace=False) if size else np.array([], int)
        times = rng.uniform(c_from, c_to, size) + 9 * 3600
        ok = times <= as_of_s
        campaign_ids.extend(f"C{c:07d}" for c in chosen[ok])
        campaign_sent.extend(times[ok])
    return campaign_ids, campaign_sent


def _dimension_scores(rng: np.random.Generator, survey_ids: pl.Series,
                      score: np.ndarray) -> pl.DataFrame:
    """Dimension scores for ~60% of the scored answers (score > 0), near the overall score."""
    with_dims = np.flatnonzero((score > 0) & (rng.random(len(score)) < 0.6))
    dim_rows = []
    for d, dim in enumerate(DIMENSIONS):
        jitter = rng.integers(-1, 2, len(with_dims)) * (rng.random(len(with_dims)) < 0.35)
        slower = (d == 1) * (rng.random(len(with_dims)) < 0.15)  # speed scores a bit lower
        values = np.clip(score[with_dims] + jitter - slower, 1, 5)
        dim_rows.append(
            pl.DataFrame(
                {
                    "survey_id": survey_ids.gather(pl.Series(with_dims)),
                    "dimension": dim,
                    "score": pl.Series(values.astype(np.int8)),
                }
            )
        )
    return pl.concat(dim_rows)


def _qa(rng: np.random.Generator, tickets: pl.DataFrame, created: np.ndarray,
        agent_idx: np.ndarray, as_of_s: float) -> tuple[pl.DataFrame, pl.DataFrame]:
    n = len(created)
    inspected_at = created + rng.uniform(1, 5, n) * 86_400
    idx = np.flatnonzero((rng.random(n) < 0.025) & (inspected_at <= as_of_s))
    k = len(idx)
    agents = agent_idx[idx]
    viol_f = np.array([a.violations for a in AGENTS])[agents]
    has_violation = rng.random(k) < np.clip(0.035 * viol_f, 0, 0.9)
    items = has_violation.astype(int) + (has_violation & (rng.random(k) < 0.18))
    severe_bias = viol_f > 5
    penalty = np.zeros(k)
    rows: dict[str, list[object]] = {
        "inspection_id": [], "item": [], "category": [], "severity": []
    }
    inspection_ids = [f"Q{i:07d}" for i in range(1, k + 1)]
    for j in np.flatnonzero(items):
        for item in range(1, int(items[j]) + 1):
            cat = VIOLATION_CATEGORIES[_pick(rng, 1, VIOLATION_SHARE)[0]]
            sev_share = (0.35, 0.35, 0.30) if severe_bias[j] else (0.62, 0.3, 0.08)
            sev = int(_pick(rng, 1, sev_share)[0])
            penalty[j] += (8, 16, 35)[sev]
            rows["inspection_id"].append(inspection_ids[j])
            rows["item"].append(item)
            rows["category"].append(cat)
            rows["severity"].append(SEVERITIES[sev])
    base = 88 + np.array([a.qa_shift for a in AGENTS])[agents] + rng.normal(0, 5, k)
    score = np.clip(np.round((base - penalty) * 2) / 2, 20, 100)
    inspections = pl.DataFrame(
        {
            "inspection_id": pl.Series(inspection_ids, dtype=pl.String),
            "agent": pl.Series(np.array([a.name for a in AGENTS])[agents]),
            "inspected_at": _ts(inspected_at[idx], "inspected_at"),
            "ticket_id": tickets["ticket_id"].gather(pl.Series(idx)),
            "inspector": pl.Series(np.array(INSPECTORS)[rng.integers(0, len(INSPECTORS), k)]),
            "qa_score": pl.Series(score.astype(float)),
        }
    )
    violations = pl.DataFrame(
        rows,
        schema={"inspection_id": pl.String, "item": pl.Int32, "category": pl.String,
                "severity": pl.String},
    )
    return inspections, violations


def write(store: Store, frames: DemoFrames, label: str, force: bool = False) -> None:
    """Replace the store's data by the demo frames in one transaction, logged as a demo import.

    Refuses (ValueError) when the store holds imported real data, unless `force`.
    """
    write_parts(store, [frames], label, force)


def write_parts(store: Store, parts: Iterable[DemoFrames], label: str,
                force: bool = False) -> DemoCounts:
    """`write` for a demo made in parts (`generate_parts`): each part is made, appended,
    committed and let go before the next. Until the last part is in, the demo's import_log
    line has no finished_at: an interrupted demo is unfinished (`unfinished_demo`), and
    `servicelens demo --if-missing` makes it again. Returns the rows written per table."""
    with store.writer() as con:
        real = con.execute("SELECT count(*) FROM import_log WHERE source <> 'demo'").fetchone()
        if real and real[0] and not force:
            raise UsageError(
                f"{store.path} holds imported data; `servicelens demo` would replace it "
                "(use --force to replace it anyway, or --store for another file)"
            )
        started = datetime.now().replace(microsecond=0)
        # DuckDB keeps written blocks cached up to its memory limit (80% of RAM by default):
        # the parts are committed one by one, so a small cache is enough and keeps the
        # generator's peak RSS flat however large the store (10M: 2.41 -> 1.90 GiB).
        con.execute("SET memory_limit = '512MB'")
        con.execute("BEGIN TRANSACTION")
        for table in DATA_TABLES:
            con.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names
        if store.engine is not None:
            store.engine.truncate(DATA_TABLES)
        con.execute("DELETE FROM import_rejects")
        con.execute("DELETE FROM import_log")
        row = con.execute(
            "INSERT INTO import_log (kind, source, file_name, rows_read, rows_inserted,"
            " started_at) VALUES ('demo', 'demo', $label, 0, 0, $started) RETURNING import_id",
            {"label": label, "started": started},
        ).fetchone()
        assert row is not None  # RETURNING gives the one row inserted
        import_id = int(row[0])
        counts = DemoCounts()
        for frames in parts:
            tagged = pl.lit(import_id, pl.Int32).alias("import_id")
            for table, df in (
                ("tickets", frames.tickets.with_columns(tagged)),
                ("surveys", frames.surveys.with_columns(tagged)),
                ("survey_dimension_scores", frames.dimension_scores),
                ("qa_inspections", frames.inspections.with_columns(tagged)),
                ("qa_violations", frames.violations),
                ("calls", frames.calls.with_columns(tagged)),
            ):
                if store.engine is not None:  # ClickHouse: the rows there, the log here
                    store.engine.insert(table, df.with_columns(
                        pl.lit(1, pl.UInt64).alias("_version"),  # the tables were emptied
                        pl.lit(0, pl.UInt8).alias("_deleted")).to_arrow())
                    continue
                con.register("incoming", df.to_arrow())
                cols = ", ".join(df.columns)
                con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM incoming")  # noqa: S608 - names from our frames
                con.unregister("incoming")
            counts = counts.plus(frames)
            del frames
            # Each part is committed: a transaction holds its rows in memory until then
            # (3M tickets in one: 2.25 GB RSS; committed by part: 1.5 GB).
            con.execute("COMMIT")
            con.execute("BEGIN TRANSACTION")
        con.execute(
            "UPDATE import_log SET finished_at = current_localtimestamp(), rows_read = $n,"
            " rows_inserted = $n WHERE import_id = $id", {"id": import_id, "n": counts.tickets})
        con.execute("COMMIT")
        con.execute("CHECKPOINT")
    return counts


def unfinished_demo(store: Store) -> bool:
    """Whether the store holds a demo whose writing was interrupted."""
    if not store.exists():
        return False
    with store.reader() as con:
        row = con.execute("SELECT count(*) FROM import_log WHERE source = 'demo'"
                          " AND finished_at IS NULL").fetchone()
    return bool(row and row[0])
