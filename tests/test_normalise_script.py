"""Script detection and OpenCC conversion."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import opencc
import pytest
from hypothesis import given
from hypothesis import strategies as st

from docexport.normalise.script import (
    HAN_BLOCKS,
    T2S,
    _t2s_trigger,
    convert_script,
    count_changed,
    detect_script,
    to_simplified,
    to_traditional,
    to_traditional_char,
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


# -- the t2s shortcut: text without a character t2s could change is not converted -----------

T2S_DICTIONARIES = ("TSPhrases", "TSCharacters", "TSCharactersExt", "CJK_Compatibility_Ideographs")


def _opencc_dictionary(name: str, tmp_path: Path) -> dict[str, str]:
    """One of the installed OpenCC's t2s dictionaries as {key: first value}, via opencc_dict."""
    import opencc

    clib = Path(opencc.__file__).parent / "clib"
    tool, source = clib / "bin" / "opencc_dict", clib / "share" / "opencc" / f"{name}.ocd2"
    if not (tool.is_file() and source.is_file()):
        pytest.skip("this OpenCC build ships no opencc_dict tool or no .ocd2 dictionaries")
    target = tmp_path / f"{name}.txt"
    subprocess.run(
        [str(tool), "-i", str(source), "-o", str(target), "-f", "ocd2", "-t", "text"],
        check=True,
        capture_output=True,
    )
    pairs = (line.split("\t") for line in target.read_text(encoding="utf-8").splitlines())
    return {key: values.split(" ")[0] for key, values in pairs}


@pytest.mark.parametrize("name", T2S_DICTIONARIES)
def test_every_changing_t2s_key_has_a_trigger_character(name: str, tmp_path: Path) -> None:
    # The shortcut is exact only if each key whose conversion changes text contains a
    # character of the trigger set; checked against the dictionaries OpenCC really uses.
    trigger = _t2s_trigger()
    dictionary = _opencc_dictionary(name, tmp_path)
    changing = {key: value for key, value in dictionary.items() if value != key}
    assert len(changing) > 100  # the dump was read (TSPhrases has ~400, the others thousands)
    missed = [key for key in changing if trigger.search(key) is None]
    assert missed == []


def test_phrase_only_characters_are_needed() -> None:
    # Each of them changes inside a phrase but not alone: without the list they would be missed.
    for phrase, expected in [("深沈", "深沉"), ("回覆", "回复"), ("找藉口", "找借口")]:
        assert T2S.convert(phrase) == expected
        assert all(T2S.convert(char) == char for char in phrase)
        assert to_simplified(phrase) == expected


ALPHABET = "泸州日报记者瀘州日報記者深沈回覆乾隆萧乾著名𠮷〇，。a1 \n"


@given(st.text(alphabet=st.sampled_from(ALPHABET)))
def test_the_shortcut_gives_what_opencc_gives(text: str) -> None:
    expected = T2S.convert(text).translate(str.maketrans("揹伕於", "背夫于"))
    assert to_simplified(text) == expected


def test_clean_simplified_text_is_returned_as_is() -> None:
    text = "泸州日报记者朱虹报道，冷链食品防控工作有序推进。"
    assert _t2s_trigger().search(text) is None
    assert to_simplified(text) is text


def test_the_character_table_gives_what_s2t_gives_for_every_han_character() -> None:
    s2t = opencc.OpenCC("s2t")
    chars = [chr(code) for start, end in HAN_BLOCKS for code in range(start, end)]
    assert len(chars) > 90_000
    mismatched = [char for char in chars if to_traditional_char(char) != s2t.convert(char)]
    assert mismatched == []
    assert to_traditional_char("报") == "報" and to_traditional_char("。") == "。"


def test_repairing_traditional_text_does_not_load_s2t(seed_text: str) -> None:
    """The seed's lost characters are put back in traditional context, one character each:
    that takes the character table, not s2t's 26 MB of phrases (checked in a fresh process,
    as other tests load s2t on purpose; the first run may build the table with s2t and save
    it in the cache, the second finds it there)."""
    code = (
        "import sys, docexport\n"
        "from docexport.normalise import script\n"
        "result = docexport.normalise(sys.stdin.read(), script='keep')\n"
        "assert result.repairs['lost_recovered'] > 0, result.repairs\n"
        "print(script._s2t.cache_info().currsize)\n"
    )
    command = [sys.executable, "-c", code]
    runs = [
        subprocess.run(command, input=seed_text, capture_output=True, text=True, check=True)
        for _ in range(2)
    ]
    assert runs[1].stdout.strip() == "0"
