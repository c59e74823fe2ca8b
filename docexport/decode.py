"""Decode: raw bytes of one document → text, with the encoding found and how it was found.

Chinese news files come in UTF-8 (with or without a BOM), GBK/GB18030, Big5 and UTF-16; scraped
dumps also mix encodings line by line and get cut in the middle of a character. The order of
the checks below is chosen so that the common case (strict UTF-8) costs one C-level decode, and
the guesses only run when the bytes have already ruled out the certain answers:

1. ``source.text`` already set by the container (a JSONL text field) → ``"container"``.
2. A byte-order mark (UTF-8, UTF-16 LE/BE, UTF-32 LE/BE) → ``"bom"``.
3. Binary data (file magic, NUL bytes, many control bytes) → ``Failure("binary")``; NUL
   padding at the very end is dropped first.
4. Strict UTF-8 → ``"utf-8"``; a multi-byte sequence cut at the very end of the file is kept as
   one U+FFFD (the normaliser counts it as a lost character) instead of losing the document.
5. GBK / GB18030 / Big5-HKSCS / CP950, scored: GB18030 decodes nearly any byte string, and GBK and
   Big5 text often both decode strictly in the other codec, so strictness cannot choose. The
   wrong decoding lands on rare characters, so the candidate whose non-ASCII characters are most
   often *common* characters (GB2312 level 1 and Big5 常用字, derived from the codecs themselves)
   wins → ``"scored"``. Lines that are valid UTF-8 inside an otherwise GBK/Big5 file are kept as
   UTF-8 when that reads better, line by line → ``"mixed"``.
6. charset-normalizer, last, for whatever is not Chinese → ``"detected"``.
7. Nothing fits → ``Failure("undecodable")``.

Empty and whitespace-only documents decode to themselves: emptiness is the parser's to reject.
"""

from __future__ import annotations

import math
import re

from docexport.cache import cached_regex
from docexport.data import Decoded, Failure, Source

__all__ = ["decode"]

# Byte-order marks, longest first: the UTF-32 LE mark starts with the UTF-16 LE one.
BOMS: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)

# File signatures of the binary formats people drop into text folders, and what to tell them.
MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"%PDF-", "a PDF document; extract its text first"),
    (b"\x7fELF", "an ELF executable"),
    (b"PK\x03\x04", "a ZIP archive (or .docx/.xlsx/.epub); unpack it first"),
    (b"PK\x05\x06", "an empty ZIP archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an OLE2 document (old .doc/.xls); convert it first"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive; unpack it first"),
    (b"Rar!\x1a\x07", "a RAR archive; unpack it first"),
    (b"SQLite format 3\x00", "an SQLite database"),
    (b"\x1f\x8b", "gzip data without a .gz suffix; rename it to end in .gz"),
    (b"\xfd7zXZ\x00", "xz data without a .xz suffix; rename it to end in .xz"),
    (b"\x28\xb5\x2f\xfd", "zstd data without a .zst suffix; rename it to end in .zst"),
    (b"BZh91AY&SY", "bzip2 data without a .bz2 suffix; rename it to end in .bz2"),
)
# Every magic at once: one C-level startswith turns down a text file (all of them, nearly).
MAGIC_PREFIXES = tuple(magic for magic, _ in MAGIC)

# C0 control bytes that text never contains. Tab, LF, VT, FF, CR and ESC (ANSI colour codes in
# captured logs) are left out; none of these bytes can be part of a GBK, Big5 or UTF-8 character.
CONTROL_BYTES = bytes([*range(0x00, 0x09), *range(0x0E, 0x1B), *range(0x1C, 0x20), 0x7F])
# Binary when more than this share of the first BINARY_SAMPLE bytes are control bytes.
BINARY_CONTROL_SHARE = 0.05
BINARY_SAMPLE = 1 << 16

