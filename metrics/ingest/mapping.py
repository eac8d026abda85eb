"""From an extract's headers and words to the canonical columns and codes.

DOMAIN.md's headers and vocabulary words are recognised without any mapping; a mapping
(a TOML file, or a preset in data/mappings/) overrides or extends them.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, Literal

import tomli_w
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from metrics.core.errors import ServiceLensError
from metrics.core.schema import VOCABULARIES
from metrics.ingest.rows import KINDS
from metrics.present.words import COLUMNS, VOCABULARY_WORDS

PRESETS_DIR: Final[Path] = Path(__file__).resolve().parents[2] / "data" / "mappings"

# canonical column -> headers exports use beyond the words of metrics.present.words.COLUMNS
ALIASES: Final[dict[str, tuple[str, ...]]] = {
    "ticket_id": ("工单编号", "工单ID", "Ticket No", "Ticket number"),
    "created_at": ("受理时间", "Created at", "Created time"),
    "channel": ("受理渠道", "来源渠道"),
    "request_type": ("工单类型", "Ticket type", "Type"),
    "category": ("问题分类", "投诉分类", "Complaint category"),
    "priority": ("紧急程度",),
    "customer_level": ("Customer tier",),
    "agent": ("处理人", "客服", "坐席姓名", "Assignee"),
    "team": ("组", "所属班组", "Group"),
    "first_response_at": ("First responded at",),
    "resolved_at": ("Resolved time", "Solved at"),
    "closed_at": ("Closed time",),
    "status": ("工单状态",),
    "reopen_count": ("Reopen count",),
    "contacts": ("Contacts until solved",),
    "escalated": ("升级",),
    "customer_id": ("客户ID",),
    "customer_name": ("客户名称",),
    "customer_phone": ("手机号", "客户电话", "Phone"),
    "product": ("产品", "Product line"),
    "updated_at": ("最后更新时间", "Last updated"),
    "first_response_minutes": (),
    "resolution_minutes": (),
    "survey_id": ("调查编号",),
    "sent_at": (),
    "survey_channel": ("回访渠道",),
    "responded_at": ("答复时间",),
    "score": ("总体满意度", "满意度评分", "Overall score", "CSAT"),
    "nps": ("Likelihood to recommend",),
    "comment": ("评价内容", "Comments"),
    "inspection_id": (),
    "inspected_at": ("质检日期", "Inspection date"),
    "inspector": (),
    "qa_score": ("质检分数",),
    "violations": (),
    "call_id": ("呼叫编号", "通话ID", "Call Id", "Call ID", "callid", "uniqueid"),
    "queued_at": ("排队时间", "入队时间", "Queue start", "Enqueued at"),
    "answered_at": ("接听时间", "Answer time"),
    "ended_at": ("结束时间", "Hang-up time", "End time"),
    "outcome": ("呼叫状态", "是否接通", "Call result", "Disposition"),
    "queue": ("队列", "技能队列", "Skill group"),
    "wait_s": ("排队时长", "Wait time", "Queue time", "Hold time in queue"),
    "talk_s": ("Talk time", "Talk duration"),
    "hold_s": ("Hold time",),
    "acw_s": ("后处理时长", "ACW", "Wrap-up time", "Wrap time"),
    "direction": ("呼叫类型", "Call direction"),
}


def _headers(column: str) -> tuple[str, ...]:
    """The headers a column is recognised by: its zh and en words, then the aliases."""
    zh, en = COLUMNS[column]
    extra = ALIASES[column]
    return (zh, *(n for n in extra if not n.isascii()), en, *(n for n in extra if n.isascii()))


HEADERS: Final[dict[str, tuple[str, ...]]] = {c: _headers(c) for c in ALIASES}


# vocabulary -> code -> words seen in exports beyond metrics.present.words' zh / en words
EXTRA_WORDS: Final[dict[str, dict[str, tuple[str, ...]]]] = {
    "channel": {
        "phone": ("热线", "电话客服", "call", "voice", "hotline"),
        "chat": ("在线客服", "网页在线", "live chat", "web chat", "online"),
        "email": ("电子邮件", "e-mail", "mail"),
        "social": ("微博", "微信", "wechat", "weibo"),
        "walk_in": ("柜台", "门店", "walk in", "walkin", "counter"),
    },
    "status": {
        "open": ("新建", "new"),
        "pending": ("挂起", "on hold", "hold", "in progress"),
        "resolved": ("solved",),
        "closed": ("已完成", "completed", "done"),
    },
    "priority": {"medium": ("normal", "一般")},
    "request_type": {"inquiry": ("question",), "repair": ("service request", "报障")},
    "score": {"1": ("非常不满意",), "dont_know": ("不清楚", "don't know", "dont know", "n/a")},
    "customer_level": {"regular": ("normal", "standard")},
    "survey_channel": {"phone_callback": ("电话", "phone", "call-back", "callback")},
    "call_outcome": {
        "answered": ("已接通", "接听", "已接听", "connected", "handled", "completed"),
        "abandoned": ("未接通", "呼损", "abandon", "unanswered", "missed"),
    },
    "call_direction": {"inbound": ("呼入", "in", "incoming"), "outbound": ("外呼", "out",
                                                                          "outgoing")},
}

TRUE_WORDS: Final[tuple[str, ...]] = ("是", "已升级", "y", "yes", "true", "1", "t")
FALSE_WORDS: Final[tuple[str, ...]] = ("否", "未升级", "n", "no", "false", "0", "f")
# Cells that mean "no value" in exports.
EMPTY_WORDS: Final[tuple[str, ...]] = ("-", "—", "null", "none", "n/a", "#n/a", "nan")

DATETIME_FORMATS: Final[tuple[str, ...]] = (
    "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M", "%Y-%m-%d",
    "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%dT%H:%M",
    "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d",
    "%Y.%m.%d %H:%M:%S", "%Y.%m.%d %H:%M", "%Y.%m.%d",
    "%Y年%m月%d日 %H:%M:%S", "%Y年%m月%d日 %H:%M", "%Y年%m月%d日", "%Y年%m月%d日%H:%M",
)
DATETIME_TZ_FORMATS: Final[tuple[str, ...]] = (
    "%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S.%f%z", "%Y-%m-%d %H:%M:%S%z",
    "%Y-%m-%d %H:%M:%S.%f%z", "%Y-%m-%dT%H:%M%z",
)


class MappingError(ServiceLensError):
    """A mapping file that cannot be used, with what is wrong in it."""


class Options(BaseModel):
    model_config = ConfigDict(extra="forbid")

    datetime_format: str | None = None
    timezone: str | None = None  # the zone of the file's times without offset; default: site's
    # A time given as [date, clock] whose clock is earlier than this header's clock (the
    # call's start in the IVR, say) belongs to the next day: calls across midnight.
    next_day_before: str | None = None


Unit = Literal["seconds", "minutes", "hours"]
UNIT_SECONDS: Final[dict[str, float]] = {"seconds": 1.0, "minutes": 60.0, "hours": 3600.0}


class Mapping(BaseModel):
    """A mapping file: canonical column = header, code = words, options, fixed values."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    kind: str | None = None
    # canonical column = header, or [header, header] read as one value: the two cells joined
    # by a space (a date and a clock time; a line and a call number)
    columns: dict[str, str | list[str]] = Field(default_factory=dict)
    values: dict[str, dict[str, list[str]]] = Field(default_factory=dict)
    defaults: dict[str, str] = Field(default_factory=dict)  # canonical column = value if empty
    # canonical column = its own "no value" words (the bank log's 0:00:00, NO_SERVER)
    empty: dict[str, list[str]] = Field(default_factory=dict)
    # canonical column = words marking a row that is not a record of the kind (PHANTOM)
    skip: dict[str, list[str]] = Field(default_factory=dict)
    units: dict[str, Unit] = Field(default_factory=dict)  # duration column = unit of its numbers
    options: Options = Field(default_factory=Options)

    @model_validator(mode="after")
    def _known(self) -> Mapping:
        known = {c for k in KINDS.values() for c in k.columns()}
        for name in [*self.columns, *self.defaults, *self.empty, *self.skip, *self.units]:
            if name not in known and not name.startswith("score_"):
                raise ValueError(f"unknown canonical column {name!r}")
        for name, headers in self.columns.items():
            if isinstance(headers, list) and len(headers) != 2:
                raise ValueError(f"[columns] {name}: give one header or a list of two")
        for vocab, codes in self.values.items():
            if vocab not in VOCABULARIES:
                raise ValueError(f"[values.{vocab}]: no such vocabulary")
            closed = vocab not in ("category", "customer_level", "survey_channel")
            for code in codes:
                if closed and code not in VOCABULARIES[vocab]:
                    raise ValueError(
                        f"[values.{vocab}]: unknown code {code!r}; codes are "
                        + ", ".join(VOCABULARIES[vocab])
                    )
        if self.kind is not None and self.kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}")
        return self


