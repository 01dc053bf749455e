"""The pgvector index on PostgreSQL 16 (bundled by the `pgserver` wheel): the same results as
the exact index, incremental updates, HNSW recall, exact filtered search."""

from __future__ import annotations

import importlib.metadata
import itertools
import random
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from search_helpers import SAMPLE, title_id
from sqlalchemy import delete, insert, text, update

from paperscope.config import Settings
from paperscope.embeddings.encoders import HashingEncoder
from paperscope.embeddings.faiss_index import VectorIndex
from paperscope.embeddings.index import open_index
from paperscope.embeddings.pgvector import PgVectorIndex, nearest_statement, table_name
from paperscope.embeddings.vectors import embed_works
from paperscope.search import SearchRequest, search
from paperscope.store import Store
from paperscope.store.schema import works
from pgserver import PgServer, start_server
from stages import ingest

WORDS = (  # noqa: SIM905 (one string reads better than 42 quoted words)
    "graph neural network attention transformer protein folding molecule retrieval ranking "
    "query index vector search language model translation speech audio image vision robot "
    "control policy reward game theory market auction privacy encryption compiler parser "
    "database transaction storage cache kernel scheduler cloud energy climate"
).split()
_names = itertools.count()


@pytest.fixture(scope="session")
def pg16_server() -> Iterator[PgServer]:
    """PostgreSQL 16 with pgvector, from the pgserver wheel's binaries (not its Python API,
    which must not run as root), as the `postgres` user when the tests run as root."""
    try:
        wheel = importlib.metadata.distribution("pgserver")
    except importlib.metadata.PackageNotFoundError:
        pytest.skip("pgserver is not installed (pip install -e '.[dev]'): no pgvector to test")
    bin_dir = Path(str(wheel.locate_file("pgserver/pginstall/bin")))
    if not (bin_dir / "initdb").exists():
        pytest.skip(f"the pgserver wheel has no PostgreSQL binaries in {bin_dir}")
    server = start_server(bin_dir)
    yield server
    server.stop()


@pytest.fixture
def pg16_store(pg16_server: PgServer) -> Iterator[Store]:
    store = Store.open(pg16_server.new_database(f"pgvector_{next(_names)}"))
    ingest(store, SAMPLE)
    yield store
    store.close()


