"""Fixtures of the search tests: a store holding the small arXiv sample, hashing settings,
and the sample's BM25 index built."""

from __future__ import annotations

from pathlib import Path

import pytest
from search_helpers import SAMPLE

from paperscope.config import Settings
from paperscope.embeddings.index import forget_cached_indexes
from paperscope.search.bm25 import Bm25Index, bm25_index, forget_bm25_indexes
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


@pytest.fixture
def built(sample_store: Store, settings: Settings) -> Bm25Index:
    """The sample's BM25 index, built (this process's view of it made afresh)."""
    forget_bm25_indexes()
    index = bm25_index(sample_store, settings)
    assert index is not None
    assert index.rebuild() is not None
    return index
