"""Split one normalised news document into title, subtitle, dateline, body and byline.

Chinese news text has a stable shape: a title line, sometimes a deck (subtitle) line or two, a
body whose first paragraph opens with a dateline (``11月5日下午，…``, ``新华社北京1月15日电``),
and credits wherever the outlet puts them: a last line ``泸州日报记者 朱虹``, a parenthesis after
the dateline ``（记者 张三 通讯员 李四）``, an editor line ``（责任编辑：某某）``. Each
field has its own ``extract_<field>`` function; inside one, strategies run from the most to
the least reliable and the first hit wins. Everything is regular expressions compiled once at
import, so parsing costs a few microseconds per line.

The input is already normalised (full-width CJK punctuation, ``\\n`` line breaks) and may be
simplified or traditional, so every keyword has both spellings.
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
import re
from collections.abc import Sequence
from typing import NamedTuple

from docexport.cache import cached_regex
from docexport.data import Article, Author, Byline, Dateline, Failure
from docexport.lexicon.surnames import COMPOUND_SURNAMES, starts_with_surname

__all__ = [
    "extract_byline",
    "extract_dateline",
    "extract_paragraphs",
    "extract_subtitle",
    "extract_title",
    "is_credit_line",
    "parse_article",
]

# --- building blocks (strings, composed into the compiled patterns below) -------------------

HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# Roles a credit can name, longest first so 责任编辑 wins over 编辑 and 摄影记者 over 摄影; the
# one-character roles 文 (text) and 图 (picture) only with a colon or slash after them (文/张三),
# so that 文汇报 stays an outlet.
ROLE = (
    r"(?:特约记者|特約記者|见习记者|見習記者|实习记者|實習記者|首席记者|首席記者|摄影记者|攝影記者"
    r"|责任编辑|責任編輯|记者|記者|通讯员|通訊員|实习生|實習生|编辑|編輯|责编|責編|摄影|攝影"
    r"|撰稿|作者|校对|校對|审核|審核|主编|主編|美编|美編|(?:文|图|圖)(?=[：:／/]))"
)
# What may stand between a role and its names: spaces, a colon, or a slash (文/张三).
ROLE_SEP = r"[\s\u3000：:／/]*"
# Where a name ends: a separator, a closing bracket, 报道/摄 glued on, or the end.
NAME_END = (
    r"(?=[\s\u3000、，,）)／/]|报道|報導|报导|報道|摄|攝|$"  # separators, 报道/摄, the end
    # or the next credit glued on: 李争艳本报记者…
    r"|(?:本报|本報|新华社|新華社|中新社)[\u4e00-\u9fff]{0,6}?(?:记者|記者|通讯员|通訊員))"
)
# A personal name: 2-6 Han characters (or a transliteration with ·), never a role word,
# as short as the NAME_END lookahead allows so `何加正报道` gives 何加正.
NAME = rf"(?!{ROLE})[{HAN}][{HAN}·•]{{1,5}}?{NAME_END}"
# Several names after one role: `张三 李四`, `王言彬、韩振军`.
NAMES = rf"{NAME}(?:[\s\u3000、，,]+{NAME})*"
# A news organisation named before the role: 泸州日报, 新华社, 中央人民广播电台, 本报; never
# the start of a role itself (责任编辑 is a role, not the outlet 责任 and the role 编辑).
OUTLET = rf"(?!{ROLE})[{HAN}]{{2,12}}?"
# What may follow a credit: a place after a slash (／台北) and 报道/摄 (reported, photographed).
CREDIT_TAIL = rf"(?:[／/][{HAN}]{{1,6}})?(?:报道|報導|报导|報道|摄|攝|整理)?"
# One credit: optional outlet, a role, its names, an optional tail.
SEGMENT = rf"(?P<outlet>{OUTLET})?(?P<role>{ROLE}){ROLE_SEP}(?P<names>{NAMES}){CREDIT_TAIL}"
# A named group may appear once per pattern, so the whole-line pattern repeats an unnamed copy.
SEGMENT_UNNAMED = rf"(?:{OUTLET})?{ROLE}{ROLE_SEP}{NAMES}{CREDIT_TAIL}"

CREDIT_SEGMENT = cached_regex(SEGMENT)
# A line that is nothing but credits, optionally in brackets, optionally after a photo mark:
CREDIT_LINE = cached_regex(
    r"[▲■●]?"  # a caption mark, as ETtoday puts before photo credits
    r"[（(]?"  # an optional opening bracket: （记者 张三 通讯员 李四）
    rf"{SEGMENT_UNNAMED}(?:[\s\u3000、，,；;]*{SEGMENT_UNNAMED})*"  # one or more credits
    r"[）)]?"  # the closing bracket
)
# `来源：新华社` (source) names an outlet, not a person; the value may be any short label.
SOURCE_LINE = re.compile(
    r"[（(]?"  # optional bracket
    r"(?:(?:来源|來源|稿源|出处|出處)[：:]\s*"  # the source label and its colon
    r"(?P<outlet>[^\s，。！？]{2,30}?)"  # the outlet named
    r"|(?:本报|本報)?(?:特约)?(?:评论员|評論員))"  # or an editorial's unsigned credit
    r"[）)]?"  # the closing bracket
)
# A desk credit glued to the head of the body, as ETtoday writes it: `國際中心／綜合報導…`.
DESK_HEAD = cached_regex(
    r"[▲■●]?"  # optional caption mark
    rf"(?P<desk>[{HAN}]{{2,8}}(?:中心|組|组|部))"  # the desk: 國際中心, 財經中心, 社会部
    r"[／/]"  # the slash before the place or 综合
    rf"[{HAN}]{{1,6}}?(?:报道|報導|报导|報道)"  # 綜合報導, 台北報導
)
# A reporter credit glued to the head of the body: `記者吳銘峯／台北報導…`.
REPORTER_HEAD = cached_regex(
    r"[▲■●]?"  # optional caption mark
    rf"(?P<credit>(?:{OUTLET})?{ROLE}{ROLE_SEP}{NAMES}"  # role and names
    rf"(?:[、，,]{SEGMENT_UNNAMED})*"  # further credits: 記者甲、實習記者乙
    rf"[／/][{HAN}]{{1,6}}?(?:报道|報導|报导|報道))"  # ／台北報導
)
# Credits in brackets right after a wire dateline: `…电（记者 张三 通讯员 李四）`.
BRACKET_CREDIT = cached_regex(
    r"^[（(]"  # the opening bracket, right where the dateline ended
    rf"(?P<credit>{SEGMENT_UNNAMED}(?:[\s\u3000、，,]*{SEGMENT_UNNAMED})*)"  # the credits
    r"[）)]"  # the closing bracket
)
# Credits glued after a dateline and closed by 报道 and a colon:
# `…讯新华社记者陈雁、本报记者何加正报道：`.
REPORTED_CREDIT = cached_regex(
    r"^[\s\u3000]*"  # spaces after the dateline
    rf"(?P<credit>{SEGMENT_UNNAMED}(?:[\s\u3000、，,]*{SEGMENT_UNNAMED})*?)"  # the credits
    r"[\s\u3000]*(?:报道|報導|报导|報道)?[：:]"  # reported, then the colon opening the story
)
# Outlet words that mean "this paper" and so name no outlet.
DEICTIC_OUTLETS = ("本报", "本報", "本刊", "本台", "本网", "本網", "本社")

# Chinese numerals as used in dates: 一九九七年十二月三十一日.
CN_DIGITS = {"〇": 0, "零": 0, "○": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6}
CN_DIGITS |= {"七": 7, "八": 8, "九": 9}
YEAR = r"(?P<year>\d{4}|[〇零○一二三四五六七八九]{4})年"
MONTH = r"(?P<month>\d{1,2}|十[一二]?|[一二三四五六七八九])月"
DAY = r"(?P<day>\d{1,2}|[一二三]?十[一二三四五六七八九]?|[一二三四五六七八九])日"
# Parts of the day, longest first so 下午 does not stop at 下.
TIME_OF_DAY = (
    r"(?P<time>上午|下午|中午|晚上|晚间|晚間|傍晚|凌晨|清晨|早上|早晨"
    r"|夜间|夜間|深夜|午间|午間|晚|早|夜)"
)
DATE = rf"(?:{YEAR})?{MONTH}{DAY}{TIME_OF_DAY}?"
# A wire or paper dateline: 新华社北京1月15日电, 本报北京1月15日讯, 中广网唐山6月12日消息;
# 本报讯 is excluded (no date).
WIRE_DATELINE = cached_regex(
    r"^[\s\u3000]*"  # leading spaces
    r"(?P<outlet>本报|本報|本刊|新华社|新華社|中新社|中新网|中新網"  # known outlets
    r"|新华网|新華網|人民网|人民網"
    rf"|[{HAN}]{{2,10}}?(?:日报|日報|晚报|晚報|早报|早報|社|报|報|网|網|台|臺))"  # or any outlet
    rf"(?P<place>[{HAN}]{{1,8}}?)?"  # where it was filed, if said
    rf"{DATE}"  # the date
    r"(?:电|電|讯|訊|消息)"  # cabled / reported / news (中广网唐山6月12日消息, radio and web)
)
# A plain date opening the body: 11月5日下午，  1998年1月15日  （一九九七年十二月三十一日）
PLAIN_DATELINE = cached_regex(
    r"^[\s\u3000]*"  # leading spaces
    r"(?P<open>[（(])?"  # an optional bracket around the whole date
    rf"{DATE}"  # the date itself
    r"(?(open)[）)])"  # the matching closing bracket when one opened
)

# A line of bare names: `黄建林`, `吕志贵 王立成`.
NAME_LINE = cached_regex(rf"[{HAN}·]{{2,6}}(?:[\s\u3000、，,]+[{HAN}·]{{2,6}})*")
# `本报讯` (this paper reports) opening a body, before its credits: 本报讯（记者 张三）.
PAPER_NEWS = re.compile(r"^[\s\u3000]*(?:本报|本報|本刊)(?:讯|訊)")
# Any outlet's 讯 opening a body, as mainland web news writes it: 南方日报讯（记者／黄少宏）,
# 【深圳商报讯】（记者 肖怀礼）, 南都讯 记者刘凡 周昌和. Only credits right after it count.
OUTLET_NEWS = cached_regex(
    r"^[\s\u3000]*【?"  # leading spaces, the bracket some papers put around it
    rf"(?P<outlet>[{HAN}]{{2,10}}?)(?:讯|訊)】?"  # the outlet and 讯 (reports)
    r"[\s\u3000]*"  # spaces before the credits
)


@functools.cache
def _spaced_credit() -> re.Pattern[str]:
    """Credits after an outlet's 讯 that end at a space, no bracket or 报道 around them:
    `南都讯　记者刘凡　周昌和　任笑一　继推出…` (the names are those before the last space).
    Compiled when first needed rather than at import (~15 ms on a machine's first run, before
    its program is in the cache; every command imports this module)."""
    return cached_regex(
        rf"(?P<credit>{SEGMENT_UNNAMED}(?:[\s\u3000、，,]*{SEGMENT_UNNAMED})*)"  # the credits
        r"[\s\u3000]+"  # the space before the story
    )


# A brief's credit in brackets closing its last paragraph: （唐纯）, （据新华社电）.
TAIL_CREDIT = cached_regex(
    r"[（(]"  # the opening bracket
    rf"(?:据?(?P<wire>新华社|新華社|中新社)电|(?P<names>[{HAN}·]{{2,4}}(?:[、，\s][{HAN}·]{{2,4}})*))"
    r"[）)]$"  # the closing bracket ends the paragraph
)
# A line that ends like a sentence is body text, not a deck line.
SENTENCE_PUNCTUATION = re.compile(r"[。！？!?；;]|[：:，,、]$")
# A numbered item opens a list, which is body text, never a deck: 1、 2. 一、 （三） (2) ①.
LIST_ITEM = re.compile(
    r"\d{1,2}[、.．]"  # 1、 2.
    r"|[一二三四五六七八九十]{1,3}、"  # 一、
    r"|[（(][一二三四五六七八九十\d]{1,2}[）)]"  # （三） (2)
    r"|[①-⑳]"  # ①
)
# The longest line still taken as a deck; PD decks run to about 60 characters.
SUBTITLE_MAX_CHARS = 80
# The longest line still read as credits; five reporters of three outlets fit in 60.
CREDIT_MAX_CHARS = 80
# A title is followed by at most this many deck lines.
SUBTITLE_MAX_LINES = 3
# Separators between several names in one credit.
NAME_SPLIT = re.compile(r"[\s\u3000、，,]+")
# 报道/摄 glued to the last name of a credit.
NAME_TAIL = re.compile(r"(?:[／/].*|报道|報導|报导|報道|摄|攝|整理)$")


def _lines(text: str) -> tuple[str, ...]:
    return tuple(stripped for line in text.split("\n") if (stripped := line.strip()))


class _Layout(NamedTuple):
    """Which lines play which part; computed once per document and shared by the extractors."""

    credit: tuple[bool, ...]  # per line: only credits (not a paragraph)
    deck: int  # how many lines after the title are deck lines
    headless: bool  # the first line is body text: there is no title line


def _is_name_line(line: str) -> bool:
    """A line of bare names, as PD prints an author under a title or at the end of a piece."""
    return NAME_LINE.fullmatch(line) is not None and all(
        _plausible_name(name) for name in NAME_SPLIT.split(line)
    )


def _layout(lines: Sequence[str], *, titled: bool = False) -> _Layout:
    """Mark credit lines, count deck lines, and spot a document without a title line.

    Bare-name lines count as credits only right under the title or as the last line, where
    People's Daily prints its authors; anywhere else a short name-like line is body text.
    ``titled``: the source named its title, which is the first line whatever it reads like.
    """
    last = len(lines) - 1
    opens_body = bool(lines) and not titled and _opens_body(lines[0])
    name_lines = (last,) if opens_body else (1, last)
    credit = tuple(
        index > 0 and (is_credit_line(line) or (index in name_lines and _is_name_line(line)))
        for index, line in enumerate(lines)
    )
    body_left = [index for index in range(1, len(lines)) if not credit[index]]
    if opens_body:
        return _Layout(credit, 0, True)
    if not body_left:
        # Only a first line (and credits): a sentence-like first line is a one-paragraph brief,
        # unless the source named it its title.
        headless = bool(lines) and not titled and not _reads_as_heading(lines[0])
        return _Layout(credit, 0, headless)
    deck = 0
    while deck < SUBTITLE_MAX_LINES and 1 + deck < body_left[-1]:
        index = 1 + deck
        if credit[index] or not _reads_as_heading(lines[index]):
            break
        if WIRE_DATELINE.match(lines[index]) or PLAIN_DATELINE.match(lines[index]):
            break
        if LIST_ITEM.match(lines[index]):
            break
        deck += 1
    return _Layout(credit, deck, False)


def _opens_body(line: str) -> bool:
    """A first line that is body text whatever follows it, so the document has no title.

    Headlines never hold a full stop, and never open with a dateline (``新华社长春1月10日电``)
    or ``本报讯``: People's Daily prints its multi-paragraph briefs without a headline, and
    taking their first paragraph for the title lost its dateline and byline with it (24 of
    the 1,862 multi-line articles of days 1-15 and ETtoday; every one of them a paragraph).
    """
    return (
        "。" in line or PAPER_NEWS.match(line) is not None or WIRE_DATELINE.match(line) is not None
    )


def _reads_as_heading(line: str) -> bool:
    """Short and without sentence punctuation: a title or deck, not a paragraph."""
    return len(line) <= SUBTITLE_MAX_CHARS and SENTENCE_PUNCTUATION.search(line) is None


def extract_title(lines: Sequence[str]) -> str | None:
    """The title: the first non-empty line, the way every news source writes it.

    The exception is a document whose first line is body text: a single paragraph of
    sentences, or a first line that holds a full stop or opens with a dateline or ``本报讯``
    (a news brief). It has no title, and that line is the first paragraph.

    >>> extract_title(["北京举行新年音乐会", "党和国家领导人出席"])
    '北京举行新年音乐会'
    >>> extract_title(["新华社长春1月10日电 会议今天选举市长。", "政协会议选举主席。"]) is None
    True
    """
    if not lines or _layout(lines).headless:
        return None
    return lines[0]


def extract_subtitle(lines: Sequence[str]) -> str | None:
    """The deck: short lines between title and body that do not read as sentences.

    A deck has no sentence punctuation, is not a dateline or a credit, and is never the only
    thing after the title (then it is the body). Several deck lines are joined by ``\\n``.

    >>> extract_subtitle(["标题", "市委召开会议 余先河主持", "11月5日下午，市委召开会议。"])
    '市委召开会议 余先河主持'
    >>> extract_subtitle(["标题", "今天天气很好。"]) is None
    True
    """
    return _subtitle(lines, _layout(lines))


def _subtitle(lines: Sequence[str], layout: _Layout) -> str | None:
    return "\n".join(lines[1 : 1 + layout.deck]) if layout.deck else None


def is_credit_line(line: str) -> bool:
    """Whether a whole line is only byline, editor or source credits (so not a paragraph).

    >>> is_credit_line("泸州日报记者 朱虹"), is_credit_line("（责任编辑：王五）")
    (True, True)
    >>> is_credit_line("记者从市政府获悉，全市经济平稳。")
    False
    """
    if len(line) > CREDIT_MAX_CHARS:
        return False
    if SOURCE_LINE.fullmatch(line):
        return True
    if CREDIT_LINE.fullmatch(line) is None:
        return False
    return all(_plausible_names(match) for match in CREDIT_SEGMENT.finditer(_unbracket(line)))


def _unbracket(line: str) -> str:
    return line.lstrip("▲■●").strip("（）()")


def _plausible_name(name: str) -> bool:
    """Whether a credited name looks like a person's name, so `摄影 展览开幕` is no byline.

    Two or three characters opening with a surname, four only after a compound surname
    (欧阳), or a transliteration written with a middle dot.
    """
    if "·" in name or "•" in name:
        return True
    if len(name) == 4:
        return name[:2] in COMPOUND_SURNAMES
    return 2 <= len(name) <= 3 and starts_with_surname(name)


def _plausible_names(match: re.Match[str]) -> bool:
    return all(_plausible_name(name) for name in _names(match["names"]))


def _names(text: str) -> list[str]:
    """The names of one credit; names written without a space between them are split."""
    names: list[str] = []
    for part in NAME_SPLIT.split(text):
        if not part:
            continue
        name = NAME_TAIL.sub("", part)  # may leave "" (摄影报道), which no name check passes
        glued = _split_glued(name) if len(name) >= 5 and not _plausible_name(name) else None
        names.extend(glued or [name])
    return names


def _split_glued(run: str) -> list[str] | None:
    """Names written one after another without a space (王锦鹄毛磊 → 王锦鹄, 毛磊), when the
    run splits into plausible names in exactly one way; ``None`` otherwise.

    Some copies of People's Daily run the names of a credit line together (本报记者何伟余继军).
    Many surnames are also common characters, so a run that splits two ways (张文华李明: 张文华
    李明, or 张文 华李明) is left whole, and so is not taken for names at all. The caller
    splits runs of five or more only: four characters are as often one name without a
    Han surname (索朗罗布, 扎西多吉) as two.

    >>> _split_glued("王锦鹄毛磊"), _split_glued("戚德良支林飞"), _split_glued("张文华李明")
    (['王锦鹄', '毛磊'], ['戚德良', '支林飞'], None)
    """
    found: list[list[str]] = []

    def split(at: int, parts: list[str]) -> None:
        if len(found) > 1:
            return
        if at == len(run):
            found.append(parts)
            return
        for size in (2, 3, 4):
            name = run[at : at + size]
            if len(name) == size and "·" not in name and _plausible_name(name):
                split(at + size, [*parts, name])

    split(0, [])
    return found[0] if len(found) == 1 and len(found[0]) > 1 else None


def _outlet(named: str | None) -> str | None:
    """The outlet a credit names; 本报 (this paper), 本报驻美国 and the like name none, and
    据 (according to) opening a dateline is not part of the name (据新华社北京…电).

    >>> _outlet("据新华社"), _outlet("本报驻美国"), _outlet("泸州日报")
    ('新华社', None, '泸州日报')
    """
    if named and named[0] in "据據":
        named = named[1:]
    if not named or named.startswith(DEICTIC_OUTLETS):
        return None
    return named


def _credits(text: str) -> tuple[str | None, list[Author]]:
    """The outlet and authors named by the credit segments in ``text``."""
    outlet: str | None = None
    authors: list[Author] = []
    for match in CREDIT_SEGMENT.finditer(text):
        outlet = outlet or _outlet(match["outlet"])
        role = match["role"]
        for name in _names(match["names"]):
            author = Author(name=name, role=role)
            if author not in authors:
                authors.append(author)
    return outlet, authors


def _byline_from_lines(lines: Sequence[str], layout: _Layout) -> Byline | None:
    """Strategy 1: lines that are nothing but credits, wherever they are after the title."""
    found = [line for line, credit in zip(lines, layout.credit, strict=False) if credit]
    if not found:
        return None
    outlet: str | None = None
    authors: list[Author] = []
    for line in found:
        source = SOURCE_LINE.fullmatch(line)
        if source is not None:
            outlet = outlet or source["outlet"]
            continue
        if _is_name_line(line) and not is_credit_line(line):
            line_outlet, line_authors = None, [Author(name) for name in NAME_SPLIT.split(line)]
        else:
            line_outlet, line_authors = _credits(_unbracket(line))
        outlet = outlet or line_outlet
        authors.extend(author for author in line_authors if author not in authors)
    return Byline(raw="\n".join(found), outlet=outlet, authors=tuple(authors))


def _byline_from_head(paragraph: str) -> Byline | None:
    """Strategy 2: credits glued to the head of the body, after the dateline or on their own,
    or after an outlet's 讯 (which names the outlet when the credits do not)."""
    wire = WIRE_DATELINE.match(paragraph)
    if wire is not None:
        return _with_outlet(_head_credits(paragraph[wire.end() :]), wire["outlet"])
    news = OUTLET_NEWS.match(paragraph)
    if news is not None:
        byline = _head_credits(paragraph[news.end() :], spaced=True)
        if byline is not None:
            return _with_outlet(byline, news["outlet"])
        # The 讯 may have been part of a word (通讯员…): read the paragraph as it is.
    return _head_credits(paragraph)


