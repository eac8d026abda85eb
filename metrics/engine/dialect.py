"""The compiler's DuckDB SQL said in ClickHouse: SQLGlot's transpiler where it is exact, and
a rewrite of the syntax tree by hand for each construct where it is not.

The compiler (`engine.sql`) writes one text per query, in DuckDB's dialect; this module is
the only place that knows ClickHouse's. Where SQLGlot's own translation was measured wrong or
missing (docs/scale.md, "Two dialects"), the tree is rewritten before it is printed:

- `quantile_cont(x, q)` → DuckDB's interpolation over `arraySort(groupArray(x))`, the same
  floating-point steps (ClickHouse's `quantile` samples; its exact `quantileExactInclusive`
  differs in the last bit; SQLGlot prints a PERCENTILE_CONT ClickHouse lacks);
- `epoch(a - b)` → `dateDiff('microsecond', b, a) / 1e6` (SQLGlot: a TIME_TO_UNIX that does
  not exist);
- `list[i]` → `arrayElementOrNull(list, i)`: DuckDB gives NULL out of range (the business
  clock relies on it), ClickHouse's `list[i]` gives 0;
- a SELECT of several `unnest`s and no FROM zips the lists in DuckDB; two `arrayJoin`s are a
  cartesian product (every ticket matched 5 times): `arrayJoin(arrayZip(...))`;
- `map_entries(histogram(x))` → the counts of `sumMap`; ClickHouse's histogram is numeric bins;
- `lower` → `lowerUTF8` and `trim` → a Unicode-whitespace strip (ASCII-only in ClickHouse);
- `date_trunc($grain, ts)` keeps its bound unit (SQLGlot takes it for a unit keyword);
- `$name` → `{name:Type}`, ClickHouse's server-side bind parameter, typed by `param_type`.

The connection settings that make the rest mean the same (NULL for an empty aggregate and an
unmatched join, FINAL reads, UTC) are in `engine.clickhouse.SETTINGS`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, Final

import sqlglot
from sqlglot import exp

_PARAM: Final = re.compile(r"\$([a-z_][a-z0-9_]*)")
_MARK: Final[str] = "__p_"
_MARKED: Final = re.compile(rf"\b{_MARK}([a-z0-9_]+)\b", re.IGNORECASE)

# Parameters whose type does not follow from one value: lists that may be empty, numbers
# that may be unset, times that are always stored as DateTime64(6) in UTC (the site's wall
# clock, as DuckDB's naive TIMESTAMP).
_TIME: Final[str] = "DateTime64(6, 'UTC')"
_DECLARED: Final[dict[str, str]] = {
    "date_from": _TIME, "date_to_excl": _TIME, "as_of": _TIME,
    "bh_start": "Date", "bh_open": "Array(Float64)", "bh_close": "Array(Float64)",
    "bh_cum": "Array(Float64)", "std_seconds": "Array(Float64)",
    "std_channels": "Array(String)", "access_teams": "Array(String)",
    "complaint_limit_s": "Nullable(Float64)", "short_abandon_s": "Nullable(Float64)",
    "phone_standard_s": "Nullable(Float64)", "whole_queue": "Bool", "limit": "Int64",
    "grain": "String", "search": "String", "ids": "Array(String)",
}


def param_type(name: str, value: object) -> str:
    """The ClickHouse type a parameter is bound as: declared by name, else from its value."""
    if name in _DECLARED:
        return _DECLARED[name]
    if name.startswith("f_"):
        return "Array(String)"
    return _value_type(value)


def _value_type(value: object) -> str:
    if isinstance(value, bool):
        return "Bool"
    if isinstance(value, int):
        return "Int64"
    if isinstance(value, float):
        return "Float64"
    if isinstance(value, datetime):
        return _TIME
    if isinstance(value, date):
        return "Date"
    if isinstance(value, (list, tuple)):
        inner = {_value_type(v) for v in value if v is not None}
        if inner <= {"Int64", "Float64"} and inner:
            return "Array(Float64)" if "Float64" in inner else "Array(Int64)"
        return "Array(String)"
    if value is None:
        return "Nullable(String)"
    return "String"


Schema = tuple[tuple[str, tuple[str, ...]], ...]


def translate(sql: str, params: dict[str, Any], schema: Schema = ()) -> str:
    """The ClickHouse text of a DuckDB query of the compiler, its `$name`s bound by type;
    `schema` ((table, columns), ...) spells out `alias.*` over those tables."""
    types = tuple(sorted((name, param_type(name, value)) for name, value in params.items()))
    return _translate(sql, types, schema)


@functools.lru_cache(maxsize=2048)
def _translate(sql: str, types: tuple[tuple[str, str], ...], schema: Schema) -> str:
    # `$a[...$b` reads as a dollar-quoted string to SQLGlot: parameters become plain names
    # while the tree is rewritten, and ClickHouse's {name:Type} when it is printed
    tree = sqlglot.parse_one(_PARAM.sub(rf"{_MARK}\1", sql), read="duckdb")
    if schema:
        _spell_stars(tree, dict(schema))
    _truth_values(tree)
    tree = _rewritten(tree)
    text = tree.sql(dialect="clickhouse")
    typed = dict(types)

    def bind(match: re.Match[str]) -> str:
        name = match.group(1).lower()
        if name not in typed:
            raise KeyError(f"the query names ${name} but binds no such parameter")
        return f"{{{name}:{typed[name]}}}"

    return _MARKED.sub(bind, text)


def _spell_stars(tree: exp.Expr, schema: dict[str, tuple[str, ...]]) -> None:
    """`tk.*` (and `c.* REPLACE (… AS team)`) over a stored table as its columns, one by one.
    ClickHouse names a star's columns `tk.agent` when another table of the join has an
    `agent` too, and an outer `q.agent` then finds nothing; spelled out, each keeps its name
    (and the version columns stay out of the relations)."""
    for select in list(tree.find_all(exp.Select)):
        tables = [select.args["from_"].this] if select.args.get("from_") else []
        tables += [join.this for join in select.args.get("joins") or []]
        named = {t.alias_or_name: t.name for t in tables
                 if isinstance(t, exp.Table) and t.name in schema}
        spelled: list[exp.Expr] = []
        for item in select.expressions:
            star = item.this if isinstance(item, exp.Column) else None
            if not isinstance(star, exp.Star) or item.table not in named:
                spelled.append(item)
                continue
            replaced = {a.alias: a.this for a in star.args.get("replace") or []}
            for column in schema[named[item.table]]:
                value = replaced.get(column, exp.column(column, table=item.table))
                spelled.append(exp.alias_(value.copy(), column))
        select.set("expressions", spelled)


def _is_truth(node: exp.Expr) -> bool:
    node = node.unnest() if isinstance(node, exp.Paren) else node
    if isinstance(node, exp.Coalesce):
        return _is_truth(node.this)
    return isinstance(node, (exp.Predicate, exp.Connector, exp.Not, exp.Boolean))


def _truth_values(tree: exp.Expr) -> None:
    """A named truth value (`… AS answered`, `coalesce(hit, false) AS _counted`) as a Bool:
    ClickHouse answers a comparison with UInt8, a number to every reader of the column."""
    for alias in list(tree.find_all(exp.Alias)):
        if _is_truth(alias.this):
            alias.set("this", exp.Cast(this=alias.this.copy(),
                                       to=exp.DataType.build("BOOLEAN")))


def _fn(name: str, *args: exp.Expr) -> exp.Expr:
    return exp.Anonymous(this=name, expressions=list(args))


def _ch(text: str, **parts: exp.Expr) -> exp.Expr:
    """A ClickHouse expression from text, each `_name_` column replaced by `parts[name]`."""
    tree = sqlglot.parse_one(text, read="clickhouse")
    for column in list(tree.find_all(exp.Column)):
        if column.name.startswith("_") and column.name.strip("_") in parts:
            column.replace(parts[column.name.strip("_")].copy())
    return tree


# DuckDB's trim strips Unicode white space (the ideographic space U+3000 of a Chinese
# comment too); ClickHouse's trim only ASCII spaces.
_TRIM: Final[str] = r"'^[\\s\\p{Z}]+|[\\s\\p{Z}]+$'"


def _quantile(node: exp.Expr, only: exp.Expr | None = None) -> exp.Expr:
    """DuckDB's quantile_cont, its very arithmetic: with RN = (n - 1) q, the sorted values'
    lo = v[floor RN] and hi = v[ceil RN], lo + (hi - lo)(RN - floor RN). ClickHouse's
    quantileExactInclusive interpolates alike but from q (n - 1) + 1, which differs in the
    last bit now and then: the CLI's JSON would not be identical."""
    if only is None and isinstance(node.parent, exp.Filter):
        return node  # its FILTER rewrites it (_filtered), with the condition inside
    values = f"groupArrayIf(_x_, {only.sql('clickhouse')})" if only is not None \
        else "groupArray(_x_)"
    sort = f"arraySort({values})"
    rn = f"((length({sort}) - 1) * {node.expression.sql('clickhouse')})"
    lo, hi = (f"toFloat64({sort}[toUInt64({f}({rn})) + 1])" for f in ("floor", "ceil"))
    return _ch(f"if(length({sort}) = 0, NULL, {lo} + ({hi} - {lo}) * ({rn} - floor({rn})))",
               x=node.this)


