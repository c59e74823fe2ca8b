"""Deduper: exact and near duplicates, no false alarms on distinct articles, resumable state."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import pytest

from docexport.dedup import SIGNATURE_SIZE, Deduper, dedup_keys, similarity, sketch


def _lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def _variants(text: str) -> dict[str, tuple[str, bool]]:
    """Edits of one article and whether each is still a near duplicate of it."""
    lines = _lines(text)
    body = "\n".join(lines)
    half = len(lines) // 2
    return {
        "identical text, other id": (body, True),
        "byline changed": ("\n".join([*lines[:-1], "新华社记者 王小明"]), True),
        "one character per line changed": (
            "\n".join(line[:-2] + "。" + line[-1:] if len(line) > 4 else line for line in lines),
            True,
        ),
        "a sentence appended": (body + "\n本报将继续关注此事进展。", True),
        # negative cases: a different article, and half of this one, are not duplicates
        "first half only": ("\n".join(lines[:half]), False),
        "reversed line order is still the same 5-grams": ("\n".join(reversed(lines)), True),
        "unrelated article": (
            "中共中央总书记、国家主席江泽民发表一九九八年新年讲话，"
            "向全国各族人民和海外侨胞致以新年的祝贺。" * 3,
            False,
        ),
    }


@pytest.mark.parametrize("case", list(_variants("x\ny")))
def test_near_duplicates_of_the_seed(seed_text: str, case: str) -> None:
    edited, is_duplicate = _variants(seed_text)[case]
    dedup = Deduper()
    assert dedup.check({"id": "seed", "text": "\n".join(_lines(seed_text))}) is None
    assert dedup.check({"id": "other", "text": edited}) == ("seed" if is_duplicate else None)


def test_exact_duplicates_are_found_by_id_even_without_near() -> None:
    dedup = Deduper(near=False)
    assert dedup.check({"id": "a", "text": "第一篇文章的正文内容"}) is None
    assert dedup.check({"id": "a", "text": "完全不同的正文也算重复"}) == "a"
    assert dedup.check({"id": "b", "text": "第一篇文章的正文内容"}) is None  # near is off
    assert len(dedup) == 2


def test_short_texts_are_only_deduplicated_exactly() -> None:
    dedup = Deduper()
    assert sketch("短文") is None
    assert dedup.check({"id": "a", "text": "短文"}) is None
    assert dedup.check({"id": "b", "text": "短文"}) is None
    assert dedup.check({"id": "a", "text": "短文"}) == "a"


def test_distinct_peoples_daily_articles_are_not_duplicates(pd_dev_articles: list[Any]) -> None:
    articles = [a for a in pd_dev_articles if len(a.text) >= 200][:400]
    dedup = Deduper()
    hits = [(a.id, dedup.check({"id": a.id, "text": a.text})) for a in articles]
    # Checked by hand: the first 400 PD articles of 200+ characters are distinct stories.
    assert [hit for hit in hits if hit[1] is not None] == []


def test_snapshots_restore_the_same_answers() -> None:
    texts = [
        f"第{i}篇：国务院召开常务会议，研究部署第{i}项重点工作，会议由总理主持。" for i in range(8)
    ]
    first = Deduper()
    chunks = []
    for i, text in enumerate(texts[:5]):
        first.check({"id": str(i), "text": text})
    chunks.append(first.snapshot())
    for i, text in enumerate(texts[5:], start=5):
        first.check({"id": str(i), "text": text})
    chunks.append(first.snapshot())
    assert first.snapshot() == b""  # nothing new since the last snapshot

    second = Deduper()
    second.restore(chunks)
    assert len(second) == len(first) == 8
    assert second.snapshot() == b""  # restored entries are not new
    probes = [
        {"id": "3", "text": "x"},
        {"id": "new", "text": texts[6]},
        {"id": "z", "text": "无关"},
    ]
    assert [second.check(p) for p in probes] == [first.check(p) for p in probes]


def test_truncated_snapshot_is_an_error() -> None:
    dedup = Deduper()
    dedup.check({"id": "a", "text": "国务院召开常务会议研究部署重点工作"})
    with pytest.raises(ValueError, match="truncated"):
        Deduper().restore([dedup.snapshot()[:-10]])


def test_sketch_is_the_same_in_every_process(seed_text: str) -> None:
    code = "import sys; from docexport.dedup import sketch; print(sketch(sys.stdin.read()).hex())"
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    done = subprocess.run(
        [sys.executable, "-c", code], input=seed_text, capture_output=True, text=True, env=env
    )
    assert done.stdout.strip() == sketch(seed_text).hex()


def test_dedup_keys_group_near_duplicates(seed_text: str) -> None:
    text = "\n".join(_lines(seed_text))
    a = dedup_keys({"id": "a", "text": text})
    b = dedup_keys({"id": "b", "text": text + "\n本报将继续关注此事进展。"})
    assert a[0] == "id:a"
    assert len(a) == 9
    assert set(a[1:]) & set(b[1:])  # share at least one band: grouped as candidates
    assert dedup_keys({"id": "a", "text": text}, near=False) == ("id:a",)


def test_similarity_of_a_text_with_itself_is_one(seed_text: str) -> None:
    signature = sketch(seed_text)
    assert signature is not None
    assert len(signature) == SIGNATURE_SIZE * 4
    assert similarity(signature, signature) == 1.0


@pytest.mark.parametrize("threshold", [0.0, -1.0, 1.5])
def test_threshold_out_of_range_is_refused(threshold: float) -> None:
    with pytest.raises(ValueError, match="threshold"):
        Deduper(threshold=threshold)


def test_a_copy_is_matched_to_the_right_one_of_two_similar_articles(seed_text: str) -> None:
    lines = _lines(seed_text)
    whole = "\n".join(lines)
    shorter = "\n".join(lines[:3] + lines[4:])  # a 486-character paragraph (of 2,781) dropped
    dedup = Deduper()
    assert dedup.check({"id": "whole", "text": whole}) is None
    # Jaccard ≈ 0.83: under the threshold, though the two share LSH bands.
    assert dedup.check({"id": "shorter", "text": shorter}) is None
    assert dedup.check({"id": "copy", "text": shorter}) == "shorter"


def test_check_sketch_gives_the_same_answers_as_check(seed_text: str) -> None:
    text = "\n".join(_lines(seed_text))
    records = [
        {"id": "a", "text": text},
        {"id": "b", "text": text + "\n本报将继续关注此事进展。"},
        {"id": "a", "text": "别的文字"},
        {"id": "c", "text": "中共中央总书记江泽民发表一九九八年新年讲话"},
    ]
    by_text, by_sketch = Deduper(), Deduper()
    answers = [by_text.check(r) for r in records]
    assert answers == [None, "a", "a", None]
    assert [by_sketch.check_sketch(r["id"], sketch(r["text"])) for r in records] == answers
