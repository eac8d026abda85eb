"""Charts as pure functions: an aggregated frame in, an Altair chart out.

Pages render them with st.altair_chart(theme=None) and exports with vl-convert, so a chart
looks the same on screen and in the monthly review. Charts never receive raw ticket rows.
Each is remembered by its arguments' content (`memo.by_content`): a rerun draws the very same
chart without building it again.
"""

from __future__ import annotations

from typing import Final

import altair as alt
import polars as pl

from metrics.core import catalog, spc
from metrics.present import formatting
from metrics.present.memo import by_content
from metrics.present.tables import each, segment_words
from metrics.present.words import column_label, label, t, weekday

PALETTE: Final[tuple[str, ...]] = (
    "#2563eb", "#0d9488", "#f59e0b", "#e11d48", "#7c3aed", "#64748b", "#16a34a", "#db2777",
)
PRIMARY: Final[str] = PALETTE[0]
TARGET_COLOR: Final[str] = "#dc2626"
FONT: Final[str] = "Noto Sans CJK SC, Noto Sans SC, PingFang SC, Microsoft YaHei, sans-serif"
HEIGHT: Final[int] = 240
ChartSpec = alt.Chart | alt.LayerChart | alt.FacetChart | alt.ConcatChart


def _style(chart: ChartSpec, title: str) -> ChartSpec:
    return _configure(chart.properties(title=alt.TitleParams(title, anchor="start",
                                                             fontSize=14), height=HEIGHT))


def _configure(chart: ChartSpec) -> ChartSpec:
    """The one look of every chart: font, background, axes, legend."""
    return (
        chart.configure(font=FONT, background="white")
        .configure_view(stroke=None)
        .configure_axis(labelFontSize=11, titleFontSize=11, gridColor="#eef0f3",
                        domainColor="#cbd5e1", labelColor="#475569", titleColor="#475569")
        .configure_legend(labelFontSize=11, titleFontSize=11, orient="bottom")
    )


def _bucket_format(grain: str) -> str:
    return {"day": "%m-%d", "week": "%m-%d", "month": "%Y-%m"}.get(grain, "%Y-%m-%d")


def _control_layers(limits: pl.DataFrame | None, x: alt.X, scale: float, axis_scale: alt.Scale,
                    lang: str, fmt: str) -> list[alt.Chart]:
    """The control band (low to high), the centre line and the signals (red) of a trend,
    values divided by `scale` (3600 for hours)."""
    if limits is None or limits.is_empty() or limits["high"].is_null().all():
        return []
    data = limits.select(
        "bucket", (pl.col("low") / scale).alias("low"), (pl.col("high") / scale).alias("high"),
        (pl.col("centre") / scale).alias("centre"), (pl.col("value") / scale).alias("value"),
        pl.when(pl.col("outside")).then(pl.lit(t("control_signal", lang)))
        .when(pl.col("run")).then(pl.lit(t("control_run", lang))).otherwise(None)
        .alias("why"))
    band = alt.Chart(data).mark_area(color="#94a3b8", opacity=0.16).encode(
        x=x, y=alt.Y("low:Q", scale=axis_scale), y2="high:Q",
        tooltip=[alt.Tooltip("low:Q", title=t("control_band", lang), format=fmt),
                 alt.Tooltip("high:Q", title=" ", format=fmt)])
    centre = alt.Chart(data).mark_line(color="#64748b", strokeDash=[3, 3],
                                       strokeWidth=1).encode(
        x=x, y=alt.Y("centre:Q", scale=axis_scale))
    signals = alt.Chart(data.filter(pl.col("why").is_not_null())).mark_point(
        color=TARGET_COLOR, size=150, strokeWidth=2.5, filled=False).encode(
        x=x, y=alt.Y("value:Q", scale=axis_scale),
        tooltip=[alt.Tooltip("bucket:T", title=t("date", lang)),
                 alt.Tooltip("why:N", title=" ")])
    return [band, centre, signals]


@by_content
def volume_trend(df: pl.DataFrame, lang: str, grain: str, metric_id: str = "tickets",
                 limits: pl.DataFrame | None = None) -> ChartSpec:
    """A count per bucket as bars (tickets unless told), with its control limits (XmR) and
    signals when given; a bar picks its bucket for the drill-down."""
    metric = catalog.get(metric_id)
    data = _spans(df.select("bucket", pl.col(metric_id).alias("value")), grain)
    data = data.with_columns(each(data["value"], lambda v: formatting.value(metric, v, lang))
                             .alias("shown"))
    x = alt.X("bucket:T", title=None, axis=alt.Axis(format=_bucket_format(grain),
                                                     labelOverlap=True))
    axis_scale = alt.Scale(zero=True)
    bars = alt.Chart(data).mark_bar(color=PRIMARY, cornerRadiusTopLeft=2,
                                    cornerRadiusTopRight=2, opacity=0.85).encode(
        x=x, x2="bar_end:T", y=alt.Y("value:Q", title=metric.name(lang), scale=axis_scale),
        y2=alt.datum(0),  # a range on both axes: bars standing on 0, as wide as their bucket
        tooltip=[alt.Tooltip("bucket:T", title=t("date", lang)),
                 alt.Tooltip("shown:N", title=metric.name(lang))],
    ).add_params(_pick(["bucket"]))
    centred = None if limits is None else _spans(limits, grain).with_columns(
        pl.col("mid").alias("bucket"))  # the limits and signals over the middle of each bar
    layers = [bars, *_control_layers(centred, alt.X("bucket:T"), 1.0, axis_scale, lang,
                                     ",.0f")]
    return _style(alt.layer(*layers), metric.name(lang))


def _spans(df: pl.DataFrame, grain: str) -> pl.DataFrame:
    """Each bucket's bar (from its start to 85% of its length, as a datetime) and middle."""
    start = pl.col("bucket").cast(pl.Datetime("ms"))
    end = pl.col("bucket").dt.offset_by({"week": "1w", "month": "1mo"}.get(grain, "1d")) \
        .cast(pl.Datetime("ms"))
    return df.with_columns((start + (end - start) * 0.85).alias("bar_end"),
                           (start + (end - start) * 0.425).alias("mid"))


@by_content
def rate_trend(
    df: pl.DataFrame, metric_id: str, target: float | None, lang: str, grain: str,
    limits: pl.DataFrame | None = None,
) -> ChartSpec:
    """A rate per bucket as a line, with its target as a dashed rule, and its control limits
    (p′) and signals when given; a point picks its bucket for the drill-down."""
    metric = catalog.get(metric_id)
    data = df.select("bucket", pl.col(metric_id).alias("value"))
    data = data.with_columns(each(data["value"], lambda v: formatting.value(metric, v, lang))
                             .alias("shown"))
    base = alt.Chart(data).encode(
        x=alt.X("bucket:T", title=None, axis=alt.Axis(format=_bucket_format(grain))),
        y=alt.Y("value:Q", title=metric.name(lang), axis=alt.Axis(format=".0%"),
                scale=alt.Scale(zero=False)),
        tooltip=[alt.Tooltip("bucket:T", title=t("date", lang)),
                 alt.Tooltip("shown:N", title=metric.name(lang))],
    )
    x = alt.X("bucket:T", title=None, axis=alt.Axis(format=_bucket_format(grain)))
    layers: list[alt.Chart] = [
        *_control_layers(limits, x, 1.0, alt.Scale(zero=False), lang, ".1%"),
        base.mark_line(color=PALETTE[1], strokeWidth=2.5),
        base.mark_point(color=PALETTE[1], filled=True, size=40).add_params(_pick(["bucket"])),
    ]
    if target is not None:
        rule = pl.DataFrame({"target": [target],
                             "shown": [formatting.target(metric, target, lang)]})
        layers.append(
            alt.Chart(rule).mark_rule(color=TARGET_COLOR, strokeDash=[5, 4]).encode(
                y="target:Q", tooltip=[alt.Tooltip("shown:N", title=t("target", lang))]
            )
        )
    return _style(alt.layer(*layers), metric.name(lang))


