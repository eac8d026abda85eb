"""Comment themes: jieba words against hand-checked segmentations, counts computed on paper."""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Sequence

import jieba
import polars as pl
import pytest

from metrics.views import themes as T
from metrics.views.themes import SCHEMA, stop_words, themes, tokens


def frame(rows: Sequence[tuple[str | None, int | None]]) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema={"comment": pl.String, "score": pl.Int64}, orient="row")


def assert_empty(result: pl.DataFrame) -> None:
    assert result.height == 0
    assert result.schema == SCHEMA
    assert result.columns == ["theme", "comments", "scored", "mean_score", "low_share", "example"]


# --- tokens ---------------------------------------------------------------------------------


def test_chinese_comment_words() -> None:
    # jieba 0.42 cuts 等待时间|太|长|，|电话|一直|打|不通: it keeps 等待时间 whole; 太, 长, 打
    # are one character, 一直 is a stop word, ， is punctuation.
    assert tokens("等待时间太长，电话一直打不通") == ["等待时间", "电话", "不通"]


def test_no_stop_word_or_punctuation_survives() -> None:
    words = tokens("等待时间太长，电话一直打不通。谢谢客服，非常满意！我们觉得还可以")
    assert words == ["等待时间", "电话", "不通"]
    assert not set(words) & stop_words()
    assert all(ch.isalpha() for w in words for ch in w)


def test_latin_words_lower_cased_three_letters_no_stop_words() -> None:
    # took, too, long, the, was: Stopwords ISO en.
    assert tokens("Refund took TOO long, the AGENT was rude") == ["refund", "agent", "rude"]
    assert tokens("The UI of the app crashed") == ["app", "crashed"]  # ui: two letters
    assert tokens("Ｒｅｆｕｎｄ") == ["refund"]  # full-width letters read as ASCII


def test_a_word_twice_counts_once_in_first_seen_order() -> None:
    assert tokens("物流很慢，物流太差") == ["物流"]
    assert tokens("退款退款，refund REFUND，退款") == ["退款", "refund"]
    assert tokens("包装破损，物流慢，包装差") == ["包装", "破损", "物流"]


def test_numbers_are_not_themes() -> None:
    assert tokens("一二三 100元 ５０块 第三次 3.5分 两天 2024") == []


def test_blank_comments_have_no_words() -> None:
    assert tokens("") == []
    assert tokens(" \u3000\n") == []
    assert tokens("，。！？……") == []


def test_html_and_formula_text_is_just_text() -> None:
    assert tokens("<script>alert(1)</script>") == ["script", "alert"]
    assert tokens("=cmd|' /C calc'!A0") == ["cmd", "calc"]


@pytest.mark.parametrize(
    "text",
    [
        "等待时间太长，电话一直打不通",
        "工作人员很热情，点赞！售后服务周到，下次还会选择",
        "app闪退3次，版本v2.1，e-mail也发不出去",
        "Refund took TOO long, the AGENT was rude!!客服态度差",
        "Ｗｉｆｉ连不上（已经重启３次）",
    ],
)
def test_block_by_block_equals_cutting_the_whole_comment(text: str) -> None:
    # tokens() segments jieba's punctuation-free runs one by one (to cache them); jieba on
    # the whole comment must give the same words.
    whole = [w.lower() for w in jieba.lcut(unicodedata.normalize("NFKC", text))]
    assert tokens(text) == list(dict.fromkeys(w for w in whole if T._is_theme_word(w)))


def test_stop_words_published_lists_and_servicelens_additions() -> None:
    stop = stop_words()
    assert {"的", "我们", "但是", "the", "and"} <= stop  # Stopwords ISO zh, en
    assert {"客服", "没有", "有点", "非常", "希望", "觉得", "一直", "谢谢", "customer"} <= stop
    assert not any(w.startswith("# ") or " " in w for w in stop)  # the file's comment lines
    assert "物流" not in stop and "态度" not in stop and "refund" not in stop


# --- themes ---------------------------------------------------------------------------------

HAND_MADE = frame(
    [
        ("物流太慢了", 1),  # 物流, 太慢
        ("物流很慢，物流太差", 2),  # 物流 (once)
        ("物流慢", 2),  # 物流: the shortest
        ("物流一般", 3),  # 物流 (一般 is a stop word)
        ("物流还行吧", None),  # 物流, unscored
        ("物流很快", 5),  # 物流, 很快
        ("态度很好", 5),  # 态度
        ("态度很好", 5),
        ("态度不错", 4),  # 态度, 不错
        ("态度很好", 5),
        ("客服态度热情", 5),  # 态度, 热情
        (None, 1),
        ("   ", 1),
        ("", None),
    ]
)


