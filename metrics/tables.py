"""Breakdown tables as people read them: a segment column in words, metrics in their units."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from metrics import catalog, formatting
from metrics.drill import column_label
from metrics.i18n import t
from metrics.schema import label
from metrics.settings import Settings


def segment_words(df: pl.DataFrame, column: str, lang: str,
                  vocabulary: str | None = None, none: str = "unclassified") -> pl.Series:
    """A segment column in the UI's words; missing values read 未分类 / Unclassified."""
    def word(code: object) -> str:
        if code is None or code == "__none__":
            return t(none, lang)
        return label(vocabulary, str(code), lang) if vocabulary else str(code)

    return df[column].map_elements(word, return_dtype=pl.String, skip_nulls=False)


def _formatted(values: pl.Series, metric: catalog.Metric, lang: str) -> pl.Series:
    return pl.Series([formatting.value(metric, v, lang) for v in values.to_list()],
                     dtype=pl.String)


def metric_table(df: pl.DataFrame, by: str, metric_ids: Sequence[str], lang: str,
                 vocabulary: str | None = None, with_n: Sequence[str] = (),
                 none: str = "unclassified") -> pl.DataFrame:
    """One row per segment: its name, then each metric formatted, with n after the rates named."""
    columns: dict[str, pl.Series] = {
        column_label(by, lang) if by != "dimension" else t("dimension", lang):
        segment_words(df, by, lang, vocabulary, none),
    }
    for metric_id in metric_ids:
        metric = catalog.get(metric_id)
        columns[metric.name(lang)] = _formatted(df[metric_id], metric, lang)
        if metric_id in with_n:
            columns[f"{metric.name(lang)} n"] = df[f"{metric_id}__den"].fill_null(0).cast(
                pl.Int64)
    return pl.DataFrame(columns)


def durations(df: pl.DataFrame, column: str, title: str, lang: str) -> pl.Series:
    """A seconds column as words (3小时20分), titled."""
    return df[column].map_elements(lambda v: formatting.duration(v, lang),
                                   return_dtype=pl.String, skip_nulls=False).alias(title)


def _pp(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:+.2f}"


def moved_table(df: pl.DataFrame, by: str, lang: str) -> pl.DataFrame:
    """The change in complaint rate by segment, with a total row showing the parts add up."""
    vocabulary = {"category": "category", "channel": "channel"}.get(by)
    pp = t("pp", lang)
    out = pl.DataFrame({
        column_label(by, lang): segment_words(df, by, lang, vocabulary),
        t("complaints_before", lang): df["complaints_before"].cast(pl.Int64),
        t("complaints_now", lang): df["complaints_now"].cast(pl.Int64),
        t("tickets_before", lang): df["tickets_before"].cast(pl.Int64),
        t("tickets_now", lang): df["tickets_now"].cast(pl.Int64),
        f"{t('contribution', lang)} ({pp})": df["contribution"].map_elements(
            _pp, return_dtype=pl.String, skip_nulls=False),
        f"{t('mix_effect', lang)} ({pp})": df["mix"].map_elements(
            _pp, return_dtype=pl.String, skip_nulls=False),
        f"{t('rate_effect', lang)} ({pp})": df["rate"].map_elements(
            _pp, return_dtype=pl.String, skip_nulls=False),
    })
    if by == "category":  # complaints split by category: ticket counts would repeat them
        out = out.drop(t("tickets_before", lang), t("tickets_now", lang))
    if df.is_empty():
        return out
    counts = ["complaints_before", "complaints_now"] + (
        [] if by == "category" else ["tickets_before", "tickets_now"])
    effects = [_pp(float(df[c].sum())) if df[c].null_count() < df.height else "—"
               for c in ("contribution", "mix", "rate")]
    row = [t("total", lang), *(int(df[c].sum()) for c in counts), *effects]
    total = pl.DataFrame([row], schema=out.schema, orient="row")
    return pl.concat([out, total])


def themes_table(df: pl.DataFrame, lang: str) -> pl.DataFrame:
    """Comment themes, lowest mean score first: word, comments, mean score, share scoring 1-2."""
    return pl.DataFrame({
        t("theme", lang): df["theme"],
        t("comments", lang): df["comments"].cast(pl.Int64),
        t("mean_score_short", lang): df["mean_score"].map_elements(
            lambda v: f"{v:.2f}", return_dtype=pl.String, skip_nulls=False).fill_null("—"),
        t("low_share", lang): df["low_share"].map_elements(
            formatting.percent, return_dtype=pl.String, skip_nulls=False),
        t("example", lang): df["example"],
    })


def catalog_table(lang: str, settings: Settings | None = None,
                  public: bool | None = True) -> pl.DataFrame:
    """The metric catalog from its declarations: one row per metric, targets as in force."""
    settings = settings or Settings()
    zh = lang == "zh"
    rows = []
    for m in catalog.METRICS:
        if public is not None and m.public != public:
            continue
        direction = {True: "越高越好" if zh else "higher is better",
                     False: "越低越好" if zh else "lower is better",
                     None: "—"}[m.higher_is_better]
        if m.target_kind == "channel_standard":
            goal = t("channel_target", lang)
        elif m.target_metric:
            goal = "严重违规 = 0" if zh else "0 severe"
        else:
            goal = formatting.target(m, settings.target(m.id), lang)
        rows.append({"id": m.id, "name": m.name(lang), "formula": m.formula(lang),
                     "unit": t(f"unit_{m.unit}", lang), "direction": direction,
                     "target": goal, "notes": m.note(lang)})
    return pl.DataFrame(rows, schema=dict.fromkeys(
        ("id", "name", "formula", "unit", "direction", "target", "notes"), pl.String))
