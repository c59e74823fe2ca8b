"""Format details the writer's round trips do not show: row groups, gzip headers, atomic files."""

from __future__ import annotations

import errno
import gzip
import os
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from docexport.write import parquet, state
from docexport.write.jsonl import JsonlShard
from docexport.write.parquet import ParquetShard

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
