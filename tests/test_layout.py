"""The test tree itself: pytest imports test modules by their file name (tests/ holds no
packages), so two test files of one name in different folders break collection whenever
one worker imports both."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

TESTS = Path(__file__).parent


def test_every_test_file_name_is_unique() -> None:
    names = Counter(path.name for path in TESTS.rglob("test_*.py"))

    assert [name for name, count in names.items() if count > 1] == []
