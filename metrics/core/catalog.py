"""The metric catalog: every metric declared once, as data, for pages, CLI, exports and docs.

Each declaration carries SQL *aggregate* fragments over the columns of one source relation
(see ``metrics.engine.sql.SOURCES``). Fragments hold no user value: filter values and settings reach
the SQL only as bind parameters (``$as_of``, ``$complaint_limit_s``).
"""

from __future__ import annotations

from typing import Final, Literal

from pydantic import BaseModel, ConfigDict

Source = Literal["tickets", "surveys", "qa", "violations", "coverage", "dimensions", "calls"]
Unit = Literal["count", "seconds", "fraction", "score", "points", "nps"]
Kind = Literal["count", "ratio", "quantile", "mean", "weighted"]
TargetKind = Literal["none", "min", "max", "channel_standard"]


class Metric(BaseModel):
    """One metric: identity, words, formula, unit, direction and default target."""

    model_config = ConfigDict(frozen=True)

    id: str
    name_zh: str
    name_en: str
    formula_zh: str
    formula_en: str
    source: Source
    kind: Kind
    unit: Unit
    higher_is_better: bool | None
    # `rows`: the predicate choosing the rows behind the metric, the ones a drill-down lists.
    # count: count of `rows`; ratio: `rows` meeting `hit` / `rows` (x scale), or an explicit
    # `numerator` aggregate; quantile: `value` at `q` over `rows` with a value; mean: avg(`value`).
    rows: str = "true"
    hit: str | None = None
    value: str | None = None
    numerator: str | None = None
    q: float | None = None
    scale: float = 1.0
    target_kind: TargetKind = "none"
    target: float | None = None
    # The metric the target is checked on, when it is not this one (violations: 0 severe).
    target_metric: str | None = None
    note_zh: str = ""
    note_en: str = ""
    public: bool = True  # listed in DOMAIN.md's table and in `servicelens kpis`
    # A weighted metric's weights: the Settings field that holds them.
    weights: Literal["sla_weights", "agent_weights"] = "sla_weights"

    def name(self, lang: str) -> str:
        return self.name_zh if lang == "zh" else self.name_en

    def formula(self, lang: str) -> str:
        return self.formula_zh if lang == "zh" else self.formula_en

    def note(self, lang: str) -> str:
        return self.note_zh if lang == "zh" else self.note_en

    def population(self) -> str:
        """The predicate of the rows behind the number: a drill-down lists exactly these."""
        if self.kind in ("quantile", "mean") and self.value:
            return self.value + " IS NOT NULL" if self.rows == "true" \
                else f"({self.rows}) AND {self.value} IS NOT NULL"
        return self.rows

    @property
    def drillable(self) -> bool:
        return self.source in ("tickets", "surveys", "qa", "violations", "calls") \
            and self.kind != "weighted"


_RESOLVED = "res_s IS NOT NULL"
_ELAPSED = "(frt_s IS NOT NULL OR age_s >= standard_s)"
_SCORED = "score BETWEEN 1 AND 5"
_COMPLAINT = "request_type = 'complaint'"

_ANSWERED = "outcome = 'answered'"
_COUNTED = "NOT short_abandon AND whole_queue"
_CALL_NOTE_ZH = ("按进入队列时间归入周期，仅计呼入。短时放弃：等待不足短时放弃阈值（设置，默认5秒）"
                 "即挂断的来电，视为拨错号码，不计入分母。无人接听的来电不属于任何班组或坐席，"
                 "故按班组/坐席筛选（或组长视角）时不计算此比率。")
_CALL_NOTE_EN = ("Calls count in the period they were queued; inbound only. A short abandon "
                 "hung up before the short-abandon threshold (a setting, default 5 s): a wrong "
                 "number, left out of the denominators. A call nobody answered belongs to no "
                 "team or agent, so under a team or agent filter (or a team lead's view) this "
                 "rate is not computed.")