@by_content
def duration_trend(
    df: pl.DataFrame, metric_id: str, lang: str, grain: str,
    limits: pl.DataFrame | None = None,
) -> ChartSpec:
    """A duration per bucket as a line, in hours on the axis and as words in the tooltip,
    with its control limits (XmR) and signals when given; a point picks its bucket."""
    metric = catalog.get(metric_id)
    data = df.select("bucket", (pl.col(metric_id) / 3600).alias("hours"),
                     pl.col(metric_id).alias("seconds"))
    data = data.with_columns(each(data["seconds"], lambda v: formatting.duration(v, lang))
                             .alias("shown"))
    base = alt.Chart(data).encode(
        x=alt.X("bucket:T", title=None, axis=alt.Axis(format=_bucket_format(grain))),
        y=alt.Y("hours:Q", title=f"{metric.name(lang)}（{t('hours', lang)}）" if lang == "zh"
                else f"{metric.name(lang)} ({t('hours', lang)})"),
        tooltip=[alt.Tooltip("bucket:T", title=t("date", lang)),
                 alt.Tooltip("shown:N", title=metric.name(lang))],
    )
    x = alt.X("bucket:T", title=None, axis=alt.Axis(format=_bucket_format(grain)))
    chart = alt.layer(*_control_layers(limits, x, 3600.0, alt.Scale(zero=True), lang, ".1f"),
                      base.mark_line(color=PALETTE[2], strokeWidth=2.5),
                      base.mark_point(color=PALETTE[2], filled=True, size=40)
                      .add_params(_pick(["bucket"])))
    return _style(chart, metric.name(lang))


@by_content
def category_bars(df: pl.DataFrame, lang: str) -> ChartSpec:
    """Complaints per category, largest first, with each one's share."""
    total = float(df["complaints"].sum()) or 1.0
    kept = df.filter(pl.col("complaints") > 0).sort("complaints", descending=True)
    data = (
        kept.with_columns(
            each(kept["category"].fill_null(""),
                 lambda c: label("category", c, lang) if c else t("unclassified", lang))
            .alias("name"),
            (pl.col("complaints") / total).alias("share"),
        )
        .with_columns(
            pl.format("{} · {}", pl.col("complaints").cast(pl.Int64),
                      (pl.col("share") * 100).round(1).cast(pl.String) + "%").alias("shown")
        )
    )
    order = data["name"].to_list()
    base = alt.Chart(data).encode(
        y=alt.Y("name:N", sort=order, title=None),
        x=alt.X("complaints:Q", title=t("count", lang), axis=alt.Axis(tickMinStep=1, format="d")),
        tooltip=[alt.Tooltip("name:N", title=t("category", lang)),
                 alt.Tooltip("shown:N", title=t("count", lang))],
    )
    bars = base.mark_bar(color=PALETTE[3], cornerRadiusTopRight=2, cornerRadiusBottomRight=2)
    text = base.mark_text(align="left", dx=4, color="#334155", fontSize=11).encode(text="shown:N")
    return _style(alt.layer(bars, text), catalog.get("complaints").name(lang)
                  + (" · 按类别" if lang == "zh" else " by category"))


# --- analysis pages -------------------------------------------------------------------------

PICK: Final[str] = "pick"  # the selection a page reads to drill into a clicked segment
BAND_COLORS: Final[tuple[str, ...]] = (
    "#16a34a", "#65a30d", "#a3a31a", "#f59e0b", "#f97316", "#ea580c", "#dc2626", "#991b1b",
)
SCORE_COLORS: Final[tuple[str, ...]] = ("#dc2626", "#f97316", "#facc15", "#84cc16", "#16a34a")


def _named(df: pl.DataFrame, column: str, lang: str, vocabulary: str | None = None,
           alias: str = "name", none: str = "unclassified") -> pl.DataFrame:
    """A display column for codes: the vocabulary's word, 未分类 / unassigned for null."""
    return df.with_columns(segment_words(df, column, lang, vocabulary, none).alias(alias))


def _shown(df: pl.DataFrame, metric_id: str, lang: str, column: str | None = None,
                alias: str = "shown") -> pl.DataFrame:
    metric = catalog.get(metric_id)
    return df.with_columns(each(df[column or metric_id],
                                lambda v: formatting.value(metric, v, lang),
                                skip_nulls=False).alias(alias))


def _pick(fields: list[str]) -> alt.Parameter:
    return alt.selection_point(name=PICK, fields=fields, on="click", clear="dblclick")


def band_label(band: int, bounds: tuple[float, ...], lang: str) -> str:
    """'≤ 20 s', '20 s – 1 min', '> 1 d' for band n of upper bounds."""
    if band <= len(bounds):
        upper = formatting.duration(bounds[band - 1], lang)
        if band == 1:
            return f"≤ {upper}"
        return f"{formatting.duration(bounds[band - 2], lang)} – {upper}"
    return f"> {formatting.duration(bounds[-1], lang)}"


@by_content
def standard_dots(df: pl.DataFrame, lang: str) -> ChartSpec:
    """Median and p90 first response per channel on a log scale, with the channel standard."""
    data = _named(df.filter(pl.col("first_response_median_s").is_not_null()), "channel", lang,
                  "channel")
    rows = []
    for kind, column in (("median", "first_response_median_s"), ("p90", "first_response_p90_s"),
                         ("standard", "standard_s")):
        part = data.select("channel", "name", pl.col(column).alias("seconds")).with_columns(
            pl.lit(t(f"stat_{kind}", lang)).alias("stat"))
        rows.append(part)
    long = pl.concat(rows).filter(pl.col("seconds") > 0)
    long = long.with_columns(
        (pl.col("seconds") / 60).alias("minutes"),
        each(long["seconds"], lambda v: formatting.duration(v, lang)).alias("shown"))
    stats = [t("stat_median", lang), t("stat_p90", lang), t("stat_standard", lang)]
    base = alt.Chart(long).encode(
        y=alt.Y("name:N", title=None, sort=data["name"].to_list()),
        x=alt.X("minutes:Q", scale=alt.Scale(type="log"),
                title=t("minutes_log", lang)),
        color=alt.Color("stat:N", scale=alt.Scale(domain=stats,
                        range=[PRIMARY, PALETTE[4], TARGET_COLOR]), title=None),
        shape=alt.Shape("stat:N", scale=alt.Scale(domain=stats,
                        range=["circle", "diamond", "M-1,-1L1,1M1,-1L-1,1"]), title=None),
        tooltip=[alt.Tooltip("name:N", title=t("channel", lang)),
                 alt.Tooltip("stat:N", title=" "), alt.Tooltip("shown:N", title=" ")],
    )
    points = base.mark_point(filled=True, size=140, strokeWidth=3, opacity=0.9)
    return _style(points, t("frt_vs_standard", lang))


