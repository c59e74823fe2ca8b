"""The ``docexport`` command as a user meets it: exit codes, one-line errors, data on stdout."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "000_6cb851ef0d431e0c.txt"


def run(
    *args: str, stdin: bytes | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "docexport", *args],
        input=stdin,
        capture_output=True,
        cwd=ROOT,
        timeout=300,
    )


def assert_one_line_error(result: subprocess.CompletedProcess, code: int, needle: str) -> None:
    stderr = result.stderr.decode()
    assert result.returncode == code, stderr
    assert "Traceback" not in stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("docexport: error: ") and needle in lines[0], stderr


def test_help_lists_the_commands() -> None:
    result = run("--help")
    assert result.returncode == 0
    out = result.stdout.decode()
    for command in ("convert", "parse", "schema", "cache"):
        assert command in out


def test_version() -> None:
    import docexport

    result = run("--version")
    assert result.returncode == 0
    assert result.stdout.decode().strip() == f"docexport {docexport.__version__}"


def test_parse_prints_the_seed_record_as_json() -> None:
    result = run("parse", str(SEED))
    assert result.returncode == 0, result.stderr.decode()
    record = json.loads(result.stdout)
    assert record["title"] == "杨林兴：精准防控严防死守 坚决打赢疫情防控阻击战攻坚战持久战"
    assert result.stdout.count(b"\n") > 10  # pretty by default


def test_parse_compact_reads_stdin() -> None:
    result = run("parse", "-", "--compact", stdin=SEED.read_bytes())
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout.count(b"\n") == 1
    assert json.loads(result.stdout)["byline"]["outlet"] == "泸州日报"


def test_parse_reads_one_jsonl_record_from_stdin_and_refuses_two() -> None:
    line = json.dumps({"title": "标题", "text": "今天天气很好，市民出行踊跃。"}, ensure_ascii=False)
    result = run("parse", "-", "--compact", stdin=(line + "\n").encode())
    assert result.returncode == 0, result.stderr.decode()
    assert json.loads(result.stdout)["title"] == "标题"
    assert_one_line_error(
        run("parse", "-", stdin=(line + "\n" + line + "\n").encode()), 2, "more than one"
    )


def test_schema_prints_the_json_schema() -> None:
    result = run("schema")
    assert result.returncode == 0
    schema = json.loads(result.stdout)
    assert schema["$schema"].endswith("2020-12/schema")
    assert "title" in schema["properties"]


@pytest.mark.parametrize(
    ("args", "code", "needle"),
    [
        (("parse", "no/such/file.txt"), 2, "no such file"),
        (("convert", "no/such/dir", "--out", "OUT"), 2, "no such file or directory"),
        (("convert", "seeds", "--out", "OUT", "--format", "xml"), 2, "parquet, jsonl, csv"),
        (("convert", "seeds", "--out", "OUT", "--shard-size", "big"), 2, "256MB"),
        (("convert", "seeds", "--out", "OUT", "--skip", "nonsense"), 2, "passes are"),
        (("convert", "seeds", "--out", "OUT", "--script", "klingon"), 2, "klingon"),
    ],
)
def test_bad_options_and_paths_get_one_line_and_exit_2(
    args: tuple[str, ...], code: int, needle: str, tmp_path: Path
) -> None:
    args = tuple(str(tmp_path / "OUT") if a == "OUT" else a for a in args)
    result = run(*args)
    assert_one_line_error(result, code, needle)
    assert not (tmp_path / "OUT").exists()


def test_parse_of_an_empty_file_says_why(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    assert_one_line_error(run("parse", str(empty)), 1, "empty")


def test_convert_seeds_writes_a_dataset_and_a_summary(tmp_path: Path) -> None:
    out = tmp_path / "dataset"
    result = run("convert", "seeds/", "--out", str(out))
    assert result.returncode == 0, result.stderr.decode()
    assert "1 inputs → 1 records, 0 rejects" in result.stderr.decode()
    assert result.stdout == b""  # data goes to files; stdout stays clean for scripts
    assert (out / "data" / "part-00000.parquet").is_file()
    assert (out / "manifest.json").is_file()


def test_format_may_be_repeated_or_comma_separated(tmp_path: Path) -> None:
    # A repeated --format once kept only its last value: -f jsonl -f csv wrote CSV alone.
    result = run("convert", "seeds/", "-o", str(tmp_path / "a"), "-f", "jsonl", "--format", "csv")
    assert result.returncode == 0, result.stderr.decode()
    assert sorted(p.suffix for p in (tmp_path / "a" / "data").iterdir()) == [".csv", ".jsonl"]
    result = run("convert", "seeds/", "-o", str(tmp_path / "b"), "-f", "csv,parquet", "-f", "csv")
    assert result.returncode == 0, result.stderr.decode()
    assert sorted(p.suffix for p in (tmp_path / "b" / "data").iterdir()) == [".csv", ".parquet"]
    manifest = json.loads((tmp_path / "b" / "manifest.json").read_text())
    assert manifest["options"]["formats"] == ["csv", "parquet"]


def test_convert_refuses_a_non_empty_directory_that_is_not_a_dataset(tmp_path: Path) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "thesis.tex").write_text("keep me")
    result = run("convert", "seeds/", "--out", str(out))
    assert result.returncode != 0
    assert "Traceback" not in result.stderr.decode()
    assert "--overwrite" in result.stderr.decode()
    assert (out / "thesis.tex").read_text() == "keep me"


def test_strict_exits_1_when_a_document_is_rejected(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (src / "good.txt").write_bytes(SEED.read_bytes())
    (src / "empty.txt").write_bytes(b"")
    relaxed = run("convert", str(src), "--out", str(tmp_path / "a"), "--quiet")
    assert relaxed.returncode == 0 and relaxed.stderr == b""
    strict = run("convert", str(src), "--out", str(tmp_path / "b"), "--strict")
    assert strict.returncode == 1
    summary, error = strict.stderr.decode().splitlines()
    assert summary.startswith("2 inputs → 1 records, 1 rejects (parse/empty 1)")
    assert error.startswith("docexport: error: 1 documents rejected (--strict)")


# Ctrl-C at the moment the package imports the pipeline (as a fast keypress would land): the
# script's name makes this process the command, as the console script does.
INTERRUPTED_WHILE_LOADING = """
import builtins, os, signal, sys
sys.argv = ["docexport", "convert", "--help"]
real_import = builtins.__import__
def import_(name, *args, **kwargs):
    if name == "docexport.pipeline":
        os.kill(os.getpid(), signal.SIGINT)
    return real_import(name, *args, **kwargs)
