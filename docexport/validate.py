"""Check records against the record schema, fast when they are valid and precise when not.

Nearly every record is valid, so the per-document cost is one ``jsonschema_rs`` ``is_valid`` call
(compiled Rust, microseconds). Only a record it rejects goes through python-jsonschema's
``iter_errors``, which reports every error with its JSON path; pure-Python validation of every
record would cost more than all other stages together. Both validators check formats (``date``),
and a test pins that they accept and reject exactly the same records. Both are built once: a
:class:`RecordValidator` per process, or the module's shared one behind :func:`validate_record`.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import jsonschema_rs

from docexport.schema import load_schema

if TYPE_CHECKING:
    import jsonschema

__all__ = ["RecordValidator", "SchemaIssue", "json_path", "validate_record"]

# A message quotes the offending value; a whole paragraph list in a reject line helps nobody.
MAX_MESSAGE_CHARACTERS = 300


@dataclass(frozen=True, slots=True)
class SchemaIssue:
    """One way a record breaks the schema: where (``$.dateline.month``) and what."""

    path: str
    message: str


def json_path(parts: Iterable[str | int]) -> str:
    """A JSONPath for the location of an error, from its path parts.

    >>> json_path(["dateline", "month"])
    '$.dateline.month'
    >>> json_path(["byline", "authors", 0, "name"])
    '$.byline.authors[0].name'
    >>> json_path(["source", "metadata", 1, "key"])
    '$.source.metadata[1].key'
    >>> json_path([])
    '$'
    """
    path = "$"
    for part in parts:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part.isidentifier():
            path += f".{part}"
        else:
            path += "[" + repr(part) + "]"
    return path


def _shorten(message: str) -> str:
    if len(message) <= MAX_MESSAGE_CHARACTERS:
        return message
    return message[: MAX_MESSAGE_CHARACTERS - 1] + "…"


class RecordValidator:
    """Validates records against the record schema (or another schema given explicitly).

    Build one per process and reuse it: compiling the schema is the expensive part.
    """

    def __init__(self, schema: Mapping[str, Any] | None = None) -> None:
        self._schema = dict(load_schema() if schema is None else schema)
        self._fast = jsonschema_rs.validator_for(self._schema, validate_formats=True)

    @functools.cached_property
    def _full(self) -> jsonschema.protocols.Validator:
        """python-jsonschema, imported and built on the first invalid record only: most worker
        processes never need it, and importing it costs a tenth of a second."""
        import jsonschema

        cls = jsonschema.validators.validator_for(self._schema)
        cls.check_schema(self._schema)
        return cls(self._schema, format_checker=cls.FORMAT_CHECKER)

    def is_valid(self, record: Mapping[str, Any]) -> bool:
        """Whether the record satisfies the schema (the fast path only)."""
        try:
            return bool(self._fast.is_valid(record))
        except (ValueError, TypeError, OverflowError):
            return False

    def validate(self, record: Mapping[str, Any]) -> list[SchemaIssue]:
        """Every way the record breaks the schema; empty when it is valid.

        The issue jsonschema's ``best_match`` finds most relevant comes first, the others follow
        in the order jsonschema reports them.
        """
        if self.is_valid(record):
            return []
        from jsonschema.exceptions import best_match

        errors = list(self._full.iter_errors(record))
        if not errors:
            return self._fast_issues(record)
        best = best_match(errors)
        ordered = [best, *(error for error in errors if error is not best)]
        return [
            SchemaIssue(json_path(error.absolute_path), _shorten(error.message))
            for error in ordered
        ]

    def _fast_issues(self, record: Mapping[str, Any]) -> list[SchemaIssue]:
        """Issues from jsonschema-rs, for the (tested-against) case where only it objects.

        A value it cannot even read (a string with a lone surrogate, an integer beyond 64 bits)
        makes it fail without a path; that is reported at the root rather than lost.
        """
        try:
            issues = [
                SchemaIssue(json_path(error.instance_path), _shorten(error.message))
                for error in self._fast.iter_errors(record)
            ]
        except (ValueError, TypeError, OverflowError) as exc:
            return [SchemaIssue("$", _shorten(f"record cannot be checked: {exc}"))]
        return issues or [SchemaIssue("$", "record rejected by the schema validator")]

    @staticmethod
    def summary(issues: Sequence[SchemaIssue]) -> str:
        """One line for a reject or a log: the most relevant issue and how many more there are.

        >>> RecordValidator.summary([SchemaIssue("$.stats.tokens", "-1 is less than 0")])
        '$.stats.tokens: -1 is less than 0'
        >>> RecordValidator.summary([SchemaIssue("$", "a"), SchemaIssue("$.b", "b")])
        '$: a (and 1 more issue)'
        >>> RecordValidator.summary([])
        'valid'
        """
        if not issues:
            return "valid"
        first = issues[0]
        line = f"{first.path}: {first.message}".replace("\n", " ")
        more = len(issues) - 1
        if more:
            line += f" (and {more} more issue{'s' if more > 1 else ''})"
        return line


@functools.cache
def _shared_validator() -> RecordValidator:
    return RecordValidator()


def validate_record(record: Mapping[str, Any]) -> list[SchemaIssue]:
    """Validate against the record schema with the process's shared validator (built on first
    use); see :meth:`RecordValidator.validate`."""
    return _shared_validator().validate(record)
