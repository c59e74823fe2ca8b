"""DatasetWriter: round trips through independent readers, sharding, determinism, resume, safety.

The records are built by hand in the record's shape (DESIGN §3) against a small Arrow schema
defined here, so these tests do not move when the real schema gains a field; the card's
features for the real schema are checked in ``test_write_card.py``.
"""

from __future__ import annotations

import csv
import errno
import json
import os
import pickle
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.dataset as pads
import pyarrow.parquet as pq
import pytest

from docexport.data import Reject
from docexport.errors import OptionError, OutputError, SchemaError
from docexport.write import DatasetWriter, dataset_status, unneutralise
from docexport.write import state as journal
from docexport.write.encode import RecordEncoder

STRING_LIST = pa.list_(pa.string())
ARROW_SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("schema_version", pa.string()),
        ("text", pa.string()),
        ("title", pa.string()),
        ("subtitle", pa.string()),
        ("paragraphs", STRING_LIST),
        (
            "dateline",
            pa.struct(
                [
                    ("raw", pa.string()),
                    ("year", pa.int64()),
                    ("month", pa.int64()),
                    ("day", pa.int64()),
                    ("date", pa.string()),
                ]
            ),
        ),
        (
            "byline",
            pa.struct(
                [
                    ("raw", pa.string()),
                    ("outlet", pa.string()),
                    (
                        "authors",
                        pa.list_(pa.struct([("name", pa.string()), ("role", pa.string())])),
                    ),
                ]
            ),
        ),
        ("keywords", STRING_LIST),
        ("tokens", STRING_LIST),
        ("repairs", pa.struct([("pinyin_removed", pa.int64()), ("commas_collapsed", pa.int64())])),
        ("quality", pa.struct([("flags", STRING_LIST), ("han_ratio", pa.float64())])),
        ("stats", pa.struct([("characters", pa.int64()), ("paragraphs", pa.int64())])),
        ("source", pa.struct([("uri", pa.string()), ("bytes", pa.int64()), ("line", pa.int64())])),
    ]
)
CSV_COLUMNS = tuple(ARROW_SCHEMA.names)
JSON_SCHEMA = {"$id": "test-record", "type": "object", "title": "test record"}
BODY = (
    "11月5日下午，市委应对新冠肺炎疫情工作领导小组召开会议，传达学习党中央、国务院关于疫情防控的部署。",
    "会议强调，要坚持外防输入、内防反弹，抓紧抓实冷链食品防控工作，守住来之不易的防控成果。",
    "会议要求，各级各部门要压紧压实责任，加强值班值守，确保信息畅通，有序推进复工复产。",
)
# Titles a spreadsheet would run as formulas, sprinkled through the records on purpose.
TITLES = ("=1+1", "+1", "-1", "@SUM(A1:A2)", "'引号开头", "\t制表符开头")


