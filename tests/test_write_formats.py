"""Format details the writer's round trips do not show: row groups, gzip headers, atomic files."""

from __future__ import annotations

import errno
import gzip
import math
import os
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import docexport
from docexport.schema import arrow_schema
from docexport.write import parquet, state
from docexport.write.encode import RecordEncoder
from docexport.write.jsonl import JsonlShard
from docexport.write.parquet import ArrowRow, ParquetShard

SCHEMA = pa.schema([("id", pa.string()), ("tags", pa.list_(pa.string()))])


def test_parquet_row_groups_are_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parquet, "BATCH_ROWS", 2)
    monkeypatch.setattr(parquet, "ROW_GROUP_ROWS", 4)
    shard = ParquetShard(tmp_path, 0, SCHEMA)
    for n in range(10):
        shard.add({"id": str(n), "tags": ["标签"] * n}, b"")
    shard.close()
    meta = pq.ParquetFile(shard.temp_path).metadata
    assert [meta.row_group(i).num_rows for i in range(meta.num_row_groups)] == [4, 4, 2]
    assert pq.read_table(shard.temp_path).column("id").to_pylist() == [str(n) for n in range(10)]


def test_parquet_keeps_the_given_schema_when_first_values_are_null(tmp_path: Path) -> None:
    shard = ParquetShard(tmp_path, 0, SCHEMA)
    shard.add({"id": "a", "tags": None}, b"")
    shard.close()
    assert pq.read_schema(shard.temp_path).field("tags").type == pa.list_(pa.string())


def test_gzip_shards_carry_no_time_and_no_name(tmp_path: Path) -> None:
    shard = JsonlShard(tmp_path, 0, "gz")
    shard.add({}, '{"title":"人民日报"}\n'.encode())
    shard.close()
    raw = shard.temp_path.read_bytes()
    assert raw[3] == 0  # FLG: no FNAME, no comment, no extra field
    assert raw[4:8] == b"\0\0\0\0"  # MTIME zero
    assert gzip.decompress(raw).decode() == '{"title":"人民日报"}\n'


def _enospc(*args: Any) -> None:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_atomic_write_keeps_the_old_file_when_the_new_one_cannot_be_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "state.json"
    state.atomic_write(target, b"old")
    monkeypatch.setattr(os, "fsync", _enospc)
    with pytest.raises(OSError, match="No space"):
        state.atomic_write(target, b"new")
    monkeypatch.undo()
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]


@pytest.mark.parametrize("content", [b"{not json", b'{"format": "something-else"}', b"[]"])
def test_a_foreign_journal_is_not_trusted(tmp_path: Path, content: bytes) -> None:
    (tmp_path / state.STATE_DIR).mkdir()
    (tmp_path / state.STATE_DIR / state.STATE_FILE).write_bytes(content)
    with pytest.raises(ValueError, match=r"state\.json"):
        state.load_state(tmp_path)


def test_no_journal_is_none(tmp_path: Path) -> None:
    assert state.load_state(tmp_path) is None


# -- fast list conversion and rows from workers ----------------------------------------------

STRINGS = pa.list_(pa.field("element", pa.string(), nullable=False))
LISTS = pa.schema([("id", pa.string()), ("tokens", STRINGS), ("paragraphs", STRINGS)])


@pytest.mark.parametrize(
    "rows",
    [
        [{"id": "a", "tokens": ["新华社", "", " ", "𠮷", "(WHO)"], "paragraphs": ["第一段。"]}],
        [
            {"id": "a", "tokens": None, "paragraphs": []},
            {"id": "b", "tokens": [], "paragraphs": [""]},
        ],
        [{"id": "a", "tokens": ("元组", "也行"), "paragraphs": ["x"]}],
        [{"id": "a", "tokens": ["含\x1f分隔符"], "paragraphs": ["p"]}],
        [{"id": str(n), "tokens": ["词"] * n, "paragraphs": ["段"] * (n % 3)} for n in range(40)],
    ],
)
def test_lines_to_batch_equals_from_pylist(rows: list[dict[str, Any]]) -> None:
    batch = parquet.lines_to_batch(_lines(rows), LISTS)
    assert batch.equals(pa.RecordBatch.from_pylist(rows, schema=LISTS))
    assert batch.schema.equals(LISTS)


