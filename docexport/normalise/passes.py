"""The repair passes: each a pure, total ``str -> str`` function, plus a counting twin.

Every public pass has a ``*_counted`` twin returning ``(text, edits)`` so ``normalise()`` can log
how much each pass changed without diffing texts. Regexes and tables are compiled once, here.
The order they run in, and why, is documented in ``docexport/normalise/__init__.py``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache

from docexport.cache import cached_regex
from docexport.normalise.lexicon import context_counts
from docexport.normalise.pinyin import chars_with_reading, is_syllable, syllable_pattern
from docexport.normalise.script import HAN, HAN_RE, to_simplified, to_traditional_char

__all__ = [
    "clean_up_text",
    "collapse_spurious_commas",
    "fold_fullwidth_alnum",
    "recover_lost_characters",
    "strip_pinyin",
    "widen_cjk_punctuation",
]

Counted = tuple[str, int]

# CJK punctuation and full-width forms: 、。〈〉《》「」【】 and ，：；？！（）…
CJK_PUNCT = "\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65"
# What may stand left of an ASCII mark that is really a Chinese one: Han, CJK punctuation, a
# closing quote, an ellipsis or dash. Opening quotes belong on the right only, so the comma in
# `“We will,”` (Latin, then a closing quote) stays ASCII.
CTX_LEFT = f"{HAN}{CJK_PUNCT}”’…—"
CTX_RIGHT = f"{HAN}{CJK_PUNCT}“‘…—"
# Letters pinyin is written with (tone marks and ü included); the syllable check comes after.
PINYIN_LETTERS = "a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ"
# The lost-character marks: an ASCII question mark or U+FFFD left by a failed decode.
LOST = "?\ufffd"

# ---- clean_up_text -------------------------------------------------------------------------
# (A run is written xx* rather than x+ here and below: a pattern that starts with a repeat is
# tried at every position, one that starts with a character or class is scanned for.)
# Line endings of Windows and old Mac files.
CR_RE = re.compile(r"\r\n?")
# BOM/ZWNBSP, zero-width space/joiners, word joiner, soft hyphen, and control characters other
# than tab and newline (C0, DEL, C1): invisible, and they break segmentation and matching.
INVISIBLE = "\ufeff\u200b-\u200d\u2060\u00ad\x00-\x08\x0b-\x1f\x7f-\x9f"
INVISIBLE_RE = re.compile(f"[{INVISIBLE}][{INVISIBLE}]*")
# Lone surrogates (from a bad decode with surrogateescape) cannot be written as UTF-8.
SURROGATE_RE = re.compile("[\ud800-\udfff]")
# Spaces, tabs and ideographic spaces at the end of a line.
TRAILING_RE = re.compile("[ \t\u3000][ \t\u3000]*(?=\n|$)")
# More than one blank line in a row.
BLANK_RUN_RE = re.compile(r"\n\n\n+")
# The private-use character U+E40C is how the Sogou news corpora (SogouCS, SogouCA) mark the
# paragraph breaks of a body they otherwise keep on one line: 1,259 of them in the SogouCS
# sample, after 。 or a heading, in two thirds of its articles. It is a line break; never text.
PARAGRAPH_MARK = "\ue40c"
# Anything the regexes above would change is found by NEEDS_CLEANUP_RE (the characters
# INVISIBLE_RE and SURROGATE_RE act on, and "\r") or by _has_line_work: clean text skips them all.
# Plain scans are several times faster than one pattern with alternatives.
CLEANUP_CHARS = (
    "\r\ufeff\u200b-\u200d\u2060\u00ad\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff" + PARAGRAPH_MARK
)
NEEDS_CLEANUP_RE = re.compile(f"[{CLEANUP_CHARS}]")
# A line end after a space, or three line ends in a row: with SPACES ending the text, what
# TRAILING_RE and BLANK_RUN_RE would change. It starts with the newline (a plain character scan)
# and looks back for the space: one starting with the class [ \t\u3000] took ~3x as long.
LINE_WORK_RE = re.compile("\n(?:(?<=[ \t\u3000]\n)|\n\n)")
SPACES = (" ", "\t", "\u3000")


def _has_line_work(text: str) -> bool:
    return LINE_WORK_RE.search(text) is not None or text.endswith(SPACES)


def clean_up_text_counted(text: str) -> Counted:
    edits = 0
    # Each group of substitutions runs only when its scan found something to change: elsewhere
    # it changes nothing, and every one of them is a scan of the whole text (~20 µs saved on an
    # article whose only blemish is a trailing space).
    if NEEDS_CLEANUP_RE.search(text) is not None:
        if "\r" in text:
            text, n = CR_RE.subn("\n", text)
            edits += n
        if PARAGRAPH_MARK in text:
            edits += text.count(PARAGRAPH_MARK)
            text = text.replace(PARAGRAPH_MARK, "\n")
        text, n = INVISIBLE_RE.subn("", text)
        edits += n
        text, n = SURROGATE_RE.subn("\ufffd", text)
        edits += n
    # Looked for after the removals above, which can leave a trailing space or a blank-line run.
    if _has_line_work(text):
        text, n = TRAILING_RE.subn("", text)
        edits += n
        text, n = BLANK_RUN_RE.subn("\n\n", text)
        edits += n
    if not (text.isascii() or unicodedata.is_normalized("NFC", text)):
        text = unicodedata.normalize("NFC", text)
        edits += 1
    return text, edits


def clean_up_text(text: str) -> str:
    """Remove what files and scrapers add around the text: BOMs, zero-width and control
    characters, CRLF/CR line ends, Sogou's paragraph mark (U+E40C, a line break), trailing
    spaces, runs of blank lines; then NFC, so a tone mark typed as a combining accent (``u`` +
    U+030C) matches its precomposed form in later passes.

    >>> clean_up_text("\\ufeff标题  \\r\\n\\r\\n\\r\\n正\\u200b文\\x07")
    '标题\\n\\n正文'
    >>> clean_up_text("发声明\\ue40c本报讯（记者刘俊）")
    '发声明\\n本报讯（记者刘俊）'
    """
    return clean_up_text_counted(text)[0]


# ---- fold_fullwidth_alnum ------------------------------------------------------------------
# Full-width digits and Latin letters (０-９, Ａ-Ｚ, ａ-ｚ) only: never CJK punctuation.
FULLWIDTH_ALNUM_CHARS = "\uff10-\uff19\uff21-\uff3a\uff41-\uff5a"
# A run of them (as [x][x]*: 3x faster than [x]+ on text without any, see CR_RE).
FULLWIDTH_ALNUM_RUN_RE = re.compile(f"[{FULLWIDTH_ALNUM_CHARS}][{FULLWIDTH_ALNUM_CHARS}]*")
FULLWIDTH_ALNUM = {code: code - 0xFEE0 for code in range(0xFF10, 0xFF5B) if chr(code).isalnum()}


def fold_fullwidth_alnum_counted(text: str) -> Counted:
    edits = 0

    # Only the runs are translated: str.translate over a whole article costs ~50 µs, as every
    # character the table does not map is a failed lookup (a KeyError raised and caught).
    def fold(match: re.Match[str]) -> str:
        nonlocal edits
        run = match.group()
        edits += len(run)
        return run.translate(FULLWIDTH_ALNUM)

    folded = FULLWIDTH_ALNUM_RUN_RE.sub(fold, text)
    return (folded, edits) if edits else (text, 0)


def fold_fullwidth_alnum(text: str) -> str:
    """Fold full-width ASCII letters and digits to ASCII, leaving CJK punctuation alone.

    GB2312-era typesetting (People's Daily 1998 writes ``１９９８年``) used full-width forms for
    digits and letters; search, dedup and number parsing expect ASCII. Unlike NFKC or ftfy's
    width fix, ``，。：（）`` stay full-width: they are the correct Chinese punctuation.

    >>> fold_fullwidth_alnum("１９９８年，ＷＨＯ（世卫）")
    '1998年，WHO（世卫）'
    """
    return fold_fullwidth_alnum_counted(text)[0]


# ---- recover_lost_characters ---------------------------------------------------------------
# A lost character that kept its reading: "?(bào)", or "?bào)" when the "?" also ate the
# opening bracket. Bracket-less pieces before it ("?qǐng)" in 日?qǐng)?bào)) are the shattered
# rest of the same damaged span and go with it. A lone bracket-less "?zhǔn)" is not enough to
# name a character (it is garbage next to mojibake in the seed): strip_pinyin handles it.
# As a pattern: (?:G)*[mark][(（](R)[)）] | (?:G)+[mark](R)[)）], with G the garbage and R the
# reading. Every match starts with a mark, so the pattern starts with it, the alternatives
# written after it (in the order the original tries them: garbage run greedy, then none, then
# the bracket-less reading) and the reading in group 1, 2 or 3: a pattern that starts with a
# repeat is tried at every position (~60 ns a character), one that starts with a class is
# scanned for.
GARBAGE = f"[{LOST}][{PINYIN_LETTERS}]{{1,6}}[)）]"
GARBAGE_TAIL = f"[{PINYIN_LETTERS}]{{1,6}}[)）](?:{GARBAGE})*[{LOST}]"
READING = f"([{PINYIN_LETTERS}]{{1,6}})[)）]"
LOST_READING_RE = cached_regex(
    f"[{LOST}](?:{GARBAGE_TAIL}[(（]{READING}|[(（]{READING}|{GARBAGE_TAIL}{READING})"
)
# What every LOST_READING_RE match starts with: a mark, then a bracket or a pinyin letter.
RECOVERABLE_RE = re.compile(f"[{LOST}][(（{PINYIN_LETTERS}]")
# Any pinyin annotation, removed from the context windows before looking words up.
ANNOTATION_RE = re.compile(f"[(（][{PINYIN_LETTERS}]{{1,6}}[)）]")
# Anything but a Han character: where the context of a lost character ends.
NON_HAN_RE = cached_regex(f"[^{HAN}]")
# Characters of context on each side that a dictionary word may span.
CONTEXT = 3


def _context(text: str, start: int, end: int) -> tuple[str, str]:
    """Up to CONTEXT Han characters left and right of text[start:end], annotations removed."""
    left = ANNOTATION_RE.sub("", text[max(0, start - 8 * CONTEXT) : start])
    right = ANNOTATION_RE.sub("", text[end : end + 8 * CONTEXT])
    left = NON_HAN_RE.split(left)[-1][-CONTEXT:]
    right = NON_HAN_RE.split(right)[0][:CONTEXT]
    return to_simplified(left), to_simplified(right)


@lru_cache(maxsize=1024)
def _simplified_candidates(reading: str) -> tuple[str, ...]:
    """The characters read ``reading``, in simplified form, without repeats."""
    return tuple(dict.fromkeys(to_simplified(char) for char in chars_with_reading(reading)))


def _best_fit(left: str, right: str, reading: str) -> str | None:
    """The character read ``reading`` that makes the most frequent dictionary word (of up to
    CONTEXT + 1 characters) in context; the first of equals."""
    candidates = _simplified_candidates(reading)
    scores = context_counts(left, right, candidates, longest=CONTEXT + 1)
    best, best_score = None, 0
    for char, score in zip(candidates, scores, strict=True):
        if score > best_score:
            best, best_score = char, score
    return best


def recover_lost_characters_counted(text: str) -> Counted:
    text, recovered = recover_lost_characters_logged(text)
    return text, len(recovered)


def recover_lost_characters_logged(text: str) -> tuple[str, list[tuple[str, str]]]:
    """The text and, for each character put back, ``(damaged span, character)``."""
    recovered: list[tuple[str, str]] = []
    # Every damaged reading starts with a mark and a bracket or a letter: a cheap scan (it
    # starts with a character class) rules out most texts, where LOST_READING_RE, which starts
    # with an optional group, would try a match at every character.
    if ("?" not in text and "\ufffd" not in text) or RECOVERABLE_RE.search(text) is None:
        return text, recovered

    def repair(match: re.Match[str]) -> str:
        reading = match.group(1) or match.group(2) or match.group(3)
        if not is_syllable(reading):
            return match.group(0)
        raw_left = text[max(0, match.start() - 8 * CONTEXT) : match.start()]
        left, right = _context(text, match.start(), match.end())
        char = _best_fit(left, right, reading)
        if char is None:
            return f"?({reading})"
        # Keep the script of the surroundings: traditional context gets a traditional character.
        char = to_traditional_char(char) if to_simplified(raw_left) != raw_left else char
        recovered.append((match.group(0), char))
        return char

    text = LOST_READING_RE.sub(repair, text)
    return text, recovered


def recover_lost_characters(text: str) -> str:
    """Put back a character lost in a bad re-encode when its pinyin annotation survived.

    Sites that annotate characters with pinyin and then mangle the encoding leave ``日?(bào)``:
    the character is gone but its reading is known. The character with that reading that forms
    the most frequent jieba dictionary word with its neighbours is put back; when no dictionary
    word fits, the ``?`` stays (and is counted as lost later).

    >>> recover_lost_characters("瀘州日?qǐng)?(bào)記者")
    '瀘州日報記者'
    >>> recover_lost_characters("日?(xyz)")
    '日?(xyz)'
    """
    return recover_lost_characters_counted(text)[0]


# ---- strip_pinyin --------------------------------------------------------------------------
# A pinyin syllable (is_syllable as a regex), and the check that a reading carries a tone mark.
SYLLABLE = syllable_pattern()
TONED = f"(?=[{PINYIN_LETTERS}]*[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ])"


def _pinyin_pattern(opening: str) -> str:
    """One or more bracketed syllables, the first opened by ``opening``, glued to a Han
    character, a lost-character mark or a Latin letter (精準(zhǔn), 鏈?(liàn), and m(xù) where
    mojibake ate the character before it).

    After a Latin letter (full-width too: folding comes later) or a "?" only tone-marked
    readings count: "word(de)" may be English,
    "m(xù)" cannot. That branch sets the empty group, which holds the rest of the run to the same
    rule (``(?(1)…)``). The two lookbehinds exclude each other, so this equals two alternatives
    each with its own trie, at half the compiled size (a trie costs ~35 ms to compile). A run
    stops at the first bracket that is not a reading, which stays with the rest. The bracket is
    matched first and the lookbehind checked after (much faster on clean text); checking
    syllables inside the pattern keeps the whole pass a C-level re.sub.
    """
    return (
        f"{re.escape(opening)}(?:(?<=[{HAN}\ufffd].)|(?<=[a-zA-Zａ-ｚＡ-Ｚ?].){TONED}())"
        f"{SYLLABLE}[)）](?:[(（](?(1){TONED}){SYLLABLE}[)）])*"
    )


# One pattern per kind of opening bracket: one that starts with a literal is searched for with a
# plain character scan, where the class [(（] cost ~7 µs more on a damaged article. Running the
# ASCII one first and the full-width one on its output equals one pass over both: a run takes
# every reading after it, whichever its brackets, so what the first removes never glues to new
# context a reading the second would take. Damaged text brackets its readings in ASCII.
PINYIN_OPENINGS = ("(", "（")


@lru_cache(maxsize=len(PINYIN_OPENINGS))
def _pinyin_re(opening: str) -> re.Pattern[str]:
    """The pinyin pattern for readings opened by ``opening``, compiled on first use: ~70 ms
    each, which a process that never meets a reading (most clean corpora) does not pay."""
    return cached_regex(_pinyin_pattern(opening))


@lru_cache(maxsize=len(LOST))
def _lost_garbage_re(mark: str) -> re.Pattern[str]:
    """The garbage of a damaged span that lost its opening bracket: 鏈?zhǔn) keeps only the "?".

    One pattern per mark, each starting with its mark (a fast literal scan) and replaced by it,
    compiled on first use (only text damaged like the seed has any; ~75 ms each).
    These run before the pinyin patterns and give the same result as one combined pass: a run
    of garbage takes every bracketed reading after it, so what follows it is never a reading
    they would take.
    """
    return cached_regex(f"{re.escape(mark)}{SYLLABLE}[)）](?:[(（]{SYLLABLE}[)）])*")


# A mark or bracket, then what may be a reading: one to six pinyin letters, a closing bracket.
READING_AFTER_RE = {
    opening: cached_regex(f"{re.escape(opening)}([{PINYIN_LETTERS}]{{1,6}})[)）]")
    for opening in (*LOST, *PINYIN_OPENINGS)
}


def _reading_after(text: str, opening: str) -> bool:
    """Whether ``opening`` is followed somewhere in ``text`` by a syllable and a closing bracket,
    as every match of the pattern that starts with it is (the trie accepts only words
    ``is_syllable`` accepts). A literal-led scan that keeps the rare patterns from running, and
    from being compiled, for "?" in a URL's query or "（mm）" in a measurement."""
    return any(is_syllable(match[1]) for match in READING_AFTER_RE[opening].finditer(text))