# Legacy codecs tried when UTF-8 fails, in order of preference when they score the same: GBK
# before GB18030 so a plain GBK file is labelled "gbk"; CP950 after Big5-HKSCS, which decodes
# both SIGHAN Big5 files strictly while CP950 fails on the HKSCS one.
LEGACY_CODECS: tuple[str, ...] = ("gbk", "gb18030", "big5hkscs", "cp950")
# Where to go when the chosen codec fails further into the file than the scored sample (the
# Big5 variants each have a few codes the other lacks).
SUPERSETS: dict[str, tuple[str, ...]] = {
    "gbk": ("gb18030",),
    "big5hkscs": ("cp950",),
    "cp950": ("big5hkscs",),
}
# Three Big5 punctuation codes that Python's big5hkscs maps unlike CP950, iconv and the UTF-8
# versions of the SIGHAN Big5 files: 0xA145 (the 間隔號 in 碧咸‧一本), 0xA14E and 0xA1E3.
# Big5-HKSCS yields these three characters from no other code, so mapping them back is exact.
BIG5_PUNCTUATION = str.maketrans({"•": "‧", "､": "﹑", "∼": "～"})
BIG5_ODD_PUNCTUATION = re.compile("[•､∼]")
# How many characters of a candidate decoding are scored: enough to tell the codecs apart,
# small enough that a 50 MB file costs the same to score as an article.
SCORE_SAMPLE = 20_000
# A legacy decoding is believed when at least this share of its non-ASCII characters read as
# common Chinese. Correct GBK/Big5 text of the SIGHAN and People's Daily sets scores above 0.85;
# the wrong codec scores about 0.5 or less.
MIN_SCORE = 0.7
# A candidate scoring this high is taken without scoring the others.
CONFIDENT_SCORE = 0.95
# Each U+FFFD (a byte sequence the codec rejected) costs this many common characters.
REPLACEMENT_PENALTY = 1.0


def _gb2312_level1() -> frozenset[str]:
    """The 3,755 most frequent simplified characters: GB2312 level 1 (rows 0xB0-0xD7)."""
    raw = bytes(
        b for lead in range(0xB0, 0xD8) for trail in range(0xA1, 0xFF) for b in (lead, trail)
    )
    return frozenset(raw.decode("gb2312", "ignore"))


def _big5_frequent() -> frozenset[str]:
    """The 5,401 frequently used traditional characters: Big5 常用字 (0xA440-0xC67E)."""
    trails = [*range(0x40, 0x7F), *range(0xA1, 0xFF)]
    pairs = (bytes((lead, trail)) for lead in range(0xA4, 0xC7) for trail in trails)
    return frozenset(b"".join(p for p in pairs if p <= b"\xc6\x7e").decode("big5", "ignore"))


# Non-ASCII characters that Chinese text is mostly made of: common Han characters (simplified
# and traditional) plus CJK and general punctuation, full-width forms and the usual symbols.
# Wrong decodings produce rare Han characters, Latin-1/Greek/Cyrillic letters and U+FFFD instead.
COMMON_CHARACTERS: frozenset[str] = frozenset(
    _gb2312_level1()
    | _big5_frequent()
    | {chr(c) for c in range(0x3000, 0x3040)}  # CJK symbols and punctuation: 、。《》「」
    | {chr(c) for c in range(0xFF01, 0xFF5F)}  # full-width ASCII: ，：；？！（）１Ａ
    | {chr(c) for c in range(0x2010, 0x2060)}  # general punctuation: — … ‘’ “” ‰
    | {chr(c) for c in range(0x2160, 0x2180)}  # Roman numerals Ⅰ-Ⅻ
    | {chr(c) for c in range(0x2460, 0x24A0)}  # circled numbers ①
    | {chr(c) for c in range(0x25A0, 0x2600)}  # geometric shapes ■□▲●○◆
    | set("·×÷°±§№☆★※→←↑↓\u00a0")
)


def _character_class(characters: frozenset[str]) -> str:
    """A regex character class for ``characters``, written as ranges so it compiles quickly."""
    points = sorted(map(ord, characters))
    ranges: list[list[int]] = []
    for point in points:
        if ranges and point == ranges[-1][1] + 1:
            ranges[-1][1] = point
        else:
            ranges.append([point, point])
    return "".join(
        re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}"
        for a, b in ranges
    )


# Runs of common characters: deleting them with one C-level ``sub`` counts them about eight
# times faster than a Python-level set lookup per character, and scoring is most of what a GBK
# document costs to decode.
COMMON_RUNS = cached_regex(f"[{_character_class(COMMON_CHARACTERS)}]+")


