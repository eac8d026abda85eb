"""Recurring themes of survey comments, lowest-scoring first (the Satisfaction page).

A theme is a word that jieba (precise mode) cuts out of a comment: 2+ Chinese characters or
3+ Latin letters, not a stop word (Stopwords ISO zh + en from the stopwordsiso package, plus
the ServiceLens additions in metrics/views/stopwords_zh.txt), not a number. Comments repeat a lot:
themes() counts each distinct text once, splits it (in polars) into jieba's blocks (the runs
between punctuation), and segments each distinct block once; blocks are cached across calls
(LRU, 65,536 blocks). The distinct (text, word) pairs are then grouped by word in polars.
"""

from __future__ import annotations

import functools
import logging
import re
import unicodedata
from collections.abc import Callable
from importlib import resources
from typing import Final

import polars as pl
import stopwordsiso

from metrics.core.scope import Scope
from metrics.engine.store import Store
from metrics.views import drill

SCHEMA: Final = pl.Schema(
    {
        "theme": pl.String,
        "comments": pl.UInt32,
        "scored": pl.UInt32,
        "mean_score": pl.Float64,
        "low_share": pl.Float64,
        "example": pl.String,
    }
)
LOW_SCORE: Final = 2  # a score <= this counts towards low_share
STOPWORDS_FILE: Final = "stopwords_zh.txt"  # in package `metrics.views`

_HAN_WORD: Final = re.compile(r"[\u4e00-\u9fd5]{2,}")  # jieba's Han range
_LATIN_WORD: Final = re.compile(r"[a-z]{3,}")  # after NFKC (full-width letters) and lower()
# jieba's precise mode (jieba.re_han_default) cuts each run of these characters separately;
# anything else it yields one character at a time, never a theme word.
# (Non-raw string: the same pattern serves Python's re and polars' Rust regex.)
_JIEBA_BLOCK_PATTERN: Final = "[\u4e00-\u9fd5a-zA-Z0-9+#&._%\\-]+"
_JIEBA_BLOCK: Final = re.compile(_JIEBA_BLOCK_PATTERN)
# Chinese numbers with an optional ordinal and counter: 一二三, 第三次, 两天, 十分, 一个 ...
_HAN_NUMBER: Final = re.compile(
    r"第?[零〇一二两三四五六七八九十百千万亿几]+[次个天元块分号年月日周岁位件]?"
)


