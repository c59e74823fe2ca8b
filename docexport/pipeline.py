"""The one place where stages meet.

``read → decode → normalise → parse → enrich → record → validate → dedup → write``

Every stage module is independent; this module wires them. :class:`DocumentProcessor` is *the*
per-document function: the library calls (:func:`parse`, :func:`parse_file`), the local process
pool of :func:`convert` and the Ray runner all call it, so none of them holds stage logic.

Dedup and writing happen in the calling process, in input order, which is what makes the data
files identical whatever ``jobs`` is and lets ``resume`` skip exactly what was committed. One
shortcut: a document whose title and body give the id of a record already kept is an exact
duplicate whatever follows, so it leaves the pipeline right after ``parse`` (a :class:`Repeat`)
instead of being enriched and validated only to be dropped; workers learn the kept ids from the
parent with each batch (:class:`Announcer`).
"""

from __future__ import annotations

import dataclasses
import gc
import hashlib
import multiprocessing
import os
import re
import signal
import sys
import time
from collections import deque
from collections.abc import Callable, Container, Generator, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field
from itertools import chain, islice
from multiprocessing.reduction import ForkingPickler
from pathlib import Path
from typing import Any, BinaryIO

import pyarrow as pa

from docexport import __version__
from docexport.data import Article, Enrichment, Failure, NormaliseResult, Reject, Source
from docexport.decode import decode
from docexport.dedup import Deduper, sketch
from docexport.enrich import Enricher
from docexport.errors import DocexportError, DocumentError, InputError, OptionError
from docexport.normalise import PASSES, normalise
from docexport.parse import parse_article
from docexport.read import iter_sources
from docexport.record import build_record, content_id
from docexport.schema import arrow_schema, csv_columns, load_schema
from docexport.validate import RecordValidator
from docexport.write import DatasetWriter
from docexport.write.encode import EncodedRecord, RecordEncoder
from docexport.write.parquet import reduce_batch_as_ipc, release_arrow_memory

__all__ = [
    "DEFAULT_MAX_DOC_SIZE",
    "FORMATS",
    "SCRIPTS",
    "DocumentProcessor",
    "Options",
    "RunReport",
    "convert",
    "parse",
    "parse_file",
]

FORMATS = ("parquet", "jsonl", "csv")
SCRIPTS = ("simplified", "traditional", "keep")
SEGMENTERS = ("rjieba", "jieba")
EXECUTORS = ("local", "ray")
JSONL_COMPRESSIONS = ("gz", "zst")

# A four-digit year in a metadata value: "1998-01-15", "2012/06/12 08:00", "20120612", or a URL
# path segment such as Sogou's `/20120612/`. Years outside 1900-2099 are not news dates.
METADATA_YEAR = re.compile(r"(?<!\d)(19\d\d|20\d\d)(?:[-/.年]?\d{1,2})")
# Metadata fields that may carry the publication date, most specific first.
DATE_FIELDS = ("date", "publish_date", "published", "pubdate", "time", "datetime", "url")

# Lone UTF-16 surrogates: a Python str can hold them (``"\ud800"`` from a library caller, or
# ``surrogateescape`` text), but no UTF-8 writer (orjson, Arrow) accepts them, so they become
# U+FFFD before any stage sees the text.
LONE_SURROGATE = re.compile("[\ud800-\udfff]")

# The default --max-doc-size: 10 MiB. The longest real news articles are ~100 KB; a 10 MiB
# "document" is ~3.5 M Han characters, whose token list alone is ~2 M Python strings (~150 MB per
# copy) and which becomes a row most Parquet/pandas readers struggle with. Larger inputs are
# dumps that were never split into documents, so they are rejected (read/too_large) unread.
DEFAULT_MAX_DOC_SIZE = 10 * 2**20

# A tiny damaged document that touches every lazily loaded table: a lost character with its
# reading (pinyin table, word lexicon), traditional script, and a body to segment and tag.
WARM_UP = "預熱標題\n泸州日?(bào)記者報道，精準(zhǔn)防控。"

# How many documents travel to a worker in one task: large enough to amortise pickling and
# queueing, small enough that the window of in-flight work stays a few MB.
BATCH_SIZE = 64
# ...and at this many bytes of input, so a batch is never a multi-hundred-MB object.
BATCH_BYTES = 4 * 2**20
# Runs of fewer documents than this are processed in-process whatever --jobs is.
SMALL_RUN = 2 * BATCH_SIZE
# In-flight batches per worker: keeps every worker busy while bounding memory (the input
# iterator is consumed only as fast as results are written).
WINDOW_PER_JOB = 4
# Ids of kept records a worker remembers, to pass over exact repeats before enrichment
# (~100 bytes each: 10 MB per worker at most); older ones are forgotten first.
KNOWN_IDS = 100_000


