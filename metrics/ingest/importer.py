"""Import an extract: read, map, check every row against the row models, write by id.

Reading and checking run in a private in-memory DuckDB, so the store is locked only while
the accepted rows are merged, in one transaction with the import's log entry and rejects.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Final
from zoneinfo import ZoneInfo

import duckdb
import polars as pl

from metrics.core.errors import ServiceLensError
from metrics.core.schema import VOCABULARIES
from metrics.engine import clickhouse
from metrics.engine.store import DATA_TABLES, Store, disk_full, fetch_one
from metrics.ingest import journal, readers
from metrics.ingest.mapping import (
    DATETIME_FORMATS,
    DATETIME_TZ_FORMATS,
    EMPTY_WORDS,
    FALSE_WORDS,
    TRUE_WORDS,
    UNIT_SECONDS,
    Mapping,
    Resolution,
    guess_kind,
    named,
    resolve,
    vocabulary,
)
from metrics.ingest.readers import ExtractFile, ReadError, ReadProgress
from metrics.ingest.rows import KINDS, ExtractKind, FieldRule
from metrics.present.exports import FORMULA_START, csv_bytes
from metrics.present.words import label, t, vocab_choice
from metrics.views import drill

# Ruff's S608 (SQL built from strings) is silenced line by line: the import compiler names
# only its own columns (c0, c1, ... for a file's headers, canonical names, generated $params);
# every cell, word, format and path is bound as a parameter (tests/unit/test_ingest.py
# imports headers and cells that are injection attempts).

VALUE_SHOWN: Final[int] = 200  # characters of a rejected value kept in the quarantine
RECORD_CHARS: Final[int] = 100_000  # of each cell in a rejected row's record: bounds memory
# DuckDB's memory for one import (SERVICELENS_IMPORT_MEMORY overrides); beyond it, it spills.
# 512 MB keeps a 1M-row, 215 MB extract at about 3x its size in RAM, at no cost in time.
IMPORT_MEMORY: Final[str] = "512MB"
# Room an import needs on the store's disk: a stored row takes 60-130 bytes (the 1M demo:
# 2.26M rows in 199 MB), and a checkpoint writes changed blocks anew before it frees the old.
ROW_BYTES: Final[int] = 256
ROOM_MARGIN: Final[int] = 8 * 2 ** 20
# Dates before it are a system's zero date (Excel's 1899-12-30, .NET's 0001-01-01), not a
# record; dates after tomorrow are typed wrong. Both are rejected with the row named.
EARLIEST_TIME: Final[datetime] = datetime(1970, 1, 1)
# The table of each kind's child rows (a survey's dimension scores, an inspection's violations).
CHILD_TABLES: Final[dict[str, str]] = {"surveys": "survey_dimension_scores", "qa": "qa_violations"}
# The child rows of the new and changed rows of `classified`, in their table's column order,
# and the column that tells a parent's child rows apart.
CHILD_ROWS: Final[dict[str, tuple[str, str]]] = {
    "surveys": ("SELECT survey_id, d.dimension AS dimension, d.score AS score FROM (SELECT"
                " survey_id, unnest(dims) AS d FROM classified WHERE action IN ('new',"
                " 'changed'))", "dimension"),
    "qa": ("SELECT inspection_id, i AS item, v[i].category AS category, v[i].severity AS"
           " severity FROM (SELECT inspection_id, violations AS v,"
           " generate_subscripts(violations, 1) AS i FROM classified"
           " WHERE action IN ('new', 'changed'))", "item"),
}

class ImportFailed(ServiceLensError):
    """Nothing could be imported from a file; the message is one line naming the problem."""


class KindUnknown(ImportFailed):
    """The headers don't tell tickets, surveys or QA apart; the caller must say which."""

    def __init__(self, message: str, headers: list[str]) -> None:
        super().__init__(message)
        self.headers = headers


@dataclass(frozen=True)
class ImportResult:
    """What one import did; read = inserted + updated + unchanged + skipped + not_records
    + rejected."""

    import_id: int
    file_name: str
    kind: str
    file_format: str
    encoding: str | None
    rows_read: int
    inserted: int
    updated: int
    unchanged: int
    skipped: int  # older than the stored row (its updated_at is later)
    rejected: int
    # rows that are not records of the kind, skipped and counted (a call that was never
    # offered to an agent queue: an IVR-only hang-up, a ghost record)
    not_records: int
    duplicates: int  # of the rejected: ids repeated in the file
    demo_removed: bool
    previous_import: int | None  # an earlier import of the same content
    seconds: float
    note: str = ""  # what the user should know though the import landed


@dataclass
class Plan:
    """A file read into `raw`, with its kind and where each column comes from."""

    source: ExtractFile
    kind: str
    resolution: Resolution
    mapping: Mapping = field(default_factory=Mapping)


def reason(which: str, lang: str, **args: object) -> str:
    """Why a row was rejected, in the import's language (the words are in metrics.present.words)."""
    return t(f"reject_{which}", lang, **args)


def _spill_connection() -> duckdb.DuckDBPyConnection:
    """A private DuckDB for staging: memory capped, the rest spills to a temporary folder."""
    spill = Path(tempfile.gettempdir()) / "servicelens-spill"
    con = duckdb.connect(":memory:", config={
        "temp_directory": str(spill),
        "memory_limit": os.environ.get("SERVICELENS_IMPORT_MEMORY", IMPORT_MEMORY),
    })
    con.execute("SET enable_progress_bar = false")  # ours is the progress callback
    return con