def make_record(n: int) -> dict[str, Any]:
    """A realistic record; every key present, nulls where real records have them."""
    title = TITLES[(n // 3) % len(TITLES)] if n % 3 == 0 else f"杨林兴：精准防控严防死守 第{n}号"
    paragraphs = [f"{p}（第{n}篇）" for p in BODY[: 1 + n % 3]]
    text = "\n".join([title, *paragraphs])
    return {
        "id": f"{n:016x}",
        "schema_version": "1.0",
        "text": text,
        "title": title,
        "subtitle": None if n % 2 else "市委应对新冠肺炎疫情工作领导小组召开会议",
        "paragraphs": paragraphs,
        "dateline": None
        if n % 4 == 1
        else {"raw": "11月5日下午", "year": None, "month": 11, "day": 5, "date": None},
        "byline": None
        if n % 5 == 2
        else {
            "raw": "泸州日报记者 朱虹",
            "outlet": "泸州日报",
            "authors": [{"name": "朱虹", "role": "记者"}, {"name": "李明", "role": None}],
        },
        "keywords": ["疫情", "防控"],
        "tokens": None if n % 3 == 1 else ["会议", "强调", "，"],
        "repairs": {"pinyin_removed": n % 3, "commas_collapsed": 1},
        "quality": {"flags": [] if n % 2 else ["no_byline"], "han_ratio": 0.875},
        "stats": {"characters": len(text), "paragraphs": len(paragraphs)},
        "source": {"uri": f"in/{n}.txt", "bytes": 3 * len(text), "line": None},
    }


def make_reject(n: int) -> Reject:
    if n % 2:
        return Reject(f"in/{n}.txt", "duplicate", "exact", "same id", duplicate_of=f"{n - 1:016x}")
    return Reject(f"in/{n}.bin", "decode", "binary", "The file holds NUL bytes.", sha256="ab" * 32)


def outcomes(count: int) -> list[tuple[str, Any]]:
    """Input outcomes in order: records, and a reject at inputs 4, 11, 18, 25…"""
    return [
        ("reject", make_reject(i)) if i % 7 == 4 else ("record", make_record(i))
        for i in range(count)
    ]


def open_writer(out: Path, **kwargs: Any) -> DatasetWriter:
    kwargs.setdefault("formats", ("parquet", "jsonl", "csv"))
    return DatasetWriter(
        out, schema=JSON_SCHEMA, arrow_schema=ARROW_SCHEMA, csv_columns=CSV_COLUMNS, **kwargs
    )


def feed(writer: DatasetWriter, items: list[tuple[str, Any]], start: int = 0) -> None:
    """Report ``items[start:]``; input ``n`` is said to be ``n + 1`` bytes long."""
    for position in range(start, len(items)):
        kind, item = items[position]
        if kind == "record":
            writer.add_record(item, position, input_bytes=position + 1)
        else:
            writer.add_reject(item, position, input_bytes=position + 1)


def write_dataset(out: Path, count: int = 20, **kwargs: Any) -> dict[str, Any]:
    writer = open_writer(out, **kwargs)
    feed(writer, outcomes(count))
    return writer.finish({"repairs": {"pinyin_removed": 3}})


def records_of(items: list[tuple[str, Any]]) -> list[dict[str, Any]]:
    return [item for kind, item in items if kind == "record"]


def data_bytes(out: Path) -> dict[str, bytes]:
    names = sorted(os.listdir(out / "data"))
    files = {f"data/{name}": (out / "data" / name).read_bytes() for name in names}
    files["rejects.jsonl"] = (out / "rejects.jsonl").read_bytes()
    return files


def csv_rows(path: Path) -> list[dict[str, Any]]:
    """Read a docexport CSV back with the csv module and json.loads, independently of the writer."""
    types = {field.name: field.type for field in ARROW_SCHEMA}
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        assert header == list(CSV_COLUMNS)
        rows = []
        for cells in reader:
            row: dict[str, Any] = {}
            for name, cell in zip(header, cells, strict=True):
                kind = types[name]
                if cell == "":
                    row[name] = None
                elif pa.types.is_string(kind):
                    row[name] = unneutralise(cell)
                elif pa.types.is_integer(kind):
                    row[name] = int(cell)
                else:
                    row[name] = json.loads(cell)
            rows.append(row)
    return rows


# -- round trips -------------------------------------------------------------------------------


def test_parquet_reads_back_with_pyarrow_pandas_duckdb_polars(tmp_path: Path) -> None:
    # Parquet only (the default): every reader is pointed at data/ or a glob, nothing else.
    out = tmp_path / "ds"
    write_dataset(out, 20, shard_rows=6, formats=("parquet",))
    expected = records_of(outcomes(20))
    table = pads.dataset(out / "data").to_table()
    assert table.schema == ARROW_SCHEMA
    assert table.to_pylist() == expected

    import pandas as pd

    frame = pd.read_parquet(out / "data")
    assert frame["id"].tolist() == [r["id"] for r in expected]
    assert frame["title"].tolist() == [r["title"] for r in expected]

    import duckdb

    rows = duckdb.sql(f"SELECT * FROM read_parquet('{out}/data/*.parquet')").fetchall()
    assert [dict(zip(CSV_COLUMNS, row, strict=True)) for row in rows] == expected

    import polars as pl

    assert pl.read_parquet(out / "data" / "*.parquet").to_dicts() == expected


def test_jsonl_and_csv_hold_the_same_records(tmp_path: Path) -> None:
    out = tmp_path / "ds"
    write_dataset(out, 20, shard_rows=6)
    expected = records_of(outcomes(20))
    jsonl = [
        orjson.loads(line)
        for path in sorted((out / "data").glob("*.jsonl"))
        for line in path.read_bytes().splitlines()
    ]
    assert jsonl == expected
    assert "朱虹".encode() in (out / "data" / "part-00000.jsonl").read_bytes()  # not \\u-escaped
    rows = [row for path in sorted((out / "data").glob("*.csv")) for row in csv_rows(path)]
    # CSV cannot tell an empty list's JSON from null, nor an empty string from null: the records
    # here have neither, so the comparison is exact.
    assert rows == expected


@pytest.mark.parametrize("compression", ["gz", "zst"])
def test_compressed_jsonl_reads_back(tmp_path: Path, compression: str) -> None:
    import gzip

    import zstandard

    out = tmp_path / "ds"
    write_dataset(out, 10, formats=("jsonl",), jsonl_compression=compression, shard_rows=4)
    paths = sorted((out / "data").glob(f"*.jsonl.{compression}"))
    assert [p.name for p in paths] == [f"part-0000{i}.jsonl.{compression}" for i in range(3)]
    lines = []
    for path in paths:
        if compression == "gz":
            raw = gzip.decompress(path.read_bytes())
        else:
            raw = zstandard.ZstdDecompressor().stream_reader(path.read_bytes()).read()
        lines += raw.splitlines()
    assert [orjson.loads(line) for line in lines] == records_of(outcomes(10))


@pytest.fixture
def hf_offline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    return tmp_path / "hf-cache"


@pytest.mark.parametrize(
    ("formats", "compression"), [(("parquet", "csv"), None), (("jsonl",), "gz"), (("csv",), None)]
)
def test_hugging_face_loads_the_directory_with_no_options(
    tmp_path: Path, hf_offline: Path, formats: tuple[str, ...], compression: str | None
) -> None:
    datasets = pytest.importorskip("datasets")
    out = tmp_path / "ds"
    write_dataset(out, 12, formats=formats, jsonl_compression=compression, shard_rows=5)
    loaded = datasets.load_dataset(str(out), cache_dir=str(hf_offline))
    assert list(loaded) == ["train"]
    train = loaded["train"]
    expected = records_of(outcomes(12))
    assert train.num_rows == len(expected)
    assert list(train["id"]) == [r["id"] for r in expected]
    assert list(train["subtitle"]) == [r["subtitle"] for r in expected]
    assert list(train["schema_version"]) == ["1.0"] * len(expected)
    byline = train[0]["byline"]
    if formats == ("csv",):  # nested fields are JSON text in CSV
        byline = json.loads(byline)
    else:
        assert pa.types.is_struct(train.features.arrow_schema.field("byline").type)
    assert byline["authors"][0] == {"name": "朱虹", "role": "记者"}


def test_manifest_lists_every_shard_with_true_sizes_and_digests(tmp_path: Path) -> None:
    out = tmp_path / "ds"
    manifest = write_dataset(out, 20, shard_rows=6)
    on_disk = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert on_disk == manifest
    # 20 inputs; 4 and 18 are binary, 11 a duplicate: 17 records in shards of 6, 6, 5.
    assert manifest["counts"]["inputs"] == 20
    assert manifest["counts"]["records"] == 17
    assert manifest["counts"]["duplicates"] == 1
    assert manifest["counts"]["rejects"] == 2
    assert manifest["counts"]["rejects_by_stage"] == {"decode": 2}
    assert manifest["counts"]["rejects_by_reason"] == {"decode/binary": 2}
    assert manifest["counts"]["duplicates_by_reason"] == {"exact": 1}
    assert manifest["counts"]["input_bytes"] == sum(range(1, 21))
    records = records_of(outcomes(20))
    assert manifest["counts"]["repairs"] == {
        "pinyin_removed": sum(r["repairs"]["pinyin_removed"] for r in records),
        "commas_collapsed": 17,
    }
    assert len(manifest["shards"]) == 9
    assert [s["rows"] for s in manifest["shards"] if s["format"] == "csv"] == [6, 6, 5]
    for shard in manifest["shards"]:
        assert journal.digest_file(out / shard["path"]) == (shard["bytes"], shard["sha256"])
    listed = {s["path"] for s in manifest["shards"]}
    assert listed == {f"data/{name}" for name in os.listdir(out / "data")}
    assert (out / "schema.json").read_bytes() == orjson.dumps(
        JSON_SCHEMA, option=orjson.OPT_INDENT_2
    ) + b"\n"
    assert len((out / "rejects.jsonl").read_bytes().splitlines()) == 3
    assert dataset_status(out) == "complete"


def test_empty_run_still_writes_readable_empty_shards(tmp_path: Path) -> None:
    out = tmp_path / "ds"
    writer = open_writer(out)
    writer.add_reject(make_reject(0), 0)
    manifest = writer.finish({})
    assert manifest["counts"]["records"] == 0
    assert pq.read_table(out / "data" / "part-00000.parquet").num_rows == 0
    assert (out / "data" / "part-00000.csv").read_bytes().count(b"\r\n") == 1  # header only


# -- sharding and determinism ------------------------------------------------------------------


def test_shards_are_cut_by_rows(tmp_path: Path) -> None:
    out = tmp_path / "ds"
    items = [("record", make_record(i)) for i in range(10)]
    writer = open_writer(out, formats=("jsonl",), shard_rows=4)
    feed(writer, items)
    manifest = writer.finish({})
    assert [(s["path"], s["rows"]) for s in manifest["shards"]] == [
        ("data/part-00000.jsonl", 4),
        ("data/part-00001.jsonl", 4),
        ("data/part-00002.jsonl", 2),
    ]


def test_shards_are_cut_by_bytes_at_the_record_that_reaches_the_limit(tmp_path: Path) -> None:
    out = tmp_path / "ds"
    items = [("record", make_record(i)) for i in range(10)]
    lines = [orjson.dumps(r, option=orjson.OPT_APPEND_NEWLINE) for _, r in items]
    limit = len(lines[0]) + len(lines[1]) + 1  # reached by the third record, not the second
    writer = open_writer(out, formats=("jsonl", "parquet"), shard_bytes=limit)
    feed(writer, items)
    manifest = writer.finish({})
    rows = [s["rows"] for s in manifest["shards"] if s["format"] == "jsonl"]
    assert rows[0] == 3
    assert sum(rows) == 10
    first = (out / "data" / "part-00000.jsonl").read_bytes()
    assert first == b"".join(lines[:3])
    assert [s["rows"] for s in manifest["shards"] if s["format"] == "parquet"] == rows


def test_same_input_gives_byte_identical_files(tmp_path: Path) -> None:
    options = {"formats": ("parquet", "jsonl", "csv"), "shard_rows": 7, "excel": True}
    first = write_dataset(tmp_path / "a", 30, **options)
    second = write_dataset(tmp_path / "b", 30, **options)
    assert data_bytes(tmp_path / "a") == data_bytes(tmp_path / "b")
    assert (tmp_path / "a" / "README.md").read_bytes() == (
        tmp_path / "b" / "README.md"
    ).read_bytes()
    assert first["shards"] == second["shards"]
    assert (tmp_path / "a" / "data" / "part-00000.csv").read_bytes().startswith(b"\xef\xbb\xbf")


def test_open_shard_is_invisible_to_readers(tmp_path: Path) -> None:
    out = tmp_path / "ds"
    writer = open_writer(out, shard_rows=5)
    feed(writer, [("record", make_record(i)) for i in range(7)])
    visible = sorted(p.name for p in (out / "data").iterdir() if not p.name.startswith("."))
    assert visible == ["part-00000.csv", "part-00000.jsonl", "part-00000.parquet"]
    assert pads.dataset(sorted((out / "data").glob("*.parquet"))).count_rows() == 5
    assert writer.resume_point == 5
    writer.abort()


# -- interruption and resume -------------------------------------------------------------------


class Crash(BaseException):
    """Stands for a kill: not an error the writer handles, so it cleans nothing up."""


def uninterrupted(out: Path, count: int, **kwargs: Any) -> dict[str, bytes]:
    write_dataset(out, count, **kwargs)
    return data_bytes(out)


@pytest.mark.parametrize("crash_at", [2, 8, 11, 16, 22])
def test_resume_after_a_crash_gives_byte_identical_files(tmp_path: Path, crash_at: int) -> None:
    settings = {"formats": ("parquet", "jsonl", "csv"), "shard_rows": 4, "jsonl_compression": "gz"}
    whole = write_dataset(tmp_path / "whole", 25, **settings)
    expected = data_bytes(tmp_path / "whole")
    out = tmp_path / "ds"
    items = outcomes(25)
    writer = open_writer(out, options={"year": 2020}, **settings)
    feed(writer, items[:crash_at])
    del writer  # killed: no abort, no finish; the open shard's temp files stay behind
    assert dataset_status(out) == "unfinished"

    resumed = open_writer(out, resume=True, options={"year": 2020, "jobs": 2}, **settings)
    # Records 0-3 fill shard 0 (resume point 4), 5-8 shard 1 (9), 9-13 less the reject at 11
    # shard 2 (14), 14-17 shard 3 (18): a resumed run skips the inputs of full shards only.
    committed = {2: 0, 8: 4, 11: 9, 16: 14, 22: 18}[crash_at]
    assert resumed.resume_point == committed
    counts = resumed.committed_counts
    assert counts["records"] + counts["duplicates"] + counts["rejects"] == committed
    assert counts["input_bytes"] == sum(range(1, committed + 1))
    feed(resumed, items, start=resumed.resume_point)
    manifest = resumed.finish({})
    assert data_bytes(out) == expected
    assert manifest["counts"] == whole["counts"]
    assert manifest["counts"]["inputs"] == 25


def test_crash_between_rename_and_journal_is_rolled_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = uninterrupted(tmp_path / "whole", 12, shard_rows=4)
    out = tmp_path / "ds"
    saves = 0
    real_save = journal.save_state

    def save_then_crash(path: Path, state: dict[str, Any]) -> None:
        nonlocal saves
        saves += 1
        if saves == 3:  # the opening save, shard 0, then shard 1's: crash before it lands
            raise Crash
        real_save(path, state)

    monkeypatch.setattr(journal, "save_state", save_then_crash)
    writer = open_writer(out, shard_rows=4)
    with pytest.raises(Crash):
        feed(writer, outcomes(12))
    assert (out / "data" / "part-00001.parquet").exists()  # renamed, not journaled
    monkeypatch.setattr(journal, "save_state", real_save)
    resumed = open_writer(out, shard_rows=4, resume=True)
    assert resumed.resume_point == 4
    feed(resumed, outcomes(12), start=4)
    resumed.finish({"repairs": {"pinyin_removed": 3}})
    assert data_bytes(out) == expected


KILL_SCRIPT = """
import os, sys
sys.path.insert(0, {tests!r})
import test_write as t
kill_at = int(sys.argv[1])
writer = t.open_writer(t.Path(sys.argv[2]), shard_rows=3)
items = t.outcomes(20)
for position, (kind, item) in enumerate(items):
    if position == kill_at:
        os._exit(9)
    (writer.add_record if kind == "record" else writer.add_reject)(item, position)
writer.finish({{}})
"""


@pytest.mark.parametrize("kill_at", [1, 7, 13, 19])
def test_resume_after_a_hard_exit_in_another_process(tmp_path: Path, kill_at: int) -> None:
    expected = uninterrupted(tmp_path / "whole", 20, shard_rows=3)
    out = tmp_path / "ds"
    script = KILL_SCRIPT.format(tests=str(Path(__file__).parent))
    done = subprocess.run([sys.executable, "-c", script, str(kill_at), str(out)], check=False)
    assert done.returncode == 9
    assert not (out / "manifest.json").exists()
    resumed = open_writer(out, shard_rows=3, resume=True)
    assert resumed.resume_point <= kill_at
    feed(resumed, outcomes(20), start=resumed.resume_point)
    resumed.finish({})
    assert data_bytes(out) == expected


def test_checkpoint_extras_come_back_in_commit_order(tmp_path: Path) -> None:
    out = tmp_path / "ds"
    calls = iter(range(100))
    writer = open_writer(out, shard_rows=2, checkpoint_extra=lambda: f"chunk{next(calls)}".encode())
    feed(writer, [("record", make_record(i)) for i in range(5)])
    del writer
    resumed = open_writer(out, shard_rows=2, resume=True, checkpoint_extra=lambda: b"")
    assert resumed.resume_point == 4
    assert resumed.resume_extras == [b"chunk0", b"chunk1"]


def test_abort_leaves_a_resumable_run_and_no_manifest(tmp_path: Path) -> None:
    out = tmp_path / "ds"
    writer = open_writer(out, shard_rows=4)
    feed(writer, outcomes(10))
    writer.abort()
    assert not (out / "manifest.json").exists()
    assert not list((out / "data").glob(".*"))
    assert dataset_status(out) == "unfinished"
    assert open_writer(out, shard_rows=4, resume=True).resume_point == 9


def test_positions_must_come_in_order_without_gaps(tmp_path: Path) -> None:
    writer = open_writer(tmp_path / "ds")
    writer.add_record(make_record(0), 0)
    with pytest.raises(ValueError, match="input 1 is next"):
        writer.add_record(make_record(2), 2)
    writer.abort()


# -- output safety -----------------------------------------------------------------------------


def test_non_empty_foreign_directory_is_refused_unless_overwrite(tmp_path: Path) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(OutputError, match="--overwrite"):
        open_writer(out)
    write_dataset(out, 5, overwrite=True)
    assert (out / "notes.txt").read_text(encoding="utf-8") == "keep me"


def test_complete_dataset_is_replaced_only_with_overwrite(tmp_path: Path) -> None:
    out = tmp_path / "ds"
    write_dataset(out, 20, shard_rows=4)
    with pytest.raises(OutputError, match="already holds a docexport dataset"):
        open_writer(out)
    with pytest.raises(OutputError, match="already a complete"):
        open_writer(out, resume=True)
    (out / "data" / "mine.txt").write_text("not docexport's", encoding="utf-8")
    write_dataset(out, 3, overwrite=True)
    assert sorted(os.listdir(out / "data")) == [
        "mine.txt",
        "part-00000.csv",
        "part-00000.jsonl",
        "part-00000.parquet",
    ]
    assert json.loads((out / "manifest.json").read_bytes())["counts"]["inputs"] == 3


def test_unfinished_run_needs_resume_or_overwrite(tmp_path: Path) -> None:
    out = tmp_path / "ds"
    writer = open_writer(out, shard_rows=2)
    feed(writer, outcomes(5))
    writer.abort()
    with pytest.raises(OutputError, match="--resume"):
        open_writer(out, shard_rows=2)
    assert open_writer(out, shard_rows=2, overwrite=True).resume_point == 0


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"options": {"year": 2021}}, "option year"),
        ({"shard_rows": 3}, "shard_rows"),
        ({"formats": ("parquet",)}, "formats"),
    ],
)
def test_resume_with_different_options_names_the_option(
    tmp_path: Path, change: dict[str, Any], named: str
) -> None:
    out = tmp_path / "ds"
    writer = open_writer(out, shard_rows=2, options={"year": 2020})
    feed(writer, outcomes(5))
    writer.abort()
    settings: dict[str, Any] = {"shard_rows": 2, "options": {"year": 2020}} | change
    with pytest.raises(OptionError, match=named):
        open_writer(out, resume=True, **settings)