@dataclass(frozen=True)
class Options:
    """Everything that changes what one document becomes (recorded in the manifest).

    ``skip`` names normalise passes to switch off; ``year`` is the publication year to use when
    neither the text nor the source metadata states one.
    """

    script: str = "simplified"
    skip: tuple[str, ...] = ()
    year: int | None = None
    enrich: bool = True
    segmenter: str = "rjieba"
    user_dict: str | None = None
    tokens: bool = True
    keywords: int = 10

    def __post_init__(self) -> None:
        if self.script not in SCRIPTS:
            raise OptionError(f"script must be one of {', '.join(SCRIPTS)}, not {self.script!r}")
        unknown = sorted(set(self.skip) - set(PASSES))
        if unknown:
            raise OptionError(
                f"unknown normalise pass {', '.join(unknown)}; passes are {', '.join(PASSES)}"
            )
        if self.segmenter not in SEGMENTERS:
            raise OptionError(
                f"segmenter must be one of {', '.join(SEGMENTERS)}, not {self.segmenter!r}"
            )
        if self.year is not None and not 1000 <= self.year <= 2999:
            raise OptionError(f"year must be a four-digit year, not {self.year}")
        if self.keywords < 0:
            raise OptionError(f"keywords must be >= 0, not {self.keywords}")
        if self.user_dict is not None and not Path(self.user_dict).is_file():
            raise OptionError(f"user dictionary {self.user_dict} is not a readable file")


class DocumentProcessor:
    """Turns one :class:`Source` into a record dict or a :class:`Reject`.

    Built once per process (the segmenter, dictionaries and validator load here), then called
    per document. A document can never stop the run: an unexpected exception inside a stage
    becomes a reject with reason ``internal_error`` naming the stage, so one pathological input
    costs one reject, not a crashed corpus build.
    """

    def __init__(self, options: Options | None = None) -> None:
        self.options = options or Options()
        self.switches = {name: False for name in self.options.skip}
        self.enricher = (
            Enricher(
                self.options.segmenter,
                user_dict=self.options.user_dict,
                tokens=self.options.tokens,
                keywords=self.options.keywords,
            )
            if self.options.enrich
            else None
        )
        self.validator = RecordValidator()

    def __call__(
        self, source: Source, known: Container[str] | None = None
    ) -> dict[str, Any] | Reject | Repeat:
        """The record for ``source``, or why there is none.

        ``known`` holds ids of records already kept (the run's deduper, or what a worker was
        told of it): a document whose title and body give one of them is an exact duplicate,
        and is returned as a :class:`Repeat` right after parsing, without the enrichment,
        record and validation it would only be dropped after.
        """
        return self.process_many([source], known)[0]

    def process_many(
        self, sources: Sequence[Source], known: Container[str] | None = None
    ) -> list[dict[str, Any] | Reject | Repeat]:
        """:meth:`__call__` for each of ``sources``, in order, taken a stage at a time.

        Every document is decoded, normalised and parsed, then every one left is enriched,
        then every one left becomes a record: each stage's code and tables (the segmenter's
        dictionary, the lexicons, the validator) stay in the CPU's caches for the whole batch
        instead of being pushed out by the other stages at every document. Measured with
        ``convert()`` in-process on the benchmark corpus, 64 documents at a time against one
        at a time: ~850-880 → ~690-710 µs per document with ``jobs=1`` (the writer, taking
        64 records in a row, gains too), ~490-520 → ~445-475 with ``jobs=2``; the same bytes
        written. ``known`` is read as it is when called: a repeat of a document earlier in
        the same call is not caught here but by the run's deduper, as for repeats a worker
        was not told of.
        """
        outcomes: list[dict[str, Any] | Reject | Repeat | None] = [None] * len(sources)
        parsed: list[tuple[int, _Parsed]] = []
        for index, source in enumerate(sources):
            result = self._parse(source, known)
            if isinstance(result, _Parsed):
                parsed.append((index, result))
            else:
                outcomes[index] = result
        if self.enricher is not None:
            enriched = self.enricher.enrich_many([doc.article for _, doc in parsed])
            for (index, doc), enrichment in zip(parsed, enriched, strict=True):
                if isinstance(enrichment, Exception):  # it cost one document, not the run
                    outcomes[index] = _internal_error(sources[index], "enrich", enrichment)
                else:
                    doc.enrichment = enrichment
        for index, doc in parsed:
            if outcomes[index] is None:
                outcomes[index] = self._record(sources[index], doc)
        return outcomes  # type: ignore[return-value]

    def _parse(self, source: Source, known: Container[str] | None) -> _Parsed | Reject | Repeat:
        """Decode, normalise and parse one document: what every document goes through."""
        stage = "decode"
        try:
            decoded = decode(source)
            if isinstance(decoded, Failure):
                return _reject(source, stage, decoded)
            stage = "normalise"
            # Bytes decoded here never hold lone surrogates; a container's str may.
            text = decoded.text if source.text is None else without_lone_surrogates(decoded.text)
            normalised = normalise(text, script=self.options.script, **self.switches)
            stage = "parse"
            article = parse_article(
                normalised.text, year=self._year(source), titled=_titled(source.metadata)
            )
            if isinstance(article, Failure):
                return _reject(source, stage, article)
            record_id = None
            if known is not None:
                record_id = content_id(article.title, article.paragraphs)
                if record_id in known:
                    return Repeat(record_id, _source_key(source))
            return _Parsed(decoded.encoding, normalised, article, record_id)
        except Exception as exc:  # a bug must cost one document, not the run
            return _internal_error(source, stage, exc)

    def _record(self, source: Source, doc: _Parsed) -> dict[str, Any] | Reject:
        """The record of a parsed (and enriched) document, validated against the schema."""
        stage = "record"
        try:
            record = build_record(
                source=source,
                encoding=doc.encoding,
                normalised=doc.normalised,
                article=doc.article,
                enrichment=doc.enrichment,
                record_id=doc.record_id,
            )
            stage = "schema"
            issues = self.validator.validate(record)
            if issues:
                detail = self.validator.summary(issues)
                listed = "; ".join(f"{issue.path}: {issue.message}" for issue in issues)
                return _reject(source, stage, Failure("invalid", f"{detail} (all: {listed})"))
            return record
        except Exception as exc:  # a bug must cost one document, not the run
            return _internal_error(source, stage, exc)

    def warm_up(self) -> None:
        """Load what the first documents would load lazily (lexicons, segmenter dictionary),
        so forked workers inherit it instead of each loading their own."""
        self(Source(uri="<warm-up>", data=WARM_UP.encode("utf-8")))

    def _year(self, source: Source) -> int | None:
        """The year the parser may use: the option first, then the source's own metadata."""
        if self.options.year is not None:
            return self.options.year
        return year_from_metadata(source.metadata)


