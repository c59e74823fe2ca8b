"""docexport from Python: repair one string, parse the seed, convert a folder, read it back.

Run from the project root:  python examples/quickstart.py [OUT_DIR]
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import pyarrow.parquet as pq

import docexport

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    # 1. Repair text: inline pinyin, traditional script, ASCII punctuation between Han characters.
    repaired = docexport.normalise("瀘州日報(bào)記者,精準(zhǔn)防控")
    print(repaired.text)  # 泸州日报记者，精准防控
    print({k: v for k, v in repaired.repairs.items() if v})

    # 2. One document to one record (a dict shaped by schemas/news_record.schema.json).
    record = docexport.parse_file(ROOT / "seeds" / "000_6cb851ef0d431e0c.txt")
    print(record["title"])
    print(record["dateline"]["raw"], record["byline"]["outlet"], record["entities"]["persons"])

    # 3. A folder to a dataset: Parquet + JSONL shards, manifest, dataset card, rejects.
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp()) / "dataset"
    report = docexport.convert([ROOT / "seeds"], out, formats=["parquet", "jsonl"], jobs=1)
    print(report.summary())

    # 4. Read it back with any Parquet reader.
    table = pq.read_table(sorted((out / "data").glob("*.parquet")))
    print(table.num_rows, "rows;", table.column("title").to_pylist())


if __name__ == "__main__":
    main()
