"""A record serialised once, for every format a dataset writer writes.

The writer needs each record as a JSONL line (the JSONL shard, and the byte count that cuts
shards), as a CSV row and, for Parquet, as the dict itself or as a row of an Arrow batch (Arrow
converts rows in batches: :meth:`RecordEncoder.to_arrow` converts a worker's batch at once). A
:class:`RecordEncoder` computes all of that for one record; :meth:`DatasetWriter.add_encoded
<docexport.write.writer.DatasetWriter.add_encoded>` writes the result. The split exists so that
the serialising can run where the record was made: a worker process encodes its records and
sends bytes, and the process that owns the writer only copies them into the files instead of
serialising every record again (with ``--jobs 2`` that process does all writing alone, so its
per-record cost caps the speed-up). The bytes are the ones :meth:`DatasetWriter.add_record
<docexport.write.writer.DatasetWriter.add_record>` writes, which encodes with the same encoder.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
import pyarrow as pa

from docexport.write.csvfile import csv_row
from docexport.write.parquet import ArrowRow, rows_to_batch

__all__ = ["EncodedRecord", "RecordEncoder"]


@dataclass(frozen=True)
class EncodedRecord:
    """One record as the writer's formats need it.

    ``line`` is the JSONL line (newline included); ``csv`` the CSV row (CRLF included) when CSV
    is written; for Parquet, either ``record``, the record dict itself, or ``arrow``, its row in
    an Arrow batch (both ``None`` when Parquet is not written, so a worker need not send them);
    ``repairs`` the record's repair counts, for the run totals.
    """

    line: bytes
    csv: bytes | None = None
    record: dict[str, Any] | None = None
    repairs: Mapping[str, Any] = field(default_factory=dict)
    arrow: ArrowRow | None = None


class RecordEncoder:
    """Serialises records for the given formats and CSV columns; cheap to build and to pickle
    (it holds only the settings), so a worker process can get one from the writer's owner.
    ``arrow_schema`` is the Parquet schema, for :meth:`to_arrow`."""

    def __init__(
        self,
        formats: Sequence[str],
        csv_columns: Sequence[str],
        arrow_schema: pa.Schema | None = None,
    ) -> None:
        self.formats = tuple(formats)
        self.csv_columns = tuple(csv_columns)
        self.arrow_schema = arrow_schema
        self._csv = "csv" in self.formats
        self._parquet = "parquet" in self.formats

    def __repr__(self) -> str:
        return f"RecordEncoder(formats={self.formats!r}, csv_columns={self.csv_columns!r})"

    def __call__(self, record: dict[str, Any]) -> EncodedRecord:
        """Encode one record; raises ``TypeError`` (orjson's) for a value JSON cannot hold.

        >>> encoded = RecordEncoder(["jsonl", "csv"], ["id", "n"])({"id": "a", "n": 1})
        >>> encoded.line, encoded.csv, encoded.record
        (b'{"id":"a","n":1}\\n', b'a,1\\r\\n', None)
        """
        line = orjson.dumps(record, option=orjson.OPT_APPEND_NEWLINE)
        row = None
        if self._csv:
            get = record.get
            row = csv_row([get(column) for column in self.csv_columns])
        repairs = record.get("repairs")
        return EncodedRecord(
            line=line,
            csv=row,
            record=record if self._parquet else None,
            repairs=repairs if isinstance(repairs, dict) else {},
        )

    def warm_up(self) -> None:
        """Convert one tiny record to Arrow, so a process forked afterwards shares what the
        first conversion loads instead of loading it again."""
        if self.arrow_schema is not None:
            rows_to_batch([{"n": 1}], [b'{"n":1}\n'], pa.schema([("n", pa.int64())]))

    def to_arrow(self, encoded: Sequence[EncodedRecord]) -> list[EncodedRecord]:
        """The same records with their dicts replaced by rows of one Arrow batch.

        A worker calls this once per batch of documents: converting records to Arrow costs the
        writer's process ~60-100 µs per record (most of what it does per record), and a batch
        of rows pickles smaller and faster than the dicts (a record's tokens are hundreds of
        strings); :func:`~docexport.write.parquet.rows_to_batch` converts them. Records that
        cannot be converted (a value outside the schema) keep their dicts, so the writer
        reports them exactly as it would have; so does every record when Parquet is not
        written or no schema was given.
        """
        if self.arrow_schema is None:
            return list(encoded)
        positions = [i for i, item in enumerate(encoded) if item.record is not None]
        if not positions:
            return list(encoded)
        try:
            batch = rows_to_batch(
                [encoded[i].record for i in positions],  # type: ignore[misc]
                [encoded[i].line for i in positions],
                self.arrow_schema,
            )
        except (pa.ArrowException, TypeError, ValueError):
            return list(encoded)
        out = list(encoded)
        for row, i in enumerate(positions):
            out[i] = dataclasses.replace(out[i], record=None, arrow=ArrowRow(batch, row))
        return out