def _with_outlet(byline: Byline | None, named: str) -> Byline | None:
    """``byline`` with the outlet its dateline or 讯 names, when its credits name none
    (``新华社北京1月10日电（记者刘云非）``: a 新华社 reporter; 本报 names no outlet)."""
    outlet = _outlet(named)
    if byline is None or byline.outlet is not None or outlet is None:
        return byline
    return dataclasses.replace(byline, outlet=outlet)


def _head_credits(rest: str, *, spaced: bool = False) -> Byline | None:
    """Credits opening ``rest``: in brackets, closed by 报道 and a colon, or by a place and
    报道, else an ETtoday desk; ``spaced`` (after an outlet's 讯) also takes credits that
    end at a space."""
    patterns = (BRACKET_CREDIT, REPORTED_CREDIT, REPORTER_HEAD)
    for pattern in (*patterns, _spaced_credit()) if spaced else patterns:
        match = pattern.match(rest)
        if match is None:
            continue
        outlet, authors = _credits(match["credit"])
        if authors and all(_plausible_name(author.name) for author in authors):
            raw = match.group(0).strip().rstrip("：:")
            return Byline(raw=raw, outlet=outlet, authors=tuple(authors))
    desk = DESK_HEAD.match(rest)
    if desk is not None:
        return Byline(raw=desk.group(0).lstrip("▲■●"))
    return None


