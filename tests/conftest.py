"""Shared fixtures: the seed, and the shared corpus when it is there (skipping when not)."""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import settings

sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpus  # importable thanks to the path set above

# Property tests draw the same examples on every run (a run's result does not depend on luck,
# and a CI failure reproduces); `pytest --hypothesis-profile=explore` draws new ones each time,
# ten times as many, to look for what the fixed ones miss.
settings.register_profile("default", derandomize=True)
settings.register_profile("explore", derandomize=False, max_examples=1000)
settings.load_profile("default")

# The derived-table cache (docexport.cache) goes to a directory of this session, removed at
# exit, inherited by the CLI subprocesses the tests start: a test run never writes to the
# user's ~/.cache, and never reads tables an older checkout saved there.
_CACHE = tempfile.mkdtemp(prefix="docexport-test-cache-")
os.environ["DOCEXPORT_CACHE_DIR"] = _CACHE
atexit.register(shutil.rmtree, _CACHE, True)

SEEDS = corpus.PROJECT_ROOT / "seeds"
SEED_PATH = SEEDS / "000_6cb851ef0d431e0c.txt"


@pytest.fixture(scope="session")
def seed_path() -> Path:
    return SEED_PATH


@pytest.fixture(scope="session")
def seed_text() -> str:
    return SEED_PATH.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def shared_corpus() -> Path:
    """``../shared/corpus``; tests that need it skip cleanly when it is absent."""
    root = corpus.shared_dir()
    if root is None:
        pytest.skip("../shared/corpus is not present")
    return root / "corpus"


@pytest.fixture(scope="session")
def pd_dev_articles() -> list[corpus.PDArticle]:
    """People's Daily January 1998, days 1-15 (the development set)."""
    articles = list(corpus.peoples_daily())
    if not articles:
        pytest.skip("../shared/corpus is not present")
    return articles


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite tests/golden/*.json from the current code (review the diff, then commit)",
    )


@pytest.fixture(scope="session")
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))