@by_content
def rate_bars(df: pl.DataFrame, metric_id: str, by: str, target: float | None, lang: str,
              vocabulary: str | None = None, title: str | None = None,
              none: str = "unclassified") -> ChartSpec:
    """A rate per segment as horizontal bars with its n, the target as a dashed rule."""
    metric = catalog.get(metric_id)
    data = _named(df.filter(pl.col(metric_id).is_not_null()), by, lang, vocabulary, none=none)
    data = _shown(data, metric_id, lang).with_columns(
        pl.format("{} · n={}", pl.col("shown"),
                  pl.col(f"{metric_id}__den").cast(pl.Int64)).alias("text"))
    order = data.sort(metric_id, descending=True)["name"].to_list()
    base = alt.Chart(data).encode(
        y=alt.Y("name:N", sort=order, title=None),
        x=alt.X(f"{metric_id}:Q", title=metric.name(lang), axis=alt.Axis(format=".0%"),
                scale=alt.Scale(domain=[0, 1])),
        tooltip=[alt.Tooltip("name:N", title=t(f"seg_{by}", lang)),
                 alt.Tooltip("text:N", title=metric.name(lang))],
    )
    bars = base.mark_bar(color=PALETTE[1], cornerRadiusTopRight=2,
                         cornerRadiusBottomRight=2).add_params(_pick([by]))
    text = base.mark_text(align="left", dx=4, color="#334155", fontSize=11).encode(text="text:N")
    layers: list[alt.Chart] = [bars, text]
    if target is not None:
        rule = pl.DataFrame({"target": [target]})
        layers.append(alt.Chart(rule).mark_rule(color=TARGET_COLOR, strokeDash=[5, 4])
                      .encode(x="target:Q"))
    return _style(alt.layer(*layers), title or metric.name(lang))


@by_content
def segment_lines(df: pl.DataFrame, metric_id: str, by: str, target: float | None, lang: str,
                  grain: str, vocabulary: str | None = None) -> ChartSpec:
    """A rate per bucket, one line per segment (channel…), with the target."""
    metric = catalog.get(metric_id)
    data = _shown(_named(df, by, lang, vocabulary), metric_id, lang)
    base = alt.Chart(data).encode(
        x=alt.X("bucket:T", title=None, axis=alt.Axis(format=_bucket_format(grain))),
        y=alt.Y(f"{metric_id}:Q", title=metric.name(lang), axis=alt.Axis(format=".0%"),
                scale=alt.Scale(zero=False)),
        color=alt.Color("name:N", title=None, scale=alt.Scale(range=list(PALETTE))),
        tooltip=[alt.Tooltip("bucket:T", title=t("date", lang)),
                 alt.Tooltip("name:N", title=" "), alt.Tooltip("shown:N", title=metric.name(lang))],
    )
    layers: list[alt.Chart] = [base.mark_line(strokeWidth=2),
                               base.mark_point(filled=True, size=25)]
    if target is not None:
        layers.append(alt.Chart(pl.DataFrame({"target": [target]}))
                      .mark_rule(color=TARGET_COLOR, strokeDash=[5, 4]).encode(y="target:Q"))
    return _style(alt.layer(*layers), metric.name(lang) + t("by_channel_suffix", lang))


@by_content
def band_shares(df: pl.DataFrame, band: str, bounds: tuple[float, ...], lang: str,
                by: str | None = None, title: str = "") -> ChartSpec:
    """The distribution over duration bands: 100% stacked bars per segment, or one column."""
    data = df.with_columns(
        each(df[band], lambda b: band_label(int(b), bounds, lang)).alias("band_name"))
    if by:
        data = _named(data, by, lang, "channel" if by == "channel" else None)
        totals = data.group_by("name").agg(pl.col("tickets").sum().alias("total"))
        data = data.join(totals, on="name")
    else:
        data = data.with_columns(pl.lit(t("all", lang)).alias("name"),
                                 pl.col("tickets").sum().alias("total"))
    data = data.with_columns((pl.col("tickets") / pl.col("total")).alias("share")).with_columns(
        pl.format("{} · {}%", pl.col("tickets").cast(pl.Int64),
                  (pl.col("share") * 100).round(1)).alias("text"))
    names = [band_label(i, bounds, lang) for i in range(1, len(bounds) + 2)]
    colors = list(BAND_COLORS[: len(names)])
    if by is None:
        chart = alt.Chart(data).mark_bar(color=PALETTE[2], cornerRadiusTopLeft=2,
                                         cornerRadiusTopRight=2).encode(
            x=alt.X("band_name:N", sort=names, title=None, axis=alt.Axis(labelAngle=0)),
            y=alt.Y("tickets:Q", title=t("count", lang)),
            color=alt.Color("band_name:N", sort=names, legend=None,
                            scale=alt.Scale(domain=names, range=colors)),
            tooltip=[alt.Tooltip("band_name:N", title=" "),
                     alt.Tooltip("text:N", title=t("count", lang))],
        ).add_params(_pick([band]))
        return _style(chart, title)
    chart = alt.Chart(data).mark_bar().encode(
        y=alt.Y("name:N", title=None),
        x=alt.X("share:Q", stack="normalize", title=t("share", lang),
                axis=alt.Axis(format=".0%")),
        color=alt.Color("band_name:N", sort=names, title=None,
                        scale=alt.Scale(domain=names, range=colors)),
        order=alt.Order(f"{band}:Q"),
        tooltip=[alt.Tooltip("name:N", title=" "), alt.Tooltip("band_name:N", title=" "),
                 alt.Tooltip("text:N", title=t("count", lang))],
    )
    return _style(chart, title)


@by_content
def heat_map(df: pl.DataFrame, value: str, lang: str) -> ChartSpec:
    """Weekday × hour cells coloured by volume or by median first response."""
    data = df.with_columns(
        each(df["weekday"], lambda d: weekday(int(d), lang)).alias("day"),
        each(df["first_response_median_s"], lambda v: formatting.duration(v, lang))
        .alias("frt"),
        (pl.col("first_response_median_s") / 60).alias("frt_min"),
    )
    field = "tickets:Q" if value == "tickets" else "frt_min:Q"
    scale = alt.Scale(scheme="blues") if value == "tickets" else alt.Scale(scheme="orangered")
    title = t("heat_volume", lang) if value == "tickets" else t("heat_frt", lang)
    chart = alt.Chart(data).mark_rect(cornerRadius=2).encode(
        x=alt.X("hour:O", title=t("hour_of_day", lang), axis=alt.Axis(labelAngle=0)),
        y=alt.Y("day:N", sort=[weekday(d, lang) for d in range(1, 8)], title=None),
        color=alt.Color(field, scale=scale, title=None,
                        legend=alt.Legend(orient="right")),
        tooltip=[alt.Tooltip("day:N", title=" "), alt.Tooltip("hour:O", title=t("hour", lang)),
                 alt.Tooltip("tickets:Q", title=t("count", lang), format=","),
                 alt.Tooltip("frt:N", title=catalog.get("first_response_median_s").name(lang))],
    ).add_params(_pick(["weekday", "hour"]))
    return _style(chart, title)


