"""The per-document function and the library calls built on it."""

from __future__ import annotations

import random
from pathlib import Path

import orjson
import pytest

import docexport
from docexport import pipeline
from docexport.data import Reject, Source
from docexport.dedup import Deduper
from docexport.enrich import Enricher
from docexport.pipeline import (
    Announcer,
    DocumentProcessor,
    Options,
    Repeat,
    convert,
    year_from_metadata,
)
from docexport.write.parquet import reduce_batch_as_ipc

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


def test_parse_file_reads_a_container_holding_one_document_as_convert_does(
    tmp_path: Path,
) -> None:
    line = {
        "title": "标题",
        "text": "新华社北京1月5日电 今天天气很好。",
        "url": "http://x/19980105/a",
    }
    single = tmp_path / "one.jsonl"
    single.write_text(orjson.dumps(line).decode() + "\n", encoding="utf-8")
    record = docexport.parse_file(single)
    assert (record["title"], record["paragraphs"]) == ("标题", [line["text"]])
    assert record["source"]["line"] == 1
    assert record["source"]["metadata"] == [
        {"key": "title", "value": "标题"},
        {"key": "url", "value": "http://x/19980105/a"},
    ]
    assert record["dateline"]["year"] == 1998  # from the url, as convert takes it
    convert([single], tmp_path / "out", formats=["jsonl"], near_dedup=False)
    (written,) = (tmp_path / "out" / "data").glob("*.jsonl")
    assert orjson.loads(written.read_bytes()) == record
    dump = tmp_path / "one.dat"
    dump.write_text(
        "<doc>\n<url>http://news.sohu.com/20120612/n1.shtml</url>\n"
        "<contenttitle>公安机关销毁非法枪支</contenttitle>\n<content>今天上午，统一销毁活动启动。</content>\n</doc>\n",
        encoding="gb18030",
    )
    sogou = docexport.parse_file(dump)
    assert (sogou["title"], sogou["source"]["line"]) == ("公安机关销毁非法枪支", 1)
    assert sogou["source"]["encoding"] in {"gbk", "gb18030"}


def test_sogou_s_paragraph_mark_breaks_the_body_into_its_lines(tmp_path: Path) -> None:
    # SogouCS keeps a body on one line and marks its paragraph breaks with U+E40C (as in the
    # sample's 康师傅 article, shortened): the deck, the credit and each paragraph are found.
    dump = tmp_path / "sohu.dat"
    body = "\ue40c".join(
        [
            "就废弃茶叶被转手事件发声明",
            "本报讯（记者刘俊）　“我们也是受害者！”昨日，有媒体报道称废弃茶叶被转手。",
            "康师傅方面表示，将追究下家的责任。",
        ]
    )
    dump.write_text(
        f"<doc>\n<contenttitle>康师傅回应转卖废弃茶叶</contenttitle>\n<content>{body}</content>\n"
        "</doc>\n",
        encoding="utf-8",
    )
    record = docexport.parse_file(dump)
    assert record["subtitle"] == "就废弃茶叶被转手事件发声明"
    assert [author["name"] for author in record["byline"]["authors"]] == ["刘俊"]
    assert record["paragraphs"] == [
        "本报讯（记者刘俊）　“我们也是受害者！”昨日，有媒体报道称废弃茶叶被转手。",
        "康师傅方面表示，将追究下家的责任。",
    ]
    assert "\ue40c" not in record["text"] and record["repairs"]["cleanup"] == 2


@pytest.mark.parametrize(
    ("name", "data", "needle"),
    [
        ("two.jsonl", b'{"text": "\xe4\xb8\x80"}\n{"text": "\xe4\xba\x8c"}\n', "more than one"),
        ("none.json", b"[]", "no document"),
    ],
)
def test_parse_file_of_a_container_without_exactly_one_document_says_so(
    tmp_path: Path, name: str, data: bytes, needle: str
) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(docexport.InputError, match=needle):
        docexport.parse_file(path)


def test_parse_file_of_a_record_that_cannot_be_read_raises_its_reject(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"text": 5}\n', encoding="utf-8")
    with pytest.raises(docexport.DocumentError) as caught:
        docexport.parse_file(path)
    assert (caught.value.reject.stage, caught.value.reject.reason) == ("read", "text_not_string")


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