def _filtered(node: exp.Expr) -> exp.Expr:
    """`quantile_cont(x, q) FILTER (WHERE c)`: the filter goes inside (groupArrayIf)."""
    if isinstance(node.this, exp.PercentileCont):
        return _quantile(node.this, node.expression.this)
    return node


def _epoch(node: exp.Expr) -> exp.Expr:
    inner = node.this.unnest() if isinstance(node.this, exp.Paren) else node.this
    if not isinstance(inner, exp.Sub):
        raise ValueError(f"epoch of a moment is not translated: {node.sql('duckdb')}")
    return _ch("dateDiff('microsecond', _b_, _a_) / 1e6", a=inner.this, b=inner.expression)


def _element(node: exp.Expr) -> exp.Expr:
    index = node.expressions[0]
    # SQLGlot keeps DuckDB's 1-based index as `i + -1`
    if (isinstance(index, exp.Add) and isinstance(index.expression, exp.Neg)
            and index.expression.this == exp.Literal.number(1)):
        index = index.this
    else:
        index = exp.Add(this=index, expression=exp.Literal.number(1))
    return _fn("arrayElementOrNull", node.this, index)


def _trunc(node: exp.Expr) -> exp.Expr:
    unit = node.args.get("unit")
    if unit is None or not unit.name.lower().startswith(_MARK):
        return node
    return _fn("dateTrunc", exp.column(unit.name.lower()), node.this)


