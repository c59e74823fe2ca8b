"""build_record: the record's layout, id, statistics, quality flags and provenance.

The stage inputs are built by hand from the data.py dataclasses (``seed_parts``) so these tests do
not depend on normalise, parse or enrich; test_schema and test_validate reuse the same builders.
"""

from __future__ import annotations

import dataclasses
import hashlib
from typing import Any

import pytest

from docexport.data import (
    REPAIR_KEYS,
    Article,
    Author,
    Byline,
    Dateline,
    Enrichment,
    NormaliseResult,
    Source,
)
from docexport.record import (
    DAMAGE_KEYS,
    QUALITY_FLAGS,
    SHORT_BODY_CHARACTERS,
    build_record,
    content_id,
    count_han,
    count_sentences,
)
from docexport.schema import csv_columns, load_schema

# The seed article, repaired by hand (shortened to two body paragraphs).
SEED_TITLE = "杨林兴：精准防控严防死守 坚决打赢疫情防控阻击战攻坚战持久战"
SEED_SUBTITLE = "市委应对新冠肺炎疫情工作领导小组召开会议 余先河主持 鞠丽出席"
SEED_PARAGRAPHS = (
    "11月5日下午，市委应对新冠肺炎疫情工作领导小组召开会议，传达党中央、国务院和省委、"
    "省政府近期疫情防控有关会议精神，安排部署泸州市下一阶段疫情防控工作。"
    "市委书记、领导小组组长杨林兴出席会议并讲话。",
    "杨林兴强调，全市各级各部门要充分认识当前疫情防控面临的严峻形势，坚持人民至上、"
    "生命至上，始终保持清醒头脑，全面进入应急状态，扎实抓好“外防输入、内防反弹”各项工作。",
)
SEED_BYLINE = "泸州日报记者 朱虹"
SEED_REPAIRS = {
    "cleanup": 1,
    "fullwidth_folded": 0,
    "pinyin_removed": 250,
    "lost_recovered": 2,
    "commas_collapsed": 80,
    "punctuation_widened": 120,
    "characters_converted": 900,
    "mojibake_found": 3,
    "mojibake_repaired": 2,
    "replacement_characters": 1,
}


def seed_parts(**overrides: Any) -> dict[str, Any]:
    """Keyword arguments for build_record describing the (repaired) seed article."""
    lines = (SEED_TITLE, SEED_SUBTITLE, *SEED_PARAGRAPHS, SEED_BYLINE)
    parts: dict[str, Any] = {
        "source": Source(
            uri="seeds/000_6cb851ef0d431e0c.txt",
            data="\n".join(lines).encode("utf-8"),
            metadata={"url": "http://example.com/a/1", "page": 2},
        ),
        "encoding": "utf-8",
        "normalised": NormaliseResult(
            text="\n".join(lines),
            repairs=SEED_REPAIRS,
            script_detected="Hant",
            script_output="Hans",
            flags=("mojibake", "lost_characters"),
        ),
        "article": Article(
            title=SEED_TITLE,
            subtitle=SEED_SUBTITLE,
            dateline=Dateline(raw="11月5日下午", month=11, day=5, time_of_day="下午"),
            byline=Byline(raw=SEED_BYLINE, outlet="泸州日报", authors=(Author("朱虹", "记者"),)),
            paragraphs=SEED_PARAGRAPHS,
            lines=lines,
        ),
        "enrichment": Enrichment(
            tokens=("杨林兴", "：", "精准", "防控"),
            persons=("杨林兴", "余先河", "鞠丽"),
            places=("泸州市",),
            organizations=("市委", "国务院"),
            keywords=("疫情", "防控"),
        ),
    }
    parts.update(overrides)
    return parts


def seed_record(**overrides: Any) -> dict[str, Any]:
    return build_record(**seed_parts(**overrides))