def _byline_from_tail(paragraph: str) -> Byline | None:
    """Strategy 3: a brief's closing bracket, `…一套。（唐纯）` or `…（据新华社电）`."""
    match = TAIL_CREDIT.search(paragraph)
    if match is None:
        return None
    if match["wire"]:
        return Byline(raw=match.group(0), outlet=match["wire"])
    names = NAME_SPLIT.split(match["names"])
    if not all(_plausible_name(name) for name in names):
        return None
    return Byline(raw=match.group(0), authors=tuple(Author(name) for name in names))


def extract_byline(lines: Sequence[str]) -> Byline | None:
    """The credits: who wrote the piece, for which outlet, who edited or photographed it.

    Credit-only lines anywhere after the title are the most reliable; then credits glued to
    the head of the first body line (``…电（记者 张三）``, ``南方日报讯（记者 黄少宏）``,
    ``記者吳銘峯／台北報導…``), whose outlet, if they name none, is the one the dateline or
    讯 names; then a brief's closing bracket (``…。（唐纯）``). ``本报`` (this paper) names
    no outlet.

    >>> extract_byline(["标题", "正文。", "泸州日报记者 朱虹"])
    Byline(raw='泸州日报记者 朱虹', outlet='泸州日报', authors=(Author(name='朱虹', role='记者'),))
    """
    layout = _layout(lines)
    return _byline(lines, layout, _paragraphs(lines, layout))


