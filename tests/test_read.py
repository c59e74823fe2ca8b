"""iter_sources(): walking, formats, compression, stdin, and the read part of the bad-input
catalogue (each case ends as a Source or as a Reject with a stable reason)."""

from __future__ import annotations

import bz2
import errno
import gzip
import io
import json
import lzma
import os
import time
import tracemalloc
from pathlib import Path

import pytest
import zstandard
from hypothesis import given, settings
from hypothesis import strategies as st

from docexport import read
from docexport.data import Decoded, Reject, Source
from docexport.decode import decode
from docexport.read import iter_sources


def run(inputs: list, **options) -> list[Source | Reject]:
    return list(iter_sources([str(i) if isinstance(i, Path) else i for i in inputs], **options))


def reasons(items: list[Source | Reject]) -> list[tuple[str, str | None]]:
    """(uri, reject reason or None for a Source): compact expectations for walks."""
    return [(i.uri, i.reason if isinstance(i, Reject) else None) for i in items]


def write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def jsonl(*records: object) -> bytes:
    return b"".join(json.dumps(r, ensure_ascii=False).encode() + b"\n" for r in records)


# -- walking -----------------------------------------------------------------------------------


def test_directory_walk_is_sorted_depth_first_and_skips_hidden(tmp_path: Path) -> None:
    for name in ("b.txt", "a/2.txt", "a/1.txt", "a-b.txt", ".hidden.txt", ".git/x.txt", "B.txt"):
        write(tmp_path / name, "正文")
    got = [item.uri for item in run([tmp_path])]
    root = str(tmp_path)
    assert got == [f"{root}/B.txt", f"{root}/a/1.txt", f"{root}/a/2.txt", f"{root}/a-b.txt",
                   f"{root}/b.txt"]  # fmt: skip


def test_inputs_keep_the_order_given(tmp_path: Path) -> None:
    z = write(tmp_path / "z.txt", "z")
    a = write(tmp_path / "a.txt", "a")
    assert [s.data for s in run([z, a])] == [b"z", b"a"]


def test_a_directory_yields_document_files_and_reports_the_rest(tmp_path: Path) -> None:
    write(tmp_path / "a.txt", "正文")
    write(tmp_path / "b.jsonl.gz", gzip.compress('{"text": "正文"}'.encode()))
    write(tmp_path / "logo.png", b"\x89PNG\r\n\x1a\n")
    write(tmp_path / "README.md", "# notes")
    skipped: list[str] = []
    items = list(iter_sources([tmp_path], on_skip=skipped.append))
    assert [Path(i.uri).name for i in items] == ["a.txt", "b.jsonl.gz"]
    assert [Path(p).name for p in skipped] == ["README.md", "logo.png"]


def test_glob_star_takes_every_file_and_a_png_becomes_a_decode_reject(tmp_path: Path) -> None:
    write(tmp_path / "a.txt", "正文")
    write(tmp_path / "logo.png", b"\x89PNG\r\n\x1a\n")
    items = run([tmp_path], glob=["*"])
    assert [Path(i.uri).name for i in items] == ["a.txt", "logo.png"]
    assert decode(items[1]).reason == "binary"


def test_a_file_named_explicitly_is_read_whatever_its_extension(tmp_path: Path) -> None:
    write(tmp_path / "article.md", "标题\n正文")
    [item] = run([tmp_path / "article.md"])
    assert isinstance(item, Source) and item.data == "标题\n正文".encode()


def test_glob_selects_files_by_name_or_relative_path(tmp_path: Path) -> None:
    for name in ("a.txt", "b.md", "sub/c.txt", "sub/d.md", "other/e.md"):
        write(tmp_path / name, name)
    by_name = [Path(i.uri).name for i in run([tmp_path], glob=["*.txt"])]
    assert by_name == ["a.txt", "c.txt"]
    by_path = [Path(i.uri).name for i in run([tmp_path], glob=["sub/*.md", "a.*"])]
    assert by_path == ["a.txt", "d.md"]


