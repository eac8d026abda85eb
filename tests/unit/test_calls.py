"""Phone calls: the fourth extract kind, the mappings real call logs need, and the ten call
metrics of DOMAIN.md, checked against hand computations and against independent readings of
the two real call logs in ../shared/data (the Technion bank's February 1999, PwC's 2021 Q1)."""

from __future__ import annotations

import json
import os
from datetime import date, datetime
from pathlib import Path

import polars as pl
import pytest

from metrics.core.filters import Filters
from metrics.core.scope import Scope
from metrics.core.settings import Settings
from metrics.engine import queries
from metrics.engine.store import Store
from metrics.ingest import importer
from metrics.ingest.mapping import Mapping, load_mapping, presets

ROOT = Path(__file__).resolve().parents[2]
CALL_IDS = ("calls_offered", "calls_answered", "calls_abandoned", "answer_rate", "abandon_rate",
            "service_level_rate", "asa_s", "wait_p90_s", "aht_s", "aht_median_s")


def shared_data() -> Path | None:
    """../shared/data (the real extracts), or $SERVICELENS_SHARED_DATA."""
    for candidate in (os.environ.get("SERVICELENS_SHARED_DATA"), ROOT.parent / "shared" / "data",
                      Path("/work/shared/data")):
        if candidate and Path(candidate).is_dir():
            return Path(candidate)
    return None


SHARED = shared_data()
needs_shared = pytest.mark.skipif(SHARED is None, reason="../shared/data is not on this machine")


def kpis(store: Store, start: date, end: date, settings: Settings | None = None,
         **segments: tuple[str, ...]) -> dict[str, float | None]:
    filters = Filters(date_from=start, date_to=end, **segments)
    scope = Scope.of(filters, settings or Settings(), as_of=datetime(2030, 1, 1))
    return {k: v.value for k, v in queries.kpis(store, scope, CALL_IDS).items()}


def imported(tmp_path: Path, text: str, mapping: Mapping | None = None,
             name: str = "calls.csv") -> tuple[Store, importer.ImportResult]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    store = Store(tmp_path / "calls.duckdb")
    return store, importer.import_file(store, "calls", path, mapping=mapping)


# --- a hand-made log: every rule of DOMAIN.md's calls, computed by hand ----------------------

HAND = """call_id,queued_at,answered_at,ended_at,outcome,queue,agent,wait_s,talk_s,hold_s,acw_s,direction
C1,2026-03-02 09:00:00,2026-03-02 09:00:10,2026-03-02 09:05:00,,sales,Ann,,200,30,60,
C2,2026-03-02 09:01:00,2026-03-02 09:01:20,2026-03-02 09:03:00,answered,sales,Bo,20,100,,,
C3,2026-03-02 09:02:00,,2026-03-02 09:02:03,abandoned,sales,,3,,,,
C4,2026-03-02 09:03:00,,2026-03-02 09:04:00,abandoned,service,,60,,,,
C5,,2026-03-02 10:00:00,2026-03-02 10:02:00,,service,Ann,,120,,,
C6,2026-03-02 11:00:00,2026-03-02 11:00:45,2026-03-02 11:10:00,answered,service,Bo,45,500,0,100,
C7,2026-03-02 12:00:00,2026-03-02 12:00:05,2026-03-02 12:01:00,answered,sales,Ann,5,55,,,outbound
C8,,,,abandoned,service,,,,,,
C9,2026-03-09 09:00:00,,2026-03-09 09:00:04,abandoned,sales,,4,,,,
"""


