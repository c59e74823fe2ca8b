"""Finding GBK byte-shift mojibake spans (found and reported, never changed)."""

from __future__ import annotations

import pytest

from docexport import normalise
from docexport.normalise.mojibake import (
    find_mojibake,
    repair_and_find_mojibake,
    repair_mojibake,
    repair_mojibake_counted,
    repair_mojibake_logged,
)
from docexport.normalise.passes import recover_lost_characters, strip_pinyin

# Full-width letters and digits to ASCII, as fold_fullwidth_alnum does.
FOLD = {code: code - 0xFEE0 for code in range(0xFF10, 0xFF5B) if chr(code - 0xFEE0).isalnum()}


@pytest.mark.parametrize(
    ("text", "spans"),
    [
        ("重点抓好进口冷鏈?称贩揽?，确保", ["?称贩揽?"]),
        ("确保所有进口冷鏈?称啡鞒炭勺匪荨R掷m用力", ["?称啡鞒炭勺匪荨R掷m"]),
        ("主动回应群众关切?;鶎狱h組織要發揮", ["?;鶎狱h"]),
    ],
)
def test_seed_mojibake_is_found(text: str, spans: list[str]) -> None:
    assert [text[a:b] for a, b in find_mojibake(text)] == spans


def test_shifting_the_found_span_gives_back_the_original_bytes() -> None:
    # The premise of detection: 称贩揽 read one byte later is 品防 (from 食品防控).
    assert "称贩揽".encode("gbk")[1:].decode("gbk", errors="ignore") == "品防"


@pytest.mark.parametrize(
    "text",
    [
        "你说什么?我们走吧",
        "这是一个?字",
        "日?报记者",
        "http://a.b/c?d=1",
        "没有问号的句子",
        "质量?好不好",
    ],
)
def test_question_marks_and_lost_characters_are_not_mojibake(text: str) -> None:
    assert find_mojibake(text) == []


@pytest.mark.parametrize(
    ("damaged", "repaired"),
    [
        # 食品防控 one byte late; the lost trail byte of 控 is not decided by "，" -> U+FFFD.
        ("重点抓好进口冷链?称贩揽?，确保", "重点抓好进口冷链食品防\ufffd，确保"),
        # 基層黨 one byte late, resynchronised by the ASCII byte "h".
        ("群众关切?鶎狱h组织要", "群众关切基層黨组织要"),
    ],
)
def test_confident_spans_are_reread_one_byte_earlier(damaged: str, repaired: str) -> None:
    assert repair_mojibake(damaged) == repaired
    assert repair_mojibake_counted(damaged)[1] == 1


@pytest.mark.parametrize(
    "text",
    [
        # A byte pair went missing in the middle (全流): the re-read has a wrong character.
        "确保所有进口冷链?称啡鞒炭勺匪荨R掷m用力",
        # A stray mark after the "?" whose byte cannot be placed.
        "群众关切?;鶎狱h组织要",
        "你说什么?我们走吧",
    ],
)
def test_spans_that_cannot_be_reread_confidently_stay_as_found(text: str) -> None:
    assert repair_mojibake(text) == text
    assert repair_mojibake_counted(text)[1] == 0


@pytest.mark.parametrize(
    "text",
    [
        "进口冷链?称贩揽?，确保",
        "重点抓好进口冷鏈?称贩揽?，确保",
        "确保所有进口冷鏈?称啡鞒炭勺匪荨R掷m用力",
        "主动回应群众关切?;鶎狱h組織要發揮",
        "你说什么?我们走吧",
        "没有问号的文本",
    ],
)
def test_repair_and_find_gives_the_repair_and_the_spans_it_leaves(text: str) -> None:
    repaired, reread = repair_mojibake_logged(text)
    assert repair_and_find_mojibake(text) == (repaired, reread, find_mojibake(repaired))


def test_seed_repair_and_find_gives_the_repair_and_the_spans_it_leaves(seed_text: str) -> None:
    # As normalise() meets it: the readings glued to the mojibake are gone.
    text = strip_pinyin(recover_lost_characters(seed_text))
    repaired, reread = repair_mojibake_logged(text)
    assert reread
    assert repair_and_find_mojibake(text) == (repaired, reread, find_mojibake(repaired))


def _sogou_break(before: str, after: str) -> str:
    """Two paragraphs joined by U+E40C (GB18030 FD A3) as SogouCA's crawl read them: its GBK
    decoder could not read FD, left a "?" and read on one byte off, until a pair it could not
    read either (Python's gbk codec does exactly the same)."""
    data = before.encode("gbk") + b"\xfd\xa3" + after.encode("gbk")
    return data.decode("gbk", errors="replace").replace("\ufffd", "?")


# Paragraphs of the SogouCA sample (公安机关销毁…, 中美执法部门…, 欧洲杯…), as they were.
SOGOU_PARAGRAPHS = [
    ("被统一销毁。", "黄明：现在我宣布，全国缉枪制爆统一销毁行动开始！"),
    ("于三个方面。", "刘绍武：打击破案包括涉黑、涉恶的团伙犯罪。"),
    ("出局的危险。", "第一轮之后B组的形势更加复杂。"),
    ("弹药的案件。", "上海市公安局和上海海关联合侦破此案。"),
    # The last character's trail byte is lost too: chosen by the words it makes either way
    # (中国, 规定); reaching right only, 公证 and 规东 won.
    ("落户大连。", "中国证券报记者近日获悉，有关方面正在研究。"),
    ("发展迅速。", "该规定明确，如果违规将被处罚。"),
]


@pytest.mark.parametrize(("before", "after"), SOGOU_PARAGRAPHS)
def test_sogou_s_broken_paragraph_mark_is_a_new_paragraph(before: str, after: str) -> None:
    damaged = _sogou_break(before, after)
    shifted = damaged.removeprefix(f"{before}?")  # as found: one byte off after the "?"
    assert shifted != damaged and not shifted.startswith(after[:2])
    result = normalise(damaged)
    assert result.text == normalise(f"{before}\n{after}").text
    assert (result.repairs["mojibake_repaired"], result.flags) == (1, ())


@pytest.mark.parametrize(
    "text",
    ["你说什么?ＡＢＣ公司的产品", "真的吗?２０１２年以来", "怎么办?Ｋ歌之王", "今天。?ＡＢ两队"],
)
def test_full_width_forms_after_a_question_mark_are_not_mojibake(text: str) -> None:
    # Full-width forms score as common characters: their shifted reading is never clearly
    # better, so clean text keeps them (folded to ASCII later) and its "?" is a question mark.
    assert find_mojibake(text) == []
    assert normalise(text).text == text.replace("?", "？").translate(FOLD)