def test_unexpanded_glob_input_is_expanded_sorted(tmp_path: Path) -> None:
    for name in ("b.txt", "a.txt", "c.md"):
        write(tmp_path / name, name)
    assert [Path(i.uri).name for i in run([f"{tmp_path}/*.txt"])] == ["a.txt", "b.txt"]


def test_glob_input_matching_nothing_is_not_found(tmp_path: Path) -> None:
    [item] = run([f"{tmp_path}/*.txt"])
    assert isinstance(item, Reject)
    assert (item.stage, item.reason) == ("read", "not_found")
    assert str(tmp_path) in item.detail


def test_missing_path_is_not_found(tmp_path: Path) -> None:
    [item] = run([tmp_path / "nope.txt"])
    assert isinstance(item, Reject)
    assert item.reason == "not_found"
    assert "nope.txt does not exist" in item.detail


def test_directory_named_like_a_file_is_walked(tmp_path: Path) -> None:
    write(tmp_path / "x.txt" / "inner.txt", "正文")
    assert [Path(i.uri).name for i in run([tmp_path / "x.txt"])] == ["inner.txt"]


def test_excluded_output_directory_is_never_scanned(tmp_path: Path) -> None:
    write(tmp_path / "in.txt", "正文")
    write(tmp_path / "out" / "data" / "part-00000.jsonl", jsonl({"text": "输出"}))
    items = run([tmp_path], exclude=[tmp_path / "out"])
    assert [Path(i.uri).name for i in items] == ["in.txt"]


def test_broken_symlink_is_a_reject_naming_its_target(tmp_path: Path) -> None:
    (tmp_path / "dangling.txt").symlink_to(tmp_path / "gone.txt")
    for items in (run([tmp_path / "dangling.txt"]), run([tmp_path])):
        [item] = items
        assert isinstance(item, Reject)
        assert item.reason == "broken_symlink"
        assert "gone.txt" in item.detail


def test_symlink_loop_is_a_reject(tmp_path: Path) -> None:
    (tmp_path / "a.txt").symlink_to(tmp_path / "b.txt")
    (tmp_path / "b.txt").symlink_to(tmp_path / "a.txt")
    [item] = run([tmp_path / "a.txt"])
    assert isinstance(item, Reject)
    assert item.reason == "symlink_loop"
    assert [r for _, r in reasons(run([tmp_path]))] == ["symlink_loop", "symlink_loop"]


def test_directory_symlink_back_to_an_ancestor_is_not_followed(tmp_path: Path) -> None:
    write(tmp_path / "d" / "a.txt", "正文")
    (tmp_path / "d" / "up").symlink_to(tmp_path / "d")
    items = run([tmp_path / "d"])
    assert reasons(items) == [(f"{tmp_path}/d/a.txt", None), (f"{tmp_path}/d/up", "symlink_loop")]


def test_symlinked_file_and_directory_are_followed(tmp_path: Path) -> None:
    write(tmp_path / "real" / "a.txt", "正文")
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "link").symlink_to(tmp_path / "real")
    (tmp_path / "in" / "file.txt").symlink_to(tmp_path / "real" / "a.txt")
    assert [s.data.decode() for s in run([tmp_path / "in"])] == ["正文", "正文"]


