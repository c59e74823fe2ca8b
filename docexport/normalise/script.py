"""Script conversion and detection with OpenCC (the official binding).

Scrapers and aggregators often machine-convert simplified news to traditional (瀘州日報 for
泸州日报); the conversion is mostly reversible character by character, which is why OpenCC's
``t2s`` undoes it (its few one-to-many cases, 像/象 or 复/覆, are what is left after repair).
The converters are built once per process.
"""

from __future__ import annotations

import operator
import re

import opencc

__all__ = ["HAN", "count_changed", "detect_script", "to_simplified", "to_traditional"]

# Han ideographs: CJK Extension A, the URO, compatibility ideographs and the supplementary planes.
HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
HAN_RE = re.compile(f"[{HAN}]")
# What OpenCC's C++ core cannot take: NUL ends its C string, lone surrogates are not UTF-8.
UNSAFE_RE = re.compile("[\x00\ud800-\udfff]+")

T2S = opencc.OpenCC("t2s")
S2T = opencc.OpenCC("s2t")

# Below this share of the other script's characters a text still counts as one script: a few
# shared-form characters (后, 里, 干) convert either way and must not make news "mixed".
MIXED_SHARE = 0.1


def _convert(converter: opencc.OpenCC, text: str) -> str:
    """Convert, passing through what OpenCC cannot encode untouched (total on any str)."""
    if UNSAFE_RE.search(text) is None:
        return converter.convert(text)
    pieces = UNSAFE_RE.split(text)
    gaps = UNSAFE_RE.findall(text)
    out = [converter.convert(pieces[0])]
    for gap, piece in zip(gaps, pieces[1:], strict=True):
        out.append(gap)
        out.append(converter.convert(piece))
    return "".join(out)


def to_simplified(text: str) -> str:
    """Traditional characters to simplified (OpenCC ``t2s``), the default output script.

    >>> to_simplified("瀘州日報記者")
    '泸州日报记者'
    """
    return _convert(T2S, text)


def to_traditional(text: str) -> str:
    """Simplified characters to traditional (OpenCC ``s2t``), for ``script="traditional"``.

    >>> to_traditional("泸州日报记者")
    '瀘州日報記者'
    """
    return _convert(S2T, text)


def count_changed(before: str, after: str) -> int:
    """How many characters a conversion changed (OpenCC keeps lengths; if not, count the tail).

    >>> count_changed("瀘州日報", "泸州日报")
    2
    """
    if before == after:
        return 0
    return sum(map(operator.ne, before, after)) + abs(len(before) - len(after))


def detect_script(text: str) -> str:
    """``Hans``, ``Hant``, ``mixed`` or ``none`` (no Han character at all).

    A character counts as traditional when ``t2s`` changes it and as simplified when ``s2t``
    does; text with only shared forms (中国) is ``Hans``, the default script of news.

    >>> detect_script("泸州日报"), detect_script("瀘州日報"), detect_script("泸州日報")
    ('Hans', 'Hant', 'mixed')
    >>> detect_script("WHO 2021"), detect_script("中国")
    ('none', 'Hans')
    """
    if HAN_RE.search(text) is None:
        return "none"
    traditional = count_changed(text, to_simplified(text))
    simplified = count_changed(text, to_traditional(text))
    if traditional == 0:
        return "Hans"
    if simplified == 0:
        return "Hant"
    if simplified < MIXED_SHARE * traditional:
        return "Hant"
    if traditional < MIXED_SHARE * simplified:
        return "Hans"
    return "mixed"
