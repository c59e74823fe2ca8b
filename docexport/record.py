"""Assemble the schema-shaped record from the parts the earlier stages produced.

This is the one place that knows the record's layout: keys come out in schema order (the JSONL
and CSV writers rely on it), every key is always present, and the cheap statistics and quality
signals are computed here. ``build_record`` runs once per document, so it sticks to a few C-speed
passes over the text (hashing, ``bytes.translate``, ``str.count`` for sentence ends) and never
raises: a stage that hands it something off-contract (a missing repair counter, an unknown flag)
gets a record that fails validation, which turns into a reject with the exact JSON path.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from typing import Any

import orjson

from docexport.data import REPAIR_KEYS, Article, Enrichment, NormaliseResult, Source
from docexport.schema import SCHEMA_VERSION, load_schema

__all__ = [
    "DAMAGE_KEYS",
    "LOW_HAN_RATIO",
    "QUALITY_FLAGS",
    "SHORT_BODY_CHARACTERS",
    "build_record",
    "content_id",
    "count_han",
    "count_sentences",
]

# The flags a record may carry, in the order they are listed: the schema's enum is the truth.
QUALITY_FLAGS: tuple[str, ...] = tuple(
    load_schema()["properties"]["quality"]["properties"]["flags"]["items"]["enum"]
)
# A body shorter than this (characters over all paragraphs) is flagged ``short``: below it a
# People's Daily item is a photo caption or a one-line brief rather than an article.
SHORT_BODY_CHARACTERS = 100
# Below this share of Han characters the text is mostly Latin, digits or markup: ``low_han_ratio``.
LOW_HAN_RATIO = 0.5
# The repairs that measure damage done to the text. ``cleanup`` (CRLF, BOM), ``fullwidth_folded``
# (a house style) and ``characters_converted`` (a script choice) are normal in clean input, and
# ``mojibake_repaired`` is already counted in ``mojibake_found``.
DAMAGE_KEYS: tuple[str, ...] = (
    "pinyin_removed",
    "lost_recovered",
    "commas_collapsed",
    "punctuation_widened",
    "mojibake_found",
    "replacement_characters",
)
# Signals are rounded so JSONL and CSV stay readable; four places keep every ratio distinct enough
# to filter on.
_SIGNAL_DIGITS = 4

# UTF-8 lead bytes of U+4000..U+9FFF: counting them in the encoded text counts those characters,
# which is where all common Han ideographs live, at bytes.translate speed.
_HAN_LEAD_BYTES = bytes(range(0xE4, 0xEA))
# What the lead-byte count gets wrong, found in one scan that rarely matches: rarer Han blocks it
# misses (Extension A below U+4000, compatibility ideographs, Extensions B-H) and the Yijing
# hexagram symbols U+4DC0..U+4DFF it wrongly includes.
_HAN_CORRECTIONS = re.compile(
    "[\u3400-\u3fff"  # CJK Extension A, the part below U+4000
    "\u4dc0-\u4dff"  # Yijing hexagram symbols (not Han)
    "\uf900-\ufaff"  # CJK Compatibility Ideographs
    "\U00020000-\U0003134f]"  # CJK Extensions B-H and the compatibility supplement
)
_HEXAGRAMS = range(0x4DC0, 0x4E00)

# A run of full-width sentence-final punctuation: one sentence end. The common case, kept to a
# plain character class so the scan stays fast.
_SENTENCE_ENDS = re.compile("[。！？]+")
# The same with ASCII ! and ?, used only when the body has one: they end a sentence only before
# whitespace, a closing quote or bracket, or the end, so a lost-character '?' inside a Han run
# (冷链食品防控?确保) is not counted.
_SENTENCE_ENDS_ASCII = re.compile(r"(?:[。！？]|[!?](?![^\s\"'”’」』）)]))+")
# Closing quotes and brackets that may follow the punctuation at the end of a paragraph.
_CLOSERS = "\"'”’」』）)"
_FINAL_PUNCTUATION = frozenset("。！？!?")

_JSON_OPTIONS = orjson.OPT_NON_STR_KEYS


def content_id(title: str, paragraphs: tuple[str, ...] | list[str]) -> str:
    """The record id: 32 hex digits of SHA-256 over the title and body, one per line.

    Only the normalised title and body take part, so the same article read from a GBK file, a
    damaged scrape or a JSONL line gets the same id (that is what exact dedup keys on), and a
    byline or metadata difference does not split it.

    >>> content_id("标题", ["第一段。", "第二段。"]) == content_id("标题", ("第一段。", "第二段。"))
    True
    >>> content_id("标题", ["第一段。"]) == content_id("标题", ["第一段", "。"])
    False
    """
    payload = title + "\n" + "\n".join(paragraphs)
    return hashlib.sha256(payload.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def count_han(text: str) -> int:
    """Han ideographs in ``text``: CJK Unified Ideographs with extensions A-H, and compatibility
    ideographs.

    >>> count_han("泸州日报 2021年11月5日，鞠丽出席。")
    11
    >>> count_han("abc 123，。")
    0
    """
    encoded = text.encode("utf-8", "surrogatepass")
    count = len(encoded) - len(encoded.translate(None, _HAN_LEAD_BYTES))
    for char in _HAN_CORRECTIONS.findall(text):
        count += -1 if ord(char) in _HEXAGRAMS else 1
    return count


def count_sentences(paragraphs: tuple[str, ...] | list[str]) -> int:
    """Sentences in the body: runs of 。！？ (ASCII ! ? before a space, closer or line end), plus
    every paragraph that ends without one.

    >>> count_sentences(["他说：“好。”然后走了", "真的吗？！是的。"])
    4
    >>> count_sentences(["冷链食品防控?确保"])
    1
    """
    body = "\n".join(paragraphs)
    if "!" in body or "?" in body:
        count = len(_SENTENCE_ENDS_ASCII.findall(body))
    elif "！" in body or "？" in body or "。。" in body:
        count = len(_SENTENCE_ENDS.findall(body))
    else:  # the usual news body: every 。 ends one sentence, and str.count beats a regex scan
        count = body.count("。")
    for paragraph in paragraphs:
        if paragraph.rstrip(_CLOSERS)[-1:] not in _FINAL_PUNCTUATION:
            count += 1
    return count


def _ratio(part: float, whole: float) -> float:
    return round(part / whole, _SIGNAL_DIGITS) if whole else 0.0


def _metadata_value(value: Any) -> str | None:
    """A container value as text: strings as given, ``None`` as null, anything else as JSON."""
    if value is None or isinstance(value, str):
        return value
    try:
        return orjson.dumps(value, default=str, option=_JSON_OPTIONS).decode("utf-8")
    except (orjson.JSONEncodeError, TypeError):
        return str(value)


def _metadata(metadata: Mapping[str, Any]) -> list[dict[str, str | None]]:
    """Container fields as ``{key, value}`` pairs in input order (see the schema for why)."""
    return [{"key": str(key), "value": _metadata_value(value)} for key, value in metadata.items()]


def _repairs(repairs: Mapping[str, int]) -> dict[str, int]:
    """The repair counters in ``REPAIR_KEYS`` order; missing or extra keys are passed on as they
    are, for the validator to report instead of being papered over with zeros."""
    ordered = {key: repairs[key] for key in REPAIR_KEYS if key in repairs}
    if len(ordered) != len(repairs):
        ordered.update(repairs)
    return ordered


def _flags(found: set[str]) -> list[str]:
    """Flags in the schema's order; an unknown one goes last, so validation names it."""
    known = [flag for flag in QUALITY_FLAGS if flag in found]
    return known + sorted(found.difference(QUALITY_FLAGS))