def minimal_parts(**overrides: Any) -> dict[str, Any]:
    """A document with every optional part missing: no subtitle, dateline, byline, enrichment."""
    text = "短讯\n今天有雨。"
    parts: dict[str, Any] = {
        "source": Source(uri="-", data=text.encode("utf-8")),
        "encoding": None,
        "normalised": NormaliseResult(
            text=text,
            repairs=dict.fromkeys(REPAIR_KEYS, 0),
            script_detected="Hans",
            script_output="Hans",
        ),
        "article": Article(
            title="短讯",
            subtitle=None,
            dateline=None,
            byline=None,
            paragraphs=("今天有雨。",),
            lines=("短讯", "今天有雨。"),
        ),
        "enrichment": None,
    }
    parts.update(overrides)
    return parts


def article_with(paragraphs: tuple[str, ...], **fields: Any) -> Article:
    """The seed article with other body paragraphs (text lines follow)."""
    base = seed_parts()["article"]
    lines = (base.title, *paragraphs)
    return dataclasses.replace(base, paragraphs=paragraphs, lines=lines, **fields)


# --- layout -------------------------------------------------------------------------------------


def test_keys_come_out_in_schema_order_at_every_level() -> None:
    record = seed_record()
    schema = load_schema()
    assert tuple(record) == csv_columns()
    for name, node in schema["properties"].items():
        if "properties" in node:
            assert list(record[name]) == list(node["properties"]), name
    assert list(record["byline"]["authors"][0]) == ["name", "role"]
    assert list(record["source"]["metadata"][0]) == ["key", "value"]


def test_seed_record_carries_the_parts_it_was_built_from() -> None:
    record = seed_record()
    assert record["schema_version"] == "1.0"
    assert record["title"] == SEED_TITLE
    assert record["subtitle"] == SEED_SUBTITLE
    assert record["paragraphs"] == list(SEED_PARAGRAPHS)
    assert record["text"] == "\n".join((SEED_TITLE, SEED_SUBTITLE, *SEED_PARAGRAPHS, SEED_BYLINE))
    assert record["text"].startswith(SEED_TITLE + "\n")
    assert record["dateline"] == {
        "raw": "11月5日下午",
        "year": None,
        "month": 11,
        "day": 5,
        "date": None,
        "time_of_day": "下午",
        "place": None,
    }
    assert record["byline"] == {
        "raw": SEED_BYLINE,
        "outlet": "泸州日报",
        "authors": [{"name": "朱虹", "role": "记者"}],
    }
    assert record["entities"] == {
        "persons": ["杨林兴", "余先河", "鞠丽"],
        "places": ["泸州市"],
        "organizations": ["市委", "国务院"],
    }
    assert record["keywords"] == ["疫情", "防控"]
    assert record["tokens"] == ["杨林兴", "：", "精准", "防控"]
    assert record["script"] == {"detected": "Hant", "output": "Hans"}
    assert record["repairs"] == SEED_REPAIRS


def test_repairs_follow_repair_keys_order_whatever_order_normalise_used() -> None:
    shuffled = dict(reversed(list(SEED_REPAIRS.items())))
    normalised = dataclasses.replace(seed_parts()["normalised"], repairs=shuffled)
    record = seed_record(normalised=normalised)
    assert list(record["repairs"]) == list(REPAIR_KEYS)
    assert record["repairs"] == SEED_REPAIRS


def test_a_missing_repair_counter_is_not_papered_over_with_zero() -> None:
    # The validator must see the hole (and reject the record), not a made-up count.
    repairs = {key: 0 for key in REPAIR_KEYS if key != "pinyin_removed"}
    normalised = dataclasses.replace(seed_parts()["normalised"], repairs=repairs)
    assert "pinyin_removed" not in seed_record(normalised=normalised)["repairs"]


def test_enrichment_switched_off_gives_null_tokens_and_empty_lists() -> None:
    record = seed_record(enrichment=None)
    assert record["tokens"] is None
    assert record["stats"]["tokens"] is None
    assert record["entities"] == {"persons": [], "places": [], "organizations": []}
    assert record["keywords"] == []


