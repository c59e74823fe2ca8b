"""Read: paths, directories, globs and stdin → one ``Source`` (raw bytes) per input document.

Everything a user can point docexport at is turned into a deterministic stream of
:class:`~docexport.data.Source` values, and every input that cannot be read becomes a
:class:`~docexport.data.Reject` (stage ``read``) in the same stream, at the place it would have
been, so ``inputs = records + duplicates + rejects`` holds and nothing is skipped silently.

Order: inputs in the order given; a directory is walked depth-first with each directory's
entries sorted by name in byte order (so ``a/…`` comes before ``a-b``, as in a sorted tree
listing). Hidden names (``.git``, ``.DS_Store``) are skipped inside directories; the ``exclude``
paths (the output directory) are never walked. Symlinks are followed, except a symlinked
directory that points back to one of its own ancestors, which is a ``symlink_loop`` reject.

Formats, by extension after a compression suffix (``.gz``, ``.bz2``, ``.xz``, ``.zst``) is
stripped: ``.jsonl``/``.ndjson`` → one document per line; ``.json`` → an array of objects (or one
object), each a document; anything else → one document per file, unless it starts with
``<doclist>`` or ``<doc>``: then it is a Sogou news dump (SogouCS/SogouCA ``.dat``, see
:meth:`_Reader.sogou`), one document per ``<doc>`` record. Files are streamed: JSONL and Sogou
dumps are read line by line through streaming decompressors, so memory holds one line (one
record), never the file.

Read-stage reject reasons (stable ids): ``not_found``, ``not_a_file``, ``permission_denied``,
``broken_symlink``, ``symlink_loop``, ``read_error``, ``truncated_compressed``,
``invalid_json``, ``text_not_string``, ``too_large``, ``truncated_record``.

Size limit: with ``max_doc_size``, a document larger than that many bytes (a file, or one JSONL
line or JSON record) becomes a ``too_large`` reject, and a file or line over the limit is never
loaded whole: at most ``max_doc_size + 1`` bytes of it are read to know, the rest is skipped in
chunks. A 50 MB one-line "document" is a dump that was never split; segmenting it would cost
gigabytes of token lists, and no downstream tool wants it as one row.
"""

from __future__ import annotations

import bz2
import errno
import fnmatch
import glob as globbing
import gzip
import hashlib
import io
import lzma
import os
import re
import stat
import sys
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from itertools import chain
from typing import Any, BinaryIO

import orjson
import zstandard

from docexport.data import Reject, Source

__all__ = ["DEFAULT_GLOBS", "READ_REASONS", "TEXT_FIELDS", "iter_sources"]

STAGE = "read"
READ_REASONS: tuple[str, ...] = (
    "broken_symlink",
    "invalid_json",
    "not_a_file",
    "not_found",
    "permission_denied",
    "read_error",
    "symlink_loop",
    "text_not_string",
    "too_large",
    "truncated_compressed",
    "truncated_record",
)
# JSON fields tried, in this order, for the document text when no text field is named.
TEXT_FIELDS: tuple[str, ...] = ("text", "content", "body")
JSONL_SUFFIXES = frozenset({".jsonl", ".ndjson"})
JSON_SUFFIX = ".json"
COMPRESSION_SUFFIXES: tuple[str, ...] = (".gz", ".bz2", ".xz", ".zst")
# A path with these characters that does not exist is a pattern the shell did not expand.
GLOB_CHARACTERS = re.compile(r"[*?\[]")
UTF8_BOM = b"\xef\xbb\xbf"
# Errors the decompressors raise on corrupt (not merely truncated) data.
CORRUPT_DATA_ERRORS: tuple[type[Exception], ...] = (
    OSError,
    lzma.LZMAError,
    zlib.error,
    zstandard.ZstdError,
)
ZSTD_CHUNK = 1 << 17
# How much of an over-long line is read at a time while skipping it.
SKIP_CHUNK = 1 << 20
# The opening of a Sogou news dump (after an optional BOM and white space), and one field line
# of a record: ``<url>…</url>``. A field's value may run over several lines until its closing
# tag; its bytes are kept as they are (the dump's encoding is detected per document).
SOGOU_OPENINGS = (b"<doclist>", b"<doc>")
SOGOU_RECORD_LINES = frozenset({b"<doc>", b"</doc>"})
SOGOU_STRUCTURE = frozenset({b"doc", b"doclist"})  # tags that are never a record's field
SOGOU_FIELD = re.compile(rb"<([A-Za-z_]+)>(.*)", re.DOTALL)
# The fields of a Sogou record that make the document: title first, then the body.
SOGOU_TITLE, SOGOU_BODY = b"contenttitle", b"content"

