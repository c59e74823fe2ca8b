"""Fuzzing (issue #5 §5): arbitrary text through ``parse()``, arbitrary bytes through ``convert``.

The promise checked: no exception escapes but :class:`~docexport.errors.DocumentError` (from
``parse``) — and that one only for the parser's own reasons, never an ``internal_error`` (a
stage that crashed) or a ``schema`` reject (a record the pipeline built wrong); every record
produced validates against the schema and serialises; every input file ends as exactly one
outcome. Example counts are modest so the module runs in seconds; the strategies lean on what
breaks text pipelines: Chinese mixed with control characters, lone surrogates, BOMs, legacy
encodings cut at random, NUL bytes and JSON lines that are almost right.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import orjson
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import docexport
from docexport.errors import DocumentError, InputError
from docexport.validate import RecordValidator

VALIDATOR = RecordValidator()
# What the parser may say about a document it cannot use; anything else from parse() is a bug.
PARSE_REASONS = {"empty", "no_body"}
# Reject stages convert may report for arbitrary bytes (a duplicate is a fine outcome too).
CONVERT_STAGES = {"read", "decode", "parse", "duplicate"}

NEWS = (
    "新华社北京1月5日电",
    "记者张三报道：",
    "国务院今天召开常务会议。",
    "（本报记者 李四）",
    "人民日报",
    "\n",
    "\n\n",
    "，",
    "。",
    "ｚｈōｎｇ",
    "\u3000",
    "\ufeff",
    "\ufffd",
    "\r\n",
)
# Arbitrary characters, surrogates included (Python str allows them; writers do not).
ANY_CHARACTER = st.characters(codec=None, exclude_categories=())
TEXT = st.lists(
    st.one_of(st.sampled_from(NEWS), st.text(ANY_CHARACTER, max_size=8)), max_size=40
).map("".join)


def assert_record_is_valid(record: dict) -> None:
    issues = VALIDATOR.validate(record)
    assert not issues, issues
    orjson.dumps(record)  # no lone surrogate or other value a writer refuses


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXT)
@example("\ud800abc")
@example("标题\n\ud800正文\udfff。")
@example("\x00\x01\x02")
@example("")
def test_parse_returns_a_valid_record_or_a_document_error(text: str) -> None:
    try:
        record = docexport.parse(text)
    except DocumentError as exc:
        assert exc.reject.stage == "parse" and exc.reject.reason in PARSE_REASONS, exc.reject
        return
    assert_record_is_valid(record)


# -- bytes through convert ----------------------------------------------------------------------

CODECS = ("utf-8", "gbk", "gb18030", "big5", "utf-16", "utf-16-le", "utf-8-sig")


@st.composite
def document_bytes(draw: st.DrawFn) -> bytes:
    """Raw bytes as they turn up in corpora: random, or real text in a codec, damaged."""
    kind = draw(st.sampled_from(["random", "encoded", "json"]))
    if kind == "random":
        return draw(st.binary(max_size=600))
    text = draw(TEXT)
    if kind == "json":
        line = orjson.dumps({"text": text.encode("utf-8", "replace").decode("utf-8")})
        cut = draw(st.integers(min_value=0, max_value=len(line)))
        return b"\n".join([line, line[:cut], draw(st.binary(max_size=40))])
    data = text.encode(draw(st.sampled_from(CODECS)), "replace")
    cut = draw(st.integers(min_value=0, max_value=len(data)))
    noise = draw(st.binary(max_size=8))
    return data[:cut] + noise + data[cut:]


FILES = st.lists(
    st.tuples(st.sampled_from([".txt", ".jsonl", ".json", ".dat"]), document_bytes()),
    min_size=1,
    max_size=4,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(FILES)
def test_convert_of_arbitrary_files_loses_nothing_and_writes_only_valid_records(
    files: list[tuple[str, bytes]],
) -> None:
    with tempfile.TemporaryDirectory(prefix="docexport-fuzz-") as root:
        source = Path(root) / "in"
        source.mkdir()
        names = []
        for index, (suffix, data) in enumerate(files):
            (source / f"f{index}{suffix}").write_bytes(data)
            names.append(str(source / f"f{index}{suffix}"))
        out = Path(root) / "out"
        holding = {name for name in names if _has_lines(name)}
        if not holding:
            # Only empty JSON(L) files: no document at all is a run error, one line, exit 2.
            with pytest.raises(InputError, match="no input document found"):
                docexport.convert(names, out, formats=["jsonl"], jobs=1)
            return
        report = docexport.convert(names, out, formats=["jsonl", "parquet", "csv"], jobs=1)
        assert report.inputs == report.records + report.duplicates + report.rejects
        records = [
            orjson.loads(line)
            for line in (out / "data" / "part-00000.jsonl").read_bytes().splitlines()
        ]
        rejects = [orjson.loads(line) for line in (out / "rejects.jsonl").read_bytes().splitlines()]
        assert (len(records), len(rejects)) == (report.records, report.duplicates + report.rejects)
        for record in records:
            assert_record_is_valid(record)
        for reject in rejects:
            assert reject["stage"] in CONVERT_STAGES and reject["reason"] != "internal_error", (
                reject
            )
        # Every file is accounted for: a plain file is one input, a JSON file at least one.
        seen = {r["source"]["uri"] for r in records} | {r["source"]["uri"] for r in rejects}
        assert seen == holding


def _has_lines(path: str) -> bool:
    """Whether a JSON(L) input holds any document (blank JSONL lines are not documents)."""
    if not path.endswith((".jsonl", ".json")):
        return True  # any other file is one document, even when empty
    data = Path(path).read_bytes().removeprefix(b"\xef\xbb\xbf")
    if path.endswith(".jsonl"):
        return any(line.strip() for line in data.split(b"\n"))
    try:
        return orjson.loads(data) != []
    except orjson.JSONDecodeError:
        return True


@pytest.mark.skipif(os.name != "posix", reason="the command is exercised through a POSIX shell")
@settings(max_examples=3, deadline=None)
@given(st.binary(min_size=1, max_size=300))
@example(b"<doclist>")
def test_the_command_survives_arbitrary_bytes_on_stdin(data: bytes) -> None:
    """``-`` reads stdin; whatever arrives, the command ends with 0 (and a reject at worst),
    or, when what arrives holds no document at all, with one line and exit 2."""
    import subprocess
    import sys

    with tempfile.TemporaryDirectory(prefix="docexport-fuzz-") as root:
        result = subprocess.run(
            [sys.executable, "-m", "docexport", "convert", "-", "--out", f"{root}/out", "-q"],
            input=data,
            capture_output=True,
            timeout=120,
        )
    if result.returncode == 2:
        # A Sogou opening without one record (b"<doclist>", found by this property) holds no
        # document: the run is refused with one line, as for an empty JSONL file.
        from docexport.read import _is_sogou

        assert _is_sogou(data) and b"<doc>" not in data, result.stderr.decode()
        assert result.stderr.decode().splitlines() == [
            "docexport: error: no input document found: the inputs hold no documents "
            "(an empty folder, or JSONL, JSON or Sogou input without records)"
        ]
        return
    assert result.returncode == 0, result.stderr.decode()
    assert result.stderr == b""