# Phone-call metrics (DOMAIN.md, 话务指标).
CALL_METRICS: Final[tuple[Metric, ...]] = (
    Metric(
        id="calls_offered", name_zh="呼入量", name_en="Calls offered",
        formula_zh="周期内进入人工队列（或未排队直接接通）的呼入电话数",
        formula_en="inbound calls that reached an agent queue (or were answered without "
        "queueing) in the period",
        source="calls", kind="count", unit="count", higher_is_better=None,
        note_zh="只在 IVR 自助中挂断、从未进入人工队列的来电不是呼入量。",
        note_en="A call that hung up in the IVR and never reached an agent queue is not "
        "offered.",
    ),
    Metric(
        id="calls_answered", name_zh="接通量", name_en="Calls answered",
        formula_zh="呼入电话中由坐席接听的数量", formula_en="offered calls answered by an agent",
        source="calls", kind="count", unit="count", higher_is_better=None, rows=_ANSWERED,
    ),
    Metric(
        id="calls_abandoned", name_zh="放弃量", name_en="Calls abandoned",
        formula_zh="呼入电话中未被接听即结束的数量（含短时放弃）",
        formula_en="offered calls that ended unanswered, short abandons included",
        source="calls", kind="count", unit="count", higher_is_better=False,
        rows="outcome = 'abandoned'",
    ),
    Metric(
        id="answer_rate", name_zh="接通率", name_en="Answer rate",
        formula_zh="接通量 / （呼入量 − 短时放弃）",
        formula_en="answered / (offered − short abandons)",
        source="calls", kind="ratio", unit="fraction", higher_is_better=True,
        rows=_COUNTED, hit=_ANSWERED, target_kind="min", target=0.90,
        note_zh=_CALL_NOTE_ZH, note_en=_CALL_NOTE_EN,
    ),
    Metric(
        id="abandon_rate", name_zh="放弃率", name_en="Abandon rate",
        formula_zh="（放弃量 − 短时放弃）/ （呼入量 − 短时放弃）",
        formula_en="(abandoned − short abandons) / (offered − short abandons)",
        source="calls", kind="ratio", unit="fraction", higher_is_better=False,
        rows=_COUNTED, hit="outcome = 'abandoned'", target_kind="max", target=0.05,
        note_zh="即呼损率。" + _CALL_NOTE_ZH, note_en="Also called the lost-call rate. "
        + _CALL_NOTE_EN,
    ),
    Metric(
        id="service_level_rate", name_zh="服务水平（20秒接通率）",
        name_en="Service level (answered within T)",
        formula_zh="等待不超过 T 即接通的来电 / （呼入量 − 短时放弃）；T 为电话渠道响应标准",
        formula_en="calls answered with a wait of at most T / (offered − short abandons); T is "
        "the phone channel's response standard",
        source="calls", kind="ratio", unit="fraction", higher_is_better=True,
        rows=_COUNTED, hit=f"{_ANSWERED} AND wait_s <= $phone_standard_s",
        target_kind="min", target=0.80,
        note_zh="默认 T = 20 秒，目标 80%（80/20 惯例）。恰好等于 T 算达标。" + _CALL_NOTE_ZH,
        note_en="T defaults to 20 s and the target to 80% (the 80/20 convention). A wait of "
        "exactly T counts as within. " + _CALL_NOTE_EN,
    ),
    Metric(
        id="asa_s", name_zh="平均应答速度", name_en="Average speed of answer",
        formula_zh="接通来电的等待时长的平均值",
        formula_en="mean wait of the answered calls",
        source="calls", kind="mean", unit="seconds", higher_is_better=False,
        rows=_ANSWERED, value="wait_s",
        note_zh="行业惯例用平均值；旁边给出 P90，少数长等待会拉高平均值。",
        note_en="A mean by industry convention; the p90 beside it shows the long waits a "
        "mean hides.",
    ),
    Metric(
        id="wait_p90_s", name_zh="等待时长P90", name_en="Wait, p90",
        formula_zh="接通来电的等待时长的 0.9 分位数（线性插值）",
        formula_en="wait of the answered calls, quantile 0.9 (linear interpolation)",
        source="calls", kind="quantile", unit="seconds", higher_is_better=False,
        rows=_ANSWERED, value="wait_s", q=0.9,
    ),
    Metric(
        id="aht_s", name_zh="平均处理时长", name_en="Average handling time",
        formula_zh="接通来电的 通话 + 保持 + 话后处理 时长的平均值（缺项按 0 计）",
        formula_en="mean of talk + hold + after-call work over the answered calls (a missing "
        "part counts 0)",
        source="calls", kind="mean", unit="seconds", higher_is_better=None,
        rows=_ANSWERED, value="handle_s",
        note_zh="处理时长不是越短越好：过短可能是敷衍，过长可能是能力或流程问题，故不设方向与默认目标。"
        "站点在设置中给出目标后，可作为坐席综合分的一项（达成度 = 目标 ÷ 实际，最高 1）。",
        note_en="Shorter is not simply better (a rushed call is no service), so it has no "
        "direction and no default target. Given a target in Settings, a site may weight it "
        "in the agent composite (attainment = target / actual, at most 1).",
    ),
    Metric(
        id="aht_median_s", name_zh="处理时长中位数", name_en="Handling time, median",
        formula_zh="接通来电的处理时长的中位数（线性插值）",
        formula_en="handling time of the answered calls, median (linear interpolation)",
        source="calls", kind="quantile", unit="seconds", higher_is_better=None,
        rows=_ANSWERED, value="handle_s", q=0.5,
    ),
)

