"""jieba's dictionary as word and character frequencies."""

from __future__ import annotations

from docexport.normalise.lexicon import (
    UNSEEN,
    char_log_frequency,
    word_frequencies,
    word_frequency,
)


def test_dictionary_words_have_counts() -> None:
    assert word_frequency("日报") > 0
    assert word_frequency("防控") > 0
    assert word_frequency("日豹") == 0


def test_common_characters_score_above_mojibake_characters() -> None:
    assert char_log_frequency("的") > char_log_frequency("品") > char_log_frequency("鞒")
    assert char_log_frequency("\ue000") == UNSEEN


def test_looking_words_up_together_gives_each_word_its_own_count() -> None:
    words = [
        *("日报", "防控", "日豹", "中华人民", "一", "", "中华人民共和国"),
        # a NUL never makes a word, even where numpy would pad or strip it away
        *("日报\x00", "日\x00报", "\x00日报"),
        # the first and the last word of the dictionary, and past either end
        *("1号店", "龟龙麟凤", "!!", "\U0010ffff\U0010ffff"),
        "日报",
    ]
    assert word_frequencies(words) == {word: word_frequency(word) for word in words}