def test_calls_follow_domain_rules_by_hand(tmp_path: Path) -> None:
    """Offered: C1-C6 in the week (C7 is outbound, C8 never queued, C9 is next week).
    C1's wait comes from its times (10 s), C5 was answered without queueing (wait 0, offered
    when answered), C3 is a short abandon (3 s < 5 s), C4 a real one."""
    store, result = imported(tmp_path, HAND)
    assert (result.inserted, result.rejected, result.not_records) == (8, 0, 1)
    v = kpis(store, date(2026, 3, 1), date(2026, 3, 7))
    assert v["calls_offered"] == 6
    assert v["calls_answered"] == 4  # C1, C2, C5, C6
    assert v["calls_abandoned"] == 2  # C3, C4
    assert v["answer_rate"] == pytest.approx(4 / 5)  # short abandon C3 out of the denominator
    assert v["abandon_rate"] == pytest.approx(1 / 5)
    # waits of the answered: C1 10, C2 20 (exactly T counts), C5 0, C6 45
    assert v["service_level_rate"] == pytest.approx(3 / 5)
    assert v["asa_s"] == pytest.approx((10 + 20 + 0 + 45) / 4)
    assert v["wait_p90_s"] == pytest.approx(20 + 0.7 * (45 - 20))  # sorted 0 10 20 45, at 2.7
    # handling: C1 200+30+60, C2 100, C5 120, C6 500+0+100 (a missing part counts 0)
    handled = [290, 100, 120, 600]
    assert v["aht_s"] == pytest.approx(sum(handled) / 4)
    assert v["aht_median_s"] == pytest.approx((120 + 290) / 2)


def test_short_abandon_threshold_is_a_setting(tmp_path: Path) -> None:
    store, _ = imported(tmp_path, HAND)
    strict = Settings(short_abandon_s=0)  # no abandon is short: C3 counts against us
    v = kpis(store, date(2026, 3, 1), date(2026, 3, 7), strict)
    assert v["answer_rate"] == pytest.approx(4 / 6)
    assert v["abandon_rate"] == pytest.approx(2 / 6)
    longer = Settings(channel_standards_s={**Settings().channel_standards_s, "phone": 45.0})
    assert kpis(store, date(2026, 3, 1), date(2026, 3, 7), longer)["service_level_rate"] == \
        pytest.approx(4 / 5)


def test_empty_period_gives_null_rates_and_zero_counts(tmp_path: Path) -> None:
    store, _ = imported(tmp_path, HAND)
    v = kpis(store, date(2027, 1, 1), date(2027, 1, 31))
    assert v["calls_offered"] == 0 and v["calls_answered"] == 0
    assert all(v[k] is None for k in ("answer_rate", "abandon_rate", "service_level_rate",
                                      "asa_s", "wait_p90_s", "aht_s", "aht_median_s"))


def test_reimport_changes_nothing(tmp_path: Path) -> None:
    store, _ = imported(tmp_path, HAND)
    again = importer.import_file(store, "calls", tmp_path / "calls.csv")
    assert (again.inserted, again.updated, again.unchanged, again.not_records) == (0, 0, 8, 1)


def test_calls_are_phone_and_filter_by_agent(tmp_path: Path) -> None:
    store, _ = imported(tmp_path, HAND)
    week = (date(2026, 3, 1), date(2026, 3, 7))
    assert kpis(store, *week, agents=("Ann",))["calls_answered"] == 2  # C1, C5
    assert kpis(store, *week, channels=("chat",))["calls_offered"] == 0
    assert kpis(store, *week, channels=("phone",))["calls_offered"] == 6


# --- the mappings real exports need -----------------------------------------------------------

