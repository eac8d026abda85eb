"""Asterisk's `queue_log` (also FreePBX's and Issabel's), read as calls without any mapping.

Each line is `epoch|callid|queue|agent|EVENT|data1|data2|data3...`, epoch seconds in UTC.
One call is the lines of its callid (DOMAIN.md, Phone calls):
- ENTERQUEUE (url|callerid): queued at, the queue, the caller's number;
- CONNECT (holdtime|bridgedchannel|ringtime): answered at, by the agent, after holdtime;
- COMPLETEAGENT / COMPLETECALLER (holdtime|calltime|origposition): ended, talk = calltime;
- TRANSFER (extension|context|holdtime|calltime): ended (transferred), talk = calltime;
- ABANDON / EXITWITHTIMEOUT / EXITEMPTY (position|origposition|waittime) and EXITWITHKEY
  (key|position|origposition|waittime in Asterisk; DOMAIN.md lists position|origposition|
  waittime: the last field is read): ended unanswered after waittime;
- RINGNOANSWER (ringtime): an agent's missed ring; the call stays queued.
Lines that are not about a queued call (QUEUESTART, AGENTLOGIN, ADDMEMBER, PAUSE,
CONFIGRELOAD, ... or the callid NONE), and calls still waiting when the log was cut, are
skipped and counted. The calls go to the importer as canonical columns, times with their
UTC offset (the importer turns them into the site's clock).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Final

import duckdb

from metrics.engine.store import fetch_one

# A queue_log line: epoch seconds, four fields, an upper-case event.
LINE: Final = re.compile(rb"^\d{9,11}(\.\d+)?\|[^|\r\n]*\|[^|\r\n]*\|[^|\r\n]*\|[A-Z_]+(\||\r?$)")
ENDED_ANSWERED: Final[tuple[str, ...]] = ("COMPLETEAGENT", "COMPLETECALLER", "TRANSFER")
ENDED_UNANSWERED: Final[tuple[str, ...]] = ("ABANDON", "EXITWITHTIMEOUT", "EXITEMPTY",
                                            "EXITWITHKEY")
EVENTS: Final[tuple[str, ...]] = ("ENTERQUEUE", "CONNECT", "RINGNOANSWER", *ENDED_ANSWERED,
                                  *ENDED_UNANSWERED)
HEADERS: Final[tuple[str, ...]] = (
    "call_id", "queued_at", "answered_at", "ended_at", "outcome", "queue", "agent", "wait_s",
    "talk_s", "customer_phone", "direction",
)
_FIELDS: Final[int] = 10  # epoch, callid, queue, agent, event and up to five data fields


def looks_like(head: bytes) -> bool:
    """Whether a file's first line is a queue_log line."""
    first = head.lstrip(b"\xef\xbb\xbf \r\n\t").split(b"\n", 1)[0]
    return LINE.match(first) is not None


def _utc(column: str) -> str:
    """An epoch-seconds column as text with its UTC offset."""
    return (f"strftime(timezone('UTC', to_timestamp(TRY_CAST({column} AS DOUBLE))),"
            f" '%Y-%m-%d %H:%M:%S') || '+00:00'")


def read(con: duckdb.DuckDBPyConnection, text_path: Path) -> tuple[int, int]:
    """Fill `raw` (__row = the call's first line, c0.. = HEADERS) from a queue_log; returns
    (calls, lines skipped: not about a queued call, or of a call still waiting)."""
    # Whole lines (no field of a queue_log holds the unit separator), split on '|' here: the
    # lines have as many fields as their event has data.
    fields = ", ".join(f"nullif(p[{i + 1}], '') AS f{i}" for i in range(_FIELDS))
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE qlog AS SELECT line, {fields} FROM ("  # noqa: S608 - fixed field list; the file is a $param
        "SELECT row_number() OVER () AS line, string_split(rtrim(l, chr(13)), '|') AS p"
        " FROM read_csv($p, delim = chr(31), header = false, quote = '', escape = '',"
        " columns = {'l': 'VARCHAR'}, auto_detect = false) WHERE trim(l) <> '')",
        {"p": str(text_path)},
    )
    answered_end = ", ".join(f"'{e}'" for e in ENDED_ANSWERED)
    unanswered_end = ", ".join(f"'{e}'" for e in ENDED_UNANSWERED)
    events = ", ".join(f"'{e}'" for e in EVENTS)
    # f5.. are data1..: the talk time is data2 of COMPLETE*, data4 of TRANSFER; the wait of an
    # unanswered end is data3 (data4 after EXITWITHKEY's key).
    con.execute(f"""
CREATE OR REPLACE TEMP TABLE qcalls AS
SELECT f1 AS callid, min(line) AS first_line, count(*) AS lines,
       min(f0) FILTER (WHERE f4 = 'ENTERQUEUE') AS queued,
       arg_min(f2, line) FILTER (WHERE f4 = 'ENTERQUEUE') AS queue,
       arg_min(f6, line) FILTER (WHERE f4 = 'ENTERQUEUE') AS caller,
       min(f0) FILTER (WHERE f4 = 'CONNECT') AS answered,
       arg_min(f3, line) FILTER (WHERE f4 = 'CONNECT') AS agent,
       arg_min(f5, line) FILTER (WHERE f4 = 'CONNECT') AS hold,
       max(f0) FILTER (WHERE f4 IN ({answered_end}, {unanswered_end})) AS ended,
       arg_max(CASE WHEN f4 = 'TRANSFER' THEN f8 ELSE f6 END, line)
           FILTER (WHERE f4 IN ({answered_end})) AS talk,
       arg_max(CASE WHEN f4 = 'EXITWITHKEY' THEN coalesce(f8, f7) ELSE f7 END, line)
           FILTER (WHERE f4 IN ({unanswered_end})) AS waited
FROM qlog
WHERE f1 IS NOT NULL AND f1 NOT IN ('', 'NONE') AND f4 IN ({events})
GROUP BY f1""")  # noqa: S608 - the module's own event names; the file is a $param
    # A call is a record once it queued (or was answered) and ended, or was answered.
    con.execute(f"""
CREATE OR REPLACE TABLE raw AS
SELECT first_line AS __row, callid AS c0,
       {_utc('coalesce(queued, answered)')} AS c1,
       {_utc('answered')} AS c2, {_utc('ended')} AS c3,
       CASE WHEN answered IS NOT NULL THEN 'answered' ELSE 'abandoned' END AS c4,
       queue AS c5, agent AS c6,
       CASE WHEN answered IS NOT NULL THEN hold ELSE waited END AS c7,
       talk AS c8, nullif(caller, '') AS c9, 'inbound' AS c10
FROM qcalls
WHERE coalesce(queued, answered) IS NOT NULL AND (answered IS NOT NULL OR ended IS NOT NULL)
ORDER BY first_line""")  # noqa: S608 - the module's own expressions
    calls = fetch_one(con, "SELECT count(*) FROM raw")
    used = fetch_one(con, "SELECT coalesce(sum(q.lines), 0) FROM qcalls q JOIN raw r"
                          " ON r.c0 = q.callid")
    total = fetch_one(con, "SELECT count(*) FROM qlog")
    n_calls = int(calls[0]) if calls else 0
    skipped = (int(total[0]) if total else 0) - (int(used[0]) if used else 0)
    con.execute("DROP TABLE qlog")
    con.execute("DROP TABLE qcalls")
    return n_calls, skipped