def test_a_title_the_source_names_stays_the_title_whatever_it_reads_like(
    tmp_path: Path,
) -> None:
    """A first line with a full stop opens the body of a plain text (a brief without a
    headline), but a JSON record's own ``title`` is its title."""
    line = {"title": "新华社北京1月15日电。", "text": "会议今天开幕。"}
    (tmp_path / "one.jsonl").write_text(orjson.dumps(line).decode() + "\n", encoding="utf-8")
    (tmp_path / "one.txt").write_text("新华社北京1月15日电。\n会议今天开幕。\n", encoding="utf-8")
    titled = docexport.parse_file(tmp_path / "one.jsonl")
    assert (titled["title"], titled["paragraphs"]) == ("新华社北京1月15日电。", ["会议今天开幕。"])
    plain = docexport.parse_file(tmp_path / "one.txt")
    assert plain["title"] == ""
    assert plain["paragraphs"] == ["新华社北京1月15日电。", "会议今天开幕。"]


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


# -- exact repeats skip enrichment -------------------------------------------------------------


def test_a_known_id_makes_the_processor_return_a_repeat(seed_text: str) -> None:
    processor = DocumentProcessor()
    source = Source(uri="again.txt", data=seed_text.encode("utf-8"))
    record = processor(source)
    assert isinstance(record, dict)
    assert processor(source, known=set()) == record  # nothing known: the record as always
    repeat = processor(source, known={record["id"]})
    assert isinstance(repeat, Repeat)
    assert repeat.id == record["id"]
    assert repeat.source == {
        "uri": "again.txt",
        "line": None,
        "sha256": record["source"]["sha256"],
    }