# What a directory yields when no ``--glob`` is given: the document formats docexport reads,
# plain or compressed. A README, a LICENSE or a stray image next to the corpus is not news, so
# it is left out — and counted through ``on_skip`` so the run can say how many were left.
DEFAULT_GLOBS: tuple[str, ...] = tuple(
    f"*{ext}{comp}"
    for ext in (".txt", ".text", ".jsonl", ".ndjson", ".json")
    for comp in ("", *COMPRESSION_SUFFIXES)
)

Matcher = Callable[[str, str], bool]


def iter_sources(
    inputs: Sequence[str | os.PathLike[str]],
    *,
    glob: Sequence[str] = (),
    text_field: str | None = None,
    exclude: Sequence[str | os.PathLike[str]] = (),
    stdin: BinaryIO | None = None,
    on_skip: Callable[[str], None] | None = None,
    max_doc_size: int | None = None,
) -> Iterator[Source | Reject]:
    """Yield every document of ``inputs`` as a ``Source``, or a ``Reject`` when it cannot be read.

    ``glob`` patterns select files inside directories (``fnmatch`` on the file name, or on the path
    relative to the input directory when the pattern contains ``/``); without patterns a
    directory yields the files matching ``DEFAULT_GLOBS`` (``*.txt``, ``*.jsonl``, ``*.json``…,
    also compressed), and each file left out is passed to ``on_skip`` so nothing disappears
    unreported. ``--glob '*'`` takes every file. A file named explicitly is always read, whatever
    its name. An input that does not exist but contains ``* ? [`` is expanded as a glob.
    ``-`` reads ``stdin`` (default ``sys.stdin.buffer``): JSONL when its first non-blank byte is
    ``{``, otherwise one document. ``exclude`` directories (the output) are never read from: not
    walked, and a glob match inside one is passed over. ``max_doc_size`` (bytes) turns a larger
    document into a ``too_large`` reject without loading it.

    JSON records: the text is ``text_field`` or the first of ``TEXT_FIELDS`` present; the other
    fields go to ``metadata`` as parsed. When a record has a ``title`` that its body does not
    already start with, the text is ``title + "\\n" + body``, because downstream the first line
    of a document is its title. ``Source.data`` is the JSONL line without its line terminator
    (for ``.json`` arrays: the record re-serialised compactly), so ``sha256`` names the record.
    """
    # One path or one pattern given bare means that one, not its characters.
    if isinstance(inputs, (str, os.PathLike)):
        inputs = [inputs]
    if isinstance(glob, str):
        glob = [glob]
    matches = _glob_matcher(glob or DEFAULT_GLOBS)
    excluded = frozenset(os.path.realpath(path) for path in exclude)
    reader = _Reader(matches, excluded, text_field, on_skip, max_doc_size)
    for item in inputs:
        name = os.fspath(item)
        if name == "-":
            yield from reader.stdin(stdin if stdin is not None else sys.stdin.buffer)
        elif os.path.lexists(name) or not GLOB_CHARACTERS.search(name):
            yield from reader.path(name)
        else:
            found = sorted(globbing.glob(name, recursive=True))
            if not found:
                yield _reject(name, "not_found", f"No file matches the pattern {name}; check it.")
            for path in found:
                if not reader.is_excluded(path):
                    yield from reader.path(path)