SPLIT = """Line,No,Day,Start,Entered,Answered,Hung up,Result,Waited,Talked,Who
L1,1,20260302,23:59:50,23:59:40,0:00:05,0:02:00,SERVED,15,0:01:55,Ann
L2,1,20260302,8:00:00,8:00:00,7:59:58,8:03:00,SERVED,0,3,Bo
L1,2,20260302,9:00:00,9:00:00,0:00:00,0:00:00,GAVE UP,0:01:10,,NOBODY
L1,3,20260302,9:10:00,0:00:00,0:00:00,0:00:00,GAVE UP,0,,NOBODY
L1,4,20260302,9:20:00,9:20:01,9:20:09,9:21:00,GHOST,8,1,Ann
"""
SPLIT_MAPPING = Mapping.model_validate({
    "kind": "calls",
    "columns": {"call_id": ["Line", "No"], "queued_at": ["Day", "Entered"],
                "answered_at": ["Day", "Answered"], "ended_at": ["Day", "Hung up"],
                "outcome": "Result", "wait_s": "Waited", "talk_s": "Talked", "agent": "Who"},
    "values": {"call_outcome": {"answered": ["SERVED"], "abandoned": ["GAVE UP"]}},
    "empty": {"queued_at": ["0:00:00"], "answered_at": ["0:00:00"], "ended_at": ["0:00:00"],
              "agent": ["NOBODY"]},
    "skip": {"outcome": ["GHOST"]},
    "units": {"talk_s": "minutes"},
    "options": {"datetime_format": "%Y%m%d %H:%M:%S", "next_day_before": "Start"},
})


def test_split_date_and_clock_next_day_durations_and_skips(tmp_path: Path) -> None:
    store, result = imported(tmp_path, SPLIT, SPLIT_MAPPING)
    # L1 3 never queued nor was answered (an IVR hang-up), L1 4 is a ghost: not records
    assert (result.inserted, result.rejected, result.not_records) == (3, 0, 2)
    with store.reader() as con:
        rows = {r[0]: r[1:] for r in con.execute(
            "SELECT call_id, queued_at, answered_at, ended_at, outcome, wait_s, talk_s, agent"
            " FROM calls").fetchall()}
    # entered 23:59:40, answered and hung up after midnight: the next day (before Start by
    # more than 12 hours); talk 0:01:55 as h:mm:ss
    assert rows["L1 1"] == (datetime(2026, 3, 2, 23, 59, 40), datetime(2026, 3, 3, 0, 0, 5),
                            datetime(2026, 3, 3, 0, 2), "answered", 15.0, 115.0, "Ann")
    # answered 2 s "before" it entered: the clocks' skew, kept, not a new day; talk 3 minutes
    assert rows["L2 1"] == (datetime(2026, 3, 2, 8, 0), datetime(2026, 3, 2, 7, 59, 58),
                            datetime(2026, 3, 2, 8, 3), "answered", 0.0, 180.0, "Bo")
    # gave up after 0:01:10 in the queue; no agent
    assert rows["L1 2"] == (datetime(2026, 3, 2, 9, 0), None, None, "abandoned", 70.0, None,
                            None)


def test_bad_call_cells_are_rejected_with_field_and_reason(tmp_path: Path) -> None:
    text = ("call_id,queued_at,answered_at,outcome,wait_s,talk_s\n"
            "A,2026-03-02 09:00:00,2026-03-02 08:00:00,answered,5,10\n"
            "B,2026-03-02 09:00:00,,maybe,5,\n"
            "C,2026-03-02 09:00:00,,abandoned,-4,\n"
            "D,2026-03-02 09:00:00,,abandoned,1:xx,\n"
            "E,2026-03-02 09:00:00,2026-03-02 09:00:09,,9,61\n")
    store, result = imported(tmp_path, text)
    assert (result.inserted, result.rejected) == (1, 4)
    reasons = importer.rejects(store, result.import_id)
    by_row = {int(r["_row"]): (r["_field"], r["_reason"]) for r in reasons.iter_rows(named=True)}
    assert by_row[2][0] == "answered_at" and "queued_at" in by_row[2][1]  # an hour before
    assert by_row[3][0] == "outcome"
    assert by_row[4][0] == "wait_s" and "0" in by_row[4][1]
    assert by_row[5][0] == "wait_s" and "duration" in by_row[5][1]


# --- the real call logs -------------------------------------------------------------------------

