"""jieba's dictionary as word and character frequencies."""

from __future__ import annotations

from docexport.normalise.lexicon import UNSEEN, char_log_frequency, word_frequency


def test_dictionary_words_have_counts() -> None:
    assert word_frequency("日报") > 0
    assert word_frequency("防控") > 0
    assert word_frequency("日豹") == 0


def test_common_characters_score_above_mojibake_characters() -> None:
    assert char_log_frequency("的") > char_log_frequency("品") > char_log_frequency("鞒")
    assert char_log_frequency("\ue000") == UNSEEN
