"""The dataset writer: records in input order → sharded files, rejects, card and manifest.

The writer is told the outcome of every input document in input order (``position`` 0, 1, 2…):
a record (:meth:`DatasetWriter.add_record`, or :meth:`DatasetWriter.add_encoded` for a record
a worker process already serialised with :attr:`DatasetWriter.encoder`: the same bytes) or a
reject (:meth:`DatasetWriter.add_reject`; a duplicate is a reject with stage ``duplicate``).
That is all it needs to keep DESIGN §5's promises:

- **Deterministic.** Records go to shards in call order and a shard is cut when it holds
  ``shard_rows`` records or when its records' JSONL serialisation reaches ``shard_bytes`` (the
  record that reaches it is the shard's last). Both depend only on the records, so shard
  boundaries and file bytes do not depend on ``--jobs``, timing or the machine. Nothing
  time-dependent goes into a data file; the manifest alone carries a timestamp.
- **Nothing half-written.** Each shard file is written under a hidden temporary name in ``data/``
  and fsynced; then every format's file is renamed to its final name and only then does the
  journal (``.docexport/state.json``, replaced atomically) list the shard. ``manifest.json`` is
  written last, by :meth:`DatasetWriter.finish`: a directory without it is not a finished
  dataset, and the manifest only lists files already on disk.
- **Resumable.** The journal records how many inputs are settled at each commit
  (``resume_point``), the counts, and the length of ``rejects.jsonl``. A resumed writer removes
  whatever came after the last commit (temporary files, shards renamed but not journaled, the
  tail of ``rejects.jsonl``) and continues from there, so the finished files are byte-identical
  to an uninterrupted run's. State other stages need on resume (the deduper's) is stored with
  each commit through ``checkpoint_extra`` and handed back by :attr:`DatasetWriter.resume_extras`.
- **Safe output.** A non-empty directory that is not a docexport dataset is refused unless
  ``overwrite``; replacing a dataset deletes only files docexport writes; file names come from
  shard numbers, never from document text. A failed write raises
  :class:`~docexport.errors.OutputError` and leaves only committed shards behind.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO

import orjson
import pyarrow as pa

from docexport.data import Reject
from docexport.errors import OptionError, OutputError, SchemaError
from docexport.write import state as journal
from docexport.write.card import card_data_format, render_card
from docexport.write.csvfile import CsvShard
from docexport.write.encode import EncodedRecord, RecordEncoder
from docexport.write.jsonl import COMPRESSIONS, JsonlShard, jsonl_extension
from docexport.write.parquet import ParquetShard
from docexport.write.shard import ShardFile

__all__ = [
    "FORMATS",
    "MANIFEST_FORMAT",
    "VOLATILE_OPTIONS",
    "DatasetWriter",
    "dataset_status",
]

FORMATS = ("parquet", "jsonl", "csv")
MANIFEST_FORMAT = "docexport-manifest/1"
# Options that do not change a single output byte, so a resumed run may change them.
VOLATILE_OPTIONS = frozenset(
    {"jobs", "quiet", "progress", "resume", "overwrite", "executor", "ray_address"}
)
MANIFEST = "manifest.json"
REJECTS = "rejects.jsonl"
SCHEMA = "schema.json"
CARD = "README.md"
DATA = "data"
# Every file name docexport writes in data/ (final and temporary); nothing else is ever deleted.
_DATA_FILE = re.compile(r"^\.?part-\d{5}\.(parquet|jsonl|jsonl\.gz|jsonl\.zst|csv)(\.tmp)?$")
_EXTRA = "extra-{:05d}.bin"
_TOP_FILES = (MANIFEST, REJECTS, SCHEMA, CARD)


def _json_value(value: Any) -> Any:
    """``value`` as it reads back from JSON (tuples become lists), for comparing options."""
    return orjson.loads(orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS))


def dataset_status(out: os.PathLike[str] | str) -> str:
    """What ``out`` holds: ``missing``, ``empty``, ``foreign`` (files that are not a docexport
    dataset), ``unfinished`` (a run that can be resumed) or ``complete``.

    The CLI uses it to say what ``--resume`` or ``--overwrite`` would do before starting a run.
    """
    path = Path(out)
    if not path.exists():
        return "missing"
    if not path.is_dir():
        return "foreign"
    if _read_manifest(path) is not None:
        return "complete"
    try:
        state = journal.load_state(path)
    except ValueError:
        return "foreign"
    if state is not None:
        return "unfinished"
    return "empty" if _only_skeleton(path) else "foreign"


def _only_skeleton(out: Path) -> bool:
    """Whether ``out`` holds nothing but the empty skeleton a writer makes before its first
    journal save (``data/`` with at most temporary shards, ``.docexport/``, an empty
    ``rejects.jsonl``): what a run killed in its first moments leaves. That is docexport's own
    and holds no data, so it counts as empty rather than as somebody else's directory."""
    for entry in out.iterdir():
        if entry.name == DATA and entry.is_dir():
            if any(
                not _DATA_FILE.match(p.name) or not p.name.startswith(".") for p in entry.iterdir()
            ):
                return False
        elif entry.name == journal.STATE_DIR and entry.is_dir():
            if any(p.name != f".{journal.STATE_FILE}.tmp" for p in entry.iterdir()):
                return False
        elif entry.name != REJECTS or not entry.is_file() or entry.stat().st_size:
            return False
    return True