def strip_pinyin_counted(text: str) -> Counted:
    if ")" not in text and "）" not in text:
        return text, 0
    stripped = text
    for mark in LOST:
        if _reading_after(stripped, mark):
            stripped = _lost_garbage_re(mark).sub(mark, stripped)
    for opening in PINYIN_OPENINGS:
        if _reading_after(stripped, opening):
            stripped = _pinyin_re(opening).sub("", stripped)
    if stripped is text:
        return text, 0
    # Every annotation removed, bracketed or garbage, ends with exactly one closing bracket.
    removed = text.count(")") + text.count("）") - stripped.count(")") - stripped.count("）")
    return stripped, removed


def strip_pinyin(text: str) -> str:
    """Remove inline pinyin annotations glued to Han characters.

    Some sites "help" readers by printing the reading after characters; after a scrape the
    reading ends up inline (``精準(zhǔn)防控``). Only syllables of the pinyin inventory glued to a
    Han character (or to the ``?`` of a damaged span) go; real parentheticals stay.

    >>> strip_pinyin("精準(zhǔn)防控 打贏(yíng)")
    '精準防控 打贏'
    >>> strip_pinyin("世卫组织(WHO)(2021)条款(a) the (de) word(de) 部门（单位）")
    '世卫组织(WHO)(2021)条款(a) the (de) word(de) 部门（单位）'
    >>> strip_pinyin("冷鏈?zhǔn)称")
    '冷鏈?称'
    """
    return strip_pinyin_counted(text)[0]


