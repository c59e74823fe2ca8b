"""The small frozen values that cross stage boundaries.

Stage modules (``read``, ``decode``, ``normalise``, ``parse``, ``enrich``, ``record``,
``validate``, ``dedup``, ``write``) never import each other; they share these types, and
``pipeline`` wires them together. Keeping them here, free of logic, is what lets every stage be
tested on its own and lets the local pool and the Ray runner call the same per-document function.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "REPAIR_KEYS",
    "Article",
    "Author",
    "Byline",
    "Dateline",
    "Decoded",
    "Enrichment",
    "Failure",
    "NormaliseResult",
    "Reject",
    "RepairSpan",
    "Source",
]


@dataclass(frozen=True, slots=True)
class Source:
    """One raw input document, as read: nothing decoded or interpreted yet.

    ``uri`` is the path as the user gave it (``"-"`` for stdin); for a JSONL input every line is
    its own ``Source`` with the same ``uri`` and a 1-based ``line``. ``data`` holds the raw bytes
    of the document (the whole file, or the JSONL line), so ``sha256`` always describes what was
    read. ``text`` is set when the container already yielded a string (a JSONL text field), in
    which case decode does not guess an encoding again; ``encoding`` is then the container's.
    ``metadata`` carries the container's other fields (title, url, date…) untouched.
    """

    uri: str
    data: bytes
    line: int | None = None
    text: str | None = None
    encoding: str | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Failure:
    """Why a stage could not turn a document into its output.

    ``reason`` is a stable snake_case id (``empty``, ``binary``, ``no_body``…) that scripts may
    match on; ``detail`` is one human sentence. The pipeline adds the stage and the source.
    """

    reason: str
    detail: str


@dataclass(frozen=True, slots=True)
class Reject:
    """One input document that did not become a record, and why.

    Written as one line of ``rejects.jsonl``; ``inputs = records + duplicates + rejects`` is
    counted from these.
    """

    uri: str
    stage: str
    reason: str
    detail: str
    line: int | None = None
    sha256: str | None = None
    duplicate_of: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The ``rejects.jsonl`` row: stable keys, ``None`` kept so every row has the same shape."""
        return {
            "source": {"uri": self.uri, "line": self.line, "sha256": self.sha256},
            "stage": self.stage,
            "reason": self.reason,
            "detail": self.detail,
            "duplicate_of": self.duplicate_of,
        }


@dataclass(frozen=True, slots=True)
class Decoded:
    """Text decoded from a ``Source``, with the encoding that was found and how."""

    text: str
    encoding: str
    # "container" (already text), "bom", "utf-8", "scored" (GB18030/GBK/Big5 chosen by a
    # character-frequency score), "mixed" (decoded line by line), "detected" (charset-normalizer)
    method: str


# The per-pass counters every NormaliseResult.repairs carries, in this order; the record's
# ``repairs`` object has exactly these keys.
REPAIR_KEYS: tuple[str, ...] = (
    "cleanup",  # BOM, zero-width and control characters, CRLF, blank-line runs removed/changed
    "fullwidth_folded",  # full-width ASCII letters/digits folded (１９９８ -> 1998)
    "pinyin_removed",  # inline pinyin annotations removed
    "lost_recovered",  # '?' characters restored from their pinyin annotation
    "commas_collapsed",  # spurious ASCII commas before punctuation removed
    "punctuation_widened",  # ASCII punctuation in CJK context made full-width
    "characters_converted",  # characters changed by the script conversion
    "mojibake_found",  # GBK byte-shift mojibake spans detected
    "mojibake_repaired",  # of which repaired with confidence
    "replacement_characters",  # '?' / U+FFFD left inside Han runs (lost characters)
)


@dataclass(frozen=True, slots=True)
class RepairSpan:
    """Where one repair happened, for a reviewer: offsets into the *output* text when known."""

    kind: str  # one of REPAIR_KEYS
    before: str
    after: str
    start: int | None = None
    end: int | None = None


@dataclass(frozen=True, slots=True)
class NormaliseResult:
    """What ``normalise()`` returns: the repaired text and the log of what was repaired.

    ``repairs`` maps every key of ``REPAIR_KEYS`` to a count. ``script_detected`` is ``Hans``,
    ``Hant``, ``mixed`` or ``none`` (no Han characters); ``script_output`` is what the text is in
    now. ``flags`` are quality flags the text itself raises (``mojibake``, ``lost_characters``).
    """

    text: str
    repairs: Mapping[str, int]
    script_detected: str
    script_output: str
    flags: tuple[str, ...] = ()
    spans: tuple[RepairSpan, ...] = ()


@dataclass(frozen=True, slots=True)
class Dateline:
    """The dateline at the head of a news body. A year is never invented: ``None`` unless stated
    in the text or passed in; ``date`` (ISO ``YYYY-MM-DD``) only when year, month and day are
    all known."""

    raw: str
    year: int | None = None
    month: int | None = None
    day: int | None = None
    date: str | None = None
    time_of_day: str | None = None
    place: str | None = None


@dataclass(frozen=True, slots=True)
class Author:
    """One credited person: ``role`` is 记者, 通讯员, 实习生, 编辑, 责任编辑, 摄影… or ``None``."""

    name: str
    role: str | None = None


@dataclass(frozen=True, slots=True)
class Byline:
    """Who wrote the piece and for whom; ``raw`` is the byline text as found (several byline
    lines joined by ``\\n``)."""

    raw: str
    outlet: str | None = None
    authors: tuple[Author, ...] = ()


@dataclass(frozen=True, slots=True)
class Article:
    """A news document split into its parts by ``parse``.

    ``lines`` are all non-empty lines of the normalised document in order (title first); the
    record's ``text`` is ``"\\n".join(lines)``. ``paragraphs`` are the body lines only: no title,
    subtitle or byline/editor/source lines.
    """

    title: str
    subtitle: str | None
    dateline: Dateline | None
    byline: Byline | None
    paragraphs: tuple[str, ...]
    lines: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Enrichment:
    """What one segmentation pass over an article yields.

    ``tokens`` is ``None`` when tokenisation is switched off; entity lists are in order of first
    appearance, without repeats.
    """

    tokens: tuple[str, ...] | None
    persons: tuple[str, ...] = ()
    places: tuple[str, ...] = ()
    organizations: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
