"""Tokens, named entities and keywords of an article, from one segmentation pass.

Segmentation with part-of-speech tags is the most expensive step of the whole pipeline, so it
runs exactly once per document and everything else is read off its output: tokens, persons
(``nr``), places (``ns``), organisations (``nt``) and TF-IDF keywords with jieba's idf table.
The engine is
``rjieba.tag``, or jieba as the reference: it cuts with ``jieba.cut`` and tags from
``jieba.posseg``'s word table, because posseg's own cut differs from jieba's and rjieba's on
about a third of People's Daily lines, and both engines must give the same tokens.

Raw ``nr`` tags are poor person names (F1 about 0.55 on People's Daily): the dictionary tags
some ordinary words as names (``严格遵守/nr``) and splits unknown names into a surname and a
word (``余/m 先河/n``). :func:`find_persons` repairs both with a surname table, the titles and
verbs that surround names in news (``市长余先河``, ``余先河主持``), and rules on name shape.

Traditional text is segmented through a simplified copy (jieba's dictionary and tag table are
simplified; on ETtoday articles jieba.posseg is about 40 times and rjieba about 7 times slower
on the traditional text than on its t2s conversion, which costs far less); tokens are mapped
back to the original characters by offset, since OpenCC's ``t2s`` nearly always keeps the
length.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from itertools import filterfalse
from pathlib import Path
from typing import Any

from docexport.cache import cached_arrays, cached_regex
from docexport.data import Article, Enrichment
from docexport.errors import OptionError
from docexport.lexicon.surnames import COMPOUND_SURNAMES, SURNAMES

__all__ = ["ENGINES", "Enricher", "find_persons"]

ENGINES: tuple[str, ...] = ("rjieba", "jieba")

Tagger = Callable[[str], list[tuple[str, str]]]
UserWord = tuple[str, int | None, str | None]

# Titles and roles that come right before a name in news: 市长余先河, 记者朱虹, 总理李鹏.


def _words(text: str) -> tuple[str, ...]:
    """A word table written as one space-separated string, which reads better than a literal."""
    return tuple(text.split())


TITLE_WORDS = frozenset(
    _words(
        "记者 通讯员 书记 副书记 市长 副市长 省长 副省长 县长 区长 镇长 乡长 "
        "村长 主席 副主席 总理 副总理 部长 副部长 局长 副局长 厅长 处长 科长 "
        "主任 副主任 组长 副组长 委员 常委 总书记 总统 副总统 首相 国王 大使 "
        "总经理 经理 董事长 厂长 校长 院长 教授 博士 司令员 政委 军长 师长 "
        "团长 队长 秘书长 会长 理事长 代表 同志 先生 女士 老人 总裁 主编 "
        "编辑 导演 演员 选手 教练 运动员 作家 画家 市委书记 省委书记 县委书记 "
        "特派员 发言人 外长 议长 委员长 检察长 法官 律师 医生 警官 干部 "
    )
)
# Verbs that follow a name in news: 余先河主持, 鞠丽出席, 杨林兴指出.
CUE_VERBS = _words(
    "主持 出席 指出 强调 表示 说 讲话 介绍 认为 会见 会晤 参加 陪同 宣布 要求 提出 "
    "致辞 致词 发言 告诉 同志 等"
)
# Word endings that make a title: 市委书记, 副市长, 办公室主任.
TITLE_ENDINGS = ("书记", "市长", "省长", "主任", "部长", "主席", "总理", "记者", "局长", "经理")
# Name tags jieba uses: nr (Chinese names), nrfg (full names), nrt (transliterations); places
# are ns and organisations nt.
PERSON_TAGS = frozenset({"nr", "nrfg", "nrt"})
MARKED_TAGS = PERSON_TAGS | {"ns", "nt"}
# jieba's dictionary tags a few names as time words: 周恩来/t (周, week). A three-character
# t word opening with a surname counts as a name when a title or cue verb stands beside it
# (周恩来总理); on PD days 1-15 that finds 周恩来 43 times and nothing else.
TIME_TAG = "t"
SCANNED_TAGS = MARKED_TAGS | {TIME_TAG}
# Keyword weights (idf, or 0 for words TF-IDF skips) of the words seen so far in this process.
# Looking a word up in jieba's 265,000-word idf table costs more than the rest of the keyword
# step, and news reuses the same few thousand words, so a small table of them pays; it stops
# growing at WEIGHT_CACHE_SIZE words so memory stays bounded. The idf table is the same in
# every Enricher, so they can share it.
WEIGHT_CACHE_SIZE = 50_000
_WEIGHTS: dict[str, float] = {}
# The cache starts with the words of lowest idf, the ones most news articles use (the 30 000
# most common cover about 70 % of an article's distinct words): a first lookup bisects a 4 MB
# array, whose every step misses the CPU cache once other work has run, so a fresh process
# would otherwise pay ~70 us per article for its first few thousand articles.
PRELOADED_WEIGHTS = 30_000
# Han characters, for telling words from punctuation and numbers.
HAN_RE = cached_regex(r"^[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff·]+$")
# Numbers and Latin words outside jieba's dictionary, tagged m and eng as rjieba does.
ASCII_NUMBER_RE = re.compile(r"^[0-9.]+$")
ASCII_WORD_RE = re.compile(r"^[A-Za-z0-9]+$")
# Tags a surname character carries when it is used as a word instead: 和/c, 向/p, 任/v.
NOT_SURNAME_TAGS = frozenset({"c", "p", "v", "q", "d", "r", "u", "uj", "f", "x"})
# 摄 (photographed by) glued to a photographer's name: 陈飞摄.
PHOTO_CREDIT = frozenset("摄攝")
# Characters that end place names and common words but almost never a given name.
NOT_NAME_FINAL = frozenset(
    "县市省区镇乡街路楼院馆站厂局部司处所队社店场港湾岛寺庙宫画卡性质牌盾费率式型"
    "口村园证塔筑砂"  # 张家口 杨村 敬老院 许可证 金字塔 古建筑 石英砂 (PD days 1-15)
)
# Function words and verbs the HMM glues after a name (施男遭, 桑格於): not a name's last
# character in a three-character token.
FUNCTION_FINAL = frozenset("遭犯於于在是將将被與与說说等也則则就曾已又都還还")
# Characters of transliterated foreign words; two in a three-character "name" make it a
# foreign place (莫斯科, 巴格达) as often as a person, so context must decide.
TRANSLITERATION = frozenset(
    "斯尼拉克达科特尔亚阿巴伊乌索瓦卡萨图吉纳基罗里利维夫诺"
    "莫塔德登顿森堡格兰汗廷嫩布普丹奥埃俄卢韦泰喀坦哈洛墨"
)
# Tags of tokens that can never be a given name glued to a surname.
NOT_GIVEN_NAME_TAGS = frozenset({"x", "m", "q", "p", "c", "u", "uj", "ul", "f", "r", "d", "t"})
# Tags of a given-name token that a title or cue verb does not join to a bare surname: verbs and
# adjectives (书记 王 说), and name tags, which join by themselves.
NOT_SPLIT_GIVEN_NAME_TAGS = PERSON_TAGS | {"v", "vn", "a", "ad"}


def find_persons(
    tagged: Sequence[tuple[str, str]], name_freq: Mapping[str, int] | NameFrequencies | None = None
) -> list[str]:
    """Person names in a tagged token stream, in order of first appearance, without repeats.

    Repairs on jieba's ``nr`` tags, measured on People's Daily days 1-15:

    * a surname split from its given name is joined when a title precedes or a cue verb
      follows (``市长 余/m 先河/n 主持`` → 余先河), or when both parts are tagged ``nr``;
    * a surname glued to a title (``周总理/nr``) gives the surname, as news uses it;
    * a tagged word is kept only when its shape, its dictionary frequency (``name_freq``:
      jieba's frequency of words it tags as names) and its context agree: jieba's dictionary
      tags thousands of common words as names (``文明``, ``明白``, ``严格遵守``), which are
      frequent, while real names are rare in it or absent, or stand next to a title, a cue
      verb or another name in a list (``李鹏、乔石``).

    >>> find_persons([("市长", "n"), ("余", "m"), ("先河", "n"), ("主持会议", "n")])
    ['余先河']
    >>> find_persons([("群众", "n"), ("严格遵守", "nr"), ("规定", "n")])
    []
    """
    marks = [
        i
        for i, (word, tag) in enumerate(tagged)
        if tag in PERSON_TAGS
        or word in SURNAMES
        or (tag == TIME_TAG and len(word) == 3 and word[0] in SURNAMES)
    ]
    return _find_persons(tagged, name_freq or {}, marks)


def _find_persons(
    tagged: Sequence[tuple[str, str]],
    freq: Mapping[str, int] | NameFrequencies,
    candidates: Iterable[int],
    dotted: Mapping[int, tuple[str, int]] | None = None,
) -> list[str]:
    """:func:`find_persons` over the token positions already known to be worth a look, and
    the names written with middle dots (:func:`_dotted_names`; looked for when not given)."""
    found: dict[str, None] = {}
    skip_to = 0
    last = len(tagged) - 1
    names = _dotted_names(tagged) if dotted is None else dotted
    if names:
        candidates = sorted({*candidates, *names})
    for index in candidates:
        if index < skip_to:
            continue
        if index in names:
            name, skip_to = names[index]
            found.setdefault(name, None)
            continue
        word, tag = tagged[index]
        if len(word) == 1:
            # One character is a name only as the surname of a split name: it is too short
            # for the rules below (surnames are single characters, titles are not empty).
            if index < last and word in SURNAMES and tag not in NOT_SURNAME_TAGS:
                name = _split_name(tagged, index)
                if name is not None:
                    found.setdefault(name, None)
                    skip_to = index + 2
            continue
        if tag == TIME_TAG:
            # A name jieba's dictionary calls a time word (周恩来/t): only with a title beside it.
            before = tagged[index - 1][0] if index else ""
            after = tagged[index + 1][0] if index < last else ""
            if HAN_RE.match(word) and _vouched(before, after):
                found.setdefault(word, None)
            continue
        if tag not in PERSON_TAGS:
            continue
        if tag == "nr" and word[:1] in SURNAMES and word[1:] in TITLE_WORDS:
            found.setdefault(word[:1], None)
        elif word[-1] in PHOTO_CREDIT and len(word) >= 3:
            # `陈飞摄/nr`: a photographer's name glued to 摄 (photographed by).
            if _accept_tagged(word[:-1], tag, freq, credited=True):
                found.setdefault(word[:-1], None)
        elif _accept_tagged(
            word,
            tag,
            freq,
            tagged[index - 1][0] if index else "",
            tagged[index + 1][0] if index < last else "",
        ):
            found.setdefault(word, None)
    return list(found)


# The middle dots that join the parts of a foreign name: 萨阿东·哈马迪, 威廉·佩里 (Taiwanese
# news also writes 瑪格麗特•桑格 and 菲利普‧科特勒).
MIDDLE_DOTS = ("·", "•", "・", "‧")


def _dotted_names(tagged: Sequence[tuple[str, str]]) -> dict[int, tuple[str, int]]:
    """Foreign names written with middle dots, which jieba cuts into parts and a dot token
    (威廉/nrt ·/x 佩里/nrt): the first part's position -> (the whole name, the position after
    it). Parts are Han words of up to six characters that are not function words, numbers or
    punctuation; every part has a token tagged as a name or place, and one a name
    (:func:`_each_part_named`), so a date's 一二·九 or 機會‧紅白配 never joins; nor does a book's
    title (《史记·项羽本纪》). People's Daily's gold tags write these names whole: 163 of the
    persons of days 1-15 (persons F1 0.741 -> 0.761 with this).

    >>> _dotted_names([("国王", "n"), ("诺罗敦", "ns"), ("·", "x"), ("西哈努克", "nrt")])
    {1: ('诺罗敦·西哈努克', 4)}
    """
    last = len(tagged) - 1
    dots = [at for at, (word, _) in enumerate(tagged) if word in MIDDLE_DOTS]
    names: dict[int, tuple[str, int]] = {}
    number = 0
    while number < len(dots):
        at = dots[number]
        number += 1
        if not (0 < at < last and _name_part(tagged[at - 1]) and _name_part(tagged[at + 1])):
            continue
        # jieba may cut a part in two, both halves tagged as names: 瓦尔达/nr 斯/nr ·…
        start = at - 1
        while start and tagged[start - 1][1] in PERSON_TAGS and _name_part(tagged[start - 1]):
            start -= 1
        end = at + 2
        # Further parts, each everything up to the next dot (阿拉/nrt 普/ad in 丹尼尔·阿拉普·莫伊).
        while number < len(dots):
            following = dots[number]
            if not (
                following - end <= 3
                and following < last
                and all(map(_name_part, tagged[end:following]))
                and _name_part(tagged[following + 1])
            ):
                break
            end = following + 2
            number += 1
        while end <= last and tagged[end][1] in PERSON_TAGS and _name_part(tagged[end]):
            end += 1  # … · 布/nr 里克森/nr
        if start and tagged[start - 1][0].endswith("《"):
            continue  # a title's parts: 《史记·项羽本纪》
        if _each_part_named(tagged[start:end]):
            names[start] = ("".join(word for word, _ in tagged[start:end]), end)
    return names


# Tags a part of a dotted name may carry: jieba's name and place tags (诺罗敦/ns·西哈努克).
NAME_PART_TAGS = PERSON_TAGS | {"ns"}


def _each_part_named(tokens: Sequence[tuple[str, str]]) -> bool:
    """Whether every part between the dots has a token tagged as a name or place, and one a
    name: 萨阿东/nr·哈马迪/nr, 丹尼尔/nr·阿拉/nrt 普/ad·莫伊/nrt, but not 機會/n‧紅白/nr (配)."""
    named = False
    part_named = False
    for word, tag in tokens:
        if word in MIDDLE_DOTS:
            if not part_named:
                return False
            part_named = False
            continue
        part_named = part_named or tag in NAME_PART_TAGS
        named = named or tag in PERSON_TAGS
    return part_named and named


def _name_part(token: tuple[str, str]) -> bool:
    word, tag = token
    return (
        len(word) <= 6
        and tag not in NOT_GIVEN_NAME_TAGS
        and HAN_RE.match(word) is not None
        and "·" not in word
    )


def _vouched(before: str, after: str) -> bool:
    """A title before or after, a cue verb after, or a list comma: the context of a name."""
    return (
        before in TITLE_WORDS
        or after in TITLE_WORDS
        or before.endswith(TITLE_ENDINGS)
        or after.startswith(CUE_VERBS)
        or before == "、"
        or after == "、"
    )


def _split_name(tagged: Sequence[tuple[str, str]], index: int) -> str | None:
    """A name built from the surname token at ``index`` (a surname character not used as a
    function word, not the last token) and the given-name token after it, if any.

    The cheap tests on the given name's tag come first: most surname characters are followed
    by a word that no rule can join (a verb, a particle), which is decided without the
    character-class regex or the context.
    """
    word, tag = tagged[index]
    given, given_tag = tagged[index + 1]
    if given_tag in NOT_GIVEN_NAME_TAGS or not 1 <= len(given) <= 2:
        return None
    # Two name tags join by themselves; otherwise a title or cue verb must vouch, and only for
    # a given name that is not a verb, an adjective or a name of its own.
    both_names = tag in PERSON_TAGS and given_tag in PERSON_TAGS
    if not both_names and given_tag in NOT_SPLIT_GIVEN_NAME_TAGS:
        return None
    if given in TITLE_WORDS or not HAN_RE.match(given):
        return None
    if both_names:
        return word + given
    before = tagged[index - 1][0] if index else ""
    after = tagged[index + 2][0] if index + 2 < len(tagged) else ""
    if before in TITLE_WORDS or before.endswith(TITLE_ENDINGS) or after.startswith(CUE_VERBS):
        return word + given
    return None


def _accept_tagged(
    word: str,
    tag: str,
    freq: Mapping[str, int] | NameFrequencies,
    before: str = "",
    after: str = "",
    *,
    credited: bool = False,
) -> bool:
    """Whether a token jieba tagged as a name really is one (thresholds from PD days 1-15).

    ``before``/``after`` are the neighbouring tokens; ``credited`` says the context already
    vouches for a name (a photo credit). The context and the dictionary frequency are looked
    at only by the rules that need them: most tokens are decided by their shape alone, and a
    lookup in the 30 000-name frequency table costs more than the shape rules.
    """
    if len(word) < 2 or not HAN_RE.match(word):
        return False
    if "·" in word:
        return True
    if tag == "nrt":
        # Transliterations (克林顿); frequent ones are places and words (伊拉克, 令人), and
        # one without a transliteration character is a Chinese phrase (努力提高, 献爱心).
        return (
            not TRANSLITERATION.isdisjoint(word)
            and (len(word) >= 3 or credited or _vouched(before, after))
            and freq.get(word, 0) < 100
        )
    surname = word[:1] in SURNAMES or word[:2] in COMPOUND_SURNAMES
    if tag == "nrfg":
        return len(word) >= 3 or surname
    if len(word) >= 4:
        return word[:2] in COMPOUND_SURNAMES
    if (word[-1] in NOT_NAME_FINAL or sum(map(TRANSLITERATION.__contains__, word)) >= 2) and not (
        credited or _vouched(before, after)
    ):
        # 尚义县, 敬老院, 贺年卡; 莫斯科, 巴格达: places and words, unless context says person.
        return False
    if len(word) == 3:
        if word[-1] in FUNCTION_FINAL and not (credited or _vouched(before, after)):
            return False
        return surname or ((credited or _vouched(before, after)) and freq.get(word, 0) < 1000)
    count = freq.get(word, 0)
    if surname:
        return count == 0 or (count < 1000 and (credited or _vouched(before, after)))
    return count == 0 and (credited or _vouched(before, after))


def _unique(words: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(words))


def read_user_dict(path: str | os.PathLike[str]) -> tuple[UserWord, ...]:
    """Words from a user dictionary in jieba's format: ``word [freq] [tag]`` per line.

    Raises :class:`~docexport.errors.OptionError` when the file cannot be read or a line is
    malformed, naming the file and the line.
    """
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise OptionError(f"--user-dict: cannot read {os.fspath(path)!r}: {exc}") from exc
    words: list[UserWord] = []
    for number, line in enumerate(text.splitlines(), start=1):
        parts = line.split()
        if not parts:
            continue
        if len(parts) > 3 or (len(parts) == 3 and not parts[1].isdigit()):
            raise OptionError(
                f"--user-dict: {os.fspath(path)!r} line {number} is not 'word [freq] [tag]'"
            )
        word = parts[0]
        freq: int | None = None
        tag: str | None = None
        for part in parts[1:]:
            if part.isdigit():
                freq = int(part)
            else:
                tag = part
        words.append((word, freq, tag))
    return tuple(words)


@functools.cache
def _tagger(engine: str, words: tuple[UserWord, ...]) -> Tagger:
    """The tag function of one engine with one set of user words, built once per process.

    With no user words both engines use their shared default instance. With user words each
    distinct word list gets its own fresh instance, so two Enrichers with different
    dictionaries never see each other's words (and the default instance never sees either).
    """
    if engine == "rjieba":
        import rjieba

        if not words:
            return rjieba.tag
        instance = rjieba.Jieba()
        for word, freq, tag in words:
            instance.add_word(word, freq, tag)
        return instance.tag
    import jieba
    import jieba.posseg

    jieba.setLogLevel(60)
    if not words:
        postokenizer = jieba.posseg.dt
    else:
        postokenizer = jieba.posseg.POSTokenizer(jieba.Tokenizer())
        for word, freq, tag in words:
            postokenizer.tokenizer.add_word(word, freq, tag)
    postokenizer.tokenizer.check_initialized()
    postokenizer.makesure_userdict_loaded()  # moves the user words' tags into its table
    tags = postokenizer.word_tag_tab

    @functools.lru_cache(maxsize=65536)
    def tag_unknown(word: str) -> str:
        """A word outside the dictionary, as posseg's HMM tags it when alone."""
        if ASCII_NUMBER_RE.match(word):
            return "m"
        if ASCII_WORD_RE.match(word):
            return "eng"
        pairs = list(postokenizer.cut(word))
        return pairs[0].flag if len(pairs) == 1 else "x"

    def tag_with_jieba(text: str) -> list[tuple[str, str]]:
        return [
            (word, tags.get(word) or tag_unknown(word)) for word in postokenizer.tokenizer.cut(text)
        ]

    return tag_with_jieba