@functools.cache
def _lcut() -> Callable[[str], list[str]]:
    """jieba's precise-mode cut (with HMM for unknown words), its dictionary loaded on first
    use (~1 s) and quietly. Two threads racing here both call jieba.initialize(), which locks
    and loads once."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    cut: Callable[[str], list[str]] = jieba.lcut
    return cut


@functools.cache
def stop_words() -> frozenset[str]:
    """Stopwords ISO zh + en and the additions shipped in metrics/views/stopwords_zh.txt."""
    text = resources.files("metrics.views").joinpath(STOPWORDS_FILE).read_text(encoding="utf-8")
    extra = {w.strip() for w in text.splitlines() if w.strip() and not w.lstrip().startswith("#")}
    words = stopwordsiso.stopwords(["zh", "en"]) | extra
    return frozenset(unicodedata.normalize("NFKC", w).lower() for w in words)


def _is_theme_word(word: str) -> bool:
    """A lower-cased jieba word that can be a theme: 2+ Chinese characters that are not a
    number, or 3+ Latin letters; not a stop word."""
    if word in stop_words():
        return False
    if _LATIN_WORD.fullmatch(word):
        return True
    return bool(_HAN_WORD.fullmatch(word)) and not _HAN_NUMBER.fullmatch(word)


@functools.lru_cache(maxsize=65_536)
def _block_words(block: str) -> tuple[str, ...]:
    """The theme words of one jieba block, in order (may repeat)."""
    return tuple(w for w in (p.lower() for p in _lcut()(block)) if _is_theme_word(w))


def tokens(comment: str) -> list[str]:
    """The distinct theme words of one comment: jieba words of >= 2 characters (Chinese) or
    >= 3 letters (Latin, lower-cased), stop words, numbers and punctuation removed, in
    first-seen order. Full-width letters and digits are read as their ASCII forms (NFKC).

    jieba cuts each run of _JIEBA_BLOCK characters on its own, so the comment is split into
    those runs here and each run's words are cached (they recur far more often than whole
    comments: 非常满意, 态度很好 ...); the result is the same as cutting the whole comment.
    """
    seen: dict[str, None] = {}  # insertion-ordered set
    for block in _JIEBA_BLOCK.findall(unicodedata.normalize("NFKC", comment)):
        seen.update(dict.fromkeys(_block_words(block)))
    return list(seen)


def _empty() -> pl.DataFrame:
    return pl.DataFrame(schema=SCHEMA)


def themes(comments: pl.DataFrame, *, min_comments: int = 5, top: int = 30) -> pl.DataFrame:
    """Recurring words of comments, lowest mean score first.

    Input columns: `comment` (String; null or blank rows are ignored) and `score` (1-5; null,
    or any value outside 1-5, means "no score": the comment still counts, unscored).
    Output (SCHEMA), one row per theme word found in >= min_comments comments:
      theme, comments (comments containing it; identical texts count once each time they
      occur), scored (how many of those have a 1-5 score), mean_score (mean of those scores,
      null when scored == 0), low_share (share of scored ones with score <= 2, null when
      scored == 0), example (the shortest comment containing it, ties by text).
    Sorted by mean_score ascending (nulls last), then comments descending, then theme;
    at most `top` rows. No input or no qualifying theme gives an empty frame of SCHEMA.
    """
    if min_comments < 1:
        raise ValueError(f"min_comments must be >= 1, got {min_comments}")
    if top < 0:
        raise ValueError(f"top must be >= 0, got {top}")
    if comments.height == 0 or top == 0:
        return _empty()

    per_text = _per_text(comments)
    if per_text.height == 0:
        return _empty()
    return _summary(_text_words(per_text), per_text, min_comments, top)


def _per_text(comments: pl.DataFrame) -> pl.DataFrame:
    """Each distinct non-blank stripped text: n (rows), scored, score_sum and low (1-5 only)."""
    score = pl.col("score").cast(pl.Int64, strict=False)
    return (
        comments.lazy()
        .select(
            pl.col("comment").cast(pl.String).str.strip_chars().alias("text"),
            pl.when(score.is_between(1, 5)).then(score).alias("score"),
        )
        .filter(pl.col("text").is_not_null() & (pl.col("text") != ""))
        .group_by("text")
        .agg(
            n=pl.len(),
            scored=pl.col("score").count(),
            score_sum=pl.col("score").sum(),
            low=(pl.col("score") <= LOW_SCORE).sum(),
        )
        .collect()
    )


def _text_words(per_text: pl.DataFrame) -> pl.LazyFrame:
    """The distinct (text, theme) pairs: for each text, the same words as tokens(text)."""
    # Each distinct text -> its jieba blocks -> each distinct block segmented once (cached
    # across calls) -> the distinct (text, word) pairs.
    blocks = (
        per_text.lazy()
        .select(
            "text", block=pl.col("text").str.normalize("NFKC").str.extract_all(_JIEBA_BLOCK_PATTERN)
        )
        .explode("block")
        .drop_nulls("block")
        .collect()
    )
    distinct_blocks = blocks.get_column("block").unique()
    block_words = pl.DataFrame(
        {
            "block": distinct_blocks,
            # Words hold no whitespace (blocks hold none), so a space joins them safely.
            "theme": [" ".join(_block_words(b)) for b in distinct_blocks.to_list()],
        },
        schema={"block": pl.String, "theme": pl.String},
    )
    return (
        blocks.lazy()
        .join(block_words.lazy(), on="block")
        .select("text", pl.col("theme").str.split(" "))
        .explode("theme")
        .filter(pl.col("theme") != "")
        .unique()
    )


def _summary(pairs: pl.LazyFrame, per_text: pl.DataFrame, min_comments: int,
             top: int) -> pl.DataFrame:
    """The themes() result (SCHEMA, sorted, at most `top`) from the text-word pairs."""
    scored = pl.col("scored")
    return (
        pairs.join(per_text.lazy(), on="text")
        .group_by("theme")
        .agg(
            pl.col("n").sum().alias("comments"),
            scored.sum(),
            pl.col("score_sum").sum(),
            pl.col("low").sum(),
            pl.col("text")
            .sort_by(pl.col("text").str.len_chars(), pl.col("text"))
            .first()
            .alias("example"),
        )
        .filter(pl.col("comments") >= min_comments)
        .select(
            "theme",
            "comments",
            scored,
            pl.when(scored > 0).then(pl.col("score_sum") / scored).alias("mean_score"),
            pl.when(scored > 0).then(pl.col("low") / scored).alias("low_share"),
            "example",
        )
        .cast(SCHEMA)
        .sort(["mean_score", "comments", "theme"], descending=[False, True, False], nulls_last=True)
        .head(top)
        .collect()
    )


def scope_themes(store: Store, scope: Scope, limit: int) -> pl.DataFrame:
    """The themes of the scope's newest `limit` comments. A role without rows (a viewer) gets
    the counts but no example: an example is a customer's comment, word for word."""
    rows = drill.drill(store, scope, "comments", limit=limit, aggregate=True).rows
    found = themes(rows.select("comment", "score"))
    return found if scope.access is None or scope.access.rows else found.drop("example")
