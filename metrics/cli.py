"""The `servicelens` command: import extracts, demo store, KPIs as JSON, the metric catalog."""

from __future__ import annotations

import argparse
import json
import sys
import time
import unicodedata
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from metrics.core import catalog, cookie
from metrics.core.access import ROLES, Access, AccessDenied, User, may_open
from metrics.core.errors import ServiceLensError, UsageError
from metrics.core.filters import COMPARE_MODES, Filters
from metrics.core.schema import CHANNELS, REQUEST_TYPES
from metrics.core.scope import Scope, default_period
from metrics.core.settings import Settings
from metrics.engine import accounts, audit, maintenance, queries, transfer
from metrics.engine.store import DATA_TABLES, Store, StoreError
from metrics.ingest import demo, importer, journal
from metrics.ingest.mapping import Mapping, MappingError, load_mapping, presets
from metrics.ingest.rows import KINDS
from metrics.present import formatting, tables
from metrics.present.words import list_sep, pick, role_label, t
from metrics.views import calls as calls_view
from metrics.views import scorecards


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date of the form YYYY-MM-DD") from None


def _month(text: str) -> str:
    from metrics.report.pack import month_period  # loaded here: see _cmd_report

    try:
        month_period(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return text


def _positive(text: str) -> int:
    try:
        number = int(text.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


def _add_store(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--store", metavar="LOCATION",
        help="the store: a DuckDB file, chdb:FOLDER (embedded ClickHouse) or "
        "clickhouse://user@host:port/db (password in $SERVICELENS_CLICKHOUSE_PASSWORD) "
        "(default: $SERVICELENS_STORE, else data/servicelens.duckdb)",
    )


def _add_filters(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--as", dest="as_user", metavar="NAME", default=None,
                        help="see what this user sees: their role's teams (servicelens users); "
                        "without it, the machine's operator sees everything")
    parser.add_argument("--from", dest="date_from", type=_date, metavar="YYYY-MM-DD",
                        help="first day of the period, inclusive (default: 29 days before --to)")
    parser.add_argument("--to", dest="date_to", type=_date, metavar="YYYY-MM-DD",
                        help="last day of the period, inclusive (default: the latest ticket date)")
    parser.add_argument("--channel", action="append", default=[], metavar="C",
                        help=f"only this channel; repeat for several ({', '.join(CHANNELS)})")
    parser.add_argument("--team", action="append", default=[], metavar="T",
                        help="only this team; repeat for several")
    parser.add_argument("--agent", action="append", default=[], metavar="A",
                        help="only this agent; repeat for several")
    parser.add_argument("--type", dest="request_type", action="append", default=[],
                        metavar="TYPE",
                        help=f"only this request type; repeat ({', '.join(REQUEST_TYPES)})")
    parser.add_argument("--category", action="append", default=[], metavar="CAT",
                        help="only this complaint category; repeat for several")
    parser.add_argument("--compare", choices=COMPARE_MODES, default=None,
                        help="the period compared with: prev (the equally long stretch just "
                        "before), mom (环比: the previous calendar week/month/quarter/year), yoy "
                        "(同比: the same period a year earlier); default: mom for a whole "
                        "calendar period, else prev")
    parser.add_argument("--business-hours", action="store_true",
                        help="measure response and resolution durations in the site's business "
                        "hours (weekly hours and Chinese holidays, from the store's settings) "
                        "instead of calendar time")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="servicelens",
        description="ServiceLens 客服质量看板: customer-service quality metrics on a DuckDB store.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p_demo = sub.add_parser(
        "demo", help="write a realistic synthetic demo store",
        description="Write about 13 months of synthetic tickets, surveys and QA inspections up "
        "to --end into the store, replacing earlier demo data. Deterministic for a seed and "
        "an end date.",
    )
    p_demo.add_argument("--tickets", type=_positive, default=200_000, metavar="N",
                        help="how many tickets (default 200000)")
    p_demo.add_argument("--seed", type=int, default=7, metavar="S",
                        help="random seed: the same seed and end date give the same data")
    p_demo.add_argument("--end", type=_date, default=None, metavar="YYYY-MM-DD",
                        help="last day of the data (default: today)")
    p_demo.add_argument("--if-missing", action="store_true",
                        help="do nothing when the store already holds tickets")
    p_demo.add_argument("--force", action="store_true",
                        help="replace the store's data even when it holds imported extracts")
    _add_store(p_demo)

    p_kpis = sub.add_parser(
        "kpis", help="print every metric for a period and filters",
        description="Compute every metric of the catalog over the period and filters. With "
        "--json, print one JSON object whose keys are the metric ids, values in their units "
        "(seconds, fractions 0-1, counts), null where the denominator is empty.",
    )
    _add_store(p_kpis)
    _add_filters(p_kpis)
    p_kpis.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p_kpis.add_argument("--lang", choices=("zh", "en"), default="en",
                        help="language of the table (default en)")

    p_staff = sub.add_parser(
        "staffing", help="print the Erlang C staffing view: agents needed per half hour",
        description="For each weekday x half hour of the period: the mean calls offered, the "
        "mean handling time, the agents Erlang C needs to answer the service-level target "
        "within T (the phone standard), the service level they would give, the mean agents "
        "seen answering in that half hour, and whether it ran short. With --json, print a JSON "
        "array of records (interval as HH:MM, weekday 1 = Monday).",
    )
    _add_store(p_staff)
    _add_filters(p_staff)
    p_staff.add_argument("--target", type=_fraction, default=None, metavar="F",
                         help="the service-level target, 0-1 (default: the store's target "
                         "for service_level_rate, 80%%)")
    p_staff.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p_staff.add_argument("--lang", choices=("zh", "en"), default="en",
                         help="language of the table (default en)")

    p_agents = sub.add_parser(
        "agents", help="print agent (or team) scorecards: indicators, composite, rank",
        description="One row per agent (or per team with --by team) over the period and "
        "filters: every scorecard indicator, CSAT with its sample and 95% Wilson interval, the "
        "composite score (sum of attainment x weight, with the store's agent weights) and the "
        "rank. A survey counts for the agent of its ticket, an inspection for its agent. Rows "
        "with fewer tickets than the store's minimum (or, when CSAT is weighted, fewer scored "
        "answers) are listed but not ranked. With --json, print a JSON array of records, rank "
        "null when not ranked.",
    )
    _add_store(p_agents)
    _add_filters(p_agents)
    p_agents.add_argument("--by", choices=("agent", "team"), default="agent",
                          help="one row per agent (default) or per team; a team's values pool "
                          "all its tickets, surveys and inspections")
    p_agents.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p_agents.add_argument("--lang", choices=("zh", "en"), default="en",
                          help="language of the table (default en)")

    p_report = sub.add_parser(
        "report", help="write the monthly review pack (月度复盘) as a PDF or a zip",
        description="The review of a month (or a period) and filters: the Overview's KPIs "
        "against target and the previous period, the key chart of each page, the complaint "
        "Pareto and what moved the complaint rate, the agent scorecard, who needs coaching and "
        "their coaching points, and a list of actions to fill in. FILE.pdf writes an A4 "
        "landscape PDF; FILE.zip writes every chart as PNG (2x) and SVG and every table as "
        "XLSX, with a README.txt. The numbers are the dashboard pages' numbers. Progress goes "
        "to stderr; the last line gives the file, its pages (or files) and size.",
    )
    _add_store(p_report)
    _add_filters(p_report)
    p_report.add_argument("--month", type=_month, metavar="YYYY-MM",
                          help="the calendar month to review, instead of --from/--to (cut at "
                          "the latest ticket date when the month is not over)")
    p_report.add_argument("--lang", choices=("zh", "en"), default="zh",
                          help="language of the pack (default zh)")
    p_report.add_argument("--out", type=Path, required=True, metavar="FILE.pdf|FILE.zip",
                          help="where to write the pack; the extension picks the format")

    p_imp = sub.add_parser(
        "import", help="import ticket, survey or QA extracts",
        description="Import CSV/TSV (UTF-8, UTF-8 with BOM, GBK/GB18030, UTF-16), XLSX, "
        "Parquet or JSON-lines extracts. Headers and values of DOMAIN.md are recognised; a "
        "mapping file overrides or extends them. Rows are updated by id (the later updated_at, "
        "else the later import, wins), so importing a file twice changes nothing. Rows that "
        "fail a check are written to a rejects CSV to fix and import again. Exit 0 when a "
        "file was imported (rejected rows included), 2 when one could not be imported at all.",
    )
    p_imp.add_argument("kind", choices=tuple(KINDS), help="what the files hold")
    p_imp.add_argument("files", nargs="+", type=Path, metavar="FILE", help="extract files")
    p_imp.add_argument("--mapping", metavar="FILE|PRESET",
                       help="a TOML column/value mapping, or the name of a preset in "
                       "data/mappings/ (e.g. technion-anonymous-bank, pwc-call-centre)")
    p_imp.add_argument("--encoding", metavar="E",
                       help="the text encoding, e.g. utf-8, gbk, gb18030 (default: detected)")
    p_imp.add_argument("--sheet", metavar="NAME",
                       help="the XLSX sheet, by name or number (default: the first)")
    p_imp.add_argument("--rejects", type=Path, metavar="DIR",
                       help="where rejects CSVs go (default: rejects/ beside the store)")
    p_imp.add_argument("--lang", choices=("zh", "en"), default="en",
                       help="language of the reasons given for rejected rows (default en)")
    _add_store(p_imp)

    p_cat = sub.add_parser(
        "catalog", help="print the metric catalog",
        description="Print every metric's id, name, formula, unit, direction and default "
        "target, from the one catalog the app reads.",
    )
    p_cat.add_argument("--format", choices=("markdown", "json", "doc"), default="markdown",
                       help="markdown table, json, or doc (docs/metrics.md, both languages)")
    p_cat.add_argument("--lang", choices=("zh", "en"), default="en",
                       help="language (default en)")
    _add_users(sub)
    _add_audit(sub)
    _add_maintenance(sub)
    sub.add_parser(
        "cookie-secret", help="print the web server's cookie secret (made on first use)",
        description="Print the secret Streamlit signs its cookies with, creating it on first "
        "use in ~/.config/servicelens/cookie_secret (mode 0600; SERVICELENS_COOKIE_SECRET_FILE "
        "chooses another file): outside the served folder and never committed. `make run` "
        "hands it to the server as STREAMLIT_SERVER_COOKIE_SECRET.",
    )
    return parser


def _add_users(sub: Any) -> None:
    p_users = sub.add_parser(
        "users", help="manage the people who sign in: add, list, set-role, passwd, remove",
        description="Local accounts kept in the store. Roles: admin (everything; settings, "
        "imports, users), manager (every team), team_lead (the --team teams only), qa (every "
        "team's QA), viewer (aggregates only). Passwords are read from standard input and "
        "stored as Argon2id hashes.",
    )
    verbs = p_users.add_subparsers(dest="verb", required=True, metavar="VERB",
                                   help="add, set-role, passwd, remove or list")
    for verb, helps in (("add", "a new user; the password on standard input"),
                        ("set-role", "another role (and teams) for a user"),
                        ("passwd", "a new password, read from standard input"),
                        ("remove", "delete a user"), ("list", "every user and their role")):
        p = verbs.add_parser(verb, help=helps, description=helps)
        if verb != "list":
            p.add_argument("name", metavar="NAME", help="the user's sign-in name")
        if verb in ("add", "set-role"):
            p.add_argument("--role", choices=ROLES, required=True,
                           help="admin, manager, team_lead, qa or viewer (DOMAIN.md's roles)")
            p.add_argument("--team", action="append", default=[], metavar="T",
                           help="a team a team lead sees; repeat for several")
            p.add_argument("--unmask", action=argparse.BooleanOptionalAction,
                           default=None if verb == "set-role" else False,
                           help="show customers' names and phones unmasked (audited)")
        if verb == "add":
            p.add_argument("--email", default=None, help="for sign-in through the site's OIDC")
        if verb in ("add", "passwd"):
            p.add_argument("--password-stdin", action="store_true", required=True,
                           help="read the password from standard input (never an argument)")
        if verb == "list":
            p.add_argument("--json", action="store_true", help="print JSON")
            p.add_argument("--lang", choices=("zh", "en"), default="en",
                           help="language of the roles (default en)")
        _add_store(p)


def _add_audit(sub: Any) -> None:
    p_audit = sub.add_parser(
        "audit", help="print the audit trail: unmasked views, exports, sign-ins",
        description="Who saw customers' names and phones unmasked, who exported what, who "
        "signed in (or failed to), newest first: when (the site's wall clock), the user, the "
        "action, the view, its filters, how many rows. With --json, print a JSON array of "
        "records whose filters are an object.",
    )
    p_audit.add_argument("--from", dest="date_from", type=_date, metavar="YYYY-MM-DD",
                         help="first day, inclusive (default: the whole trail)")
    p_audit.add_argument("--to", dest="date_to", type=_date, metavar="YYYY-MM-DD",
                         help="last day, inclusive (default: up to the latest entry)")
    p_audit.add_argument("--user", metavar="NAME", default=None,
                         help="only this user's entries (the name as typed at sign-in)")
    p_audit.add_argument("--limit", type=_positive, default=10_000, metavar="N",
                         help="at most this many entries, the newest (default 10000)")
    p_audit.add_argument("--json", action="store_true", help="print JSON instead of lines")
    p_audit.add_argument("--lang", choices=("zh", "en"), default="en",
                         help="language of the lines (default en)")
    _add_store(p_audit)


def _add_maintenance(sub: Any) -> None:
    p_backup = sub.add_parser(
        "backup", help="copy the store (and its audit trail and actions) while the app serves",
        description="Write a consistent copy of the store and the files beside it (the audit "
        "trail, the improvement actions) into DIR/servicelens-YYYYMMDD-HHMMSS/, then check "
        "the copy. A running import is waited for; the dashboard keeps serving meanwhile.")
    p_backup.add_argument("folder", metavar="DIR", type=Path, help="where the copy goes")
    _add_store(p_backup)
    p_check = sub.add_parser(
        "check", help="verify a store: open it and read every block of every table",
        description="Open the store read-only and read every column of every table (DuckDB "
        "checks each block's checksum); print each table's rows, or say what is wrong and "
        "what to do (exit 2).")
    _add_store(p_check)
    p_migrate = sub.add_parser(
        "migrate", help="copy a DuckDB store to ClickHouse (chdb:FOLDER or clickhouse://…)",
        description="Copy every row of the DuckDB store (--store) to an empty ClickHouse "
        "store (--to): users, settings and the import log into its DuckDB control file, the "
        "data tables into ClickHouse. Prints both sides' rows per table; exit 2 if they "
        "differ. The DuckDB store is only read.")
    p_migrate.add_argument("--to", required=True, metavar="LOCATION",
                           help="chdb:FOLDER or clickhouse://user@host:port/db")
    _add_store(p_migrate)


def _cmd_backup(args: argparse.Namespace) -> int:
    store = _existing_store(args)
    started = time.perf_counter()
    written = maintenance.backup(store, args.folder)
    size = sum(f.stat().st_size for f in written)
    what = store.path if store.engine is None else \
        f"the control file of {store.location} (users, settings, the import log)"
    print(f"backed up {what} to {written[0].parent} ({len(written)} files, "
          f"{size / 2 ** 20:,.1f} MB) in {time.perf_counter() - started:.1f} s; the copy checks")
    if store.engine is not None:
        print(f"servicelens backup: the data tables of {store.location} are not in this copy: "
              "back them up with ClickHouse's BACKUP (docs/scale.md, Backups)", file=sys.stderr)
    return 0


def _cmd_check(args: argparse.Namespace) -> int:
    store = Store(args.store)
    found = maintenance.check(store.path)
    rows = found.rows if store.engine is None else {
        **{k: v for k, v in found.rows.items() if k not in DATA_TABLES},
        **store.engine.counts(DATA_TABLES)}  # the data tables are ClickHouse's to check
    tables = ", ".join(f"{name} {n:,}" for name, n in rows.items())
    print(f"{found.path}: ok, schema {found.version}; rows: {tables}")
    for stopped in journal.unfinished(store):  # said, not an error: the store is whole
        print(t("import_unfinished", "en", file=stopped.file_name, kind=stopped.kind or "?",
                at=f"{stopped.started_at:%Y-%m-%d %H:%M}"))
    return 0


def _cmd_migrate(args: argparse.Namespace) -> int:
    source, target = _existing_store(args), Store(args.to)
    started = time.perf_counter()

    def said(table: str, rows: int) -> None:
        print(f"  {table}: {rows:,} rows copied", file=sys.stderr, flush=True)

    copied = transfer.copy(source, target, progress=said)
    print(f"{'table':<26}{source.location:>28}  {target.location}")
    for table, rows in copied.source.items():
        print(f"{table:<26}{rows:>28,}  {copied.target[table]:,}")
    took = time.perf_counter() - started
    if not copied.equal:
        raise StoreError(f"the row counts differ after the copy ({took:.1f} s): see above")
    print(f"copied in {took:.1f} s; use --store {target.location} (or SERVICELENS_STORE)")
    return 0


def _existing_store(args: argparse.Namespace) -> Store:
    store = Store(args.store)
    if not store.exists():
        raise StoreError(f"no store at {store.location}: run `servicelens demo` or import "
                         "first")
    return store


def _scope(args: argparse.Namespace, store: Store, page: str) -> Scope:
    """The view the command's options ask for, over the store's settings, as of now, as the
    `--as` user sees it: refused when that user's role does not open `page`, the page whose
    numbers the command prints (the same rule as the dashboard's)."""
    if args.as_user is None:
        return store.scope(_filters(args, store))
    user = accounts.get(store, args.as_user)
    if user is None:
        raise UsageError(f"no user {args.as_user!r}: see `servicelens users list`")
    if not may_open(Access.of(user), page):
        raise AccessDenied(f"{user.name} ({user.role}) does not open the {page} page, whose "
                           "numbers this command prints")
    return store.scope(_filters(args, store), access=Access.of(user))


def _filters(args: argparse.Namespace, store: Store) -> Filters:
    date_to = args.date_to
    if date_to is None:
        date_to = store.latest_day() or date.today()
    date_from = args.date_from or default_period(date_to)[0]
    if date_from > date_to:
        raise UsageError(f"the period starts ({date_from}) after it ends ({date_to})")
    return Filters(
        date_from=date_from, date_to=date_to,
        channels=tuple(args.channel), teams=tuple(args.team), agents=tuple(args.agent),
        request_types=tuple(args.request_type), categories=tuple(args.category),
        business_hours=args.business_hours, compare=getattr(args, "compare", None),
    )


def _cmd_demo(args: argparse.Namespace) -> int:
    store = Store(args.store)
    if args.if_missing and store.exists() and store.ticket_count() > 0 \
            and not demo.unfinished_demo(store):
        print(f"{store.location} already holds tickets; nothing to do")
        return 0
    store.ensure()
    started = time.perf_counter()
    parts = demo.generate_parts(args.tickets, seed=args.seed, end=args.end)
    label = f"demo: {args.tickets} tickets, seed {args.seed}"
    made = demo.write_parts(store, parts, label, force=args.force)
    took = time.perf_counter() - started
    print(
        f"wrote {made.tickets:,} tickets, {made.surveys:,} surveys, "
        f"{made.inspections:,} QA inspections ({made.violations:,} "
        f"violations) to {store.location} in {took:.1f} s"
    )
    return 0


def _json_value(metric_id: str, value: float | None) -> float | int | None:
    if value is None:
        return None
    return int(value) if catalog.get(metric_id).unit == "count" else value


def _width(text: str) -> int:
    """Terminal columns: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _cmd_kpis(args: argparse.Namespace) -> int:
    store = _existing_store(args)
    scope = _scope(args, store, "overview")
    filters, settings = scope.filters, scope.settings
    values = queries.kpis(store, scope)
    _exported(store, args, scope, "kpis", None)
    clock = formatting.clock_line(filters, settings, "en")
    # Asked for: the compared period's values under the same ids.
    before = scope.previous() if args.compare is not None else None
    earlier = queries.kpis(store, before) if before is not None else None
    if args.json:
        out: dict[str, object] = {m: _json_value(m, values[m].value) for m in catalog.PUBLIC_IDS}
        if before is not None and earlier is not None:
            out["previous"] = {m: _json_value(m, earlier[m].value) for m in catalog.PUBLIC_IDS}
            out["previous_period"] = {"from": before.filters.date_from.isoformat(),
                                      "to": before.filters.date_to.isoformat(),
                                      "compare": filters.comparison}
        print(json.dumps(out, ensure_ascii=False))
        print(f"servicelens kpis: {clock}", file=sys.stderr)
        return 0
    lang = args.lang
    print(f"{filters.date_from} .. {filters.date_to} · {clock}")
    if earlier is not None:
        print(formatting.compared_words(filters, lang))
    for metric_id in catalog.PUBLIC_IDS:
        metric = catalog.get(metric_id)
        name = metric.name(lang)
        shown = formatting.value(metric, values[metric_id].value, lang)
        line = f"{name}{' ' * (36 - _width(name))} {shown}"
        if earlier is not None:
            then = earlier[metric_id].value
            change = formatting.change(metric, values[metric_id].value, then, lang)
            line += (f"{' ' * max(1, 14 - _width(shown))}{formatting.value(metric, then, lang)}"
                     f"  {change or '—'}")
        print(line)
    return 0


def _fraction(text: str) -> float:
    value = float(text)
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"{text}: give a fraction between 0 and 1, e.g. 0.8")
    return value


def _cmd_staffing(args: argparse.Namespace) -> int:
    store = _existing_store(args)
    scope = _scope(args, store, "calls")
    rows = calls_view.staffing(store, scope, args.target)
    _exported(store, args, scope, "staffing", rows.height)
    records = [{**r, "interval": formatting.slot_label(r["slot"])}
               for r in rows.iter_rows(named=True)]
    if args.json:
        print(json.dumps(records, ensure_ascii=False))
        return 0
    if not records:
        print("no calls in the period")
        return 0
    shown = tables.staffing_table(rows, args.lang)
    print("\t".join(shown.columns))
    for row in shown.iter_rows():
        print("\t".join("" if v is None else str(v) for v in row))
    return 0


def _cmd_agents(args: argparse.Namespace) -> int:
    store = _existing_store(args)
    scope = _scope(args, store, "agents" if args.by == "agent" else "teams")
    filters, settings = scope.filters, scope.settings
    df = scorecards.scorecard(store, scope, args.by)
    records = scorecards.rows(df, args.by, settings)
    _exported(store, args, scope, f"agents/{args.by}", len(records))
    if args.json:
        print(json.dumps(records, ensure_ascii=False))
        clock = formatting.clock_line(filters, settings, "en")
        print(f"servicelens agents: {clock}", file=sys.stderr)
        return 0
    print(agents_table(records, args.by, filters, settings, args.lang), end="")
    return 0


# The table's columns after rank and name: (i18n key of the header, record field).
_AGENT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("cli_col_tickets", "tickets"), ("cli_col_composite", "composite"),
    ("cli_col_within", "response_within_standard_rate"),
    ("cli_col_frt", "first_response_median_s"), ("cli_col_resolved", "resolution_rate"),
    ("cli_col_res_median", "resolution_median_s"), ("cli_col_fcr", "fcr_rate"),
    ("cli_col_reopen", "reopen_rate"), ("cli_col_csat", "csat"), ("cli_col_qa", "qa_score_mean"),
    ("cli_col_severe", "severe_violations"),
)


def agents_table(records: Sequence[dict[str, object]], level: scorecards.Level,
                 filters: Filters, settings: Settings, lang: str) -> str:
    """The scorecards as an aligned table under a header: period, clock, weights, rank rule."""
    title = t("agents_page" if level == "agent" else "teams_page", lang)
    sep = list_sep(lang)
    weights = sep.join(f"{catalog.get(m).name(lang)} {w * 100:g}%"
                       for m, w in settings.agent_weights.items() if w > 0)
    rule = ("cli_agents_rule" if settings.agent_weights.get("csat", 0) > 0
            else "cli_agents_rule_tickets")
    clock = formatting.clock_line(filters, settings, lang)
    lines = [
        f"{title} · {filters.date_from} .. {filters.date_to} · {clock}",
        t("cli_agents_weights", lang, weights=weights),
        t(rule, lang, tickets=settings.rank_min_tickets, answers=settings.rank_min_answers),
        "",
    ]
    if not records:
        lines.append(t("cli_agents_none" if level == "agent" else "cli_teams_none", lang))
        return "\n".join(lines) + "\n"
    names = ["agent", "team"] if level == "agent" else ["team"]
    header = [t("rank", lang), *(t(f"seg_{n}", lang) for n in names),
              *(t(key, lang) for key, _ in _AGENT_COLUMNS)]
    body = [[_rank_cell(r["rank"]), *(str(r[n] or "—") for n in names),
             *(_agent_cell(r, field, lang) for _, field in _AGENT_COLUMNS)] for r in records]
    left = {i + 1 for i in range(len(names))}  # names read left-aligned, numbers right
    widths = [max(_width(row[i]) for row in [header, *body]) for i in range(len(header))]
    for row in [header, *body]:
        cells = [cell + " " * (widths[i] - _width(cell)) if i in left
                 else " " * (widths[i] - _width(cell)) + cell for i, cell in enumerate(row)]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines) + "\n"


def _rank_cell(rank: object) -> str:
    return "–" if rank is None else str(rank)


def _agent_cell(record: dict[str, object], field: str, lang: str) -> str:
    value = record[field]
    number = None if value is None else float(value)  # type: ignore[arg-type]
    if field == "composite":
        return formatting.percent(number)
    shown = formatting.value(catalog.get(field), number, lang)
    return f"{shown} ({record['csat_n']})" if field == "csat" else shown



def catalog_markdown(lang: str, public: bool = True) -> str:
    """The metric catalog as a Markdown table, generated from the declarations."""
    head = pick(("| id | 名称 | 公式 | 单位 | 方向 | 默认目标 | 说明 |",
                 "| id | name | formula | unit | direction | default target | notes |"), lang)
    lines = [head, "|---|---|---|---|---|---|---|"]
    for row in tables.catalog_table(lang, public=public).iter_rows(named=True):
        lines.append(f"| `{row['id']}` | {row['name']} | {row['formula']} | {row['unit']} | "
                     f"{row['direction']} | {row['target']} | {row['notes']} |")
    return "\n".join(lines) + "\n"


def catalog_document() -> str:
    """docs/metrics.md: both languages' tables, generated from the declarations."""
    return (
        "# Metric catalog / 指标说明\n\n"
        "Generated by `servicelens catalog --format doc` from `metrics/core/catalog.py`; "
        "do not edit by hand (a test compares the two).\n\n"
        "## English\n\n" + catalog_markdown("en")
        + "\n### Supporting metrics (cards, scorecards, drill-downs)\n\n"
        + catalog_markdown("en", public=False)
        + "\n### Comparisons\n\n" + t("compare_help", "en") + "\n"
        + "\n### Control limits\n\n" + t("control_doc", "en") + "\n"
        + "\n## 中文\n\n" + catalog_markdown("zh")
        + "\n### 辅助指标（卡片、记分卡、明细）\n\n" + catalog_markdown("zh", public=False)
        + "\n### 对比\n\n" + t("compare_help", "zh") + "\n"
        + "\n### 控制限\n\n" + t("control_doc", "zh") + "\n"
    )


def _mapping(given: str) -> Mapping:
    """A mapping file, else a preset of data/mappings/ by name; MappingError says which exist."""
    path = Path(given)
    if path.exists() or path.suffix == ".toml":
        return load_mapping(path)
    shipped = presets()
    if given in shipped:
        return load_mapping(shipped[given])
    raise MappingError(f"{given}: no such mapping file or preset; presets: "
                       + ", ".join(shipped))


def _cmd_import(args: argparse.Namespace) -> int:
    store = Store(args.store)
    mapping = _mapping(args.mapping) if args.mapping else None
    folder = args.rejects or store.path.parent / "rejects"
    failed = 0

    def waiting(message: str) -> None:
        print(f"servicelens import: {message}", file=sys.stderr, flush=True)

    for path in args.files:
        try:
            result = importer.import_file(
                store, args.kind, path, mapping=mapping, encoding=args.encoding,
                sheet=args.sheet, lang=args.lang, on_wait=waiting,
            )
        except importer.ImportFailed as error:
            print(f"servicelens import: {error}", file=sys.stderr)
            failed += 1
            continue
        print(summary_line(result))
        if result.note:
            print(f"  {result.note}")
        if result.demo_removed:
            print("  the demo data was removed: the store now holds imported data only")
        if result.previous_import is not None:
            print(f"  the same content was imported before (import #{result.previous_import})")
        rejects = importer.write_rejects(store, result.import_id, folder)
        if rejects is not None:
            print(f"  rejected rows, with the reason for each: {rejects}")
    return 2 if failed else 0


REPORT_KINDS: tuple[str, ...] = (".pdf", ".zip")


def _cmd_report(args: argparse.Namespace) -> int:
    # loaded here, so that fpdf and the charts load for reports only
    from metrics.report import archive as review_zip
    from metrics.report import pack as review
    from metrics.report import pdf as review_pdf

    started = time.perf_counter()
    kind = args.out.suffix.lower()
    if kind not in REPORT_KINDS:
        raise UsageError(f"--out {args.out} must end in .pdf or .zip (the extension picks the "
                         "format)")
    if args.month and (args.date_from or args.date_to):
        raise UsageError("--month and --from/--to are exclusive: give a month or a period")
    store = _existing_store(args)

    def say(message: str) -> None:
        print(f"servicelens report: {message}", file=sys.stderr, flush=True)

    if args.month:
        args.date_from, args.date_to = _month_span(args.month, store, say)
    scope = _scope(args, store, "overview")
    say(f"{scope.filters.date_from} .. {scope.filters.date_to}: computing the pages' numbers")
    pack = review.build(store, scope, args.lang, progress=say)
    if kind == ".pdf":
        document = review_pdf.pdf_document(pack, progress=say)
        data = bytes(document.output())
        what = f"{document.pages_count} pages"
    else:
        data = review_zip.to_zip(pack, progress=say)
        what = f"{len(review_zip.zip_names(pack))} files"
    try:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_bytes(data)
    except OSError as error:
        raise UsageError(f"cannot write {args.out}: {error.strerror or error}") from None
    _exported(store, args, scope, f"report/{args.out.name}", None)
    print(f"wrote {args.out}: {what}, {len(data) / 1e6:.1f} MB in "
          f"{time.perf_counter() - started:.1f} s")
    return 0


OPERATOR = "(cli)"  # the audit trail's name for the CLI run without --as


def _exported(store: Store, args: argparse.Namespace, scope: Scope, view: str,
              rows: int | None) -> None:
    """Write a CLI export (numbers printed or a file written) to the audit trail, as the
    dashboard's downloads are: who (the --as user, else the operator), view, filters, rows."""
    audit.record(store, user=getattr(args, "as_user", None) or OPERATOR, action="export",
                 view=f"cli/{view}", filters=scope.filters, rows=rows)


def _month_span(month: str, store: Store, say: Callable[[str], None]) -> tuple[date, date]:
    """The month's first and last day, cut at the latest ticket or call date when it is not
    over."""
    from metrics.report.pack import month_period  # loaded here: see _cmd_report

    first, last = month_period(month)
    latest = store.latest_day()
    if latest is not None and first > latest:
        raise UsageError(f"no data in {month}: the data ends on {latest}")
    if latest is not None and last > latest:
        say(f"{month} is not over in the data: the review ends on {latest}")
        last = latest
    return first, last


def summary_line(result: importer.ImportResult) -> str:
    dups = f" ({result.duplicates:,} duplicate ids)" if result.duplicates else ""
    encoding = f", {result.encoding}" if result.encoding else ""
    return (
        f"{result.file_name} ({result.kind}, {result.file_format}{encoding}): "
        f"read {result.rows_read:,} · inserted {result.inserted:,} · "
        f"updated {result.updated:,} · unchanged {result.unchanged:,} · "
        f"skipped as older {result.skipped:,} · rejected {result.rejected:,}{dups}"
        + (f" · not records (no offered call) {result.not_records:,}"
           if result.not_records else "")
        + f" in {result.seconds:.1f} s"
    )


def _cmd_catalog(args: argparse.Namespace) -> int:
    if args.format == "doc":
        print(catalog_document(), end="")
        return 0
    if args.format == "json":
        print(json.dumps([m.model_dump() for m in catalog.METRICS], ensure_ascii=False, indent=2))
    else:
        print(catalog_markdown(args.lang), end="")
    return 0


def _password() -> str:
    """The first line of standard input, without its line ending."""
    line = sys.stdin.readline().rstrip("\r\n")
    if not line:
        raise UsageError("no password on standard input")
    return line


def _cmd_users(args: argparse.Namespace) -> int:
    store = Store(args.store)
    if args.verb == "list":
        return _list_users(accounts.users(store), args.json, args.lang)
    try:
        if args.verb == "add":
            user = User(name=args.name, role=args.role, teams=tuple(args.team),
                        unmask=args.unmask, email=args.email)
            accounts.add(store, user, _password())
            print(f"added {user.name} ({user.role})")
        elif args.verb == "set-role":
            user = accounts.set_role(store, args.name, args.role, tuple(args.team), args.unmask)
            print(f"{user.name} is now {user.role}")
    except ValidationError as error:  # the User model's rule, said as one line
        raise UsageError(error.errors()[0]["msg"].removeprefix("Value error, ")) from None
    if args.verb == "passwd":
        accounts.set_password(store, args.name, _password())
        print(f"changed the password of {args.name}")
    elif args.verb == "remove":
        accounts.remove(store, args.name)
        print(f"removed {args.name}")
    return 0


def _list_users(found: list[User], as_json: bool, lang: str) -> int:
    if as_json:
        print(json.dumps([u.model_dump() for u in found], ensure_ascii=False))
        return 0
    for user in found:
        teams = list_sep(lang).join(user.teams)
        unmask = f" · {t('users_unmask', lang)}" if user.unmask else ""
        print(f"{user.name}\t{role_label(user.role, lang)}{' · ' + teams if teams else ''}"
              f"{unmask}")
    if not found:
        print(t("users_none", lang))
    return 0


def _cmd_audit(args: argparse.Namespace) -> int:
    if args.date_from and args.date_to and args.date_from > args.date_to:
        raise UsageError(f"the period starts ({args.date_from}) after it ends ({args.date_to})")
    store = _existing_store(args)
    found = audit.entries(store, start=args.date_from, end=args.date_to, user=args.user,
                          limit=args.limit)
    if args.json:
        print(json.dumps([_audit_record(r) for r in found.iter_rows(named=True)],
                         ensure_ascii=False))
        return 0
    for entry in found.iter_rows(named=True):
        print(audit_line(entry, args.lang))
    if found.is_empty():
        print(t("audit_none", args.lang))
    return 0


def _audit_record(entry: dict[str, Any]) -> dict[str, Any]:
    filters = entry["filters"]
    return {**entry, "at": entry["at"].isoformat(),
            "filters": None if filters is None else json.loads(filters)}


def _plain(text: str) -> str:
    """Text from the trail as one terminal line: control characters (a typed name may hold
    escape sequences or line breaks) shown as escapes, never run by the terminal."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii")
                   for c in text)


def audit_line(entry: dict[str, Any], lang: str) -> str:
    """2026-03-01 09:00:00 · 王芳 · 导出 · agents/table.csv · 120 行 · {"teams":[…]}"""
    parts = [entry["at"].isoformat(sep=" "), _plain(entry["user"]),
             t(f"audit_action_{entry['action']}", lang), _plain(entry["view"])]
    if entry["rows"] is not None:
        parts.append(t("audit_rows", lang, n=f"{entry['rows']:,}"))
    if entry["unmasked"]:
        parts.append(t("audit_unmasked", lang))
    if entry["filters"] is not None:
        parts.append(_plain(entry["filters"]))
    return " · ".join(parts)


def _cmd_cookie_secret(args: argparse.Namespace) -> int:
    print(cookie.cookie_secret())
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; exit 0 on success, 2 with one line on stderr for a user's error."""
    args = build_parser().parse_args(argv)
    commands = {"demo": _cmd_demo, "kpis": _cmd_kpis, "agents": _cmd_agents,
                "staffing": _cmd_staffing,
                "catalog": _cmd_catalog, "import": _cmd_import, "report": _cmd_report,
                "users": _cmd_users, "audit": _cmd_audit, "cookie-secret": _cmd_cookie_secret,
                "backup": _cmd_backup, "check": _cmd_check, "migrate": _cmd_migrate}
    try:
        return commands[args.command](args)
    except ServiceLensError as error:
        print(f"servicelens {args.command}: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