def test_themes_counted_by_hand() -> None:
    result = themes(HAND_MADE)
    assert result.schema == SCHEMA
    # 物流: 6 comments, 5 scored (1, 2, 2, 3, 5): mean 13/5 = 2.6, low (<= 2) 3/5 = 0.6.
    # 态度: 5 comments (态度很好 three times), scored 5, 4, 5, 5, 5: mean 24/5 = 4.8, low 0/5.
    # 太慢, 很快, 不错, 热情: one comment each, below min_comments = 5.
    # Example of 态度: 态度很好 and 态度不错 are both 4 characters; 不 (U+4E0D) < 很 (U+5F88).
    assert result.rows() == [
        ("物流", 6, 5, pytest.approx(2.6), pytest.approx(0.6), "物流慢"),
        ("态度", 5, 5, pytest.approx(4.8), 0.0, "态度不错"),
    ]


def test_min_comments_and_top() -> None:
    assert themes(HAND_MADE, min_comments=6)["theme"].to_list() == ["物流"]
    assert themes(HAND_MADE, min_comments=7).height == 0
    assert themes(HAND_MADE, top=1)["theme"].to_list() == ["物流"]
    assert_empty(themes(HAND_MADE, top=0))
    # Every word: 太慢 mean 1; 物流 2.6; 不错 4; 态度 4.8; 很快 and 热情 both 5 with one
    # comment each, so by theme: 很 (U+5F88) < 热 (U+70ED).
    everything = themes(HAND_MADE, min_comments=1)
    assert everything["theme"].to_list() == ["太慢", "物流", "不错", "态度", "很快", "热情"]
    assert everything["comments"].to_list() == [1, 6, 1, 5, 1, 1]
    assert everything["mean_score"].to_list() == pytest.approx([1.0, 2.6, 4.0, 4.8, 5.0, 5.0])
    assert themes(HAND_MADE, min_comments=1, top=3)["theme"].to_list() == ["太慢", "物流", "不错"]


def test_ties_by_comments_then_theme() -> None:
    rows = [("包装破损", 3)] * 3 + [("物流慢", 3)] * 2
    result = themes(frame(rows), min_comments=2)
    # All mean 3.0; 包装 and 破损 in 3 comments before 物流 in 2; 包 (U+5305) < 破 (U+7834).
    assert result.select("theme", "comments", "mean_score").rows() == [
        ("包装", 3, 3.0),
        ("破损", 3, 3.0),
        ("物流", 2, 3.0),
    ]


def test_unscored_comments_count_but_have_no_mean_and_sort_last() -> None:
    rows = [
        ("退款很慢", None),  # don't know
        ("退款很慢", 0),  # outside 1-5: no score either
        ("物流慢", 5),
        ("物流慢", 5),
        ("态度差", 1),
        ("态度差", 2),
    ]
    result = themes(frame(rows), min_comments=2)
    assert result.rows() == [
        ("态度", 2, 2, 1.5, 1.0, "态度差"),
        ("物流", 2, 2, 5.0, 0.0, "物流慢"),
        ("退款", 2, 0, None, None, "退款很慢"),
    ]


def test_same_counts_as_tokens_on_a_mixed_corpus() -> None:
    # themes() segments in polars + jieba blocks; tokens() one comment at a time: they agree.
    corpus = [
        "等待时间太长，电话一直打不通",
        "Refund took TOO long, the AGENT was rude",
        "Ｒｅｆｕｎｄ ＡＧＥＮＴ",
        "app闪退3次，版本v2.1，app还是闪退",
        "物流很慢，物流太差",
        "  物流慢  ",
        "工作人员很热情，点赞",
        "<script>alert(1)</script>",
    ]
    expected = Counter(w for text in corpus for w in tokens(text))
    result = themes(frame([(t, 3) for t in corpus]), min_comments=1, top=1000)
    assert dict(zip(result["theme"], result["comments"], strict=True)) == expected
    assert result.filter(pl.col("theme") == "物流")["example"].item() == "物流慢"  # stripped


def test_html_and_formula_comments_do_not_crash() -> None:
    rows = [("<script>alert(1)</script>", 1)] * 5 + [("=cmd|' /C calc'!A0", 2)] * 5
    result = themes(frame(rows))
    assert set(result["theme"]) == {"script", "alert", "cmd", "calc"}
    # Returned as data, unchanged: the page must escape it when it renders.
    assert set(result["example"]) == {"<script>alert(1)</script>", "=cmd|' /C calc'!A0"}


def test_empty_inputs_give_the_empty_schema() -> None:
    assert_empty(themes(frame([])))
    assert_empty(themes(pl.DataFrame()))
    assert_empty(themes(frame([(None, 1), ("  ", 2), ("", None)])))
    assert_empty(themes(pl.DataFrame({"comment": [None, None], "score": [None, None]})))
    assert_empty(themes(frame([("，。！", 1), ("谢谢客服，非常满意", 5)])))  # no theme word


def test_no_word_reaches_min_comments() -> None:
    rows = [("物流慢", 1)] * 4 + [("态度差", 2)] * 4
    assert_empty(themes(frame(rows)))
    # 物流: mean 1.0; 态度: mean 2.0.
    assert themes(frame(rows), min_comments=4)["theme"].to_list() == ["物流", "态度"]


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="min_comments"):
        themes(HAND_MADE, min_comments=0)
    with pytest.raises(ValueError, match="top"):
        themes(HAND_MADE, top=-1)