def test_tokenisation_off_but_entities_on_keeps_the_entities() -> None:
    enrichment = Enrichment(tokens=None, persons=("朱虹",))
    record = seed_record(enrichment=enrichment)
    assert record["tokens"] is None
    assert record["stats"]["tokens"] is None
    assert record["entities"]["persons"] == ["朱虹"]


def test_missing_optional_parts_are_null() -> None:
    record = build_record(**minimal_parts())
    assert record["subtitle"] is None
    assert record["dateline"] is None
    assert record["byline"] is None
    assert record["source"]["encoding"] is None
    assert record["source"]["line"] is None
    assert record["source"]["metadata"] == []


# --- id -----------------------------------------------------------------------------------------


def test_id_is_sha256_of_title_and_paragraphs_one_per_line() -> None:
    payload = SEED_TITLE + "\n" + SEED_PARAGRAPHS[0] + "\n" + SEED_PARAGRAPHS[1]
    expected = hashlib.sha256(payload.encode("utf-8")).hexdigest()[:32]
    assert seed_record()["id"] == expected
    assert content_id(SEED_TITLE, SEED_PARAGRAPHS) == expected


@pytest.mark.parametrize(
    "overrides",
    [
        {"source": Source(uri="other.jsonl", data=b"{}", line=7)},
        {"encoding": "gb18030"},
        {"enrichment": None},
        {"article": dataclasses.replace(seed_parts()["article"], subtitle=None, byline=None)},
    ],
    ids=["other-source", "other-encoding", "no-enrichment", "no-subtitle-or-byline"],
)
def test_same_title_and_body_give_the_same_id(overrides: dict[str, Any]) -> None:
    assert seed_record(**overrides)["id"] == seed_record()["id"]


@pytest.mark.parametrize(
    "article",
    [
        dataclasses.replace(seed_parts()["article"], title=SEED_TITLE + "！"),
        article_with((SEED_PARAGRAPHS[0],)),
        article_with((SEED_PARAGRAPHS[0] + SEED_PARAGRAPHS[1],)),
        article_with((SEED_PARAGRAPHS[1], SEED_PARAGRAPHS[0])),
    ],
    ids=["title-changed", "paragraph-dropped", "paragraphs-merged", "paragraphs-swapped"],
)
def test_a_different_title_or_body_gives_a_different_id(article: Article) -> None:
    assert seed_record(article=article)["id"] != seed_record()["id"]


# --- stats --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("泸州日报", 4),
        ("泸州日报 2021年11月5日，鞠丽出席。", 11),  # digits, space and CJK punctuation are not Han
        ("「」『』。、，：；！？（）《》〈〉【】…—", 0),  # CJK punctuation blocks
        ("ＡＢＣ１２３abc", 0),  # full-width and ASCII alphanumerics
        ("\u3400\u4db5", 2),  # CJK Extension A (below and above U+4000)
        ("\uf900\ufa6d", 2),  # CJK Compatibility Ideographs
        ("\U00020000\U0002a6d6\U00030000", 3),  # CJK Extensions B and G
        ("\u4dc0\u4dff", 0),  # Yijing hexagram symbols sit between Han blocks but are not Han
        ("ひらがなカタカナ한글", 0),  # other East Asian scripts
        ("", 0),
    ],
)
def test_count_han(text: str, expected: int) -> None:
    assert count_han(text) == expected


@pytest.mark.parametrize(
    ("paragraphs", "expected"),
    [
        (["今天有雨。"], 1),
        (["今天有雨。明天晴。"], 2),
        (["他说：“好。”然后走了"], 2),  # closer after the full stop; unterminated tail
        (["真的吗？！是的。"], 2),  # a run of punctuation ends one sentence
        (["标题没有句号", "正文。"], 2),  # a paragraph without final punctuation is one sentence
        (["他问：“来吗？”"], 1),
        (["冷链食品防控?确保所有产品可追溯。"], 1),  # a lost-character '?' inside Han text
        (["Is it true? Yes!"], 2),  # ASCII ? ! before a space or the end
        (["版本3.5发布，价格1,200元。"], 1),  # decimal point and thousands separator
        (["他说……"], 1),
        (["他走了。。"], 1),  # a doubled full stop is one sentence end
        (["好！！！"], 1),
        ([], 0),
    ],
)
def test_count_sentences(paragraphs: list[str], expected: int) -> None:
    assert count_sentences(paragraphs) == expected


