"""Drop records that repeat an earlier one: exactly (same id) or nearly (same text, lightly edited).

News corpora repeat themselves: one wire story is reprinted by many papers, a site serves the same
article under two URLs, an edited version replaces the first. Exact repeats share the record id
(a hash of the normalised title and body), so a set of ids catches them. Near repeats differ by a
byline, a corrected character or a dropped paragraph; they are found with a MinHash sketch of the
record's ``text``:

- the text's character 5-grams are hashed (a polynomial hash over the code points, vectorised in
  numpy, then the murmur3 finaliser to spread the bits);
- *one-permutation hashing* turns those hashes into ``SIGNATURE_SIZE`` minima: the top bits of a
  hash choose one of the bins, and each bin keeps its smallest hash. One ``np.minimum.at`` gives
  every bin's minimum, which is why a sketch costs a few tens of microseconds instead of one
  hash per permutation per shingle;
- the signature is cut into ``BANDS`` bands; two texts that agree on a whole band become
  candidates (locality-sensitive hashing), and a candidate is a duplicate when the share of equal
  bins, an estimate of the Jaccard similarity of the two 5-gram sets, reaches ``threshold``.

With 8 bands of 8 bins, a pair with Jaccard similarity 0.9 becomes a candidate with probability
``1 - (1 - 0.9**8)**8 ≈ 0.99``, one at 0.5 with ``≈ 0.03``; the estimate then decides. Texts shorter
than one 5-gram get no sketch and are only deduplicated exactly.

Memory grows with the number of kept records (the id, a 256-byte signature and 8 index entries:
about 1.2 KB each, measured on People's Daily): a few GB for millions of records. A distributed
run deduplicates in a global step instead, grouping rows by :func:`dedup_keys`.

The deduper is sequential on purpose: records are checked in input order, so which copy is kept
(the first) does not depend on ``--jobs``. :meth:`Deduper.snapshot` and :meth:`Deduper.restore`
let a resumed run rebuild exactly the state the interrupted run had at its last commit.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

__all__ = ["BANDS", "NGRAM", "SIGNATURE_SIZE", "Deduper", "dedup_keys", "similarity", "sketch"]

NGRAM = 5  # characters per shingle: long enough that shared 5-grams mean shared phrasing
SIGNATURE_SIZE = 64  # minima kept per text (a power of two: the bin is the top bits of a hash)
BANDS = 8  # LSH bands; SIGNATURE_SIZE // BANDS bins per band
ROWS = SIGNATURE_SIZE // BANDS
_BIN_SHIFT = np.uint64(64 - SIGNATURE_SIZE.bit_length() + 1)  # top 6 bits choose the bin
_VALUE_SHIFT = np.uint64(64 - SIGNATURE_SIZE.bit_length() + 1 - 32)  # next 32 bits are the value
_EMPTY = 0xFFFFFFFF  # an empty bin (very short texts): equal empty bins count as agreement
# Polynomial multiplier for the rolling 5-gram hash (an odd 64-bit constant) and the murmur3
# fmix64 constants that spread the bits afterwards; uint64 arithmetic wraps, which is intended.
_MULTIPLIER = np.uint64(0x100000001B3)
_FMIX1 = np.uint64(0xFF51AFD7ED558CCD)
_FMIX2 = np.uint64(0xC4CEB9FE1A85EC53)
_S33 = np.uint64(33)
# One snapshot entry: the id's length, then the id, then a flag and the signature when there is one.
_ENTRY_HEAD = struct.Struct("<HB")
_SIGNATURE_BYTES = SIGNATURE_SIZE * 4


def sketch(text: str) -> bytes | None:
    """The MinHash signature of ``text``'s character 5-grams, or ``None`` when it has none.

    The signature is ``SIGNATURE_SIZE`` little-endian uint32 values; the same text always gives
    the same bytes, in any process (no per-process hash seed is involved).

    >>> text = "新华社北京一月五日电国务院总理李鹏今天在人民大会堂会见了来访的外国客人"
    >>> a = sketch(text)
    >>> b = sketch(text.replace("客人", "贵宾"))
    >>> len(a), a == sketch(text)
    (256, True)
    >>> 0.7 < similarity(a, b) < 1.0
    True
    >>> sketch("短") is None
    True
    """
    if len(text) < NGRAM:
        return None
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    count = codes.size - NGRAM + 1
    hashes = codes[:count].copy()
    for offset in range(1, NGRAM):
        hashes *= _MULTIPLIER
        hashes += codes[offset : offset + count]
    hashes ^= hashes >> _S33
    hashes *= _FMIX1
    hashes ^= hashes >> _S33
    hashes *= _FMIX2
    hashes ^= hashes >> _S33
    # Each bin keeps its smallest hash; the value bits are the hash's next bits, so the smallest
    # value in a bin is that of its smallest hash. One unbuffered minimum per bin (ufunc.at)
    # instead of sorting every hash.
    signature = np.full(SIGNATURE_SIZE, _EMPTY, dtype="<u4")
    np.minimum.at(
        signature,
        (hashes >> _BIN_SHIFT).astype(np.intp),
        (hashes >> _VALUE_SHIFT).astype(np.uint32),
    )
    return signature.tobytes()


def similarity(left: bytes, right: bytes) -> float:
    """Estimated Jaccard similarity of two texts' 5-gram sets: the share of equal signature bins."""
    a = np.frombuffer(left, dtype="<u4")
    b = np.frombuffer(right, dtype="<u4")
    return float(np.count_nonzero(a == b)) / SIGNATURE_SIZE


def _bands(signature: bytes) -> list[bytes]:
    step = ROWS * 4
    return [signature[i : i + step] for i in range(0, _SIGNATURE_BYTES, step)]