def _byline(lines: Sequence[str], layout: _Layout, body: Sequence[str]) -> Byline | None:
    return (
        _byline_from_lines(lines, layout)
        or (_byline_from_head(body[0]) if body else None)
        or (_byline_from_tail(body[-1]) if body else None)
    )


def extract_paragraphs(lines: Sequence[str]) -> tuple[str, ...]:
    """The body: every line after title and deck that is not only credits.

    >>> extract_paragraphs(["标题", "第一段。", "第二段。", "（责任编辑：王五）"])
    ('第一段。', '第二段。')
    """
    return _paragraphs(lines, _layout(lines))


def _paragraphs(lines: Sequence[str], layout: _Layout) -> tuple[str, ...]:
    start = 0 if layout.headless else 1 + layout.deck
    return tuple(
        line
        for line, credit in zip(lines[start:], layout.credit[start:], strict=False)
        if not credit
    )


def _number(text: str) -> int:
    """An Arabic or Chinese numeral as written in dates: 12, 十二, 三十一, 一九九七."""
    if text.isdigit():
        return int(text)
    if "十" in text:
        tens, _, units = text.partition("十")
        return CN_DIGITS.get(tens, 1) * 10 + CN_DIGITS.get(units, 0)
    return int("".join(str(CN_DIGITS[char]) for char in text))