def test_stats_of_the_seed_record() -> None:
    record = seed_record()
    stats = record["stats"]
    assert stats["characters"] == len(record["text"])
    assert stats["han_characters"] == count_han(record["text"])
    assert stats["tokens"] == 4
    assert stats["paragraphs"] == 2
    # Paragraph 1 ends two sentences (…工作。 …讲话。), paragraph 2 one (…工作。).
    assert stats["sentences"] == 3


def test_stats_of_a_small_document_counted_by_hand() -> None:
    record = build_record(**minimal_parts())
    # "短讯\n今天有雨。": 8 code points with the newline, 6 Han, one sentence.
    assert record["stats"] == {
        "characters": 8,
        "han_characters": 6,
        "tokens": None,
        "paragraphs": 1,
        "sentences": 1,
    }


# --- quality ------------------------------------------------------------------------------------


def test_a_complete_clean_article_has_no_flags() -> None:
    normalised = dataclasses.replace(
        seed_parts()["normalised"], flags=(), repairs=dict.fromkeys(REPAIR_KEYS, 0)
    )
    record = seed_record(normalised=normalised)
    assert record["quality"]["flags"] == []
    assert record["quality"]["damage_per_1000_characters"] == 0.0


@pytest.mark.parametrize(
    ("change", "flag"),
    [
        ({"title": ""}, "no_title"),
        ({"dateline": None}, "no_dateline"),
        ({"byline": None}, "no_byline"),
    ],
)
def test_missing_parts_raise_their_flag(change: dict[str, Any], flag: str) -> None:
    clean = dataclasses.replace(seed_parts()["normalised"], flags=())
    article = dataclasses.replace(seed_parts()["article"], **change)
    assert seed_record(normalised=clean, article=article)["quality"]["flags"] == [flag]


