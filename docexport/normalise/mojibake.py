"""Finding GBK byte-shift mojibake, so it can be flagged and protected from the other passes.

When a GBK byte stream loses one byte, every following pair is read one byte off until an ASCII
byte resynchronises it: 食品防控 (``CA B3 C6 B7 B7 C0 BF D8``) read from ``B3`` on becomes
称贩揽 (``B3 C6 | B7 B7 | C0 BF``). The damage starts where the decoder choked, which leaves a
``?`` (冷鏈?称贩揽?). A run of Han characters after a ``?`` is taken for mojibake when reading
its GBK bytes one byte later gives clearly more frequent characters than the run as it stands:
shifting clean text that way gives rare characters, shifting mojibake gives back common ones.

``repair_mojibake`` re-reads a span when it can do so with confidence: the GBK bytes after the
``?`` are read one byte earlier, the lost lead byte of the first character is the one whose
character makes the most frequent dictionary word with its neighbours, and a closing ``?`` (the
lost trail byte of the last character) is filled the same way, or becomes U+FFFD when no
word decides it. Every re-read character must be a common one; otherwise the span stays as found.
Spans that stay are reported and kept out of the later passes: converting their characters to
simplified or widening their ``?`` would only make a later byte-level repair impossible.

SogouCA's paragraph breaks are the same damage at scale: its mark (U+E40C, bytes FD A3) lost its
lead byte, so a paragraph opens with ``?`` after the previous one's full stop and is read one
byte off (销毁。?；泼鳎合 for 销毁。 ¶ 黄明：); there the lost pair is the mark, a line break.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from docexport.cache import cached_regex
from docexport.normalise.lexicon import UNSEEN, char_log_frequency, context_counts
from docexport.normalise.passes import PARAGRAPH_MARK
from docexport.normalise.script import HAN, to_simplified

__all__ = [
    "find_mojibake",
    "repair_and_find_mojibake",
    "repair_mojibake",
    "repair_mojibake_counted",
    "repair_mojibake_logged",
]

# Full-width forms (GBK A3A1-A3FE): ＡＢ１２；： and the like. Shifted GBK text is full of
# them (a pair whose lead byte is A3), so they may stand in a span and in its re-reading.
FULLWIDTH = "\uff01-\uff5e"
FULLWIDTH_RE = re.compile(f"[{FULLWIDTH}]")
# The Sogou news corpora mark paragraph breaks with U+E40C, GB18030 bytes FD A3. A crawl that
# could not read FD left a "?" for it and read on from A3, one byte off: SogouCA's paragraphs
# open with "?" and a shifted run (销毁。?；泼鳎合 for 销毁。¶黄明：) at most paragraph breaks of
# its 200-article sample, mostly after 。, ！ or a closing quote, which may precede a span.
PARAGRAPH_END = "。！？”」』）】"
# What a shifted run may hold: whatever GBK pairs decode to read one byte off (Han characters,
# full-width forms, the symbol rows: 、ㄒ⒐), and ASCII letters (a shifted pair can end on an
# ASCII byte, 鶎狱h); not spaces, "?" or U+FFFD, where the decoder choked or the text resumed.
SHIFTED = "a-zA-Z\u0080-\u2fff\u3001-\u303f\u3040-\ufffc"
# The byte the broken mark leaves, A3: what a span's first pair lost its lead byte from.
PARAGRAPH_MARK_TRAIL = PARAGRAPH_MARK.encode("gb18030")[1]
# What a full-width form or CJK punctuation scores: about a common Han character (jieba's counts
# have none of them). As unseen they made any clean "?ＡＢＣ公司" look worse than its shifting.
MARK_LOG_FREQUENCY = -8.0
# A "?" glued to a Han character (or ending a sentence, for the mark above), then a run of what
# shifted GBK decodes to (SHIFTED), optionally closed by another "?" where the decoder choked
# again. A stray ASCII mark may sit right after the first "?" (关切?;鶎狱h). Runs are capped:
# mojibake in the wild is short, and long runs cost time. The "?" comes first and the Han
# character before it is checked by a lookbehind over both: a pattern that starts with a literal
# is searched for with a plain character scan, one that starts with a lookbehind is tried at
# every position (~20 µs on an article with a question mark in it).
CANDIDATE_RE = cached_regex(f"\\?(?<=[{HAN}{PARAGRAPH_END}]\\?)[;:,]?([{SHIFTED}]{{2,16}})(\\??)")
# Characters scored on each side of the comparison: enough to decide, few enough to stay local.
SCORED = 4
# How much more frequent (mean natural log) the shifted reading must be to call it mojibake,
# and after a broken paragraph mark's signature.
MARGIN = 2.0
MARK_MARGIN = 1.0
# A character rarer than this (natural log share of jieba's counts) is "odd" and marks the end
# of the damaged part of a run; common ones after it are clean text the span must not swallow.
RARE = -13.0


def _mean_log_frequency(chars: str) -> float:
    if not chars:
        return UNSEEN
    simplified = to_simplified(chars)
    return sum(map(_log_frequency, simplified)) / len(simplified)


def _log_frequency(char: str) -> float:
    """A character's natural log share of jieba's counts; punctuation and full-width forms
    count as common (:data:`MARK_LOG_FREQUENCY`), other characters jieba lacks as unseen."""
    if _is_mark(char):
        return MARK_LOG_FREQUENCY
    return char_log_frequency(char)


def _is_mark(char: str) -> bool:
    """Full-width forms and CJK punctuation (、。「」): in place in clean text, never rare."""
    return FULLWIDTH_RE.match(char) is not None or "\u3001" <= char <= "\u301f" or char in "…—“”‘’·"


def _after_sentence(text: str, at: int) -> bool:
    """Whether the span at ``at`` follows the end of a sentence (。?), as a broken mark does."""
    return at > 0 and text[at - 1] in PARAGRAPH_END


def _shifted(run: str) -> str:
    """The run's GBK bytes read one byte later (the first, half-lost pair dropped)."""
    try:
        data = run.encode("gbk")
    except UnicodeEncodeError:
        return ""
    return data[1:].decode("gbk", errors="ignore")