@by_content
def metric_lines(df: pl.DataFrame, metric_ids: list[str], lang: str, grain: str,
                 title: str) -> ChartSpec:
    """Several metrics of one unit per bucket, one line each (rates as %, durations as hours)."""
    unit = catalog.get(metric_ids[0]).unit
    parts = []
    for metric_id in metric_ids:
        metric = catalog.get(metric_id)
        part = df.select("bucket", pl.col(metric_id).cast(pl.Float64).alias("value"))
        parts.append(_shown(part, metric_id, lang, "value").with_columns(
            pl.lit(metric.name(lang)).alias("metric")))
    data = pl.concat(parts)
    if unit == "seconds":
        data = data.with_columns((pl.col("value") / 3600).alias("value"))
    axis = alt.Axis(format=".0%") if unit == "fraction" else alt.Axis()
    y_title = t("hours", lang) if unit == "seconds" else None
    base = alt.Chart(data).encode(
        x=alt.X("bucket:T", title=None, axis=alt.Axis(format=_bucket_format(grain))),
        y=alt.Y("value:Q", title=y_title, axis=axis, scale=alt.Scale(zero=False)),
        color=alt.Color("metric:N", title=None, sort=[catalog.get(m).name(lang)
                                                      for m in metric_ids],
                        scale=alt.Scale(range=list(PALETTE))),
        tooltip=[alt.Tooltip("bucket:T", title=t("date", lang)),
                 alt.Tooltip("metric:N", title=" "), alt.Tooltip("shown:N", title=" ")],
    )
    return _style(alt.layer(base.mark_line(strokeWidth=2.5), base.mark_point(filled=True,
                                                                            size=30)), title)


@by_content
def ageing_bars(df: pl.DataFrame, lang: str) -> ChartSpec:
    """Open tickets by age band, stacked by priority."""
    names = [t(f"age_{i}", lang) for i in range(1, 5)]
    data = _named(df, "priority", lang, "priority", alias="priority_name")
    data = data.with_columns(each(data["age_band"], lambda b: names[int(b) - 1]).alias("age"))
    priorities = [label("priority", p, lang) for p in ("urgent", "high", "medium", "low")]
    chart = alt.Chart(data).mark_bar().encode(
        x=alt.X("age:N", sort=names, title=None, axis=alt.Axis(labelAngle=0)),
        y=alt.Y("open_tickets:Q", title=catalog.get("open_tickets").name(lang)),
        color=alt.Color("priority_name:N", title=None,
                        sort=[*priorities, t("unclassified", lang)],
                        scale=alt.Scale(domain=[*priorities, t("unclassified", lang)],
                                        range=["#dc2626", "#f97316", "#2563eb", "#94a3b8",
                                               "#cbd5e1"])),
        order=alt.Order("priority_name:N"),
        tooltip=[alt.Tooltip("age:N", title=" "), alt.Tooltip("priority_name:N", title=" "),
                 alt.Tooltip("open_tickets:Q", title=t("count", lang), format=",")],
    ).add_params(_pick(["age_band", "priority"]))
    return _style(chart, t("ageing_title", lang))


@by_content
def pareto(df: pl.DataFrame, lang: str) -> ChartSpec:
    """Complaint categories as bars, largest first, with the cumulative share as a line."""
    data = _named(df, "category", lang, "category").with_columns(
        pl.format("{} · {}%", pl.col("complaints").cast(pl.Int64),
                  (pl.col("share") * 100).round(1)).alias("text"),
        (pl.col("cumulative") * 100).round(1).cast(pl.String).alias("cum_text"))
    order = data["name"].to_list()
    x = alt.X("name:N", sort=order, title=None, axis=alt.Axis(labelAngle=-30))
    bars = alt.Chart(data).mark_bar(color=PALETTE[3], cornerRadiusTopLeft=2,
                                    cornerRadiusTopRight=2).encode(
        x=x, y=alt.Y("complaints:Q", title=catalog.get("complaints").name(lang)),
        tooltip=[alt.Tooltip("name:N", title=t("category", lang)),
                 alt.Tooltip("text:N", title=t("count", lang)),
                 alt.Tooltip("cum_text:N", title=t("cumulative", lang) + " %")],
    ).add_params(_pick(["category"]))
    line_base = alt.Chart(data).encode(
        x=x, y=alt.Y("cumulative:Q", title=t("cumulative", lang),
                     axis=alt.Axis(format=".0%"), scale=alt.Scale(domain=[0, 1])))
    line = alt.layer(line_base.mark_line(color="#0f172a", strokeWidth=2),
                     line_base.mark_point(color="#0f172a", filled=True, size=35))
    rule = alt.Chart(pl.DataFrame({"y": [0.8]})).mark_rule(
        color="#94a3b8", strokeDash=[3, 3]).encode(y=alt.Y("y:Q", scale=alt.Scale(
            domain=[0, 1]), title=t("cumulative", lang), axis=alt.Axis(format=".0%")))
    chart = alt.layer(bars, alt.layer(line, rule)).resolve_scale(y="independent")
    return _style(chart, t("pareto_title", lang))


@by_content
def period_lines(now: pl.DataFrame, before: pl.DataFrame, metric_id: str,
                 lang: str, grain: str) -> ChartSpec:
    """A metric this period and the compared one, the compared one's buckets laid on this
    one's by position (its first day, week or month on this period's first), whatever the
    comparison: the equal stretch before, the previous calendar month (30 days against 31),
    or a year earlier."""
    metric = catalog.get(metric_id)
    shared = min(now.height, before.height)
    parts = [
        now.select("bucket", pl.col(metric_id).cast(pl.Float64).alias("value")).with_columns(
            pl.lit(t("this_period", lang)).alias("period")),
        pl.DataFrame({"bucket": now["bucket"].head(shared),
                      "value": before[metric_id].head(shared).cast(pl.Float64)}).with_columns(
            pl.lit(t("previous_period", lang)).alias("period")),
    ]
    data = _shown(pl.concat(parts), metric_id, lang, "value")
    periods = [t("this_period", lang), t("previous_period", lang)]
    base = alt.Chart(data).encode(
        x=alt.X("bucket:T", title=None, axis=alt.Axis(format=_bucket_format(grain))),
        y=alt.Y("value:Q", title=metric.name(lang),
                axis=alt.Axis(format=".1%") if metric.unit == "fraction" else alt.Axis()),
        color=alt.Color("period:N", title=None, sort=periods,
                        scale=alt.Scale(domain=periods, range=[PALETTE[3], "#94a3b8"])),
        strokeDash=alt.StrokeDash("period:N", sort=periods, legend=None,
                                  scale=alt.Scale(domain=periods, range=[[1, 0], [5, 4]])),
        tooltip=[alt.Tooltip("bucket:T", title=t("date", lang)),
                 alt.Tooltip("period:N", title=" "), alt.Tooltip("shown:N", title=" ")],
    )
    return _style(alt.layer(base.mark_line(strokeWidth=2.5)), metric.name(lang))


def _top(df: pl.DataFrame, column: str) -> float:
    return float(df[column].max() or 0) if df.height else 0.0  # type: ignore[arg-type]


