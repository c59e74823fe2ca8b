"""What every shard file writer does, whatever its format.

A shard file is opened under a hidden temporary name inside ``data/`` (``.part-00000.csv.tmp``),
so readers globbing ``data/*.csv`` never see it; :meth:`ShardFile.close` flushes and fsyncs it,
and only then does the dataset writer rename it to its final name. :meth:`ShardFile.discard`
closes and deletes the temporary file after a failure or an abort.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from docexport.write.encode import EncodedRecord

__all__ = ["ShardFile", "shard_name", "temp_name"]


def shard_name(index: int, extension: str) -> str:
    """The final file name of shard ``index``: ``part-00000.parquet``.

    Names come from the shard number alone: no document text ever reaches a path.

    >>> shard_name(3, "jsonl.gz")
    'part-00003.jsonl.gz'
    """
    return f"part-{index:05d}.{extension}"


def temp_name(index: int, extension: str) -> str:
    """The hidden name a shard is written under until it is complete.

    >>> temp_name(3, "csv")
    '.part-00003.csv.tmp'
    """
    return f".{shard_name(index, extension)}.tmp"


class ShardFile(ABC):
    """One shard of one format being written: add records, then close or discard."""

    format: str = ""

    def __init__(self, data_dir: Path, index: int, extension: str) -> None:
        self.final_path = data_dir / shard_name(index, extension)
        self.temp_path = data_dir / temp_name(index, extension)

    @abstractmethod
    def add(self, record: dict[str, Any], line: bytes) -> None:
        """Append one record; ``line`` is its JSONL serialisation (newline included)."""

    def add_encoded(self, encoded: EncodedRecord) -> None:
        """Append one record serialised by a :class:`~docexport.write.encode.RecordEncoder`.

        The record dict is absent unless Parquet is written (the dataset writer checks that it
        is there then); JSONL needs only the line, and CSV overrides this to write its row.
        """
        self.add(encoded.record if encoded.record is not None else {}, encoded.line)

    @abstractmethod
    def close(self) -> None:
        """Finish the file and fsync it; it stays under its temporary name."""

    @abstractmethod
    def _release(self) -> None:
        """Close whatever handles are open, ignoring errors (used on the failure path)."""

    def discard(self) -> None:
        """Close without finishing and remove the temporary file."""
        try:
            self._release()
        finally:
            self.temp_path.unlink(missing_ok=True)