def _glob_matcher(patterns: Sequence[str]) -> Matcher:
    """One compiled test for all ``--glob`` patterns (case-sensitive, the same on every OS)."""
    by_name = [re.compile(fnmatch.translate(p)) for p in patterns if "/" not in p]
    by_path = [re.compile(fnmatch.translate(p)) for p in patterns if "/" in p]

    def matches(name: str, relative: str) -> bool:
        return any(p.match(name) for p in by_name) or any(p.match(relative) for p in by_path)

    return matches


def _reject(
    uri: str, reason: str, detail: str, line: int | None = None, data: bytes | None = None
) -> Reject:
    sha256 = hashlib.sha256(data).hexdigest() if data is not None else None
    return Reject(
        uri=_printable(uri),
        stage=STAGE,
        reason=reason,
        detail=_printable(detail),
        line=line,
        sha256=sha256,
    )


def _printable(path: str) -> str:
    """``path`` as valid Unicode for the dataset: a file name that is not UTF-8 (GBK names from
    Windows archives) reaches Python with lone surrogates, which no JSON or Parquet writer
    accepts, so its undecodable bytes are written as ``\\xNN`` escapes.

    >>> print(_printable(os.fsdecode("新闻.txt".encode("gbk"))))
    \\xd0\\xc2\\xce\\xc5.txt
    """
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return path


def _os_reject(path: str, exc: OSError) -> Reject:
    """Name what went wrong with a path in the user's terms, and what to do about it."""
    if exc.errno == errno.ELOOP:
        return _reject(path, "symlink_loop", f"{path} is a symlink loop; fix or remove the link.")
    if exc.errno in (errno.ENOENT, errno.ENOTDIR):
        if os.path.islink(path):
            target = os.readlink(path)
            detail = f"{path} is a symlink to {target}, which does not exist; fix or remove it."
            return _reject(path, "broken_symlink", detail)
        return _reject(path, "not_found", f"{path} does not exist; check the path.")
    if exc.errno in (errno.EACCES, errno.EPERM):
        detail = f"{path} cannot be read (permission denied); grant read access or exclude it."
        return _reject(path, "permission_denied", detail)
    return _reject(path, "read_error", f"{path} could not be read ({exc.strerror or exc}).")


