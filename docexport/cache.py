"""An on-disk cache of the tables docexport derives from jieba's, pypinyin's and OpenCC's data.

Every process that segments or repairs text needs jieba's idf table, the frequencies of the
words it tags as names, the normalise lexicon, pypinyin's reading index and OpenCC's s2t of
single characters. Deriving them from the packages' files costs ~0.8 s per process, a third
of a small run's wall time and all of it paid again by each ``docexport`` command. Each
derived table is therefore saved once as numpy arrays (an ``.npz`` file: no pickle, so a
planted cache file cannot run code) and loaded from there in a few milliseconds afterwards;
not building the tables also spares the ~80 MB of temporary strings their parse holds at its
peak.

A cache file is named by the table, its ``version`` (raised whenever the derivation changes),
docexport's version and the source file's resolved path, size and modification time, so a
reinstalled jieba or a new docexport never reads a stale table. Stale files go by themselves:
loading a file marks it used (its modification time), and saving a table keeps only the
``KEEP_PER_TABLE`` most recently used files of that table, so upgrades do not pile up sets of
~17 MB while two or three installations sharing the directory keep theirs. Files are written
to a temporary name and renamed into place, so concurrent processes never read half a file,
and one that cannot be read (truncated, foreign) is rebuilt and replaced. Caching is best
effort: a directory that cannot be created or written (a read-only home) leaves the tables to
be built every time.

The same directory keeps the programs of the project's large regular expressions
(:func:`cached_regex`), which Python would otherwise compile again in every process (~0.15 s).

Where: ``$DOCEXPORT_CACHE_DIR``, else ``$XDG_CACHE_HOME/docexport``, else
``~/.cache/docexport``; an empty ``DOCEXPORT_CACHE_DIR`` turns the cache off. ``docexport
cache`` shows it, ``--build`` fills it ahead of time (a container image can ship it, with the
variable pointing there), ``--clear`` deletes docexport's files from it.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import sys
import tempfile
import zipfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from docexport import __version__

__all__ = [
    "CACHE_ENV",
    "KEEP_PER_TABLE",
    "build_cache",
    "cache_dir",
    "cache_files",
    "cached_arrays",
    "cached_regex",
    "clear_cache",
]

CACHE_ENV = "DOCEXPORT_CACHE_DIR"
# Files of one table kept when a new one is saved: the new one and the most recently used others.
KEEP_PER_TABLE = 3

Arrays = dict[str, np.ndarray]

# The cache files this process has looked for (loaded, or built and saved when it could).
_USED: set[Path] = set()

# A cache file (``idf-<20 hex digits>.npz``) or one being written (``.idf-….tmp``): what
# clear_cache may delete, and nothing else a user keeps in the same directory.
CACHE_FILE_RE = re.compile(r"[a-z0-9-]+-[0-9a-f]{20}\.npz|\.[a-z0-9-]+-[0-9a-f]{20}-\w+\.tmp")


def cache_dir(environ: Mapping[str, str] = os.environ) -> Path | None:
    """The cache directory in use, or None when caching is off (``DOCEXPORT_CACHE_DIR=``).

    >>> cache_dir({"DOCEXPORT_CACHE_DIR": ""}) is None
    True
    >>> str(cache_dir({"DOCEXPORT_CACHE_DIR": "/data/cache", "XDG_CACHE_HOME": "/xdg"}))
    '/data/cache'
    >>> str(cache_dir({"XDG_CACHE_HOME": "/xdg"}))
    '/xdg/docexport'
    """
    chosen = environ.get(CACHE_ENV)
    if chosen is not None:
        return Path(chosen).expanduser() if chosen else None
    base = environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "docexport"


def cached_arrays(
    name: str, version: int, source: Path | None, build: Callable[[], Arrays]
) -> Arrays:
    """The arrays ``build()`` derives from the file ``source``, from the cache when there.

    ``source`` None (the data did not come from a file) or an unusable cache directory means
    ``build()`` is called and nothing is saved. The arrays returned are the same either way:
    a test loads every table both ways and compares them.
    """
    path = _cache_path(name, version, source)
    if path is not None:
        _USED.add(path)
        found = _load(path)
        if found is not None:
            return found
    arrays = build()
    if path is not None:
        _save(path, arrays)
    return arrays


# ---- compiled regular expressions --------------------------------------------------------
# The credit, dateline and pinyin patterns are large alternations (every role, every outlet,
# every pinyin syllable), and Python's pure-Python regex compiler takes ~180 ms to turn the
# project's patterns into the engine's program: a tenth of a small run, paid by every process.
# The program is a list of integers that the C engine takes as it is (``_sre.compile``, what
# ``re.compile`` itself ends with, and which checks the program before accepting it), so it is
# kept here with the other derived tables and loaded in ~2 ms. All patterns share one file,
# named by docexport's version and the regex compiler's file (a new Python, a new file).
REGEX_TABLE = "regex"
REGEX_TABLE_VERSION = 1
# A file that has gathered more patterns than this (a development checkout whose patterns
# changed many times) starts over with the patterns of the process that saves it.
REGEX_LIMIT = 256

_regex_path: Path | None = None
_regex_arrays: Arrays | None = None


def cached_regex(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """``re.compile(pattern, flags)``, its compiled program kept in the cache directory.

    Equal to ``re.compile``'s result (``==`` on patterns compares the programs; a test checks
    every pattern the project compiles this way). Anything unexpected (a Python whose regex
    internals differ, a damaged file, the cache off) means an ordinary ``re.compile``.
    """
    global _regex_path, _regex_arrays
    flags = int(flags)
    _compiler, _parser = _regex_internals()
    if _regex_arrays is None:
        import _sre

        engine = f":{sys.version}:{_sre.MAGIC}:{_sre.CODESIZE}"
        _regex_path = _cache_path(
            REGEX_TABLE, REGEX_TABLE_VERSION, Path(_compiler.__file__), engine
        )
        if _regex_path is None:
            return re.compile(pattern, flags)
        _USED.add(_regex_path)
        _regex_arrays = (_load(_regex_path) if _private(_regex_path) else None) or {}
    key = hashlib.sha256(f"{flags}:{pattern}".encode("utf-8", "surrogatepass")).hexdigest()[:20]
    program = _regex_program(_regex_arrays, key, pattern)
    if program is None:
        try:
            parsed = _parser.parse(pattern, flags)
            code = _compiler._code(parsed, flags)
            names = parsed.state.groupdict
            program = (flags | parsed.state.flags, parsed.state.groups - 1, names, code)
        except Exception:  # not the internals this was written against
            return re.compile(pattern, flags)
        if len(_regex_arrays) >= 4 * REGEX_LIMIT:
            _regex_arrays = {}
        _regex_arrays.update(_regex_entry(key, pattern, *program))
        if _regex_path is not None:
            _save(_regex_path, _regex_arrays)
    try:
        return _sre_compile(pattern, *program)
    except Exception:  # a program this engine does not accept: compile it the usual way
        return re.compile(pattern, flags)


def _regex_internals() -> tuple[Any, Any]:
    """The modules of Python's regex compiler: its code generator and its parser."""
    try:
        from re import _compiler, _parser  # type: ignore[attr-defined]  # Python 3.11+
    except ImportError:  # Python 3.10
        import sre_compile as _compiler
        import sre_parse as _parser
    return _compiler, _parser


