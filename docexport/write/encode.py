"""A record serialised once, for every format a dataset writer writes.

The writer needs each record as a JSONL line (the JSONL shard, and the byte count that cuts
shards), as a CSV row and, for Parquet, as the dict itself (Arrow converts rows in batches). A
:class:`RecordEncoder` computes all of that for one record; :meth:`DatasetWriter.add_encoded
<docexport.write.writer.DatasetWriter.add_encoded>` writes the result. The split exists so that
the serialising can run where the record was made: a worker process encodes its records and
sends bytes, and the process that owns the writer only copies them into the files instead of
serialising every record again (with ``--jobs 2`` that process does all writing alone, so its
per-record cost caps the speed-up). The bytes are the ones :meth:`DatasetWriter.add_record
<docexport.write.writer.DatasetWriter.add_record>` writes, which encodes with the same encoder.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson

from docexport.write.csvfile import csv_row

__all__ = ["EncodedRecord", "RecordEncoder"]

# Pickling a list of strings costs ~0.3 µs per string (each is memoised), and a record's token
# list holds hundreds. Such lists travel joined by this separator, a control character that
# news text does not hold (a list whose strings do hold it travels as it is)...
JOIN_SEPARATOR = "\x1f"  # ASCII unit separator
# ...when they are at least this long; short lists are cheaper to pickle as they are.
JOIN_MIN_ITEMS = 16


@dataclass(frozen=True)
class EncodedRecord:
    """One record as the writer's formats need it.

    ``line`` is the JSONL line (newline included); ``csv`` the CSV row (CRLF included) when CSV
    is written; ``record`` the record dict itself when Parquet is written (else ``None``, so a
    worker need not send it); ``repairs`` the record's repair counts, for the run totals.
    """

    line: bytes
    csv: bytes | None = None
    record: dict[str, Any] | None = None
    repairs: Mapping[str, Any] = field(default_factory=dict)

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle long lists of strings in the record (its tokens) as one joined string each:
        sending a record from a worker to the writer's process then costs ~70 µs less to
        pickle and ~20 µs less to unpickle, and it unpickles equal to what was pickled (a str
        subclass in such a list comes back as a plain str of the same value)."""
        joined = _joined_lists(self.record) if self.record is not None else {}
        if not joined:
            return (EncodedRecord, (self.line, self.csv, self.record, self.repairs))
        assert self.record is not None
        slim = {key: None if key in joined else value for key, value in self.record.items()}
        return (_unpickle, (self.line, self.csv, slim, self.repairs, joined))


def _joined_lists(record: Mapping[str, Any]) -> dict[str, str]:
    """The record's long lists of strings, each joined by :data:`JOIN_SEPARATOR` (only those
    that split back into exactly the same strings)."""
    joined = {}
    for key, value in record.items():
        if type(value) is list and len(value) >= JOIN_MIN_ITEMS:
            try:
                text = JOIN_SEPARATOR.join(value)
            except TypeError:  # not all strings
                continue
            if text.count(JOIN_SEPARATOR) == len(value) - 1:  # none inside a string
                joined[key] = text
    return joined


def _unpickle(
    line: bytes,
    csv: bytes | None,
    record: dict[str, Any],
    repairs: Mapping[str, Any],
    joined: Mapping[str, str],
) -> EncodedRecord:
    for key, text in joined.items():
        record[key] = text.split(JOIN_SEPARATOR)  # same key, so the key order is kept
    return EncodedRecord(line=line, csv=csv, record=record, repairs=repairs)


class RecordEncoder:
    """Serialises records for the given formats and CSV columns; cheap to build and to pickle
    (it holds only the settings), so a worker process can get one from the writer's owner."""

    def __init__(self, formats: Sequence[str], csv_columns: Sequence[str]) -> None:
        self.formats = tuple(formats)
        self.csv_columns = tuple(csv_columns)
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
