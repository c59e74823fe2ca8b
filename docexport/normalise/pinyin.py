"""The pinyin syllable inventory, and character readings for recovering lost characters.

Damaged news sites glue a pinyin reading after characters (``精準(zhǔn)``). To strip those
annotations without touching real parentheticals we must know what a pinyin syllable is: a
bracketed run of Latin letters is removed only when it is one syllable of the inventory below.
The inventory is the standard Mandarin one (plus the few interjection syllables dictionaries
carry); tone marks are folded away before the lookup, ``ü`` is kept (``lü`` and ``lu`` differ).

Readings of characters (``bào`` -> 报, 豹, 抱…) come from pypinyin's character table, loaded only
when a document actually carries a lost character (``日?(bào)``), then cached for the process.
"""

from __future__ import annotations

import importlib.util
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from docexport.cache import cached_arrays

__all__ = ["SYLLABLES", "chars_with_reading", "fold_tones", "is_syllable", "syllable_pattern"]

# Every toneless Mandarin syllable, one initial group per line. Single vowels (a, e, o) are left
# out on purpose: toneless "(a)" is far more often a list marker than a reading; they still count
# when tone-marked (see is_syllable).
SYLLABLE_TABLE = """
    ai an ang ao ei en eng er ou
    ba bai ban bang bao bei ben beng bi bian biao bie bin bing bo bu
    pa pai pan pang pao pei pen peng pi pian piao pie pin ping po pou pu
    ma mai man mang mao me mei men meng mi mian miao mie min ming miu mo mou mu
    fa fan fang fei fen feng fo fou fu
    da dai dan dang dao de dei den deng di dia dian diao die ding diu dong dou du duan dui dun duo
    ta tai tan tang tao te teng ti tian tiao tie ting tong tou tu tuan tui tun tuo
    na nai nan nang nao ne nei nen neng ni nian niang niao nie nin ning niu nong nou nu nuan nuo
    nü nüe
    la lai lan lang lao le lei leng li lia lian liang liao lie lin ling liu lo long lou lu luan
    lun luo lü lüe
    ga gai gan gang gao ge gei gen geng gong gou gu gua guai guan guang gui gun guo
    ka kai kan kang kao ke kei ken keng kong kou ku kua kuai kuan kuang kui kun kuo
    ha hai han hang hao he hei hen heng hong hou hu hua huai huan huang hui hun huo
    ji jia jian jiang jiao jie jin jing jiong jiu ju juan jue jun
    qi qia qian qiang qiao qie qin qing qiong qiu qu quan que qun
    xi xia xian xiang xiao xie xin xing xiong xiu xu xuan xue xun
    zha zhai zhan zhang zhao zhe zhei zhen zheng zhi zhong zhou zhu zhua zhuai zhuan zhuang zhui
    zhun zhuo
    cha chai chan chang chao che chen cheng chi chong chou chu chua chuai chuan chuang chui chun
    chuo
    sha shai shan shang shao she shei shen sheng shi shou shu shua shuai shuan shuang shui shun
    shuo
    ran rang rao re ren reng ri rong rou ru rua ruan rui run ruo
    za zai zan zang zao ze zei zen zeng zi zong zou zu zuan zui zun zuo
    ca cai can cang cao ce cen ceng ci cong cou cu cuan cui cun cuo
    sa sai san sang sao se sen seng si song sou su suan sui sun suo
    ya yan yang yao ye yi yin ying yo yong you yu yuan yue yun
    wa wai wan wang wei wen weng wo wu
"""
SYLLABLES: frozenset[str] = frozenset(SYLLABLE_TABLE.split())

# Tone-marked vowels folded to their base letter (ü keeps its dots: it is a different vowel).
TONE_FOLD = str.maketrans(
    "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ",
    "aaaaeeeeiiiioooouuuuüüüünnnm",
)
# The tone-marked letters, for telling a toned single vowel ("(à)") from a list marker ("(a)").
TONED_LETTERS = frozenset("āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ")
# Toned single-vowel syllables (啊 à, 哦 ó, 呃 è) and the nasal interjections (嗯 ńg, 呣 ḿ).
TONED_ONLY = frozenset({"a", "e", "o", "ê", "n", "ng", "m", "hm", "hng"})


def fold_tones(syllable: str) -> str:
    """The toneless form of a syllable, ``v`` read as ``ü`` (a common ASCII spelling).

    >>> fold_tones("zhǔn"), fold_tones("lǜ"), fold_tones("lv")
    ('zhun', 'lü', 'lü')
    """
    return syllable.translate(TONE_FOLD).replace("v", "ü")


@lru_cache(maxsize=4096)
def is_syllable(word: str) -> bool:
    """Whether ``word`` (lower case, tone marks allowed) is one Mandarin syllable.

    Toneless single vowels are refused so ``(a)`` list markers survive.

    >>> [is_syllable(word) for word in ("zhǔn", "de", "WHO", "a", "à")]
    [True, True, False, False, True]
    """
    base = fold_tones(word)
    if base in SYLLABLES:
        return True
    return base in TONED_ONLY and any(char in TONED_LETTERS for char in word)