def _private(path: Path) -> bool:
    """Whether ``path`` is this user's and nobody else may write it (or there is no file yet).

    The regex engine checks a program before taking it, but not every way a program can be
    wrong: a crafted one can crash the process. Unlike the other tables, which are only data,
    programs are therefore taken only from a file no other user could have planted; the zip
    format's checksums catch a file damaged on disk.
    """
    try:
        stat = path.stat()
    except OSError:
        return True
    owner = getattr(os, "getuid", None)
    return (owner is None or stat.st_uid == owner()) and not stat.st_mode & 0o022


def _sre_compile(
    pattern: str, flags: int, groups: int, names: Mapping[str, int], code: list[int]
) -> re.Pattern[str]:
    import _sre

    index_to_name: list[str | None] = [None] * (groups + 1)
    for name, index in names.items():
        index_to_name[index] = name
    compiled: re.Pattern[str] = _sre.compile(
        pattern, flags, code, groups, dict(names), tuple(index_to_name)
    )
    return compiled


def _regex_entry(
    key: str, pattern: str, flags: int, groups: int, names: Mapping[str, int], code: list[int]
) -> Arrays:
    """One pattern as four arrays: its text, [flags, groups], its group names, its program."""
    named = "\n".join(f"{index}:{name}" for name, index in names.items())
    return {
        f"{key}-pattern": np.frombuffer(pattern.encode("utf-8", "surrogatepass"), np.uint8),
        f"{key}-numbers": np.array([flags, groups], np.int64),
        f"{key}-names": np.frombuffer(named.encode("utf-8"), np.uint8),
        f"{key}-code": np.array(code, np.uint32),
    }


