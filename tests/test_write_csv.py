"""CSV cells: formula neutralisation (reversible), nulls, booleans, numbers, nested JSON."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from docexport.write.csvfile import (
    CsvShard,
    csv_cell,
    csv_header,
    csv_row,
    neutralise,
    unneutralise,
)

# Text that exercises every quoting rule: the delimiter, quotes, both line-ending characters,
# leading spaces and formula characters, Chinese, and characters outside the BMP.
CSV_TEXT = st.text(
    alphabet=st.sampled_from(list(",\"\r\n \t'=+-@ab中文，“”\U00020000")), max_size=12
)
CSV_VALUE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    CSV_TEXT,
    st.lists(CSV_TEXT, max_size=3),
    st.dictionaries(CSV_TEXT, st.one_of(st.none(), CSV_TEXT), max_size=2),
)


def csv_module_row(cells: list[str]) -> bytes:
    """What the standard library's csv.writer writes for ``cells``, as UTF-8 bytes."""
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL).writerow(cells)
    return buffer.getvalue().encode("utf-8")


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("'already quoted", "''already quoted"),
        # negative cases: ordinary text is left alone, including formula characters inside it
        ("人民日报", "人民日报"),
        ("1+1=2", "1+1=2"),
        ("邮箱 a@b.cn", "邮箱 a@b.cn"),
        ("", ""),
        (" =1", " =1"),
    ],
)
def test_neutralise_prefixes_only_leading_formula_characters(value: str, cell: str) -> None:
    assert neutralise(value) == cell
    assert unneutralise(cell) == value


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        (None, ""),
        (True, "true"),
        (False, "false"),
        (0, "0"),
        (-3, "-3"),  # a number column: not text, so not neutralised
        (0.5, "0.5"),
        ([], "[]"),
        (["疫情", "防控"], '["疫情","防控"]'),
        ({"name": "朱虹", "role": None}, '{"name":"朱虹","role":null}'),
        ({"flags": ["=x"]}, '{"flags":["=x"]}'),  # JSON text starts with { and is safe
    ],
)
def test_csv_cell_writes_json_style_text(value: Any, cell: str) -> None:
    assert csv_cell(value) == cell


@pytest.mark.parametrize("excel", [False, True])
def test_csv_shard_is_rfc4180_with_crlf_and_optional_bom(tmp_path: Path, excel: bool) -> None:
    shard = CsvShard(tmp_path, 0, ["id", "text", "n"], excel=excel)
    shard.add({"id": "a", "text": '第一行\n第二行，"引号"', "n": 1}, b"")
    shard.add({"id": "b", "text": "-1", "n": None}, b"")
    shard.close()
    raw = shard.temp_path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") is excel
    body = raw.decode("utf-8-sig")
    assert body == 'id,text,n\r\na,"第一行\n第二行，""引号""",1\r\nb,\'-1,\r\n'
    rows = list(csv.reader(io.StringIO(body, newline="")))
    assert rows[1] == ["a", '第一行\n第二行，"引号"', "1"]


def test_discarded_shard_leaves_no_file(tmp_path: Path) -> None:
    shard = CsvShard(tmp_path, 0, ["id"])
    shard.add({"id": "a"}, b"")
    shard.discard()
    assert list(tmp_path.iterdir()) == []


@given(st.lists(CSV_VALUE, max_size=6))
def test_csv_row_is_byte_identical_to_the_csv_module(values: list[Any]) -> None:
    assert csv_row(values) == csv_module_row([csv_cell(v) for v in values])


@given(st.lists(CSV_TEXT, max_size=6))
def test_csv_header_is_byte_identical_to_the_csv_module(columns: list[str]) -> None:
    assert csv_header(columns) == csv_module_row(columns)


@pytest.mark.parametrize(
    ("values", "row"),
    [
        ([""], b'""\r\n'),  # one empty cell must not read back as an empty line
        ([None], b'""\r\n'),
        (["", ""], b",\r\n"),
        ([], b"\r\n"),
        ([" a", "b "], b" a,b \r\n"),  # spaces alone need no quotes
        (['a"b'], b'"a""b"\r\n'),
        (["a\rb"], b'"a\rb"\r\n'),
    ],
)
def test_csv_row_edge_cases(values: list[Any], row: bytes) -> None:
    assert csv_row(values) == row
    assert (
        list(csv.reader(io.StringIO(row.decode(), newline=""))) == [[csv_cell(v) for v in values]]
        or not values
    )
