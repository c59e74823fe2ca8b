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