def bank_by_hand(path: Path) -> dict[str, float]:
    """The February log read by ../shared/data/README.md's rules, in polars, apart from the
    importer: offered = AGENT rows plus HANG rows that queued (PHANTOM ignored), answered =
    AGENT, abandoned = HANG after queueing; wait = q_time (0 served unqueued), talk =
    ser_time; queued at date + q_start (else + ser_start), a clock before the IVR entry by
    more than 12 hours on the next day. The 21 AGENT rows with no clock time at all cannot be
    dated (the importer rejects them, saying so): left out here too."""
    df = pl.read_csv(path, separator="\t", infer_schema=False)

    def seconds(column: str) -> pl.Expr:
        parts = pl.col(column).str.split(":")
        return (parts.list.get(0).cast(pl.Int64) * 3600 + parts.list.get(1).cast(pl.Int64) * 60
                + parts.list.get(2).cast(pl.Int64))

    queued = pl.when(pl.col("q_start") != "0:00:00").then(seconds("q_start")) \
        .when(pl.col("ser_start") != "0:00:00").then(seconds("ser_start"))
    df = df.filter(pl.col("outcome") != "PHANTOM").with_columns(
        queued.alias("clock"), seconds("vru_entry").alias("entry"),
        pl.col("q_time").cast(pl.Float64).alias("wait"),
        pl.col("ser_time").cast(pl.Float64).alias("talk"))
    df = df.filter(pl.col("clock").is_not_null())  # IVR hang-ups and the 21 undatable rows
    day = pl.col("date").str.strptime(pl.Date, "%y%m%d")
    df = df.with_columns(pl.when(pl.col("clock") + 43200 < pl.col("entry"))
                         .then(day + pl.duration(days=1)).otherwise(day).alias("day"))
    df = df.filter(pl.col("day") <= date(1999, 2, 28))
    answered = df.filter(pl.col("outcome") == "AGENT")
    short = df.filter((pl.col("outcome") == "HANG") & (pl.col("wait") < 5)).height
    counted = df.height - short
    return {
        "calls_offered": df.height, "calls_answered": answered.height,
        "calls_abandoned": df.height - answered.height,
        "answer_rate": answered.height / counted,
        "abandon_rate": (df.height - answered.height - short) / counted,
        "service_level_rate": answered.filter(pl.col("wait") <= 20).height / counted,
        "asa_s": answered["wait"].mean(),  # type: ignore[dict-item]
        "wait_p90_s": answered["wait"].quantile(0.9, "linear"),  # type: ignore[dict-item]
        "aht_s": answered["talk"].mean(),  # type: ignore[dict-item]
        "aht_median_s": answered["talk"].quantile(0.5, "linear"),  # type: ignore[dict-item]
    }


@needs_shared
def test_bank_log_imports_with_its_preset_and_gives_the_readme_values(tmp_path: Path) -> None:
    assert SHARED is not None
    path = SHARED / "technion-bank-calls-1999-02" / "data_anonymous_bank_february.txt"
    store = Store(tmp_path / "bank.duckdb")
    result = importer.import_file(store, "calls", path,
                                  mapping=load_mapping(presets()["technion-anonymous-bank"]))
    # 33,344 rows: 278 PHANTOM and 1,941 IVR hang-ups are not offered calls; 21 served rows
    # carry no clock time; every other row is a call
    assert (result.rows_read, result.not_records, result.rejected) == (33_344, 2_219, 21)
    assert result.inserted == 31_104
    reasons = importer.rejects(store, result.import_id)
    assert set(reasons["_field"]) == {"queued_at"}
    expected = bank_by_hand(path)
    got = kpis(store, date(1999, 2, 1), date(1999, 2, 28))
    for metric_id, value in expected.items():
        assert got[metric_id] == pytest.approx(value, rel=1e-9), metric_id