class _Reader:
    """The options of one ``iter_sources`` call, shared by the walk and the format readers."""

    def __init__(
        self,
        matches: Matcher,
        excluded: frozenset[str],
        field: str | None,
        on_skip: Callable[[str], None] | None,
        max_size: int | None = None,
    ):
        self.matches = matches
        self.excluded = excluded
        self.field = field
        self.on_skip = on_skip
        self.max_size = max_size

    def is_excluded(self, path: str) -> bool:
        """Whether ``path`` is, or lies inside, an excluded directory (the output)."""
        real = os.path.realpath(path)
        return any(
            real == ex or real.startswith(ex.rstrip(os.sep) + os.sep) for ex in self.excluded
        )

    # -- paths and directories -------------------------------------------------------------

    def path(self, path: str) -> Iterator[Source | Reject]:
        """An input named by the user: a file is read whatever its name, a directory walked."""
        try:
            info = os.stat(path)
        except OSError as exc:
            yield _os_reject(path, exc)
            return
        if stat.S_ISDIR(info.st_mode):
            if os.path.realpath(path) not in self.excluded:
                yield from self.walk(path, "", frozenset({(info.st_dev, info.st_ino)}))
        elif stat.S_ISREG(info.st_mode):
            yield from self.file(path)
        else:
            yield _not_a_file(path, info.st_mode)

    def walk(
        self, directory: str, relative: str, ancestors: frozenset[tuple[int, int]]
    ) -> Iterator[Source | Reject]:
        """Walk one directory in sorted order; ``ancestors`` are the (device, inode) of the
        directories above, which is how a symlink back up the tree is recognised."""
        try:
            with os.scandir(directory) as scan:
                names = sorted((entry.name for entry in scan), key=os.fsencode)
        except OSError as exc:
            yield _os_reject(directory, exc)
            return
        for name in names:
            if name.startswith("."):
                continue
            path = os.path.join(directory, name)
            rel = f"{relative}/{name}" if relative else name
            try:
                info = os.stat(path)
            except OSError as exc:
                if self.matches(name, rel):
                    yield _os_reject(path, exc)
                elif self.on_skip is not None:
                    self.on_skip(path)
                continue
            if stat.S_ISDIR(info.st_mode):
                key = (info.st_dev, info.st_ino)
                if key in ancestors:
                    detail = f"{path} links back to a directory above it; it was not followed."
                    yield _reject(path, "symlink_loop", detail)
                elif os.path.realpath(path) not in self.excluded:
                    yield from self.walk(path, rel, ancestors | {key})
            elif not self.matches(name, rel):
                if self.on_skip is not None:
                    self.on_skip(path)
            elif stat.S_ISREG(info.st_mode):
                yield from self.file(path)
            else:
                yield _not_a_file(path, info.st_mode)

    # -- files ---------------------------------------------------------------------------------

    def file(self, path: str) -> Iterator[Source | Reject]:
        """Read one regular file in the format its extension names."""
        compression, inner = _split_compression(path)
        suffix = os.path.splitext(inner)[1].lower()
        if suffix in JSONL_SUFFIXES:
            yield from self.jsonl_file(path, compression)
            return
        if (
            compression is not None
            and suffix != JSON_SUFFIX
            and _compressed_sogou(path, compression)
        ):
            # Told apart from its first bytes, so a dump cut short keeps the records before
            # the break (reading the document whole first would lose them all).
            yield from self.sogou_file(path, compression)
            return
        try:
            with _open(path, compression) as handle:
                data = _read_upto(handle, self.max_size, sized=compression is None)
        except EOFError:
            detail = (
                f"{path} ends in the middle of its compressed data; re-download or recompress it."
            )
            yield _reject(path, "truncated_compressed", detail)
            return
        except CORRUPT_DATA_ERRORS as exc:
            yield _read_failure(path, exc)
            return
        if suffix != JSON_SUFFIX and _is_sogou(data):
            yield from self.sogou_file(path, compression)
            return
        if self.max_size is not None and len(data) > self.max_size:
            yield self.too_large(path, f"{path} is", None)
            return
        if suffix == JSON_SUFFIX:
            yield from self.json_array(path, data)
        else:
            yield Source(uri=_printable(path), data=data)

    def jsonl_file(self, path: str, compression: str | None) -> Iterator[Source | Reject]:
        """One document per line, streamed (see :meth:`streamed`)."""
        return self.streamed(path, compression, self.jsonl_lines)

    def jsonl_lines(self, uri: str, lines: Iterable[bytes | None]) -> Iterator[Source | Reject]:
        """The documents of JSONL ``lines`` (blank lines are none)."""
        for number, raw in enumerate(lines, start=1):
            record = self.jsonl_line(uri, number, raw)
            if record is not None:
                yield record

    def sogou_file(self, path: str, compression: str | None) -> Iterator[Source | Reject]:
        """A Sogou dump, streamed record by record (see :meth:`sogou` and :meth:`streamed`)."""
        return self.streamed(path, compression, self.sogou)

    def streamed(
        self,
        path: str,
        compression: str | None,
        read: Callable[[str, Iterator[bytes | None]], Iterator[Source | Reject]],
    ) -> Iterator[Source | Reject]:
        """``read`` over the lines of ``path``, through its streaming decompressor: memory
        holds a line, not the file. A truncated compressed file keeps the documents before
        the break and ends with one reject that names the line where it broke."""
        number = 0

        def counted(lines: Iterator[bytes | None]) -> Iterator[bytes | None]:
            nonlocal number  # where the stream broke, for the handlers below
            for raw in lines:
                number += 1
                yield raw

        try:
            with _open(path, compression) as handle:
                yield from read(path, counted(self.lines(handle)))
        except EOFError:
            detail = (
                f"{path} ends in the middle of its compressed data at line {number + 1}; the "
                f"{number} lines before were read, re-download or recompress it for the rest."
            )
            yield _reject(path, "truncated_compressed", detail, line=number + 1)
        except CORRUPT_DATA_ERRORS as exc:
            yield _read_failure(path, exc, line=number + 1 if number else None)

    def sogou(self, uri: str, lines: Iterable[bytes | None]) -> Iterator[Source | Reject]:
        r"""The records of a Sogou news dump (SogouCS, SogouCA): one document per ``<doc>``.

        The format is pseudo-XML (no declaration, bare ``&``), one field per line::

            <doc>
            <url>http://news.sohu.com/20120612/n345428229.shtml</url>
            <docno>c172394d49da2142-69713306c0bb3300</docno>
            <contenttitle>公安机关销毁１０余万非法枪支</contenttitle>
            <content>中广网唐山６月１２日消息……</content>
            </doc>

        so it is read line by line, not parsed as XML. A document's bytes are its title and
        body, joined by a newline, as they are in the file (its encoding, GB18030 in Sogou's own
        release, is detected per document); ``line`` is the line of its ``<doc>``; the other
        fields (``url``, ``docno``) go to the metadata, where the URL's ``/YYYYMMDD/`` gives the
        dateline its year. An empty body is left to the parser, which rejects it (``no_body``);
        a record the file ends inside is a ``truncated_record`` reject.

        >>> dump = [b"<doclist>\n", b"<doc>\n", b"<url>http://a.b/20120612/n1.shtml</url>\n",
        ...         b"<contenttitle>\xe6\xa0\x87\xe9\xa2\x98</contenttitle>\n",
        ...         b"<content>\xe6\xad\xa3\xe6\x96\x87</content>\n", b"</doc>\n"]
        >>> [(s.line, s.data.decode(), dict(s.metadata)) for s in _Reader(None, frozenset(),
        ...     None, None).sogou("x.dat", dump)]
        [(2, '标题\n正文', {'url': 'http://a.b/20120612/n1.shtml'})]
        """
        start: int | None = None  # the line of the open record's <doc>
        fields: dict[bytes, bytes] = {}
        tag: bytes | None = None  # a field whose value has not reached its closing tag yet
        too_large = False
        number = 0
        for number, raw in enumerate(lines, start=1):
            if raw is None:  # a line over the size limit: its record is too large
                if start is not None:
                    too_large = True
                continue
            line = raw.removeprefix(UTF8_BOM) if number == 1 else raw
            stripped = line.strip()
            if tag is not None and stripped not in SOGOU_RECORD_LINES:
                # Inside a value that runs over several lines (a <doc> or </doc> line ends
                # one whose closing tag is missing, so one glitch never eats the records after).
                text, found, _ = line.partition(b"</" + tag + b">")
                fields[tag] += text
                if found:
                    tag = None
                continue
            tag = None
            if stripped == b"<doc>":
                if start is not None:
                    yield self._sogou_truncated(uri, start, "a new <doc> begins")
                start, fields, too_large = number, {}, False
            elif stripped == b"</doc>" and start is not None:
                yield self._sogou_record(uri, start, fields, too_large)
                start = None
            elif (
                start is not None
                and (match := SOGOU_FIELD.match(line.lstrip()))
                and match[1] not in SOGOU_STRUCTURE
            ):
                name, rest = match[1], match[2]  # ``rest`` keeps its line break
                value, found, _ = rest.partition(b"</" + name + b">")
                fields[name] = value if found else rest
                tag = None if found else name
        if start is not None:
            yield self._sogou_truncated(uri, start, "the file ends")

    def _sogou_record(
        self, uri: str, start: int, fields: Mapping[bytes, bytes], too_large: bool
    ) -> Source | Reject:
        title = fields.get(SOGOU_TITLE, b"").strip()
        body = fields.get(SOGOU_BODY, b"").strip()
        data = b"\n".join(part for part in (title, body) if part)
        if too_large or (self.max_size is not None and len(data) > self.max_size):
            return self.too_large(uri, f"The record at line {start} of {uri} is", start)
        metadata = {
            _field_text(name): _field_text(value.strip())
            for name, value in fields.items()
            if name not in (SOGOU_TITLE, SOGOU_BODY)
        }
        return Source(uri=_printable(uri), data=data, line=start, metadata=metadata)

    def _sogou_truncated(self, uri: str, start: int, where: str) -> Reject:
        detail = (
            f"The record at line {start} of {uri} has no </doc>: {where} inside it, so it may be "
            "cut short; check the file (a partial download?) and convert it again."
        )
        return _reject(uri, "truncated_record", detail, line=start)

    def stdin(self, stream: BinaryIO) -> Iterator[Source | Reject]:
        """``-``: JSONL when the first non-blank byte is ``{``, a Sogou dump when it starts with
        ``<doclist>`` or ``<doc>``, else one document."""
        head: list[bytes | None] = []
        try:
            lines = self.lines(stream)
            for raw in lines:
                head.append(raw)
                if raw is None or raw.strip():
                    break
            start = b"".join(raw or b"" for raw in head).removeprefix(UTF8_BOM).lstrip()
            if start.startswith(SOGOU_OPENINGS):
                yield from self.sogou("-", chain(head, lines))
            elif start.startswith(b"{"):
                yield from self.jsonl_lines("-", chain(head, lines))
            elif None in head:
                yield self.too_large("-", "standard input is", None)
            else:
                data = b"".join(raw for raw in head if raw is not None)
                rest = -1 if self.max_size is None else max(0, self.max_size + 1 - len(data))
                data += stream.read(rest)
                if self.max_size is not None and len(data) > self.max_size:
                    yield self.too_large("-", "standard input is", None)
                else:
                    yield Source(uri="-", data=data)
        except OSError as exc:
            yield _read_failure("-", exc)

    # -- JSON records ----------------------------------------------------------------------

    def lines(self, handle: BinaryIO) -> Iterator[bytes | None]:
        """The lines of ``handle``; ``None`` for a line longer than the size limit, which is
        skipped in chunks instead of being loaded."""
        if self.max_size is None:
            yield from handle
            return
        limit = self.max_size + 2  # the limit applies to the line without its "\r\n"
        while True:
            raw = handle.readline(limit + 1)
            if not raw:
                return
            if len(raw) <= limit or raw.endswith(b"\n"):
                if len(raw.rstrip(b"\r\n")) <= self.max_size:
                    yield raw
                    continue
            else:
                while raw and not raw.endswith(b"\n"):
                    raw = handle.readline(SKIP_CHUNK)
            yield None

    def too_large(self, uri: str, what: str, line: int | None) -> Reject:
        detail = (
            f"{what} larger than the document size limit of {self.max_size:,} bytes; split it "
            "into documents, or raise the limit with --max-doc-size."
        )
        return _reject(uri, "too_large", detail, line=line)

    def jsonl_line(self, uri: str, number: int, raw: bytes | None) -> Source | Reject | None:
        """One JSONL line → a Source, a Reject, or ``None`` for a blank line (not a document).

        ``raw`` is ``None`` for a line over the size limit (see :meth:`lines`)."""
        if raw is None:
            return self.too_large(uri, f"Line {number} of {uri} is", number)
        data = raw.removesuffix(b"\n").removesuffix(b"\r")
        if number == 1:
            data = data.removeprefix(UTF8_BOM)
        if not data.strip():
            return None
        try:
            record = orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            where = f"Line {number} of {uri}"
            detail = _json_error(
                where, data, f"{exc.msg} at column {exc.colno}", "or remove the line"
            )
            return _reject(uri, "invalid_json", detail, line=number, data=data)
        return self.record(uri, number, data, record)

    def json_array(self, path: str, data: bytes) -> Iterator[Source | Reject]:
        """A ``.json`` file: an array of records (``line`` = 1-based index) or a single record."""
        try:
            parsed = orjson.loads(data.removeprefix(UTF8_BOM))
        except orjson.JSONDecodeError as exc:
            problem = f"{exc.msg} at line {exc.lineno}, column {exc.colno}"
            detail = _json_error(path, data, problem, "it, or name it .txt to read it as text")
            yield _reject(path, "invalid_json", detail, data=data)
            return
        for index, record in enumerate(parsed if isinstance(parsed, list) else [parsed], start=1):
            compact = orjson.dumps(record)
            if self.max_size is not None and len(compact) > self.max_size:
                yield self.too_large(path, f"Record {index} of {path} is", index)
            else:
                yield self.record(path, index, compact, record)

    def record(self, uri: str, number: int, data: bytes, record: Any) -> Source | Reject:
        """A parsed JSON record → a Source with its text field and the rest as metadata."""
        if not isinstance(record, dict):
            detail = (
                f"Record {number} of {uri} is a JSON {_json_kind(record)}, not an object; each "
                "record must be an object with a text field."
            )
            return _reject(uri, "invalid_json", detail, line=number, data=data)
        field = self.field or next((name for name in TEXT_FIELDS if name in record), None)
        if field is None or field not in record:
            looked = self.field or ", ".join(TEXT_FIELDS)
            detail = (
                f"Record {number} of {uri} has no text field (looked for {looked}); "
                "name the field with --text-field."
            )
            return _reject(uri, "text_not_string", detail, line=number, data=data)
        body = record[field]
        if not isinstance(body, str):
            detail = (
                f"Field '{field}' of record {number} in {uri} is a JSON {_json_kind(body)}, not a "
                "string; fix the record or name another field with --text-field."
            )
            return _reject(uri, "text_not_string", detail, line=number, data=data)
        metadata = {key: value for key, value in record.items() if key != field}
        return Source(
            uri=_printable(uri),
            data=data,
            line=number,
            text=_with_title(metadata, body),
            encoding="utf-8",
            metadata=metadata,
        )


