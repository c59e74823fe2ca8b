"""Where ``docexport convert --jobs 1`` spends its time, per function (issue #6).

Run from the project root:  ``python tests/benchmarks/profile_convert.py [--quick] [--no-enrich]``

It builds the same corpus as ``throughput.py`` (clean, damaged and ETtoday articles), warms the
per-process state (segmenter, dictionaries, validator) with a one-document run so start-up is
not in the profile, then runs :func:`docexport.convert` in-process under cProfile with parquet +
jsonl + csv output and prints the functions with the most own time and the most cumulative
time, each as microseconds per document.

``--stages`` instead runs the same conversion without cProfile (whose per-call overhead inflates
Python-heavy code) and wraps each stage the pipeline calls (read, decode, normalise, parse,
enrich and the tag call inside it, record, validate, dedup, and the writer's record/finish
calls) in a timer, from outside: ``pipeline.py`` itself is not changed. It prints microseconds
per document for each stage and what is left (the loop itself). Run it twice and compare: on a
shared 2-core machine other processes move the numbers by 10-30 %.
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import pstats
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import corpus  # noqa: E402
from throughput import build_corpus, build_startup_corpus  # noqa: E402

import docexport  # noqa: E402

TIMES: dict[str, float] = {}


def _timed(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return func(*args, **kwargs)
        finally:
            TIMES[name] = TIMES.get(name, 0.0) + time.perf_counter() - started

    return wrapper


def _timed_iter(name: str, func: Callable[..., Iterator[Any]]) -> Callable[..., Iterator[Any]]:
    """Time the work of producing each item of an iterator (not the consumer's work)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Iterator[Any]:
        iterator = func(*args, **kwargs)
        while True:
            started = time.perf_counter()
            try:
                item = next(iterator)
            except StopIteration:
                TIMES[name] = TIMES.get(name, 0.0) + time.perf_counter() - started
                return
            TIMES[name] = TIMES.get(name, 0.0) + time.perf_counter() - started
            yield item

    return wrapper


def instrument() -> None:
    """Wrap the stage calls the pipeline makes in timers (module attributes, from outside)."""
    from docexport import pipeline
    from docexport.dedup import Deduper
    from docexport.enrich import Enricher
    from docexport.validate import RecordValidator
    from docexport.write import DatasetWriter

    for name in ("decode", "normalise", "parse_article", "build_record"):
        setattr(pipeline, name, _timed(name, getattr(pipeline, name)))
    pipeline.iter_sources = _timed_iter("read", pipeline.iter_sources)
    Enricher.enrich = _timed("enrich (incl. tag)", Enricher.enrich)  # type: ignore[method-assign]
    Enricher._tag_original = _timed("  of which tag", Enricher._tag_original)  # type: ignore[method-assign]
    RecordValidator.validate = _timed("validate", RecordValidator.validate)  # type: ignore[method-assign]
    Deduper.check = _timed("dedup", Deduper.check)  # type: ignore[method-assign]
    DatasetWriter.add_record = _timed("write add_record", DatasetWriter.add_record)  # type: ignore[method-assign]
    DatasetWriter.finish = _timed("write finish", DatasetWriter.finish)  # type: ignore[method-assign]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="300 PD articles, 100 ETtoday")
    parser.add_argument("--no-enrich", action="store_true", help="profile the --no-enrich run")
    parser.add_argument("--top", type=int, default=30, help="functions to list")
    parser.add_argument("--dump", type=Path, help="also save the raw profile here")
    parser.add_argument("--stages", action="store_true", help="time stages, no cProfile")
    args = parser.parse_args()
    if corpus.shared_dir() is None:
        raise SystemExit("../shared/corpus is not present: nothing to profile")
    formats = ("parquet", "jsonl", "csv")
    with tempfile.TemporaryDirectory(prefix="docexport-profile-") as tmp:
        root = Path(tmp)
        files = build_corpus(root / "in", quick=args.quick)
        docs = len(files)
        # Warm-up on throughput.py's start-up corpus (one file of each kind and the seed): it
        # loads what the full run loads (segmenter, OpenCC, validator, writers, and the
        # normalise lexicon and pinyin table the seed's damage needs), as its start-up does.
        docexport.convert(
            build_startup_corpus(root / "tiny", files),
            root / "warm",
            formats=formats,
            jobs=1,
            enrich=not args.no_enrich,
        )
        if args.stages:
            instrument()
            TIMES.clear()
        profiler = cProfile.Profile()
        started = time.perf_counter()
        if not args.stages:
            profiler.enable()
        docexport.convert(
            root / "in", root / "out", formats=formats, jobs=1, enrich=not args.no_enrich
        )
        profiler.disable()
        seconds = time.perf_counter() - started
    if args.stages:
        print(f"{docs} documents in {seconds:.2f} s: {seconds / docs * 1e6:.0f} µs/doc")
        for name, spent in TIMES.items():
            print(f"  {name:22} {spent / docs * 1e6:8.1f} µs/doc")
        outside = seconds - sum(v for k, v in TIMES.items() if not k.startswith(" "))
        print(f"  {'rest (loop, report)':22} {outside / docs * 1e6:8.1f} µs/doc")
        return
    print(f"{docs} documents in {seconds:.2f} s under cProfile: {seconds / docs * 1e6:.0f} µs/doc")
    stats = pstats.Stats(profiler)
    if args.dump:
        stats.dump_stats(args.dump)
    rows = []
    for (filename, line, name), (_, calls, own, cumulative, _) in stats.stats.items():  # type: ignore[attr-defined]
        where = f"{Path(filename).name}:{line}({name})"
        rows.append((where, calls, own, cumulative))
    for title, key in (("own time", 2), ("cumulative time", 3)):
        print(f"\ntop {args.top} by {title} (µs per document):")
        print(f"{'function':70} {'calls':>9} {'own':>8} {'cum':>8}")
        for where, calls, own, cumulative in sorted(rows, key=lambda r: r[key], reverse=True)[
            : args.top
        ]:
            print(
                f"{where[:70]:70} {calls:9d} {own / docs * 1e6:8.1f} {cumulative / docs * 1e6:8.1f}"
            )


if __name__ == "__main__":
    main()