def extract_dateline(paragraph: str | None, *, year: int | None = None) -> Dateline | None:
    """The dateline opening the body, with month, day, part of day and place.

    The year comes from the text, else from ``year`` (the caller's knowledge of the source);
    it is never guessed, and ``date`` is set only when the year is known.

    >>> dateline = extract_dateline("11月5日下午，市委召开会议。")
    >>> dateline.raw, dateline.year, dateline.month, dateline.day, dateline.time_of_day
    ('11月5日下午', None, 11, 5, '下午')
    >>> extract_dateline("新华社北京1月15日电 今天…", year=1998).date
    '1998-01-15'
    >>> extract_dateline("会议于11月5日召开。") is None
    True
    >>> extract_dateline("本报讯1月12日晚，北京交响乐团演出。").raw
    '1月12日晚'
    """
    if not paragraph:
        return None
    place: str | None = None
    match = WIRE_DATELINE.match(paragraph)
    if match is not None:
        place = match["place"] or None
    else:
        # A date opening the body, or right after 本报讯 / an outlet's 讯 (本报讯1月3日，…).
        news = OUTLET_NEWS.match(paragraph)
        match = PLAIN_DATELINE.match(paragraph[news.end() :] if news else paragraph)
        if match is None and news is not None:
            match = PLAIN_DATELINE.match(paragraph)
    if match is None:
        return None
    month, day = _number(match["month"]), _number(match["day"])
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    stated = _number(match["year"]) if match["year"] else None
    known = stated if stated is not None else year
    try:
        date = datetime.date(known, month, day).isoformat() if known is not None else None
    except ValueError:
        date = None
    return Dateline(
        raw=match.group(0).strip(),
        year=known,
        month=month,
        day=day,
        date=date,
        time_of_day=match["time"],
        place=place,
    )


