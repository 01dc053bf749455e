"""The vector index: exact and HNSW search, persistence, incremental updates, staleness."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from search_helpers import title_id
from sqlalchemy import update

from paperscope.config import Settings
from paperscope.embeddings import faiss_index
from paperscope.embeddings import index as index_module
from paperscope.embeddings.encoders import HashingEncoder
from paperscope.embeddings.index import VectorIndex, index_dir, open_index
from paperscope.embeddings.vectors import embed_works
from paperscope.store import Store
from paperscope.store.schema import works


def test_index_is_saved_and_reloaded(sample_store: Store, settings: Settings) -> None:
    embed_works(sample_store, HashingEncoder())
    built = open_index(sample_store, settings.data_dir, "hashing")
    directory = index_dir(sample_store, settings.data_dir, "hashing")
    assert (directory / "meta.json").is_file() and built.size == 12
    loaded = VectorIndex.load(directory, "hashing")
    assert loaded is not None and loaded.size == 12
    query = HashingEncoder().encode(["graph neural networks molecules"])[0]
    assert loaded.search(query, 3) == built.search(query, 3)
    assert VectorIndex.load(directory, "minilm") is None  # another model's folder


def test_index_updates_incrementally(sample_store: Store, settings: Settings) -> None:
    encoder = HashingEncoder()
    embed_works(sample_store, encoder)
    index = open_index(sample_store, settings.data_dir, "hashing")
    rows_before = len(index.ids)
    graph = title_id(sample_store, "Graph Neural")
    with sample_store.transaction() as connection:
        connection.execute(
            update(works)
            .where(works.c.id == graph)
            .values(title="Tapestry weaving", abstract="Medieval tapestry weaving looms.")
        )
    embed_works(sample_store, encoder)
    same = open_index(sample_store, settings.data_dir, "hashing")
    assert same is index  # the cached index, synced in place
    assert len(index.ids) == rows_before + 1 and index.size == 12  # one tombstone, one append
    query = encoder.encode(["tapestry weaving looms"])[0]
    assert next(w for w, _ in index.search(query, 1)) == graph
    # a fresh process (empty cache) loads the saved, synced index
    index_module.forget_cached_indexes()
    reloaded = open_index(sample_store, settings.data_dir, "hashing")
    assert reloaded is not index and next(w for w, _ in reloaded.search(query, 1)) == graph


def test_deleted_works_leave_the_index(sample_store: Store, settings: Settings) -> None:
    embed_works(sample_store, HashingEncoder())
    open_index(sample_store, settings.data_dir, "hashing")
    graph = title_id(sample_store, "Graph Neural")
    with sample_store.transaction() as connection:
        connection.execute(works.delete().where(works.c.id == graph))
    embed_works(sample_store, HashingEncoder())  # nothing to embed; cascade removed the vector
    from paperscope.embeddings.vectors import bump_generation

    with sample_store.transaction() as connection:
        bump_generation(connection, "hashing")
    index = open_index(sample_store, settings.data_dir, "hashing")
    assert index.size == 11 and index.vector_of(graph) is None
    query = HashingEncoder().encode(["graph neural networks molecule"])[0]
    assert graph not in [w for w, _ in index.search(query, 12)]


def test_filtered_search_is_exact_among_allowed_ids() -> None:
    rng = np.random.default_rng(7)
    matrix = rng.normal(size=(50, 8)).astype(np.float32)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    ids = np.arange(100, 150, dtype=np.int64)
    index = VectorIndex("t", ids, ["h"] * 50, matrix, np.ones(50, dtype=bool))
    allowed = np.array([101, 120, 149, 999], dtype=np.int64)
    found = index.search(matrix[20], 10, allowed)
    assert next(w for w, _ in found) == 120  # the query's own vector, among the allowed
    assert {w for w, _ in found} <= {101, 120, 149}
    assert len(found) == 3


@pytest.mark.parametrize("n", [300])
def test_hnsw_recall_against_exact(monkeypatch: pytest.MonkeyPatch, n: int) -> None:
    """Above the threshold the index is HNSW; its top 10 agree with exact search."""
    monkeypatch.setattr(faiss_index, "HNSW_THRESHOLD", 100)
    rng = np.random.default_rng(3)
    matrix = rng.normal(size=(n, 16)).astype(np.float32)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    ids = np.arange(n, dtype=np.int64)
    index = VectorIndex("t", ids, ["h"] * n, matrix, np.ones(n, dtype=bool))
    index._build_hnsw()
    assert index.hnsw is not None
    overlap = []
    for q in matrix[:30]:
        exact = {w for w, _ in index._exact(q, 10, None)}
        approx = {w for w, _ in index.search(q, 10)}
        overlap.append(len(exact & approx) / 10)
    assert np.mean(overlap) >= 0.95


def test_index_dir_is_beside_an_sqlite_database(sample_store: Store, tmp_path: Path) -> None:
    directory = index_dir(sample_store, tmp_path, "minilm")
    if sample_store.dialect == "sqlite":
        assert directory.parent.name.endswith(".db.search")
    else:
        assert directory.is_relative_to(tmp_path / "search")