def _jieba_file(*parts: str) -> Path:
    """A data file shipped inside the jieba package (found without importing jieba)."""
    import importlib.util

    spec = importlib.util.find_spec("jieba")
    if spec is None or spec.origin is None:
        raise OptionError("jieba is not installed: pip install jieba")
    return Path(spec.origin).parent.joinpath(*parts)


# A line of jieba's dict.txt (``word count tag``) whose tag is a name tag (nr, nrfg, nrt).
NAME_ENTRY_RE = re.compile(r"^(\S+)[^\S\n]+(\S+)[^\S\n]+nr\S*[^\S\n]*$", re.MULTILINE)


@functools.lru_cache(maxsize=1)
def _name_freq() -> NameFrequencies:
    """jieba's dictionary frequency of every word it tags as a name, loaded once.

    Common words that the dictionary tags ``nr`` are frequent; real names are rare or absent.
    Every worker process pays this load at start-up: it comes from the cache
    (:mod:`docexport.cache`) after the first run.
    """
    source = _jieba_file("dict.txt")
    arrays = cached_arrays("names", 3, source, lambda: _parse_names(source))
    return NameFrequencies(arrays["short"], arrays["values"], _long_words(arrays))


def _parse_names(source: Path) -> dict[str, Any]:
    """The name lines of jieba's dict.txt as the arrays of :class:`NameFrequencies`: one regex
    scan picks the 79 000 name lines out of the 350 000, instead of splitting every line."""
    import numpy as np

    pairs = NAME_ENTRY_RE.findall(source.read_text(encoding="utf-8"))
    return _word_table([word for word, _ in pairs], [int(count) for _, count in pairs], np.int64)


