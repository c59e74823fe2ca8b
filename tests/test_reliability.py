"""The bad-input catalogue of issue #5: every case run end to end, with its exact outcome.

Each row builds one small input tree, runs :func:`docexport.convert` over it (JSONL output, one
job) and checks what a corpus engineer would look for afterwards: every input is exactly one
record, duplicate or reject (``inputs = records + duplicates + rejects``, in the report and in
the manifest), each reject has the stage and reason expected and names its line, and each
record holds the text it should. A few rows go through the ``docexport`` command instead, where
the outcome is a one-line error and an exit code. Nothing here may end in a traceback.
"""

from __future__ import annotations

import errno
import gzip
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import orjson
import pytest

import docexport
from docexport import read
from docexport.errors import DocumentError
from docexport.read import iter_sources

ROOT = Path(__file__).resolve().parents[1]

TITLE = "春耕备耕工作会议召开"
BODY = (
    "新华社北京3月5日电 记者张三报道：国务院今天召开常务会议，研究部署农业生产和水利建设工作。"
    "会议指出，要抓好春耕备耕。\n"
    "会议强调，各地区各部门要加强协调配合，确保各项措施落到实处。\n"
)
ARTICLE = f"{TITLE}\n{BODY}"
BIG5_ARTICLE = (
    "春耕備耕工作會議召開\n新華社北京3月5日電 記者張三報道：國務院今天召開常務會議，"
    "研究部署農業生產和水利建設工作。\n會議強調，各地區各部門要加強協調配合。\n"
)
MB = 2**20


@dataclass(frozen=True)
class Outcome:
    """What one input document must become.

    ``kind`` is ``record`` or ``reject``; a reject has ``stage``/``reason`` and the words its
    detail must contain; a record has the ``encoding`` decode found and text it must contain.
    ``uri`` is the input's path relative to the case directory, ``line`` its JSONL line.
    """

    uri: str
    kind: str
    stage: str | None = None
    reason: str | None = None
    line: int | None = None
    encoding: str | None = None
    contains: tuple[str, ...] = ()
    paragraphs: int | None = None


def record(uri: str, encoding: str, *contains: str, line: int | None = None, paragraphs=None):
    return Outcome(
        uri, "record", line=line, encoding=encoding, contains=contains, paragraphs=paragraphs
    )


def reject(uri: str, stage: str, reason: str, *words: str, line: int | None = None) -> Outcome:
    return Outcome(uri, "reject", stage=stage, reason=reason, line=line, contains=words)


@dataclass(frozen=True)
class Case:
    name: str
    build: Callable[[Path], None]
    outcomes: tuple[Outcome, ...]
    options: dict = field(default_factory=dict)


def files(**contents: bytes) -> Callable[[Path], None]:
    """A builder writing ``name=bytes`` files (``__`` in a name stands for ``/``)."""

    def build(root: Path) -> None:
        for name, data in contents.items():
            path = root / name.replace("__", "/").replace("_DOT_", ".")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)

    return build


def jsonl(*lines: bytes | dict) -> bytes:
    return (
        b"\n".join(line if isinstance(line, bytes) else orjson.dumps(line) for line in lines)
        + b"\n"
    )


def broken_symlink(root: Path) -> None:
    (root / "dangling.txt").symlink_to(root / "gone.txt")


def symlink_loop(root: Path) -> None:
    (root / "a.txt").symlink_to(root / "b.txt")
    (root / "b.txt").symlink_to(root / "a.txt")


def directory_loop(root: Path) -> None:
    (root / "d").mkdir()
    (root / "d" / "doc.txt").write_text(ARTICLE)
    (root / "d" / "up").symlink_to(root / "d")


def directory_named_like_a_file(root: Path) -> None:
    (root / "x.txt").mkdir()
    (root / "x.txt" / "inner.txt").write_text(ARTICLE)


