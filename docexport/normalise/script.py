"""Script conversion and detection with OpenCC (the official binding).

Scrapers and aggregators often machine-convert simplified news to traditional (瀘州日報 for
泸州日报); the conversion is mostly reversible character by character, which is why OpenCC's
``t2s`` undoes it (its few one-to-many cases, 像/象 or 复/覆, are what is left after repair).
The converters are built once per process.
"""

from __future__ import annotations

import functools
import operator
import re
from pathlib import Path
from typing import Any

import opencc

from docexport.cache import cached_arrays, cached_regex

__all__ = [
    "HAN",
    "convert_script",
    "count_changed",
    "detect_script",
    "detect_with",
    "simplified_with",
    "t2s_changed",
    "to_simplified",
    "to_traditional",
    "to_traditional_char",
]

# Han ideographs as [start, end) code points: CJK Extension A, the URO and compatibility
# ideographs (the BMP blocks), and the supplementary planes' extensions.
BMP_HAN = ((0x3400, 0x4DC0), (0x4E00, 0xA000), (0xF900, 0xFB00))
HAN_BLOCKS = (*BMP_HAN, (0x20000, 0x31350))
# The same as the body of a regex character class: "\u3400-\u4dbf\u4e00-\u9fff…".
HAN = "".join(f"{chr(start)}-{chr(end - 1)}" for start, end in HAN_BLOCKS)
HAN_RE = cached_regex(f"[{HAN}]")
# A run written as [x][x]* rather than [x]+: the engine then scans for the first character
# instead of attempting a match at every position (~3.5x faster searches on a 1 KB article).
HAN_RUN_RE = cached_regex(f"[{HAN}][{HAN}]*")
# What OpenCC's C++ core cannot take: NUL ends its C string, lone surrogates are not UTF-8.
UNSAFE_RE = re.compile("[\x00\ud800-\udfff][\x00\ud800-\udfff]*")

T2S = opencc.OpenCC("t2s")
# Traditional forms OpenCC's t2s leaves alone although simplified text never uses them in news:
# 揹 (背), 伕 (夫), and 於 (于; simplified keeps 於 only as a rare surname). Checked on People's
# Daily text round-tripped through s2t.
T2S_EXTRA = str.maketrans("揹伕於", "背夫于")
# str.translate walks every character in Python-speed steps: search first, translate rarely.
T2S_EXTRA_RE = re.compile("[揹伕於]")

# Below this share of the other script's characters a text still counts as one script.
MIXED_SHARE = 0.1
# The character set of simplified Chinese: a character GB2312 has is a legitimate simplified
# character even when OpenCC's t2s would change it (萧乾 is a name, not 萧干; 藉以 is standard).
SIMPLIFIED_CHARSET = "gb2312"
# Big5 has no simplified-only characters (报, 泸); counting what it cannot encode estimates them.
TRADITIONAL_CHARSET = "big5"


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


def _each_alone(converter: opencc.OpenCC, chars: list[str]) -> list[str]:
    """``converter`` applied to each of ``chars`` alone, in one call: one character per line,
    as no dictionary key spans a newline. Should the lines ever misalign, one call per
    character (slower, but it cannot misalign)."""
    converted = _convert(converter, "\n".join(chars)).split("\n")
    if len(converted) == len(chars):
        return converted
    return [_convert(converter, char) for char in chars]


# Characters of t2s phrases that change text although no character of the phrase changes
# alone (深沈 -> 深沉, 回覆 -> 回复): found in OpenCC's TSPhrases with its opencc_dict tool;
# tests/test_normalise_script.py checks the list against the installed OpenCC's dictionaries.
T2S_PHRASE_ONLY = "哩坏沈甦瞭藉衹覆"