def _trim(node: exp.Expr) -> exp.Expr:
    if node.args.get("expression"):
        return node
    return _ch(f"replaceRegexpAll(_x_, {_TRIM}, '')", x=node.this)


def _entries(node: exp.Expr) -> exp.Expr:
    inner = node.expressions[0] if node.name.lower() == "map_entries" else None
    if not (isinstance(inner, exp.Anonymous) and inner.name.lower() == "histogram"):
        return node
    return _ch("arrayMap((k, v) -> CAST((k, v), 'Tuple(key String, value UInt64)'),"
               " mapKeys(sumMap(map(_x_, toUInt64(1)))),"
               " mapValues(sumMap(map(_x_, toUInt64(1)))))", x=inner.expressions[0])


def _unnests(node: exp.Expr) -> exp.Expr:
    if node.args.get("from_") or not node.expressions or not all(
            isinstance(e, exp.Alias) and isinstance(e.this, (exp.Unnest, exp.Explode))
            for e in node.expressions):
        return node
    return _zipped(node)


_REWRITES: Final[dict[type[exp.Expr], Callable[[exp.Expr], exp.Expr]]] = {
    exp.PercentileCont: _quantile,
    exp.Filter: _filtered,
    exp.TimeToUnix: _epoch,
    exp.Bracket: _element,
    exp.TimestampTrunc: _trunc,
    exp.Lower: lambda node: _fn("lowerUTF8", node.this),
    exp.Trim: _trim,
    # exact for integers, the compiler's only use (a half hour: minute // 30); DuckDB's //
    # of two doubles divides without flooring (7.5 // 2 = 3.75), intDiv would floor
    exp.IntDiv: lambda node: _fn("intDiv", node.this, node.expression),
    exp.Anonymous: _entries,
    exp.Select: _unnests,
}


def _rewritten(tree: exp.Expr) -> exp.Expr:
    """Every node rewritten, the deepest first: a rewrite then builds on arguments already in
    ClickHouse's terms (`quantile_cont(epoch(b - a), q)`, `lower(trim(c))`). SQLGlot's
    `transform` goes the other way and does not visit what a rewrite put in a node's place."""
    for node in reversed(list(tree.walk(bfs=True))):
        new = _rewrite(node)
        if new is node:
            continue
        if node is tree:
            tree = new
        else:
            node.replace(new)
    return tree


def _rewrite(node: exp.Expr) -> exp.Expr:
    """One node in ClickHouse's terms, where SQLGlot's own translation is not exact."""
    rewrite = _REWRITES.get(type(node))
    return rewrite(node) if rewrite is not None else node


def _zipped(select: exp.Expr) -> exp.Expr:
    """DuckDB's `SELECT unnest(a) AS x, unnest(b) AS y` (the lists side by side) as
    `SELECT z.1 AS x, z.2 AS y FROM (SELECT arrayJoin(arrayZip(a, b)) AS z)`."""
    lists = []
    for alias in select.expressions:
        unnest = alias.this
        lists.append(unnest.expressions[0] if isinstance(unnest, exp.Unnest) else unnest.this)
    zipped = exp.select(exp.alias_(_fn("arrayJoin", _fn("arrayZip", *lists)), "_z"))
    picks = [exp.alias_(exp.Dot(this=exp.column("_z"), expression=exp.Literal.number(i + 1)),
                        alias.alias) for i, alias in enumerate(select.expressions)]
    return exp.select(*picks).from_(zipped.subquery("_zipped"))