def _read_manifest(out: Path) -> dict[str, Any] | None:
    try:
        manifest = orjson.loads((out / MANIFEST).read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return None
    if isinstance(manifest, dict) and manifest.get("format") == MANIFEST_FORMAT:
        return manifest
    return None


def _output_error(action: str, path: Path, exc: OSError, *, resumable: bool = True) -> OutputError:
    reason = exc.strerror or str(exc)
    then = (
        "run again with --resume to continue from the last committed shard"
        if resumable
        else "run again"
    )
    return OutputError(
        f"cannot {action} {path}: {reason}; fix the cause (free space, permissions) and {then}"
    )


def _schema_error(exc: Exception) -> SchemaError:
    return SchemaError(
        f"a record does not fit the dataset schema ({exc}); records must pass validation "
        "before they are written"
    )


class _ShardError(Exception):
    """Closing or digesting one file of a shard failed: the error, and the file it was about."""

    def __init__(self, path: Path, error: OSError | pa.ArrowException) -> None:
        super().__init__(str(error))
        self.path = path
        self.error = error


def _close_and_digest(shard: ShardFile) -> tuple[int, str]:
    """Finish and fsync one file of a shard, then its size and sha256 (read back from disk)."""
    path = shard.temp_path
    try:
        shard.close()
        return journal.digest_file(path)
    except (OSError, pa.ArrowException) as exc:
        raise _ShardError(path, exc) from exc


def _close_all(shards: Sequence[ShardFile]) -> list[tuple[int, str]]:
    """:func:`_close_and_digest` for every format's file of a shard, each in its own thread.

    The work is almost all outside the GIL: the Parquet file's last row group is encoded in
    C++, fsync waits for the disk, sha256 and file reads release the GIL. One after another
    they cost ~115 ms at the end of the benchmark corpus's run (parquet + jsonl + csv, ~7 %
    of a 3,500-document in-process run); side by side ~60 ms. Every thread has finished when
    this returns or raises (an interrupt included), so a failure path that discards the
    shard never races a close still running; the first failure, in format order, is raised.
    """
    if len(shards) == 1:
        return [_close_and_digest(shards[0])]
    pool = ThreadPoolExecutor(len(shards), thread_name_prefix="docexport-close")
    futures = [pool.submit(_close_and_digest, shard) for shard in shards]
    interrupted = False
    while True:
        try:
            pool.shutdown(wait=True)
            break
        except KeyboardInterrupt:
            # Ctrl-C while the files are being closed: let that finish (it is bounded by the
            # disk), so the caller discarding the shard never races a close, then stop.
            interrupted = True
    if interrupted:
        raise KeyboardInterrupt
    return [future.result() for future in futures]


class DatasetWriter:
    """Writes one dataset directory; see the module docstring for the guarantees.

    ``schema`` is the record JSON Schema (saved as ``schema.json``), ``arrow_schema`` the Parquet
    schema derived from it and ``csv_columns`` the CSV header. ``options`` and ``versions`` are
    recorded in the manifest; on resume, ``options`` (except :data:`VOLATILE_OPTIONS`) and the
    writer's own settings must equal the interrupted run's. ``resume`` on an unfinished run
    continues it even with ``overwrite``; on an empty or missing directory it simply starts.
    ``checkpoint_extra`` is called at every commit; its bytes are stored with the commit and
    returned by :attr:`resume_extras`.
    """

    def __init__(
        self,
        out: os.PathLike[str] | str,
        *,
        schema: Mapping[str, Any],
        arrow_schema: pa.Schema,
        csv_columns: Sequence[str],
        formats: Sequence[str] = ("parquet",),
        shard_rows: int = 50_000,
        shard_bytes: int = 256 * 2**20,
        jsonl_compression: str | None = None,
        excel: bool = False,
        overwrite: bool = False,
        resume: bool = False,
        options: Mapping[str, Any] | None = None,
        versions: Mapping[str, str] | None = None,
        checkpoint_extra: Callable[[], bytes] | None = None,
    ) -> None:
        self.out = Path(out)
        self._schema = dict(schema)
        self._arrow_schema = arrow_schema
        self._csv_columns = tuple(csv_columns)
        self._options = _json_value(dict(options or {}))
        self._versions = dict(versions or {})
        self._checkpoint_extra = checkpoint_extra
        self._settings = self._check_settings(
            formats, shard_rows, shard_bytes, jsonl_compression, excel
        )
        self._encoder = RecordEncoder(
            self._settings["formats"],
            self._csv_columns,
            self._arrow_schema if "parquet" in self._settings["formats"] else None,
        )
        self._data = self.out / DATA
        self._state_dir = self.out / journal.STATE_DIR
        self._shards: list[dict[str, Any]] = []
        self._current: list[ShardFile] = []
        self._unjournaled: list[Path] = []
        self._current_rows = 0
        self._current_bytes = 0
        self._next = 0
        self._committed = 0
        self._commits = 0
        self._rejects: BinaryIO | None = None
        self._extras: list[str] = []
        self._rejects_bytes = 0
        self._counts: dict[str, Any] = {
            "records": 0,
            "duplicates": 0,
            "rejects": 0,
            "rejects_by_stage": {},
            "rejects_by_reason": {},
            "duplicates_by_reason": {},
            "repairs": {},
            "input_bytes": 0,
        }
        self._closed = False
        self._resume_extras: list[bytes] = []
        self._open(overwrite=overwrite, resume=resume)

    # -- settings and opening ------------------------------------------------------------------

    @staticmethod
    def _check_settings(
        formats: Sequence[str],
        shard_rows: int,
        shard_bytes: int,
        jsonl_compression: str | None,
        excel: bool,
    ) -> dict[str, Any]:
        chosen = list(dict.fromkeys(formats))
        unknown = [f for f in chosen if f not in FORMATS]
        if not chosen or unknown:
            raise OptionError(
                f"--format must be a comma-separated list of {', '.join(FORMATS)}; "
                f"got {','.join(formats) or 'nothing'}"
            )
        if isinstance(shard_rows, bool) or not isinstance(shard_rows, int) or shard_rows < 1:
            raise OptionError(f"shard_rows must be a positive integer, got {shard_rows!r}")
        if isinstance(shard_bytes, bool) or not isinstance(shard_bytes, int) or shard_bytes < 1:
            raise OptionError(f"shard_bytes must be a positive integer, got {shard_bytes!r}")
        if jsonl_compression not in COMPRESSIONS:
            raise OptionError(
                f"--jsonl-compression must be gz or zst (or none), got {jsonl_compression!r}"
            )
        return {
            "formats": [f for f in FORMATS if f in chosen],
            "shard_rows": shard_rows,
            "shard_bytes": shard_bytes,
            "jsonl_compression": jsonl_compression,
            "excel": bool(excel),
        }

    def _open(self, *, overwrite: bool, resume: bool) -> None:
        status = dataset_status(self.out)
        where = str(self.out)
        if status == "foreign" and not self.out.is_dir():
            raise OutputError(f"{where} exists and is not a directory; choose another --out")
        if status == "complete" and resume and not overwrite:
            raise OutputError(
                f"{where} is already a complete docexport dataset: nothing to resume "
                "(pass --overwrite to rebuild it)"
            )
        if status == "complete" and not overwrite:
            raise OutputError(
                f"{where} already holds a docexport dataset; pass --overwrite to replace it "
                "or choose another --out"
            )
        if status == "unfinished" and not resume and not overwrite:
            raise OutputError(
                f"{where} holds an unfinished docexport run; pass --resume to finish it "
                "or --overwrite to start again"
            )
        if status == "foreign" and not overwrite:
            raise OutputError(
                f"{where} is not empty and is not a docexport dataset; choose an empty or new "
                "--out, or pass --overwrite to write into it (only docexport's own file names "
                "are replaced)"
            )
        try:
            if status == "unfinished" and resume:
                self._load_journal()
                self._roll_back()
            else:
                if status in ("complete", "unfinished", "foreign", "empty"):
                    self._remove_own_files()
                self._data.mkdir(parents=True, exist_ok=True)
                self._state_dir.mkdir(exist_ok=True)
                (self.out / REJECTS).write_bytes(b"")
                self._save_journal()
            self._rejects = open(self.out / REJECTS, "ab")  # noqa: SIM115 - closed in finish/abort
        except OutputError:
            raise
        except OSError as exc:
            raise _output_error("prepare", self.out, exc, resumable=False) from exc

    def _remove_own_files(self) -> None:
        """Delete what docexport writes, and nothing else."""
        if self._data.is_dir():
            for path in self._data.iterdir():
                if _DATA_FILE.match(path.name) and path.is_file():
                    path.unlink()
        for name in _TOP_FILES:
            (self.out / name).unlink(missing_ok=True)
        shutil.rmtree(self._state_dir, ignore_errors=True)

    def _load_journal(self) -> None:
        try:
            state = journal.load_state(self.out)
        except ValueError as exc:
            raise OutputError(f"{exc}; pass --overwrite to start again") from exc
        try:
            self._check_journal(state)
        except (KeyError, TypeError, AttributeError) as exc:
            raise OutputError(
                f"{self._state_dir / journal.STATE_FILE} is incomplete; pass --overwrite to "
                "start again"
            ) from exc

    def _check_journal(self, state: dict[str, Any] | None) -> None:
        assert state is not None  # dataset_status said "unfinished"
        for key, value in self._settings.items():
            if state["settings"].get(key) != value:
                raise OptionError(
                    f"cannot resume: {key} was {state['settings'].get(key)!r} in the interrupted "
                    f"run and is {value!r} now; use the same options or pass --overwrite"
                )
        stored = state["options"]
        for key in sorted(set(stored) | set(self._options)):
            if key in VOLATILE_OPTIONS:
                continue
            if stored.get(key) != self._options.get(key):
                raise OptionError(
                    f"cannot resume: option {key} was {stored.get(key)!r} in the interrupted run "
                    f"and is {self._options.get(key)!r} now; use the same options or pass "
                    "--overwrite"
                )
        if state["schema"] != _json_value(self._schema):
            raise OptionError(
                "cannot resume: the record schema changed since the interrupted run; "
                "pass --overwrite to start again"
            )
        self._shards = state["shards"]
        self._next = self._committed = state["resume_point"]
        self._commits = state["commits"]
        self._extras = state["extras"]
        self._rejects_bytes = state["rejects_bytes"]
        self._counts = state["counts"]
        self._resume_extras = [(self._state_dir / name).read_bytes() for name in self._extras]

    def _roll_back(self) -> None:
        """Remove everything written after the last commit."""
        committed = {Path(f["path"]).name for f in self._shards}
        missing = sorted(name for name in committed if not (self._data / name).is_file())
        if missing:
            raise OutputError(
                f"cannot resume: committed shard data/{missing[0]} is missing; pass --overwrite "
                "to start again"
            )
        for path in self._data.iterdir():
            if _DATA_FILE.match(path.name) and path.name not in committed:
                path.unlink()
        for path in self._state_dir.iterdir():
            if path.name != journal.STATE_FILE and path.name not in self._extras:
                path.unlink()
        with open(self.out / REJECTS, "r+b") as handle:
            handle.truncate(self._rejects_bytes)
        for name in (MANIFEST, SCHEMA, CARD):
            (self.out / name).unlink(missing_ok=True)

    def _save_journal(self) -> None:
        journal.save_state(
            self.out,
            {
                "format": journal.STATE_FORMAT,
                "settings": self._settings,
                "options": self._options,
                "schema": _json_value(self._schema),
                "resume_point": self._committed,
                "commits": self._commits,
                "counts": self._counts,
                "rejects_bytes": self._rejects_bytes,
                "shards": self._shards,
                "extras": self._extras,
            },
        )

    # -- public state --------------------------------------------------------------------------

    @property
    def resume_point(self) -> int:
        """How many inputs (positions ``0 .. n-1``) are committed; a resumed run skips that many."""
        return self._committed

    @property
    def committed_counts(self) -> dict[str, Any]:
        """The running totals; right after opening, those of the last commit (what a resumed run
        starts from).

        ``records``, ``duplicates``, ``rejects``; ``rejects_by_stage`` (stage → n),
        ``rejects_by_reason`` (``"stage/reason"`` → n), ``duplicates_by_reason`` (reason → n);
        ``repairs``, the per-pass sums of the records' ``repairs`` counts; ``input_bytes``, the
        sum of the ``input_bytes`` given with each outcome.
        """
        return orjson.loads(orjson.dumps(self._counts))

    @property
    def resume_extras(self) -> list[bytes]:
        """The ``checkpoint_extra`` bytes of every commit of the resumed run, in commit order."""
        return list(self._resume_extras)

    @property
    def shards(self) -> list[dict[str, Any]]:
        """The committed shard files: format, path (relative to ``out``), rows, bytes, sha256."""
        return [dict(s) for s in self._shards]

    # -- adding outcomes -----------------------------------------------------------------------

    def _take(self, position: int) -> None:
        if self._closed:
            raise RuntimeError("the dataset writer is closed")
        if position != self._next:
            raise ValueError(
                f"outcome for input {position} given, but input {self._next} is next: every "
                "input must be reported exactly once, in order"
            )
        self._next += 1

    @property
    def encoder(self) -> RecordEncoder:
        """The encoder for this writer's formats and CSV columns: records it encodes (in any
        process) go to :meth:`add_encoded`."""
        return self._encoder

    def add_record(self, record: dict[str, Any], position: int, *, input_bytes: int = 0) -> None:
        """Write one record (input ``position``) to the open shard, committing it when full.

        ``input_bytes`` (the size of the input document) only feeds the ``input_bytes`` total.
        """
        self._take(position)
        try:
            encoded = self._encoder(record)
        except TypeError as exc:
            self._fail()
            raise _schema_error(exc) from exc
        self._write(encoded, input_bytes)

    def add_encoded(self, encoded: EncodedRecord, position: int, *, input_bytes: int = 0) -> None:
        """:meth:`add_record` for a record already serialised by :attr:`encoder` (or an equal
        one): the same bytes are written, without serialising the record here.

        Raises ``ValueError`` when ``encoded`` lacks what a format needs (a CSV row, or the
        record dict or Arrow row for Parquet), i.e. it was encoded for other formats.
        """
        if (encoded.csv is None and "csv" in self._encoder.formats) or (
            encoded.record is None and encoded.arrow is None and "parquet" in self._encoder.formats
        ):
            raise ValueError(
                f"record encoded without what formats {','.join(self._encoder.formats)} need; "
                "encode it with this writer's encoder"
            )
        self._take(position)
        self._write(encoded, input_bytes)

    def _write(self, encoded: EncodedRecord, input_bytes: int) -> None:
        line = encoded.line
        try:
            if not self._current:
                self._open_shard()
            for shard in self._current:
                shard.add_encoded(encoded)
        except OSError as exc:
            self._fail()
            raise _output_error("write", self._current_path(), exc) from exc
        except (pa.ArrowException, TypeError) as exc:
            self._fail()
            raise _schema_error(exc) from exc
        self._current_rows += 1
        self._current_bytes += len(line)
        counts = self._counts
        counts["records"] += 1
        counts["input_bytes"] += input_bytes
        totals = counts["repairs"]
        for key, value in encoded.repairs.items():
            if isinstance(value, int):
                totals[key] = totals.get(key, 0) + value
        settings = self._settings
        if (
            self._current_rows >= settings["shard_rows"]
            or self._current_bytes >= settings["shard_bytes"]
        ):
            self._commit()

    def add_reject(self, reject: Reject, position: int, *, input_bytes: int = 0) -> None:
        """Append one reject (or duplicate) for input ``position`` to ``rejects.jsonl``."""
        self._take(position)
        line = orjson.dumps(reject.to_dict(), option=orjson.OPT_APPEND_NEWLINE)
        assert self._rejects is not None  # opened with the writer, closed only with _closed
        try:
            self._rejects.write(line)
            self._rejects.flush()
        except OSError as exc:
            self._fail()
            raise _output_error("write", self.out / REJECTS, exc) from exc
        counts = self._counts
        counts["input_bytes"] += input_bytes
        if reject.stage == "duplicate":
            counts["duplicates"] += 1
            key = reject.reason
            by_reason = counts["duplicates_by_reason"]
        else:
            counts["rejects"] += 1
            by_stage = counts["rejects_by_stage"]
            by_stage[reject.stage] = by_stage.get(reject.stage, 0) + 1
            key = f"{reject.stage}/{reject.reason}"
            by_reason = counts["rejects_by_reason"]
        by_reason[key] = by_reason.get(key, 0) + 1

    # -- shards --------------------------------------------------------------------------------

    def _current_path(self) -> Path:
        return self._current[0].temp_path if self._current else self._data

    def _open_shard(self) -> None:
        index = self._shard_count()
        opened: list[ShardFile] = []
        try:
            for fmt in self._settings["formats"]:
                if fmt == "parquet":
                    opened.append(ParquetShard(self._data, index, self._arrow_schema))
                elif fmt == "jsonl":
                    compression = self._settings["jsonl_compression"]
                    opened.append(JsonlShard(self._data, index, compression))
                else:
                    opened.append(
                        CsvShard(
                            self._data, index, self._csv_columns, excel=self._settings["excel"]
                        )
                    )
        finally:
            self._current = opened

    def _shard_count(self) -> int:
        return len(self._shards) // len(self._settings["formats"])

    def _commit(self) -> None:
        """Publish the open shard (if any) and journal everything settled so far."""
        path = self._data
        try:
            if self._current:
                index = self._shard_count()
                digests = _close_all(self._current)
                for shard in self._current:
                    path = shard.final_path
                    os.replace(shard.temp_path, shard.final_path)
                    self._unjournaled.append(shard.final_path)
                journal.fsync_dir(self._data)
                for shard, (size, sha256) in zip(self._current, digests, strict=True):
                    self._shards.append(
                        {
                            "shard": index,
                            "format": shard.format,
                            "path": f"{DATA}/{shard.final_path.name}",
                            "rows": self._current_rows,
                            "bytes": size,
                            "sha256": sha256,
                        }
                    )
                self._current = []
            path = self.out / REJECTS
            assert self._rejects is not None
            self._rejects.flush()
            os.fsync(self._rejects.fileno())
            self._rejects_bytes = self._rejects.tell()
            if self._checkpoint_extra is not None:
                name = _EXTRA.format(self._commits)
                path = self._state_dir / name
                journal.atomic_write(path, self._checkpoint_extra())
                self._extras.append(name)
            self._commits += 1
            self._current_rows = 0
            self._current_bytes = 0
            self._committed = self._next
            path = self._state_dir / journal.STATE_FILE
            self._save_journal()
            self._unjournaled = []
        except _ShardError as exc:
            self._fail()
            if isinstance(exc.error, pa.ArrowException):
                raise _schema_error(exc.error) from exc.error
            raise _output_error("write", exc.path, exc.error) from exc.error
        except OSError as exc:
            self._fail()
            raise _output_error("write", path, exc) from exc
        except pa.ArrowException as exc:
            self._fail()
            raise _schema_error(exc) from exc

    def _fail(self) -> None:
        """After a write error: drop the open shard's temporary files; keep what is committed."""
        for shard in self._current:
            with contextlib.suppress(OSError):
                shard.discard()
        self._current = []
        # A shard renamed by a commit that then failed is complete but not journaled: a
        # resumed run rewrites it, and nobody should mistake it for a committed one meanwhile.
        # The journal on disk decides (an interrupt may land just after it was saved).
        try:
            saved = journal.load_state(self.out) or {}
        except (OSError, ValueError):
            saved = {}
        listed = {shard["path"] for shard in saved.get("shards", ())}
        for path in self._unjournaled:
            if f"{DATA}/{path.name}" not in listed:
                with contextlib.suppress(OSError):
                    path.unlink()
        self._unjournaled = []
        self._closed = True
        rejects, self._rejects = self._rejects, None
        if rejects is not None:
            with contextlib.suppress(OSError):
                rejects.close()

    # -- finishing -----------------------------------------------------------------------------

    def finish(self, report: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Commit the last shard, write ``schema.json``, ``README.md`` and, last, the manifest.

        ``report`` is the pipeline's run report (JSON-able): stored in the manifest as is, and
        its ``repairs`` totals, when present, are shown in the card. Returns the manifest.
        """
        if self._closed:
            raise RuntimeError("the dataset writer is closed")
        report = _json_value(dict(report or {}))
        if not self._shards and not self._current:
            try:
                self._open_shard()  # an empty dataset still has one (empty) shard per format
            except OSError as exc:
                self._fail()
                raise _output_error("write", self._data, exc) from exc
        self._commit()
        counts = {"inputs": self._next, **self._counts}
        formats = self._settings["formats"]
        data_format = card_data_format(formats)
        extensions = {
            "parquet": "parquet",
            "jsonl": jsonl_extension(self._settings["jsonl_compression"]),
            "csv": "csv",
        }
        glob = f"{DATA}/*.{extensions[data_format]}"
        path = self.out
        try:
            if self._rejects is not None:
                self._rejects.close()
                self._rejects = None
            path = self.out / SCHEMA
            journal.atomic_write(
                path, orjson.dumps(self._schema, option=orjson.OPT_INDENT_2) + b"\n"
            )
            path = self.out / CARD
            card = render_card(
                arrow_schema=self._arrow_schema,
                formats=formats,
                data_glob=glob,
                counts=counts,
                shards=self._shards,
                report=report,
                csv_excel=self._settings["excel"],
                csv_columns=self._csv_columns,
            )
            journal.atomic_write(path, card.encode("utf-8"))
            files = {}
            for name in (REJECTS, SCHEMA, CARD):
                size, sha256 = journal.digest_file(self.out / name)
                files[name] = {"bytes": size, "sha256": sha256}
            manifest = {
                "format": MANIFEST_FORMAT,
                "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "versions": self._versions,
                "options": self._options,
                "settings": self._settings,
                "counts": counts,
                "shards": self._shards,
                "files": files,
                "report": report,
            }
            path = self.out / MANIFEST
            journal.atomic_write(path, orjson.dumps(manifest, option=orjson.OPT_INDENT_2) + b"\n")
        except OSError as exc:
            self._closed = True
            raise _output_error("write", path, exc) from exc
        self._closed = True
        return manifest

    def abort(self) -> None:
        """Stop after an error or Ctrl-C: keep committed shards and the journal, drop the rest.

        Never raises: it runs on the way out of a failure. No manifest is written, so the
        directory stays an unfinished run that ``resume=True`` continues.
        """
        if not self._closed:
            self._fail()
        # Also a temporary shard the writer never got to register: Ctrl-C can land between
        # creating a shard's file and recording it as open.
        with contextlib.suppress(OSError):
            for path in self._data.glob(".part-*.tmp"):
                path.unlink(missing_ok=True)

    def __enter__(self) -> DatasetWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if exc_type is not None or not self._closed:
            self.abort()
