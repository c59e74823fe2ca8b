"""Finding GBK byte-shift mojibake spans (found and reported, never changed)."""

from __future__ import annotations

import pytest

from docexport.normalise.mojibake import (
    find_mojibake,
    repair_and_find_mojibake,
    repair_mojibake,
    repair_mojibake_counted,
    repair_mojibake_logged,
)
from docexport.normalise.passes import recover_lost_characters, strip_pinyin


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
