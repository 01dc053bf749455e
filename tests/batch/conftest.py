"""One local Spark session for every batch test (starting one takes seconds)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from paperscope.batch.session import get_session, spark_available


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    """A local[2] session: 4 shuffle partitions, no UI, bound to loopback."""
    problem = spark_available()
    if problem:
        if os.environ.get("CI"):
            pytest.fail(problem)
        pytest.skip(problem)
    session = get_session("local[2]", shuffle_partitions=4)
    yield session
    session.stop()