@by_content
def matrix(df: pl.DataFrame, other: str, lang: str) -> ChartSpec:
    """Complaints per category × channel / team / product, as a heat map with counts."""
    vocab = "channel" if other == "channel" else None
    data = _named(_named(df, "category", lang, "category", alias="cat_name"), other, lang,
                  vocab, alias="other_name")
    base = alt.Chart(data).encode(
        x=alt.X("other_name:N", title=None, axis=alt.Axis(labelAngle=-30)),
        y=alt.Y("cat_name:N", title=None),
        tooltip=[alt.Tooltip("cat_name:N", title=t("category", lang)),
                 alt.Tooltip("other_name:N", title=" "),
                 alt.Tooltip("complaints:Q", title=t("count", lang), format=",")],
    )
    cells = base.mark_rect(cornerRadius=2).encode(
        color=alt.Color("complaints:Q", scale=alt.Scale(scheme="reds"), legend=None)
    ).add_params(_pick(["category", other]))
    text = base.mark_text(fontSize=11).encode(
        text=alt.Text("complaints:Q", format=","),
        color=alt.condition(alt.datum.complaints > _top(data, "complaints") * 0.6,
                            alt.value("white"), alt.value("#334155")))
    return _style(alt.layer(cells, text), t("matrix_title", lang))


@by_content
def contribution_bars(df: pl.DataFrame, by: str, lang: str) -> ChartSpec:
    """Each segment's part of the change in complaint rate, in percentage points, largest first."""
    vocab = {"category": "category", "channel": "channel"}.get(by)
    data = _named(df, by, lang, vocab).with_columns(
        (pl.col("contribution") * 100).alias("pp"),
        pl.when(pl.col("contribution") > 0).then(pl.lit(t("rose", lang)))
        .otherwise(pl.lit(t("fell", lang))).alias("direction"),
        pl.format("{} pp", (pl.col("contribution") * 100).round(2)).alias("text"))
    order = data["name"].to_list()
    base = alt.Chart(data).encode(
        y=alt.Y("name:N", sort=order, title=None),
        x=alt.X("pp:Q", title=t("pp_of_rate", lang)),
        tooltip=[alt.Tooltip("name:N", title=" "), alt.Tooltip("text:N", title=" ")],
    )
    bars = base.mark_bar().encode(color=alt.Color(
        "direction:N", title=None,
        scale=alt.Scale(domain=[t("rose", lang), t("fell", lang)],
                        range=[TARGET_COLOR, "#16a34a"]))).add_params(_pick([by]))
    zero = alt.Chart(pl.DataFrame({"x": [0]})).mark_rule(color="#475569").encode(x="x:Q")
    return _style(alt.layer(bars, zero), t(f"moved_by_{by}", lang))


@by_content
def score_bars(df: pl.DataFrame, dont_know: int, lang: str) -> ChartSpec:
    """Answers per score 1-5, red to green, each with its share; "don't know" named in the title."""
    total = float(df["surveys_answered"].sum()) or 1.0
    data = df.with_columns(
        pl.col("score").cast(pl.Int64).cast(pl.String).alias("name"),
        pl.format("{} · {}%", pl.col("surveys_answered").cast(pl.Int64),
                  (pl.col("surveys_answered") / total * 100).round(1)).alias("text"))
    names = ["1", "2", "3", "4", "5"]
    base = alt.Chart(data).encode(
        x=alt.X("name:N", sort=names, title=t("score", lang), axis=alt.Axis(labelAngle=0)),
        y=alt.Y("surveys_answered:Q", title=t("count", lang)),
        tooltip=[alt.Tooltip("name:N", title=t("score", lang)),
                 alt.Tooltip("text:N", title=t("count", lang))],
    )
    bars = base.mark_bar(cornerRadiusTopLeft=2, cornerRadiusTopRight=2).encode(
        color=alt.Color("name:N", sort=names, legend=None,
                        scale=alt.Scale(domain=names, range=list(SCORE_COLORS)))
    ).add_params(_pick(["score"]))
    text = base.mark_text(dy=-6, fontSize=11, color="#334155").encode(text="text:N")
    title = t("score_distribution", lang, n=f"{dont_know:,}")
    return _style(alt.layer(bars, text), title)


@by_content
def mean_bars(df: pl.DataFrame, metric_id: str, by: str, lang: str, vocabulary: str | None,
              title: str) -> ChartSpec:
    """A 1-5 mean per segment as bars with the value and n."""
    data = _named(df.filter(pl.col(metric_id).is_not_null()), by, lang, vocabulary).with_columns(
        pl.format("{} · n={}", pl.col(metric_id).round(2),
                  pl.col(f"{metric_id}__den").cast(pl.Int64)).alias("text"))
    order = data.sort(metric_id)["name"].to_list()
    base = alt.Chart(data).encode(
        y=alt.Y("name:N", sort=order, title=None),
        x=alt.X(f"{metric_id}:Q", title=catalog.get(metric_id).name(lang),
                scale=alt.Scale(domain=[0, 5])),
        tooltip=[alt.Tooltip("name:N", title=" "), alt.Tooltip("text:N", title=" ")],
    )
    bars = base.mark_bar(color=PALETTE[4], cornerRadiusTopRight=2, cornerRadiusBottomRight=2)
    text = base.mark_text(align="left", dx=4, fontSize=11, color="#334155").encode(text="text:N")
    return _style(alt.layer(bars, text), title)


# --- scorecards ---

ROW_PX: Final[int] = 22  # height per agent in the scorecard charts
UNRANKED_COLOR: Final[str] = "#94a3b8"


@by_content
def composite_dots(df: pl.DataFrame, lang: str, level: str = "agent") -> ChartSpec:
    """Each agent's (team's) composite as a dot, best first, with the team's as a tick.

    Unranked rows (too small a sample) are grey; a click picks the row.
    """
    metric = catalog.get("agent_composite")
    data = _shown(df.filter(pl.col("agent_composite").is_not_null()), "agent_composite", lang)
    data = data.with_columns(
        pl.when(pl.col("ranked")).then(pl.lit(t("ranked", lang)))
        .otherwise(pl.lit(t("unranked", lang))).alias("status"))
    order = data.sort("agent_composite", descending=True)[level].to_list()
    tooltip = [alt.Tooltip(f"{level}:N", title=t(f"seg_{level}", lang)),
               alt.Tooltip("shown:N", title=metric.name(lang)),
               alt.Tooltip("status:N", title=t("rank", lang))]
    y = alt.Y(f"{level}:N", sort=order, title=None)
    x_scale = alt.Scale(zero=False, nice=True)
    dots = alt.Chart(data).mark_point(filled=True, size=110).encode(
        y=y, x=alt.X("agent_composite:Q", title=metric.name(lang), axis=alt.Axis(format=".0%"),
                     scale=x_scale),
        color=alt.Color("status:N", title=None, scale=alt.Scale(
            domain=[t("ranked", lang), t("unranked", lang)], range=[PRIMARY, UNRANKED_COLOR])),
        tooltip=tooltip,
    ).add_params(_pick([level]))
    layers: list[alt.Chart] = [dots]
    if level == "agent" and "team__agent_composite" in data.columns:
        team = _shown(data, "agent_composite", lang, "team__agent_composite", "team_shown")
        layers.insert(0, alt.Chart(team).mark_tick(color="#334155", thickness=2, size=14)
                      .encode(y=y, x=alt.X("team__agent_composite:Q", scale=x_scale),
                              tooltip=[alt.Tooltip("team:N", title=t("seg_team", lang)),
                                       alt.Tooltip("team_shown:N",
                                                   title=t("team_composite", lang))]))
    chart = alt.layer(*layers).properties(height=max(HEIGHT, ROW_PX * len(order)))
    title = t("composite_chart" if level == "agent" else "composite_chart_team", lang)
    return _style(chart, title).properties(height=max(HEIGHT, ROW_PX * len(order)))


