"""The review pack as a zip: every chart as PNG (2x) and SVG, every table as XLSX, a README."""

from __future__ import annotations

import io
import zipfile

from metrics.present import exports
from metrics.present.words import colon, t
from metrics.report.pack import Figure, Pack, Progress, Table, period_title, quiet, render

# --- the zip ------------------------------------------------------------------------------------

def file_stem(item: Figure | Table) -> str:
    """'04-1-complaint-pareto': section, position, what it is (ASCII, for every unzip tool)."""
    section, position = item.number.split(".")
    return f"{int(section):02d}-{position}-{item.slug}"


def zip_names(pack: Pack) -> list[str]:
    """The zip's file names in order, README.txt first."""
    names = ["README.txt"]
    for section in pack.sections:
        for item in section.items:
            if isinstance(item, Figure):
                names += [f"{file_stem(item)}.png", f"{file_stem(item)}.svg"]
            elif isinstance(item, Table):
                names.append(f"{file_stem(item)}.xlsx")
    return names


def readme(pack: Pack) -> str:
    """What the zip holds, file by file, with the scope it covers."""
    lang = pack.lang
    sep = colon(lang)
    prev = pack.filters.previous()
    lines = [
        f"{t('app_title', lang)} · {t('review_title', lang)} · {period_title(pack.filters, lang)}",
        "",
        f"{t('review_period', lang)}{sep}{pack.filters.date_from} – {pack.filters.date_to}",
        f"{t('review_previous_period', lang)}{sep}{prev.date_from} – {prev.date_to}"
        + t("in_brackets", lang, text=t(f"vs_{pack.filters.comparison}", lang)),
        f"{t('review_scope', lang)}{sep}{pack.scope}",
        f"{t('review_generated', lang)}{sep}{pack.generated:%Y-%m-%d %H:%M}",
        "",
        t("review_readme_intro", lang),
    ]
    if pack.demo:
        lines += ["", t("review_demo", lang)]
    for section in pack.sections:
        lines += ["", f"{section.number}. {section.title}"]
        for item in section.items:
            if isinstance(item, Figure):
                lines.append(f"  {file_stem(item)}.png / .svg  "
                             f"{t('review_figure', lang, n=item.number)} {item.title}")
            elif isinstance(item, Table):
                lines.append(f"  {file_stem(item)}.xlsx  "
                             f"{t('review_table', lang, n=item.number)} {item.title}")
    return "\n".join(lines) + "\n"


def to_zip(pack: Pack, progress: Progress | None = None) -> bytes:
    """Every chart as PNG (2x) and SVG, every table as XLSX, and README.txt listing them."""
    say = progress or quiet
    render(pack, svg=True, progress=say)
    say("writing the zip")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", "\ufeff" + readme(pack))
        for section in pack.sections:
            for item in section.items:
                if isinstance(item, Figure):
                    stem = file_stem(item)
                    archive.writestr(f"{stem}.png", pack.png[item.number],
                                     compress_type=zipfile.ZIP_STORED)
                    archive.writestr(f"{stem}.svg", pack.svg[item.number])
                elif isinstance(item, Table):
                    archive.writestr(f"{file_stem(item)}.xlsx",
                                     exports.xlsx_bytes(item.frame, item.slug[:31]),
                                     compress_type=zipfile.ZIP_STORED)
    return buffer.getvalue()
