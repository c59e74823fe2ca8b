"""Finding GBK byte-shift mojibake, so it can be flagged and protected from the other passes.

When a GBK byte stream loses one byte, every following pair is read one byte off until an ASCII
byte resynchronises it: 食品防控 (``CA B3 C6 B7 B7 C0 BF D8``) read from ``B3`` on becomes
称贩揽 (``B3 C6 | B7 B7 | C0 BF``). The damage starts where the decoder choked, which leaves a
``?`` (冷鏈?称贩揽?). A run of Han characters after a ``?`` is taken for mojibake when reading
its GBK bytes one byte later gives clearly more frequent characters than the run as it stands:
shifting clean text that way gives rare characters, shifting mojibake gives back common ones.

Such spans are found (and reported) but left as they are: converting their characters to
simplified or widening their ``?`` would only make a later byte-level repair impossible.
"""

from __future__ import annotations

import re

from docexport.normalise.lexicon import UNSEEN, char_log_frequency
from docexport.normalise.script import HAN, to_simplified

__all__ = ["find_mojibake"]

# A "?" glued to a Han character, then a run of Han characters and ASCII letters (a shifted pair
# can end on an ASCII byte, 鶎狱h), optionally closed by another "?" where the decoder choked
# again. A stray ASCII mark may sit right after the first "?" (关切?;鶎狱h). Runs are capped:
# mojibake in the wild is short, and long runs cost time.
CANDIDATE_RE = re.compile(f"(?<=[{HAN}])\\?[;:,]?([{HAN}a-zA-Z]{{2,16}})(\\??)")
# Characters scored on each side of the comparison: enough to decide, few enough to stay local.
SCORED = 4
# How much more frequent (mean natural log) the shifted reading must be to call it mojibake.
MARGIN = 2.0
# A character rarer than this (natural log share of jieba's counts) is "odd" and marks the end
# of the damaged part of a run; common ones after it are clean text the span must not swallow.
RARE = -13.0


def _mean_log_frequency(chars: str) -> float:
    if not chars:
        return UNSEEN
    simplified = to_simplified(chars)
    return sum(char_log_frequency(char) for char in simplified) / len(simplified)


def _shifted(run: str) -> str:
    """The run's GBK bytes read one byte later (the first, half-lost pair dropped)."""
    try:
        data = run.encode("gbk")
    except UnicodeEncodeError:
        return ""
    return data[1:].decode("gbk", errors="ignore")


def _is_odd(char: str) -> bool:
    return char.isascii() or char_log_frequency(to_simplified(char)) < RARE


def find_mojibake(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of every GBK byte-shift mojibake span in ``text``, in order.

    >>> text = "重点抓好进口冷鏈?称贩揽?，确保"
    >>> [text[a:b] for a, b in find_mojibake(text)]
    ['?称贩揽?']
    >>> find_mojibake("你说什么?我们走吧")
    []
    """
    if "?" not in text:
        return []
    spans = []
    for match in CANDIDATE_RE.finditer(text):
        run = match.group(1)
        head = run[:SCORED]
        if _mean_log_frequency(_shifted(head)[:SCORED]) < _mean_log_frequency(head) + MARGIN:
            continue
        end = match.end()
        if not match.group(2):
            odd = [i for i, char in enumerate(run) if _is_odd(char)]
            if odd:
                end = match.start(1) + odd[-1] + 1
        spans.append((match.start(), end))
    return spans
