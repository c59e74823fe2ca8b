"""decode(): every encoding case of the bad-input catalogue, on small hand-made bytes and on the
real GBK/Big5/GB18030 originals of ../shared/corpus (skipped when it is absent)."""

from __future__ import annotations

import time

import pytest

from docexport.data import Decoded, Failure, Source
from docexport.decode import decode

NEWS = "新华社北京一月十五日电\n记者从国务院新闻办公室获悉，今年的工作进展顺利。\n"
TRADITIONAL = "台灣的新聞報導，記者今天在台北表示，政府將加強防疫工作。\n"

# (case id, raw bytes, expected text, expected encoding, expected method)
DECODED_CASES = [
    ("empty file", b"", "", "utf-8", "utf-8"),
    ("whitespace only", b" \r\n\t\n", " \r\n\t\n", "utf-8", "utf-8"),
    ("clean utf-8 passes through", NEWS.encode(), NEWS, "utf-8", "utf-8"),
    (
        "ascii with ANSI colour codes is text",
        b"\x1b[31mred\x1b[0m\f\n",
        "\x1b[31mred\x1b[0m\f\n",
        "utf-8",
        "utf-8",
    ),
    ("utf-8 bom is stripped", b"\xef\xbb\xbf" + NEWS.encode(), NEWS, "utf-8-sig", "bom"),
    ("utf-16 le bom", b"\xff\xfe" + NEWS.encode("utf-16-le"), NEWS, "utf-16-le", "bom"),
    ("utf-16 be bom", b"\xfe\xff" + NEWS.encode("utf-16-be"), NEWS, "utf-16-be", "bom"),
    ("utf-32 le bom", b"\xff\xfe\x00\x00" + NEWS.encode("utf-32-le"), NEWS, "utf-32-le", "bom"),
    (
        "utf-16 cut in a code unit keeps the text",
        b"\xff\xfe" + "新闻".encode("utf-16-le") + b"\x30",
        "新闻\ufffd",
        "utf-16-le",
        "bom",
    ),
    # 报 is three bytes in UTF-8; the file ends after the first one or two of them.
    ("truncated utf-8, 1 of 3 bytes", "人民日报".encode()[:-2], "人民日\ufffd", "utf-8", "utf-8"),
    ("truncated utf-8, 2 of 3 bytes", "人民日报".encode()[:-1], "人民日\ufffd", "utf-8", "utf-8"),
    (
        "utf-8 with one corrupt byte inside",
        "新闻".encode() + b"\xff" + "正文内容。".encode(),
        "新闻\ufffd正文内容。",
        "utf-8",
        "utf-8",
    ),
    ("trailing nul padding is dropped", NEWS.encode() + bytes(4096), NEWS, "utf-8", "utf-8"),
    ("gbk", NEWS.encode("gbk"), NEWS, "gbk", "scored"),
    (
        "gbk with crlf",
        NEWS.replace("\n", "\r\n").encode("gbk"),
        NEWS.replace("\n", "\r\n"),
        "gbk",
        "scored",
    ),
    # 䶮 (CJK Ext. A) and 𠮷 (Ext. B) exist only as GB18030 four-byte sequences.
    (
        "gb18030 with 4-byte characters",
        "刘䶮建立南汉。𠮷野家在东京。".encode("gb18030"),
        "刘䶮建立南汉。𠮷野家在东京。",
        "gb18030",
        "scored",
    ),
    ("big5", TRADITIONAL.encode("big5"), TRADITIONAL, "big5hkscs", "scored"),
    (
        "mixed utf-8 and gbk lines",
        "新华社北京电\n".encode()
        + "记者从国务院获悉。\n".encode("gbk")
        + "今天天气很好。".encode(),
        "新华社北京电\n记者从国务院获悉。\n今天天气很好。",
        "utf-8+gbk",
        "mixed",
    ),
    (
        "mixed utf-8 and gb18030 lines",
        "新华社北京电\n".encode()
        + "南汉刘䶮称帝。\n".encode("gb18030")
        + "记者从国务院获悉。".encode("gbk"),
        "新华社北京电\n南汉刘䶮称帝。\n记者从国务院获悉。",
        "utf-8+gb18030",
        "mixed",
    ),
    (
        "not chinese: cp1251 via charset-normalizer",
        "Привет, мир! Это тестовый текст на русском языке, и он довольно длинный.".encode("cp1251"),
        "Привет, мир! Это тестовый текст на русском языке, и он довольно длинный.",
        "cp1251",
        "detected",
    ),
]


@pytest.mark.parametrize(
    ("raw", "text", "encoding", "method"),
    [case[1:] for case in DECODED_CASES],
    ids=[case[0] for case in DECODED_CASES],
)
def test_decode_finds_text_encoding_and_method(
    raw: bytes, text: str, encoding: str, method: str
) -> None:
    assert decode(Source("doc.txt", raw)) == Decoded(text, encoding, method)


