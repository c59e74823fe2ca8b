"""THE contract test: the JSON Schema, the Arrow schema and build_record's records agree.

Readers of a docexport dataset rely on one shape. If a field is added to the JSON Schema but not to
the record (or the other way round), or Parquet gets a type or nullability the schema does not
say, these tests fail before a dataset with drifting columns is written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jsonschema
import jsonschema_rs
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from test_record import minimal_parts, seed_record

from docexport.data import REPAIR_KEYS, Article, Enrichment, NormaliseResult, Source
from docexport.record import QUALITY_FLAGS, build_record
from docexport.schema import (
    SCHEMA_ID,
    SCHEMA_VERSION,
    arrow_schema,
    csv_columns,
    load_schema,
    schema_path,
)
from docexport.validate import RecordValidator

SCALARS = {"string": pa.string(), "integer": pa.int64(), "number": pa.float64()}


def walk(node: dict[str, Any], where: str = "$") -> list[tuple[str, dict[str, Any]]]:
    """Every property and item schema under ``node``, with its path."""
    found = [(where, node)]
    for name, child in node.get("properties", {}).items():
        found += walk(child, f"{where}.{name}")
    if "items" in node:
        found += walk(node["items"], f"{where}[]")
    return found


def json_types(node: dict[str, Any]) -> tuple[str, bool]:
    declared = node["type"]
    types = [declared] if isinstance(declared, str) else declared
    concrete = [t for t in types if t != "null"]
    assert len(concrete) == 1, types
    return concrete[0], "null" in types


def pd_records(articles: list[Any], limit: int = 200) -> list[dict[str, Any]]:
    """Records for real People's Daily articles (title = first line, body = the rest)."""
    records = []
    for number, article in enumerate(articles[:limit], start=1):
        if len(article.lines) < 2:
            continue
        text = article.text
        records.append(
            build_record(
                source=Source(
                    uri="199801.jsonl",
                    data=text.encode("utf-8"),
                    line=number,
                    text=text,
                    encoding="utf-8",
                    metadata={"id": article.id, "day": article.day},
                ),
                encoding="utf-8",
                normalised=NormaliseResult(
                    text=text,
                    repairs=dict.fromkeys(REPAIR_KEYS, 0),
                    script_detected="Hans",
                    script_output="Hans",
                ),
                article=Article(
                    title=article.lines[0],
                    subtitle=None,
                    dateline=None,
                    byline=None,
                    paragraphs=article.lines[1:],
                    lines=article.lines,
                ),
                enrichment=Enrichment(
                    tokens=tuple(word for word, _tag in article.tokens),
                    persons=article.persons,
                    places=article.places,
                    organizations=article.organizations,
                    keywords=article.places[:3],
                ),
            )
        )
    return records


@pytest.fixture(scope="module")
def records() -> list[dict[str, Any]]:
    """Hand-built records covering both present and absent optional parts."""
    return [seed_record(), build_record(**minimal_parts()), seed_record(enrichment=None)]


# --- the JSON Schema itself ---------------------------------------------------------------------


def test_schema_is_valid_json_schema_2020_12() -> None:
    schema = load_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)
    assert jsonschema_rs.meta.is_valid(schema)


def test_schema_names_its_id_and_version() -> None:
    schema = load_schema()
    assert SCHEMA_VERSION == "1.0"
    assert schema["properties"]["schema_version"]["const"] == SCHEMA_VERSION
    assert schema["$id"] == SCHEMA_ID
    assert SCHEMA_ID.endswith(":" + SCHEMA_VERSION)


def test_every_field_has_a_description() -> None:
    missing = [path for path, node in walk(load_schema()) if not node.get("description")]
    assert missing == []


def test_every_object_is_closed_and_lists_all_its_fields_as_required() -> None:
    # Every key is always present (null or empty when absent), so every format has every column.
    for path, node in walk(load_schema()):
        if "properties" in node:
            assert node.get("additionalProperties") is False, path
            assert node["required"] == list(node["properties"]), path


def test_repairs_fields_are_exactly_the_repair_keys_in_order() -> None:
    repairs = load_schema()["properties"]["repairs"]
    assert tuple(repairs["properties"]) == REPAIR_KEYS
    assert all(
        node == {**node, "type": "integer", "minimum": 0} for node in repairs["properties"].values()
    )


def test_quality_flags_enum_covers_every_flag_docexport_raises() -> None:
    raised_by_normalise = {"mojibake", "lost_characters"}
    raised_by_record = {"no_title", "no_dateline", "no_byline", "short", "low_han_ratio"}
    assert set(QUALITY_FLAGS) == raised_by_normalise | raised_by_record


def test_packaged_or_repository_schema_is_the_file_that_is_loaded() -> None:
    path = schema_path()
    assert path.name == "news_record.schema.json"
    assert load_schema() is load_schema()  # read once per process


# --- JSON Schema <-> Arrow schema ---------------------------------------------------------------


def assert_arrow_matches(node: dict[str, Any], arrow_type: pa.DataType, where: str) -> None:
    json_type, _ = json_types(node)
    if json_type in SCALARS:
        assert arrow_type == SCALARS[json_type], where
    elif json_type == "array":
        assert pa.types.is_list(arrow_type), where
        item = arrow_type.value_field
        assert item.nullable == json_types(node["items"])[1], where
        assert_arrow_matches(node["items"], item.type, f"{where}[]")
    else:
        assert json_type == "object", where
        assert pa.types.is_struct(arrow_type), where
        assert [arrow_type.field(i).name for i in range(arrow_type.num_fields)] == list(
            node["properties"]
        ), where
        for name, child in node["properties"].items():
            field = arrow_type.field(name)
            assert field.nullable == json_types(child)[1], f"{where}.{name}"
            assert field.metadata[b"description"] == child["description"].encode(), name
            assert_arrow_matches(child, field.type, f"{where}.{name}")


