"""Durable little files: atomic replace, fsync, digests, and the run journal.

A shard counts as written only once its bytes are on disk under its final name and the journal
says so. Everything here follows one rule to make that true after a crash at any instant: write
to a hidden temporary name in the same directory, fsync the file, rename it over the final name
(atomic on POSIX), then fsync the directory so the rename itself survives a power cut.

The journal (``OUT/.docexport/state.json``) is rewritten this way after every shard commit. It
holds what a resumed run needs: the committed shards, how many inputs are settled
(``resume_point``), the counts so far, and how long ``rejects.jsonl`` was at that commit.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import orjson

__all__ = [
    "STATE_DIR",
    "STATE_FILE",
    "STATE_FORMAT",
    "atomic_write",
    "digest_file",
    "fsync_dir",
    "fsync_path",
    "load_state",
    "save_state",
]

STATE_DIR = ".docexport"
STATE_FILE = "state.json"
STATE_FORMAT = "docexport-state/1"
_CHUNK = 1 << 20


def fsync_path(path: Path) -> None:
    """Flush a closed file's data to disk (needed before the rename that publishes it)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(path: Path) -> None:
    """Make renames inside ``path`` durable; a no-op where directories cannot be opened."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems refuse fsync on directories; the rename is still atomic
    finally:
        os.close(fd)


def atomic_write(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` so that readers see the old file or the new one, never half.

    The temporary file is hidden (leading dot) and sits in the same directory, so the rename
    never crosses a file system.
    """
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        with open(tmp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def digest_file(path: Path) -> tuple[int, str]:
    """The size in bytes and the hex sha256 of a file, read back from disk."""
    sha = hashlib.sha256()
    size = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            sha.update(chunk)
            size += len(chunk)
    return size, sha.hexdigest()


def load_state(out: Path) -> dict[str, Any] | None:
    """The journal of the run in ``out``, ``None`` when there is none.

    Raises ``ValueError`` when the file exists but is not a docexport journal (the caller turns
    that into an ``OutputError`` that says what to do).
    """
    path = out / STATE_DIR / STATE_FILE
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    try:
        state = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise ValueError(f"{path} is not valid JSON") from exc
    if not isinstance(state, dict) or state.get("format") != STATE_FORMAT:
        raise ValueError(f"{path} is not a {STATE_FORMAT} journal")
    return state


def save_state(out: Path, state: dict[str, Any]) -> None:
    """Atomically replace the journal."""
    atomic_write(out / STATE_DIR / STATE_FILE, orjson.dumps(state, option=orjson.OPT_INDENT_2))