def without_lone_surrogates(text: str) -> str:
    """``text`` with each lone UTF-16 surrogate replaced by U+FFFD (a lost character).

    One C-level encode tells whether there is any (~2 us for an average article; a regex
    search costs ~6x that), so clean text pays almost nothing.

    >>> without_lone_surrogates("残\\ud800字")
    '残\ufffd字'
    >>> without_lone_surrogates("完好")
    '完好'
    """
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return LONE_SURROGATE.sub("\ufffd", text)
    return text


def _titled(metadata: Mapping[str, Any]) -> bool:
    """Whether the source named its title (a JSON record's ``title``), which the reader put
    on the first line of the text."""
    title = metadata.get("title")
    return isinstance(title, str) and bool(title.strip())


def year_from_metadata(metadata: Mapping[str, Any]) -> int | None:
    """The publication year stated by a source's metadata (a date field or a dated URL).

    >>> year_from_metadata({"url": "http://news.sohu.com/20120612/n345.shtml"})
    2012
    >>> year_from_metadata({"title": "1998年新年讲话"}) is None
    True
    """
    for key in DATE_FIELDS:
        value = metadata.get(key)
        if isinstance(value, str):
            match = METADATA_YEAR.search(value)
            if match:
                return int(match.group(1))
    return None


def _reject(source: Source, stage: str, failure: Failure) -> Reject:
    return Reject(
        uri=source.uri,
        stage=stage,
        reason=failure.reason,
        detail=failure.detail,
        line=source.line,
        sha256=_sha256(source.data),
    )


def _internal_error(source: Source, stage: str, exc: Exception) -> Reject:
    """The reject for a bug met in ``stage``: it names the exception, and costs one document."""
    return _reject(
        source, stage, Failure("internal_error", f"{type(exc).__name__} in {stage}: {exc}")
    )


@dataclass(slots=True)
class _Parsed:
    """A document between parsing and its record (:meth:`DocumentProcessor.process_many`)."""

    encoding: str
    normalised: NormaliseResult
    article: Article
    record_id: str | None = None  # its content_id, when it was looked up among known ids
    enrichment: Enrichment | None = None


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _source_key(source: Source) -> dict[str, Any]:
    """What a duplicate's reject says of its input (as ``record["source"]`` would)."""
    return {"uri": source.uri, "line": source.line, "sha256": _sha256(source.data)}


@dataclass(frozen=True)
class Repeat:
    """A document whose title and body a kept record already has: an exact duplicate, found
    before enrichment (see :meth:`DocumentProcessor.__call__`). ``id`` is that record's id."""

    id: str
    source: dict[str, Any]


class KnownIds:
    """The ids of kept records a worker process was told about, for ``known`` above.

    Bounded: past ``limit`` ids the oldest are forgotten, which only means a repeat of a record
    that old goes the long way and is dropped by the parent's deduper as before.

    >>> known = KnownIds(limit=2)
    >>> known.update(["a", "b", "c"])
    >>> "a" in known, "c" in known
    (False, True)
    """

    def __init__(self, limit: int = KNOWN_IDS) -> None:
        self.limit = limit
        self._ids: dict[str, None] = {}

    def __contains__(self, record_id: object) -> bool:
        return record_id in self._ids

    def update(self, ids: Iterable[str]) -> None:
        self._ids.update(dict.fromkeys(ids))
        excess = len(self._ids) - self.limit
        if excess > 0:
            for record_id in list(islice(self._ids, excess)):
                del self._ids[record_id]


# -- library calls -----------------------------------------------------------------------------

_PROCESSORS: dict[Options, DocumentProcessor] = {}


def _processor(options: Options) -> DocumentProcessor:
    """One processor per distinct options in this process (the segmenter loads once)."""
    if options not in _PROCESSORS:
        _PROCESSORS[options] = DocumentProcessor(options)
    return _PROCESSORS[options]


def _raise_for(result: dict[str, Any] | Reject) -> dict[str, Any]:
    if isinstance(result, Reject):
        raise DocumentError(result)
    return result


