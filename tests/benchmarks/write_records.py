"""What the dataset writer costs per record, format by format (issue #6).

Run from the project root:  ``python tests/benchmarks/write_records.py [--limit N] [--repeat R]``

It turns People's Daily articles (days 1-15) into records once, with the real per-document
function, then times only the writer on them, in this process, for each format alone and for
all three together:

- ``add_record``: what a ``--jobs 1`` run pays per record: serialising (JSONL line, CSV row),
  Parquet's batched Arrow conversion, writing;
- ``encode``: :class:`~docexport.write.encode.RecordEncoder` alone, the part a ``--jobs N``
  worker does in parallel;
- ``add_encoded``: what the parent of a ``--jobs N`` run pays per record;
- ``finish``: the last shard's close (Parquet encodes its row group there), digests, card and
  manifest, spread over the records.

Each number is the best of ``--repeat`` runs (default 3), in µs per record; the machine is
shared, so compare numbers from one invocation.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import corpus  # noqa: E402

from docexport.data import Reject, Source  # noqa: E402
from docexport.pipeline import DocumentProcessor  # noqa: E402
from docexport.schema import arrow_schema, csv_columns, load_schema  # noqa: E402
from docexport.write import DatasetWriter  # noqa: E402

FORMATS = (("parquet",), ("jsonl",), ("csv",), ("parquet", "jsonl", "csv"))


def make_records(limit: int) -> list[dict[str, Any]]:
    processor = DocumentProcessor()
    records = []
    for article in list(corpus.peoples_daily())[:limit]:
        result = processor(Source(uri=f"{article.id}.txt", data=article.text.encode("utf-8")))
        if not isinstance(result, Reject):
            records.append(result)
    return records


def open_writer(out: Path, formats: tuple[str, ...]) -> DatasetWriter:
    return DatasetWriter(
        out,
        schema=load_schema(),
        arrow_schema=arrow_schema(),
        csv_columns=csv_columns(),
        formats=formats,
    )


def time_writer(
    records: list[dict[str, Any]], formats: tuple[str, ...], *, encoded: bool, repeat: int
) -> dict[str, float]:
    """Best-of-``repeat`` seconds for encoding, adding and finishing, per record in µs."""
    best: dict[str, float] = {}
    for _ in range(repeat):
        root = Path(tempfile.mkdtemp(prefix="docexport-write-"))
        try:
            writer = open_writer(root / "out", formats)
            started = time.perf_counter()
            items: list[Any] = [writer.encoder(r) for r in records] if encoded else records
            encoding = time.perf_counter() - started
            add = writer.add_encoded if encoded else writer.add_record
            started = time.perf_counter()
            for position, item in enumerate(items):
                add(item, position)
            adding = time.perf_counter() - started
            started = time.perf_counter()
            writer.finish({})
            finishing = time.perf_counter() - started
        finally:
            shutil.rmtree(root, ignore_errors=True)
        run = {"encode": encoding, "add": adding, "finish": finishing}
        if not best or sum(run.values()) < sum(best.values()):
            best = run
    return {key: seconds / len(records) * 1e6 for key, seconds in best.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=int, default=1500, help="PD articles to use")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (best kept)")
    args = parser.parse_args()
    if corpus.shared_dir() is None:
        raise SystemExit("../shared/corpus is not present: nothing to measure")
    records = make_records(args.limit)
    print(
        f"{len(records)} records (People's Daily, days 1-15); µs per record, best of {args.repeat}"
    )
    print(f"{'formats':20} {'add_record':>10} {'finish':>8} {'encode':>8} {'add_encoded':>11}")
    for formats in FORMATS:
        direct = time_writer(records, formats, encoded=False, repeat=args.repeat)
        parent = time_writer(records, formats, encoded=True, repeat=args.repeat)
        print(
            f"{','.join(formats):20} {direct['add']:10.1f} {direct['finish']:8.1f} "
            f"{parent['encode']:8.1f} {parent['add']:11.1f}"
        )


if __name__ == "__main__":
    main()