def load_mapping(path: Path) -> Mapping:
    """Read a mapping TOML file; MappingError names the file and the problem."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        return Mapping.model_validate(data)
    except FileNotFoundError as error:
        raise MappingError(f"{path}: no such mapping file") from error
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise MappingError(f"{path}: not a valid TOML file ({error})") from error
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise MappingError(f"{path}: {where}: {first['msg']}") from error


def presets(folder: Path = PRESETS_DIR) -> dict[str, Path]:
    """Preset name (file stem) -> mapping file shipped or saved in data/mappings/."""
    return {p.stem: p for p in sorted(folder.glob("*.toml"))}


def save_preset(mapping: Mapping, name: str, folder: Path = PRESETS_DIR) -> Path:
    """Write a mapping as data/mappings/<name>.toml; the name is reduced to a safe file stem."""
    stem = re.sub(r"[^\w\-]+", "_", name.strip(), flags=re.UNICODE).strip("_")
    if not stem:
        raise MappingError("give the preset a name")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{stem}.toml"
    data = mapping.model_copy(update={"name": name}).model_dump(exclude_none=True)
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    return path


def normalise(header: str) -> str:
    """Case, width, spacing, punctuation ignored: 'Ticket ID' ~ 'ticket_id' ~ 'ＴＩＣＫＥＴ id'."""
    text = unicodedata.normalize("NFKC", header).lower()
    return re.sub(r"[\s_\-./:()（）\[\]【】]+", "", text)


@dataclass(frozen=True)
class Resolution:
    """Where each canonical column of a kind comes from in a file."""

    kind: str
    columns: dict[str, int]  # canonical -> index of the header in the file
    dimensions: dict[str, int] = field(default_factory=dict)  # dimension -> header index
    defaults: dict[str, str] = field(default_factory=dict)
    missing: tuple[str, ...] = ()  # required columns found nowhere
    ignored: tuple[str, ...] = ()  # headers no column took
    headers: tuple[str, ...] = ()
    joined: dict[str, int] = field(default_factory=dict)  # canonical -> its second header
    # required columns two or more headers claim (refused until a mapping names one), and
    # optional ones (the first header taken, the others said)
    ambiguous: dict[str, tuple[int, ...]] = field(default_factory=dict)
    doubtful: dict[str, tuple[int, ...]] = field(default_factory=dict)

    def claims(self, which: dict[str, tuple[int, ...]]) -> str:
        """`column ('header' in column C / 'header' in column E); …` for a user."""
        return "; ".join(f"{name} ({' / '.join(named(self.headers, i) for i in found)})"
                         for name, found in which.items())

    def source(self, name: str) -> int | None:
        return self.columns.get(name)

    def header_index(self, header: str | None) -> int | None:
        """The index of a header named in the mapping's options (None when absent)."""
        if header is None:
            return None
        keys = [normalise(h) for h in self.headers]
        return keys.index(normalise(header)) if normalise(header) in keys else None


