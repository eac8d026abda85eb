"""Charts as pure functions: an aggregated frame in, an Altair chart out.

Pages render them with st.altair_chart(theme=None) and exports with vl-convert, so a chart
looks the same on screen and in the monthly review. Charts never receive raw ticket rows.
"""

from __future__ import annotations

from typing import Final

import altair as alt
import polars as pl

from metrics import catalog, formatting
from metrics.i18n import t
from metrics.schema import label

PALETTE: Final[tuple[str, ...]] = (
    "#2563eb", "#0d9488", "#f59e0b", "#e11d48", "#7c3aed", "#64748b", "#16a34a", "#db2777",
)
PRIMARY: Final[str] = PALETTE[0]
TARGET_COLOR: Final[str] = "#dc2626"
FONT: Final[str] = "Noto Sans CJK SC, Noto Sans SC, PingFang SC, Microsoft YaHei, sans-serif"
HEIGHT: Final[int] = 240
ChartSpec = alt.Chart | alt.LayerChart | alt.FacetChart


def _style(chart: ChartSpec, title: str) -> ChartSpec:
    return (
        chart.properties(title=alt.TitleParams(title, anchor="start", fontSize=14), height=HEIGHT)
        .configure(font=FONT, background="white")
        .configure_view(stroke=None)
        .configure_axis(labelFontSize=11, titleFontSize=11, gridColor="#eef0f3",
                        domainColor="#cbd5e1", labelColor="#475569", titleColor="#475569")
        .configure_legend(labelFontSize=11, titleFontSize=11, orient="bottom")
    )


def _bucket_format(grain: str) -> str:
    return {"day": "%m-%d", "week": "%m-%d", "month": "%Y-%m"}.get(grain, "%Y-%m-%d")


def volume_trend(df: pl.DataFrame, lang: str, grain: str) -> ChartSpec:
    """Tickets per bucket as bars."""
    metric = catalog.get("tickets")
    data = df.select("bucket", pl.col("tickets").alias("value")).with_columns(
        pl.col("value").map_elements(lambda v: formatting.value(metric, v, lang),
                                     return_dtype=pl.String).alias("shown")
    )
    data = data.with_columns(pl.col("bucket").dt.strftime(_bucket_format(grain)).alias("label"))
    chart = alt.Chart(data).mark_bar(color=PRIMARY, cornerRadiusTopLeft=2,
                                     cornerRadiusTopRight=2).encode(
        x=alt.X("label:O", title=None, sort=None, axis=alt.Axis(labelAngle=0, labelOverlap=True)),
        y=alt.Y("value:Q", title=metric.name(lang)),
        tooltip=[alt.Tooltip("bucket:T", title=t("date", lang)),
                 alt.Tooltip("shown:N", title=metric.name(lang))],
    )
    return _style(chart, metric.name(lang))


def rate_trend(
    df: pl.DataFrame, metric_id: str, target: float | None, lang: str, grain: str
) -> ChartSpec:
    """A rate per bucket as a line, with its target as a dashed rule."""
    metric = catalog.get(metric_id)
    data = df.select("bucket", pl.col(metric_id).alias("value")).with_columns(
        pl.col("value").map_elements(lambda v: formatting.value(metric, v, lang),
                                     return_dtype=pl.String).alias("shown")
    )
    base = alt.Chart(data).encode(
        x=alt.X("bucket:T", title=None, axis=alt.Axis(format=_bucket_format(grain))),
        y=alt.Y("value:Q", title=metric.name(lang), axis=alt.Axis(format=".0%"),
                scale=alt.Scale(zero=False)),
        tooltip=[alt.Tooltip("bucket:T", title=t("date", lang)),
                 alt.Tooltip("shown:N", title=metric.name(lang))],
    )
    layers: list[alt.Chart] = [
        base.mark_line(color=PALETTE[1], strokeWidth=2.5),
        base.mark_point(color=PALETTE[1], filled=True, size=40),
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


def duration_trend(
    df: pl.DataFrame, metric_id: str, lang: str, grain: str
) -> ChartSpec:
    """A duration per bucket as a line, in hours on the axis and as words in the tooltip."""
    metric = catalog.get(metric_id)
    data = df.select("bucket", (pl.col(metric_id) / 3600).alias("hours"),
                     pl.col(metric_id).alias("seconds")).with_columns(
        pl.col("seconds").map_elements(lambda v: formatting.duration(v, lang),
                                       return_dtype=pl.String).alias("shown")
    )
    base = alt.Chart(data).encode(
        x=alt.X("bucket:T", title=None, axis=alt.Axis(format=_bucket_format(grain))),
        y=alt.Y("hours:Q", title=f"{metric.name(lang)}（{t('hours', lang)}）" if lang == "zh"
                else f"{metric.name(lang)} ({t('hours', lang)})"),
        tooltip=[alt.Tooltip("bucket:T", title=t("date", lang)),
                 alt.Tooltip("shown:N", title=metric.name(lang))],
    )
    chart = alt.layer(base.mark_line(color=PALETTE[2], strokeWidth=2.5),
                      base.mark_point(color=PALETTE[2], filled=True, size=40))
    return _style(chart, metric.name(lang))


def category_bars(df: pl.DataFrame, lang: str) -> ChartSpec:
    """Complaints per category, largest first, with each one's share."""
    total = float(df["complaints"].sum()) or 1.0
    data = (
        df.filter(pl.col("complaints") > 0)
        .sort("complaints", descending=True)
        .with_columns(
            pl.col("category").fill_null("").map_elements(
                lambda c: label("category", c, lang) if c else t("unclassified", lang),
                return_dtype=pl.String).alias("name"),
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
