"""Format details the writer's round trips do not show: row groups, gzip headers, atomic files."""

from __future__ import annotations

import errno
import gzip
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from docexport.write import parquet, state
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
        [{"id": "a", "tokens": ["含\x1f分隔符"], "paragraphs": ["p"]}],  # falls back, same result
        [{"id": str(n), "tokens": ["词"] * n, "paragraphs": ["段"] * (n % 3)} for n in range(40)],
    ],
)
def test_records_to_batch_equals_from_pylist(rows: list[dict[str, Any]]) -> None:
    batch = parquet.records_to_batch(rows, LISTS)
    assert batch.equals(pa.RecordBatch.from_pylist(rows, schema=LISTS))
    assert batch.schema.equals(LISTS)


def test_records_to_batch_treats_other_values_as_from_pylist_does() -> None:
    odd = [{"id": "a", "tokens": "一串", "paragraphs": []}]  # Arrow reads a str as a sequence
    expected = pa.RecordBatch.from_pylist(odd, schema=LISTS)
    assert parquet.records_to_batch(odd, LISTS).equals(expected)
    with pytest.raises(pa.ArrowTypeError):
        parquet.records_to_batch([{"id": "a", "tokens": [1, 2], "paragraphs": []}], LISTS)


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


def test_lists_of_strings_take_the_bulk_path_unless_a_string_holds_the_separator() -> None:
    # records_to_batch equals from_pylist either way; this pins that the fast path is the one
    # taken for ordinary token lists, and that the fallback is taken only when it must be.
    assert parquet._string_lists([["新华社", "电"], None, []], STRINGS) is not None
    assert parquet._string_lists([["含\x1f分隔符"]], STRINGS) is None
    assert parquet._string_lists(["不是列表"], STRINGS) is None
