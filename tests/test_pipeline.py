"""The per-document function and the library calls built on it."""

from __future__ import annotations

from pathlib import Path

import pytest

import docexport
from docexport.data import Reject, Source
from docexport.pipeline import DocumentProcessor, Options, year_from_metadata

DATA = Path(__file__).resolve().parent / "data"


def test_parse_returns_a_valid_record_for_the_seed(seed_text: str) -> None:
    record = docexport.parse(seed_text)
    assert docexport.validate_record(record) == []
    assert record["title"] == "杨林兴：精准防控严防死守 坚决打赢疫情防控阻击战攻坚战持久战"
    assert record["byline"]["outlet"] == "泸州日报"
    assert record["text"].startswith(record["title"] + "\n")


def test_same_input_gives_the_same_id(seed_text: str) -> None:
    assert docexport.parse(seed_text)["id"] == docexport.parse(seed_text)["id"]


def test_parse_file_detects_gbk_and_fills_source() -> None:
    path = DATA / "community_canteen_gbk.txt"
    record = docexport.parse_file(path)
    assert record["title"] == "社区食堂开门迎客"
    assert record["source"]["uri"] == str(path)
    assert record["source"]["bytes"] == path.stat().st_size
    assert record["source"]["encoding"].lower() in {"gb18030", "gbk", "gb2312"}


def test_an_empty_document_raises_document_error_with_the_reject() -> None:
    with pytest.raises(docexport.DocumentError) as caught:
        docexport.parse("  \n\n ")
    assert caught.value.reject.stage == "parse"
    assert caught.value.reject.reason == "empty"


def test_the_year_comes_from_the_option_then_the_metadata(seed_text: str) -> None:
    assert docexport.parse(seed_text)["dateline"]["year"] is None  # never invented
    dated = docexport.parse(seed_text, year=2021)["dateline"]
    assert (dated["year"], dated["date"]) == (2021, "2021-11-05")
    assert year_from_metadata({"date": "2021-11-06 08:00"}) == 2021
    assert year_from_metadata({"url": "http://news.sohu.com/20120612/n345.shtml"}) == 2012
    assert year_from_metadata({"url": "http://a.b/c?id=123456"}) is None


def test_no_enrich_leaves_tokens_null_and_entities_empty(seed_text: str) -> None:
    record = docexport.parse(seed_text, enrich=False)
    assert record["tokens"] is None
    assert record["entities"] == {"persons": [], "places": [], "organizations": []}
    assert docexport.validate_record(record) == []


def test_a_crashing_stage_costs_one_reject_not_the_run(monkeypatch: pytest.MonkeyPatch) -> None:
    processor = DocumentProcessor(Options(enrich=False))

    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("docexport.pipeline.parse_article", explode)
    result = processor(Source(uri="x.txt", data="标题\n正文。".encode()))
    assert isinstance(result, Reject)
    assert (result.stage, result.reason) == ("parse", "internal_error")
    assert "boom" in result.detail


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"script": "cyrillic"}, "script must be one of"),
        ({"skip": ("no_such_pass",)}, "unknown normalise pass"),
        ({"segmenter": "thulac"}, "segmenter must be one of"),
        ({"year": 98}, "four-digit year"),
        ({"colour": "red"}, "unknown option colour"),
        ({"user_dict": "/no/such/dict.txt"}, "not a readable file"),
    ],
)
def test_bad_options_raise_option_error(options: dict, message: str) -> None:
    with pytest.raises(docexport.OptionError, match=message):
        docexport.parse("标题\n正文。", **options)