# ---- collapse_spurious_commas --------------------------------------------------------------
# ASCII commas right before another mark: the scraper inserted a comma before every punctuation
# mark it met (会议,,传达  党中央,、国务院  工作,。  等情况,;  (美国),、). Before a Chinese mark
# a comma is never right; before an ASCII , or ; only when Chinese text (or a bracket that
# closes it) is on either side (a,,b is left alone). The first comma is written once, before the
# alternatives (``,(?:,*X|Y)`` is ``,+X|,Y``, tried in the same order): a pattern that starts with
# a literal is searched for with a plain character scan, while ``,+X|,Y`` made the engine try a
# match at every position (17 -> 5 µs on a damaged article). Both alternatives need one of
# ,;，、。； right after that comma; looking for it first turns down the many commas followed by
# text in one step (another ~1 µs).
SPURIOUS_COMMA_RE = cached_regex(
    f",(?=[,;，、。；])(?:,*(?=[，、。；]|[,;][{CTX_RIGHT}])|(?<=[{CTX_LEFT}),],),*(?=[,;]))"
)


def collapse_spurious_commas_counted(text: str) -> Counted:
    if "," not in text:
        return text, 0
    # Only commas are removed, so the length difference counts them (no per-match callback).
    collapsed = SPURIOUS_COMMA_RE.sub("", text)
    return collapsed, len(text) - len(collapsed)


