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
import csv
import io
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import orjson

from docexport.write.shard import ShardFile

__all__ = ["FORMULA_PREFIXES", "CsvShard", "csv_cell", "neutralise", "unneutralise"]

# Leading characters that make Excel, LibreOffice or Google Sheets evaluate a cell (OWASP), plus
# the quote itself so that neutralising stays reversible.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "'")


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


class CsvShard(ShardFile):
    """One ``part-NNNNN.csv`` file being written."""

    format = "csv"

    def __init__(
        self, data_dir: Path, index: int, columns: Sequence[str], *, excel: bool = False
    ) -> None:
        super().__init__(data_dir, index, "csv")
        self._columns = tuple(columns)
        self._text: io.TextIOWrapper | None = open(  # noqa: SIM115 - closed in close()
            self.temp_path, "w", encoding="utf-8", newline=""
        )
        if excel:
            self._text.write("\ufeff")
        self._writer = csv.writer(self._text, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
        self._writer.writerow(self._columns)

    def add(self, record: dict[str, Any], line: bytes) -> None:
        get = record.get
        self._writer.writerow([csv_cell(get(column)) for column in self._columns])

    def close(self) -> None:
        text = self._text
        if text is None:
            return
        text.flush()
        os.fsync(text.fileno())
        text.close()
        self._text = None

    def _release(self) -> None:
        text, self._text = self._text, None
        if text is not None:
            with contextlib.suppress(OSError):
                text.close()
