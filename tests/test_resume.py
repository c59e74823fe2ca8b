"""Interruption, resume, determinism and write failures (issue #5 §2-§4, DESIGN §5).

A run over a small generated corpus (200 short documents with duplicates, broken JSONL lines and
empty files) is cut into ~20 shards per format with ``--shard-rows 10``. The reference is an
uninterrupted run; every other run — killed with SIGKILL at several points and resumed, stopped
with Ctrl-C and resumed, failed by a full disk and resumed, or run with another ``--jobs`` —
must end with data files and ``rejects.jsonl`` byte-identical to it.
"""

from __future__ import annotations

import contextlib
import errno
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson
import pyarrow.parquet as pq
import pytest

import docexport
from docexport import cli
from docexport.errors import OutputError
from docexport.write import jsonl as jsonl_shard
from docexport.write import state as journal

ROOT = Path(__file__).resolve().parents[1]
SHARD_ROWS = "10"
FORMATS = "parquet,jsonl,csv"
PLACES = ("北京", "上海", "广州", "成都", "武汉", "西安", "南京", "杭州")
TOPICS = ("春耕", "水利", "教育", "医疗", "交通", "科技", "环保", "旅游", "扶贫", "文化")


def article(i: int) -> str:
    """A short news article, distinct for every ``i`` (numbers and names vary, not only one)."""
    pick = random.Random(i)
    place, topic = pick.choice(PLACES), pick.choice(TOPICS)
    name = "王李张刘陈杨黄赵吴周"[i % 10] + "明" + "华强伟"[i % 3]
    return (
        f"{place}市召开第{i}次{topic}工作会议\n"
        f"新华社{place}{1 + i % 12}月{1 + i % 28}日电 记者{name}报道：{place}市今天召开{topic}"
        f"工作会议，研究部署第{i}项重点任务。会议指出，要把{topic}工作抓实抓细，确保编号"
        f"{i * 7919 % 100000}的项目按期完成。\n"
        f"与会代表{pick.randint(10, 999)}人参加会议，{topic}部门负责人作了发言。\n"
    )