@pytest.fixture
def pandas_would_load(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """rows_to_batch as in a process where pandas is installed and not imported; the list
    counts the batches parsed from lines."""
    parsed: list[int] = []
    parse = parquet.lines_to_batch

    def counted(lines: Any, schema: pa.Schema) -> pa.RecordBatch:
        parsed.append(len(lines))
        return parse(lines, schema)

    monkeypatch.setattr(parquet, "_pandas_would_load", lambda: True)
    monkeypatch.setattr(parquet, "lines_to_batch", counted)
    return parsed


def test_rows_parse_lines_only_while_pandas_would_load(
    pandas_would_load: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [{"id": "a", "tokens": ["新华社"], "paragraphs": []}]
    expected = pa.RecordBatch.from_pylist(rows, schema=LISTS)
    assert parquet.rows_to_batch(rows, _lines(rows), LISTS).equals(expected)
    assert pandas_would_load == [1]
    monkeypatch.setattr(parquet, "_pandas_would_load", lambda: False)
    assert parquet.rows_to_batch(rows, _lines(rows), LISTS).equals(expected)
    assert pandas_would_load == [1]  # from_pylist, the faster way, once pandas is no cost


def test_rows_that_lines_cannot_give_come_from_the_dicts(pandas_would_load: list[int]) -> None:
    odd = [{"id": "a", "tokens": "一串", "paragraphs": []}]  # Arrow reads a str as a sequence
    expected = pa.RecordBatch.from_pylist(odd, schema=LISTS)
    assert parquet.rows_to_batch(odd, _lines(odd), LISTS).equals(expected)
    with pytest.raises(pa.ArrowTypeError):  # from_pylist's error, naming the value
        wrong = [{"id": "a", "tokens": [1, 2], "paragraphs": []}]
        parquet.rows_to_batch(wrong, _lines(wrong), LISTS)
    assert pandas_would_load == [1, 1]  # both tried as lines first


def _rows(count: int) -> list[dict[str, Any]]:
    return [{"id": str(n), "tags": ["标签"] * (n % 4)} for n in range(count)]


@dataclass
class _Encoded:
    """What ParquetShard.add_encoded reads of an EncodedRecord."""

    line: bytes
    record: dict[str, Any] | None = None
    arrow: ArrowRow | None = None


def test_rows_from_worker_batches_make_the_same_file_as_dicts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Row groups are cut by record count and JSONL bytes, and each group's chunks combined,
    so the file does not depend on which rows came as dicts and which as Arrow rows."""
    monkeypatch.setattr(parquet, "BATCH_ROWS", 3)
    monkeypatch.setattr(parquet, "ROW_GROUP_ROWS", 7)
    monkeypatch.setattr(parquet, "ROW_GROUP_BYTES", 40)
    rows = _rows(30)
    lines = [b"x" * (1 + n % 9) for n in range(30)]
    (tmp_path / "dicts").mkdir()
    (tmp_path / "mixed").mkdir()
    dicts = ParquetShard(tmp_path / "dicts", 0, SCHEMA)
    for row, line in zip(rows, lines, strict=True):
        dicts.add(row, line)
    dicts.close()
    mixed = ParquetShard(tmp_path / "mixed", 0, SCHEMA)
    worker = pa.RecordBatch.from_pylist([*rows[5:25], {"id": "dropped", "tags": []}], schema=SCHEMA)
    for n, (row, line) in enumerate(zip(rows, lines, strict=True)):
        if 5 <= n < 25 and n != 11:  # a worker's rows, one of them sent separately as a dict
            mixed.add_encoded(_Encoded(line, arrow=ArrowRow(worker, n - 5)))  # type: ignore[arg-type]
        else:
            mixed.add_encoded(_Encoded(line, record=row))  # type: ignore[arg-type]
    mixed.close()
    assert mixed.temp_path.read_bytes() == dicts.temp_path.read_bytes()
    meta = pq.ParquetFile(dicts.temp_path).metadata
    sizes = [meta.row_group(i).num_rows for i in range(meta.num_row_groups)]
    assert sum(sizes) == 30 and max(sizes) <= 7 and len(sizes) > 30 // 7  # bytes cut some early


def _encoder_threads() -> set[threading.Thread]:
    """The Parquet encoder threads alive now (another test's shard may still be collected:
    compare with the set from before, by identity, never with the empty set)."""
    return {t for t in threading.enumerate() if t.name.startswith("docexport-pq")}


def test_the_background_encoder_ends_with_its_shard(tmp_path: Path) -> None:
    """Batches are converted and row groups encoded in one thread per shard; closing or
    discarding the shard ends it (no thread outlives a run, none is there at a fork)."""
    before = _encoder_threads()
    closed = ParquetShard(tmp_path, 0, SCHEMA)
    for row in _rows(5):
        closed.add(row, orjson.dumps(row) + b"\n")
    closed.close()
    discarded = ParquetShard(tmp_path, 1, SCHEMA)
    for row in _rows(parquet.BATCH_ROWS + 1):  # a conversion is running or queued
        discarded.add(row, orjson.dumps(row) + b"\n")
    discarded.discard()
    assert not _encoder_threads() - before
    assert pq.read_table(closed.temp_path).column("id").to_pylist() == ["0", "1", "2", "3", "4"]
    assert not discarded.temp_path.exists()


def test_a_row_the_background_cannot_convert_fails_the_close(tmp_path: Path) -> None:
    before = _encoder_threads()
    shard = ParquetShard(tmp_path, 0, SCHEMA)
    bad = {"id": "x", "tags": 5}
    shard.add(bad, orjson.dumps(bad) + b"\n")
    with pytest.raises((pa.ArrowException, TypeError)):
        shard.close()
    shard.discard()
    assert not _encoder_threads() - before and not shard.temp_path.exists()


def test_rows_taken_out_of_order_from_a_worker_batch(tmp_path: Path) -> None:
    shard = ParquetShard(tmp_path, 0, SCHEMA)
    worker = pa.RecordBatch.from_pylist(_rows(6), schema=SCHEMA)
    for index in (0, 2, 3, 5):  # rows 1 and 4 were duplicates the parent dropped
        shard.add_encoded(_Encoded(b"x", arrow=ArrowRow(worker, index)))  # type: ignore[arg-type]
    shard.close()
    assert pq.read_table(shard.temp_path).column("id").to_pylist() == ["0", "2", "3", "5"]


def test_a_batch_sent_as_ipc_arrives_equal() -> None:
    rows = [
        {"id": "a", "tokens": ["新华社", ""], "paragraphs": ["第一段。"]},
        {"id": "b", "tokens": None, "paragraphs": []},
    ]
    batch = pa.RecordBatch.from_pylist(rows, schema=LISTS)
    rebuild, args = parquet.reduce_batch_as_ipc(batch)
    back = rebuild(*args)
    assert back.equals(batch)
    assert back.schema.equals(LISTS)
    assert back.slice(1, 1).to_pylist() == rows[1:]


# -- rows parsed from JSONL lines --------------------------------------------------------------

NAME = pa.field("name", pa.string(), nullable=False)
AUTHOR = pa.field("element", pa.struct([NAME, ("role", pa.string())]), nullable=False)
BYLINE = pa.struct(
    [
        pa.field("raw", pa.string(), nullable=False),
        pa.field("count", pa.int64(), nullable=False),
        pa.field("ratio", pa.float64(), nullable=False),
        pa.field("signed", pa.bool_(), nullable=False),
        pa.field("authors", pa.list_(AUTHOR), nullable=False),
    ]
)
NESTED = pa.schema(
    [pa.field("id", pa.string(), nullable=False), ("byline", BYLINE), ("tokens", STRINGS)]
)
TEXT = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=8)
BYLINES = st.none() | st.fixed_dictionaries(
    {
        "raw": TEXT,
        "count": st.integers(-(2**63), 2**63 - 1),
        "ratio": st.floats(allow_nan=False, allow_infinity=False),
        "signed": st.booleans(),
        "authors": st.lists(
            st.fixed_dictionaries({"name": TEXT, "role": st.none() | TEXT}), max_size=3
        ),
    }
)
NESTED_ROWS = st.lists(
    st.fixed_dictionaries(
        {"id": TEXT, "byline": BYLINES, "tokens": st.none() | st.lists(TEXT, max_size=4)}
    ),
    min_size=1,
    max_size=6,
)


def _lines(rows: list[dict[str, Any]]) -> list[bytes]:
    return [orjson.dumps(row, option=orjson.OPT_APPEND_NEWLINE) for row in rows]


@settings(max_examples=300, deadline=None)
@given(NESTED_ROWS)
def test_lines_to_batch_equals_the_dicts_conversion(rows: list[dict[str, Any]]) -> None:
    """Parsed from the lines, with the zero values from_pylist puts under a null byline, the
    batch equals the dicts' (and so does its Parquet file: the same arrays)."""
    batch = parquet.lines_to_batch(_lines(rows), NESTED)
    assert batch.equals(pa.RecordBatch.from_pylist(rows, schema=NESTED))
    assert batch.schema.equals(NESTED)
    assert batch.to_pylist() == rows


def test_lines_to_batch_fills_what_from_pylist_fills_under_a_null_struct() -> None:
    rows = [{"id": "a", "byline": None, "tokens": None}]
    batch = parquet.lines_to_batch(_lines(rows), NESTED)
    byline = batch.column("byline")
    assert byline.is_null().to_pylist() == [True]
    assert [byline.field(i)[0].as_py() for i in range(5)] == ["", 0, 0.0, False, []]
    assert byline.equals(pa.RecordBatch.from_pylist(rows, schema=NESTED).column("byline"))


@pytest.mark.parametrize(
    "row",
    [
        {"id": None},  # null where the schema allows none, not under a null parent
        {"id": "a", "byline": {"raw": "x", "count": 1.5}},  # a float for an int
        {"id": "a", "tokens": "不是列表"},
        {"id": 7},
    ],
)
def test_lines_that_do_not_fit_the_schema_are_refused(row: dict[str, Any]) -> None:
    with pytest.raises(pa.ArrowInvalid):
        parquet.lines_to_batch(_lines([row]), NESTED)


def test_a_line_that_lost_a_value_falls_back_to_the_dict(pandas_would_load: list[int]) -> None:
    """orjson writes NaN as null, which a non-nullable column refuses: the record's row is then
    converted from its dict, keeping the NaN, as before rows were parsed from lines."""
    schema = pa.schema([pa.field("ratio", pa.float64(), nullable=False)])
    encoder = RecordEncoder(["jsonl", "parquet"], ["ratio"], schema)
    (row,) = encoder.to_arrow([encoder({"ratio": math.nan})])
    assert row.arrow is not None
    assert math.isnan(row.arrow.batch.column("ratio")[row.arrow.index].as_py())
    assert pandas_would_load == [1]  # the line was tried first


def test_the_real_schema_rows_from_lines_equal_the_dicts(seed_path: Path) -> None:
    record = docexport.parse_file(seed_path)
    schema = arrow_schema()
    empty = {**record, "subtitle": None, "byline": None, "dateline": None, "tokens": None}
    rows = [record, empty]
    assert parquet.lines_to_batch(_lines(rows), schema).equals(
        pa.RecordBatch.from_pylist(rows, schema=schema)
    )


def test_a_conversion_does_not_import_pandas(tmp_path: Path, seed_path: Path) -> None:
    """pyarrow imports pandas on its first conversion of Python objects (~0.25 s and ~40 MB
    per process); the writer's Parquet rows come from JSONL lines and never ask it to."""
    pytest.importorskip("pandas")  # without it the check could not fail
    code = (
        "import sys, docexport\n"
        f"docexport.convert([{str(seed_path)!r}], {str(tmp_path / 'out')!r},"
        " formats=['parquet', 'jsonl', 'csv'], jobs=1)\n"
        "print('pandas' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
    assert pq.read_table(tmp_path / "out" / "data" / "part-00000.parquet").num_rows == 1


def test_each_row_group_hands_arrow_memory_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pool's cached pages are returned after every group is written (a memory bound the
    output cannot show; the benchmark measures it)."""
    calls: list[int] = []
    monkeypatch.setattr(parquet, "release_arrow_memory", lambda: calls.append(1))
    monkeypatch.setattr(parquet, "ROW_GROUP_ROWS", 4)
    shard = ParquetShard(tmp_path, 0, SCHEMA)
    for n in range(10):
        shard.add({"id": str(n), "tags": []}, b"")
    shard.close()
    assert len(calls) == pq.ParquetFile(shard.temp_path).metadata.num_row_groups == 3