@pytest.mark.parametrize(
    ("bad", "named"),
    [
        ({"formats": ("xlsx",)}, "--format"),
        ({"formats": ()}, "--format"),
        ({"shard_rows": 0}, "shard_rows"),
        ({"shard_bytes": -1}, "shard_bytes"),
        ({"jsonl_compression": "bz2"}, "--jsonl-compression"),
    ],
)
def test_bad_settings_are_option_errors(tmp_path: Path, bad: dict[str, Any], named: str) -> None:
    with pytest.raises(OptionError, match=named):
        open_writer(tmp_path / "ds", **bad)
    assert not (tmp_path / "ds").exists()


def test_file_names_never_come_from_document_text(tmp_path: Path) -> None:
    out = tmp_path / "ds"
    record = make_record(0) | {"id": "../../escape", "title": "../x", "source": None}
    writer = open_writer(out)
    writer.add_record(record, 0)
    writer.finish({})
    names = {str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()}
    assert names <= {
        "data/part-00000.parquet",
        "data/part-00000.jsonl",
        "data/part-00000.csv",
        "rejects.jsonl",
        "manifest.json",
        "schema.json",
        "README.md",
        ".docexport/state.json",
    }


def _enospc(*args: Any, **kwargs: Any) -> None:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


@pytest.mark.parametrize(
    "target",
    [
        (pq.ParquetWriter, "write_table"),  # a row group cannot be written
        (os, "fsync"),  # flushing a finished shard (or the journal) fails
        (os, "replace"),  # publishing a shard fails
        (journal, "save_state"),  # the commit's journal cannot be written
    ],
    ids=["parquet-row-group", "fsync", "rename", "journal"],
)
def test_full_disk_is_a_clear_error_and_leaves_only_committed_shards(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, target: tuple[Any, str]
) -> None:
    out = tmp_path / "ds"
    writer = open_writer(out, shard_rows=4)
    feed(writer, outcomes(10)[:5])  # shard 0 committed
    monkeypatch.setattr(*target, _enospc)
    with pytest.raises(OutputError, match=r"No space left on device.*--resume"):
        feed(writer, outcomes(10), start=5)
        writer.finish({})
    monkeypatch.undo()
    writer.abort()
    assert not (out / "manifest.json").exists()
    assert not [p for p in (out / "data").iterdir() if p.name.startswith(".")]
    state = journal.load_state(out)
    assert state is not None
    committed = {s["path"] for s in state["shards"]}
    assert {f"data/{p.name}" for p in (out / "data").iterdir()} == committed
    for shard in state["shards"]:
        assert journal.digest_file(out / shard["path"]) == (shard["bytes"], shard["sha256"])
    resumed = open_writer(out, shard_rows=4, resume=True)
    feed(resumed, outcomes(10), start=resumed.resume_point)
    resumed.finish({"repairs": {"pinyin_removed": 3}})
    assert data_bytes(out) == uninterrupted(tmp_path / "whole", 10, shard_rows=4)


