"""Parquet shards: the explicit Arrow schema, zstd, row groups of bounded size.

Rows are converted to Arrow in small batches (``BATCH_ROWS`` dicts at a time) and a row group is
written once ``ROW_GROUP_ROWS`` rows or ``ROW_GROUP_BYTES`` of Arrow data are buffered, so memory
stays bounded however large a shard is. The schema is always the one derived from the record
schema, never inferred from the rows (a first row with ``subtitle = None`` would otherwise make
the column a null column).

The row group bound is what the writing process's memory rises and falls by: a People's Daily
record is ~7.6 KB of Arrow data (its tokens), so 16 MiB is ~2 200 records per group, and a run's
peak memory stops growing once its first row group is written (with 64 MiB the writer rose and
fell by ~90 MB per group, and a 10x corpus peaked ~80 MB above a 1x one). Readers are not hurt:
16 MiB uncompressed is a few MB of zstd pages per group.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from docexport.write.shard import ShardFile

__all__ = ["BATCH_ROWS", "ROW_GROUP_BYTES", "ROW_GROUP_ROWS", "ParquetShard"]

BATCH_ROWS = 256  # dicts held before conversion to a compact Arrow batch (~10 MB of PD records)
ROW_GROUP_ROWS = 10_000  # rows per row group at most
ROW_GROUP_BYTES = 16 * 2**20  # Arrow bytes per row group at most


class ParquetShard(ShardFile):
    """One ``part-NNNNN.parquet`` file being written."""

    format = "parquet"

    def __init__(self, data_dir: Path, index: int, arrow_schema: pa.Schema) -> None:
        super().__init__(data_dir, index, "parquet")
        self._schema = arrow_schema
        self._rows: list[dict[str, Any]] = []
        self._batches: list[pa.RecordBatch] = []
        self._batch_rows = 0
        self._batch_bytes = 0
        self._writer: pq.ParquetWriter | None = pq.ParquetWriter(
            str(self.temp_path), arrow_schema, compression="zstd"
        )

    def add(self, record: dict[str, Any], line: bytes) -> None:
        self._rows.append(record)
        if len(self._rows) >= BATCH_ROWS:
            self._convert()
            if self._batch_rows >= ROW_GROUP_ROWS or self._batch_bytes >= ROW_GROUP_BYTES:
                self._write_group()

    def _convert(self) -> None:
        if self._rows:
            batch = pa.RecordBatch.from_pylist(self._rows, schema=self._schema)
            self._rows = []
            self._batches.append(batch)
            self._batch_rows += batch.num_rows
            self._batch_bytes += batch.nbytes

    def _write_group(self) -> None:
        if self._batches and self._writer is not None:
            table = pa.Table.from_batches(self._batches, schema=self._schema)
            self._batches = []
            self._writer.write_table(table, row_group_size=max(table.num_rows, 1))
            self._batch_rows = 0
            self._batch_bytes = 0

    def close(self) -> None:
        self._convert()
        self._write_group()
        if self._writer is not None:
            writer, self._writer = self._writer, None
            writer.close()
        fd = os.open(self.temp_path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def _release(self) -> None:
        self._rows = []
        self._batches = []
        if self._writer is not None:
            writer, self._writer = self._writer, None
            # Already failing: whatever close() raises, the temporary file is deleted next.
            with contextlib.suppress(Exception):
                writer.close()
