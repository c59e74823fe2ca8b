"""Word and character frequencies from jieba's dictionary, for the two repairs that must guess.

Recovering a lost character (``日?(bào)``) and judging a mojibake span both need to know which
strings are Chinese words and which characters are common. jieba ships a 350 000-word
dictionary with counts; it is read once per process, and only when a document needs it (clean
text never triggers the load).
"""

from __future__ import annotations

import contextlib
import importlib.util
import math
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

from docexport.cache import cached_arrays

__all__ = ["char_log_frequency", "context_counts", "word_frequencies", "word_frequency"]

# Longest word looked up when scoring a candidate in context; jieba's multi-character idioms
# rarely help more than this and longer windows only cost time.
MAX_WORD = 4


@lru_cache(maxsize=1)
def _tables() -> tuple[np.ndarray, np.ndarray, dict[str, float]]:
    """(sorted words of 2..MAX_WORD characters, their counts, character -> log relative count).

    Every worker process loads this on its first damaged document, so it must be cheap in time
    and memory. Time: it stays in C loops (a Python loop over the lines took 0.37 s).
    Memory: the 300 000 words are one sorted fixed-width numpy array searched by bisection
    (5 MB) instead of a dict of Python strings; lookups are rare (only around damage), so the
    microseconds a bisection costs do not show. The parse makes a million temporary strings;
    glibc keeps the heap pages they freed unless asked (:func:`_release_freed_memory`), which
    takes the load from +48 MB per process (the old dict of strings) to about +10 MB. After the
    first run the arrays come from the cache (:mod:`docexport.cache`), with no parse at all.
    """
    source = _dictionary_path()
    arrays = cached_arrays("lexicon", 1, source, lambda: _read_dictionary(source))
    table, counts, chars, sums = (arrays[key] for key in ("words", "counts", "chars", "sums"))
    total = float(sums.sum()) or 1.0
    logs = {
        chr(code): math.log(count / total)
        for code, count in zip(chars.tolist(), sums.tolist(), strict=True)
    }
    _release_freed_memory()
    return table, counts, logs


def _release_freed_memory() -> None:
    """Ask glibc to return freed heap pages to the system (a no-op where there is no glibc)."""
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).malloc_trim(0)


def _dictionary_path() -> Path:
    """jieba's dict.txt, found without importing jieba (0.1 s of imports a worker would pay
    for one file path)."""
    spec = importlib.util.find_spec("jieba")
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError("the normalise lexicon needs jieba: pip install jieba")
    return Path(spec.origin).parent / "dict.txt"


def _read_dictionary(source: Path) -> dict[str, np.ndarray]:
    """jieba's dict.txt as arrays: sorted short words, their counts, characters (as code
    points), their counts.

    One ``split`` of the whole file (each line is ``word count tag``); the character counts
    are summed by numpy over the code points of all words joined, each weighted by its word's
    count.
    """
    text = source.read_text(encoding="utf-8")
    fields = text.split()
    if len(fields) == 3 * text.count("\n"):
        words, counts = fields[0::3], fields[1::3]
    else:  # not one "word count tag" per line: read it line by line
        rows = [line.split() for line in text.splitlines() if line.strip()]
        words = [row[0] for row in rows]
        counts = [row[1] if len(row) > 1 and row[1].isdigit() else "0" for row in rows]
    weights = np.array(counts, dtype=np.int64)
    lengths = np.fromiter(map(len, words), dtype=np.int64, count=len(words))
    codes = np.frombuffer("".join(words).encode("utf-32-le"), dtype=np.uint32)
    # Float sums of integer counts are exact here: jieba's total is far below 2**53.
    sums = np.bincount(codes, weights=np.repeat(weights, lengths))
    chars = np.flatnonzero(sums)
    # Keep each word's last count, as a dict built line by line would: after a stable sort
    # equal words are adjacent in file order, so the last of each run is kept.
    short = (lengths >= 2) & (lengths <= MAX_WORD)
    table = np.array(words, dtype=f"U{MAX_WORD}")[short]
    table_counts = weights[short]
    order = np.argsort(table, kind="stable")
    table, table_counts = table[order], table_counts[order]
    last = np.append(table[1:] != table[:-1], True)
    return {"words": table[last], "counts": table_counts[last], "chars": chars, "sums": sums[chars]}