class NameFrequencies:
    """jieba's count of each word it tags as a name, held compactly: every process keeps one.

    As a dict of 79 000 Python strings the table cost ~13 MB per process, for about three
    lookups per article; here the words of up to IDF_SHORT_WORD characters (99 %) are one
    sorted fixed-width array (~1.3 MB) bisected per lookup (~1 µs), and the few longer words
    stay in a dict. ``get`` is all the person rules use, as they would use a dict's.
    """

    def __init__(self, short: Any, counts: Any, long: dict[str, int]) -> None:
        self._short, self._counts, self._long = short, counts, long

    def get(self, word: str, default: int = 0) -> int:
        """jieba's count of ``word``, ``default`` when it is not a name-tagged word.

        >>> NameFrequencies.from_pairs(["张三", "文明", "欧阳修文"], [3, 900, 2]).get("文明")
        900
        """
        if not _is_short(word):
            return self._long.get(word, default)
        at = int(self._short.searchsorted(word))
        if at < len(self._short) and self._short[at] == word:
            return int(self._counts[at])
        return default

    def __len__(self) -> int:
        return len(self._short) + len(self._long)

    def as_dict(self) -> dict[str, int]:
        """Every word and its count (for tests and inspection)."""
        return {**dict(zip(self._short.tolist(), self._counts.tolist(), strict=True)), **self._long}

    @classmethod
    def from_pairs(cls, words: Sequence[str], counts: Sequence[int]) -> NameFrequencies:
        """The table of ``words[i] -> counts[i]``; a repeated word keeps its last count."""
        import numpy as np

        arrays = _word_table(words, counts, np.int64)
        return cls(arrays["short"], arrays["values"], _long_words(arrays))


