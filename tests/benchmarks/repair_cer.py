"""Character error rate of ``normalise()`` on People's Daily articles damaged like the seed.

Run as ``python tests/benchmarks/repair_cer.py [--limit N]``. Uses People's Daily January 1998
days 1-15 only (the development set) from ``../shared/corpus``.

1. Into every third clean article, insert text that must come through untouched: numbers,
   times, a URL, an English quotation, a real parenthetical (``1,200亿元``, ``10:30``,
   ``http://a.b/c?id=1,2``, ``他说：“We will, again.”``, ``世界卫生组织（WHO）``).
2. Damage a copy the way the seed was damaged: OpenCC s2t; the pinyin reading glued after half of
   the characters the conversion changed (``精準(zhǔn)``); Chinese ``，：；？！`` made ASCII, and
   ``（…）`` around Chinese text made ASCII (a non-Chinese ``（WHO）`` is left alone: once ASCII it
   cannot be told from a real ``(WHO)``, which must stay ASCII); a spurious ASCII comma before a
   third of the ``，、。；`` (``会议,,传达``, ``党中央,、国务院``).
3. Print the CER of ``normalise(damaged)`` against the clean article, and how many clean
   articles ``normalise`` changed (the target: CER <= 0.01 %, none changed).
"""

from __future__ import annotations

import argparse
import difflib
import random
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import corpus
import opencc
from pypinyin import pinyin

from docexport.normalise import normalise

# Clean text that a repair must not touch, inserted into every INSERT_EVERY-th article.
INSERTS = (
    "全年投资1,200亿元，比上年增长3.5%。",
    "会议于10:30开始，网址是http://a.b/c?id=1,2。",
    "他说：“We will, again.”",
    "世界卫生组织（WHO）发布了2021年的报告，e.g., 第(a)项。",
)
INSERT_EVERY = 3
PINYIN_SHARE = 0.5  # of the characters s2t changed, how many get a reading glued after them
SPURIOUS_SHARE = 1 / 3  # of the ，、。； marks, how many get a spurious ASCII comma before them
NARROW = str.maketrans("，：；？！", ",:;?!")
WIDE_PARENS_RE = re.compile(r"（([^（）\n]*[\u4e00-\u9fff][^（）\n]*)）")
SPURIOUS_BEFORE_RE = re.compile("(?=[，、。；])")
S2T = opencc.OpenCC("s2t")


def with_inserts(text: str, index: int) -> str:
    """The clean article, with one insert in every INSERT_EVERY-th one."""
    if index % INSERT_EVERY:
        return text
    lines = text.split("\n")
    at = min(1, len(lines) - 1)
    lines[at] = lines[at] + INSERTS[(index // INSERT_EVERY) % len(INSERTS)]
    return "\n".join(lines)


def damage(text: str, rng: random.Random) -> str:
    """Damage clean simplified text the way the seed is damaged."""
    converted = S2T.convert(text)
    out = []
    for old, new in zip(text, converted, strict=False):
        out.append(new)
        if new != old and rng.random() < PINYIN_SHARE:
            out.append(f"({pinyin(new)[0][0]})")
    text = "".join(out) + converted[len(text) :]
    text = SPURIOUS_BEFORE_RE.sub(lambda _: "," if rng.random() < SPURIOUS_SHARE else "", text)
    text = WIDE_PARENS_RE.sub(r"(\1)", text)
    return text.translate(NARROW)


def edits(a: str, b: str) -> int:
    """Character edits turning ``a`` into ``b`` (difflib's alignment; an upper bound)."""
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return sum(
        max(i2 - i1, j2 - j1) for op, i1, i2, j1, j2 in matcher.get_opcodes() if op != "equal"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=0, help="articles to use (0: all)")
    parser.add_argument("--show", type=int, default=5, help="worst articles to show")
    args = parser.parse_args()
    articles = list(corpus.peoples_daily())
    if not articles:
        sys.exit("../shared/corpus is not present")
    if args.limit:
        articles = articles[: args.limit]
    rng = random.Random(20211105)
    clean = [with_inserts(article.text, i) for i, article in enumerate(articles)]
    damaged = [damage(text, rng) for text in clean]

    started = time.perf_counter()
    normalise("日?(bào)")  # loads jieba's dictionary once per process, as a lost character does
    load_seconds = time.perf_counter() - started
    started = time.perf_counter()
    repaired = [normalise(text).text for text in damaged]
    damaged_seconds = time.perf_counter() - started
    started = time.perf_counter()
    unchanged = [normalise(text).text for text in clean]
    clean_seconds = time.perf_counter() - started

    errors = [edits(r, c) for r, c in zip(repaired, clean, strict=True)]
    total = sum(len(text) for text in clean)
    changed = [i for i, (u, c) in enumerate(zip(unchanged, clean, strict=True)) if u != c]
    size = sum(len(text.encode()) for text in clean) / len(clean)
    print(f"articles: {len(clean)} ({size:.0f} bytes each on average), characters: {total}")
    print(f"CER after normalise: {sum(errors) / total:.5%} ({sum(errors)} edits)")
    print(f"clean articles changed by normalise: {len(changed)}")
    print(f"normalise on clean articles: {clean_seconds / len(clean) * 1e6:.1f} µs/article")
    print(f"normalise on damaged articles: {damaged_seconds / len(clean) * 1e6:.1f} µs/article")
    print(f"one-time dictionary load (first lost character): {load_seconds:.2f} s")
    worst = sorted(range(len(clean)), key=errors.__getitem__, reverse=True)[: args.show]
    for i in worst:
        if not errors[i]:
            break
        matcher = difflib.SequenceMatcher(None, clean[i], repaired[i], autojunk=False)
        for op, i1, i2, j1, j2 in matcher.get_opcodes():
            if op != "equal":
                before, after = clean[i][i1 - 6 : i2 + 6], repaired[i][j1 - 6 : j2 + 6]
                print(f"  {articles[i].id}: {before!r} -> {after!r}")
    for i in changed[: args.show]:
        print(f"  clean changed: {articles[i].id}")


if __name__ == "__main__":
    main()