@functools.lru_cache(maxsize=1)
def _t2s_trigger() -> re.Pattern[str]:
    """A character t2s could change: without one, ``T2S.convert(text)`` returns ``text``.

    OpenCC converts by matching dictionary keys, so text none of whose characters is in a
    changing key comes back as it went in. The set is taken from OpenCC itself, once per
    process (~15 ms): every BMP Han character that t2s changes alone (converted one per line,
    so no two of them form a phrase), the phrase-only characters above, the extra forms, and
    the whole of the supplementary planes (rare in news, and cheaper to convert than to list).
    About 40 % of articles, clean simplified ones, skip a ~30-90 µs conversion.
    """
    trigger = t2s_changed() + T2S_PHRASE_ONLY + "揹伕於"
    return cached_regex(f"[{re.escape(trigger)}\U00010000-\U0010ffff]")


@functools.lru_cache(maxsize=1)
def t2s_changed() -> str:
    """Every BMP Han character OpenCC's ``t2s`` changes when it stands alone, in code point
    order: the traditional forms. Taken from OpenCC once per process (~8 ms) and shared by
    the conversion's trigger above and the segmenter's traditional-text check (enrich).
    """
    bmp = [chr(code) for start, end in BMP_HAN for code in range(start, end)]
    return "".join(a for a, b in zip(bmp, _each_alone(T2S, bmp), strict=True) if a != b)


def to_simplified(text: str) -> str:
    """Traditional characters to simplified (OpenCC ``t2s``), the default output script.

    >>> to_simplified("瀘州日報記者"), to_simplified("揹起"), to_simplified("深沈")
    ('泸州日报记者', '背起', '深沉')
    """
    if _t2s_trigger().search(text) is None:
        return text
    text = _convert(T2S, text)
    return text.translate(T2S_EXTRA) if T2S_EXTRA_RE.search(text) else text


@functools.lru_cache(maxsize=1)
def _s2t() -> opencc.OpenCC:
    """OpenCC's s2t converter, built on first use: its phrase dictionary costs ~26 MB and
    0.1 s per process, and only output in traditional script needs it whole."""
    return opencc.OpenCC("s2t")


def to_traditional(text: str) -> str:
    """Simplified characters to traditional (OpenCC ``s2t``), for ``script="traditional"``.

    >>> to_traditional("泸州日报记者")
    '瀘州日報記者'
    """
    return _convert(_s2t(), text)


def to_traditional_char(char: str) -> str:
    """``to_traditional(char)`` for one character, without loading s2t's phrases.

    The lost-character repair puts one character back into traditional context; s2t of a
    lone character is fixed, so every Han character's is taken from OpenCC once and kept in
    the on-disk cache (:mod:`docexport.cache`): a process that repairs traditional text no
    longer pays s2t's 26 MB. A test checks the table against s2t for every Han character.

    >>> to_traditional_char("报"), to_traditional_char("中"), to_traditional_char("a")
    ('報', '中', 'a')
    """
    if len(char) == 1 and HAN_RE.match(char):
        return _s2t_chars().get(char, char)
    return to_traditional(char)


@functools.lru_cache(maxsize=1)
def _s2t_chars() -> dict[str, str]:
    """Han character -> its s2t conversion, for the characters s2t changes."""
    arrays = cached_arrays("s2t-chars", 1, Path(opencc.__file__), _s2t_char_arrays)
    keys = arrays["keys"].tobytes().decode("utf-32-le")
    values = arrays["values"].tobytes().decode("utf-8").split("\n") if len(keys) else []
    return dict(zip(keys, values, strict=True))


def _s2t_char_arrays() -> dict[str, Any]:
    """s2t of every Han character alone, as the changed characters (code points) and their
    conversions (UTF-8, joined by newlines)."""
    import numpy as np

    chars = [chr(code) for start, end in HAN_BLOCKS for code in range(start, end)]
    changed = [(a, b) for a, b in zip(chars, _each_alone(_s2t(), chars), strict=True) if a != b]
    return {
        "keys": np.frombuffer("".join(a for a, _ in changed).encode("utf-32-le"), np.uint32),
        "values": np.frombuffer("\n".join(b for _, b in changed).encode("utf-8"), np.uint8),
    }