# The English stop words jieba.analyse's TF-IDF skips (its KeywordExtractor.STOP_WORDS); a
# test pins this set to jieba's, so keywords stay those of jieba.analyse.extract_tags.
IDF_STOP_WORDS = frozenset(
    _words(
        "the of is and to in that we for an are by be as on with can if from which you it "
        "this then at have all not one has or"
    )
)


# Words up to this many characters (97 % of jieba's idf table) live in a sorted numpy array.
IDF_SHORT_WORD = 4


class IdfTable:
    """jieba's idf values, held compactly: every worker process keeps one.

    As a dict of 270 000 Python strings the table costs about 60 MB per process; here the
    words of up to IDF_SHORT_WORD characters are one sorted fixed-width array (4 MB) looked up
    by bisection, a batch of words per call, and the few longer words stay in a dict. A word
    is looked up once per process (``Enricher`` caches weights), so bisection costs little.
    """

    def __init__(self, short: Any, values: Any, long: dict[str, float]) -> None:
        import numpy as np

        self._np = np
        self._short, self._values, self._long = short, values, long
        every = np.concatenate([values, np.array(list(long.values()), dtype=np.float64)])
        self.median = float(np.sort(every)[len(every) // 2])
        # The largest weight one occurrence of a word can have (``median`` is a table value).
        self.maximum = float(every.max()) if len(every) else 0.0

    @classmethod
    def from_pairs(cls, words: Sequence[str], values: Sequence[float]) -> IdfTable:
        """The table of ``words[i] -> values[i]``; a repeated word keeps its last value."""
        import numpy as np

        arrays = _word_table(words, values, np.float64)
        return cls(arrays["short"], arrays["values"], _long_words(arrays))

    def __len__(self) -> int:
        return len(self._short) + len(self._long)

    def most_common(self, count: int) -> list[str]:
        """The ``count`` short words of lowest idf (the most widely used), lowest first.

        >>> IdfTable.from_pairs(["新闻", "记者", "罕见词"], [5.0, 4.0, 12.0]).most_common(2)
        ['记者', '新闻']
        """
        order = self._np.argsort(self._values, kind="stable")[:count]
        return self._short[order].tolist()  # type: ignore[no-any-return]

    def lookup(self, words: Sequence[str], default: float) -> list[float]:
        """The idf of each word, ``default`` for words not in the table.

        >>> table = IdfTable.from_pairs(["新闻", "记者", "新闻发布会"], [5.0, 6.0, 9.0])
        >>> table.lookup(["记者", "新闻发布会", "无此词", "新闻"], 1.0)
        [6.0, 9.0, 1.0, 5.0]
        """
        np = self._np
        found = [self._long.get(word, default) for word in words]
        short = [i for i, word in enumerate(words) if _is_short(word)]
        if short and len(self._short):
            keys = np.array([words[i] for i in short], dtype=f"U{IDF_SHORT_WORD}")
            at = np.minimum(np.searchsorted(self._short, keys), len(self._short) - 1)
            hit = self._short[at] == keys
            values = np.where(hit, self._values[at], default).tolist()
            for i, value in zip(short, values, strict=True):
                found[i] = value
        return found


def _is_short(word: str) -> bool:
    """Whether ``word`` goes in a word table's fixed-width array (a NUL would be dropped by the
    array and could match another word)."""
    return len(word) <= IDF_SHORT_WORD and "\x00" not in word


def _word_table(words: Sequence[str], values: Sequence[Any], dtype: Any) -> dict[str, Any]:
    """The arrays a compact word table (:class:`IdfTable`, :class:`NameFrequencies`) is made
    of, as the cache saves them: the sorted short words, their values as ``dtype``, the long
    words joined by newlines as UTF-8, their values. A repeated word keeps its last value."""
    import numpy as np

    short = [i for i, word in enumerate(words) if _is_short(word)]
    short_set = set(short)
    # Like a dict built in file order, a repeated word keeps its last value: a stable sort
    # puts repeats next to each other in file order, and the last of each run is kept.
    array = np.array([words[i] for i in short], dtype=f"U{IDF_SHORT_WORD}")
    numbers = np.array([values[i] for i in short], dtype=dtype)
    order = np.argsort(array, kind="stable")
    array, numbers = array[order], numbers[order]
    last = np.append(array[1:] != array[:-1], True) if len(array) else np.array([], dtype=bool)
    long = {word: values[i] for i, word in enumerate(words) if i not in short_set}
    return {
        "short": array[last],
        "values": numbers[last],
        # surrogatepass: from_pairs takes any str, lone surrogates included.
        "long_words": np.frombuffer(
            "\n".join(long).encode("utf-8", "surrogatepass"), dtype=np.uint8
        ),
        "long_values": np.array(list(long.values()), dtype=dtype),
    }


def _long_words(arrays: dict[str, Any]) -> dict[str, Any]:
    """The long words of :func:`_word_table`'s arrays and their values, as a dict.

    Made from the arrays rather than kept from the parse: once the parse's hundreds of
    thousands of temporary strings are freed, a few survivors scattered among them would keep
    the allocator from handing their memory back (measured: +55 MB per process instead of
    about +10 MB).
    """
    joined = arrays["long_words"].tobytes().decode("utf-8", "surrogatepass")
    words = joined.split("\n") if joined else []
    return dict(zip(words, arrays["long_values"].tolist(), strict=True))


@functools.lru_cache(maxsize=1)
def _idf() -> tuple[IdfTable, float, frozenset[str]]:
    """jieba's idf table, its median (for unseen words) and its stop words, loaded once.

    Read from jieba's bundled ``analyse/idf.txt`` (``word idf`` per line) the way
    jieba.analyse reads it, but without importing jieba.analyse, which imports jieba.posseg
    (0.24 s of HMM tables the rjieba engine never uses) and parses the file line by line
    (0.19 s). A user's ``jieba.analyse.set_idf_path`` is therefore not followed: keywords use
    jieba's own idf table.
    """
    table = _read_idf()
    _release_freed_memory()
    return table, table.median, IDF_STOP_WORDS


def _read_idf() -> IdfTable:
    source = _jieba_file("analyse", "idf.txt")
    arrays = cached_arrays("idf", 2, source, lambda: _parse_idf(source))
    return IdfTable(arrays["short"], arrays["values"], _long_words(arrays))


def _parse_idf(source: Path) -> dict[str, Any]:
    """jieba's idf.txt as the arrays :class:`IdfTable` is made of."""
    import numpy as np

    fields = source.read_text(encoding="utf-8").split()
    return _word_table(fields[0::2], list(map(float, fields[1::2])), np.float64)


def _release_freed_memory() -> None:
    """Ask glibc to return the heap pages the parse freed (a no-op where there is no glibc)."""
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).malloc_trim(0)


@functools.lru_cache(maxsize=1)
def _traditional() -> tuple[re.Pattern[str], Callable[[str], str]]:
    """A pattern matching characters only traditional text uses, and OpenCC's t2s converter.

    The characters are those of the URO that OpenCC's t2s changes, as normalise lists them
    (:func:`~docexport.normalise.script.t2s_changed`). Characters simplified text also uses
    (著) make a few false alarms, which only cost a conversion, never a wrong token, so a
    document must have several to be converted.
    """
    from docexport.normalise.script import T2S, t2s_changed

    traditional = "".join(char for char in t2s_changed() if "\u4e00" <= char <= "\u9fff")
    return cached_regex(f"[{re.escape(traditional)}]"), T2S.convert


class Enricher:
    """Segments articles and reads tokens, entities and keywords off the one tagging pass.

    Build one per worker: construction loads the engine's dictionary, the idf table and the
    OpenCC converter (cached per process, so a second Enricher with the same options is free);
    :meth:`enrich` then costs one tag call and a little bookkeeping.

    ``engine`` is ``"rjieba"`` (default, fast) or ``"jieba"`` (the reference). ``user_dict`` is
    a file of extra words in jieba's format; each distinct file gets its own engine instance,
    so Enrichers with different dictionaries do not share words. ``tokens=False`` leaves
    ``Enrichment.tokens`` as ``None``; ``keywords`` is how many TF-IDF keywords to keep.
    """

    def __init__(
        self,
        engine: str = "rjieba",
        *,
        user_dict: str | os.PathLike[str] | None = None,
        tokens: bool = True,
        keywords: int = 10,
    ) -> None:
        if engine not in ENGINES:
            raise OptionError(f"--engine must be one of {', '.join(ENGINES)}, not {engine!r}")
        if keywords < 0:
            raise OptionError(f"--keywords must be 0 or more, not {keywords}")
        words = read_user_dict(user_dict) if user_dict is not None else ()
        self.engine = engine
        self.tokens = tokens
        self.keywords = keywords
        self._tag = _tagger(engine, words)
        self._idf, self._median_idf, self._stop_words = _idf()
        if not _WEIGHTS:
            common = self._idf.most_common(PRELOADED_WEIGHTS)
            _WEIGHTS.update(zip(common, self._weights(common), strict=True))
        self._name_freq = _name_freq()
        self._traditional_re, self._to_simplified = _traditional()

    def enrich(self, article: Article) -> Enrichment:
        """Tokens of the body, persons/places/organisations and keywords of one article.

        Title, deck and paragraphs are tagged in one call; byline lines are not segmented, but
        the byline's authors are added to ``persons`` (after the names found in the text), as
        they are people the document names.
        """
        (enriched,) = self.enrich_many([article])
        if isinstance(enriched, Exception):
            raise enriched
        return enriched

    def enrich_many(self, articles: Sequence[Article]) -> list[Enrichment | Exception]:
        """:meth:`enrich` of each article, in order; an article that raised gets its exception.

        The keyword weights of the words no earlier article had are looked up for all the
        articles at once (:meth:`_keywords_many`): each lookup in the idf table is a handful of
        numpy calls whose fixed cost, ~15-30 µs once other work has taken the CPU's caches,
        was paid per article (measured in a run of the benchmark corpus: ~68 µs per enriched
        article in weight lookups). A failure there falls back to one article at a time.
        """
        partial: list[tuple[Enrichment, list[str]] | Exception] = []
        for article in articles:
            try:
                partial.append(self._without_keywords(article))
            except Exception as exc:  # a bug must cost one document, not the batch
                partial.append(exc)
        done = [item for item in partial if not isinstance(item, Exception)]
        keywords: list[tuple[str, ...] | Exception]
        try:
            keywords = list(self._keywords_many([words for _, words in done]))
        except Exception:
            keywords = []
            for _, words in done:
                try:
                    keywords.append(self._keywords_many([words])[0])
                except Exception as exc:
                    keywords.append(exc)
        found = iter(keywords)
        out: list[Enrichment | Exception] = []
        for item in partial:
            if isinstance(item, Exception):
                out.append(item)
                continue
            chosen = next(found)
            out.append(
                chosen if isinstance(chosen, Exception) else replace(item[0], keywords=chosen)
            )
        return out

    def _without_keywords(self, article: Article) -> tuple[Enrichment, list[str]]:
        """The article's enrichment with no keywords yet, and its words (to weigh for them)."""
        head = [part for part in (article.title, article.subtitle) if part]
        text = "\n".join([*head, *article.paragraphs])
        tagged = self._tag_original(text)
        words = [word for word, _ in tagged]
        # One scan finds what the entity readers need: places and organisations, and the
        # positions the name rules look at: name tags, and surname characters not used as a
        # function word (和/c, 向/p), which can open a name jieba split. A one-character place
        # can be such a surname too (巴/ns), so places and organisations are checked as well.
        places: list[str] = []
        organizations: list[str] = []
        candidates: list[int] = []
        for index, (word, tag) in enumerate(tagged):
            if tag in SCANNED_TAGS:
                if tag == "ns":
                    places.append(word)
                elif tag == "nt":
                    organizations.append(word)
                elif tag != TIME_TAG or (len(word) == 3 and word[0] in SURNAMES):
                    candidates.append(index)
                    continue
            if word in SURNAMES and tag not in NOT_SURNAME_TAGS:
                candidates.append(index)
        # A middle dot joins a foreign name's parts (few articles have one), which are then
        # no places of their own (诺罗敦/ns·西哈努克).
        dotted = _dotted_names(tagged) if any(dot in text for dot in MIDDLE_DOTS) else {}
        if dotted:
            spans = [range(start, end) for start, (_, end) in dotted.items()]
            parts = {tagged[at][0] for span in spans for at in span}
            places = [place for place in places if place not in parts]
        persons = _find_persons(tagged, self._name_freq, candidates, dotted)
        if article.byline is not None:
            persons.extend(a.name for a in article.byline.authors if a.name not in persons)
        enrichment = Enrichment(
            tokens=_body_tokens(words, sum(len(part) + 1 for part in head))
            if self.tokens
            else None,
            persons=tuple(persons),
            places=_unique(places),
            organizations=_unique(organizations),
            keywords=(),
        )
        return enrichment, words

    def _keywords_many(self, articles: Sequence[list[str]]) -> list[tuple[str, ...]]:
        """TF-IDF as jieba.analyse.extract_tags scores it, from the tokens already cut, for
        each article's words; the weights no article had cached are looked up together.

        Dividing every weight by the token total, as jieba does, would not change the order,
        so it is left out. One-character tokens (about 40 % of them: particles, punctuation)
        never count; they are counted with the rest (one C loop) and passed over among the
        distinct words, which are fewer. Looking a word's idf up costs more than counting it,
        and about 80 % of the distinct words of an article occur once, so the repeated words
        are weighed first: a word seen once weighs at most the largest idf, and when the k-th
        best repeated word already weighs more (about 60 % of People's Daily articles), no
        single occurrence can enter the top k and none is looked up.
        """
        if not self.keywords:
            return [() for _ in articles]
        counted = [Counter(words) for words in articles]
        repeated = [
            [word for word, count in counts.items() if count > 1 and len(word) > 1]
            for counts in counted
        ]
        # Weights the cache has no room for (once it is full) live as long as this call.
        extra: dict[str, float] = {}
        weights: list[dict[str, float]] = []
        singles: list[list[str]] = []
        for counts, words, values in zip(
            counted, repeated, self._weigh(repeated, extra), strict=True
        ):
            pairs = zip(words, values, strict=True)
            weight = {word: counts[word] * value for word, value in pairs if value}
            needs_singles = len(weight) < self.keywords or (
                sorted(weight.values(), reverse=True)[self.keywords - 1] <= self._idf.maximum
            )
            singles.append(
                [word for word, count in counts.items() if count == 1 and len(word) > 1]
                if needs_singles
                else []
            )
            weights.append(weight)
        chosen: list[tuple[str, ...]] = []
        for counts, weight, words, values in zip(
            counted, weights, singles, self._weigh(singles, extra), strict=True
        ):
            if words:
                weight.update(zip(words, values, strict=True))
                # First-appearance order, which breaks ties between equal weights.
                weight = {word: value for word in counts if (value := weight.get(word))}
            # A stable sort, highest first: the same words and order as heapq.nlargest.
            best = sorted(weight, key=weight.__getitem__, reverse=True)[: self.keywords]
            chosen.append(tuple(best))
        return chosen

    def _weigh(self, lists: Sequence[list[str]], extra: dict[str, float]) -> list[list[float]]:
        """The weight of each word of each of ``lists``: from the per-process cache, and the
        words it lacks looked up in one call and kept there (in ``extra`` once it is full)."""
        get = _WEIGHTS.get
        values: list[list[float | None]] = [list(map(get, words)) for words in lists]
        missing = {
            word
            for words, found in zip(lists, values, strict=True)
            if None in found
            for word, value in zip(words, found, strict=True)
            if value is None
        }
        if missing:
            # Sorted: the lookup bisects in order, and the cache fills the same way whatever
            # order the words came in.
            ordered = sorted(missing.difference(extra))
            looked_up = dict(zip(ordered, self._weights(ordered), strict=True))
            (_WEIGHTS if len(_WEIGHTS) < WEIGHT_CACHE_SIZE else extra).update(looked_up)
            now = {**extra, **looked_up}
            for words, found in zip(lists, values, strict=True):
                if None in found:
                    found[:] = [
                        now[word] if value is None else value
                        for word, value in zip(words, found, strict=True)
                    ]
        return values  # type: ignore[return-value]

    def _weights(self, words: Sequence[str]) -> list[float]:
        """Each word's idf, or 0 for what jieba never counts (one character, space, stop words).

        One table lookup for the whole list; the rare word TF-IDF skips is looked up too (a stop
        word, spaces: the callers pass no one-character words), and its value dropped.
        """
        values = self._idf.lookup(words, self._median_idf)
        return [
            value if self._counted(word) else 0.0 for word, value in zip(words, values, strict=True)
        ]

    def _counted(self, word: str) -> bool:
        """Whether TF-IDF counts ``word``: not one character, not space, not a stop word."""
        return not (
            len(word) < 2
            or (word.isascii() and (word.isspace() or word.lower() in self._stop_words))
        )

    def _tag_original(self, text: str) -> list[tuple[str, str]]:
        """Tag ``text``, through a simplified copy when it is traditional; original characters."""
        if len(self._traditional_re.findall(text)) < max(3, len(text) // 200):
            return self._tag(text)
        simplified = self._to_simplified(text)
        if len(simplified) == len(text):
            return _restore(self._tag(simplified), text)
        # The conversion changed the length somewhere: convert line by line and tag lines
        # whose length changed as they are (slower, still correct).
        tagged: list[tuple[str, str]] = []
        for number, line in enumerate(text.split("\n")):
            if number:
                tagged.append(("\n", "x"))
            converted = self._to_simplified(line)
            if len(converted) == len(line):
                tagged.extend(_restore(self._tag(converted), line))
            else:
                tagged.extend(self._tag(line))
        return tagged


def _body_tokens(words: list[str], body_start: int) -> tuple[str, ...]:
    """The tokens from character offset ``body_start`` on, without whitespace tokens."""
    offset = index = 0
    while offset < body_start and index < len(words):
        offset += len(words[index])
        index += 1
    return tuple(filterfalse(str.isspace, words[index:]))


def _restore(tagged: list[tuple[str, str]], original: str) -> list[tuple[str, str]]:
    """The same tokens with the characters of ``original`` (same length, converted copy)."""
    restored: list[tuple[str, str]] = []
    offset = 0
    for word, tag in tagged:
        end = offset + len(word)
        restored.append((original[offset:end], tag))
        offset = end
    return restored