@needs_shared
def test_bank_kpis_json_through_the_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from metrics.cli import main

    assert SHARED is not None
    path = SHARED / "technion-bank-calls-1999-02" / "data_anonymous_bank_february.txt"
    store = str(tmp_path / "bank.duckdb")
    assert main(["import", "calls", str(path), "--mapping", "technion-anonymous-bank",
                 "--store", store]) == 0
    capsys.readouterr()
    assert main(["kpis", "--from", "1999-02-01", "--to", "1999-02-28", "--json",
                 "--store", store]) == 0
    data = json.loads(capsys.readouterr().out)
    expected = bank_by_hand(path)
    assert {k: data[k] for k in CALL_IDS} == pytest.approx(expected, rel=1e-9)
    assert data["tickets"] == 0 and data["csat"] is None  # no tickets: counts 0, rates null


@needs_shared
def test_pwc_csv_and_xlsx_import_alike_and_asa_is_the_mean_speed_of_answer(
        tmp_path: Path) -> None:
    assert SHARED is not None
    folder = SHARED / "pwc-call-centre-2021q1"
    mapping = load_mapping(presets()["pwc-call-centre"])
    results = {}
    for name in ("Call-Center-Dataset.csv", "01 Call-Center-Dataset.xlsx"):
        store = Store(tmp_path / f"{name}.duckdb")
        result = importer.import_file(store, "calls", folder / name, mapping=mapping)
        assert (result.inserted, result.rejected, result.not_records) == (5_000, 0, 0)
        results[name] = kpis(store, date(2021, 1, 1), date(2021, 3, 31))
    csv, xlsx = results.values()
    assert csv == xlsx
    source = pl.read_csv(folder / "Call-Center-Dataset.csv")
    answered = source.filter(pl.col("Answered (Y/N)") == "Y")
    assert csv["calls_offered"] == 5_000 and csv["calls_answered"] == answered.height
    assert csv["asa_s"] == pytest.approx(answered["Speed of answer in seconds"].mean(),
                                         rel=1e-12)
    talk = answered["AvgTalkDuration"].str.split(":").list.eval(
        pl.element().cast(pl.Int64)).list.eval(
        pl.element().get(0) * 3600 + pl.element().get(1) * 60 + pl.element().get(2)).explode()
    assert csv["aht_s"] == pytest.approx(talk.mean(), rel=1e-12)