def parse(text: str, *, uri: str = "<string>", **options: Any) -> dict[str, Any]:
    """Turn one raw document (a ``str``) into a schema-valid record dict.

    Options are the fields of :class:`Options` (``script``, ``year``, ``enrich``, ``segmenter``,
    ``user_dict``, ``tokens``, ``keywords``, ``skip``). A document that cannot become a record
    (empty, no body) raises :class:`~docexport.errors.DocumentError` carrying the reject.
    """
    if not isinstance(text, str):
        raise OptionError(f"parse() takes text as str, not {type(text).__name__}")
    # surrogatepass: a str with lone surrogates still has bytes to hash; the text is cleaned later.
    data = text.encode("utf-8", "surrogatepass")
    source = Source(uri=uri, data=data, text=text, encoding="utf-8")
    return _raise_for(_processor(_options(options))(source))


def parse_file(path: str | os.PathLike[str], **options: Any) -> dict[str, Any]:
    """Read one document from a file and turn it into a record dict like :func:`parse`.

    The file is read as :func:`convert` reads it: a text file is one document (its encoding
    detected), and a JSONL or JSON file, or a Sogou dump, holding exactly one document gives
    that one (its text field, title and metadata as ``convert`` takes them). A file that holds
    several documents, or none, raises :class:`~docexport.errors.InputError` (``convert`` is
    for those); a compressed one is decompressed; a document that cannot be read or becomes
    no record raises :class:`~docexport.errors.DocumentError` with its reject.
    """
    resolved = Path(path)
    if not resolved.is_file():
        raise InputError(f"{path}: no such file")
    if not os.access(resolved, os.R_OK):
        raise InputError(f"{path}: cannot read (permission denied)")
    return _parse_one(os.fspath(path), None, options)


def _parse_one(name: str, stdin: BinaryIO | None, options: Mapping[str, Any]) -> dict[str, Any]:
    """The record of the one document ``name`` (a path, or ``-`` with ``stdin``) holds."""
    processor = _processor(_options(options))  # options first: a bad one says so before reading
    found = list(islice(iter_sources([name], stdin=stdin), 2))
    if len(found) != 1:
        what = "no document" if not found else "more than one document"
        raise InputError(
            f"{name} holds {what} (a JSONL, JSON or Sogou file is one document per record); "
            "parse reads exactly one: use convert for the rest"
        )
    (item,) = found
    if isinstance(item, Reject):
        raise DocumentError(item)
    return _raise_for(processor(item))


def _options(given: Mapping[str, Any]) -> Options:
    known = set(Options.__dataclass_fields__)
    unknown = sorted(set(given) - known)
    if unknown:
        raise OptionError(
            f"unknown option {', '.join(unknown)}; options are {', '.join(sorted(known))}"
        )
    values = dict(given)
    if "skip" in values:
        values["skip"] = tuple(values["skip"])
    if values.get("user_dict") is not None:
        values["user_dict"] = os.fspath(values["user_dict"])
    return Options(**values)


# -- convert -----------------------------------------------------------------------------------


@dataclass
class RunReport:
    """What a :func:`convert` run did: the counts that must add up, and how fast it went.

    ``inputs == records + duplicates + rejects`` always holds for a completed run.
    """

    out: str
    inputs: int = 0
    records: int = 0
    duplicates: int = 0
    rejects: int = 0
    rejects_by_reason: dict[str, int] = field(default_factory=dict)
    repairs: dict[str, int] = field(default_factory=dict)
    input_bytes: int = 0
    seconds: float = 0.0
    resumed_from: int = 0
    skipped_files: int = 0
    skipped_examples: list[str] = field(default_factory=list)
    manifest: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def complete(self) -> bool:
        return self.inputs == self.records + self.duplicates + self.rejects

    def summary(self) -> str:
        """The closing line: ``N inputs → R records, X rejects (by reason) in T s (rates)``."""
        reasons = ", ".join(f"{k} {v}" for k, v in sorted(self.rejects_by_reason.items()))
        rejects = f"{self.rejects} rejects" + (f" ({reasons})" if reasons else "")
        seconds = max(self.seconds, 1e-9)
        rate = f"{self.inputs / seconds:,.1f} docs/s, {self.input_bytes / seconds / 1e6:.2f} MB/s"
        dups = f", {self.duplicates} duplicates" if self.duplicates else ""
        line = (
            f"{self.inputs} inputs → {self.records} records{dups}, {rejects} "
            f"in {self.seconds:.1f} s ({rate})"
        )
        if self.skipped_files:
            shown = ", ".join(self.skipped_examples)
            more = ", …" if self.skipped_files > len(self.skipped_examples) else ""
            line += (
                f"; not read: {self.skipped_files} file(s) that are not .txt/.jsonl/.json "
                f"({shown}{more}; --glob '*' reads every file)"
            )
        return line

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("manifest")
        return data