# (case id, raw bytes, words the detail must contain)
BINARY_CASES = [
    ("png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "PNG"),
    ("elf", b"\x7fELF\x02\x01\x01" + bytes(64), "ELF"),
    ("nul bytes in utf-8 text", "新闻正文".encode() + b"\x00\x00" + "更多".encode(), "NUL"),
    ("utf-16 without a bom", NEWS.encode("utf-16-le"), "NUL"),
    ("control bytes", b"header" + bytes(range(1, 9)) * 20, "control bytes"),
    ("gzip without .gz suffix", b"\x1f\x8b\x08\x00" + bytes(20), ".gz"),
    ("pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "PDF"),
    ("zip", b"PK\x03\x04\x14\x00" + bytes(30), "ZIP"),
]


@pytest.mark.parametrize(
    ("raw", "words"), [case[1:] for case in BINARY_CASES], ids=[case[0] for case in BINARY_CASES]
)
def test_binary_files_fail_with_reason_binary(raw: bytes, words: str) -> None:
    result = decode(Source("doc.bin", raw))
    assert isinstance(result, Failure)
    assert result.reason == "binary"
    assert words in result.detail


def test_random_high_bytes_are_undecodable_not_guessed() -> None:
    # A fixed pseudo-random byte string in 0x80-0xFF: no NULs or control bytes, so not flagged
    # binary, but no encoding reads it as text either.
    raw = bytes((i * 97 + 13) % 128 + 128 for i in range(2000))
    result = decode(Source("noise.txt", raw))
    assert isinstance(result, Failure)
    assert result.reason == "undecodable"
    assert "UTF-8" in result.detail


def test_container_text_is_trusted_without_looking_at_bytes() -> None:
    source = Source("a.jsonl", b'{"text": "x"}', line=3, text="正文", encoding="utf-8")
    assert decode(source) == Decoded("正文", "utf-8", "container")


def test_container_empty_text_stays_empty() -> None:
    assert decode(Source("a.jsonl", b'{"text": ""}', text="")) == Decoded("", "utf-8", "container")


def test_short_gbk_line_valid_as_utf8_by_accident_is_not_kept_as_utf8() -> None:
    # 谩 is C3 A1 in GBK, which is also valid UTF-8 (á); in a GBK file it must read as GBK.
    raw = "谩骂\n".encode("gbk")[:2] + b"\n" + NEWS.encode("gbk")
    result = decode(Source("a.txt", raw))
    assert isinstance(result, Decoded)
    assert result.text == "谩\n" + NEWS
    assert result.encoding == "gbk"


def test_large_gbk_file_with_gb18030_character_late_is_labelled_gb18030() -> None:
    # The scored sample is the head of the file; the four-byte character comes after it.
    raw = ("人民日报社论。" * 5000 + "䶮").encode("gb18030")
    result = decode(Source("a.txt", raw))
    assert isinstance(result, Decoded)
    assert result.text.endswith("社论。䶮")
    assert result.encoding == "gb18030"


# -- the real originals in ../shared/corpus --------------------------------------------------

CORPUS_CASES = [
    # (original, UTF-8 version, expected encoding)
    (
        "sighan2005_icwb2/original_encoding/pku_test.txt",
        "sighan2005_icwb2/testing/pku_test.utf8",
        "gbk",
    ),
    (
        "sighan2005_icwb2/original_encoding/msr_test.txt",
        "sighan2005_icwb2/testing/msr_test.utf8",
        "gbk",
    ),
    (
        "sighan2005_icwb2/original_encoding/as_test.txt",
        "sighan2005_icwb2/testing/as_test.utf8",
        "big5hkscs",
    ),
    (
        "sighan2005_icwb2/original_encoding/cityu_test.txt",
        "sighan2005_icwb2/testing/cityu_test.utf8",
        "big5hkscs",
    ),
    (
        "sogou_news_smarty/news_tensite_xml.smarty.gb18030.dat",
        "sogou_news_smarty/news_tensite_xml.smarty.utf8.dat",
        "gbk",
    ),
]


@pytest.mark.parametrize(("original", "utf8", "encoding"), CORPUS_CASES)
def test_corpus_originals_decode_to_their_utf8_versions(
    shared_corpus, original: str, utf8: str, encoding: str
) -> None:
    result = decode(Source(original, (shared_corpus / original).read_bytes()))
    expected = (shared_corpus / utf8).read_bytes().decode("utf-8-sig")
    assert isinstance(result, Decoded)
    assert (result.encoding, result.method) == (encoding, "scored")
    assert result.text == expected


def test_corpus_cityu_utf8_bom_is_detected_and_stripped(shared_corpus) -> None:
    raw = (shared_corpus / "sighan2005_icwb2/testing/cityu_test.utf8").read_bytes()
    result = decode(Source("cityu_test.utf8", raw))
    assert isinstance(result, Decoded)
    assert (result.encoding, result.method) == ("utf-8-sig", "bom")
    assert result.text.startswith("「練得銅皮鐵骨」")


def test_peoples_daily_articles_round_trip_through_gbk(pd_dev_articles) -> None:
    sample = pd_dev_articles[:300]
    wrong = [
        a.id
        for a in sample
        if decode(Source(a.id, a.text.encode("gbk"))) != Decoded(a.text, "gbk", "scored")
    ]
    assert wrong == []


def test_decode_cost_per_peoples_daily_article(pd_dev_articles) -> None:
    """Bounded, generous limits (the measured costs are ~5 µs UTF-8 and ~20 µs GBK)."""
    sample = pd_dev_articles[:300]
    for encoding, limit_us in (("utf-8", 50), ("gbk", 300)):
        sources = [Source(a.id, a.text.encode(encoding)) for a in sample]
        start = time.perf_counter()
        for source in sources:
            decode(source)
        per_article_us = (time.perf_counter() - start) / len(sources) * 1e6
        assert per_article_us < limit_us, (encoding, per_article_us)