@pytest.mark.parametrize(
    ("body_characters", "short"),
    [(SHORT_BODY_CHARACTERS - 1, True), (SHORT_BODY_CHARACTERS, False)],
)
def test_short_flag_threshold(body_characters: int, short: bool) -> None:
    # Two paragraphs adding up to the given number of characters.
    first = "雨" * (body_characters // 2 - 1) + "。"
    second = "晴" * (body_characters - len(first) - 1) + "。"
    article = article_with((first, second))
    assert len(first) + len(second) == body_characters
    flags = seed_record(article=article)["quality"]["flags"]
    assert ("short" in flags) is short


def test_normalise_flags_and_own_flags_merge_in_schema_order_without_repeats() -> None:
    normalised = dataclasses.replace(
        seed_parts()["normalised"], flags=("lost_characters", "mojibake", "lost_characters")
    )
    article = dataclasses.replace(seed_parts()["article"], dateline=None, byline=None)
    flags = seed_record(normalised=normalised, article=article)["quality"]["flags"]
    assert flags == ["mojibake", "lost_characters", "no_dateline", "no_byline"]
    assert [flag for flag in QUALITY_FLAGS if flag in flags] == flags


def test_an_unknown_normalise_flag_is_kept_for_the_validator_to_report() -> None:
    normalised = dataclasses.replace(seed_parts()["normalised"], flags=("brand_new",))
    assert seed_record(normalised=normalised)["quality"]["flags"][-1] == "brand_new"


def test_the_schema_names_exactly_the_repairs_that_count_as_damage() -> None:
    description = load_schema()["properties"]["quality"]["properties"][
        "damage_per_1000_characters"
    ]["description"]
    assert set(DAMAGE_KEYS) < set(REPAIR_KEYS)
    assert " + ".join(DAMAGE_KEYS) in description


def test_low_han_ratio_flag_and_ratio() -> None:
    # Title 2 Han; body "Breaking news: 3 killed." = 21 non-space characters, 0 Han.
    article = Article(
        title="快讯",
        subtitle=None,
        dateline=None,
        byline=None,
        paragraphs=("Breaking news: 3 killed.",),
        lines=("快讯", "Breaking news: 3 killed."),
    )
    quality = build_record(**minimal_parts(article=article))["quality"]
    assert quality["han_ratio"] == round(2 / 23, 4)
    assert "low_han_ratio" in quality["flags"]
    assert "low_han_ratio" not in seed_record()["quality"]["flags"]


def test_quality_signals_counted_by_hand() -> None:
    paragraphs = ("今天有雨。", "明天晴。", "今天有雨。", "后天阴。")
    article = article_with(paragraphs)
    normalised = dataclasses.replace(
        seed_parts()["normalised"],
        repairs={**dict.fromkeys(REPAIR_KEYS, 0), "pinyin_removed": 3, "commas_collapsed": 2}
        | {"cleanup": 40, "characters_converted": 50},
    )
    record = seed_record(article=article, normalised=normalised)
    text = record["text"]  # title (30) + 4 paragraphs (5+4+5+4) + 4 newlines = 52
    assert len(text) == 52
    quality = record["quality"]
    # Only the 5 damage repairs count, not cleanup or script conversion.
    assert quality["damage_per_1000_characters"] == round(5 * 1000 / 52, 4)
    assert quality["mean_paragraph_characters"] == 4.5
    assert quality["duplicate_paragraph_ratio"] == 0.25
    # Han: title 28 of its 30 (one space, one ：), body 14; non-space 52 - 4 newlines - 1 space.
    assert quality["han_ratio"] == round(42 / 47, 4)


# --- source -------------------------------------------------------------------------------------


def test_source_describes_the_raw_bytes() -> None:
    data = "泸州日报".encode("gb18030")
    source = Source(uri="in/a.txt", data=data, encoding="ignored-when-decode-knows")
    record = seed_record(source=source, encoding="gb18030")
    assert record["source"] == {
        "uri": "in/a.txt",
        "sha256": hashlib.sha256(data).hexdigest(),
        "bytes": 8,
        "encoding": "gb18030",
        "line": None,
        "metadata": [],
    }


def test_source_encoding_falls_back_to_the_containers() -> None:
    source = Source(uri="a.jsonl", data=b'{"text": "x"}', line=3, text="x", encoding="utf-8")
    record = seed_record(source=source, encoding=None)
    assert record["source"]["encoding"] == "utf-8"
    assert record["source"]["line"] == 3


class _Opaque:
    def __str__(self) -> str:
        return "opaque!"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("http://example.com/新闻", "http://example.com/新闻"),  # strings unchanged
        ("", ""),
        (None, None),
        (42, "42"),
        (2.5, "2.5"),
        (True, "true"),
        (["a", 1, None], '["a",1,null]'),
        ({"作者": "朱虹", "n": 1}, '{"作者":"朱虹","n":1}'),  # compact JSON, Chinese unescaped
        ({1: "x"}, '{"1":"x"}'),
        (_Opaque(), '"opaque!"'),  # JSON-encoded through str()
        (b"\xff", "\"b'\\\\xff'\""),
    ],
)
def test_metadata_values_become_text(value: Any, expected: str | None) -> None:
    source = Source(uri="a.jsonl", data=b"{}", metadata={"field": value})
    assert seed_record(source=source)["source"]["metadata"] == [{"key": "field", "value": expected}]


def test_metadata_keeps_input_order() -> None:
    source = Source(uri="a.jsonl", data=b"{}", metadata={"url": "u", "date": "d", "author": "a"})
    metadata = seed_record(source=source)["source"]["metadata"]
    assert [pair["key"] for pair in metadata] == ["url", "date", "author"]