class _Compiler:
    """Turns a kind's field rules into one SELECT that types every cell and lists its faults."""

    def __init__(self, plan: Plan, site_tz: str, lang: str) -> None:
        self.plan = plan
        self.kind: ExtractKind = KINDS[plan.kind]
        self.site_tz = site_tz
        self.lang = lang
        self.params: dict[str, object] = {
            "empty_words": list(EMPTY_WORDS), "true_words": list(TRUE_WORDS),
            "false_words": list(FALSE_WORDS), "site_tz": site_tz,
            "file_tz": plan.mapping.options.timezone or site_tz,
            # a time after tomorrow (site time) or before 1970 is a wrong date, not a record
            "earliest_time": EARLIEST_TIME,
            "after_tomorrow": datetime.combine(
                datetime.now(ZoneInfo(site_tz)).date() + timedelta(days=2), datetime.min.time()),
        }
        custom = plan.mapping.options.datetime_format
        naive, aware = list(DATETIME_FORMATS), list(DATETIME_TZ_FORMATS)
        if custom:
            (aware if "%z" in custom else naive).insert(0, custom)
        self.params.update(fmt_naive=naive, fmt_aware=aware)

    def param(self, name: str, value: object) -> str:
        """A bind parameter for `value`; a name made from a file's header (a survey's dimension
        `score a+b`) is replaced by a plain one: no header text reaches the SQL."""
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            name = f"h{len(self.params)}_"
        self.params[name] = value
        return f"${name}"

    def text(self, name: str) -> str:
        """The cleaned text of a canonical column: trimmed, empty words (the export's and the
        mapping's for this column) as NULL; a column read from two headers is their cells
        joined by a space, NULL when either is empty."""
        resolution = self.plan.resolution
        index = resolution.source(name)
        default = resolution.defaults.get(name)
        fixed = self.param(f"d_{name}", default) if default is not None else None
        if index is None:
            return fixed or "NULL::VARCHAR"
        cleaned = self.cell(name, index)
        second = resolution.joined.get(name)
        if second is not None:
            other = self.cell(name, second)
            cleaned = (f"CASE WHEN ({cleaned}) IS NULL OR ({other}) IS NULL THEN NULL"
                       f" ELSE ({cleaned}) || ' ' || ({other}) END")
        return f"coalesce({cleaned}, {fixed})" if fixed else cleaned

    def halves(self) -> str:
        """For each column read from two headers: whether its first cell (the date, the line)
        is blank while the second (the clock, the number) is not (`h_<name>`, a fault: a
        clock without its day is no time). The second blank is no value (no answer yet)."""
        parts = []
        for name, second in self.plan.resolution.joined.items():
            first = self.plan.resolution.source(name)
            # blank in the file, not "no value" by the mapping's [empty] words (the bank log's
            # 0:00:00 clock says there is no queue time at all)
            a = self.clean(f"c{first}") if first is not None else "NULL"
            b = self.clean(f"c{second}")
            parts.append(f"({a}) IS NULL AND ({b}) IS NOT NULL AS h_{name}")
        return ", ".join(parts)

    def cell(self, name: str, index: int) -> str:
        """One source cell of a canonical column, cleaned, the mapping's empty words NULL."""
        cleaned = self.clean(f"c{index}")
        words = self.plan.mapping.empty.get(name)
        if not words:
            return cleaned
        listed = self.param(f"e_{name}", [w.strip().lower() for w in words])
        return f"CASE WHEN list_contains({listed}, lower({cleaned})) THEN NULL ELSE {cleaned} END"

    def skipped(self) -> str:
        """True for a row that is not a record of the kind: marked by the mapping's [skip]
        words, or by the kind's own rule (a call that never reached an agent queue)."""
        arms = []
        for name, words in self.plan.mapping.skip.items():
            if name in self.kind.columns():
                listed = self.param(f"k_{name}", [w.strip().lower() for w in words])
                arms.append(f"coalesce(list_contains({listed}, lower(t_{name})), false)")
        needs = self.kind.not_a_row_needs
        if self.kind.not_a_row and (needs is None
                                    or self.plan.resolution.source(needs) is not None):
            arms.append(f"({self.kind.not_a_row})")
        return " OR ".join(arms) if arms else "false"

    def next_day(self, name: str, parsed: str) -> str:
        """A time read from [date, clock] moves to the next day when its clock is earlier than
        the mapping's reference clock (options.next_day_before): calls across midnight."""
        second = self.plan.resolution.joined.get(name)
        ref = self.plan.resolution.header_index(self.plan.mapping.options.next_day_before)
        if second is None or ref is None:
            return parsed
        clock, start = (f"epoch(TRY_CAST({self.clean(f'c{i}')} AS TIME))" for i in (second, ref))
        # Earlier by more than 12 hours: the clock went past midnight. A few seconds earlier
        # is the two clocks' skew (the bank log's negative IVR times), not a new day.
        return (f"CASE WHEN {clock} + 43200 < {start}"
                f" THEN {parsed} + INTERVAL 1 DAY ELSE {parsed} END")

    def duration(self, name: str, t: str) -> str:
        """Seconds from a number (in the mapping's unit for the column, seconds by default) or
        from `h:mm:ss` / `mm:ss`."""
        unit = UNIT_SECONDS[self.plan.mapping.units.get(name, "seconds")]
        p = f"string_split({t}, ':')"
        part = [f"TRY_CAST({p}[{i}] AS DOUBLE)" for i in (1, 2, 3)]
        clock = (f"CASE len({p}) WHEN 3 THEN {part[0]} * 3600 + {part[1]} * 60 + {part[2]}"
                 f" WHEN 2 THEN {part[0]} * 60 + {part[1]} END")
        return (f"CASE WHEN contains({t}, ':') THEN {clock}"
                f" ELSE {_finite(f'TRY_CAST({t} AS DOUBLE)')} * {unit!r} END")

    @staticmethod
    def clean(col: str) -> str:
        # A leading ' before a formula start (= + - @ tab CR) is Excel's text marker, and what
        # exports.neutralise adds to our rejects. The cheap tests come first: most cells are
        # neither short nor start with '.
        s = f"trim({col})"
        return (
            f"CASE WHEN {s} = '' OR (length({s}) <= 4 AND list_contains($empty_words,"
            f" lower({s}))) THEN NULL WHEN starts_with({s}, '''') AND regexp_matches({s},"
            f" '^''{FORMULA_START}') THEN substr({s}, 2) ELSE {s} END"
        )

    def time(self, t: str) -> str:
        naive = f"try_strptime({t}, $fmt_naive)"
        if self.params["file_tz"] != self.site_tz:
            naive = f"timezone($site_tz, timezone($file_tz, {naive}))"
        utc = f"regexp_replace({t}, '[zZ]$', '+00:00')"
        aware = f"timezone($site_tz, try_strptime({utc}, $fmt_aware))"
        return f"coalesce({naive}, {aware})"

    def vocab(self, rule: FieldRule, t: str) -> str:
        assert rule.vocab is not None
        words, codes = vocabulary(rule.vocab, self.plan.mapping)
        w = self.param(f"vw_{rule.name}", words)
        c = self.param(f"vc_{rule.name}", codes)
        found = f"{c}[list_position({w}, lower({t}))]"
        return f"coalesce({found}, {t})" if rule.open_vocab else found

    def score(self, t: str, name: str) -> str:
        """The code of a satisfaction answer: '1'..'5' or 'dont_know'."""
        words, codes = vocabulary("score", self.plan.mapping)
        w, c = self.param(f"sw_{name}", words), self.param(f"sc_{name}", codes)
        return (f"coalesce({c}[list_position({w}, lower({t}))],"
                f" CAST({_whole(t)} AS VARCHAR))")

    def violations(self, t: str) -> str:
        cw, cc = vocabulary("violation_category", self.plan.mapping)
        sw, sc = vocabulary("severity", self.plan.mapping)
        p = {k: self.param(f"v_{k}", v)
             for k, v in (("cw", cw), ("cc", cc), ("sw", sw), ("sc", sc))}
        item = "regexp_replace(x, '：', ':')"
        part = {n: f"lower(trim(split_part({item}, ':', {n})))" for n in (1, 2)}
        items = f"list_filter(regexp_split_to_array({t}, '[;；]'), lambda x: trim(x) <> '')"
        return (
            f"list_transform({items}, lambda x: {{"
            f"'category': {p['cc']}[list_position({p['cw']}, {part[1]})],"
            f" 'severity': {p['sc']}[list_position({p['sw']}, {part[2]})],"
            f" 'parts': len(string_split({item}, ':'))}})"
        )

    def parse(self, rule: FieldRule, t: str) -> str:
        if rule.vocab:
            return self.vocab(rule, t)
        if rule.type == "time":
            return self.time(t)
        if rule.type == "int":
            return _whole(t)
        if rule.type == "float":
            return _finite(f"TRY_CAST(regexp_replace({t}, '\\s*分$', '') AS DOUBLE)")
        if rule.type == "bool":
            return (f"CASE WHEN list_contains($true_words, lower({t})) THEN true"
                    f" WHEN list_contains($false_words, lower({t})) THEN false END")
        if rule.type == "score":
            return self.score(t, rule.name)
        if rule.type == "duration":
            return self.duration(rule.name, t)
        if rule.type == "violations":
            return self.violations(t)
        return t

    def fault(self, rule: FieldRule, t: str, v: str, typed: dict[str, str],
              name: str | None = None) -> str:
        """A CASE giving the first fault of a field as {field, value, reason}, else NULL."""
        name = name or rule.name
        arms: list[tuple[str, str]] = []
        joined = self.plan.resolution.joined
        if name in joined:
            first = self.plan.resolution.source(name)
            headers = self.plan.source.headers
            arms.append((f"h_{name}", reason(
                "half", self.lang, a=headers[first] if first is not None else "?",
                b=headers[joined[name]])))
        if rule.required:
            missing = f"{t} IS NULL AND {typed[name]} IS NULL" if typed.get(name, "").startswith(
                "d_") else f"{t} IS NULL"
            arms.append((missing, reason("missing", self.lang)))
        if rule.type == "violations":
            bad = (f"list_bool_or(list_transform({v}, lambda x: x.category IS NULL"
                   " OR x.severity IS NULL OR x.parts <> 2))")
            arms.append((f"{t} IS NOT NULL AND coalesce({bad}, false)",
                         reason("violations", self.lang)))
        elif rule.vocab and not rule.open_vocab:
            codes = ", ".join(_vocab_words(rule.vocab, self.lang))
            arms.append((f"{t} IS NOT NULL AND {v} IS NULL",
                         reason("vocab", self.lang, codes=codes, vocab=rule.vocab)))
        elif rule.type in ("time", "int", "float", "bool", "score", "duration"):
            arms.append((f"{t} IS NOT NULL AND {v} IS NULL", reason(rule.type, self.lang)))
        arms += self.bounds(rule, t, v)
        if rule.not_before:
            other = typed[rule.not_before]
            if rule.slack_s:
                other = f"{other} - INTERVAL {int(rule.slack_s)} SECONDS"
            arms.append((f"{v} < {other}", reason("before", self.lang, other=rule.not_before)))
        whens = " ".join(
            f"WHEN {cond} THEN {{'field': {self.param(f'f_{name}', name)}, 'value': left({t}, "
            f"{VALUE_SHOWN}), 'reason': {self.param(f'r_{name}_{i}', text)}}}"
            for i, (cond, text) in enumerate(arms)
        )
        return f"CASE {whens} END" if arms else "NULL"

    def bounds(self, rule: FieldRule, t: str, v: str) -> list[tuple[str, str]]:
        """The (condition, reason) arms of a field's length, range and date bounds."""
        arms = []
        if rule.type == "time":
            after = self.params["after_tomorrow"]
            assert isinstance(after, datetime)
            arms.append((f"{v} < $earliest_time OR {v} >= $after_tomorrow", reason(
                "date_range", self.lang, earliest=EARLIEST_TIME.date().isoformat(),
                latest=(after.date() - timedelta(days=1)).isoformat())))
        if rule.max_length is not None:
            arms.append((f"length({t}) > {int(rule.max_length)}",
                         reason("too_long", self.lang, n=f"{rule.max_length:,}")))
        if rule.ge is not None and rule.le is not None:
            value = f"TRY_CAST({v} AS DOUBLE)"
            arms.append((f"{value} < {float(rule.ge)} OR {value} > {float(rule.le)}",
                         reason("range", self.lang, ge=_num(rule.ge), le=_num(rule.le))))
        return arms

    def select(self) -> str:
        """SELECT __row, typed canonical columns, errors FROM raw."""
        rules = [r for r in self.kind.rules() if r.name != "dont_know" and r.type != "dimensions"]
        texts = {r.name: self.text(r.name) for r in rules}
        for column, _target, _base in self.kind.standins:
            texts[column] = self.text(column)
        cleaned = ", ".join(f"{t} AS t_{name}" for name, t in texts.items())
        halves = self.halves()
        if halves:
            cleaned += ", " + halves
        parsed = {r.name: self.parse(r, f"t_{r.name}") for r in rules}
        for r in rules:
            if r.type == "time":
                parsed[r.name] = self.next_day(r.name, parsed[r.name])
        for column, target, base in self.kind.standins:
            minutes = f"TRY_CAST(t_{column} AS DOUBLE)"
            parsed[target] = (f"coalesce({parsed[target]}, {parsed[base]} + to_microseconds("
                              f"CAST(round({minutes} * 60000000) AS BIGINT)))")
        typed_cols = ", ".join(f"{expr} AS v_{name}" for name, expr in parsed.items())
        dims = self.plan.resolution.dimensions
        dim_texts = ", ".join(f"{self.clean(f'c{i}')} AS t_dim{k}"
                              for k, i in enumerate(dims.values()))
        score_rule = next((r for r in rules if r.type == "score"), None)
        dim_typed = ", ".join(
            f"{self.score(f't_dim{k}', f'dim{k}')} AS v_dim{k}" for k in range(len(dims))
        )
        derived = dict(self.kind.derived)
        typed_refs = {name: f"d_{name}" if name in derived else f"v_{name}" for name in parsed}
        faults = [self.fault(r, f"t_{r.name}", f"v_{r.name}", typed_refs) for r in rules]
        for column, _t, _b in self.kind.standins:  # minutes: a number, or a fault
            faults.append(self.fault(FieldRule(column, "float", False), f"t_{column}",
                                     f"TRY_CAST(t_{column} AS DOUBLE)", typed_refs))
        outputs = [f"{typed_refs[r.name]} AS {r.name}" for r in rules
                   if r.type not in ("score",)]
        if score_rule is not None:
            dim_rule = FieldRule("score", "score", False, ge=score_rule.ge, le=score_rule.le)
            for k, dim in enumerate(dims):
                faults.append(self.fault(dim_rule, f"t_dim{k}", f"v_dim{k}", typed_refs,
                                         name=f"score_{dim}"))
            outputs += [
                "TRY_CAST(v_score AS TINYINT) AS score",
                "coalesce(v_score = 'dont_know', false) AS dont_know",
            ]
            pairs = ", ".join(
                f"{{'dimension': {self.param(f'dn{k}', dim)},"
                f" 'score': TRY_CAST(v_dim{k} AS TINYINT)}}"
                for k, dim in enumerate(dims)
            )
            outputs.append(f"list_filter([{pairs}], lambda x: x.score IS NOT NULL) AS dims"
                           if dims else "[]::STRUCT(dimension VARCHAR, score TINYINT)[] AS dims")
        inner = ", ".join(x for x in (cleaned, dim_texts) if x)
        typed = ", ".join(x for x in (typed_cols, dim_typed) if x)
        cells = ", ".join(f"c{i}" for i in range(len(self.plan.source.headers)))
        # The kind's rules for what the file leaves empty (a call's wait, outcome...), over
        # the typed values; faults still judge the file's own cells.
        filled = ", ".join(f"{expr} AS d_{name}" for name, expr in derived.items())
        typed_layer = (f"SELECT *, {typed} FROM"  # noqa: S608 - compiled from c0.. and canonical names; values are $params
                       f" (SELECT __row, {cells}, {inner} FROM {self.plan.source.relation})")
        if filled:
            typed_layer = f"SELECT *, {filled} FROM ({typed_layer})"  # noqa: S608 - the kind's own derivations
        return (
            f"SELECT __row, {', '.join(outputs)}, CASE WHEN {self.skipped()} THEN []"  # noqa: S608 - compiled from c0.. and canonical names; values are $params
            f" ELSE list_filter([{', '.join(faults)}], lambda x: x IS NOT NULL) END AS errors,"
            f" {self.skipped()} AS __skip, {cells} FROM ({typed_layer})"
        )