def _with_title(metadata: Mapping[str, Any], body: str) -> str:
    """Put a record's ``title`` on the first line unless the body already starts with it.

    >>> _with_title({"title": "标题"}, "正文。")
    '标题\\n正文。'
    >>> _with_title({"title": "标题"}, "标题\\n正文。")
    '标题\\n正文。'
    """
    title = metadata.get("title")
    if not isinstance(title, str) or not title.strip():
        return body
    title = title.strip()
    return body if body.lstrip().startswith(title) else f"{title}\n{body}"


def _json_error(where: str, data: bytes, problem: str, fix: str) -> str:
    """The detail of an ``invalid_json`` reject; JSON in GBK is common enough to name it."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return (
            f"{where} is not UTF-8, which JSON must be; convert the file first "
            "(e.g. iconv -f GB18030 -t UTF-8)."
        )
    return f"{where} is not valid JSON ({problem}); fix {fix}."


def _json_kind(value: Any) -> str:
    kinds = {type(None): "null", bool: "boolean", int: "number", float: "number", list: "array"}
    return kinds.get(type(value), "string" if isinstance(value, str) else "object")


def _not_a_file(path: str, mode: int) -> Reject:
    kind = "a FIFO" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode) else "a device"
    detail = f"{path} is {kind}, not a regular file; save its content to a file first."
    return _reject(path, "not_a_file", detail)


def _read_failure(path: str, exc: Exception, line: int | None = None) -> Reject:
    if isinstance(exc, OSError) and exc.errno is not None:
        return _os_reject(path, exc)
    where = f" at line {line}" if line else ""
    detail = f"{path} could not be read{where} ({exc}); check that the file is not corrupt."
    return _reject(path, "read_error", detail, line=line)


def _is_sogou(data: bytes) -> bool:
    r"""Whether a file's first bytes open a Sogou news dump: ``<doclist>`` or ``<doc>`` on a
    line of its own, after an optional BOM and white space. A text without a ``<`` in its first
    64 bytes, every news article, is turned down by one bounded ``find``; a text that merely
    begins with the tag (``<doc>新华社北京1月5日电``, found by the fuzz test) is a text, which
    read as a dump held no record and was lost.

    >>> _is_sogou(b"\xef\xbb\xbf\n<doclist>\n<doc>"), _is_sogou(b"<doc>"), _is_sogou(b"x <doc>")
    (True, True, False)
    >>> _is_sogou(b"<doc>\r\n<url>"), _is_sogou(b"<doc>\xe6\x96\xb0"), _is_sogou(b"<docs>\n")
    (True, False, False)
    """
    start = data.find(b"<", 0, 64)
    if start < 0 or data[:start].removeprefix(UTF8_BOM).strip():
        return False
    for opening in SOGOU_OPENINGS:
        if data.startswith(opening, start):
            rest = data[start + len(opening) :]
            return not rest or rest.startswith((b"\n", b"\r"))
    return False


def _compressed_sogou(path: str, compression: str) -> bool:
    """:func:`_is_sogou` on the first decompressed bytes of ``path`` (False when even those
    cannot be read: the usual path then reports why)."""
    try:
        with _open(path, compression) as handle:
            return _is_sogou(handle.read(64))
    except (EOFError, *CORRUPT_DATA_ERRORS):
        return False


def _field_text(value: bytes) -> str:
    """A Sogou field name or metadata value as text: UTF-8, else GB18030 (Sogou's own)."""
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return value.decode("gb18030", errors="replace")


def _split_compression(path: str) -> tuple[str | None, str]:
    """``("x.jsonl.gz")`` → ``(".gz", "x.jsonl")``; no compression → ``(None, path)``."""
    lower = path.lower()
    for suffix in COMPRESSION_SUFFIXES:
        if lower.endswith(suffix):
            return suffix, path[: -len(suffix)]
    return None, path


def _read_upto(handle: BinaryIO, limit: int | None, *, sized: bool) -> bytes:
    """The whole stream, or ``limit + 1`` bytes of it when it is larger (enough to tell).

    ``read(limit + 1)`` allocates the full ``limit + 1`` bytes before shrinking them to what
    was read: with the 10 MiB default that is ~50 µs per file, more than the read itself. A
    plain file (``sized``) says its size, so a file within the limit is read with a buffer of
    its size; one more byte is asked for, and if it comes the file grew since, and the rest is
    read up to the limit as usual.
    """
    if limit is None:
        return handle.read()
    if sized:
        size = os.fstat(handle.fileno()).st_size
        if size < limit:
            data = handle.read(size + 1)
            if len(data) <= size:
                return data
            return data + handle.read(limit + 1 - len(data))
    return handle.read(limit + 1)


@contextmanager
def _open(path: str, compression: str | None) -> Iterator[BinaryIO]:
    """Open ``path`` for streaming reads, decompressing on the fly; closes everything it opened.

    The stdlib readers raise ``EOFError`` on a truncated stream; zstandard's stream reader just
    stops, so ``.zst`` goes through :class:`_ZstdReader`, which raises ``EOFError`` too.
    """
    with open(path, "rb") as raw:
        if compression is None:
            yield raw
            return
        reader: Any
        if compression == ".gz":
            reader = gzip.GzipFile(fileobj=raw, mode="rb")
        elif compression == ".bz2":
            reader = bz2.BZ2File(raw, mode="rb")
        elif compression == ".xz":
            reader = lzma.LZMAFile(raw, mode="rb")  # noqa: SIM115 (closed by the with below)
        else:
            reader = io.BufferedReader(_ZstdReader(raw))
        with reader:
            yield reader


class _ZstdReader(io.RawIOBase):
    """A raw zstd stream over a file: concatenated frames, and ``EOFError`` when the file ends
    inside a frame (the same signal gzip, bz2 and lzma give for a truncated file)."""

    def __init__(self, raw: BinaryIO) -> None:
        super().__init__()
        self._raw = raw
        self._context = zstandard.ZstdDecompressor()
        self._frame = self._context.decompressobj()
        self._in_frame = False
        self._pending = b""
        self._offset = 0  # how much of _pending was already handed out

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        while self._offset == len(self._pending):
            chunk = self._raw.read(ZSTD_CHUNK)
            if not chunk:
                if self._in_frame:
                    raise EOFError("zstd stream ended in the middle of a frame")
                return 0
            self._pending = b"".join(self._decompress(chunk))
            self._offset = 0
        size = min(len(view), len(self._pending) - self._offset)
        view[:size] = self._pending[self._offset : self._offset + size]
        self._offset += size
        return size

    def _decompress(self, chunk: bytes) -> Iterable[bytes]:
        while chunk:
            yield self._frame.decompress(chunk)
            self._in_frame = not self._frame.eof
            if self._in_frame:
                return
            chunk = self._frame.unused_data
            self._frame = self._context.decompressobj()