def _regex_program(
    arrays: Arrays, key: str, pattern: str
) -> tuple[int, int, dict[str, int], list[int]] | None:
    """The saved program of ``pattern``, or None when it is not saved (or not for this text)."""
    try:
        saved = arrays[f"{key}-pattern"].tobytes().decode("utf-8", "surrogatepass")
        if saved != pattern:
            return None
        flags, groups = (int(number) for number in arrays[f"{key}-numbers"])
        names = {}
        for entry in filter(None, arrays[f"{key}-names"].tobytes().decode("utf-8").split("\n")):
            index, name = entry.split(":", 1)
            names[name] = int(index)
        code = arrays[f"{key}-code"].tolist()
    except (KeyError, ValueError, UnicodeDecodeError):
        return None
    return flags, groups, names, code


def _cache_path(name: str, version: int, source: Path | None, extra: str = "") -> Path | None:
    directory = cache_dir()
    if directory is None or source is None:
        return None
    try:
        resolved = source.resolve()
        stat = resolved.stat()
    except OSError:
        return None
    key = f"{name}:{version}:{__version__}:{resolved}:{stat.st_size}:{stat.st_mtime_ns}{extra}"
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:20]
    return directory / f"{name}-{digest}.npz"


def _load(path: Path) -> Arrays | None:
    """The arrays saved at ``path``; None when there is no file or it cannot be read whole."""
    try:
        with np.load(path, allow_pickle=False) as saved:
            arrays = {key: saved[key] for key in saved.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile):
        return None
    with contextlib.suppress(OSError):  # a read-only cache (shipped in an image) stays as it is
        os.utime(path)
    return arrays


def _save(path: Path, arrays: Arrays) -> None:
    """Write ``arrays`` to ``path`` atomically; give up quietly when the directory refuses."""
    temporary: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(
            dir=path.parent, prefix=f".{path.stem}-", suffix=".tmp"
        )
        with os.fdopen(handle, "wb") as file:
            np.savez(file, **arrays)
        os.replace(temporary, path)
        temporary = None
        _prune(path)
    except OSError:
        pass
    finally:
        if temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(temporary)


def _prune(saved: Path) -> None:
    """Delete the files of ``saved``'s table beyond the ``KEEP_PER_TABLE`` most recently used
    (``saved`` itself is the most recent). Files of other tables, and anything that is not a
    cache file, are never touched; a file another process deletes first is no error."""
    table = re.compile(rf"{re.escape(saved.name.rsplit('-', 1)[0])}-[0-9a-f]{{20}}\.npz")
    others: list[tuple[float, Path]] = []
    for path in saved.parent.iterdir():
        if path != saved and table.fullmatch(path.name):
            with contextlib.suppress(OSError):
                others.append((path.stat().st_mtime, path))
    others.sort(reverse=True)
    for _, path in others[KEEP_PER_TABLE - 1 :]:
        with contextlib.suppress(OSError):
            path.unlink()


def cache_files(directory: Path | None = None) -> list[Path]:
    """docexport's files in the cache directory (default: the one in use), sorted by name."""
    directory = cache_dir() if directory is None else directory
    if directory is None or not directory.is_dir():
        return []
    return sorted(
        path
        for path in directory.iterdir()
        if CACHE_FILE_RE.fullmatch(path.name) and path.is_file()
    )


def clear_cache(directory: Path | None = None) -> tuple[int, int]:
    """Delete docexport's files from the cache directory; (files deleted, bytes freed).

    Files of any version go, the current ones too (they are rebuilt on next use); other files
    in the directory are left alone. Raises ``OSError`` when a file cannot be deleted.
    """
    count = size = 0
    for path in cache_files(directory):
        size += path.stat().st_size
        path.unlink()
        count += 1
    return count, size


def build_cache() -> list[Path]:
    """Load every cached table, building and saving the ones not yet saved; return the files
    the tables of this installation belong in (one that could not be saved does not exist)."""
    import importlib

    from docexport import enrich

    lexicon = importlib.import_module("docexport.normalise.lexicon")
    parse = importlib.import_module("docexport.parse")
    passes = importlib.import_module("docexport.normalise.passes")
    pinyin = importlib.import_module("docexport.normalise.pinyin")
    script = importlib.import_module("docexport.normalise.script")
    enrich._idf()
    enrich._name_freq()
    lexicon._tables()
    pinyin._reading_index()
    script._s2t_chars()
    # The patterns compiled on first use (importing the modules compiled the others).
    for opening in passes.PINYIN_OPENINGS:
        passes._pinyin_re(opening)
    for mark in passes.LOST:
        passes._lost_garbage_re(mark)
    parse._spaced_credit()
    script._t2s_trigger()
    return sorted(_USED)
