"""The on-disk cache of derived tables: the same tables either way, and never a hard failure."""

from __future__ import annotations

import importlib
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from docexport import cache, enrich

lexicon = importlib.import_module("docexport.normalise.lexicon")
pinyin = importlib.import_module("docexport.normalise.pinyin")


def _fresh(monkeypatch: pytest.MonkeyPatch, directory: str) -> None:
    """Point the cache at ``directory`` ("" turns it off) and forget every loaded table."""
    monkeypatch.setenv(cache.CACHE_ENV, directory)
    for loader in (enrich._idf, enrich._name_freq, lexicon._tables, pinyin._reading_index):
        loader.cache_clear()


def _tables() -> dict[str, Any]:
    """Every cached table, as plain values that compare with ==."""
    idf, median, stop_words = enrich._idf()
    words, counts, logs = lexicon._tables()
    return {
        "idf": (idf._short.tolist(), idf._values.tolist(), idf._long, median, stop_words),
        "names": enrich._name_freq().as_dict(),
        "lexicon": (words.tolist(), counts.tolist(), logs),
        "readings": pinyin._reading_index(),
    }


@pytest.fixture
def restore_tables() -> Any:
    """Forget the tables a test loaded from its own cache (the session's load again)."""
    yield
    for loader in (enrich._idf, enrich._name_freq, lexicon._tables, pinyin._reading_index):
        loader.cache_clear()


def test_tables_from_the_cache_equal_the_tables_built(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, restore_tables: None
) -> None:
    _fresh(monkeypatch, "")
    built = _tables()
    _fresh(monkeypatch, str(tmp_path))
    first = _tables()  # builds, saves
    saved = sorted(path.name.split("-")[0] for path in tmp_path.iterdir())
    assert saved == ["idf", "lexicon", "names", "readings"]
    _fresh(monkeypatch, str(tmp_path))
    calls: list[str] = []
    monkeypatch.setattr(enrich, "_parse_idf", lambda source: calls.append("idf"))
    monkeypatch.setattr(enrich, "_parse_names", lambda source: calls.append("names"))
    monkeypatch.setattr(lexicon, "_read_dictionary", lambda source: calls.append("lexicon"))
    monkeypatch.setattr(pinyin, "_index_arrays", lambda: calls.append("readings"))
    loaded = _tables()
    assert calls == []  # nothing was parsed
    assert built == first == loaded
    assert len(loaded["names"]) > 1000 and len(loaded["readings"]) > 1000  # real tables


def test_a_damaged_cache_file_is_rebuilt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = tmp_path / "source.txt"
    source.write_text("数据")
    built = []

    def build() -> dict[str, np.ndarray]:
        built.append(1)
        return {"values": np.arange(5)}

    directory = tmp_path / "cache"
    monkeypatch.setenv(cache.CACHE_ENV, str(directory))
    assert cache.cached_arrays("t", 1, source, build)["values"].tolist() == [0, 1, 2, 3, 4]
    (saved,) = directory.iterdir()
    saved.write_bytes(saved.read_bytes()[:40])  # truncated
    assert cache.cached_arrays("t", 1, source, build)["values"].tolist() == [0, 1, 2, 3, 4]
    assert cache.cached_arrays("t", 1, source, build)["values"].tolist() == [0, 1, 2, 3, 4]
    assert len(built) == 2  # the truncated file was rebuilt and replaced, then read
    # A changed source or a new table version is another file.
    cache.cached_arrays("t", 2, source, build)
    source.write_text("新的数据")
    cache.cached_arrays("t", 1, source, build)
    assert len(built) == 4 and len(list(directory.iterdir())) == 3


def test_saving_a_table_keeps_only_its_most_recently_used_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    directory = tmp_path / "cache"
    directory.mkdir()
    monkeypatch.setenv(cache.CACHE_ENV, str(directory))
    now = time.time()
    # Five files of table "t" from older installations, last used 1 to 5 days ago, one of
    # table "tt" (whose name starts the same) and a file of the user's: these two stay.
    older = [directory / f"t-{i:020x}.npz" for i in range(5)]
    for days, path in enumerate(older, start=1):
        np.savez(path, v=np.arange(days))
        os.utime(path, (now - days * 86400, now - days * 86400))
    other_table = directory / f"tt-{9:020x}.npz"
    np.savez(other_table, v=np.arange(1))
    os.utime(other_table, (now - 9 * 86400, now - 9 * 86400))
    (directory / "notes.txt").write_text("mine")
    source = tmp_path / "source.txt"
    source.write_text("数据")
    cache.cached_arrays("t", 1, source, lambda: {"v": np.ones(2)})
    (new,) = (
        {p.name for p in directory.iterdir()}
        - {p.name for p in older}
        - {
            other_table.name,
            "notes.txt",
        }
    )
    assert sorted(p.name for p in directory.iterdir()) == sorted(
        [new, older[0].name, older[1].name, other_table.name, "notes.txt"]
    )
    assert cache.KEEP_PER_TABLE == 3