@by_content
def csat_intervals(df: pl.DataFrame, target: float | None, lang: str,
                   level: str = "agent") -> ChartSpec:
    """CSAT per agent with its 95% Wilson interval: overlapping bars are not a real difference."""
    metric = catalog.get("csat")
    data = _shown(df.filter(pl.col("csat").is_not_null()), "csat", lang).with_columns(
        pl.format("{} · n={} · 95% {}–{}", pl.col("shown"),
                  pl.col("csat__den").cast(pl.Int64),
                  (pl.col("csat_low") * 100).round(1), (pl.col("csat_high") * 100).round(1))
        .alias("text"))
    order = data.sort("csat", descending=True)[level].to_list()
    y = alt.Y(f"{level}:N", sort=order, title=None)
    tooltip = [alt.Tooltip(f"{level}:N", title=t(f"seg_{level}", lang)),
               alt.Tooltip("text:N", title=metric.name(lang))]
    scale = alt.Scale(zero=False, nice=True)
    whiskers = alt.Chart(data).mark_rule(color=PALETTE[1], strokeWidth=2).encode(
        y=y, x=alt.X("csat_low:Q", title=t("csat_interval", lang), axis=alt.Axis(format=".0%"),
                     scale=scale),
        x2="csat_high:Q", tooltip=tooltip)
    dots = alt.Chart(data).mark_point(filled=True, size=70, color=PALETTE[1]).encode(
        y=y, x=alt.X("csat:Q", scale=scale), tooltip=tooltip).add_params(_pick([level]))
    layers: list[alt.Chart] = [whiskers, dots]
    if target is not None:
        layers.append(alt.Chart(pl.DataFrame({"target": [target]}))
                      .mark_rule(color=TARGET_COLOR, strokeDash=[5, 4]).encode(x="target:Q"))
    height = max(HEIGHT, ROW_PX * len(order))
    return _style(alt.layer(*layers).properties(height=height),
                  t("csat_ci_chart", lang)).properties(height=height)


def funnel_lines(centre: float, tau2: float, smallest: float, largest: float,
                 points: int = 60) -> pl.DataFrame:
    """The funnel's centre, 2σ and 3σ limits over sample sizes (log-spaced)."""
    low, high = max(smallest, 1.0), max(largest, smallest, 2.0)
    sizes = [low * (high / low) ** (i / (points - 1)) for i in range(points)]
    rows = []
    for n in sizes:
        inner, outer = spc.funnel(centre, n, tau2, spc.WARNING_SIGMAS), spc.funnel(centre, n, tau2)
        rows.append({"n": n, "centre": centre, "low2": inner.low, "high2": inner.high,
                     "low3": outer.low, "high3": outer.high})
    return pl.DataFrame(rows)


@by_content
def funnel_plot(df: pl.DataFrame, metric_id: str, flagged: list[str], lang: str) -> ChartSpec:
    """Each agent's rate against their sample size, inside the centre's funnel: 2σ (dashed)
    and 3σ (solid) limits around the pooled rate, τ² (the ordinary variation between agents)
    included; agents flagged on the metric (against their team's peers) in red."""
    metric = catalog.get(metric_id)
    den = f"{metric_id}__den"
    data = df.filter(pl.col(metric_id).is_not_null() & (pl.col(den) > 0)).select(
        "agent", "team", pl.col(metric_id).alias("rate"), pl.col(den).alias("n"))
    if data.is_empty():
        return _style(alt.Chart(pl.DataFrame({"n": [], "rate": []})).mark_point(),
                      t("funnel_title", lang, metric=metric.name(lang)))
    centre = spc.pooled(df[f"{metric_id}__num"].to_list(), df[den].to_list()) or 0.0
    taus = df[f"tau2__{metric_id}"].drop_nulls().to_list() \
        if f"tau2__{metric_id}" in df.columns else []
    tau2 = float(taus[0]) if taus else 0.0
    lines = funnel_lines(centre, tau2, float(data["n"].min()) * 0.8,  # type: ignore[arg-type]
                         float(data["n"].max()) * 1.2)  # type: ignore[arg-type]
    word = t("funnel_flagged", lang)
    data = data.with_columns(
        pl.col("agent").is_in(flagged).replace_strict({True: word, False: ""},
                                                      return_dtype=pl.String).alias("flag"),
        each(data["rate"], lambda v: formatting.value(metric, v, lang)).alias("shown"))
    x = alt.X("n:Q", title=t("funnel_n", lang), scale=alt.Scale(type="log", nice=False))
    y_scale = alt.Scale(zero=False, nice=True)
    y = alt.Y("rate:Q", title=metric.name(lang), axis=alt.Axis(format=".0%"), scale=y_scale)
    layers: list[alt.Chart] = []
    for edge, dash in (("low3", []), ("high3", []), ("low2", [4, 3]), ("high2", [4, 3])):
        layers.append(alt.Chart(lines).mark_line(color="#94a3b8", strokeDash=dash,
                                                 strokeWidth=1.2).encode(
            x=x, y=alt.Y(f"{edge}:Q", scale=y_scale)))
    layers.append(alt.Chart(lines).mark_line(color="#64748b", strokeWidth=1).encode(
        x=x, y=alt.Y("centre:Q", scale=y_scale)))
    layers.append(alt.Chart(data).mark_point(filled=True, size=70).encode(
        x=x, y=y,
        color=alt.condition(alt.datum.flag == word, alt.value(TARGET_COLOR),
                            alt.value(PALETTE[0])),
        tooltip=[alt.Tooltip("agent:N", title=t("seg_agent", lang)),
                 alt.Tooltip("team:N", title=column_label("team", lang)),
                 alt.Tooltip("shown:N", title=metric.name(lang)),
                 alt.Tooltip("n:Q", title="n", format=","),
                 alt.Tooltip("flag:N", title=" ")]).add_params(_pick(["agent"])))
    return _style(alt.layer(*layers), t("funnel_title", lang, metric=metric.name(lang)))


SEVERITY_COLORS: Final[dict[str, str]] = {
    "minor": "#facc15", "moderate": "#f97316", "severe": "#b91c1c",
}