def decode(source: Source) -> Decoded | Failure:
    """Decode one document's bytes; a document that is not text becomes a ``Failure``.

    >>> decode(Source("a.txt", "人民日报".encode("gbk")))
    Decoded(text='人民日报', encoding='gbk', method='scored')
    >>> decode(Source("a.txt", "人民日報".encode("utf-8")[:-1])).text
    '人民日\\ufffd'
    >>> decode(Source("a.png", b"\\x89PNG\\r\\n\\x1a\\n...")).reason
    'binary'
    """
    if source.text is not None:
        return Decoded(source.text, source.encoding or "utf-8", "container")
    data = source.data
    for bom, encoding in BOMS:
        if data.startswith(bom):
            return _decode_with_bom(data[len(bom) :], encoding)
    if data.endswith(b"\x00"):
        # NUL padding after the text is what a crash or a preallocating writer leaves behind;
        # it carries no text, and NULs anywhere before it still mean binary.
        data = data.rstrip(b"\x00")
    binary = _binary_kind(data)
    if binary is not None:
        return Failure("binary", f"The file is {binary}, not text.")
    try:
        return Decoded(data.decode("utf-8"), "utf-8", "utf-8")
    except UnicodeDecodeError as exc:
        if exc.end == len(data) and exc.reason == "unexpected end of data":
            # Everything before the first error is valid, and the error is a multi-byte
            # sequence cut by the end of the file: keep the text, mark the lost character.
            return Decoded(data[: exc.start].decode("utf-8") + "\ufffd", "utf-8", "utf-8")
    return _decode_legacy(data)


def _decode_with_bom(body: bytes, encoding: str) -> Decoded | Failure:
    """Decode after a BOM: the BOM is a declaration, so bad sequences become U+FFFD, not a guess.

    A UTF-16/32 file cut in the middle of a code unit would otherwise fail as a whole.
    """
    text = body.decode(encoding.removesuffix("-sig"), "replace")
    if _control_share(text) > BINARY_CONTROL_SHARE:
        return Failure("binary", f"The file starts with a {encoding} BOM but is not text.")
    return Decoded(text, encoding, "bom")


def _binary_kind(data: bytes) -> str | None:
    """What binary format ``data`` is, or ``None`` when it may be text (BOMs already handled)."""
    if data.startswith(MAGIC_PREFIXES):
        return next(kind for magic, kind in MAGIC if data.startswith(magic))
    if b"\x00" in data:
        return "binary data (it contains NUL bytes; UTF-16 needs a BOM)"
    sample = data[:BINARY_SAMPLE]
    controls = len(sample) - len(sample.translate(None, CONTROL_BYTES))
    if controls > 8 and controls > BINARY_CONTROL_SHARE * len(sample):
        return f"binary data ({controls} control bytes in its first {len(sample)})"
    return None


def _control_share(text: str) -> float:
    """Share of control characters (other than whitespace) in the head of ``text``."""
    sample = text[:BINARY_SAMPLE]
    if not sample:
        return 0.0
    controls = sum(1 for c in sample if c < " " and c not in "\t\n\r\x0b\x0c\x1b")
    return controls / len(sample)


def _score(text: str) -> float:
    """How much ``text`` reads like Chinese: the share of its non-ASCII characters that are
    common (1.0 for pure ASCII), with each U+FFFD counting against it.

    >>> _score("人民日报社论"), _score("ÈËÃñÈÕ±¨")  # the second is 人民日报 in GBK read as Latin-1
    (1.0, 0.125)
    """
    sample = text[:SCORE_SAMPLE]
    non_ascii = len(sample) - len(sample.encode("ascii", "ignore"))
    if non_ascii == 0:
        return 1.0
    common = len(sample) - len(COMMON_RUNS.sub("", sample))
    return (common - REPLACEMENT_PENALTY * sample.count("\ufffd")) / non_ascii


def _decode_legacy(data: bytes) -> Decoded | Failure:
    """Decode bytes that are not valid UTF-8: pick the legacy codec by score, line by line when
    some lines are UTF-8, and fall back to charset-normalizer."""
    lines = data.split(b"\n")
    utf8_lines: dict[int, str] = {}  # index → text of non-ASCII lines that are valid UTF-8
    bad_sample: list[bytes] = []  # the lines UTF-8 rejects, up to SCORE_SAMPLE bytes
    sampled = 0
    for index, line in enumerate(lines):
        if line.isascii():
            continue
        try:
            utf8_lines[index] = line.decode("utf-8")
        except UnicodeDecodeError:
            if sampled < SCORE_SAMPLE:
                bad_sample.append(line[: SCORE_SAMPLE - sampled])
                sampled += len(bad_sample[-1])
    best_codec, best_score = _choose_codec(b"\n".join(bad_sample))
    if best_score < MIN_SCORE:
        return _detect(data)
    if best_codec == "utf-8":
        return Decoded(data.decode("utf-8", "replace"), "utf-8", "utf-8")
    if not utf8_lines:
        return _decode_whole(data, best_codec)
    return _decode_mixed(lines, utf8_lines, best_codec)


