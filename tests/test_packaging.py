"""The record schema ships inside the wheel, and an installed docexport finds it there.

An editable checkout reads ``schemas/`` from the repository, which hides a packaging mistake:
without the force-include in ``pyproject.toml`` a ``pip install docexport`` would have no schema
and every validation would fail. So build the real wheel and use it.
"""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from docexport.schema import SCHEMA_FILENAME

PROJECT_ROOT = Path(__file__).resolve().parents[1]
PACKAGED_SCHEMA = f"docexport/schemas/{SCHEMA_FILENAME}"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    # --no-isolation: use the installed hatchling instead of downloading one.
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out)],
        cwd=PROJECT_ROOT,
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("docexport-*.whl")
    return built


@pytest.mark.slow
def test_wheel_contains_the_schema_identical_to_the_repository_copy(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        packaged = archive.read(PACKAGED_SCHEMA)
    assert "docexport/schema.py" in names
    assert packaged == (PROJECT_ROOT / "schemas" / SCHEMA_FILENAME).read_bytes()
    assert json.loads(packaged)["properties"]["schema_version"]["const"] == "1.0"


@pytest.mark.slow
def test_installed_package_loads_its_packaged_schema(wheel: Path, tmp_path: Path) -> None:
    # A pure-Python wheel unpacked onto the path is an installation.
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)
    probe = (
        "import docexport.schema as s, docexport.validate as v, docexport.record as r; "
        "print(s.schema_path()); print(s.SCHEMA_VERSION); print(len(s.arrow_schema()))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=tmp_path,
        env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"},
        check=True,
        capture_output=True,
        text=True,
    )
    path, version, fields = result.stdout.split()
    assert Path(path) == site / PACKAGED_SCHEMA
    assert version == "1.0"
    assert int(fields) == 16