def convert(
    inputs: Sequence[str | os.PathLike[str]] | str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    formats: Sequence[str] | str = ("parquet",),
    jobs: int | None = None,
    executor: str = "local",
    ray_address: str | None = None,
    glob: Sequence[str] = (),
    text_field: str | None = None,
    shard_rows: int = 50_000,
    shard_bytes: int = 256 * 2**20,
    jsonl_compression: str | None = None,
    excel: bool = False,
    dedup: bool = True,
    near_dedup: bool = True,
    overwrite: bool = False,
    resume: bool = False,
    max_doc_size: int | None = DEFAULT_MAX_DOC_SIZE,
    progress: Callable[[int], None] | None = None,
    **options: Any,
) -> RunReport:
    """Turn many documents into a dataset directory (DESIGN §4) and return the run report.

    ``executor`` is ``"local"`` (a process pool of ``jobs`` workers) or ``"ray"`` (actors on the
    Ray cluster at ``ray_address``, or ``RAY_ADDRESS``, or a new local instance; ``jobs`` actors,
    default one per cluster CPU; needs ``docexport[ray]``); the data files are the same.
    ``inputs`` are files, directories, glob patterns or ``"-"`` for stdin. Document options are
    those of :func:`parse`. The run streams: memory does not grow with the corpus. A document
    larger than ``max_doc_size`` bytes (``None``: no limit) is a ``read/too_large`` reject. Raises
    :class:`~docexport.errors.OptionError` for bad options, :class:`~docexport.errors.InputError`
    when an input path does not exist, :class:`~docexport.errors.OutputError` when the output
    cannot be written; a bad *document* never raises, it becomes a reject.
    """
    started = time.perf_counter()
    doc_options = _options(options)
    inputs = [inputs] if isinstance(inputs, (str, os.PathLike)) else list(inputs)
    formats = _check_formats(formats)
    ray_actors = jobs or None  # Ray: --jobs actors when given, else one per cluster CPU
    jobs = _check_jobs(jobs)
    if executor not in EXECUTORS:
        raise OptionError(f"executor must be one of {', '.join(EXECUTORS)}, not {executor!r}")
    if executor == "ray":
        from docexport.distributed import check_reachable, import_ray

        # A missing extra or a head that does not answer is a one-line error before OUT is
        # created (a joined session, or a new local instance, has nothing to check).
        ray = import_ray()
        if not ray.is_initialized():
            check_reachable(ray_address or os.environ.get("RAY_ADDRESS"))
    if shard_rows < 1 or shard_bytes < 1:
        raise OptionError("shard size must be at least one row and one byte")
    if jsonl_compression not in (None, *JSONL_COMPRESSIONS):
        raise OptionError(f"JSONL compression must be gz or zst, not {jsonl_compression!r}")
    if max_doc_size is not None and max_doc_size < 1:
        raise OptionError(f"max_doc_size must be at least one byte, not {max_doc_size}")
    if not inputs:
        raise InputError("no input given: name files, directories, glob patterns or - for stdin")
    _check_inputs_exist(inputs, out)

    # The first document is looked for before OUT is touched: inputs that hold none (a folder
    # of files the walk passes over) are a usage error that leaves no unfinished run behind
    # (and, with --overwrite, the old dataset in place).
    skipped = _Skipped()
    found = iter_sources(
        inputs,
        glob=glob,
        text_field=text_field,
        exclude=[out],
        on_skip=skipped,
        max_doc_size=max_doc_size,
    )
    first = next(found, None)
    if first is None:
        raise _no_input(skipped)
    deduper = Deduper(near=near_dedup) if dedup else None
    run_options = {
        **asdict(doc_options),
        "formats": list(formats),
        "glob": list(glob),
        "text_field": text_field,
        "shard_rows": shard_rows,
        "shard_bytes": shard_bytes,
        "jsonl_compression": jsonl_compression,
        "excel": excel,
        "dedup": dedup,
        "near_dedup": near_dedup,
        "max_doc_size": max_doc_size,
    }
    writer = DatasetWriter(
        out,
        schema=load_schema(),
        arrow_schema=arrow_schema(),
        csv_columns=csv_columns(),
        formats=formats,
        shard_rows=shard_rows,
        shard_bytes=shard_bytes,
        jsonl_compression=jsonl_compression,
        excel=excel,
        overwrite=overwrite,
        resume=resume,
        options=run_options,
        versions=_versions(),
        checkpoint_extra=deduper.snapshot if deduper is not None else None,
    )
    report = RunReport(out=os.fspath(out))
    results: Generator[_Result, None, None] | None = None
    try:
        skip = writer.resume_point
        if skip and deduper is not None:
            deduper.restore(writer.resume_extras)
        report.resumed_from = skip
        sources = enumerate(chain([first], found))
        transport = Transport(writer.encoder, near=deduper is not None and deduper.near)
        results = _run(
            sources,
            skip,
            doc_options,
            jobs,
            executor,
            ray_address=ray_address,
            actors=ray_actors,
            transport=transport,
            known=deduper,
        )
        for position, size, result in results:
            if isinstance(result, Reject):
                writer.add_reject(result, position, input_bytes=size)
            elif isinstance(result, Repeat):  # deduper.check would say so without a look
                duplicate = _duplicate(result.id, result.source, result.id)
                writer.add_reject(duplicate, position, input_bytes=size)
            elif isinstance(result, EncodedResult):
                duplicate_of = (
                    deduper.check_sketch(result.id, result.sketch) if deduper is not None else None
                )
                if duplicate_of is None:
                    writer.add_encoded(result.encoded, position, input_bytes=size)
                else:
                    duplicate = _duplicate(result.id, result.source, duplicate_of)
                    writer.add_reject(duplicate, position, input_bytes=size)
            else:
                duplicate_of = deduper.check(result) if deduper is not None else None
                if duplicate_of is None:
                    writer.add_record(result, position, input_bytes=size)
                else:
                    duplicate = _duplicate(str(result["id"]), result["source"], duplicate_of)
                    writer.add_reject(duplicate, position, input_bytes=size)
            if progress is not None:
                progress(position + 1)
        _fill(report, writer.committed_counts)
        report.skipped_files = skipped.count
        report.skipped_examples = skipped.examples
        report.seconds = time.perf_counter() - started
        report.manifest = writer.finish(report.to_dict())
    except BaseException:
        if results is not None:
            results.close()  # stops the worker pool now, not when the frame is collected
        writer.abort()
        raise
    return report