def count_changed(before: str, after: str) -> int:
    """How many characters a conversion changed (OpenCC keeps lengths; if not, count the tail).

    >>> count_changed("瀘州日報", "泸州日报")
    2
    """
    if before == after:
        return 0
    if len(before) != len(after):
        return sum(map(operator.ne, before, after)) + abs(len(before) - len(after))
    # Compare code points as two numpy arrays: a converted article differs in hundreds of
    # places, and a Python-level comparison per character costs ~20 ns each.
    import numpy as np

    return int(np.count_nonzero(_code_points(before) != _code_points(after)))


def _code_points(text: str) -> Any:
    # surrogatepass: a lone surrogate is a code point like any other here.
    import numpy as np

    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def _count_unencodable(text: str, charset: str) -> int:
    """How many characters of ``text`` ``charset`` lacks (one C-speed encode, no Python loop)."""
    return text.encode(charset, errors="replace").count(b"?") - text.count("?")


def detect_with(text: str, simplified: str) -> str:
    """``detect_script`` when ``to_simplified(text)`` is already known (saves one conversion)."""
    if HAN_RE.search(text) is None:
        return "none"
    if simplified == text:
        return "Hans"
    # Traditional-only characters: missing from the simplified charset until t2s converts them.
    traditional = _count_unencodable(text, SIMPLIFIED_CHARSET) - _count_unencodable(
        simplified, SIMPLIFIED_CHARSET
    )
    if traditional == 0:
        return "Hans"
    # Simplified-only Han characters are at most all the characters Big5 lacks: when even those
    # are few (the common case of converted text), the answer is known without picking the Han
    # characters out, which costs more than the rest of the detection.
    lacking = _count_unencodable(text, TRADITIONAL_CHARSET)
    if lacking == 0 or lacking < MIXED_SHARE * traditional:
        return "Hant"
    han = "".join(HAN_RUN_RE.findall(text))
    simplified_only = _count_unencodable(han, TRADITIONAL_CHARSET)
    if simplified_only == 0:
        return "Hant"
    if simplified_only < MIXED_SHARE * traditional:
        return "Hant"
    if traditional < MIXED_SHARE * simplified_only:
        return "Hans"
    return "mixed"


def detect_script(text: str) -> str:
    """``Hans``, ``Hant``, ``mixed`` or ``none`` (no Han character at all).

    A character counts as traditional when ``t2s`` changes it and as simplified-only when Big5
    cannot encode it; text with only shared forms (中国) is ``Hans``, the default script of news.
    A few traditional forms in a simplified text (萧乾 is also a simplified name) leave it ``Hans``.

    >>> detect_script("泸州日报"), detect_script("瀘州日報"), detect_script("泸州日報")
    ('Hans', 'Hant', 'mixed')
    >>> detect_script("WHO 2021"), detect_script("中国"), detect_script("作家萧乾的新作发表了")
    ('none', 'Hans', 'Hans')
    """
    return detect_with(text, to_simplified(text))


def convert_script(text: str, script: str = "simplified") -> str:
    """Convert ``text`` to ``script`` (``simplified``, ``traditional`` or ``keep``).

    Text that is already simplified keeps every GB2312 character: only characters outside the
    simplified character set are converted, so names like 萧乾 and words like 藉以 survive.

    >>> convert_script("作家萧乾说：这里发生的变化让人们觉得应该继续学习，這")
    '作家萧乾说：这里发生的变化让人们觉得应该继续学习，这'
    >>> convert_script("瀘州日報"), convert_script("泸州日报", "traditional")
    ('泸州日报', '瀘州日報')
    """
    if script == "keep":
        return text
    if script == "traditional":
        return to_traditional(text)
    simplified = to_simplified(text)
    return simplified_with(text, simplified, detect_with(text, simplified))


def simplified_with(text: str, simplified: str, detected: str) -> str:
    """Choose between ``text`` and its t2s ``simplified`` form, per ``detected`` script."""
    if detected != "Hans" or simplified == text or len(simplified) != len(text):
        return simplified
    return "".join(
        new if new == old or _count_unencodable(old, SIMPLIFIED_CHARSET) else old
        for old, new in zip(text, simplified, strict=True)
    )