def _finite(number: str) -> str:
    """A DOUBLE expression, NULL when it is NaN or infinite (cells `NaN`, `inf`, `1e999`)."""
    return f"CASE WHEN isfinite({number}) THEN {number} END"


def _whole(t: str) -> str:
    """A BIGINT from a text cell holding a whole number, else NULL: `4.5`, `NaN`, `inf` and
    numbers beyond BIGINT (`1e308`) are no whole number, never an error."""
    number = f"TRY_CAST({t} AS DOUBLE)"
    return f"CASE WHEN {number} = round({number}) THEN TRY_CAST({number} AS BIGINT) END"


def _num(value: float) -> str:
    return f"{value:g}"


def _vocab_words(vocab: str, lang: str) -> list[str]:
    """The codes a field takes, each with its word in the import's language."""
    return [vocab_choice(code, label(vocab, code, lang), lang) for code in VOCABULARIES[vocab]]


def plan(con: duckdb.DuckDBPyConnection, path: Path, *, workdir: Path, kind: str | None = None,
         mapping: Mapping | None = None, name: str | None = None, encoding: str | None = None,
         sheet: str | None = None, limit: int | None = None,
         progress: ReadProgress = readers._quiet) -> Plan:
    """Read a file into `raw` and work out its kind and columns; ImportFailed if unusable."""
    mapping = mapping or Mapping()
    try:
        src = readers.load(con, path, workdir=workdir, name=name, encoding=encoding, sheet=sheet,
                           limit=limit,
                           progress=progress)
    except ReadError as error:
        raise ImportFailed(str(error)) from error
    kind = kind or mapping.kind or guess_kind(src.headers, mapping)
    if kind is None:
        raise KindUnknown(
            f"{src.name}: cannot tell whether this is tickets, surveys, QA or calls; "
            "headers found: " + ", ".join(src.headers[:30]), src.headers,
        )
    if kind not in KINDS:
        raise ImportFailed(f"unknown kind {kind!r}; use one of {', '.join(KINDS)}")
    return Plan(src, kind, resolve(src.headers, kind, mapping), mapping)


