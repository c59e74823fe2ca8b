"""The Ray runner and the global dedup step, on a local two-CPU Ray instance.

Skipped as a whole when Ray is not installed (it is the ``docexport[ray]`` extra), except the
test of the error a user without it gets.
"""

from __future__ import annotations

import builtins
import hashlib
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from docexport import distributed, pipeline
from docexport.data import Reject, Source
from docexport.errors import DocexportError, MissingExtraError, OptionError
from docexport.pipeline import DocumentProcessor, Options

CITIES = ["北京", "上海", "广州", "成都", "泸州", "重庆", "西安", "南京", "武汉", "杭州", "天津"]
TOPICS = ["社区食堂开门迎客", "新建公园对外开放", "地铁新线开通运营", "冬季供暖全面启动"]


def _article(number: int) -> str:
    """A short, clean news article, different for every number (title, city and figures)."""
    city = CITIES[number % len(CITIES)]
    topic = TOPICS[number % len(TOPICS)]
    return (
        f"{city}{topic}（第{number}期）\n"
        f"11月{number % 28 + 1}日上午，{city}市有关部门介绍，{topic}工作进展顺利，"
        f"共有{number * 37 + 120}名市民参与。\n"
        f"据了解，今年以来{city}已投入资金{number + 3}亿元，惠及群众{number * 11 + 40}万人。\n"
        f"{city}日报记者 王{CITIES[(number + 3) % len(CITIES)][0]}明"
    )


def _sources() -> list[Source | Reject]:
    """Clean articles, a read reject, an empty and a binary document, the seed-like damage."""
    items: list[Source | Reject] = []
    for number in range(12):
        text = _article(number)
        encoding = "gb18030" if number % 5 == 4 else "utf-8"
        items.append(Source(uri=f"doc{number:02d}.txt", data=text.encode(encoding)))
        if number == 3:
            items.append(
                Reject(
                    uri="missing.txt",
                    stage="read",
                    reason="unreadable",
                    detail="the file could not be read.",
                )
            )
        if number == 6:
            items.append(Source(uri="empty.txt", data=b""))
        if number == 8:
            items.append(Source(uri="binary.bin", data=bytes(range(256)) * 4))
    damaged = "瀘州日報(bào)精準(zhǔn)防控\n11月5日下午,市委召開會議,,傳達上級精神。"
    items.append(Source(uri="damaged.txt", data=damaged.encode()))
    return items


pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")  # Ray's own, at import


@pytest.fixture(scope="module")
def ray_local() -> Iterator[Any]:
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    # Ray's default hash shuffle starts aggregator actors (~5 s per group-by here); the task-based
    # sort shuffle gives the same groups in well under a second on these few rows.
    ray.data.DataContext.get_current().shuffle_strategy = "sort_shuffle_pull_based"
    yield ray
    ray.shutdown()


@pytest.fixture(scope="module")
def expected() -> list[tuple[int, int, dict[str, Any] | Reject]]:
    processor = DocumentProcessor(Options())
    out: list[tuple[int, int, dict[str, Any] | Reject]] = []
    for position, item in enumerate(_sources()):
        if isinstance(item, Reject):
            out.append((position, 0, item))
        else:
            out.append((position, len(item.data), processor(item)))
    return out


def test_run_ray_gives_what_the_processor_gives_in_process(ray_local: Any, expected: list) -> None:
    got = list(distributed.run_ray(enumerate(_sources()), Options(), batch_size=3))
    assert got == expected
    kinds = [(r.stage, r.reason) if isinstance(r, Reject) else "record" for _, _, r in expected]
    # The input really is mixed: a read reject passes through, bad documents become rejects.
    assert kinds.count("record") == 13
    assert ("read", "unreadable") in kinds
    assert ("parse", "empty") in kinds
    assert any(kind != "record" and kind[0] == "decode" for kind in kinds)
    repaired = next(
        r for _, _, r in got if isinstance(r, dict) and r["source"]["uri"] == "damaged.txt"
    )
    assert repaired["text"] == "泸州日报精准防控\n11月5日下午，市委召开会议，传达上级精神。"


def test_run_ray_keeps_input_order_and_positions(ray_local: Any) -> None:
    # Positions with gaps (a resumed run skips the committed ones), more batches than the window.
    items = [(position * 3 + 7, source) for position, source in enumerate(_sources())]
    # Three actors on two CPUs: they share the CPUs rather than wait for a third.
    got = list(distributed.run_ray(iter(items), Options(enrich=False), batch_size=1, actors=3))
    assert [position for position, _, _ in got] == [position for position, _ in items]
    sizes = [len(item.data) if isinstance(item, Source) else 0 for _, item in items]
    assert [size for _, size, _ in got] == sizes
    uris = [r["source"]["uri"] if isinstance(r, dict) else r.uri for _, _, r in got]
    assert uris == [item.uri for _, item in items]