def _no_input(skipped: _Skipped) -> InputError:
    """The error for inputs that hold no document, naming the files the walk passed over."""
    if not skipped.count:
        return InputError(
            "no input document found: the inputs hold no documents (an empty folder, or "
            "JSONL, JSON or Sogou input without records)"
        )
    shown = ", ".join(skipped.examples) + (", …" if skipped.count > len(skipped.examples) else "")
    return InputError(
        f"no input document found: {skipped.count} file(s) passed over as not "
        f".txt/.jsonl/.json ({shown}); --glob '*' reads every file"
    )


class _Skipped:
    """Counts the files a directory walk left out, keeping the first few names to show."""

    def __init__(self, keep: int = 3) -> None:
        self.count = 0
        self.examples: list[str] = []
        self._keep = keep

    def __call__(self, path: str) -> None:
        self.count += 1
        if len(self.examples) < self._keep:
            self.examples.append(path)


def _fill(report: RunReport, counts: Mapping[str, Any]) -> None:
    """Copy the writer's running totals (which include resumed work) into the report."""
    report.records = counts["records"]
    report.duplicates = counts["duplicates"]
    report.rejects = counts["rejects"]
    report.inputs = report.records + report.duplicates + report.rejects
    report.rejects_by_reason = dict(sorted(counts["rejects_by_reason"].items()))
    report.repairs = dict(sorted(counts["repairs"].items()))
    report.input_bytes = counts["input_bytes"]


@dataclass(frozen=True)
class Transport:
    """What a worker process (or Ray actor) needs to prepare its records for the writer and the
    deduper of the process that owns them: see :func:`encode_result`."""

    encoder: RecordEncoder
    near: bool


@dataclass(frozen=True)
class EncodedResult:
    """A record as a worker process sends it back: what dedup, a duplicate's reject and the
    writer need, already serialised.

    The parent process deduplicates and writes every record alone, so whatever it does per
    record caps the speed-up of ``--jobs``. Unpickling a record dict (its token list is hundreds
    of strings), serialising it to JSONL and CSV and hashing its text for near dedup are done
    here instead, in parallel; the parent copies bytes. The record dict itself travels only
    when Parquet is written (Arrow converts rows in batches of the records that are kept).
    """

    id: str
    sketch: bytes | None
    source: dict[str, Any]
    encoded: EncodedRecord


_Result = tuple[int, int, "dict[str, Any] | EncodedResult | Reject | Repeat"]


def encode_result(
    result: dict[str, Any] | Reject | Repeat, transport: Transport
) -> dict[str, Any] | EncodedResult | Reject | Repeat:
    """A worker's result as the parent wants it (a reject, a repeat, or a record that cannot be
    encoded, goes back as it is: the parent's writer then reports it exactly as it always does)."""
    if isinstance(result, (Reject, Repeat)):
        return result
    try:
        encoded = transport.encoder(result)
    except Exception:  # the writer raises its own error for this record in the parent
        return result
    source = result["source"]
    return EncodedResult(
        id=str(result["id"]),
        sketch=sketch(result.get("text") or "") if transport.near else None,
        source={"uri": source["uri"], "line": source.get("line"), "sha256": source.get("sha256")},
        encoded=encoded,
    )


def _run(
    sources: Iterator[tuple[int, Source | Reject]],
    skip: int,
    options: Options,
    jobs: int,
    executor: str = "local",
    *,
    ray_address: str | None = None,
    actors: int | None = None,
    transport: Transport | None = None,
    known: Deduper | None = None,
) -> Generator[_Result, None, None]:
    """Process sources in input order, yielding ``(position, input bytes, result)``.

    ``known`` is the run's deduper, which the caller updates as it takes each result: this
    process consults it directly before each batch, and workers are sent the ids it keeps
    (:class:`Announcer`), so exact repeats skip enrichment (:meth:`DocumentProcessor.__call__`).
    Either way documents go a batch at a time (:meth:`DocumentProcessor.process_many`).

    A run small enough to fit in the first few batches is processed in this process even when
    ``jobs > 1``: starting workers (each loading the segmenter) would cost more than it saves.
    With a ``transport``, pool workers and Ray actors send records encoded
    (:class:`EncodedResult`); in this process records stay dicts, which the writer encodes
    itself at the same cost.
    """
    pending: Iterator[tuple[int, Source | Reject]] = (
        (pos, item) for pos, item in sources if pos >= skip
    )
    if executor == "ray":
        from docexport.distributed import run_ray  # the optional extra, only when asked for

        yield from run_ray(
            pending,
            options,
            address=ray_address,
            actors=actors,
            transport=transport,
            known=known,
        )
        return
    if jobs > 1:
        head = list(islice(pending, SMALL_RUN))
        if len(head) == SMALL_RUN:
            yield from _run_pool(chain(head, pending), options, jobs, transport, known)
            return
        pending = iter(head)
    processor = _processor(options)
    for batch in batches(pending):
        yield from process_batch(processor, batch, None, known)


