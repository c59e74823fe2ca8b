"""The seed's golden record: the whole record the seed becomes, reviewed by reading it.

``tests/golden/seed.json`` is rewritten only by ``pytest tests/test_golden.py --update-golden``;
the diff is then read and committed on purpose. A change in any field fails here first.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import docexport

GOLDEN = Path(__file__).resolve().parent / "golden" / "seed.json"
SEED_URI = "seeds/000_6cb851ef0d431e0c.txt"


@pytest.fixture(scope="module")
def seed_record(seed_path: Path) -> dict:
    record = docexport.parse_file(seed_path)
    record["source"]["uri"] = SEED_URI  # the golden file does not depend on the checkout path
    return record


def test_seed_record_matches_the_reviewed_golden_file(
    seed_record: dict, update_golden: bool
) -> None:
    if update_golden:
        GOLDEN.write_text(
            json.dumps(seed_record, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    for field in golden:
        assert seed_record[field] == golden[field], f"field {field} differs from the golden file"
    assert list(seed_record) == list(golden)


def test_seed_structure_as_the_issue_states_it(seed_record: dict) -> None:
    assert seed_record["title"] == "杨林兴：精准防控严防死守 坚决打赢疫情防控阻击战攻坚战持久战"
    assert seed_record["subtitle"] == "市委应对新冠肺炎疫情工作领导小组召开会议 余先河主持 鞠丽出席"
    dateline = seed_record["dateline"]
    assert (dateline["month"], dateline["day"], dateline["time_of_day"]) == (11, 5, "下午")
    assert dateline["year"] is None and dateline["date"] is None
    assert seed_record["byline"]["outlet"] == "泸州日报"
    assert seed_record["byline"]["authors"] == [{"name": "朱虹", "role": "记者"}]
    persons = seed_record["entities"]["persons"]
    assert {"杨林兴", "余先河", "鞠丽"} <= set(persons)
    assert "严格遵守" not in persons and "严肃处理" not in persons


def test_seed_text_is_repaired(seed_record: dict) -> None:
    text = seed_record["text"]
    assert "泸州日报记者 朱虹" in text and "领导小组" in text
    assert "zhǔn" not in text and ",," not in text and ",、" not in text
    assert "瀘" not in text and "領導" not in text
    assert seed_record["script"] == {"detected": "Hant", "output": "Hans"}
    assert seed_record["repairs"]["commas_collapsed"] == 78
    # Two of the three mojibake spans cannot be repaired with confidence: flagged, not hidden.
    assert seed_record["repairs"]["mojibake_found"] == 3
    assert "mojibake" in seed_record["quality"]["flags"]