def test_run_ray_consumes_its_input_lazily(ray_local: Any) -> None:
    pulled: list[int] = []

    def endless() -> Iterator[tuple[int, Source]]:
        number = 0
        while True:
            pulled.append(number)
            yield number, Source(uri=f"n{number}.txt", data=_article(number).encode())
            number += 1

    results = distributed.run_ray(endless(), Options(enrich=False), batch_size=2, actors=1)
    first = [next(results) for _ in range(3)]
    results.close()
    assert [position for position, _, _ in first] == [0, 1, 2]
    # One actor, a window of WINDOW_PER_ACTOR batches of 2: a bounded read-ahead, not the input.
    assert len(pulled) <= 2 * (distributed.WINDOW_PER_ACTOR + 1) + 1


def _data_files(out: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted((out / "data").iterdir())}


def test_convert_on_ray_writes_the_same_dataset_as_a_local_run(
    ray_local: Any, tmp_path: Path
) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    for number, item in enumerate(_sources()):
        if isinstance(item, Source):
            (inputs / f"{number:02d}_{Path(item.uri).stem}.txt").write_bytes(item.data)
    (inputs / "99_copy.txt").write_bytes(_article(2).encode())  # dedup runs in the driver
    local = pipeline.convert([inputs], tmp_path / "local", formats=["parquet", "jsonl"], jobs=1)
    on_ray = pipeline.convert(
        [inputs], tmp_path / "ray", formats=["parquet", "jsonl"], jobs=2, executor="ray"
    )
    assert (local.records, local.duplicates, local.rejects) == (13, 1, 2)
    assert (on_ray.records, on_ray.duplicates, on_ray.rejects) == (13, 1, 2)
    assert _data_files(tmp_path / "ray") == _data_files(tmp_path / "local")
    rejects = (tmp_path / "ray" / "rejects.jsonl").read_bytes()
    assert rejects == (tmp_path / "local" / "rejects.jsonl").read_bytes()


def test_a_worker_that_cannot_start_is_a_one_line_run_error(ray_local: Any, tmp_path: Path) -> None:
    user_dict = tmp_path / "words.txt"
    user_dict.write_text("泸州日报 10 nt\n", encoding="utf-8")
    options = Options(user_dict=str(user_dict))  # checked here, on the driver...
    user_dict.unlink()  # ...but gone where the worker loads it (another node, in real life)
    items = iter([(0, Source(uri="a.txt", data=_article(0).encode()))])
    with pytest.raises(DocexportError, match=r"a Ray worker could not start: .*words\.txt"):
        list(distributed.run_ray(items, options, actors=1))


def test_an_empty_input_yields_nothing(ray_local: Any) -> None:
    assert list(distributed.run_ray(iter([]), Options(), actors=1)) == []


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"batch_size": 0}, "batch_size must be at least 1"), ({"actors": 0}, "actors must be")],
)
def test_bad_sizes_are_option_errors(kwargs: dict, message: str) -> None:
    with pytest.raises(OptionError, match=message):
        next(distributed.run_ray(iter([]), Options(), **kwargs))


def test_without_ray_the_error_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = builtins.__import__

    def no_ray(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "ray" or name.startswith("ray."):
            raise ModuleNotFoundError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_ray)
    with pytest.raises(MissingExtraError, match=r"pip install 'docexport\[ray\]'") as caught:
        distributed.import_ray()
    assert isinstance(caught.value, ImportError)  # generic `except ImportError` still works
    with pytest.raises(MissingExtraError, match=r"pip install 'docexport\[ray\]'"):
        next(distributed.run_ray(iter([]), Options()))
    with pytest.raises(MissingExtraError, match=r"pip install 'docexport\[ray\]'"):
        distributed.dedup_ray(None)