def _choose_codec(sample: bytes) -> tuple[str, float]:
    """The codec that reads ``sample`` (the lines UTF-8 rejects) most like Chinese, and its score.

    Scoring is the expensive part, and decoding with ``errors="replace"`` is slow when nearly
    every byte is an error, so the first round only scores codecs that decode ``sample``
    strictly (a wrong one usually fails within a few bytes) and stops at a confident score.
    Only when no strict reading is confident does a second round score every codec with errors
    replaced, UTF-8 included: a UTF-8 file with a few corrupt bytes is that, not a GBK file.
    """
    best_codec, best_score = "utf-8", -math.inf
    seen: set[str] = set()
    for errors in ("strict", "replace"):
        for codec in (*LEGACY_CODECS, "utf-8"):
            try:
                text = sample.decode(codec, errors)
            except UnicodeDecodeError as exc:
                if exc.start < len(sample) - 4:
                    continue
                # Only the last character is bad: the sample was cut inside it.
                text = sample[: exc.start].decode(codec, "replace")
            if text in seen:  # GBK text reads the same in GB18030: score it once
                continue
            seen.add(text)
            score = _score(text)
            if score > best_score:
                best_codec, best_score = codec, score
            if score >= CONFIDENT_SCORE:
                return best_codec, best_score
    return best_codec, best_score


def _decode_whole(data: bytes, codec: str) -> Decoded:
    """Decode a whole file with the codec its sample chose."""
    text, used = _decode_legacy_bytes(data, codec)
    return Decoded(text, used, "scored")


def _decode_legacy_bytes(data: bytes, codec: str) -> tuple[str, str]:
    """Decode with ``codec``, moving to its superset when the bytes need it (GB18030's 4-byte
    characters after a GBK-looking sample), and replacing what neither reads so that one bad
    byte does not cost the document. Returns the text and the codec that produced it."""
    for candidate in (codec, *SUPERSETS.get(codec, ())):
        try:
            return _legacy_text(data, candidate, "strict"), candidate
        except UnicodeDecodeError:
            continue
    return _legacy_text(data, codec, "replace"), codec


def _decode_mixed(lines: list[bytes], utf8_lines: dict[int, str], codec: str) -> Decoded:
    """Decode line by line: each valid-UTF-8 line keeps its UTF-8 reading unless the legacy codec
    reads it better (a short GBK line can be valid UTF-8 by accident and then reads as
    Latin/Cyrillic letters); every other line gets the legacy codec."""
    parts: list[str] = []
    used = {codec}
    kept_utf8 = 0
    for index, line in enumerate(lines):
        as_legacy, line_codec = _decode_legacy_bytes(line, codec)
        as_utf8 = utf8_lines.get(index)
        if as_utf8 is not None and _score(as_utf8) >= _score(as_legacy):
            parts.append(as_utf8)
            kept_utf8 += 1
        else:
            parts.append(as_legacy)
            used.add(line_codec)
    # GBK lines that needed GB18030 make the legacy part GB18030, the codec that reads it all.
    wider = [name for name in SUPERSETS.get(codec, ()) if name in used]
    legacy = wider[0] if wider else codec
    text = "\n".join(parts)
    if kept_utf8 == 0:
        return Decoded(text, legacy, "scored")
    return Decoded(text, f"utf-8+{legacy}", "mixed")


def _legacy_text(data: bytes, codec: str, errors: str) -> str:
    """Decode with a legacy codec, mapping Big5-HKSCS's odd punctuation choices to CP950's."""
    text = data.decode(codec, errors)
    if codec == "big5hkscs" and BIG5_ODD_PUNCTUATION.search(text):
        text = text.translate(BIG5_PUNCTUATION)
    return text


def _detect(data: bytes) -> Decoded | Failure:
    """Last resort for bytes no Chinese codec reads well: charset-normalizer's best guess."""
    from charset_normalizer import from_bytes  # only the rare non-Chinese file pays its import

    # A UTF-16/32 guess without a BOM turns any short byte string into Han-looking noise.
    best = next((r for r in from_bytes(data) if not r.encoding.startswith("utf_")), None)
    if best is None:
        return Failure(
            "undecodable",
            "No text encoding fits the bytes (tried UTF-8, GBK, GB18030, Big5 and "
            "charset-normalizer); convert the file to UTF-8 first.",
        )
    return Decoded(str(best), best.encoding, "detected")
