"""The record schema, and the Arrow schema and CSV columns derived from it.

``schemas/news_record.schema.json`` is the one contract between docexport and the tools that read
its datasets. Everything else that needs a shape takes it from here, so the Parquet columns, the
CSV header and the validator can never disagree with the published schema, and a Parquet schema is
never inferred from whatever the first record happened to contain.

The schema ships inside the wheel as ``docexport/schemas/`` (``pyproject.toml`` force-includes the
repository's ``schemas/`` there); an editable install has no such copy, so the repository's
``schemas/`` is the fallback.

>>> SCHEMA_VERSION
'1.0'
>>> csv_columns()[:4]
('id', 'schema_version', 'text', 'title')
>>> arrow_schema().field("stats").type.field("tokens")
pyarrow.Field<tokens: int64>
"""

from __future__ import annotations

import functools
import json
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = [
    "SCHEMA_FILENAME",
    "SCHEMA_ID",
    "SCHEMA_VERSION",
    "arrow_schema",
    "csv_columns",
    "load_schema",
    "schema_path",
]

SCHEMA_FILENAME = "news_record.schema.json"
# The repository's copy, used when the package is installed editable (no packaged copy exists).
_REPO_SCHEMA = Path(__file__).resolve().parent.parent / "schemas" / SCHEMA_FILENAME

# JSON Schema scalar types and the names of their pyarrow type factories. Integers are int64
# because counts (bytes of a large file, token totals) outgrow int32; numbers are float64 for the
# same reason. Names, not types: pyarrow is imported only when an Arrow schema is asked for, so
# validating or building records does not pay its import time.
_ARROW_SCALARS: dict[str, str] = {
    "string": "string",
    "integer": "int64",
    "number": "float64",
    "boolean": "bool_",
}


def schema_path() -> Path:
    """Where the schema file is: the packaged copy when there is one, else the repository's.

    Raises ``FileNotFoundError`` (a broken installation, not a user error) when neither exists.
    """
    packaged = resources.files("docexport").joinpath("schemas").joinpath(SCHEMA_FILENAME)
    if packaged.is_file():
        return Path(str(packaged))
    if _REPO_SCHEMA.is_file():
        return _REPO_SCHEMA
    raise FileNotFoundError(
        f"docexport's record schema is missing (looked for docexport/schemas/{SCHEMA_FILENAME} "
        f"and {_REPO_SCHEMA}); reinstall docexport"
    )


@functools.cache
def load_schema() -> dict[str, Any]:
    """The record schema as a dict, read once per process.

    The same dict is returned on every call so validators and writers share one copy: treat it as
    read-only (``copy.deepcopy`` it before changing anything).
    """
    with schema_path().open(encoding="utf-8") as handle:
        schema: dict[str, Any] = json.load(handle)
    return schema


SCHEMA_ID: str = load_schema()["$id"]
SCHEMA_VERSION: str = load_schema()["properties"]["schema_version"]["const"]


def _split_type(node: dict[str, Any], where: str) -> tuple[str, bool]:
    """The one non-null JSON type of a schema node, and whether ``null`` is also allowed."""
    declared = node.get("type")
    types = [declared] if isinstance(declared, str) else list(declared or ())
    nullable = "null" in types
    concrete = [t for t in types if t != "null"]
    if len(concrete) != 1:
        raise ValueError(f"{where}: cannot map type {declared!r} to one Arrow type")
    return concrete[0], nullable


def _arrow_type(node: dict[str, Any], where: str) -> pa.DataType:
    """The Arrow type of one schema node (its nullability is the caller's field's business)."""
    import pyarrow as pa

    json_type, _ = _split_type(node, where)
    if json_type in _ARROW_SCALARS:
        return getattr(pa, _ARROW_SCALARS[json_type])()
    if json_type == "array":
        return pa.list_(_arrow_field("element", node.get("items", {}), f"{where}[]"))
    if json_type == "object":
        properties = node.get("properties")
        if not properties:
            raise ValueError(f"{where}: a free-form object has no Arrow struct type")
        return pa.struct(
            [_arrow_field(name, child, f"{where}.{name}") for name, child in properties.items()]
        )
    raise ValueError(f"{where}: unsupported JSON type {json_type!r}")


def _arrow_field(name: str, node: dict[str, Any], where: str) -> pa.Field:
    """One Arrow field: nullable exactly when the schema allows null, described as in the schema.

    The description travels as field metadata so a Parquet file explains its own columns.
    """
    import pyarrow as pa

    _, nullable = _split_type(node, where)
    metadata = {"description": node["description"]} if "description" in node else None
    return pa.field(name, _arrow_type(node, where), nullable=nullable, metadata=metadata)


@functools.cache
def arrow_schema() -> pa.Schema:
    """The Parquet/Arrow schema, derived by walking the JSON Schema in property order.

    string -> ``string``, integer -> ``int64``, number -> ``float64``, boolean -> ``bool``,
    array -> ``list`` (items named ``element``, as Parquet names them, so a schema read back from
    a file equals this one), object -> ``struct``; a field is nullable exactly when its JSON type
    lists ``null``. ``pa.Table.from_pylist(records, schema=arrow_schema())`` turns records into
    a table whose ``to_pylist()`` gives the records back unchanged. The schema metadata names the
    record schema's ``$id`` and version so a Parquet file says which contract it follows.
    """
    import pyarrow as pa

    schema = load_schema()
    fields = [_arrow_field(name, node, f"$.{name}") for name, node in schema["properties"].items()]
    return pa.schema(
        fields,
        metadata={"docexport.schema_id": SCHEMA_ID, "docexport.schema_version": SCHEMA_VERSION},
    )


def csv_columns() -> tuple[str, ...]:
    """The top-level record fields in schema order: the CSV header and the key order of a record.

    Nested fields (``dateline``, ``source``…) are one column each; how they are written (JSON text)
    is the CSV writer's choice.
    """
    return tuple(load_schema()["properties"])