def collapse_spurious_commas(text: str) -> str:
    """Drop the spurious ASCII comma a broken converter put before punctuation in CJK text.

    >>> collapse_spurious_commas("会议,,传达党中央,、国务院工作,。")
    '会议,传达党中央、国务院工作。'
    >>> collapse_spurious_commas("第1,、2项(美国),、日本 3.5%,。")
    '第1、2项(美国)、日本 3.5%。'
    >>> collapse_spurious_commas("1,,2 and a,,b")
    '1,,2 and a,,b'
    """
    return collapse_spurious_commas_counted(text)[0]


# ---- widen_cjk_punctuation -----------------------------------------------------------------
WIDE = {",": "，", ":": "：", ";": "；", "?": "？", "!": "！"}
# An ASCII mark with CJK text on at least one side. Latin, number and URL context (3.5, 1,200,
# 10:30, http://a.b/c?d=1, e.g.,) has ASCII on both sides and is never matched.
NARROW_MARK = f"(?:(?<=[{CTX_LEFT}].)|(?=[{CTX_RIGHT}]))"
# Per mark: the mark, its pattern, its full-width form. "?" is apart: it may be a lost character.
NARROW_MARKS = tuple(
    (mark, cached_regex(re.escape(mark) + NARROW_MARK), WIDE[mark]) for mark in ",:;!"
)
NARROW_QUESTION_RE = cached_regex(r"\?" + NARROW_MARK)
# An ASCII pair of brackets around text that contains Han: （单位） lost its width; (WHO),
# (2021) and (a) carry no Han and may well be ASCII on purpose.
NARROW_PARENS_RE = cached_regex(f"\\(([^()\\n]*[{HAN}][^()\\n]*)\\)")
# A "?" between two Han characters is a lost character unless the clause asks something.
QUESTION_WORDS_RE = re.compile(
    "什么|什麼|吗|嗎|呢|吧|么|麼|如何|怎|为何|為何|是否|多少|哪|谁|誰|几|幾|难道|難道|岂|豈|啥"
    "|究竟|到底|还是|還是|能否|可否|有没有|有沒有|是不是|何"
)
# The clause a question mark may close starts after one of these.
SENTENCE_END_RE = re.compile("[。！？!?\n]")
QUESTION_LOOKBACK = 60