def _dimension(key: str) -> str | None:
    for code, (zh, en) in VOCABULARY_WORDS["dimension"].items():
        if key in (normalise(f"score_{code}"), normalise(zh), normalise(f"{zh}满意度"),
                   normalise(en), normalise(f"{en} score")):
            return code
    if key.startswith("score") and len(key) > len("score"):
        return key[len("score"):]
    return None


def _mapped(mapping: Mapping, columns: list[str],
            keys: list[str]) -> tuple[dict[str, int], dict[str, int]]:
    """The columns the mapping names, by header index; a two-header column also gives its
    second header's index (both headers must be in the file, else neither is taken)."""
    taken: dict[str, int] = {}
    joined: dict[str, int] = {}
    for name, given in mapping.columns.items():
        first, *second = [given] if isinstance(given, str) else given
        if name not in columns or normalise(first) not in keys:
            continue
        if second and normalise(second[0]) not in keys:
            continue
        taken[name] = keys.index(normalise(first))
        if second:
            joined[name] = keys.index(normalise(second[0]))
    return taken, joined


def _by_name(name: str, keys: list[str], used: set[int], taken: dict[str, int]) -> list[int]:
    """Take the header of a column's best-known name not yet used (into `taken`, `used`);
    returns every unused header any of its names matches, in file order."""
    names = (name, *HEADERS.get(name, ()))
    claims = {normalise(c) for c in names}
    found = [i for i, key in enumerate(keys) if key in claims and i not in used]
    for candidate in names:
        key = normalise(candidate)
        if key in keys and keys.index(key) not in used:
            taken[name] = keys.index(key)
            used.add(taken[name])
            break
    return found