def check(con: duckdb.DuckDBPyConnection, plan: Plan, site_tz: str, lang: str = "en") -> None:
    """Fill `staged` from `raw`: typed canonical columns and each row's list of faults."""
    if plan.resolution.missing:
        missing = ", ".join(plan.resolution.missing)
        raise ImportFailed(
            f"{plan.source.name}: required column{'s' if len(plan.resolution.missing) > 1 else ''} "
            f"{missing} not found for {plan.kind}; "
            f"headers found: {', '.join(plan.source.headers[:40])}"
        )
    if plan.resolution.ambiguous:
        raise ImportFailed(
            f"{plan.source.name}: more than one header gives the same column: "
            f"{plan.resolution.claims(plan.resolution.ambiguous)}; remove or rename all but "
            "one, or name the one to use in a mapping's [columns]"
        )
    _stage(con, plan, site_tz, lang)
    if plan.source.lazy:
        if readers.bad_lines(con):  # lines DuckDB could not split: number them exactly
            try:
                readers.read_exact(con, plan.source)
            except readers.ReadError as error:  # said like any other unreadable file
                raise ImportFailed(str(error)) from error
            _stage(con, plan, site_tz, lang)
        else:
            row = fetch_one(con, "SELECT count(*) FROM staged_rows")
            plan.source.rows = int(row[0]) if row else 0


def _record(n: int, alias: str = "") -> str:
    """A row's cells as the JSON list kept for a reject (each cell cut to RECORD_CHARS)."""
    return f"to_json([{', '.join(f'left({alias}c{i}, {RECORD_CHARS})' for i in range(n))}])"


def _stage(con: duckdb.DuckDBPyConnection, plan: Plan, site_tz: str, lang: str) -> None:
    compiler = _Compiler(plan, site_tz, lang)
    cells = ", ".join(f"c{i}" for i in range(len(plan.source.headers)))
    sql = (
        f"SELECT * EXCLUDE ({cells}), CASE WHEN len(errors) > 0 THEN"  # noqa: S608 - c0.. columns and the compiler's SELECT; values are $params
        f" {_record(len(plan.source.headers))} END AS record FROM ({compiler.select()})"
    )
    params = {**compiler.params, **plan.source.params}
    used = set(re.findall(r"\$(\w+)", sql))  # DuckDB refuses parameters the text doesn't use
    try:
        fetch_one(con, f"CREATE OR REPLACE TABLE staged_rows AS {sql}",
                  {k: v for k, v in params.items() if k in used})
    except duckdb.InvalidInputException as error:  # e.g. an unknown time zone in a mapping
        raise ImportFailed(f"{plan.source.name}: {error}") from error
    # A lazy scan numbers rows here: insertion order is the file's (the header is row 1).
    row = ("rowid + 2 AS __row, * EXCLUDE (__row, __skip)" if plan.source.lazy
           else "* EXCLUDE (__skip)")
    # Rows that are not records of the kind (not offered calls) are counted, not staged.
    con.execute(f"CREATE OR REPLACE VIEW staged AS SELECT {row} FROM staged_rows"  # noqa: S608 - a fixed row-number expression
                " WHERE NOT __skip")


def preview(con: duckdb.DuckDBPyConnection, plan: Plan, site_tz: str, lang: str,
            rows: int = 20) -> pl.DataFrame:
    """The first rows as they would be stored, with each row's problems (for the Data page)."""
    check(con, plan, site_tz, lang)
    frame = con.sql(
        "SELECT __row AS row, * EXCLUDE (__row, errors, record), array_to_string(list_transform("
        "errors, lambda e: e.field || ': ' || e.reason), '; ') AS problems FROM staged"
        " ORDER BY __row LIMIT $n", params={"n": rows},
    ).pl()
    return frame


def _parent_columns(kind: ExtractKind) -> list[str]:
    """The columns of the kind's own table (dimension scores and violations have tables)."""
    return [r.name for r in kind.rules() if r.type not in ("dimensions", "violations")]