class Announcer:
    """Tells worker processes which ids the run's deduper kept since they last heard.

    Each batch sent to a worker carries :meth:`news`: the ids kept since the batch sent
    ``overlap`` submissions before it (at most :data:`KNOWN_IDS`). A local pool hands batches
    to whichever worker is free, so the overlap is what makes every worker hear of (almost)
    every id; a worker that missed some only checks those repeats the long way. Ray sends
    batches round robin, so it asks per actor (``channel``) and nothing is missed.
    """

    def __init__(self, deduper: Deduper | None, overlap: int = 1) -> None:
        self._deduper = deduper
        self._marks: dict[int, deque[int]] = {}
        self._overlap = overlap

    def news(self, channel: int = 0) -> list[str] | None:
        """The ids to send with the next batch on ``channel``; ``None`` when dedup is off."""
        if self._deduper is None:
            return None
        now = len(self._deduper)
        marks = self._marks.setdefault(channel, deque(maxlen=self._overlap))
        start = marks[0] if len(marks) == self._overlap else 0
        marks.append(now)
        return self._deduper.kept(max(start, now - KNOWN_IDS))


def batches(
    items: Iterator[tuple[int, Source | Reject]],
    batch_size: int = BATCH_SIZE,
    batch_bytes: int = BATCH_BYTES,
) -> Iterator[list[tuple[int, Source | Reject]]]:
    """Group positioned sources into the tasks sent to workers (local processes or Ray actors).

    Cut by count and by input bytes, so a run of 50 MB files never sits in a queue at once.
    """
    batch: list[tuple[int, Source | Reject]] = []
    size = 0
    for item in items:
        batch.append(item)
        if isinstance(item[1], Source):
            size += len(item[1].data)
        if len(batch) >= batch_size or size >= batch_bytes:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def _run_pool(
    items: Iterator[tuple[int, Source | Reject]],
    options: Options,
    jobs: int,
    transport: Transport | None = None,
    known: Deduper | None = None,
) -> Iterator[_Result]:
    """A bounded window of batches over a process pool, results taken back in order.

    When the run stops early (Ctrl-C, a write error, the caller closing this generator) the
    workers are terminated rather than waited for: their in-flight batches would be thrown
    away anyway, and waiting for a worker still loading its dictionaries takes seconds.
    """
    window: deque[Future[list[_Result]]] = deque()
    if multiprocessing.get_start_method() == "fork":
        # Forked workers share what the parent has loaded (segmenter, lexicons, idf table)
        # instead of each loading its own copy; frozen objects are not touched by the
        # collector, so the shared pages are not copied on write.
        _processor(options).warm_up()
        if transport is not None:
            transport.encoder.warm_up()
        gc.freeze()
    pool = ProcessPoolExecutor(
        max_workers=jobs, initializer=_init_worker, initargs=(options, transport)
    )
    finished = False
    announcer = Announcer(known, overlap=2 * jobs)
    try:
        for batch in batches(items):
            window.append(_submit(pool, batch, announcer.news()))
            while len(window) >= jobs * WINDOW_PER_JOB:
                yield from window.popleft().result()
        while window:
            yield from window.popleft().result()
        finished = True
    except BrokenProcessPool as exc:
        raise DocexportError(
            "a worker process died (out of memory or killed); "
            "run again with --resume to finish from the last committed shard"
        ) from exc
    finally:
        if finished:
            pool.shutdown(wait=True)
        else:
            _stop_pool(pool)


def _submit(
    pool: ProcessPoolExecutor,
    batch: list[tuple[int, Source | Reject]],
    news: list[str] | None = None,
) -> Future[list[_Result]]:
    """``pool.submit`` with Ctrl-C (and SIGTERM) held back until it returns.

    The first submit forks the workers, and a KeyboardInterrupt raised inside an at-fork
    callback is swallowed ("Exception ignored"): the run would go on as if Ctrl-C had not been
    pressed. Blocked, the signal waits and is raised right after; the pool's threads, started
    inside submit, inherit the mask, so SIGINT is always the main thread's to take. A worker
    is born with both blocked too, until :func:`_init_worker` has replaced the parent's
    handlers: the CLI's SIGTERM handler raises KeyboardInterrupt, and a pool torn down while a
    worker was still starting (another worker died) sent it SIGTERM, whose traceback then
    landed beside the parent's one-line error.
    """
    if not hasattr(signal, "pthread_sigmask"):
        return pool.submit(_process_batch, batch, news)
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        return pool.submit(_process_batch, batch, news)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _stop_pool(pool: ProcessPoolExecutor) -> None:
    """Cancel what is queued and end the workers now (they hold nothing worth waiting for)."""
    workers = list((getattr(pool, "_processes", None) or {}).values())
    # The queue's feeder thread may be blocked writing a batch into the pipe to the workers;
    # once they are gone nobody reads it, and exiting must not wait for that thread.
    call_queue = getattr(pool, "_call_queue", None)
    if call_queue is not None:
        call_queue.cancel_join_thread()
    for worker in workers:
        if worker.is_alive():
            worker.kill()  # SIGKILL: a handler inherited from the parent must not run
    for worker in workers:
        worker.join(timeout=5)
    # The pool notices its dead workers and winds down; this returns as soon as it has.
    pool.shutdown(wait=True, cancel_futures=True)


