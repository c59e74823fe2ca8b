"""CSV shards: RFC 4180, UTF-8, nested fields as JSON, formula injection neutralised.

What a cell holds, column by column (the header row is ``csv_columns``):

- ``None`` is an empty cell (CSV cannot tell it from an empty string);
- ``True``/``False`` are ``true``/``false`` and numbers are their decimal text, as in JSON;
- a nested value (object or list) is compact JSON with Chinese unescaped, ``json.loads`` reads it;
- a string that a spreadsheet would run as a formula, i.e. one starting with ``=``, ``+``, ``-``,
  ``@``, a tab or a carriage return (the OWASP "CSV injection" list), gets a leading ``'``, which
  spreadsheets treat as "this is text". So that the rule can be undone exactly, a string that
  itself starts with ``'`` also gets one: a reader recovers the original by dropping one leading
  ``'`` from any string cell that has one (:func:`unneutralise`).

Rows end with ``\\r\\n``, and fields are quoted only when needed (``QUOTE_MINIMAL``); ``text`` and
``paragraphs`` hold newlines, which quoting keeps inside the cell. With ``excel=True`` the file
starts with a UTF-8 byte order mark, without which Excel reads UTF-8 as the local code page.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import orjson

from docexport.write.shard import ShardFile

if TYPE_CHECKING:
    from docexport.write.encode import EncodedRecord

__all__ = [
    "FORMULA_PREFIXES",
    "CsvShard",
    "csv_cell",
    "csv_header",
    "csv_row",
    "neutralise",
    "unneutralise",
]

# Leading characters that make Excel, LibreOffice or Google Sheets evaluate a cell (OWASP), plus
# the quote itself so that neutralising stays reversible.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "'")
# The bytes that force a field into quotes under RFC 4180 and ``csv.QUOTE_MINIMAL`` with a
# ``\r\n`` line terminator: the delimiter, the quote, and either line-ending character. All
# are ASCII, so searching UTF-8 bytes finds exactly what searching the text would.
NEEDS_QUOTES = re.compile(b'[,"\r\n]')


def neutralise(value: str) -> str:
    """Prefix ``'`` to a string a spreadsheet would run as a formula.

    >>> [neutralise(v) for v in ["=1+1", "+1", "-1", "@SUM(A1)", "'x", "人民日报", ""]]
    ["'=1+1", "'+1", "'-1", "'@SUM(A1)", "''x", '人民日报', '']
    """
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def unneutralise(cell: str) -> str:
    """Undo :func:`neutralise` on a string cell read back from a docexport CSV.

    >>> unneutralise("'=1+1"), unneutralise("''x"), unneutralise("人民日报")
    ('=1+1', "'x", '人民日报')
    """
    return cell[1:] if cell.startswith("'") else cell


def csv_cell(value: Any) -> str:
    """The text of one CSV cell for a record value (see the module docstring for the rules).

    >>> [csv_cell(v) for v in [None, True, 3, "-5", {"name": "朱虹", "role": None}, ["a", "b"]]]
    ['', 'true', '3', "'-5", '{"name":"朱虹","role":null}', '["a","b"]']
    """
    if value is None:
        return ""
    if isinstance(value, str):
        return neutralise(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return orjson.dumps(value).decode("utf-8")


def _cell_bytes(value: Any) -> bytes:
    """:func:`csv_cell` as UTF-8, without decoding orjson's bytes only to encode them again."""
    if isinstance(value, str):
        return (("'" + value) if value.startswith(FORMULA_PREFIXES) else value).encode("utf-8")
    if value is None:
        return b""
    if isinstance(value, bool):
        return b"true" if value else b"false"
    if isinstance(value, (int, float)):
        return repr(value).encode("ascii")
    return orjson.dumps(value)


def _join(fields: list[bytes]) -> bytes:
    """One row from its fields' bytes, quoted the way ``csv.writer`` (``QUOTE_MINIMAL``) does.

    A field is quoted only when it holds a delimiter, a quote or a line break, and its quotes are
    doubled. A row of one empty field is written ``""``, as csv.writer does, so that it does not
    read back as an empty line (no row at all).
    """
    if len(fields) == 1 and not fields[0]:
        return b'""\r\n'
    search = NEEDS_QUOTES.search
    return (
        b",".join(
            b'"' + field.replace(b'"', b'""') + b'"' if search(field) else field for field in fields
        )
        + b"\r\n"
    )


def csv_header(columns: Iterable[str]) -> bytes:
    r"""The header row: the column names as they are (not neutralised), CRLF included.

    >>> csv_header(["id", "text", "a,b"])
    b'id,text,"a,b"\r\n'
    """
    return _join([column.encode("utf-8") for column in columns])


def csv_row(values: Iterable[Any]) -> bytes:
    r"""One record's row as UTF-8 bytes, CRLF included: :func:`csv_cell` of each value, quoted
    only where RFC 4180 needs it. Byte for byte what ``csv.writer`` with ``QUOTE_MINIMAL`` and
    ``lineterminator="\r\n"`` writes through a UTF-8 file, at a fraction of its cost: the
    writer scans every character of every field in Python-level C calls, while this leaves
    the scan of large fields (``text``, ``tokens``) to one regex search that stops at the first
    character needing quotes, and never decodes nested JSON to text.

    >>> csv_row(["a", "b,c", 1, None, ["x"], "-1", "第一行\n第二行"])[:-2].decode()
    'a,"b,c",1,,"[""x""]",\'-1,"第一行\n第二行"'
    """
    return _join([_cell_bytes(value) for value in values])


class CsvShard(ShardFile):
    """One ``part-NNNNN.csv`` file being written."""

    format = "csv"

    def __init__(
        self, data_dir: Path, index: int, columns: Sequence[str], *, excel: bool = False
    ) -> None:
        super().__init__(data_dir, index, "csv")
        self._columns = tuple(columns)
        # Binary: rows arrive as UTF-8 bytes (see csv_row). Closed in close().
        self._file: IO[bytes] | None = open(self.temp_path, "wb")  # noqa: SIM115
        if excel:
            self._file.write("\ufeff".encode())
        self._file.write(csv_header(self._columns))

    def add(self, record: dict[str, Any], line: bytes) -> None:
        get = record.get
        self.add_row(csv_row([get(column) for column in self._columns]))

    def add_encoded(self, encoded: EncodedRecord) -> None:
        assert encoded.csv is not None, "record encoded without its CSV row"
        self.add_row(encoded.csv)

    def add_row(self, row: bytes) -> None:
        """Append a row already made by :func:`csv_row` (by a worker process, say)."""
        assert self._file is not None, "add_row() on a closed shard"
        self._file.write(row)

    def close(self) -> None:
        file = self._file
        if file is None:
            return
        file.flush()
        os.fsync(file.fileno())
        file.close()
        self._file = None

    def _release(self) -> None:
        file, self._file = self._file, None
        if file is not None:
            with contextlib.suppress(OSError):
                file.close()