METRICS: Final[tuple[Metric, ...]] = (
    Metric(
        id="tickets", name_zh="工单量", name_en="Tickets",
        formula_zh="周期内创建的工单数", formula_en="tickets created in the period",
        source="tickets", kind="count", unit="count", higher_is_better=None,
    ),
    Metric(
        id="first_response_median_s", name_zh="首次响应时长中位数",
        name_en="First response, median",
        formula_zh="首次响应时间 − 创建时间，取有首次响应的工单的中位数（线性插值）",
        formula_en="first_response_at − created_at over tickets with a first response, "
        "median (linear interpolation)",
        source="tickets", kind="quantile", unit="seconds", higher_is_better=False,
        value="frt_s", q=0.5, target_kind="channel_standard",
        note_zh="目标为渠道响应标准，仅在筛选单一渠道时可比较。",
        note_en="The target is the channel's standard; it applies when one channel is selected.",
    ),
    Metric(
        id="first_response_p90_s", name_zh="首次响应时长P90", name_en="First response, p90",
        formula_zh="首次响应时间 − 创建时间的 0.9 分位数（线性插值）",
        formula_en="first_response_at − created_at, quantile 0.9 (linear interpolation)",
        source="tickets", kind="quantile", unit="seconds", higher_is_better=False,
        value="frt_s", q=0.9, target_kind="channel_standard",
        note_zh="目标为渠道响应标准，仅在筛选单一渠道时可比较。",
        note_en="The target is the channel's standard; it applies when one channel is selected.",
    ),
    Metric(
        id="response_within_standard_rate", name_zh="及时响应率",
        name_en="Responded within standard",
        formula_zh="在渠道标准内首次响应的工单 / 工单；"
        "未响应且标准时长已过的计为未达标，未过的不计入",
        formula_en="tickets first answered within their channel's standard / tickets; an "
        "unanswered ticket is a miss once its standard has elapsed, left out before",
        source="tickets", kind="ratio", unit="fraction", higher_is_better=True,
        rows=f"standard_s IS NOT NULL AND {_ELAPSED}", hit="frt_s <= standard_s",
        target_kind="min", target=0.80,
        note_zh="恰好等于标准时长算达标。默认标准：电话20秒、在线60秒、邮件24小时、社交媒体1小时、"
        "现场10分钟。手册未给出比率目标，默认取呼叫中心通行的 80%。",
        note_en="A response exactly at the standard counts as within. Default standards: phone "
        "20 s, chat 60 s, email 24 h, social 1 h, walk-in 10 min. The manuals give no rate "
        "target; we default to the call-centre convention of 80%.",
    ),
    Metric(
        id="resolution_median_s", name_zh="解决时长中位数", name_en="Resolution time, median",
        formula_zh="解决时间（无则关闭时间）− 创建时间，取已解决工单的中位数",
        formula_en="resolved_at (else closed_at) − created_at over tickets that have one, median",
        source="tickets", kind="quantile", unit="seconds", higher_is_better=False,
        value="res_s", q=0.5,
    ),
    Metric(
        id="resolution_p90_s", name_zh="解决时长P90", name_en="Resolution time, p90",
        formula_zh="解决时间（无则关闭时间）− 创建时间的 0.9 分位数",
        formula_en="resolved_at (else closed_at) − created_at, quantile 0.9",
        source="tickets", kind="quantile", unit="seconds", higher_is_better=False,
        value="res_s", q=0.9,
    ),
    Metric(
        id="resolution_rate", name_zh="解决率", name_en="Resolution rate",
        formula_zh="有解决时间或关闭时间的工单 / 工单",
        formula_en="tickets with resolved_at or closed_at / tickets",
        source="tickets", kind="ratio", unit="fraction", higher_is_better=True,
        hit=_RESOLVED,
        target_kind="min", target=0.90,
        note_zh="ITSS 指标表：≥ 90%。", note_en="ITSS KPI table: ≥ 90%.",
    ),
    Metric(
        id="complaints", name_zh="投诉量", name_en="Complaints",
        formula_zh="类型为投诉的工单数", formula_en="tickets with request_type = complaint",
        source="tickets", kind="count", unit="count", higher_is_better=False,
        rows=_COMPLAINT,
    ),
    Metric(
        id="complaint_rate", name_zh="投诉率", name_en="Complaint rate",
        formula_zh="投诉 / 工单，始终与上一等长周期对比",
        formula_en="complaints / tickets, always shown with its change vs the previous period",
        source="tickets", kind="ratio", unit="fraction", higher_is_better=False,
        hit=_COMPLAINT,
        note_zh="手册以礼仪培训后下降 35% 为良好结果，无固定目标。",
        note_en="The manuals cite a 35% drop after etiquette training as a good result; "
        "no fixed target.",
    ),
    Metric(
        id="complaint_closed_within_limit_rate", name_zh="投诉按时办结率",
        name_en="Complaints closed within limit",
        formula_zh="在时限内解决（无解决时间则看关闭时间）的投诉 / 投诉；未解决的投诉计为未达标",
        formula_en="complaints resolved (else closed) within the limit / complaints; an "
        "unresolved complaint is a miss",
        source="tickets", kind="ratio", unit="fraction", higher_is_better=True,
        rows=_COMPLAINT, hit="res_cal_s <= $complaint_limit_s",
        target_kind="min", target=0.90,
        note_zh="时限默认 24 小时（可在设置中修改）。手册未给比率目标，默认取 90%。",
        note_en="The limit defaults to 24 h (a setting). The manuals give no rate target; we "
        "default to 90%.",
    ),
    Metric(
        id="fcr_rate", name_zh="一次解决率", name_en="First-contact resolution",
        formula_zh="联系次数 ≤ 1（缺失按1）且重开次数 = 0（缺失按0）的已解决工单 / 已解决工单",
        formula_en="resolved tickets with contacts ≤ 1 (missing = 1) and reopen_count = 0 "
        "(missing = 0) / resolved tickets",
        source="tickets", kind="ratio", unit="fraction", higher_is_better=True,
        rows=_RESOLVED, hit="coalesce(contacts, 1) <= 1 AND coalesce(reopen_count, 0) = 0",
        note_zh="“已解决工单”指有解决时间或关闭时间的工单，与解决率一致。",
        note_en="A resolved ticket is one with resolved_at or closed_at, as in resolution_rate.",
    ),
    Metric(
        id="reopen_rate", name_zh="重开率", name_en="Reopen rate",
        formula_zh="重开次数 ≥ 1 的已解决工单 / 已解决工单",
        formula_en="resolved tickets with reopen_count ≥ 1 / resolved tickets",
        source="tickets", kind="ratio", unit="fraction", higher_is_better=False,
        rows=_RESOLVED, hit="coalesce(reopen_count, 0) >= 1",
    ),
    Metric(
        id="surveys_sent", name_zh="调查发送量", name_en="Surveys sent",
        formula_zh="周期内发送的调查数", formula_en="surveys sent in the period",
        source="surveys", kind="count", unit="count", higher_is_better=None,
    ),
    Metric(
        id="survey_response_rate", name_zh="调查回收率", name_en="Survey response rate",
        formula_zh="有回复时间或任一作答的调查 / 发送的调查",
        formula_en="surveys with responded_at or any answer / surveys sent",
        source="surveys", kind="ratio", unit="fraction", higher_is_better=True,
        hit="answered",
    ),
    Metric(
        id="survey_coverage_rate", name_zh="调查覆盖率", name_en="Survey coverage",
        formula_zh="周期内有工单且在周期内收到调查的不同客户 / 周期内有工单的不同客户",
        formula_en="distinct customers with tickets in the period who were sent a survey in the "
        "period / distinct customers with tickets in the period",
        source="coverage", kind="ratio", unit="fraction", higher_is_better=True,
        hit="surveyed",
        target_kind="min", target=0.40,
        note_zh="工单筛选（渠道、组、坐席等）限定客户范围；调查按客户匹配（调查无客户编号时取其工单的客户）。",
        note_en="Ticket filters (channel, team, agent…) choose the customers; a survey matches by "
        "customer (its ticket's customer when it has none).",
    ),
    Metric(
        id="csat", name_zh="满意率", name_en="CSAT",
        formula_zh="评 4 或 5 分的回答 / 评 1–5 分的回答；“不知道”与未作答不计入",
        formula_en="answers scoring 4 or 5 / answers scoring 1-5; “don't know” and no answer "
        "are left out",
        source="surveys", kind="ratio", unit="fraction", higher_is_better=True,
        rows=_SCORED, hit="score >= 4",
        target_kind="min", target=0.95,
        note_zh="ITSS 指标表：≥ 95%；零售业 92% 已属优秀。",
        note_en="ITSS KPI table: ≥ 95%; 92% is cited as a strong retail result.",
    ),
    Metric(
        id="mean_score", name_zh="平均满意度得分", name_en="Mean score",
        formula_zh="1–5 分回答的平均值", formula_en="mean of 1-5 answers",
        source="surveys", kind="mean", unit="score", higher_is_better=True,
        rows=_SCORED, value="score",
    ),
    Metric(
        id="nps", name_zh="净推荐值", name_en="NPS",
        formula_zh="(9–10 分回答 − 0–6 分回答) / 0–10 分回答 × 100",
        formula_en="(answers 9-10 − answers 0-6) / answers 0-10 × 100",
        source="surveys", kind="ratio", unit="nps", higher_is_better=True, scale=100.0,
        numerator="count(*) FILTER (WHERE nps >= 9) - count(*) FILTER (WHERE nps <= 6)",
        rows="nps BETWEEN 0 AND 10",
    ),
    Metric(
        id="qa_score_mean", name_zh="质检平均分", name_en="QA score, mean",
        formula_zh="周期内质检的平均得分", formula_en="mean qa_score of inspections in the period",
        source="qa", kind="mean", unit="points", higher_is_better=True, value="qa_score",
    ),
    Metric(
        id="violations", name_zh="违规项", name_en="Violations",
        formula_zh="周期内质检发现的违规项数（按类别与严重程度细分）",
        formula_en="violation items in the period's inspections, by category and severity",
        source="violations", kind="count", unit="count", higher_is_better=False,
        target_kind="max", target=0.0,
        target_metric="severe_violations",
        note_zh="目标：严重违规为 0。重复违规坐席：所选周期内在 2 次或以上不同质检中"
        "被发现违规的坐席（同一次质检的多个违规项只算一次）。",
        note_en="Target: no severe violation. A repeat offender is an agent with violations in 2 "
        "or more distinct inspections of the period (several items in one inspection count "
        "once).",
    ),
    Metric(
        id="weighted_sla_score", name_zh="SLA综合达成率", name_en="Weighted SLA score",
        formula_zh="所选指标达成率 × 权重之和，权重合计为 1（ITSS：A×P1 + B×P2 + C×P3 …）",
        formula_en="sum over chosen indicators of attainment × weight, weights summing to 1 "
        "(ITSS: A×P1 + B×P2 + C×P3 …)",
        source="tickets", kind="weighted", unit="fraction", higher_is_better=True,
        note_zh="达成率即各指标本身的比率。默认：及时响应率 0.3、解决率 0.3、投诉按时办结率 0.2、"
        "满意率 0.2（可在设置中修改）。"
        "某指标无数据时，按其余指标的权重重新归一；全部无数据则为空。",
        note_en="An indicator's attainment is its own rate. Defaults: response within standard "
        "0.3, resolution rate 0.3, complaints closed within limit 0.2, CSAT 0.2 (a setting). An "
        "indicator with no data is left out and the other weights renormalised; null when none "
        "has data.",
    ),
    # Components that are not in DOMAIN.md's table but that targets and cards need.
    Metric(
        id="severe_violations", name_zh="严重违规项", name_en="Severe violations",
        formula_zh="严重程度为“严重”的违规项数", formula_en="violation items of severity severe",
        source="violations", kind="count", unit="count", higher_is_better=False,
        rows="severity = 'severe'", target_kind="max", target=0.0,
        public=False,
    ),
    Metric(
        id="surveys_answered", name_zh="有效回答数", name_en="Scored answers",
        formula_zh="评 1–5 分的回答数", formula_en="answers scoring 1-5",
        source="surveys", kind="count", unit="count", higher_is_better=None,
        rows=_SCORED, public=False,
    ),
    Metric(
        id="dont_know", name_zh="“不知道”回答数", name_en="“Don't know” answers",
        formula_zh="回答“不知道”的调查数", formula_en="surveys answered “don't know”",
        source="surveys", kind="count", unit="count", higher_is_better=None,
        rows="dont_know", public=False,
    ),
    Metric(
        id="inspections", name_zh="质检量", name_en="Inspections",
        formula_zh="周期内的质检数", formula_en="inspections in the period",
        source="qa", kind="count", unit="count", higher_is_better=None,
        public=False,
    ),
    Metric(
        id="escalation_rate", name_zh="升级率", name_en="Escalation rate",
        formula_zh="已升级的工单 / 工单", formula_en="escalated tickets / tickets",
        source="tickets", kind="ratio", unit="fraction", higher_is_better=False,
        hit="coalesce(escalated, false)", public=False,
        note_zh="未填写是否升级的工单按未升级计。",
        note_en="A ticket with no escalated flag counts as not escalated.",
    ),
    Metric(
        id="open_tickets", name_zh="未解决工单", name_en="Open tickets",
        formula_zh="周期内创建、尚无解决时间与关闭时间的工单数",
        formula_en="tickets created in the period with neither resolved_at nor closed_at",
        source="tickets", kind="count", unit="count", higher_is_better=False,
        rows="res_s IS NULL", public=False,
        note_zh="账龄按自然时间计算：数据截至时刻 − 创建时间。数据截至时刻是库中工单最晚的创建、"
                "响应、解决或关闭时间（不晚于数据库最近一次写入的时间），数据更新时才变化。",
        note_en="Age is calendar time: as-of − created_at, where as-of is the data's latest "
                "moment (the newest creation, response, resolution or closing in the store, "
                "never later than the store's last write); it moves when data is written, "
                "not with the clock.",
    ),
    Metric(
        id="unanswered", name_zh="待首次响应", name_en="Waiting for a first response",
        formula_zh="周期内创建、尚未首次响应且未解决的工单数",
        formula_en="tickets created in the period with no first response, not resolved or closed",
        source="tickets", kind="count", unit="count", higher_is_better=False,
        rows="frt_s IS NULL AND res_s IS NULL", public=False,
    ),
    Metric(
        id="unanswered_overdue", name_zh="待响应且已超标准", name_en="Waiting beyond standard",
        formula_zh="尚未首次响应、未解决，且已等待超过渠道标准的工单数",
        formula_en="tickets with no first response, not resolved, waiting longer than their "
        "channel's standard",
        source="tickets", kind="count", unit="count", higher_is_better=False,
        rows="frt_s IS NULL AND res_s IS NULL AND age_s >= standard_s", public=False,
    ),
    Metric(
        id="dimension_score_mean", name_zh="分项平均分", name_en="Dimension score, mean",
        formula_zh="分项评分（1–5）的平均值，按维度", formula_en="mean of 1-5 dimension scores, "
        "by dimension",
        source="dimensions", kind="mean", unit="score", higher_is_better=True,
        value="dim_score", public=False,
    ),
    Metric(
        id="minor_violations", name_zh="轻微违规项", name_en="Minor violations",
        formula_zh="严重程度为“轻微”的违规项数", formula_en="violation items of severity minor",
        source="violations", kind="count", unit="count", higher_is_better=False,
        rows="severity = 'minor'", public=False,
    ),
    Metric(
        id="moderate_violations", name_zh="一般违规项", name_en="Moderate violations",
        formula_zh="严重程度为“一般”的违规项数", formula_en="violation items of severity moderate",
        source="violations", kind="count", unit="count", higher_is_better=False,
        rows="severity = 'moderate'", public=False,
    ),
    Metric(
        id="violation_free_rate", name_zh="无违规质检占比", name_en="Inspections without violation",
        formula_zh="无任何违规项的质检 / 质检", formula_en="inspections with no violation item / "
        "inspections",
        source="qa", kind="ratio", unit="fraction", higher_is_better=True,
        hit="n_violations = 0", public=False,
        note_zh="坐席综合得分中“违规”一项的达成率。",
        note_en="The attainment of the violations indicator in the agent composite.",
    ),
    Metric(
        id="agent_composite", name_zh="坐席综合得分", name_en="Agent composite score",
        formula_zh="所选指标达成率 × 权重之和，权重合计为 1（ITSS：A×P1 + B×P2 + …），按坐席计算",
        formula_en="sum over chosen indicators of attainment × weight, weights summing to 1 "
        "(ITSS: A×P1 + B×P2 + …), per agent",
        source="tickets", kind="weighted", unit="fraction", higher_is_better=True,
        weights="agent_weights", public=False,
        note_zh="达成率：比率取其本身，越低越好的比率（重开率）取 1 − 比率，质检分取 分/100。"
        "默认权重：及时响应率 0.2、解决率 0.1、一次解决率 0.15、满意率 0.25、质检平均分 0.2、"
        "无违规质检占比 0.1（可在设置中修改）。无数据的指标不计入，其余权重重新归一。"
        "排名只给样本足够的坐席：工单数不少于设置的最小值，且计入满意率时有效回答数也不少于最小值"
        "（默认 30 单、10 个回答）；样本不足的坐席照常显示，但不排名。"
        "班组均值：比率、时长与分数为该班组全部工单、调查与质检合并计算的值（不是坐席值的简单平均）；"
        "工单量、质检量与违规项等计数为班组合计除以班组坐席数。坐席所属班组取其在所选期间内最近一张工单的班组"
        "（期间内没有工单时取其最近一张工单的班组）；记分卡、质检（质检按被检坐席的班组计，不按被检工单的班组）、"
        "侧栏的班组筛选与各导出均用这一条规则，调组的坐席在各处只属于一个班组。"
        "班组均值与坐席排名均不受坐席筛选影响。"
        "需辅导：只点名明显差于同伴的坐席。比率（满意率、及时响应率、一次解决率、重开率、"
        "解决率）用漏斗图：同伴为同班组其他坐席（班组只有一人时为其他全部坐席），"
        "控制限为同伴比率 ± 3·√(p(1−p)/n + τ²)，n 为该坐席的样本量，"
        "τ² 为坐席间超出抽样误差的正常差异（Spiegelhalter 加性随机效应，z 值按10%缩尾估计）；"
        "严重违规项多于按其他坐席每次质检的严重违规率、按其质检量在泊松分布 3σ 内可解释的次数；"
        "时长中位数慢于班组25%以上（工单不少于排名最小值），质检分低于班组5分以上（至少10次质检）。"
        "名单按超出控制限的程度（σ）排序。未达目标但在同伴正常波动内的指标照常列出，不点名；"
        "全体坐席合并后仍未达标的目标列为一项流程改进（附坐席间范围与未达标人数）。"
        "记分卡底色同理：比率看95%区间，时长差10%、质检分差2分、综合得分差1个百分点以上才着色。",
        note_en="Attainment: a rate is itself, a rate better when lower (reopen) counts as 1 − "
        "rate, the QA score as score / 100. Default weights: response within standard 0.2, "
        "resolution rate 0.1, FCR 0.15, CSAT 0.25, QA score 0.2, inspections without violation "
        "0.1 (a setting). An indicator with no data is left out and the other weights "
        "renormalised. Only agents with enough data are ranked: at least the minimum tickets "
        "and, when CSAT is weighted, the minimum scored answers (defaults 30 and 10); the "
        "others are shown but not ranked. A team's average is computed over all the team's "
        "tickets, surveys and inspections pooled for rates, durations and scores (not a mean "
        "of its agents' values); for counts (tickets, inspections, violations) it is the team's "
        "total per agent. An agent's team is the team of their latest ticket in the period "
        "(without a ticket in the period, of their latest ticket; of two at the same moment, "
        "the one with the greater ticket id); the scorecard, QA (an "
        "inspection counts for the inspected agent's team, not the inspected ticket's), the "
        "sidebar's team filter and every export use this one rule, so an agent who moved "
        "teams is reviewed with one team everywhere. The agent filter changes neither a "
        "team's average nor an agent's rank. Coaching names only agents clearly worse than "
        "their peers. Rates (CSAT, response within standard, FCR, reopen, resolution) are "
        "judged on a funnel: the peers are the team's other agents (every other agent when "
        "alone in the team), the limits the peers' rate ± 3·√(p(1−p)/n + τ²) with n the "
        "agent's sample and τ² the ordinary variation between agents beyond sampling noise "
        "(Spiegelhalter's additive random effect, from z-scores winsorised at 10%). Severe "
        "violations count when more than the other agents' severe rate per inspection explains "
        "within a Poisson 3σ for the agent's inspections; a median when 25% slower than the "
        "team's (on at least the ranking's minimum tickets); QA when 5 points lower (at least "
        "10 inspections). The list is ordered by how far beyond the limits (σ). An indicator "
        "short of target within the peers' variation is stated, not flagged; a target the "
        "agents pooled still miss is one process action, with the agents' range and how many "
        "are short. Scorecard shading "
        "follows the same idea: rates by their 95% interval, durations 10% apart, QA 2 points, "
        "the composite 1 pp.",
    ),
    Metric(
        id="comments", name_zh="评论数", name_en="Comments",
        formula_zh="周期内发送、留有意见建议的调查数", formula_en="surveys sent in the period "
        "with a comment",
        source="surveys", kind="count", unit="count", higher_is_better=None,
        rows="nullif(trim(comment), '') IS NOT NULL", public=False,
    ),
    *CALL_METRICS,
)

