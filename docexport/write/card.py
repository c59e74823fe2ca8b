"""The dataset card: ``README.md`` with a Hugging Face YAML header and readable statistics.

The YAML header is what lets ``datasets.load_dataset(OUT)`` work with no options: ``configs``
points the default config at the shards of one format (Parquet when it was written, else JSONL,
else CSV), and ``dataset_info.features`` spells the Arrow schema in the Hub's YAML feature syntax
(``dtype``, ``list``, ``struct``), so the loader casts to the same types the Parquet files carry
instead of guessing them from the first rows. CSV holds nested fields as JSON text, so a CSV-only
card declares those columns as strings (:func:`csv_schema`), in the config entry too, where the
loader hands them to its CSV reader; otherwise it guesses, and an all-digit id becomes a number
(``"0012"`` comes back as ``"12"``).

Only the default config is declared: a local Hugging Face dataset is read by one builder, chosen
from its files, so a second config pointing at another format would be read with the wrong one.
JSONL and CSV shards are read directly (``pandas.read_json``, ``duckdb``…) when Parquet is there.

The YAML is emitted by hand (it is a fixed, small shape): docexport does not need a YAML library
at run time.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

import pyarrow as pa

__all__ = ["card_data_format", "csv_schema", "feature_lines", "render_card"]

# Arrow types whose Hub dtype name differs from str(type).
_DTYPES = {"float": "float32", "double": "float64", "halffloat": "float16"}
_PLAIN_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _name(name: str) -> str:
    return name if _PLAIN_NAME.match(name) else json.dumps(name)


def _dtype(arrow_type: pa.DataType) -> str:
    if pa.types.is_timestamp(arrow_type):
        tz = f", tz={arrow_type.tz}" if arrow_type.tz else ""
        return f"timestamp[{arrow_type.unit}{tz}]"
    text = str(arrow_type)
    return _DTYPES.get(text, text)


def _fields(key: str, struct: pa.StructType, indent: str) -> list[str]:
    """``key:`` followed by a struct's fields (a struct, or a list of structs)."""
    lines = [f"{indent}{key}:"]
    for child in struct:
        lines += _field(child, indent)
    return lines


def _body(arrow_type: pa.DataType, indent: str) -> list[str]:
    """YAML lines describing one type as a mapping (``dtype: …``, ``list: …``, ``struct: …``)."""
    if pa.types.is_struct(arrow_type):
        return _fields("struct", arrow_type, indent)
    if pa.types.is_list(arrow_type) or pa.types.is_large_list(arrow_type):
        key = "list" if pa.types.is_list(arrow_type) else "large_list"
        item = arrow_type.value_type
        if pa.types.is_struct(item):
            return _fields(key, item, indent)
        if pa.types.is_list(item) or pa.types.is_large_list(item):
            return [f"{indent}{key}:", *_body(item, indent + "  ")]
        return [f"{indent}{key}: {_dtype(item)}"]
    return [f"{indent}dtype: {_dtype(arrow_type)}"]


def _field(field: pa.Field, indent: str) -> list[str]:
    body = _body(field.type, indent + "  ")
    return [f"{indent}- name: {_name(field.name)}", *body]


def feature_lines(arrow_schema: pa.Schema, indent: str = "  ") -> list[str]:
    """The ``features:`` list of a card for ``arrow_schema``, one YAML line per item.

    >>> schema = pa.schema([("id", pa.string()), ("tags", pa.list_(pa.string())),
    ...                     ("byline", pa.struct([("raw", pa.string()), ("n", pa.int64())]))])
    >>> print("\\n".join(feature_lines(schema, indent="")))
    - name: id
      dtype: string
    - name: tags
      list: string
    - name: byline
      struct:
      - name: raw
        dtype: string
      - name: n
        dtype: int64
    """
    lines: list[str] = []
    for field in arrow_schema:
        lines += _field(field, indent)
    return lines


def csv_schema(arrow_schema: pa.Schema, csv_columns: Sequence[str]) -> pa.Schema:
    """The types of the CSV columns: scalars keep their Arrow type, nested fields are strings.

    >>> schema = pa.schema([("id", pa.string()), ("n", pa.int64()), ("t", pa.list_(pa.string()))])
    >>> csv_schema(schema, ["id", "n", "t"]).types
    [DataType(string), DataType(int64), DataType(string)]
    """
    fields = []
    for name in csv_columns:
        index = arrow_schema.get_field_index(name)
        kind = arrow_schema.field(index).type if index >= 0 else pa.string()
        if pa.types.is_nested(kind):
            kind = pa.string()
        fields.append(pa.field(name, kind))
    return pa.schema(fields)


