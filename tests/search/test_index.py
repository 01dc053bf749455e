"""The vector index: exact and IVF search, persistence, incremental updates, staleness."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from search_helpers import title_id
from sqlalchemy import update

from paperscope.cli.web import start_warm_up
from paperscope.config import Settings
from paperscope.embeddings import faiss_index
from paperscope.embeddings import index as index_module
from paperscope.embeddings.encoders import HashingEncoder
from paperscope.embeddings.index import VectorIndex, index_dir, open_index
from paperscope.embeddings.vectors import embed_works
from paperscope.search import service
from paperscope.search.service import similar_works, warm_vector_index
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


def test_ids_are_found_among_the_live_rows_after_each_change(
    sample_store: Store, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sorted ids `_rows` looks many ids up in are made again after rows change."""
    from paperscope.embeddings.vectors import bump_generation

    monkeypatch.setattr(faiss_index, "VECTORISED_LOOKUP", 0)  # always the sorted lookup
    embed_works(sample_store, HashingEncoder())
    index = open_index(sample_store, settings.data_dir, "hashing")
    every = np.array(sorted(index._row_of), dtype=np.int64)
    asked = np.concatenate([every, [10**9]])
    assert index.count_among(asked) == 12
    graph = title_id(sample_store, "Graph Neural")
    speech = title_id(sample_store, "Transformers for Speech")
    with sample_store.transaction() as connection:
        connection.execute(works.delete().where(works.c.id == graph))
        connection.execute(update(works).where(works.c.id == speech).values(title="Heard"))
    embed_works(sample_store, HashingEncoder())  # re-embeds the changed work: a new row
    with sample_store.transaction() as connection:
        bump_generation(connection, "hashing")
    assert open_index(sample_store, settings.data_dir, "hashing") is index
    assert index.count_among(asked) == 11
    query = index.vector_of(speech)
    assert query is not None and index._row_of[speech] == 12  # appended after the rest
    hits, eligible = index.nearest_among(query, 3, asked)
    assert hits[0][0] == speech and graph not in [w for w, _ in hits] and eligible == 11


def test_sorted_ids_read_while_rows_change_are_not_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    """A sync in another thread while a search sorts the ids: that search's order is used
    once, never kept for the searches after the change."""
    matrix = clustered(100, 8, 5)
    index = VectorIndex(
        "t", np.arange(100, dtype=np.int64), ["h"] * 100, matrix, np.ones(100, bool)
    )
    flatnonzero = np.flatnonzero

    def meanwhile(alive: np.ndarray) -> np.ndarray:
        index._rows_changed()  # as sync does after changing rows
        return flatnonzero(alive)

    monkeypatch.setattr(faiss_index.np, "flatnonzero", meanwhile)
    index._id_order()
    assert index._by_id is None
    monkeypatch.setattr(faiss_index.np, "flatnonzero", flatnonzero)
    first = index._id_order()
    assert index._id_order() is first  # kept while nothing changes