def test_arrow_schema_has_every_field_in_schema_order_with_matching_types_and_nullability() -> None:
    schema = load_schema()
    arrow = arrow_schema()
    assert arrow.names == list(schema["properties"])
    for name, node in schema["properties"].items():
        field = arrow.field(name)
        assert field.nullable == json_types(node)[1], name
        assert_arrow_matches(node, field.type, f"$.{name}")


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (("id",), pa.field("id", pa.string(), nullable=False)),
        (("subtitle",), pa.field("subtitle", pa.string(), nullable=True)),
        (("tokens",), pa.field("tokens", pa.list_(pa.field("element", pa.string(), False)), True)),
        (("stats", "tokens"), pa.field("tokens", pa.int64(), nullable=True)),
        (("stats", "characters"), pa.field("characters", pa.int64(), nullable=False)),
        (("quality", "han_ratio"), pa.field("han_ratio", pa.float64(), nullable=False)),
        (("dateline", "year"), pa.field("year", pa.int64(), nullable=True)),
        (
            ("source", "metadata"),
            pa.field(
                "metadata",
                pa.list_(
                    pa.field(
                        "element",
                        pa.struct(
                            [pa.field("key", pa.string(), False), pa.field("value", pa.string())]
                        ),
                        False,
                    )
                ),
                False,
            ),
        ),
    ],
)
def test_arrow_types_of_representative_fields(path: tuple[str, ...], expected: pa.Field) -> None:
    field = arrow_schema().field(path[0])
    for name in path[1:]:
        field = field.type.field(name)
    assert field.remove_metadata().equals(expected, check_metadata=False)


def test_arrow_schema_says_which_record_schema_it_follows() -> None:
    metadata = arrow_schema().metadata
    assert metadata[b"docexport.schema_id"] == SCHEMA_ID.encode()
    assert metadata[b"docexport.schema_version"] == b"1.0"


def test_csv_columns_are_the_top_level_fields_in_schema_order() -> None:
    assert csv_columns() == tuple(load_schema()["properties"]) == tuple(arrow_schema().names)


# --- records <-> both schemas -------------------------------------------------------------------


def assert_keys_in_schema_order(value: Any, node: dict[str, Any], where: str) -> None:
    if value is None:
        assert json_types(node)[1], f"{where} is null but not nullable"
        return
    if "properties" in node:
        assert list(value) == list(node["properties"]), where
        for name, child in node["properties"].items():
            assert_keys_in_schema_order(value[name], child, f"{where}.{name}")
    elif "items" in node:
        for index, item in enumerate(value):
            assert_keys_in_schema_order(item, node["items"], f"{where}[{index}]")


def test_records_have_every_schema_field_in_schema_order(records: list[dict[str, Any]]) -> None:
    for record in records:
        assert_keys_in_schema_order(record, load_schema(), "$")
        assert tuple(record) == csv_columns()


def test_records_validate(records: list[dict[str, Any]]) -> None:
    validator = RecordValidator()
    for record in records:
        assert validator.validate(record) == []


def round_trip(records: list[dict[str, Any]], path: Path) -> pa.Table:
    pq.write_table(pa.Table.from_pylist(records, schema=arrow_schema()), path)
    return pq.read_table(path)


def test_parquet_round_trip_gives_the_records_back(
    records: list[dict[str, Any]], tmp_path: Path
) -> None:
    table = round_trip(records, tmp_path / "part-00000.parquet")
    assert table.schema.equals(arrow_schema(), check_metadata=True)
    assert table.to_pylist() == records


def test_real_people_daily_records_validate_and_round_trip(
    pd_dev_articles: list[Any], tmp_path: Path
) -> None:
    records = pd_records(pd_dev_articles)
    assert len(records) > 100
    validator = RecordValidator()
    assert [record["id"] for record in records if validator.validate(record)] == []
    for record in records[:20]:
        assert_keys_in_schema_order(record, load_schema(), "$")
    assert round_trip(records, tmp_path / "pd.parquet").to_pylist() == records


def test_common_readers_read_metadata_pairs_without_options(
    records: list[dict[str, Any]], tmp_path: Path
) -> None:
    # source.metadata is a list of {key, value} structs so every reader gets the same pairs.
    import duckdb
    import pandas as pd
    import polars as pl

    path = tmp_path / "part-00000.parquet"
    round_trip(records, path)
    expected = [{"key": "url", "value": "http://example.com/a/1"}, {"key": "page", "value": "2"}]
    frame = pd.read_parquet(path)
    assert list(frame.columns) == list(csv_columns())
    assert list(frame["source"][0]["metadata"]) == expected
    assert pl.read_parquet(path)["source"][0]["metadata"] == expected
    rows = duckdb.sql(f"SELECT source.metadata FROM '{path}'").fetchall()
    assert rows[0][0] == expected


@pytest.mark.slow
def test_hugging_face_datasets_loads_the_records(
    records: list[dict[str, Any]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # datasets cannot load Arrow map columns (huggingface/datasets#5612); this pins that the
    # schema has none and everything it has loads.
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    import datasets

    data = tmp_path / "out" / "data"
    data.mkdir(parents=True)
    round_trip(records, data / "part-00000.parquet")
    loaded = datasets.load_dataset(
        str(tmp_path / "out"), split="train", cache_dir=str(tmp_path / "c")
    )
    assert loaded.column_names == list(csv_columns())
    assert loaded[0] == records[0]
