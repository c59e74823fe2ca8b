"""RecordEncoder and EncodedRecord: what a worker sends must arrive as the record it encoded."""

from __future__ import annotations

import pickle
from typing import Any

import orjson
import pyarrow as pa
import pytest

from docexport.write.csvfile import csv_row
from docexport.write.encode import EncodedRecord, RecordEncoder

COLUMNS = ("id", "title", "tokens", "stats")
TOKENS = ["新华社", "北京", "１月", "５日", "电", "，", "", " ", "(WHO)", "𠀀"] * 4


def record(**changes: Any) -> dict[str, Any]:
    base = {
        "id": "0a1b",
        "title": "=国务院召开常务会议",
        "tokens": list(TOKENS),
        "keywords": ["会议", "国务院"],
        "stats": {"tokens": len(TOKENS), "ratio": 0.5},
        "repairs": {"pinyin_removed": 2, "commas_collapsed": 1},
    }
    return base | changes


def test_encoder_gives_the_jsonl_line_csv_row_and_repairs() -> None:
    rec = record()
    encoded = RecordEncoder(("parquet", "jsonl", "csv"), COLUMNS)(rec)
    assert encoded.line == orjson.dumps(rec) + b"\n"
    assert encoded.csv == csv_row([rec["id"], rec["title"], rec["tokens"], rec["stats"]])
    assert encoded.csv.startswith(b"0a1b,'=")  # the title is neutralised
    assert encoded.record is rec
    assert encoded.repairs == {"pinyin_removed": 2, "commas_collapsed": 1}


@pytest.mark.parametrize(
    ("formats", "has_csv", "has_record"),
    [(("jsonl",), False, False), (("csv",), True, False), (("parquet",), False, True)],
)
def test_encoder_prepares_only_what_the_formats_need(
    formats: tuple[str, ...], has_csv: bool, has_record: bool
) -> None:
    encoded = RecordEncoder(formats, COLUMNS)(record())
    assert (encoded.csv is not None) is has_csv
    assert (encoded.record is not None) is has_record


def test_a_value_json_cannot_hold_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        RecordEncoder(("jsonl",), COLUMNS)(record(title={1, 2}))


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"tokens": [*TOKENS, "a\x1fb"]},  # a control character inside a token
        {"tokens": list(range(32))},  # not strings
        {"tokens": None},
        {"tokens": [""] * 16},
        {"tokens": ["x"] * 16, "keywords": ["y"] * 17},
    ],
)
def test_an_encoded_record_unpickles_equal_to_what_was_pickled(changes: dict[str, Any]) -> None:
    rec = record(**changes)
    encoded = RecordEncoder(("parquet", "jsonl", "csv"), COLUMNS)(rec)
    for protocol in (4, pickle.HIGHEST_PROTOCOL):
        back = pickle.loads(pickle.dumps(encoded, protocol=protocol))
        assert back == encoded
        assert back.record is not None
        assert list(back.record) == list(rec)  # key order decides the JSONL and Arrow order
    assert encoded.record is rec and rec == record(**changes)  # pickling left it untouched


def test_a_record_without_parquet_data_pickles_too() -> None:
    jsonl_only = EncodedRecord(line=b"{}\n")
    assert pickle.loads(pickle.dumps(jsonl_only)) == jsonl_only


# -- Parquet rows converted by the worker -----------------------------------------------------

ARROW = pa.schema(
    [
        ("id", pa.string()),
        ("title", pa.string()),
        ("tokens", pa.list_(pa.field("element", pa.string(), nullable=False))),
        ("keywords", pa.list_(pa.field("element", pa.string(), nullable=False))),
        ("stats", pa.struct([("tokens", pa.int64()), ("ratio", pa.float64())])),
    ]
)


def test_to_arrow_turns_the_records_of_a_batch_into_rows_of_one_arrow_batch() -> None:
    encoder = RecordEncoder(("parquet", "jsonl"), COLUMNS, ARROW)
    records = [record(id=str(n), tokens=TOKENS[:n]) for n in range(5)]
    converted = encoder.to_arrow([encoder(r) for r in records])
    assert [item.record for item in converted] == [None] * 5
    rows = [item.arrow for item in converted]
    assert all(row is not None and row.batch is rows[0].batch for row in rows)  # type: ignore[union-attr]
    assert [row.index for row in rows] == [0, 1, 2, 3, 4]  # type: ignore[union-attr]
    expected = pa.RecordBatch.from_pylist(records, schema=ARROW)
    assert rows[0].batch.equals(expected)  # type: ignore[union-attr]
    assert [item.line for item in converted] == [orjson.dumps(r) + b"\n" for r in records]


def test_a_batch_of_rows_is_pickled_once_for_all_its_records() -> None:
    encoder = RecordEncoder(("parquet", "jsonl"), COLUMNS, ARROW)
    converted = encoder.to_arrow([encoder(record(id=str(n))) for n in range(50)])
    one = len(pickle.dumps(converted[:1]))
    fifty = pickle.dumps(converted)
    line = len(converted[0].line)
    assert len(fifty) < one + 49 * (line + 100)  # each more record adds its line, not a batch
    back = pickle.loads(fifty)
    assert back[0].arrow.batch is back[49].arrow.batch
    assert back[7].arrow.batch.slice(7, 1).to_pylist()[0]["id"] == "7"


def test_records_arrow_cannot_take_keep_their_dicts() -> None:
    encoder = RecordEncoder(("parquet", "jsonl"), COLUMNS, ARROW)
    bad = record(stats={"tokens": "many", "ratio": 0.5})  # a string where the schema has int64
    converted = encoder.to_arrow([encoder(record()), encoder(bad)])
    assert [item.record for item in converted] == [record(), bad]  # the writer reports it
    assert [item.arrow for item in converted] == [None, None]


def test_without_parquet_or_schema_nothing_is_converted() -> None:
    for encoder in (
        RecordEncoder(("jsonl",), COLUMNS, None),
        RecordEncoder(("parquet", "jsonl"), COLUMNS, None),
    ):
        encoded = [encoder(record())]
        assert encoder.to_arrow(encoded) == encoded
