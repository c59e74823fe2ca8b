"""RecordEncoder and EncodedRecord: what a worker sends must arrive as the record it encoded."""

from __future__ import annotations

import pickle
from typing import Any

import orjson
import pytest

from docexport.write.csvfile import csv_row
from docexport.write.encode import JOIN_MIN_ITEMS, JOIN_SEPARATOR, EncodedRecord, RecordEncoder

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
        {},  # a long token list: sent joined
        {"tokens": [*TOKENS, f"a{JOIN_SEPARATOR}b"]},  # the separator inside a token
        {"tokens": list(range(JOIN_MIN_ITEMS * 2))},  # not strings
        {"tokens": TOKENS[: JOIN_MIN_ITEMS - 1]},  # short: sent as it is
        {"tokens": None},
        {"tokens": [""] * JOIN_MIN_ITEMS},
        {"tokens": ["x"] * JOIN_MIN_ITEMS, "keywords": ["y"] * (JOIN_MIN_ITEMS + 1)},
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


def test_long_token_lists_travel_as_one_string() -> None:
    encoded = RecordEncoder(("parquet",), COLUMNS)(record())
    payload = pickle.dumps(encoded)
    assert JOIN_SEPARATOR.join(TOKENS).encode("utf-8") in payload
    jsonl_only = EncodedRecord(line=b"{}\n")
    assert pickle.loads(pickle.dumps(jsonl_only)) == jsonl_only
