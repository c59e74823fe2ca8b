"""The pinyin inventory and the reading index behind strip_pinyin and lost-character recovery."""

from __future__ import annotations

import itertools
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from docexport.normalise.pinyin import (
    LETTER_FORMS,
    SYLLABLES,
    TONED_ONLY_FORMS,
    chars_with_reading,
    fold_tones,
    is_syllable,
    syllable_pattern,
)


@pytest.mark.parametrize(
    "word", ["zhǔn", "yíng", "lǜ", "lv", "nüè", "zhuang", "er", "de", "à", "ḿ", "xù", "qǐng"]
)
def test_readings_are_syllables(word: str) -> None:
    assert is_syllable(word)


@pytest.mark.parametrize("word", ["a", "e", "o", "m", "n", "who", "co", "abc", "zhx", "", "单位"])
def test_list_markers_and_words_are_not_syllables(word: str) -> None:
    assert not is_syllable(word)


def test_inventory_has_the_standard_size() -> None:
    # Standard tables list about 400 toneless syllables (a, e, o excluded here on purpose).
    assert 390 <= len(SYLLABLES) <= 420


def test_fold_tones_keeps_u_umlaut_distinct() -> None:
    assert fold_tones("lǚ") == "lü" != fold_tones("lǔ") == "lu"


@pytest.mark.parametrize(("reading", "char"), [("bào", "报"), ("bào", "報"), ("zhǔn", "准")])
def test_chars_with_reading_finds_both_scripts(reading: str, char: str) -> None:
    assert char in chars_with_reading(reading)


def test_unknown_reading_has_no_characters() -> None:
    assert chars_with_reading("zzz") == ""


@pytest.mark.parametrize(
    "word",
    [
        # every tone on every vowel of a syllable, v for ü, toned-only interjections
        *("zhāng", "zháng", "zhǎng", "zhàng", "zhang", "lv", "lǘ", "nüè", "ńg", "hḿ", "ǹ"),
        # not syllables: list markers, English, a toneless interjection, too long, letter soup
        *("a", "n", "ng", "hm", "who", "co", "zhuangg", "zhx", "lü" + "n", "", "ḿa" + "x"),
    ],
)
def test_syllable_pattern_accepts_exactly_the_syllables(word: str) -> None:
    assert (re.fullmatch(syllable_pattern(), word) is not None) == is_syllable(word)


def test_syllable_pattern_takes_every_syllable_of_the_inventory() -> None:
    pattern = re.compile(syllable_pattern())
    assert all(pattern.fullmatch(word) for word in SYLLABLES)


@given(st.text(alphabet=st.sampled_from("zhcsngiuoaeāáǎàǔùńǹḿmlvüǘjxyq"), max_size=7))
def test_a_bracketed_reading_matches_exactly_when_it_is_a_syllable(word: str) -> None:
    # How strip_pinyin uses the pattern: the word, then the closing bracket.
    reading = re.match(f"(?:{syllable_pattern()})\\)", word + ")")
    assert (reading is not None) == is_syllable(word)


def test_every_word_of_the_syllable_trie_is_a_syllable() -> None:
    # All of them, spelled out: strip_pinyin compiles its rare patterns only once is_syllable
    # has accepted a candidate reading, so the pattern must accept nothing it refuses.
    pattern = re.compile(syllable_pattern())
    forms = [tuple(LETTER_FORMS.get(letter, letter) for letter in word) for word in SYLLABLES]
    words = {
        "".join(letters)
        for form in [*forms, *TONED_ONLY_FORMS]
        for letters in itertools.product(*form)
    }
    assert len(words) > 10_000
    assert all(is_syllable(word) and pattern.fullmatch(word) for word in words)
