"""Each repair pass on its own: the damage it repairs, and clean text it must leave alone."""

from __future__ import annotations

import pytest

from docexport.normalise.passes import (
    COUNTED,
    clean_up_text,
    collapse_spurious_commas,
    fold_fullwidth_alnum,
    recover_lost_characters,
    strip_pinyin,
    widen_cjk_punctuation,
)

# Clean text no pass may change (the negative cases of issue #2).
UNTOUCHABLE = [
    "市级部门（单位）要落实",
    "世界卫生组织(WHO)发布",
    "成立于(2021)年",
    "条款(a)规定",
    "the (de) particle",
    "增长3.5%",
    "投资1,200亿元",
    "10:30开会",
    "见http://a.b/c?d=1页",
    "e.g., this",
    "他说：“We will, again.”",
    "１９９８年",
]


@pytest.mark.parametrize(
    "repair",
    [clean_up_text, collapse_spurious_commas, recover_lost_characters, strip_pinyin],
)
@pytest.mark.parametrize("text", UNTOUCHABLE)
def test_passes_leave_clean_text_alone(repair, text: str) -> None:
    assert repair(text) == text


@pytest.mark.parametrize("text", UNTOUCHABLE[:-1])
def test_widening_and_folding_leave_clean_text_alone(text: str) -> None:
    assert widen_cjk_punctuation(text) == text
    assert fold_fullwidth_alnum(text) == text


@pytest.mark.parametrize(
    ("damaged", "repaired"),
    [
        ("\ufeff标题", "标题"),
        ("一\r\n二\r三", "一\n二\n三"),
        ("正\u200b文\u200d\x07", "正文"),
        ("行尾  \t\n下一行\u3000", "行尾\n下一行"),
        ("一\n\n\n\n二", "一\n\n二"),
        ("zhu\u030cn", "zhǔn"),
        ("坏\ud800字", "坏\ufffd字"),
    ],
)
def test_clean_up_text(damaged: str, repaired: str) -> None:
    assert clean_up_text(damaged) == repaired


@pytest.mark.parametrize(
    ("damaged", "repaired"),
    [
        ("１９９８年", "1998年"),
        ("ＷＨＯ报告", "WHO报告"),
        ("ａｂｃ，（）：", "abc，（）："),
    ],
)
def test_fold_fullwidth_alnum_never_folds_cjk_punctuation(damaged: str, repaired: str) -> None:
    assert fold_fullwidth_alnum(damaged) == repaired


@pytest.mark.parametrize(
    ("damaged", "repaired"),
    [
        ("精準(zhǔn)防控", "精準防控"),
        ("打贏（yíng）", "打贏"),
        ("中(zhōng)(guó)", "中"),
        ("好的(de)", "好的"),
        ("啊(à)", "啊"),
        ("冷鏈?zhǔn)称", "冷鏈?称"),
        ("?qǐng)(zhǔn)", "?"),
        ("R掷m(xù)用力", "R掷m用力"),
        ("中(zhōng)(WHO)", "中(WHO)"),
    ],
)
def test_strip_pinyin(damaged: str, repaired: str) -> None:
    assert strip_pinyin(damaged) == repaired


@pytest.mark.parametrize(
    "text",
    ["条款(a)", "word(de)", "部门(单位)", "地区(ABC)", "公司(co)", "(zhǔn)开头", "中 (zhǔn)"],
)
def test_strip_pinyin_keeps_what_is_not_a_glued_reading(text: str) -> None:
    assert strip_pinyin(text) == text


@pytest.mark.parametrize(
    ("damaged", "repaired"),
    [
        ("瀘州日?qǐng)?bào)記者", "瀘州日報記者"),
        ("泸州日?(bào)记者", "泸州日报记者"),
        ("人民日\ufffd(bào)", "人民日报"),
        ("日?(xyz)", "日?(xyz)"),
        ("?(bào)", "?(bào)"),
    ],
)
def test_recover_lost_characters(damaged: str, repaired: str) -> None:
    assert recover_lost_characters(damaged) == repaired


@pytest.mark.parametrize(
    ("damaged", "repaired"),
    [
        ("会议,,传达", "会议,传达"),
        ("党中央,、国务院", "党中央、国务院"),
        ("工作,。", "工作。"),
        ("等情况,;重点", "等情况;重点"),
        ("会议,，传达", "会议，传达"),
        ("会议,,,传达", "会议,传达"),
        ("(美国),、日本", "(美国)、日本"),
        ("3.5%,。", "3.5%。"),
        ("1,,2", "1,,2"),
        ("a,,b", "a,,b"),
    ],
)
def test_collapse_spurious_commas(damaged: str, repaired: str) -> None:
    assert collapse_spurious_commas(damaged) == repaired


@pytest.mark.parametrize(
    ("damaged", "repaired"),
    [
        ("会议,传达", "会议，传达"),
        ("杨林兴:精准", "杨林兴：精准"),
        ("情况;重点", "情况；重点"),
        ("是吗?对!", "是吗？对！"),
        ("部门(单位)要", "部门（单位）要"),
        ("10:30,在北京", "10:30，在北京"),
        ("（WHO）,世界", "（WHO），世界"),
        ("oursite!(我真的喜欢)", "oursite！（我真的喜欢）"),
        ("a,:中", "a，：中"),
        ("发家?谁都想", "发家？谁都想"),
        ("怎么办?", "怎么办？"),
    ],
)
def test_widen_cjk_punctuation(damaged: str, repaired: str) -> None:
    assert widen_cjk_punctuation(damaged) == repaired