@pytest.mark.parametrize("failing", ["CsvShard", "JsonlShard", "ParquetShard"])
def test_a_shard_file_that_cannot_be_closed_is_named_and_the_others_are_not_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    """The formats' files of a shard are closed side by side (one thread each): the error
    names the one that failed, and no file of that shard is kept, finished or not."""
    from docexport.write import csvfile, jsonl, parquet

    shard_class = {
        "CsvShard": csvfile.CsvShard,
        "JsonlShard": jsonl.JsonlShard,
        "ParquetShard": parquet.ParquetShard,
    }[failing]
    out = tmp_path / "ds"
    writer = open_writer(out, shard_rows=4)
    feed(writer, outcomes(10)[:5])  # shard 0 committed
    real_close = shard_class.close

    def close_then_fail(self: Any) -> None:
        real_close(self)
        _enospc()

    monkeypatch.setattr(shard_class, "close", close_then_fail)
    extension = {"CsvShard": "csv", "JsonlShard": "jsonl", "ParquetShard": "parquet"}[failing]
    with pytest.raises(OutputError, match=rf"\.part-00001\.{extension}\.tmp.*No space left"):
        feed(writer, outcomes(10), start=5)
    monkeypatch.undo()
    writer.abort()
    assert sorted(p.name for p in (out / "data").iterdir()) == [
        "part-00000.csv",
        "part-00000.jsonl",
        "part-00000.parquet",
    ]