def _closed_port() -> int:
    """A local TCP port nobody listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_an_address_nobody_answers_at_fails_in_seconds() -> None:
    port = _closed_port()
    for address in (f"127.0.0.1:{port}", f"ray://127.0.0.1:{port}"):
        with pytest.raises(DocexportError, match=rf"cannot reach the Ray cluster at {address}"):
            distributed.check_reachable(address, timeout=5)
    with pytest.raises(DocexportError, match="cannot reach"):
        distributed.check_reachable("no-such-host.invalid:6379", timeout=5)


def test_a_listening_head_or_an_address_ray_resolves_passes() -> None:
    with socket.socket() as head:
        head.bind(("127.0.0.1", 0))
        head.listen()
        distributed.check_reachable(f"127.0.0.1:{head.getsockname()[1]}", timeout=5)
    for address in (None, "", "auto", "local", "http://head:8265", "head"):
        distributed.check_reachable(address, timeout=5)


def test_the_cli_refuses_an_unreachable_cluster_before_creating_out(tmp_path: Path) -> None:
    pytest.importorskip("ray")
    out = tmp_path / "dataset"
    seeds = Path(__file__).resolve().parent.parent / "seeds"
    done = subprocess.run(
        [sys.executable, "-m", "docexport", "convert", str(seeds), "--out", str(out),
         "--engine", "ray", "--ray-address", f"127.0.0.1:{_closed_port()}"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("docexport: error: cannot reach the Ray cluster")
    assert not out.exists()


# -- global dedup ----------------------------------------------------------------------------

BASE = (
    "国务院总理李鹏今天在人民大会堂会见了来访的外国客人并就双边关系和共同关心的国际问题交换了意见"
)
OTHER = "中共中央总书记江泽民发表一九九八年新年讲话，祝愿全国各族人民新年快乐，祖国繁荣昌盛"


def _row(position: int, text: str) -> dict[str, Any]:
    return {
        "position": position,
        "id": hashlib.sha256(text.encode()).hexdigest()[:16],
        "text": text,
    }


@pytest.mark.parametrize(
    ("texts", "duplicates"),
    [
        # Nothing repeats: nothing is dropped (negative case).
        ([BASE, OTHER, "短"], {}),
        # Exact copies point at the earliest copy, wherever they are.
        ([OTHER, BASE, OTHER, BASE, OTHER], {2: 0, 3: 1, 4: 0}),
        # A lightly edited reprint is a near duplicate of the first.
        ([BASE, OTHER, BASE + "。"], {2: 0}),
        # The edited version comes first: the original is then the duplicate.
        ([BASE + "。", BASE], {1: 0}),
        # Short texts have no sketch: only an exact copy of them is dropped.
        (["短讯", "短讯", "短讯。"], {1: 0}),
        # An exact copy of a near duplicate points at the record that was kept.
        ([BASE, BASE + "。", BASE + "。"], {1: 0, 2: 0}),
    ],
)
def test_dedup_ray_matches_the_sequential_deduper(
    ray_local: Any, texts: list[str], duplicates: dict[int, int]
) -> None:
    from docexport.dedup import Deduper

    rows = [_row(position, text) for position, text in enumerate(texts)]
    expected = {later: rows[kept]["id"] for later, kept in duplicates.items()}
    dataset = ray_local.data.from_items(rows[::-1])  # order of rows in the dataset is irrelevant
    assert distributed.dedup_ray(dataset) == expected
    deduper = Deduper()
    sequential = {row["position"]: deduper.check(row) for row in rows}
    assert {p: i for p, i in sequential.items() if i is not None} == expected


def test_dedup_ray_without_near_drops_exact_copies_only(ray_local: Any) -> None:
    rows = [_row(0, BASE), _row(1, BASE + "。"), _row(2, BASE)]
    dataset = ray_local.data.from_items(rows)
    assert distributed.dedup_ray(dataset, near=False) == {2: rows[0]["id"]}


def test_dedup_ray_agrees_with_the_deduper_on_reprinted_news(
    ray_local: Any, pd_dev_articles: list
) -> None:
    """People's Daily articles with reprints: exact copies, a changed character, a lost line."""
    from docexport.dedup import Deduper, similarity, sketch

    texts: list[str] = []
    for number, article in enumerate(a for a in pd_dev_articles if len(a.text) > 300):
        if number == 60:
            break
        texts.append(article.text)
        if number % 3 == 0:
            texts.append(article.text)  # the same story twice
        if number % 4 == 0:
            texts.append(article.text.replace("的", "之", 1))  # one character corrected
        if number % 5 == 0 and len(article.lines) > 3:
            texts.append("\n".join(article.lines[:-1]))  # the last line dropped
    rows = [_row(position, text) for position, text in enumerate(texts)]
    # A few blocks, as a real dataset has (from_items makes one block per row, one task each).
    got = distributed.dedup_ray(ray_local.data.from_items(rows, override_num_blocks=2))
    deduper = Deduper()
    expected = {row["position"]: deduper.check(row) for row in rows}
    expected = {position: kept for position, kept in expected.items() if kept is not None}
    # The same records are dropped; each names a kept record it repeats (the deduper may name
    # another kept one when several match).
    assert sorted(got) == sorted(expected)
    assert len(got) >= 30  # the reprints really are there
    kept = {row["id"]: row for row in rows if row["position"] not in got}
    for position, kept_id in got.items():
        text = rows[position]["text"]
        assert kept_id in kept
        assert similarity(sketch(text), sketch(kept[kept_id]["text"])) >= 0.9