@pytest.mark.parametrize("text", ["日?报", "冷链?称", "1,200亿元", "http://a.b/c?id=1,2", "(WHO)"])
def test_widen_leaves_lost_characters_and_latin_context(text: str) -> None:
    assert widen_cjk_punctuation(text) == text


@pytest.mark.parametrize(
    ("name", "damaged", "count"),
    [
        ("clean_up_text", "\ufeff一\r\n二", 2),
        ("fold_fullwidth_alnum", "１９９８年", 4),
        ("recover_lost_characters", "日?(bào)", 1),
        ("strip_pinyin", "精準(zhǔn)防(fáng)", 2),
        ("collapse_spurious_commas", "会议,,,传达,、", 3),
        ("widen_cjk_punctuation", "会议,传达(单位)", 3),
    ],
)
def test_counted_twins_count_edits(name: str, damaged: str, count: int) -> None:
    assert COUNTED[name](damaged)[1] == count


@pytest.mark.parametrize(
    ("damaged", "repaired", "count"),
    [
        # Garbage takes the bracketed readings after it along with it.
        ("冷鏈?zhǔn)(pǐn)称", "冷鏈?称", 2),
        # A run stops at the first bracket that is no reading; the rest stays as it was.
        ("中(zhōng)(WHO)(guó)", "中(WHO)(guó)", 1),
        # After "?" a reading needs a tone mark; the bracket-less "shi)" after it is not garbage
        # (it follows a bracket, not a lost-character mark) and stays.
        ("日?(bào)shi)", "日?shi)", 1),
        ("日?(bao)", "日?(bao)", 0),
        ("\ufffd(bao)(de)", "\ufffd", 2),
        ("中（lv）(nǚ)", "中", 2),
    ],
)
def test_strip_pinyin_runs_and_garbage(damaged: str, repaired: str, count: int) -> None:
    assert COUNTED["strip_pinyin"](damaged) == (repaired, count)


@pytest.mark.parametrize(
    ("damaged", "repaired", "count"),
    [
        # Widening the colon gives the comma before it CJK context, and the other way round.
        ("a,:中", "a，：中", 2),
        ("中:,a", "中：，a", 2),
        # A "?" between Han characters is a lost character unless its clause asks something.
        ("好吗?对,", "好吗？对，", 2),
        ("日?报", "日?报", 0),
    ],
)
def test_widening_reaches_the_same_marks_whatever_their_order(
    damaged: str, repaired: str, count: int
) -> None:
    assert COUNTED["widen_cjk_punctuation"](damaged) == (repaired, count)


@pytest.mark.parametrize(
    ("damaged", "repaired", "count"),
    [
        # A run takes the readings after it whichever their brackets, and either kind opens it.
        ("字（zì）(zì)", "字", 2),
        ("字(zì)（zì）", "字", 2),
        ("中（zhōng)(guó）", "中", 2),
        # After a Latin letter every reading of the run needs a tone mark, in either bracket.
        ("m(xù)（de）", "m（de）", 1),
        ("m（xù）(xù)", "m", 2),
        # A reading after a bracket that is no reading is not glued to anything.
        ("中(zhōng)（2021）(guó)", "中（2021）(guó)", 1),
        ("中（WHO）(zhōng)", "中（WHO）(zhōng)", 0),
        ("word（de）(zhǔn)", "word（de）(zhǔn)", 0),
        # After "?" a bracketed reading needs a tone mark; garbage takes the readings after it.
        ("?(zhun)", "?(zhun)", 0),
        ("?(zhǔn)（zhǔn）", "?", 2),
        ("冷鏈?zhǔn)（pǐn）称", "冷鏈?称", 2),
        ("\ufffdzhǔn)(pǐn)", "\ufffd", 2),
    ],
)
def test_strip_pinyin_mixes_ascii_and_full_width_brackets(
    damaged: str, repaired: str, count: int
) -> None:
    assert COUNTED["strip_pinyin"](damaged) == (repaired, count)


@pytest.mark.parametrize(
    ("damaged", "repaired", "count"),
    [
        # The lost character stays "?" while a second round widens the marks beside "a".
        ("日?报 a,:中", "日?报 a，：中", 2),
        ("日?报。你好吗?a,:中", "日?报。你好吗？a，：中", 3),
        ("是吗?日?报!a", "是吗？日?报！a", 2),
        # Widened brackets are counted as two marks and give the marks beside them context.
        ("(单位),a", "（单位），a", 3),
        ("a!,(中)", "a！，（中）", 4),
    ],
)
def test_widening_keeps_lost_characters_across_rounds(
    damaged: str, repaired: str, count: int
) -> None:
    assert COUNTED["widen_cjk_punctuation"](damaged) == (repaired, count)


@pytest.mark.parametrize(
    ("damaged", "repaired", "count"),
    [
        # Any run of shattered pieces goes with the reading after it, bracketed or not.
        ("瀘州日?qǐng)?qǐng)?bào)記者", "瀘州日報記者", 1),
        ("瀘州日?qǐng)?(bào)記者", "瀘州日報記者", 1),
        ("日?xyz)?(bào)", "日报", 1),
        ("日?（bào）", "日报", 1),
        # A piece followed by a bracket, not by a mark, names no lost character.
        ("人民日?qǐng)(bào)", "人民日?qǐng)(bào)", 0),
        # No word fits the last reading: the mark stays, with its reading in brackets.
        ("日?qǐng)?qǐng)", "日?(qǐng)", 0),
    ],
)
def test_recovery_takes_the_shattered_pieces_before_a_reading(
    damaged: str, repaired: str, count: int
) -> None:
    assert COUNTED["recover_lost_characters"](damaged) == (repaired, count)