def fifty_mb_line(root: Path) -> None:
    with open(root / "dump.txt", "wb") as handle:
        handle.write("春耕".encode() * (50 * MB // 6 + 1))


def fifty_mb_jsonl_line(root: Path) -> None:
    with open(root / "dump.jsonl", "wb") as handle:
        handle.write(orjson.dumps({"text": ARTICLE}) + b"\n")
        handle.write(b'{"text": "' + "春".encode() * (50 * MB // 3 + 1) + b'"}\n')
        handle.write(orjson.dumps({"text": BIG5_ARTICLE}) + b"\n")


def truncated_gzip(payload: bytes) -> bytes:
    whole = gzip.compress(payload)
    return whole[: len(whole) * 2 // 3]


LONG_LINES = "会议强调各地区各部门要加强协调配合。\n" * 100_000

CATALOGUE: tuple[Case, ...] = (
    Case("empty file", files(**{"empty_DOT_txt": b""}), (reject("empty.txt", "parse", "empty"),)),
    Case(
        "whitespace only",
        files(**{"blank_DOT_txt": b" \n\t\r\n\xe3\x80\x80\n"}),  # ASCII and ideographic spaces
        (reject("blank.txt", "parse", "empty"),),
    ),
    Case(
        "PNG image",
        files(**{"scan_DOT_txt": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))}),
        (reject("scan.txt", "decode", "binary", "PNG image"),),
    ),
    Case(
        "ELF executable",
        files(**{"tool_DOT_txt": b"\x7fELF\x02\x01\x01" + bytes(200)}),
        (reject("tool.txt", "decode", "binary", "ELF executable"),),
    ),
    Case(
        "NUL bytes inside text",
        files(**{"nul_DOT_txt": TITLE.encode() + b"\n\x00\x00\x00" + BODY.encode()}),
        (reject("nul.txt", "decode", "binary", "NUL bytes"),),
    ),
    Case(
        "truncated UTF-8 (last character cut)",
        files(**{"cut_DOT_txt": ARTICLE.encode()[:-2]}),  # "。\n" → the 。 loses its last byte
        (record("cut.txt", "utf-8", TITLE, "落到实处\ufffd"),),
    ),
    Case(
        "GBK",
        files(**{"gbk_DOT_txt": ARTICLE.encode("gbk")}),
        (record("gbk.txt", "gbk", TITLE, "国务院今天召开常务会议"),),
    ),
    Case(
        "GB18030 with 4-byte characters",
        files(**{"gb_DOT_txt": f"{TITLE}\n{BODY}生僻字㐀与𠮷均保留。\n".encode("gb18030")}),
        (record("gb.txt", "gb18030", TITLE, "㐀", "𠮷"),),
    ),
    Case(
        "Big5 (output simplified)",
        files(**{"big5_DOT_txt": BIG5_ARTICLE.encode("big5")}),
        (record("big5.txt", "big5hkscs", TITLE, "国务院今天召开常务会议"),),
    ),
    Case(
        "UTF-16 LE with BOM",
        files(**{"le_DOT_txt": b"\xff\xfe" + ARTICLE.encode("utf-16-le")}),
        (record("le.txt", "utf-16-le", TITLE, "落到实处。"),),
    ),
    Case(
        "UTF-16 BE with BOM",
        files(**{"be_DOT_txt": b"\xfe\xff" + ARTICLE.encode("utf-16-be")}),
        (record("be.txt", "utf-16-be", TITLE, "落到实处。"),),
    ),
    Case(
        "mixed encodings (UTF-8 title, GBK body)",
        files(**{"mixed_DOT_txt": TITLE.encode() + b"\n" + BODY.encode("gbk")}),
        (record("mixed.txt", "utf-8+gbk", TITLE, "国务院今天召开常务会议"),),
    ),
    Case(
        "50 MB single-line file (default limit 10 MiB)",
        fifty_mb_line,
        (reject("dump.txt", "read", "too_large", "10,485,760 bytes", "--max-doc-size"),),
    ),
    Case(
        "50 MB JSONL line between two good lines",
        fifty_mb_jsonl_line,
        (
            record("dump.jsonl", "utf-8", TITLE, line=1),
            reject("dump.jsonl", "read", "too_large", "Line 2", line=2),
            record("dump.jsonl", "utf-8", TITLE, line=3),
        ),
    ),
    Case(
        "file of 100k lines",
        files(**{"long_DOT_txt": f"{TITLE}\n{LONG_LINES}".encode()}),
        (record("long.txt", "utf-8", TITLE, paragraphs=100_000),),
    ),
    Case(
        "title-only document",
        files(**{"title_DOT_txt": f"{TITLE}\n".encode()}),
        (reject("title.txt", "parse", "no_body"),),
    ),
    Case(
        "directory named x.txt (walked, not read as a file)",
        directory_named_like_a_file,
        (record("x.txt/inner.txt", "utf-8", TITLE),),
    ),
    Case(
        "broken symlink",
        broken_symlink,
        (reject("dangling.txt", "read", "broken_symlink", "gone.txt"),),
    ),
    Case(
        "symlink loop between two files",
        symlink_loop,
        (
            reject("a.txt", "read", "symlink_loop", "symlink loop"),
            reject("b.txt", "read", "symlink_loop", "symlink loop"),
        ),
    ),
    Case(
        "directory symlink back to its parent",
        directory_loop,
        (record("d/doc.txt", "utf-8", TITLE), reject("d/up", "read", "symlink_loop", "above it")),
    ),
    Case(
        "malformed JSONL line (the rest converts)",
        files(
            **{
                "feed_DOT_jsonl": jsonl(
                    {"text": ARTICLE}, b'{"text": "cut off', {"text": BIG5_ARTICLE}
                )
            }
        ),
        (
            record("feed.jsonl", "utf-8", TITLE, line=1),
            reject("feed.jsonl", "read", "invalid_json", "Line 2", line=2),
            record("feed.jsonl", "utf-8", TITLE, line=3),
        ),
    ),
    Case(
        "JSONL text that is not a string",
        files(**{"feed_DOT_jsonl": jsonl({"text": ["段落"]}, {"text": ARTICLE})}),
        (
            reject("feed.jsonl", "read", "text_not_string", "array", line=1),
            record("feed.jsonl", "utf-8", TITLE, line=2),
        ),
    ),
    Case(
        "JSONL line with a lone surrogate escape",
        files(**{"feed_DOT_jsonl": jsonl(b'{"text": "\\ud800abc"}', {"text": ARTICLE})}),
        (
            reject("feed.jsonl", "read", "invalid_json", "surrogate", line=1),
            record("feed.jsonl", "utf-8", TITLE, line=2),
        ),
    ),
    Case(
        "truncated .gz text file",
        files(**{"doc_DOT_txt_DOT_gz": truncated_gzip(ARTICLE.encode() * 50)}),
        (reject("doc.txt.gz", "read", "truncated_compressed", "re-download"),),
    ),
    Case(
        "truncated .jsonl.gz keeps the lines before the break",
        files(
            **{
                "feed_DOT_jsonl_DOT_gz": truncated_gzip(
                    jsonl(*({"text": f"第{i}号新闻发布会召开\n{BODY}"} for i in range(400)))
                )
            }
        ),
        (),  # checked in its own test below: how many lines survive depends on zlib
    ),
)


def run_case(case: Case, root: Path, **extra) -> tuple[docexport.RunReport, dict, list, list]:
    """Build the case under ``root/in``, convert it, return report, manifest, records, rejects."""
    source = root / "in"
    source.mkdir()
    case.build(source)
    out = root / "out"
    report = docexport.convert(
        [source], out, formats=["jsonl"], jobs=1, **{**case.options, **extra}
    )
    manifest = orjson.loads((out / "manifest.json").read_bytes())
    records = [
        orjson.loads(line)
        for shard in sorted((out / "data").glob("part-*.jsonl"))
        for line in shard.read_bytes().splitlines()
    ]
    rejects = [orjson.loads(line) for line in (out / "rejects.jsonl").read_bytes().splitlines()]
    return report, manifest, records, rejects


def relative(uri: str, root: Path) -> str:
    return os.path.relpath(uri, root / "in")


@pytest.mark.parametrize(
    "case", [c for c in CATALOGUE if c.outcomes], ids=[c.name for c in CATALOGUE if c.outcomes]
)
def test_catalogue_case_ends_as_exactly_the_expected_outcomes(case: Case, tmp_path: Path) -> None:
    report, manifest, records, rejects = run_case(case, tmp_path)
    # Nothing lost: the promise is checked on the report and on the manifest.
    assert (
        report.inputs == len(case.outcomes) == report.records + report.duplicates + report.rejects
    )
    assert manifest["counts"]["inputs"] == report.inputs
    assert (manifest["counts"]["records"], manifest["counts"]["rejects"]) == (
        len(records),
        len(rejects),
    )
    got_records = {
        (relative(r["source"]["uri"], tmp_path), r["source"]["line"]): r for r in records
    }
    got_rejects = {
        (relative(r["source"]["uri"], tmp_path), r["source"]["line"]): r for r in rejects
    }
    assert len(got_records) == len(records) and len(got_rejects) == len(rejects)
    expected_records = [o for o in case.outcomes if o.kind == "record"]
    expected_rejects = [o for o in case.outcomes if o.kind == "reject"]
    assert sorted(got_records, key=str) == sorted(
        ((o.uri, o.line) for o in expected_records), key=str
    )
    assert sorted(got_rejects, key=str) == sorted(
        ((o.uri, o.line) for o in expected_rejects), key=str
    )
    for want in expected_rejects:
        got = got_rejects[want.uri, want.line]
        assert (got["stage"], got["reason"]) == (want.stage, want.reason), got
        for word in want.contains:
            assert word in got["detail"], got["detail"]
        assert "Traceback" not in got["detail"]
    for want in expected_records:
        got = got_records[want.uri, want.line]
        assert got["source"]["encoding"] == want.encoding
        for text in want.contains:
            assert text in got["text"], (text, got["text"][:200])
        if want.paragraphs is not None:
            assert len(got["paragraphs"]) == want.paragraphs


def test_truncated_jsonl_gz_keeps_every_line_before_the_break(tmp_path: Path) -> None:
    [case] = [c for c in CATALOGUE if c.name.startswith("truncated .jsonl.gz")]
    report, _, records, rejects = run_case(case, tmp_path, dedup=False)
    [broken] = rejects
    assert (broken["stage"], broken["reason"]) == ("read", "truncated_compressed")
    # Every line before the break is a record, numbered 1..n, and the reject names line n + 1.
    lines = [r["source"]["line"] for r in records]
    assert lines == list(range(1, len(records) + 1)) and 0 < len(records) < 400
    assert broken["source"]["line"] == len(records) + 1
    assert report.inputs == len(records) + 1


def test_a_50mb_file_over_the_limit_is_never_loaded_whole(tmp_path: Path) -> None:
    """The size check streams: reading a 50 MB file against a 1 MiB limit holds ~1 MiB."""
    fifty_mb_line(tmp_path)
    fifty_mb_jsonl_line(tmp_path)
    tracemalloc.start()
    try:
        items = list(iter_sources([tmp_path], max_doc_size=MB))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [(getattr(i, "reason", None), i.line) for i in items] == [
        (None, 1),
        ("too_large", 2),
        (None, 3),
        ("too_large", None),
    ]
    assert peak < 8 * MB, f"peak {peak / MB:.1f} MiB"


def test_max_doc_size_is_an_option_recorded_in_the_manifest(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text(ARTICLE)
    size = len(ARTICLE.encode())
    small = docexport.convert([tmp_path / "in"], tmp_path / "small", max_doc_size=size - 1, jobs=1)
    exact = docexport.convert([tmp_path / "in"], tmp_path / "exact", max_doc_size=size, jobs=1)
    assert small.rejects_by_reason == {"read/too_large": 1} and exact.records == 1
    assert small.manifest["options"]["max_doc_size"] == size - 1
    unlimited = cli("convert", "in", "--out", "none", "--max-doc-size", "0", "-q", cwd=tmp_path)
    assert unlimited.returncode == 0, unlimited.stderr.decode()
    assert (
        orjson.loads((tmp_path / "none" / "manifest.json").read_bytes())["options"]["max_doc_size"]
        is None
    )
    assert exact.manifest["options"]["max_doc_size"] == size


def test_unreadable_file_simulated_is_a_read_reject(tmp_path: Path, monkeypatch) -> None:
    """Simulated (root reads any file): ``open`` in the reader raises EACCES for one file."""
    real_open = open

    def guarded(file, *args, **kwargs):
        if os.fspath(file).endswith("secret.txt"):
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(read, "open", guarded, raising=False)
    case = Case(
        "unreadable", files(secret_DOT_txt=ARTICLE.encode(), ok_DOT_txt=ARTICLE.encode()), ()
    )
    report, _, records, rejects = run_case(case, tmp_path)
    assert report.inputs == 2
    assert [relative(r["source"]["uri"], tmp_path) for r in records] == ["ok.txt"]
    [denied] = rejects
    assert (denied["stage"], denied["reason"]) == ("read", "permission_denied")
    assert "grant read access" in denied["detail"]


def test_lone_surrogates_in_library_text_become_replacement_characters() -> None:
    """``parse`` used to crash hashing such a str; now its text reaches no writer unpaired."""
    result = docexport.parse(f"{TITLE}\n{BODY}\ud800残字\udfff。\n")
    assert "\ufffd残字\ufffd。" in result["text"]
    orjson.dumps(result)  # a writer accepts it (orjson refuses lone surrogates)
    with pytest.raises(DocumentError):
        docexport.parse("\ud800abc")  # one line: a title without a body


# -- through the command ----------------------------------------------------------------------


def cli(*args: str, cwd: Path = ROOT, user: list[str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*(user or []), sys.executable, "-m", "docexport", *args],
        capture_output=True,
        cwd=cwd,
        timeout=300,
    )


def assert_one_line_error(result: subprocess.CompletedProcess, code: int, *needles: str) -> None:
    stderr = result.stderr.decode()
    assert result.returncode == code, stderr
    assert "Traceback" not in stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("docexport: error: "), stderr
    for needle in needles:
        assert needle in lines[0], stderr


CLI_ERRORS = (
    # (name, build the tree, arguments after "convert", exit code, words of the one line)
    ("nonexistent input", lambda root: None, ["missing.txt"], 2, ["missing.txt", "no such"]),
    (
        "empty directory named x.txt",
        lambda root: (root / "x.txt").mkdir(),
        ["x.txt"],
        2,
        ["no input document found"],
    ),
    (
        "an input inside the output directory",
        lambda root: (root / "out").mkdir() or (root / "out" / "a.txt").write_text(ARTICLE),
        ["out/a.txt"],
        2,
        ["inside the output directory"],
    ),
    (
        "a non-empty output directory that is not a dataset",
        lambda root: (
            (root / "out").mkdir(),
            (root / "out" / "thesis.tex").write_text("x"),
            (root / "a.txt").write_text(ARTICLE),
        ),
        ["a.txt"],
        1,
        ["not a docexport dataset", "--overwrite"],
    ),
    (
        "--strict with a PNG named explicitly",
        lambda root: (root / "a.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64)),
        ["a.png", "--strict"],
        1,
        ["1 documents rejected (--strict)"],
    ),
    (
        "a bad --max-doc-size",
        lambda root: (root / "a.txt").write_text(ARTICLE),
        ["a.txt", "--max-doc-size", "lots"],
        2,
        ["not a size"],
    ),
)


@pytest.mark.parametrize(
    ("build", "args", "code", "needles"),
    [c[1:] for c in CLI_ERRORS],
    ids=[c[0] for c in CLI_ERRORS],
)
def test_cli_run_errors_are_one_line_with_the_documented_exit_code(
    tmp_path: Path, build, args, code, needles
) -> None:
    build(tmp_path)
    result = cli("convert", *args, "--out", "out", "--quiet", cwd=tmp_path)
    if "--strict" in args:
        # --strict prints no summary with --quiet, only the error line.
        assert (tmp_path / "out" / "manifest.json").is_file()
    assert_one_line_error(result, code, *needles)
    assert result.stdout == b""


def test_converting_the_current_directory_never_reads_its_own_output(
    tmp_path: Path, monkeypatch
) -> None:
    """``docexport convert . --out ./dataset``: the shards of a first run, of an overwritten
    one, of an interrupted one being resumed, and glob matches inside it are never input."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.txt").write_text(ARTICLE)
    (tmp_path / "b.jsonl").write_bytes(jsonl({"text": BIG5_ARTICLE + "又讯。\n"}))
    options = {"formats": ["jsonl", "csv"], "jobs": 1, "shard_rows": 1}
    first = docexport.convert(["."], "./dataset", **options)
    again = docexport.convert(["."], "./dataset", overwrite=True, **options)
    assert (first.inputs, first.records, again.inputs, again.records) == (2, 2, 2, 2)

    def interrupt(done: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        docexport.convert(["."], "./dataset", overwrite=True, progress=interrupt, **options)
    resumed = docexport.convert(["."], "./dataset", resume=True, **options)
    assert (resumed.resumed_from, resumed.inputs, resumed.records) == (1, 2, 2)
    globbed = cli(
        "convert", "**/*.jsonl", "--out", "./dataset", "-f", "jsonl", "--overwrite", cwd=tmp_path
    )
    assert globbed.returncode == 0, globbed.stderr.decode()
    assert globbed.stderr.decode().startswith("1 inputs → 1 records, 0 rejects")


@pytest.mark.skipif(
    os.geteuid() == 0 and shutil.which("setpriv") is None,
    reason="as root, a real unreadable file needs setpriv to drop privileges",
)
def test_cli_unreadable_file_is_a_reject_and_the_run_completes() -> None:
    """A real unreadable file: as root the command runs as ``nobody`` through ``setpriv``
    (root reads whatever the mode), otherwise the mode alone does it."""
    root = Path(tempfile.mkdtemp(prefix="docexport-unreadable-"))
    try:
        root.chmod(0o777)
        (root / "in").mkdir(mode=0o755)
        (root / "in").chmod(0o755)
        (root / "in" / "ok.txt").write_text(ARTICLE)
        secret = root / "in" / "secret.txt"
        secret.write_text(BIG5_ARTICLE)
        secret.chmod(0)
        user = None
        if os.geteuid() == 0:
            user = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
        result = cli("convert", "in", "--out", "out", "-f", "jsonl", cwd=root, user=user)
        assert result.returncode == 0, result.stderr.decode()
        assert (
            "2 inputs → 1 records, 1 rejects (read/permission_denied 1)" in result.stderr.decode()
        )
        [line] = (root / "out" / "rejects.jsonl").read_bytes().splitlines()
        assert orjson.loads(line)["source"]["uri"] == "in/secret.txt"
    finally:
        secret.chmod(stat.S_IRUSR | stat.S_IWUSR)
        shutil.rmtree(root, ignore_errors=True)


def test_no_document_text_becomes_part_of_a_file_path(tmp_path: Path) -> None:
    """Titles and metadata that look like paths change nothing on disk but the rows."""
    hostile = [
        {"text": f"../../escape\n{BODY}", "id": "../../../tmp/pwned", "title": "/etc/passwd"},
        {"text": f"part-00099.jsonl\n{BODY}又讯。", "url": "file:///etc/shadow"},
    ]
    (tmp_path / "feed.jsonl").write_bytes(jsonl(*hostile))
    out = tmp_path / "out"
    docexport.convert([tmp_path / "feed.jsonl"], out, formats=["jsonl", "csv", "parquet"], jobs=1)
    written = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    assert [p for p in written if not p.startswith("out/.docexport/")] == [
        "feed.jsonl",
        "out/README.md",
        "out/data/part-00000.csv",
        "out/data/part-00000.jsonl",
        "out/data/part-00000.parquet",
        "out/manifest.json",
        "out/rejects.jsonl",
        "out/schema.json",
    ]
    journal = [
        p.removeprefix("out/.docexport/") for p in written if p.startswith("out/.docexport/")
    ]
    assert all(re.fullmatch(r"state\.json|extra-\d{5}\.bin", name) for name in journal), journal


def test_a_repeated_document_is_listed_as_a_duplicate_of_the_first(tmp_path: Path) -> None:
    """Dedup really runs in convert (an empty Deduper is falsy: it was once never consulted)."""
    (tmp_path / "feed.jsonl").write_bytes(
        jsonl({"text": ARTICLE}, {"text": BIG5_ARTICLE}, {"text": ARTICLE, "url": "http://b"})
    )
    report = docexport.convert([tmp_path / "feed.jsonl"], tmp_path / "out", jobs=1)
    assert (report.inputs, report.records, report.duplicates) == (3, 2, 1)
    [duplicate] = [
        orjson.loads(x) for x in (tmp_path / "out" / "rejects.jsonl").read_bytes().splitlines()
    ]
    assert (duplicate["stage"], duplicate["reason"], duplicate["source"]["line"]) == (
        "duplicate",
        "exact",
        3,
    )