BY_ID: Final[dict[str, Metric]] = {m.id: m for m in METRICS}
PUBLIC_IDS: Final[tuple[str, ...]] = tuple(m.id for m in METRICS if m.public)

# The ITSS weighted SLA score's default indicators and weights (a setting; sum to 1).
DEFAULT_SLA_WEIGHTS: Final[dict[str, float]] = {
    "response_within_standard_rate": 0.3,
    "resolution_rate": 0.3,
    "complaint_closed_within_limit_rate": 0.2,
    "csat": 0.2,
}

# The agent composite's indicators a site may weight, and the default weights (sum to 1).
AGENT_WEIGHTABLE: Final[tuple[str, ...]] = (
    "response_within_standard_rate", "resolution_rate", "fcr_rate", "reopen_rate", "csat",
    "qa_score_mean", "violation_free_rate", "aht_s",
)
DEFAULT_AGENT_WEIGHTS: Final[dict[str, float]] = {
    "response_within_standard_rate": 0.2,
    "resolution_rate": 0.1,
    "fcr_rate": 0.15,
    "csat": 0.25,
    "qa_score_mean": 0.2,
    "violation_free_rate": 0.1,
}

def meets(metric: Metric, number: float | None, goal: float | None) -> bool | None:
    """Whether a value meets its target; None when there is no value or no target."""
    if number is None or goal is None or metric.higher_is_better is None:
        return None
    return number >= goal if metric.higher_is_better else number <= goal


def get(metric_id: str) -> Metric:
    """The declaration of a metric id; KeyError names the unknown id."""
    try:
        return BY_ID[metric_id]
    except KeyError:
        raise KeyError(f"unknown metric {metric_id!r}") from None