def dedup_keys(record: Mapping[str, Any], *, near: bool = True) -> tuple[str, ...]:
    """The group-by keys a distributed run needs to deduplicate globally.

    The first key is the exact key (``id:`` + the record id); with ``near``, one key per LSH band
    follows (``b<band>:`` + the band's bins in hex). Records sharing the exact key are copies;
    records sharing any band key are near-duplicate candidates, to be confirmed with
    :func:`similarity` on their :func:`sketch` and resolved by keeping the earliest input.

    >>> keys = dedup_keys({"id": "abc", "text": "人民日报社论一九九八年元旦献词"})
    >>> keys[0], len(keys), keys[1][:3]
    ('id:abc', 9, 'b0:')
    """
    keys = [f"id:{record['id']}"]
    if near:
        signature = sketch(record.get("text") or "")
        if signature is not None:
            keys.extend(f"b{i}:{band.hex()}" for i, band in enumerate(_bands(signature)))
    return tuple(keys)


class Deduper:
    """Remembers the records kept so far and says whether a new one repeats one of them.

    ``near`` switches the MinHash check on; ``threshold`` is the estimated Jaccard similarity of
    the texts' 5-gram sets from which a record counts as a near duplicate.

    >>> dedup = Deduper()
    >>> text = "国务院总理李鹏今天在人民大会堂会见了来访的外国客人并就双边关系交换了意见"
    >>> dedup.check({"id": "a", "text": text}) is None
    True
    >>> dedup.check({"id": "a", "text": text})
    'a'
    >>> dedup.check({"id": "b", "text": text + "。"})
    'a'
    >>> dedup.check({"id": "c", "text": "中共中央总书记江泽民发表一九九八年新年讲话"}) is None
    True
    """

    def __init__(self, *, near: bool = True, threshold: float = 0.9) -> None:
        if not 0.0 < threshold <= 1.0:
            raise ValueError(f"threshold must be in (0, 1], got {threshold}")
        self.near = near
        self.threshold = threshold
        self._ids: set[str] = set()
        self._signatures: dict[str, bytes] = {}
        # Band index: hash of (band number, band bytes) -> the id, or ids, whose signature has
        # that band. Almost every band is unique, so a bare id (no list) saves ~90 bytes each.
        self._index: dict[int, str | list[str]] = {}
        self._pending: list[tuple[str, bytes | None]] = []
        self._kept: list[str] = []  # the ids in the order they were kept (8 bytes each)

    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, record_id: object) -> bool:
        """Whether a record with this id was kept: :meth:`check` would call its copy exact."""
        return record_id in self._ids

    def kept(self, start: int = 0) -> list[str]:
        """The ids kept from the ``start``-th on, in the order they were kept (``len`` is the
        end): how a run tells its worker processes what they can skip early."""
        return self._kept[start:]

    def check(self, record: Mapping[str, Any]) -> str | None:
        """The id of the earlier record ``record`` duplicates; else remember it and return None.

        The answer is the record's own id for an exact duplicate, another id for a near one.
        """
        record_id = str(record["id"])
        if record_id in self._ids:
            return record_id
        signature = sketch(record.get("text") or "") if self.near else None
        return self.check_sketch(record_id, signature)

    def check_sketch(self, record_id: str, signature: bytes | None) -> str | None:
        """:meth:`check` for a record whose :func:`sketch` is already computed.

        This is the sequential half of a distributed run's global step: workers compute the
        sketches in parallel, and one process checks ``(id, sketch)`` pairs in input order.
        """
        if record_id in self._ids:
            return record_id
        if not self.near:
            signature = None
        if signature is not None:
            match = self._near_match(signature)
            if match is not None:
                return match
        self._add(record_id, signature)
        self._pending.append((record_id, signature))
        return None

    def _near_match(self, signature: bytes) -> str | None:
        seen: set[str] = set()
        for number, band in enumerate(_bands(signature)):
            found = self._index.get(hash((number, band)))
            if found is None:
                continue
            for candidate in (found,) if isinstance(found, str) else found:
                if candidate in seen:
                    continue
                seen.add(candidate)
                if similarity(signature, self._signatures[candidate]) >= self.threshold:
                    return candidate
        return None

    def _add(self, record_id: str, signature: bytes | None) -> None:
        self._ids.add(record_id)
        self._kept.append(record_id)
        if signature is None:
            return
        self._signatures[record_id] = signature
        index = self._index
        for number, band in enumerate(_bands(signature)):
            key = hash((number, band))
            found = index.get(key)
            if found is None:
                index[key] = record_id
            elif isinstance(found, str):
                index[key] = [found, record_id]
            else:
                found.append(record_id)

    def snapshot(self) -> bytes:
        """What was remembered since the previous snapshot, as bytes for :meth:`restore`."""
        out = bytearray()
        for record_id, signature in self._pending:
            raw = record_id.encode("utf-8")
            out += _ENTRY_HEAD.pack(len(raw), signature is not None)
            out += raw
            if signature is not None:
                out += signature
        self._pending.clear()
        return bytes(out)

    def restore(self, chunks: Iterable[bytes]) -> None:
        """Remember again what earlier snapshots hold (in the order they were taken)."""
        for chunk in chunks:
            view = memoryview(chunk)
            pos = 0
            while pos < len(view):
                length, has_signature = _ENTRY_HEAD.unpack_from(view, pos)
                pos += _ENTRY_HEAD.size
                record_id = bytes(view[pos : pos + length]).decode("utf-8")
                pos += length
                signature = None
                if has_signature:
                    signature = bytes(view[pos : pos + _SIGNATURE_BYTES])
                    pos += _SIGNATURE_BYTES
                if len(signature or b"") != (_SIGNATURE_BYTES if has_signature else 0):
                    raise ValueError("truncated dedup snapshot")
                self._add(record_id, signature)
