"""Word and character frequencies from jieba's dictionary, for the two repairs that must guess.

Recovering a lost character (``日?(bào)``) and judging a mojibake span both need to know which
strings are Chinese words and which characters are common. jieba ships a 350 000-word
dictionary with counts; it is read once per process, and only when a document needs it (clean
text never triggers the load).
"""

from __future__ import annotations

import math
from functools import lru_cache
from pathlib import Path

__all__ = ["char_log_frequency", "word_frequency"]

# Longest word looked up when scoring a candidate in context; jieba's multi-character idioms
# rarely help more than this and longer windows only cost time.
MAX_WORD = 4


@lru_cache(maxsize=1)
def _tables() -> tuple[dict[str, int], dict[str, float]]:
    """(word -> count for words of 2..MAX_WORD characters, character -> log relative count)."""
    import jieba

    path = Path(jieba.__file__).resolve().parent / "dict.txt"
    words: dict[str, int] = {}
    chars: dict[str, int] = {}
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            word, _, rest = line.partition(" ")
            count = int(rest.split(" ", 1)[0] or 0)
            if 2 <= len(word) <= MAX_WORD:
                words[word] = count
            for char in word:
                chars[char] = chars.get(char, 0) + count
    total = sum(chars.values()) or 1
    return words, {char: math.log(count / total) for char, count in chars.items() if count}


def word_frequency(word: str) -> int:
    """jieba's count for ``word`` (2 to 4 characters), 0 when it is not a dictionary word.

    >>> word_frequency("日报") > 0, word_frequency("日豹")
    (True, 0)
    """
    return _tables()[0].get(word, 0)


# Log relative frequency given to characters jieba never saw: rarer than anything it saw.
UNSEEN = -20.0


def char_log_frequency(char: str) -> float:
    """Natural log of the share of jieba's counts that contain ``char`` (UNSEEN if none).

    >>> char_log_frequency("的") > char_log_frequency("鞒") > UNSEEN
    True
    """
    return _tables()[1].get(char, UNSEEN)