@by_content
def violation_categories(df: pl.DataFrame, lang: str) -> ChartSpec:
    """Violation items per forbidden-behaviour category, stacked by severity (severe in red)."""
    data = _named(df, "violation_category", lang, "violation_category")
    data = _named(data, "severity", lang, "severity", alias="level").with_columns(
        pl.col("violations").cast(pl.Int64).alias("items"))
    levels = [label("severity", code, lang) for code in SEVERITY_COLORS]
    order = (data.group_by("name").agg(pl.col("items").sum())
             .sort("items", descending=True)["name"].to_list())
    chart = alt.Chart(data).mark_bar().encode(
        y=alt.Y("name:N", sort=order, title=None, axis=alt.Axis(labelLimit=220)),
        x=alt.X("items:Q", title=t("violations_items", lang), axis=alt.Axis(tickMinStep=1)),
        color=alt.Color("level:N", title=None, sort=levels, scale=alt.Scale(
            domain=levels, range=list(SEVERITY_COLORS.values()))),
        order=alt.Order("severity_rank:Q"),
        tooltip=[alt.Tooltip("name:N", title=t("seg_violation_category", lang)),
                 alt.Tooltip("level:N", title=t("seg_severity", lang)),
                 alt.Tooltip("items:Q", title=t("violations_items", lang))],
    ).transform_calculate(
        severity_rank="indexof(['minor', 'moderate', 'severe'], datum.severity)")
    return _style(chart, t("violations_by_category", lang))


def _time_unit(largest: float | None, lang: str) -> tuple[float, str]:
    """Seconds, minutes or hours for an axis, by the largest value shown."""
    if largest is None or largest < 180:
        return 1.0, t("seconds_short", lang)
    if largest < 3 * 3600:
        return 60.0, t("minutes", lang)
    return 3600.0, t("hours_short", lang)


@by_content
def agent_vs_team(df: pl.DataFrame, targets: dict[str, float | None], agent: str, lang: str,
                  grain: str) -> ChartSpec:
    """Small multiples: each trended indicator of one agent against the team, with target."""
    who = {"agent": agent, "team": t("team_average", lang)}
    panels = []
    for metric_id in df["metric"].unique(maintain_order=True).to_list():
        metric = catalog.get(metric_id)
        part = df.filter(pl.col("metric") == metric_id).with_columns(
            pl.col("who").replace_strict(who, return_dtype=pl.String).alias("series"))
        part = _shown(part, metric_id, lang, "value")
        divisor, unit_word = 1.0, None
        if metric.unit == "seconds":
            divisor, unit_word = _time_unit(part["value"].max(), lang)  # type: ignore[arg-type]
            part = part.with_columns((pl.col("value") / divisor).alias("value"))
        axis = alt.Axis(format=".0%") if metric.unit == "fraction" else alt.Axis()
        base = alt.Chart(part).encode(
            x=alt.X("bucket:T", title=None, axis=alt.Axis(format=_bucket_format(grain))),
            y=alt.Y("value:Q", title=unit_word, axis=axis, scale=alt.Scale(zero=False)),
            color=alt.Color("series:N", title=None, scale=alt.Scale(
                domain=list(who.values()), range=[PRIMARY, "#94a3b8"])),
            strokeDash=alt.StrokeDash("series:N", title=None, scale=alt.Scale(
                domain=list(who.values()), range=[[1, 0], [5, 3]])),
            tooltip=[alt.Tooltip("bucket:T", title=t("date", lang)),
                     alt.Tooltip("series:N", title=" "),
                     alt.Tooltip("shown:N", title=metric.name(lang))],
        )
        layers: list[alt.Chart] = [base.mark_line(strokeWidth=2.5),
                                   base.mark_point(filled=True, size=30)]
        goal = targets.get(metric_id)
        if goal is not None:
            shown_goal = goal / divisor
            layers.append(alt.Chart(pl.DataFrame({"target": [shown_goal]}))
                          .mark_rule(color=TARGET_COLOR, strokeDash=[5, 4]).encode(y="target:Q"))
        panels.append(alt.layer(*layers).properties(
            title=alt.TitleParams(metric.name(lang), anchor="start", fontSize=13),
            width=250, height=150))
    return _configure(alt.concat(*panels, columns=2))


# --- QA ---

@by_content
def severity_trend(df: pl.DataFrame, lang: str, grain: str) -> ChartSpec:
    """Violation items per bucket stacked by severity, severe in red at the base."""
    levels = [label("severity", code, lang) for code in SEVERITY_COLORS]
    data = _named(df, "severity", lang, "severity", alias="level").with_columns(
        pl.col("violations").cast(pl.Int64).alias("items"),
        pl.col("bucket").dt.strftime(_bucket_format(grain)).alias("label"),
        pl.col("severity").replace_strict({"severe": 0, "moderate": 1, "minor": 2}, default=3,
                                          return_dtype=pl.Int64).alias("rank"),
    ).sort("bucket", "rank")
    chart = alt.Chart(data).mark_bar().encode(
        x=alt.X("label:O", title=None, sort=None,
                axis=alt.Axis(labelAngle=0, labelOverlap=True)),
        y=alt.Y("items:Q", title=t("violations_items", lang),
                axis=alt.Axis(tickMinStep=1, format="d")),
        color=alt.Color("level:N", title=None, sort=levels, scale=alt.Scale(
            domain=levels, range=list(SEVERITY_COLORS.values()))),
        order=alt.Order("rank:Q"),
        tooltip=[alt.Tooltip("bucket:T", title=t("date", lang)),
                 alt.Tooltip("level:N", title=t("seg_severity", lang)),
                 alt.Tooltip("items:Q", title=t("violations_items", lang))],
    )
    return _style(chart, t("qa_severity_trend", lang))


def _score_span(values: list[float | None], least: float = 10.0) -> list[float]:
    """An axis zoomed to 0-100 scores, at least `least` points wide so that a 1-point gap does
    not look like a chasm."""
    shown = [v for v in values if v is not None] or [0.0, 100.0]
    low, high = min(shown), max(shown)
    pad = max((least - (high - low)) / 2, 1.0)
    return [max(0.0, low - pad), min(100.0, high + pad)]


@by_content
def qa_score_dots(df: pl.DataFrame, by: str, overall: float | None, lang: str,
                  title: str) -> ChartSpec:
    """Mean QA score per team or agent as dots, lowest first, each with its n, against the
    overall mean (dashed); the axis is zoomed to the scores, so differences show. A click
    drills in."""
    metric = catalog.get("qa_score_mean")
    data = _named(df.filter(pl.col("qa_score_mean").is_not_null()), by, lang).with_columns(
        pl.format("{} · n={}", pl.col("qa_score_mean").round(1),
                  pl.col("qa_score_mean__den").cast(pl.Int64)).alias("text"))
    order = data.sort("qa_score_mean")["name"].to_list()
    scale = alt.Scale(domain=_score_span([*data["qa_score_mean"].to_list(), overall]),
                      nice=True)
    base = alt.Chart(data).encode(
        y=alt.Y("name:N", sort=order, title=None),
        x=alt.X("qa_score_mean:Q", title=metric.name(lang), scale=scale),
        tooltip=[alt.Tooltip("name:N", title=t(f"seg_{by}", lang)),
                 alt.Tooltip("text:N", title=metric.name(lang))],
    )
    dots = base.mark_point(filled=True, size=110, color=PRIMARY, opacity=0.9).add_params(
        _pick([by]))
    text = base.mark_text(align="left", dx=9, fontSize=11, color="#334155").encode(text="text:N")
    layers: list[alt.Chart] = [dots, text]
    if overall is not None:
        layers.insert(0, alt.Chart(pl.DataFrame({"overall": [overall]})).mark_rule(
            color="#64748b", strokeDash=[4, 3]).encode(x=alt.X("overall:Q", scale=scale)))
    height = max(HEIGHT, ROW_PX * len(order))
    return _style(alt.layer(*layers).properties(height=height), title).properties(
        height=height)