def word_frequency(word: str) -> int:
    """jieba's count for ``word`` (2 to 4 characters), 0 when it is not a dictionary word.

    >>> word_frequency("日报") > 0, word_frequency("日豹")
    (True, 0)
    """
    if not 2 <= len(word) <= MAX_WORD:
        return 0
    words, counts, _ = _tables()
    # The array's own method: np.searchsorted(words, …) dispatches through Python wrappers that
    # cost as much as the search (1.8 -> 1.0 µs a word). Many words: word_frequencies.
    at = int(words.searchsorted(word))
    return int(counts[at]) if at < len(words) and words[at] == word else 0


def word_frequencies(words: Iterable[str]) -> dict[str, int]:
    """``word_frequency`` of each of ``words``, looked up in one vectorised search.

    The repairs score a hundred candidate characters at a time, each by a few words: one
    search for all of them costs what a handful of single lookups do (each pays ~1 µs of
    call overhead around a search of a few hundred ns).

    >>> counts = word_frequencies(["日报", "日豹", "日"])
    >>> counts["日报"] == word_frequency("日报") > 0, counts["日豹"], counts["日"]
    (True, 0, 0)
    """
    found = dict.fromkeys(words, 0)
    # numpy pads and strips NULs, so a word with one could match a shorter one: word_frequency
    # never finds such a word (no dictionary word holds a NUL), and neither does this.
    query = [word for word in found if 2 <= len(word) <= MAX_WORD and "\x00" not in word]
    if not query:
        return found
    table, counts, _ = _tables()
    keys = np.array(query, dtype=table.dtype)
    at = np.minimum(table.searchsorted(keys), len(table) - 1)
    hits = np.flatnonzero(table[at] == keys)
    for index, count in zip(hits.tolist(), counts[at[hits]].tolist(), strict=True):
        found[query[index]] = count
    return found


def context_counts(
    left: str,
    right: str,
    fills: Sequence[str],
    *,
    longest: int | None = None,
    reach_right: bool = False,
) -> list[int]:
    """For each character of ``fills`` put between ``left`` and ``right``, the count of the
    most frequent dictionary word through it (0 when none): how the repairs that must guess a
    character judge their candidates.

    Words are of two to ``longest`` characters (``None``: the whole window); with
    ``reach_right``, only words that reach past the character into ``right`` count. The words
    of all candidates are looked up together (a repair weighs dozens of candidates, each by a
    few words), and where the words lie is the same for every candidate, so worked out once.

    >>> context_counts("人民", "报", ["日", "月"])[0] > 0
    True
    """
    at = len(left)
    through = []
    for fill in fills:
        window = left + fill + right
        slices = _word_slices(at, len(window), longest, reach_right)
        through.append([window[part] for part in slices])
    counts = word_frequencies(word for words in through for word in words)
    return [max(map(counts.__getitem__, words), default=0) for words in through]


@lru_cache(maxsize=256)
def _word_slices(at: int, length: int, longest: int | None, reach_right: bool) -> tuple[slice, ...]:
    """Where the words of :func:`context_counts` lie in a window of ``length``: two to
    ``longest`` characters that take in position ``at`` (with ``reach_right``, reaching past
    it)."""
    return tuple(
        slice(begin, begin + size)
        for size in range(2, (length if longest is None else longest) + 1)
        for begin in range(max(0, at - size + 1), min(at, length - size) + 1)
        if not (reach_right and begin + size <= at + 1)
    )


# Log relative frequency given to characters jieba never saw: rarer than anything it saw.
UNSEEN = -20.0


def char_log_frequency(char: str) -> float:
    """Natural log of the share of jieba's counts that contain ``char`` (UNSEEN if none).

    >>> char_log_frequency("的") > char_log_frequency("鞒") > UNSEEN
    True
    """
    return _tables()[2].get(char, UNSEEN)