def _merge(con: duckdb.DuckDBPyConnection, plan: Plan, started: datetime,
           lang: str, store: Store) -> tuple[int, dict[str, int], bool]:
    """Write `staged` into the attached store `s`; returns (import id, counts, demo removed)."""
    kind = KINDS[plan.kind]
    cols = _parent_columns(kind)
    _rank(con, kind.key, cols)
    demo_removed = _demo_only(con)
    stored = _stage_stored(con, store, plan.kind) if store.engine is not None else "s"
    _classify(con, plan.kind, cols, demo_removed, stored)
    result = _counts(con, plan.source)
    _room(store, plan.source.name, result["inserted"] + result["updated"] + result["rejected"])
    if result["duplicates"]:  # their cells, for the rejects (the only rows staged lacks)
        _stage_duplicate_cells(con, plan.source)
    dup_reason = reason("duplicate", lang, id_column=kind.key, row="{row}")
    con.register("bad_rows", _bad_rows(plan.source).to_arrow())
    fetch_one(con, "BEGIN TRANSACTION")
    written = False  # whether ClickHouse may hold some of the import's rows
    try:
        if demo_removed:
            _clear_store(con, store)
        import_id = _log_import(con, plan, result, started)
        if store.engine is None:
            _write_rows(con, plan.kind, cols, import_id)
        _write_rejects(con, kind.key, import_id, dup_reason if result["duplicates"] else None)
        con.execute(
            "UPDATE s.import_log SET finished_at = current_localtimestamp()"
            " WHERE import_id = $id", {"id": import_id},
        )
        if store.engine is not None:  # last: only the COMMIT can fail after it
            version = store.engine.top_version(DATA_TABLES) + 1
            written = True
            _write_clickhouse(con, store, plan.kind, cols, import_id, stored, version)
        con.execute("COMMIT")
    except BaseException as error:
        # a COMMIT that failed (the disk full for the WAL) has ended the transaction itself
        with contextlib.suppress(duckdb.TransactionException):
            con.execute("ROLLBACK")
        if written:
            _undo_clickhouse(con, store, plan, cols, import_id, stored, version, error)
        raise
    finally:
        con.unregister("bad_rows")
    return import_id, result, demo_removed


def _undo_clickhouse(con: duckdb.DuckDBPyConnection, store: Store, plan: Plan,
                     cols: list[str], import_id: int, stored: str, version: int,
                     error: BaseException) -> None:
    """After a failed import on ClickHouse: its rows there hidden, the stored ones live
    again (`_write_clickhouse(undo=True)`), so that the store is as it was, as on DuckDB.
    If that fails too (ClickHouse unreachable), ImportFailed says what to do."""
    try:
        _write_clickhouse(con, store, plan.kind, cols, import_id, stored, version, undo=True)
    except Exception as undo_error:
        raise ImportFailed(
            f"{plan.source.name}: the import failed ({str(error)[:300]}) and so did taking "
            f"its rows back out of {store.location} ({str(undo_error)[:300]}): the store "
            "may hold some of the file's rows; import the file again (it replaces them)"
        ) from error


def _rank(con: duckdb.DuckDBPyConnection, key: str, cols: list[str]) -> None:
    """Create `ranked`: the valid staged rows, rn 1 for the row kept of each id, and kept_row."""
    order = "updated_at DESC NULLS LAST, __row DESC" if "updated_at" in cols else "__row DESC"
    repeated = fetch_one(
        con, f"SELECT count(*) FROM (SELECT {key} FROM staged WHERE len(errors) = 0"  # noqa: S608 - key is the kind's own id column
        f" GROUP BY {key} HAVING count(*) > 1)",
    )
    if repeated and repeated[0]:  # rank repeated ids: the later updated_at, else row, is kept
        con.execute(
            "CREATE OR REPLACE TABLE ranked AS SELECT *, row_number() OVER w AS rn,"  # noqa: S608 - key is the kind's id column, order a fixed phrase
            f" first_value(__row) OVER w AS kept_row FROM staged WHERE len(errors) = 0"
            f" WINDOW w AS (PARTITION BY {key} ORDER BY {order})"
        )
    else:
        con.execute(
            "CREATE OR REPLACE VIEW ranked AS SELECT *, 1 AS rn, __row AS kept_row FROM staged"
            " WHERE len(errors) = 0"
        )


