"""The rules an imported row must meet: one pydantic model per kind, the single source.

`ingest` compiles these declarations into vectorised DuckDB checks; the models also validate
one row at a time (tests hold the two to the same verdicts). Values reach a model already
mapped: vocabulary words turned into codes, times parsed into the site's wall clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any, Final, Literal, get_args, get_origin

import annotated_types
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator
from pydantic.fields import FieldInfo

from metrics.core.schema import VOCABULARIES


@dataclass(frozen=True)
class Vocab:
    """The value is a code of `schema.VOCABULARIES[name]`; `open` vocabularies accept new codes."""

    name: str
    open: bool = False


@dataclass(frozen=True)
class NotBefore:
    """The time may not be earlier than another time field of the same row (by more than
    `slack_s` seconds: two systems' clocks that disagree by a few seconds)."""

    other: str
    slack_s: int = 0


@dataclass(frozen=True)
class Duration:
    """Seconds: a number (seconds unless the mapping's [units] says minutes or hours) or a
    clock-like `h:mm:ss` / `mm:ss`."""


@dataclass(frozen=True)
class ScoreWords:
    """A satisfaction score: 1-5 or its words; "don't know" sets `dont_know` instead."""


Id = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Text = Annotated[str, StringConstraints(max_length=500)]
LongText = Annotated[str, StringConstraints(max_length=10_000)]
Score = Annotated[int, Field(ge=1, le=5)]
# A call's part in seconds: at most a day.
Seconds = Annotated[float | None, Duration(), Field(ge=0, le=86_400)]


class RowModel(BaseModel):
    """Checks every Vocab and NotBefore marker of the subclass's fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    @model_validator(mode="after")
    def _markers(self) -> RowModel:
        for rule in field_rules(type(self)):
            value = getattr(self, rule.name)
            if value is None:
                continue
            if rule.vocab and not rule.open_vocab and value not in VOCABULARIES[rule.vocab]:
                raise ValueError(f"{rule.name}: unknown code {value!r}")
            other = getattr(self, rule.not_before) if rule.not_before else None
            if other is not None and value < other - timedelta(seconds=rule.slack_s):
                raise ValueError(f"{rule.name} is before {rule.not_before}")
        return self


class TicketRow(RowModel):
    ticket_id: Id
    created_at: datetime
    channel: Annotated[str, Vocab("channel")]
    request_type: Annotated[str, Vocab("request_type")]
    category: Annotated[Text | None, Vocab("category", open=True)] = None
    priority: Annotated[str | None, Vocab("priority")] = None
    customer_level: Annotated[Text | None, Vocab("customer_level", open=True)] = None
    agent: Text | None = None
    team: Text | None = None
    first_response_at: Annotated[datetime | None, NotBefore("created_at")] = None
    resolved_at: Annotated[datetime | None, NotBefore("created_at")] = None
    closed_at: Annotated[datetime | None, NotBefore("created_at")] = None
    status: Annotated[str | None, Vocab("status")] = None
    reopen_count: Annotated[int | None, Field(ge=0, le=1000)] = None
    contacts: Annotated[int | None, Field(ge=1, le=1000)] = None
    escalated: bool | None = None
    customer_id: Text | None = None
    customer_name: Text | None = None
    customer_phone: Text | None = None
    product: Text | None = None
    updated_at: datetime | None = None


class SurveyRow(RowModel):
    survey_id: Id
    sent_at: datetime
    ticket_id: Text | None = None
    customer_id: Text | None = None
    survey_channel: Annotated[Text | None, Vocab("survey_channel", open=True)] = None
    responded_at: Annotated[datetime | None, NotBefore("sent_at")] = None
    score: Annotated[Score | None, ScoreWords()] = None
    dont_know: bool = False
    nps: Annotated[int | None, Field(ge=0, le=10)] = None
    comment: LongText | None = None
    dimensions: dict[str, Score] = Field(default_factory=dict)


class Violation(RowModel):
    category: Annotated[str, Vocab("violation_category")]
    severity: Annotated[str, Vocab("severity")]


class QaRow(RowModel):
    inspection_id: Id
    agent: Annotated[str, StringConstraints(min_length=1, max_length=500)]
    inspected_at: datetime
    ticket_id: Text | None = None
    inspector: Text | None = None
    qa_score: Annotated[float | None, Field(ge=0, le=100)] = None
    violations: list[Violation] = Field(default_factory=list)


class CallRow(RowModel):
    """A call offered to the agents' queues (DOMAIN.md, Phone calls). Not offered, and so not
    a row: a call that never reached an agent queue (no queued_at and no answered_at)."""

    call_id: Id
    queued_at: datetime  # else answered_at: a call answered without queueing
    # An ACD's queue and the agents' switch keep their own clocks: an answer a minute
    # "before" the queue entry is their skew (the bank log has 1-17 s), not a broken row.
    answered_at: Annotated[datetime | None, NotBefore("queued_at", slack_s=60)] = None
    ended_at: Annotated[datetime | None, NotBefore("queued_at", slack_s=60)] = None
    outcome: Annotated[str | None, Vocab("call_outcome")] = None  # else from answered_at
    queue: Text | None = None
    agent: Text | None = None
    team: Text | None = None
    wait_s: Seconds = None  # else answered_at - queued_at (0 when it never queued)
    talk_s: Seconds = None
    hold_s: Seconds = None
    acw_s: Seconds = None
    direction: Annotated[str | None, Vocab("call_direction")] = None  # else inbound
    customer_id: Text | None = None
    customer_phone: Text | None = None
    ticket_id: Text | None = None


FieldType = Literal["text", "time", "int", "float", "bool", "score", "dimensions", "violations",
                    "duration"]


@dataclass(frozen=True)
class FieldRule:
    """One field's rule, read off the model for the vectorised checker."""

    name: str
    type: FieldType
    required: bool
    vocab: str | None = None
    open_vocab: bool = False
    ge: float | None = None
    le: float | None = None
    min_length: int | None = None
    max_length: int | None = None
    not_before: str | None = None
    slack_s: int = 0


def _flatten(annotation: Any) -> tuple[Any, list[Any]]:
    """(base type without None, metadata) of an Annotated / Optional annotation."""
    metadata: list[Any] = []
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation, *extra = get_args(annotation)
            for item in extra:  # a Field(...) inside Annotated carries its own constraints
                metadata.extend(item.metadata if isinstance(item, FieldInfo) else [item])
        elif origin is not None and type(None) in get_args(annotation):
            annotation = next(a for a in get_args(annotation) if a is not type(None))
        else:
            return annotation, metadata


_TYPES: Final[dict[Any, FieldType]] = {
    str: "text", datetime: "time", int: "int", float: "float", bool: "bool",
}


def field_rules(model: type[BaseModel]) -> list[FieldRule]:
    """Every field of a row model as a FieldRule, in declaration order."""
    rules = []
    for name, info in model.model_fields.items():
        base, metadata = _flatten(info.annotation)
        metadata = [*metadata, *info.metadata]
        rules.append(FieldRule(name=name, type=_field_type(base, metadata),
                               required=info.is_required(), **_constraints(metadata)))
    return rules


def _field_type(base: Any, metadata: list[Any]) -> FieldType:
    """How the checker parses a field of this base type and metadata (KeyError if unknown)."""
    if any(isinstance(m, ScoreWords) for m in metadata):
        return "score"
    if any(isinstance(m, Duration) for m in metadata):
        return "duration"
    if get_origin(base) is dict:
        return "dimensions"
    if get_origin(base) is list:
        return "violations"
    return _TYPES[base]


def _constraints(metadata: list[Any]) -> dict[str, Any]:
    """The FieldRule keywords (vocab, not_before, ge, le, lengths) a field's metadata sets."""
    values: dict[str, Any] = {}
    for m in metadata:
        if isinstance(m, Vocab):
            values.update(vocab=m.name, open_vocab=m.open)
        elif isinstance(m, NotBefore):
            values.update(not_before=m.other, slack_s=m.slack_s)
        elif isinstance(m, annotated_types.Ge):
            values["ge"] = m.ge
        elif isinstance(m, annotated_types.Le):
            values["le"] = m.le
        elif isinstance(m, StringConstraints | annotated_types.MaxLen | annotated_types.MinLen):
            for attr in ("min_length", "max_length"):
                if getattr(m, attr, None) is not None:
                    values[attr] = getattr(m, attr)
    return values


@dataclass(frozen=True)
class ExtractKind:
    """One kind of extract: its row model, its table and key, and the time that dates a row."""

    name: str
    model: type[RowModel]
    table: str
    key: str
    dated_by: str
    # Source columns that stand in for a field: (column, field it yields, minutes after)
    standins: tuple[tuple[str, str, str], ...] = ()
    # Fields filled from others when the file leaves them empty: field -> SQL over the typed
    # `v_<field>` and cleaned `t_<field>` values (the calls' rules of DOMAIN.md).
    derived: tuple[tuple[str, str], ...] = ()
    # A required field another one can stand for when the file lacks its column: (field, other)
    fallbacks: tuple[tuple[str, str], ...] = ()
    # Rows that are not records of this kind (a call that never reached an agent queue):
    # SQL over the cleaned `t_<field>` values; such rows are skipped and counted, not rejected.
    # Only when the file has the `not_a_row_needs` column: a file without any queue time
    # cannot tell an IVR hang-up from a call, and its undated rows are rejected instead.
    not_a_row: str | None = None
    not_a_row_needs: str | None = None

    def rules(self) -> list[FieldRule]:
        return field_rules(self.model)

    def required(self) -> list[str]:
        return [r.name for r in self.rules() if r.required]

    def columns(self) -> list[str]:
        """Canonical source columns: the fields (but not derived ones) and stand-ins."""
        names = [r.name for r in self.rules() if r.type != "dimensions" and r.name != "dont_know"]
        return names + [s[0] for s in self.standins]


KINDS: Final[dict[str, ExtractKind]] = {
    "tickets": ExtractKind(
        "tickets", TicketRow, "tickets", "ticket_id", "created_at",
        standins=(
            ("first_response_minutes", "first_response_at", "created_at"),
            ("resolution_minutes", "resolved_at", "created_at"),
        ),
    ),
    "surveys": ExtractKind("surveys", SurveyRow, "surveys", "survey_id", "sent_at"),
    "qa": ExtractKind("qa", QaRow, "qa_inspections", "inspection_id", "inspected_at"),
    "calls": ExtractKind(
        "calls", CallRow, "calls", "call_id", "queued_at",
        # a call answered without queueing is offered when it was answered (DOMAIN.md)
        fallbacks=(("queued_at", "answered_at"),),
        derived=(
            ("queued_at", "coalesce(v_queued_at, v_answered_at)"),
            ("outcome", "coalesce(v_outcome, CASE WHEN v_answered_at IS NOT NULL"
                        " THEN 'answered' ELSE 'abandoned' END)"),
            ("wait_s", "coalesce(v_wait_s, CASE WHEN t_queued_at IS NULL THEN 0.0"
                       " WHEN v_answered_at IS NOT NULL"
                       " THEN greatest(epoch(v_answered_at - v_queued_at), 0.0)"
                       # an abandoned call waited until it ended
                       " ELSE greatest(epoch(v_ended_at - v_queued_at), 0.0) END)"),
            ("direction", "coalesce(v_direction, 'inbound')"),
        ),
        # never reached an agent queue: no queue time, no answer, not said to be answered
        not_a_row="t_queued_at IS NULL AND t_answered_at IS NULL"
                  " AND v_outcome IS DISTINCT FROM 'answered'",
        not_a_row_needs="queued_at",
    ),
}