def test_staffing_cli_rows_by_hand(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """HAND's week: Monday 09:00-09:30 offered C1-C4 (one Monday in the period), answered by
    Ann and Bo with 290 s and 100 s of handling; 10:00 C5 (Ann, 120 s); 11:00 C6 (Bo, 600 s)."""
    from metrics.cli import main
    from metrics.core import erlang

    store, _ = imported(tmp_path, HAND)
    week = ["--from", "2026-03-01", "--to", "2026-03-07", "--store", str(store.path)]
    assert main(["staffing", *week, "--json"]) == 0
    rows = {r["interval"]: r for r in json.loads(capsys.readouterr().out)}
    assert set(rows) == {"09:00", "10:00", "11:00"}
    nine = rows["09:00"]
    need = erlang.agents_needed(4, 195, 0.8, 20)
    assert (nine["weekday"], nine["calls"], nine["aht_s"], nine["seen"]) == (1, 4.0, 195.0, 2.0)
    assert (nine["needed"], nine["short"]) == (need.agents, need.agents > 2)
    assert nine["service_level"] == pytest.approx(need.service_level)
    assert rows["11:00"]["needed"] == erlang.agents_needed(1, 600, 0.8, 20).agents
    assert main(["staffing", *week, "--json", "--target", "0.95"]) == 0
    strict = {r["interval"]: r for r in json.loads(capsys.readouterr().out)}
    assert strict["09:00"]["needed"] == erlang.agents_needed(4, 195, 0.95, 20).agents


def test_agents_json_has_calls_answered_and_aht(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    """Per agent: Ann answered C1 (290 s) and C5 (120 s), Bo C2 (100 s) and C6 (600 s);
    Ann's outbound C7 is no call of the hotline's metrics."""
    from metrics.cli import main

    store, _ = imported(tmp_path, HAND)
    assert main(["agents", "--from", "2026-03-01", "--to", "2026-03-07", "--json",
                 "--store", str(store.path)]) == 0
    records = {r["agent"]: r for r in json.loads(capsys.readouterr().out)}
    assert (records["Ann"]["calls_answered"], records["Ann"]["aht_s"]) == (2, 205.0)
    assert (records["Bo"]["calls_answered"], records["Bo"]["aht_s"]) == (2, 350.0)


# --- Asterisk queue_log: recognised without a mapping ------------------------------------------
# 1772467190 = 2026-03-02 15:59:50 UTC = 23:59:50 in Shanghai (the site's default zone): the
# first call enters the queue before local midnight and is answered after it.
QUEUE_LOG = """1772467000|NONE|NONE|NONE|QUEUESTART||
1772467001|NONE|support|SIP/101|ADDMEMBER||
1772467002|NONE|support|SIP/101|AGENTLOGIN|SIP/101
1772467190|A1|support|NONE|ENTERQUEUE||13812345678|1
1772467193|A1|support|SIP/101|RINGNOANSWER|3000
1772467202|A1|support|SIP/102|CONNECT|12|B1|2
1772467390|A1|support|SIP/102|COMPLETECALLER|12|188|1
1772467400|A2|sales|NONE|ENTERQUEUE||13900001111|1
1772467403|A2|sales|NONE|ABANDON|1|1|3
1772467500|A3|sales|NONE|ENTERQUEUE||13700002222|1
1772467530|A3|sales|NONE|EXITWITHTIMEOUT|1|1|30
1772467600|A4|support|NONE|ENTERQUEUE||13600003333|1
1772467620|A4|support|SIP/101|CONNECT|20|B4|4
1772467700|A4|support|SIP/101|TRANSFER|8000|from-internal|20|80
1772467800|A5|support|NONE|ENTERQUEUE||13500004444|1
1772467860|A5|support|NONE|EXITWITHKEY|5|1|1|60
1772467900|A6|support|NONE|ENTERQUEUE||13400005555|1
1772467910|A6|support|NONE|EXITEMPTY|1|1|10
1772468000|A7|support|NONE|ENTERQUEUE||13300006666|1
1772468001|A8|support|SIP/102|CONNECT|0|B8|1
1772468090|A8|support|SIP/102|COMPLETEAGENT|0|89|1
1772468100|NONE|NONE|NONE|CONFIGRELOAD||
"""


def test_queue_log_imports_without_a_mapping_and_its_kpis_are_hand_computed(
        tmp_path: Path) -> None:
    """A1 answered by SIP/102 after a missed ring on SIP/101 (wait 12, talk 188), across local
    midnight; A2 a short abandon (3 s); A3 left on timeout (30 s); A4 answered then transferred
    (wait 20, talk 80); A5 left with a key (60 s); A6 left an empty queue (10 s); A7 still
    waiting when the log was cut (not a record yet); A8 answered without queueing (wait 0,
    talk 89). Four lines are about no queued call."""
    store, result = imported(tmp_path, QUEUE_LOG, name="queue_log")
    assert (result.inserted, result.rejected, result.not_records) == (7, 0, 5)  # 4 + A7
    with store.reader() as con:
        first = con.execute("SELECT queued_at, answered_at, ended_at, agent, wait_s, talk_s,"
                            " customer_phone FROM calls WHERE call_id = 'A1'").fetchone()
    assert first == (datetime(2026, 3, 2, 23, 59, 50), datetime(2026, 3, 3, 0, 0, 2),
                     datetime(2026, 3, 3, 0, 3, 10), "SIP/102", 12.0, 188.0, "13812345678")
    v = kpis(store, date(2026, 3, 2), date(2026, 3, 3))
    assert (v["calls_offered"], v["calls_answered"], v["calls_abandoned"]) == (7, 3, 4)
    assert v["answer_rate"] == pytest.approx(3 / 6)  # A2 is short
    assert v["abandon_rate"] == pytest.approx(3 / 6)
    assert v["service_level_rate"] == pytest.approx(3 / 6)  # waits 12, 20, 0 <= 20
    assert v["asa_s"] == pytest.approx((12 + 20 + 0) / 3)
    assert v["aht_s"] == pytest.approx((188 + 80 + 89) / 3)
    monday = kpis(store, date(2026, 3, 2), date(2026, 3, 2))
    assert monday["calls_offered"] == 1  # only A1 queued before local midnight


def test_aht_weighs_in_the_agent_composite_against_its_target(tmp_path: Path) -> None:
    """With AHT weighted, an agent's attainment is target / AHT, at most 1: Ann (205 s)
    against a 250 s target attains 1, Bo (350 s) 250/350. Without a target AHT drops out."""
    from metrics.views import scorecards

    store, _ = imported(tmp_path, HAND)
    week = Filters(date_from=date(2026, 3, 1), date_to=date(2026, 3, 7))
    weighted = Settings(agent_weights={"aht_s": 1.0}, targets={"aht_s": 250.0})
    board = scorecards.scorecard(store, Scope.of(week, weighted, as_of=datetime(2030, 1, 1)))
    composite = dict(zip(board["agent"], board["agent_composite"], strict=True))
    assert composite["Ann"] == pytest.approx(1.0)
    assert composite["Bo"] == pytest.approx(250 / 350)
    untargeted = Settings(agent_weights={"aht_s": 0.5, "fcr_rate": 0.5})
    board = scorecards.scorecard(store, Scope.of(week, untargeted, as_of=datetime(2030, 1, 1)))
    assert board["agent_composite"].is_null().all()  # no tickets: no FCR either


def test_a_team_sees_its_answered_calls_but_no_queue_rates(tmp_path: Path) -> None:
    """An abandoned call belongs to no team: under a team filter the team's answered calls
    count, and the rates that need the abandoned calls are not computed (null), never 100%."""
    text = ("call_id,queued_at,answered_at,outcome,agent,team,wait_s,talk_s\n"
            "T1,2026-03-02 09:00:00,2026-03-02 09:00:10,answered,Ann,A,10,100\n"
            "T2,2026-03-02 09:01:00,2026-03-02 09:01:30,answered,Bo,B,30,200\n"
            "T3,2026-03-02 09:02:00,,abandoned,,,40,\n")
    store, _ = imported(tmp_path, text)
    week = (date(2026, 3, 1), date(2026, 3, 7))
    whole = kpis(store, *week)
    assert (whole["calls_offered"], whole["answer_rate"]) == (3, pytest.approx(2 / 3))
    team_a = kpis(store, *week, teams=("A",))
    assert (team_a["calls_offered"], team_a["calls_answered"], team_a["aht_s"]) == (1, 1, 100)
    assert team_a["answer_rate"] is None and team_a["abandon_rate"] is None
    assert team_a["service_level_rate"] is None
    assert kpis(store, *week, agents=("Bo",))["answer_rate"] is None


def test_a_call_without_a_team_takes_its_agents_team_from_the_tickets(tmp_path: Path) -> None:
    """The team rule: a call with no team is its agent's (their latest ticket's team in the
    period); a call that names a team keeps it."""
    text = ("call_id,queued_at,answered_at,outcome,agent,team,wait_s,talk_s\n"
            "N1,2026-03-02 09:00:00,2026-03-02 09:00:10,answered,Ann,,10,100\n"
            "N2,2026-03-02 09:01:00,2026-03-02 09:01:30,answered,Bo,B,30,200\n")
    store, _ = imported(tmp_path, text)
    tickets = tmp_path / "tickets.csv"
    tickets.write_text("ticket_id,created_at,channel,request_type,agent,team\n"
                       "K1,2026-02-01 09:00:00,phone,inquiry,Ann,B\n"
                       "K2,2026-03-03 09:00:00,phone,inquiry,Ann,A\n"
                       "K3,2026-03-03 09:00:00,phone,inquiry,Bo,A\n", encoding="utf-8")
    importer.import_file(store, "tickets", tickets)
    week = (date(2026, 3, 1), date(2026, 3, 7))
    assert kpis(store, *week, teams=("A",))["calls_answered"] == 1  # Ann's call, by her ticket
    assert kpis(store, *week, teams=("B",))["calls_answered"] == 1  # Bo's call names B


def test_a_file_without_queue_times_rejects_its_undated_abandons(tmp_path: Path) -> None:
    """No queued_at column: an answered call is offered when answered, but an abandoned one
    has no time at all. It is rejected (queued_at missing), not taken for an IVR hang-up."""
    text = ("call_id,answered_at,ended_at,outcome,wait_s\n"
            "N1,2026-03-02 09:00:10,2026-03-02 09:03:00,answered,10\n"
            "N2,,2026-03-02 09:05:00,abandoned,30\n")
    store, result = imported(tmp_path, text)
    assert (result.inserted, result.rejected, result.not_records) == (1, 1, 0)
    reasons = importer.rejects(store, result.import_id)
    assert list(reasons["_field"]) == ["queued_at"]


def test_half_a_two_header_time_is_rejected_and_an_abandon_waits_until_it_ends(
        tmp_path: Path) -> None:
    text = ("id,day,queued,answered,ended,result\n"
            "S1,2026-03-02,09:00:00,09:00:10,09:02:00,Y\n"
            ",,,,,\n"
            "S2,,09:00:00,09:00:10,09:02:00,Y\n"
            "S3,2026-03-02,09:10:00,,09:10:03,N\n")
    mapping = Mapping.model_validate({
        "kind": "calls",
        "columns": {"call_id": "id", "queued_at": ["day", "queued"],
                    "answered_at": ["day", "answered"], "ended_at": ["day", "ended"],
                    "outcome": "result"},
        "values": {"call_outcome": {"answered": ["Y"], "abandoned": ["N"]}},
    })
    store, result = imported(tmp_path, text, mapping)
    # S2's clocks have no day: rejected; the blank row is no call; S3 was never answered
    assert (result.inserted, result.rejected, result.not_records) == (2, 1, 1)
    reasons = importer.rejects(store, result.import_id)
    s2 = reasons.filter(pl.col("_row") == 4)
    assert s2["_field"][0].startswith("answered_at") and "day" in s2["_reason"][0]
    # S3 gave up after 3 s (no wait column): a short abandon
    v = kpis(store, date(2026, 3, 2), date(2026, 3, 2))
    assert (v["calls_offered"], v["answer_rate"]) == (2, pytest.approx(1.0))


def test_queue_log_blank_lines_and_a_short_exitwithkey(tmp_path: Path) -> None:
    text = QUEUE_LOG + "\n\n1772469000|A9|support|NONE|ENTERQUEUE||13200007777|1\n" \
        "1772469060|A9|support|NONE|EXITWITHKEY|1|1|60\n"
    store, result = imported(tmp_path, text, name="queue_log")
    assert (result.inserted, result.not_records) == (8, 5)  # blank lines are no lines
    with store.reader() as con:
        waited = con.execute("SELECT wait_s FROM calls WHERE call_id = 'A9'").fetchone()
    assert waited == (60.0,)  # DOMAIN.md's position|origposition|waittime


def test_staffing_clamps_an_unreachable_target(tmp_path: Path) -> None:
    from metrics.core import erlang
    from metrics.views import calls

    store, _ = imported(tmp_path, HAND)
    week = Filters(date_from=date(2026, 3, 1), date_to=date(2026, 3, 7))
    full = Settings(targets={"service_level_rate": 1.0})
    rows = calls.staffing(store, Scope.of(week, full, as_of=datetime(2030, 1, 1)))
    nine = rows.filter(pl.col("slot") == 18).row(0, named=True)
    assert nine["needed"] == erlang.agents_needed(4, 195, 0.999, 20).agents