def _is_odd(char: str) -> bool:
    """A rare character or an ASCII byte: the damaged part of a run, which may go on past
    common characters; punctuation is where clean text resumes (勺匪荨R掷m用力抓好“)."""
    if _is_mark(char):
        return False
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
    # A rejected candidate may have swallowed the "?" that opens the next span (防?,確保…鏈?称):
    # the search resumes right after a rejected "?", not after the whole candidate.
    match = CANDIDATE_RE.search(text)
    while match is not None:
        run = match.group(1)
        if run[0].isascii():
            # One byte: dropping it shifts nothing (?a１ would read as １, which later folding
            # turns into an ASCII 1 that reads as nothing: normalise would not be idempotent).
            match = CANDIDATE_RE.search(text, match.start() + 1)
            continue
        head = run[:SCORED]
        margin = MARGIN
        if _after_sentence(text, match.start()) and FULLWIDTH_RE.match(run):
            # "。?" then a full-width form: the broken paragraph mark's signature (a question
            # mark after a full stop is not text), so a smaller gain is evidence enough.
            margin = MARK_MARGIN
        if _mean_log_frequency(_shifted(head)[:SCORED]) < _mean_log_frequency(head) + margin:
            match = CANDIDATE_RE.search(text, match.start() + 1)
            continue
        end = match.end()
        if not match.group(2):
            odd = [i for i, char in enumerate(run) if _is_odd(char)]
            if odd:
                end = match.start(1) + odd[-1] + 1
        spans.append((match.start(), end))
        match = CANDIDATE_RE.search(text, end)
    return spans


# GBK lead bytes, and trail bytes (0x7F is never a trail byte).
LEAD_BYTES = range(0x81, 0xFF)
TRAIL_BYTES = [b for b in range(0x40, 0xFF) if b != 0x7F]
# A filled-in character must make a dictionary word this many times as frequent as the
# runner-up's best word, or the choice is not confident.
CLEAR_WIN = 3
# Context characters on each side used to judge a filled-in character.
WINDOW = 2
# What a character no word decides becomes: U+FFFD, which no later pass mistakes for a question
# mark (a "?" before a comma would be widened to "？").
LOST_MARK = "\ufffd"
# Han characters (for the context windows of a span).
HAN_ONLY_RE = re.compile(f"[^{HAN}]")


@lru_cache(maxsize=1 << 15)
def _simplified_char(char: str) -> str:
    """``to_simplified`` of one candidate character: the same few thousand GBK characters are
    candidates again and again, and each OpenCC call costs ~1.5 µs."""
    return to_simplified(char)


def _fill(candidates: Iterable[str], left: str, right: str, *, into_right: bool) -> str | None:
    """The candidate that clearly makes the best word between ``left`` and ``right``: scored
    by the count of its most frequent dictionary word (:func:`context_counts`, with
    ``into_right`` only the words reaching into ``right``)."""
    chars = list(set(candidates))
    fills = [_simplified_char(c) for c in chars]
    scores = context_counts(left, right, fills, reach_right=into_right)
    scored = sorted(zip(scores, chars, strict=True), reverse=True)
    if not scored or scored[0][0] == 0:
        return None
    if len(scored) > 1 and scored[0][0] < CLEAR_WIN * scored[1][0]:
        return None
    return scored[0][1]


def _decode_pair(lead: int, trail: int) -> str | None:
    try:
        char = bytes((lead, trail)).decode("gbk")
    except UnicodeDecodeError:
        return None
    return char if HAN_ONLY_RE.match(char) is None else None


@lru_cache(maxsize=256)
def _with_trail(trail: int) -> tuple[str, ...]:
    """Every Han character whose GBK trail byte is ``trail``: what a lost lead byte may be."""
    return tuple(c for lead in LEAD_BYTES if (c := _decode_pair(lead, trail)) is not None)


@lru_cache(maxsize=256)
def _with_lead(lead: int) -> tuple[str, ...]:
    """Every Han character whose GBK lead byte is ``lead``: what a lost trail byte may be."""
    return tuple(c for trail in TRAIL_BYTES if (c := _decode_pair(lead, trail)) is not None)