def _demo_only(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the store holds only demo imports (this import then replaces the demo data)."""
    demo = fetch_one(
        con,
        "SELECT count(*) FILTER (WHERE source = 'demo') > 0 AND count(*) FILTER"
        " (WHERE source <> 'demo') = 0 FROM s.import_log"
    )
    return bool(demo and demo[0])


def _children_compared(kind: str, stored: str) -> tuple[str, str]:
    """(join of the stored child rows as c.old, SQL that is true when a row's are unchanged)."""
    if kind == "surveys":
        return (" LEFT JOIN (SELECT survey_id, list({'dimension': dimension, 'score': score}"  # noqa: S608 - stored is "s" or "ch", this module's schema names
                f" ORDER BY dimension) AS old FROM {stored}.survey_dimension_scores GROUP BY ALL)"
                " c ON c.survey_id = k.survey_id",
                "coalesce(c.old, []) = list_sort(k.dims)")
    if kind == "qa":
        return (" LEFT JOIN (SELECT inspection_id, list({'category': category, 'severity':"  # noqa: S608 - stored is "s" or "ch", this module's schema names
                f" severity}} ORDER BY item) AS old FROM {stored}.qa_violations GROUP BY ALL) c"
                " ON c.inspection_id = k.inspection_id",
                "coalesce(c.old, []) = coalesce(list_transform(k.violations, lambda x: "
                "{'category': x.category, 'severity': x.severity}), [])")
    return "", "true"


def _classify(con: duckdb.DuckDBPyConnection, kind_name: str, cols: list[str],
              demo_removed: bool, stored: str = "s") -> None:
    """Create `classified`: each id's kept row with its action: new, stale, same or changed;
    `stored` is the schema holding the rows stored so far (the attached store `s`, or the
    ClickHouse rows of the incoming ids, `_stage_stored`)."""
    kind = KINDS[kind_name]
    key = kind.key
    child_join, same_children = _children_compared(kind_name, stored)
    stale = ("k.updated_at IS NOT NULL AND e.updated_at IS NOT NULL AND k.updated_at < "
             "e.updated_at" if "updated_at" in cols else "false")
    row_k = ", ".join(f"k.{c}" for c in cols)
    row_e = ", ".join(f"e.{c}" for c in cols)
    empty = fetch_one(con, "SELECT count(*) = 0 FROM"  # noqa: S608 - the kind's own table name
                      f" (SELECT 1 FROM {stored}.{kind.table} LIMIT 1)")
    # Nothing stored yet, or only demo rows that this import deletes: every row is new.
    if demo_removed or (empty and empty[0]):
        con.execute("CREATE OR REPLACE VIEW classified AS SELECT *, 'new' AS action FROM ranked"
                    " WHERE rn = 1")
    else:
        con.execute(
            "CREATE OR REPLACE TABLE classified AS SELECT k.*,"  # noqa: S608 - the kind's table and column names only
            f" CASE WHEN e.{key} IS NULL THEN 'new'"
            f" WHEN {stale} THEN 'stale' WHEN ROW({row_k}) IS NOT DISTINCT FROM ROW({row_e})"
            f" AND {same_children} THEN 'same' ELSE 'changed' END AS action"
            f" FROM ranked k LEFT JOIN {stored}.{kind.table} e ON e.{key} = k.{key}{child_join}"
            " WHERE k.rn = 1"
        )


def _counts(con: duckdb.DuckDBPyConnection, src: ExtractFile) -> dict[str, int]:
    """The rows read, inserted, updated, unchanged, skipped, duplicated and rejected."""
    counts = dict(con.execute(
        "SELECT action, count(*) FROM classified GROUP BY action").fetchall())
    dups = fetch_one(con, "SELECT count(*) FROM ranked WHERE rn > 1")
    bad = fetch_one(con, "SELECT count(*) FROM staged WHERE len(errors) > 0")
    not_rows = fetch_one(con, "SELECT count(*) FROM staged_rows WHERE __skip")
    result = {
        "read": src.rows + len(src.bad_rows) + src.not_records,
        "inserted": int(counts.get("new", 0)), "updated": int(counts.get("changed", 0)),
        "unchanged": int(counts.get("same", 0)), "skipped": int(counts.get("stale", 0)),
        "not_records": (int(not_rows[0]) if not_rows else 0) + src.not_records,
        "duplicates": int(dups[0]) if dups else 0,
    }
    result["rejected"] = (int(bad[0]) if bad else 0) + result["duplicates"] + len(src.bad_rows)
    return result


def _stage_duplicate_cells(con: duckdb.DuckDBPyConnection, src: ExtractFile) -> None:
    """Create `dup_cells`: the record of each row whose id an earlier-kept row repeats."""
    numbered = (f"(SELECT row_number() OVER () + 1 AS __row, * EXCLUDE (__row)"  # noqa: S608 - src.relation is raw or the reader's $param read_csv scan
                f" FROM {src.relation})" if src.lazy else src.relation)
    con.execute(
        "CREATE OR REPLACE TABLE dup_cells AS SELECT r.__row,"  # noqa: S608 - c0.. columns and the reader's relation; values bound
        f" {_record(len(src.headers), 'r.')} AS record FROM {numbered} r"
        " WHERE r.__row IN (SELECT __row FROM ranked WHERE rn > 1)",
        dict(src.params),
    )


def _bad_rows(src: ExtractFile) -> pl.DataFrame:
    """The rows the reader could not split: row, reason and the record kept for the rejects."""
    return pl.DataFrame(
        {"row": [b.row for b in src.bad_rows], "reason": [b.reason for b in src.bad_rows],
         "record": [json.dumps([c[:RECORD_CHARS] for c in b.cells] if b.cells else [b.text],
                               ensure_ascii=False) for b in src.bad_rows]},
        schema={"row": pl.Int64, "reason": pl.String, "record": pl.String},
    )


def _clear_store(con: duckdb.DuckDBPyConnection, store: Store) -> None:
    """Delete every data row, reject and log entry of the attached store (the demo's)."""
    for table in DATA_TABLES:
        con.execute(f"DELETE FROM s.{table}")  # noqa: S608 - fixed table names (DATA_TABLES)
    if store.engine is not None:
        store.engine.truncate(DATA_TABLES)
    con.execute("DELETE FROM s.import_rejects")
    con.execute("DELETE FROM s.import_log")


def _log_import(con: duckdb.DuckDBPyConnection, plan: Plan, result: dict[str, int],
                started: datetime) -> int:
    """Insert the import's log entry (counts, file, mapping used); returns its import id."""
    src = plan.source
    mapping_json = json.dumps(
        {"headers": src.headers, "columns": {c: src.headers[i] for c, i in
                                             plan.resolution.columns.items()},
         "dimensions": {d: src.headers[i] for d, i in plan.resolution.dimensions.items()},
         "mapping": plan.mapping.name},
        ensure_ascii=False,
    )
    row = fetch_one(
        con,
        "INSERT INTO s.import_log (kind, source, file_name, content_hash, rows_read,"
        " rows_inserted, rows_updated, rows_unchanged, rows_skipped, rows_rejected,"
        " started_at, file_format, encoding, mapping) VALUES ($kind, 'file', $file, $hash,"
        " $read, $inserted, $updated, $unchanged, $skipped, $rejected, $started, $format,"
        " $encoding, $mapping) RETURNING import_id",
        {"kind": plan.kind, "file": src.name, "hash": src.content_hash,
         "read": result["read"], "inserted": result["inserted"],
         "updated": result["updated"], "unchanged": result["unchanged"],
         # rows_skipped: older than the stored row, and rows that are not records (calls
         # never offered)
         "skipped": result["skipped"] + result["not_records"], "rejected": result["rejected"],
         "started": started, "format": src.format, "encoding": src.encoding,
         "mapping": mapping_json},
    )
    assert row is not None
    return int(row[0])


def _write_rows(con: duckdb.DuckDBPyConnection, kind_name: str, cols: list[str],
                import_id: int) -> None:
    """Insert the new rows, replace the changed ones, and rewrite their child rows."""
    kind = KINDS[kind_name]
    key = kind.key
    names = ", ".join(cols)
    # New ids take a plain INSERT (no conflict check: nearly twice as fast on a million
    # rows); changed ones replace the stored row.
    for verb, action in (("INSERT", "new"), ("INSERT OR REPLACE", "changed")):
        con.execute(
            f"{verb} INTO s.{kind.table} ({names}, import_id) SELECT {names}, $id"  # noqa: S608 - fixed verbs, the kind's table and columns; values bound
            " FROM classified WHERE action = $action",
            {"id": import_id, "action": action},
        )
    child = CHILD_TABLES.get(kind_name)
    if child is None:
        return
    con.execute(
        f"DELETE FROM s.{child} WHERE {key} IN (SELECT {key} FROM classified"  # noqa: S608 - the kind's child table and id column
        " WHERE action = 'changed')"
    )
    con.execute(f"INSERT INTO s.{child} {CHILD_ROWS[kind_name][0]}")


STORED_IDS_AT_ONCE: Final[int] = 100_000


def _stage_stored(con: duckdb.DuckDBPyConnection, store: Store, kind_name: str) -> str:
    """The rows a ClickHouse store holds for the incoming ids (and their child rows), copied
    into schema `ch` of the import's DuckDB, where `_classify` compares them as it compares
    an attached DuckDB store's. Returns the schema's name."""
    assert store.engine is not None
    kind = KINDS[kind_name]
    key = kind.key
    ids = [r[0] for r in con.execute(f"SELECT DISTINCT {key} FROM ranked WHERE rn = 1").fetchall()]  # noqa: S608 - the kind's id column
    con.execute("CREATE SCHEMA IF NOT EXISTS ch")
    for table in (kind.table, CHILD_TABLES.get(kind_name)):
        if table is None:
            continue
        parts = [store.engine.frame(
            f"SELECT * FROM {table} WHERE {key} IN (SELECT unnest($ids))", {"ids": chunk})  # noqa: S608 - the kind's table and id column; ids bound
            for chunk in _chunks(ids, STORED_IDS_AT_ONCE)] or [
            store.engine.frame(f"SELECT * FROM {table} LIMIT 0", {})]  # noqa: S608 - fixed table
        found = pl.concat(parts).drop("_version", "_deleted")
        con.register("found", found.to_arrow())
        try:
            con.execute(f"CREATE OR REPLACE TABLE ch.{table} AS SELECT * FROM found")  # noqa: S608 - the kind's table
        finally:
            con.unregister("found")
    return "ch"


def _chunks(items: list[str], size: int) -> list[list[str]]:
    return [items[i:i + size] for i in range(0, len(items), size)]


def _write_clickhouse(con: duckdb.DuckDBPyConnection, store: Store, kind_name: str,
                      cols: list[str], import_id: int, stored: str, version: int, *,
                      undo: bool = False) -> None:
    """The import's rows to ClickHouse at `version`: FINAL reads keep them over
    the versions stored. A changed row whose month moved leaves a tombstone (`_deleted` 1) of
    its stored version in the old month's partition, where FINAL (which merges within a
    partition) then hides it; so do a changed row's child rows that the file no longer has.

    `version` is above every version stored (Engine.top_version + 1, taken under the write
    lock). `undo` writes it the other way round, one version higher: the stored versions live
    again, the import's hidden. ClickHouse has no transaction to roll back with the import
    log's: this is what a failed import writes instead (`_merge`)."""
    assert store.engine is not None
    kind = KINDS[kind_name]
    key = kind.key
    moment = clickhouse.KEYS[kind.table][1]
    params = {"id": import_id, "v": version + int(undo)}
    # the import's row (k, always there) and the stored one (e, there when changed)
    sides = {"k": [*(f"k.{c}" for c in cols), "$id::INTEGER AS import_id"],
             "e": [*(f"e.{c}" for c in cols), "e.import_id"]}
    live, gone = ("e", "k") if undo else ("k", "e")
    store.engine.insert(kind.table, con.sql(
        f"SELECT {', '.join(sides[live])}, $v::UBIGINT AS _version, 0::UTINYINT AS _deleted"  # noqa: S608 - the kind's table and columns; values bound
        f" FROM classified k LEFT JOIN {stored}.{kind.table} e ON e.{key} = k.{key}"
        f" WHERE k.action IN ('new', 'changed') AND {live}.{key} IS NOT NULL UNION ALL"
        f" SELECT {', '.join(sides[gone])}, $v::UBIGINT, 1::UTINYINT"
        f" FROM classified k LEFT JOIN {stored}.{kind.table} e ON e.{key} = k.{key}"
        f" WHERE k.action IN ('new', 'changed') AND {gone}.{key} IS NOT NULL"
        f" AND ({live}.{key} IS NULL OR date_trunc('month', {gone}.{moment})"
        f" <> date_trunc('month', {live}.{moment}))", params=params).to_arrow_table())
    child = CHILD_TABLES.get(kind_name)
    if child is None:
        return
    new, child_key = CHILD_ROWS[kind_name]
    old = (f"SELECT * FROM {stored}.{child} WHERE {key} IN"  # noqa: S608 - the kind's child table and id column
           f" (SELECT {key} FROM classified WHERE action = 'changed')")
    live, gone = ("old", "new") if undo else ("new", "old")
    store.engine.insert(child, con.sql(
        f"WITH new AS ({new}), old AS ({old}) SELECT *, $v::UBIGINT AS _version,"  # noqa: S608 - this module's text and the kind's names
        f" 0::UTINYINT AS _deleted FROM {live} UNION ALL SELECT g.*, $v::UBIGINT, 1::UTINYINT"
        f" FROM {gone} g WHERE NOT EXISTS (SELECT 1 FROM {live} l WHERE l.{key} = g.{key}"
        f" AND l.{child_key} = g.{child_key})", params={"v": params["v"]}).to_arrow_table())


def _write_rejects(con: duckdb.DuckDBPyConnection, key: str, import_id: int,
                   dup_reason: str | None) -> None:
    """Insert the rejects: faulty staged rows, repeated ids (if `dup_reason`), bad_rows."""
    con.execute(
        "INSERT INTO s.import_rejects SELECT $id, __row, e.field, e.value, e.reason, record"
        " FROM (SELECT __row, record, unnest(errors) AS e FROM staged"
        " WHERE len(errors) > 0)",
        {"id": import_id},
    )
    if dup_reason is not None:
        con.execute(
            f"INSERT INTO s.import_rejects SELECT $id, k.__row, '{key}', k.{key},"  # noqa: S608 - key is the kind's id column; the reason is $dup
            f" replace($dup, '{{row}}', CAST(k.kept_row AS VARCHAR)), d.record"
            " FROM ranked k JOIN dup_cells d USING (__row) WHERE k.rn > 1",
            {"id": import_id, "dup": dup_reason},
        )
    con.execute(
        "INSERT INTO s.import_rejects SELECT $id, row, NULL, NULL, reason, record::JSON"
        " FROM bad_rows",
        {"id": import_id},
    )


def import_file(
    store: Store, kind: str | None, path: Path, *, mapping: Mapping | None = None,
    name: str | None = None, encoding: str | None = None, sheet: str | None = None,
    lang: str = "en", progress: ReadProgress = readers._quiet,
    on_wait: Callable[[str], None] | None = None,
) -> ImportResult:
    """Import one file into the store; ImportFailed (nothing written) when it cannot be.
    The journal beside the store notes its start and end: killed halfway, it is said as an
    import that did not finish."""
    token = journal.started(store, name or path.name, kind, path)
    committed: list[bool] = []

    def on_commit() -> None:  # said at once: killed later (while compacting), it did finish
        journal.ended(store, token, "done")
        committed.append(True)

    try:
        return _import_file(store, kind, path, mapping=mapping, name=name,
                            encoding=encoding, sheet=sheet, lang=lang, progress=progress,
                            on_wait=on_wait, on_commit=on_commit)
    finally:
        if not committed:
            journal.ended(store, token, "failed")


def _import_file(
    store: Store, kind: str | None, path: Path, *, mapping: Mapping | None,
    name: str | None, encoding: str | None, sheet: str | None, lang: str,
    progress: ReadProgress, on_wait: Callable[[str], None] | None,
    on_commit: Callable[[], None],
) -> ImportResult:
    began = time.perf_counter()
    started = datetime.now().replace(microsecond=0)
    store.ensure(on_wait)  # here, not only at attach: a wait for another writer is said now
    site_tz = store.settings().timezone
    con = _spill_connection()
    try:
        with tempfile.TemporaryDirectory(prefix="servicelens-") as workdir:
            the_plan = plan(con, path, workdir=Path(workdir), kind=kind, mapping=mapping,
                            name=name, encoding=encoding, sheet=sheet, progress=progress)
            progress(0.45, "check")
            try:
                check(con, the_plan, site_tz, lang)
            except (duckdb.OutOfMemoryException, duckdb.IOException) as error:
                if isinstance(error, duckdb.IOException) and not disk_full(error):
                    raise
                raise ImportFailed(readers.out_of_room(the_plan.source.name, error)) from error
            progress(0.6, "write")
            with store.writer_first(), store.attached(con, "s", on_wait):
                previous = fetch_one(
                    con,
                    "SELECT max(import_id) FROM s.import_log WHERE content_hash = $h"
                    " AND kind = $k",
                    {"h": the_plan.source.content_hash, "k": the_plan.kind},
                )
                try:
                    import_id, counts, demo_removed = _merge(con, the_plan, started, lang,
                                                             store)
                except duckdb.Error as error:  # rolled back: the store is as it was
                    if not disk_full(error):
                        raise
                    raise ImportFailed(_full_words(store, the_plan.source.name)) from error
                on_commit()
                notes = [_checkpoint(con, store), _doubtful(the_plan)]
    finally:
        con.close()
    progress(1.0, "done")
    src = the_plan.source
    return ImportResult(
        import_id=import_id, file_name=src.name, kind=the_plan.kind, file_format=src.format,
        encoding=src.encoding, rows_read=counts["read"], inserted=counts["inserted"],
        updated=counts["updated"], unchanged=counts["unchanged"], skipped=counts["skipped"],
        rejected=counts["rejected"], not_records=counts["not_records"],
        duplicates=counts["duplicates"],
        demo_removed=demo_removed,
        previous_import=int(previous[0]) if previous and previous[0] is not None else None,
        seconds=time.perf_counter() - began, note="; ".join(n for n in notes if n),
    )


def _doubtful(plan: Plan) -> str:
    """An optional column more than one header names: the first was read, the rest said."""
    doubtful, headers = plan.resolution.doubtful, plan.resolution.headers
    return "; ".join(
        f"{column} was read from {named(headers, read)}, though "
        f"{' and '.join(named(headers, i) for i in others)} also gives it (name the one to "
        "use in a mapping's [columns])" for column, (read, *others) in doubtful.items())


def _full_words(store: Store, name: str) -> str:
    free = shutil.disk_usage(store.path.parent).free
    size = store.path.stat().st_size if store.path.exists() else 0
    return (f"{name}: the disk holding the store ({store.path.parent}) is full "
            f"({free / 2 ** 20:,.1f} MB free); nothing was imported and the store's data is as "
            f"it was, though its file grew to {size / 2 ** 20:,.1f} MB with blocks written "
            "before the disk filled: free some space on that disk (or move the store to a "
            "larger one) before anything else is written, and import again")


def _room(store: Store, name: str, rows: int) -> None:
    """ImportFailed before anything is written when the store's disk plainly lacks the room
    the rows to write (new, changed and rejected) need: ROW_BYTES a row, plus ROOM_MARGIN."""
    need = rows * ROW_BYTES + ROOM_MARGIN
    free = shutil.disk_usage(store.path.parent).free
    if free < need:
        raise ImportFailed(
            f"{name}: the disk holding the store ({store.path.parent}) has "
            f"{free / 2 ** 20:,.1f} MB free and {rows:,} rows to write need about "
            f"{need / 2 ** 20:,.0f} MB; nothing was imported: free some space, or move the "
            "store to a larger disk, and import again")


def _checkpoint(con: duckdb.DuckDBPyConnection, store: Store) -> str:
    """Fold the import into the store file; "" or, when the disk filled after the commit
    (the rows are safe in the WAL and the next write folds them in), a note saying so."""
    try:
        con.execute("CHECKPOINT s")
    except duckdb.IOException as error:
        if not disk_full(error):
            raise
        return (f"imported, but the disk holding the store ({store.path.parent}) filled up "
                "while the store file was being compacted: the rows are safe in its "
                f"write-ahead log ({store.path.name}.wal); free some space soon")
    return ""


def rejects(store: Store, import_id: int, *, unmask: bool = False) -> pl.DataFrame:
    """An import's rejected rows as the file had them, plus _file, _row, _field, _value, _reason.
    The file's columns mapped to customers' names and phones are masked (and so is the value
    of such a field) unless `unmask`."""
    with store.reader() as con:
        meta = fetch_one(con, "SELECT file_name, mapping FROM import_log WHERE import_id = $id",
                         {"id": import_id})
        frame = con.sql(
            "SELECT row_number AS _row, string_agg(coalesce(field, ''), '; ' ORDER BY field)"
            " AS _field, string_agg(coalesce(value, ''), '; ' ORDER BY field) AS _value,"
            " string_agg(reason, '; ' ORDER BY field) AS _reason, any_value(record) AS record"
            " FROM import_rejects WHERE import_id = $id GROUP BY row_number ORDER BY row_number",
            params={"id": import_id},
        ).pl()
    if meta is None:
        return pl.DataFrame()
    logged = (json.loads(meta[1]) or {}) if meta[1] else {}
    headers: list[str] = logged.get("headers", [])
    private = {c: h for c, h in logged.get("columns", {}).items() if c in drill.PRIVATE_COLUMNS}
    records = [json.loads(r) if r else [] for r in frame["record"].to_list()]
    width = max([len(headers), *(len(r) for r in records)]) if records else len(headers)
    names = _unique([*headers, *[f"column{i + 1}" for i in range(len(headers), width)]])
    original = pl.DataFrame(
        [pl.Series(n, [r[i] if i < len(r) else None for r in records], pl.String)
         for i, n in enumerate(names)]
    ) if records else pl.DataFrame(schema={n: pl.String for n in names})
    info = frame.drop("record").with_columns(pl.lit(meta[0]).alias("_file"))
    if not unmask:
        original = original.with_columns(
            drill.PRIVATE_COLUMNS[c](h).alias(h) for c, h in private.items()
            if h in original.columns)
        info = info.with_columns(
            pl.when(pl.col("_field").str.contains("customer_")).then(pl.lit("****"))
            .otherwise(pl.col("_value")).alias("_value"))
    return pl.concat([original, info.select("_file", "_row", "_field", "_value", "_reason")],
                     how="horizontal")


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for n in names:
        seen[n] = seen.get(n, 0) + 1
        out.append(n if seen[n] == 1 else f"{n}_{seen[n]}")
    return out


def write_rejects(store: Store, import_id: int, folder: Path) -> Path | None:
    """The rejects as a CSV Excel opens (UTF-8 BOM, formulas neutralised); None if none."""
    frame = rejects(store, import_id)
    if frame.is_empty():
        return None
    folder.mkdir(parents=True, exist_ok=True)
    stem = Path(str(frame["_file"][0])).stem
    path = folder / f"{stem}.import-{import_id}.rejects.csv"
    path.write_bytes(csv_bytes(frame))
    return path


def log(store: Store) -> pl.DataFrame:
    """Every import, newest first."""
    with store.reader() as con:
        return con.sql(
            "SELECT import_id, kind, source, file_name, file_format, encoding, rows_read,"
            " rows_inserted, rows_updated, rows_unchanged, rows_skipped, rows_rejected,"
            " started_at, finished_at, content_hash FROM import_log ORDER BY import_id DESC"
        ).pl()


@dataclass(frozen=True)
class Preview:
    """A file's first rows as they would be stored, before importing it."""

    name: str
    headers: list[str]
    kind: str | None
    resolution: Resolution | None
    rows: pl.DataFrame
    error: str | None = None  # why nothing could be imported, if so


def preview_file(path: Path, *, kind: str | None = None, mapping: Mapping | None = None,
                 name: str | None = None, encoding: str | None = None,
                 sheet: str | None = None, site_tz: str = "Asia/Shanghai", lang: str = "en",
                 rows: int = 20) -> Preview:
    """Read the head of a file, guess its kind, map and check it; never raises ImportFailed."""
    con = _spill_connection()
    headers: list[str] = []
    try:
        with tempfile.TemporaryDirectory(prefix="servicelens-") as workdir:
            try:
                the_plan = plan(con, path, workdir=Path(workdir), kind=kind, mapping=mapping,
                                name=name, encoding=encoding, sheet=sheet, limit=rows)
            except KindUnknown as error:
                return Preview(name or path.name, error.headers, None, None, pl.DataFrame())
            except ImportFailed as error:
                return Preview(name or path.name, headers, kind, None, pl.DataFrame(), str(error))
            headers = the_plan.source.headers
            if the_plan.resolution.missing or the_plan.resolution.ambiguous:  # a pick first
                return Preview(the_plan.source.name, headers, the_plan.kind,
                               the_plan.resolution, pl.DataFrame())
            frame = preview(con, the_plan, site_tz, lang, rows)
            return Preview(the_plan.source.name, headers, the_plan.kind, the_plan.resolution,
                           frame)
    except ImportFailed as error:
        return Preview(name or path.name, headers, kind, None, pl.DataFrame(), str(error))
    finally:
        con.close()
