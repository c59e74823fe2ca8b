"""The dataset card: its YAML features must parse back to the Arrow schema in Hugging Face."""

from __future__ import annotations

import pyarrow as pa
import pytest

from docexport.write.card import card_data_format, feature_lines, render_card

SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("score", pa.float64()),
        ("ok", pa.bool_()),
        ("tags", pa.list_(pa.string())),
        ("authors", pa.list_(pa.struct([("name", pa.string()), ("role", pa.string())]))),
        ("grid", pa.list_(pa.list_(pa.int64()))),
        ("stats", pa.struct([("n", pa.int64()), ("ratio", pa.float32())])),
    ]
)


def _card_features(card: str) -> list[dict]:
    yaml = pytest.importorskip("yaml")
    header = card.split("---\n")[1]
    return yaml.safe_load(header)["dataset_info"]["features"]


@pytest.mark.parametrize("schema_source", ["test", "project"])
def test_card_features_parse_back_to_the_arrow_schema(schema_source: str) -> None:
    datasets = pytest.importorskip("datasets")
    if schema_source == "project":
        schema_module = pytest.importorskip("docexport.schema")
        arrow_schema = schema_module.arrow_schema()
    else:
        arrow_schema = SCHEMA
    card = render_card(
        arrow_schema=arrow_schema,
        formats=["parquet"],
        data_glob="data/*.parquet",
        counts={},
        shards=[],
        report={},
    )
    # HF's own reading of the Arrow schema (which ignores nullability and field metadata) must be
    # what it reads from the card.
    features = datasets.Features._from_yaml_list(_card_features(card))
    assert features == datasets.Features.from_arrow_schema(arrow_schema.remove_metadata())
    assert list(features) == arrow_schema.names


def test_card_header_points_the_default_config_at_one_format() -> None:
    yaml = pytest.importorskip("yaml")
    card = render_card(
        arrow_schema=SCHEMA,
        formats=["jsonl", "csv"],
        data_glob="data/*.jsonl.gz",
        counts={"inputs": 3, "records": 2, "rejects": 1, "duplicates": 0},
        shards=[],
        report={},
    )
    header = yaml.safe_load(card.split("---\n")[1])
    assert header["configs"] == [
        {"config_name": "default", "data_files": [{"split": "train", "path": "data/*.jsonl.gz"}]}
    ]
    assert "| inputs | 3 |" in card
    assert "prefixed with `'`" in card  # CSV neutralisation is documented for readers


def test_csv_only_card_declares_nested_columns_as_strings() -> None:
    yaml = pytest.importorskip("yaml")
    card = render_card(
        arrow_schema=SCHEMA,
        formats=["csv"],
        data_glob="data/*.csv",
        counts={},
        shards=[],
        report={},
    )
    features = {item["name"]: item for item in _card_features(card)}
    assert list(features) == SCHEMA.names
    assert features["authors"] == {"name": "authors", "dtype": "string"}  # JSON text in CSV
    assert features["stats"] == {"name": "stats", "dtype": "string"}
    assert features["score"] == {"name": "score", "dtype": "float64"}
    assert features["id"] == {"name": "id", "dtype": "string"}
    # the config entry carries them too, so the CSV reader itself reads ids as text
    config = yaml.safe_load(card.split("---\n")[1])["configs"][0]
    assert config["features"] == _card_features(card)


@pytest.mark.parametrize(
    ("formats", "chosen"),
    [(["csv", "parquet"], "parquet"), (["csv", "jsonl"], "jsonl"), (["csv"], "csv")],
)
def test_card_prefers_parquet_then_jsonl(formats: list[str], chosen: str) -> None:
    assert card_data_format(formats) == chosen


def test_field_names_that_are_not_identifiers_are_quoted() -> None:
    lines = feature_lines(pa.schema([("标题", pa.string())]), indent="")
    assert lines[0] == '- name: "\\u6807\\u9898"'
