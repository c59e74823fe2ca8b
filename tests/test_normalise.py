"""normalise(): the seed repaired, clean text untouched, options, and the properties."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from docexport.data import REPAIR_KEYS, NormaliseResult
from docexport.errors import OptionError
from docexport.normalise import PASSES, detect_script, normalise
from docexport.normalise.script import HAN, to_simplified, to_traditional

HAN_RE = re.compile(f"[{HAN}]")
# A pinyin annotation of any kind left in the text.
ANNOTATION_RE = re.compile(r"[(（?][a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]{1,6}[)）]")


# ---- the seed ------------------------------------------------------------------------------
# Counted in the raw seed by hand with str.count / a plain regex (see seeds/README.md):
# 246 bracketed readings "(zhǔn)" + 4 bracket-less "?zhǔn)" = 250 annotations;
# ",," 39 + ",、" 24 + ",。" 12 + ",;" 3 = 78 spurious commas.
# Widened: 134 ASCII commas - 78 spurious = 56, plus 1 ":", plus 5 of 6 ";" (one sits inside
# the mojibake ?;鶎狱h), plus the 2 brackets of (單位) = 64.


@pytest.fixture(scope="module")
def seed_result(seed_text: str) -> NormaliseResult:
    return normalise(seed_text)


def test_seed_raw_counts_are_what_the_pins_assume(seed_text: str) -> None:
    bracketed = re.findall(r"\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+\)", seed_text)
    bare = re.findall(r"\?[a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+\)", seed_text)
    assert (len(bracketed), len(bare)) == (246, 4)
    counts = [seed_text.count(pair) for pair in (",,", ",、", ",。", ",;")]
    assert counts == [39, 24, 12, 3]


def test_seed_repair_counts_are_pinned(seed_result: NormaliseResult) -> None:
    repairs = seed_result.repairs
    assert tuple(repairs) == REPAIR_KEYS
    # 250 annotations: 248 stripped, and "?qǐng)?bào)" taken by the recovery of 报.
    assert repairs["pinyin_removed"] == 248
    assert repairs["lost_recovered"] == 1
    assert repairs["commas_collapsed"] == 78
    assert repairs["punctuation_widened"] == 64
    assert repairs["mojibake_found"] == 3
    # 冷鏈?称贩揽? re-read as 冷链食品防, its last character (控) left as U+FFFD.
    assert repairs["mojibake_repaired"] == 1
    assert repairs["replacement_characters"] == 1
    assert repairs["characters_converted"] > 300
    assert repairs["cleanup"] == 0


def test_seed_comes_out_simplified_without_damage(seed_result: NormaliseResult) -> None:
    text = seed_result.text
    assert "泸州日报记者 朱虹" in text
    assert text.startswith("杨林兴：精准防控严防死守")
    assert "市委应对新冠肺炎疫情工作领导小组召开会议，传达党中央、国务院" in text
    assert "市级部门（单位）要切实加强" in text
    assert ANNOTATION_RE.search(text) is None
    assert re.search("[,，][,，、。;；]", text) is None
    assert re.search(f"[{HAN}],[{HAN}]", text) is None
    assert "瀘" not in text and "領導" not in text
    outside_mojibake = text
    for span in seed_result.spans:
        if span.kind == "mojibake_found":
            outside_mojibake = outside_mojibake.replace(span.after, "")
    assert to_simplified(outside_mojibake) == outside_mojibake


def test_seed_mojibake_is_repaired_or_flagged_and_left_as_found(
    seed_result: NormaliseResult,
) -> None:
    repaired = [span for span in seed_result.spans if span.kind == "mojibake_repaired"]
    assert [(span.before, span.after) for span in repaired] == [("?称贩揽?", "食品防\ufffd")]
    assert "进口冷链食品防\ufffd，确保" in seed_result.text
    found = [span for span in seed_result.spans if span.kind == "mojibake_found"]
    assert [span.before for span in found] == ["?称啡鞒炭勺匪荨R掷m", "?;鶎狱h"]
    for span in found:
        assert seed_result.text[span.start : span.end] == span.before
    assert seed_result.flags == ("mojibake", "lost_characters")
    assert (seed_result.script_detected, seed_result.script_output) == ("Hant", "Hans")


def test_seed_mojibake_is_only_flagged_with_repair_off(seed_text: str) -> None:
    result = normalise(seed_text, repair_mojibake=False)
    assert result.repairs["mojibake_found"] == 3
    assert result.repairs["mojibake_repaired"] == 0
    assert "进口冷链?称贩揽?，确保" in result.text


def test_seed_lost_character_is_recovered_and_logged(seed_result: NormaliseResult) -> None:
    recovered = [span for span in seed_result.spans if span.kind == "lost_recovered"]
    assert [(span.before, span.after) for span in recovered] == [("?qǐng)?bào)", "報")]


def test_seed_is_a_fixed_point(seed_result: NormaliseResult) -> None:
    assert normalise(seed_result.text).text == seed_result.text


# ---- clean text is left alone --------------------------------------------------------------
CLEAN = [
    "市级部门（单位）要切实加强指导。",
    "世界卫生组织（WHO）发布报告(WHO)。",
    "他在(2021)年的条款(a)中写道。",
    "增长3.5%，投资1,200亿元，10:30开会。",
    "网址是http://a.b/c?d=1，请访问。",
    "英语缩写e.g., i.e. 都常见。",
    "他说：“We will, again.”",
    "你说什么？我们走吧！",
    "作家萧乾藉以说明。",
    "第一行\n\n第二行",
    "",
    "only Latin text, with (de) and (WHO): fine?",
]


@pytest.mark.parametrize("text", CLEAN)
def test_clean_simplified_text_is_unchanged(text: str) -> None:
    result = normalise(text)
    assert result.text == text
    assert sum(result.repairs.values()) == 0
    assert result.flags == ()


TRADITIONAL = [
    "瀘州日報記者朱虹報道。",
    "市級部門（單位）要切實加強指導，確保疫情防控工作有力有序。",
    "他說：“這是我們的責任。”",
]


@pytest.mark.parametrize("text", TRADITIONAL)
def test_clean_traditional_text_is_unchanged_with_keep(text: str) -> None:
    result = normalise(text, script="keep")
    assert result.text == text
    assert (result.script_detected, result.script_output) == ("Hant", "Hant")


def test_people_daily_dev_articles_are_unchanged(pd_dev_articles: list) -> None:
    changed = [a.id for a in pd_dev_articles if normalise(a.text).text != a.text]
    assert changed == []


def test_people_daily_in_traditional_is_unchanged_with_keep(pd_dev_articles: list) -> None:
    sample = [to_traditional(article.text) for article in pd_dev_articles[::20]]
    assert [normalise(text, script="keep").text == text for text in sample] == [True] * len(sample)


# ---- options -------------------------------------------------------------------------------
def test_passes_are_the_stable_names_the_cli_exposes() -> None:
    # In the order they run: folding full-width forms comes after the mojibake repair, which
    # needs their GBK bytes (?Ｖ泄? is 中国 read one byte off).
    assert PASSES == (
        "clean_up_text",
        "recover_lost_characters",
        "strip_pinyin",
        "repair_mojibake",
        "convert_script",
        "fold_fullwidth_alnum",
        "collapse_spurious_commas",
        "widen_cjk_punctuation",
    )


@pytest.mark.parametrize(
    ("switch", "expected"),
    [
        ("strip_pinyin", "精准(zhǔn)防控：1998年"),
        ("widen_cjk_punctuation", "精准防控:1998年"),
        ("fold_fullwidth_alnum", "精准防控：１９９８年"),
        ("convert_script", "精準防控：1998年"),
    ],
)
def test_each_pass_can_be_switched_off(switch: str, expected: str) -> None:
    assert normalise("精準(zhǔn)防控:１９９８年", **{switch: False}).text == expected


def test_scripts() -> None:
    assert normalise("瀘州日報").text == "泸州日报"
    assert normalise("泸州日报", script="traditional").text == "瀘州日報"
    assert normalise("瀘州日報", script="keep").text == "瀘州日報"
    assert normalise("泸州日报", script="traditional").script_output == "Hant"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"script": "hans"}, "simplified, traditional, keep"),
        ({"strip_pinyn": False}, "strip_pinyn"),
    ],
)
def test_bad_options_raise_option_error_naming_the_choices(options: dict, message: str) -> None:
    with pytest.raises(OptionError, match=message):
        normalise("文本", **options)


def test_lost_characters_are_flagged_with_their_place() -> None:
    result = normalise("这是一个?字和\ufffd号")
    assert result.flags == ("lost_characters",)
    assert result.repairs["replacement_characters"] == 2
    assert [result.text[s.start : s.end] for s in result.spans] == ["?", "\ufffd"]


def test_detect_script_is_exported() -> None:
    assert detect_script("瀘州日報") == "Hant"


# ---- properties ----------------------------------------------------------------------------
PIECES = st.sampled_from(
    list("报報泸瀘州日记者記精準准防控的了中国乾萧")
    + list("abcdeWHOzh0123456789")
    + list(",:;?!()（）“”，。、；：？！ .%/=\n")
    + ["(zhǔn)", "(bào)", "?qǐng)", "?", "\ufffd", "\u200b", "\r\n", "http://a.b/c?d=1", "１"]
    # Full-width forms and SogouCA's shifted paragraph openings (repair_mojibake reads their
    # GBK bytes, so folding them waits until after it).
    + ["Ａ", "ｍ", "２０", "；", "?Ａ跎芪洌捍蚧髌瓢赴?", "。?Ｉ虾Ｊ泄?", "\ue40c"]
)
MIXED = st.lists(PIECES, max_size=40).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_normalise_never_raises(text: str) -> None:
    assert isinstance(normalise(text).text, str)


@pytest.mark.parametrize("text", ["\x00中\ud800文?", "\udcff", "(\ud800)", "?\ufffd?"])
def test_normalise_is_total_on_nul_and_lone_surrogates(text: str) -> None:
    assert "\x00" not in normalise(text).text


@pytest.mark.parametrize("text", ["报?qǐng)a１", "报?a１"])
def test_a_run_opening_with_an_ascii_byte_is_no_mojibake(text: str) -> None:
    """Found by the property below once folding came after the mojibake repair: dropping the
    one byte of "a" read ?a１ as １ (common), so it was a span; folded to 1, it was none."""
    once = normalise(text).text
    assert once == "报？a1" and normalise(once).text == once


@pytest.mark.parametrize("text", ["((报))", "字((报)(道))字", "(((新华社)))"])
def test_nested_ascii_brackets_around_han_widen_in_one_pass(text: str) -> None:
    """Found by the property below: the outer pair of ((报)) only gained CJK context once the
    inner pair was widened, so a second normalise widened it."""
    once = normalise(text).text
    assert "(" not in once and ")" not in once
    assert normalise(once).text == once


@settings(max_examples=400, deadline=None)
@given(MIXED, st.sampled_from(["simplified", "traditional", "keep"]))
def test_normalise_is_idempotent(text: str, script: str) -> None:
    once = normalise(text, script=script).text
    assert normalise(once, script=script).text == once


@settings(max_examples=300, deadline=None)
@given(MIXED)
def test_normalise_never_drops_a_han_character(text: str) -> None:
    text = text.replace("?", "").replace("\ufffd", "")
    out = normalise(text, script="keep").text
    assert HAN_RE.findall(out) == HAN_RE.findall(text)