def _add_works(store: Store, count: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    rows = []
    for i in range(count):
        title = " ".join(rng.sample(WORDS, 4)) + f" study {i}"
        abstract = " ".join(rng.choices(WORDS, k=25))
        rows.append({"title": title, "title_key": title.lower(), "abstract": abstract})
    with store.transaction() as connection:
        connection.execute(insert(works), rows)


def _exact(store: Store) -> VectorIndex:
    with store.connect() as connection:
        return VectorIndex.build(connection, "hashing")


@pytest.mark.postgres
def test_semantic_search_matches_the_exact_index(pg16_store: Store, settings: Settings) -> None:
    _add_works(pg16_store, 200)
    embed_works(pg16_store, HashingEncoder())
    index = open_index(pg16_store, settings.data_dir, "hashing")
    exact = _exact(pg16_store)
    assert isinstance(index, PgVectorIndex) and index.size == exact.size == 212
    assert index.kind == "pgvector HNSW" and index.dim == exact.dim
    for text_ in ("graph neural networks for molecules", "speech translation", "cloud cache"):
        request = SearchRequest(text_, "semantic", per_page=10)
        hits = search(pg16_store, request, settings).hits
        expected = exact.search(HashingEncoder().encode([text_])[0], 10)
        assert [h.work_id for h in hits] == [w for w, _ in expected]
        assert [h.score for h in hits] == pytest.approx([s for _, s in expected], abs=1e-5)
    some = int(exact.ids[5])
    assert np.allclose(index.vector_of(some), exact.vector_of(some))  # type: ignore[arg-type]


@pytest.mark.postgres
def test_filtered_search_is_exact(pg16_store: Store, settings: Settings) -> None:
    _add_works(pg16_store, 100)
    embed_works(pg16_store, HashingEncoder())
    index = open_index(pg16_store, settings.data_dir, "hashing")
    exact = _exact(pg16_store)
    allowed = exact.ids[::7]
    query = HashingEncoder().encode(["vision robot control"])[0]
    found = index.search(query, 5, allowed)
    assert [w for w, _ in found] == [w for w, _ in exact.search(query, 5, allowed)]
    assert set(w for w, _ in found) <= set(allowed.tolist())
    assert index.count_among(allowed) == exact.count_among(allowed) == len(allowed)
    assert index.nearest_among(query, 5, allowed) == (found, len(allowed))
    assert index.nearest_among(query, 5, allowed[:3]) == (index.search(query, 5, allowed[:3]), 3)
    assert index.count_among(np.array([10**9], dtype=np.int64)) == 0


def test_without_the_extension_the_faiss_index_serves(
    sample_store: Store, settings: Settings
) -> None:
    """SQLite, and Debian's PostgreSQL 15 (no pgvector package)."""
    if sample_store.engine.dialect.name == "postgresql":
        with sample_store.connect() as connection:
            query = text("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'")
            if connection.execute(query).first() is not None:
                pytest.skip("this PostgreSQL offers pgvector")
    embed_works(sample_store, HashingEncoder())
    index = open_index(sample_store, settings.data_dir, "hashing")
    assert type(index) is VectorIndex and index.size == 12


@pytest.mark.postgres
def test_index_follows_new_changed_and_deleted_works(pg16_store: Store, settings: Settings) -> None:
    encoder = HashingEncoder()
    embed_works(pg16_store, encoder)
    index = open_index(pg16_store, settings.data_dir, "hashing")
    assert isinstance(index, PgVectorIndex) and index.size == 12
    with pg16_store.transaction() as connection:
        title = "Tapestry weaving on medieval looms"
        new = connection.execute(
            insert(works).values(title=title, title_key=title.lower(), abstract="Warp, weft.")
        ).inserted_primary_key[0]
        graph = title_id(pg16_store, "Graph Neural")
        connection.execute(
            update(works).where(works.c.id == graph).values(title="Glacier ice cores")
        )
    embed_works(pg16_store, encoder)
    hits = search(pg16_store, SearchRequest("tapestry weaving looms", "semantic"), settings).hits
    assert hits[0].work_id == new
    hits = search(pg16_store, SearchRequest("glacier ice cores", "semantic"), settings).hits
    assert hits[0].work_id == graph
    assert open_index(pg16_store, settings.data_dir, "hashing") is index and index.size == 13
    with pg16_store.transaction() as connection:
        connection.execute(delete(works).where(works.c.id == new))
        rows = connection.execute(text(f"SELECT count(*) FROM {table_name('hashing')}"))
        assert rows.scalar() == 12  # ON DELETE CASCADE
    with pg16_store.connect() as connection:
        hashes = connection.execute(text(f"SELECT work_id FROM {table_name('hashing')}"))
        assert new not in set(hashes.scalars())


def _recall(found: list[list[int]], truth: list[set[int]]) -> float:
    return float(np.mean([len(set(f) & t) / len(t) for f, t in zip(found, truth, strict=True)]))


@pytest.mark.postgres
def test_hnsw_recall_against_exact_numpy(pg16_store: Store, settings: Settings) -> None:
    _add_works(pg16_store, 400, seed=11)
    embed_works(pg16_store, HashingEncoder())
    index = open_index(pg16_store, settings.data_dir, "hashing")
    assert isinstance(index, PgVectorIndex)
    exact = _exact(pg16_store)
    rng = random.Random(3)
    queries = HashingEncoder().encode([" ".join(rng.sample(WORDS, 3)) for _ in range(30)])
    order = [np.argsort(-(exact.matrix @ q), kind="stable")[:10] for q in queries]
    truth = [set(exact.ids[rows].tolist()) for rows in order]
    # the search path (the planner may scan 412 rows rather than walk the graph) ...
    assert _recall([[w for w, _ in index.search(q, 10)] for q in queries], truth) >= 0.95
    # ... and the HNSW graph itself, forced, at pgvector's default ef_search (40)
    walked = []
    with pg16_store.transaction() as connection:
        connection.execute(text("SET LOCAL enable_seqscan = off"))
        connection.execute(text("SET LOCAL hnsw.ef_search = 40"))
        statement = text(nearest_statement(index.table))
        plan = connection.execute(
            text("EXPLAIN " + nearest_statement(index.table)),
            {"q": str(queries[0].tolist()), "k": 10},
        )
        assert f"{index.table}_hnsw" in "\n".join(plan.scalars())
        for query in queries:
            rows = connection.execute(statement, {"q": str(query.tolist()), "k": 10})
            walked.append(list(rows.scalars()))
    assert _recall(walked, truth) >= 0.95
