"""Persons (and, for information, places and organisations) F1 on People's Daily days 1-15.

Run as a script: ``python tests/benchmarks/persons_f1.py [--engine rjieba|jieba] [--limit N]``.
Gold entities come from the corpus tags (``nr`` merged when adjacent, ``ns``, ``nt``); scores are
micro-averaged over articles, each article's entities compared as sets. Two systems are scored:
the raw tags (every ``nr``/``ns``/``nt`` token of one ``rjieba.tag`` pass) and ``Enricher``.
It also times ``Enricher.enrich`` against the bare tag call on the same text.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import corpus

from docexport.data import Article, Failure
from docexport.enrich import Enricher
from docexport.parse import parse_article


def score(pairs: Iterable[tuple[Sequence[str], Sequence[str]]]) -> tuple[float, float, float]:
    """Micro precision, recall and F1 over (predicted, gold) pairs of per-article lists."""
    hits = predicted = wanted = 0
    for guess, gold in pairs:
        guess_set, gold_set = set(guess), set(gold)
        hits += len(guess_set & gold_set)
        predicted += len(guess_set)
        wanted += len(gold_set)
    precision = hits / predicted if predicted else 0.0
    recall = hits / wanted if wanted else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def as_article(text: str) -> Article:
    """The parsed article, or every line as body when the parser rejects it."""
    parsed = parse_article(text)
    if isinstance(parsed, Failure):
        lines = tuple(text.split("\n"))
        return Article("", None, None, None, lines, lines)
    return parsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", default="rjieba", choices=("rjieba", "jieba"))
    parser.add_argument("--limit", type=int, default=0, help="only the first N articles")
    args = parser.parse_args()
    articles = list(corpus.peoples_daily())
    if args.limit:
        articles = articles[: args.limit]
    if not articles:
        print("../shared/corpus is not present", file=sys.stderr)
        return 1
    enricher = Enricher(args.engine, tokens=True)
    tag = enricher._tag  # the bare engine call, for the baseline and the timing
    parsed = [as_article(article.text) for article in articles]
    raw: list[tuple[list[str], list[str], list[str]]] = []
    for article in parsed:
        tagged = tag("\n".join(article.lines))
        raw.append(
            (
                [w for w, t in tagged if t == "nr"],
                [w for w, t in tagged if t == "ns"],
                [w for w, t in tagged if t == "nt"],
            )
        )
    enriched = [enricher.enrich(article) for article in parsed]
    # Timing: the bare tag call on the same text Enricher segments (title, deck, paragraphs) and
    # enrich(), interleaved article by article and the best of three kept per article, so that
    # other load on the machine touches both alike.
    texts = ["\n".join(filter(None, (a.title, a.subtitle, *a.paragraphs))) for a in parsed]
    bare_each = [float("inf")] * len(parsed)
    full_each = [float("inf")] * len(parsed)
    clock = time.perf_counter
    for _ in range(3):
        for index, (text, article) in enumerate(zip(texts, parsed, strict=True)):
            start = clock()
            tag(text)
            middle = clock()
            enricher.enrich(article)
            end = clock()
            bare_each[index] = min(bare_each[index], middle - start)
            full_each[index] = min(full_each[index], end - middle)
    bare, full = sum(bare_each), sum(full_each)
    print(f"{len(articles)} People's Daily articles (days 1-15), engine {args.engine}")
    print(f"{'system':<10} {'field':<14} {'precision':>9} {'recall':>7} {'F1':>6}")
    for field, index in (("persons", 0), ("places", 1), ("organizations", 2)):
        gold = [getattr(article, field) for article in articles]
        rows = (
            ("raw tags", score(zip((r[index] for r in raw), gold, strict=False))),
            ("Enricher", score(zip((getattr(e, field) for e in enriched), gold, strict=False))),
        )
        for name, (p, r, f) in rows:
            print(f"{name:<10} {field:<14} {p:9.3f} {r:7.3f} {f:6.3f}")
    count = len(articles)
    print(
        f"time per article: bare tag {bare / count * 1e6:.0f} us,"
        f" enrich {full / count * 1e6:.0f} us,"
        f" beyond the tag call {(full - bare) / count * 1e6:.0f} us"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