def parse_article(text: str, *, year: int | None = None, titled: bool = False) -> Article | Failure:
    """Split a normalised document into an :class:`~docexport.data.Article`.

    Returns a :class:`~docexport.data.Failure` (``empty``, ``no_body``) for a document that has
    no text, or nothing but a title and credits. ``titled`` says the source named the title
    (a JSON record's ``title`` field, put on the first line by the reader): that line is the
    title even when it reads like body text (a headline with a full stop).

    >>> article = parse_article("标题\\n11月5日下午，开会。\\n记者 朱虹")
    >>> article.paragraphs, article.byline.authors[0].name, article.dateline.day
    (('11月5日下午，开会。',), '朱虹', 5)
    >>> parse_article(" \\n ").reason
    'empty'
    """
    lines = _lines(text)
    if not lines:
        return Failure("empty", "The document has no text.")
    layout = _layout(lines, titled=titled)
    title = "" if layout.headless else lines[0]
    subtitle = _subtitle(lines, layout)
    paragraphs = _paragraphs(lines, layout)
    if not paragraphs:
        return Failure("no_body", "The document has a title but no body text.")
    dateline = extract_dateline(paragraphs[0], year=year)
    byline = _byline(lines, layout, paragraphs)
    return Article(
        title=title,
        subtitle=subtitle,
        dateline=dateline,
        byline=byline,
        paragraphs=paragraphs,
        lines=lines,
    )
