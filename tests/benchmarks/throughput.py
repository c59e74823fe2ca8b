"""Throughput and memory of ``docexport convert`` beside the baselines, in one run (issue #6).

Run from the project root:  ``python tests/benchmarks/throughput.py [--quick]``

It builds a corpus from ``../shared/corpus`` (People's Daily days 1-15, one file per article;
the same articles damaged the way the seed is; ETtoday traditional articles) and measures, on
the same texts, side by side:

(a) bare ``rjieba.tag`` — the one segmentation pass docexport cannot avoid (the floor);
(b) bare ``jieba.posseg.lcut``;
(c) ``docexport convert`` end to end, parquet + jsonl + csv, ``--jobs 1`` and ``--jobs 2``,
    and ``--no-enrich``;
(d) the pipeline a user would write by hand with the same libraries: jieba.posseg, OpenCC, a
    pinyin regex, ``jsonschema.validate`` per record, pandas ``to_parquet``.

It prints docs/s, MB/s, peak RSS (the whole process tree) and the ratios the targets are stated
in. Numbers from one machine are only comparable within the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import corpus  # noqa: E402
from repair_cer import damage_article  # noqa: E402

# The naive pinyin strip a hand-written pipeline would use: any Latin run in brackets.
NAIVE_PINYIN = re.compile(r"\([a-zA-Zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+\)")


@dataclass
class Result:
    name: str
    docs: int
    nbytes: int
    seconds: float
    peak_rss: int | None = None

    @property
    def docs_per_s(self) -> float:
        return self.docs / self.seconds

    @property
    def mb_per_s(self) -> float:
        return self.nbytes / self.seconds / 1e6


def build_corpus(root: Path, *, quick: bool) -> list[Path]:
    """Write the benchmark corpus as one ``.txt`` per article; return the files."""
    import random

    rng = random.Random(20260101)
    articles = list(corpus.peoples_daily())
    if quick:
        articles = articles[:300]
    files: list[Path] = []
    clean_dir, damaged_dir, tw_dir = root / "pd", root / "pd_damaged", root / "ettoday"
    for folder in (clean_dir, damaged_dir, tw_dir):
        folder.mkdir(parents=True)
    for article in articles:
        path = clean_dir / f"{article.id}.txt"
        path.write_text(article.text + "\n", encoding="utf-8")
        files.append(path)
        damaged = damaged_dir / f"{article.id}.txt"
        damaged.write_text(damage_article(article.text, rng) + "\n", encoding="utf-8")
        files.append(damaged)
    ettoday = corpus.corpus_path("tw_news_ettoday_550", "ettoday.news.json")
    if ettoday is not None:
        items = json.loads(ettoday.read_text(encoding="utf-8"))
        for index, item in enumerate(items[:100] if quick else items):
            path = tw_dir / f"{index:04d}.txt"
            path.write_text(f"{item['title']}\n{item['content'].strip()}\n", encoding="utf-8")
            files.append(path)
    return files


def timed(name: str, texts: list[str], func: Callable[[str], object]) -> Result:
    started = time.perf_counter()
    for text in texts:
        func(text)
    seconds = time.perf_counter() - started
    return Result(name, len(texts), sum(len(t.encode()) for t in texts), seconds)


def _tree_rss(pid: int) -> int:
    import psutil

    try:
        parent = psutil.Process(pid)
        procs = [parent, *parent.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0
    total = 0
    for proc in procs:
        try:
            total += proc.memory_info().rss
        except psutil.NoSuchProcess:
            continue
    return total


def run_command(name: str, argv: list[str], docs: int, nbytes: int) -> Result:
    """Run a command, sampling the RSS of its whole process tree every 20 ms."""
    peak = 0
    started = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss(proc.pid))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, stderr = proc.communicate()
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"{name} failed:\n{stderr.decode()}")
    return Result(name, docs, nbytes, seconds, peak)


def convert_argv(inputs: Path, out: Path, *extra: str) -> list[str]:
    return [
        sys.executable, "-m", "docexport", "convert", str(inputs), "--out", str(out),
        "--format", "parquet,jsonl,csv", "--overwrite", "--quiet", *extra,
    ]  # fmt: skip


def hand_written_pipeline(files: list[Path], out: Path) -> None:
    """What a user would write by hand with the same libraries (the (d) baseline)."""
    import jieba.posseg
    import jsonschema
    import opencc
    import pandas

    from docexport.schema import load_schema

    schema = load_schema()
    converter = opencc.OpenCC("t2s.json")
    rows = []
    for path in files:
        text = converter.convert(NAIVE_PINYIN.sub("", path.read_text(encoding="utf-8")))
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        pairs = jieba.posseg.lcut("\n".join(lines[1:]))
        record = {
            "title": lines[0],
            "text": "\n".join(lines),
            "tokens": [p.word for p in pairs],
            "persons": [p.word for p in pairs if p.flag == "nr"],
        }
        # The user validates each record against the contract (here: the parts they filled).
        jsonschema.validate(
            {"title": record["title"], "text": record["text"]},
            {
                "type": "object",
                "properties": {k: schema["properties"][k] for k in ("title", "text")},
            },
        )
        rows.append(record)
    pandas.DataFrame(rows).to_parquet(out / "hand.parquet")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="300 PD articles, 100 ETtoday")
    parser.add_argument("--skip-memory", action="store_true", help="skip the 10x memory runs")
    args = parser.parse_args()
    if corpus.shared_dir() is None:
        raise SystemExit("../shared/corpus is not present: nothing to benchmark")

    import jieba
    import jieba.posseg
    import rjieba

    jieba.setLogLevel(60)
    with tempfile.TemporaryDirectory(prefix="docexport-bench-") as tmp:
        root = Path(tmp)
        files = build_corpus(root / "in", quick=args.quick)
        texts = [path.read_text(encoding="utf-8") for path in files]
        nbytes = sum(path.stat().st_size for path in files)
        docs = len(files)
        print(f"corpus: {docs} documents, {nbytes / 1e6:.2f} MB  ({os.cpu_count()} cores)")

        jieba.initialize()
        rjieba.tag("预热")
        results = {
            "a": timed("(a) bare rjieba.tag", texts, rjieba.tag),
            "b": timed("(b) bare jieba.posseg.lcut", texts, jieba.posseg.lcut),
        }
        (root / "out").mkdir()
        started = time.perf_counter()
        hand_written_pipeline(files, root / "out")
        results["d"] = Result(
            "(d) hand-written pipeline", docs, nbytes, time.perf_counter() - started
        )
        inputs = root / "in"
        results["c1"] = run_command(
            "(c) convert --jobs 1", convert_argv(inputs, root / "c1", "--jobs", "1"), docs, nbytes
        )
        results["c2"] = run_command(
            "(c) convert --jobs 2", convert_argv(inputs, root / "c2", "--jobs", "2"), docs, nbytes
        )
        results["ne"] = run_command(
            "(c) convert --jobs 1 --no-enrich",
            convert_argv(inputs, root / "ne", "--jobs", "1", "--no-enrich"),
            docs,
            nbytes,
        )
        if not args.skip_memory:
            big = root / "in10"
            for copy in range(10):
                for path in files:
                    target = big / f"copy{copy}" / path.relative_to(inputs)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    # A distinct last line keeps every copy a distinct record (no exact dups).
                    target.write_text(path.read_text(encoding="utf-8") + f"（副本{copy}）\n")
            results["m1"] = run_command(
                "(c) convert --jobs 2, 1x corpus (memory)",
                convert_argv(inputs, root / "m1", "--jobs", "2", "--no-near-dedup"),
                docs,
                nbytes,
            )
            results["m10"] = run_command(
                "(c) convert --jobs 2, 10x corpus (memory)",
                convert_argv(big, root / "m10", "--jobs", "2", "--no-near-dedup"),
                docs * 10,
                nbytes * 10,
            )

    print(f"\n{'run':45} {'docs/s':>9} {'MB/s':>7} {'seconds':>8} {'peak RSS':>10}")
    for result in results.values():
        rss = f"{result.peak_rss / 2**20:.0f} MB" if result.peak_rss else "-"
        print(
            f"{result.name:45} {result.docs_per_s:9,.0f} {result.mb_per_s:7.2f} "
            f"{result.seconds:8.2f} {rss:>10}"
        )
    r = results
    print("\ntargets (ratios of docs/s within this run):")
    checks = [
        ("(c) 1 job / (a) rjieba.tag", r["c1"].docs_per_s / r["a"].docs_per_s, ">= 0.4"),
        ("(c) 1 job / (d) hand-written", r["c1"].docs_per_s / r["d"].docs_per_s, ">= 10"),
        ("(c) 2 jobs / (c) 1 job", r["c2"].docs_per_s / r["c1"].docs_per_s, ">= 1.8"),
        ("--no-enrich / enriched (1 job)", r["ne"].docs_per_s / r["c1"].docs_per_s, ">= 3"),
    ]
    if "m10" in r:
        checks.append(
            ("peak RSS 10x / 1x (2 jobs)", r["m10"].peak_rss / r["m1"].peak_rss, "<= 1.1")
        )
        checks.append(("peak RSS 10x, MB", r["m10"].peak_rss / 2**20, "< 600"))
    for label, value, target in checks:
        op, bound = target.split()
        met = (
            value >= float(bound)
            if op == ">="
            else value <= float(bound)
            if op == "<="
            else value < float(bound)
        )
        print(f"  {label:35} {value:8.2f}   target {target:8} {'met' if met else 'NOT MET'}")


if __name__ == "__main__":
    main()
