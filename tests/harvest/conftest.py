"""Fixtures for harvest tests (the fakes themselves live in harvest_fakes)."""

from __future__ import annotations

from pathlib import Path

import pytest
from harvest_fakes import FakeClock, Replay

from paperscope.config import Settings


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def replay(clock: FakeClock) -> Replay:
    return Replay(clock=clock)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path / "var",
        contact_email="harvest-tests@example.org",
        s2_api_key="test-key",
    )


@pytest.fixture
def recordings(shared_dir: Path) -> Path:
    return shared_dir / "data" / "recordings"
