"""Parquet shards: the explicit Arrow schema, zstd, row groups of bounded size.

Rows arrive in two forms: records with their JSONL lines (a run in one process), converted to
Arrow ``BATCH_ROWS`` at a time so that few large Python objects are held; or rows of an Arrow
batch a worker process already converted (:class:`ArrowRow`), taken from that batch by index,
so the process that owns the writer never converts a record itself. A worker's batch is made
by :func:`rows_to_batch` (from the dicts, or from the JSONL lines while converting the dicts
would make pyarrow import pandas); the writer's own batches by Arrow's JSON reader from the
lines (the dicts only when a line does not parse). The schema is always the one derived from
the record schema, never inferred from the rows (a first row with ``subtitle = None`` would
otherwise make the column a null column).

Converting a batch and encoding a row group run in one background thread per shard, in the
order they were asked for: both are C++ that releases the GIL (which is why the writer parses
the lines: converting the dicts would hold it), so the process goes on with its documents
meanwhile. One group is encoded at a time; a group that fills while the last is still being
encoded waits for it. Errors come back at the next group or at ``close``.

A row group is written once ``ROW_GROUP_ROWS`` records, or records whose JSONL lines add up to
``ROW_GROUP_BYTES``, are buffered. Both counts are of records, not of however the rows arrived,
and the group's chunks are combined before writing, so the file is the same bytes whichever
process converted which rows: a run's data files do not depend on ``--jobs``.

The bound is what the writing process's memory rises and falls by: combining and encoding a
group briefly holds it two or three times over. A People's Daily record is a ~7.6 KB JSONL
line and ~7.3 KB of Arrow data (mostly its tokens), so 8 MiB is ~1 100 records per group.
Measured with ``--jobs 2`` on the benchmark corpus when the bound was chosen (peak RSS of the
whole process tree): 1x 731 MB, 10x 755 MB, 20x 762 MB; with 16 MiB groups the 1x run peaked
writing its last group after the workers had exited, and 10x peaked 12 % above it (64 MiB:
~90 MB swings). Since the start-up and allocator changes: 1x 519, 10x 541, 20x 557 MB. Readers
are not hurt: 8 MiB of records is a few MB of zstd pages per group.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import os
import sys
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pa_json
import pyarrow.parquet as pq

from docexport.write.shard import ShardFile

if TYPE_CHECKING:
    from docexport.write.encode import EncodedRecord

__all__ = [
    "BATCH_ROWS",
    "ROW_GROUP_BYTES",
    "ROW_GROUP_ROWS",
    "ArrowRow",
    "ParquetShard",
    "batch_from_ipc",
    "lines_to_batch",
    "reduce_batch_as_ipc",
    "release_arrow_memory",
    "rows_to_batch",
]

BATCH_ROWS = 256  # dicts held before conversion to a compact Arrow batch (~10 MB of PD records)
ROW_GROUP_ROWS = 10_000  # rows per row group at most
ROW_GROUP_BYTES = 8 * 2**20  # JSONL bytes of the records in a row group at most
# Arrow's JSON reader takes one block of at most this many bytes (its block size is 32-bit).
_MAX_BLOCK_BYTES = 2**31 - 1


def rows_to_batch(
    records: Sequence[dict[str, Any]], lines: Sequence[bytes], schema: pa.Schema
) -> pa.RecordBatch:
    """``records`` (whose JSONL ``lines`` these are) as one batch of ``schema``.

    ``pa.RecordBatch.from_pylist`` is the fastest conversion (~39 µs per record of the
    benchmark corpus, once orjson has serialised it), but converting any Python object first
    asks whether it is a pandas one, which makes pyarrow import pandas when it is installed:
    0.25 s and ~40 MB in every process, for nothing. While pandas is installed and not yet
    imported, the lines are parsed instead (:func:`lines_to_batch`, ~75 µs: a ~2 % slower
    document, against a faster start and smaller processes); the dicts are converted when they
    do not fit. Either way the arrays are the same; ``from_pylist``'s errors are raised.
    """
    if _pandas_would_load():
        return _parse_rows(records, lines, schema)
    return pa.RecordBatch.from_pylist(list(records), schema=schema)


def _parse_rows(
    records: Sequence[dict[str, Any]], lines: Sequence[bytes], schema: pa.Schema
) -> pa.RecordBatch:
    """``records`` as one batch, parsed from their ``lines`` (C++ without the GIL, and no
    pandas import), or converted from the dicts when a line does not fit."""
    with contextlib.suppress(pa.ArrowException):
        return lines_to_batch(lines, schema)
    return pa.RecordBatch.from_pylist(list(records), schema=schema)


@functools.cache
def _pandas_installed() -> bool:
    return importlib.util.find_spec("pandas") is not None


def _pandas_would_load() -> bool:
    """Whether pyarrow converting a Python object now would import pandas."""
    return "pandas" not in sys.modules and _pandas_installed()


def lines_to_batch(lines: Sequence[bytes], schema: pa.Schema) -> pa.RecordBatch:
    """The records whose JSONL ``lines`` these are, as one batch of ``schema``: what
    ``pa.RecordBatch.from_pylist`` makes of the record dicts, parsed by Arrow's C++ JSON reader
    (which never imports pandas; see :func:`rows_to_batch`).

    Arrow's reader cannot read a null struct whose fields may not be null (``byline`` of a
    record without one): the lines are read with every field nullable, then each field that
    may not be null gets, under a null parent, the value ``from_pylist`` puts there (``""``,
    ``0``, ``[]``), so the arrays are equal. Raises ``pa.ArrowInvalid`` when a line does not
    fit the schema (a wrong type, a null where none may be, a batch beyond 2 GiB): callers then
    convert the dicts, whose error says which value is wrong.
    """
    if not lines:
        return pa.RecordBatch.from_arrays([pa.nulls(0, f.type) for f in schema], schema=schema)
    data = b"".join(lines)
    if len(data) >= _MAX_BLOCK_BYTES:
        raise pa.ArrowInvalid("batch too large for one JSON block")
    table = pa_json.read_json(
        pa.BufferReader(data),
        read_options=pa_json.ReadOptions(use_threads=False, block_size=len(data) + 1),
        parse_options=pa_json.ParseOptions(
            explicit_schema=_nullable_schema(schema), unexpected_field_behavior="ignore"
        ),
    )
    if table.num_rows != len(lines):
        raise pa.ArrowInvalid(f"{table.num_rows} rows read from {len(lines)} lines")
    table = table.combine_chunks()
    columns = [_conform(table.column(i).chunk(0), field, None) for i, field in enumerate(schema)]
    return pa.RecordBatch.from_arrays(columns, schema=schema)


_NULLABLE_SCHEMAS: dict[pa.Schema, pa.Schema] = {}


def _nullable_schema(schema: pa.Schema) -> pa.Schema:
    """``schema`` with every field, at every depth, nullable (cached: one schema per run)."""
    found = _NULLABLE_SCHEMAS.get(schema)
    if found is None:
        found = pa.schema([_nullable(field) for field in schema], metadata=schema.metadata)
        _NULLABLE_SCHEMAS[schema] = found
    return found


def _nullable(field: pa.Field) -> pa.Field:
    kind = field.type
    if pa.types.is_struct(kind):
        kind = pa.struct([_nullable(child) for child in kind])
    elif pa.types.is_list(kind):
        kind = pa.list_(_nullable(kind.value_field))
    return field.with_type(kind).with_nullable(True)


def _conform(array: pa.Array, field: pa.Field, parent_nulls: pa.Array | None) -> pa.Array:
    """``array``, read as nullable, as ``field`` (see :func:`lines_to_batch`).

    ``parent_nulls`` marks the rows where an enclosing struct is null: only there may a field
    that is not nullable hold a null, which becomes its type's zero value.
    """
    kind = field.type
    nulls = array.is_null() if array.null_count else None
    if nulls is not None and not field.nullable:
        stray = nulls if parent_nulls is None else pc.and_not(nulls, parent_nulls)
        if pc.any(stray).as_py():
            raise pa.ArrowInvalid(f"null in non-nullable field {field.name!r}")
    mask = nulls if field.nullable else None
    if pa.types.is_struct(kind):
        if nulls is None or parent_nulls is None:
            below = parent_nulls if nulls is None else nulls
        else:
            below = pc.or_(nulls, parent_nulls)
        children = [_conform(array.field(i), kind.field(i), below) for i in range(kind.num_fields)]
        return pa.StructArray.from_arrays(children, fields=list(kind), mask=mask)
    if pa.types.is_list(kind):
        # The reader gives a null list no items, so dropping its null bit leaves it empty.
        values = _conform(array.values, kind.value_field, None)
        return pa.ListArray.from_arrays(array.offsets, values, type=kind, mask=mask)
    if nulls is not None and not field.nullable:
        return pc.coalesce(array, _zero(kind))
    return array


def _zero(kind: pa.DataType) -> pa.Scalar:
    """The zero value of a string or fixed-width type, made from buffers (``pa.scalar`` would
    ask whether pandas is installed, importing it)."""
    if pa.types.is_string(kind):
        offsets = pa.py_buffer(np.zeros(2, dtype=np.int32))
        return pa.Array.from_buffers(kind, 1, [None, offsets, pa.py_buffer(b"")])[0]
    if kind.bit_width > 0:
        width = max(kind.bit_width // 8, 1)
        return pa.Array.from_buffers(kind, 1, [None, pa.py_buffer(bytes(width))])[0]
    raise pa.ArrowInvalid(f"no zero value for {kind}")


def release_arrow_memory() -> None:
    """Hand the memory Arrow's allocator keeps for reuse back to the system.

    pyarrow's default pool (mimalloc) keeps the pages of freed buffers: after a row group is
    combined and encoded, or a worker's batch converted and sent, tens of MB stay resident in
    every process. Called at those points (a few µs each), it took the peak RSS of a 2-job run
    over 10x the benchmark corpus from ~587 to ~546 MB, at no measurable cost in speed.
    """
    pa.default_memory_pool().release_unused()


def reduce_batch_as_ipc(batch: pa.RecordBatch) -> tuple[Any, tuple[bytes]]:
    """A pickle reducer that sends a record batch as one Arrow IPC stream.

    pyarrow pickles a batch column by column and buffer by buffer in Python: ~9 µs per record
    to pickle a worker's batch of People's Daily records and ~8 µs to unpickle it, against
    ~2.8 and ~0.8 µs as IPC (one C++ call each way). Registered for the pickler of the worker
    processes' result queue (see ``docexport.pipeline``), so nothing else is affected.
    """
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, batch.schema) as writer:
        writer.write_batch(batch)
    return batch_from_ipc, (sink.getvalue().to_pybytes(),)


def batch_from_ipc(data: bytes) -> pa.RecordBatch:
    """The batch :func:`reduce_batch_as_ipc` sent."""
    return pa.ipc.open_stream(data).read_next_batch()


@dataclass(frozen=True)
class ArrowRow:
    """Row ``index`` of ``batch``: a record a worker converted to Arrow with the rest of its
    batch. The rows of one batch share the batch object, so a list of them pickles it once."""

    batch: pa.RecordBatch
    index: int


class ParquetShard(ShardFile):
    """One ``part-NNNNN.parquet`` file being written."""

    format = "parquet"

    def __init__(self, data_dir: Path, index: int, arrow_schema: pa.Schema) -> None:
        super().__init__(data_dir, index, "parquet")
        self._schema = arrow_schema
        self._rows: list[dict[str, Any]] = []  # dicts not converted yet
        self._lines: list[bytes] = []  # and their JSONL lines
        self._taken: list[int] = []  # indices into self._source not taken yet
        self._source: pa.RecordBatch | None = None
        # The group so far, in order: batches, and conversions still running in the background.
        self._batches: list[pa.RecordBatch | Future[pa.RecordBatch]] = []
        self._group_rows = 0
        self._group_bytes = 0
        self._writer: pq.ParquetWriter | None = pq.ParquetWriter(
            str(self.temp_path), arrow_schema, compression="zstd"
        )
        self._background = ThreadPoolExecutor(max_workers=1, thread_name_prefix="docexport-pq")
        self._written: Future[None] | None = None  # the group being encoded

    def add(self, record: dict[str, Any], line: bytes) -> None:
        self._take_rows()
        self._rows.append(record)
        self._lines.append(line)
        if len(self._rows) >= BATCH_ROWS:
            self._convert()
        self._counted(line)

    def add_encoded(self, encoded: EncodedRecord) -> None:
        row = encoded.arrow
        if row is None:
            self.add(encoded.record if encoded.record is not None else {}, encoded.line)
            return
        self._convert()
        if row.batch is not self._source:
            self._take_rows()
            self._source = row.batch
        self._taken.append(row.index)
        self._counted(encoded.line)

    def _counted(self, line: bytes) -> None:
        self._group_rows += 1
        self._group_bytes += len(line)
        if self._group_rows >= ROW_GROUP_ROWS or self._group_bytes >= ROW_GROUP_BYTES:
            self._write_group()

    def _convert(self) -> None:
        if self._rows:
            rows, lines = self._rows, self._lines
            self._rows, self._lines = [], []
            self._batches.append(self._background.submit(_parse_rows, rows, lines, self._schema))

    def _take_rows(self) -> None:
        if self._taken and self._source is not None:
            taken, self._taken = self._taken, []
            first = taken[0]
            if taken == list(range(first, first + len(taken))):  # the usual case: a run of rows
                self._batches.append(self._source.slice(first, len(taken)))
            else:
                # From a buffer: pa.array would import pandas (see lines_to_batch).
                buffer = pa.py_buffer(np.array(taken, dtype=np.int64))
                indices = pa.Array.from_buffers(pa.int64(), len(taken), [None, buffer])
                self._batches.append(self._source.take(indices))
        self._source = None

    def _write_group(self) -> None:
        self._convert()
        self._take_rows()
        if self._batches and self._writer is not None:
            if self._written is not None:
                self._written.result()  # one group encoding at a time: memory stays bounded
            batches, self._batches = self._batches, []
            self._written = self._background.submit(self._encode_group, self._writer, batches)
        self._group_rows = 0
        self._group_bytes = 0

    def _encode_group(
        self, writer: pq.ParquetWriter, batches: list[pa.RecordBatch | Future[pa.RecordBatch]]
    ) -> None:
        """Write one row group (in the background thread, after the conversions before it)."""
        resolved = [b.result() if isinstance(b, Future) else b for b in batches]
        del batches
        # One chunk per column: the same bytes whatever the rows' batches were.
        table = pa.Table.from_batches(resolved, schema=self._schema).combine_chunks()
        del resolved
        writer.write_table(table, row_group_size=max(table.num_rows, 1))
        del table
        release_arrow_memory()

    def close(self) -> None:
        self._write_group()
        self._background.shutdown(wait=True)
        if self._written is not None:
            written, self._written = self._written, None
            written.result()
        if self._writer is not None:
            writer, self._writer = self._writer, None
            writer.close()
        fd = os.open(self.temp_path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def _release(self) -> None:
        self._background.shutdown(wait=True, cancel_futures=True)
        self._written = None
        self._rows = []
        self._lines = []
        self._taken = []
        self._source = None
        self._batches = []
        if self._writer is not None:
            writer, self._writer = self._writer, None
            # Already failing: whatever close() raises, the temporary file is deleted next.
            with contextlib.suppress(Exception):
                writer.close()