def _reread(span: str, left: str, right: str, *, after_paragraph: bool = False) -> str | None:
    """The span re-read one byte earlier, or None when that cannot be done with confidence.

    ``after_paragraph``: the span follows the end of a sentence (。?), where a lost lead byte
    before A3 was Sogou's paragraph mark (:data:`PARAGRAPH_END`), which becomes a line break.
    """
    closed = span.endswith("?") and len(span) > 1
    run = span[1:-1] if closed else span[1:]
    if not run or (HAN_ONLY_RE.match(run[0]) and not FULLWIDTH_RE.match(run[0])):
        return None  # a stray mark after the "?" (?;鶎狱h): its byte cannot be placed
    try:
        data = run.encode("gbk")
    except UnicodeEncodeError:
        return None
    body, dangling = data[1:], b""
    if len(body.decode("gbk", errors="ignore").encode("gbk")) != len(body):
        body, dangling = body[:-1], body[-1:]
    try:
        middle = body.decode("gbk")
    except UnicodeDecodeError:
        return None
    if not middle or any(
        char.isascii() or (not _is_mark(char) and char_log_frequency(to_simplified(char)) < RARE)
        for char in middle
    ):
        return None
    if after_paragraph and data[0] == PARAGRAPH_MARK_TRAIL:
        # A lost lead byte before A3 right after a sentence: Sogou's paragraph mark, far more
        # often than one of the Han characters ending in A3 (on SogouCA, taking the best word
        # instead put 牛 before 黄明, 海 before 上海市, 校 before 对于).
        first: str | None = "\n"
    else:
        first = _fill(
            _with_trail(data[0]), left[-WINDOW:], to_simplified(middle[:WINDOW]), into_right=False
        )
        if first is None and data[0] == PARAGRAPH_MARK_TRAIL:
            first = "\n"  # no Han character fits: the mark again, after a heading
    if first is None:
        return None
    last = ""
    if dangling:
        if not closed:
            return None
        # Where only punctuation follows, the last character is judged by the words it makes
        # with the decoded middle alone, which picks the most frequent (防空), not the right one
        # (防控): it must then reach into what follows, so it becomes U+FFFD. Where text follows,
        # words either way count: reaching right only took 公证 for 中国证券, 禁地 for 新疆 (on
        # PD articles given SogouCA's damage, wrong last characters 64 -> 27, right ones +48).
        last = (
            _fill(
                _with_lead(dangling[0]),
                to_simplified(middle[-WINDOW:]),
                right[:WINDOW],
                into_right=not right,
            )
            or LOST_MARK
        )
    elif closed:
        last = LOST_MARK
    return first + middle + last


def repair_mojibake_counted(text: str) -> tuple[str, int]:
    text, repaired = repair_mojibake_logged(text)
    return text, len(repaired)


def repair_mojibake_logged(text: str) -> tuple[str, list[tuple[str, str]]]:
    """The repaired text and, for each span re-read, ``(as found, as repaired)``."""
    text, repaired, _ = repair_and_find_mojibake(text)
    return text, repaired


def repair_and_find_mojibake(
    text: str,
) -> tuple[str, list[tuple[str, str]], list[tuple[int, int]]]:
    """``repair_mojibake_logged(text)``, and ``find_mojibake`` of the text it returns.

    ``normalise()`` needs both: the re-read spans to log, and the spans left to keep out of the
    later passes. When no span was re-read the text is unchanged, so the spans found before
    are the answer and the search (a lexicon lookup per candidate) is not run twice.
    """
    spans = find_mojibake(text)
    if not spans:
        return text, [], spans
    pieces = []
    cursor = 0
    repaired = []
    for start, end in spans:
        left = to_simplified(HAN_ONLY_RE.split(text[max(0, start - 8) : start])[-1])
        right = to_simplified(HAN_ONLY_RE.split(text[end : end + 8])[0])
        after_paragraph = _after_sentence(text, start)
        fixed = _reread(text[start:end], left, right, after_paragraph=after_paragraph)
        pieces.append(text[cursor:start])
        if fixed is None:
            pieces.append(text[start:end])
        else:
            pieces.append(fixed)
            repaired.append((text[start:end], fixed))
        cursor = end
    if not repaired:
        return text, repaired, spans
    pieces.append(text[cursor:])
    text = "".join(pieces)
    return text, repaired, find_mojibake(text)


def repair_mojibake(text: str) -> str:
    """Re-read GBK byte-shift mojibake one byte earlier where that is confident.

    A lost byte in a GBK stream makes every following pair decode one byte late; reading the
    bytes one byte earlier gives the text back. The first and last characters lost a byte
    each and are chosen by how well they fit their neighbours as dictionary words; a last
    character no word decides becomes U+FFFD (a lost character).

    >>> repair_mojibake("进口冷链?称贩揽?，确保")
    '进口冷链食品防\ufffd，确保'
    >>> repair_mojibake("群众关切?;鶎狱h组织")
    '群众关切?;鶎狱h组织'
    """
    return repair_mojibake_counted(text)[0]
