"""Shared fixtures: sample data, the ../shared folder, and databases."""

from __future__ import annotations

from pathlib import Path

import pytest

TESTS_DIR = Path(__file__).parent
DATA_DIR = TESTS_DIR / "data"
SHARED_DIR = TESTS_DIR.parent.parent / "shared"


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """Small hand-written samples, one folder per format."""
    return DATA_DIR


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The real data beside the project; tests using it skip when it is absent."""
    if not (SHARED_DIR / "data").is_dir():
        pytest.skip("../shared is absent: real-data tests need the shared folder beside the project")
    return SHARED_DIR