def build_corpus(root: Path) -> Path:
    """150 JSONL lines (4 exact duplicates, 4 broken lines) and 50 text files (3 empty)."""
    source = root / "in"
    source.mkdir()
    lines = []
    for i in range(150):
        lines.append(orjson.dumps({"text": article(i), "url": f"http://example.com/{i}"}))
        if i % 37 == 5:
            lines.append(orjson.dumps({"text": article(i)}))
        if i % 41 == 3:
            lines.append(b'{"text": broken')
    (source / "feed.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    for i in range(150, 200):
        (source / f"doc{i:03d}.txt").write_text(article(i) if i % 17 else "")
    return source


def command(out: Path, *extra: str, jobs: int = 1) -> list[str]:
    return [
        sys.executable,
        "-m",
        "docexport",
        "convert",
        "in",
        "--out",
        str(out),
        "--shard-rows",
        SHARD_ROWS,
        "--format",
        FORMATS,
        "--jobs",
        str(jobs),
        "--quiet",
        *extra,
    ]


def run(workdir: Path, out: Path, *extra: str, jobs: int = 1) -> subprocess.CompletedProcess:
    return subprocess.run(
        command(out, *extra, jobs=jobs), cwd=workdir, capture_output=True, timeout=300
    )


def snapshot(out: Path) -> dict[str, bytes]:
    """The files that must be byte-identical: every data file and ``rejects.jsonl``."""
    files = {f"data/{p.name}": p.read_bytes() for p in sorted((out / "data").iterdir())}
    files["rejects.jsonl"] = (out / "rejects.jsonl").read_bytes()
    return files


def committed_shards(out: Path) -> int:
    data = out / "data"
    return len(list(data.glob("part-*.parquet"))) if data.is_dir() else 0


def assert_nothing_looks_complete_that_is_not(out: Path) -> None:
    """After a crash: no manifest, and every file with a final shard name is whole: it reads
    back completely, and when the journal lists it, with the rows and digest listed."""
    assert not (out / "manifest.json").exists()
    state_file = out / journal.STATE_DIR / journal.STATE_FILE
    state = orjson.loads(state_file.read_bytes()) if state_file.exists() else {"shards": []}
    listed = {Path(shard["path"]).name: shard for shard in state["shards"]}
    for path in (out / "data").glob("part-*"):
        if path.suffix == ".parquet":
            rows = pq.read_table(path).num_rows
        elif path.suffix == ".jsonl":
            data = path.read_bytes()
            assert data.endswith(b"\n")
            rows = len([orjson.loads(line) for line in data.splitlines()])
        else:
            continue
        assert 1 <= rows <= int(SHARD_ROWS)
        if path.name in listed:
            assert rows == listed[path.name]["rows"]
            assert journal.digest_file(path)[1] == listed[path.name]["sha256"]


@pytest.fixture(scope="module")
def workdir() -> Path:
    root = Path(tempfile.mkdtemp(prefix="docexport-resume-"))
    build_corpus(root)
    yield root
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def reference(workdir: Path) -> dict[str, bytes]:
    result = run(workdir, workdir / "reference")
    assert result.returncode == 0, result.stderr.decode()
    files = snapshot(workdir / "reference")
    assert len([n for n in files if n.endswith(".parquet")]) == 20  # 197 records / 10 a shard
    return files


def test_the_corpus_loses_nothing_and_counts_duplicates(workdir: Path, reference) -> None:
    manifest = orjson.loads((workdir / "reference" / "manifest.json").read_bytes())
    counts = manifest["counts"]
    assert (counts["inputs"], counts["records"], counts["duplicates"], counts["rejects"]) == (
        208,
        197,
        4,
        7,
    )
    assert counts["rejects_by_reason"] == {"parse/empty": 3, "read/invalid_json": 4}


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_second_run_is_byte_identical_whatever_jobs(workdir: Path, reference, jobs: int) -> None:
    out = workdir / f"again-{jobs}"
    result = run(workdir, out, jobs=jobs)
    assert result.returncode == 0, result.stderr.decode()
    assert snapshot(out) == reference


def kill_when(process: subprocess.Popen, out: Path, shards: int, delay: float, sig: int) -> bool:
    """Send ``sig`` once ``shards`` shards are committed and ``delay`` more seconds passed;
    False when the run ended first."""
    deadline = time.monotonic() + 120
    state = out / journal.STATE_DIR / journal.STATE_FILE
    while committed_shards(out) < shards or not state.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            return False
        time.sleep(0.002)
    time.sleep(delay)
    if process.poll() is not None:
        return False
    os.killpg(process.pid, sig)  # the whole group, as a terminal's Ctrl-C or an OOM kill does
    return True


# (jobs, shards committed before the kill, extra delay): chosen from a fixed seed so a failure
# reproduces; the first point kills before anything is committed, the last near the end.
RANDOM = random.Random(20260105)
KILL_POINTS = [
    (1, 0, 0.0),
    (2, RANDOM.randint(1, 8), RANDOM.uniform(0, 0.03)),
    (1, RANDOM.randint(6, 14), RANDOM.uniform(0, 0.03)),
    (2, RANDOM.randint(12, 18), RANDOM.uniform(0, 0.03)),
]


@pytest.mark.parametrize(("jobs", "shards", "delay"), KILL_POINTS)
def test_resume_after_kill_9_gives_the_same_files(
    workdir: Path, reference, jobs: int, shards: int, delay: float
) -> None:
    out = workdir / f"killed-{jobs}-{shards}"
    process = subprocess.Popen(
        command(out, jobs=jobs),
        cwd=workdir,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    killed = kill_when(process, out, shards, delay, signal.SIGKILL)
    process.communicate(timeout=60)
    assert killed, "the run ended before the kill point; the corpus is too small for this machine"
    assert process.returncode == -signal.SIGKILL
    assert_nothing_looks_complete_that_is_not(out)
    if shards == KILL_POINTS[1][1]:
        without = run(workdir, out)
        assert without.returncode == 1 and b"--resume" in without.stderr  # refused, not clobbered
    resumed = run(workdir, out, "--resume", jobs=3 - jobs)  # --jobs may change on resume
    assert resumed.returncode == 0, resumed.stderr.decode()
    assert snapshot(out) == reference
    manifest = orjson.loads((out / "manifest.json").read_bytes())
    assert manifest["counts"]["inputs"] == 208 and manifest["counts"]["records"] == 197


@pytest.mark.parametrize(
    ("jobs", "shards"),
    [(1, 5), (2, 5), (2, 0)],
    ids=["jobs 1, mid-run", "jobs 2, mid-run", "jobs 2, workers still starting"],
)
def test_ctrl_c_exits_130_promptly_says_how_to_resume_and_resume_finishes(
    workdir: Path, reference, jobs: int, shards: int
) -> None:
    """Ctrl-C reaches the whole process group; workers ignore it and are ended by the parent,
    which must not wait for them (a worker still loading its dictionaries once cost seconds)."""
    out = workdir / f"interrupted-{jobs}-{shards}"
    process = subprocess.Popen(
        command(out, jobs=jobs),
        cwd=workdir,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    assert kill_when(process, out, shards, 0.01, signal.SIGINT)
    sent = time.monotonic()
    stdout, stderr = process.communicate(timeout=30)
    assert time.monotonic() - sent < 3, "Ctrl-C must stop the run promptly"
    assert process.returncode == 130
    lines = stderr.decode().strip().splitlines()
    assert len(lines) == 1, stderr.decode()
    assert lines[0].startswith("docexport: error: interrupted") and "--resume" in lines[0]
    assert stdout == b""
    assert_nothing_looks_complete_that_is_not(out)
    assert not list((out / "data").glob(".part-*"))  # temporary files are cleaned up
    resumed = run(workdir, out, "--resume", jobs=jobs)
    assert resumed.returncode == 0, resumed.stderr.decode()
    assert snapshot(out) == reference


# -- write failures ----------------------------------------------------------------------------


def convert(out: Path, **extra):
    """The library call equal to :func:`command` (run from the work directory: uris are
    relative, as in the reference)."""
    return docexport.convert(
        ["in"], out, formats=FORMATS.split(","), shard_rows=int(SHARD_ROWS), jobs=1, **extra
    )


def journaled(out: Path) -> set[str]:
    state = orjson.loads((out / journal.STATE_DIR / journal.STATE_FILE).read_bytes())
    return {Path(shard["path"]).name for shard in state["shards"]}


def full_disk_after(limit: int):
    """A stand-in for a disk that fills up: the ``limit``-th call and every later one fail."""
    calls = {"n": 0}

    def check() -> None:
        calls["n"] += 1
        if calls["n"] >= limit:
            raise OSError(errno.ENOSPC, "No space left on device")

    return check


@pytest.mark.parametrize(
    "where",
    ["shard write", "journal save", "manifest write"],
)
def test_a_full_disk_stops_cleanly_and_resume_finishes(
    workdir: Path, reference, monkeypatch, where: str
) -> None:
    """ENOSPC simulated at three places: while a shard is written, at the commit that would list
    renamed shards in the journal, and at the manifest. Each time: one OutputError that says
    what happened and what to do, only committed shards left, no manifest; then resume works."""
    monkeypatch.chdir(workdir)
    out = workdir / f"full-{where.replace(' ', '-')}"
    full = full_disk_after({"shard write": 75, "journal save": 6, "manifest write": 1}[where])
    if where == "shard write":
        real_add = jsonl_shard.JsonlShard.add

        def add(self, record, line):
            full()
            real_add(self, record, line)

        monkeypatch.setattr(jsonl_shard.JsonlShard, "add", add)
    elif where == "journal save":
        real_save = journal.save_state

        def save(out_dir, state):
            full()
            real_save(out_dir, state)

        monkeypatch.setattr(journal, "save_state", save)
    else:
        real_write = journal.atomic_write

        def atomic_write(path, data):
            if path.name == "manifest.json":
                full()
            real_write(path, data)

        monkeypatch.setattr(journal, "atomic_write", atomic_write)
    with pytest.raises(OutputError) as caught:
        convert(out)
    message = str(caught.value)
    assert "No space left on device" in message and "--resume" in message
    assert "\n" not in message
    assert_nothing_looks_complete_that_is_not(out)
    assert not list((out / "data").glob(".part-*"))
    on_disk = {p.name for p in (out / "data").glob("part-*")}
    assert on_disk == journaled(out)  # nothing renamed but unjournaled is left behind
    expected_shards = {"shard write": 21, "journal save": 12, "manifest write": 60}[where]
    assert len(on_disk) == expected_shards
    monkeypatch.undo()
    monkeypatch.chdir(workdir)
    convert(out, resume=True)
    assert snapshot(out) == reference


def test_cli_write_failure_is_one_line_and_exit_1(
    workdir: Path, monkeypatch, capsys: pytest.CaptureFixture[str]
) -> None:
    full = full_disk_after(35)
    real_add = jsonl_shard.JsonlShard.add

    def add(self, record, line):
        full()
        real_add(self, record, line)

    monkeypatch.setattr(jsonl_shard.JsonlShard, "add", add)
    monkeypatch.chdir(workdir)
    out = workdir / "cli-full"
    monkeypatch.setattr(sys, "argv", ["docexport", *command(out)[3:]])
    sigterm = signal.getsignal(signal.SIGTERM)  # the command installs its own handler
    try:
        with pytest.raises(SystemExit) as exited:
            cli.main()
    finally:
        signal.signal(signal.SIGTERM, sigterm)
    assert exited.value.code == 1
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and error.startswith("docexport: error: cannot write ")
    assert "No space left on device" in error and "--resume" in error
    assert not (out / "manifest.json").exists()


@pytest.mark.skipif(
    os.geteuid() == 0 and shutil.which("setpriv") is None,
    reason="as root, a read-only directory needs setpriv to drop privileges",
)
def test_cli_read_only_output_directory_is_one_line_and_exit_1(workdir: Path) -> None:
    """A real read-only directory: as root the command runs as ``nobody`` (root writes
    anywhere), otherwise the mode alone does it."""
    root = Path(tempfile.mkdtemp(prefix="docexport-readonly-"))
    try:
        root.chmod(0o755)
        shutil.copytree(workdir / "in", root / "in")
        for path in [root / "in", *(root / "in").iterdir()]:
            path.chmod(0o755 if path.is_dir() else 0o644)
        locked = root / "locked"
        locked.mkdir(mode=0o555)
        locked.chmod(0o555)
        user = []
        if os.geteuid() == 0:
            user = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
        result = subprocess.run(
            [*user, *command(locked / "ds")], cwd=root, capture_output=True, timeout=120
        )
        stderr = result.stderr.decode()
        assert result.returncode == 1, stderr
        assert "Traceback" not in stderr and stderr.count("\n") == 1
        assert (
            stderr.startswith("docexport: error: cannot prepare ") and "Permission denied" in stderr
        )
        assert not (locked / "ds").exists()
    finally:
        shutil.rmtree(root, ignore_errors=True)


def test_a_worker_killed_mid_run_is_a_one_line_run_error_and_resume_finishes(
    workdir: Path, reference
) -> None:
    """The OOM killer takes a worker: exit 1 with one line saying to --resume, then it does."""
    out = workdir / "worker-killed"
    process = subprocess.Popen(
        command(out, jobs=2),
        cwd=workdir,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    # Workers are forks (same command line); the resource tracker, also a child, is not. All
    # 208 documents fit in the pool's window, so the kill must come while they still work.
    parent = Path(f"/proc/{process.pid}/cmdline")
    children = Path(f"/proc/{process.pid}/task/{process.pid}/children")
    workers: list[str] = []
    deadline = time.monotonic() + 120
    while not workers and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.002)
        with contextlib.suppress(OSError):
            workers = [
                pid
                for pid in children.read_text().split()
                if Path(f"/proc/{pid}/cmdline").read_bytes() == parent.read_bytes()
            ]
    assert workers, "the pool has no workers"
    os.kill(int(workers[0]), signal.SIGKILL)
    _, stderr = process.communicate(timeout=60)
    if process.returncode == 0:
        pytest.skip("the run finished before the worker was killed")
    lines = stderr.decode().strip().splitlines()
    assert process.returncode == 1 and len(lines) == 1, stderr.decode()
    assert "a worker process died" in lines[0] and "--resume" in lines[0]
    assert_nothing_looks_complete_that_is_not(out)
    resumed = run(workdir, out, "--resume", jobs=2)
    assert resumed.returncode == 0, resumed.stderr.decode()
    assert snapshot(out) == reference