def test_ctrl_c_while_a_shard_is_closed_waits_for_every_close_then_stops(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C lands while the main thread waits for the close threads: they finish first (the
    abort that follows deletes the files, and must not race a close still writing them)."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from docexport.write import csvfile

    out = tmp_path / "ds"
    writer = open_writer(out, shard_rows=4)
    feed(writer, outcomes(10)[:5])  # shard 0 committed; shard 1 open
    csv_closing = threading.Event()
    csv_closed = threading.Event()
    real_close = csvfile.CsvShard.close

    def slow_close(self: Any) -> None:
        csv_closing.set()
        time.sleep(0.3)
        real_close(self)
        csv_closed.set()

    real_shutdown = ThreadPoolExecutor.shutdown
    calls = []

    def interrupted_shutdown(self: Any, *args: Any, **kwargs: Any) -> None:
        calls.append(1)
        if len(calls) == 1:
            csv_closing.wait(5)
            raise KeyboardInterrupt  # as SIGINT would, in the middle of the wait
        real_shutdown(self, *args, **kwargs)

    monkeypatch.setattr(csvfile.CsvShard, "close", slow_close)
    monkeypatch.setattr(ThreadPoolExecutor, "shutdown", interrupted_shutdown)
    with pytest.raises(KeyboardInterrupt):
        feed(writer, outcomes(10), start=5)
    assert csv_closed.is_set()  # the close finished before the interrupt went on
    monkeypatch.undo()
    writer.abort()
    resumed = open_writer(out, shard_rows=4, resume=True)
    feed(resumed, outcomes(10), start=resumed.resume_point)
    resumed.finish({"repairs": {"pinyin_removed": 3}})
    assert data_bytes(out) == uninterrupted(tmp_path / "whole", 10, shard_rows=4)


def test_csv_neutralises_formulas_in_the_file_itself(tmp_path: Path) -> None:
    out = tmp_path / "ds"
    write_dataset(out, 19, formats=("csv",))
    with open(out / "data" / "part-00000.csv", encoding="utf-8", newline="") as handle:
        titles = [row["title"] for row in csv.DictReader(handle)]
    assert titles[:6:3] == ["'=1+1", "'+1"]
    assert {"'=1+1", "'+1", "'-1", "'@SUM(A1:A2)", "''引号开头", "'\t制表符开头"} <= set(titles)
    assert not [t for t in titles if t[0] in "=+-@\t"]


@pytest.mark.parametrize(
    ("setup", "status"),
    [
        ("missing", "missing"),
        ("empty", "empty"),
        ("a file", "foreign"),
        ("other files", "foreign"),
        ("skeleton of a run killed before its first journal", "empty"),
        ("skeleton plus a file of the user's", "foreign"),
        ("skeleton with a non-empty rejects.jsonl", "foreign"),
        ("aborted run", "unfinished"),
        ("finished run", "complete"),
    ],
)
def test_dataset_status_tells_what_a_directory_holds(
    tmp_path: Path, setup: str, status: str
) -> None:
    out = tmp_path / "out"
    if setup == "empty":
        out.mkdir()
    elif setup == "a file":
        out.write_text("x", encoding="utf-8")
    elif setup == "other files":
        out.mkdir()
        (out / "data.csv").write_text("a,b\r\n", encoding="utf-8")
    elif setup.startswith("skeleton"):
        (out / "data").mkdir(parents=True)
        (out / "data" / ".part-00000.parquet.tmp").write_bytes(b"PAR1")
        (out / ".docexport").mkdir()
        (out / "rejects.jsonl").write_bytes(b"{}\n" if "rejects" in setup else b"")
        if "user" in setup:
            (out / "data" / "notes.txt").write_text("mine", encoding="utf-8")
    elif setup == "aborted run":
        open_writer(out).abort()
    elif setup == "finished run":
        write_dataset(out, 3)
    assert dataset_status(out) == status


def test_a_file_as_output_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.write_text("x", encoding="utf-8")
    with pytest.raises(OutputError, match="not a directory"):
        open_writer(out, overwrite=True)


def test_resume_without_an_earlier_run_starts_afresh(tmp_path: Path) -> None:
    writer = open_writer(tmp_path / "new", resume=True)
    assert writer.resume_point == 0
    assert writer.resume_extras == []
    writer.abort()


def test_resume_refuses_when_a_committed_shard_was_deleted(tmp_path: Path) -> None:
    out = tmp_path / "ds"
    writer = open_writer(out, shard_rows=2)
    feed(writer, outcomes(5))
    writer.abort()
    (out / "data" / "part-00000.csv").unlink()
    with pytest.raises(OutputError, match=r"data/part-00000\.csv is missing"):
        open_writer(out, shard_rows=2, resume=True)


def test_interrupt_right_after_the_journal_is_saved_keeps_the_shard(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "ds"
    real_save = journal.save_state
    saves = 0

    def save_then_interrupt(path: Path, state: dict[str, Any]) -> None:
        nonlocal saves
        saves += 1
        real_save(path, state)
        if saves == 2:  # shard 0's journal is on disk; Ctrl-C lands before the writer notes it
            raise KeyboardInterrupt

    monkeypatch.setattr(journal, "save_state", save_then_interrupt)
    writer = open_writer(out, shard_rows=4)
    with pytest.raises(KeyboardInterrupt):
        feed(writer, outcomes(10))
    writer.abort()
    assert sorted(os.listdir(out / "data")) == [
        "part-00000.csv",
        "part-00000.jsonl",
        "part-00000.parquet",
    ]
    monkeypatch.setattr(journal, "save_state", real_save)
    assert open_writer(out, shard_rows=4, resume=True).resume_point == 4


@pytest.mark.parametrize(
    "bad",
    [{"stats": {"characters": "many", "paragraphs": 1}}, {"keywords": {"not": "a list"}}],
    ids=["string-in-int-field", "object-in-list-field"],
)
def test_a_record_that_does_not_fit_the_schema_is_a_schema_error(
    tmp_path: Path, bad: dict[str, Any]
) -> None:
    out = tmp_path / "ds"
    writer = open_writer(out, shard_rows=2)
    feed(writer, [("record", make_record(i)) for i in range(3)])
    with pytest.raises(SchemaError, match="does not fit the dataset schema"):
        writer.add_record(make_record(3) | bad, 3)
        writer.finish({})
    writer.abort()
    assert sorted(p.name for p in (out / "data").iterdir()) == [
        "part-00000.csv",
        "part-00000.jsonl",
        "part-00000.parquet",
    ]
    assert dataset_status(out) == "unfinished"


def test_abort_removes_a_temporary_shard_the_writer_never_registered(tmp_path: Path) -> None:
    """Ctrl-C can land between a shard file's creation and the writer recording it."""
    writer = open_writer(tmp_path / "out")
    stray = tmp_path / "out" / "data" / ".part-00000.parquet.tmp"
    stray.write_bytes(b"PAR1")
    writer.abort()
    assert not stray.exists()
    assert dataset_status(tmp_path / "out") == "unfinished"


@pytest.mark.parametrize(
    ("formats", "compression"),
    [(("parquet", "jsonl", "csv"), None), (("jsonl", "csv"), "gz"), (("parquet",), "zst")],
)
def test_records_encoded_elsewhere_give_the_same_files_as_add_record(
    tmp_path: Path, formats: tuple[str, ...], compression: str | None
) -> None:
    """What a --jobs worker does: encode with the writer's encoder, send it pickled, and the
    writer's owner adds the bytes. The files, counts and shard cuts must not notice."""
    options = {"formats": formats, "jsonl_compression": compression, "shard_rows": 6}
    items = outcomes(23)
    direct = open_writer(tmp_path / "direct", **options)
    feed(direct, items)
    expected = direct.finish({})
    encoded = open_writer(tmp_path / "encoded", **options)
    for position, (kind, item) in enumerate(items):
        if kind == "record":
            sent = pickle.loads(pickle.dumps(encoded.encoder(item)))
            encoded.add_encoded(sent, position, input_bytes=position + 1)
        else:
            encoded.add_reject(item, position, input_bytes=position + 1)
    manifest = encoded.finish({})
    assert data_bytes(tmp_path / "encoded") == data_bytes(tmp_path / "direct")
    assert manifest["counts"] == expected["counts"]
    assert manifest["counts"]["repairs"]["pinyin_removed"] == sum(
        r["repairs"]["pinyin_removed"] for r in records_of(items)
    )
    assert manifest["shards"] == expected["shards"]
    # Only Parquet needs the record itself; a worker need not send it otherwise.
    assert (encoded.encoder(make_record(0)).record is None) is ("parquet" not in formats)


@pytest.mark.parametrize(
    ("writer_formats", "encoder_formats"),
    [(("parquet", "jsonl"), ("jsonl",)), (("jsonl", "csv"), ("jsonl", "parquet"))],
)
def test_a_record_encoded_for_other_formats_is_refused(
    tmp_path: Path, writer_formats: tuple[str, ...], encoder_formats: tuple[str, ...]
) -> None:
    writer = open_writer(tmp_path / "ds", formats=writer_formats)
    wrong = RecordEncoder(encoder_formats, CSV_COLUMNS)(make_record(0))
    with pytest.raises(ValueError, match="encode it with this writer's encoder"):
        writer.add_encoded(wrong, 0)
    writer.add_encoded(writer.encoder(make_record(0)), 0)  # input 0 is still the next one
    assert writer.finish({})["counts"]["records"] == 1
