"""The examples run as documented and print what their comments promise."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_quickstart_runs_and_prints_the_repaired_text(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "examples/quickstart.py", str(tmp_path / "ds")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "泸州日报记者，精准防控"
    assert "杨林兴：精准防控严防死守 坚决打赢疫情防控阻击战攻坚战持久战" in lines
    assert lines[-1].startswith("1 rows;")


def test_shell_example_runs(tmp_path: Path) -> None:
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    assert shutil.which("docexport", path=env["PATH"]) is not None
    result = subprocess.run(
        ["bash", "examples/shell.sh", str(tmp_path / "ds")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    assert "'inputs': 1, 'records': 1" in result.stdout
    assert '"title": "杨林兴' in result.stdout


def test_the_readme_s_tsv_to_jsonl_line_gives_one_record_per_line(tmp_path: Path) -> None:
    """The README's recipe for one-document-per-line files (THUCNews's label<TAB>text)."""
    import json

    import docexport

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    (recipe,) = [line for line in readme.splitlines() if line.startswith('python -c "import json')]
    code = recipe.split('"')[1]
    tsv = "体育\t湖人获胜 湖人昨天击败国王。\n财经\t股市上涨 沪指今天上涨百分之一。\n"
    result = subprocess.run(
        [sys.executable, "-c", code], input=tsv, capture_output=True, text=True, check=True
    )
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [row["label"] for row in rows] == ["体育", "财经"]
    (tmp_path / "news.jsonl").write_text(result.stdout, encoding="utf-8")
    report = docexport.convert([tmp_path / "news.jsonl"], tmp_path / "ds", formats=["jsonl"])
    assert report.records == 2
    records = [json.loads(line) for line in (tmp_path / "ds/data/part-00000.jsonl").open()]
    assert [r["source"]["metadata"] for r in records] == [
        [{"key": "label", "value": "体育"}],
        [{"key": "label", "value": "财经"}],
    ]