def build_record(
    *,
    source: Source,
    encoding: str | None,
    normalised: NormaliseResult,
    article: Article,
    enrichment: Enrichment | None,
    record_id: str | None = None,
) -> dict[str, Any]:
    """The record for one document, with keys in schema order.

    ``encoding`` is the encoding decode found (``source.encoding`` when ``None``). ``enrichment``
    ``None`` means enrichment is switched off: ``tokens`` is null and entities and keywords are
    empty. ``text`` is ``article.lines`` joined by newlines; ``id`` is :func:`content_id`, or
    ``record_id`` when the caller computed it already (to look for an exact duplicate).
    """
    text = "\n".join(article.lines)
    paragraphs = list(article.paragraphs)
    characters = len(text)
    han = count_han(text)
    non_space = sum(map(len, text.split()))
    han_ratio = han / non_space if non_space else 0.0
    body_characters = sum(map(len, paragraphs))
    repairs = _repairs(normalised.repairs)
    damage = sum(repairs.get(key, 0) for key in DAMAGE_KEYS)

    found = set(normalised.flags)
    if not article.title:
        found.add("no_title")
    if article.dateline is None:
        found.add("no_dateline")
    if article.byline is None:
        found.add("no_byline")
    if body_characters < SHORT_BODY_CHARACTERS:
        found.add("short")
    if han_ratio < LOW_HAN_RATIO:
        found.add("low_han_ratio")

    dateline = article.dateline
    byline = article.byline
    tokens = None if enrichment is None or enrichment.tokens is None else list(enrichment.tokens)
    return {
        "id": content_id(article.title, paragraphs) if record_id is None else record_id,
        "schema_version": SCHEMA_VERSION,
        "text": text,
        "title": article.title,
        "subtitle": article.subtitle,
        "paragraphs": paragraphs,
        "dateline": None
        if dateline is None
        else {
            "raw": dateline.raw,
            "year": dateline.year,
            "month": dateline.month,
            "day": dateline.day,
            "date": dateline.date,
            "time_of_day": dateline.time_of_day,
            "place": dateline.place,
        },
        "byline": None
        if byline is None
        else {
            "raw": byline.raw,
            "outlet": byline.outlet,
            "authors": [{"name": author.name, "role": author.role} for author in byline.authors],
        },
        "entities": {
            "persons": [] if enrichment is None else list(enrichment.persons),
            "places": [] if enrichment is None else list(enrichment.places),
            "organizations": [] if enrichment is None else list(enrichment.organizations),
        },
        "keywords": [] if enrichment is None else list(enrichment.keywords),
        "tokens": tokens,
        "script": {"detected": normalised.script_detected, "output": normalised.script_output},
        "repairs": repairs,
        "quality": {
            "flags": _flags(found),
            "han_ratio": round(han_ratio, _SIGNAL_DIGITS),
            "damage_per_1000_characters": _ratio(1000 * damage, characters),
            "mean_paragraph_characters": _ratio(body_characters, len(paragraphs)),
            "duplicate_paragraph_ratio": _ratio(
                len(paragraphs) - len(set(paragraphs)), len(paragraphs)
            ),
        },
        "stats": {
            "characters": characters,
            "han_characters": han,
            "tokens": None if tokens is None else len(tokens),
            "paragraphs": len(paragraphs),
            "sentences": count_sentences(paragraphs),
        },
        "source": {
            "uri": source.uri,
            "sha256": hashlib.sha256(source.data).hexdigest(),
            "bytes": len(source.data),
            "encoding": encoding if encoding is not None else source.encoding,
            "line": source.line,
            "metadata": _metadata(source.metadata),
        },
    }