def resolve(headers: list[str], kind: str, mapping: Mapping | None = None) -> Resolution:
    """Match headers to a kind's canonical columns: the mapping first, then known headers."""
    mapping = mapping or Mapping()
    spec = KINDS[kind]
    keys = [normalise(h) for h in headers]
    taken, joined = _mapped(mapping, spec.columns(), keys)
    used = set(taken.values()) | set(joined.values())
    ambiguous: dict[str, tuple[int, ...]] = {}
    doubtful: dict[str, tuple[int, ...]] = {}
    required = set(spec.required())
    for name in spec.columns():
        if name in taken:
            continue
        found = _by_name(name, keys, used, taken)
        if len(found) > 1:  # which of them holds the column is a guess: the file must say
            if name in required:
                ambiguous[name] = tuple(found)
            else:  # the header read first, then the others
                doubtful[name] = tuple(sorted(found, key=lambda i: i != taken.get(name)))
    dimensions: dict[str, int] = {}
    if kind == "surveys":
        for index, key in enumerate(keys):
            dim = _dimension(key)
            if index not in used and dim:
                dimensions[dim] = index
                used.add(index)
    defaults = {k: v for k, v in mapping.defaults.items() if k in spec.columns()}
    standing_in = {target for column, target, _ in spec.standins if column in taken}
    standing_in |= {field for field, other in spec.fallbacks if other in taken}
    missing = tuple(
        name for name in spec.required()
        if name not in taken and name not in defaults and name not in standing_in
    )
    reference = mapping.options.next_day_before
    if reference is not None and normalise(reference) in keys:
        used.add(keys.index(normalise(reference)))
    ignored = tuple(h for i, h in enumerate(headers) if i not in used)
    return Resolution(kind, taken, dimensions, defaults, missing, ignored, tuple(headers),
                      joined, ambiguous, doubtful)


def named(headers: Sequence[str], index: int) -> str:
    """A header as a user finds it in a spreadsheet: its text and its column letter."""
    letters, n = "", index + 1
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return f"{headers[index]!r} in column {letters}"


def guess_kind(headers: list[str], mapping: Mapping | None = None) -> str | None:
    """The kind whose required columns the headers all give, the best-matched one first."""
    if mapping is not None and mapping.kind:
        return mapping.kind
    best: tuple[int, str] | None = None
    for kind in KINDS:
        found = resolve(headers, kind, mapping)
        if found.missing:
            continue
        score = len(found.columns) + len(found.dimensions)
        if best is None or score > best[0]:
            best = (score, kind)
    return best[1] if best else None


def vocabulary(vocab: str, mapping: Mapping | None = None) -> tuple[list[str], list[str]]:
    """(words, codes) in matching order, words lower-cased: the mapping's words first."""
    words: list[str] = []
    codes: list[str] = []

    def add(word: str, code: str) -> None:
        key = unicodedata.normalize("NFKC", word).strip().lower()
        if key and key not in words:
            words.append(key)
            codes.append(code)

    for code, listed in (mapping.values.get(vocab, {}) if mapping else {}).items():
        for word in listed:
            add(word, code)
    for code, (zh, en) in VOCABULARY_WORDS[vocab].items():
        for word in (code, zh, en, code.replace("_", " "), code.replace("_", "-")):
            add(word, code)
    for code, extra in EXTRA_WORDS.get(vocab, {}).items():
        for word in extra:
            add(word, code)
    return words, codes