def card_data_format(formats: Sequence[str]) -> str:
    """The format the card's default config reads: Parquet first, then JSONL, then CSV."""
    for candidate in ("parquet", "jsonl", "csv"):
        if candidate in formats:
            return candidate
    raise ValueError(f"no known format in {formats!r}")


def _table(header: tuple[str, str], rows: Sequence[tuple[str, Any]]) -> list[str]:
    lines = [f"| {header[0]} | {header[1]} |", "| --- | ---: |"]
    lines += [f"| {key} | {value} |" for key, value in rows]
    return lines


def render_card(
    *,
    arrow_schema: pa.Schema,
    formats: Sequence[str],
    data_glob: str,
    counts: Mapping[str, Any],
    shards: Sequence[Mapping[str, Any]],
    report: Mapping[str, Any],
    csv_excel: bool = False,
    csv_columns: Sequence[str] | None = None,
) -> str:
    """The whole ``README.md``: YAML header, then counts, rejects, repairs and files."""
    data_format = card_data_format(formats)
    yaml = [
        "---",
        "language:",
        "- zh",
        "configs:",
        "- config_name: default",
        "  data_files:",
        "  - split: train",
        f"    path: {json.dumps(data_glob)}",
    ]
    features = arrow_schema
    if data_format == "csv":
        features = csv_schema(arrow_schema, csv_columns or arrow_schema.names)
        # In the config entry, features also reach the CSV reader (as pandas dtypes); under
        # dataset_info alone they are only used to cast what pandas already guessed.
        yaml += ["  features:", *feature_lines(features, indent="  ")]
    yaml += ["dataset_info:", "  features:", *feature_lines(features, indent="  ")]
    yaml.append("---")

    out = [*yaml, "", "# docexport dataset", ""]
    out.append(
        "Chinese news documents repaired and exported by docexport. Every input document is "
        "exactly one record, one duplicate entry or one reject: "
        "`inputs = records + duplicates + rejects`."
    )
    out += ["", "## Counts", ""]
    out += _table(
        ("", "documents"),
        [(key, counts.get(key, 0)) for key in ("inputs", "records", "duplicates", "rejects")],
    )
    by_reason = sorted((counts.get("rejects_by_reason") or {}).items())
    by_reason += sorted(
        (f"duplicate/{reason}", number)
        for reason, number in (counts.get("duplicates_by_reason") or {}).items()
    )
    if by_reason:
        out += ["", "## Rejects and duplicates by stage and reason", ""]
        out += ["Each is one line of `rejects.jsonl`, with its source and a detail.", ""]
        out += _table(("stage/reason", "documents"), by_reason)
    repairs = report.get("repairs") or counts.get("repairs")
    if isinstance(repairs, Mapping) and repairs:
        out += ["", "## Repairs", "", "Total repairs over all records, per pass:", ""]
        out += _table(("pass", "count"), list(repairs.items()))
    out += ["", "## Files", ""]
    for fmt in formats:
        mine = [s for s in shards if s["format"] == fmt]
        size = sum(int(s["bytes"]) for s in mine)
        out.append(f"- {fmt}: {len(mine)} shard(s), {size:,} bytes")
    out += [
        "- `manifest.json`: versions, options, counts and every shard with rows, bytes and sha256",
        "- `schema.json`: the JSON Schema every record satisfies",
        "- `rejects.jsonl`: the inputs that did not become records, and why",
        "",
        "## Loading",
        "",
        "```python",
        "import datasets",
        'ds = datasets.load_dataset("path/to/this/directory", split="train")',
        "```",
        "",
        "Parquet and JSONL carry nested fields as structs and lists.",
    ]
    if "csv" in formats:
        bom = " Files start with a UTF-8 byte order mark (for Excel)." if csv_excel else ""
        out += [
            "",
            "CSV files are RFC 4180 UTF-8 with nested fields as JSON text; an empty cell is "
            "null. Cells that a spreadsheet would run as a formula (starting with `=`, `+`, `-`, "
            "`@`, tab or carriage return) and cells starting with `'` are prefixed with `'`; "
            "drop one leading `'` from a string cell to get the original value." + bom,
        ]
    return "\n".join(out) + "\n"