def _is_question(text: str, at: int) -> bool:
    """Whether the ``?`` at ``text[at]`` closes a question: a question word in its clause, or
    in the clause it opens (发家?谁都想  你们俩?孩子呢)."""
    before = SENTENCE_END_RE.split(text[max(0, at - QUESTION_LOOKBACK) : at])[-1]
    after = SENTENCE_END_RE.split(text[at + 1 : at + 1 + QUESTION_LOOKBACK // 3])[0]
    return QUESTION_WORDS_RE.search(before) is not None or (
        QUESTION_WORDS_RE.search(after) is not None
    )


def widen_cjk_punctuation_counted(text: str) -> Counted:
    widened = 0
    # Where a "?" was kept as a lost character. Widening swaps one character for one, so these
    # offsets hold; the decision rests on the Han characters beside the mark and on its clause,
    # which widening leaves as they were, so a later round keeps it without redoing it.
    kept: set[int] = set()

    def widen_question(match: re.Match[str]) -> str:
        nonlocal widened
        at = match.start()
        if at in kept:
            return "?"
        if (
            at > 0
            and HAN_RE.match(text, at - 1)
            and HAN_RE.match(text, at + 1)
            and not _is_question(text, at)
        ):
            kept.add(at)
            return "?"
        widened += 1
        return "？"

    # Brackets first: a widened （…） is CJK context for the marks next to it. The pieces of a
    # split are rejoined around the new brackets: a replacement that names a group (\1) is
    # expanded by Python code per match (before 3.12), ~1 µs each. The pattern takes the
    # innermost pairs, so nested ones widen from the inside out, a round per level: ((报))
    # left as (（报）) would be widened by the next normalise, which must change nothing.
    while "(" in text:
        parts = NARROW_PARENS_RE.split(text)
        if len(parts) == 1:
            break
        for at in range(1, len(parts), 2):
            parts[at] = f"（{parts[at]}）"
        text = "".join(parts)
        widened += len(parts) - 1
    # Widening one mark can give its neighbour CJK context (a,：中): repeat until nothing moves.
    # Each mark is widened by its own pattern with a literal replacement (a C-level re.sub), and
    # "?" alone needs a look at its clause. Widening only ever adds CJK context, so the marks
    # widened in the end are the same whatever order the patterns run in.
    while True:
        before = widened
        for mark, pattern, wide in NARROW_MARKS:
            if mark in text:
                text, n = pattern.subn(wide, text)
                widened += n
        if "?" in text:
            text = NARROW_QUESTION_RE.sub(widen_question, text)
        if widened == before:
            break
    return text, widened


def widen_cjk_punctuation(text: str) -> str:
    """Make ASCII ``, : ; ? ! ( )`` full-width where they punctuate Chinese text (GB/T 15834).

    Scrapers and old converters fold Chinese punctuation to ASCII (``会议,传达``); in Latin,
    number and URL context the ASCII mark is right and stays. A ``?`` between two Han characters
    is taken for a lost character unless its clause holds a question word.

    >>> widen_cjk_punctuation("杨林兴:精准防控,市级部门(单位)要落实;是吗?对!")
    '杨林兴：精准防控，市级部门（单位）要落实；是吗？对！'
    >>> widen_cjk_punctuation("1,200亿元 10:30 http://a.b/c?d=1 e.g., (WHO) 日?报")
    '1,200亿元 10:30 http://a.b/c?d=1 e.g., (WHO) 日?报'
    >>> widen_cjk_punctuation("((报))")
    '（（报））'
    """
    return widen_cjk_punctuation_counted(text)[0]


COUNTED: dict[str, Callable[[str], Counted]] = {
    "clean_up_text": clean_up_text_counted,
    "fold_fullwidth_alnum": fold_fullwidth_alnum_counted,
    "recover_lost_characters": recover_lost_characters_counted,
    "strip_pinyin": strip_pinyin_counted,
    "collapse_spurious_commas": collapse_spurious_commas_counted,
    "widen_cjk_punctuation": widen_cjk_punctuation_counted,
}