def test_warming_up_sorts_the_ids_of_an_ivf_index(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(faiss_index, "ANN_THRESHOLD", 100)
    monkeypatch.setattr(faiss_index, "VECTORISED_LOOKUP", 50)
    matrix = clustered(300, 8, 6)
    ids = np.arange(1000, 1300, dtype=np.int64)[::-1].copy()  # rows not in id order
    index = VectorIndex("t", ids, ["h"] * 300, matrix, np.ones(300, bool))
    exact = VectorIndex("t", ids, ["h"] * 300, matrix, np.ones(300, bool))
    index.build_ann()
    index.warm_up()
    exact.warm_up()  # no inverted lists to scan: nothing to do
    assert index._by_id is not None and exact._by_id is None
    sorted_ids, rows = index._by_id
    assert list(sorted_ids) == list(range(1000, 1300)) and list(ids[rows]) == list(sorted_ids)


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


def clustered(n: int, dim: int, seed: int) -> np.ndarray:
    """Unit vectors around 40 centres, as real embeddings are clustered."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(40, dim))
    matrix = centres[rng.integers(0, 40, n)] + 0.7 * rng.normal(size=(n, dim))
    return (matrix / np.linalg.norm(matrix, axis=1, keepdims=True)).astype(np.float32)


def overlap_with_exact(index: VectorIndex, queries: np.ndarray) -> float:
    overlap = []
    for q in queries:
        exact = {w for w, _ in index._exact(q, 10, None)}
        approx = {w for w, _ in index.search(q, 10)}
        overlap.append(len(exact & approx) / 10)
    return float(np.mean(overlap))


def test_ivf_recall_against_exact_and_after_adding_without_rebuild(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Above the threshold the index is IVF-Flat; its top 10 agree with exact search, and
    still do after 20% more vectors are appended to the trained lists (no retraining)."""
    monkeypatch.setattr(faiss_index, "ANN_THRESHOLD", 100)
    matrix = clustered(3000, 24, 3)
    ids = np.arange(3000, dtype=np.int64)
    index = VectorIndex("t", ids[:2500], ["h"] * 2500, matrix[:2500], np.ones(2500, dtype=bool))
    index.build_ann()
    assert index.kind == "IVF-Flat" and index.trained_size == 2500
    trained = index.ann
    assert overlap_with_exact(index, matrix[:40]) >= 0.95
    index._append(ids[2500:], matrix[2500:], ["h"] * 500)
    assert index.ann is trained and index.ann.ntotal == 3000  # appended, not rebuilt
    assert overlap_with_exact(index, matrix[2500:2540]) >= 0.95
    assert index.search(matrix[2999], 1)[0][0] == 2999


def test_a_deep_list_scans_more_inverted_lists(monkeypatch: pytest.MonkeyPatch) -> None:
    """`scan`: a list of 1,000 from a 3,000-vector IVF index read with enough lists to
    compare 8,000 vectors holds the exact top 1,000; with the default lists it cannot."""
    monkeypatch.setattr(faiss_index, "ANN_THRESHOLD", 100)
    matrix = clustered(3000, 24, 6)
    ids = np.arange(3000, dtype=np.int64)
    index = VectorIndex("t", ids, ["h"] * 3000, matrix, np.ones(3000, dtype=bool))
    index.build_ann()
    assert index.ann is not None and index.ann.nlist == 109  # 2 sqrt(3000)
    exact = {w for w, _ in index._exact(matrix[0], 1000, None)}
    shallow = {w for w, _ in index.search(matrix[0], 1000)}
    deep = index.search(matrix[0], 1000, scan=8000)
    assert len(shallow & exact) < 1000  # 32 of 109 lists hold ~880 vectors
    assert {w for w, _ in deep} == exact
    assert [s for _, s in deep] == sorted((s for _, s in deep), reverse=True)


def test_exact_search_among_many_ids_scans_the_lists_with_a_bitmap(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Among more than `VECTORISED_LOOKUP` ids an IVF index scans every list for the rows
    of those ids: exactly what reading their vectors finds, without the ids that have none
    (unknown, or tombstoned)."""
    monkeypatch.setattr(faiss_index, "ANN_THRESHOLD", 100)
    matrix = clustered(2000, 16, 8)
    ids = np.arange(5, 2005, dtype=np.int64)
    index = VectorIndex("t", ids, ["h"] * 2000, matrix, np.ones(2000, dtype=bool))
    index.build_ann()
    index.alive[40] = False  # work 45's vector, tombstoned
    index._row_of.pop(45)
    index._remove_rows(np.array([40]))
    allowed = np.concatenate([np.arange(0, 1500, 2), [45, 99_999]]).astype(np.int64)
    expected = {w for w in allowed.tolist() if w in index._row_of}
    assert index.count_among(allowed) == len(expected)
    for query in matrix[:20]:
        gathered = index.search(query, 30, allowed)  # rows read from the matrix
        monkeypatch.setattr(faiss_index, "VECTORISED_LOOKUP", 10)
        scanned = index.search(query, 30, allowed)  # every list, the rows as a bitmap
        assert index.count_among(allowed) == len(expected)
        assert index.nearest_among(query, 30, allowed) == (scanned, len(expected))
        few = index.nearest_among(query, 30, np.array([45, 47, 99_999], dtype=np.int64))
        assert ([w for w, _ in few[0]], few[1]) == ([47], 1)  # fewer than k: the hits
        monkeypatch.setattr(faiss_index, "VECTORISED_LOOKUP", 4096)
        assert [w for w, _ in scanned] == [w for w, _ in gathered]
        assert {w for w, _ in scanned} <= expected
        assert np.allclose([s for _, s in scanned], [s for _, s in gathered], atol=1e-5)


def test_ivf_never_returns_a_tombstoned_row(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(faiss_index, "ANN_THRESHOLD", 100)
    matrix = clustered(500, 16, 4)
    ids = np.arange(500, dtype=np.int64)
    index = VectorIndex("t", ids, ["h"] * 500, matrix, np.ones(500, dtype=bool))
    index.build_ann()
    assert index.search(matrix[7], 1)[0][0] == 7
    index.alive[7] = False
    index._row_of.pop(7)
    index._remove_rows(np.array([7]))
    assert 7 not in {w for w, _ in index.search(matrix[7], 10)}
    assert len(index.search(matrix[7], 10)) == 10


def test_index_dir_is_beside_an_sqlite_database(sample_store: Store, tmp_path: Path) -> None:
    directory = index_dir(sample_store, tmp_path, "minilm")
    if sample_store.dialect == "sqlite":
        assert directory.parent.name.endswith(".db.search")
    else:
        assert directory.is_relative_to(tmp_path / "search")


def test_an_ivf_index_reloads_with_its_matrix_mapped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With IVF lists the matrix is only read row by row: it is mapped from its file, and
    the reloaded index answers, finds a work's vector and grows as the one it saved."""
    monkeypatch.setattr(faiss_index, "ANN_THRESHOLD", 100)
    matrix = clustered(600, 16, 5)
    ids = np.arange(10, 610, dtype=np.int64)
    alive = np.ones(500, dtype=bool)
    alive[3] = False
    built = VectorIndex("t", ids[:500], ["h"] * 500, matrix[:500], alive)
    built.build_ann()
    built.save(tmp_path / "t")
    loaded = VectorIndex.load(tmp_path / "t", "t")
    assert loaded is not None and isinstance(loaded.matrix, np.memmap)
    assert loaded.size == built.size == 499 and 13 not in loaded._row_of
    assert loaded.search(matrix[40], 5) == built.search(matrix[40], 5)
    assert np.array_equal(loaded.vector_of(50), matrix[40])
    # Appended after a tombstone left the lists: each new row keeps its own work id.
    loaded._append(ids[500:], matrix[500:], ["h"] * 100)
    assert loaded.search(matrix[550], 1)[0][0] == 560
    exact = VectorIndex("t", ids[:50], ["h"] * 50, matrix[:50], np.ones(50, dtype=bool))
    exact.save(tmp_path / "exact")
    reloaded = VectorIndex.load(tmp_path / "exact", "t")
    assert reloaded is not None and not isinstance(reloaded.matrix, np.memmap)


def test_serve_loads_the_vector_index_before_it_is_asked(
    sample_store: Store, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    embed_works(sample_store, HashingEncoder())
    index_module.forget_cached_indexes()
    start_warm_up(settings, sample_store).join(timeout=120)

    def not_again(*args: object, **kwargs: object) -> None:
        raise AssertionError("the index was loaded again")

    monkeypatch.setattr(VectorIndex, "load", not_again)
    monkeypatch.setattr(VectorIndex, "build", not_again)
    similar = similar_works(sample_store, title_id(sample_store, "Graph"), settings, limit=3)
    assert len(similar) == 3
    assert warm_vector_index(sample_store, settings) == 12


def test_serve_loads_the_encoder_before_a_semantic_search(
    sample_store: Store, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    embed_works(sample_store, HashingEncoder())
    index_module.forget_cached_indexes()
    loaded: list[str] = []

    def recorded(name: str, data_dir: object = None) -> HashingEncoder:
        loaded.append(name)
        return HashingEncoder()

    warmed: list[int] = []
    monkeypatch.setattr(service, "get_encoder", recorded)
    monkeypatch.setattr(VectorIndex, "warm_up", lambda index: warmed.append(index.size))
    start_warm_up(settings, sample_store).join(timeout=120)
    assert loaded == [settings.embedding_model]
    assert warmed == [12]  # the index did what its first filtered search would


def test_no_encoder_is_loaded_without_vectors(
    sample_store: Store, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    index_module.forget_cached_indexes()

    def refused(name: str, data_dir: object = None) -> HashingEncoder:
        raise AssertionError("nothing to search: the encoder was loaded")

    monkeypatch.setattr(service, "get_encoder", refused)
    assert warm_vector_index(sample_store, settings) == 0


def test_serve_reads_the_database_ahead_unless_told_not_to(
    sample_store: Store, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from paperscope.cli import web as web_cli

    asked: list[Store] = []
    monkeypatch.setattr(web_cli, "prewarm_database", asked.append)
    start_warm_up(settings, sample_store).join(timeout=120)
    assert asked == [sample_store]
    quiet = settings.model_copy(update={"serve_prewarm": False})
    start_warm_up(quiet, sample_store).join(timeout=120)
    assert asked == [sample_store]
