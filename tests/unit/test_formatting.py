"""One number format: percent with one decimal, durations as people say them."""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl
import pytest

from metrics.core import catalog
from metrics.present import formatting
from metrics.present.tables import each


@pytest.mark.parametrize(
    ("seconds", "zh", "en"),
    [
        (45, "45秒", "45 s"),
        (600, "10分钟", "10 min"),
        (725, "12分5秒", "12 min 5 s"),
        (12_000, "3小时20分", "3 h 20 min"),
        (7200, "2小时", "2 h"),
        (183_600, "2天3小时", "2 d 3 h"),
        (None, "—", "—"),
    ],
)
def test_durations(seconds: float | None, zh: str, en: str) -> None:
    assert formatting.duration(seconds, "zh") == zh
    assert formatting.duration(seconds, "en") == en


def test_values_by_unit() -> None:
    assert formatting.value(catalog.get("csat"), 0.9234, "en") == "92.3%"
    assert formatting.value(catalog.get("tickets"), 28742, "en") == "28,742"
    assert formatting.value(catalog.get("mean_score"), 4.3456, "en") == "4.35"
    assert formatting.value(catalog.get("nps"), 39.25, "en") == "+39.2"
    assert formatting.value(catalog.get("csat"), None, "zh") == "—"


def test_change_is_in_points_for_rates_and_relative_otherwise() -> None:
    assert formatting.change(catalog.get("csat"), 0.92, 0.90, "en") == "+2.0 pp"
    assert formatting.change(catalog.get("csat"), 0.92, 0.90, "zh") == "+2.0个百分点"
    assert formatting.change(catalog.get("tickets"), 110, 100, "en") == "+10.0%"
    assert formatting.change(catalog.get("tickets"), 5, 0, "en") == "new"
    assert formatting.change(catalog.get("tickets"), 5, None, "en") is None


def test_meets_respects_direction() -> None:
    assert catalog.meets(catalog.get("csat"), 0.96, 0.95) is True
    assert catalog.meets(catalog.get("csat"), 0.94, 0.95) is False
    assert catalog.meets(catalog.get("severe_violations"), 0, 0) is True
    assert catalog.meets(catalog.get("severe_violations"), 2, 0) is False
    assert catalog.meets(catalog.get("tickets"), 10, None) is None


HOSTILE = [
    "![x](http://example.invalid/a.png)",
    "[t](http://example.invalid)",
    "**bold** __b__ *i* _i_ ~~s~~ `code`",
    "$$x^2$$ and $y$",
    ":red[r] :orange-badge[b] :material/home: :smile: :streamlit: :+1:",
    "<img src=x onerror=alert(1)> <b>b</b> &amp; &#60;",
    "# h\n- item\n1. one\n> quote\n\n| a | b |\n|---|---|",
    "http://example.invalid www.example.invalid a@example.invalid",
    "a -> b <- c <-> d -- e >= f <= g ~= h",
    "back\\slash \\* [^1] {x} =x= +x+ |x| !x! #x. 10:30 a_b_c",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_plain_text_parses_back_to_itself(text: str) -> None:
    """CommonMark (with GFM tables and strikethrough) reads the escaped text as the text
    itself, on one line, with nothing but a paragraph around it."""
    markdown_it = pytest.importorskip("markdown_it")
    md = markdown_it.MarkdownIt("commonmark").enable(["table", "strikethrough"])
    blocks = md.parse(formatting.plain(text))
    assert [block.type for block in blocks] == ["paragraph_open", "inline", "paragraph_close"]
    inline = blocks[1].children or []
    assert [token.type for token in inline] == ["text"]
    assert inline[0].content.replace("\u2060", "") == " ".join(text.split())


def test_plain_text_escapes_every_ascii_punctuation_mark() -> None:
    escaped = formatting.plain("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
    assert escaped.replace("\u2060", "") == "".join(
        "\\" + c for c in "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
    assert formatting.plain("班组 A（一）· 张三") == "班组 A（一）· 张三"


def test_plain_text_breaks_what_streamlit_replaces_after_parsing() -> None:
    """Shortcodes, icons, autolinks and arrows are matched in the parsed text, past the
    escapes (remark-emoji, Streamlit's icon and arrow plugins, mdast's GFM autolinks)."""
    assert formatting.plain(":smile:") == "\\:\u2060smile\\:"
    assert formatting.plain("a:smile") == "a\\:\u2060smile"  # "…: 3 records" may follow
    assert formatting.plain(":red[r] 10:30 am") == "\\:red\\[r\\] 10\\:30 am"
    assert formatting.plain(":material/home:") == "\\:material\\/home\\:"  # \/: no icon
    assert formatting.plain(":material_home:") == "\\:\u2060material\\_home\\:"
    assert formatting.plain("a -> b") == "a \\-\u2060\\> b"
    assert formatting.plain("http://x.y www.x.y a@x.y") == (
        "http\\:\u2060\\/\\/x\\.y www\u2060\\.x\\.y a\\@\u2060x\\.y")
    assert formatting.plain("  two\n\nlines  ") == "two lines"


@pytest.mark.parametrize("text", ["score_x", "a`b", "`edge`", "a ``` b", "*x* $y$ [z](u)"])
def test_code_span_shows_the_text_literally(text: str) -> None:
    markdown_it = pytest.importorskip("markdown_it")
    inline = markdown_it.MarkdownIt("commonmark").parseInline(formatting.code(text))[0]
    assert [(token.type, token.content) for token in inline.children or []] == [
        ("code_inline", text)]


def test_no_python_function_runs_on_polars_thread_pool() -> None:
    """map_elements runs Python on polars' pool, which needs the GIL; polars' to_pandas (every
    st.dataframe of a polars frame) waits on that pool holding it. Twenty sessions at once
    hung the whole server that way (benchmarks/bench_load.py). Values are mapped with
    tables.each, in the calling thread."""
    root = Path(__file__).parents[2]
    found = [f"{path.relative_to(root)}:{n}" for folder in ("metrics", "ui", "pages")
             for path in (root / folder).rglob("*.py")
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if re.search(r"\.(map_elements|map_batches|map_rows|map_groups)\(", line)]
    assert found == []


def test_each_maps_in_this_thread_keeping_nulls() -> None:
    series = pl.Series("v", [1, None, 3])
    assert each(series, lambda v: f"<{v}>").to_list() == ["<1>", None, "<3>"]
    assert each(series, lambda v: f"<{v}>", skip_nulls=False).to_list() == [
        "<1>", "<None>", "<3>"]
    assert each(series, str).name == "v" and each(series, str).dtype == pl.String