# Each letter of a toneless syllable and the letters that fold to it (TONE_FOLD, and v for ü).
LETTER_FORMS = {
    "a": "aāáǎà",
    "e": "eēéěè",
    "i": "iīíǐì",
    "o": "oōóǒò",
    "u": "uūúǔù",
    "ü": "üǖǘǚǜv",
    "n": "nńňǹ",
    "m": "mḿ",
}
# The toned-only syllables (TONED_ONLY) as letter classes; each needs a tone mark, and ê is left
# out because the letters annotations are matched with (passes.PINYIN_LETTERS) do not include it.
TONED_ONLY_FORMS = (
    ("āáǎà",),
    ("ēéěè",),
    ("ōóǒò",),
    ("ńňǹ",),
    ("ńňǹ", "g"),
    ("ḿ",),
    ("h", "ḿ"),
    ("h", "ńňǹ", "g"),
)


def syllable_pattern() -> str:
    """A regex (no groups) matching exactly the words :func:`is_syllable` accepts.

    It lets ``strip_pinyin`` check syllables inside one C-level ``re.sub`` instead of calling
    back into Python for every annotation. The syllables are laid out as a trie (``zh(?:a(?:…``),
    so a match costs a few steps rather than a try of 400 alternatives.

    >>> import re
    >>> [bool(re.fullmatch(syllable_pattern(), w)) for w in ("zhǔn", "lv", "a", "à", "who")]
    [True, True, False, True, False]
    """
    trie: dict[str, Any] = {}
    forms = [tuple(LETTER_FORMS.get(letter, letter) for letter in word) for word in SYLLABLES]
    for word in sorted([*forms, *TONED_ONLY_FORMS]):
        node = trie
        for letters in word:
            node = node.setdefault(letters, {})
        node[""] = {}
    return _trie_pattern(dict(sorted(trie.items(), key=_initial_rank)))


# First letters of syllables, most frequent first in the readings of damaged news (the damaged
# half of the benchmark corpus). The regex engine tries a node's branches in turn, so the first
# branch level in this order takes ~7 % off stripping an annotated article.
INITIAL_ORDER = "jzygdslhxcwtbqfmnkrpeao"


def _initial_rank(item: tuple[str, Any]) -> int:
    """A first-level trie branch's place: by INITIAL_ORDER, the toned-only branches last.

    Branches that start with different letters can be tried in any order and match the same.
    Only the toned-only branches (``āáǎà``…) share letters with others (``aāáǎà``), and the
    stable sort leaves them after those, in the order they had.
    """
    first = item[0][:1]
    return INITIAL_ORDER.find(first) if first and first in INITIAL_ORDER else len(INITIAL_ORDER)


def _trie_pattern(node: dict[str, Any]) -> str:
    """The regex of a trie node: one branch per next letter class, "" where a word may end."""
    branches = [
        (f"[{letters}]" if len(letters) > 1 else letters) + _trie_pattern(child)
        for letters, child in node.items()
        if letters
    ]
    if "" in node:
        branches.append("")
    if branches == [""]:
        return ""
    return f"(?:{'|'.join(branches)})"


def _pinyin_json() -> Path | None:
    """pypinyin's character table as JSON, or None when this install of it has none."""
    spec = importlib.util.find_spec("pypinyin")
    table = Path(spec.origin).parent / "pinyin_dict.json" if spec and spec.origin else None
    return table if table is not None and table.is_file() else None


def _pinyin_table() -> dict[str, str] | dict[int, str]:
    """pypinyin's code point -> "reading,reading" table, read without importing pypinyin.

    ``import pypinyin`` also loads its phrase dictionary (0.15 s and ~35 MB per process),
    which only its own segmentation uses; the character table it ships as JSON is all this
    module needs. An install without the JSON file falls back to the module.
    """
    table = _pinyin_json()
    if table is not None:
        loaded: dict[str, str] = json.loads(table.read_text(encoding="utf-8"))
        return loaded
    from pypinyin.pinyin_dict import pinyin_dict

    return pinyin_dict


@lru_cache(maxsize=1)
def _reading_index() -> dict[str, str]:
    """Reading (toned, and toneless) -> characters with that reading, from pypinyin's table
    (from the cache, :mod:`docexport.cache`, after the first run)."""
    arrays = cached_arrays("readings", 1, _pinyin_json(), _index_arrays)
    chars = arrays["chars"].tobytes().decode("utf-32-le")
    ends = arrays["ends"].tolist()
    # One string per reading, not a tuple of one-character strings: ~1 MB instead of ~10 MB
    # (a CJK character alone is a 76-byte object), in every process.
    return {
        reading: chars[start:end]
        for reading, start, end in zip(arrays["readings"].tolist(), [0, *ends], ends, strict=False)
    }


def _index_arrays() -> dict[str, np.ndarray]:
    """The reading index as arrays: the readings, all their characters in one run (as code
    points), and where each reading's characters end in it."""
    index: dict[str, list[str]] = {}
    for code, readings in _pinyin_table().items():
        char = chr(int(code))
        for reading in readings.split(","):
            index.setdefault(reading, []).append(char)
            toneless = fold_tones(reading)
            if toneless != reading:
                index.setdefault(toneless, []).append(char)
    runs = ["".join(dict.fromkeys(chars)) for chars in index.values()]
    joined = "".join(runs)
    return {
        "readings": np.array(list(index), dtype=str),
        "chars": np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32),
        "ends": np.cumsum([len(run) for run in runs], dtype=np.int64),
    }


def chars_with_reading(reading: str) -> str:
    """Every character that can be read ``reading`` (toned or toneless), in table order, as
    one string.

    >>> "报" in chars_with_reading("bào"), "报" in chars_with_reading("bao")
    (True, True)
    >>> chars_with_reading("xyz")
    ''
    """
    return _reading_index().get(reading.replace("v", "ü"), "")