def _mixed_sources(seed_text: str) -> list[Source]:
    damaged = seed_text.replace("记者", "記者").replace("报道", "報(bào)道")
    return [
        Source(uri="seed.txt", data=seed_text.encode("utf-8")),
        Source(uri="picture.txt", data=b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"),
        Source(uri="empty.txt", data=b"   \n"),
        Source(uri="damaged.txt", data=damaged.encode("utf-8")),
        Source(uri="gbk.txt", data="新华社北京电\n今天天气很好，市民出行踊跃。".encode("gbk")),
        Source(uri="again.txt", data=seed_text.encode("utf-8")),
    ]


def test_a_batch_gives_what_one_document_at_a_time_gives(seed_text: str) -> None:
    processor = DocumentProcessor()
    sources = _mixed_sources(seed_text)
    one_by_one = [processor(source) for source in sources]
    assert processor.process_many(sources) == one_by_one
    assert [type(r).__name__ for r in one_by_one] == ["dict", "Reject", "Reject", *["dict"] * 3]
    seed_id = one_by_one[0]["id"]  # type: ignore[index]
    known = processor.process_many(sources, known={seed_id})
    assert [isinstance(r, Repeat) for r in known] == [True, False, False, True, False, True]
    assert known[1:3] == one_by_one[1:3] and known[4] == one_by_one[4]


def test_a_crash_in_a_batch_costs_that_document_only(
    seed_text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    processor = DocumentProcessor()
    sources = _mixed_sources(seed_text)
    expected = processor.process_many(sources)
    # Either step of the enrichment: an article's own, or the keywords weighed for the batch.
    segment = Enricher._without_keywords
    keywords = Enricher._keywords_many

    def explode_on_gbk(self: Enricher, article: object) -> object:
        if "踊跃" in "".join(article.paragraphs):  # type: ignore[attr-defined]
            raise RuntimeError("boom")
        return segment(self, article)  # type: ignore[arg-type]

    def explode_on_its_words(self: Enricher, articles: list[list[str]]) -> object:
        if any("踊跃" in words for words in articles):
            raise RuntimeError("boom")
        return keywords(self, articles)

    steps = {"_without_keywords": explode_on_gbk, "_keywords_many": explode_on_its_words}
    for step, explode in steps.items():
        with monkeypatch.context() as patched:
            patched.setattr(Enricher, step, explode)
            results = processor.process_many(sources)
        assert isinstance(results[4], Reject), step
        assert (results[4].stage, results[4].reason) == ("enrich", "internal_error")
        assert "RuntimeError in enrich: boom" in results[4].detail
        assert results[:4] + results[5:] == expected[:4] + expected[5:], step


def test_repeats_within_one_batch_write_what_one_at_a_time_writes(
    seed_text: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Documents go a batch at a time, and the deduper hears of a batch's records only after
    it: a repeat of a document in the same batch goes the long way, with the same result."""
    root = tmp_path / "in"
    root.mkdir()
    for i, source in enumerate(_mixed_sources(seed_text) * 3):
        (root / f"{i:03d}.txt").write_bytes(source.data)
    options = {"formats": ["parquet", "jsonl", "csv"], "jobs": 1}
    batched = convert([root], tmp_path / "batched", **options)
    monkeypatch.setattr(pipeline, "batches", lambda items: ([item] for item in items))
    single = convert([root], tmp_path / "single", **options)
    # Seed and GBK kept once; their repeats are duplicates; binary and blank rejected.
    assert (batched.records, batched.duplicates, batched.rejects) == (2, 10, 6)
    assert (single.records, single.duplicates, single.rejects) == (2, 10, 6)
    for name in (
        "rejects.jsonl",
        *(f"data/{p.name}" for p in (tmp_path / "single/data").iterdir()),
    ):
        assert (tmp_path / "batched" / name).read_bytes() == (
            tmp_path / "single" / name
        ).read_bytes()


def test_the_announcer_sends_what_was_kept_since_overlap_batches_ago() -> None:
    deduper = Deduper(near=False)
    announcer = Announcer(deduper, overlap=2)
    assert announcer.news() == []
    for record_id in ("a", "b"):
        deduper.check({"id": record_id, "text": ""})
    assert announcer.news() == ["a", "b"]  # the first two batches hear everything
    deduper.check({"id": "c", "text": ""})
    deduper.check({"id": "a", "text": ""})  # a repeat is not kept twice
    assert announcer.news() == ["a", "b", "c"]  # since two submissions ago: from the start
    assert announcer.news() == ["c"]
    assert announcer.news() == []
    assert Announcer(None).news() is None  # dedup off: workers are told nothing


def _count_enrich_calls(monkeypatch: pytest.MonkeyPatch, log: Path) -> None:
    """Make every article Enricher segments append a line to ``log`` (forked workers inherit
    it): its per-article step, which Enricher.enrich and Enricher.enrich_many both take."""
    segment = Enricher._without_keywords

    def counted(self: Enricher, article: object) -> object:
        with log.open("a", encoding="utf-8") as handle:
            handle.write("x\n")
        return segment(self, article)  # type: ignore[arg-type]

    monkeypatch.setattr(Enricher, "_without_keywords", counted)


@pytest.fixture(scope="module")
def far_repeats(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Distinct articles, then a second folder repeating the first 60 of them (a damaged
    scrape of each: traditional script and glued pinyin, which normalise repairs away)."""
    root = tmp_path_factory.mktemp("repeats")
    (root / "a").mkdir()
    (root / "b").mkdir()
    body = "今年以来全市重点项目建设进展顺利，一批交通和民生工程提前开工。"
    for i in range(700):
        text = f"第{i}号项目通报\n本报讯 {body}项目编号{i * 7919}。\n"
        (root / "a" / f"{i:04d}.txt").write_text(text, encoding="utf-8")
        if i < 60:
            damaged = text.replace("项目", "項目").replace("建设", "建設").replace("报", "報(bào)")
            (root / "b" / f"{i:04d}.txt").write_text(damaged, encoding="utf-8")
    return root


@pytest.mark.parametrize("jobs", [1, 2])
def test_exact_repeats_are_not_enriched_and_the_output_does_not_change(
    far_repeats: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: int
) -> None:
    log = tmp_path / "enrich.log"
    _count_enrich_calls(monkeypatch, log)
    options = {"formats": ["parquet", "jsonl", "csv"], "near_dedup": False}
    report = convert([far_repeats], tmp_path / "out", jobs=jobs, **options)
    assert (report.records, report.duplicates, report.rejects) == (700, 60, 0)
    calls = len(log.read_text().splitlines())
    if jobs == 1:
        assert calls == 700  # every repeat was recognised before enrichment
    else:  # the workers hear of kept ids a few batches late, and only then skip
        assert 700 <= calls < 760
    rejects = [orjson.loads(line) for line in (tmp_path / "out" / "rejects.jsonl").open("rb")]
    assert {(r["stage"], r["reason"]) for r in rejects} == {("duplicate", "exact")}
    assert rejects[0]["source"]["uri"].endswith("b/0000.txt")
    assert rejects[0]["duplicate_of"] == rejects[0]["detail"].split()[-1]
    # Exactly what a run that enriches the repeats (dedup after the record) writes.
    monkeypatch.setattr(pipeline.DocumentProcessor, "process_many", _without_shortcut)
    convert([far_repeats], tmp_path / "full", jobs=1, **options)
    assert len(log.read_text().splitlines()) == calls + 760  # this run enriched every repeat
    for name in ("rejects.jsonl",):
        assert (tmp_path / "out" / name).read_bytes() == (tmp_path / "full" / name).read_bytes()
    for path in sorted((tmp_path / "full" / "data").iterdir()):
        assert (tmp_path / "out" / "data" / path.name).read_bytes() == path.read_bytes()


_FULL_MANY = pipeline.DocumentProcessor.process_many


def _without_shortcut(
    self: DocumentProcessor, sources: list[Source], known: object = None
) -> object:
    return _FULL_MANY(self, sources, None)


@pytest.mark.parametrize("jobs", [1, 2])
def test_with_near_dedup_a_repeat_of_a_near_duplicate_still_goes_the_long_way(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: int
) -> None:
    """Only ids of kept records are known: the exact copy of a document dropped as a near
    duplicate is checked the long way, and is a near duplicate of the same record again."""
    root = tmp_path / "in"
    root.mkdir()
    body = "今年以来全市重点项目建设进展顺利，一批交通、水利和民生工程提前开工，投资稳步增长。"
    texts = [f"第{i}号工程简报\n本报讯 {body}{_distinct(i)}。\n" for i in range(pipeline.SMALL_RUN)]
    edited = texts[0].replace("顺利", "顺当", 1)  # one character: a near duplicate of the first
    for i, text in enumerate([*texts, edited, texts[0], edited]):
        (root / f"{i:04d}.txt").write_text(text, encoding="utf-8")
    options = {"formats": ["parquet", "jsonl"], "near_dedup": True}
    convert([root], tmp_path / "out", jobs=jobs, **options)
    monkeypatch.setattr(pipeline.DocumentProcessor, "process_many", _without_shortcut)
    convert([root], tmp_path / "full", jobs=1, **options)
    rejects = (tmp_path / "out" / "rejects.jsonl").read_bytes()
    assert rejects == (tmp_path / "full" / "rejects.jsonl").read_bytes()
    tail = [orjson.loads(line) for line in rejects.splitlines()[-3:]]
    assert [r["reason"] for r in tail] == ["near", "exact", "near"]
    assert len({r["duplicate_of"] for r in tail}) == 1  # all three name the first record
    for path in sorted((tmp_path / "full" / "data").iterdir()):
        assert (tmp_path / "out" / "data" / path.name).read_bytes() == path.read_bytes()


def _distinct(seed: int) -> str:
    """300 random common Han characters, different for each seed (no near duplicates)."""
    rng = random.Random(seed)
    return "".join(chr(rng.randrange(0x4E00, 0x9000)) for _ in range(300))


def _registered_reducer() -> bool:
    from multiprocessing.reduction import ForkingPickler

    import pyarrow as pa

    return ForkingPickler._extra_reducers.get(pa.RecordBatch) is reduce_batch_as_ipc


def test_workers_send_arrow_batches_as_ipc() -> None:
    from concurrent.futures import ProcessPoolExecutor

    options = Options(enrich=False)
    with ProcessPoolExecutor(1, initializer=pipeline._init_worker, initargs=(options,)) as pool:
        assert pool.submit(_registered_reducer).result() is True


def _write_to_stderr() -> bool:
    import sys

    sys.stderr.write("Process ForkProcess-2:\n")
    sys.stderr.flush()
    return True


def test_a_worker_writes_nothing_to_stderr(capfd: pytest.CaptureFixture[str]) -> None:
    """What multiprocessing prints when a pool is torn down under a worker (the first line of
    a traceback, then the worker is killed) must not reach the user's terminal beside the
    parent's one-line error."""
    from concurrent.futures import ProcessPoolExecutor

    options = Options(enrich=False)
    with ProcessPoolExecutor(1, initializer=pipeline._init_worker, initargs=(options,)) as pool:
        assert pool.submit(_write_to_stderr).result() is True
    assert "ForkProcess" not in capfd.readouterr().err


def _signal_state() -> tuple[bool, bool, bool]:
    import signal

    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, [])
    return (
        signal.getsignal(signal.SIGTERM) == signal.SIG_DFL,
        signal.SIGTERM in blocked,
        signal.SIGINT in blocked,
    )


def test_a_worker_takes_the_signals_once_ready_and_the_parent_gets_its_mask_back() -> None:
    """A worker forked inside ``_submit`` starts with SIGINT and SIGTERM held back (so the
    parent's handlers, the CLI's SIGTERM raising KeyboardInterrupt, never run in it); once
    ``_init_worker`` has run, SIGTERM has its default action and neither is blocked, and the
    parent's own mask is as it was."""
    import signal
    from concurrent.futures import ProcessPoolExecutor

    previous = signal.signal(signal.SIGTERM, lambda signum, frame: None)  # like the CLI's
    try:
        options = Options(enrich=False)
        with ProcessPoolExecutor(1, initializer=pipeline._init_worker, initargs=(options,)) as pool:
            future = pipeline._submit(pool, [])
            assert future.result() == []
            assert pool.submit(_signal_state).result() == (True, False, False)
        assert signal.SIGTERM not in signal.pthread_sigmask(signal.SIG_BLOCK, [])  # parent
    finally:
        signal.signal(signal.SIGTERM, previous)
