"""Fixtures of the search tests: a store holding the small arXiv sample, hashing settings."""

from __future__ import annotations

from pathlib import Path

import pytest
from search_helpers import SAMPLE

from paperscope.config import Settings
from paperscope.embeddings.index import forget_cached_indexes
from paperscope.store import Store
from stages import ingest


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """The deterministic hashing encoder, data in a fresh folder (no .env involved)."""
    forget_cached_indexes()
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=tmp_path / "data",
        embedding_model="hashing",
    )


@pytest.fixture
def sample_store(store: Store) -> Store:
    """The `store` fixture (SQLite and PostgreSQL) holding the 12 works of the sample."""
    ingest(store, SAMPLE)
    return store