def test_loading_a_cache_file_marks_it_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(cache.CACHE_ENV, str(tmp_path / "cache"))
    source = tmp_path / "source.txt"
    source.write_text("数据")
    cache.cached_arrays("t", 1, source, lambda: {"v": np.ones(2)})
    (saved,) = (tmp_path / "cache").iterdir()
    week_ago = time.time() - 7 * 86400
    os.utime(saved, (week_ago, week_ago))
    assert cache.cached_arrays("t", 1, source, lambda: {"v": np.zeros(2)})["v"].tolist() == [1, 1]
    assert saved.stat().st_mtime > week_ago + 86400


def test_a_cache_that_cannot_be_written_only_costs_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "source.txt"
    source.write_text("数据")
    blocked = tmp_path / "a-file"
    blocked.write_text("not a directory")
    monkeypatch.setenv(cache.CACHE_ENV, str(blocked / "cache"))
    arrays = cache.cached_arrays("t", 1, source, lambda: {"v": np.ones(2)})
    assert arrays["v"].tolist() == [1.0, 1.0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file", "source.txt"]


def test_no_source_file_means_no_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(cache.CACHE_ENV, str(tmp_path))
    cache.cached_arrays("t", 1, None, lambda: {"v": np.ones(2)})
    assert list(tmp_path.iterdir()) == []


def test_the_cache_directory_follows_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(cache.CACHE_ENV)
    monkeypatch.setenv("XDG_CACHE_HOME", "/xdg")
    assert cache.cache_dir() == Path("/xdg/docexport")
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", "/home/someone")
    assert cache.cache_dir() == Path("/home/someone/.cache/docexport")
    monkeypatch.setenv(cache.CACHE_ENV, "")
    assert cache.cache_dir() is None


def _cli(*args: str, directory: str) -> subprocess.CompletedProcess:
    env = {**os.environ, cache.CACHE_ENV: directory}
    return subprocess.run(
        [sys.executable, "-m", "docexport", "cache", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


def test_the_cache_command_builds_shows_and_clears(tmp_path: Path) -> None:
    directory = tmp_path / "cache"
    shown = _cli(directory=str(directory))
    # Starting docexport compiled its patterns, which it keeps there at once (a few hundred KB).
    assert shown.returncode == 0 and shown.stdout.startswith(f"{directory}: 1 file, 0.")
    assert [path.name.split("-")[0] for path in directory.iterdir()] == ["regex"]
    built = _cli("--build", directory=str(directory))
    assert built.returncode == 0, built.stderr
    names = sorted(path.name.split("-")[0] for path in directory.iterdir())
    assert names == ["idf", "lexicon", "names", "readings", "regex", "s2t"]
    assert built.stdout.startswith(f"{directory}: 6 files, ")
    (directory / "notes.txt").write_text("a user's own file")
    cleared = _cli("--clear", directory=str(directory))
    assert cleared.returncode == 0, cleared.stderr
    assert cleared.stdout.startswith("deleted 6 cache files (")
    assert cleared.stdout.endswith(f"{directory}: 0 files, 0.0 MB\n")
    assert [path.name for path in directory.iterdir()] == ["notes.txt"]


@pytest.mark.parametrize(
    ("setting", "code", "message"),
    [("", 2, "the cache is off"), ("{file}/cache", 1, "could not save the tables in")],
)
def test_the_cache_command_errors_are_one_line(
    tmp_path: Path, setting: str, code: int, message: str
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    args = ("--build",) if setting else ()
    result = _cli(*args, directory=setting.format(file=blocker))
    assert result.returncode == code
    assert result.stderr.startswith(f"docexport: error: {message}")
    assert len(result.stderr.splitlines()) == 1


# ---- compiled regular expressions ---------------------------------------------------------


def _project_patterns() -> dict[str, re.Pattern[str]]:
    """Every pattern the project compiles: module attributes (also inside dicts, lists and
    tuples), and the ones compiled on first use."""
    from docexport import decode

    parse = importlib.import_module("docexport.parse")
    passes = importlib.import_module("docexport.normalise.passes")
    script = importlib.import_module("docexport.normalise.script")
    found: dict[str, re.Pattern[str]] = {
        "_spaced_credit": parse._spaced_credit(),
        "_t2s_trigger": script._t2s_trigger(),
        **{f"_pinyin_re{o}": passes._pinyin_re(o) for o in passes.PINYIN_OPENINGS},
        **{f"_lost_garbage_re{m}": passes._lost_garbage_re(m) for m in passes.LOST},
    }
    modules = [
        decode,
        parse,
        enrich,
        passes,
        script,
        importlib.import_module("docexport.normalise"),
    ]
    modules.append(importlib.import_module("docexport.normalise.mojibake"))
    for module in modules:
        for name, value in vars(module).items():
            values = value.values() if isinstance(value, dict) else value
            if not isinstance(value, (dict, list, tuple)):
                values = [value]
            for index, item in enumerate(values):
                for inner in item if isinstance(item, tuple) else (item,):
                    if isinstance(inner, re.Pattern):
                        found[f"{module.__name__}.{name}[{index}]"] = inner
    assert len(found) > 40  # the walk found the modules' patterns
    return found


def test_every_cached_pattern_equals_its_re_compile() -> None:
    # Pattern == compares flags, text and the compiled program itself.
    for name, pattern in _project_patterns().items():
        assert pattern == re.compile(pattern.pattern, pattern.flags), name
        assert pattern.groupindex == re.compile(pattern.pattern, pattern.flags).groupindex, name


@pytest.fixture
def regex_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A cache directory of this test's for cached_regex, which has not loaded its file yet."""
    monkeypatch.setenv(cache.CACHE_ENV, str(tmp_path))
    monkeypatch.setattr(cache, "_regex_arrays", None)
    monkeypatch.setattr(cache, "_regex_path", None)
    return tmp_path


def _count_compiles(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    compiler, _ = cache._regex_internals()
    calls: list[str] = []
    code = compiler._code

    def counted(parsed: Any, flags: int) -> Any:
        calls.append("compiled")
        return code(parsed, flags)

    monkeypatch.setattr(compiler, "_code", counted)
    return calls


# A lookbehind, named groups and a conditional group, as the credit and pinyin patterns have.
PATTERN = r"(?<=报)(?P<role>记者|記者)(?P<open>[（(])?(?P<name>[\u4e00-\u9fff]{2,3})(?(open)[）)])"


def test_a_regex_program_is_saved_once_and_loaded_after(
    regex_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = re.compile(PATTERN)
    first = cache.cached_regex(PATTERN)
    (saved,) = regex_cache.iterdir()
    assert saved.name.startswith("regex-") and saved.stat().st_mode & 0o077 == 0
    monkeypatch.setattr(cache, "_regex_arrays", None)  # as a new process
    calls = _count_compiles(monkeypatch)
    loaded = cache.cached_regex(PATTERN)
    assert calls == []
    assert first == loaded == expected
    assert loaded.groupindex == expected.groupindex and loaded.groups == expected.groups == 3
    match = loaded.search("本报记者（张三）报道")
    assert match is not None and match.group("name", "role") == ("张三", "记者")
    assert cache.cached_regex(PATTERN, re.IGNORECASE) == re.compile(PATTERN, re.IGNORECASE)


def test_a_regex_file_others_can_write_is_not_loaded(
    regex_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache.cached_regex(PATTERN)
    (saved,) = regex_cache.iterdir()
    saved.chmod(0o666)
    monkeypatch.setattr(cache, "_regex_arrays", None)
    calls = _count_compiles(monkeypatch)
    assert cache.cached_regex(PATTERN) == re.compile(PATTERN)
    assert calls == ["compiled"]


def test_a_damaged_or_foreign_regex_file_means_compiling(
    regex_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache.cached_regex(PATTERN)
    (saved,) = regex_cache.iterdir()
    with np.load(saved) as arrays:
        entries = {key: arrays[key] for key in arrays.files}
    # Another text under this pattern's key, then a truncated file: neither is used.
    for key in [key for key in entries if key.endswith("-pattern")]:
        entries[key] = np.frombuffer("记者".encode(), np.uint8)
    np.savez(saved, **entries)
    saved.chmod(0o600)
    for damage in ("foreign", "truncated"):
        if damage == "truncated":
            saved.write_bytes(saved.read_bytes()[:300])
        monkeypatch.setattr(cache, "_regex_arrays", None)
        calls = _count_compiles(monkeypatch)
        assert cache.cached_regex(PATTERN) == re.compile(PATTERN), damage
        assert calls == ["compiled"], damage
        monkeypatch.undo()
        monkeypatch.setenv(cache.CACHE_ENV, str(regex_cache))


def test_with_the_cache_off_patterns_are_compiled_as_usual(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(cache.CACHE_ENV, "")
    monkeypatch.setattr(cache, "_regex_arrays", None)
    assert cache.cached_regex(PATTERN) == re.compile(PATTERN)
    assert cache._regex_arrays is None and list(tmp_path.iterdir()) == []
