"""convert(): a pile of files becomes a dataset that real clients read back (issue #4)."""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import shutil
from pathlib import Path

import orjson
import pyarrow.dataset as pads
import pytest

import docexport
from docexport import pipeline
from docexport.pipeline import convert

DATA = Path(__file__).resolve().parent / "data"
SEEDS = Path(__file__).resolve().parents[1] / "seeds"


def _data_files(out: Path) -> dict[str, str]:
    """Every data file of a dataset with its sha256: what must be byte-identical."""
    return {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted((out / "data").iterdir())
    }


@pytest.fixture(scope="module")
def mixed_inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Good files, an empty one, a binary one, a GBK one, and JSONL with one broken line."""
    root = tmp_path_factory.mktemp("mixed")
    for path in DATA.glob("*.txt"):
        shutil.copy(path, root / path.name)
    shutil.copy(SEEDS / "000_6cb851ef0d431e0c.txt", root / "seed.txt")
    (root / "empty.txt").write_bytes(b"")
    # A PNG saved under a .txt name: read, then rejected by decode as binary.
    (root / "scan.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    (root / "README.md").write_text("# notes about this folder\n")  # not a document: skipped
    lines = [
        {
            "title": "市图书馆延长开放时间",
            "text": "即日起，市图书馆每天开放至晚上九点。\n读者可凭证借阅。",
            "url": "http://example.com/20210301/a.html",
        },
        "{broken json",
        {"text": "夜市经济持续升温\n今年以来，全市新增夜市街区十二条，带动就业三千余人。"},
    ]
    with (root / "feed.jsonl").open("w", encoding="utf-8") as handle:
        for line in lines:
            handle.write(
                (line if isinstance(line, str) else json.dumps(line, ensure_ascii=False)) + "\n"
            )
    return root


@pytest.fixture(scope="module")
def dataset(mixed_inputs: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    out = tmp_path_factory.mktemp("out") / "ds"
    report = convert([mixed_inputs], out, formats=["parquet", "jsonl", "csv"], jobs=1)
    return out, report


def test_every_input_is_a_record_a_duplicate_or_a_reject(dataset: tuple[Path, object]) -> None:
    out, report = dataset
    # 4 hand-written articles + the seed + 2 good JSONL lines; empty, PNG and the broken line.
    assert report.records == 7
    assert report.rejects == 3
    assert report.inputs == report.records + report.duplicates + report.rejects == 10
    assert report.skipped_files == 1  # README.md, reported in the summary, not converted
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    counts = manifest["counts"]
    assert counts["inputs"] == counts["records"] + counts["duplicates"] + counts["rejects"]
    rejects = [json.loads(line) for line in (out / "rejects.jsonl").read_text().splitlines()]
    assert sorted(r["stage"] for r in rejects) == ["decode", "parse", "read"]
    broken = next(r for r in rejects if r["stage"] == "read")
    assert broken["source"]["line"] == 2 and broken["source"]["uri"].endswith("feed.jsonl")


def test_the_summary_line_counts_what_happened(dataset: tuple[Path, object]) -> None:
    _, report = dataset
    line = report.summary()
    assert line.startswith("10 inputs → 7 records, 3 rejects (")
    assert "decode/binary 1" in line and "parse/empty 1" in line and "read/invalid_json 1" in line
    assert "docs/s" in line and "MB/s" in line
    assert "not read: 1 file(s) that are not .txt/.jsonl/.json (" in line
    assert "README.md; --glob '*' reads every file)" in line


def _parquet(out: Path) -> list[str]:
    """The Parquet shards: with several formats in data/, a Parquet reader is pointed at them."""
    return sorted(str(path) for path in (out / "data").glob("*.parquet"))


def test_pyarrow_dataset_reads_the_records_back(dataset: tuple[Path, object]) -> None:
    out, _ = dataset
    table = pads.dataset(_parquet(out), format="parquet").to_table()
    titles = set(table.column("title").to_pylist())
    assert "杨林兴：精准防控严防死守 坚决打赢疫情防控阻击战攻坚战持久战" in titles
    assert "社区食堂开门迎客" in titles  # the GBK file
    assert "全县秋粮喜获丰收" in titles  # traditional converted to simplified


def test_pandas_duckdb_polars_read_the_parquet_without_options(
    dataset: tuple[Path, object],
) -> None:
    duckdb = pytest.importorskip("duckdb")
    pandas = pytest.importorskip("pandas")
    polars = pytest.importorskip("polars")
    out, report = dataset
    pattern = str(out / "data" / "*.parquet")
    assert len(pandas.read_parquet(_parquet(out)[0])) == report.records
    assert duckdb.sql(f"select count(*) from '{pattern}'").fetchall() == [(report.records,)]
    assert polars.read_parquet(pattern).height == report.records


def test_a_parquet_only_dataset_reads_as_a_directory(tmp_path: Path) -> None:
    pandas = pytest.importorskip("pandas")
    out = tmp_path / "ds"
    report = convert([DATA], out, jobs=1)  # the default format: Parquet only
    assert len(pandas.read_parquet(out / "data")) == report.records == 4
    assert pads.dataset(out / "data").count_rows() == 4


def test_hf_datasets_loads_the_directory(dataset: tuple[Path, object]) -> None:
    datasets = pytest.importorskip("datasets")
    out, report = dataset
    loaded = datasets.load_dataset(str(out))
    train = loaded["train"]
    assert train.num_rows == report.records
    assert "杨林兴" in train[0]["text"] or any("杨林兴" in t for t in train["text"])


def test_jsonl_and_csv_hold_the_same_records_as_parquet(dataset: tuple[Path, object]) -> None:
    out, _ = dataset
    parquet_rows = pads.dataset(_parquet(out), format="parquet").to_table().to_pylist()
    jsonl_rows = [
        orjson.loads(line)
        for path in sorted((out / "data").glob("*.jsonl"))
        for line in path.read_bytes().splitlines()
    ]
    assert jsonl_rows == parquet_rows
    raw = b"".join(path.read_bytes() for path in sorted((out / "data").glob("*.csv")))
    assert "杨林兴".encode() in raw  # UTF-8 with Chinese unescaped
    reader = csv.DictReader(io.StringIO(raw.decode("utf-8"), newline=""))
    csv_rows = list(reader)
    assert [row["id"] for row in csv_rows] == [row["id"] for row in parquet_rows]
    for row, expected in zip(csv_rows, parquet_rows, strict=True):
        assert json.loads(row["paragraphs"]) == expected["paragraphs"]
        assert json.loads(row["entities"]) == expected["entities"]
        assert row["text"] == expected["text"]


def test_jsonl_is_utf8_with_chinese_unescaped(dataset: tuple[Path, object]) -> None:
    out, _ = dataset
    data = b"".join(path.read_bytes() for path in (out / "data").glob("*.jsonl"))
    assert "泸州日报".encode() in data and b"\\u" not in data


def test_the_dataset_card_and_schema_are_written(dataset: tuple[Path, object]) -> None:
    out, _ = dataset
    card = (out / "README.md").read_text(encoding="utf-8")
    assert card.startswith("---\n") and "data_files" in card
    schema = json.loads((out / "schema.json").read_text(encoding="utf-8"))
    assert schema == docexport.load_schema()


def test_data_files_are_identical_for_one_and_two_jobs(mixed_inputs: Path, tmp_path: Path) -> None:
    one = convert([mixed_inputs], tmp_path / "one", formats=["parquet", "jsonl", "csv"], jobs=1)
    two = convert([mixed_inputs], tmp_path / "two", formats=["parquet", "jsonl", "csv"], jobs=2)
    assert one.records == two.records
    assert _data_files(tmp_path / "one") == _data_files(tmp_path / "two")
    assert (tmp_path / "one" / "rejects.jsonl").read_bytes() == (
        tmp_path / "two" / "rejects.jsonl"
    ).read_bytes()


def test_compressed_jsonl_inputs_and_outputs(tmp_path: Path) -> None:
    lines = [
        json.dumps(
            {"text": f"第{i}条新闻标题\n这是第{i}条新闻的正文，内容各不相同{i * 7919}。"},
            ensure_ascii=False,
        )
        for i in range(30)
    ]
    (tmp_path / "in.jsonl.gz").write_bytes(gzip.compress("\n".join(lines).encode()))
    report = convert(
        [tmp_path / "in.jsonl.gz"],
        tmp_path / "out",
        formats=["jsonl"],
        jsonl_compression="gz",
        near_dedup=False,
        jobs=1,
    )
    assert report.records == 30
    rows = [
        orjson.loads(line)
        for path in sorted((tmp_path / "out" / "data").glob("*.jsonl.gz"))
        for line in gzip.decompress(path.read_bytes()).splitlines()
    ]
    assert [row["source"]["line"] for row in rows] == list(range(1, 31))


def test_peoples_daily_sample_loses_nothing(pd_dev_articles: list, tmp_path: Path) -> None:
    sample = pd_dev_articles[:300]
    src = tmp_path / "pd"
    src.mkdir()
    for article in sample:
        (src / f"{article.id}.txt").write_text(article.text + "\n", encoding="utf-8")
    report = convert([src], tmp_path / "out", formats=["parquet"], jobs=2)
    assert report.inputs == len(sample)
    assert report.inputs == report.records + report.duplicates + report.rejects
    assert report.records >= 0.95 * len(sample)
    table = pads.dataset(tmp_path / "out" / "data", format="parquet").to_table()
    assert table.num_rows == report.records


@pytest.fixture(scope="module")
def pool_inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """More documents than a run keeps in-process, so ``jobs=2`` really uses worker processes,
    with exact copies, near copies (one character changed) and rejects among them."""
    root = tmp_path_factory.mktemp("pool")
    paragraph = (
        "记者从市发展和改革委员会获悉，今年以来全市重点项目建设进展顺利，"
        "一批交通、水利和民生工程提前开工，完成投资额同比增长百分之十二。"
    )
    for i in range(pipeline.SMALL_RUN + 20):
        text = (
            f"第{i}号项目建设通报\n{paragraph}项目编号{i * 7919}。\n{paragraph}\n本报记者 王{i}\n"
        )
        (root / f"{i:04d}.txt").write_text(text, encoding="utf-8")
        if i % 9 == 0:
            (root / f"{i:04d}-copy.txt").write_text(text, encoding="utf-8")
        if i % 11 == 0:
            (root / f"{i:04d}-edited.txt").write_text(text.replace("顺利", "良好"), "utf-8")
        if i % 13 == 0:
            (root / f"{i:04d}-empty.txt").write_bytes(b"")
    return root


@pytest.mark.parametrize("near_dedup", [True, False])
def test_worker_processes_write_the_same_files_as_one_process(
    pool_inputs: Path, tmp_path: Path, near_dedup: bool
) -> None:
    """Workers send records pre-serialised (and dedup sketches); the parent must write the same
    bytes, drop the same duplicates and describe them the same way as a run in one process."""
    options = {"formats": ["parquet", "jsonl", "csv"], "near_dedup": near_dedup}
    one = convert([pool_inputs], tmp_path / "one", jobs=1, **options)
    two = convert([pool_inputs], tmp_path / "two", jobs=2, **options)
    assert one.inputs == two.inputs > pipeline.SMALL_RUN
    assert (one.records, one.duplicates, one.rejects) == (two.records, two.duplicates, two.rejects)
    assert one.repairs == two.repairs
    assert _data_files(tmp_path / "one") == _data_files(tmp_path / "two")
    rejects = (tmp_path / "two" / "rejects.jsonl").read_bytes()
    assert rejects == (tmp_path / "one" / "rejects.jsonl").read_bytes()
    reasons = {orjson.loads(line)["reason"] for line in rejects.splitlines()}
    assert reasons == ({"exact", "near", "empty"} if near_dedup else {"exact", "empty"})


def test_inputs_without_a_document_leave_no_output_and_name_what_was_passed_over(
    tmp_path: Path,
) -> None:
    """A folder of files the walk passes over is a usage error found before OUT is touched: no
    unfinished run is left behind, and with --overwrite the old dataset stays."""
    folder = tmp_path / "sogou"
    folder.mkdir()
    for name in ("a.dat", "b.dat", "c.dat", "d.dat"):
        (folder / name).write_text("<doc>\n<content>正文。</content>\n</doc>\n", encoding="utf-8")
    with pytest.raises(docexport.InputError) as caught:
        convert([folder], tmp_path / "out")
    message = str(caught.value)
    assert "4 file(s) passed over" in message and f"{folder}/a.dat" in message
    assert "--glob '*'" in message and message.endswith("reads every file")
    assert not (tmp_path / "out").exists()
    old = tmp_path / "old"
    convert([SEEDS], old, formats=["jsonl"])
    before = _data_files(old)
    with pytest.raises(docexport.InputError):
        convert([folder], old, overwrite=True)
    assert _data_files(old) == before and (old / "manifest.json").is_file()
    report = convert([folder], tmp_path / "read", glob=["*.dat"], formats=["jsonl"])
    assert (report.inputs, report.records, report.duplicates) == (4, 1, 3)