builtins.__import__ = import_
from docexport.cli import main
print("loaded")
"""


def test_ctrl_c_while_the_command_loads_is_one_line() -> None:
    result = subprocess.run(
        [sys.executable, "-c", INTERRUPTED_WHILE_LOADING], capture_output=True, timeout=300
    )
    assert result.stdout == b""  # the import did not go on
    assert_one_line_error(result, 130, "interrupted")
    # The same import as a library's (not the command) keeps Python's KeyboardInterrupt.
    library = INTERRUPTED_WHILE_LOADING.replace('"docexport", "convert"', '"myscript.py"')
    result = subprocess.run([sys.executable, "-c", library], capture_output=True, timeout=300)
    assert result.returncode != 130 and b"KeyboardInterrupt" in result.stderr


def test_ctrl_c_before_a_command_handles_it_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Typer turns a KeyboardInterrupt it catches into a silent exit code 130.
    from docexport import cli

    def interrupted(value: str) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "_size", interrupted)
    monkeypatch.setattr(sys, "argv", ["docexport", "convert", str(SEED), "-o", str(tmp_path)])
    with pytest.raises(SystemExit) as exited:
        cli.main()
    assert exited.value.code == 130
    assert capsys.readouterr().err == "docexport: error: interrupted\n"
    assert list(tmp_path.iterdir()) == []