_WORKER: DocumentProcessor | None = None
_TRANSPORT: Transport | None = None
_KNOWN = KnownIds()


def _init_worker(options: Options, transport: Transport | None = None) -> None:
    """Load the segmenter and validator once per worker; Ctrl-C is the parent's to handle.

    A worker has nothing to say on stderr: its results and errors go back through the pool.
    When the pool is torn down under it (another worker died, say), multiprocessing prints
    ``Process ForkProcess-2:`` and the traceback of the broken queue until the worker is
    killed, which broke the parent's one-line error; Python-level writes go nowhere instead.
    A crash in native code still reaches the real stderr (file descriptor 2 is untouched).
    """
    global _WORKER, _TRANSPORT
    sys.stderr = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 (as long as the worker)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # the CLI's handler is for the parent only
    if hasattr(signal, "pthread_sigmask"):  # forked while the parent held them back
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})
    _WORKER = _processor(options)  # inherited from the parent when forked, else built here
    _TRANSPORT = transport
    # Results go back through multiprocessing's pickler: Arrow batches as one IPC stream.
    ForkingPickler.register(pa.RecordBatch, reduce_batch_as_ipc)


def _process_batch(
    batch: list[tuple[int, Source | Reject]], news: list[str] | None = None
) -> list[_Result]:
    """A worker's task: ``news`` is what :class:`Announcer` says (``None``: dedup is off)."""
    assert _WORKER is not None, "worker used before _init_worker"
    if news:
        _KNOWN.update(news)
    results = process_batch(_WORKER, batch, _TRANSPORT, None if news is None else _KNOWN)
    release_arrow_memory()  # what earlier batches left (this one is freed once sent)
    return results


def process_batch(
    processor: DocumentProcessor,
    batch: list[tuple[int, Source | Reject]],
    transport: Transport | None,
    known: Container[str] | None,
) -> list[_Result]:
    """Process one batch in a worker (a pool process or a Ray actor), results in batch order.

    With a ``transport`` the records go back encoded, their Parquet rows converted to Arrow
    together (:meth:`~docexport.write.encode.RecordEncoder.to_arrow`).
    """
    done = iter(processor.process_many([i for _, i in batch if isinstance(i, Source)], known))
    out: list[_Result] = []
    for position, item in batch:
        if isinstance(item, Reject):
            out.append((position, 0, item))
        elif transport is None:
            out.append((position, len(item.data), next(done)))
        else:
            out.append((position, len(item.data), encode_result(next(done), transport)))
    if transport is not None:
        at = [i for i, (_, _, result) in enumerate(out) if isinstance(result, EncodedResult)]
        results = [out[i][2] for i in at]
        converted = transport.encoder.to_arrow([r.encoded for r in results])  # type: ignore[union-attr]
        for i, result, encoded in zip(at, results, converted, strict=True):
            position, size, _ = out[i]
            out[i] = (position, size, dataclasses.replace(result, encoded=encoded))  # type: ignore[type-var]
    return out


def _duplicate(record_id: str, source: Mapping[str, Any], duplicate_of: str) -> Reject:
    exact = record_id == duplicate_of
    return Reject(
        uri=source["uri"],
        stage="duplicate",
        reason="exact" if exact else "near",
        detail=f"{'same content as' if exact else 'nearly the same text as'} record {duplicate_of}",
        line=source.get("line"),
        sha256=source.get("sha256"),
        duplicate_of=duplicate_of,
    )


def _check_formats(formats: Sequence[str] | str) -> tuple[str, ...]:
    if isinstance(formats, str):
        formats = formats.split(",")
    chosen = tuple(dict.fromkeys(f.strip().lower() for f in formats if f.strip()))
    bad = [f for f in chosen if f not in FORMATS]
    if bad or not chosen:
        raise OptionError(
            f"format must be one or more of {', '.join(FORMATS)}"
            + (f", not {', '.join(bad)}" if bad else "")
        )
    return chosen


def _check_jobs(jobs: int | None) -> int:
    if jobs is None or jobs == 0:
        return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1)
    if jobs < 0:
        raise OptionError(f"jobs must be >= 1 (or 0 for one per core), not {jobs}")
    return jobs


def _check_inputs_exist(
    inputs: Sequence[str | os.PathLike[str]], out: str | os.PathLike[str]
) -> None:
    """A named path that does not exist, or that lies inside the output directory, is a usage
    error, before anything is written (a dataset must never read its own shards back)."""
    output = os.path.realpath(out)
    for item in inputs:
        text = os.fspath(item)
        if text == "-" or any(ch in text for ch in "*?["):
            continue
        if not os.path.lexists(text):
            raise InputError(f"{text}: no such file or directory")
        real = os.path.realpath(text)
        if real == output or real.startswith(output.rstrip(os.sep) + os.sep):
            raise InputError(
                f"{text} is inside the output directory {os.fspath(out)}; it cannot be an input"
            )


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    found = {"docexport": __version__, "python": sys.version.split()[0]}
    for name in ("pyarrow", "jieba", "rjieba", "opencc", "jsonschema", "orjson"):
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            continue
    return found