def test_fifo_is_not_a_file_and_is_never_opened(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.txt")  # opening it would block the run forever
    for items in (run([tmp_path / "pipe.txt"]), run([tmp_path])):
        [item] = items
        assert isinstance(item, Reject)
        assert item.reason == "not_a_file"
        assert "FIFO" in item.detail


def test_unreadable_file_is_permission_denied_simulated(tmp_path: Path, monkeypatch) -> None:
    """Simulated: the suite runs as root, where chmod 000 does not stop reads."""
    path = write(tmp_path / "secret.txt", "正文")

    def denied(file, *args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied", str(file))

    monkeypatch.setattr(read, "open", denied, raising=False)
    [item] = run([path])
    assert isinstance(item, Reject)
    assert item.reason == "permission_denied"
    assert "secret.txt" in item.detail


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_file_is_permission_denied_chmod(tmp_path: Path) -> None:
    path = write(tmp_path / "secret.txt", "正文")
    path.chmod(0)
    try:
        [item] = run([path])
    finally:
        path.chmod(0o644)
    assert isinstance(item, Reject)
    assert item.reason == "permission_denied"


# -- documents and JSON --------------------------------------------------------------------------


def test_text_file_is_one_document_with_its_raw_bytes(tmp_path: Path) -> None:
    raw = "标题\r\n正文。".encode("gbk")
    [source] = run([write(tmp_path / "a.txt", raw)])
    assert source == Source(uri=f"{tmp_path}/a.txt", data=raw)


def test_jsonl_lines_become_sources_with_metadata_and_line_numbers(tmp_path: Path) -> None:
    raw = jsonl(
        {"text": "正文一。", "url": "http://x/1", "date": "2020-11-05"},
        {"content": "正文二。", "tags": ["a"]},
    )
    path = write(tmp_path / "a.jsonl", raw.replace(b"\n", b"\n\n", 1))  # a blank line 2
    first, second = run([path])
    assert first == Source(
        uri=str(path),
        data=raw.splitlines()[0],
        line=1,
        text="正文一。",
        encoding="utf-8",
        metadata={"url": "http://x/1", "date": "2020-11-05"},
    )
    assert (second.line, second.text, second.metadata) == (3, "正文二。", {"tags": ["a"]})


TITLE_CASES = [
    ("title is prepended", {"title": "标题", "text": "正文。"}, "标题\n正文。"),
    ("body already starts with title", {"title": "标题", "text": "标题\n正文。"}, "标题\n正文。"),
    (
        "leading whitespace before title",
        {"title": "标题", "text": "\r\n标题 正文"},
        "\r\n标题 正文",
    ),
    ("blank title ignored", {"title": "  ", "text": "正文。"}, "正文。"),
    ("non-string title ignored", {"title": 7, "text": "正文。"}, "正文。"),
    ("no title", {"text": "正文。"}, "正文。"),
]


@pytest.mark.parametrize(
    ("record", "text"), [c[1:] for c in TITLE_CASES], ids=[c[0] for c in TITLE_CASES]
)
def test_jsonl_title_goes_first_unless_already_there(tmp_path: Path, record, text) -> None:
    [source] = run([write(tmp_path / "a.jsonl", jsonl(record))])
    assert source.text == text
    assert source.metadata.get("title") == record.get("title")


def test_text_field_option_names_the_field(tmp_path: Path) -> None:
    path = write(tmp_path / "a.jsonl", jsonl({"text": "不是这个", "article": "是这个"}))
    [source] = run([path], text_field="article")
    assert (source.text, source.metadata) == ("是这个", {"text": "不是这个"})


def test_malformed_jsonl_line_is_rejected_and_the_rest_converts(tmp_path: Path) -> None:
    raw = jsonl({"text": "一"}) + b'{"text": "broken\n' + jsonl({"text": "三"})
    items = run([write(tmp_path / "a.jsonl", raw)])
    assert [(i.line, getattr(i, "reason", None)) for i in items] == [
        (1, None), (2, "invalid_json"), (3, None)
    ]  # fmt: skip
    assert "Line 2" in items[1].detail
    assert items[1].sha256 is not None


NOT_STRING_CASES = [
    ("number", {"text": 12}, "'text'", "number"),
    ("null", {"text": None}, "'text'", "null"),
    ("list", {"content": ["a"]}, "'content'", "array"),
    ("missing", {"title": "只有标题"}, "text, content, body", "no text field"),
]


@pytest.mark.parametrize(
    ("record", "field", "words"),
    [c[1:] for c in NOT_STRING_CASES],
    ids=[c[0] for c in NOT_STRING_CASES],
)
def test_jsonl_text_not_a_string_names_the_field(tmp_path: Path, record, field, words) -> None:
    [item] = run([write(tmp_path / "a.jsonl", jsonl(record))])
    assert isinstance(item, Reject)
    assert (item.reason, item.line) == ("text_not_string", 1)
    assert field in item.detail
    assert words in item.detail


def test_jsonl_line_that_is_not_an_object_is_invalid_json(tmp_path: Path) -> None:
    [item] = run([write(tmp_path / "a.jsonl", b'["text"]\n')])
    assert isinstance(item, Reject)
    assert item.reason == "invalid_json"
    assert "array" in item.detail


def test_json_array_records_are_numbered_by_index(tmp_path: Path) -> None:
    raw = json.dumps([{"title": "题一", "content": "文一"}, {"title": "题二", "content": 3}])
    first, second = run([write(tmp_path / "a.json", raw)])
    assert (first.line, first.text, first.metadata) == (1, "题一\n文一", {"title": "题一"})
    assert isinstance(second, Reject)
    assert (second.reason, second.line) == ("text_not_string", 2)


def test_json_single_object_is_one_record(tmp_path: Path) -> None:
    [source] = run([write(tmp_path / "a.json", '{"text": "正文"}')])
    assert (source.line, source.text) == (1, "正文")


def test_invalid_json_file_is_one_reject(tmp_path: Path) -> None:
    [item] = run([write(tmp_path / "a.json", "[{")])
    assert isinstance(item, Reject)
    assert (item.reason, item.line) == ("invalid_json", None)


def test_ettoday_json_array_from_corpus(shared_corpus: Path) -> None:
    items = run([shared_corpus / "tw_news_ettoday_550" / "ettoday.news.json"])
    assert len(items) == 550
    assert all(isinstance(i, Source) for i in items)
    first = items[0]
    assert first.text.startswith("女模智退性侵犯　性侵犯竟獲無保請回！高院撤銷發回\n\r\n記者吳銘峯")
    assert first.metadata == {"category": "法律", "title": first.text.split("\n")[0]}
    assert [i.line for i in items[:3]] == [1, 2, 3]


# -- compression -------------------------------------------------------------------------------

COMPRESSORS = {
    ".gz": gzip.compress,
    ".bz2": lambda data: bz2.compress(data, 1),  # 100 kB blocks, so a cut file keeps some
    ".xz": lzma.compress,
    ".zst": zstandard.ZstdCompressor().compress,
}


@pytest.mark.parametrize("suffix", list(COMPRESSORS))
def test_compressed_jsonl_and_text_are_read_through(tmp_path: Path, suffix: str) -> None:
    compress = COMPRESSORS[suffix]
    records = run(
        [write(tmp_path / f"a.jsonl{suffix}", compress(jsonl({"text": "一"}, {"text": "二"})))]
    )
    assert [(s.line, s.text) for s in records] == [(1, "一"), (2, "二")]
    [doc] = run([write(tmp_path / f"b.txt{suffix}", compress("正文".encode("gbk")))])
    assert (doc.uri, doc.data) == (f"{tmp_path}/b.txt{suffix}", "正文".encode("gbk"))


def test_zstd_with_several_frames_reads_them_all(tmp_path: Path) -> None:
    compress = zstandard.ZstdCompressor().compress
    raw = compress(jsonl({"text": "一"})) + compress(jsonl({"text": "二"}))
    assert [s.text for s in run([write(tmp_path / "a.jsonl.zst", raw)])] == ["一", "二"]


@pytest.mark.parametrize("suffix", list(COMPRESSORS))
def test_truncated_compressed_jsonl_keeps_lines_before_the_break(
    tmp_path: Path, suffix: str
) -> None:
    lines = jsonl(*({"text": f"第{i}篇" * 30} for i in range(1, 2001)))
    whole = COMPRESSORS[suffix](lines)
    items = run([write(tmp_path / f"a.jsonl{suffix}", whole[: len(whole) * 2 // 3])])
    *sources, last = items
    assert isinstance(last, Reject)
    assert last.reason == "truncated_compressed"
    assert all(isinstance(s, Source) for s in sources)
    # Every line read before the break is intact, in order, and the reject names the next line.
    assert [s.text for s in sources] == [f"第{i}篇" * 30 for i in range(1, len(sources) + 1)]
    assert last.line == len(sources) + 1
    assert 0 < len(sources) < 2000
    assert f"line {last.line}" in last.detail


def test_truncated_gz_document_is_rejected(tmp_path: Path) -> None:
    whole = gzip.compress("正文".encode() * 1000)
    [item] = run([write(tmp_path / "a.txt.gz", whole[:-20])])
    assert isinstance(item, Reject)
    assert item.reason == "truncated_compressed"


def test_corrupt_gz_is_a_read_error(tmp_path: Path) -> None:
    [item] = run([write(tmp_path / "a.txt.gz", b"this is not gzip at all")])
    assert isinstance(item, Reject)
    assert item.reason == "read_error"
    assert "a.txt.gz" in item.detail


# -- stdin ----------------------------------------------------------------------------------------


def test_stdin_document() -> None:
    [source] = run(["-"], stdin=io.BytesIO("标题\n正文".encode("gbk")))
    assert source == Source(uri="-", data="标题\n正文".encode("gbk"))


def test_stdin_jsonl_after_blank_lines() -> None:
    items = run(["-"], stdin=io.BytesIO(b"\n  \n" + jsonl({"text": "一"}, {"text": "二"})))
    assert [(s.uri, s.line, s.text) for s in items] == [("-", 3, "一"), ("-", 4, "二")]


def test_empty_stdin_is_one_empty_document() -> None:
    assert run(["-"], stdin=io.BytesIO(b"")) == [Source(uri="-", data=b"")]


# -- size -----------------------------------------------------------------------------------------


def test_50mb_single_line_file_reads_and_decodes_in_bounded_time(tmp_path: Path) -> None:
    line = "中国人民日报社论，新华社北京电。".encode() * (50 * 2**20 // 48)
    path = write(tmp_path / "big.txt", line)
    start = time.perf_counter()
    [source] = run([path])
    result = decode(source)
    elapsed = time.perf_counter() - start
    assert isinstance(result, Decoded)
    assert (len(result.text), result.method) == (len(line) // 3, "utf-8")
    assert elapsed < 3.0


def test_50mb_single_line_gbk_file_decodes_in_bounded_time(tmp_path: Path) -> None:
    line = "中国人民日报社论，新华社北京电。".encode("gbk") * (50 * 2**20 // 32)
    start = time.perf_counter()
    result = decode(Source("big.txt", line))
    elapsed = time.perf_counter() - start
    assert isinstance(result, Decoded)
    assert (len(result.text), result.encoding) == (len(line) // 2, "gbk")
    assert elapsed < 3.0


def test_file_of_100k_lines_is_one_document(tmp_path: Path) -> None:
    text = "".join(f"第{i}行正文。\n" for i in range(100_000))
    [source] = run([write(tmp_path / "lines.txt", text.encode("gbk"))])
    result = decode(source)
    assert isinstance(result, Decoded)
    assert result.text == text
    assert result.encoding == "gbk"


def test_jsonl_is_streamed_not_loaded(tmp_path: Path) -> None:
    """Memory while reading a ~10 MB (uncompressed) .jsonl.gz stays far below its size."""
    record = jsonl({"text": "正文" * 150, "url": "http://example.com/"})
    path = write(tmp_path / "big.jsonl.gz", gzip.compress(record * 10_000, compresslevel=1))
    tracemalloc.start()
    try:
        count = sum(1 for _ in iter_sources([str(path)]))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 10_000
    assert peak < 2 * 2**20, peak


def test_gbk_jsonl_line_is_invalid_json_that_says_to_convert(tmp_path: Path) -> None:
    raw = '{"text": "中文"}\n'.encode("gbk") + jsonl({"text": "正文"})
    first, second = run([write(tmp_path / "a.jsonl", raw)])
    assert isinstance(first, Reject)
    assert first.reason == "invalid_json"
    assert "not UTF-8" in first.detail
    assert second.text == "正文"


def test_a_single_path_or_pattern_given_bare_is_one_item(tmp_path: Path) -> None:
    path = write(tmp_path / "a.txt", "正文")
    assert [s.uri for s in iter_sources(str(path))] == [str(path)]
    write(tmp_path / "b.md", "正文")
    assert [Path(s.uri).name for s in iter_sources([tmp_path], glob="*.md")] == ["b.md"]


def test_file_name_that_is_not_utf8_is_read_and_labelled_with_escapes(tmp_path: Path) -> None:
    raw_dir = os.fsencode(tmp_path)
    with open(raw_dir + b"/" + "新闻.txt".encode("gbk"), "wb") as handle:  # a GBK file name
        handle.write("正文".encode())
    [source] = run([tmp_path])
    assert source.data == "正文".encode()
    assert source.uri == f"{tmp_path}/\\xd0\\xc2\\xce\\xc5.txt"


def test_unreadable_directory_is_permission_denied_and_the_walk_goes_on(
    tmp_path: Path, monkeypatch
) -> None:
    """Simulated like the file case: root lists directories whatever their mode."""
    write(tmp_path / "a" / "x.txt", "正文")
    write(tmp_path / "b.txt", "正文")
    real_scandir = os.scandir

    def scandir(path):
        if os.fspath(path).endswith("/a"):
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    assert reasons(run([tmp_path])) == [
        (f"{tmp_path}/a", "permission_denied"),
        (f"{tmp_path}/b.txt", None),
    ]


# -- Sogou news dumps -----------------------------------------------------------------------------


def sogou(*records: tuple[str, str, str], wrapper: bool = True, encoding: str = "utf-8") -> bytes:
    """A Sogou dump of (url, title, content) records, one field per line as Sogou writes it."""
    lines = ["<doclist>"] if wrapper else []
    for number, (url, title, content) in enumerate(records):
        lines += [
            "<doc>",
            f"<url>{url}</url>",
            f"<docno>{number:016x}-69713306c0bb3300</docno>",
            f"<contenttitle>{title}</contenttitle>",
            f"<content>{content}</content>",
            "</doc>",
        ]
    if wrapper:
        lines.append("</doclist>")
    return ("\n".join(lines) + "\n").encode(encoding)


SOGOU_RECORDS = (
    (
        "http://news.sohu.com/20120612/n1.shtml",
        "公安机关销毁非法枪支",
        "中广网唐山6月12日消息 今天上午。",
    ),
    ("http://gongyi.sohu.com/s2008/x/", "爱心活动", ""),
    ("http://news.sohu.com/20120613/n2.shtml?a=1&b=2", "标题　二", "正文　二，有 & 号。"),
)


@pytest.mark.parametrize("wrapper", [True, False])
@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
def test_a_sogou_dump_is_one_document_per_record(
    tmp_path: Path, wrapper: bool, encoding: str
) -> None:
    path = write(
        tmp_path / "news_sohusite_xml.dat",
        sogou(*SOGOU_RECORDS, wrapper=wrapper, encoding=encoding),
    )
    items = run([path])
    assert all(isinstance(item, Source) for item in items)
    first = 2 if wrapper else 1  # the line of the first <doc>
    assert [item.line for item in items] == [first, first + 6, first + 12]
    assert [item.uri for item in items] == [str(path)] * 3
    expected = [f"{title}\n{content}" if content else title for _, title, content in SOGOU_RECORDS]
    assert [item.data for item in items] == [text.encode(encoding) for text in expected]
    assert [decode(item).text for item in items] == expected  # the encoding is found per record
    assert [dict(item.metadata) for item in items] == [
        {"url": url, "docno": f"{number:016x}-69713306c0bb3300"}
        for number, (url, _, _) in enumerate(SOGOU_RECORDS)
    ]


def test_a_sogou_value_over_several_lines_keeps_its_line_breaks(tmp_path: Path) -> None:
    dump = "<doc>\n<contenttitle>标题</contenttitle>\n<content>第一段\n第二段</content>\n</doc>\n"
    [item] = run([write(tmp_path / "a.dat", dump.encode())])
    assert item.data.decode() == "标题\n第一段\n第二段"


@pytest.mark.parametrize("suffix", [".txt", ".dat"])
def test_a_text_that_only_begins_with_a_sogou_tag_is_a_text(tmp_path: Path, suffix: str) -> None:
    # Found by the fuzz test: read as a dump it held no record, and the file was lost.
    data = "<doc>新华社北京1月5日电\n正文。".encode()
    [item] = run([write(tmp_path / f"a{suffix}", data)])
    assert isinstance(item, Source) and item.data == data


def test_a_sogou_record_without_its_end_is_a_truncated_record_reject(tmp_path: Path) -> None:
    whole = sogou(*SOGOU_RECORDS, wrapper=False)
    cut = whole[: whole.index(b"<content>\xe6\xad\xa3")]  # inside the third record
    items = run([write(tmp_path / "a.dat", cut)])
    assert [type(item).__name__ for item in items] == ["Source", "Source", "Reject"]
    assert (items[2].reason, items[2].line) == ("truncated_record", 13)
    assert "line 13" in items[2].detail and "</doc>" in items[2].detail
    # A <doc> inside an unfinished record: the unfinished one is the reject, the next is read.
    broken = whole.replace(b"</doc>\n", b"", 1)
    items = run([write(tmp_path / "b.dat", broken)])
    assert [(type(item).__name__, item.line) for item in items] == [
        ("Reject", 1),
        ("Source", 6),
        ("Source", 12),
    ]


def test_a_sogou_value_without_its_closing_tag_does_not_eat_the_next_records(
    tmp_path: Path,
) -> None:
    whole = sogou(*SOGOU_RECORDS, wrapper=False)
    glitch = whole.replace("今天上午。</content>".encode(), "今天上午。".encode(), 1)
    items = run([write(tmp_path / "a.dat", glitch)])
    assert [(type(item).__name__, item.line) for item in items] == [
        ("Source", 1),
        ("Source", 7),
        ("Source", 13),
    ]
    assert items[0].data.decode().endswith("今天上午。")  # kept as far as it went
    assert items[2].data.decode() == "标题　二\n正文　二，有 & 号。"


def test_a_sogou_record_over_the_size_limit_is_too_large(tmp_path: Path) -> None:
    big = ("http://a.b/20120101/n.shtml", "大新闻", "长" * 200)
    items = run(
        [write(tmp_path / "a.dat", sogou(SOGOU_RECORDS[0], big, wrapper=False))], max_doc_size=300
    )
    assert [(type(item).__name__, item.line) for item in items] == [("Source", 1), ("Reject", 7)]
    assert items[1].reason == "too_large" and "line 7" in items[1].detail


@pytest.mark.parametrize("suffix", [".gz", ".zst"])
def test_a_compressed_sogou_dump_is_streamed(tmp_path: Path, suffix: str) -> None:
    path = write(tmp_path / f"a.dat{suffix}", COMPRESSORS[suffix](sogou(*SOGOU_RECORDS)))
    assert [item.line for item in run([path])] == [2, 8, 14]


@pytest.mark.parametrize("suffix", list(COMPRESSORS))
def test_a_compressed_sogou_dump_cut_short_keeps_the_records_before_the_break(
    tmp_path: Path, suffix: str
) -> None:
    records = [
        (f"http://a.b/20120601/n{i}.shtml", f"第{i}条", f"第{i}篇" * 30) for i in range(2000)
    ]
    whole = COMPRESSORS[suffix](sogou(*records))
    *sources, last = run([write(tmp_path / f"a.dat{suffix}", whole[: len(whole) * 2 // 3])])
    assert isinstance(last, Reject) and last.reason == "truncated_compressed"
    assert 0 < len(sources) < 2000
    assert all(isinstance(item, Source) for item in sources)
    assert [item.line for item in sources] == [2 + 6 * i for i in range(len(sources))]


def test_a_sogou_dump_on_stdin() -> None:
    items = run(["-"], stdin=io.BytesIO(b"\n" + sogou(*SOGOU_RECORDS, wrapper=False)))
    assert [(item.uri, item.line) for item in items] == [("-", 2), ("-", 8), ("-", 14)]


def test_a_text_that_only_mentions_a_doc_tag_is_one_document(tmp_path: Path) -> None:
    text = "标题\n正文里写着 <doc> 标签。\n".encode()
    assert run([write(tmp_path / "a.txt", text)]) == [
        Source(uri=str(tmp_path / "a.txt"), data=text)
    ]


def test_the_sogou_samples_of_the_corpus(shared_corpus: Path) -> None:
    """Each of Sogou's 200-record samples gives 200 sources, each at the line of its <doc>,
    with the url and docno that follow that line; the GB18030 original gives the same texts
    as its UTF-8 conversion."""
    folder = shared_corpus / "sogou_news_smarty"
    texts = {}
    for name in ("news_sohusite_xml.smarty.dat", "news_tensite_xml.smarty.utf8.dat",
                 "news_tensite_xml.smarty.gb18030.dat"):  # fmt: skip
        path = folder / name
        lines = path.read_bytes().split(b"\n")
        items = run([path])
        assert len(items) == 200 and all(isinstance(item, Source) for item in items)
        for item in items:
            assert lines[item.line - 1].strip() == b"<doc>"
            url = lines[item.line].decode(
                "utf-8" if "utf8" in name or "sohusite" in name else "gb18030"
            )
            assert url == f"<url>{item.metadata['url']}</url>"
        texts[name] = [decode(item).text for item in items]
    assert texts["news_tensite_xml.smarty.utf8.dat"] == texts["news_tensite_xml.smarty.gb18030.dat"]


SOGOU_LINES = st.lists(
    st.one_of(
        st.sampled_from([b"<doc>\n", b"</doc>\n", b"<doclist>\n", b"</doclist>\n", b"\n"]),
        st.builds(
            lambda tag, value, close, end: (
                b"<" + tag + b">" + value + close * (b"</" + tag + b">") + end
            ),
            st.sampled_from([b"url", b"docno", b"contenttitle", b"content", b"x"]),
            st.binary(max_size=12).map(lambda b: b.replace(b"\n", b"")),
            st.booleans(),
            st.sampled_from([b"\n", b"\r\n", b""]),
        ),
        st.binary(max_size=16),
    ),
    max_size=30,
)


@settings(max_examples=300, deadline=None)
@given(SOGOU_LINES, st.sampled_from([None, 8]))
def test_any_sogou_like_lines_give_sources_and_rejects_never_an_error(
    lines: list[bytes], limit: int | None
) -> None:
    """Whatever a damaged dump holds, reading it ends: one item per <doc> that opens a record
    (a Source, or a Reject that says why), each at the line of its <doc>."""
    reader = read._Reader(lambda name, rel: True, frozenset(), None, None, limit)
    items = list(reader.sogou("x.dat", lines))
    opened = [n for n, line in enumerate(lines, start=1) if line.strip() == b"<doc>"]
    assert [item.line for item in items] == opened[: len(items)]
    assert len(items) == len(opened)
    for item in items:
        assert isinstance(item, (Source, Reject))
        if isinstance(item, Reject):
            assert item.reason in read.READ_REASONS
        elif limit is not None:
            assert len(item.data) <= limit