# --- 话务 Calls ----------------------------------------------------------------------------

@by_content
def calls_daily(df: pl.DataFrame, target: float | None, lang: str) -> ChartSpec:
    """Calls per day: offered as bars, answered and abandoned as lines, and the service
    level (right axis) with its target."""
    counts = ("calls_offered", "calls_answered", "calls_abandoned")
    long = pl.concat([
        df.select("bucket", pl.col(m).cast(pl.Float64).alias("value"),
                  pl.lit(catalog.get(m).name(lang)).alias("metric")) for m in counts])
    names = [catalog.get(m).name(lang) for m in counts]
    colors = alt.Scale(domain=names, range=[PALETTE[5], PALETTE[1], PALETTE[3]])
    x = alt.X("bucket:T", title=None, axis=alt.Axis(format="%m-%d"))
    bars = alt.Chart(long.filter(pl.col("metric") == names[0])).mark_bar(
        opacity=0.35, color=PALETTE[5]).encode(
        x=x, y=alt.Y("value:Q", title=t("count", lang)),
        color=alt.Color("metric:N", scale=colors, title=None),
        tooltip=[alt.Tooltip("bucket:T", title=t("date", lang)),
                 alt.Tooltip("metric:N", title=" "), alt.Tooltip("value:Q", format=",")])
    lines = alt.Chart(long.filter(pl.col("metric") != names[0])).mark_line(
        strokeWidth=2).encode(
        x=x, y=alt.Y("value:Q"), color=alt.Color("metric:N", scale=colors, title=None),
        tooltip=[alt.Tooltip("bucket:T", title=t("date", lang)),
                 alt.Tooltip("metric:N", title=" "), alt.Tooltip("value:Q", format=",")])
    sl = catalog.get("service_level_rate")
    level = df.select("bucket", pl.col("service_level_rate").alias("rate"))
    level = level.with_columns(
        each(level["rate"], lambda v: formatting.value(sl, v, lang)).alias("shown"))
    rate_axis = alt.Y("rate:Q", title=sl.name(lang), axis=alt.Axis(format=".0%"),
                      scale=alt.Scale(domain=[0, 1]))
    rate = alt.Chart(level).mark_line(color=PALETTE[0], strokeDash=[2, 2], point=True).encode(
        x=x, y=rate_axis, tooltip=[alt.Tooltip("bucket:T", title=t("date", lang)),
                                   alt.Tooltip("shown:N", title=sl.name(lang))])
    layers = [rate]
    if target is not None:
        rule = pl.DataFrame({"rate": [target], "shown": [formatting.target(sl, target, lang)]})
        layers.append(alt.Chart(rule).mark_rule(color=TARGET_COLOR, strokeDash=[5, 4]).encode(
            y=alt.Y("rate:Q", scale=alt.Scale(domain=[0, 1])),
            tooltip=[alt.Tooltip("shown:N", title=t("target", lang))]))
    chart = alt.layer(alt.layer(bars, lines), alt.layer(*layers)).resolve_scale(y="independent")
    return _style(chart, t("calls_daily", lang))


@by_content
def calls_heat(df: pl.DataFrame, value: str, lang: str) -> ChartSpec:
    """Weekday × half-hour cells coloured by calls offered or by service level."""
    label_of = formatting.slot_label
    sl = catalog.get("service_level_rate")
    data = df.select("weekday", "slot", "calls_offered", "service_level_rate")
    data = data.with_columns(
        each(data["weekday"], lambda d: weekday(int(d), lang)).alias("day"),
        each(data["slot"], lambda s: label_of(int(s))).alias("time"),
        each(data["service_level_rate"], lambda v: formatting.value(sl, v, lang)).alias("sl"))
    offered = value == "offered"
    field = "calls_offered:Q" if offered else "service_level_rate:Q"
    scale = alt.Scale(scheme="blues") if offered else alt.Scale(scheme="redyellowgreen",
                                                                domain=[0, 1])
    legend = alt.Legend(orient="right", format=",d" if offered else ".0%")
    times = [label_of(s) for s in range(48)]
    chart = alt.Chart(data).mark_rect(cornerRadius=2).encode(
        x=alt.X("time:O", sort=times, title=t("hour_of_day", lang),
                axis=alt.Axis(labelAngle=-90, values=times[::2])),
        y=alt.Y("day:N", sort=[weekday(d, lang) for d in range(1, 8)], title=None),
        color=alt.Color(field, scale=scale, title=None, legend=legend),
        tooltip=[alt.Tooltip("day:N", title=" "), alt.Tooltip("time:N", title=" "),
                 alt.Tooltip("calls_offered:Q", title=catalog.get("calls_offered").name(lang),
                             format=","),
                 alt.Tooltip("sl:N", title=sl.name(lang))],
    ).add_params(_pick(["weekday", "slot"]))
    title = t("calls_heat_offered" if offered else "calls_heat_sl", lang)
    return _style(chart, title)


@by_content
def patience(df: pl.DataFrame, bounds: tuple[float, ...], lang: str) -> ChartSpec:
    """Calls by wait band, answered and abandoned stacked, with the share abandoned (the
    patience curve) as a line on its own axis."""
    names = [band_label(i, bounds, lang) for i in range(1, len(bounds) + 2)]
    answered, abandoned = (label("call_outcome", c, lang) for c in ("answered", "abandoned"))
    data = df.with_columns(
        each(df["wait_band"], lambda b: band_label(int(b), bounds, lang)).alias("band"))
    long = pl.concat([
        data.select("band", pl.col("answered").alias("calls"), pl.lit(answered).alias("outcome")),
        data.select("band", pl.col("abandoned").alias("calls"),
                    pl.lit(abandoned).alias("outcome"))])
    x = alt.X("band:N", sort=names, title=t("calls_waits", lang), axis=alt.Axis(labelAngle=0))
    bars = alt.Chart(long).mark_bar().encode(
        x=x, y=alt.Y("calls:Q", title=t("count", lang)),
        color=alt.Color("outcome:N", title=None, sort=[answered, abandoned],
                        scale=alt.Scale(domain=[answered, abandoned],
                                        range=[PALETTE[1], PALETTE[3]])),
        tooltip=[alt.Tooltip("band:N", title=" "), alt.Tooltip("outcome:N", title=" "),
                 alt.Tooltip("calls:Q", format=",")])
    share = data.with_columns((pl.col("abandoned_share") * 100).round(1).alias("pct"))
    line = alt.Chart(share).mark_line(color=TARGET_COLOR, point=True, strokeWidth=2).encode(
        x=x, y=alt.Y("abandoned_share:Q", title=t("calls_abandoned_share", lang),
                     axis=alt.Axis(format=".0%")),
        tooltip=[alt.Tooltip("band:N", title=" "),
                 alt.Tooltip("pct:Q", title=t("calls_abandoned_share", lang) + " %")])
    return _style(alt.layer(bars, line).resolve_scale(y="independent"), t("calls_waits", lang))
