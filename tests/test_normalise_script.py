"""Script detection and OpenCC conversion."""

from __future__ import annotations

import pytest

from docexport.normalise.script import (
    convert_script,
    count_changed,
    detect_script,
    to_simplified,
    to_traditional,
)


@pytest.mark.parametrize(
    ("text", "script"),
    [
        ("泸州日报记者朱虹", "Hans"),
        ("瀘州日報記者朱虹", "Hant"),
        ("泸州日报记者。瀘州日報記者。", "mixed"),
        ("中国", "Hans"),
        ("WHO 1998", "none"),
        ("", "none"),
        ("作家萧乾和王丙乾都来了，这是我们的光荣，应该继续学习", "Hans"),
    ],
)
def test_detect_script(text: str, script: str) -> None:
    assert detect_script(text) == script


def test_simplified_text_keeps_gb2312_characters_opencc_would_change() -> None:
    # t2s alone turns 乾 into 干 and 藉 into 借; in simplified text they are names and words.
    text = "作家萧乾藉以说明，这里发生的变化让人们觉得应该继续学习"
    assert to_simplified(text) != text
    assert convert_script(text) == text


def test_traditional_text_is_fully_converted() -> None:
    assert convert_script("瀘州日報記者揹起行囊") == "泸州日报记者背起行囊"


@pytest.mark.parametrize("text", ["\x00瀘\ud800州", "\udcff", "報\x00"])
def test_conversion_passes_through_what_opencc_cannot_take(text: str) -> None:
    assert len(to_simplified(text)) == len(text)
    assert len(to_traditional(text)) == len(text)


def test_keep_and_traditional() -> None:
    assert convert_script("瀘州", "keep") == "瀘州"
    assert convert_script("泸州", "traditional") == "瀘州"


def test_count_changed() -> None:
    assert count_changed("瀘州日報", "泸州日报") == 2
    assert count_changed("同", "同") == 0


def test_count_changed_counts_every_converted_character_of_a_long_text() -> None:
    before = "瀘州日報記者報道，" * 200 + "\ud800"
    after = to_simplified(before)
    assert count_changed(before, after) == 4 * 200  # 瀘 報 記 報 in each repeat
    assert count_changed(before, before[:-1]) == 1  # lengths differ: the tail counts
